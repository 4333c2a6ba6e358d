#!/usr/bin/env bash
# Set up everything and start JupyterLab with SM Studio on the embedded default
# (local processes, SQLite and files under the Jupyter data dir).
# Usage: bash scripts/run.sh [extra jupyter lab arguments]
#
# Arguments win over the defaults: `--port 9999`, `--ip=0.0.0.0` or
# `--ServerApp.root_dir=DIR` replace the default instead of adding a second value.
# Environment variables read (each only when the matching argument is absent):
#   SMSTUDIO_PORT          port (default 8888)
#   SMSTUDIO_IP            address to bind (default 127.0.0.1)
#   SMSTUDIO_NOTEBOOK_DIR  the server's root directory (default ./workspace)
#   SMSTUDIO_VENV          the virtual environment to create and use (default ./.venv)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

mapfile -t args < <(lab_args "$@")
ensure_venv
install_wheel "all"
for arg in "${args[@]}"; do
  case "$arg" in --ServerApp.root_dir=*) mkdir -p "${arg#--ServerApp.root_dir=}" ;; esac
done

log "Starting JupyterLab (the URL with its token is printed below)"
exec "$VENV/bin/jupyter" lab "${args[@]}"
