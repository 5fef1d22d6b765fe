//===- KernelAttrs.cpp - the kernel contract ------------------------------===//

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include "attn/Runtime/KernelAbi.h"

#include "llvm/ADT/StringSet.h"

#include <cctype>

using namespace mlir;
using namespace mlir::attn;

// The enums are the runtime's (attn/Runtime/KernelAbi.h), value for value.
static_assert(int64_t(ScheduleKind::Banded) == ::attn::kScheduleBanded &&
              int64_t(ScheduleKind::StaticTables) ==
                  ::attn::kScheduleStaticTables &&
              int64_t(ScheduleKind::Tables) == ::attn::kScheduleTables);
static_assert(int64_t(TensorRole::Query) == ::attn::kRoleQuery &&
              int64_t(TensorRole::Key) == ::attn::kRoleKey &&
              int64_t(TensorRole::Value) == ::attn::kRoleValue &&
              int64_t(TensorRole::Output) == ::attn::kRoleOutput &&
              int64_t(TensorRole::LogSumExp) == ::attn::kRoleLogSumExp);
static_assert(int64_t(KernelSize::Batch) == ::attn::kSizeBatch &&
              int64_t(KernelSize::Heads) == ::attn::kSizeHeads &&
              int64_t(KernelSize::KvHeads) == ::attn::kSizeKvHeads &&
              int64_t(KernelSize::Queries) == ::attn::kSizeQueries &&
              int64_t(KernelSize::Keys) == ::attn::kSizeKeys &&
              int64_t(KernelSize::HeadDim) == ::attn::kSizeHeadDim &&
              ::attn::kNumSizes == 6);

LogicalResult
KernelTensorAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         StringRef name, TensorRole role, RankedTensorType type,
                         ArrayRef<KernelSize> sizes) {
  // The name becomes a C++ parameter of the generated API.
  if (name.empty() || !(std::isalpha(name.front()) || name.front() == '_') ||
      !llvm::all_of(name, [](char c) { return std::isalnum(c) || c == '_'; }))
    return emitError() << "kernel tensor name '" << name
                       << "' must be a C identifier";
  Type element = type.getElementType();
  if (!element.isF32() && !element.isF16() && !element.isBF16() &&
      !element.isInteger(32))
    return emitError() << "kernel tensor '" << name << "' has element type "
                       << element << "; kernels take f32, f16, bf16 or i32";
  if (type.getRank() > ::attn::kMaxTensorRank)
    return emitError() << "kernel tensor '" << name << "' has rank "
                       << type.getRank() << "; at most "
                       << ::attn::kMaxTensorRank << " are supported";
  if (int64_t(sizes.size()) != type.getRank())
    return emitError() << "kernel tensor '" << name << "' names "
                       << sizes.size() << " sizes for rank " << type.getRank();
  return success();
}

LogicalResult
KernelAttr::verify(function_ref<InFlightDiagnostic()> emitError, StringRef name,
                   ArrayAttr arguments, ArrayAttr results,
                   ScheduleKind schedule, int64_t tileQ, int64_t tileK,
                   MaskPatternAttrInterface pattern, int64_t vectorWidth,
                   int64_t threads, DenseI32ArrayAttr staticTables,
                   TokenOrderAttrInterface order, ArrayAttr parts) {
  for (ArrayAttr list : {arguments, results})
    for (Attribute tensor : list)
      if (!isa<KernelTensorAttr>(tensor))
        return emitError() << "kernel arguments and results must be "
                              "#attn.kernel_tensor, got "
                           << tensor;
  if (arguments.empty() || results.empty())
    return emitError() << "a kernel takes at least one argument and returns "
                          "at least one result";
  llvm::StringSet<> names;
  for (ArrayAttr list : {arguments, results})
    for (Attribute tensor : list)
      if (!names.insert(cast<KernelTensorAttr>(tensor).getName()).second)
        return emitError() << "kernel tensor '"
                           << cast<KernelTensorAttr>(tensor).getName()
                           << "' is named twice";
  if (tileQ < 1 || tileK < 1)
    return emitError() << "kernel tiles must be positive";
  if (vectorWidth < 0 || threads < 0)
    return emitError() << "vector_width and threads must be non-negative";
  if (order && schedule != ScheduleKind::Tables)
    return emitError() << "a kernel with a token order has a \"tables\" "
                          "schedule built per call";
  if (parts) {
    if (parts.size() < 2)
      return emitError() << "a kernel of parts has at least 2 of them";
    for (Attribute part : parts)
      if (!isa<KernelPartAttr>(part))
        return emitError() << "kernel parts must be #attn.kernel_part, got "
                           << part;
    if (threads > 0)
      return emitError() << "a kernel of parts runs on the CPU (threads must "
                            "be 0): the GPU back end does not merge parts";
  }
  return success();
}

SmallVector<KernelTensorAttr> KernelAttr::getTensors() const {
  SmallVector<KernelTensorAttr> tensors;
  for (ArrayAttr list : {getArguments(), getResults()})
    for (Attribute tensor : list)
      tensors.push_back(cast<KernelTensorAttr>(tensor));
  return tensors;
}
