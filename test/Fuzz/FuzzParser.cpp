//===- FuzzParser.cpp - libFuzzer: parser, verifier, canonicalizer --------===//
//
// Any text: parsed as a module, verified, canonicalized, and every pattern
// asked what the tools ask of it. Each input must succeed or end in a
// diagnostic; a crash, hang or sanitizer report is a finding.
//
//===----------------------------------------------------------------------===//

#include "attn/InitAll.h"

#include "PatternProbe.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    attn::registerAllDialects(registry);
    auto *c = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    // Diagnostics are expected; only crashes count.
    c->getDiagEngine().registerHandler([](Diagnostic &) { return success(); });
    return c;
  }();
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, ctx);
  if (!module)
    return 0;
  (void)attn::test::canonicalizeAndProbe(*module);
  return 0;
}
