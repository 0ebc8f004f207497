#!/usr/bin/env bash
# Soak benchmark (issue 6; not in CI): steady submission against the dev stack for a while, one
# line a minute of throughput, consumer lag and memory, so that growth after warm-up shows.
#   processes: `longhaul stack --no-pipeline` (broker and registry), `longhaul pipeline` in a JVM
#   of its own (so its memory is its own), one `longhaul worker`, and `longhaul dashboard` (its
#   /metrics gives finished jobs and consumer lag). The stack and the pipeline run with native
#   memory tracking, so what RSS holds beyond the JVM's own accounting (RocksDB, malloc) shows.
#   load: every --interval seconds one `longhaul submit` of --batch small log slices (a summary
#   and an extraction each), in the background, so submission keeps its pace however the jobs go.
#   each minute: jobs submitted and SUCCEEDED (total and in that minute), consumer lag of the
#   worker group and of the pipeline, and for the worker, the pipeline and the stack their RSS and
#   their heap after a full GC (jcmd GC.run, then GC.heap_info), so a leak is not hidden by
#   garbage; for the pipeline and the stack also anonymous vs file-backed RSS (/proc status
#   RssAnon, RssFile: the broker's mapped log indexes are file-backed) and NMT's committed total.
# At the end: throughput per minute over the first and second half, and memory growth from the
# end of warm-up (minute 3) to the last minute. Results go to bench/results/soak-TIME/.
# Usage: bench/soak.sh [--minutes 30] [--interval 10] [--batch 4] [--size xs|s] [--heap 512m]
#                      [--state-memory-mib M] (the pipeline's RocksDB budget; 0: RocksDB's per-store defaults)
# Two soaks can run side by side (an A/B in one run) with different LONGHAUL_BENCH_*_PORT values.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=30
INTERVAL=10
BATCH=4
SIZE=xs
HEAP=512m
STATE_MEMORY=
KAFKA_PORT=${LONGHAUL_BENCH_KAFKA_PORT:-19192}
REGISTRY_PORT=${LONGHAUL_BENCH_REGISTRY_PORT:-18181}
DASHBOARD_PORT=${LONGHAUL_BENCH_DASHBOARD_PORT:-18180}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) MINUTES="$2"; shift 2 ;;
    --interval) INTERVAL="$2"; shift 2 ;;
    --batch) BATCH="$2"; shift 2 ;;
    --size) SIZE="$2"; shift 2 ;;
    --heap) HEAP="$2"; shift 2 ;;
    --state-memory-mib) STATE_MEMORY="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
OUT=bench/results/soak-$(date -u +%Y%m%dT%H%M%SZ)-$KAFKA_PORT
MODEL=.longhaul/models/minimax-$SIZE
CORPUS=../shared/corpus/logs/full/Linux.log
mkdir -p "$OUT/docs"
[[ -f "$MODEL/config.json" ]] || ./longhaul model synth --out "$MODEL" --size "$SIZE" --seed 7 >&2
./longhaul --version > /dev/null # builds now if the sources changed; from here on the build stays as it is
export LONGHAUL_NO_BUILD=1
JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
JCMD="$JAVA_HOME/bin/jcmd"

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2> /dev/null || true; done
}
trap cleanup EXIT
wait_for() { # file pattern seconds
  for _ in $(seq "$3"); do grep -q "$2" "$1" 2> /dev/null && return 0; sleep 1; done
  echo "soak: no '$2' in $1 after $3 s" >&2; tail -n 20 "$1" >&2; return 1
}
KAFKA="--bootstrap-servers localhost:$KAFKA_PORT --registry-url http://localhost:$REGISTRY_PORT"

# The heap of the stack, the pipeline and the worker is fixed at --heap and touched up front, so
# that their RSS does not creep up as G1 first touches heap regions it had already committed:
# any growth after warm-up is then memory outside the heap (native, RocksDB, mapped files).
JVM="-Xms$HEAP -XX:+AlwaysPreTouch"
NMT="$JVM -XX:NativeMemoryTracking=summary"
LONGHAUL_HEAP="$HEAP" LONGHAUL_JAVA_OPTS="$NMT" ./longhaul stack --no-pipeline --kafka-port "$KAFKA_PORT" \
  --registry-port "$REGISTRY_PORT" > "$OUT/stack.log" 2>&1 &
STACK_PID=$!; PIDS+=("$STACK_PID")
wait_for "$OUT/stack.log" "registry url" 300
# shellcheck disable=SC2086
LONGHAUL_HEAP="$HEAP" LONGHAUL_JAVA_OPTS="$NMT" ./longhaul pipeline --replication-factor 1 --state-dir "$OUT/streams" \
  ${STATE_MEMORY:+--state-memory-mib "$STATE_MEMORY"} $KAFKA > "$OUT/pipeline.log" 2>&1 &
PIPELINE_PID=$!; PIDS+=("$PIPELINE_PID")
wait_for "$OUT/pipeline.log" "Ctrl-C stops" 300
# shellcheck disable=SC2086 # KAFKA is a word list on purpose
LONGHAUL_HEAP="$HEAP" LONGHAUL_JAVA_OPTS="$JVM" ./longhaul worker --model "$MODEL" --id soak-worker --threads 1 --context-tokens 256 \
  --max-output-tokens 4 $KAFKA > "$OUT/worker.log" 2>&1 &
WORKER_PID=$!; PIDS+=("$WORKER_PID")
# shellcheck disable=SC2086
# The dashboard's API and /metrics need its bearer token: this run sets one and sends it.
DASHBOARD_TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
LONGHAUL_DASHBOARD_TOKEN="$DASHBOARD_TOKEN" LONGHAUL_HEAP=512m ./longhaul dashboard --port "$DASHBOARD_PORT" $KAFKA > "$OUT/dashboard.log" 2>&1 &
PIDS+=($!)
wait_for "$OUT/worker.log" "context budget" 300

# Small documents: slices of a real log, 1 to 8 KiB, different in every batch.
make_batch() { # n -> file names
  local files=()
  for i in $(seq "$1"); do
    local f="$OUT/docs/doc-$i.log"
    tail -c +$(( (RANDOM * 32 + RANDOM) % 1500000 + 1 )) "$CORPUS" | head -c $(( 1024 + RANDOM % 7168 )) > "$f"
    files+=("$f")
  done
  echo "${files[@]}"
}
submitter() {
  local n=0
  while true; do
    # shellcheck disable=SC2046,SC2086
    LONGHAUL_HEAP=256m ./longhaul submit $(make_batch "$BATCH") --kind log --task summarize --task extract:host,error \
      $KAFKA >> "$OUT/submit.log" 2>&1 && n=$((n + BATCH)) && echo "$n" > "$OUT/submitted"
    sleep "$INTERVAL"
  done
}
echo 0 > "$OUT/submitted"
submitter &
PIDS+=($!)

metric() { # name [label filter] -> sum of matching samples (0 before the first one appears)
  { curl -s --max-time 20 -H "Authorization: Bearer $DASHBOARD_TOKEN" "http://localhost:$DASHBOARD_PORT/metrics" || true; } \
    | awk -v name="$1" -v label="${2:-}" 'index($0, name) == 1 && index($0, label) {s += $NF} END {printf "%d", s}'
}
rss_mib() { # pid [field: VmRSS, RssAnon, RssFile]
  awk -v f="^${2:-VmRSS}:" '$0 ~ f {printf "%d", $2 / 1024}' "/proc/$1/status" 2> /dev/null || echo 0
}
nmt_mib() { # committed memory the JVM accounts for (heap, metaspace, threads, code, GC, NIO, Other...)
  { timeout 60 "$JCMD" "$1" VM.native_memory summary 2> /dev/null || true; } \
    | awk 'match($0, /^Total: reserved=[0-9]+KB, committed=[0-9]+KB/) {sub(/.*committed=/, ""); printf "%d", $0 / 1024; exit}'
}
heap_mib() { # used heap after a full GC
  timeout 120 "$JCMD" "$1" GC.run > /dev/null 2>&1 || true
  { timeout 60 "$JCMD" "$1" GC.heap_info 2> /dev/null || true; } \
    | awk 'match($0, /used [0-9]+K/) && !done {printf "%d", substr($0, RSTART + 5, RLENGTH - 6) / 1024; done = 1}'
}
CSV="$OUT/soak.csv"
echo "minute,submitted,succeeded,succeeded_in_minute,lag_workers,lag_pipeline,worker_rss_mib,worker_heap_mib,stack_rss_mib,stack_heap_mib,pipeline_rss_mib,pipeline_heap_mib,pipeline_anon_mib,pipeline_nmt_mib,stack_anon_mib,stack_file_mib,stack_nmt_mib" > "$CSV"
# the workers' group and the pipeline's application id in LONGHAUL_NAMESPACE (Topics.scopedId)
scoped() {
  local ns="${LONGHAUL_NAMESPACE-longhaul.}"
  if [[ "$ns" == "longhaul." ]]; then echo "$1"; elif [[ -z "$ns" ]]; then echo "$1.root"; else echo "$ns$1"; fi
}
COLS='%6s %9s %9s %7s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n'
# shellcheck disable=SC2059 # COLS is the format
printf "$COLS" minute submitted succeeded per-min lag-wrk lag-pipe wrk-rss wrk-heap stk-rss stk-heap pip-rss pip-heap \
  pip-anon pip-nmt stk-anon stk-file stk-nmt >&2
LAST=0
for minute in $(seq "$MINUTES"); do
  sleep 60
  DONE=$(metric 'longhaul_jobs_finished_total' 'state="SUCCEEDED"')
  LINE="$minute,$(cat "$OUT/submitted"),$DONE,$((DONE - LAST)),$(metric longhaul_consumer_lag "group=\"$(scoped longhaul-workers)\"")"
  LINE="$LINE,$(metric longhaul_consumer_lag "group=\"$(scoped longhaul-pipeline)\""),$(rss_mib "$WORKER_PID"),$(heap_mib "$WORKER_PID")"
  LINE="$LINE,$(rss_mib "$STACK_PID"),$(heap_mib "$STACK_PID"),$(rss_mib "$PIPELINE_PID"),$(heap_mib "$PIPELINE_PID")"
  LINE="$LINE,$(rss_mib "$PIPELINE_PID" RssAnon),$(nmt_mib "$PIPELINE_PID"),$(rss_mib "$STACK_PID" RssAnon)"
  LINE="$LINE,$(rss_mib "$STACK_PID" RssFile),$(nmt_mib "$STACK_PID")"
  LAST=$DONE
  echo "$LINE" >> "$CSV"
  # shellcheck disable=SC2086 # the fields are words
  printf "$COLS" ${LINE//,/ } >&2
done

echo >&2
echo "results in $OUT" >&2
awk -F, -v m="$MINUTES" 'NR > 1 {
    if ($1 <= m / 2) { a += $4; na++ } else { b += $4; nb++ }
    if ($1 == 3 || (m < 3 && $1 == 1)) { for (i = 7; i <= 17; i++) v0[i] = $i }
    for (i = 7; i <= 17; i++) v1[i] = $i
  } END {
    printf "SUCCEEDED jobs per minute, first half / second half: %.1f / %.1f\n", a / (na ? na : 1), b / (nb ? nb : 1)
    print "MiB at warm-up end (minute 3) -> last minute:"
    printf "  worker   RSS %d -> %d, heap after GC %d -> %d\n", v0[7], v1[7], v0[8], v1[8]
    printf "  pipeline RSS %d -> %d (anonymous %d -> %d), NMT committed %d -> %d, heap after GC %d -> %d\n",
      v0[11], v1[11], v0[13], v1[13], v0[14], v1[14], v0[12], v1[12]
    printf "  stack (broker, registry) RSS %d -> %d (anonymous %d -> %d, file-backed %d -> %d), NMT committed %d -> %d, heap after GC %d -> %d\n",
      v0[9], v1[9], v0[15], v1[15], v0[16], v1[16], v0[17], v1[17], v0[10], v1[10]
  }' "$CSV" | tee "$OUT/summary.txt" >&2
