// shape_copy.cpp — ops that rearrange elements into a new contiguous tensor: flip, roll, rot90,
// repeat, tile, repeat_interleave, narrow_copy. Each builds one index map per output dim and
// hands it to index_map_copy (shape_kernels.cpp), which holds the reference and fast kernels.
#include "ember/core/dispatch.h"
#include "ember/core/view.h"
#include "ember/ops/shape/shape.h"
#include "ember/ops/shape/shape_util.h"

namespace ember {
using namespace shape_detail;
namespace {

using Maps = std::vector<std::vector<int64_t>>;

Tensor mapped(const Tensor& t, const Shape& out_shape, const Maps& maps) {
  Tensor out = Tensor::empty(out_shape, t.dtype(), t.device());
  index_map_copy(out, t, maps);
  return out;
}

int64_t pos_mod(int64_t a, int64_t n) { int64_t r = a % n; return r < 0 ? r + n : r; }

}  // namespace

Tensor flip(const Tensor& t, const Shape& dims) {
  Maps maps(t.dim());
  std::vector<bool> seen(std::max<int64_t>(t.dim(), 1), false);
  for (int64_t d0 : dims) {
    int64_t d = wrap_dim(d0, t.dim(), "flip");
    EMBER_CHECK(!seen[d], "flip", "dim ", d, " appears multiple times in the list of dims");
    seen[d] = true;
    if (t.dim() == 0) continue;
    int64_t n = t.sizes()[d];
    maps[d].resize(n);
    for (int64_t j = 0; j < n; ++j) maps[d][j] = n - 1 - j;
  }
  return mapped(t, t.sizes(), maps);
}

Tensor roll(const Tensor& t, const Shape& shifts, const Shape& dims) {
  EMBER_CHECK(!shifts.empty(), "roll", "`shifts` required");
  if (dims.empty()) {
    EMBER_CHECK(shifts.size() == 1, "roll", "shifts and dimensions must align. shifts: ", shifts.size(), ", dims:0");
    Tensor flat = reshape(t, {-1});
    return reshape(roll(flat, shifts, {0}), t.sizes());
  }
  EMBER_CHECK(shifts.size() == dims.size(), "roll", "shifts and dimensions must align. shifts: ", shifts.size(),
              ", dims:", dims.size());
  EMBER_CHECK_INDEX(t.dim() > 0, "roll", "Dimension specified as ", dims[0], " but tensor has no dimensions");
  if (t.numel() == 0) return clone(t);  // PyTorch skips the dim checks for empty tensors
  Shape total(t.dim(), 0);
  for (size_t i = 0; i < dims.size(); ++i) total[wrap_dim(dims[i], t.dim(), "roll")] += shifts[i];
  Maps maps(t.dim());
  for (int64_t d = 0; d < t.dim(); ++d) {
    int64_t n = t.sizes()[d];
    if (n == 0 || pos_mod(total[d], n) == 0) continue;
    maps[d].resize(n);
    for (int64_t j = 0; j < n; ++j) maps[d][j] = pos_mod(j - total[d], n);
  }
  return mapped(t, t.sizes(), maps);
}

Tensor rot90(const Tensor& t, int64_t k, const Shape& dims) {
  EMBER_CHECK(dims.size() == 2, "rot90", "expected total rotation dims == 2, but got dims = ", dims.size());
  EMBER_CHECK(t.dim() >= 2, "rot90", "expected total dims >= 2, but got total dims = ", t.dim());
  int64_t d0 = wrap_dim(dims[0], t.dim(), "rot90"), d1 = wrap_dim(dims[1], t.dim(), "rot90");
  EMBER_CHECK(d0 != d1, "rot90", "expected rotation dims to be different, but got dim0 = ", d0, " and dim1 = ", d1);
  switch (pos_mod(k, 4)) {
    case 1: return flip(transpose(t, d0, d1), {d0});
    case 2: return flip(t, {d0, d1});
    case 3: return flip(transpose(t, d0, d1), {d1});
    default: return clone(t);
  }
}

Tensor repeat(const Tensor& t, const Shape& repeats) {
  EMBER_CHECK((int64_t)repeats.size() >= t.dim(), "repeat", "Number of dimensions of repeat dims can not be smaller "
              "than number of dimensions of tensor");
  int64_t nd = (int64_t)repeats.size();
  Shape xs(nd - t.dim(), 1);
  xs.insert(xs.end(), t.sizes().begin(), t.sizes().end());
  Shape out_shape(nd);
  for (int64_t d = 0; d < nd; ++d) out_shape[d] = repeats[d] < 0 ? xs[d] * repeats[d] : checked_mul(xs[d], repeats[d], "repeat");
  for (int64_t d = 0; d < nd; ++d)
    EMBER_CHECK(out_shape[d] >= 0, "repeat", "Trying to create tensor with negative dimension ", out_shape[d], ": ",
                list_str(out_shape));
  check_numel(out_shape, "repeat");
  Tensor src = reshape(t, xs);
  Maps maps(nd);
  for (int64_t d = 0; d < nd; ++d) {
    if (repeats[d] == 1 || xs[d] == 0) continue;
    maps[d].resize(out_shape[d]);
    for (int64_t j = 0; j < out_shape[d]; ++j) maps[d][j] = j % xs[d];
  }
  return mapped(src, out_shape, maps);
}

Tensor tile(const Tensor& t, const Shape& reps) {
  Shape r = reps;
  if ((int64_t)r.size() < t.dim()) r.insert(r.begin(), t.dim() - r.size(), 1);
  return repeat(t, r);
}

namespace {
// Repeat slices along `dim` of `t` counts[i] times each.
Tensor interleave(const Tensor& t, int64_t dim, const std::vector<int64_t>& counts, int64_t total) {
  Shape out_shape = t.sizes();
  out_shape[dim] = total;
  check_numel(out_shape, "repeat_interleave");
  Maps maps(t.dim());
  maps[dim].reserve(total);
  for (int64_t i = 0; i < (int64_t)counts.size(); ++i)
    for (int64_t r = 0; r < counts[i]; ++r) maps[dim].push_back(i);
  return mapped(t, out_shape, maps);
}

// (input viewed for the op, dim): dim None flattens the input.
std::pair<Tensor, int64_t> interleave_input(const Tensor& t, std::optional<int64_t> dim) {
  if (!dim) return {reshape(t, {-1}), 0};
  EMBER_CHECK_INDEX(t.dim() > 0, "repeat_interleave", "Dimension out of range (expected to be in range of [-1, 0], "
                    "but got ", *dim, ") for a 0-dim input");
  return {t, wrap_dim(*dim, t.dim(), "repeat_interleave")};
}
}  // namespace

Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size) {
  EMBER_CHECK(repeats >= 0, "repeat_interleave", "Repeats must be non-negative");
  auto [x, d] = interleave_input(t, dim);
  int64_t n = x.sizes()[d], total = checked_mul(n, repeats, "repeat_interleave");
  EMBER_CHECK(!output_size || *output_size == total, "repeat_interleave", "Invalid output_size, expected ", total,
              " but got ", *output_size);
  return interleave(x, d, std::vector<int64_t>(n, repeats), total);
}

namespace {
std::vector<int64_t> read_repeats(const Tensor& repeats) {
  EMBER_CHECK(repeats.dim() <= 1, "repeat_interleave", "repeats must be 0-dim or 1-dim tensor");
  EMBER_CHECK_KIND(is_integral(repeats.dtype()), NotImplemented, "repeat_interleave",
                   "\"repeat_interleave_", repeats.device().is_cpu() ? "cpu" : "cuda", "\" not implemented for '",
                   dtype_name(repeats.dtype()), "'");
  // The counts decide the output size: device repeats are read back to the host (a sync, as in PyTorch).
  Tensor r = Tensor::empty(repeats.sizes(), DType::Int64);
  if (r.numel()) copy_(r, repeats);
  std::vector<int64_t> v(r.data<int64_t>(), r.data<int64_t>() + r.numel());
  for (int64_t x : v) EMBER_CHECK(x >= 0, "repeat_interleave", "repeats can not be negative");
  return v;
}
}  // namespace

Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size) {
  std::vector<int64_t> counts = read_repeats(repeats);
  if (counts.size() == 1) return repeat_interleave(t, counts[0], dim, output_size);
  auto [x, d] = interleave_input(t, dim);
  EMBER_CHECK((int64_t)counts.size() == x.sizes()[d], "repeat_interleave", "repeats must have the same size as input "
              "along dim, but got repeats.size(0) = ", counts.size(), " and input.size(", d, ") = ", x.sizes()[d]);
  int64_t total = 0;
  for (int64_t c : counts) total = checked_add(total, c, "repeat_interleave");
  EMBER_CHECK(!output_size || *output_size == total, "repeat_interleave", "allocated size does not match required size");
  return interleave(x, d, counts, total);
}

Tensor repeat_interleave_indices(const Tensor& repeats, std::optional<int64_t> output_size) {
  std::vector<int64_t> counts = read_repeats(repeats);
  int64_t total = 0;
  for (int64_t c : counts) total = checked_add(total, c, "repeat_interleave");
  EMBER_CHECK(!output_size || *output_size == total, "repeat_interleave", "allocated size does not match required size");
  Tensor idx = Tensor::empty({total}, DType::Int64);
  int64_t* p = idx.data<int64_t>();
  for (int64_t i = 0; i < (int64_t)counts.size(); ++i)
    for (int64_t r = 0; r < counts[i]; ++r) *p++ = i;
  Tensor res = Tensor::empty({total}, repeats.dtype(), repeats.device());
  if (total) copy_(res, idx);  // dtype conversion and, for device repeats, the upload
  return res;
}

Tensor narrow_copy(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  return clone(narrow(t, dim, start, length));
}

}  // namespace ember
