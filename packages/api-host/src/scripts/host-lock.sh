# shellcheck shell=bash
# take_host_lock TAG LOCK_FILE TIMEOUT_SECONDS: takes the host-wide deploy lock on fd 9, waiting
# up to TIMEOUT_SECONDS; released when the script exits. Every deploying script takes it, so no
# two deploys on a host interleave.
take_host_lock() {
  local tag=$1 file=$2 timeout_seconds=$3
  as_root touch "$file"
  # A read-only descriptor is enough for flock(2), so the SSH user can hold a lock file root created.
  exec 9<"$file"
  if ! flock --exclusive --nonblock 9; then
    echo "$tag: another deploy holds $file; waiting up to $timeout_seconds s"
    flock --exclusive --timeout "$timeout_seconds" 9 || { echo "$tag: gave up waiting for $file" >&2; exit 1; }
  fi
}
