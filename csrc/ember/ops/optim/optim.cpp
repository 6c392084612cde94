// optim.cpp — fused optimizer updates (see optim.h for the math of each). One templated element
// loop per optimizer, run over each parameter of the group with OpenMP above the grain size.
// Coefficients are cast to the compute type first, as PyTorch casts Python scalars to the
// tensor's dtype, and every step rounds like the corresponding PyTorch op.
#include "ember/ops/optim/optim.h"

#include <cmath>
#include <type_traits>
#include <string>
#include "ember/core/dispatch.h"
#include "ember/core/error.h"
#include "ember/core/parallel.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/optim/optim_cuda.h"
#endif

namespace ember {
namespace {

// Every state list must be empty (unused) or match the params one to one in shape, dtype and layout.
void check_lists(const char* op, const TensorList& params, const TensorList& grads,
                 std::initializer_list<const TensorList*> states) {
  EMBER_CHECK(params.size() == grads.size(), op, "expected as many gradients as parameters, got ",
              grads.size(), " for ", params.size());
  const Device dev = params.empty() ? Device() : params[0].device();
  auto same_device = [&](const Tensor& t) {
    EMBER_CHECK(t.device() == dev, op, "Expected all tensors to be on the same device, but found at least two "
                "devices, ", dev.str(), " and ", t.device().str(), "!");
  };
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    same_device(p);
    EMBER_CHECK_TYPE(is_floating(p.dtype()), op, "parameter ", i, " must be floating point, got ",
                     dtype_name(p.dtype()));
    EMBER_CHECK(p.is_contiguous(), op, "parameter ", i, " must be contiguous");
    auto same = [&](const Tensor& t, const char* what) {
      EMBER_CHECK(t.numel() == p.numel() && t.dim() == p.dim(), op, what, " ", i, " has shape ",
                  shape_str(t.sizes()), " but its parameter has shape ", shape_str(p.sizes()));
      EMBER_CHECK(t.dtype() == p.dtype(), op, what, " ", i, " has dtype ", dtype_name(t.dtype()),
                  " but its parameter has dtype ", dtype_name(p.dtype()));
      EMBER_CHECK(t.is_contiguous(), op, what, " ", i, " must be contiguous");
      same_device(t);
    };
    same(grads[i], "gradient");
    for (const TensorList* s : states)
      if (!s->empty()) {
        EMBER_CHECK(s->size() == params.size(), op, "expected one state tensor per parameter");
        same((*s)[i], "state tensor");
      }
  }
}

constexpr int64_t kOptimGrain = 16384;

// Run f(i, begin, end) with `scalar_t` bound to the parameter dtype, over each parameter's elements.
template <class F>
void for_each_param(const char* op, const TensorList& params, const F& f) {
  for (size_t i = 0; i < params.size(); ++i) {
    int64_t n = params[i].numel();
    EMBER_DISPATCH_FLOAT(params[i].dtype(), op, [&] {
      parallel_for(0, n, kOptimGrain, [&](int64_t b, int64_t e) { f((scalar_t*)nullptr, i, b, e); });
    });
  }
}

template <class T> inline T* ptr(const TensorList& l, size_t i) { return l.empty() ? nullptr : l[i].data<T>(); }

// The Adam family's shared step for element k: L2 weight decay folded into the gradient, or the
// decoupled decay p *= 1 - lr*wd; then m = lerp(m, g, 1-beta1) and v = beta2*v + (1-beta2)*g^2
// (PyTorch's lerp_ with weight < 0.5 and mul_(beta2).addcmul_), each rounded to S.
template <class S, class C>
inline void adam_moments(S* m, S* v, int64_t k, C& gk, C& pk, bool decay_on, bool decoupled, C wd, C decay, C w1,
                         C b2, C w2, C& mk, C& vk) {
  if (decay_on) {
    if (decoupled) pk = (C)(S)(pk * decay);
    else gk = (C)(gk + wd * pk);
  }
  mk = (C)m[k];
  mk = (C)(S)(mk + w1 * (gk - mk));
  vk = (C)(S)((C)(S)((C)v[k] * b2) + w2 * gk * gk);
  m[k] = (S)mk;
  v[k] = (S)vk;
}

}  // namespace

void sgd_step(const TensorList& params, const TensorList& grads, const TensorList& bufs,
              const std::vector<bool>& first, double lr, double momentum, double dampening,
              double weight_decay, bool nesterov, bool maximize) {
  check_lists("sgd", params, grads, {&bufs});
  EMBER_CHECK(momentum == 0 || (bufs.size() == params.size() && first.size() == params.size()), "sgd",
              "momentum needs one buffer per parameter");
#ifdef EMBER_WITH_CUDA
  if (!params.empty() && params[0].device().is_cuda()) {
    cuda::sgd_step(params, grads, bufs, first, lr, momentum, dampening, weight_decay, nesterov, maximize);
    return;
  }
#endif
  for_each_param("sgd", params, [&](auto* tag, size_t i, int64_t b, int64_t e) {
    using S = std::remove_pointer_t<decltype(tag)>;
    using C = compute_t<S>;
    S* p = ptr<S>(params, i);
    const S* g = ptr<S>(grads, i);
    S* buf = ptr<S>(bufs, i);
    const C wd = (C)weight_decay, mom = (C)momentum, damp = (C)(1 - dampening), neg_lr = (C)(-lr);
    const bool fresh = momentum != 0 && first[i];
    for (int64_t k = b; k < e; ++k) {
      C d = maximize ? -(C)g[k] : (C)g[k];
      if (weight_decay != 0) d = (C)(d + wd * (C)p[k]);
      if (momentum != 0) {
        C m = fresh ? d : (C)((C)((C)buf[k] * mom) + damp * d);
        buf[k] = (S)m;
        m = (C)buf[k];
        d = nesterov ? (C)(d + mom * m) : m;
      }
      p[k] = (S)((C)p[k] + neg_lr * d);
    }
  });
}

void adam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
               const TensorList& exp_avg_sqs, const TensorList& max_sqs, const std::vector<double>& step_size,
               const std::vector<double>& bc2_sqrt, double lr, double beta1, double beta2, double eps,
               double weight_decay, bool decoupled, bool amsgrad, bool maximize) {
  check_lists("adam", params, grads, {&exp_avgs, &exp_avg_sqs, &max_sqs});
  EMBER_CHECK(exp_avgs.size() == params.size() && exp_avg_sqs.size() == params.size() &&
              step_size.size() == params.size() && bc2_sqrt.size() == params.size() &&
              (!amsgrad || max_sqs.size() == params.size()), "adam", "state lists must match the parameters");
#ifdef EMBER_WITH_CUDA
  if (!params.empty() && params[0].device().is_cuda()) {
    cuda::adam_step(params, grads, exp_avgs, exp_avg_sqs, max_sqs, step_size, bc2_sqrt, lr, beta1, beta2, eps,
                    weight_decay, decoupled, amsgrad, maximize);
    return;
  }
#endif
  for_each_param("adam", params, [&](auto* tag, size_t i, int64_t b, int64_t e) {
    using S = std::remove_pointer_t<decltype(tag)>;
    using C = compute_t<S>;
    S* p = ptr<S>(params, i);
    const S* g = ptr<S>(grads, i);
    S *m = ptr<S>(exp_avgs, i), *v = ptr<S>(exp_avg_sqs, i), *vmax = ptr<S>(max_sqs, i);
    const C w1 = (C)(1 - beta1), b2 = (C)beta2, w2 = (C)(1 - beta2), wd = (C)weight_decay;
    const C decay = (C)(1 - lr * weight_decay), bc2s = (C)bc2_sqrt[i], ceps = (C)eps, neg_step = (C)(-step_size[i]);
    for (int64_t k = b; k < e; ++k) {
      C gk = maximize ? -(C)g[k] : (C)g[k];
      C pk = (C)p[k];
      C mk, vk;
      adam_moments<S, C>(m, v, k, gk, pk, weight_decay != 0, decoupled, wd, decay, w1, b2, w2, mk, vk);
      C use = vk;
      if (amsgrad) {
        C mx = std::max((C)vmax[k], vk);
        vmax[k] = (S)mx;
        use = mx;
      }
      C denom = (C)(S)((C)(S)(std::sqrt(use) / bc2s) + ceps);
      p[k] = (S)(pk + neg_step * (C)(S)(mk / denom));
    }
  });
}

void rmsprop_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                  const TensorList& grad_avgs, const TensorList& bufs, double lr, double alpha, double eps,
                  double weight_decay, double momentum, bool centered, bool maximize) {
  check_lists("rmsprop", params, grads, {&square_avgs, &grad_avgs, &bufs});
  EMBER_CHECK(square_avgs.size() == params.size() && (!centered || grad_avgs.size() == params.size()) &&
              (momentum <= 0 || bufs.size() == params.size()), "rmsprop", "state lists must match the parameters");
#ifdef EMBER_WITH_CUDA
  if (!params.empty() && params[0].device().is_cuda()) {
    cuda::rmsprop_step(params, grads, square_avgs, grad_avgs, bufs, lr, alpha, eps, weight_decay, momentum,
                       centered, maximize);
    return;
  }
#endif
  for_each_param("rmsprop", params, [&](auto* tag, size_t i, int64_t b, int64_t e) {
    using S = std::remove_pointer_t<decltype(tag)>;
    using C = compute_t<S>;
    S* p = ptr<S>(params, i);
    const S* g = ptr<S>(grads, i);
    S *sq = ptr<S>(square_avgs, i), *ga = ptr<S>(grad_avgs, i), *buf = ptr<S>(bufs, i);
    const C a = (C)alpha, wa = (C)(1 - alpha), wd = (C)weight_decay, ceps = (C)eps, mom = (C)momentum,
            neg_lr = (C)(-lr);
    for (int64_t k = b; k < e; ++k) {
      C gk = maximize ? -(C)g[k] : (C)g[k];
      if (weight_decay != 0) gk = (C)(gk + wd * (C)p[k]);
      C s = (C)(S)((C)(S)((C)sq[k] * a) + wa * gk * gk);
      sq[k] = (S)s;
      C avg;
      if (centered) {
        C gav = (C)ga[k];
        gav = (C)(S)(gav + wa * (gk - gav));
        ga[k] = (S)gav;
        avg = (C)(S)std::sqrt((C)(S)(s - gav * gav));
      } else {
        avg = (C)(S)std::sqrt(s);
      }
      avg = (C)(S)(avg + ceps);
      if (momentum > 0) {
        C bk = (C)(S)((C)(S)((C)buf[k] * mom) + (C)(S)(gk / avg));
        buf[k] = (S)bk;
        p[k] = (S)((C)p[k] + neg_lr * bk);
      } else {
        p[k] = (S)((C)p[k] + neg_lr * (C)(S)(gk / avg));
      }
    }
  });
}

void adagrad_step(const TensorList& params, const TensorList& grads, const TensorList& sums,
                  const std::vector<double>& clr, double weight_decay, double eps, bool maximize) {
  check_lists("adagrad", params, grads, {&sums});
  EMBER_CHECK(sums.size() == params.size() && clr.size() == params.size(), "adagrad",
              "state lists must match the parameters");
#ifdef EMBER_WITH_CUDA
  if (!params.empty() && params[0].device().is_cuda()) {
    cuda::adagrad_step(params, grads, sums, clr, weight_decay, eps, maximize);
    return;
  }
#endif
  for_each_param("adagrad", params, [&](auto* tag, size_t i, int64_t b, int64_t e) {
    using S = std::remove_pointer_t<decltype(tag)>;
    using C = compute_t<S>;
    S* p = ptr<S>(params, i);
    const S* g = ptr<S>(grads, i);
    S* sum = ptr<S>(sums, i);
    const C wd = (C)weight_decay, ceps = (C)eps, neg_clr = (C)(-clr[i]);
    for (int64_t k = b; k < e; ++k) {
      C gk = maximize ? -(C)g[k] : (C)g[k];
      if (weight_decay != 0) gk = (C)(gk + wd * (C)p[k]);
      C s = (C)(S)((C)sum[k] + gk * gk);
      sum[k] = (S)s;
      C stdv = (C)(S)((C)(S)std::sqrt(s) + ceps);
      p[k] = (S)((C)p[k] + neg_clr * (C)(S)(gk / stdv));
    }
  });
}

void adadelta_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                   const TensorList& acc_deltas, double lr, double rho, double eps, double weight_decay,
                   bool maximize) {
  check_lists("adadelta", params, grads, {&square_avgs, &acc_deltas});
  EMBER_CHECK(square_avgs.size() == params.size() && acc_deltas.size() == params.size(), "adadelta",
              "state lists must match the parameters");
#ifdef EMBER_WITH_CUDA
  if (!params.empty() && params[0].device().is_cuda()) {
    cuda::adadelta_step(params, grads, square_avgs, acc_deltas, lr, rho, eps, weight_decay, maximize);
    return;
  }
#endif
  for_each_param("adadelta", params, [&](auto* tag, size_t i, int64_t b, int64_t e) {
    using S = std::remove_pointer_t<decltype(tag)>;
    using C = compute_t<S>;
    S* p = ptr<S>(params, i);
    const S* g = ptr<S>(grads, i);
    S *sq = ptr<S>(square_avgs, i), *acc = ptr<S>(acc_deltas, i);
    const C r = (C)rho, wr = (C)(1 - rho), wd = (C)weight_decay, ceps = (C)eps, neg_lr = (C)(-lr);
    for (int64_t k = b; k < e; ++k) {
      C gk = maximize ? -(C)g[k] : (C)g[k];
      if (weight_decay != 0) gk = (C)(gk + wd * (C)p[k]);
      C s = (C)(S)((C)(S)((C)sq[k] * r) + wr * gk * gk);
      sq[k] = (S)s;
      C stdv = (C)(S)std::sqrt((C)(S)(s + ceps));
      C delta = (C)(S)std::sqrt((C)(S)((C)acc[k] + ceps));
      delta = (C)(S)((C)(S)(delta / stdv) * gk);
      acc[k] = (S)((C)(S)((C)acc[k] * r) + wr * delta * delta);
      p[k] = (S)((C)p[k] + neg_lr * delta);
    }
  });
}

void adamax_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                 const TensorList& exp_infs, const std::vector<double>& clr, double beta1, double beta2,
                 double eps, double weight_decay, bool maximize) {
  check_lists("adamax", params, grads, {&exp_avgs, &exp_infs});
  EMBER_CHECK(exp_avgs.size() == params.size() && exp_infs.size() == params.size() && clr.size() == params.size(),
              "adamax", "state lists must match the parameters");
#ifdef EMBER_WITH_CUDA
  if (!params.empty() && params[0].device().is_cuda()) {
    cuda::adamax_step(params, grads, exp_avgs, exp_infs, clr, beta1, beta2, eps, weight_decay, maximize);
    return;
  }
#endif
  for_each_param("adamax", params, [&](auto* tag, size_t i, int64_t b, int64_t e) {
    using S = std::remove_pointer_t<decltype(tag)>;
    using C = compute_t<S>;
    S* p = ptr<S>(params, i);
    const S* g = ptr<S>(grads, i);
    S *m = ptr<S>(exp_avgs, i), *u = ptr<S>(exp_infs, i);
    const C w1 = (C)(1 - beta1), b2 = (C)beta2, wd = (C)weight_decay, ceps = (C)eps, neg_clr = (C)(-clr[i]);
    for (int64_t k = b; k < e; ++k) {
      C gk = maximize ? -(C)g[k] : (C)g[k];
      if (weight_decay != 0) gk = (C)(gk + wd * (C)p[k]);
      C mk = (C)m[k];
      mk = (C)(S)(mk + w1 * (gk - mk));
      m[k] = (S)mk;
      C uk = std::max((C)(S)((C)u[k] * b2), (C)(S)(std::abs(gk) + ceps));
      u[k] = (S)uk;
      p[k] = (S)((C)p[k] + neg_clr * (C)(S)(mk / uk));
    }
  });
}

void nadam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const std::vector<double>& bc2, const std::vector<double>& c_grad,
                const std::vector<double>& c_avg, double lr, double beta1, double beta2, double eps,
                double weight_decay, bool decoupled, bool maximize) {
  check_lists("nadam", params, grads, {&exp_avgs, &exp_avg_sqs});
  EMBER_CHECK(exp_avgs.size() == params.size() && exp_avg_sqs.size() == params.size() && bc2.size() == params.size() &&
              c_grad.size() == params.size() && c_avg.size() == params.size(), "nadam",
              "state lists must match the parameters");
#ifdef EMBER_WITH_CUDA
  if (!params.empty() && params[0].device().is_cuda()) {
    cuda::nadam_step(params, grads, exp_avgs, exp_avg_sqs, bc2, c_grad, c_avg, lr, beta1, beta2, eps,
                     weight_decay, decoupled, maximize);
    return;
  }
#endif
  for_each_param("nadam", params, [&](auto* tag, size_t i, int64_t b, int64_t e) {
    using S = std::remove_pointer_t<decltype(tag)>;
    using C = compute_t<S>;
    S* p = ptr<S>(params, i);
    const S* g = ptr<S>(grads, i);
    S *m = ptr<S>(exp_avgs, i), *v = ptr<S>(exp_avg_sqs, i);
    const C w1 = (C)(1 - beta1), b2 = (C)beta2, w2 = (C)(1 - beta2), wd = (C)weight_decay, ceps = (C)eps;
    const C decay = (C)(1 - lr * weight_decay), cb2 = (C)bc2[i], cg = (C)c_grad[i], ca = (C)c_avg[i];
    for (int64_t k = b; k < e; ++k) {
      C gk = maximize ? -(C)g[k] : (C)g[k];
      C pk = (C)p[k];
      C mk, vk;
      adam_moments<S, C>(m, v, k, gk, pk, weight_decay != 0, decoupled, wd, decay, w1, b2, w2, mk, vk);
      C denom = (C)(S)((C)(S)std::sqrt((C)(S)(vk / cb2)) + ceps);
      pk = (C)(S)(pk + cg * (C)(S)(gk / denom));
      p[k] = (S)(pk + ca * (C)(S)(mk / denom));
    }
  });
}

void radam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const std::vector<double>& bc1, const std::vector<double>& bc2_sqrt,
                const std::vector<double>& rect, const std::vector<bool>& rectified, double lr, double beta1,
                double beta2, double eps, double weight_decay, bool decoupled, bool maximize) {
  check_lists("radam", params, grads, {&exp_avgs, &exp_avg_sqs});
  EMBER_CHECK(exp_avgs.size() == params.size() && exp_avg_sqs.size() == params.size() && bc1.size() == params.size() &&
              bc2_sqrt.size() == params.size() && rect.size() == params.size() && rectified.size() == params.size(),
              "radam", "state lists must match the parameters");
#ifdef EMBER_WITH_CUDA
  if (!params.empty() && params[0].device().is_cuda()) {
    cuda::radam_step(params, grads, exp_avgs, exp_avg_sqs, bc1, bc2_sqrt, rect, rectified, lr, beta1, beta2,
                     eps, weight_decay, decoupled, maximize);
    return;
  }
#endif
  for_each_param("radam", params, [&](auto* tag, size_t i, int64_t b, int64_t e) {
    using S = std::remove_pointer_t<decltype(tag)>;
    using C = compute_t<S>;
    S* p = ptr<S>(params, i);
    const S* g = ptr<S>(grads, i);
    S *m = ptr<S>(exp_avgs, i), *v = ptr<S>(exp_avg_sqs, i);
    const C w1 = (C)(1 - beta1), b2 = (C)beta2, w2 = (C)(1 - beta2), wd = (C)weight_decay, ceps = (C)eps;
    const C decay = (C)(1 - lr * weight_decay), cbc1 = (C)bc1[i], cbc2s = (C)bc2_sqrt[i], clr = (C)lr,
            crect = (C)rect[i];
    const bool rx = rectified[i];
    for (int64_t k = b; k < e; ++k) {
      C gk = maximize ? -(C)g[k] : (C)g[k];
      C pk = (C)p[k];
      C mk, vk;
      adam_moments<S, C>(m, v, k, gk, pk, weight_decay != 0, decoupled, wd, decay, w1, b2, w2, mk, vk);
      C upd = (C)(S)((C)(S)(mk / cbc1) * clr);
      if (rx) {
        C adaptive = (C)(S)(cbc2s / (C)(S)((C)(S)std::sqrt(vk) + ceps));
        upd = (C)(S)((C)(S)(upd * adaptive) * crect);
      }
      p[k] = (S)(pk - upd);
    }
  });
}

}  // namespace ember
