#!/usr/bin/env bash
# The CPU measurements of bench/RESULTS.md, in one run:
#   1. Google Benchmark rows (bench/AttentionBench.cpp): the machine's FMA
#      peak, then dense / causal / window kernels with GFLOP/s.
#   2. Peak memory of dense attention at N = 32768 (B = H = 1, D = 64) through
#      attn-run: the N x N score matrix alone would be 4 GiB.
# Usage: bench/run-cpu.sh [BUILD_DIR]   (after `make`; needs python3-numpy)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== $(date -u +%Y-%m-%d) on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
"$build/bench/attn-bench-cpu" --benchmark_format=console 2>&1 | grep -E '^(BM_|Benchmark|-)'

echo "== peak RSS of dense attention, N = 32768, B = H = 1, D = 64"
/usr/bin/python3 test/Tools/Inputs/make_inputs.py 1 1 1 1 32768 32768 64 "$tmp"
/usr/bin/python3 - "$build" "$tmp" <<'PY'
import resource, subprocess, sys
build, tmp = sys.argv[1], sys.argv[2]
cmd = [f"{build}/bin/attn-run", "examples/variants/dense.mlir", "--entry", "dense",
       "--input", f"q={tmp}/q.npy", "--input", f"k={tmp}/k.npy",
       "--input", f"v={tmp}/v.npy", "--output", f"{tmp}/o.npy", "--repeat", "3"]
subprocess.run(cmd, check=True)
rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"attn-run peak RSS: {rss_kib / 1024:.1f} MiB "
      f"(inputs + output: {4 * 32768 * 64 * 4 / 2**20:.1f} MiB; an N x N f32 matrix: 4096 MiB)")
PY
