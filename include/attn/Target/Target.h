//===- Target.h - the interface every back end implements -----*- C++ -*-===//
//
// A back end (the CPU, NVIDIA GPUs) is a Target: it compiles a module's
// attention functions to kernels that run in this process (the JIT of
// attn-run and the tests) or to a library with its header (attn-compile,
// attn_add_kernel), and reports the static facts of a kernel (attn-cost).
// Tools choose a target by name from the registry; each back end registers
// itself (registerCPUTarget, registerCUDATarget; registerAllTargets in
// attn/Target/AllTargets.h), so the passes and tools above know no back end.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_TARGET_TARGET_H
#define ATTN_TARGET_TARGET_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"
#include "attn/Runtime/Kernel.h"

#include "mlir/IR/BuiltinOps.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::attn {

/// What a tool tells a target.
struct TargetOptions {
  int64_t tileQ = 0; ///< queries per tile; 0: the target's default
  int64_t tileK = 64;
  /// The CPU of the kernels (cpu) or of a library's host code (cuda); "":
  /// the target's default (the host; x86-64-v2 for a GPU library).
  std::string cpu;
  /// GPU architectures, one code image each; empty: the target's default.
  std::vector<std::string> gpuArchs;
  /// Token orders (attn-reorder): "auto", "force" or "off". The cuda target
  /// takes "auto" and "off" (it has no token orders yet).
  std::string reorder = "auto";
};

/// A kernel compiled and loaded in this process.
class LoadedKernel {
public:
  virtual ~LoadedKernel();
  /// Its contract (in the compiled module's context).
  virtual KernelAttr getContract() const = 0;
  /// Its tensors as the runtime sees them: arguments, then results.
  virtual const ::attn::KernelTensor *getTensors() const = 0;
  /// Why the kernel cannot run a call of `shape` ("" when it can).
  virtual std::string checkShape(const ::attn::CallShape &shape) const = 0;
  /// Runs once on float32 host buffers, one per argument and per result in
  /// order: the target converts them to and from its tensors' element types
  /// and memory. `threads` is the CPU's thread count (0: one per hardware
  /// thread). With `repeat` > 0, then runs `repeat` more times and returns
  /// the kernel's time of each run in milliseconds.
  virtual absl::StatusOr<std::vector<double>>
  runOnHost(ArrayRef<const float *> arguments, ArrayRef<float *> results,
            const ::attn::CallShape &shape, int threads, int repeat) = 0;
  /// Wall time of the compilation, in milliseconds.
  virtual double compileMillis() const = 0;
};

/// One file of a library, by its suffix ("h", "o", "a", "sm_90.ptx", ...).
struct LibraryFile {
  std::string suffix;
  std::string bytes;
};

/// What compileLibrary makes: the files, and what the user should know.
struct Library {
  std::vector<LibraryFile> files;
  std::vector<std::string> warnings;
};

class Target {
public:
  virtual ~Target();
  /// The name tools select it by: "cpu", "cuda".
  virtual StringRef getName() const = 0;
  /// What `compileLibrary` can emit, the first being the library itself.
  virtual ArrayRef<StringRef> getEmitKinds() const = 0;
  /// Why `options` do not fit this target ("" when they do).
  virtual std::string checkOptions(const TargetOptions &options) const = 0;

  /// Compiles function `entry` of `module` (which this modifies) and loads
  /// it; on failure nullptr with the reason in `error`.
  virtual std::unique_ptr<LoadedKernel> load(ModuleOp module, StringRef entry,
                                             const TargetOptions &options,
                                             std::string &error) const = 0;

  /// Compiles every function of `module` (which this modifies) into the
  /// files of library `libraryName` (its header names `sourceName`): with
  /// `emit` the first of getEmitKinds, the header, object and static
  /// library; with another kind the header and that form, for study.
  virtual FailureOr<Library>
  compileLibrary(ModuleOp module, StringRef libraryName, StringRef sourceName,
                 StringRef emit, const TargetOptions &options,
                 std::string &error) const = 0;

  /// One line of static facts about the kernel of `op` for `variant` (a
  /// GPU architecture), e.g. ptxas' registers and shared memory; fails with
  /// the reason when the target has none.
  virtual FailureOr<std::string> describeKernel(AttentionOp op,
                                                StringRef variant,
                                                const TargetOptions &options,
                                                std::string &error) const;
};

/// Adds `target` to the registry (once per name; later ones are ignored).
void registerTarget(std::unique_ptr<Target> target);
/// The registered target named `name`, or null.
const Target *lookupTarget(StringRef name);
/// The names of the registered targets, in registration order.
std::vector<std::string> registeredTargetNames();

/// lookupTarget, or null with "unknown target 'x' (cpu, cuda)" in `error`.
const Target *findTarget(StringRef name, std::string &error);

} // namespace mlir::attn

#endif // ATTN_TARGET_TARGET_H
