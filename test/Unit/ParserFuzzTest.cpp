//===- ParserFuzzTest.cpp - bad input never crashes -----------------------===//
//
// Mutates the example variants at random (deleted, duplicated and replaced
// characters, digits turned into huge or negative numbers) and runs each
// mutant through what attn-opt does: parse, verify, canonicalize and
// asks every pattern what attn-print-mask asks. Every mutant must either
// succeed or fail with a diagnostic; a crash ends the test binary and fails the
// test.
//
//===----------------------------------------------------------------------===//

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/InitAll.h"

#include "PatternProbe.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir;

namespace {

std::vector<std::string> readExamples() {
  std::vector<std::string> texts;
  std::error_code ec;
  std::string dir = std::string(ATTN_SOURCE_DIR) + "/examples/variants";
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    if (llvm::sys::path::extension(it->path()) != ".mlir")
      continue;
    auto buffer = llvm::MemoryBuffer::getFile(it->path());
    if (buffer)
      texts.push_back((*buffer)->getBuffer().str());
  }
  return texts;
}

std::string mutate(std::string text, std::mt19937_64 &rng) {
  static const char *const fragments[] = {"-1",
                                          "0",
                                          "99999999999999999999",
                                          "4611686018427387904",
                                          "?",
                                          "x",
                                          "<",
                                          ">",
                                          "[",
                                          "]",
                                          "#attn.dense",
                                          "#attn.union<[]>",
                                          "f16",
                                          "tensor",
                                          "attn.softmax",
                                          ", "};
  auto pick = [&](size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  for (int edits = 1 + pick(2); edits > 0 && !text.empty(); --edits) {
    size_t at = pick(text.size());
    switch (pick(6)) {
    case 0:
      text.erase(at, 1 + pick(8));
      break;
    case 1:
      text.insert(at, fragments[pick(std::size(fragments))]);
      break;
    case 2:
      text[at] = char(32 + pick(95));
      break;
    default: {
      // Replace the next number by a fragment.
      size_t digit = text.find_first_of("0123456789", at);
      if (digit == std::string::npos)
        break;
      size_t last = text.find_first_not_of("0123456789", digit);
      text.replace(digit, last - digit, fragments[pick(6)]);
    }
    }
  }
  return text;
}

} // namespace

TEST(ParserFuzz, MutatedExamplesNeverCrash) {
  std::vector<std::string> examples = readExamples();
  ASSERT_GE(examples.size(), 10u) << "examples/variants not found";

  DialectRegistry registry;
  attn::registerAllDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  int64_t diagnostics = 0;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &) {
    ++diagnostics;
    return success();
  });

  std::mt19937_64 rng(1123);
  int64_t parsed = 0, rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = mutate(examples[i % examples.size()], rng);
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &ctx);
    if (!module) {
      ++rejected;
      continue;
    }
    ++parsed;
    // What attn-print-mask and the cost model ask of every pattern.
    (void)attn::test::canonicalizeAndProbe(*module);
  }
  RecordProperty("parsed", parsed);
  RecordProperty("rejected", rejected);
  // Both outcomes occur, and every rejection said why.
  EXPECT_GT(parsed, 2000);
  EXPECT_GT(rejected, 2000);
  EXPECT_GE(diagnostics, rejected);
}
