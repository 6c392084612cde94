// conv_ref.cpp — plain-loop reference convolutions: the oracle for every fast path
// (selected by use_reference_kernels()). Accumulates in double; single-threaded; the backward
// kernels loop in scatter form (each forward multiply-add contributes to one gradient entry).
#include <vector>
#include "ember/ops/conv/conv_impl.h"

namespace ember::conv_detail {

namespace {
// Calls f(input_offset, output_offset, kernel_offset) for every (output position, kernel tap)
// pair of one (input channel, output channel) plane whose input tap lies inside the input.
template <class F>
void for_each_tap(const ConvGeom& g, const F& f) {
  for (int64_t od = 0; od < g.out[0]; ++od)
    for (int64_t oh = 0; oh < g.out[1]; ++oh)
      for (int64_t ow = 0; ow < g.out[2]; ++ow) {
        const int64_t o_off = (od * g.out[1] + oh) * g.out[2] + ow;
        for (int64_t kd = 0; kd < g.k[0]; ++kd) {
          const int64_t id = od * g.s[0] - g.p[0] + kd * g.d[0];
          if (id < 0 || id >= g.in[0]) continue;
          for (int64_t kh = 0; kh < g.k[1]; ++kh) {
            const int64_t ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
            if (ih < 0 || ih >= g.in[1]) continue;
            for (int64_t kw = 0; kw < g.k[2]; ++kw) {
              const int64_t iw = ow * g.s[2] - g.p[2] + kw * g.d[2];
              if (iw < 0 || iw >= g.in[2]) continue;
              f((id * g.in[1] + ih) * g.in[2] + iw, o_off, (kd * g.k[1] + kh) * g.k[2] + kw);
            }
          }
        }
      }
}
}  // namespace

template <class T>
void conv_fwd_ref(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
  const int64_t Cg = g.Cg(), Og = g.Og(), IV = g.in_vol(), OV = g.out_vol(), KV = g.k_vol();
  std::vector<double> acc(OV);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t o = 0; o < g.O; ++o) {
      const int64_t grp = o / Og;
      std::fill(acc.begin(), acc.end(), bias ? (double)bias[o] : 0.0);
      for (int64_t c = 0; c < Cg; ++c) {
        const T* xp = x + (n * g.C + grp * Cg + c) * IV;
        const T* wp = w + (o * Cg + c) * KV;
        for_each_tap(g, [&](int64_t io, int64_t oo, int64_t ko) { acc[oo] += (double)xp[io] * (double)wp[ko]; });
      }
      T* yp = y + (n * g.O + o) * OV;
      for (int64_t i = 0; i < OV; ++i) yp[i] = (T)acc[i];
    }
}

template <class T>
void conv_bwd_input_ref(const ConvGeom& g, const T* gy, const T* w, T* gx) {
  const int64_t Cg = g.Cg(), Og = g.Og(), IV = g.in_vol(), OV = g.out_vol(), KV = g.k_vol();
  std::vector<double> acc(IV);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t ci = 0; ci < g.C; ++ci) {
      const int64_t grp = ci / Cg, c = ci % Cg;
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t oi = 0; oi < Og; ++oi) {
        const int64_t o = grp * Og + oi;
        const T* gp = gy + (n * g.O + o) * OV;
        const T* wp = w + (o * Cg + c) * KV;
        for_each_tap(g, [&](int64_t io, int64_t oo, int64_t ko) { acc[io] += (double)gp[oo] * (double)wp[ko]; });
      }
      T* xp = gx + (n * g.C + ci) * IV;
      for (int64_t i = 0; i < IV; ++i) xp[i] = (T)acc[i];
    }
}

template <class T>
void conv_bwd_weight_ref(const ConvGeom& g, const T* gy, const T* x, T* gw) {
  const int64_t Cg = g.Cg(), Og = g.Og(), IV = g.in_vol(), OV = g.out_vol(), KV = g.k_vol();
  std::vector<double> acc(KV);
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t c = 0; c < Cg; ++c) {
      const int64_t grp = o / Og;
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t n = 0; n < g.N; ++n) {
        const T* gp = gy + (n * g.O + o) * OV;
        const T* xp = x + (n * g.C + grp * Cg + c) * IV;
        for_each_tap(g, [&](int64_t io, int64_t oo, int64_t ko) { acc[ko] += (double)gp[oo] * (double)xp[io]; });
      }
      T* wp = gw + (o * Cg + c) * KV;
      for (int64_t i = 0; i < KV; ++i) wp[i] = (T)acc[i];
    }
}

#define EMBER_CONV_REF(T)                                                              \
  template void conv_fwd_ref<T>(const ConvGeom&, const T*, const T*, const T*, T*);    \
  template void conv_bwd_input_ref<T>(const ConvGeom&, const T*, const T*, T*);        \
  template void conv_bwd_weight_ref<T>(const ConvGeom&, const T*, const T*, T*);
EMBER_CONV_REF(float)
EMBER_CONV_REF(double)
#undef EMBER_CONV_REF

}  // namespace ember::conv_detail
