#!/usr/bin/env bash
# The engine acceptance benchmarks of issue 2, side by side in one run on this machine:
#   decode vs the copy-bandwidth bound and prefill vs the matmul rate (s model, fp32, 2 threads),
#   BF16 vs fp32 decode, batch-16 vs batch-1 decode, and, for a linear-only s model, prefill cost
#   per token at 65,536 vs 4,096 tokens and peak memory at 262,144 vs 1,024 tokens.
# Each figure comes from `./longhaul bench engine --json` (one JSON line per run, kept in
# bench/results/); ratios are printed at the end. Models are synthesized once into .longhaul/models.
# Usage: bench/engine-suite.sh [--threads N] [--quick]   (--quick: shorter prompts, for a smoke run)
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=2
LONG=65536
HUGE=262144
GEN=128
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) THREADS="$2"; shift 2 ;;
    --quick) LONG=8192; HUGE=16384; GEN=16; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
MODELS=.longhaul/models
# build once now, then every run measures that same build (an edit meanwhile rebuilds nothing)
./longhaul --version >/dev/null
export LONGHAUL_NO_BUILD=1
OUT=bench/results/engine-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$MODELS" "$OUT"

synth() { # name size dtype [extra...]
  local dir="$MODELS/$1"
  if [[ ! -f "$dir/config.json" ]]; then
    ./longhaul model synth --out "$dir" --size "$2" --seed 7 --dtype "$3" "${@:4}" >&2
  fi
  echo "$dir"
}
run() { # label args...
  local label="$1"; shift
  echo "== $label: bench engine $*" >&2
  ./longhaul bench engine "$@" --backend cpu --threads "$THREADS" --json | tail -n 1 | tee "$OUT/$label.json" >&2
}
field() { sed -n "s/.*\"$2\" *: *\([-0-9.eE+]*\).*/\1/p" "$OUT/$1.json"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.3f", a / b }'; }

F32=$(synth minimax-s-f32 s f32)
BF16=$(synth minimax-s-bf16 s bf16)
LIN=$(synth minimax-s-linear s f32 --linear-only)

run f32-b1 --model "$F32" --prompt-tokens 1024 --generate "$GEN" --batch 1
run bf16-b1 --model "$BF16" --prompt-tokens 1024 --generate "$GEN" --batch 1 --reference-model "$F32"
run f32-b16 --model "$F32" --prompt-tokens 256 --generate "$GEN" --batch 16
# the decode ratios again, side by side within one process: rounds of copy bandwidth, fp32 batch 1,
# fp32 batch 16 and bf16 batch 1 back to back (bench decode), medians over the rounds
echo "== decode-rounds: bench decode --model $F32 --other-model $BF16 --batch 16" >&2
./longhaul bench decode --backend cpu --model "$F32" --other-model "$BF16" --batch 16 --prompt-tokens 256 --generate "$GEN" \
  --rounds 5 --threads "$THREADS" --json | tail -n 1 | tee "$OUT/decode-rounds.json" >&2
run lin-4k --model "$LIN" --prompt-tokens 4096 --generate 0 --batch 1
run lin-long --model "$LIN" --prompt-tokens "$LONG" --generate 0 --batch 1
run lin-1k --model "$LIN" --prompt-tokens 1024 --generate 0 --batch 1
run lin-huge --model "$LIN" --prompt-tokens "$HUGE" --generate 0 --batch 1

echo
echo "results in $OUT"
printf '%-58s %s\n' \
  "decode fp32 b1 tokens/s" "$(field f32-b1 decode_tokens_per_s)" \
  "  bandwidth bound tokens/s (copy bw / weight bytes)" "$(field f32-b1 decode_bandwidth_bound_tokens_per_s)" \
  "  fraction of bound (target >= 0.70)" "$(field f32-b1 decode_fraction_of_bandwidth_bound)" \
  "  fraction of the read-bandwidth bound (for context)" "$(field f32-b1 decode_fraction_of_read_bound)" \
  "prefill fp32 tokens/s" "$(field f32-b1 prefill_tokens_per_s)" \
  "  fraction of matmul rate (target >= 0.50)" "$(field f32-b1 prefill_fraction_of_matmul_rate)" \
  "bf16/fp32 decode speed (separate processes; see side by side below)" "$(ratio "$(field bf16-b1 decode_tokens_per_s)" "$(field f32-b1 decode_tokens_per_s)")" \
  "bf16 vs fp32 logits, rel L2 over 256 positions (target <= 1e-2)" "$(field bf16-b1 logits_rel_l2_overall_vs_reference)" \
  "  median position / worst position" "$(field bf16-b1 logits_rel_l2_median_position_vs_reference) / $(field bf16-b1 logits_rel_l2_max_position_vs_reference)" \
  "batch16 (256-token prompts) / batch1 (1024) decode, separate processes" "$(ratio "$(field f32-b16 decode_tokens_per_s)" "$(field f32-b1 decode_tokens_per_s)")" \
  "side by side, medians of 5 rounds (bench decode):" "" \
  "  batch16/batch1 decode throughput (target >= 6)" "$(field decode-rounds batch_ratio_median)" \
  "  fp32 b1 fraction of the copy-bandwidth bound (target >= 0.70)" "$(field decode-rounds batch1_fraction_of_copy_bound_median)" \
  "  bf16/fp32 decode speed (target >= 1.6)" "$(field decode-rounds other_ratio_median)" \
  "linear-only us/token at $LONG vs 4096 (target <= 1.25)" "$(ratio "$(field lin-long prefill_us_per_token)" "$(field lin-4k prefill_us_per_token)")" \
  "linear-only peak RSS at $HUGE vs 1024 tokens" "$(ratio "$(field lin-huge peak_rss_bytes)" "$(field lin-1k peak_rss_bytes)")"
