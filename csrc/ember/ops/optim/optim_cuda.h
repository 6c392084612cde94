// optim_cuda.h — the CUDA side of the fused optimizer steps (ops/optim/optim.h): same arguments and
// the same element math as the CPU loops (optim.cpp), one multi-tensor launch per parameter dtype.
// Plain C++ declarations only; defined in optim_cuda.cu, used from optim.cpp behind EMBER_WITH_CUDA.
// The lists are validated by optim.cpp (shapes, dtypes, contiguity, one device) before these run.
#pragma once
#include <vector>
#include "ember/core/tensor.h"

namespace ember::cuda {

using TensorList = std::vector<Tensor>;

void sgd_step(const TensorList& params, const TensorList& grads, const TensorList& bufs,
              const std::vector<bool>& first, double lr, double momentum, double dampening,
              double weight_decay, bool nesterov, bool maximize);
void adam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
               const TensorList& exp_avg_sqs, const TensorList& max_sqs, const std::vector<double>& step_size,
               const std::vector<double>& bc2_sqrt, double lr, double beta1, double beta2, double eps,
               double weight_decay, bool decoupled, bool amsgrad, bool maximize);
void rmsprop_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                  const TensorList& grad_avgs, const TensorList& bufs, double lr, double alpha, double eps,
                  double weight_decay, double momentum, bool centered, bool maximize);
void adagrad_step(const TensorList& params, const TensorList& grads, const TensorList& sums,
                  const std::vector<double>& clr, double weight_decay, double eps, bool maximize);
void adadelta_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                   const TensorList& acc_deltas, double lr, double rho, double eps, double weight_decay,
                   bool maximize);
void adamax_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                 const TensorList& exp_infs, const std::vector<double>& clr, double beta1, double beta2,
                 double eps, double weight_decay, bool maximize);
void nadam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const std::vector<double>& bc2, const std::vector<double>& c_grad,
                const std::vector<double>& c_avg, double lr, double beta1, double beta2, double eps,
                double weight_decay, bool decoupled, bool maximize);
void radam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const std::vector<double>& bc1, const std::vector<double>& bc2_sqrt,
                const std::vector<double>& rect, const std::vector<bool>& rectified, double lr, double beta1,
                double beta2, double eps, double weight_decay, bool decoupled, bool maximize);

}  // namespace ember::cuda
