#!/usr/bin/env bash
# Set up everything and start JupyterLab with SM Studio on the embedded default
# (local processes, SQLite and files under the Jupyter data dir).
# Usage: bash scripts/run.sh [extra jupyter lab arguments]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

ensure_venv
install_wheel ""
mkdir -p "${SMSTUDIO_NOTEBOOK_DIR:-$ROOT/workspace}"

log "Starting JupyterLab (the URL with its token is printed below)"
# shellcheck disable=SC2046
exec "$VENV/bin/jupyter" lab --no-browser --ip="${SMSTUDIO_IP:-127.0.0.1}" \
  --port="${SMSTUDIO_PORT:-8888}" --ServerApp.root_dir="${SMSTUDIO_NOTEBOOK_DIR:-$ROOT/workspace}" \
  $(jupyter_root_flag) "$@"
