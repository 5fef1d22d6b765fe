//===- CudaDriver.cpp - the CUDA driver API, opened at run time -----------===//

#include "attn/Runtime/CudaDriver.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include <cstdlib>
#include <dlfcn.h>
#include <mutex>
#include <utility>

namespace attn::cuda {
namespace {

// Values of cuda.h's enums.
constexpr CUresult kSuccess = 0;
constexpr CUresult kErrorOutOfMemory = 2;
constexpr CUresult kErrorStubLibrary = 34;
constexpr CUresult kErrorInsufficientDriver = 35;
constexpr CUresult kErrorNoDevice = 100;
constexpr CUresult kErrorSystemDriverMismatch = 803;
constexpr CUresult kErrorCompatNotSupportedOnDevice = 804;
constexpr int kAttrMaxThreadsPerBlock = 1;
constexpr int kAttrMultiprocessorCount = 16;
constexpr int kAttrComputeCapabilityMajor = 75;
constexpr int kAttrComputeCapabilityMinor = 76;

/// Names and texts of the errors seen before the driver can describe them
/// (the stub library answers every call, cuGetErrorName included, with
/// error 34), and of the common ones.
struct KnownError {
  CUresult code;
  const char *name, *text;
};
constexpr KnownError kKnownErrors[] = {
    {0, "CUDA_SUCCESS", "no error"},
    {1, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {3, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {4, "CUDA_ERROR_DEINITIALIZED", "driver shutting down"},
    {34, "CUDA_ERROR_STUB_LIBRARY", "CUDA driver is a stub library"},
    {35, "CUDA_ERROR_INSUFFICIENT_DRIVER",
     "CUDA driver version is insufficient for CUDA runtime version"},
    {46, "CUDA_ERROR_DEVICE_UNAVAILABLE",
     "CUDA-capable device(s) is/are busy or unavailable"},
    {100, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {101, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {200, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
    {201, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {209, "CUDA_ERROR_NO_BINARY_FOR_GPU",
     "no kernel image is available for execution on the device"},
    {218, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
    {222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
     "the provided PTX was compiled with an unsupported toolchain"},
    {304, "CUDA_ERROR_OPERATING_SYSTEM",
     "OS call failed or operation not supported on this OS"},
    {400, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {500, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {700, "CUDA_ERROR_ILLEGAL_ADDRESS",
     "an illegal memory access was encountered"},
    {701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
     "too many resources requested for launch"},
    {719, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
    {803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
     "system has unsupported display driver / cuda driver combination"},
    {804, "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
     "forward compatibility was attempted on non supported HW"},
    {999, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

std::string describe(const DriverApi &api, CUresult result) {
  const char *name = nullptr, *text = nullptr;
  if (api.getErrorName && api.getErrorName(result, &name) != kSuccess)
    name = nullptr;
  if (api.getErrorString && api.getErrorString(result, &text) != kSuccess)
    text = nullptr;
  for (const KnownError &known : kKnownErrors)
    if (known.code == result) {
      name = name ? name : known.name;
      text = text ? text : known.text;
    }
  std::string description = absl::StrCat("error ", result);
  if (name)
    description = absl::StrCat(name, " / ", description);
  if (text)
    absl::StrAppend(&description, ": ", text);
  return description;
}

/// The process's driver: loaded once, never unloaded (the driver tears
/// itself down at exit; nothing here calls it from a static destructor).
struct Loaded {
  absl::Status status; ///< why there is no usable driver
  DriverApi api = {};
  int deviceCount = 0;
  /// The ordinal in $ATTN_CUDA_DEVICE (default 0), or why it is unusable.
  absl::StatusOr<int> ordinal = 0;
};

/// Resolves `function` as the first of `names` the library has.
template <typename Function>
bool resolve(void *library, Function &function,
             std::initializer_list<const char *> names) {
  for (const char *name : names)
    if (void *symbol = dlsym(library, name)) {
      function = reinterpret_cast<Function>(symbol);
      return true;
    }
  return false;
}

Loaded *load() {
  auto *loaded = new Loaded;
  const char *override = std::getenv("ATTN_LIBCUDA");
  std::string path = override && *override ? override : "libcuda.so.1";
  void *library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *error = dlerror();
    loaded->status = absl::FailedPreconditionError(
        absl::StrCat("no CUDA driver: ", path, " could not be loaded (",
                     error ? error : "unknown error", ")"));
    return loaded;
  }

  DriverApi &api = loaded->api;
  // cuda.h maps these names to the versioned symbols (cuMemAlloc to
  // cuMemAlloc_v2, ...): dlsym must ask for those. `missing` is the first
  // entry point the library lacks.
  const char *missing = nullptr;
  auto need = [&](auto &function, std::initializer_list<const char *> names) {
    if (!resolve(library, function, names) && !missing)
      missing = *names.begin();
  };
  need(api.init, {"cuInit"});
  need(api.driverGetVersion, {"cuDriverGetVersion"});
  need(api.getErrorName, {"cuGetErrorName"});
  need(api.getErrorString, {"cuGetErrorString"});
  need(api.deviceGet, {"cuDeviceGet"});
  need(api.deviceGetCount, {"cuDeviceGetCount"});
  need(api.deviceGetAttribute, {"cuDeviceGetAttribute"});
  need(api.deviceGetName, {"cuDeviceGetName"});
  need(api.devicePrimaryCtxRetain, {"cuDevicePrimaryCtxRetain"});
  need(api.ctxGetCurrent, {"cuCtxGetCurrent"});
  need(api.ctxSetCurrent, {"cuCtxSetCurrent"});
  need(api.ctxGetDevice, {"cuCtxGetDevice"});
  need(api.ctxPushCurrent, {"cuCtxPushCurrent_v2"});
  need(api.ctxPopCurrent, {"cuCtxPopCurrent_v2"});
  need(api.ctxSynchronize, {"cuCtxSynchronize"});
  need(api.memAlloc, {"cuMemAlloc_v2"});
  need(api.memFree, {"cuMemFree_v2"});
  need(api.memcpyHtoD, {"cuMemcpyHtoD_v2"});
  need(api.memcpyDtoH, {"cuMemcpyDtoH_v2"});
  need(api.moduleLoadDataEx, {"cuModuleLoadDataEx"});
  need(api.moduleGetFunction, {"cuModuleGetFunction"});
  need(api.moduleUnload, {"cuModuleUnload"});
  need(api.launchKernel, {"cuLaunchKernel"});
  need(api.streamSynchronize, {"cuStreamSynchronize"});
  need(api.eventCreate, {"cuEventCreate"});
  need(api.eventRecord, {"cuEventRecord"});
  need(api.eventSynchronize, {"cuEventSynchronize"});
  // _v2 since CUDA 12.8 (what cuda.h 13 calls); older drivers have only
  // the first version, with the same signature.
  need(api.eventElapsedTime, {"cuEventElapsedTime_v2", "cuEventElapsedTime"});
  need(api.eventDestroy, {"cuEventDestroy_v2"});
  if (missing) {
    loaded->status = absl::FailedPreconditionError(
        absl::StrCat("no CUDA driver: ", path, " lacks ", missing,
                     " (a driver older than CUDA 12?)"));
    return loaded;
  }

  if (CUresult result = api.init(0); result != kSuccess) {
    // A stub or too old a driver is no driver at all; no device is its own
    // case (a driver without a GPU, or the GPU is hidden).
    bool noDriver = result == kErrorStubLibrary ||
                    result == kErrorInsufficientDriver ||
                    result == kErrorSystemDriverMismatch ||
                    result == kErrorCompatNotSupportedOnDevice;
    const char *prefix = noDriver                   ? "no CUDA driver: "
                         : result == kErrorNoDevice ? "no CUDA device: "
                                                    : "";
    loaded->status = absl::FailedPreconditionError(
        absl::StrCat(prefix, "cuInit failed (", describe(api, result), ")"));
    return loaded;
  }
  if (CUresult result = api.deviceGetCount(&loaded->deviceCount);
      result != kSuccess) {
    loaded->status = absl::FailedPreconditionError(
        absl::StrCat("no CUDA device: cuDeviceGetCount failed (",
                     describe(api, result), ")"));
    return loaded;
  }
  if (loaded->deviceCount == 0) {
    loaded->status = absl::FailedPreconditionError(
        "no CUDA device: the driver reports 0 devices");
    return loaded;
  }

  if (const char *text = std::getenv("ATTN_CUDA_DEVICE"); text && *text) {
    int ordinal = 0;
    if (!absl::SimpleAtoi(text, &ordinal) || ordinal < 0)
      loaded->ordinal = absl::InvalidArgumentError(absl::StrCat(
          "ATTN_CUDA_DEVICE='", text, "' is not a device ordinal"));
    else if (ordinal >= loaded->deviceCount)
      loaded->ordinal = absl::FailedPreconditionError(
          absl::StrCat("no CUDA device: ATTN_CUDA_DEVICE=", ordinal,
                       " but the driver reports ", loaded->deviceCount,
                       loaded->deviceCount == 1 ? " device" : " devices"));
    else
      loaded->ordinal = ordinal;
  }
  return loaded;
}

const Loaded &loaded() {
  // Thread-safe (a function-local static); never destroyed.
  static const Loaded *state = load();
  return *state;
}

/// The device of the current context.
absl::StatusOr<CUdevice> currentDeviceHandle(const DriverApi &api) {
  CUdevice device = 0;
  if (absl::Status status = check(api.ctxGetDevice(&device), "cuCtxGetDevice");
      !status.ok())
    return status;
  return device;
}

absl::StatusOr<int> attribute(const DriverApi &api, CUdevice device,
                              int which) {
  int value = 0;
  if (absl::Status status = check(api.deviceGetAttribute(&value, which, device),
                                  "cuDeviceGetAttribute");
      !status.ok())
    return status;
  return value;
}

/// Makes `context` current for the scope (when it is not already).
class ScopedContext {
public:
  ScopedContext(const DriverApi &api, CUcontext context) : api(api) {
    CUcontext current = nullptr;
    if (api.ctxGetCurrent(&current) == kSuccess && current != context)
      pushed = api.ctxPushCurrent(context) == kSuccess;
  }
  ~ScopedContext() {
    CUcontext popped = nullptr;
    if (pushed)
      api.ctxPopCurrent(&popped);
  }

private:
  const DriverApi &api;
  bool pushed = false;
};

} // namespace

absl::StatusOr<const DriverApi *> driver() {
  const Loaded &state = loaded();
  if (!state.status.ok())
    return state.status;
  return &state.api;
}

std::string describeError(CUresult result) {
  return describe(loaded().api, result);
}

absl::Status check(CUresult result, absl::string_view call) {
  if (result == kSuccess)
    return absl::OkStatus();
  std::string message =
      absl::StrCat(call, " failed (", describeError(result), ")");
  if (result == kErrorOutOfMemory)
    return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

absl::StatusOr<CUcontext> ensureContext() {
  absl::StatusOr<const DriverApi *> api = driver();
  if (!api.ok())
    return api.status();
  CUcontext context = nullptr;
  if (absl::Status status =
          check((*api)->ctxGetCurrent(&context), "cuCtxGetCurrent");
      !status.ok())
    return status;
  if (context)
    return context;

  // One reference to the primary context for the process: it stays alive
  // (and its modules loaded) until exit.
  static std::mutex primaryMutex;
  static CUcontext primary = nullptr;
  std::lock_guard<std::mutex> lock(primaryMutex);
  if (!primary) {
    const absl::StatusOr<int> &ordinal = loaded().ordinal;
    if (!ordinal.ok())
      return ordinal.status();
    CUdevice device = 0;
    if (absl::Status status =
            check((*api)->deviceGet(&device, *ordinal), "cuDeviceGet");
        !status.ok())
      return status;
    if (absl::Status status =
            check((*api)->devicePrimaryCtxRetain(&primary, device),
                  "cuDevicePrimaryCtxRetain");
        !status.ok())
      return status;
  }
  if (absl::Status status =
          check((*api)->ctxSetCurrent(primary), "cuCtxSetCurrent");
      !status.ok())
    return status;
  return primary;
}

absl::StatusOr<DeviceInfo> currentDevice() {
  if (absl::StatusOr<CUcontext> context = ensureContext(); !context.ok())
    return context.status();
  const DriverApi &api = loaded().api;
  absl::StatusOr<CUdevice> device = currentDeviceHandle(api);
  if (!device.ok())
    return device.status();
  DeviceInfo info;
  info.device = *device;
  char name[256] = {};
  if (absl::Status status =
          check(api.deviceGetName(name, sizeof(name) - 1, *device),
                "cuDeviceGetName");
      !status.ok())
    return status;
  info.name = name;
  std::pair<int *, int> attributes[] = {
      {&info.major, kAttrComputeCapabilityMajor},
      {&info.minor, kAttrComputeCapabilityMinor},
      {&info.multiprocessors, kAttrMultiprocessorCount},
      {&info.maxThreadsPerBlock, kAttrMaxThreadsPerBlock}};
  for (auto [value, which] : attributes) {
    absl::StatusOr<int> result = attribute(api, *device, which);
    if (!result.ok())
      return result.status();
    *value = *result;
  }
  info.arch = absl::StrCat("sm_", info.major, info.minor);
  return info;
}

absl::StatusOr<std::string> currentArch() {
  if (absl::StatusOr<CUcontext> context = ensureContext(); !context.ok())
    return context.status();
  const DriverApi &api = loaded().api;
  absl::StatusOr<CUdevice> device = currentDeviceHandle(api);
  if (!device.ok())
    return device.status();
  absl::StatusOr<int> major =
      attribute(api, *device, kAttrComputeCapabilityMajor);
  if (!major.ok())
    return major.status();
  absl::StatusOr<int> minor =
      attribute(api, *device, kAttrComputeCapabilityMinor);
  if (!minor.ok())
    return minor.status();
  return absl::StrCat("sm_", *major, *minor);
}

absl::StatusOr<int> driverVersion() {
  absl::StatusOr<const DriverApi *> api = driver();
  if (!api.ok())
    return api.status();
  int version = 0;
  if (absl::Status status =
          check((*api)->driverGetVersion(&version), "cuDriverGetVersion");
      !status.ok())
    return status;
  return version;
}

//===----------------------------------------------------------------------===//
// DeviceBuffer
//===----------------------------------------------------------------------===//

DeviceBuffer::~DeviceBuffer() { reset(); }

DeviceBuffer::DeviceBuffer(DeviceBuffer &&other) noexcept
    : pointer(std::exchange(other.pointer, 0)),
      bytes(std::exchange(other.bytes, 0)),
      context(std::exchange(other.context, nullptr)) {}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    reset();
    pointer = std::exchange(other.pointer, 0);
    bytes = std::exchange(other.bytes, 0);
    context = std::exchange(other.context, nullptr);
  }
  return *this;
}

void DeviceBuffer::reset() {
  if (pointer) {
    // A buffer exists only where the driver loaded.
    const DriverApi &api = loaded().api;
    ScopedContext scope(api, context);
    // Nothing to do about an error in a destructor.
    (void)api.memFree(pointer);
  }
  pointer = 0;
  bytes = 0;
  context = nullptr;
}

absl::StatusOr<DeviceBuffer> DeviceBuffer::allocate(size_t bytes) {
  DeviceBuffer buffer;
  if (bytes == 0)
    return buffer;
  absl::StatusOr<CUcontext> context = ensureContext();
  if (!context.ok())
    return context.status();
  CUdeviceptr pointer = 0;
  if (absl::Status status =
          check(loaded().api.memAlloc(&pointer, bytes),
                absl::StrCat("cuMemAlloc of ", bytes, " bytes"));
      !status.ok())
    return status;
  buffer.pointer = pointer;
  buffer.bytes = bytes;
  buffer.context = *context;
  return buffer;
}

absl::Status copyToDevice(CUdeviceptr dst, const void *src, size_t bytes) {
  if (bytes == 0)
    return absl::OkStatus();
  if (absl::StatusOr<CUcontext> context = ensureContext(); !context.ok())
    return context.status();
  return check(loaded().api.memcpyHtoD(dst, src, bytes),
               absl::StrCat("cuMemcpyHtoD of ", bytes, " bytes"));
}

absl::Status copyToHost(void *dst, CUdeviceptr src, size_t bytes) {
  if (bytes == 0)
    return absl::OkStatus();
  if (absl::StatusOr<CUcontext> context = ensureContext(); !context.ok())
    return context.status();
  return check(loaded().api.memcpyDtoH(dst, src, bytes),
               absl::StrCat("cuMemcpyDtoH of ", bytes, " bytes"));
}

absl::Status synchronize(CUstream stream) {
  if (absl::StatusOr<CUcontext> context = ensureContext(); !context.ok())
    return context.status();
  const DriverApi &api = loaded().api;
  if (stream)
    return check(api.streamSynchronize(stream), "cuStreamSynchronize");
  return check(api.ctxSynchronize(), "cuCtxSynchronize");
}

//===----------------------------------------------------------------------===//
// EventTimer
//===----------------------------------------------------------------------===//

EventTimer::~EventTimer() { reset(); }

EventTimer::EventTimer(EventTimer &&other) noexcept
    : startEvent(std::exchange(other.startEvent, nullptr)),
      stopEvent(std::exchange(other.stopEvent, nullptr)),
      context(std::exchange(other.context, nullptr)) {}

EventTimer &EventTimer::operator=(EventTimer &&other) noexcept {
  if (this != &other) {
    reset();
    startEvent = std::exchange(other.startEvent, nullptr);
    stopEvent = std::exchange(other.stopEvent, nullptr);
    context = std::exchange(other.context, nullptr);
  }
  return *this;
}

void EventTimer::reset() {
  if (startEvent || stopEvent) {
    const DriverApi &api = loaded().api;
    ScopedContext scope(api, context);
    if (startEvent)
      (void)api.eventDestroy(startEvent);
    if (stopEvent)
      (void)api.eventDestroy(stopEvent);
  }
  startEvent = stopEvent = nullptr;
  context = nullptr;
}

absl::StatusOr<EventTimer> EventTimer::create() {
  absl::StatusOr<CUcontext> context = ensureContext();
  if (!context.ok())
    return context.status();
  const DriverApi &api = loaded().api;
  EventTimer timer;
  timer.context = *context;
  // Flags 0: CU_EVENT_DEFAULT, which records timing.
  if (absl::Status status =
          check(api.eventCreate(&timer.startEvent, 0), "cuEventCreate");
      !status.ok())
    return status;
  if (absl::Status status =
          check(api.eventCreate(&timer.stopEvent, 0), "cuEventCreate");
      !status.ok())
    return status;
  return timer;
}

absl::Status EventTimer::start(CUstream stream) {
  if (!startEvent)
    return absl::FailedPreconditionError("the timer has no events");
  ScopedContext scope(loaded().api, context);
  return check(loaded().api.eventRecord(startEvent, stream), "cuEventRecord");
}

absl::Status EventTimer::stop(CUstream stream) {
  if (!stopEvent)
    return absl::FailedPreconditionError("the timer has no events");
  ScopedContext scope(loaded().api, context);
  return check(loaded().api.eventRecord(stopEvent, stream), "cuEventRecord");
}

absl::StatusOr<double> EventTimer::elapsedMs() {
  if (!startEvent || !stopEvent)
    return absl::FailedPreconditionError("the timer has no events");
  const DriverApi &api = loaded().api;
  if (absl::Status status =
          check(api.eventSynchronize(stopEvent), "cuEventSynchronize");
      !status.ok())
    return status;
  float milliseconds = 0;
  if (absl::Status status =
          check(api.eventElapsedTime(&milliseconds, startEvent, stopEvent),
                "cuEventElapsedTime");
      !status.ok())
    return status;
  return double(milliseconds);
}

} // namespace attn::cuda
