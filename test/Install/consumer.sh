#!/usr/bin/env bash
# Installs attn to a temporary prefix, builds examples/consumer against it
# with find_package(Attn) + attn_add_kernel, runs it, and checks that the
# program links no LLVM or MLIR.
# usage: consumer.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
cmake -S "$source/examples/consumer" -B "$work/consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log"
cmake --build "$work/consumer" > "$work/build.log"
"$work/consumer/consumer"
if ldd "$work/consumer/consumer" | grep -iE 'libLLVM|libMLIR'; then
  echo "FAIL: the consumer links LLVM or MLIR"
  exit 1
fi
echo "consumer links no LLVM/MLIR"
