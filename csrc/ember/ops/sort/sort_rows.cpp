// sort_rows.cpp — the row engine (see sort_rows.h): order-preserving keys, MSD+LSD radix sort
// of (key, index) pairs, heap / nth_element selection, and the std::stable_sort reference.
// Keys: unsigned ints of the element's width. Signed ints flip the sign bit; floats flip all
// bits of negatives and the sign bit of positives (IEEE order), with -0.0 mapped to +0.0 and
// every NaN to the all-ones key (larger than +inf). Descending order uses ~key, so one
// ascending stable sort serves both directions (NaN first when descending, as PyTorch).
#include "ember/ops/sort/sort_rows.h"
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numeric>
#include <type_traits>
#include "ember/core/cpu_features.h"
#include "ember/core/dispatch.h"
#include "ember/core/parallel.h"

namespace ember::sortk {

namespace {

template <class T> struct key_of { using type = std::make_unsigned_t<T>; };
template <> struct key_of<bool> { using type = uint8_t; };
template <> struct key_of<Half> { using type = uint16_t; };
template <> struct key_of<BFloat16> { using type = uint16_t; };
template <> struct key_of<float> { using type = uint32_t; };
template <> struct key_of<double> { using type = uint64_t; };
template <class T> using key_t = typename key_of<T>::type;

template <class K> inline K flip_float(K b) {
  constexpr K sign = K(K(1) << (sizeof(K) * 8 - 1));
  return (b & sign) ? K(~b) : K(b | sign);
}

template <class T> inline key_t<T> to_key(T v) {
  using K = key_t<T>;
  if constexpr (std::is_same_v<T, bool>) {
    return (K)v;
  } else if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_signed_v<T>) return K((K)v ^ K(K(1) << (sizeof(K) * 8 - 1)));
    else return (K)v;
  } else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    constexpr uint16_t inf = std::is_same_v<T, Half> ? 0x7c00 : 0x7f80;
    uint16_t x = v.x;
    if ((x & 0x7fff) > inf) return K(~K(0));
    if ((x & 0x7fff) == 0) x = 0;
    return flip_float<K>(x);
  } else {
    if (v != v) return K(~K(0));
    if (v == 0) v = 0;
    K b;
    std::memcpy(&b, &v, sizeof(K));
    return flip_float<K>(b);
  }
}

template <class C> inline bool is_nan_v(C x) {
  if constexpr (std::is_floating_point_v<C>) return x != x;
  else return false;
}

template <class K> struct KP {
  K key;
  uint32_t idx;
  bool operator<(const KP& o) const { return key < o.key || (key == o.key && idx < o.idx); }
};

// Stable LSD radix sort of src[0..n) by key bytes 0..nbytes-1 (8-bit digits; digits where
// every key agrees are skipped), ping-ponging with dst. Returns the buffer holding the result.
template <class K> KP<K>* lsd_sort(KP<K>* src, KP<K>* dst, int64_t n, int nbytes) {
  constexpr int B = sizeof(K);
  std::array<int64_t, 256 * B> cnt{};
  for (int64_t i = 0; i < n; ++i) {
    K k = src[i].key;
    for (int b = 0; b < nbytes; ++b) cnt[b * 256 + ((k >> (8 * b)) & 255)]++;
  }
  for (int b = 0; b < nbytes; ++b) {
    int64_t* c = &cnt[b * 256];
    if (c[(src[0].key >> (8 * b)) & 255] == n) continue;
    int64_t sum = 0;
    for (int d = 0; d < 256; ++d) { int64_t t = c[d]; c[d] = sum; sum += t; }
    for (int64_t i = 0; i < n; ++i) dst[c[(src[i].key >> (8 * b)) & 255]++] = src[i];
    std::swap(src, dst);
  }
  return src;
}

// Stable radix sort of a[0..n) (tmp: scratch of n). Large inputs take one MSD pass on the 16
// highest varying key bits (enough buckets that each fits in cache even for clustered float
// exponents), then LSD-sort each bucket on the bytes below; buckets are independent, so they
// are spread over threads (same result for any thread count).
template <class K> void radix_sort(KP<K>* a, KP<K>* tmp, int64_t n) {
  constexpr int B = sizeof(K);
  if (n <= (1 << 17) || B <= 2) {
    KP<K>* r = lsd_sort(a, tmp, n, B);
    if (r != a) std::memcpy((void*)a, (const void*)r, n * sizeof(KP<K>));
    return;
  }
  K all_or = 0, all_and = K(~K(0));
  for (int64_t i = 0; i < n; ++i) { all_or |= a[i].key; all_and &= a[i].key; }
  K varying = all_or ^ all_and;
  if (!varying) return;  // all keys equal: already in stable order
  int top = B * 8 - 1;
  while (!((varying >> top) & 1)) --top;
  int shift = std::max(0, top + 1 - 16);
  constexpr int64_t D = 1 << 16;
  std::vector<int64_t> start(D + 1, 0);
  for (int64_t i = 0; i < n; ++i) start[((a[i].key >> shift) & (D - 1)) + 1]++;
  for (int64_t d = 0; d < D; ++d) start[d + 1] += start[d];
  std::vector<int64_t> pos(start.begin(), start.end() - 1);
  for (int64_t i = 0; i < n; ++i) tmp[pos[(a[i].key >> shift) & (D - 1)]++] = a[i];
  int nbytes = (shift + 7) / 8;  // bytes below the MSD digit (overlap with it is constant per bucket)
  parallel_for(0, D, 256, [&](int64_t db, int64_t de) {
    for (int64_t d = db; d < de; ++d) {
      int64_t s = start[d], len = start[d + 1] - s;
      if (len == 0) continue;
      KP<K>* r = tmp + s;
      if (nbytes == 0 || len == 1) {
      } else if (len <= 64) {
        std::sort(tmp + s, tmp + s + len);
      } else {
        r = lsd_sort(tmp + s, a + s, len, nbytes);
      }
      if (r != a + s) std::memcpy((void*)(a + s), (const void*)r, len * sizeof(KP<K>));
    }
  });
}

// Keys of one row into pairs (per dtype: a cheap loop); ~key for descending order.
template <class T>
void load_keys(const char* p, int64_t st, int64_t n, bool desc, KP<key_t<T>>* a) {
  using K = key_t<T>;
  const T* x = reinterpret_cast<const T*>(p);
  K flip = desc ? K(~K(0)) : K(0);
  for (int64_t i = 0; i < n; ++i) a[i] = {K(to_key(x[i * st]) ^ flip), (uint32_t)i};
}

// Selection / sort of (key, index) pairs (per key width only: keeps instantiations to four).
template <class K>
void order_pairs(KP<K>* a, int64_t n, int64_t m, bool select_only, int64_t* order) {
  if (m * 16 <= n && m <= 16384) {
    // Small selections: a max-heap of the m best pairs; most elements are rejected by one
    // compare with its top. A later index never beats an equal key (stable).
    std::make_heap(a, a + m);
    for (int64_t i = m; i < n; ++i)
      if (a[i].key < a[0].key) {
        std::pop_heap(a, a + m);
        a[m - 1] = a[i];
        std::push_heap(a, a + m);
      }
    if (select_only) { order[m - 1] = a[0].idx; return; }  // heap top is the m-th smallest
    std::sort_heap(a, a + m);
  } else if (m < n) {
    std::nth_element(a, a + (m - 1), a + n);
    if (!select_only) std::sort(a, a + (m - 1));
  } else if (n <= 64) {
    std::sort(a, a + n);
  } else {
    radix_sort(a, a + n, n);
  }
  if (select_only) order[m - 1] = a[m - 1].idx;
  else for (int64_t i = 0; i < m; ++i) order[i] = a[i].idx;
}

template <class T>
void fast_order(const char* p, int64_t st, int64_t n, int64_t m, bool select_only, bool desc, int64_t* order,
                Tensor& buf) {
  using K = key_t<T>;
  int64_t words = (2 * n * (int64_t)sizeof(KP<K>) + 7) / 8;
  if (!buf.defined() || buf.numel() < words) buf = Tensor::empty({words}, DType::Int64);
  KP<K>* a = reinterpret_cast<KP<K>*>(buf.data_ptr());
  load_keys<T>(p, st, n, desc, a);
  order_pairs<K>(a, n, m, select_only, order);
}

// Reference: NaN-aware comparator + std::stable_sort, on values widened to double (exact for
// every dtype but int64, which sorts as itself): two heavy instantiations instead of ten.
template <class C>
void ref_sort(const std::vector<C>& v, bool desc, int64_t n, int64_t* order) {
  std::iota(order, order + n, int64_t(0));
  if (desc)
    std::stable_sort(order, order + n, [&](int64_t i, int64_t j) {
      return v[i] > v[j] || (is_nan_v(v[i]) && !is_nan_v(v[j]));
    });
  else
    std::stable_sort(order, order + n, [&](int64_t i, int64_t j) {
      return v[i] < v[j] || (!is_nan_v(v[i]) && is_nan_v(v[j]));
    });
}

template <class T>
void ref_order(const char* p, int64_t st, int64_t n, bool desc, int64_t* order) {
  using C = std::conditional_t<std::is_same_v<T, int64_t>, int64_t, double>;
  const T* x = reinterpret_cast<const T*>(p);
  std::vector<C> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = (C)(compute_t<T>)x[i * st];
  ref_sort<C>(v, desc, n, order);
}

}  // namespace

Rows rows_of(const Tensor& t, int64_t dim) {
  Rows r;
  if (t.dim() == 0) {
    r.count = 1; r.n = 1; r.stride = 1; r.off = {0};
    return r;
  }
  r.n = t.size(dim);
  r.stride = t.stride(dim);
  Shape osz, ost;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (d != dim) { osz.push_back(t.size(d)); ost.push_back(t.stride(d)); }
  r.count = shape_numel(osz);
  r.off.resize(r.count);
  std::vector<int64_t> idx(osz.size(), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < r.count; ++i) {
    r.off[i] = off;
    for (int64_t d = (int64_t)osz.size() - 1; d >= 0; --d) {
      off += ost[d];
      if (++idx[d] < osz[d]) break;
      off -= ost[d] * osz[d];
      idx[d] = 0;
    }
  }
  return r;
}

RowSorter::RowSorter(DType dtype, bool descending) : dtype_(dtype), desc_(descending), ref_(use_reference_kernels()) {}

void RowSorter::order(const char* p, int64_t stride, int64_t n, int64_t m, bool select_only, int64_t* order) {
  if (m <= 0 || n <= 0) return;
  if (ref_ || n > (int64_t)UINT32_MAX) {
    std::vector<int64_t> full(n);
    EMBER_DISPATCH_ALL(dtype_, "sort", [&] { ref_order<scalar_t>(p, stride, n, desc_, full.data()); });
    if (select_only) order[m - 1] = full[m - 1];
    else std::copy(full.begin(), full.begin() + m, order);
    return;
  }
  EMBER_DISPATCH_ALL(dtype_, "sort", [&] { fast_order<scalar_t>(p, stride, n, m, select_only, desc_, order, buf_); });
}

void equality_keys(DType dtype, const char* p, int64_t stride, int64_t n, uint64_t* out) {
  EMBER_DISPATCH_ALL(dtype, "unique", [&] {
    const scalar_t* x = reinterpret_cast<const scalar_t*>(p);
    for (int64_t i = 0; i < n; ++i) {
      auto k = to_key(x[i * stride]);
      out[i] = (is_floating(dtype) && k == decltype(k)(~decltype(k)(0))) ? kNanKey : (uint64_t)k;
    }
  });
}

int64_t first_nan(DType dtype, const char* p, int64_t stride, int64_t n, int64_t* count) {
  *count = 0;
  if (!is_floating(dtype)) return -1;
  int64_t first = -1;
  EMBER_DISPATCH_FLOAT(dtype, "median", [&] {
    const scalar_t* x = reinterpret_cast<const scalar_t*>(p);
    for (int64_t i = 0; i < n; ++i) {
      compute_t<scalar_t> v = (compute_t<scalar_t>)x[i * stride];
      if (v != v) { if (first < 0) first = i; ++*count; }
    }
  });
  return first;
}

void gather_row(DType dtype, const char* in, int64_t istride, const int64_t* idx, int64_t m, char* out,
                int64_t ostride) {
  EMBER_DISPATCH_BYTES(dtype, "gather", [&] {
    const scalar_t* x = reinterpret_cast<const scalar_t*>(in);
    scalar_t* y = reinterpret_cast<scalar_t*>(out);
    for (int64_t j = 0; j < m; ++j) y[j * ostride] = x[idx[j] * istride];
  });
}

}  // namespace ember::sortk
