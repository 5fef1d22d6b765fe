//===- Target.cpp - the interface every back end implements ---------------===//

#include "attn/Target/Target.h"

#include "llvm/ADT/StringExtras.h"

#include <mutex>

using namespace mlir;
using namespace mlir::attn;

LoadedKernel::~LoadedKernel() = default;
Target::~Target() = default;

FailureOr<std::string> Target::describeKernel(AttentionOp, StringRef,
                                              const TargetOptions &,
                                              std::string &error) const {
  error = ("the " + getName() + " target reports no static kernel facts").str();
  return failure();
}

namespace {
std::mutex registryMutex;
std::vector<std::unique_ptr<Target>> &registry() {
  static std::vector<std::unique_ptr<Target>> targets;
  return targets;
}
} // namespace

void mlir::attn::registerTarget(std::unique_ptr<Target> target) {
  std::lock_guard<std::mutex> lock(registryMutex);
  for (const std::unique_ptr<Target> &known : registry())
    if (known->getName() == target->getName())
      return;
  registry().push_back(std::move(target));
}

const Target *mlir::attn::lookupTarget(StringRef name) {
  std::lock_guard<std::mutex> lock(registryMutex);
  for (const std::unique_ptr<Target> &known : registry())
    if (known->getName() == name)
      return known.get();
  return nullptr;
}

std::vector<std::string> mlir::attn::registeredTargetNames() {
  std::lock_guard<std::mutex> lock(registryMutex);
  std::vector<std::string> names;
  for (const std::unique_ptr<Target> &known : registry())
    names.push_back(known->getName().str());
  return names;
}

const Target *mlir::attn::findTarget(StringRef name, std::string &error) {
  if (const Target *target = lookupTarget(name))
    return target;
  error = ("unknown target '" + name + "' (" +
           llvm::join(registeredTargetNames(), ", ") + ")")
              .str();
  return nullptr;
}
