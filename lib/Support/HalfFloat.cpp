//===- HalfFloat.cpp - bf16 and f16 on the host ---------------------------===//

#include "attn/Support/HalfFloat.h"

#include <cstring>

namespace attn {
namespace {
uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return bits;
}
float floatOf(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}
} // namespace

uint16_t floatToBF16(float value) {
  uint32_t bits = bitsOf(value);
  if ((bits & 0x7fffffff) > 0x7f800000) // NaN: keep it quiet, keep the sign
    return uint16_t((bits >> 16) | 0x40);
  // Round to nearest even on the 16 dropped bits.
  bits += 0x7fff + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}

float bf16ToFloat(uint16_t bits) { return floatOf(uint32_t(bits) << 16); }

uint16_t floatToHalf(float value) {
  uint32_t bits = bitsOf(value);
  uint16_t sign = uint16_t((bits >> 16) & 0x8000);
  uint32_t magnitude = bits & 0x7fffffff;
  if (magnitude > 0x7f800000) // NaN
    return sign | 0x7e00;
  if (magnitude >= 0x477ff000) // rounds to 65520 or more: infinity
    return sign | 0x7c00;
  if (magnitude < 0x38800000) { // below 2^-14: a subnormal half (or zero)
    // value * 2^24 rounded to nearest even is the subnormal's integer.
    float scaled = floatOf(magnitude) * 16777216.0f; // exact: power of two
    uint32_t integer = uint32_t(scaled);
    float fraction = scaled - float(integer);
    if (fraction > 0.5f || (fraction == 0.5f && (integer & 1)))
      ++integer;
    return sign | uint16_t(integer);
  }
  // Normal: rebias the exponent (127 -> 15), round the 13 dropped bits.
  uint32_t rebased = magnitude - (uint32_t(127 - 15) << 23);
  rebased += 0xfff + ((rebased >> 13) & 1);
  return sign | uint16_t(rebased >> 13);
}

float halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0) // zero or subnormal: mantissa * 2^-24
    return floatOf(sign | bitsOf(float(mantissa) / 16777216.0f));
  if (exponent == 0x1f) // infinity or NaN
    return floatOf(sign | 0x7f800000 | (mantissa << 13));
  return floatOf(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

std::vector<uint16_t> toHalf(const std::vector<float> &values, HalfKind kind) {
  std::vector<uint16_t> bits(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    bits[i] = kind == HalfKind::BF16 ? floatToBF16(values[i])
                                     : floatToHalf(values[i]);
  return bits;
}

std::vector<float> fromHalf(const std::vector<uint16_t> &bits, HalfKind kind) {
  std::vector<float> values(bits.size());
  for (size_t i = 0; i < bits.size(); ++i)
    values[i] =
        kind == HalfKind::BF16 ? bf16ToFloat(bits[i]) : halfToFloat(bits[i]);
  return values;
}

} // namespace attn
