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
// trace: out (0-d; t's dtype for floats, int64 for integers) = sum of the 1-D strided diagonal d,
// accumulated in double / int64 by one block (a fixed order: deterministic).
void shape_trace(const Tensor& out, const Tensor& d, const char* op);
// cross along a dim of length 3: o1, a1, b1 are the three operands narrowed to index 0 of that dim (a1, b1
// broadcast to o1's shape); so, sa, sb their byte strides along it.
void shape_cross(const Tensor& o1, const Tensor& a1, const Tensor& b1, int64_t so, int64_t sa, int64_t sb,
                 const char* op);

}  // namespace ember::cuda
