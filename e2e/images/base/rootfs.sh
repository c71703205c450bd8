#!/usr/bin/env bash
# The base image's root filesystem: Debian bookworm minbase from the Debian mirror, the only
# source of software the e2e tier has (no image registry is reachable). build.sh imports the
# directory given as $1 with `docker import`; every other image is built FROM it.
set -euo pipefail
target=$1
mirror="${E2E_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

debootstrap --variant=minbase bookworm "$target" "$mirror" >&2

cat >"$target/etc/apt/sources.list" <<SOURCES
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
# Small images: no recommends, no docs; apt retries a flaky mirror instead of failing the build.
cat >"$target/etc/apt/apt.conf.d/90trafficlab-e2e" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
APT
cat >"$target/etc/dpkg/dpkg.cfg.d/90trafficlab-e2e-nodoc" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
DPKG
# No init system in a container: package scripts must never try to start a service.
printf '#!/bin/sh\nexit 101\n' >"$target/usr/sbin/policy-rc.d"
chmod 755 "$target/usr/sbin/policy-rc.d"
rm -rf "$target"/var/lib/apt/lists/* "$target"/var/cache/apt/*.bin "$target"/var/cache/apt/archives/*.deb "$target"/var/log/*.log
