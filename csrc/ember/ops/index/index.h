// index.h — indexing ops: advanced (integer / bool tensor) indexing, gather/scatter along a dim,
// index_* along a dim, masked ops, take/put and nonzero. Every index is bounds-checked before
// anything is written, so bad input leaves the destination unchanged. Accumulating ops are
// deterministic: work is split by destination element, never raced.
#pragma once
#include <optional>
#include <string>
#include <vector>
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember {

using OptTensor = std::optional<Tensor>;

// self[indices...]: one entry per leading dim of self (nullopt = whole dim). Entries are int32/int64
// index tensors (broadcast together) or bool/uint8 masks (each covering mask.dim() dims).
// Result dims: the broadcast index shape replaces the indexed dims when they are adjacent, else leads.
Tensor index(const Tensor& self, const std::vector<OptTensor>& indices);
// self[indices...] = values (values broadcast to the indexing result; dtype must equal self's);
// accumulate=true adds, summing duplicates deterministically.
void index_put_(const Tensor& self, const std::vector<OptTensor>& indices, const Tensor& values, bool accumulate,
                const char* op = "index_put_");

// Along `dim` with an index tensor of self's rank: out[i][j] = self[i][index[i][j]] (dim=1).
// wrap_negative: accept indices in [-size, size) (take_along_dim); gather itself rejects negatives.
Tensor gather(const Tensor& self, int64_t dim, const Tensor& index, bool wrap_negative = false,
              const char* op = "gather");
// self[i][index[i][j]] (op)= src[i][j]; reduce: "" (assign), "add", "multiply".
void scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce);
void scatter_value_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, const std::string& reduce);
// reduce: sum | prod | mean | amax | amin
void scatter_reduce_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                     bool include_self);

// Along `dim` with a 1-D index: out = self with dim replaced by index entries.
Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);
void index_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha);
void index_copy_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source);
void index_fill_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);

// Flat (row-major) indexing of self: take -> index.shape; put_ writes source (numel == index.numel()).
Tensor take(const Tensor& self, const Tensor& index);
void put_(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate);

// Masks (bool): masked_fill_ broadcasts mask to self; masked_select broadcasts both and returns 1-D.
void masked_fill_(const Tensor& self, const Tensor& mask, const Scalar& value);
void masked_fill_tensor_(const Tensor& self, const Tensor& mask, const Tensor& value);  // 0-d value
Tensor masked_select(const Tensor& self, const Tensor& mask);
void masked_scatter_(const Tensor& self, const Tensor& mask, const Tensor& source);

// (N, ndim) int64 coordinates of nonzero elements, row-major order.
Tensor nonzero(const Tensor& self);

}  // namespace ember
