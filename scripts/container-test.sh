#!/usr/bin/env bash
# Builds the image from the Dockerfile and runs it the way a user would, on this machine:
#   1. the base image (a local stand-in for node:20-bookworm-slim, ../shared/tools/node-base-image.sh,
#      when no registry copy is here), then the image (`buildah bud --isolation chroot`);
#   2. the size it adds to its base (at most MAX_ADDED_MB, default 450);
#   3. one container on the defaults: /predict on a clip with a sound track answers 200 with an
#      emotion, from a process that is not root, and the image's HEALTHCHECK passes;
#   4. the cluster: a ROLE=api and a ROLE=worker container on a throwaway Redis (append-only file)
#      and PostgreSQL started here on loopback; a job submitted to the API node is finished by the
#      worker, and both HEALTHCHECKs pass.
# `podman run` and docker do not work on these machines; `buildah run --isolation chroot` does, and
# its containers share the host's network (hence loopback ports). Exits non-zero on any failure;
# removes its containers, servers and files on exit. Needs root, buildah, podman, debootstrap,
# ffmpeg, curl, redis-server and PostgreSQL's server binaries (.ci/run installs them).
#
#   scripts/container-test.sh            # IMAGE=localhost/emothumb:test, MAX_ADDED_MB=450
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/emothumb:test}
BASE=docker.io/library/node:20-bookworm-slim
BASE_SCRIPT=${BASE_SCRIPT:-../shared/tools/node-base-image.sh}
MAX_ADDED_MB=${MAX_ADDED_MB:-450}
PG_BIN_DIR=${PG_BIN_DIR:-/usr/lib/postgresql/15/bin}
REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
KEY=container-test-admin-key-0123456789
PHOTO=node_modules/@vladmandic/face-api/demo/sample1.jpg # a dependency's sample: a broad smile

started=$(date +%s)
say() { echo "[container-test +$(($(date +%s) - started))s] $*"; }
fail() {
  echo "[container-test] FAILED: $*" >&2
  for f in "${work:-/nonexistent}"/*.log; do
    [ -f "$f" ] && { echo "--- last lines of $(basename "$f")" >&2; tail -25 "$f" >&2; }
  done
  exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root (buildah builds and runs containers as root here)"
for t in buildah podman ffmpeg curl "$REDIS_SERVER" "$PG_BIN_DIR/initdb" runuser; do
  command -v "$t" >/dev/null || fail "missing $t"
done
[ -f "$PHOTO" ] || fail "missing $PHOTO (npm ci first)"

work=$(mktemp -d /tmp/emothumb-container-XXXXXX)
chmod 755 "$work"
containers=()
groups=() # process groups started here (setsid), each ended by its own id
pg_data=
cleanup() {
  set +e
  for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
  for g in "${groups[@]}"; do
    for _ in $(seq 1 50); do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$g" 2>/dev/null
  done
  for c in "${containers[@]}"; do buildah rm "$c" >/dev/null 2>&1; done
  [ -n "$pg_data" ] && runuser -u postgres -- "$PG_BIN_DIR/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"
}
# A field of a JSON file, by a JavaScript path (`.emotion`, `.result.emotion`); empty when absent.
json() { node -e "const v = JSON.parse(require('node:fs').readFileSync(process.argv[1], 'utf8'))$2; console.log(v ?? '');" "$1"; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
# GET url until it answers 200 or seconds pass; fails if the process group ends first.
wait_ready() {
  local url=$1 seconds=$2 group=$3 what=$4
  for _ in $(seq 1 $((seconds * 2))); do
    kill -0 -- "-$group" 2>/dev/null || fail "$what exited before it was ready"
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)" = 200 ] && return 0
    sleep 0.5
  done
  fail "$what: $url did not answer 200 within ${seconds}s"
}
# Starts a container of the image in the background, its output in $work/<name>.log.
# Sets $ctr and $group. Arguments after the name: --env settings.
start_container() {
  local name=$1
  shift
  ctr=$(buildah from --pull-never --name "emothumb-test-$name-$$" "$IMAGE")
  containers+=("$ctr")
  setsid buildah run --isolation chroot "$@" "$ctr" -- node --max-semi-space-size=1 dist/main.js \
    >"$work/$name.log" 2>&1 </dev/null &
  group=$!
  groups+=("$group")
}
# Runs the image's own HEALTHCHECK command inside a running container, with that container's env.
healthcheck() {
  local ctr=$1 what=$2
  shift 2
  buildah inspect --type image "$IMAGE" >"$work/inspect.json"
  local kind
  kind=$(json "$work/inspect.json" ".Docker.config.Healthcheck?.Test?.[0]")
  [ "$kind" = CMD ] || fail "the image has no HEALTHCHECK in exec form (got '$kind')"
  mapfile -t cmd < <(node -e "
    const t = JSON.parse(require('node:fs').readFileSync(process.argv[1], 'utf8')).Docker.config.Healthcheck.Test;
    for (const a of t.slice(1)) console.log(a);" "$work/inspect.json")
  buildah run --isolation chroot "$@" "$ctr" -- "${cmd[@]}" || fail "$what: the image's HEALTHCHECK failed"
}
# The uid of the process listening on a loopback port (chroot isolation shares the host's pid and
# user namespaces, so this is the container's own uid).
listener_uid() {
  local pid
  pid=$(ss -Hltnp "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
  [ -n "$pid" ] || fail "no process listens on port $1"
  awk '/^Uid:/ {print $2}' "/proc/$pid/status"
}

# 1. Base and image.
if ! podman image exists "$BASE"; then
  say "no $BASE here: building the local stand-in ($BASE_SCRIPT, ~3 min)"
  "$BASE_SCRIPT" || fail "$BASE_SCRIPT"
fi
# The aligned expression model: GitHub is out of reach here, so the build fetches it from a mirror
# on loopback serving the copy in ../shared/models (the build checks it against the pinned sha256).
MODEL_FILE=facial_expression_recognition_mobilefacenet_2022july_int8.onnx
MODELS_SRC=${MODELS_SRC:-../shared/models}
build_args=()
if [ -f "$MODELS_SRC/$MODEL_FILE" ]; then
  mirror_port=$(free_port)
  setsid node -e "
    const { createServer } = require('node:http'); const { createReadStream } = require('node:fs');
    createServer((q, r) => createReadStream(process.argv[1]).on('error', () => r.writeHead(404).end()).pipe(r))
      .listen(Number(process.argv[2]), '127.0.0.1');" "$MODELS_SRC/$MODEL_FILE" "$mirror_port" &
  mirror_group=$!
  groups+=("$mirror_group")
  build_args=(--build-arg "MODELS_MIRROR=http://127.0.0.1:$mirror_port/$MODEL_FILE")
fi
say "building $IMAGE"
build_started=$(date +%s)
buildah bud --isolation chroot --pull=never --format docker --layers "${build_args[@]}" -t "$IMAGE" . >"$work/build.log" 2>&1 ||
  fail "buildah bud (see build.log above)"
build_seconds=$(($(date +%s) - build_started))

# 2. Size added to the base.
base_bytes=$(podman image inspect --format '{{.Size}}' "$BASE")
image_bytes=$(podman image inspect --format '{{.Size}}' "$IMAGE")
added_mb=$(((image_bytes - base_bytes) / 1000000))
say "built in ${build_seconds}s: image $((image_bytes / 1000000)) MB, base $((base_bytes / 1000000)) MB, added ${added_mb} MB (bar ${MAX_ADDED_MB} MB)"
[ "$added_mb" -le "$MAX_ADDED_MB" ] || fail "the image adds ${added_mb} MB to its base (bar: ${MAX_ADDED_MB} MB)"
[ "$(buildah inspect --type image --format '{{.Docker.Config.User}}' "$IMAGE")" = node ] || fail "the image's USER is not node"

# A 2 s clip of the smiling face with a sound track (H.264 + AAC in MP4, as a phone writes).
clip=$work/smile.mp4
ffmpeg -hide_banner -loglevel error -loop 1 -framerate 15 -i "$PHOTO" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000" \
  -vf "crop=520:520:1300:100,scale=360:360,format=yuv420p" -t 2 \
  -c:v libx264 -preset veryfast -c:a aac -b:a 96k -shortest -movflags +faststart "$clip"
[ "$(ffprobe -v error -select_streams a -show_entries stream=codec_type -of csv=p=0 "$clip")" = audio ] ||
  fail "the test clip has no sound track"

# 3. One container on the defaults (SQLite in /data, the local worker pool).
port=$(free_port)
start_container single --env PORT="$port" --env API_KEY="$KEY" --env WORKERS=1
single=$ctr
single_group=$group
say "single container on port $port: waiting for /ready (loads the models)"
wait_ready "http://127.0.0.1:$port/ready" 240 "$single_group" "single container"
uid=$(listener_uid "$port")
[ "$uid" != 0 ] || fail "the service runs as root"
say "ready, running as uid $uid"
status=$(curl -s -o "$work/predict.json" -w '%{http_code}' -X POST "http://127.0.0.1:$port/predict" \
  -H "x-api-key: $KEY" -H "x-date: $(now)" -H 'content-type: video/mp4' --data-binary "@$clip")
[ "$status" = 200 ] || fail "/predict answered $status: $(cat "$work/predict.json")"
emotion=$(json "$work/predict.json" .emotion)
say "/predict: 200, $emotion ($(json "$work/predict.json" .confidence)), $(json "$work/predict.json" .frames_with_face) frames with a face"
[ "$emotion" = Happy ] || fail "/predict answered $emotion for a broad smile: $(cat "$work/predict.json")"
curl -s -o "$work/health.json" "http://127.0.0.1:$port/health"
aligned=$(json "$work/health.json" ".models?.find((m) => m.name === 'aligned-expression')?.status")
say "/health: the aligned expression model is ${aligned:-absent}"
if [ ${#build_args[@]} -gt 0 ]; then
  [ "$aligned" = loaded ] || fail "the image was built with the aligned expression model, /health says: $(cat "$work/health.json")"
fi
healthcheck "$single" "single container" --env PORT="$port"
kill -TERM -- "-$single_group"
for _ in $(seq 1 60); do kill -0 -- "-$single_group" 2>/dev/null || break; sleep 0.5; done
kill -0 -- "-$single_group" 2>/dev/null && fail "the single container did not stop on SIGTERM within 30 s"
say "single container stopped on SIGTERM"

# 4. The cluster: Redis and PostgreSQL on the host, an API node and a worker in containers.
redis_port=$(free_port)
mkdir -p "$work/redis"
setsid "$REDIS_SERVER" --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --save '' \
  --appendonly yes --maxmemory-policy noeviction >"$work/redis.log" 2>&1 </dev/null &
groups+=("$!")
pg_port=$(free_port)
pg_data=$work/pg/data
mkdir -p "$work/pg"
chown postgres "$work/pg" 2>/dev/null || fail "no postgres user (apt-get install postgresql)"
runuser -u postgres -- "$PG_BIN_DIR/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 --no-sync >"$work/initdb.log" 2>&1 ||
  fail initdb
runuser -u postgres -- "$PG_BIN_DIR/pg_ctl" -D "$pg_data" -l "$work/pg/server.log" -w -t 60 \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null || fail "pg_ctl start"
node -e "
  const pg = require('pg');
  const c = new pg.Client({ connectionString: process.argv[1] });
  c.connect().then(() => c.query('CREATE DATABASE emothumb')).then(() => c.end(), (e) => { console.error(e.message); process.exit(1); });
" "postgres://postgres@127.0.0.1:$pg_port/postgres" || fail "CREATE DATABASE"
for _ in $(seq 1 80); do
  grep -q 'Ready to accept connections' "$work/redis.log" && break
  sleep 0.25
done
grep -q 'Ready to accept connections' "$work/redis.log" || fail "redis-server did not start"
cluster=(--env REDIS_URL="redis://127.0.0.1:$redis_port"
  --env DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/emothumb" --env API_KEY="$KEY")
api_port=$(free_port)
health_port=$(free_port)
start_container api "${cluster[@]}" --env ROLE=api --env PORT="$api_port"
api=$ctr
api_group=$group
start_container worker "${cluster[@]}" --env ROLE=worker --env WORKERS=1 --env HEALTH_PORT="$health_port"
worker=$ctr
worker_group=$group
say "cluster: Redis :$redis_port, PostgreSQL :$pg_port, API node :$api_port, worker health :$health_port"
wait_ready "http://127.0.0.1:$api_port/ready" 120 "$api_group" "API node"
wait_ready "http://127.0.0.1:$health_port/ready" 240 "$worker_group" "worker"
[ "$(listener_uid "$api_port")" != 0 ] || fail "the API node runs as root"
[ "$(listener_uid "$health_port")" != 0 ] || fail "the worker runs as root"
status=$(curl -s -o "$work/job.json" -w '%{http_code}' -X POST "http://127.0.0.1:$api_port/jobs/predict" \
  -H "x-api-key: $KEY" -H "x-date: $(now)" -H 'content-type: video/mp4' --data-binary "@$clip")
[ "$status" = 202 ] || fail "POST /jobs/predict answered $status: $(cat "$work/job.json")"
job=$(json "$work/job.json" .job_id)
say "job $job queued on the API node"
state=
for _ in $(seq 1 240); do
  curl -s -o "$work/job-status.json" "http://127.0.0.1:$api_port/jobs/$job" -H "x-api-key: $KEY" -H "x-date: $(now)"
  state=$(json "$work/job-status.json" .status)
  [ "$state" = succeeded ] || [ "$state" = failed ] && break
  sleep 0.5
done
[ "$state" = succeeded ] || fail "job $job ended as '$state': $(cat "$work/job-status.json")"
emotion=$(json "$work/job-status.json" .result.emotion)
say "job $job succeeded on the worker: $emotion"
[ "$emotion" = Happy ] || fail "the job answered $emotion for a broad smile"
healthcheck "$api" "API node" --env ROLE=api --env PORT="$api_port"
healthcheck "$worker" "worker" --env ROLE=worker --env HEALTH_PORT="$health_port"
say "all checks passed in $(($(date +%s) - started))s (build ${build_seconds}s, added ${added_mb} MB)"
