#!/usr/bin/env bash
# Boot path of an inference node: fetch the model, verify its sha256, start llama-server.
# It is the image's entrypoint on every cloud, and the local stack runs it unchanged.
#
# Settings (rendered from the launch spec, see infra/inference/launch.ts):
#   HI_MODEL_URI     s3://bucket/key, gs://bucket/key, https://host/path or file:///path
#   HI_MODEL_SHA256  expected sha256 of the file
#   HI_MODEL_SIZE    expected size in bytes (optional; a quicker first check)
#   HI_MODEL_PATH    where the verified file lives
#   HI_HOST HI_PORT HI_THREADS HI_PARALLEL HI_CTX_SIZE HI_METRICS HI_MODEL_ALIAS HI_API_KEY_FILE
#   HI_THREADS_BATCH (default HI_THREADS)  HI_POLL (0-100, optional: llama.cpp's default when empty)
#   HI_S3_ENDPOINT HI_S3_REGION  for S3-compatible stores outside AWS (credentials from AWS_* variables)
#   HI_FETCH_ATTEMPTS (5) HI_FETCH_BACKOFF_SECONDS (2)  retries of a failed or corrupt download
#   HI_FETCH_STREAMS (16, 1-64)  parallel ranged streams for s3:// and gs:// (1: a single stream)
#   HI_FETCH_CUTOFF_MIB (64)  objects from this size up are fetched in streams of at least this size
#   LLAMA_SERVER_BIN  the server binary (/app/llama-server in the image)
#
# Exit codes: 10 bad settings, 11 store unreachable or transfer failed, 12 object not found,
#             13 checksum mismatch after every attempt, 14 server binary missing.
set -euo pipefail

readonly E_CONFIG=10 E_UNREACHABLE=11 E_NOT_FOUND=12 E_CHECKSUM=13 E_SERVER=14

log() { printf 'boot: %s\n' "$*" >&2; }
die() {
  local code=$1
  shift
  log "error: $*"
  exit "$code"
}

require() {
  local name
  for name in "$@"; do
    [ -n "${!name:-}" ] || die "$E_CONFIG" "$name is not set"
  done
}

require HI_MODEL_URI HI_MODEL_SHA256 HI_MODEL_PATH HI_HOST HI_PORT HI_THREADS HI_PARALLEL HI_CTX_SIZE HI_MODEL_ALIAS
[[ "$HI_MODEL_SHA256" =~ ^[0-9a-f]{64}$ ]] || die "$E_CONFIG" "HI_MODEL_SHA256 must be 64 lowercase hex characters"
HI_THREADS_BATCH=${HI_THREADS_BATCH:-$HI_THREADS}
for name in HI_THREADS HI_THREADS_BATCH HI_PARALLEL HI_CTX_SIZE; do
  [[ "${!name}" =~ ^[1-9][0-9]*$ ]] || die "$E_CONFIG" "$name must be a positive integer (got '${!name}')"
done
if [ -n "${HI_POLL:-}" ] && ! { [[ "$HI_POLL" =~ ^[0-9]+$ ]] && [ "$HI_POLL" -le 100 ]; }; then
  die "$E_CONFIG" "HI_POLL must be an integer from 0 to 100 or empty (got '$HI_POLL')"
fi
if [ -n "${HI_MODEL_SIZE:-}" ] && ! [[ "$HI_MODEL_SIZE" =~ ^[0-9]+$ ]]; then
  die "$E_CONFIG" "HI_MODEL_SIZE must be a size in bytes or empty (got '$HI_MODEL_SIZE')"
fi
LLAMA_SERVER_BIN=${LLAMA_SERVER_BIN:-/app/llama-server}
ATTEMPTS=${HI_FETCH_ATTEMPTS:-5}
BACKOFF=${HI_FETCH_BACKOFF_SECONDS:-2}
STREAMS=${HI_FETCH_STREAMS:-16}
CUTOFF_MIB=${HI_FETCH_CUTOFF_MIB:-64}
[[ "$ATTEMPTS" =~ ^[1-9][0-9]*$ ]] || die "$E_CONFIG" "HI_FETCH_ATTEMPTS must be a positive integer (got '$ATTEMPTS')"
[[ "$BACKOFF" =~ ^[0-9]+$ ]] || die "$E_CONFIG" "HI_FETCH_BACKOFF_SECONDS must be a whole number of seconds (got '$BACKOFF')"
if ! [[ "$STREAMS" =~ ^[1-9][0-9]*$ ]] || [ "$STREAMS" -gt 64 ]; then
  die "$E_CONFIG" "HI_FETCH_STREAMS must be an integer from 1 to 64 (got '$STREAMS')"
fi
[[ "$CUTOFF_MIB" =~ ^[1-9][0-9]*$ ]] || die "$E_CONFIG" "HI_FETCH_CUTOFF_MIB must be a positive integer (got '$CUTOFF_MIB')"

# rclone flags: one try per call (this script retries), short timeouts, no bucket probing.
# The model comes in parallel ranged streams: S3 serves each connection at a fraction of what a node can take
# (docs/performance.md, "Cold start"). rclone opens one stream per cutoff's worth of object, up to STREAMS.
# Its own check after the copy is skipped: after a ranged download it reads the whole file again for the
# store's MD5 (when the store keeps one), and verified() reads it for the sha256 anyway. Sizes are still compared.
RCLONE_FLAGS=(--retries 1 --low-level-retries 1 --contimeout 10s --timeout 60s --s3-no-check-bucket --gcs-no-check-bucket --no-traverse --stats 0
  --multi-thread-streams "$STREAMS" --multi-thread-cutoff "${CUTOFF_MIB}Mi" --ignore-checksum)

s3_remote() {
  local opts="provider=AWS,env_auth=true"
  # Quoted: the endpoint holds colons, which end an unquoted value in rclone's connection strings.
  if [ -n "${HI_S3_ENDPOINT:-}" ]; then opts="provider=Other,env_auth=true,endpoint=\"${HI_S3_ENDPOINT}\""; fi
  if [ -n "${HI_S3_REGION:-}" ]; then opts="${opts},region=${HI_S3_REGION}"; fi
  printf ':s3,%s:' "$opts"
}

# Downloads once into $2. Returns 0, or E_NOT_FOUND, or E_UNREACHABLE.
fetch_once() {
  local uri=$1 dest=$2 out rc=0
  case "$uri" in
    s3://* | gs://*)
      local remote
      if [[ "$uri" == s3://* ]]; then remote="$(s3_remote)${uri#s3://}"; else remote=":gcs,env_auth=true:${uri#gs://}"; fi
      out=$(rclone copyto "${RCLONE_FLAGS[@]}" "$remote" "$dest" 2>&1) || rc=$?
      # copyto of a key that does not exist succeeds and copies nothing.
      if [ "$rc" -eq 0 ]; then [ -f "$dest" ] && return 0 || return "$E_NOT_FOUND"; fi
      log "rclone exit $rc: $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')"
      # rclone: 3 directory not found, 4 file not found; the S3 API answers a missing key with NoSuchKey / 404.
      if [ "$rc" -eq 3 ] || [ "$rc" -eq 4 ] || grep -qE 'NoSuchKey|StatusCode: 404|status code: 404' <<<"$out"; then return "$E_NOT_FOUND"; fi
      return "$E_UNREACHABLE"
      ;;
    http://* | https://*)
      local status
      status=$(curl -sS -L --connect-timeout 10 --max-time 3600 -o "$dest" -w '%{http_code}' "$uri" 2>/dev/null) || rc=$?
      if [ "$rc" -ne 0 ]; then log "curl exit $rc"; return "$E_UNREACHABLE"; fi
      case "$status" in
        200) return 0 ;;
        404 | 410) return "$E_NOT_FOUND" ;;
        *) log "HTTP $status"; return "$E_UNREACHABLE" ;;
      esac
      ;;
    file://*)
      local src=${uri#file://}
      [ -f "$src" ] || return "$E_NOT_FOUND"
      cp "$src" "$dest" || return "$E_UNREACHABLE"
      ;;
    *) die "$E_CONFIG" "HI_MODEL_URI $uri: unsupported scheme; allowed: s3://, gs://, https://, http://, file://" ;;
  esac
}

# The sha256 of a file. OpenSSL uses the CPU's SHA extensions where it has them (several times faster than
# coreutils' sha256sum on the same file: docs/performance.md); sha256sum where openssl is missing.
sha256_of() {
  if command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d' ' -f1
  else
    sha256sum "$1" | cut -d' ' -f1
  fi
}

verified() {
  local file=$1 size sum
  if [ -n "${HI_MODEL_SIZE:-}" ]; then
    size=$(stat -c %s "$file")
    if [ "$size" != "$HI_MODEL_SIZE" ]; then
      log "size $size, expected $HI_MODEL_SIZE (truncated or wrong object)"
      return 1
    fi
  fi
  sum=$(sha256_of "$file")
  if [ "$sum" != "$HI_MODEL_SHA256" ]; then
    log "sha256 $sum, expected $HI_MODEL_SHA256"
    return 1
  fi
}

fetch_model() {
  local dest=$HI_MODEL_PATH partial="$HI_MODEL_PATH.partial" attempt=1 rc
  mkdir -p "$(dirname "$dest")"
  if [ -f "$dest" ] && verified "$dest"; then
    log "model already present and verified at $dest"
    return 0
  fi
  rm -f "$dest"
  while :; do
    log "fetching $HI_MODEL_URI (attempt $attempt/$ATTEMPTS)"
    rm -f "$partial"
    rc=0
    fetch_once "$HI_MODEL_URI" "$partial" || rc=$?
    if [ "$rc" -eq 0 ]; then
      if verified "$partial"; then
        mv "$partial" "$dest"
        log "model verified: $dest"
        return 0
      fi
      rc=$E_CHECKSUM
    fi
    rm -f "$partial"
    if [ "$rc" -eq "$E_NOT_FOUND" ]; then die "$E_NOT_FOUND" "$HI_MODEL_URI: object not found"; fi
    if [ "$attempt" -ge "$ATTEMPTS" ]; then
      if [ "$rc" -eq "$E_CHECKSUM" ]; then die "$E_CHECKSUM" "$HI_MODEL_URI: checksum mismatch after $attempt attempts; refusing to serve it"; fi
      die "$E_UNREACHABLE" "$HI_MODEL_URI: could not download after $attempt attempts (store unreachable or transfer failed)"
    fi
    sleep $((BACKOFF * attempt))
    attempt=$((attempt + 1))
  done
}

server_args() {
  ARGS=(--model "$HI_MODEL_PATH" --alias "$HI_MODEL_ALIAS" --host "$HI_HOST" --port "$HI_PORT"
    --threads "$HI_THREADS" --threads-batch "$HI_THREADS_BATCH" --parallel "$HI_PARALLEL" --ctx-size "$HI_CTX_SIZE")
  if [ -n "${HI_POLL:-}" ]; then ARGS+=(--poll "$HI_POLL"); fi
  if [ "${HI_METRICS:-0}" = 1 ]; then ARGS+=(--metrics); fi
  if [ -n "${HI_API_KEY_FILE:-}" ]; then
    [ -r "$HI_API_KEY_FILE" ] || die "$E_CONFIG" "HI_API_KEY_FILE $HI_API_KEY_FILE is not readable"
    ARGS+=(--api-key-file "$HI_API_KEY_FILE")
  fi
}

main() {
  [ -x "$LLAMA_SERVER_BIN" ] || die "$E_SERVER" "llama-server not found at $LLAMA_SERVER_BIN"
  fetch_model
  server_args
  log "starting llama-server ${ARGS[*]}"
  exec "$LLAMA_SERVER_BIN" "${ARGS[@]}"
}

main "$@"
