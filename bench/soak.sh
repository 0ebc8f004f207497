#!/usr/bin/env bash
# Soak benchmark (issue 6; not in CI): steady submission against the dev stack for a while, one
# line a minute of throughput, consumer lag and memory, so that growth after warm-up shows.
#   processes: `longhaul stack` (broker, registry and pipeline in one JVM), one `longhaul worker`,
#   and `longhaul dashboard` (its /metrics gives finished jobs and consumer lag).
#   load: every --interval seconds one `longhaul submit` of --batch small log slices (a summary
#   and an extraction each), in the background, so submission keeps its pace however the jobs go.
#   each minute: jobs submitted and SUCCEEDED (total and in that minute), consumer lag of the
#   worker group and of the pipeline, and for the worker and the stack their RSS and their heap
#   after a full GC (jcmd GC.run, then GC.heap_info), so a leak is not hidden by garbage.
# At the end: throughput per minute over the first and second half, and memory growth from the
# end of warm-up (minute 3) to the last minute. Results go to bench/results/soak-TIME/.
# Usage: bench/soak.sh [--minutes 30] [--interval 10] [--batch 4] [--size xs|s] [--heap 1g]
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=30
INTERVAL=10
BATCH=4
SIZE=xs
HEAP=1g
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
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
OUT=bench/results/soak-$(date -u +%Y%m%dT%H%M%SZ)
MODEL=.longhaul/models/minimax-$SIZE
CORPUS=../shared/corpus/logs/full/Linux.log
mkdir -p "$OUT/docs"
[[ -f "$MODEL/config.json" ]] || ./longhaul model synth --out "$MODEL" --size "$SIZE" --seed 7 >&2
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

LONGHAUL_HEAP="$HEAP" ./longhaul stack --kafka-port "$KAFKA_PORT" --registry-port "$REGISTRY_PORT" > "$OUT/stack.log" 2>&1 &
STACK_PID=$!; PIDS+=("$STACK_PID")
wait_for "$OUT/stack.log" "registry url" 300
# shellcheck disable=SC2086 # KAFKA is a word list on purpose
LONGHAUL_HEAP="$HEAP" ./longhaul worker --model "$MODEL" --id soak-worker --threads 1 --context-tokens 256 \
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
rss_mib() { awk '/^VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status" 2> /dev/null || echo 0; }
heap_mib() { # used heap after a full GC
  timeout 120 "$JCMD" "$1" GC.run > /dev/null 2>&1 || true
  { timeout 60 "$JCMD" "$1" GC.heap_info 2> /dev/null || true; } \
    | awk 'match($0, /used [0-9]+K/) && !done {printf "%d", substr($0, RSTART + 5, RLENGTH - 6) / 1024; done = 1}'
}
CSV="$OUT/soak.csv"
echo "minute,submitted,succeeded,succeeded_in_minute,lag_workers,lag_pipeline,worker_rss_mib,worker_heap_mib,stack_rss_mib,stack_heap_mib" > "$CSV"
printf '%6s %9s %9s %7s %8s %8s %10s %11s %9s %10s\n' minute submitted succeeded per-min lag-wrk lag-pipe wrk-rss-MiB wrk-heap-MiB stk-rss stk-heap >&2
LAST=0
for minute in $(seq "$MINUTES"); do
  sleep 60
  DONE=$(metric 'longhaul_jobs_finished_total' 'state="SUCCEEDED"')
  LINE="$minute,$(cat "$OUT/submitted"),$DONE,$((DONE - LAST)),$(metric longhaul_consumer_lag 'group="longhaul-workers"')"
  LINE="$LINE,$(metric longhaul_consumer_lag 'group="longhaul-pipeline"'),$(rss_mib "$WORKER_PID"),$(heap_mib "$WORKER_PID")"
  LINE="$LINE,$(rss_mib "$STACK_PID"),$(heap_mib "$STACK_PID")"
  LAST=$DONE
  echo "$LINE" >> "$CSV"
  echo "$LINE" | awk -F, '{printf "%6s %9s %9s %7s %8s %8s %10s %11s %9s %10s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10}' >&2
done

echo >&2
echo "results in $OUT" >&2
awk -F, -v m="$MINUTES" 'NR > 1 {
    if ($1 <= m / 2) { a += $4; na++ } else { b += $4; nb++ }
    if ($1 == 3 || (m < 3 && $1 == 1)) { w0 = $7; h0 = $8; s0 = $9; k0 = $10 }
    w1 = $7; h1 = $8; s1 = $9; k1 = $10
  } END {
    printf "SUCCEEDED jobs per minute, first half / second half: %.1f / %.1f\n", a / (na ? na : 1), b / (nb ? nb : 1)
    printf "worker RSS / heap after GC (MiB), warm-up end -> last minute: %d -> %d / %d -> %d\n", w0, w1, h0, h1
    printf "stack (broker, registry, pipeline) RSS / heap after GC (MiB), same: %d -> %d / %d -> %d\n", s0, s1, k0, k1
  }' "$CSV" | tee "$OUT/summary.txt" >&2
