// bench_elementwise — times ember's elementwise/copy kernels from C++ on the same library the
// Python extension uses. Each case is first checked against the reference kernels
// (EMBER_KERNELS=reference path), then timed; prints median ms and effective GB/s.
//   build/dev/bench_elementwise [n=4096] [reps=9]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>
#include "ember/core/cpu_features.h"
#include "ember/core/fill.h"
#include "ember/core/parallel.h"
#include "ember/core/view.h"
#include "ember/ops/elementwise/elementwise.h"

using namespace ember;

static double median_ms(const std::function<void()>& f, int reps) {
  f();
  std::vector<double> ts;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    ts.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ts.begin(), ts.end());
  return ts[ts.size() / 2];
}

static double max_abs_diff(const Tensor& a, const Tensor& b) {
  Tensor ca = contiguous(a), cb = contiguous(b);
  double m = 0;
  for (int64_t i = 0; i < ca.numel(); ++i) m = std::max(m, (double)std::fabs(ca.data<float>()[i] - cb.data<float>()[i]));
  return m;
}

int main(int argc, char** argv) {
  int64_t n = argc > 1 ? std::atoll(argv[1]) : 4096;
  int reps = argc > 2 ? std::atoi(argv[2]) : 9;
  Tensor a = Tensor::empty({n, n}, DType::Float32), b = Tensor::empty({n, n}, DType::Float32);
  for (int64_t i = 0; i < n * n; ++i) { a.data<float>()[i] = std::sin(0.001f * i); b.data<float>()[i] = std::cos(0.003f * i); }
  double mb = (double)n * n * 4;
  struct Case { const char* name; double bytes; std::function<Tensor()> f; };
  std::vector<Case> cases = {
      {"add", 3 * mb, [&] { return binary(BinaryOp::Add, a, b); }},
      {"mul", 3 * mb, [&] { return binary(BinaryOp::Mul, a, b); }},
      {"div", 3 * mb, [&] { return binary(BinaryOp::Div, a, b); }},
      {"add scalar", 2 * mb, [&] { return binary(BinaryOp::Add, a, Scalar(1.5)); }},
      {"transpose copy", 2 * mb, [&] { return contiguous(transpose(a, 0, 1)); }},
  };
  std::printf("ember bench_elementwise: %lldx%lld float32, ISA %s, %d threads, median of %d\n", (long long)n,
              (long long)n, isa_name(cpu_isa()), get_num_threads(), reps);
  std::printf("%-16s %10s %10s %12s\n", "op", "ms", "GB/s", "max|fast-ref|");
  int failures = 0;
  for (auto& c : cases) {
    set_reference_kernels(true);
    Tensor ref = c.f();
    set_reference_kernels(false);
    Tensor fast = c.f();
    double err = max_abs_diff(fast, ref);
    if (err > 1e-6) ++failures;
    double ms = median_ms([&] { c.f(); }, reps);
    std::printf("%-16s %10.3f %10.1f %12.2e\n", c.name, ms, c.bytes / ms / 1e6, err);
  }
  return failures ? 1 : 0;
}
