//===- KernelAbi.cpp - the contract between compiler and runtime ----------===//

#include "attn/Runtime/KernelAbi.h"

namespace attn {

const char *elementKindName(int64_t kind) {
  static const char *const names[] = {"f32", "f16", "bf16", "i32"};
  return kind >= 0 && kind < 4 ? names[kind] : "?";
}

const char *sizeName(int64_t size) {
  static const char *const names[] = {"B", "H", "Hkv", "Nq", "Nk", "D"};
  return size >= 0 && size < kNumSizes ? names[size] : "?";
}

} // namespace attn
