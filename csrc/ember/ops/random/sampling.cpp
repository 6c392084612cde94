// sampling.cpp — randperm (Fisher-Yates) and multinomial (inverse-CDF with replacement,
// Efraimidis-Spirakis keys log(u)/p without). Both draw 64-bit integers / 53-bit uniforms from
// the Philox stream at fixed element indices, so the results are independent of threading.
#include <numeric>
#include <vector>
#include "ember/core/dispatch.h"
#include "ember/core/view.h"
#include "ember/ops/random/random.h"
#include "ember/ops/random/random_common.h"

namespace ember {

using namespace rng;

Tensor randperm(int64_t n, DType dtype, Generator* gen, int cuda_index) {
  EMBER_CHECK(n >= 0, "randperm", "n must be non-negative, got", n);
  EMBER_CHECK(dtype != DType::Bool || n <= 2, "randperm", "n is too large for result tensor type: 'bool'");
  EMBER_DISPATCH_NUMERIC(dtype, "randperm", [&] {
    int64_t lim;  // the largest value the permutation may hold
    if constexpr (std::is_integral_v<scalar_t>) lim = (int64_t)std::numeric_limits<scalar_t>::max();
    else lim = float_int_limit<scalar_t>();
    EMBER_CHECK(n - 1 <= lim, "randperm", "n is too large for result tensor type: '", dtype_name(dtype), "'");
  });
  Generator::Draw d = generator_for(cuda_index >= 0, cuda_index, gen).reserve((uint64_t)n);
  // j[i] = uniform integer in [0, i]: element i of the request (block i / 2, lane i % 2).
  std::vector<int64_t> perm(n), swap_with(n);
  fill_blocks<2, int64_t>(swap_with.data(), n, d, [&](const uint32_t* r, int64_t i0, int m, int64_t* v) {
    for (int l = 0; l < m; ++l) v[l] = (int64_t)philox::mulhi64(philox::u64(r[2 * l], r[2 * l + 1]), (uint64_t)(i0 + l + 1));
  });
  std::iota(perm.begin(), perm.end(), int64_t(0));
  for (int64_t i = n - 1; i > 0; --i) std::swap(perm[i], perm[swap_with[i]]);
  Tensor out = Tensor::empty({n}, dtype);
  EMBER_DISPATCH_NUMERIC(dtype, "randperm", [&] {
    scalar_t* o = out.data<scalar_t>();
    for (int64_t i = 0; i < n; ++i) o[i] = scalar_t((compute_t<scalar_t>)perm[i]);
  });
  return out;
}

Tensor multinomial(const Tensor& probs, int64_t k, bool replacement, Generator* gen) {
  const char* op = "multinomial";
  if (probs.defined() && probs.device().is_cuda()) {
    // Runs on the host with the device's generator (one sync: the probabilities come to the CPU,
    // the samples go back), so the samples equal the CPU's for the same seed.
    Tensor host = Tensor::empty(probs.sizes(), probs.dtype());
    copy_(host, probs);
    Generator& g = generator_for(true, probs.device().index, gen);
    Tensor r = multinomial(host, k, replacement, &g);
    Tensor out = Tensor::empty(r.sizes(), r.dtype(), probs.device());
    copy_(out, r);
    return out;
  }
  EMBER_CHECK(probs.dim() == 1 || probs.dim() == 2, op, "prob_dist must be 1 or 2 dim, got shape ",
              shape_str(probs.sizes()));
  EMBER_CHECK(is_floating(probs.dtype()), op, "multinomial only supports floating-point dtypes for input, got: ",
              dtype_name(probs.dtype()));
  EMBER_CHECK(k > 0, op, "cannot sample n_sample <= 0 samples");
  const int64_t C = probs.sizes().back(), R = probs.dim() == 2 ? probs.sizes()[0] : 1;
  EMBER_CHECK(replacement || k <= C, op, "cannot sample n_sample > prob_dist.size(-1) samples without replacement (",
              k, " > ", C, ")");
  EMBER_CHECK(C <= (int64_t(1) << 24), op, "number of categories cannot exceed 2^24");
  Tensor p = contiguous(to_dtype(probs, DType::Float64));
  const double* pp = p.data<double>();
  for (int64_t row = 0; row < R; ++row) {
    double total = 0;
    for (int64_t j = 0; j < C; ++j) {
      double v = pp[row * C + j];
      EMBER_CHECK(std::isfinite(v) && v >= 0, op, "probability tensor contains either `inf`, `nan` or element < 0");
      total += v;
    }
    EMBER_CHECK(total > 0, op, "invalid multinomial distribution (sum of probabilities <= 0)");
  }
  const int64_t per_row = replacement ? k : C;  // stream elements each row consumes
  Generator::Draw d = generator_or_default(gen).reserve((uint64_t)(R * per_row));
  Tensor out = Tensor::empty(probs.dim() == 2 ? Shape{R, k} : Shape{k}, DType::Int64);
  int64_t* o = out.data<int64_t>();
  // Uniforms for the whole request, then rows in parallel (each row reads only its own range).
  std::vector<double> u((size_t)(R * per_row));
  fill_blocks<2, double>(u.data(), (int64_t)u.size(), d, [&](const uint32_t* r, int64_t, int m, double* v) {
    for (int l = 0; l < m; ++l) v[l] = replacement ? unit_co<2>(r, l) : unit_oc<2>(r, l);
  });
  int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(C, 1));
  parallel_for(0, R, grain, [&](int64_t r0, int64_t r1) {
    std::vector<double> buf(C);
    std::vector<int64_t> idx(C);
    for (int64_t row = r0; row < r1; ++row) {
      const double* pr = pp + row * C;
      const double* ur = u.data() + row * per_row;
      int64_t* orow = o + row * k;
      if (replacement) {
        double acc = 0;
        int64_t last = 0;
        for (int64_t j = 0; j < C; ++j) { acc += pr[j]; buf[j] = acc; if (pr[j] > 0) last = j; }
        for (int64_t s = 0; s < k; ++s) {
          double x = ur[s] * acc;
          int64_t j = std::upper_bound(buf.begin(), buf.end(), x) - buf.begin();
          orow[s] = j < C ? j : last;
        }
      } else {
        for (int64_t j = 0; j < C; ++j)
          buf[j] = pr[j] > 0 ? std::log(ur[j]) / pr[j] : -std::numeric_limits<double>::infinity();
        std::iota(idx.begin(), idx.end(), int64_t(0));
        std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int64_t a, int64_t b) {
          return buf[a] > buf[b] || (buf[a] == buf[b] && a < b);
        });
        for (int64_t s = 0; s < k; ++s) orow[s] = idx[s];
      }
    }
  });
  return out;
}

}  // namespace ember
