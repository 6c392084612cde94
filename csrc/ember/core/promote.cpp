#include "ember/core/promote.h"

namespace ember {

void ResultTypeState::add(const Tensor& t) {
  if (t.dim() > 0) { dim = has_dim ? promote_types(dim, t.dtype()) : t.dtype(); has_dim = true; }
  else { zero = has_zero ? promote_types(zero, t.dtype()) : t.dtype(); has_zero = true; }
}

void ResultTypeState::add(const Scalar& s) {
  DType d = s.is_float() ? default_float_dtype() : s.natural_dtype();
  wrapped = has_wrapped ? promote_types(wrapped, d) : d;
  has_wrapped = true;
}

namespace {
// `higher` has priority; `lower` only matters when it is of a higher category.
bool combine(bool hh, DType h, bool hl, DType l, DType& out) {
  if (!hh) { out = l; return hl; }
  if (!hl) { out = h; return true; }
  if (is_floating(h)) { out = h; return true; }
  if (h == DType::Bool || is_floating(l)) { out = promote_types(h, l); return true; }
  out = h;
  return true;
}
}  // namespace

DType ResultTypeState::result() const {
  DType low;
  bool has_low = combine(has_zero, zero, has_wrapped, wrapped, low);
  DType out;
  if (!combine(has_dim, dim, has_low, low, out)) return default_float_dtype();
  return out;
}

DType result_type(const Tensor& a, const Tensor& b) { ResultTypeState s; s.add(a); s.add(b); return s.result(); }
DType result_type(const Tensor& a, const Scalar& b) { ResultTypeState s; s.add(a); s.add(b); return s.result(); }

}  // namespace ember
