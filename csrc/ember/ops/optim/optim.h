// optim.h — fused optimizer updates: one call updates every parameter of a parameter group.
//
// Each function takes parallel lists (params[i], grads[i], state tensors[i] of the same shape,
// contiguous, same dtype) and per-step scalar coefficients computed by the Python optimizer
// exactly as PyTorch computes them (bias corrections, schedules). The element math follows
// PyTorch's single-tensor implementations op for op, rounding to the parameter dtype between
// steps (float16/bfloat16 parameters compute in float32), so results match PyTorch's closely.
// All updates are in place; state tensors are read and written (`=` semantics noted per arg).
#pragma once
#include <vector>
#include "ember/core/tensor.h"

namespace ember {

using TensorList = std::vector<Tensor>;

// SGD: d = ±grad (+ wd*p); buf = first ? d : momentum*buf + (1-dampening)*d;
// d = nesterov ? d + momentum*buf : buf (when momentum != 0); p -= lr*d.
// `bufs` is empty when momentum == 0; `first[i]` marks a fresh momentum buffer.
void sgd_step(const TensorList& params, const TensorList& grads, const TensorList& bufs,
              const std::vector<bool>& first, double lr, double momentum, double dampening,
              double weight_decay, bool nesterov, bool maximize);

// Adam / AdamW (decoupled: p *= 1 - lr*wd). step_size[i] = lr / (1 - beta1^t),
// bc2_sqrt[i] = sqrt(1 - beta2^t). max_sqs empty unless amsgrad.
void adam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
               const TensorList& exp_avg_sqs, const TensorList& max_sqs, const std::vector<double>& step_size,
               const std::vector<double>& bc2_sqrt, double lr, double beta1, double beta2, double eps,
               double weight_decay, bool decoupled, bool amsgrad, bool maximize);

// RMSprop: sq = alpha*sq + (1-alpha)*g^2; centered: ga = lerp(ga, g, 1-alpha), avg = sqrt(sq - ga^2);
// avg += eps; momentum: buf = momentum*buf + g/avg, p -= lr*buf; else p -= lr*g/avg.
void rmsprop_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                  const TensorList& grad_avgs, const TensorList& bufs, double lr, double alpha, double eps,
                  double weight_decay, double momentum, bool centered, bool maximize);

// Adagrad: sum += g^2; p -= clr[i] * g / (sqrt(sum) + eps).
void adagrad_step(const TensorList& params, const TensorList& grads, const TensorList& sums,
                  const std::vector<double>& clr, double weight_decay, double eps, bool maximize);

// Adadelta: sq = rho*sq + (1-rho)*g^2; delta = sqrt(acc+eps)/sqrt(sq+eps)*g;
// acc = rho*acc + (1-rho)*delta^2; p -= lr*delta.
void adadelta_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                   const TensorList& acc_deltas, double lr, double rho, double eps, double weight_decay,
                   bool maximize);

// Adamax: m = lerp(m, g, 1-beta1); u = max(beta2*u, |g| + eps); p -= clr[i] * m / u.
void adamax_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                 const TensorList& exp_infs, const std::vector<double>& clr, double beta1, double beta2,
                 double eps, double weight_decay, bool maximize);

// NAdam: m, v as Adam; denom = sqrt(v / bc2[i]) + eps;
// p += c_grad[i] * g / denom; p += c_avg[i] * m / denom (coefficients from the momentum schedule).
void nadam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const std::vector<double>& bc2, const std::vector<double>& c_grad,
                const std::vector<double>& c_avg, double lr, double beta1, double beta2, double eps,
                double weight_decay, bool decoupled, bool maximize);

// RAdam: m, v as Adam; rectified[i]: p -= m/bc1 * lr * (sqrt(bc2)/(sqrt(v)+eps)) * rect[i],
// else p -= m/bc1 * lr.
void radam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const std::vector<double>& bc1, const std::vector<double>& bc2_sqrt,
                const std::vector<double>& rect, const std::vector<bool>& rectified, double lr, double beta1,
                double beta2, double eps, double weight_decay, bool decoupled, bool maximize);

}  // namespace ember
