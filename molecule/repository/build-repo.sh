#!/bin/sh
# Builds a minimal signed apt repository (suite bookworm, component main) from the .deb files in DIR/pool/main:
# the Packages index, a Release file clearsigned as InRelease with a throwaway key, and the key as DIR/key.asc.
set -eu
repo=$1
cd "$repo"
mkdir -p dists/bookworm/main/binary-amd64
: > dists/bookworm/main/binary-amd64/Packages
for deb in pool/main/*.deb; do
  {
    dpkg-deb -f "$deb"
    echo "Filename: $deb"
    echo "Size: $(stat -c %s "$deb")"
    echo "SHA256: $(sha256sum "$deb" | cut -d' ' -f1)"
    echo
  } >> dists/bookworm/main/binary-amd64/Packages
done
packages=dists/bookworm/main/binary-amd64/Packages
cat > dists/bookworm/Release <<RELEASE
Origin: pgcitus-test
Label: pgcitus-test
Suite: bookworm
Codename: bookworm
Date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')
Architectures: amd64
Components: main
SHA256:
 $(sha256sum "$packages" | cut -d' ' -f1) $(stat -c %s "$packages") main/binary-amd64/Packages
RELEASE
export GNUPGHOME="$repo/.gnupg"
mkdir -p -m 0700 "$GNUPGHOME"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-gen-key 'pgcitus test repository' ed25519 sign never
gpg --batch --quiet --armor --export > key.asc
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --clearsign -o dists/bookworm/InRelease dists/bookworm/Release
