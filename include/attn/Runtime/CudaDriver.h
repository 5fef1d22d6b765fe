//===- CudaDriver.h - the CUDA driver API, opened at run time --*- C++ -*-===//
//
// The CUDA driver API without linking CUDA: libcuda.so.1 (or the library
// named by $ATTN_LIBCUDA, which tests use) is opened with dlopen the first
// time something here is used, its versioned entry points are resolved and
// cuInit is called, once per process. Without a driver every function
// returns a one-line status, "no CUDA driver: ..." or "no CUDA device: ...";
// nothing aborts. The rest wraps what attn's tools need: a current context,
// the device's architecture, device buffers, copies and an event timer.
//
// The driver's types are declared here (cuda.h is not needed); the handle
// types are the same as cuda.h's, so the two may be mixed.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_RUNTIME_CUDADRIVER_H
#define ATTN_RUNTIME_CUDADRIVER_H

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

#include <cstddef>
#include <string>

// cuda.h's opaque handle types, declared at global scope like there.
struct CUctx_st;
struct CUmod_st;
struct CUfunc_st;
struct CUstream_st;
struct CUevent_st;

namespace attn::cuda {

using CUresult = int; ///< 0 is CUDA_SUCCESS
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = ::CUctx_st *;
using CUmodule = ::CUmod_st *;
using CUfunction = ::CUfunc_st *;
using CUstream = ::CUstream_st *; ///< null: the legacy default stream
using CUevent = ::CUevent_st *;

/// The driver entry points attn uses, resolved with dlsym under their
/// versioned names (memAlloc is cuMemAlloc_v2, ...). Call them only through
/// the table driver() returns.
struct DriverApi {
  CUresult (*init)(unsigned flags);
  CUresult (*driverGetVersion)(int *version);
  CUresult (*getErrorName)(CUresult error, const char **name);
  CUresult (*getErrorString)(CUresult error, const char **text);
  CUresult (*deviceGet)(CUdevice *device, int ordinal);
  CUresult (*deviceGetCount)(int *count);
  CUresult (*deviceGetAttribute)(int *value, int attribute, CUdevice device);
  CUresult (*deviceGetName)(char *name, int length, CUdevice device);
  CUresult (*devicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*ctxGetCurrent)(CUcontext *context);
  CUresult (*ctxSetCurrent)(CUcontext context);
  CUresult (*ctxGetDevice)(CUdevice *device);
  CUresult (*ctxPushCurrent)(CUcontext context);
  CUresult (*ctxPopCurrent)(CUcontext *context);
  CUresult (*ctxSynchronize)();
  CUresult (*memAlloc)(CUdeviceptr *pointer, size_t bytes);
  CUresult (*memFree)(CUdeviceptr pointer);
  CUresult (*memcpyHtoD)(CUdeviceptr dst, const void *src, size_t bytes);
  CUresult (*memcpyDtoH)(void *dst, CUdeviceptr src, size_t bytes);
  /// `options` are CUjit_option values (an int-sized enum).
  CUresult (*moduleLoadDataEx)(CUmodule *module, const void *image,
                               unsigned numOptions, int *options,
                               void **optionValues);
  CUresult (*moduleGetFunction)(CUfunction *function, CUmodule module,
                                const char *name);
  CUresult (*moduleUnload)(CUmodule module);
  CUresult (*launchKernel)(CUfunction function, unsigned gridX, unsigned gridY,
                           unsigned gridZ, unsigned blockX, unsigned blockY,
                           unsigned blockZ, unsigned sharedMemBytes,
                           CUstream stream, void **params, void **extra);
  CUresult (*streamSynchronize)(CUstream stream);
  CUresult (*eventCreate)(CUevent *event, unsigned flags);
  CUresult (*eventRecord)(CUevent event, CUstream stream);
  CUresult (*eventSynchronize)(CUevent event);
  CUresult (*eventElapsedTime)(float *milliseconds, CUevent start,
                               CUevent stop);
  CUresult (*eventDestroy)(CUevent event);
};

/// The driver, loaded and initialized once per process (thread-safe). The
/// library is $ATTN_LIBCUDA when set, else libcuda.so.1. Errors, each one
/// line: "no CUDA driver: libcuda.so.1 could not be loaded (<dlerror>)",
/// "no CUDA driver: cuInit failed (CUDA_ERROR_STUB_LIBRARY / error 34:
/// ...)", "no CUDA device: ..." when the driver sees no device.
absl::StatusOr<const DriverApi *> driver();

/// "CUDA_ERROR_INVALID_VALUE / error 1: invalid argument": the driver's name
/// and text of `result` (from a built-in table when the driver cannot say).
std::string describeError(CUresult result);

/// OK for CUDA_SUCCESS, else "<call> failed (<describeError>)" with a code
/// that fits (out of memory: ResourceExhausted; otherwise Internal).
absl::Status check(CUresult result, absl::string_view call);

/// Makes sure the calling thread has a current context and returns it: when
/// it has none, the primary context of device $ATTN_CUDA_DEVICE (default 0)
/// is retained (once per process) and made current.
absl::StatusOr<CUcontext> ensureContext();

/// The device of the current context (see ensureContext).
struct DeviceInfo {
  CUdevice device;
  std::string name;       ///< "NVIDIA H100 80GB HBM3"
  int major, minor;       ///< compute capability
  std::string arch;       ///< "sm_90"
  int multiprocessors;    ///< streaming multiprocessors
  int maxThreadsPerBlock; ///< usually 1024
};
absl::StatusOr<DeviceInfo> currentDevice();

/// The architecture of the current context's device: "sm_" followed by its
/// compute capability ("sm_90", "sm_120").
absl::StatusOr<std::string> currentArch();

/// The CUDA version the driver supports, e.g. 12040 for 12.4.
absl::StatusOr<int> driverVersion();

/// Device memory owned by the caller: allocated in the current context
/// (made by ensureContext when none), freed on destruction in that same
/// context. cuMemFree waits for the context's work, so a kernel still
/// reading the buffer is never pulled from under.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer &&other) noexcept;
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;

  /// `bytes` of uninitialized device memory (none for 0 bytes).
  static absl::StatusOr<DeviceBuffer> allocate(size_t bytes);

  CUdeviceptr get() const { return pointer; }
  /// The device pointer as launchCudaKernel takes it.
  void *data() const { return reinterpret_cast<void *>(pointer); }
  size_t size() const { return bytes; }

private:
  void reset();

  CUdeviceptr pointer = 0;
  size_t bytes = 0;
  CUcontext context = nullptr;
};

/// Copies `bytes` from host memory to device memory. Returns once `src` may
/// be reused; ordered on the legacy default stream (kernels on streams
/// created non-blocking must wait on synchronize() first).
absl::Status copyToDevice(CUdeviceptr dst, const void *src, size_t bytes);

/// Copies `bytes` from device memory to host memory, after the work queued
/// before it on the legacy default stream.
absl::Status copyToHost(void *dst, CUdeviceptr src, size_t bytes);

/// Waits for `stream`, or for all work of the current context when null.
/// Errors of kernels that already ran (an illegal address, ...) show here.
absl::Status synchronize(CUstream stream = nullptr);

/// Times work on a stream with a pair of CUDA events: start(), queue work,
/// stop(), then elapsedMs() waits for the stop event and returns the time
/// between the two on the GPU.
class EventTimer {
public:
  EventTimer() = default;
  ~EventTimer();
  EventTimer(EventTimer &&other) noexcept;
  EventTimer &operator=(EventTimer &&other) noexcept;
  EventTimer(const EventTimer &) = delete;
  EventTimer &operator=(const EventTimer &) = delete;

  /// Two events in the current context (made by ensureContext when none).
  static absl::StatusOr<EventTimer> create();

  absl::Status start(CUstream stream = nullptr);
  absl::Status stop(CUstream stream = nullptr);
  /// Milliseconds from start to stop; waits for stop to complete.
  absl::StatusOr<double> elapsedMs();

private:
  void reset();

  CUevent startEvent = nullptr, stopEvent = nullptr;
  CUcontext context = nullptr;
};

} // namespace attn::cuda

#endif // ATTN_RUNTIME_CUDADRIVER_H
