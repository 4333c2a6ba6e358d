#!/bin/bash
# Download a data file into the space (once), checking its SHA-256 when given.
set -euo pipefail
DATA_URL="${DATA_URL:?set DATA_URL (http, https or file URL)}"
DEST="${DEST:-$HOME/data/$(basename "$DATA_URL")}"
SHA256="${SHA256:-}"                # expected checksum, optional

if [ -f "$DEST" ]; then
  echo "$DEST is already here"
  exit 0
fi
mkdir -p "$(dirname "$DEST")"
echo "Downloading $DATA_URL"
python3 - "$DATA_URL" "$DEST.part" <<'PY'
import shutil, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=60) as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
if [ -n "$SHA256" ]; then
  actual="$(sha256sum "$DEST.part" | cut -d' ' -f1)"
  if [ "$actual" != "$SHA256" ]; then
    rm -f "$DEST.part"
    echo "Checksum mismatch for $DATA_URL: expected $SHA256, got $actual" >&2
    exit 1
  fi
fi
mv "$DEST.part" "$DEST"
echo "Saved $DEST ($(du -h "$DEST" | cut -f1))"
