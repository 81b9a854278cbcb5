# Provisions a fleet node: Docker, the node's secrets, and systemd units for the
# inference container and, on spot capacity, the interruption watcher; on Hetzner,
# a firewall rule that keeps everyone but root away from the metadata service, and
# the drain agent the routers ask before they send a base node new requests.
# This is the body of the boot script; infra/inference/bootscript.ts renders the
# HI_* settings above it. Cloud-init (Hetzner), EC2 user data and the GCE
# startup-script all run the same rendered script, once per boot.
set -euo pipefail
umask 077

: "${HI_CLOUD:?}" "${HI_IMAGE:?}" "${HI_MODEL_URI:?}" "${HI_MODEL_SHA256:?}" "${HI_PORT:?}"
: "${HI_API_KEY_SOURCE:=none}" "${HI_SPOT:=0}" "${HI_METADATA_GUARD:=0}"

# HI_CONF_DIR and the *_URL settings below exist for the tests, which run these steps against fakes.
readonly CONF_DIR=${HI_CONF_DIR:-/etc/hybrid-inference}
readonly SECRETS_DIR=$CONF_DIR/secrets
readonly MODEL_HOST_DIR=/var/lib/hybrid-inference/models
# The drain agent's answer ("ready" or "drain"), read by HAProxy's agent-check on every router.
readonly RUN_DIR=${HI_RUN_DIR:-/run/hybrid-inference}
readonly AGENT_STATE=$RUN_DIR/agent-state
# The image runs llama-server as this unprivileged user.
readonly CONTAINER_UID=10001

log() { printf 'hybrid-inference node-setup: %s\n' "$*" >&2; }
die() { log "error: $2"; exit "$1"; }

retry() {
  local attempt=1
  until "$@"; do
    if [ "$attempt" -ge 5 ]; then return 1; fi
    sleep $((attempt * 5))
    attempt=$((attempt + 1))
  done
}

install_packages() {
  if command -v docker >/dev/null 2>&1 && command -v jq >/dev/null 2>&1 && command -v socat >/dev/null 2>&1; then return 0; fi
  log "installing docker.io, curl, jq and socat"
  export DEBIAN_FRONTEND=noninteractive
  retry apt-get update -q || die 20 "apt-get update failed"
  retry apt-get install -y -q docker.io curl jq socat ca-certificates || die 20 "apt-get install failed"
  systemctl enable --now docker
}

# The drain agent: HAProxy's agent-check reads one line, "ready" (take new requests; it also ends a drain) or "drain"
# (finish the ones you have, take no more), from this port on every router (haproxy.ts, agent-check). The health
# checks alone say whether the node is up.
agent() {
  : "${HI_AGENT_PORT:?}"
  [ -s "$AGENT_STATE" ] || agent_state ready
  exec socat "TCP-LISTEN:${HI_AGENT_PORT},bind=${HI_AGENT_BIND:-0.0.0.0},reuseaddr,fork" SYSTEM:"cat $AGENT_STATE"
}

agent_state() {
  case "$1" in ready | drain) ;; *) die 10 "agent state must be ready or drain (got '$1')" ;; esac
  install -d -m 0755 "$RUN_DIR"
  printf '%s\n' "$1" >"$AGENT_STATE.tmp"
  mv -f "$AGENT_STATE.tmp" "$AGENT_STATE"
}

# Requests in flight on the inference port: its established connections (the routers open one per request).
in_flight() {
  ss -Htn state established "( sport = :${HI_PORT} )" | wc -l
}

# Before the node stops: the agent says "drain", so every router sends it nothing new within its agent-inter (2 s);
# then wait for the requests it serves to finish, at most HI_DRAIN_SECONDS (inside the window the provider gives a
# server it deletes). systemd runs it as ExecStop, so a shutdown (a replacement with shutdownBeforeDeletion, a
# reboot) drains first; what is still running then is retried by the routers (non-streamed) or cut (a stream).
drain() {
  local waited=0 n limit=${HI_DRAIN_SECONDS:-25} settle=${HI_DRAIN_SETTLE_SECONDS:-3}
  agent_state drain
  log "draining: the routers stop sending new requests within ${settle}s"
  sleep "$settle"
  while n=$(in_flight) && [ "$n" -gt 0 ] && [ "$waited" -lt "$limit" ]; do
    log "draining: $n request(s) in flight"
    sleep 1
    waited=$((waited + 1))
  done
  log "drained after $((settle + waited))s ($(in_flight) request(s) left)"
}

# AWS: read one SSM SecureString ("name:version") with the instance role, over IMDSv2 and SigV4.
aws_ssm_parameter() {
  local name=$1 imds=${HI_IMDS_URL:-http://169.254.169.254} token role creds
  token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$imds/latest/api/token")
  role=$(curl -fsS -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/iam/security-credentials/")
  creds=$(curl -fsS -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/iam/security-credentials/$role")
  # Credentials go to curl on stdin, never on its command line.
  jq -r '"user = \"\(.AccessKeyId):\(.SecretAccessKey)\"\nheader = \"x-amz-security-token: \(.Token)\""' <<<"$creds" |
    curl -fsS -K - --aws-sigv4 "aws:amz:${HI_AWS_REGION:?}:ssm" \
      -H 'X-Amz-Target: AmazonSSM.GetParameter' -H 'Content-Type: application/x-amz-json-1.1' \
      --data "$(jq -cn --arg n "$name" '{Name: $n, WithDecryption: true}')" \
      "${HI_SSM_URL:-https://ssm.${HI_AWS_REGION}.amazonaws.com/}" | jq -er '.Parameter.Value'
}

# GCP: read one Secret Manager secret version (projects/P/secrets/S/versions/N) with the instance's service account.
# REST: GET /v1/{name}:access returns {"payload": {"data": <base64>}}
# (cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets.versions/access).
gcp_secret() {
  local version=$1 token
  token=$(curl -fsS -H 'Metadata-Flavor: Google' \
    "${HI_GCE_METADATA_URL:-http://metadata.google.internal}/computeMetadata/v1/instance/service-accounts/default/token" | jq -er .access_token)
  printf 'header = "Authorization: Bearer %s"\n' "$token" |
    curl -fsS -K - "${HI_SECRET_MANAGER_URL:-https://secretmanager.googleapis.com}/v1/${version}:access" |
    jq -er '.payload.data' | base64 -d
}

install_api_key() {
  local dest=$SECRETS_DIR/llama-api-key value
  case "$HI_API_KEY_SOURCE" in
    none) rm -f "$dest"; return 0 ;;
    preset) [ -s "$dest" ] || die 21 "API key expected at $dest but it is missing" ;;
    aws-ssm:*) value=$(retry aws_ssm_parameter "${HI_API_KEY_SOURCE#aws-ssm:}") || die 21 "cannot read API key from SSM ${HI_API_KEY_SOURCE#aws-ssm:}"
      printf '%s' "$value" >"$dest" ;;
    gcp-secret:*) value=$(retry gcp_secret "${HI_API_KEY_SOURCE#gcp-secret:}") || die 21 "cannot read API key from Secret Manager ${HI_API_KEY_SOURCE#gcp-secret:}"
      printf '%s' "$value" >"$dest" ;;
    *) die 21 "unknown HI_API_KEY_SOURCE '$HI_API_KEY_SOURCE'; allowed: none, preset, aws-ssm:<name>:<version>, gcp-secret:projects/<p>/secrets/<s>/versions/<n>" ;;
  esac
  chown "$CONTAINER_UID" "$dest"
  chmod 0400 "$dest"
}

# The metadata service answers anyone who can reach it, and on Hetzner it serves the user data, which holds the
# model-store key. After boot only root may reach it: the container (uid 10001, host network) and every other user
# are rejected in OUTPUT by owner; containers on a Docker bridge are rejected in DOCKER-USER, which Docker consults
# before its own FORWARD rules (docs.docker.com/engine/network/packet-filtering-firewalls/). Idempotent; run at every
# boot by hybrid-inference-metadata-guard.service, before Docker and the inference container start.
metadata_guard() {
  local ip=${HI_METADATA_IP:-169.254.169.254}
  command -v iptables >/dev/null 2>&1 || die 22 "iptables is required to guard the metadata service"
  iptables -w -N HI-METADATA 2>/dev/null || iptables -w -F HI-METADATA
  iptables -w -A HI-METADATA -m owner --uid-owner 0 -j RETURN
  iptables -w -A HI-METADATA -p tcp -j REJECT --reject-with tcp-reset
  iptables -w -A HI-METADATA -j REJECT
  iptables -w -C OUTPUT -d "$ip/32" -j HI-METADATA 2>/dev/null || iptables -w -I OUTPUT 1 -d "$ip/32" -j HI-METADATA
  iptables -w -N DOCKER-USER 2>/dev/null || true
  iptables -w -C DOCKER-USER -d "$ip/32" -j REJECT 2>/dev/null || iptables -w -I DOCKER-USER 1 -d "$ip/32" -j REJECT
  log "metadata service $ip: reachable by root only"
}

write_env_file() {
  # Docker's --env-file takes KEY=value lines literally; the values hold no newlines.
  local name
  for name in "${!HI_@}"; do printf '%s=%s\n' "$name" "${!name}"; done >"$CONF_DIR/inference.env"
  chmod 0600 "$CONF_DIR/inference.env"
}

docker_run_args() {
  printf '%s ' --network host --env-file "$CONF_DIR/inference.env" -v "$MODEL_HOST_DIR:/models"
  if [ -s "$SECRETS_DIR/model-store.env" ]; then printf '%s ' --env-file "$SECRETS_DIR/model-store.env"; fi
  if [ "$HI_API_KEY_SOURCE" != none ]; then printf '%s ' -v "$SECRETS_DIR/llama-api-key:${HI_API_KEY_FILE:?}:ro"; fi
}

write_units() {
  local run_args guard_deps=""
  run_args=$(docker_run_args)
  if [ "$HI_METADATA_GUARD" = 1 ]; then
    guard_deps="hybrid-inference-metadata-guard.service"
    cat >/etc/systemd/system/hybrid-inference-metadata-guard.service <<UNIT
[Unit]
Description=hybrid-inference: metadata service for root only
Before=docker.service hybrid-inference.service
DefaultDependencies=no
After=local-fs.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${SELF} metadata-guard

[Install]
WantedBy=multi-user.target
UNIT
  fi
  local drain_start="" drain_stop="" stop_timeout=""
  if [ -n "${HI_AGENT_PORT:-}" ]; then
    drain_start="ExecStartPre=${SELF} agent-state ready"
    drain_stop="ExecStop=${SELF} drain"
    stop_timeout="TimeoutStopSec=$((${HI_DRAIN_SECONDS:-25} + 90))"
    cat >/etc/systemd/system/hybrid-inference-agent.service <<UNIT
[Unit]
Description=hybrid-inference drain agent (the routers' agent-check)
After=network-online.target
Wants=network-online.target

[Service]
Restart=always
RestartSec=2
ExecStart=${SELF} agent

[Install]
WantedBy=multi-user.target
UNIT
  fi
  cat >/etc/systemd/system/hybrid-inference.service <<UNIT
[Unit]
Description=hybrid-inference llama-server (${HI_IMAGE})
After=docker.service network-online.target ${guard_deps}
Wants=network-online.target
Requires=docker.service ${guard_deps}

[Service]
Restart=always
RestartSec=10
# 10: bad settings, 13: checksum mismatch. Retrying cannot fix these.
RestartPreventExitStatus=10 13
TimeoutStartSec=900
${stop_timeout}
ExecStartPre=-/usr/bin/docker rm -f hybrid-inference
ExecStartPre=/usr/bin/docker pull ${HI_IMAGE}
${drain_start}
ExecStart=/usr/bin/docker run --rm --name hybrid-inference ${run_args}${HI_IMAGE}
${drain_stop}
ExecStop=/usr/bin/docker stop --time 60 hybrid-inference

[Install]
WantedBy=multi-user.target
UNIT
  if [ "$HI_SPOT" = 1 ]; then
    cat >/etc/systemd/system/hybrid-inference-watcher.service <<UNIT
[Unit]
Description=hybrid-inference spot interruption watcher
After=hybrid-inference.service
Requires=docker.service

[Service]
Restart=always
RestartSec=5
ExecStartPre=-/usr/bin/docker rm -f hybrid-inference-watcher
ExecStart=/usr/bin/docker run --rm --name hybrid-inference-watcher --network host --cap-add NET_ADMIN --user 0 --env-file ${CONF_DIR}/inference.env --entrypoint /opt/hybrid-inference/spot-watcher.sh ${HI_IMAGE}

[Install]
WantedBy=multi-user.target
UNIT
  fi
}

main() {
  log "cloud=${HI_CLOUD} image=${HI_IMAGE} model=${HI_MODEL_URI}"
  install_packages
  install -d -m 0700 "$CONF_DIR" "$SECRETS_DIR"
  install -d -m 0750 -o "$CONTAINER_UID" "$MODEL_HOST_DIR"
  install_api_key
  write_env_file
  write_units
  systemctl daemon-reload
  if [ "$HI_METADATA_GUARD" = 1 ]; then
    systemctl enable hybrid-inference-metadata-guard.service
    systemctl restart hybrid-inference-metadata-guard.service
  fi
  if [ -n "${HI_AGENT_PORT:-}" ]; then
    agent_state ready
    systemctl enable hybrid-inference-agent.service
    systemctl restart hybrid-inference-agent.service
  fi
  systemctl enable hybrid-inference.service
  systemctl restart hybrid-inference.service
  if [ "$HI_SPOT" = 1 ]; then
    systemctl enable hybrid-inference-watcher.service
    systemctl restart hybrid-inference-watcher.service
  fi
  log "units started; the load balancer admits the node once /health answers 200"
}

# The script's own path, for the unit that re-applies the guard at every boot (cloud-init keeps it at
# /opt/hybrid-inference/node-setup.sh).
SELF=$(readlink -f "$0")
readonly SELF

case "${1:-}" in
  "") main ;;
  metadata-guard) metadata_guard ;;
  api-key) install -d -m 0700 "$CONF_DIR" "$SECRETS_DIR"; install_api_key ;;
  agent) agent ;;
  agent-state) agent_state "${2:-}" ;;
  drain) drain ;;
  *) die 10 "unknown step '$1'; allowed: (none), metadata-guard, api-key, agent, agent-state ready|drain, drain" ;;
esac
