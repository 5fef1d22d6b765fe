#!/usr/bin/env bash
# Step 2 of the GPU benchmark (bench/gpu/README.md): the command of ONE
# device-tool call, on the GPU machine, from the repository root:
#     run  carry [".gpu-bench"]  command "bash bench/gpu/run.sh"
# Prints the machine (nvidia-smi, torch, triton, glibc), checks that the
# carried library of prepare.sh loads (falling back to the carried libstdc++
# when the machine's is too old), then runs compare.py: correctness against
# float64, then timings against SDPA (flash) and FlexAttention; the Markdown
# table goes to stdout and results.md/.csv/.json, checks.csv, progress.jsonl
# and run.log to $OUT. Exit status: 0 all checks passed; 1 a check failed or
# a kernel crashed/errored; 2 the set-up is wrong (no library, no torch);
# 124 cut by the time limit (partial results are still written).
#
# Extra arguments go to compare.py, e.g. `bash bench/gpu/run.sh --check-only`
# or `--variants dense,causal --seq 4096`. Environment: OUT (default
# ./gpu-bench-out), ATTN_GPU_BENCH_BUDGET (seconds after which no new timing
# starts; default 330), ATTN_GPU_BENCH_LIMIT (hard stop, seconds from the
# start of this script; default 540, under the device tool's 600), PYTHON.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2

bench=.gpu-bench
lib=$bench/libattn_gpu_bench.so
out=${OUT:-$PWD/gpu-bench-out}
budget=${ATTN_GPU_BENCH_BUDGET:-330}
limit=${ATTN_GPU_BENCH_LIMIT:-540}
py=${PYTHON:-python3}
mkdir -p "$out"
exec > >(tee "$out/run.log") 2>&1
tee_pid=$!
# On exit, let tee write its last lines before the call returns.
trap 'exec 1>&- 2>&-; wait "$tee_pid" 2>/dev/null' EXIT

echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit,compute_mode,mig.mode.current --format=csv
else
  echo "no nvidia-smi"
fi
echo "$(ldd --version 2>&1 | head -1); $(uname -srm); $(nproc) CPUs"
"$py" - <<'EOF' || { echo "run.sh: error: $py cannot import torch"; exit 2; }
import platform, sys
print("python", sys.version.split()[0], platform.platform())
import torch
print("torch", torch.__version__, "CUDA", torch.version.cuda,
      "cuDNN", torch.backends.cudnn.version(),
      "device", torch.cuda.get_device_name() if torch.cuda.is_available() else None,
      "capability", torch.cuda.get_device_capability() if torch.cuda.is_available() else None)
try:
    import triton
    print("triton", triton.__version__)
except Exception as err:
    print("triton: not importable:", err)
EOF

if [[ ! -f $lib ]]; then
  echo "run.sh: error: no $lib. On the development machine run bench/gpu/prepare.sh, then"
  echo "call the device tool with carry [\"$bench\"] and command 'bash bench/gpu/run.sh'."
  exit 2
fi
echo "== library ($bench/manifest.txt)"
cat "$bench/manifest.txt"

# The library must load here: Abseil comes with it, libstdc++ is the
# machine's unless that one is older than the build machine's.
load() { "$py" -c 'import ctypes, sys; ctypes.CDLL(sys.argv[1])' "$PWD/$lib" 2>&1; }
if ! msg=$(load); then
  echo "$msg"
  if grep -qE 'GLIBCXX_|CXXABI_' <<< "$msg" && [[ -d $bench/fallback ]]; then
    export LD_LIBRARY_PATH="$PWD/$bench/fallback${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "run.sh: this machine's libstdc++ is older; using the carried one ($bench/fallback)"
    msg=$(load) || { echo "$msg"; echo "run.sh: error: the library does not load even so"; exit 2; }
  else
    echo "run.sh: error: $lib does not load here (see the manifest's 'requires' line)"
    exit 2
  fi
fi
echo "library loads"

export PYTHONUNBUFFERED=1
left=$(( limit - SECONDS ))
echo "== compare.py (timings start until ${budget}s, hard stop in ${left}s)"
timeout --signal=TERM --kill-after=15 "$left" \
  "$py" bench/gpu/compare.py --lib "$PWD/$lib" --out "$out" --time-budget "$budget" "$@"
rc=$?
cp "$bench/manifest.txt" "$out/manifest.txt" 2>/dev/null
echo "== compare.py exit status $rc after ${SECONDS}s; results in $out"
exit $rc
