//===- CheckedMathTest.cpp - saturating and floor arithmetic --------------===//

#include "attn/Support/CheckedMath.h"

#include <gtest/gtest.h>

using namespace attn;

TEST(CheckedMath, SaturatingAddSub) {
  EXPECT_EQ(satAdd(2, 3), 5);
  EXPECT_EQ(satAdd(kInt64Max, 1), kInt64Max);
  EXPECT_EQ(satAdd(kInt64Min, -1), kInt64Min);
  // 2^62 + 2^62 = 2^63 is one past INT64_MAX.
  EXPECT_EQ(satAdd(kMaxParameter, kMaxParameter), kInt64Max);
  EXPECT_EQ(satAdd(kMaxParameter, kMaxParameter - 1), kInt64Max);
  EXPECT_EQ(satSub(kInt64Min, 1), kInt64Min);
  EXPECT_EQ(satSub(kInt64Max, -1), kInt64Max);
  EXPECT_EQ(satSub(0, kInt64Min), kInt64Max);
  EXPECT_EQ(satSub(-5, 7), -12);
}

TEST(CheckedMath, SaturatingMul) {
  EXPECT_EQ(satMul(1 << 20, 1 << 20), int64_t(1) << 40);
  EXPECT_EQ(satMul(kMaxParameter, 4), kInt64Max);
  EXPECT_EQ(satMul(-kMaxParameter, 4), kInt64Min);
  EXPECT_EQ(satMul(kMaxParameter, -4), kInt64Min);
  EXPECT_EQ(satMul(-kMaxParameter, -4), kInt64Max);
  EXPECT_EQ(satMul(0, kInt64Min), 0);
}

TEST(CheckedMath, FloorAndCeilDivision) {
  EXPECT_EQ(floorDiv(7, 2), 3);
  EXPECT_EQ(floorDiv(-7, 2), -4);
  EXPECT_EQ(floorDiv(-8, 2), -4);
  EXPECT_EQ(ceilDiv(7, 2), 4);
  EXPECT_EQ(ceilDiv(-7, 2), -3);
  EXPECT_EQ(ceilDiv(8, 2), 4);
  EXPECT_EQ(floorMod(-1, 5), 4);
  EXPECT_EQ(floorMod(-5, 5), 0);
  EXPECT_EQ(floorMod(6, 5), 1);
  for (int64_t a = -20; a <= 20; ++a)
    for (int64_t b = 1; b <= 6; ++b) {
      EXPECT_EQ(floorDiv(a, b) * b + floorMod(a, b), a);
      EXPECT_LE(floorDiv(a, b) * b, a);
      EXPECT_GE(ceilDiv(a, b) * b, a);
      EXPECT_LT(ceilDiv(a, b) * b - a, b);
    }
}

TEST(CheckedMath, ClampAndIntervals) {
  EXPECT_EQ(clampTo(-3, 0, 10), 0);
  EXPECT_EQ(clampTo(13, 0, 10), 10);
  EXPECT_EQ(clampTo(4, 0, 10), 4);
  EXPECT_EQ(intervalLength(3, 9), 6);
  EXPECT_EQ(intervalLength(9, 3), 0);
  EXPECT_EQ(intervalLength(kInt64Min, kInt64Max), kInt64Max);
}
