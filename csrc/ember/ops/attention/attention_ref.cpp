// attention_ref.cpp — plain-loop reference of scaled dot-product attention (the oracle of the fused
// kernels, selected by EMBER_KERNELS=reference). One query row at a time: its full score row over
// the S keys is materialized, softmax'd and applied to v. Backward recomputes the row's
// probabilities from lse; parallel over (n, kv head) so dk/dv of a GQA group are summed by one task.
#include <cmath>
#include <limits>
#include <vector>
#include "ember/core/parallel.h"
#include "ember/ops/attention/attention_kernels.h"

namespace ember::ref {
namespace {

template <class T>
struct View {  // element (n, h, r, c) of a strided 4-D operand
  const T* p; const int64_t* s;
  const T* row(int64_t n, int64_t h, int64_t r) const { return p + n * s[0] + h * s[1] + r * s[2]; }
  T at(int64_t n, int64_t h, int64_t r, int64_t c) const { return row(n, h, r)[c * s[3]]; }
};

// scores[j] = scale * q_i . k_j (+ mask), -inf where masked; returns the row max.
template <class T>
T score_row(const AttnParams& p, int64_t n, int64_t h, int64_t i, T* sc) {
  View<T> q{(const T*)p.q, p.sq}, k{(const T*)p.k, p.sk};
  const int64_t hk = h / (p.Hq / p.Hk);
  const T ninf = -std::numeric_limits<T>::infinity();
  T mx = ninf;
  for (int64_t j = 0; j < p.S; ++j) {
    T s = 0;
    for (int64_t e = 0; e < p.E; ++e) s += q.at(n, h, i, e) * k.at(n, hk, j, e);
    s *= (T)p.scale;
    const int64_t mo = n * p.sm[0] + h * p.sm[1] + i * p.sm[2] + j * p.sm[3];
    if (p.causal && j > i) s = ninf;
    else if (p.mask_kind == AttnMask::Bool && !((const bool*)p.mask)[mo]) s = ninf;
    else if (p.mask_kind == AttnMask::Additive) s += ((const T*)p.mask)[mo];
    sc[j] = s;
    mx = s > mx ? s : mx;
  }
  return mx;
}

template <class T>
void fwd(const AttnParams& p) {
  View<T> v{(const T*)p.v, p.sv};
  parallel_for(0, p.N * p.Hq * p.L, 1, [&](int64_t b, int64_t e) {
    std::vector<T> sc(p.S);
    for (int64_t t = b; t < e; ++t) {
      const int64_t i = t % p.L, h = (t / p.L) % p.Hq, n = t / (p.L * p.Hq), hk = h / (p.Hq / p.Hk);
      T* o = (T*)p.out + t * p.Ev;
      T mx = score_row<T>(p, n, h, i, sc.data());
      for (int64_t d = 0; d < p.Ev; ++d) o[d] = 0;
      if (mx == -std::numeric_limits<T>::infinity()) {  // every key masked: zeros, lse = -inf
        ((T*)p.lse)[t] = mx;
        continue;
      }
      T l = 0;
      for (int64_t j = 0; j < p.S; ++j) {
        T w = std::exp(sc[j] - mx);
        l += w;
        for (int64_t d = 0; d < p.Ev; ++d) o[d] += w * v.at(n, hk, j, d);
      }
      for (int64_t d = 0; d < p.Ev; ++d) o[d] /= l;
      ((T*)p.lse)[t] = mx + std::log(l);
    }
  });
}

template <class T>
void bwd(const AttnParams& p) {
  View<T> q{(const T*)p.q, p.sq}, k{(const T*)p.k, p.sk}, v{(const T*)p.v, p.sv}, dout{(const T*)p.dout, p.sdo};
  const int64_t G = p.Hq / p.Hk;
  parallel_for(0, p.N * p.Hk, 1, [&](int64_t b, int64_t e) {
    std::vector<T> sc(p.S);
    for (int64_t t = b; t < e; ++t) {
      const int64_t n = t / p.Hk, hk = t % p.Hk;
      T* dk = (T*)p.dk + n * p.sdk[0] + hk * p.sdk[1];
      T* dv = (T*)p.dv + n * p.sdv[0] + hk * p.sdv[1];
      const int64_t dkr = p.sdk[2], dkc = p.sdk[3], dvr = p.sdv[2], dvc = p.sdv[3];
      for (int64_t j = 0; j < p.S; ++j) {
        for (int64_t x = 0; x < p.E; ++x) dk[j * dkr + x * dkc] = 0;
        for (int64_t x = 0; x < p.Ev; ++x) dv[j * dvr + x * dvc] = 0;
      }
      for (int64_t h = hk * G; h < (hk + 1) * G; ++h) {
        for (int64_t i = 0; i < p.L; ++i) {
          const int64_t row = (n * p.Hq + h) * p.L + i;
          T* dq = (T*)p.dq + n * p.sdq[0] + h * p.sdq[1] + i * p.sdq[2];
          const int64_t dqc = p.sdq[3];
          for (int64_t x = 0; x < p.E; ++x) dq[x * dqc] = 0;
          const T lse = ((const T*)p.lse)[row];
          if (lse == -std::numeric_limits<T>::infinity()) continue;  // fully masked row: zero gradient
          const T* o = (const T*)p.out + row * p.Ev;
          T D = 0;
          for (int64_t d = 0; d < p.Ev; ++d) D += dout.at(n, h, i, d) * o[d];
          score_row<T>(p, n, h, i, sc.data());
          for (int64_t j = 0; j < p.S; ++j) {
            T pj = std::exp(sc[j] - lse);
            if (pj == 0) continue;
            T dp = 0;
            for (int64_t d = 0; d < p.Ev; ++d) {
              dp += dout.at(n, h, i, d) * v.at(n, hk, j, d);
              dv[j * dvr + d * dvc] += pj * dout.at(n, h, i, d);
            }
            T ds = pj * (dp - D) * (T)p.scale;
            for (int64_t x = 0; x < p.E; ++x) {
              dq[x * dqc] += ds * k.at(n, hk, j, x);
              dk[j * dkr + x * dkc] += ds * q.at(n, h, i, x);
            }
          }
        }
      }
    }
  });
}

}  // namespace

const AttentionKernel attention_kernel = {fwd<float>, fwd<double>, bwd<float>, bwd<double>};

}  // namespace ember::ref
