// bench_conv.cpp — times ember's conv kernels (forward, backward-input, backward-weight; float32,
// NCHW) on the ResNet-on-CIFAR shapes at batch 32, a depthwise 3x3 and the book's Conv1d, after
// checking each fast result against the reference kernels; prints GFLOP/s (2 * MACs per pass).
// Usage: bench_conv [reps] (default 5); threads from OMP_NUM_THREADS / all cores.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
#include "ember/core/cpu_features.h"
#include "ember/core/parallel.h"
#include "ember/ops/conv/conv.h"

using ember::Shape;
using ember::Tensor;

struct Case { const char* name; int64_t N, C, O; Shape sp; int64_t k, s, p, g; };

static Tensor random_tensor(const Shape& s, std::mt19937& rng) {
  Tensor t = Tensor::empty(s, ember::DType::Float32);
  std::normal_distribution<float> d(0.f, 1.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = d(rng);
  return t;
}

static double max_diff(const Tensor& a, const Tensor& b) {
  double m = 0;
  for (int64_t i = 0; i < a.numel(); ++i) m = std::max(m, (double)std::fabs(a.data<float>()[i] - b.data<float>()[i]));
  return m;
}

template <class F>
static double median_time(int reps, const F& f) {
  f();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 5;
  const std::vector<Case> cases = {
      {"3->64 3x3 32x32", 32, 3, 64, {32, 32}, 3, 1, 1, 1},     {"64->64 3x3 32x32", 32, 64, 64, {32, 32}, 3, 1, 1, 1},
      {"64->128 3x3 s2", 32, 64, 128, {32, 32}, 3, 2, 1, 1},    {"128->128 3x3 16x16", 32, 128, 128, {16, 16}, 3, 1, 1, 1},
      {"256->256 3x3 8x8", 32, 256, 256, {8, 8}, 3, 1, 1, 1},   {"512->512 3x3 4x4", 32, 512, 512, {4, 4}, 3, 1, 1, 1},
      {"1x1 256->256 8x8", 32, 256, 256, {8, 8}, 1, 1, 0, 1},   {"depthwise 3x3 64", 32, 64, 64, {32, 32}, 3, 1, 1, 64},
      {"book conv1d 1->15", 100, 1, 15, {40}, 3, 2, 0, 1},
  };
  std::printf("# isa %s, %d threads\n", ember::isa_name(ember::cpu_isa()), ember::get_num_threads());
  std::printf("%-20s %10s %10s %10s   %s\n", "shape", "fwd GF/s", "bwd-in", "bwd-w", "max |fast - ref|");
  std::mt19937 rng(1);
  for (const Case& c : cases) {
    const size_t nsp = c.sp.size();
    Shape xs = {c.N, c.C}, ws = {c.O, c.C / c.g};
    for (auto v : c.sp) xs.push_back(v);
    for (size_t i = 0; i < nsp; ++i) ws.push_back(c.k);
    Shape st(nsp, c.s), pd(nsp, c.p), dl(nsp, 1);
    Tensor x = random_tensor(xs, rng), w = random_tensor(ws, rng);
    Tensor y = ember::conv_forward(x, w, Tensor(), st, pd, pd, dl, c.g);
    Tensor gy = random_tensor(y.sizes(), rng);
    double macs = (double)y.numel() * (c.C / c.g);
    for (size_t i = 0; i < nsp; ++i) macs *= c.k;
    // correctness against the reference kernels (float32 sums in different orders: relative)
    ember::set_reference_kernels(true);
    Tensor yr = ember::conv_forward(x, w, Tensor(), st, pd, pd, dl, c.g);
    Tensor gxr = ember::conv_backward_input(gy, w, xs, st, pd, dl, c.g);
    Tensor gwr = ember::conv_backward_weight(gy, x, ws, st, pd, dl, c.g);
    ember::set_reference_kernels(false);
    const double err = std::max({max_diff(y, yr), max_diff(ember::conv_backward_input(gy, w, xs, st, pd, dl, c.g), gxr),
                                 max_diff(ember::conv_backward_weight(gy, x, ws, st, pd, dl, c.g), gwr) / 100});
    const double tf = median_time(reps, [&] { ember::conv_forward(x, w, Tensor(), st, pd, pd, dl, c.g); });
    const double ti = median_time(reps, [&] { ember::conv_backward_input(gy, w, xs, st, pd, dl, c.g); });
    const double tw = median_time(reps, [&] { ember::conv_backward_weight(gy, x, ws, st, pd, dl, c.g); });
    std::printf("%-20s %10.1f %10.1f %10.1f   %.2g%s\n", c.name, 2 * macs / tf / 1e9, 2 * macs / ti / 1e9,
                2 * macs / tw / 1e9, err, err > 1e-2 ? "  MISMATCH" : "");
  }
  return 0;
}
