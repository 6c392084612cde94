// shape_join.cpp — cat/stack (one strided copy per input into its slice of the output) and the
// view-returning splitters (split, chunk, tensor_split, unbind, broadcast_tensors, meshgrid).
//   cat fast path: contiguous same-dtype inputs into a contiguous output are row memcpys in one
//   parallel region; any other input goes through core copy_ (strides + dtype conversion).
//   cat reference: copy_ of every input into its narrowed slice.
#include <cstring>
#include "ember/core/cpu_features.h"
#include "ember/core/parallel.h"
#include "ember/core/view.h"
#include "ember/ops/elementwise/elementwise.h"
#include "ember/ops/shape/shape.h"
#include "ember/ops/shape/shape_util.h"

namespace ember {
using namespace shape_detail;
namespace {

bool legacy_skip(const Tensor& t) { return t.dim() == 1 && t.sizes()[0] == 0; }

// Copy contiguous same-dtype inputs with memcpy: rows of `outer`, each input a block of its row.
void cat_memcpy(const Tensor& dst, const std::vector<const Tensor*>& ins, const std::vector<int64_t>& offs,
                int64_t outer, int64_t inner, int64_t dst_row) {
  const int64_t isz = (int64_t)dst.itemsize();
  char* d = (char*)dst.data_ptr();
  int64_t total = dst.numel() * isz;
  if (outer >= 4 * get_num_threads() || total < kGrainSize * 4) {
    int64_t grain = std::max<int64_t>(1, kGrainSize * 4 / std::max<int64_t>(dst_row * inner * isz, 1));
    parallel_for(0, outer, grain, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r)
        for (size_t k = 0; k < ins.size(); ++k) {
          int64_t bytes = ins[k]->sizes().empty() ? 0 : shape_numel(ins[k]->sizes()) / outer * isz;
          std::memcpy(d + (r * dst_row + offs[k]) * inner * isz, (const char*)ins[k]->data_ptr() + r * bytes, bytes);
        }
    });
    return;
  }
  // Few long rows: split each block copy into byte chunks.
  for (int64_t r = 0; r < outer; ++r)
    for (size_t k = 0; k < ins.size(); ++k) {
      int64_t bytes = shape_numel(ins[k]->sizes()) / outer * isz;
      char* dp = d + (r * dst_row + offs[k]) * inner * isz;
      const char* sp = (const char*)ins[k]->data_ptr() + r * bytes;
      parallel_for(0, bytes, kGrainSize * 8, [&](int64_t b, int64_t e) { std::memcpy(dp + b, sp + b, e - b); });
    }
}

Tensor cat_impl(const std::vector<Tensor>& ts, int64_t dim, const Tensor& out, const char* op) {
  EMBER_CHECK_VALUE(!ts.empty(), op, "expected a non-empty list of Tensors");
  const Tensor* ref = nullptr;
  DType dt = ts[0].dtype();
  for (size_t i = 0; i < ts.size(); ++i) {
    EMBER_CHECK(ts[i].dim() > 0, op, "zero-dimensional tensor (at position ", i, ") cannot be concatenated");
    EMBER_CHECK(ts[i].device() == ts[0].device(), op, "Expected all tensors to be on the same device, but found at "
                "least two devices, ", ts[0].device().str(), " and ", ts[i].device().str(), "!");
    dt = promote_types(dt, ts[i].dtype());
    if (!ref && !legacy_skip(ts[i])) ref = &ts[i];
  }
  Shape shape = ref ? ref->sizes() : Shape{0};
  int64_t nd = (int64_t)shape.size();
  if (ref) dim = wrap_dim(dim, nd, op);  // all inputs skipped: PyTorch ignores dim
  else dim = 0;
  int64_t total = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& t = ts[i];
    if (legacy_skip(t)) continue;
    EMBER_CHECK(t.dim() == nd, op, "Tensors must have same number of dimensions: got ", nd, " and ", t.dim());
    for (int64_t d = 0; d < nd; ++d)
      EMBER_CHECK(d == dim || t.sizes()[d] == shape[d], op, "Sizes of tensors must match except in dimension ", dim,
                  ". Expected size ", shape[d], " but got size ", t.sizes()[d], " for tensor number ", i,
                  " in the list.");
    total = checked_add(total, t.sizes()[dim], op);
  }
  if (ref) shape[dim] = total;
  check_numel(shape, op);
  Tensor dst;
  if (out.defined()) {
    EMBER_CHECK_TYPE(can_cast(dt, out.dtype()), op, "input types can't be cast to the desired output type ",
                     dtype_name(out.dtype()));
    for (size_t i = 0; i < ts.size(); ++i)
      EMBER_CHECK(!may_overlap(out, ts[i]), op, "unsupported operation: the input tensors cannot refer to any of the "
                  "output memory locations. Found overlap in input tensor ", i);
    if (out.device() != ts[0].device()) device_mismatch_fail(op, ts[0].device(), out.device());
    dst = out.sizes() == shape ? out : Tensor::empty(shape, out.dtype(), out.device());
  } else {
    dst = Tensor::empty(shape, dt, ts[0].device());
  }
  if (dst.numel() == 0 || !ref) { dst.bump_version(); return dst; }

  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= shape[d];
  for (int64_t d = dim + 1; d < nd; ++d) inner *= shape[d];
  // (on the GPU every input is one copy_ kernel into its slice)
  const bool fast = !use_reference_kernels() && dst.is_contiguous() && dst.device().is_cpu();
  std::vector<const Tensor*> quick;
  std::vector<int64_t> quick_offs;
  int64_t off = 0;
  for (const Tensor& t : ts) {
    if (legacy_skip(t)) continue;
    int64_t n = t.sizes()[dim];
    if (n > 0 && t.numel() > 0) {
      // memcpy per row pays off for blocks of some size; short blocks (stack on the last dim)
      // go through the strided element loop of copy_.
      bool long_rows = outer == 1 || n * inner * (int64_t)dst.itemsize() >= 256;
      if (fast && long_rows && t.dtype() == dst.dtype() && t.is_contiguous()) {
        quick.push_back(&t);
        quick_offs.push_back(off);
      }
      else copy_(narrow(dst, dim, off, n), t);
    }
    off += n;
  }
  if (!quick.empty()) cat_memcpy(dst, quick, quick_offs, outer, inner, total);
  dst.bump_version();
  return dst;
}

std::vector<Tensor> pieces(const Tensor& t, int64_t dim, const Shape& sizes) {
  std::vector<Tensor> r;
  int64_t off = 0;
  for (int64_t s : sizes) { r.push_back(narrow(t, dim, off, s)); off += s; }
  return r;
}

}  // namespace

Tensor cat(const std::vector<Tensor>& ts, int64_t dim, const Tensor& out) { return cat_impl(ts, dim, out, "cat"); }

Tensor stack(const std::vector<Tensor>& ts, int64_t dim, const Tensor& out) {
  EMBER_CHECK(!ts.empty(), "stack", "stack expects a non-empty TensorList");
  for (size_t i = 1; i < ts.size(); ++i)
    EMBER_CHECK(ts[i].sizes() == ts[0].sizes(), "stack", "stack expects each tensor to be equal size, but got ",
                list_str(ts[0].sizes()), " at entry 0 and ", list_str(ts[i].sizes()), " at entry ", i);
  dim = wrap_dim(dim, ts[0].dim() + 1, "stack");
  std::vector<Tensor> us;
  us.reserve(ts.size());
  for (const Tensor& t : ts) us.push_back(unsqueeze(t, dim));
  return cat_impl(us, dim, out, "stack");
}

std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim) {
  EMBER_CHECK(t.dim() > 0, "split", "split expects at least a 1-dimensional tensor");
  dim = wrap_dim(dim, t.dim(), "split");
  EMBER_CHECK(split_size >= 0, "split", "split expects split_size be non-negative, but got split_size=", split_size);
  int64_t n = t.sizes()[dim];
  EMBER_CHECK(split_size > 0 || n == 0, "split", "split_size can only be 0 if dimension size is 0, but got dimension "
              "size of ", n);
  int64_t count = split_size == 0 ? 1 : std::max<int64_t>((n + split_size - 1) / split_size, 1);
  Shape sizes(count, split_size);
  sizes.back() = n - split_size * (count - 1);
  return pieces(t, dim, sizes);
}

std::vector<Tensor> split_with_sizes(const Tensor& t, const Shape& sizes, int64_t dim) {
  EMBER_CHECK(t.dim() > 0, "split", "split expects at least a 1-dimensional tensor");
  dim = wrap_dim(dim, t.dim(), "split");
  int64_t n = t.sizes()[dim], sum = 0;
  for (int64_t s : sizes) {
    EMBER_CHECK(s >= 0, "split", "split_with_sizes expects split_sizes have only non-negative entries, but got "
                "split_sizes=", list_str(sizes));
    sum += s;
  }
  EMBER_CHECK(sum == n, "split", "split_with_sizes expects split_sizes to sum exactly to ", n,
              " (input tensor's size at dimension ", dim, "), but got split_sizes=", list_str(sizes));
  return pieces(t, dim, sizes);
}

std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim) {
  EMBER_CHECK(t.dim() > 0, "chunk", "chunk expects at least a 1-dimensional tensor");
  EMBER_CHECK(chunks > 0, "chunk", "chunk expects `chunks` to be greater than 0, got: ", chunks);
  dim = wrap_dim(dim, t.dim(), "chunk");
  int64_t n = t.sizes()[dim];
  if (n == 0) return pieces(t, dim, Shape(chunks, 0));
  return split(t, (n + chunks - 1) / chunks, dim);
}

std::vector<Tensor> tensor_split(const Tensor& t, int64_t sections, int64_t dim) {
  EMBER_CHECK(t.dim() > 0, "tensor_split", "tensor_split expected at least a 1-dimensional tensor, but got a tensor "
              "with ", t.dim(), " dims");
  EMBER_CHECK(sections > 0, "tensor_split", "number of sections must be larger than 0, got ", sections);
  dim = wrap_dim(dim, t.dim(), "tensor_split");
  int64_t n = t.sizes()[dim];
  Shape sizes(sections, n / sections);
  for (int64_t i = 0; i < n % sections; ++i) sizes[i] += 1;
  return pieces(t, dim, sizes);
}

std::vector<Tensor> tensor_split_indices(const Tensor& t, const Shape& indices, int64_t dim) {
  EMBER_CHECK(t.dim() > 0, "tensor_split", "tensor_split expected at least a 1-dimensional tensor, but got a tensor "
              "with ", t.dim(), " dims");
  dim = wrap_dim(dim, t.dim(), "tensor_split");
  int64_t n = t.sizes()[dim];
  std::vector<Tensor> r;
  int64_t start = 0;
  auto clampi = [&](int64_t i) { if (i < 0) i += n; return std::clamp<int64_t>(i, 0, n); };
  for (int64_t idx : indices) {
    int64_t end = std::max(clampi(idx), start);
    r.push_back(slice(t, dim, start, end, 1));
    start = clampi(idx);
  }
  r.push_back(slice(t, dim, start, n, 1));
  return r;
}

std::vector<Tensor> unbind(const Tensor& t, int64_t dim) {
  EMBER_CHECK_INDEX(t.dim() > 0, "unbind", "Dimension specified as ", dim, " but tensor has no dimensions");
  dim = wrap_dim(dim, t.dim(), "unbind");
  std::vector<Tensor> r;
  for (int64_t i = 0; i < t.sizes()[dim]; ++i) r.push_back(select(t, dim, i));
  return r;
}

Shape broadcast_shapes_n(const std::vector<Shape>& shapes) {
  Shape acc;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const Shape& s = shapes[i];
    for (int64_t v : s)
      EMBER_CHECK_VALUE(v >= 0, "broadcast_shapes", "Attempting to broadcast a dimension with negative length!");
    size_t n = std::max(acc.size(), s.size());
    Shape r(n);
    for (size_t k = 0; k < n; ++k) {
      int64_t a = k < n - acc.size() ? 1 : acc[k - (n - acc.size())];
      int64_t b = k < n - s.size() ? 1 : s[k - (n - s.size())];
      EMBER_CHECK(a == b || a == 1 || b == 1, "broadcast_shapes", "Shape mismatch: objects cannot be broadcast to a "
                  "single shape. Mismatching argument at index ", i, " had ", shape_str(s),
                  "; but expected shape should be broadcastable to ", list_str(acc));
      r[k] = a == 1 ? b : a;
    }
    acc = r;
  }
  return acc;
}

std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& ts) {
  Shape shape;
  for (const Tensor& t : ts) shape = broadcast_shapes(shape, t.sizes(), "broadcast_tensors");
  std::vector<Tensor> r;
  for (const Tensor& t : ts) r.push_back(expand(t, shape));
  return r;
}

std::vector<Tensor> meshgrid(const std::vector<Tensor>& ts, const std::string& indexing) {
  EMBER_CHECK(!ts.empty(), "meshgrid", "meshgrid expects a non-empty TensorList");
  EMBER_CHECK(indexing == "ij" || indexing == "xy", "meshgrid", "indexing must be one of \"xy\" or \"ij\", but "
              "received: ", indexing);
  for (size_t i = 0; i < ts.size(); ++i)
    EMBER_CHECK(ts[i].dtype() == ts[0].dtype(), "meshgrid", "meshgrid expects all tensors to have the same dtype");
  for (size_t i = 0; i < ts.size(); ++i)
    EMBER_CHECK(ts[i].dim() <= 1, "meshgrid", "Expected 0D or 1D tensor in the tensor list but got: ",
                shape_str(ts[i].sizes()));
  bool swap = indexing == "xy" && ts.size() >= 2;
  std::vector<Tensor> in = ts;
  if (swap) std::swap(in[0], in[1]);
  Shape shape;
  for (const Tensor& t : in) shape.push_back(t.numel());
  std::vector<Tensor> r;
  for (size_t i = 0; i < in.size(); ++i) {
    Shape vs(in.size(), 1);
    vs[i] = shape[i];
    r.push_back(expand(reshape(in[i], vs), shape));
  }
  if (swap) std::swap(r[0], r[1]);
  return r;
}

}  // namespace ember
