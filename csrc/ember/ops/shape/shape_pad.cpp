// shape_pad.cpp — nn.functional.pad (constant / reflect / replicate / circular) and one_hot.
// pad validates with PyTorch's rules, builds one source-index map per padded dim
// (-1 = the constant) and runs index_map_copy. Negative pads crop.
#include <cmath>
#include <limits>
#include "ember/core/dispatch.h"
#include "ember/core/fill.h"
#include "ember/core/parallel.h"
#include "ember/core/view.h"
#include "ember/ops/shape/shape.h"
#include "ember/ops/shape/shape_util.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/index/index_cuda.h"
#endif

namespace ember {
using namespace shape_detail;
namespace {

const char* mode_name(PadMode m) {
  switch (m) {
    case PadMode::Reflect: return "reflect";
    case PadMode::Replicate: return "replicate";
    case PadMode::Circular: return "circular";
    default: return "constant";
  }
}

// PyTorch refuses constants that overflow an integer (or float16) element type.
void check_fill_fits(DType dt, const Scalar& v) {
  if (dt == DType::Bool || v.is_bool()) return;
  double x = v.to_double(), lo = 0, hi = 0;
  switch (dt) {
    case DType::UInt8: lo = 0; hi = 255; break;
    case DType::Int8: lo = -128; hi = 127; break;
    case DType::Int16: lo = -32768; hi = 32767; break;
    case DType::Int32: lo = -2147483648.0; hi = 2147483647.0; break;
    case DType::Int64:
      if (!v.is_float()) return;
      lo = -9223372036854775808.0; hi = 9223372036854774784.0; break;  // largest double below 2^63
    case DType::Float16: lo = -65504; hi = 65504; if (!std::isfinite(x)) return; break;
    default: return;
  }
  EMBER_CHECK(x >= lo && x <= hi, "pad", "value cannot be converted to type ", dtype_name(dt), " without overflow");
}

std::vector<int64_t> dim_map(PadMode mode, int64_t n, int64_t l, int64_t r) {
  int64_t m = n + l + r;
  std::vector<int64_t> map(m);
  const int64_t lo = std::max<int64_t>(-l, 0), c = n - lo - std::max<int64_t>(-r, 0), start = std::max<int64_t>(l, 0);
  for (int64_t j = 0; j < m; ++j) {
    int64_t i = j - l;
    switch (mode) {
      case PadMode::Constant: map[j] = (i >= 0 && i < n) ? i : -1; break;
      case PadMode::Reflect: if (i < 0) i = -i; if (i >= n) i = 2 * (n - 1) - i; map[j] = i; break;
      case PadMode::Replicate: map[j] = std::clamp<int64_t>(i, 0, n - 1); break;
      case PadMode::Circular: { int64_t k = (j - start) % c; map[j] = lo + (k < 0 ? k + c : k); break; }
    }
  }
  return map;
}

void check_nonconstant(const Tensor& t, const Shape& pad, PadMode mode, const Shape& out_shape) {
  const int64_t nd = t.dim(), npad = (int64_t)pad.size() / 2;
  EMBER_CHECK_KIND(npad >= 1 && npad <= 3 && (nd == npad + 1 || nd == npad + 2), NotImplemented, "pad",
                   "Padding size ", pad.size(), " is not supported for ", nd, "D input tensor.");
  if (mode == PadMode::Circular) {
    for (int64_t p = 0; p < npad; ++p) {
      int64_t d = nd - 1 - p, n = t.sizes()[d], l = pad[2 * p], r = pad[2 * p + 1];
      EMBER_CHECK(l <= n && r <= n, "pad", "Padding value causes wrapping around more than once.");
      EMBER_CHECK(n + l + r >= 0, "pad", "Negative padding value is resulting in an empty dimension.");
      int64_t c = n - std::max<int64_t>(-l, 0) - std::max<int64_t>(-r, 0);
      // Pads wrap modulo the cropped extent c (an empty crop can only give an empty result).
      EMBER_CHECK(c > 0 || n + l + r == 0, "pad", "Padding value causes wrapping around more than once.");
    }
    return;
  }
  for (int64_t d = (nd == npad + 2 ? 1 : 0); d < nd; ++d)
    EMBER_CHECK(t.sizes()[d] != 0, "pad", "Expected ", npad + 1, "D or ", npad + 2, "D (batch mode) tensor with "
                "possibly 0 batch size and other non-zero dimensions for input, but got: ", list_str(t.sizes()));
  if (mode == PadMode::Reflect) {
    for (int64_t p = 0; p < npad; ++p) {
      int64_t d = nd - 1 - p, n = t.sizes()[d], l = pad[2 * p], r = pad[2 * p + 1];
      EMBER_CHECK(l < n && r < n, "pad", "Argument #", 4 + 2 * p, ": Padding size should be less than the "
                  "corresponding input dimension, but got: padding (", l, ", ", r, ") at dimension ", d,
                  " of input ", list_str(t.sizes()));
    }
  }
  static const char* names[3] = {"W", "H", "D"};
  std::string in_s, out_s;
  bool any_pos = false, any_neg = false;
  for (int64_t p = npad - 1; p >= 0; --p) {
    int64_t d = nd - 1 - p;
    in_s += std::string(in_s.empty() ? "" : ", ") + names[p] + ": " + std::to_string(t.sizes()[d]);
    out_s += std::string(out_s.empty() ? "" : " ") + names[p] + ": " + std::to_string(out_shape[d]);
    any_pos |= out_shape[d] >= 1;
    any_neg |= out_shape[d] < 0;
  }
  bool ok = npad == 1 ? out_shape[nd - 1] >= 1 : (any_pos && !any_neg);
  EMBER_CHECK(ok, "pad", "input (", in_s, ") is too small. Calculated output ", out_s);
}

}  // namespace

Tensor pad(const Tensor& t, const Shape& pad, PadMode mode, std::optional<Scalar> value) {
  EMBER_CHECK(pad.size() % 2 == 0, "pad", "Padding length must be divisible by 2");
  EMBER_CHECK((int64_t)pad.size() / 2 <= t.dim(), "pad", "Padding length should be less than or equal to two times "
              "the input dimension but got padding length ", pad.size(), " and input of dimension ", t.dim());
  const int64_t nd = t.dim(), npad = (int64_t)pad.size() / 2;
  Shape out_shape = t.sizes();
  for (int64_t p = 0; p < npad; ++p)
    out_shape[nd - 1 - p] = checked_add(out_shape[nd - 1 - p], checked_add(pad[2 * p], pad[2 * p + 1], "pad"), "pad");
  if (mode == PadMode::Constant) {
    for (int64_t p = 0; p < npad; ++p) {
      int64_t d = nd - 1 - p;
      EMBER_CHECK(out_shape[d] >= 0, "pad", "The input size ", t.sizes()[d], ", plus negative padding ", pad[2 * p],
                  " and ", pad[2 * p + 1], " resulted in a negative output size, which is invalid. Check dimension ",
                  d, " of your input.");
      // PyTorch crops first, so each negative pad must fit inside the dimension on its own.
      EMBER_CHECK(t.sizes()[d] - std::max<int64_t>(-pad[2 * p], 0) - std::max<int64_t>(-pad[2 * p + 1], 0) >= 0, "pad",
                  "narrow(): length must be non-negative. The negative padding (", pad[2 * p], ", ", pad[2 * p + 1],
                  ") crops more than the size ", t.sizes()[d], " of dimension ", d, ".");
    }
    if (value) check_fill_fits(t.dtype(), *value);
  } else {
    EMBER_CHECK(!value || value->to_double() == 0, "pad", "Padding mode \"", mode_name(mode),
                "\" doesn't take in value argument");
    check_nonconstant(t, pad, mode, out_shape);
  }
  check_numel(out_shape, "pad");
  Tensor out = Tensor::empty(out_shape, t.dtype(), t.device());
  if (out.numel() == 0) return out;
  std::vector<std::vector<int64_t>> maps(nd);
  for (int64_t p = 0; p < npad; ++p) {
    int64_t d = nd - 1 - p;
    if (pad[2 * p] == 0 && pad[2 * p + 1] == 0) continue;
    maps[d] = dim_map(mode, t.sizes()[d], pad[2 * p], pad[2 * p + 1]);
  }
  index_map_copy(out, t, maps, value.value_or(Scalar((int64_t)0)));
  return out;
}

Tensor one_hot(const Tensor& t, int64_t num_classes) {
  EMBER_CHECK(t.dtype() == DType::Int64, "one_hot", "one_hot is only applicable to index tensor of type LongTensor.");
  Shape shape = t.sizes();
  if (t.numel() == 0) {
    EMBER_CHECK(num_classes > 0, "one_hot", "Can not infer total number of classes from empty tensor.");
    shape.push_back(num_classes);
    check_numel(shape, "one_hot");
    return Tensor::empty(shape, DType::Int64, t.device());
  }
  Tensor x = contiguous(t);
#ifdef EMBER_WITH_CUDA
  if (x.device().is_cuda()) {  // min/max on the device (one sync: the class count may depend on the data)
    int64_t mn = 0, mx = 0;
    cuda::index_minmax(x, &mn, &mx, "one_hot");
    EMBER_CHECK(mn >= 0, "one_hot", "Class values must be non-negative.");
    if (num_classes == -1) num_classes = mx + 1;
    else EMBER_CHECK(mx < num_classes, "one_hot", "Class values must be smaller than num_classes.");
    shape.push_back(num_classes);
    check_numel(shape, "one_hot");
    Tensor out = full(shape, Scalar((int64_t)0), DType::Int64, t.device());
    cuda::index_one_hot(out, x, num_classes, "one_hot");
    return out;
  }
#endif
  const int64_t* v = x.data<int64_t>();
  const int64_t n = x.numel();
  int64_t mn = v[0], mx = v[0];
  for (int64_t i = 1; i < n; ++i) { mn = std::min(mn, v[i]); mx = std::max(mx, v[i]); }
  EMBER_CHECK(mn >= 0, "one_hot", "Class values must be non-negative.");
  if (num_classes == -1) num_classes = mx + 1;
  else EMBER_CHECK(mx < num_classes, "one_hot", "Class values must be smaller than num_classes.");
  shape.push_back(num_classes);
  check_numel(shape, "one_hot");
  Tensor out = full(shape, Scalar((int64_t)0), DType::Int64, t.device());
  int64_t* o = out.data<int64_t>();
  parallel_for(0, n, kGrainSize, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) o[i * num_classes + v[i]] = 1;
  });
  return out;
}

}  // namespace ember
