//===- KernelHeader.h - the header of ahead-of-time kernels ---*- C++ -*-===//

#ifndef ATTN_TARGET_HEADER_KERNELHEADER_H
#define ATTN_TARGET_HEADER_KERNELHEADER_H

#include "attn/Target/CPU/JitKernel.h"

#include <string>
#include <vector>

namespace mlir::attn {

/// The C++ header of a library made by attn-compile: for every kernel f, the
/// C entry point `attn_f_f32`, its descriptor and the C++ function
/// `attn::kernels::f` on tensor views (DESIGN §7). `libraryName` names the
/// include guard; `sourceName` is quoted in the banner.
std::string emitKernelHeader(const std::vector<KernelInfo> &kernels,
                             StringRef libraryName, StringRef sourceName);

} // namespace mlir::attn

#endif // ATTN_TARGET_HEADER_KERNELHEADER_H
