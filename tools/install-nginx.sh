#!/usr/bin/env bash
# Installs nginx 1.30 from Debian sid beside the machine's own packages, for the integration
# tier: the edge proxy's config needs nginx >= 1.27.3 (an upstream `server ... resolve`), which
# bookworm does not have (1.22). Nothing is installed system-wide: sid's nginx and the few
# libraries it needs newer than bookworm's are unpacked into $PREFIX and run through their own
# dynamic loader by a wrapper at /usr/local/sbin/nginx, so the machine keeps bookworm's libc.
# Idempotent; prints the version. Debian's mime.types comes from bookworm's nginx-common.
set -euo pipefail

PREFIX="${NGINX_PREFIX:-/opt/trafficlab-nginx}"
WRAPPER=/usr/local/sbin/nginx
PACKAGES=(nginx nginx-common libnginx-mod-stream libc6 libpcre2-8-0 libssl3t64 libzstd1 zlib1g libcrypt1)

# The stream module too: the single host's edge front is an nginx `stream` proxy (Debian builds it as a module).
STREAM_MODULE="$PREFIX/usr/lib/nginx/modules/ngx_stream_module.so"
if [ -x "$WRAPPER" ] && [ -f "$STREAM_MODULE" ] && "$WRAPPER" -v 2>&1 | grep -q 'nginx/1\.\(2[89]\|[3-9][0-9]\)\.'; then
  "$WRAPPER" -v
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
cat >"$work/sid.sources" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
# A private package list: the machine's own apt sources and state are left as they are.
apt_options=(-o "Dir::Etc::SourceList=$work/sid.sources" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root -q)
apt-get "${apt_options[@]}" update >/dev/null
(cd "$work/debs" && apt-get "${apt_options[@]}" download "${PACKAGES[@]}" >/dev/null 2>&1)

rm -rf "$PREFIX.new"
mkdir -p "$PREFIX.new"
for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$PREFIX.new"; done
rm -rf "$PREFIX"
mv "$PREFIX.new" "$PREFIX"

libs="$PREFIX/usr/lib/x86_64-linux-gnu"
cat >"$WRAPPER" <<WRAP
#!/bin/sh
# nginx from Debian sid, run with its own libraries (tools/install-nginx.sh).
exec "$libs/ld-linux-x86-64.so.2" --library-path "$libs" "$PREFIX/usr/sbin/nginx" "\$@"
WRAP
chmod 755 "$WRAPPER"
"$WRAPPER" -v
