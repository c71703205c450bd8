#!/usr/bin/env bash
# @trafficlab/api-host scripts/pull-images.sh, rendered with:
project_dir='/srv/app'
registry='123456789012.dkr.ecr.ap-northeast-2.amazonaws.com'
username='o'\''brien'
images=('example/trafficlab-api:1.4.0' '123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/api@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')

# Functions every host script uses, included between the header and the script's own text.
# as_root COMMAND...: privileged commands through sudo when the SSH user is not root.
as_root() { if [ "${EUID}" -eq 0 ]; then "$@"; else sudo -n -- "$@"; fi; }

# Logs in to the registry when a user is given (the password on stdin, never on a command line),
# then pulls the images of the compose project and those run outside it (the API's).
# Rendered by pullImagesScript (deploy-scripts.ts): the header, prelude.sh, then this file.
set -euo pipefail

# The header: the compose project's directory; the registry ('' for Docker Hub) and its user
# ('' for no login); the array of images to pull besides the project's, maybe empty.
: "${project_dir:?}" "${registry?}" "${username?}"
# shellcheck disable=SC2154 # an array of the header: set -u stops the script when it is missing
: "${#images[@]}"

cd "$project_dir"
if [ -n "$username" ]; then
  printf 'pull-images: logging in to %s as %s\n' "${registry:-Docker Hub}" "$username"
  if [ -n "$registry" ]; then
    as_root docker login "$registry" --username "$username" --password-stdin
  else
    as_root docker login --username "$username" --password-stdin
  fi
fi
as_root docker compose pull --quiet
# ${a[@]+"${a[@]}"}: bash 4.2 (Amazon Linux 2) calls an empty array unbound under set -u.
for image in ${images[@]+"${images[@]}"}; do
  as_root docker pull --quiet "$image"
done
echo "pull-images: images of $(pwd) pulled"
