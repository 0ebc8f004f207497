#!/usr/bin/env bash
# bench/gpu/device.sh: the CUDA checks and timings on a GPU machine that has nvcc, g++ and python3
# but no JDK or Maven, from the archive bench/gpu/bundle.sh made (.gpu/bundle.tar.xz). Run from the
# repository root. Each step has its own time limit and log under OUTDIR; a failed step does not
# stop the next. The last lines printed are a summary: one line per step, then the timing table.
#   bench/gpu/device.sh OUTDIR [STEP,...]
# Steps (default: all, in this order):
#   kernels    each kernel family against a double-precision reference (kernel-check.sh), then a
#              one-token matvec timed with this build's kernels and, side by side, the previous
#              build's (bundle.sh OLD_JARS_DIR)
#   tests      the gpu tests through RunTests, a missing device failing them (contract suite, also
#              with launches one by one, both golden folders, a BF16 model against the scalar
#              backend, batched mixed tasks)
#   plain      the same tests with every backend launching its kernels one by one through JCuda
#              (-Dlonghaul.cuda.graphs=false; the default is CUDA graphs)
#   golden     `longhaul golden --backend cuda` on both golden folders
#   compare    batch-1 decode of the 1.6B model with the previous build's jars, this build's
#              (CUDA graphs), and this build's launching one by one through JCuda and through
#              java.lang.foreign (-Dlonghaul.cuda.graphs=false, -Dlonghaul.cuda.launch=ffm), in
#              turn, twice each,
#              then the graphs with --profile (host time per backend call; the device's work shows
#              up in the call that waits for it), then the device time per kernel
#              (-Dlonghaul.cuda.kernelTimes=true)
#   bench      synthesizes the 1.6B-parameter BF16 model (size l), then `bench engine --backend
#              cuda` at batch 1, 8 and 32 (context 1024) and one 8192-token context (JVM options
#              from BENCH_JOPTS, e.g. -Dlonghaul.cuda.graphs=false)
#   attention  one lightning and one softmax layer of that model prefilling 4K to 256K tokens
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
LH="${TMPDIR:-/tmp}/longhaul-gpu"
JAVA="$LH/jre/bin/java"
MODEL="$LH/synth-l-bf16"
read -r -a FLAGS <<< "$(sed -n 's:.*<longhaul.jvm.flags>\(.*\)</longhaul.jvm.flags>.*:\1:p' pom.xml)"
[[ ${#FLAGS[@]} -gt 0 ]] || { echo "no <longhaul.jvm.flags> in pom.xml" >&2; exit 2; }
cli() { "$JAVA" "${FLAGS[@]}" ${JOPTS:-} -Xmx32g -Dlonghaul.home="$ROOT" -cp "$LH/lib/*" dev.longhaul.ops.cli.Longhaul "$@"; }

kernels() {
  local rc=0
  bash bench/gpu/kernel-check.sh || rc=1
  local fatbins=("$ROOT/engine-cuda/src/main/resources/dev/longhaul/engine/cuda/longhaul_kernels.fatbin")
  [[ -f "$LH/old/longhaul_kernels.fatbin" ]] && fatbins=("$LH/old/longhaul_kernels.fatbin" "${fatbins[@]}")
  bash bench/gpu/kernel-check.sh --time "${fatbins[@]}" || rc=1
  return $rc
}

tests() {
  "$JAVA" "${FLAGS[@]}" ${JOPTS:-} -Xmx16g -Dlonghaul.golden.dir="$LH/golden" -Dlonghaul.gpu.required=true \
    -cp "$LH/test/classes:$LH/test/*:$LH/lib/*" RunTests \
    dev.longhaul.engine.cpu.CudaBackendContractTest dev.longhaul.engine.cpu.CudaPlainLaunchBackendContractTest \
    dev.longhaul.engine.cuda.GoldenCudaTest dev.longhaul.engine.cuda.Bf16ModelTest \
    dev.longhaul.engine.cuda.BatchedTasksTest
}

plain() {
  JOPTS="-Dlonghaul.cuda.graphs=false" tests
}

golden() {
  local rc=0
  for g in "$LH"/golden/minimax-tiny*; do
    cli golden --backend cuda "$g" || rc=1
  done
  return $rc
}

synth() {
  [[ -f "$MODEL/config.json" ]] || cli model synth --size l --dtype bf16 --seed 1 --out "$MODEL"
}

# the previous build's CLI: its jars ahead of this build's on the class path
old_cli() { "$JAVA" "${FLAGS[@]}" -Xmx32g -Dlonghaul.home="$ROOT" -cp "$LH/old/*:$LH/lib/*" dev.longhaul.ops.cli.Longhaul "$@"; }

compare() {
  synth || return 1
  [[ -d "$LH/old" ]] || { echo "no previous build in the bundle"; return 1; }
  local rc=0 args=(bench engine --backend cuda --model "$MODEL" --prompt-tokens 1024 --generate 64 --batch 1 --json)
  for round in 1 2; do
    labelled previous old_cli "${args[@]}" || rc=1
    JOPTS=-Dlonghaul.cuda.graphs.verbose=true labelled this-graphs cli "${args[@]}" || rc=1
    JOPTS=-Dlonghaul.cuda.graphs=false labelled this-jcuda-launch cli "${args[@]}" || rc=1
    JOPTS="-Dlonghaul.cuda.graphs=false -Dlonghaul.cuda.launch=ffm" labelled this-ffm-launch cli "${args[@]}" || rc=1
  done
  labelled this-graphs-profiled cli "${args[@]}" --profile || rc=1
  # device time per kernel (KernelTimes, on standard error): where the step's time goes on the GPU
  JOPTS="-Dlonghaul.cuda.launch=ffm -Dlonghaul.cuda.kernelTimes=true" labelled this-kernel-times cli "${args[@]}" || rc=1
  return $rc
}

# labelled LABEL COMMAND...: the command's one JSON line with "build": LABEL put first
labelled() {
  local label="$1" json
  shift
  json="$("$@")" || return 1
  [[ "$json" == "{"* ]] || { echo "no JSON from: $*" >&2; return 1; }
  echo "{\"build\":\"$label\",${json#\{}"
}

bench() {
  synth || return 1
  local rc=0
  export JOPTS="${BENCH_JOPTS:-}"
  for batch in 1 8 32; do
    cli bench engine --backend cuda --model "$MODEL" --prompt-tokens 1024 --generate 32 --batch "$batch" --json || rc=1
  done
  cli bench engine --backend cuda --model "$MODEL" --prompt-tokens 8192 --generate 32 --batch 1 --json || rc=1
  return $rc
}

attention() {
  synth || return 1
  cli bench engine --backend cuda --model "$MODEL" --prompt-tokens 512 --generate 1 \
    --attention-tokens 4096,32768,131072,262144 --json
}

if [[ "${1:-}" == --step ]]; then # one step, run by step() below under its time limit
  "$2"
  exit
fi

OUT="${1:?usage: device.sh OUTDIR [STEP,...]}"
STEPS=",${2:-kernels,tests,plain,golden,compare,bench,attention},"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
SUMMARY="$OUT/summary.txt"
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
  nvcc --version | tail -n 2
} > "$SUMMARY" 2>&1
cat "$SUMMARY"
rm -rf "$LH" && mkdir -p "$LH" && tar -C "$LH" -xJf .gpu/bundle.tar.xz || { echo "no bundle: run bench/gpu/bundle.sh first" >&2; exit 2; }
# the kernel check reads this checkout's fatbin, the JVM steps the bundle's: they must be the same
python3 - "$LH"/lib/longhaul-engine-cuda-*.jar engine-cuda/src/main/resources/dev/longhaul/engine/cuda/longhaul_kernels.sha256 <<'PY' || exit 2
import sys, zipfile
bundled = zipfile.ZipFile(sys.argv[1]).read("dev/longhaul/engine/cuda/longhaul_kernels.sha256").decode().strip()
here = open(sys.argv[2]).read().strip()
if bundled != here:
    sys.exit(f"the bundle's kernels ({bundled[:12]}) are not this checkout's ({here[:12]}): rebuild, then run bench/gpu/bundle.sh")
PY

# step NAME SECONDS: runs the step under its time limit into OUT/NAME.log
step() {
  local name="$1" limit="$2"
  [[ "$STEPS" == *",$name,"* ]] || return 0
  echo "== $name (limit ${limit}s)" >&2
  local start=$SECONDS rc=0
  timeout --kill-after=10 "$limit" bash "$ROOT/bench/gpu/device.sh" --step "$name" > "$OUT/$name.log" 2>&1 || rc=$?
  echo "$name: rc=$rc in $((SECONDS - start))s" | tee -a "$SUMMARY" >&2
  tail -n 15 "$OUT/$name.log" >&2
}

step kernels 120
step tests 150
step plain 150
step golden 60
step compare 300
step bench 200
step attention 100

python3 - "$OUT" <<'PY' 2>&1 | tee -a "$SUMMARY"
import json, os, sys
out = sys.argv[1]
def lines(name):
    p = os.path.join(out, name)
    rows = []
    for l in open(p) if os.path.exists(p) else []:
        if l.strip().startswith("{"):
            try:
                rows.append(json.loads(l))
            except ValueError:
                print(f"{name}: not JSON: {l.strip()[:80]}")
    return rows
cmp = lines("compare.log")
if cmp:
    print("| build | decode tok/s (batch 1, 1024 context) | vs device bandwidth bound |")
    print("|---|---|---|")
    for r in cmp:
        print(f"| {r['build']} | {r['decode_tokens_per_s']:.0f} | {r.get('decode_fraction_of_device_bandwidth_bound', 0):.3f} |")
    prof = [r for r in cmp if r.get("decode_profile")]
    if prof:
        print("decode profile (host ms / calls):", json.dumps(prof[-1]["decode_profile"]))
runs = lines("bench.log")
if runs:
    d = runs[0]
    print(f"device: {d.get('device')}")
    print(f"host->device {d['device_h2d_bytes_per_s']/1e9:.1f} GB/s, device->device {d['device_d2d_bytes_per_s']/1e12:.2f} TB/s "
          f"(read+written), BF16 matmul {d['device_bf16_matmul_flops_per_s']/1e12:.0f} TFLOP/s, "
          f"BF16 matvec streams weights at {d['device_bf16_matvec_weight_bytes_per_s']/1e12:.2f} TB/s")
    print("| context | batch | launch | prefill tok/s | decode tok/s | decode vs device bandwidth bound |")
    print("|---|---|---|---|---|---|")
    for r in runs:
        print(f"| {r['prompt_tokens']} | {r['batch']} | {r.get('device_kernel_launch', '?')} | {r['prefill_tokens_per_s']:.0f} "
              f"| {r['decode_tokens_per_s']:.0f} | {r['decode_fraction_of_device_bandwidth_bound']:.2f} |")
att = lines("attention.log")
if att:
    print("| tokens | lightning layer us/token | softmax layer us/token | softmax / lightning |")
    print("|---|---|---|---|")
    for a in att[0]["attention"]:
        s = a.get("softmax_layer_prefill_us_per_token")
        ratio = a.get("softmax_over_lightning_prefill")
        print(f"| {a['attention_tokens']} | {a['lightning_layer_prefill_us_per_token']:.2f} | "
              f"{'-' if s is None else f'{s:.2f}'} | {'-' if ratio is None else f'{ratio:.1f}'} |")
    a = att[0]["attention"]
    print(f"lightning per-token cost, longest over shortest: {a[-1]['lightning_layer_prefill_us_per_token'] / a[0]['lightning_layer_prefill_us_per_token']:.2f} (issue: within 1.25)")
PY
echo "== summary"
grep -E "^[a-z]+: rc=" "$SUMMARY" || { echo "no step ran (steps: ${STEPS//,/ })"; exit 2; }
! grep -E "^[a-z]+: rc=" "$SUMMARY" | grep -v "rc=0 " > /dev/null
