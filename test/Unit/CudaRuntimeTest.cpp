//===- CudaRuntimeTest.cpp - the CUDA runtime with and without a GPU ------===//
//
// The CUDA driver is opened once per process, so each scenario without a
// driver runs in a fresh process: a death test of the "threadsafe" style
// re-executes this binary for that test alone, sets ATTN_LIBCUDA there
// before anything opens the driver, and exits 0 when all went as expected.
// The shape checks need no driver; the tests that need a GPU skip without
// one.
//
//===----------------------------------------------------------------------===//

#include "attn/Runtime/CudaDriver.h"
#include "attn/Runtime/CudaKernel.h"
#include "attn/Runtime/Kernel.h"
#include "attn/Support/BlockTableLayout.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

using namespace attn;

namespace {

constexpr char kStubDriver[] = "/usr/local/cuda/lib64/stubs/libcuda.so";

/// Images that no driver accepts: enough for the tests that never load them.
const CudaImage kFakeImages[] = {{"sm_80", 0, "not a cubin", 11},
                                 {"sm_90", 0, "not a cubin", 11}};

/// The tensors of a kernel (q, k, v) -> out of head dimension `headDim` and
/// element kind `element`, dynamic elsewhere. Each call gets its own array,
/// kept for the test program's life.
const KernelTensor *attentionTensors(int64_t headDim, int64_t element) {
  static std::deque<std::array<KernelTensor, 4>> storage;
  std::array<KernelTensor, 4> &tensors = storage.emplace_back();
  const char *names[] = {"q", "k", "v", "out"};
  for (int i = 0; i < 4; ++i) {
    bool query = i == 0 || i == 3;
    tensors[i] = {names[i],
                  i,
                  element,
                  4,
                  {kSizeBatch, query ? kSizeHeads : kSizeKvHeads,
                   query ? kSizeQueries : kSizeKeys, kSizeHeadDim},
                  {-1, -1, -1, headDim}};
  }
  return tensors.data();
}

/// Tensor `i` of `kernel`, to change in a test.
template <typename Descriptor>
KernelTensor &tensorOf(Descriptor &kernel, int i) {
  return const_cast<KernelTensor &>(kernel.tensors[i]);
}

/// Sets the element kind of every tensor of `kernel`.
void setElement(CudaKernelDescriptor &kernel, int64_t element) {
  for (int i = 0; i < 4; ++i)
    tensorOf(kernel, i).element = element;
}

/// A banded f32 kernel with D = 64, 64x64 tiles and dynamic sizes.
CudaKernelDescriptor makeDescriptor() {
  CudaKernelDescriptor kernel{};
  kernel.abiVersion = kKernelAbiVersion;
  kernel.name = "fake";
  kernel.numArguments = 3;
  kernel.numResults = 1;
  kernel.tensors = attentionTensors(64, kElementF32);
  kernel.tileQ = kernel.tileK = 64;
  kernel.schedule = kScheduleBanded;
  kernel.threadsPerBlock = 128;
  kernel.numImages = 2;
  kernel.images = kFakeImages;
  return kernel;
}

/// Stands in for device pointers in calls that fail before using them.
void *fakePointer() { return reinterpret_cast<void *>(0x1000); }

/// The C ABI on q, k, v, out.
int runC(const CudaKernelDescriptor *kernel, const void *q, const void *k,
         const void *v, void *out, CallShape shape) {
  const void *arguments[] = {q, k, v};
  void *results[] = {out};
  std::array<int64_t, kNumSizes> sizes = sizesOf(shape);
  return attn_run_cuda_kernel(kernel, arguments, results, sizes.data(),
                              nullptr);
}

absl::Status launch(const CudaKernelDescriptor &kernel,
                    const CallShape &shape) {
  void *p = fakePointer();
  return launchCudaKernel(kernel, p, p, p, p, shape);
}

/// "" when `message` starts with `prefix`, else a line saying what differs.
std::string expectPrefix(std::string_view what, std::string_view message,
                         std::string_view prefix) {
  if (message.substr(0, prefix.size()) == prefix)
    return "";
  return std::string(what) + ": '" + std::string(message) +
         "' does not start with '" + std::string(prefix) + "'\n";
}

std::string expectPrefix(std::string_view what, const absl::Status &status,
                         std::string_view prefix) {
  if (status.ok())
    return std::string(what) + ": succeeded, expected '" + std::string(prefix) +
           "...'\n";
  return expectPrefix(what, std::string(status.message()), prefix);
}

/// Runs `scenario` (returning what went wrong, "" for nothing) in a fresh
/// process, where the driver has not been opened yet.
#define EXPECT_IN_FRESH_PROCESS(scenario)                                      \
  do {                                                                         \
    GTEST_FLAG_SET(death_test_style, "threadsafe");                            \
    EXPECT_EXIT(                                                               \
        {                                                                      \
          std::string failures = scenario();                                   \
          std::fputs(failures.c_str(), stderr);                                \
          std::fflush(stderr);                                                 \
          std::_Exit(failures.empty() ? 0 : 1);                                \
        },                                                                     \
        ::testing::ExitedWithCode(0), "");                                     \
  } while (0)

/// Every entry point, with ATTN_LIBCUDA naming a missing library.
std::string withoutDriver() {
  setenv("ATTN_LIBCUDA", "/nonexistent/libcuda.so.1", 1);
  std::string failures;
  CudaKernelDescriptor kernel = makeDescriptor();
  // Shape errors come before the driver is needed; no work needs none.
  failures += expectPrefix("shape", launch(kernel, {1, 2, 2, 16, 16, 32}),
                           "head dimension 32 differs from the IR's 64");
  if (absl::Status status = launch(kernel, {0, 2, 2, 16, 16, 64}); !status.ok())
    failures += "no work: " + std::string(status.message()) + "\n";

  const char *expected = "no CUDA driver: /nonexistent/libcuda.so.1 could "
                         "not be loaded (";
  failures +=
      expectPrefix("launch", launch(kernel, {1, 2, 2, 16, 16, 64}), expected);
  // The driver is looked for once; the answer stays.
  failures += expectPrefix("second launch",
                           launch(kernel, {1, 2, 2, 16, 16, 64}), expected);
  void *p = fakePointer();
  if (runC(&kernel, p, p, p, p, {1, 2, 2, 16, 16, 64}) == 0)
    failures += "attn_run_cuda_kernel succeeded\n";
  failures += expectPrefix("attn_last_error", attn_last_error(), expected);
  // A call that succeeds clears the last error.
  if (runC(&kernel, p, p, p, p, {1, 0, 1, 16, 16, 64}) != 0 ||
      *attn_last_error() != '\0')
    failures += "a call without work failed or kept the last error\n";
  if (runC(nullptr, p, p, p, p, {1, 2, 2, 16, 16, 64}) != 1 ||
      std::string_view(attn_last_error()) != "no kernel")
    failures += "a null kernel is not 'no kernel'\n";

  failures += expectPrefix("driver", cuda::driver().status(), expected);
  failures +=
      expectPrefix("ensureContext", cuda::ensureContext().status(), expected);
  failures +=
      expectPrefix("currentArch", cuda::currentArch().status(), expected);
  failures +=
      expectPrefix("currentDevice", cuda::currentDevice().status(), expected);
  failures +=
      expectPrefix("driverVersion", cuda::driverVersion().status(), expected);
  failures += expectPrefix("allocate",
                           cuda::DeviceBuffer::allocate(16).status(), expected);
  failures += expectPrefix("synchronize", cuda::synchronize(), expected);
  failures +=
      expectPrefix("timer", cuda::EventTimer::create().status(), expected);
  float host[4] = {};
  failures +=
      expectPrefix("copyToHost", cuda::copyToHost(host, 0x1000, 16), expected);
  // Empty buffers and empty copies need no driver.
  absl::StatusOr<cuda::DeviceBuffer> empty = cuda::DeviceBuffer::allocate(0);
  if (!empty.ok() || empty->get() != 0)
    failures += "an empty buffer failed\n";
  if (!cuda::copyToDevice(0, host, 0).ok())
    failures += "an empty copy failed\n";
  failures += expectPrefix("describeError", cuda::describeError(34),
                           "CUDA_ERROR_STUB_LIBRARY / error 34: ");
  return failures;
}

/// ATTN_LIBCUDA naming CUDA's stub library, whose cuInit fails (error 34).
std::string withStubDriver() {
  setenv("ATTN_LIBCUDA", kStubDriver, 1);
  std::string failures;
  CudaKernelDescriptor kernel = makeDescriptor();
  const char *expected =
      "no CUDA driver: cuInit failed (CUDA_ERROR_STUB_LIBRARY / error 34";
  failures +=
      expectPrefix("launch", launch(kernel, {1, 2, 2, 16, 16, 64}), expected);
  void *p = fakePointer();
  if (runC(&kernel, p, p, p, p, {1, 2, 2, 16, 16, 64}) == 0)
    failures += "attn_run_cuda_kernel succeeded\n";
  failures += expectPrefix("attn_last_error", attn_last_error(), expected);
  failures +=
      expectPrefix("ensureContext", cuda::ensureContext().status(), expected);
  return failures;
}

/// ATTN_LIBCUDA naming a library that is no CUDA driver.
std::string withWrongLibrary() {
  setenv("ATTN_LIBCUDA", "libm.so.6", 1);
  return expectPrefix("launch", launch(makeDescriptor(), {1, 2, 2, 16, 16, 64}),
                      "no CUDA driver: libm.so.6 lacks cuInit");
}

} // namespace

TEST(CudaNoDriver, MissingLibrary) { EXPECT_IN_FRESH_PROCESS(withoutDriver); }

TEST(CudaNoDriver, StubLibrary) {
  if (!std::filesystem::exists(kStubDriver))
    GTEST_SKIP() << "no CUDA stub library at " << kStubDriver;
  EXPECT_IN_FRESH_PROCESS(withStubDriver);
}

TEST(CudaNoDriver, NotADriver) { EXPECT_IN_FRESH_PROCESS(withWrongLibrary); }

//===----------------------------------------------------------------------===//
// Shape and descriptor errors: reported before the driver is needed.
//===----------------------------------------------------------------------===//

TEST(CudaShape, Errors) {
  CudaKernelDescriptor kernel = makeDescriptor();
  struct Case {
    CallShape shape;
    const char *message;
  } cases[] = {
      {{1, 2, 2, 16, 16, 32}, "head dimension 32 differs from the IR's 64"},
      {{1, 6, 4, 16, 16, 64},
       "query heads (6) must be a multiple of key/value heads (4)"},
      {{1, 2, 0, 16, 16, 64},
       "query heads (2) must be a multiple of key/value heads (0)"},
      {{-1, 2, 2, 16, 16, 64}, "sizes must be non-negative"},
      {{1, 2, 2, 16, -16, 64}, "sizes must be non-negative"},
      {{1, 2, 2, int64_t(1) << 31, 16, 64},
       "sequence lengths must be below 2^31"},
  };
  for (const Case &c : cases) {
    EXPECT_EQ(checkCallShape(kernel, c.shape), c.message);
    absl::Status status = launch(kernel, c.shape);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), c.message);
  }
  EXPECT_EQ(checkCallShape(kernel, {1, 2, 2, 16, 16, 64}), "");
}

TEST(CudaShape, StaticSizesNameTheElementType) {
  CudaKernelDescriptor kernel = makeDescriptor();
  for (int operand : {1, 2}) {
    tensorOf(kernel, operand).staticDims[0] = 2;
    tensorOf(kernel, operand).staticDims[2] = 128;
  }
  setElement(kernel, kElementF16);
  EXPECT_EQ(checkCallShape(kernel, {2, 4, 4, 100, 100, 64}),
            "'k' has shape [2, 4, 100, 64] but the IR requires "
            "tensor<2x?x128x64xf16>");
  setElement(kernel, kElementBF16);
  EXPECT_EQ(launch(kernel, {1, 4, 4, 100, 128, 64}).message(),
            "'k' has shape [1, 4, 128, 64] but the IR requires "
            "tensor<2x?x128x64xbf16>");
  EXPECT_EQ(checkCallShape(kernel, {2, 4, 4, 100, 128, 64}), "");

  // The CPU descriptor checks the same way.
  KernelDescriptor cpu{};
  cpu.abiVersion = kKernelAbiVersion;
  cpu.name = "cpu";
  cpu.numArguments = 3;
  cpu.numResults = 1;
  cpu.tensors = attentionTensors(64, kElementF32);
  cpu.tileQ = cpu.tileK = 64;
  for (int operand : {1, 2}) {
    tensorOf(cpu, operand).staticDims[0] = 2;
    tensorOf(cpu, operand).staticDims[2] = 128;
  }
  EXPECT_EQ(checkCallShape(cpu, {2, 4, 4, 100, 100, 64}),
            "'k' has shape [2, 4, 100, 64] but the IR requires "
            "tensor<2x?x128x64xf32>");
  EXPECT_EQ(checkCallShape(cpu, {1, 2, 2, 16, 16, 32}),
            "head dimension 32 differs from the IR's 64");
}

TEST(CudaShape, NullPointersAndEmptyCalls) {
  CudaKernelDescriptor kernel = makeDescriptor();
  void *p = fakePointer();
  EXPECT_EQ(launchCudaKernel(kernel, nullptr, p, p, p, {1, 2, 2, 16, 16, 64})
                .message(),
            "'q' must not be null");
  EXPECT_EQ(launchCudaKernel(kernel, p, p, nullptr, p, {1, 2, 2, 16, 16, 64})
                .message(),
            "'v' must not be null");
  // No work: nothing to launch, whatever the pointers.
  EXPECT_TRUE(launchCudaKernel(kernel, nullptr, nullptr, nullptr, nullptr,
                               {1, 2, 2, 0, 0, 64})
                  .ok());
  EXPECT_TRUE(launchCudaKernel(kernel, nullptr, nullptr, nullptr, nullptr,
                               {0, 2, 2, 16, 16, 64})
                  .ok());
}

TEST(CudaShape, DescriptorErrors) {
  CallShape shape{1, 2, 2, 100, 100, 64};
  CudaKernelDescriptor kernel = makeDescriptor();
  kernel.threadsPerBlock = 2048;
  EXPECT_EQ(launch(kernel, shape).message(),
            "kernel 'fake' has 2048 threads per block (1 to 1024)");

  kernel = makeDescriptor();
  kernel.schedule = kScheduleTables;
  EXPECT_EQ(launch(kernel, shape).message(),
            "kernel 'fake' needs schedule tables for a dynamic N and has no "
            "function to build them");

  kernel = makeDescriptor();
  setElement(kernel, 7);
  EXPECT_EQ(launch(kernel, shape).message(),
            "kernel 'fake' has a malformed tensor #0");

  kernel = makeDescriptor();
  kernel.abiVersion = 1;
  EXPECT_EQ(launch(kernel, shape).message(),
            "the kernel descriptor is of ABI version 1; this runtime reads "
            "version 4 (rebuild the kernel library with this attn)");

  // The C ABI passes as many buffers as the descriptor lists.
  kernel = makeDescriptor();
  void *p = fakePointer();
  const void *arguments[] = {p, p, p};
  void *results[] = {p};
  EXPECT_EQ(
      launchCudaKernel(kernel, absl::MakeSpan(arguments, 2), results, shape)
          .message(),
      "the kernel takes 3 arguments and 1 results; the call passes 2 "
      "and 1");

  // Static tables must be tables of the layout for (Nq, Nk): here 2 query
  // blocks and 2 key blocks, a header of 5 entries and at most 8 indices.
  static const int32_t tables[6] = {5, 6, 6, 5, 6, 3};
  kernel = makeDescriptor();
  kernel.schedule = kScheduleStaticTables;
  kernel.staticTables = tables;
  kernel.staticTableSize = 4;
  EXPECT_EQ(launch(kernel, shape).message(),
            "kernel 'fake' has static schedule tables that do not fit Nq = "
            "100, Nk = 100: schedule tables of 4 entries are shorter than "
            "their header of 5 entries");
  kernel.staticTableSize = 6;
  EXPECT_EQ(launch(kernel, shape).message(),
            "kernel 'fake' has static schedule tables that do not fit Nq = "
            "100, Nk = 100: schedule tables list key block 3, out of range "
            "for 2 key blocks");

  // B * H * ceil(Nq / tileQ) = 2^16 * 2^16 * 1 blocks do not fit a grid.
  kernel = makeDescriptor();
  EXPECT_EQ(launch(kernel, {int64_t(1) << 16, int64_t(1) << 16,
                            int64_t(1) << 16, 64, 64, 64})
                .message(),
            "the launch needs B * H * ceil(Nq / 64) = 4294967296 blocks; at "
            "most 2^31-1 fit in a grid");
}

//===----------------------------------------------------------------------===//
// With a GPU.
//===----------------------------------------------------------------------===//

namespace {

/// Skips the test unless the driver and a device can be used.
#define REQUIRE_GPU()                                                          \
  do {                                                                         \
    absl::StatusOr<cuda::CUcontext> context = cuda::ensureContext();           \
    if (!context.ok())                                                         \
      GTEST_SKIP() << "no CUDA driver/device: " << context.status().message(); \
  } while (0)

/// A kernel with the parameters of CudaKernel.h (five memref descriptors of
/// five fields, then five int64; PTX for sm_75 and newer,
/// ISA 6.4 so that any recent driver compiles it). Thread 0 of block i
/// writes out[i] = 2 q[i] + (tables ? tables[0] : -1) + k[0] v[0]; block 0
/// also writes B, H, Hkv, Nq, Nk and blockDim.x after the last block's.
constexpr char kProbePtx[] = R"(.version 6.4
.target sm_75
.address_size 64
.visible .entry attn_test_probe(
  .param .u64 attn_test_probe_param_0,
  .param .u64 attn_test_probe_param_1,
  .param .u64 attn_test_probe_param_2,
  .param .u64 attn_test_probe_param_3,
  .param .u64 attn_test_probe_param_4,
  .param .u64 attn_test_probe_param_5,
  .param .u64 attn_test_probe_param_6,
  .param .u64 attn_test_probe_param_7,
  .param .u64 attn_test_probe_param_8,
  .param .u64 attn_test_probe_param_9,
  .param .u64 attn_test_probe_param_10,
  .param .u64 attn_test_probe_param_11,
  .param .u64 attn_test_probe_param_12,
  .param .u64 attn_test_probe_param_13,
  .param .u64 attn_test_probe_param_14,
  .param .u64 attn_test_probe_param_15,
  .param .u64 attn_test_probe_param_16,
  .param .u64 attn_test_probe_param_17,
  .param .u64 attn_test_probe_param_18,
  .param .u64 attn_test_probe_param_19,
  .param .u64 attn_test_probe_param_20,
  .param .u64 attn_test_probe_param_21,
  .param .u64 attn_test_probe_param_22,
  .param .u64 attn_test_probe_param_23,
  .param .u64 attn_test_probe_param_24,
  .param .u64 attn_test_probe_param_25,
  .param .u64 attn_test_probe_param_26,
  .param .u64 attn_test_probe_param_27,
  .param .u64 attn_test_probe_param_28,
  .param .u64 attn_test_probe_param_29,
  .param .u64 attn_test_probe_param_30
)
{
  .reg .pred %p<4>;
  .reg .f32 %f<16>;
  .reg .b32 %r<7>;
  .reg .b64 %rd<23>;
  ld.param.u64 %rd3, [attn_test_probe_param_1];
  ld.param.u64 %rd4, [attn_test_probe_param_6];
  ld.param.u64 %rd5, [attn_test_probe_param_11];
  ld.param.u64 %rd12, [attn_test_probe_param_16];
  ld.param.u64 %rd6, [attn_test_probe_param_21];
  ld.param.u64 %rd7, [attn_test_probe_param_25];
  ld.param.u64 %rd8, [attn_test_probe_param_26];
  ld.param.u64 %rd9, [attn_test_probe_param_27];
  ld.param.u64 %rd10, [attn_test_probe_param_28];
  ld.param.u64 %rd11, [attn_test_probe_param_29];
  cvta.to.global.u64 %rd1, %rd12;
  mov.u32 %r1, %tid.x;
  setp.ne.s32 %p1, %r1, 0;
  @%p1 bra $L__BB0_5;
  cvta.to.global.u64 %rd13, %rd3;
  mov.u32 %r2, %ctaid.x;
  cvt.u64.u32 %rd2, %r2;
  mul.wide.u32 %rd14, %r2, 4;
  add.s64 %rd15, %rd13, %rd14;
  ld.global.f32 %f1, [%rd15];
  setp.eq.s64 %p2, %rd6, 0;
  mov.f32 %f15, 0fBF800000;
  @%p2 bra $L__BB0_3;
  cvta.to.global.u64 %rd16, %rd6;
  ld.global.u32 %r3, [%rd16];
  cvt.rn.f32.s32 %f15, %r3;
$L__BB0_3:
  cvta.to.global.u64 %rd17, %rd5;
  ld.global.f32 %f5, [%rd17];
  cvta.to.global.u64 %rd18, %rd4;
  ld.global.f32 %f6, [%rd18];
  fma.rn.f32 %f7, %f1, 0f40000000, %f15;
  fma.rn.f32 %f8, %f6, %f5, %f7;
  shl.b64 %rd19, %rd2, 2;
  add.s64 %rd20, %rd1, %rd19;
  st.global.f32 [%rd20], %f8;
  cvt.u32.u64 %r4, %rd2;
  setp.ne.s32 %p3, %r4, 0;
  @%p3 bra $L__BB0_5;
  mov.u32 %r5, %nctaid.x;
  mul.wide.u32 %rd21, %r5, 4;
  add.s64 %rd22, %rd1, %rd21;
  cvt.rn.f32.s64 %f9, %rd7;
  st.global.f32 [%rd22], %f9;
  cvt.rn.f32.s64 %f10, %rd8;
  st.global.f32 [%rd22+4], %f10;
  cvt.rn.f32.s64 %f11, %rd9;
  st.global.f32 [%rd22+8], %f11;
  cvt.rn.f32.s64 %f12, %rd10;
  st.global.f32 [%rd22+12], %f12;
  cvt.rn.f32.s64 %f13, %rd11;
  st.global.f32 [%rd22+16], %f13;
  mov.u32 %r6, %ntid.x;
  cvt.rn.f32.u32 %f14, %r6;
  st.global.f32 [%rd22+20], %f14;
$L__BB0_5:
  ret;
}
)";

const CudaImage kProbeImages[] = {
    {"sm_75", 1, kProbePtx, int64_t(sizeof(kProbePtx) - 1)}};

CudaKernelDescriptor makeProbe(int64_t schedule) {
  CudaKernelDescriptor kernel = makeDescriptor();
  kernel.name = "attn_test_probe";
  kernel.tensors = attentionTensors(4, kElementF32);
  kernel.tileQ = kernel.tileK = 2;
  kernel.schedule = schedule;
  kernel.threadsPerBlock = 64;
  kernel.numImages = 1;
  kernel.images = kProbeImages;
  return kernel;
}

int64_t builtTableCalls = 0, lastBuiltTablesSize = -1;

/// Empty tables for 3 query blocks: a header of 7 entries, all 7 (every
/// list starts and ends after the header).
int64_t buildEmptyTables(MemRef1D<int32_t> *tables, int64_t, int64_t,
                         int64_t fill) {
  ++builtTableCalls;
  lastBuiltTablesSize = tables->size;
  if (fill == 0)
    for (int64_t i = 0; i < tables->size; ++i)
      tables->aligned[tables->offset + i * tables->stride] = 7;
  return 7;
}

} // namespace

TEST(CudaGpu, DeviceBufferRoundTripAndTimer) {
  REQUIRE_GPU();
  absl::StatusOr<cuda::DeviceInfo> device = cuda::currentDevice();
  ASSERT_TRUE(device.ok()) << device.status();
  absl::StatusOr<std::string> arch = cuda::currentArch();
  ASSERT_TRUE(arch.ok()) << arch.status();
  EXPECT_EQ(*arch, device->arch);
  EXPECT_EQ(arch->rfind("sm_", 0), 0u) << *arch;
  EXPECT_GT(device->multiprocessors, 0);
  absl::StatusOr<int> version = cuda::driverVersion();
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_GE(*version, 11000);

  std::vector<float> host(1 << 20);
  for (size_t i = 0; i < host.size(); ++i)
    host[i] = float(i) * 0.25f;
  size_t bytes = host.size() * sizeof(float);
  absl::StatusOr<cuda::DeviceBuffer> buffer =
      cuda::DeviceBuffer::allocate(bytes);
  ASSERT_TRUE(buffer.ok()) << buffer.status();
  EXPECT_NE(buffer->get(), 0u);
  EXPECT_EQ(buffer->size(), bytes);

  absl::StatusOr<cuda::EventTimer> timer = cuda::EventTimer::create();
  ASSERT_TRUE(timer.ok()) << timer.status();
  ASSERT_TRUE(timer->start().ok());
  ASSERT_TRUE(cuda::copyToDevice(buffer->get(), host.data(), bytes).ok());
  ASSERT_TRUE(timer->stop().ok());
  absl::StatusOr<double> ms = timer->elapsedMs();
  ASSERT_TRUE(ms.ok()) << ms.status();
  EXPECT_GE(*ms, 0.0);

  // Moving hands the memory over; the moved-from buffer owns none.
  cuda::DeviceBuffer moved = *std::move(buffer);
  EXPECT_EQ(buffer->get(), 0u);
  std::vector<float> back(host.size());
  ASSERT_TRUE(cuda::copyToHost(back.data(), moved.get(), bytes).ok());
  EXPECT_EQ(back, host);
  EXPECT_TRUE(cuda::synchronize().ok());
}

TEST(CudaGpu, LaunchesWithEachSchedule) {
  REQUIRE_GPU();
  // B = 2, H = 2, Hkv = 1, Nq = 5, Nk = 3, D = 4, 2x2 tiles: 2 * 2 * 3 = 12
  // blocks, tables of 3 query and 2 key blocks. The probe adds tables[0]
  // (row_start[0], 7 for 3 query blocks) to its output.
  CallShape shape{2, 2, 1, 5, 3, 4};
  constexpr int64_t blocks = 12;
  BlockTableLayout layout{3};
  std::vector<float> q(2 * 2 * 5 * 4), kv(2 * 1 * 3 * 4, 0.0f);
  for (size_t i = 0; i < q.size(); ++i)
    q[i] = float(i) * 0.5f;
  kv[0] = 3.0f; // k[0] v[0] = 9

  static CudaKernelDescriptor banded = makeProbe(kScheduleBanded);
  static CudaKernelDescriptor dynamic = makeProbe(kScheduleTables);
  dynamic.buildTables = buildEmptyTables;
  // Query block 0 visits key block 1 with the mask.
  static std::vector<int32_t> staticTables = {7, 8, 8, 8, 8, 8, 8, 1};
  ASSERT_EQ(checkBlockTables(staticTables.data(), 8, 3, 2), "");
  static CudaKernelDescriptor fixed = makeProbe(kScheduleStaticTables);
  fixed.staticTables = staticTables.data();
  fixed.staticTableSize = int64_t(staticTables.size());
  for (int operand = 0; operand < 3; ++operand) {
    tensorOf(fixed, operand).staticDims[2] = operand == 0 ? 5 : 3;
  }

  struct Case {
    const CudaKernelDescriptor *kernel;
    float table0;
  } cases[] = {{&banded, -1.0f}, {&dynamic, 7.0f}, {&fixed, 7.0f}};
  for (const Case &c : cases) {
    SCOPED_TRACE(c.kernel->schedule);
    size_t qBytes = q.size() * sizeof(float), kvBytes = kv.size() * 4;
    absl::StatusOr<cuda::DeviceBuffer> dq =
                                           cuda::DeviceBuffer::allocate(qBytes),
                                       dkv = cuda::DeviceBuffer::allocate(
                                           kvBytes),
                                       dout =
                                           cuda::DeviceBuffer::allocate(qBytes);
    ASSERT_TRUE(dq.ok() && dkv.ok() && dout.ok());
    ASSERT_TRUE(cuda::copyToDevice(dq->get(), q.data(), qBytes).ok());
    ASSERT_TRUE(cuda::copyToDevice(dkv->get(), kv.data(), kvBytes).ok());
    // Twice: the second launch finds the module and tables in the caches.
    for (int round = 0; round < 2; ++round) {
      absl::Status status = launchCudaKernel(*c.kernel, dq->data(), dkv->data(),
                                             dkv->data(), dout->data(), shape);
      ASSERT_TRUE(status.ok()) << status;
    }
    ASSERT_EQ(runC(c.kernel, dq->data(), dkv->data(), dkv->data(), dout->data(),
                   {2, 2, 1, 5, 3, 4}),
              0)
        << attn_last_error();
    EXPECT_STREQ(attn_last_error(), "");
    absl::Status synced = cuda::synchronize();
    ASSERT_TRUE(synced.ok()) << synced;
    std::vector<float> out(q.size());
    ASSERT_TRUE(cuda::copyToHost(out.data(), dout->get(), qBytes).ok());
    for (int64_t i = 0; i < blocks; ++i)
      EXPECT_EQ(out[i], 2.0f * q[i] + c.table0 + 9.0f) << "block " << i;
    EXPECT_EQ(out[blocks + 0], 2.0f);  // B
    EXPECT_EQ(out[blocks + 1], 2.0f);  // H
    EXPECT_EQ(out[blocks + 2], 1.0f);  // Hkv
    EXPECT_EQ(out[blocks + 3], 5.0f);  // Nq
    EXPECT_EQ(out[blocks + 4], 3.0f);  // Nk
    EXPECT_EQ(out[blocks + 5], 64.0f); // threads per block
  }
  // Built once (header, then lists) and then found in the cache.
  EXPECT_EQ(builtTableCalls, 2);
  EXPECT_EQ(lastBuiltTablesSize, layout.headerSize());
}

TEST(CudaGpu, ChoosesTheImageOfTheDevice) {
  REQUIRE_GPU();
  absl::StatusOr<std::string> arch = cuda::currentArch();
  ASSERT_TRUE(arch.ok()) << arch.status();
  void *p = fakePointer();
  CallShape shape{1, 1, 1, 2, 2, 4};

  // The device's cubin wins over PTX: this one is garbage, so the load
  // fails and says which image it took.
  static std::string deviceArch = *arch;
  static const CudaImage cubinAndPtx[] = {
      kProbeImages[0], {deviceArch.c_str(), 0, "not a cubin", 11}};
  static CudaKernelDescriptor cubin = makeProbe(kScheduleBanded);
  cubin.images = cubinAndPtx;
  cubin.numImages = 2;
  absl::Status status = launchCudaKernel(cubin, p, p, p, p, shape);
  EXPECT_EQ(status.message().rfind("cuModuleLoadDataEx failed for the " +
                                       deviceArch +
                                       " cubin of kernel 'attn_test_probe' (",
                                   0),
            0u)
      << status;

  static const CudaImage future[] = {{"sm_10", 0, "not a cubin", 11},
                                     {"sm_999", 1, ".version 9.9", 12}};
  static CudaKernelDescriptor none = makeProbe(kScheduleBanded);
  none.images = future;
  none.numImages = 2;
  EXPECT_EQ(launchCudaKernel(none, p, p, p, p, shape).message(),
            "the GPU is " + deviceArch +
                ", not in the image of kernel 'attn_test_probe' (it has "
                "sm_10, sm_999 PTX)");

  static CudaKernelDescriptor empty = makeProbe(kScheduleBanded);
  empty.numImages = 0;
  EXPECT_EQ(launchCudaKernel(empty, p, p, p, p, shape).message(),
            "the GPU is " + deviceArch +
                ", not in the image of kernel 'attn_test_probe' (it has no "
                "code)");
}
