// view.h — ops that return a tensor sharing storage with their input (no data moves), plus
// the few that may copy (reshape when strides forbid a view, contiguous, clone, copy_).
#pragma once
#include <optional>
#include "ember/core/tensor.h"

namespace ember {

Tensor as_strided(const Tensor& t, const Shape& sizes, const Shape& strides, std::optional<int64_t> offset = {});
Tensor view(const Tensor& t, Shape sizes);          // RuntimeError when strides forbid it; one -1 allowed
Tensor reshape(const Tensor& t, Shape sizes);       // view when possible, else a contiguous copy
Tensor view_dtype(const Tensor& t, DType dtype);    // reinterpret bytes (same itemsize)
Tensor permute(const Tensor& t, const Shape& dims);
Tensor transpose(const Tensor& t, int64_t d0, int64_t d1);
Tensor t_2d(const Tensor& t);                       // Tensor.t(): <= 2-D only
Tensor expand(const Tensor& t, const Shape& sizes); // -1 keeps a size
Tensor squeeze(const Tensor& t);
Tensor squeeze(const Tensor& t, const Shape& dims);
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unflatten(const Tensor& t, int64_t dim, const Shape& sizes);
Tensor select(const Tensor& t, int64_t dim, int64_t index);
Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1);
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
Tensor unfold(const Tensor& t, int64_t dim, int64_t size, int64_t step);
Tensor diagonal(const Tensor& t, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
Tensor movedim(const Tensor& t, const Shape& src, const Shape& dst);
Tensor broadcast_to(const Tensor& t, const Shape& sizes);

Tensor contiguous(const Tensor& t);
Tensor clone(const Tensor& t);
// dst <- src, broadcasting src to dst's shape and converting dtype. Overlap-safe.
void copy_(const Tensor& dst, const Tensor& src);
// copy_ across devices; non_blocking lets a pinned-host <-> cuda copy run asynchronously on the
// current stream (as PyTorch's copy_(src, non_blocking=True)).
void copy_(const Tensor& dst, const Tensor& src, bool non_blocking);
bool may_overlap(const Tensor& a, const Tensor& b);  // share any bytes?
Tensor to_dtype(const Tensor& t, DType dtype, bool copy = false);  // returns t itself when no change and !copy

// Compute strides for viewing (sizes, strides) as `new_sizes` without copying; false if impossible.
bool compute_view_strides(const Shape& sizes, const Shape& strides, const Shape& new_sizes, Shape& out);
Shape infer_size(const Shape& sizes, int64_t numel, const char* op);  // resolve one -1

}  // namespace ember
