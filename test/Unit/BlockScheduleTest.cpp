//===- BlockScheduleTest.cpp - the block schedule -------------------------===//
//
// The schedule decides the work: these tests count visited blocks from the
// schedule itself (never from a timer).
//
//===----------------------------------------------------------------------===//

#include "attn/Analysis/BlockSchedule.h"
#include "attn/InitAll.h"
#include "attn/Support/BlockTableLayout.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"

#include "attn/Support/CheckedMath.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

using namespace mlir;
using namespace mlir::attn;

namespace {
class BlockScheduleTest : public ::testing::Test {
protected:
  BlockScheduleTest() {
    DialectRegistry registry;
    registerAllDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }
  MaskPatternAttrInterface parse(StringRef text) {
    return llvm::cast<MaskPatternAttrInterface>(parseAttribute(text, &ctx));
  }
  MLIRContext ctx;
};
} // namespace

TEST_F(BlockScheduleTest, SlidingWindowVisitsABoundedNumberOfBlocks) {
  // window<64, 64> with 64 x 64 tiles: a query block spans 64 positions, so
  // its keys lie within 64 + 64 + 64 positions: at most 4 key blocks, at
  // most 2 of them full, whatever N.
  MaskPatternAttrInterface window =
      parse("#attn.window<left = 64, right = 64>");
  ASSERT_TRUE(hasBandedSchedule(window));
  int64_t n = 16384, visited = 0;
  for (int64_t qb = 0; qb < n / 64; ++qb) {
    VisitedBlocks v = scheduleQueryBlock(window, true, n, n, 64, 64, qb);
    EXPECT_LE(v.partial.size() + v.full.size(), 4u) << "query block " << qb;
    EXPECT_LE(v.full.size(), 2u);
    visited += v.partial.size() + v.full.size();
  }
  // Dense visits all 256 x 256 blocks; the window about 3 per query block.
  MaskPatternAttrInterface dense = parse("#attn.dense");
  int64_t denseVisited = 0;
  for (int64_t qb = 0; qb < n / 64; ++qb) {
    VisitedBlocks v = scheduleQueryBlock(dense, true, n, n, 64, 64, qb);
    EXPECT_TRUE(v.partial.empty());
    denseVisited += v.full.size();
  }
  EXPECT_EQ(denseVisited, 256 * 256);
  EXPECT_LE(visited, 3 * 256);
  EXPECT_GE(denseVisited / visited, 80);
}

TEST_F(BlockScheduleTest, BandedAndTablesAgree) {
  // The closed-form schedule visits exactly the blocks that classification
  // finds non-empty (causal and window bands are contiguous).
  for (StringRef text : {"#attn.causal", "#attn.window<left = 100, right = 7>",
                         "#attn.intersect<[#attn.causal, #attn.window<left = "
                         "40, right = 40>]>"}) {
    MaskPatternAttrInterface pattern = parse(text);
    for (auto [nq, nk] : {std::pair<int64_t, int64_t>{300, 300},
                          {1, 300},
                          {300, 70},
                          {65, 129}}) {
      for (int64_t qb = 0; qb * 32 < nq; ++qb) {
        VisitedBlocks banded =
            scheduleQueryBlock(pattern, true, nq, nk, 32, 16, qb);
        VisitedBlocks tables =
            scheduleQueryBlock(pattern, false, nq, nk, 32, 16, qb);
        std::vector<int64_t> a = banded.partial, b = tables.partial;
        a.insert(a.end(), banded.full.begin(), banded.full.end());
        b.insert(b.end(), tables.full.begin(), tables.full.end());
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        EXPECT_EQ(a, b) << text.str() << " Nq " << nq << " Nk " << nk << " qb "
                        << qb;
        // Full blocks of the band are full for classification too.
        for (int64_t kb : banded.full)
          EXPECT_TRUE(llvm::is_contained(tables.full, kb));
      }
    }
  }
}

TEST_F(BlockScheduleTest, TablesFollowTheLayout) {
  MaskPatternAttrInterface global = parse("#attn.global<tokens = [70]>");
  int64_t nq = 100, nk = 100;
  std::vector<int32_t> tables = buildBlockTables(global, nq, nk, 32, 32);
  ::attn::BlockTableLayout layout{4};
  ASSERT_EQ(
      ::attn::checkBlockTables(tables.data(), int64_t(tables.size()), 4, 4),
      "");
  // Query block 2 holds the global row 70: it meets every key block; the
  // others meet only key block 2 (the global column): 3 + 4 indices.
  ASSERT_EQ(tables.size(), size_t(layout.headerSize() + 3 + 4));
  for (int64_t qb = 0; qb < 4; ++qb) {
    VisitedBlocks v = scheduleQueryBlock(global, false, nq, nk, 32, 32, qb);
    int32_t row = tables[layout.rowStartOffset() + qb];
    int32_t full = tables[layout.fullStartOffset() + qb];
    ASSERT_EQ(full - row, int32_t(v.partial.size()));
    ASSERT_EQ(tables[layout.rowStartOffset() + qb + 1] - full,
              int32_t(v.full.size()));
    for (size_t i = 0; i < v.partial.size(); ++i)
      EXPECT_EQ(tables[row + i], v.partial[i]);
  }
  EXPECT_EQ(tables[layout.rowStartOffset()], layout.headerSize());
  EXPECT_EQ(tables[layout.headerSize()], 2);
  EXPECT_EQ(tables[layout.fullStartOffset() + 2] -
                tables[layout.rowStartOffset() + 2],
            4);
}

namespace {
/// Every tile classified: the schedule before key ranges, as sorted lists.
VisitedBlocks classifyEveryTile(MaskPatternAttrInterface pattern, int64_t nq,
                                int64_t nk, int64_t tileQ, int64_t tileK,
                                int64_t qb) {
  int64_t p0 = nk - nq + qb * tileQ;
  int64_t p1 = nk - nq + std::min((qb + 1) * tileQ, nq);
  VisitedBlocks v;
  for (int64_t kb = 0; kb * tileK < nk; ++kb) {
    Tile tile{p0, p1, kb * tileK, std::min((kb + 1) * tileK, nk)};
    BlockKind kind = pattern.classifyTile(tile, nq, nk);
    if (kind == BlockKind::Full && tile.j1 - tile.j0 < tileK)
      kind = BlockKind::Partial;
    if (kind != BlockKind::Empty)
      (kind == BlockKind::Full ? v.full : v.partial).push_back(kb);
  }
  return v;
}
} // namespace

TEST_F(BlockScheduleTest, CompressedTablesEqualEveryTileClassified) {
  // Random unions and intersections of every leaf, random sizes and tiles:
  // the key ranges never lose a visited block nor list one twice, and the
  // tables are well formed.
  const char *leaves[] = {
      "#attn.global<tokens = [0, 5, 77]>",
      "#attn.window<left = 20, right = 3>",
      "#attn.dilated<left = 4, right = 2, dilation = 5>",
      "#attn.causal",
      "#attn.strided<stride = 9>",
      "#attn.fixed<stride = 16, summary = 3>",
      "#attn.bigbird<block = 8, window = 3, global = 1, random = 2, seed = 3>",
      "#attn.dense",
  };
  std::mt19937 rng(20261202);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  for (int trial = 0; trial < 60; ++trial) {
    std::string text = leaves[pick(0, 7)];
    if (trial % 3 != 0) {
      std::string other = leaves[pick(0, 7)];
      text =
          std::string(trial % 3 == 1 ? "#attn.union<[" : "#attn.intersect<[") +
          text + ", " + other + "]>";
    }
    MaskPatternAttrInterface pattern = parse(text);
    int64_t nk = pick(78, 400), nq = pick(1, nk);
    int64_t tileQ = int64_t(1) << pick(2, 5), tileK = 4 * pick(1, 8);
    SCOPED_TRACE(text + " Nq " + std::to_string(nq) + " Nk " +
                 std::to_string(nk) + " tiles " + std::to_string(tileQ) + "x" +
                 std::to_string(tileK));
    std::vector<int32_t> tables =
        buildBlockTables(pattern, nq, nk, tileQ, tileK);
    int64_t nqb = ::attn::ceilDiv(nq, tileQ), nkb = ::attn::ceilDiv(nk, tileK);
    ASSERT_EQ(::attn::checkBlockTables(tables.data(), int64_t(tables.size()),
                                       nqb, nkb),
              "");
    for (int64_t qb = 0; qb < nqb; ++qb) {
      VisitedBlocks expected =
          classifyEveryTile(pattern, nq, nk, tileQ, tileK, qb);
      std::vector<int64_t> partial(tables.begin() + tables[qb],
                                   tables.begin() + tables[nqb + 1 + qb]);
      std::vector<int64_t> full(tables.begin() + tables[nqb + 1 + qb],
                                tables.begin() + tables[qb + 1]);
      std::sort(partial.begin(), partial.end());
      std::sort(full.begin(), full.end());
      EXPECT_EQ(partial, expected.partial) << "query block " << qb;
      EXPECT_EQ(full, expected.full) << "query block " << qb;
    }
  }
}

TEST_F(BlockScheduleTest, LongformerTablesGrowWithTheVisitedBlocks) {
  // Window 256 + 4 global tokens at N = 2^22 with 64 x 64 tiles: 65536 query
  // blocks, about 10 visited key blocks each plus the 65536 of the global
  // row block: O(N) entries, where query blocks x key blocks would be 2^32.
  MaskPatternAttrInterface longformer =
      parse("#attn.union<[#attn.window<left = 256, right = 256>, "
            "#attn.global<tokens = [0, 1, 2, 3]>]>");
  int64_t n = int64_t(1) << 22, nqb = n / 64;
  std::vector<int32_t> tables = buildBlockTables(longformer, n, n, 64, 64);
  ASSERT_FALSE(tables.empty());
  EXPECT_LT(int64_t(tables.size()), 2 * nqb + 1 + 11 * nqb + nqb);
  EXPECT_GT(int64_t(tables.size()), 2 * nqb + 1 + 9 * nqb);
  // The global row block lists every key block; a middle one its band and
  // the global key block.
  EXPECT_EQ(tables[1] - tables[0], nqb);
  int64_t mid = nqb / 2;
  EXPECT_EQ(tables[mid + 1] - tables[mid], 9 + 1);
}
