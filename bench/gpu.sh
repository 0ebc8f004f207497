#!/usr/bin/env bash
# bench/gpu.sh: the CUDA backend's check and benchmark on a machine with an NVIDIA GPU (Hopper or
# newer; sized for an H200, about 8 minutes). Needs a JDK 22+, Maven with the project's
# dependencies, nvcc and python3. Steps:
#   0. checks every kernel family against a C++ double reference (bench/gpu/kernel-check.sh);
#   1. builds engine-cuda with its kernels compiled now (-Dcuda.required=true) and runs the gpu
#      tests: the backend contract, the golden folders, a BF16 model against the scalar backend and
#      batched mixed tasks; -Dlonghaul.gpu.required=true makes a missing device fail, not skip;
#   2. synthesizes the 1.6B-parameter BF16 model (model synth --size l) unless it exists;
#   3. times prefill and decode with `longhaul bench engine --backend cuda` at several batch sizes
#      and context lengths, each run also measuring the device's copy bandwidths and BF16 matmul rate;
#   4. times one lightning and one softmax attention layer (the model's shapes) prefilling 4K to
#      256K tokens (softmax up to 32K only: it is quadratic);
#   5. prints a table and keeps every JSON line under bench/results/gpu-<UTC time>/.
# Usage: bench/gpu.sh [--skip-tests]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="bench/results/gpu-$(date -u +%Y%m%dT%H%M%SZ)"
MODEL=".longhaul/models/synth-l-bf16"
mkdir -p "$OUT"

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv | tee "$OUT/device.csv"

echo "== kernel check" >&2
bash bench/gpu/kernel-check.sh --rebuild | tee "$OUT/kernel-check.txt"

if [[ "${1:-}" != "--skip-tests" ]]; then
  echo "== gpu tests" >&2
  status=0
  mvn -B -Dcuda.required=true -Dlonghaul.gpu.required=true -pl engine-cuda -am test \
    -Dtest='CudaBackendContractTest,GoldenCudaTest,Bf16ModelTest,BatchedTasksTest' \
    -Dsurefire.failIfNoSpecifiedTests=false > "$OUT/tests.log" 2>&1 || status=$?
  grep -E "Tests run:|FAIL" "$OUT/tests.log" | tail -n 20 >&2 || true
  [[ "$status" -eq 0 ]] || { echo "gpu tests failed; see $OUT/tests.log" >&2; exit 1; }
fi

if [[ ! -f "$MODEL/config.json" ]]; then
  echo "== synthesizing $MODEL" >&2
  ./longhaul model synth --size l --dtype bf16 --seed 1 --out "$MODEL"
fi

echo "== bench engine" >&2
runs="$OUT/engine.jsonl"
: > "$runs"
for context in 1024 8192; do
  for batch in 1 8 32; do
    ./longhaul bench engine --backend cuda --model "$MODEL" --prompt-tokens "$context" --generate 32 \
      --batch "$batch" --json >> "$runs"
  done
done
./longhaul bench engine --backend cuda --model "$MODEL" --prompt-tokens 512 --generate 1 \
  --attention-tokens 4096,32768,131072,262144 --json > "$OUT/attention.json"

python3 - "$runs" "$OUT/attention.json" <<'PY' | tee "$OUT/table.md"
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
att = json.loads(open(sys.argv[2]).read())
d = runs[0]
print(f"device: {d['device']}")
print(f"host->device {d['device_h2d_bytes_per_s']/1e9:.1f} GB/s, device->device {d['device_d2d_bytes_per_s']/1e12:.2f} TB/s "
      f"(read+written), BF16 matmul {d['device_bf16_matmul_flops_per_s']/1e12:.0f} TFLOP/s, "
      f"BF16 matvec streams weights at {d['device_bf16_matvec_weight_bytes_per_s']/1e12:.2f} TB/s")
print()
print("| context | batch | prefill tok/s | decode tok/s | decode vs device bandwidth bound |")
print("|---|---|---|---|---|")
for r in runs:
    print(f"| {r['prompt_tokens']} | {r['batch']} | {r['prefill_tokens_per_s']:.0f} | {r['decode_tokens_per_s']:.0f} "
          f"| {r['decode_fraction_of_device_bandwidth_bound']:.2f} |")
print()
print("| tokens | lightning layer us/token | softmax layer us/token | softmax / lightning |")
print("|---|---|---|---|")
for a in att["attention"]:
    s = a.get("softmax_layer_prefill_us_per_token")
    ratio = a.get("softmax_over_lightning_prefill")
    print(f"| {a['attention_tokens']} | {a['lightning_layer_prefill_us_per_token']:.2f} | "
          f"{'-' if s is None else f'{s:.2f}'} | {'-' if ratio is None else f'{ratio:.1f}'} |")
flat = att["attention"][-1]["lightning_layer_prefill_us_per_token"] / att["attention"][0]["lightning_layer_prefill_us_per_token"]
print(f"\nlightning per-token cost, longest over shortest: {flat:.2f} (issue: within 1.25)")
PY
echo "results in $OUT" >&2
