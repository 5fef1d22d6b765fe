//===- CudaKernel.cpp - calling a compiled attn GPU kernel ----------------===//

#include "attn/Runtime/CudaKernel.h"

#include "KernelInternal.h"

#include "attn/Runtime/CudaDriver.h"
#include "attn/Support/BlockTableLayout.h"
#include "attn/Support/CheckedMath.h"

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <vector>

namespace attn {
namespace {

using cuda::CUcontext;
using cuda::CUdeviceptr;
using cuda::CUfunction;
using cuda::CUmodule;
using cuda::DeviceBuffer;

// CUjit_option values of cuda.h.
constexpr int kJitErrorLogBuffer = 5;
constexpr int kJitErrorLogBufferSizeBytes = 6;

/// What is wrong with the descriptor itself ("" when nothing): a compiler
/// bug, but better a message than a launch that reads out of bounds.
std::string checkDescriptor(const CudaKernelDescriptor &kernel) {
  if (std::string problem = detail::checkCommonFields(kernel); !problem.empty())
    return problem;
  auto prefix = [&] { return absl::StrCat("kernel '", kernel.name, "' "); };
  if (kernel.threadsPerBlock < 1 || kernel.threadsPerBlock > 1024)
    return absl::StrCat(prefix(), "has ", kernel.threadsPerBlock,
                        " threads per block (1 to 1024)");
  if (kernel.schedule == kScheduleTables && !kernel.buildTables)
    return absl::StrCat(prefix(), "needs schedule tables for a dynamic N and "
                                  "has no function to build them");
  if (kernel.schedule == kScheduleStaticTables && !kernel.staticTables)
    return absl::StrCat(prefix(), "has no static schedule tables");
  if (kernel.numImages < 0 || (kernel.numImages > 0 && !kernel.images))
    return absl::StrCat(prefix(), "has ", kernel.numImages,
                        " code images and no array of them");
  for (int64_t i = 0; i < kernel.numImages; ++i)
    if (!kernel.images[i].arch || !kernel.images[i].data ||
        kernel.images[i].size < 0)
      return absl::StrCat(prefix(), "has an incomplete code image #", i);
  return "";
}

/// The number of "sm_90" (90; 120 for "sm_120"), whether it is
/// architecture-specific ("sm_90a": runs on sm_90 only), or -1.
int archNumber(const char *arch, bool *specific = nullptr) {
  if (std::strncmp(arch, "sm_", 3) != 0)
    return -1;
  int number = 0;
  const char *c = arch + 3;
  for (; *c >= '0' && *c <= '9' && number < 100000; ++c)
    number = number * 10 + (*c - '0');
  if (c == arch + 3)
    return -1;
  if (specific)
    *specific = *c != '\0';
  return number;
}

/// The image to load on a device of `arch`: its cubin, else a cubin of an
/// older minor version of the same major (binary compatible, as the CUDA
/// loader prefers it), else the newest PTX the device can compile (the
/// driver JITs it).
absl::StatusOr<const CudaImage *>
selectImage(const CudaKernelDescriptor &kernel, const std::string &arch) {
  int device = archNumber(arch.c_str());
  const CudaImage *ptx = nullptr, *compatibleCubin = nullptr;
  int ptxNumber = -1, cubinNumber = -1;
  for (int64_t i = 0; i < kernel.numImages; ++i) {
    const CudaImage &image = kernel.images[i];
    bool specific = false;
    int number = archNumber(image.arch, &specific);
    if (number < 0)
      continue;
    if (!image.isPtx && (image.arch == arch || (specific && number == device)))
      return &image;
    // "sm_90a" code runs on sm_90 only, PTX or cubin.
    if (specific ? number != device : number > device)
      continue;
    if (image.isPtx && number > ptxNumber) {
      ptx = &image;
      ptxNumber = number;
    } else if (!image.isPtx && number / 10 == device / 10 &&
               number > cubinNumber) {
      compatibleCubin = &image;
      cubinNumber = number;
    }
  }
  if (compatibleCubin)
    return compatibleCubin;
  if (ptx)
    return ptx;
  std::vector<std::string> archs;
  for (int64_t i = 0; i < kernel.numImages; ++i)
    archs.push_back(absl::StrCat(kernel.images[i].arch,
                                 kernel.images[i].isPtx ? " PTX" : ""));
  return absl::FailedPreconditionError(absl::StrCat(
      "the GPU is ", arch, ", not in the image of kernel '", kernel.name, "' (",
      archs.empty() ? "it has no code"
                    : absl::StrCat("it has ", absl::StrJoin(archs, ", ")),
      ")"));
}

/// The kernel's function in a context, loaded once; unloaded by
/// releaseCudaKernel.
struct LoadedFunction {
  const CudaKernelDescriptor *kernel;
  CUcontext context;
  CUmodule module;
  CUfunction function;
};
std::mutex functionsMutex;

// Never destroyed: no driver call runs from a static destructor.
std::vector<LoadedFunction> *const functions = new std::vector<LoadedFunction>;

absl::StatusOr<CUfunction> kernelFunction(const cuda::DriverApi &api,
                                          const CudaKernelDescriptor &kernel,
                                          CUcontext context) {
  std::lock_guard<std::mutex> lock(functionsMutex);
  for (const LoadedFunction &loaded : *functions)
    if (loaded.kernel == &kernel && loaded.context == context)
      return loaded.function;

  absl::StatusOr<std::string> arch = cuda::currentArch();
  if (!arch.ok())
    return arch.status();
  absl::StatusOr<const CudaImage *> image = selectImage(kernel, *arch);
  if (!image.ok())
    return image.status();
  // The JIT's messages for a PTX image that does not compile.
  char log[4096] = {};
  int options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSizeBytes};
  void *values[] = {log, reinterpret_cast<void *>(uintptr_t(sizeof(log)))};
  CUmodule module = nullptr;
  if (cuda::CUresult result =
          api.moduleLoadDataEx(&module, (*image)->data, 2, options, values)) {
    std::string details(log, strnlen(log, sizeof(log)));
    for (char &c : details)
      if (c == '\n' || c == '\r')
        c = ' ';
    while (!details.empty() && details.back() == ' ')
      details.pop_back();
    return absl::InternalError(
        absl::StrCat("cuModuleLoadDataEx failed for the ", (*image)->arch,
                     (*image)->isPtx ? " PTX" : " cubin", " of kernel '",
                     kernel.name, "' (", cuda::describeError(result), ")",
                     details.empty() ? "" : ": ", details));
  }
  CUfunction function = nullptr;
  if (absl::Status status =
          cuda::check(api.moduleGetFunction(&function, module, kernel.name),
                      absl::StrCat("cuModuleGetFunction of '", kernel.name,
                                   "' in its ", (*image)->arch, " image"));
      !status.ok()) {
    api.moduleUnload(module);
    return status;
  }
  functions->push_back({&kernel, context, module, function});
  return function;
}

/// Schedule tables on the device, uploaded once per (kernel, context) for
/// static tables and per (kernel, context, Nq, Nk) for built ones; the
/// built ones are evicted oldest first.
struct DeviceTables {
  const CudaKernelDescriptor *kernel;
  CUcontext context;
  int64_t nq, nk; ///< -1 for static tables
  std::shared_ptr<const DeviceBuffer> buffer;
};
std::mutex tablesMutex;
constexpr size_t kMaxCachedTables = 32;

absl::StatusOr<std::shared_ptr<const DeviceBuffer>>
upload(const int32_t *tables, int64_t count) {
  absl::StatusOr<DeviceBuffer> buffer =
      DeviceBuffer::allocate(size_t(count) * sizeof(int32_t));
  if (!buffer.ok())
    return buffer.status();
  if (absl::Status status = cuda::copyToDevice(buffer->get(), tables,
                                               size_t(count) * sizeof(int32_t));
      !status.ok())
    return status;
  // A copy from pageable memory may still be in flight when it returns, and
  // a stream made non-blocking would not wait for it: wait here, once per
  // upload.
  if (absl::Status status = cuda::synchronize(); !status.ok())
    return status;
  return std::make_shared<const DeviceBuffer>(*std::move(buffer));
}

// Never destroyed, as the functions.
std::vector<DeviceTables> *const tablesCache = new std::vector<DeviceTables>;

absl::StatusOr<std::shared_ptr<const DeviceBuffer>>
deviceTables(const CudaKernelDescriptor &kernel, CUcontext context, int64_t nq,
             int64_t nk) {
  std::vector<DeviceTables> *cache = tablesCache;
  bool isStatic = kernel.schedule == kScheduleStaticTables;
  if (isStatic)
    nq = nk = -1;
  std::lock_guard<std::mutex> lock(tablesMutex);
  for (const DeviceTables &cached : *cache)
    if (cached.kernel == &kernel && cached.context == context &&
        cached.nq == nq && cached.nk == nk)
      return cached.buffer;
  absl::StatusOr<std::shared_ptr<const DeviceBuffer>> buffer;
  if (isStatic) {
    buffer = upload(kernel.staticTables, kernel.staticTableSize);
  } else {
    absl::StatusOr<std::vector<int32_t>> tables =
        detail::buildScheduleTables(kernel.buildTables, kernel.tileQ, nq, nk);
    if (!tables.ok())
      return tables.status();
    buffer = upload(tables->data(), int64_t(tables->size()));
  }
  if (!buffer.ok())
    return buffer.status();
  // Launches hold their tables until cuLaunchKernel returns, and cuMemFree
  // waits for the context's kernels: an eviction never frees tables in use.
  if (!isStatic) {
    size_t built = 0;
    for (const DeviceTables &cached : *cache)
      built += cached.nq >= 0;
    if (built >= kMaxCachedTables)
      for (auto it = cache->begin(); it != cache->end(); ++it)
        if (it->nq >= 0) {
          cache->erase(it);
          break;
        }
  }
  cache->push_back({&kernel, context, nq, nk, *buffer});
  return *buffer;
}

} // namespace

void releaseCudaKernel(const CudaKernelDescriptor &kernel) {
  {
    std::lock_guard<std::mutex> lock(tablesMutex);
    std::vector<DeviceTables> &cache = *tablesCache;
    cache.erase(std::remove_if(cache.begin(), cache.end(),
                               [&](const DeviceTables &cached) {
                                 return cached.kernel == &kernel;
                               }),
                cache.end());
  }
  std::lock_guard<std::mutex> lock(functionsMutex);
  for (auto it = functions->begin(); it != functions->end();) {
    if (it->kernel != &kernel) {
      ++it;
      continue;
    }
    // Loaded, so the driver is; a module belongs to its context: unload it
    // there.
    absl::StatusOr<const cuda::DriverApi *> api = cuda::driver();
    if (api.ok() && (*api)->ctxPushCurrent(it->context) == 0) {
      (*api)->moduleUnload(it->module);
      CUcontext popped;
      (*api)->ctxPopCurrent(&popped);
    }
    it = functions->erase(it);
  }
}

std::string checkCallShape(const CudaKernelDescriptor &kernel,
                           const CallShape &shape) {
  if (std::string problem = checkDescriptor(kernel); !problem.empty())
    return problem;
  return detail::checkCallShape(detail::tensorsOf(kernel), shape);
}

absl::Status launchCudaKernel(const CudaKernelDescriptor &kernel,
                              absl::Span<const void *const> arguments,
                              absl::Span<void *const> results,
                              const CallShape &shape, void *stream) {
  // Everything that needs no driver first, so that these errors are the
  // same with or without a GPU.
  if (std::string problem = checkCallShape(kernel, shape); !problem.empty())
    return absl::InvalidArgumentError(problem);
  // The kernels move tiles in 16-byte vectors; a misaligned address would
  // fault and poison the context.
  if (std::string problem =
          detail::checkBuffers(detail::tensorsOf(kernel), kernel.numArguments,
                               arguments, results, shape, /*alignment=*/16);
      !problem.empty())
    return absl::InvalidArgumentError(problem);
  int64_t blocks =
      satMul(satMul(shape.batch, shape.heads), ceilDiv(shape.nq, kernel.tileQ));
  if (blocks == 0)
    return absl::OkStatus();
  if (blocks > (int64_t(1) << 31) - 1)
    return absl::InvalidArgumentError(
        absl::StrCat("the launch needs B * H * ceil(Nq / ", kernel.tileQ,
                     ") = ", blocks, " blocks; at most 2^31-1 fit in a grid"));
  if (kernel.schedule == kScheduleStaticTables) {
    if (std::string problem = checkBlockTables(
            kernel.staticTables, kernel.staticTableSize,
            ceilDiv(shape.nq, kernel.tileQ), ceilDiv(shape.nk, kernel.tileK));
        !problem.empty())
      return absl::InvalidArgumentError(
          absl::StrCat("kernel '", kernel.name,
                       "' has static schedule tables that do not "
                       "fit Nq = ",
                       shape.nq, ", Nk = ", shape.nk, ": ", problem));
  }

  absl::StatusOr<const cuda::DriverApi *> api = cuda::driver();
  if (!api.ok())
    return api.status();
  absl::StatusOr<CUcontext> context = cuda::ensureContext();
  if (!context.ok())
    return context.status();
  absl::StatusOr<CUfunction> function = kernelFunction(**api, kernel, *context);
  if (!function.ok())
    return function.status();
  std::shared_ptr<const DeviceBuffer> tables;
  if (kernel.schedule != kScheduleBanded) {
    absl::StatusOr<std::shared_ptr<const DeviceBuffer>> uploaded =
        deviceTables(kernel, *context, shape.nq, shape.nk);
    if (!uploaded.ok())
      return uploaded.status();
    tables = *std::move(uploaded);
  }

  // The parameters of CudaKernel.h: one MLIR memref descriptor (allocated
  // and aligned pointer, offset, size, stride) per tensor and for the
  // tables, then the sizes.
  struct Buffer {
    CUdeviceptr allocated, aligned;
    int64_t offset, size, stride;
  };
  absl::InlinedVector<Buffer, 8> buffers;
  absl::Span<const KernelTensor> tensors = detail::tensorsOf(kernel);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const void *data =
        detail::bufferOf(i, kernel.numArguments, arguments, results);
    buffers.push_back({CUdeviceptr(data), CUdeviceptr(data), 0,
                       elementsOf(tensors[i], shape), 1});
  }
  buffers.push_back(tables ? Buffer{tables->get(), tables->get(), 0,
                                    int64_t(tables->size() / 4), 1}
                           : Buffer{0, 0, 0, 0, 1});
  std::array<int64_t, kNumSizes> sizes = sizesOf(shape);
  absl::InlinedVector<void *, 48> params;
  for (Buffer &b : buffers)
    for (void *field :
         {static_cast<void *>(&b.allocated), static_cast<void *>(&b.aligned),
          static_cast<void *>(&b.offset), static_cast<void *>(&b.size),
          static_cast<void *>(&b.stride)})
      params.push_back(field);
  for (int64_t &size : sizes)
    params.push_back(&size);
  return cuda::check(
      (*api)->launchKernel(
          *function, unsigned(blocks), 1, 1, unsigned(kernel.threadsPerBlock),
          1, 1, 0, static_cast<cuda::CUstream>(stream), params.data(), nullptr),
      absl::StrCat("cuLaunchKernel of '", kernel.name, "' (", blocks,
                   " blocks of ", kernel.threadsPerBlock, " threads)"));
}

absl::Status launchCudaKernel(const CudaKernelDescriptor &kernel, const void *q,
                              const void *k, const void *v, void *out,
                              const CallShape &shape, void *stream) {
  const void *arguments[] = {q, k, v};
  void *results[] = {out};
  return launchCudaKernel(kernel, arguments, results, shape, stream);
}

absl::Status launchCudaKernel(const CudaKernelDescriptor &kernel,
                              absl::Span<const DeviceTensorView> arguments,
                              absl::Span<const MutableDeviceTensorView> results,
                              void *stream) {
  if (std::string problem = checkDescriptor(kernel); !problem.empty())
    return absl::InvalidArgumentError(problem);
  detail::GatheredViews views = detail::gatherViews(arguments, results);
  absl::StatusOr<CallShape> shape =
      checkViews(detail::tensorsOf(kernel), views.facts);
  if (!shape.ok())
    return shape.status();
  return launchCudaKernel(kernel, views.arguments, views.results, *shape,
                          stream);
}

absl::Status
launchCudaKernel(const CudaKernelDescriptor &kernel, const DeviceTensorView &q,
                 const DeviceTensorView &k, const DeviceTensorView &v,
                 const MutableDeviceTensorView &out, void *stream) {
  DeviceTensorView arguments[] = {q, k, v};
  MutableDeviceTensorView results[] = {out};
  return launchCudaKernel(kernel, arguments, results, stream);
}

} // namespace attn

int attn_run_cuda_kernel(const attn::CudaKernelDescriptor *kernel,
                         const void *const *arguments, void *const *results,
                         const int64_t *sizes, void *stream) {
  return attn::detail::callForC(kernel, [&] {
    if (!sizes || !arguments || !results)
      return absl::InvalidArgumentError("null arrays of buffers or sizes");
    // launchCudaKernel checks the descriptor before it reads the buffers.
    return attn::launchCudaKernel(
        *kernel, {arguments, size_t(kernel->numArguments)},
        {results, size_t(kernel->numResults)}, attn::shapeOf(sizes), stream);
  });
}
