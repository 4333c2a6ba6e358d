#!/usr/bin/env bash
# Start a Docker engine and build the base image (what the Docker-backend tests need).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$ROOT/scripts/docker.sh"
ensure_venv
ensure_docker_engine
ensure_base_image
log "Docker ready: $(docker version --format '{{.Server.Version}}'), image $BASE_IMAGE"
