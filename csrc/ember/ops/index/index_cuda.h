// index_cuda.h — the CUDA side of the index family (index_cuda.cu). Plain C++ declarations only,
// included by the family's .cpp files behind `#ifdef EMBER_WITH_CUDA`. Validation, shapes, dtype
// rules and output allocation stay in the .cpp files; these functions only move data. Every
// tensor argument lives on the same CUDA device (the callers check and move operands first).
#pragma once
#include <cstdint>
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember::cuda {

// True when some value of the int64 tensor `index` lies outside [lo, hi); *bad then holds the
// first such value in row-major order. One small device-to-host read (a sync) per call.
bool index_find_out_of_bounds(const Tensor& index, int64_t lo, int64_t hi, int64_t* bad, const char* op);
// Min and max of a non-empty int64 tensor (one sync).
void index_minmax(const Tensor& t, int64_t* mn, int64_t* mx, const char* op);

// The dim loop of index_common.h (DimLoop) on the GPU: for every position o of `outer` and j < L,
//   k = idx[o, j] (wrapped when negative), x = indexed[o] + k * indexed_dstride, y = other[o] + j * other_dstride
// (strides in bytes), then red 0: copy (*x = *y when indexed_is_dst, else *y = *x), 1: *x += alpha * *y,
// 2: *x *= *y, 3: *x = max(*x, *y), 4: *x = min(*x, *y) (NaN propagates). Reductions into x are atomic
// (their order, so float sums, is not deterministic); plain copies with duplicate k: any writer wins.
void index_dim_loop(int red, bool indexed_is_dst, const Shape& outer, const Tensor& indexed, const Tensor& other,
                    const Tensor& idx, int64_t L, int64_t indexed_dstride, int64_t other_dstride, int64_t idx_dstride,
                    int64_t size, const Scalar& alpha, const char* op);
// scatter_reduce(mean): self /= cnt where cnt > 1 (floats divide, integers floor-divide); cnt int64 at self's shape.
void index_mean_divide(const Tensor& self, const Tensor& cnt, const char* op);

// Advanced indexing: offs (int64, at shape B) = (init ? 0 : offs) + wrap(ix, size) * stride, ix broadcast to B.
void index_accumulate_offsets(const Tensor& offs, const Tensor& ix, int64_t size, int64_t stride, bool init,
                              const char* op);
// Flat (row-major) indices ix in [-n, n) -> element offsets into a tensor of `sizes` / `strides`.
void index_flat_offsets(const Tensor& offs, const Tensor& ix, const Shape& sizes, const Shape& strides, int64_t n,
                        const char* op);
// out[r] = base_r[r] shifted by offs_r[r] elements (base_r, offs_r viewed at out's shape).
void index_gather_offsets(const Tensor& out, const Tensor& base_r, const Tensor& offs_r, const char* op);
// base_r[r] shifted by offs_r[r] = vals_r[r] (accumulate: +=, atomic; else any writer wins).
void index_put_offsets(const Tensor& base_r, const Tensor& vals_r, const Tensor& offs_r, bool accumulate,
                       const char* op);

// self[mask] = *value (mask bool, broadcast to self; value a 0-d device tensor of self's dtype).
void index_masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value, const char* op);

// Compaction (nonzero, masked_select, masked_scatter_). `flags` is a contiguous bool device tensor;
// index_flag_scan returns the inclusive prefix sums of the flags (int64, flags' numel) and the total
// count (read back to the host: the one sync of these ops, whose result size depends on the data).
Tensor index_flag_scan(const Tensor& flags, int64_t* total, const char* op);
// out (total, shape.size()) int64 <- row-major coordinates of the set flags.
void index_nonzero_write(const Tensor& out, const Tensor& flags, const Tensor& scan, const Shape& shape,
                         const char* op);
// out (total,) <- src (any strides, at the flags' shape) where flags are set, row-major order.
void index_masked_select_write(const Tensor& out, const Tensor& src, const Tensor& flags, const Tensor& scan,
                               const char* op);
// self (any strides, at the flags' shape) <- consecutive elements of the contiguous src where flags are set.
void index_masked_scatter_write(const Tensor& self, const Tensor& flags, const Tensor& scan, const Tensor& src,
                                const char* op);

// one_hot: out (n, C) int64 zeros; out[i, v[i]] = 1 for the contiguous int64 v (values checked by the caller).
void index_one_hot(const Tensor& out, const Tensor& v, int64_t num_classes, const char* op);

}  // namespace ember::cuda
