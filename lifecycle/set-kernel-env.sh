#!/bin/bash
# Set environment variables for the space's kernels (kept in ~/.smstudio/kernel.env).
# List them below as NAME=value, one per line; existing names are replaced.
set -euo pipefail
VARIABLES="${VARIABLES:-
MLFLOW_TRACKING_URI=file://$HOME/mlruns
TOKENIZERS_PARALLELISM=false
}"

ENV_FILE="$HOME/.smstudio/kernel.env"
mkdir -p "$(dirname "$ENV_FILE")"
touch "$ENV_FILE"
while IFS= read -r line; do
  [ -z "$line" ] && continue
  name="${line%%=*}"
  if ! [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    echo "Skipping '$line': not NAME=value" >&2
    continue
  fi
  grep -v "^${name}=" "$ENV_FILE" >"$ENV_FILE.tmp" || true
  printf '%s\n' "$line" >>"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  echo "Set $name for kernels"
done <<<"$VARIABLES"
