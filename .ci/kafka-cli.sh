#!/usr/bin/env bash
# The README's Kafka, dashboard and sink commands, as CI runs them: the embedded stack, a worker,
# the dashboard and the file sinks (JSON Lines and Parquet) as background processes (on ports of
# their own), a real log submitted with --follow until SUCCEEDED, then status and a cancel, which
# it refuses (the job is final); the dashboard's API must count the job (with the bearer token the
# dashboard printed in its URL, and refuse a request without it) and both sinks must have written
# its results. Uses the small xs model so CI stays short. Ports are free ones (0) read back from
# what the commands print, so two runs on one machine do not collide; LONGHAUL_CI_*_PORT fix them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
KAFKA_PORT=${LONGHAUL_CI_KAFKA_PORT:-0}
REGISTRY_PORT=${LONGHAUL_CI_REGISTRY_PORT:-0}
OUT=$(mktemp -d)
DASHBOARD_PORT=${LONGHAUL_CI_DASHBOARD_PORT:-0}
STACK_PID=""
WORKER_PID=""
DASHBOARD_PID=""
SINK_PID=""
PARQUET_PID=""
cleanup() {
  for pid in "$PARQUET_PID" "$SINK_PID" "$DASHBOARD_PID" "$WORKER_PID"; do
    [[ -n "$pid" ]] && kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null || true
  done
  [[ -n "$STACK_PID" ]] && kill "$STACK_PID" 2> /dev/null && wait "$STACK_PID" 2> /dev/null || true
  rm -rf "$OUT"
}
trap cleanup EXIT
wait_for() { # file pattern seconds
  for _ in $(seq "$3"); do grep -q "$2" "$1" 2> /dev/null && return 0; sleep 1; done
  echo "kafka-cli: no '$2' in $1 after $3 s" >&2
  tail -n 30 "$1" >&2
  return 1
}
MODEL=.longhaul/models/minimax-xs
[[ -f "$MODEL/config.json" ]] || ./longhaul model synth --out "$MODEL" --size xs --seed 1

./longhaul stack --kafka-port "$KAFKA_PORT" --registry-port "$REGISTRY_PORT" > "$OUT/stack.log" 2>&1 &
STACK_PID=$!
wait_for "$OUT/stack.log" "registry url" 180
BOOTSTRAP=$(sed -n 's/^bootstrap servers: //p' "$OUT/stack.log" | head -n 1)
REGISTRY=$(sed -n 's/^registry url: //p' "$OUT/stack.log" | head -n 1)
KAFKA=(--bootstrap-servers "$BOOTSTRAP" --registry-url "$REGISTRY")
./longhaul worker --model "$MODEL" --id ci-worker --threads 2 --context-tokens 2048 --max-output-tokens 8 "${KAFKA[@]}" \
  > "$OUT/worker.log" 2>&1 &
WORKER_PID=$!
wait_for "$OUT/worker.log" "context budget" 180
./longhaul dashboard --port "$DASHBOARD_PORT" "${KAFKA[@]}" > "$OUT/dashboard.log" 2>&1 &
DASHBOARD_PID=$!
./longhaul sink files --dir "$OUT/results" "${KAFKA[@]}" > "$OUT/sink.log" 2>&1 &
SINK_PID=$!
./longhaul sink files --dir "$OUT/results-parquet" --format parquet "${KAFKA[@]}" > "$OUT/parquet.log" 2>&1 &
PARQUET_PID=$!
wait_for "$OUT/dashboard.log" "dashboard: " 180
DASHBOARD=$(grep -o 'dashboard: http://[^/ ]*' "$OUT/dashboard.log" | head -n 1 | cut -d' ' -f2)
wait_for "$OUT/sink.log" "sink files: " 180
wait_for "$OUT/parquet.log" "sink files: " 180

./longhaul submit ../shared/corpus/logs/loghub_2k/OpenSSH/OpenSSH_2k.log --kind log --task summarize \
  --task extract:host,error --follow "${KAFKA[@]}" | tee "$OUT/submit.log"
JOB=$(head -n 1 "$OUT/submit.log" | awk '{print $1}')
./longhaul status "$JOB" "${KAFKA[@]}" | tee "$OUT/status.log"
grep -q SUCCEEDED "$OUT/status.log"
# a cancel of a job already final is told so on stderr with exit status 1, and nothing is sent
if ./longhaul cancel "$JOB" "${KAFKA[@]}" 2> "$OUT/cancel.err"; then
  echo "cancel of the SUCCEEDED job $JOB exited 0" >&2
  exit 1
fi
cat "$OUT/cancel.err"
grep -q "already SUCCEEDED" "$OUT/cancel.err"
# The dashboard's API and the sink see the job (both read read_committed; allow them a moment).
# curl is optional on a fresh machine: without it the API check is left to DashboardHttpTest.
if command -v curl > /dev/null 2>&1; then
TOKEN=$(grep -o '#token=[A-Za-z0-9_-]*' "$OUT/dashboard.log" | head -n 1 | cut -d= -f2)
AUTH=(-H "Authorization: Bearer $TOKEN")
for _ in $(seq 60); do
  curl -fsS "${AUTH[@]}" "$DASHBOARD/api/jobs/$JOB" > "$OUT/api-job.json" 2> /dev/null \
    && grep -q SUCCEEDED "$OUT/api-job.json" && break
  sleep 1
done
grep -q SUCCEEDED "$OUT/api-job.json" || {
  echo "kafka-cli: the dashboard's API never showed $JOB SUCCEEDED; last answer: $(curl -sS "${AUTH[@]}" \
    "$DASHBOARD/api/jobs/$JOB" 2>&1)" >&2
  tail -n 20 "$OUT/dashboard.log" >&2
  exit 1
}
# to a file first: grep -q stops reading at its first match, and curl then fails writing the rest (23)
curl -fsS "${AUTH[@]}" "$DASHBOARD/metrics" > "$OUT/metrics.txt"
grep -q '^longhaul_jobs_finished_total' "$OUT/metrics.txt"
[[ "$(curl -s -o /dev/null -w '%{http_code}' "$DASHBOARD/api/jobs/$JOB")" == 401 ]] \
  || { echo "kafka-cli: the dashboard answered without its token" >&2; exit 1; }
fi
for _ in $(seq 60); do
  # the file being written is hidden (.results-…jsonl.inprogress), so the glob names both
  [[ "$(cat "$OUT"/results/*.jsonl* "$OUT"/results/.*.jsonl* 2> /dev/null | grep -c "$JOB")" == 2 ]] && break
  sleep 1
done
[[ "$(cat "$OUT"/results/*.jsonl* "$OUT"/results/.*.jsonl* 2> /dev/null | grep -c "$JOB")" == 2 ]] || { echo "kafka-cli: the sink did not write both results" >&2; exit 1; }
# The Parquet sink publishes a file when it rotates or stops: stop it (SIGTERM closes it cleanly)
# once it has read the job's two results, then expect one whole Parquet file and no leftovers.
for _ in $(seq 60); do
  [[ "$(cat "$OUT"/results-parquet/.*.journal 2> /dev/null | grep -c "$JOB")" == 2 ]] && break
  sleep 1
done
kill "$PARQUET_PID" && wait "$PARQUET_PID" 2> /dev/null || true
PARQUET_PID=""
grep -q "sink stopped: .* 2 new" "$OUT/parquet.log" || { tail -n 20 "$OUT/parquet.log" >&2; echo "kafka-cli: the Parquet sink did not write both results" >&2; exit 1; }
PARQUET_FILE=$(ls "$OUT"/results-parquet/results-*.parquet)
[[ "$(head -c 4 "$PARQUET_FILE")" == PAR1 && "$(tail -c 4 "$PARQUET_FILE")" == PAR1 ]] || { echo "kafka-cli: $PARQUET_FILE is not a whole Parquet file" >&2; exit 1; }
if compgen -G "$OUT/results-parquet/*.journal" > /dev/null || compgen -G "$OUT/results-parquet/*.inprogress" > /dev/null \
    || compgen -G "$OUT/results-parquet/.*.journal" > /dev/null || compgen -G "$OUT/results-parquet/.*.inprogress" > /dev/null; then
  echo "kafka-cli: the Parquet sink left a journal or a file in progress" >&2
  exit 1
fi
echo "kafka-cli: ok"
