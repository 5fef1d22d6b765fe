//===- HalfFloatTest.cpp - bf16 / f16 conversions on the host -------------===//

#include "attn/Support/HalfFloat.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace attn;

namespace {
float fromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
} // namespace

TEST(HalfFloat, KnownValues) {
  EXPECT_EQ(floatToBF16(1.0f), 0x3f80);
  EXPECT_EQ(floatToBF16(-2.0f), 0xc000);
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);              // largest half
  EXPECT_EQ(floatToHalf(65519.0f), 0x7bff);              // rounds down
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00);              // rounds to infinity
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -24)), 0x0001); // smallest subnormal
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -26)), 0x0000); // rounds to zero
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -14)), 0x0400); // smallest normal
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(NAN))));
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBF16(NAN))));
  EXPECT_EQ(halfToFloat(floatToHalf(INFINITY)), INFINITY);
}

TEST(HalfFloat, RoundsToNearestEven) {
  // bf16: ties between 1.0 (even) and the next value go to 1.0; ties
  // between an odd and an even mantissa go to the even one.
  EXPECT_EQ(floatToBF16(fromBits(0x3f808000)), 0x3f80);
  EXPECT_EQ(floatToBF16(fromBits(0x3f818000)), 0x3f82);
  EXPECT_EQ(floatToBF16(fromBits(0x3f808001)), 0x3f81);
  // f16: 1 + 2^-11 is a tie between 1 and 1 + 2^-10.
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  // Subnormal tie: 1.5 * 2^-24 goes to 2 * 2^-24.
  EXPECT_EQ(floatToHalf(1.5f * std::ldexp(1.0f, -24)), 0x0002);
}

TEST(HalfFloat, EveryHalfAndBF16RoundTrips) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    float h = halfToFloat(uint16_t(bits));
    if (!std::isnan(h)) {
      EXPECT_EQ(floatToHalf(h), bits) << std::hex << bits;
    }
    float b = bf16ToFloat(uint16_t(bits));
    if (!std::isnan(b)) {
      EXPECT_EQ(floatToBF16(b), bits) << std::hex << bits;
    }
  }
}

TEST(HalfFloat, ErrorIsWithinHalfAnUlp) {
  for (float x = -3.0f; x < 3.0f; x += 0.0137f) {
    EXPECT_LE(std::fabs(halfToFloat(floatToHalf(x)) - x),
              std::fabs(x) * std::ldexp(1.0f, -11) + 1e-8f);
    EXPECT_LE(std::fabs(bf16ToFloat(floatToBF16(x)) - x),
              std::fabs(x) * std::ldexp(1.0f, -8) + 1e-8f);
  }
}
