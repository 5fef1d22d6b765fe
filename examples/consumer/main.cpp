// Runs the Longformer and GQA kernels on random data and checks them against
// a naive attention written here, in double precision; then a causal kernel
// on the GPU, where there is one.
#include "gpu_causal.h"
#include "gqa.h"
#include "longformer.h"

#include "attn/Runtime/CudaDriver.h"

#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

namespace {

/// softmax(scale q k^T masked) v, row by row; query i sits at position
/// i + (nk - nq); query head h reads key/value head h / (H / Hkv).
std::vector<float>
naiveAttention(const std::vector<float> &q, const std::vector<float> &k,
               const std::vector<float> &v, int64_t b, int64_t h, int64_t hkv,
               int64_t nq, int64_t nk, int64_t d,
               const std::function<bool(int64_t, int64_t)> &keep) {
  std::vector<float> out(b * h * nq * d, 0.0f);
  double scale = 1.0 / std::sqrt(double(d));
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t hi = 0; hi < h; ++hi) {
      int64_t kh = hi / (h / hkv);
      for (int64_t i = 0; i < nq; ++i) {
        int64_t p = i + (nk - nq);
        std::vector<double> s(nk, -INFINITY);
        double max = -INFINITY;
        for (int64_t j = 0; j < nk; ++j) {
          if (!keep(p, j))
            continue;
          double dot = 0;
          for (int64_t x = 0; x < d; ++x)
            dot += double(q[((bi * h + hi) * nq + i) * d + x]) *
                   k[((bi * hkv + kh) * nk + j) * d + x];
          s[j] = scale * dot;
          max = std::max(max, s[j]);
        }
        if (max == -INFINITY)
          continue; // a fully masked row stays zero
        double sum = 0;
        for (double &e : s)
          sum += (e = std::exp(e - max));
        for (int64_t x = 0; x < d; ++x) {
          double acc = 0;
          for (int64_t j = 0; j < nk; ++j)
            acc += s[j] * v[((bi * hkv + kh) * nk + j) * d + x];
          out[((bi * h + hi) * nq + i) * d + x] = float(acc / sum);
        }
      }
    }
  return out;
}

double relativeError(const std::vector<float> &a, const std::vector<float> &b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(b[i]) * b[i];
  }
  return std::sqrt(num / den);
}

std::vector<float> randomTensor(size_t n, std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> t(n);
  for (float &x : t)
    x = dist(rng);
  return t;
}

} // namespace

int main() {
  std::mt19937 rng(42);
  int failures = 0;

  // Longformer through the C++ API on tensor views.
  {
    int64_t b = 1, h = 4, n = 512, d = 64;
    auto q = randomTensor(b * h * n * d, rng), k = randomTensor(q.size(), rng),
         v = randomTensor(q.size(), rng);
    std::vector<float> out(q.size());
    absl::Status status = attn::kernels::longformer(
        {q.data(), {b, h, n, d}}, {k.data(), {b, h, n, d}},
        {v.data(), {b, h, n, d}}, {out.data(), {b, h, n, d}});
    if (!status.ok()) {
      std::printf("longformer failed: %s\n",
                  std::string(status.message()).c_str());
      return 1;
    }
    auto expected =
        naiveAttention(q, k, v, b, h, h, n, n, d, [](int64_t p, int64_t j) {
          bool window = j >= p - 64 && j <= p + 64;
          bool global = p == 0 || p == 1 || j == 0 || j == 1;
          return window || global;
        });
    double err = relativeError(out, expected);
    std::printf("longformer: relative error %.2e\n", err);
    failures += !(err < 1e-5);
  }

  // Grouped-query causal attention through the C entry point, decoding-style
  // (Nq < Nk).
  {
    int64_t b = 2, h = 8, hkv = 2, nq = 37, nk = 300, d = 64;
    auto q = randomTensor(b * h * nq * d, rng),
         k = randomTensor(b * hkv * nk * d, rng),
         v = randomTensor(k.size(), rng);
    std::vector<float> out(q.size());
    if (attn_gqa_f32(q.data(), k.data(), v.data(), out.data(), b, h, hkv, nq,
                     nk, d) != 0) {
      std::printf("gqa failed: %s\n", attn_last_error());
      return 1;
    }
    auto expected = naiveAttention(q, k, v, b, h, hkv, nq, nk, d,
                                   [](int64_t p, int64_t j) { return j <= p; });
    double err = relativeError(out, expected);
    std::printf("gqa: relative error %.2e\n", err);
    failures += !(err < 1e-5);

    // A bad call is an error code and a message, never an abort.
    int rc = attn_gqa_f32(q.data(), k.data(), v.data(), out.data(), b, 6, hkv,
                          nq, nk, d);
    std::printf("gqa with 6 heads: code %d, \"%s\"\n", rc, attn_last_error());
    failures += rc == 0;
  }
  // Causal attention on the GPU: device buffers through the runtime's
  // driver API (a CUDA program would use cudaMalloc and its own stream).
  {
    int64_t b = 2, h = 3, n = 200, d = 64;
    auto q = randomTensor(b * h * n * d, rng), k = randomTensor(q.size(), rng),
         v = randomTensor(q.size(), rng);
    std::vector<float> out(q.size());
    size_t bytes = q.size() * sizeof(float);
    absl::Status status = attn::cuda::ensureContext().status();
    if (!status.ok()) {
      std::printf("gpu_causal: skipped (%s)\n",
                  std::string(status.message()).c_str());
      // Without a GPU the call itself fails cleanly, with the same reason.
      alignas(16) static float dummy[4];
      int rc = attn_gpu_causal_cuda(dummy, dummy, dummy, dummy, b, h, h, n, n,
                                    d, nullptr);
      failures += rc == 0 || std::string(attn_last_error()).rfind("no CUDA", 0);
    } else {
      auto upload = [&](const std::vector<float> &host) {
        auto buffer = attn::cuda::DeviceBuffer::allocate(bytes);
        if (buffer.ok())
          status.Update(
              attn::cuda::copyToDevice(buffer->get(), host.data(), bytes));
        return buffer;
      };
      auto qd = upload(q), kd = upload(k), vd = upload(v), od = upload(out);
      for (auto *buffer : {&qd, &kd, &vd, &od})
        status.Update(buffer->status());
      if (status.ok() &&
          attn_gpu_causal_cuda(qd->data(), kd->data(), vd->data(), od->data(),
                               b, h, h, n, n, d, nullptr) != 0)
        status = absl::InternalError(attn_last_error());
      if (status.ok())
        status = attn::cuda::synchronize();
      if (status.ok())
        status = attn::cuda::copyToHost(out.data(), od->get(), bytes);
      if (!status.ok()) {
        std::printf("gpu_causal failed: %s\n",
                    std::string(status.message()).c_str());
        return 1;
      }
      auto expected =
          naiveAttention(q, k, v, b, h, h, n, n, d,
                         [](int64_t p, int64_t j) { return j <= p; });
      double err = relativeError(out, expected);
      std::printf("gpu_causal: relative error %.2e\n", err);
      failures += !(err < 1e-5);
    }
  }
  std::printf(failures ? "FAILED\n" : "OK\n");
  return failures ? 1 : 0;
}
