#!/usr/bin/env bash
# @trafficlab/api-host scripts/check-host-key.sh, rendered with:
host='203.0.113.10'
port='22'
pinned_host_key='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'
scans='60'
per_scan_timeout='10'
# shellcheck disable=SC1003,SC2016 # a literal value
changed_message=('check-host-key: the host key of 203.0.113.10:22 CHANGED: it is not the key this stack pinned, so the deploy stopped before connecting (nothing was sent to the host).' '  pinned (the stack'\''s host key, installed by the instance'\''s user data at first boot): SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU (ED25519)' '  presented now:' '@PRESENTED@' 'The machine at this address is not the one the stack made: the instance was replaced or rebuilt outside Pulumi, the address moved to another machine, or someone replaced the host'\''s key. Find out which before anything else.' 'To accept a new host key on purpose, make a new host with a new pinned key (the instance is replaced, every host step runs on the new one, the old one is deleted last):' '  pulumi up --replace '\''urn:pulumi:dev::trafficlab::trafficlab:api-host:ApiHost$tls:index/privateKey:PrivateKey::dev-api-host-key'\''')

# Runs on the machine that runs `pulumi up` (a command.local.Command), before any SSH step that
# runs on the host: asks the host's sshd for its public keys with ssh-keyscan (no login, nothing
# of the deploy sent) and tells "not answering yet" from "answering with another key".
# @pulumi/command cannot: it retries a host key mismatch like a refused connection
# (pulumi-command v1.2.1 remote/connection.go dialWithRetry), so on a booting host's budget a
# changed key took about 4.5 minutes to fail with "ssh: host key mismatch".
# - no answer (refused, timed out: the instance is booting): scanned again, `scans` times,
#   100 ms apart growing 1.5x to 5 s, as @pulumi/command spaces its dials;
# - the pinned key among the keys it presents: done;
# - only other keys: fails at once with changed_message, its @PRESENTED@ line replaced by
#   their fingerprints.
: "${host:?}" "${port:?}" "${pinned_host_key:?}" "${scans:?}" "${per_scan_timeout:?}"
# The message's lines; the line @PRESENTED@ stands for the presented keys' fingerprints.
# shellcheck disable=SC2154 # an array of the header: set -u stops the script when it is missing
: "${#changed_message[@]}"
set -euo pipefail

for tool in ssh-keyscan ssh-keygen; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-host-key: $tool (the OpenSSH client tools) is not installed on this machine; the deploy needs it to check the host key of ${host} before it connects." >&2
    exit 1
  fi
done

pinned="$(awk '{ print $1 " " $2 }' <<<"$pinned_host_key")"
delay_ms=100
started=$SECONDS
for ((scan = 1; scan <= scans + 1; scan++)); do
  # "host type key" lines; the "# host:port SSH-2.0-..." banner lines go to stderr.
  presented="$(ssh-keyscan -T "$per_scan_timeout" -p "$port" "$host" 2>/dev/null | awk '$1 !~ /^#/ && NF >= 3 { print $2 " " $3 }' || true)"
  if [ -n "$presented" ]; then
    if grep -qxF -- "$pinned" <<<"$presented"; then
      echo "check-host-key: ${host}:${port} presents the pinned host key (scan ${scan}, $((SECONDS - started)) s)"
      exit 0
    fi
    fingerprints=""
    while read -r key; do
      # "256 SHA256:... no comment (ED25519)" -> "SHA256:... (ED25519)"
      fingerprints+="$(ssh-keygen -lf - <<<"$key" | awk '{ print "    " $2 " " $NF }' || echo "    (a key ssh-keygen cannot read: ${key:0:40}...)")"$'\n'
    done <<<"$presented"
    for line in "${changed_message[@]}"; do
      if [ "$line" = "@PRESENTED@" ]; then printf '%s' "$fingerprints" >&2; else printf '%s\n' "$line" >&2; fi
    done
    echo "check-host-key: refused at scan ${scan} of at most $((scans + 1)), $((SECONDS - started)) s after the first" >&2
    exit 1
  fi
  if ((scan <= scans)); then
    sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
    delay_ms=$((delay_ms * 3 / 2 > 5000 ? 5000 : delay_ms * 3 / 2))
  fi
done
echo "check-host-key: ${host}:${port} did not answer SSH in ${scans} retries ($((SECONDS - started)) s): the instance may still be booting, or its security group does not admit this machine (sshAllowedCidrs). Nothing was sent to it." >&2
exit 1
