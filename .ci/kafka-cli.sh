#!/usr/bin/env bash
# The README's Kafka commands, as CI runs them: the embedded stack and a worker as background
# processes (on ports of their own), a real log submitted with --follow until SUCCEEDED, then
# status and cancel. Uses the small xs model so that CI stays short.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
KAFKA_PORT=${LONGHAUL_CI_KAFKA_PORT:-29092}
REGISTRY_PORT=${LONGHAUL_CI_REGISTRY_PORT:-28081}
OUT=$(mktemp -d)
STACK_PID=""
WORKER_PID=""
cleanup() {
  [[ -n "$WORKER_PID" ]] && kill "$WORKER_PID" 2> /dev/null && wait "$WORKER_PID" 2> /dev/null || true
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
KAFKA=(--bootstrap-servers "localhost:$KAFKA_PORT" --registry-url "http://localhost:$REGISTRY_PORT")
MODEL=.longhaul/models/minimax-xs
[[ -f "$MODEL/config.json" ]] || ./longhaul model synth --out "$MODEL" --size xs --seed 1

./longhaul stack --kafka-port "$KAFKA_PORT" --registry-port "$REGISTRY_PORT" > "$OUT/stack.log" 2>&1 &
STACK_PID=$!
wait_for "$OUT/stack.log" "registry url" 180
./longhaul worker --model "$MODEL" --id ci-worker --threads 2 --context-tokens 2048 --max-output-tokens 8 "${KAFKA[@]}" \
  > "$OUT/worker.log" 2>&1 &
WORKER_PID=$!
wait_for "$OUT/worker.log" "context budget" 180

./longhaul submit ../shared/corpus/logs/loghub_2k/OpenSSH/OpenSSH_2k.log --kind log --task summarize \
  --task extract:host,error --follow "${KAFKA[@]}" | tee "$OUT/submit.log"
JOB=$(head -n 1 "$OUT/submit.log" | awk '{print $1}')
./longhaul status "$JOB" "${KAFKA[@]}" | tee "$OUT/status.log"
grep -q SUCCEEDED "$OUT/status.log"
./longhaul cancel "$JOB" "${KAFKA[@]}"
echo "kafka-cli: ok"
