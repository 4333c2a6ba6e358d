#!/bin/bash
# Install Python packages into the space, where its kernels find them.
# Settings: PACKAGES (space-separated pip requirements) or, when empty, the
# space's requirements.txt. Runs on each start; pip skips what is installed.
set -euo pipefail
PACKAGES="${PACKAGES:-}"            # e.g. "pandas==2.2.3 scikit-learn"
REQUIREMENTS="${REQUIREMENTS:-$HOME/requirements.txt}"
PIP_OPTIONS="${PIP_OPTIONS:-}"      # e.g. "--no-index --find-links $HOME/wheels"

TARGET="$HOME/.smstudio/site-packages"
mkdir -p "$TARGET"
args=()
if [ -n "$PACKAGES" ]; then
  read -r -a args <<<"$PACKAGES"
elif [ -f "$REQUIREMENTS" ]; then
  args=(-r "$REQUIREMENTS")
else
  echo "Nothing to install: set PACKAGES or add $REQUIREMENTS"
  exit 0
fi
read -r -a options <<<"$PIP_OPTIONS"
echo "Installing into $TARGET: ${args[*]}"
python3 -m pip install --quiet --disable-pip-version-check --upgrade --target "$TARGET" \
  "${options[@]}" "${args[@]}"
echo "Installed. New kernels of this space import them; restart running kernels."
