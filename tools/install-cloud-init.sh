#!/usr/bin/env bash
# Installs `cloud-init-schema`, Debian's cloud-init run only as `cloud-init schema`, for the
# integration tier's check of the fleet's user data (@trafficlab/fleet). Nothing is installed
# system-wide: cloud-init and the Python libraries it needs are unpacked from Debian's packages
# into $PREFIX and run by the machine's /usr/bin/python3 through a wrapper at
# /usr/local/bin/cloud-init-schema. Installing the cloud-init package itself would also install
# its boot services, which would reconfigure this machine (network, SSH host keys) at its next boot.
# Idempotent; prints the version.
set -euo pipefail

PREFIX="${CLOUD_INIT_PREFIX:-/opt/trafficlab-cloud-init}"
WRAPPER=/usr/local/bin/cloud-init-schema
# cloud-init and its Python dependencies (Debian bookworm: cloud-init 22.4.2, python3.11).
PACKAGES=(cloud-init python3-yaml python3-jsonschema python3-attr python3-pyrsistent python3-jinja2 python3-markupsafe
  python3-configobj python3-six python3-jsonpatch python3-json-pointer python3-requests python3-urllib3 python3-idna
  python3-certifi python3-chardet python3-charset-normalizer python3-oauthlib python3-netifaces python3-serial)

if [ -x "$WRAPPER" ] && "$WRAPPER" --version >/dev/null 2>&1; then
  "$WRAPPER" --version
  exit 0
fi
command -v /usr/bin/python3 >/dev/null || { echo "install-cloud-init: /usr/bin/python3 is missing (apt-get install -y python3)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs"
# The machine's own package lists (run `apt-get update` first); only downloads, no install.
(cd "$work/debs" && apt-get -o APT::Sandbox::User=root download -q "${PACKAGES[@]}" >/dev/null)

rm -rf "$PREFIX.new"
mkdir -p "$PREFIX.new"
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$PREFIX.new"; done
rm -rf "$PREFIX"
mv "$PREFIX.new" "$PREFIX"

cat >"$WRAPPER" <<WRAP
#!/bin/sh
# Debian's cloud-init, unpacked in $PREFIX (tools/install-cloud-init.sh); \`cloud-init-schema FILE\`
# validates a #cloud-config offline, \`--version\` prints cloud-init's version.
export PYTHONPATH="$PREFIX/usr/lib/python3/dist-packages"
if [ "\${1:-}" = "--version" ]; then exec /usr/bin/python3 "$PREFIX/usr/bin/cloud-init" --version; fi
exec /usr/bin/python3 "$PREFIX/usr/bin/cloud-init" schema --config-file "\$@"
WRAP
chmod 755 "$WRAPPER"
"$WRAPPER" --version
