//===- KernelTestUtils.h - run a kernel against the reference -*- C++ -*-===//

#ifndef ATTN_TEST_INTEGRATION_KERNELTESTUTILS_H
#define ATTN_TEST_INTEGRATION_KERNELTESTUTILS_H

#include "attn/InitAll.h"
#include "attn/Reference/Reference.h"
#include "attn/Runtime/ThreadPool.h"
#include "attn/Target/CPU/JitKernel.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace attn::testing {

/// Owns a context with every attn dialect and a thread pool.
class KernelTest : public ::testing::Test {
protected:
  KernelTest() : pool(2) {
    mlir::DialectRegistry registry;
    mlir::attn::registerAllDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
  }

  /// Compiles @name of `source`; fails the test on error. `reorder` is the
  /// pipeline's token-order mode (auto, force or off).
  std::unique_ptr<mlir::attn::JitKernel>
  compile(const std::string &source, const std::string &name, int64_t tileQ = 0,
          int64_t tileK = 64, const std::string &reorder = "auto") {
    mlir::OwningOpRef<mlir::ModuleOp> module =
        mlir::parseSourceString<mlir::ModuleOp>(source, &ctx);
    EXPECT_TRUE(module) << "cannot parse:\n" << source;
    if (!module)
      return nullptr;
    mlir::attn::AttnCPUPipelineOptions options;
    options.tileQ = tileQ;
    options.tileK = tileK;
    options.reorder = reorder;
    std::string error;
    auto kernel = mlir::attn::JitKernel::compile(*module, name, options, error);
    EXPECT_TRUE(kernel) << error;
    return kernel;
  }

  /// Random values in [-range, range).
  mlir::attn::reference::Tensor randomTensor(std::array<int64_t, 4> shape,
                                             double range = 1.0) {
    mlir::attn::reference::Tensor t(shape);
    std::uniform_real_distribution<double> dist(-range, range);
    for (double &x : t.data)
      x = float(dist(rng)); // representable in f32
    return t;
  }

  /// Runs `kernel` on fresh inputs and returns the relative error against
  /// the float64 reference evaluation of @name in `source`.
  double relativeError(mlir::attn::JitKernel &kernel, const std::string &source,
                       const std::string &name,
                       mlir::attn::AttentionShape shape, double range = 1.0);

  mlir::MLIRContext ctx;
  attn::ThreadPool pool;
  std::mt19937_64 rng{std::random_device{}()};
};

/// @f: attention with `pattern` returning (out, lse).
std::string lseFunc(const std::string &pattern,
                    const std::string &q = "tensor<?x?x?x64xf32>",
                    const std::string &kv = "tensor<?x?x?x64xf32>");

/// The largest |a - b| / max(1, |b|) over the finite entries of an lse;
/// +inf when an entry is infinite in one and not the other (or of the other
/// sign).
double lseError(const std::vector<float> &actual,
                const mlir::attn::reference::Tensor &expected);

} // namespace attn::testing

#endif // ATTN_TEST_INTEGRATION_KERNELTESTUTILS_H
