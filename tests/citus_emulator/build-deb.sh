#!/usr/bin/env bash
# Build the Citus API emulator as a Debian package that installs like the real
# postgresql-15-citus-13.2 package (same file names, same places), or like the
# older postgresql-15-citus-13.1 with MINOR 13.1 (library 13.1.0, extension 13.1-1).
# Usage: tests/citus_emulator/build-deb.sh OUTDIR [13.2|13.1]   -> prints the path of the .deb
set -euo pipefail

usage() { echo "usage: $0 OUTDIR [13.2|13.1]" >&2; exit 2; }
[ $# -eq 1 ] || [ $# -eq 2 ] || usage

PG_MAJOR=15
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config}
MINOR=${2:-13.2}
case $MINOR in
  13.2) CITUS_VERSION=13.2.2 ;;
  13.1) CITUS_VERSION=13.1.0 ;;
  *) usage ;;
esac
PACKAGE=postgresql-${PG_MAJOR}-citus-${MINOR}
VERSION=${CITUS_VERSION}.emulator-1
# the older minors' packages, by name: each minor's package conflicts with and replaces those (both ship citus.so),
# so installing the newer one removes the older. Not a virtual package: Ansible's apt module with deb= (the citus
# role's citus_package_files) refuses a file that an installed package conflicts with, virtual names included.
OLDER=
for other in 13.0 13.1; do
  [ "$(printf '%s\n' "$other" "$MINOR" | sort -V | head -1)" = "$other" ] && [ "$other" != "$MINOR" ] \
    && OLDER="${OLDER:+$OLDER, }postgresql-${PG_MAJOR}-citus-${other}"
done
ARCH=amd64
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

command -v dpkg-deb >/dev/null || { echo "error: dpkg-deb not found (install dpkg)" >&2; exit 1; }
[ -x "$PG_CONFIG" ] || { echo "error: $PG_CONFIG not found (install postgresql-server-dev-${PG_MAJOR})" >&2; exit 1; }
[ -f "$("$PG_CONFIG" --pgxs)" ] || { echo "error: PGXS missing (install postgresql-server-dev-${PG_MAJOR})" >&2; exit 1; }

mkdir -p "$1"
OUT_DIR=$(cd "$1" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# build out of tree, so the source directory stays clean
mkdir -p "$WORK/build"
cp -r "$SRC_DIR/src" "$SRC_DIR/Makefile" "$SRC_DIR/citus.control" "$SRC_DIR"/citus--*.sql "$WORK/build/"
sed -i "s/^default_version = .*/default_version = '${MINOR}-1'/" "$WORK/build/citus.control"
make -s -C "$WORK/build" PG_CONFIG="$PG_CONFIG" CITUS_VERSION="$CITUS_VERSION" with_llvm=no PG_CFLAGS="-ffile-prefix-map=$WORK/build=." >"$WORK/make.log" 2>&1 \
  || { cat "$WORK/make.log" >&2; echo "error: building the emulator failed" >&2; exit 1; }

ROOT=$WORK/root
make -s -C "$WORK/build" PG_CONFIG="$PG_CONFIG" CITUS_VERSION="$CITUS_VERSION" with_llvm=no DESTDIR="$ROOT" install >>"$WORK/make.log" 2>&1 \
  || { cat "$WORK/make.log" >&2; echo "error: staging the emulator failed" >&2; exit 1; }
strip --strip-unneeded "$ROOT/usr/lib/postgresql/${PG_MAJOR}/lib/citus.so"

DOC=$ROOT/usr/share/doc/$PACKAGE
mkdir -p "$DOC" "$ROOT/DEBIAN"
cp "$SRC_DIR/README.md" "$DOC/README.md"
cat >"$ROOT/DEBIAN/control" <<CONTROL
Package: $PACKAGE
Version: $VERSION
Architecture: $ARCH
Maintainer: pgcitus.cluster test infrastructure <noreply@localhost>
Depends: postgresql-${PG_MAJOR}, libpq5
Conflicts: ${OLDER}
Replaces: ${OLDER}
Section: database
Priority: optional
Installed-Size: $(du -sk "$ROOT/usr" | cut -f1)
Description: Citus API emulator for tests (NOT Citus)
 Test infrastructure of the pgcitus.cluster Ansible collection: a PostgreSQL
 ${PG_MAJOR} extension named citus (library ${CITUS_VERSION}) that answers the Citus 13.2 SQL API (catalogs,
 node and table functions, error texts) while keeping metadata only. It moves
 no data and runs no distributed queries. Installs the same files in the same
 places as the real ${PACKAGE} package. Never use it in production.
CONTROL

# deterministic: fixed permissions and timestamps
EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
find "$ROOT" -type d -exec chmod 0755 {} +
find "$ROOT" -type f -exec chmod 0644 {} +
chmod 0755 "$ROOT/usr/lib/postgresql/${PG_MAJOR}/lib/citus.so"
find "$ROOT" -exec touch -h -d "@$EPOCH" {} +

DEB=$OUT_DIR/${PACKAGE}_${VERSION}_${ARCH}.deb
SOURCE_DATE_EPOCH=$EPOCH dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$DEB" >/dev/null
echo "$DEB"
