//===- BigBirdRandom.cpp - BigBird's random key blocks --------------------===//
//
// See BigBirdRandom.h for the definition of the generator.
//
//===----------------------------------------------------------------------===//

#include "attn/Support/BigBirdRandom.h"

#include "attn/Support/CheckedMath.h"

#include <algorithm>

namespace attn {

uint64_t bigbirdMix(uint64_t z) {
  z ^= z >> 30;
  z *= kBigBirdMix1;
  z ^= z >> 27;
  z *= kBigBirdMix2;
  z ^= z >> 31;
  return z;
}

uint64_t bigbirdDraw(int64_t seed, int64_t qb, int64_t t) {
  uint64_t base = uint64_t(seed) + uint64_t(qb) * kBigBirdGolden;
  return bigbirdMix(bigbirdMix(base) + uint64_t(t));
}

int64_t BigBirdCandidates::block(int64_t x) const {
  return x < windowBegin - globalEnd
             ? globalEnd + x
             : globalEnd + x + (windowEnd - windowBegin);
}

int64_t BigBirdCandidates::indexOf(int64_t kb, int64_t nkb) const {
  if (kb < globalEnd || kb >= nkb || (kb >= windowBegin && kb < windowEnd))
    return -1;
  return kb < windowBegin ? kb - globalEnd
                          : kb - globalEnd - (windowEnd - windowBegin);
}

BigBirdCandidates bigbirdCandidates(const BigBirdParams &params, int64_t qb,
                                    int64_t nkb) {
  int64_t halfWindow = params.window / 2;
  BigBirdCandidates c;
  c.globalEnd = std::min(params.global, nkb);
  c.windowBegin = clampTo(satSub(qb, halfWindow), c.globalEnd, nkb);
  c.windowEnd = clampTo(satAdd(satAdd(qb, halfWindow), 1), c.globalEnd, nkb);
  c.count = (nkb - c.globalEnd) - (c.windowEnd - c.windowBegin);
  return c;
}

std::vector<int64_t> bigbirdRandomBlocks(const BigBirdParams &params,
                                         int64_t qb, int64_t nkb) {
  BigBirdCandidates c = bigbirdCandidates(params, qb, nkb);
  std::vector<int64_t> blocks;
  if (c.count <= params.random) {
    for (int64_t x = 0; x < c.count; ++x)
      blocks.push_back(c.block(x));
    return blocks;
  }
  // Floyd's algorithm: r distinct indices out of m with r draws.
  std::vector<int64_t> chosen;
  for (int64_t t = 0; t < params.random; ++t) {
    int64_t top = c.count - params.random + t;
    int64_t x = int64_t(bigbirdDraw(params.seed, qb, t) % uint64_t(top + 1));
    if (std::find(chosen.begin(), chosen.end(), x) != chosen.end())
      x = top;
    chosen.push_back(x);
  }
  for (int64_t x : chosen)
    blocks.push_back(c.block(x));
  std::sort(blocks.begin(), blocks.end());
  return blocks;
}

int64_t bigbirdNumBlocks(const BigBirdParams &params, int64_t nk) {
  return ceilDiv(nk, params.block);
}

bool bigbirdBlockKept(const BigBirdParams &params, int64_t qb, int64_t kb,
                      const std::vector<int64_t> &randomBlocks) {
  int64_t distance = qb > kb ? qb - kb : kb - qb;
  bool globalRow = qb >= 0 && qb < params.global;
  if (distance <= params.window / 2 || globalRow || kb < params.global)
    return true;
  return std::binary_search(randomBlocks.begin(), randomBlocks.end(), kb);
}

} // namespace attn
