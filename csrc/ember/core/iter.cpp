#include "ember/core/iter.h"

namespace ember {

namespace {
// The CPU loops only run on CPU tensors: a CUDA operand (or operands on two devices) raises
// here, before any pointer is formed, with the device guard's error.
void check_cpu_operands(const Tensor* const* ops, int n) {
  for (int k = 0; k < n; ++k) {
    const Device d = ops[k]->device();
    if (__builtin_expect(d.is_cpu(), 1)) continue;
    for (int j = 0; j < n; ++j)
      if (ops[j]->device() != d)
        throw Error(ErrorKind::DeviceUnsupported, "Expected all tensors to be on the same device, but found at least "
                    "two devices, " + d.str() + " and " + ops[j]->device().str() + "!");
    device_guard_fail(d);
  }
}
}  // namespace

StridedIter::StridedIter(const Shape& shape, std::initializer_list<const Tensor*> ops) {
  check_cpu_operands(ops.begin(), (int)ops.size());
  init(shape, ops.begin(), (int)ops.size());
}
StridedIter::StridedIter(const Shape& shape, const Tensor* const* ops, int n) {
  check_cpu_operands(ops, n);
  init(shape, ops, n);
}
StridedIter::StridedIter(const Shape& shape, std::initializer_list<const Tensor*> ops, AnyDeviceTag) {
  init(shape, ops.begin(), (int)ops.size());
}

void StridedIter::init(const Shape& out_shape, const Tensor* const* ops, int n) {
  EMBER_CHECK(n <= kMaxIterOps, "iter", "too many operands");
  EMBER_CHECK((int64_t)out_shape.size() <= kMaxIterDims, "iter", "tensors with more than ", kMaxIterDims,
              " dimensions are not supported");
  nops = n;
  int nd = (int)out_shape.size();
  numel = shape_numel(out_shape);
  for (int k = 0; k < n; ++k) base[k] = static_cast<char*>(ops[k]->raw_data_ptr());
  // Fill innermost-first, with broadcast dims at stride 0; drop size-1 dims.
  ndim = 0;
  for (int d = nd - 1; d >= 0; --d) {
    if (out_shape[d] == 1) continue;
    shape[ndim] = out_shape[d];
    for (int k = 0; k < n; ++k) {
      const Tensor& t = *ops[k];
      int td = d - (nd - (int)t.dim());
      int64_t s = (td < 0 || t.sizes()[td] == 1) ? 0 : t.strides()[td];
      strides[ndim][k] = s * (int64_t)t.itemsize();
    }
    ++ndim;
  }
  // Coalesce dim d+1 into d when every operand steps contiguously across them.
  int w = 0;
  for (int d = 1; d < ndim; ++d) {
    bool ok = true;
    for (int k = 0; k < n && ok; ++k) ok = strides[d][k] == strides[w][k] * shape[w];
    if (ok) {
      shape[w] *= shape[d];
    } else {
      ++w;
      shape[w] = shape[d];
      for (int k = 0; k < n; ++k) strides[w][k] = strides[d][k];
    }
  }
  if (ndim > 0) ndim = w + 1;
}

bool StridedIter::is_contiguous_1d() const { return ndim <= 1; }

}  // namespace ember
