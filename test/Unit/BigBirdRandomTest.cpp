//===- BigBirdRandomTest.cpp - BigBird's random-block generator -----------===//
//
// Checks the library against a second, deliberately naive implementation of
// the algorithm documented in BigBirdRandom.h (explicit candidate list), and
// the draws against published SplitMix64 outputs.
//
//===----------------------------------------------------------------------===//

#include "attn/Support/BigBirdRandom.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

using namespace attn;

namespace {
/// The documented algorithm, written from the description.
std::vector<int64_t> naiveRandomBlocks(const BigBirdParams &params, int64_t qb,
                                       int64_t nkb) {
  std::vector<int64_t> candidates;
  for (int64_t kb = 0; kb < nkb; ++kb) {
    bool inWindow = std::abs(qb - kb) <= params.window / 2;
    if (kb >= params.global && !inWindow)
      candidates.push_back(kb);
  }
  int64_t m = candidates.size(), r = params.random;
  if (m <= r)
    return candidates;
  std::vector<int64_t> chosen;
  for (int64_t t = 0; t < r; ++t) {
    int64_t top = m - r + t;
    int64_t x = int64_t(bigbirdDraw(params.seed, qb, t) % uint64_t(top + 1));
    if (std::count(chosen.begin(), chosen.end(), x))
      x = top;
    chosen.push_back(x);
  }
  std::vector<int64_t> blocks;
  for (int64_t x : chosen)
    blocks.push_back(candidates[x]);
  std::sort(blocks.begin(), blocks.end());
  return blocks;
}
} // namespace

TEST(BigBirdRandom, MixIsSplitMix64) {
  // The first outputs of SplitMix64 seeded with 0 (published reference
  // values): state advances by the golden increment, then the finalizer.
  EXPECT_EQ(bigbirdMix(0x9E3779B97F4A7C15ull), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(bigbirdMix(2 * 0x9E3779B97F4A7C15ull), 0x6E789E6AA1B965F4ull);
}

TEST(BigBirdRandom, MatchesTheDocumentedAlgorithm) {
  for (int64_t window : {0, 1, 3, 5})
    for (int64_t global : {0, 1, 2})
      for (int64_t random : {0, 1, 3, 16})
        for (int64_t seed : {0, 7, 123456789})
          for (int64_t nkb : {1, 2, 5, 9, 40}) {
            BigBirdParams params{4, window, global, random, seed};
            for (int64_t qb = -2; qb < nkb; ++qb)
              ASSERT_EQ(bigbirdRandomBlocks(params, qb, nkb),
                        naiveRandomBlocks(params, qb, nkb))
                  << "window " << window << " global " << global << " random "
                  << random << " seed " << seed << " nkb " << nkb << " qb "
                  << qb;
          }
}

TEST(BigBirdRandom, BlocksAreDistinctCandidates) {
  BigBirdParams params{8, 3, 2, 3, 99};
  int64_t nkb = 50;
  for (int64_t qb = 0; qb < nkb; ++qb) {
    std::vector<int64_t> blocks = bigbirdRandomBlocks(params, qb, nkb);
    ASSERT_EQ(blocks.size(), 3u);
    std::set<int64_t> distinct(blocks.begin(), blocks.end());
    EXPECT_EQ(distinct.size(), blocks.size());
    BigBirdCandidates c = bigbirdCandidates(params, qb, nkb);
    for (int64_t kb : blocks) {
      EXPECT_GE(kb, 2);
      EXPECT_LT(kb, nkb);
      EXPECT_GT(std::abs(kb - qb), 1);
      int64_t x = c.indexOf(kb, nkb);
      ASSERT_GE(x, 0);
      EXPECT_EQ(c.block(x), kb);
    }
  }
}

TEST(BigBirdRandom, SeedChangesTheChoice) {
  BigBirdParams a{1, 3, 1, 3, 1}, b{1, 3, 1, 3, 2};
  int64_t differing = 0;
  for (int64_t qb = 0; qb < 64; ++qb)
    differing +=
        bigbirdRandomBlocks(a, qb, 64) != bigbirdRandomBlocks(b, qb, 64);
  EXPECT_GT(differing, 48);
}

TEST(BigBirdRandom, ChoicesSpreadOverTheCandidates) {
  // 2 random blocks out of the 39 non-window blocks, over 4000 draws: every
  // key block is picked close to its fair share.
  std::map<int64_t, int64_t> hits;
  int64_t nkb = 40, draws = 0;
  for (int64_t seed = 0; seed < 100; ++seed)
    for (int64_t qb = 0; qb < nkb; ++qb) {
      BigBirdParams params{1, 1, 0, 2, seed};
      for (int64_t kb : bigbirdRandomBlocks(params, qb, nkb))
        ++hits[kb], ++draws;
    }
  double fair = double(draws) / nkb;
  for (int64_t kb = 0; kb < nkb; ++kb) {
    EXPECT_GT(hits[kb], 0.7 * fair) << "key block " << kb;
    EXPECT_LT(hits[kb], 1.3 * fair) << "key block " << kb;
  }
}

TEST(BigBirdRandom, HugeParametersDoNotOverflow) {
  BigBirdParams params{1, int64_t(1) << 62, int64_t(1) << 62, 16, 3};
  BigBirdCandidates c = bigbirdCandidates(params, 5, 100);
  EXPECT_EQ(c.count, 0);
  EXPECT_TRUE(bigbirdRandomBlocks(params, 5, 100).empty());
  params.global = 0;
  c = bigbirdCandidates(params, 5, 100);
  EXPECT_EQ(c.count, 0);
  EXPECT_TRUE(bigbirdBlockKept(params, 99, 0, {}));
}
