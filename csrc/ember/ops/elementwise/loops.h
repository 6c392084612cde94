// loops.h — inner loops for elementwise kernels, written so the compiler vectorizes the dense
// cases. Each takes the StridedIter body arguments (ptrs, byte strides, n); operand 0 is the
// output. `f` works on compute_t<T> (float for 16-bit floats). Included by the per-ISA kernel
// files, so the same source becomes baseline, AVX2 and AVX-512 code.
#pragma once
#include "ember/core/dtype.h"

namespace ember {

template <class To, class Ti, class F>
inline void unary_loop(char** p, const int64_t* s, int64_t n, const F& f) {
  using C = compute_t<Ti>;
  To* o = (To*)p[0];
  const Ti* a = (const Ti*)p[1];
  if (s[0] == sizeof(To) && s[1] == sizeof(Ti)) {
    for (int64_t i = 0; i < n; ++i) o[i] = To(f(C(a[i])));
  } else {
    for (int64_t i = 0; i < n; ++i) *(To*)(p[0] + i * s[0]) = To(f(C(*(const Ti*)(p[1] + i * s[1]))));
  }
}

template <class To, class Ti, class F>
inline void binary_loop(char** p, const int64_t* s, int64_t n, const F& f) {
  using C = compute_t<Ti>;
  To* o = (To*)p[0];
  const Ti* a = (const Ti*)p[1];
  const Ti* b = (const Ti*)p[2];
  constexpr int64_t so = sizeof(To), si = sizeof(Ti);
  if (s[0] == so && s[1] == si && s[2] == si) {
    for (int64_t i = 0; i < n; ++i) o[i] = To(f(C(a[i]), C(b[i])));
  } else if (s[0] == so && s[1] == si && s[2] == 0) {
    const C bv = C(*b);
    for (int64_t i = 0; i < n; ++i) o[i] = To(f(C(a[i]), bv));
  } else if (s[0] == so && s[1] == 0 && s[2] == si) {
    const C av = C(*a);
    for (int64_t i = 0; i < n; ++i) o[i] = To(f(av, C(b[i])));
  } else {
    for (int64_t i = 0; i < n; ++i)
      *(To*)(p[0] + i * s[0]) = To(f(C(*(const Ti*)(p[1] + i * s[1])), C(*(const Ti*)(p[2] + i * s[2]))));
  }
}

}  // namespace ember

namespace ember {

// out = f(a, b, c) over three inputs of type Ti (operands 1..3).
template <class To, class Ti, class F>
inline void ternary_loop(char** p, const int64_t* s, int64_t n, const F& f) {
  using C = compute_t<Ti>;
  constexpr int64_t so = sizeof(To), si = sizeof(Ti);
  if (s[0] == so && s[1] == si && s[2] == si && s[3] == si) {
    To* o = (To*)p[0];
    const Ti *a = (const Ti*)p[1], *b = (const Ti*)p[2], *c = (const Ti*)p[3];
    for (int64_t i = 0; i < n; ++i) o[i] = To(f(C(a[i]), C(b[i]), C(c[i])));
  } else {
    for (int64_t i = 0; i < n; ++i)
      *(To*)(p[0] + i * s[0]) = To(f(C(*(const Ti*)(p[1] + i * s[1])), C(*(const Ti*)(p[2] + i * s[2])),
                                     C(*(const Ti*)(p[3] + i * s[3]))));
  }
}

}  // namespace ember
