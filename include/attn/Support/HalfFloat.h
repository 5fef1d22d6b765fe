//===- HalfFloat.h - bf16 and f16 on the host -----------------*- C++ -*-===//
//
// Conversions between float and the 16-bit formats the GPU kernels take,
// rounding to nearest even (as the GPU's cvt.rn does). attn-run and the GPU
// tests convert .npy float32 data with them.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_SUPPORT_HALFFLOAT_H
#define ATTN_SUPPORT_HALFFLOAT_H

#include <cstdint>
#include <vector>

namespace attn {

uint16_t floatToBF16(float value);
float bf16ToFloat(uint16_t bits);
uint16_t floatToHalf(float value);
float halfToFloat(uint16_t bits);

/// The 16-bit element types by name.
enum class HalfKind { BF16, F16 };
std::vector<uint16_t> toHalf(const std::vector<float> &values, HalfKind kind);
std::vector<float> fromHalf(const std::vector<uint16_t> &bits, HalfKind kind);

} // namespace attn

#endif // ATTN_SUPPORT_HALFFLOAT_H
