#!/usr/bin/env bash
# bench/gpu/kernel-check.sh: the CUDA kernels checked on a GPU without Java or Maven: builds
# engine-cuda/src/test/cuda/kernel_check.cpp (host code only; it opens libcuda itself), optionally
# recompiles the fatbin first (--rebuild, needs nvcc), and runs every kernel family against a
# double-precision reference. Needs g++, the CUDA headers (cuda.h) and an NVIDIA driver; about a
# minute. Exit status 0 when every check passes.
#   kernel-check.sh [--rebuild]          the checks
#   kernel-check.sh --time [FATBIN...]   times a one-token BF16 matvec with each fatbin, side by side
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
FATBIN="engine-cuda/src/main/resources/dev/longhaul/engine/cuda/longhaul_kernels.fatbin"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [[ "${1:-}" == "--rebuild" ]]; then
  bash engine-cuda/src/main/cuda/build.sh engine-cuda bench/gpu/RESOURCES.md true
fi
CUDA_INCLUDE="$(dirname "$(dirname "$(readlink -f "$(command -v nvcc)")")")/include"
[[ -f "$CUDA_INCLUDE/cuda.h" ]] || CUDA_INCLUDE=/usr/local/cuda/include
g++ -O2 -std=c++17 -I"$CUDA_INCLUDE" engine-cuda/src/test/cuda/kernel_check.cpp -ldl -o "$WORK/kernel_check"
if [[ "${1:-}" == "--time" ]]; then
  # --time [FATBIN...]: a one-token BF16 matvec's bandwidth, for each fatbin (default: this one)
  shift
  for f in "${@:-$FATBIN}"; do
    echo "$f:"
    "$WORK/kernel_check" "$f" --time
  done
  exit 0
fi
"$WORK/kernel_check" "$FATBIN"
