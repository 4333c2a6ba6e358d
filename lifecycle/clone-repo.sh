#!/bin/bash
# Clone a git repository into the space, or update it when it is already there.
set -euo pipefail
REPO_URL="${REPO_URL:?set REPO_URL, e.g. https://github.com/org/project.git}"
BRANCH="${BRANCH:-}"                # empty: the repository's default branch
TARGET="${TARGET:-$HOME/$(basename "${REPO_URL%.git}")}"

if [ -d "$TARGET/.git" ]; then
  echo "Updating $TARGET"
  git -C "$TARGET" pull --ff-only
else
  echo "Cloning $REPO_URL into $TARGET"
  if [ -n "$BRANCH" ]; then
    git clone --branch "$BRANCH" -- "$REPO_URL" "$TARGET"
  else
    git clone -- "$REPO_URL" "$TARGET"
  fi
fi
