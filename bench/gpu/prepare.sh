#!/usr/bin/env bash
# Step 1 of the GPU benchmark (bench/gpu/README.md), run on the DEVELOPMENT
# machine after `make`: compiles bench/gpu/kernels.mlir with
# `attn-compile --target cuda` and links what compare.py loads on the GPU
# machine into one folder, .gpu-bench/:
#   libattn_gpu_bench.so   the kernel library (whole archive: cubins for
#                          sm_80/sm_90, PTX, host launch code) + the runtime +
#                          the support library; exports only attn_*
#   libabsl_*.so.*         the Abseil libraries it needs (found via RPATH
#                          $ORIGIN; the GPU machine has no Abseil)
#   fallback/              this machine's libstdc++/libgcc_s, used by run.sh
#                          only if the GPU machine's libstdc++ is too old
#   kernels.mlir, kernels.h, manifest.txt
# and checks that nothing in it needs LLVM, MLIR or a library a bare machine
# lacks (readelf/ldd), and that attn_<f>_cuda is exported for every function
# of kernels.mlir, plus attn_last_error (nm).
#
# The folder travels to the GPU machine through the device tool's `carry`
# ([".gpu-bench"]); .gitignore keeps it out of git.
#
# Usage: bench/gpu/prepare.sh [--link-test-cpu]
#   --link-test-cpu  check the link steps without the CUDA back end: compiles
#                    an f32 copy of kernels.mlir with --target cpu into a
#                    temporary folder, links and checks it the same way
#                    (symbols attn_<f>_f32); writes nothing to .gpu-bench
#                    (ATTN_LINK_TEST_OUT=DIR keeps the result in DIR).
# Environment: ATTN_BUILD (default build), ATTN_GPU_BENCH_DIR (default
#   .gpu-bench), ATTN_GPU_BENCH_LDFLAGS (extra link flags, e.g. a library the
#   kernels need that is not in the runtime), CXX (default g++).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

die() { echo "prepare.sh: error: $*" >&2; exit 1; }
note() { echo "prepare.sh: $*" >&2; }

mode=cuda
case "${1:-}" in
  "") ;;
  --link-test-cpu) mode=cpu ;;
  -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (see --help)" ;;
esac

build=${ATTN_BUILD:-build}
[[ $build = /* ]] || build="$repo/$build"
cxx=${CXX:-g++}
src=bench/gpu/kernels.mlir
compile="$build/bin/attn-compile"
runtime="$build/lib/Runtime/libAttnRuntime.a"
support="$build/lib/Support/libAttnSupport.a"
absl_dir=/usr/lib/x86_64-linux-gnu

# --- prerequisites -----------------------------------------------------------
[[ -x $compile ]] || die "no $compile: build attn first (make, or ninja -C build attn-compile)"
[[ -f $runtime ]] || die "no $runtime: build attn first (make)"
[[ -f $support ]] || die "no $support: build attn first (make)"
command -v "$cxx" >/dev/null || die "no C++ compiler '$cxx' (set CXX)"
for tool in readelf nm ldd objdump; do
  command -v $tool >/dev/null || die "'$tool' is missing (apt-get install binutils libc-bin)"
done
shopt -s nullglob
absl_so=("$absl_dir"/libabsl_*.so)
shopt -u nullglob
(( ${#absl_so[@]} > 0 )) || die "no Abseil libraries ($absl_dir/libabsl_*.so): apt-get install libabsl-dev"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The functions of kernels.mlir: each must come out as attn_<f>_<suffix>.
mapfile -t funcs < <(grep -oE 'func\.func @[A-Za-z0-9_]+' "$src" | sed 's/.*@//')
(( ${#funcs[@]} > 0 )) || die "no func.func in $src"

if [[ $mode = cuda ]]; then
  outdir=${ATTN_GPU_BENCH_DIR:-.gpu-bench}
  suffix=cuda
  input=$src
else
  outdir=${ATTN_LINK_TEST_OUT:-$tmp/out}
  suffix=f32
  input="$tmp/kernels_f32.mlir"
  sed 's/bf16/f32/g' "$src" > "$input"
fi
[[ $outdir = /* ]] || outdir="$repo/$outdir"

# --- 1. attn-compile ---------------------------------------------------------
note "attn-compile $input --target $mode (${#funcs[@]} functions)"
if ! "$compile" "$input" --target "$mode" -o "$tmp/kernels" 2> "$tmp/compile.err"; then
  cat "$tmp/compile.err" >&2
  if grep -q "unsupported --target" "$tmp/compile.err"; then
    die "this attn-compile has no --target $mode yet (the GPU back end is not in this build): rebuild after it lands (make), then rerun"
  fi
  die "attn-compile failed on $input (message above)"
fi
[[ -f $tmp/kernels.a ]] || die "attn-compile wrote no kernels.a (the contract: DIR/name.h and DIR/name.a)"

# --- 2. one shared library + the Abseil it needs -----------------------------
# Debian's static Abseil archives are not position independent (local-exec
# TLS in libabsl_base and libabsl_cordz_functions), so Abseil is linked
# dynamically and its .so files travel beside the library, found through
# DT_RPATH=$ORIGIN (RPATH, not RUNPATH: searched before LD_LIBRARY_PATH, and
# for Abseil's own dependencies too); every Abseil library of the closure is
# also a direct NEEDED. Only attn_* is exported (version script), so nothing
# can clash with PyTorch's symbols. libstdc++/libgcc_s stay the system's
# (PyTorch loads them anyway); copies go to fallback/ for a machine whose
# libstdc++ is older than this one's (run.sh then puts them on
# LD_LIBRARY_PATH).
printf '{ global: attn_*; local: *; };\n' > "$tmp/exports.map"
link() { # link OUTPUT [libraries...]
  local out=$1; shift
  # shellcheck disable=SC2086,SC2016  # $ORIGIN is for the loader, not the shell
  "$cxx" -shared -o "$out" \
    -Wl,--whole-archive "$tmp/kernels.a" -Wl,--no-whole-archive \
    -Wl,--undefined=attn_last_error \
    "$runtime" "$support" "$@" \
    -Wl,--version-script="$tmp/exports.map" -Wl,-z,defs \
    -Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN' \
    ${ATTN_GPU_BENCH_LDFLAGS:-} -ldl -lpthread -lm
}
lib="$tmp/libattn_gpu_bench.so"
note "linking libattn_gpu_bench.so"
if ! link "$tmp/probe.so" -Wl,--as-needed "${absl_so[@]}" -Wl,--no-as-needed 2> "$tmp/link.err"; then
  cat "$tmp/link.err" >&2
  die "linking the shared library failed (message above). An undefined cu* symbol: the runtime must open libcuda with dlopen (or name it in ATTN_GPU_BENCH_LDFLAGS); 'recompile with -fPIC': the kernel objects must be position independent"
fi
# The Abseil closure (ldd resolves transitive dependencies).
mapfile -t closure < <(ldd "$tmp/probe.so" | awk '$1 ~ /^libabsl_/ {print $3}' | sort -u)
if ! link "$lib" "${closure[@]}" 2> "$tmp/link.err"; then
  cat "$tmp/link.err" >&2
  die "relinking with the Abseil closure failed (message above)"
fi
stage="$tmp/stage"
mkdir -p "$stage/fallback"
cp "$lib" "$stage/"
for so in "${closure[@]}"; do
  cp -L "$so" "$stage/$(basename "$so")"
done
for so in libstdc++.so.6 libgcc_s.so.1; do
  path=$("$cxx" -print-file-name="$so")
  [[ -f $path ]] && cp -L "$path" "$stage/fallback/$so"
done

# --- 3. checks ------------------------------------------------------------------
# NEEDED of every shipped library: the C library family, libstdc++/libgcc_s,
# or a shipped Abseil library.
allowed='^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|ld-linux-x86-64\.so\.2|libstdc\+\+\.so\.6|libgcc_s\.so\.1)$'
bad=0
for f in "$stage"/*.so*; do
  while read -r needed; do
    if ! [[ $needed =~ $allowed || -f $stage/$needed ]]; then
      echo "prepare.sh: $(basename "$f") needs $needed, which is neither shipped nor on a bare machine" >&2
      bad=1
    fi
  done < <(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done
# Loaded from the staged folder: every library is found, Abseil from there.
ldd "$stage/libattn_gpu_bench.so" > "$tmp/ldd.txt"
if grep -E 'not found|LLVM|MLIR' "$tmp/ldd.txt" >&2; then bad=1; fi
if awk -v dir="$stage/" '$1 ~ /^libabsl_/ && index($3, dir) != 1' "$tmp/ldd.txt" | grep . >&2; then
  echo "prepare.sh: the Abseil libraries above do not resolve to the shipped copies" >&2
  bad=1
fi
(( bad == 0 )) || die "the library is not self-contained (see above)"

nm -D --defined-only "$lib" | awk '{print $NF}' | sort > "$tmp/exports.txt"
missing=()
for f in "${funcs[@]}"; do
  grep -qx "attn_${f}_${suffix}" "$tmp/exports.txt" || missing+=("attn_${f}_${suffix}")
done
grep -qx attn_last_error "$tmp/exports.txt" || missing+=(attn_last_error)
(( ${#missing[@]} == 0 )) || die "the library does not export: ${missing[*]} (it exports: $(tr '\n' ' ' < "$tmp/exports.txt"))"

# What the kernels carry: cubins (ELF images inside the library) and PTX.
if [[ $mode = cuda ]]; then
  cubins=$(( $(grep -aoP '\x7fELF' "$lib" | wc -l) - 1 ))
  ptx=$(grep -aoE '\.target sm_[0-9]+a?' "$lib" | sort | uniq -c | awk '{printf "%s %s x%s; ", $2, $3, $1}')
  note "embedded: $cubins cubin(s); PTX: ${ptx:-none}"
  (( cubins > 0 )) || note "warning: no cubin embedded (no ptxas when attn-compile ran?): the driver will JIT the PTX at the first call"
fi

# The newest symbol versions the shipped libraries need from the GPU machine.
requires=$(for f in "$stage"/*.so*; do objdump -T "$f"; done |
  grep -oE '\((GLIBC|GLIBCXX|CXXABI)_[0-9.]+\)' | tr -d '()' | sort -uV |
  awk -F_ '{last[$1] = $0} END {for (k in last) printf "%s ", last[k]}' |
  tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/^ *//; s/ *$//')
size=$(du -sb "$stage" | cut -f1)
(( size < 60 * 1024 * 1024 )) || die "the folder is $((size >> 20)) MiB; the device tool's carry takes 64 MiB in all"

# --- 4. install into the folder that travels --------------------------------
cp "$tmp/kernels.h" "$stage/kernels.h" 2>/dev/null || true
cp "$input" "$stage/kernels.mlir"
{
  # shellcheck disable=SC1091
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (+ local changes)')"
  echo "target: $mode"
  echo "needs: $(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
  echo "requires: $requires"
  echo "functions: ${funcs[*]}"
} > "$stage/manifest.txt"
rm -rf "$outdir"
mkdir -p "$(dirname "$outdir")"
cp -r "$stage" "$outdir"

note "ok: $outdir ($((size >> 10)) KiB: libattn_gpu_bench.so, ${#closure[@]} Abseil libraries, fallback/; requires $requires; exports ${#funcs[@]} attn_*_${suffix} + attn_last_error)"
if [[ $mode = cpu ]]; then
  note "link test passed (nothing written to .gpu-bench)"
  exit 0
fi

exclude=$(git rev-parse --git-path info/exclude 2>/dev/null || echo .git/info/exclude)
rel=${outdir#"$repo"/}
if [[ $rel != /* ]] && ! git check-ignore -q "$rel/libattn_gpu_bench.so" 2>/dev/null; then
  note "note: $rel/ is not ignored by git; keep it out of commits with:"
  note "    mkdir -p $(dirname "$exclude") && echo /$rel/ >> $exclude"
fi
if [[ $rel = .gpu-bench ]]; then
  note "next: the device tool's run with carry [\".gpu-bench\"] and command 'bash bench/gpu/run.sh'"
else
  note "note: run.sh reads .gpu-bench/; this was written to $outdir"
fi
