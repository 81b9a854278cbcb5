#!/usr/bin/env bash
# Spot interruption and scale-in watcher: polls the cloud's metadata for a notice that the node goes, and drains it.
#   AWS: IMDSv2 latest/meta-data/spot/instance-action (404 until a notice), and the Auto Scaling group's
#        latest/meta-data/autoscaling/target-lifecycle-state ("Terminated" once the group terminates the node: a
#        scale-in or an instance refresh; its terminate lifecycle hook holds the node until the drain completes it).
#   GCP: instance/preempted (TRUE on notice); a group's replacement runs the shutdown script, which sends SIGUSR1.
# Drain: refuse new connections to the inference port (the load balancer's health checks then fail and it takes
# the node out), let established connections (in-flight requests) finish, then, for an AWS lifecycle hook, complete
# it (CompleteLifecycleAction with the instance role) so the group terminates the node; then exit.
# SIGUSR1 or SIGTERM drains at once (the GCE shutdown script sends SIGUSR1).
#
# Settings: HI_CLOUD (aws|gcp), HI_PORT, HI_WATCH_INTERVAL (5 s), HI_DRAIN_SECONDS (AWS 100, GCP 25),
#           AWS: HI_AWS_REGION, HI_ASG_NAME, HI_LIFECYCLE_HOOK (the group's terminate hook; unset: nothing to complete),
#           HI_METADATA_URL, HI_AUTOSCALING_URL (default the cloud's metadata server and Auto Scaling API; tests: fakes).
set -euo pipefail

: "${HI_CLOUD:?}" "${HI_PORT:?}"
INTERVAL=${HI_WATCH_INTERVAL:-5}
case "$HI_CLOUD" in
  aws) METADATA=${HI_METADATA_URL:-http://169.254.169.254}; DRAIN_SECONDS=${HI_DRAIN_SECONDS:-100} ;;
  gcp) METADATA=${HI_METADATA_URL:-http://metadata.google.internal}; DRAIN_SECONDS=${HI_DRAIN_SECONDS:-25} ;;
  *) echo "spot-watcher: HI_CLOUD must be aws or gcp (got $HI_CLOUD)" >&2; exit 10 ;;
esac

log() { printf 'spot-watcher: %s\n' "$*" >&2; }

imds_token() {
  curl -fsS -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$METADATA/latest/api/token"
}

# Why the node goes: "interruption" (spot), "scale-in" (the group terminates it: a scale-in or a refresh) or nothing.
LEAVING=""

notice_pending() {
  local token status state
  if [ "$HI_CLOUD" = aws ]; then
    token=$(imds_token) || return 1
    status=$(curl -sS -m 2 -o /dev/null -w '%{http_code}' -H "X-aws-ec2-metadata-token: $token" "$METADATA/latest/meta-data/spot/instance-action") || return 1
    if [ "$status" = 200 ]; then LEAVING=interruption; return 0; fi
    state=$(curl -fsS -m 2 -H "X-aws-ec2-metadata-token: $token" "$METADATA/latest/meta-data/autoscaling/target-lifecycle-state" 2>/dev/null) || return 1
    if [ "$state" = Terminated ]; then LEAVING=scale-in; return 0; fi
    return 1
  else
    [ "$(curl -fsS -m 2 -H 'Metadata-Flavor: Google' "$METADATA/computeMetadata/v1/instance/preempted")" = TRUE ]
  fi
}

in_flight() {
  ss -Htn state established "( sport = :$HI_PORT )" | wc -l
}

# The group's terminate hook holds the node until this call (or its heartbeat timeout): the drain is done.
complete_lifecycle() {
  local token instance role creds
  if [ -z "${HI_ASG_NAME:-}" ] || [ -z "${HI_LIFECYCLE_HOOK:-}" ]; then
    log "no lifecycle hook to complete"
    return 0
  fi
  token=$(imds_token) || return 1
  instance=$(curl -fsS -m 2 -H "X-aws-ec2-metadata-token: $token" "$METADATA/latest/meta-data/instance-id") || return 1
  role=$(curl -fsS -m 2 -H "X-aws-ec2-metadata-token: $token" "$METADATA/latest/meta-data/iam/security-credentials/") || return 1
  creds=$(curl -fsS -m 2 -H "X-aws-ec2-metadata-token: $token" "$METADATA/latest/meta-data/iam/security-credentials/$role") || return 1
  # Credentials go to curl on stdin, never on its command line.
  jq -r '"user = \"\(.AccessKeyId):\(.SecretAccessKey)\"\nheader = \"x-amz-security-token: \(.Token)\""' <<<"$creds" |
    curl -fsS -m 10 -K - --aws-sigv4 "aws:amz:${HI_AWS_REGION:?}:autoscaling" -o /dev/null \
      --data-urlencode Action=CompleteLifecycleAction --data-urlencode Version=2011-01-01 \
      --data-urlencode "AutoScalingGroupName=$HI_ASG_NAME" --data-urlencode "LifecycleHookName=$HI_LIFECYCLE_HOOK" \
      --data-urlencode "InstanceId=$instance" --data-urlencode LifecycleActionResult=CONTINUE \
      "${HI_AUTOSCALING_URL:-https://autoscaling.${HI_AWS_REGION}.amazonaws.com/}" || return 1
  log "completed lifecycle hook $HI_LIFECYCLE_HOOK for $instance"
}

drain() {
  trap - USR1 TERM
  log "${LEAVING:-interruption} notice: refusing new connections on port $HI_PORT"
  iptables -I INPUT -p tcp --dport "$HI_PORT" --syn -j REJECT --reject-with tcp-reset
  ip6tables -I INPUT -p tcp --dport "$HI_PORT" --syn -j REJECT --reject-with tcp-reset 2>/dev/null || true
  local waited=0 n
  while n=$(in_flight) && [ "$n" -gt 0 ] && [ "$waited" -lt "$DRAIN_SECONDS" ]; do
    log "draining: $n connection(s) in flight"
    sleep 1
    waited=$((waited + 1))
  done
  log "drained after ${waited}s ($(in_flight) connection(s) left)"
  if [ "$LEAVING" = scale-in ]; then
    complete_lifecycle || log "could not complete the lifecycle hook; the group terminates the node at its heartbeat timeout"
  fi
  exit 0
}

trap drain USR1 TERM
log "watching $HI_CLOUD metadata at $METADATA every ${INTERVAL}s"
while :; do
  if notice_pending; then drain; fi
  sleep "$INTERVAL" &
  wait $! || true
done
