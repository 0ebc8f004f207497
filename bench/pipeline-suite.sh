#!/usr/bin/env bash
# The pipeline acceptance benchmarks of the issue, on this machine:
#   (i)  throughput: documents through the whole pipeline with one CPU worker vs the same documents
#        through the engine alone, alternately in one run (`./longhaul bench pipeline --json`);
#        target: median ratio >= 0.9.
#   (ii) memory: a ~1 GiB log (the corpus's Linux.log repeated, at most the pipeline's 1 GiB
#        limit) submitted to a dev stack in one process and run by a worker in another, with a
#        bounded heap (LONGHAUL_HEAP); the worker's peak RSS (VmHWM) is read after a small log and
#        again after the big one, to show that it does not grow with the document.
# Results (JSON lines, logs) go to bench/results/; the big log is built there and deleted after.
# Usage: bench/pipeline-suite.sh [--size xs|s] [--threads N] [--documents N] [--heap 1g] [--skip-memory]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=s
THREADS=2
DOCS=8
BYTES=65536
HEAP=1g
MEMORY=1
KAFKA_PORT=${LONGHAUL_BENCH_KAFKA_PORT:-19092}
REGISTRY_PORT=${LONGHAUL_BENCH_REGISTRY_PORT:-18081}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) SIZE="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --documents) DOCS="$2"; shift 2 ;;
    --heap) HEAP="$2"; shift 2 ;;
    --skip-memory) MEMORY=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
CORPUS=../shared/corpus/logs/full/Linux.log
[[ -f "$CORPUS" ]] || { echo "pipeline-suite: $CORPUS is missing (run next to ../shared)" >&2; exit 2; }
MODELS=.longhaul/models
OUT=bench/results/pipeline-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$MODELS" "$OUT"
MODEL="$MODELS/minimax-$SIZE-f32"
if [[ ! -f "$MODEL/config.json" ]]; then
  ./longhaul model synth --out "$MODEL" --size "$SIZE" --seed 7 --dtype f32 >&2
fi
field() { sed -n "s/.*\"$2\" *: *\([-0-9.eE+]*\).*/\1/p" "$OUT/$1.json"; }

# (i) throughput, side by side
echo "== bench pipeline: $DOCS documents of $BYTES bytes, model $SIZE, $THREADS threads" >&2
./longhaul bench pipeline --model "$MODEL" --documents "$DOCS" --bytes-per-doc "$BYTES" --corpus "$CORPUS" \
  --threads "$THREADS" --rounds 3 --json 2> "$OUT/throughput.log" | tail -n 1 | tee "$OUT/throughput.json" >&2

if [[ "$MEMORY" == 1 ]]; then
  # (ii) a ~1 GiB log through a worker process of its own
  STACK_PID=""; WORKER_PID=""; BIG="$OUT/big.log"
  cleanup() {
    [[ -n "$WORKER_PID" ]] && kill "$WORKER_PID" 2> /dev/null && wait "$WORKER_PID" 2> /dev/null || true
    [[ -n "$STACK_PID" ]] && kill "$STACK_PID" 2> /dev/null && wait "$STACK_PID" 2> /dev/null || true
    rm -f "$BIG"
  }
  trap cleanup EXIT
  wait_for() { # file pattern seconds
    for _ in $(seq "$3"); do grep -q "$2" "$1" 2> /dev/null && return 0; sleep 1; done
    echo "pipeline-suite: no '$2' in $1 after $3 s" >&2; tail -n 20 "$1" >&2; return 1
  }
  hwm_kib() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
  KAFKA="--bootstrap-servers localhost:$KAFKA_PORT --registry-url http://localhost:$REGISTRY_PORT"

  COPY=$(stat -c %s "$CORPUS")
  COPIES=$(( (1 << 30) / COPY ))  # the pipeline refuses documents over 1 GiB
  echo "== building a $((COPIES * COPY)) byte log ($COPIES copies of Linux.log)" >&2
  for _ in $(seq "$COPIES"); do cat "$CORPUS"; done > "$BIG"

  # The 1 GiB log's estimated cost (softmax term included) is far above the default tenant quota,
  # although the worker reads only a view of it within its context budget.
  ./longhaul stack --kafka-port "$KAFKA_PORT" --registry-port "$REGISTRY_PORT" \
    --tenant-quota-tokens 1000000000000000 > "$OUT/stack.log" 2>&1 &
  STACK_PID=$!
  wait_for "$OUT/stack.log" "registry url" 180
  # shellcheck disable=SC2086 # KAFKA is a word list on purpose
  LONGHAUL_HEAP="$HEAP" ./longhaul worker --model "$MODEL" --id bench-worker --threads "$THREADS" $KAFKA \
    > "$OUT/worker.log" 2>&1 &
  WORKER_PID=$!
  wait_for "$OUT/worker.log" "context budget" 180

  echo "== small log (Linux.log, $COPY bytes)" >&2
  # shellcheck disable=SC2086
  ./longhaul submit "$CORPUS" --kind log $KAFKA --follow > "$OUT/submit-small.log" 2>&1
  HWM_SMALL=$(hwm_kib "$WORKER_PID")

  echo "== big log ($((COPIES * COPY)) bytes)" >&2
  START=$(date +%s.%N)
  # shellcheck disable=SC2086
  BIG_RC=0
  ./longhaul submit "$BIG" --kind log $KAFKA --follow > "$OUT/submit-big.log" 2>&1 || BIG_RC=$?
  END=$(date +%s.%N)
  HWM_BIG=$(hwm_kib "$WORKER_PID")
  STACK_HWM=$(hwm_kib "$STACK_PID")
  WALL=$(awk -v a="$START" -v b="$END" 'BEGIN { printf "%.1f", b - a }')
  printf '{"document_bytes":%d,"worker_heap":"%s","worker_peak_rss_after_small_kib":%d,"worker_peak_rss_after_big_kib":%d,"stack_peak_rss_kib":%d,"big_log_wall_s":%s}\n' \
    "$((COPIES * COPY))" "$HEAP" "$HWM_SMALL" "$HWM_BIG" "$STACK_HWM" "$WALL" | tee "$OUT/memory.json" >&2
fi

echo
echo "results in $OUT"
printf '%-58s %s\n' \
  "model / threads / documents per round" "$SIZE / $THREADS / $DOCS x $BYTES bytes" \
  "pipeline/engine-alone ratio, median (target >= 0.9)" "$(field throughput ratio_median)" \
  "  min / max over rounds" "$(field throughput ratio_min) / $(field throughput ratio_max)"
if [[ "$MEMORY" == 1 ]]; then
  printf '%-58s %s\n' \
    "worker peak RSS MiB after Linux.log / after the 1 GiB log" "$((HWM_SMALL / 1024)) / $((HWM_BIG / 1024)) (heap $HEAP)" \
    "1 GiB log wall time, submit to SUCCEEDED (s)" "$WALL" \
    "  job state (submit --follow)" "$(grep -o 'SUCCEEDED\|FAILED\|CANCELLED\|EXPIRED' "$OUT/submit-big.log" | tail -n 1) (exit $BIG_RC)"
fi
