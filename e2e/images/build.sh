#!/usr/bin/env bash
# Builds every e2e image from its recipe in e2e/images/<name>/, or reuses it when an image with
# the same recipe hash is already there. No image is ever pulled: `base` is a debootstrapped
# Debian rootfs imported with `docker import`, and every other image is built FROM it.
#
#   build.sh [name ...]      default: all images (base first)
#
# Tags: trafficlab-e2e/<name>:<hash12> and the alias trafficlab-e2e/<name>:current; an image
# with variants (a `variants` file: "<variant> KEY=value ...", passed as --build-arg) gets
# trafficlab-e2e/<name>:<hash12>-<variant> and the alias trafficlab-e2e/<name>:<variant>.
# The hash covers every file of the recipe directory, the base image's hash and BUILD_EPOCH,
# and is stored as the label org.trafficlab.e2e.recipe.
# Env: E2E_BUILD_JOBS (default 2) images built at once after base; E2E_BUILD_LOG_DIR (default
# /tmp/trafficlab-e2e-build); E2E_REBUILD=1 builds even when the hash matches.
# Prints one line per image: "built|reused <tag> <seconds> s", then "total <seconds> s".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

. "$here/../lib/common.sh"

# Bump to rebuild every image when something outside the recipes changes how they are built.
BUILD_EPOCH=1
ALL_IMAGES=(base host registry nginx mysql valkey api pebble lego metrics)
jobs="${E2E_BUILD_JOBS:-2}"
log_dir="${E2E_BUILD_LOG_DIR:-/tmp/trafficlab-e2e-build}"
mkdir -p "$log_dir"

recipe_hash() {
  local name=$1 parent_hash=${2:-}
  (
    cd "$here/$name"
    printf 'epoch=%s\nparent=%s\n' "$BUILD_EPOCH" "$parent_hash"
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  ) | sha256sum | cut -c1-64
}

image_exists() { docker image inspect --format '{{.Id}}' "$1" >/dev/null 2>&1; }

# Hosts the machine resolves through /etc/hosts (a package mirror behind a proxy, say) are
# not known inside build containers; pass them on so apt reaches the same mirror.
add_hosts=()
while read -r address name _; do
  case "$address" in '' | '#'* | 127.* | ::1 | fe00::* | ff0?::*) continue ;; esac
  [[ $name == *.* ]] && add_hosts+=(--add-host "$name:$address")
done </etc/hosts

build_base() {
  local hash=$1 tag=$2 rootfs
  rootfs="$(mktemp -d /var/tmp/trafficlab-e2e-rootfs.XXXXXX)"
  # shellcheck disable=SC2064 # expand now: the trap must remove this build's directory
  trap "rm -rf '$rootfs'" RETURN
  bash "$here/base/rootfs.sh" "$rootfs"
  tar -C "$rootfs" --numeric-owner -c . |
    docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change 'CMD ["bash"]' \
      --change "LABEL org.trafficlab.e2e.recipe=$hash org.trafficlab.e2e.image=base" \
      - "$tag" >/dev/null
}

# Removes the tags of earlier recipes of an image (their layers go when nothing else uses them),
# so the cache holds one version of each image. E2E_KEEP_OLD_IMAGES=1 keeps them.
prune_old() {
  local repo=$1 short=$2 tag
  [ "${E2E_KEEP_OLD_IMAGES:-0}" = 1 ] && return 0
  docker images --format '{{.Tag}}' "$repo" | grep -E '^[0-9a-f]{12}(-|$)' | grep -v "^$short" |
    while read -r tag; do docker rmi "$repo:$tag" >/dev/null 2>&1 || true; done || true
}

# build_one NAME HASH BASE_TAG: builds the image (and its variants) unless already there.
build_one() {
  local name=$1 hash=$2 base_tag=${3:-} short=${2:0:12} start=$SECONDS tag variant args status=reused
  local repo="trafficlab-e2e/$name" logf="$log_dir/$name.log"
  : >"$logf"
  local -a targets=()
  if [ -f "$here/$name/variants" ]; then
    while read -r variant args; do
      case "$variant" in '' | '#'*) continue ;; esac
      targets+=("$variant|$args")
    done <"$here/$name/variants"
  else
    targets=("|")
  fi
  for target in "${targets[@]}"; do
    variant="${target%%|*}" args="${target#*|}"
    tag="$repo:$short${variant:+-$variant}"
    if [ "${E2E_REBUILD:-0}" != 1 ] && image_exists "$tag"; then
      docker tag "$tag" "$repo:${variant:-current}"
      continue
    fi
    status=built
    if [ "$name" = base ]; then
      build_base "$hash" "$tag" >>"$logf" 2>&1 || { tail -n 40 "$logf" >&2; return 1; }
    else
      local -a build_args=(--build-arg "BASE_IMAGE=$base_tag")
      local pair
      for pair in $args; do build_args+=(--build-arg "$pair"); done
      # The legacy builder: engine 20.10's BuildKit would need its own frontend image from a registry.
      DOCKER_BUILDKIT=0 docker build --force-rm "${add_hosts[@]}" "${build_args[@]}" \
        --label "org.trafficlab.e2e.recipe=$hash" --label "org.trafficlab.e2e.image=$name" \
        ${variant:+--label "org.trafficlab.e2e.variant=$variant"} \
        -t "$tag" "$here/$name" >>"$logf" 2>&1 || { tail -n 40 "$logf" >&2; echo "build: $name failed; full log: $logf" >&2; return 1; }
    fi
    docker tag "$tag" "$repo:${variant:-current}"
  done
  prune_old "$repo" "$short"
  printf '%s %s:%s%s %d s\n' "$status" "$repo" "$short" "${variant:+ (+${#targets[@]} variants)}" "$((SECONDS - start))"
}

main() {
  local -a wanted=("$@")
  [ "${#wanted[@]}" -gt 0 ] || wanted=("${ALL_IMAGES[@]}")
  local name started=$SECONDS
  for name in "${wanted[@]}"; do
    [ -d "$here/$name" ] || die "no recipe directory e2e/images/$name"
  done
  # One builder at a time on this machine: two runs would build the same image twice.
  exec 8>/tmp/trafficlab-e2e-build.lock
  flock --timeout 3600 8 || die "another build.sh holds /tmp/trafficlab-e2e-build.lock"

  local base_hash base_tag
  base_hash="$(recipe_hash base)"
  base_tag="trafficlab-e2e/base:${base_hash:0:12}"
  build_one base "$base_hash" || die "base image failed"

  # Each build records its outcome in a file: `wait -n` already reaps jobs, so their exit codes
  # cannot be collected again by pid afterwards.
  local failed=0
  for name in "${wanted[@]}"; do
    [ "$name" = base ] && continue
    rm -f "$log_dir/$name.ok"
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    { build_one "$name" "$(recipe_hash "$name" "$base_hash")" "$base_tag" && touch "$log_dir/$name.ok"; } &
  done
  wait
  for name in "${wanted[@]}"; do
    [ "$name" = base ] && continue
    [ -f "$log_dir/$name.ok" ] || { failed=1; echo "build: $name failed" >&2; }
  done
  echo "total $((SECONDS - started)) s"
  [ "$failed" = 0 ] || die "some images failed to build; logs in $log_dir"
}

main "$@"
