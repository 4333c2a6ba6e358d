#!/usr/bin/env bash
# Set up what the tests need and run all of them: lint, Python tests (a local Spark
# included), frontend unit tests and browser UI tests (Galata on Debian's Chromium).
# Usage: bash scripts/test.sh           (everything)
#        SMSTUDIO_SKIP_UI=1 bash scripts/test.sh       (no browser tests)
#        SMSTUDIO_SKIP_DOCKER=1 bash scripts/test.sh   (no Docker engine set-up)
#        SMSTUDIO_PYTORCH=1 bash scripts/test.sh       (also PyTorch's CPU build, ~700 MB:
#                                                      the `pytorch` tests skip without it)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
start=$(date +%s)

[ "${SMSTUDIO_SKIP_UI:-0}" = 1 ] || ensure_apt chromium fonts-dejavu-core
# Java for a real local Spark (the Data Wrangler's PySpark export tests).
command -v java >/dev/null || ensure_apt openjdk-17-jre-headless
ensure_venv
install_wheel "all,test,dev,spark"
if [ "${SMSTUDIO_PYTORCH:-0}" = 1 ]; then
  log "PyTorch (CPU build)"
  pip install -q torch --index-url https://download.pytorch.org/whl/cpu \
    --extra-index-url https://pypi.org/simple
fi
if [ "${SMSTUDIO_SKIP_DOCKER:-0}" != 1 ]; then
  # A real engine for the Docker backends' tests (they skip, saying why, without one).
  source "$ROOT/scripts/docker.sh"
  ensure_docker_engine && ensure_base_image
fi

log "Test tools: configurable-http-proxy (for the JupyterHub idle-culling test)"
# Versions pinned by .ci-tools/package-lock.json.
[ -x .ci-tools/node_modules/.bin/configurable-http-proxy ] ||
  npm ci --silent --no-audit --no-fund --prefix .ci-tools

log "Lint: ruff, mypy"
ruff check .
ruff format --check .
mypy

log "Lint: eslint, prettier, stylelint"
jlpm lint:check

log "Python tests"
# In parallel, a test file per worker (its module fixtures, such as one server for the
# file, are made once): most tests wait on servers, jobs and containers, not the CPU,
# so 3 workers on 2 cores roughly halve the run. SMSTUDIO_TEST_WORKERS=0: one process.
pytest -q -p no:cacheprovider -n "${SMSTUDIO_TEST_WORKERS:-3}" --dist loadfile --durations=20

log "Frontend unit tests"
jlpm test

if [ "${SMSTUDIO_SKIP_UI:-0}" != 1 ]; then
  log "Browser UI tests (Galata + Chromium)"
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  (cd ui-tests && jlpm install && jlpm test)
fi

log "All tests passed in $(( $(date +%s) - start ))s"
