#!/usr/bin/env bash
# Idempotent set-up of everything the tests and the lab need, on a Debian 12 machine as root:
#   1. system packages (only the missing ones), 2. a running Docker daemon,
#   3. the test host image, 4. the Python virtualenv, 5. the Citus package the tests install.
# Reruns take seconds: every step checks before it acts.
# CITUS_DEB=/path/to/postgresql-15-citus-13.2_*.deb selects a real Citus package instead of the emulator.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE="$ROOT/.cache"
IMAGE="${PGCITUS_TEST_IMAGE:-pgcitus/test-host:bookworm}"
BASE_IMAGE="pgcitus/debian-base:bookworm"
APT_PACKAGES=(docker.io debootstrap postgresql-15 postgresql-server-dev-15 build-essential openssl python3-venv)

say() { printf '==> %s\n' "$*"; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

install_packages() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  # The server and its headers must be the same minor release, or the extension will not load.
  if [ "$(dpkg-query -W -f='${Version}' postgresql-15 2>/dev/null)" != \
       "$(dpkg-query -W -f='${Version}' postgresql-server-dev-15 2>/dev/null)" ]; then
    missing+=(postgresql-15 postgresql-server-dev-15)
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    say "Installing system packages: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

start_docker() {
  if docker info >/dev/null 2>&1; then return; fi
  say "Starting the Docker daemon"
  setsid dockerd >/var/log/pgcitus-dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && return
    sleep 1
  done
  echo "The Docker daemon did not answer within 60 s; see /var/log/pgcitus-dockerd.log" >&2
  exit 1
}

build_image() {
  local ctx="$CACHE/image" want have base
  mkdir -p "$ctx"
  cp "$ROOT/tests/image/Dockerfile" "$ctx/Dockerfile"
  # The image gets the same apt suites as this (maintained) host.
  cp /etc/apt/sources.list.d/debian.sources "$ctx/debian.sources"
  want=$(hash_of "$ctx/Dockerfile" "$ctx/debian.sources")
  have=$(docker image inspect -f '{{ index .Config.Labels "pgcitus.hash" }}' "$IMAGE" 2>/dev/null || true)
  [ "$want" = "$have" ] && return
  if docker pull -q debian:12 >/dev/null 2>&1; then
    base=debian:12
  else
    base=$BASE_IMAGE
    if ! docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
      say "No registry answers: building the Debian 12 base image with debootstrap"
      local root="$CACHE/debootstrap"
      rm -rf "$root"
      debootstrap --variant=minbase bookworm "$root" >"$CACHE/debootstrap.log" 2>&1 \
        || { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
      tar -C "$root" -c . | docker import - "$BASE_IMAGE" >/dev/null
      rm -rf "$root"
    fi
  fi
  say "Building the test host image $IMAGE from $base"
  docker build -q --build-arg "BASE=$base" --label "pgcitus.hash=$want" -t "$IMAGE" "$ctx" >/dev/null
}

make_venv() {
  local want have
  want=$(hash_of "$ROOT/requirements.txt")
  have=$(cat "$ROOT/.venv/.requirements-hash" 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    say "Creating the virtualenv .venv from requirements.txt"
    [ -x "$ROOT/.venv/bin/python" ] || python3 -m venv "$ROOT/.venv"
    "$ROOT/.venv/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements.txt"
    echo "$want" > "$ROOT/.venv/.requirements-hash"
  fi
  # The collection is used from the working tree: ansible_collections/pgcitus/cluster -> the repo.
  mkdir -p "$CACHE/collections/ansible_collections/pgcitus"
  ln -sfn ../../../.. "$CACHE/collections/ansible_collections/pgcitus/cluster"
}

citus_package() {
  local deb
  if [ -n "${CITUS_DEB:-}" ]; then
    deb=$(realpath "$CITUS_DEB")
  else
    local want old
    want=$(cd "$ROOT/tests/citus_emulator" && find . -type f ! -name '*.o' ! -name '*.so' ! -name '*.bc' -print0 \
           | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
    deb=$(ls "$CACHE/packages/$want"/postgresql-15-citus-13.2_*.deb 2>/dev/null | head -1 || true)
    old=$(ls "$CACHE/packages/$want"/postgresql-15-citus-13.1_*.deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ] || [ -z "$old" ]; then
      say "Building the Citus API emulator packages (13.2, and 13.1 for the upgrade scenario)"
      rm -rf "$CACHE/packages"
      mkdir -p "$CACHE/packages/$want"
      deb=$(bash "$ROOT/tests/citus_emulator/build-deb.sh" "$CACHE/packages/$want" | tail -1)
      old=$(bash "$ROOT/tests/citus_emulator/build-deb.sh" "$CACHE/packages/$want" 13.1 | tail -1)
    fi
    echo "$old" > "$CACHE/citus-deb-old"
  fi
  [ -f "$deb" ] || { echo "Citus package not found: $deb" >&2; exit 1; }
  # Installed on this host too: the contract and module tests run local PostgreSQL servers with it.
  local name version
  name=$(dpkg-deb -f "$deb" Package)
  version=$(dpkg-deb -f "$deb" Version)
  if [ "$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)" != "$version" ] \
     || ! cmp -s "$deb" "$CACHE/installed-citus.deb"; then
    say "Installing $(basename "$deb") on this host"
    DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -q --reinstall --allow-downgrades "$deb" >/dev/null
    cp "$deb" "$CACHE/installed-citus.deb"
  fi
  echo "$deb" > "$CACHE/citus-deb"
  # a real package has no older one here: the upgrade scenario then starts from an extension version
  [ -z "${CITUS_DEB:-}" ] || rm -f "$CACHE/citus-deb-old"
}

[ "$(id -u)" = 0 ] || { echo "scripts/setup.sh installs system packages and runs Docker: run it as root" >&2; exit 1; }
mkdir -p "$CACHE"
install_packages
start_docker
build_image
make_venv
if [ -f "$ROOT/tests/citus_emulator/build-deb.sh" ] || [ -n "${CITUS_DEB:-}" ]; then
  citus_package
fi
say "Ready: image $IMAGE, virtualenv .venv, Citus package $(cat "$CACHE/citus-deb" 2>/dev/null || echo 'not built yet')"
