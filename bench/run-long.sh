#!/usr/bin/env bash
# Long sequences through attn-run: Longformer (window 256 + 4 global tokens),
# B = H = 1, D = 64, at N = 2^20 and 2^22. Prints the kernel's median time
# and attn-run's peak RSS beside the bytes of its inputs and output; the
# schedule tables are O(visited blocks), so the RSS stays near those bytes
# and the time grows linearly. Needs ~10 GiB of memory and of disk.
# Usage: bench/run-long.sh [BUILD_DIR]   (after `make`; needs python3-numpy)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== $(date -u +%Y-%m-%d) on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
for n in 1048576 4194304; do
  /usr/bin/python3 test/Tools/Inputs/make_inputs.py 1 1 1 1 "$n" "$n" 64 "$tmp"
  /usr/bin/python3 - "$build" "$tmp" "$n" <<'PY'
import resource, subprocess, sys
build, tmp, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
cmd = [f"{build}/bin/attn-run", "bench/longformer-global4.mlir",
       "--entry", "longformer", "--input", f"q={tmp}/q.npy",
       "--input", f"k={tmp}/k.npy", "--input", f"v={tmp}/v.npy",
       "--output", f"{tmp}/o.npy", "--repeat", "3"]
subprocess.run(cmd, check=True)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
data = 4 * n * 64 * 4
print(f"N = {n}: attn-run peak RSS {rss / 2**20:.0f} MiB = "
      f"{rss / data:.2f} x the inputs and output ({data / 2**20:.0f} MiB)")
PY
  rm -f "$tmp"/*.npy
done
