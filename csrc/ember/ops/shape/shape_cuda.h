// shape_cuda.h — the CUDA side of the shape family (shape_cuda.cu). Plain C++ declarations only,
// included by the family's .cpp files behind `#ifdef EMBER_WITH_CUDA`; operands are on one device.
#pragma once
#include <cstdint>
#include <vector>
#include "ember/core/tensor.h"

namespace ember::cuda {

// index_map_copy (shape.h) on the GPU: out (contiguous) [i_0..i_n] = src[map_0[i_0], ..., map_n[i_n]],
// or the element whose bytes are the low itemsize bytes of `fill_bits` where a map entry is -1.
// Empty maps are the identity. The maps are copied to the device once per call.
void shape_index_map_copy(const Tensor& out, const Tensor& src, const std::vector<std::vector<int64_t>>& maps,
                          uint64_t fill_bits, const char* op);
// tril/triu: out[..., i, j] = keep(i, j) ? src[..., i, j] : 0 with keep = j - i <= k (lower) or >= k (upper).
// out and src may be the same tensor (in place: only the zeros are written).
void shape_tri(const Tensor& out, const Tensor& src, int64_t k, bool lower, const char* op);

}  // namespace ember::cuda
