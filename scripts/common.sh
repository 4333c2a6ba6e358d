# Shared set-up steps for run.sh and test.sh (sourced, not executed).
# Everything a fresh Debian 12 machine with Python 3.11 and Node 20 lacks is installed here.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SMSTUDIO_VENV:-$ROOT/.venv}"
export PATH="$VENV/bin:$PATH"
export PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# Install Debian packages that are missing (needs root or sudo).
ensure_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "Installing system packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "Creating virtual environment $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
  fi
}

# Build the wheel (this compiles the JupyterLab extension with jlpm) and install it
# with the given extras, so what runs is exactly what users get from `pip install`.
install_wheel() {
  local extras="$1"
  log "Building the wheel (Python package + prebuilt JupyterLab extension)"
  rm -rf "$ROOT/dist"
  "$VENV/bin/pip" wheel -q --no-deps -w "$ROOT/dist" "$ROOT"
  local wheel
  wheel="$(ls "$ROOT"/dist/jupyter_smstudio-*.whl)"
  log "Installing $(basename "$wheel")${extras:+ with [$extras]}"
  "$VENV/bin/pip" uninstall -q -y jupyter_smstudio >/dev/null 2>&1 || true
  "$VENV/bin/pip" install -q "${wheel}${extras:+[$extras]}"
}

# The arguments `jupyter lab` gets from run.sh: our defaults, then the user's. A default
# is left out when the user's arguments set the same option (`--port 9999`, `--port=9999`
# or `--ServerApp.port=9999`), so jupyter never sees two values. Prints one a line.
lab_args() {
  local -a user=("$@")
  _given_arg() {
    local arg name
    for arg in "${user[@]+"${user[@]}"}"; do
      for name in "$@"; do
        case "$arg" in "--$name" | "--$name="*) return 0 ;; esac
      done
    done
    return 1
  }
  local -a out=(--no-browser)
  _given_arg port ServerApp.port || out+=("--port=${SMSTUDIO_PORT:-8888}")
  _given_arg ip ServerApp.ip || out+=("--ip=${SMSTUDIO_IP:-127.0.0.1}")
  _given_arg notebook-dir ServerApp.root_dir ServerApp.notebook_dir ||
    out+=("--ServerApp.root_dir=${SMSTUDIO_NOTEBOOK_DIR:-$ROOT/workspace}")
  if [ "$(id -u)" -eq 0 ] && ! _given_arg allow-root ServerApp.allow_root; then
    out+=(--allow-root)
  fi
  printf '%s\n' "${out[@]}" "${user[@]+"${user[@]}"}"
}
