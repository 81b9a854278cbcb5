#!/usr/bin/env bash
# Spot interruption watcher: polls the cloud's metadata for an interruption notice and drains the node.
#   AWS: IMDSv2 latest/meta-data/spot/instance-action (404 until a notice); GCP: instance/preempted (TRUE on notice).
# Drain: refuse new connections to the inference port (the load balancer's health checks then fail and it takes
# the node out), let established connections (in-flight requests) finish, then exit.
# SIGUSR1 or SIGTERM drains at once (the GCE shutdown script sends SIGUSR1).
#
# Settings: HI_CLOUD (aws|gcp), HI_PORT, HI_WATCH_INTERVAL (5 s), HI_DRAIN_SECONDS (AWS 100, GCP 25),
#           HI_METADATA_URL (defaults to the cloud's metadata server; tests point it at a fake).
set -euo pipefail

: "${HI_CLOUD:?}" "${HI_PORT:?}"
INTERVAL=${HI_WATCH_INTERVAL:-5}
case "$HI_CLOUD" in
  aws) METADATA=${HI_METADATA_URL:-http://169.254.169.254}; DRAIN_SECONDS=${HI_DRAIN_SECONDS:-100} ;;
  gcp) METADATA=${HI_METADATA_URL:-http://metadata.google.internal}; DRAIN_SECONDS=${HI_DRAIN_SECONDS:-25} ;;
  *) echo "spot-watcher: HI_CLOUD must be aws or gcp (got $HI_CLOUD)" >&2; exit 10 ;;
esac

log() { printf 'spot-watcher: %s\n' "$*" >&2; }

notice_pending() {
  local token status
  if [ "$HI_CLOUD" = aws ]; then
    token=$(curl -fsS -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' "$METADATA/latest/api/token") || return 1
    status=$(curl -sS -m 2 -o /dev/null -w '%{http_code}' -H "X-aws-ec2-metadata-token: $token" "$METADATA/latest/meta-data/spot/instance-action") || return 1
    [ "$status" = 200 ]
  else
    [ "$(curl -fsS -m 2 -H 'Metadata-Flavor: Google' "$METADATA/computeMetadata/v1/instance/preempted")" = TRUE ]
  fi
}

in_flight() {
  ss -Htn state established "( sport = :$HI_PORT )" | wc -l
}

drain() {
  trap - USR1 TERM
  log "interruption notice: refusing new connections on port $HI_PORT"
  iptables -I INPUT -p tcp --dport "$HI_PORT" --syn -j REJECT --reject-with tcp-reset
  ip6tables -I INPUT -p tcp --dport "$HI_PORT" --syn -j REJECT --reject-with tcp-reset 2>/dev/null || true
  local waited=0 n
  while n=$(in_flight) && [ "$n" -gt 0 ] && [ "$waited" -lt "$DRAIN_SECONDS" ]; do
    log "draining: $n connection(s) in flight"
    sleep 1
    waited=$((waited + 1))
  done
  log "drained after ${waited}s ($(in_flight) connection(s) left)"
  exit 0
}

trap drain USR1 TERM
log "watching $HI_CLOUD metadata at $METADATA every ${INTERVAL}s"
while :; do
  if notice_pending; then drain; fi
  sleep "$INTERVAL" &
  wait $! || true
done
