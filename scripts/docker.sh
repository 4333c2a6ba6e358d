# Docker engine and base image for the Docker backends and their tests (sourced).
# There is no container registry here: images are built locally from Debian packages.

BASE_IMAGE="${SMSTUDIO_BASE_IMAGE:-smstudio-base:py311}"
# Python packages baked into the base image (kernels, training scripts, model server).
BASE_IMAGE_PACKAGES=(ipykernel numpy)

ensure_docker_engine() {
  if docker info >/dev/null 2>&1; then return 0; fi
  command -v dockerd >/dev/null 2>&1 || ensure_apt docker.io
  log "Starting the Docker engine"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo sh -c 'nohup dockerd --storage-driver=overlay2 >/tmp/smstudio-dockerd.log 2>&1 &'
  local deadline=$(( $(date +%s) + 60 ))
  until docker info >/dev/null 2>&1; do
    if [ "$(date +%s)" -gt "$deadline" ]; then
      echo "dockerd did not start; see /tmp/smstudio-dockerd.log" >&2
      tail -20 /tmp/smstudio-dockerd.log >&2
      return 1
    fi
    sleep 0.5
  done
}

ensure_base_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then return 0; fi
  ensure_apt debootstrap
  log "Building $BASE_IMAGE from Debian packages (once; about a minute)"
  local rootfs mirror
  rootfs="$(mktemp -d /tmp/smstudio-rootfs.XXXXXX)"
  mirror="$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,procps,ca-certificates \
    bookworm "$rootfs" "$mirror" >/tmp/smstudio-debootstrap.log 2>&1
  "$VENV/bin/pip" install -q --target "$rootfs/usr/local/lib/python3.11/dist-packages" \
    "${BASE_IMAGE_PACKAGES[@]}"
  ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
  tar -C "$rootfs" -c . | docker import -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
}
