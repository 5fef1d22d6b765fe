//===- KernelSymbols.h - the names of a kernel's symbols ------*- C++ -*-===//
//
// Every symbol the compilers emit for a source function @f and the runtime
// or a user program looks up, named in one place.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNTIME_KERNELSYMBOLS_H
#define ATTN_RUNTIME_KERNELSYMBOLS_H

#include <string>
#include <string_view>

namespace attn::symbols {

/// The kernel function of @f (the CPU kernel, or the GPU kernel inside the
/// images).
inline std::string kernel(std::string_view f) {
  return "attn_kernel_" + std::string(f);
}
/// Its packed entry (attn::KernelEntry) in a CPU library or JIT.
inline std::string packedEntry(std::string_view f) {
  return "attn_entry_" + std::string(f);
}
/// The host function that builds @f's schedule tables for a dynamic N.
inline std::string scheduleFunction(std::string_view f) {
  return "attn_schedule_" + std::string(f);
}
/// The C interface MLIR gives a function with `llvm.emit_c_interface`.
inline std::string cInterface(std::string_view function) {
  return "_mlir_ciface_" + std::string(function);
}
/// The descriptors (attn::KernelDescriptor, attn::CudaKernelDescriptor).
inline std::string descriptor(std::string_view f) {
  return "attn_descriptor_" + std::string(f);
}
inline std::string cudaDescriptor(std::string_view f) {
  return "attn_cuda_descriptor_" + std::string(f);
}
/// The C entry points of DESIGN §7: attn_<f>_f32 (CPU), attn_<f>_cuda.
inline std::string cEntry(std::string_view f) {
  return "attn_" + std::string(f) + "_f32";
}
inline std::string cudaCEntry(std::string_view f) {
  return "attn_" + std::string(f) + "_cuda";
}
/// The runtime functions the C entry points call.
inline constexpr const char *kRunKernel = "attn_run_kernel";
inline constexpr const char *kRunCudaKernel = "attn_run_cuda_kernel";
/// The gpu.module holding every GPU kernel of a file.
inline constexpr const char *kGpuModule = "attn_kernels";

} // namespace attn::symbols

#endif // ATTN_RUNTIME_KERNELSYMBOLS_H
