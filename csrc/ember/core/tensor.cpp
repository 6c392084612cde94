#include "ember/core/tensor.h"
#include <algorithm>

namespace ember {

Tensor Tensor::empty(const Shape& sizes, DType dtype, Device device) {
  int64_t n = 1;
  for (auto s : sizes) {
    EMBER_CHECK(s >= 0, "empty", "negative dimension ", s, " in size ", shape_str(sizes));
    n *= s;
  }
  auto st = Storage::allocate((size_t)n * ember::itemsize(dtype), device);
  return Tensor(std::move(st), 0, sizes, contiguous_strides(sizes), dtype);
}

void device_guard_fail(const Device& d) {
  throw Error(ErrorKind::DeviceUnsupported, "not implemented for '" + std::string(d.is_cuda() ? "cuda" : "cpu") +
              "' (this op has no kernel for " + d.str() + " tensors yet; move the inputs with .cpu())");
}

void device_mismatch_fail(const char* op, const Device& a, const Device& b) {
  EMBER_FAIL(op, "Expected all tensors to be on the same device, but found at least two devices, ", a.str(), " and ",
             b.str(), "!");
}

int64_t Tensor::size(int64_t d) const { return sizes_[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return strides_[wrap_dim(d, dim(), "stride")]; }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t d = dim() - 1; d >= 0; --d) {
    if (sizes_[d] == 1) continue;
    if (sizes_[d] == 0) return true;
    if (strides_[d] != expected) return false;
    expected *= sizes_[d];
  }
  return true;
}

bool Tensor::is_non_overlapping_and_dense() const {
  if (is_contiguous()) return true;
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < dim(); ++d) if (sizes_[d] != 1) perm.push_back(d);
  std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return strides_[a] < strides_[b]; });
  int64_t expected = 1;
  for (auto d : perm) {
    if (strides_[d] != expected) return false;
    expected *= sizes_[d];
  }
  return true;
}

Shape contiguous_strides(const Shape& sizes) {
  Shape st(sizes.size());
  int64_t acc = 1;
  for (int64_t d = (int64_t)sizes.size() - 1; d >= 0; --d) {
    st[d] = acc;
    acc *= std::max<int64_t>(sizes[d], 1);
  }
  return st;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t n = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dim 0 and -1
  EMBER_CHECK_INDEX(dim >= -n && dim < n, op, "Dimension out of range (expected to be in range of [", -n, ", ",
                    n - 1, "], but got ", dim, ")");
  return dim < 0 ? dim + n : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    EMBER_CHECK(da == db || da == 1 || db == 1, op, "The size of tensor a (", da, ") must match the size of tensor b (",
                db, ") at non-singleton dimension ", i, " (shapes ", shape_str(a), " and ", shape_str(b), ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t shape_numel(const Shape& s) { int64_t n = 1; for (auto v : s) n *= v; return n; }

}  // namespace ember
