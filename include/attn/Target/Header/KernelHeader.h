//===- KernelHeader.h - the header of ahead-of-time kernels ---*- C++ -*-===//

#ifndef ATTN_TARGET_HEADER_KERNELHEADER_H
#define ATTN_TARGET_HEADER_KERNELHEADER_H

#include "attn/Dialect/Attn/IR/AttnDialect.h"

#include <string>
#include <vector>

namespace mlir::attn {

/// A kernel f names C symbols (`attn_f_f32`, `attn_descriptor_f`) and a C++
/// function (`attn::kernels::f`): f must be a C identifier that is no C or
/// C++ keyword, neither starting nor ending with _ nor holding __
/// (attn_<name>_f32 would be reserved). Fails with the first kernel whose
/// name is not, and why.
LogicalResult checkKernelNames(const std::vector<KernelAttr> &kernels,
                               std::string &error);

/// The C++ header of a library made by attn-compile: for every kernel f, the
/// C entry point `attn_f_f32` (one pointer per argument and per result, then
/// the sizes), its descriptor and the C++ function `attn::kernels::f` on
/// tensor views (DESIGN §7). `libraryName` names the
/// include guard; `sourceName` is quoted in the banner.
std::string emitKernelHeader(const std::vector<KernelAttr> &kernels,
                             StringRef libraryName, StringRef sourceName);

/// The same for GPU kernels: `attn_f_cuda` on device pointers and a stream,
/// `attn_cuda_descriptor_f` and `attn::kernels::f` on device tensor views.
/// `report` (ptxas -v) is quoted in the banner.
std::string emitCudaKernelHeader(const std::vector<KernelAttr> &kernels,
                                 StringRef libraryName, StringRef sourceName,
                                 StringRef report);

} // namespace mlir::attn

#endif // ATTN_TARGET_HEADER_KERNELHEADER_H
