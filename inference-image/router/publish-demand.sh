#!/usr/bin/env bash
# Publishes the routers' burst demand, the one signal the burst pools scale on (it exists at zero nodes).
# Reads HAProxy's stats, computes each pool's demand in slots (its sessions plus its share of the base queue, the
# cheapest pool first, each up to its free slots), and sends the AWS pool's demand to CloudWatch (PutMetricData,
# SigV4 by curl) and the GCP pool's to Cloud Monitoring (timeSeries.create, with a service-account JWT exchanged for
# a token). Run every 20 s by hybrid-inference-demand.timer on each router; every router reports its own view, and
# the clouds add them up (a Router dimension on AWS, a router label on GCP).
#
# Settings (rendered by infra/hetzner/router-cloud-init.ts into /etc/hybrid-inference/publisher.env):
#   HI_ROUTER_ID      this router's name
#   HI_POOLS          JSON: [{"name":"gcp","maxSlots":4,"hourlyUsdPerSlot":0.015}, ...]
#   HI_STATS_SOCKET   HAProxy's admin socket; HI_STATS_CSV reads a saved `show stat` instead (tests)
#   AWS (optional):   HI_CW_REGION HI_CW_NAMESPACE HI_CW_METRIC HI_CW_DIMENSION [HI_CW_ENDPOINT]
#                     HI_AWS_CREDENTIALS: a root-only file with AWS_ACCESS_KEY_ID= and AWS_SECRET_ACCESS_KEY= lines
#   GCP (optional):   HI_GCP_PROJECT HI_GCP_METRIC_TYPE HI_GCP_POOL_LABEL HI_GCP_KEY_FILE (service-account JSON)
#                     [HI_GCP_TOKEN_URL HI_GCP_MONITORING_URL]
#   HI_STATE_DIR      where the GCP token and the pools' starving times are kept (default /run/hybrid-inference/publisher)
#   HI_FAILOVER_SECONDS  a pool with demand and no node up for this long is starved (default 420): its share of
#                     the queue also goes to the next pool, until it serves again
# Usage: publish-demand.sh [--print-demand]   (--print-demand prints the demand JSON and sends nothing)
# Exit codes: 0 published, 30 bad settings, 31 stats unreadable, 32 CloudWatch refused, 33 Cloud Monitoring refused.
set -euo pipefail

readonly E_CONFIG=30 E_STATS=31 E_AWS=32 E_GCP=33

log() { printf 'publish-demand: %s\n' "$*" >&2; }
die() {
  local code=$1
  shift
  log "error: $*"
  exit "$code"
}

[ -n "${HI_ROUTER_ID:-}" ] || die "$E_CONFIG" "HI_ROUTER_ID is not set"
[ -n "${HI_POOLS:-}" ] || die "$E_CONFIG" "HI_POOLS is not set"
jq -e 'type == "array" and all(.[]; (.name | type == "string") and (.maxSlots | type == "number") and (.hourlyUsdPerSlot | type == "number"))' <<<"$HI_POOLS" >/dev/null ||
  die "$E_CONFIG" "HI_POOLS must be a JSON array of {name, maxSlots, hourlyUsdPerSlot}"

stats_csv() {
  if [ -n "${HI_STATS_CSV:-}" ]; then
    cat "$HI_STATS_CSV"
  else
    printf 'show stat\n' | socat -t 5 stdio "unix-connect:${HI_STATS_SOCKET:-/run/haproxy/admin.sock}"
  fi
}

# The base queue is every request waiting in backend base (its own queue and its servers'); a pool's sessions are
# its backend's current sessions. The queue goes to the pools in spill-over order, each up to its free slots; a
# starved pool ($1, a JSON array of names) keeps asking for its share but leaves it to the next pool as well.
# This is apportionDemand in infra/scaling/demand.ts; a test holds the two to the same answers.
demand_json() {
  jq -R -s --argjson pools "$HI_POOLS" --argjson starved "${1:-[]}" '
    (split("\n") | map(select(length > 0))) as $lines
    | ($lines[0] | ltrimstr("# ") | split(",")) as $h
    | ($h | index("pxname")) as $px | ($h | index("svname")) as $sv | ($h | index("qcur")) as $qc | ($h | index("scur")) as $sc
    | [$lines[1:][] | split(",") | {px: .[$px], sv: .[$sv], qcur: ((.[$qc] // "0") | tonumber? // 0), scur: ((.[$sc] // "0") | tonumber? // 0)}] as $rows
    | ([$rows[] | select(.px == "base" and .sv != "FRONTEND") | .qcur] | add // 0) as $queue
    | reduce ($pools | sort_by(.hourlyUsdPerSlot, .name))[] as $p ({rest: $queue, out: {}};
        ([$rows[] | select(.px == ("burst_" + $p.name) and .sv == "BACKEND") | .scur] | add // 0 | floor) as $sessions
        | ([0, ($p.maxSlots - $sessions)] | max) as $free
        | ([.rest, $free] | min) as $take
        | (if ($starved | index($p.name)) != null then . else .rest -= $take end)
        | .out[$p.name] = ($sessions + $take))
    | .out'
}

urlenc() { jq -rn --arg v "$1" '$v | @uri'; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

put_cloudwatch() {
  local value=$1 region=${HI_CW_REGION:?} ts body
  ts=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  body="Action=PutMetricData&Version=2010-08-01&Namespace=$(urlenc "${HI_CW_NAMESPACE:?}")"
  body+="&MetricData.member.1.MetricName=$(urlenc "${HI_CW_METRIC:?}")&MetricData.member.1.Value=${value}&MetricData.member.1.Unit=Count&MetricData.member.1.Timestamp=${ts}"
  body+="&MetricData.member.1.Dimensions.member.1.Name=$(urlenc "${HI_CW_DIMENSION:?}")&MetricData.member.1.Dimensions.member.1.Value=aws"
  body+="&MetricData.member.1.Dimensions.member.2.Name=Router&MetricData.member.1.Dimensions.member.2.Value=$(urlenc "$HI_ROUTER_ID")"
  # The key goes to curl on stdin, never on its command line.
  # shellcheck disable=SC1090
  (set -a && . "$HI_AWS_CREDENTIALS" && printf 'user = "%s:%s"\n' "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}") |
    curl -fsS -K - --max-time 10 --aws-sigv4 "aws:amz:${region}:monitoring" \
      -H 'Content-Type: application/x-www-form-urlencoded; charset=utf-8' --data "$body" \
      "${HI_CW_ENDPOINT:-https://monitoring.${region}.amazonaws.com/}" >/dev/null
}

gcp_token() {
  local state=${HI_STATE_DIR:-/run/hybrid-inference/publisher} now token_url header claims signature reply token
  token_url=${HI_GCP_TOKEN_URL:-https://oauth2.googleapis.com/token}
  now=$(date +%s)
  install -d -m 0700 "$state"
  if [ -s "$state/gcp-token" ] && [ "$(jq -r '.expires // 0' "$state/gcp-token")" -gt $((now + 60)) ] &&
    jq -er '.token | select(type == "string" and length > 0)' "$state/gcp-token"; then
    return 0
  fi
  header=$(printf '{"alg":"RS256","typ":"JWT"}' | b64url)
  claims=$(jq -cjn --arg iss "$(jq -er .client_email "$HI_GCP_KEY_FILE")" --arg aud "$token_url" --argjson iat "$now" \
    '{iss: $iss, scope: "https://www.googleapis.com/auth/monitoring.write", aud: $aud, iat: $iat, exp: ($iat + 3600)}' | b64url)
  signature=$(printf '%s.%s' "$header" "$claims" | openssl dgst -sha256 -sign <(jq -er .private_key "$HI_GCP_KEY_FILE") | b64url)
  # set -e does not hold here (the caller tests this function), so every step that can fail says so.
  reply=$(curl -fsS --max-time 10 --data-urlencode 'grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer' \
    --data-urlencode "assertion=${header}.${claims}.${signature}" "$token_url") || {
    log "the token endpoint refused the service account's JWT"
    return 1
  }
  token=$(jq -er '.access_token | select(type == "string" and length > 0)' <<<"$reply") || {
    log "the token endpoint's answer has no access_token"
    return 1
  }
  (umask 077 && jq -c --argjson now "$now" '{token: .access_token, expires: ($now + (.expires_in // 3600))}' <<<"$reply" >"$state/gcp-token")
  printf '%s\n' "$token"
}

put_monitoring() {
  local value=$1 project=${HI_GCP_PROJECT:?} token body
  token=$(gcp_token) && [ -n "$token" ] || return 1
  body=$(jq -cn --arg type "${HI_GCP_METRIC_TYPE:?}" --arg poolLabel "${HI_GCP_POOL_LABEL:?}" --arg router "$HI_ROUTER_ID" \
    --arg project "$project" --arg ts "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg v "$value" \
    '{timeSeries: [{metric: {type: $type, labels: {($poolLabel): "gcp", router: $router}}, resource: {type: "global", labels: {project_id: $project}},
      points: [{interval: {endTime: $ts}, value: {int64Value: $v}}]}]}')
  printf 'header = "Authorization: Bearer %s"\n' "$token" |
    curl -fsS -K - --max-time 10 -H 'Content-Type: application/json' --data "$body" \
      "${HI_GCP_MONITORING_URL:-https://monitoring.googleapis.com}/v3/projects/${project}/timeSeries" >/dev/null
}

# "name down" per pool: down when its backend (the pool's load balancer) is not UP, i.e. no node serves behind it.
pool_states() {
  jq -R -s -r --argjson pools "$HI_POOLS" '
    (split("\n") | map(select(length > 0))) as $lines
    | ($lines[0] | ltrimstr("# ") | split(",")) as $h
    | ($h | index("pxname")) as $px | ($h | index("svname")) as $sv | ($h | index("status")) as $st
    | [$lines[1:][] | split(",") | {px: .[$px], sv: .[$sv], status: .[$st]}] as $rows
    | $pools[] | .name as $n
    | "\($n) \([$rows[] | select(.px == ("burst_" + $n) and .sv == "BACKEND") | .status] | (.[0] // "DOWN") != "UP")"'
}

# Pools that have had demand and no node up for HI_FAILOVER_SECONDS (no spot capacity, a quota, a broken boot),
# as a JSON array; when each started to starve is kept in the state directory, across runs of the timer.
starved_pools() {
  local csv=$1 demand=$2 state=${HI_STATE_DIR:-/run/hybrid-inference/publisher} now name down since out=()
  if ! mkdir -p "$state" 2>/dev/null; then
    log "warning: $state is not writable: no failover between pools"
    printf '[]\n'
    return 0
  fi
  now=$(date +%s)
  while read -r name down; do
    if [ "$down" = true ] && [ "$(jq -r --arg n "$name" '.[$n] // 0' <<<"$demand")" != 0 ]; then
      [ -f "$state/starving-$name" ] || printf '%s\n' "$now" >"$state/starving-$name"
      since=$(cat "$state/starving-$name")
      if [ $((now - since)) -ge "${HI_FAILOVER_SECONDS:-420}" ]; then out+=("$name"); fi
    else
      rm -f "$state/starving-$name"
    fi
  done < <(pool_states <<<"$csv")
  jq -cn '$ARGS.positional' --args "${out[@]}"
}

main() {
  local csv demand starved rc=0
  csv=$(stats_csv) || die "$E_STATS" "cannot read HAProxy's stats"
  demand=$(demand_json <<<"$csv") || die "$E_STATS" "cannot parse HAProxy's stats"
  starved=$(starved_pools "$csv" "$demand") || die "$E_STATS" "cannot read the pools' states"
  if [ "$starved" != "[]" ]; then
    log "starved (demand and no node up for ${HI_FAILOVER_SECONDS:-420} s): $(jq -r 'join(", ")' <<<"$starved"); their share goes to the next pool too"
    demand=$(demand_json "$starved" <<<"$csv") || die "$E_STATS" "cannot parse HAProxy's stats"
  fi
  if [ "${1:-}" = "--print-demand" ]; then
    printf '%s\n' "$demand"
    return 0
  fi
  # Settings are checked here, in the script's own shell: a die inside a function whose output is captured would
  # only end that subshell, and its exit code would read as the cloud's refusal.
  if [ -n "${HI_CW_REGION:-}" ]; then [ -r "${HI_AWS_CREDENTIALS:-}" ] || die "$E_CONFIG" "HI_AWS_CREDENTIALS is not a readable file"; fi
  if [ -n "${HI_GCP_PROJECT:-}" ]; then [ -r "${HI_GCP_KEY_FILE:-}" ] || die "$E_CONFIG" "HI_GCP_KEY_FILE is not a readable file"; fi
  if [ -n "${HI_CW_REGION:-}" ] && jq -e 'has("aws")' <<<"$demand" >/dev/null; then
    put_cloudwatch "$(jq -r .aws <<<"$demand")" || { log "CloudWatch refused the demand"; rc=$E_AWS; }
  fi
  if [ -n "${HI_GCP_PROJECT:-}" ] && jq -e 'has("gcp")' <<<"$demand" >/dev/null; then
    put_monitoring "$(jq -r .gcp <<<"$demand")" || { log "Cloud Monitoring refused the demand"; rc=$E_GCP; }
  fi
  log "demand $(jq -c . <<<"$demand")"
  return "$rc"
}

main "$@"
