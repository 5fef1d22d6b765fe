#!/usr/bin/env bash
# Runs the libFuzzer targets of a build configured with -DATTN_FUZZ=ON for
# SECONDS each, on corpora under BUILD/fuzz-corpus seeded from examples/ and
# test/, and prints each one's count of inputs. A crash, a hang past 20 s,
# a sanitizer report or a kernel result off the reference stops it with the
# input saved as BUILD/fuzz-corpus/<name>-crash-*.
#
# usage: test/Fuzz/run.sh BUILD SECONDS [parser|pipeline|npy|c-entry ...]
set -euo pipefail
build=$(cd "$1" && pwd)
seconds=$2
shift 2
src=$(cd "$(dirname "$0")/../.." && pwd)
fuzzers=("$@")
if [ ${#fuzzers[@]} -eq 0 ]; then
  fuzzers=(parser pipeline npy c-entry)
fi
# allow_user_poisoning=0: LLVM's BumpPtrAllocator is inline in attn's
# (instrumented) code but not in the system libMLIR.so, so its poisoning
# is one-sided and reports false use-after-poison (docs/reliability.md).
# detect_leaks=0: the fuzzers keep compiled kernels and a context for the
# whole run on purpose. Options the caller sets come after ours and win.
export ASAN_OPTIONS="allow_user_poisoning=0:detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

seed() {
  local name=$1 corpus=$2
  case $name in
  parser)
    # Every .mlir of examples/ and test/, split at the // ----- markers.
    local n=0
    while IFS= read -r file; do
      awk -v out="$corpus/seed-$n" '
        /^\/\/ -----/ { close(out "-" part); part++; next }
        { print > (out "-" part) }' part=0 "$file"
      n=$((n + 1))
    done < <(find "$src/examples" "$src/test" -name '*.mlir' | sort)
    ;;
  npy)
    python3 - "$corpus" <<'PY'
import struct, sys
out = sys.argv[1]
def save(name, descr, shape, payload):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
        descr, "(" + "".join("%d, " % s for s in shape) + ")")
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(f"{out}/{name}.npy", "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)))
        f.write(header.encode() + payload)
save("f4", "<f4", (1, 2, 3, 4), struct.pack("<24f", *range(24)))
save("empty", "<f4", (0, 2, 3, 4), b"")
save("scalar", "<f4", (), struct.pack("<f", 1.5))
save("bool", "|b1", (2, 3), bytes(6))
PY
    ;;
  esac
}

for name in "${fuzzers[@]}"; do
  binary=$build/test/Fuzz/attn-fuzz-$name
  corpus=$build/fuzz-corpus/$name
  mkdir -p "$corpus"
  if [ -z "$(ls -A "$corpus")" ]; then
    seed "$name" "$corpus"
  fi
  echo "== attn-fuzz-$name: $seconds s"
  log=$build/fuzz-corpus/$name.log
  if ! "$binary" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
      -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-corpus/$name-" "$corpus" > "$log" 2>&1; then
    tail -40 "$log"
    echo "attn-fuzz-$name: FAILED (input saved under $build/fuzz-corpus/)"
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^Done" "$log" | tail -2
done
