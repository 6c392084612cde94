// conv_impl.h — internal: the geometry of one convolution (every problem is viewed as 3-D with
// leading spatial dims of size 1) and the kernel entry points shared by conv.cpp, conv_ref.cpp
// and conv_cpu.cpp. All tensors reaching the kernels are contiguous NC(D)(H)W.
#pragma once
#include <cstdint>
#include <cstdlib>

namespace ember::conv_detail {

struct ConvGeom {
  int64_t N = 0, C = 0, O = 0, G = 1;  // batch, input channels, output channels, groups
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, k[3] = {1, 1, 1};
  int64_t s[3] = {1, 1, 1}, p[3] = {0, 0, 0}, d[3] = {1, 1, 1};  // stride, low-side padding, dilation
  int64_t Cg() const { return C / G; }
  int64_t Og() const { return O / G; }
  int64_t in_vol() const { return in[0] * in[1] * in[2]; }
  int64_t out_vol() const { return out[0] * out[1] * out[2]; }
  int64_t k_vol() const { return k[0] * k[1] * k[2]; }
  bool pointwise() const {  // 1x1 kernel, stride 1, no padding: the conv is a plain GEMM
    for (int i = 0; i < 3; ++i)
      if (k[i] != 1 || s[i] != 1 || p[i] != 0) return false;
    return true;
  }
};

// Results are written with `=`; y/gx/gw are contiguous and fully overwritten. bias may be null.
// Tuning switches read from the environment (once, by the caller's function-local static):
// env_switch is true unless the variable starts with '0'; env_int64 falls back to `dflt`.
inline bool env_switch(const char* name) {
  const char* e = std::getenv(name);
  return !(e && e[0] == '0');
}
inline int64_t env_int64(const char* name, int64_t dflt) {
  const char* e = std::getenv(name);
  return e ? std::atoll(e) : dflt;
}

template <class T> void conv_fwd_ref(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y);
template <class T> void conv_bwd_input_ref(const ConvGeom& g, const T* gy, const T* w, T* gx);
template <class T> void conv_bwd_weight_ref(const ConvGeom& g, const T* gy, const T* x, T* gw);

template <class T> void conv_fwd_cpu(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y);
template <class T> void conv_bwd_input_cpu(const ConvGeom& g, const T* gy, const T* w, T* gx);
template <class T> void conv_bwd_weight_cpu(const ConvGeom& g, const T* gy, const T* x, T* gw);
// All three gradients in one pass where a fused CPU kernel covers the geometry (float32
// depthwise 3x3 stride 1); false when none does (nothing written). gb may be null.
bool conv_bwd_fused_cpu(const ConvGeom& g, const float* gy, const float* x, const float* w, float* gx, float* gw,
                        float* gb);

}  // namespace ember::conv_detail
