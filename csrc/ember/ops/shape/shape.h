// shape.h — shape/layout ops: joining (cat, stack), splitting (split, chunk, unbind — views),
// data-moving copies (flip, roll, rot90, repeat, tile, repeat_interleave), triangles and
// diagonals (tril/triu, diag, diag_embed, trace), small products (outer, cross, kron) and
// nn.functional's pad and one_hot. Results are new contiguous tensors unless noted "view".
#pragma once
#include <optional>
#include <vector>
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember {

// ---- joining ----
// tensors: each (..., n_i, ...) along `dim`; 1-D (0,) tensors are skipped for shape checks
// (PyTorch's legacy rule) but still take part in dtype promotion. out: written when defined;
// a differently shaped out is replaced by a new tensor of its dtype (the caller rebinds it).
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim, const Tensor& out = Tensor());
// tensors: all the same shape S; result S with a new dim of size len(tensors) at `dim`.
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim, const Tensor& out = Tensor());

// ---- splitting (views) ----
std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim);
std::vector<Tensor> split_with_sizes(const Tensor& t, const Shape& sizes, int64_t dim);
std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim);
std::vector<Tensor> tensor_split(const Tensor& t, int64_t sections, int64_t dim);
std::vector<Tensor> tensor_split_indices(const Tensor& t, const Shape& indices, int64_t dim);
std::vector<Tensor> unbind(const Tensor& t, int64_t dim);
std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors);  // views
Shape broadcast_shapes_n(const std::vector<Shape>& shapes);
// tensors: 0-d or 1-d, same dtype; views expanded to (n_0, n_1, ...) ("xy" swaps the first two).
std::vector<Tensor> meshgrid(const std::vector<Tensor>& tensors, const std::string& indexing);

// ---- copies ----
Tensor flip(const Tensor& t, const Shape& dims);
Tensor roll(const Tensor& t, const Shape& shifts, const Shape& dims);  // dims empty: flattened roll
Tensor rot90(const Tensor& t, int64_t k, const Shape& dims);
Tensor repeat(const Tensor& t, const Shape& repeats);                  // len(repeats) >= t.dim()
Tensor tile(const Tensor& t, const Shape& reps);
Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size);
Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size);
// repeats (n,) integer -> indices [0]*r0 ++ [1]*r1 ++ ... (the one-argument torch form)
Tensor repeat_interleave_indices(const Tensor& repeats, std::optional<int64_t> output_size);
Tensor narrow_copy(const Tensor& t, int64_t dim, int64_t start, int64_t length);

// ---- triangles and diagonals ----
// t: (..., R, C). lower keeps j - i <= diagonal, upper keeps j - i >= diagonal.
Tensor tril(const Tensor& t, int64_t diagonal, const Tensor& out = Tensor());
Tensor triu(const Tensor& t, int64_t diagonal, const Tensor& out = Tensor());
void tril_(const Tensor& t, int64_t diagonal);
void triu_(const Tensor& t, int64_t diagonal);
Tensor tril_indices(int64_t row, int64_t col, int64_t offset, DType dtype);  // (2, N)
Tensor triu_indices(int64_t row, int64_t col, int64_t offset, DType dtype);
Tensor diag(const Tensor& t, int64_t diagonal);  // 1-D -> matrix, 2-D -> its diagonal
Tensor diag_embed(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2);
Tensor diagflat(const Tensor& t, int64_t offset);
Tensor trace(const Tensor& t);                   // 2-D; integers sum in int64

// ---- small products ----
Tensor outer(const Tensor& a, const Tensor& b);  // (n,), (m,) -> (n, m)
Tensor cross(const Tensor& a, const Tensor& b, std::optional<int64_t> dim);
Tensor kron(const Tensor& a, const Tensor& b);

// ---- nn.functional ----
enum class PadMode { Constant, Reflect, Replicate, Circular };
// pad: (left_last, right_last, left_second_last, ...). Negative pads crop.
Tensor pad(const Tensor& t, const Shape& pad, PadMode mode, std::optional<Scalar> value);
Tensor one_hot(const Tensor& t, int64_t num_classes);  // int64 (...) -> int64 (..., C)

// ---- kernels shared inside the family (shape_kernels.cpp) ----
// out[i_0, ..., i_n] = src[map_0[i_0], ..., map_n[i_n]], or `fill` where any map entry is -1.
// An empty map means identity (out and src sizes agree there). out must be contiguous.
void index_map_copy(const Tensor& out, const Tensor& src, const std::vector<std::vector<int64_t>>& maps,
                    const Scalar& fill = Scalar((int64_t)0));

}  // namespace ember
