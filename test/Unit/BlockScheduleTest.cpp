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

#include <gtest/gtest.h>

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
  ::attn::BlockTableLayout layout{4, 4};
  ASSERT_EQ(int64_t(tables.size()), layout.size());
  for (int64_t qb = 0; qb < 4; ++qb) {
    VisitedBlocks v = scheduleQueryBlock(global, false, nq, nk, 32, 32, qb);
    ASSERT_EQ(tables[layout.partialNumOffset() + qb],
              int32_t(v.partial.size()));
    ASSERT_EQ(tables[layout.fullNumOffset() + qb], int32_t(v.full.size()));
    for (size_t i = 0; i < v.partial.size(); ++i)
      EXPECT_EQ(tables[layout.partialIndexOffset() + qb * 4 + i], v.partial[i]);
  }
  // Query block 2 holds the global row 70: it meets every key block; the
  // others meet only key block 2 (the global column).
  EXPECT_EQ(tables[layout.partialNumOffset() + 2], 4);
  EXPECT_EQ(tables[layout.partialNumOffset() + 0], 1);
  EXPECT_EQ(tables[layout.partialIndexOffset() + 0], 2);
}
