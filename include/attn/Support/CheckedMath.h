//===- CheckedMath.h - overflow-free integer helpers ----------*- C++ -*-===//
//
// Sizes, offsets and pattern parameters are int64_t and may be as large as
// 2^62 (a window of 2^62 means "everything"). These helpers saturate instead
// of overflowing and divide with floor/ceil semantics for negative values.
// LLVM-free: the runtime library uses them too.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_CHECKEDMATH_H
#define ATTN_SUPPORT_CHECKEDMATH_H

#include <cstdint>
#include <limits>

namespace attn {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

/// Largest value accepted for a pattern parameter or a sequence length. Sums
/// and differences of two such values never overflow an int64_t.
constexpr int64_t kMaxParameter = int64_t(1) << 62;

/// a + b, saturated to [INT64_MIN, INT64_MAX].
inline int64_t satAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    return b > 0 ? kInt64Max : kInt64Min;
  return r;
}

/// a - b, saturated to [INT64_MIN, INT64_MAX].
inline int64_t satSub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r))
    return b < 0 ? kInt64Max : kInt64Min;
  return r;
}

/// a * b, saturated to [INT64_MIN, INT64_MAX].
inline int64_t satMul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r))
    return (a < 0) != (b < 0) ? kInt64Min : kInt64Max;
  return r;
}

/// floor(a / b) for b > 0.
inline int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

/// ceil(a / b) for b > 0.
inline int64_t ceilDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a > 0) ? q + 1 : q;
}

/// a mod b in [0, b) for b > 0.
inline int64_t floorMod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}

/// x clamped to [lo, hi] (lo <= hi).
inline int64_t clampTo(int64_t x, int64_t lo, int64_t hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

/// The length of the half-open interval [begin, end), 0 when empty.
inline int64_t intervalLength(int64_t begin, int64_t end) {
  return end > begin ? satSub(end, begin) : 0;
}

} // namespace attn

#endif // ATTN_SUPPORT_CHECKEDMATH_H
