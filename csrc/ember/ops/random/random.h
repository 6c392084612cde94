// random.h — random number ops on the Philox stream (philox.h documents the bit layout).
// In-place fills write every element of `self` (any strides; element i is the i-th element in
// row-major order, so a view gets the same numbers as a contiguous tensor of its shape).
// `gen` may be null (the default generator). Validation raises PyTorch's errors, op-prefixed.
#pragma once
#include <optional>
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"
#include "ember/ops/random/generator.h"

namespace ember {

// self <- U[from, to) (floating self).
void uniform_(const Tensor& self, double from, double to, Generator* gen);
// self <- N(mean, std^2) (floating self).
void normal_(const Tensor& self, double mean, double std, Generator* gen);
// self <- integers uniform in [from, to) (to = nullopt: up to the dtype's largest integer,
// inclusive; from = nullopt too: random_() i.e. [0, 2^mantissa] for floats, [0, max] for ints).
void random_(const Tensor& self, std::optional<int64_t> from, std::optional<int64_t> to, Generator* gen);
void exponential_(const Tensor& self, double lambd, Generator* gen);
void geometric_(const Tensor& self, double p, Generator* gen);
void cauchy_(const Tensor& self, double median, double sigma, Generator* gen);
void log_normal_(const Tensor& self, double mean, double std, Generator* gen);
// self <- Bernoulli(p) with p a number or a tensor broadcastable to self.
void bernoulli_(const Tensor& self, double p, Generator* gen);
void bernoulli_(const Tensor& self, const Tensor& p, Generator* gen);
// A new tensor shaped and typed like `probs` with Bernoulli(probs) entries.
Tensor bernoulli(const Tensor& probs, Generator* gen);

// normal with tensor parameters: broadcast(mean, std) shape, floating result type of both.
// mean/std may be undefined tensors, replaced by the given numbers.
Tensor normal(const Tensor& mean, const Tensor& std, double mean_s, double std_s, Generator* gen,
              const Tensor& out = Tensor());

// A random permutation of 0..n-1 (Fisher-Yates on the Philox stream), as a CPU tensor. cuda_index
// >= 0: drawn from that CUDA device's default generator when `gen` is the default (the caller
// moves the result to the device; the shuffle itself is sequential, so it runs on the host).
Tensor randperm(int64_t n, DType dtype, Generator* gen, int cuda_index = -1);
// int64 indices sampled from rows of `probs` (1-D (C,) -> (k,), 2-D (R, C) -> (R, k)). CUDA probs:
// computed on the host with the device's generator, result on the device.
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement, Generator* gen);

}  // namespace ember
