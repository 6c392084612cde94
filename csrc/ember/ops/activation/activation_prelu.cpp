// activation_prelu.cpp — PReLU forward/backward: y = x > 0 ? x : w * x with the weight
// broadcast along the channel dim (the caller passes it viewed broadcastable to x). One plain
// strided loop each (the weight operand has stride 0 outside the channel dim).
#include "ember/core/dispatch.h"
#include "ember/core/iter.h"
#include "ember/ops/activation/activation.h"
#include "ember/ops/elementwise/loops.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/activation/activation_cuda.h"
#endif

namespace ember {

namespace {
void check_prelu(const Tensor& x, const Tensor& w) {
  EMBER_CHECK(x.defined() && w.defined(), "prelu", "expected defined tensors");
  EMBER_CHECK_KIND(is_floating(x.dtype()), NotImplemented, "prelu", "not implemented for dtype ",
                   dtype_name(x.dtype()));
  EMBER_CHECK(w.dtype() == x.dtype(), "prelu", "weight dtype ", dtype_name(w.dtype()),
              " does not match input dtype ", dtype_name(x.dtype()));
  EMBER_CHECK(w.device() == x.device(), "prelu", "Expected all tensors to be on the same device, but found at least "
              "two devices, ", x.device().str(), " and ", w.device().str(), "! (weight)");
  EMBER_CHECK(w.dim() <= x.dim(), "prelu", "weight of shape ", shape_str(w.sizes()),
              " is not broadcastable to input of shape ", shape_str(x.sizes()));
  for (int64_t i = 0; i < w.dim(); ++i) {
    int64_t ws = w.size(w.dim() - 1 - i), xs = x.size(x.dim() - 1 - i);
    EMBER_CHECK(ws == 1 || ws == xs, "prelu", "weight of shape ", shape_str(w.sizes()),
                " is not broadcastable to input of shape ", shape_str(x.sizes()));
  }
}
}  // namespace

Tensor prelu_forward(const Tensor& x, const Tensor& w) {
  check_prelu(x, w);
  Tensor y = Tensor::empty(x.sizes(), x.dtype(), x.device());
  if (y.numel() == 0) return y;
#ifdef EMBER_WITH_CUDA
  if (x.device().is_cuda()) {
    cuda::prelu_forward_kernel(y, x, w);
    return y;
  }
#endif
  StridedIter it(x.sizes(), {&y, &x, &w});
  EMBER_DISPATCH_FLOAT(x.dtype(), "prelu", [&] {
    using C = compute_t<scalar_t>;
    it.for_each([](char** p, const int64_t* s, int64_t n) {
      binary_loop<scalar_t, scalar_t>(p, s, n, [](C v, C a) { return v > 0 ? v : a * v; });
    });
  });
  return y;
}

std::pair<Tensor, Tensor> prelu_backward(const Tensor& grad, const Tensor& x, const Tensor& w) {
  check_prelu(x, w);
  EMBER_CHECK(grad.sizes() == x.sizes() && grad.dtype() == x.dtype(), "prelu", "grad_output of shape ",
              shape_str(grad.sizes()), " and dtype ", dtype_name(grad.dtype()), " does not match the input");
  EMBER_CHECK(grad.device() == x.device(), "prelu", "Expected all tensors to be on the same device, but found at "
              "least two devices, ", x.device().str(), " and ", grad.device().str(), "! (grad_output)");
  Tensor dx = Tensor::empty(x.sizes(), x.dtype(), x.device()), dw = Tensor::empty(x.sizes(), x.dtype(), x.device());
  if (x.numel() == 0) return {dx, dw};
#ifdef EMBER_WITH_CUDA
  if (x.device().is_cuda()) {
    cuda::prelu_backward_kernel(dx, dw, grad, x, w);
    return {dx, dw};
  }
#endif
  StridedIter it(x.sizes(), {&dx, &dw, &grad, &x, &w});
  EMBER_DISPATCH_FLOAT(x.dtype(), "prelu", [&] {
    using T = scalar_t;
    using C = compute_t<T>;
    it.for_each([](char** p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        C g = C(*(const T*)(p[2] + i * s[2])), v = C(*(const T*)(p[3] + i * s[3]));
        C a = C(*(const T*)(p[4] + i * s[4]));
        *(T*)(p[0] + i * s[0]) = T(v > 0 ? g : a * g);
        *(T*)(p[1] + i * s[1]) = T(v > 0 ? C(0) : g * v);
      }
    });
  });
  return {dx, dw};
}

}  // namespace ember
