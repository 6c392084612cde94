#include "ember/core/view.h"
#include <algorithm>
#include <cstring>
#include "ember/core/cpu_features.h"
#include "ember/core/dispatch.h"
#include "ember/core/iter.h"
#ifdef EMBER_WITH_CUDA
#include "ember/cuda/cuda.h"
#endif

namespace ember {

static Tensor make_view(const Tensor& t, Shape sizes, Shape strides, int64_t offset) {
  return Tensor(t.storage(), offset, std::move(sizes), std::move(strides), t.dtype());
}

Tensor as_strided(const Tensor& t, const Shape& sizes, const Shape& strides, std::optional<int64_t> offset) {
  EMBER_CHECK(sizes.size() == strides.size(), "as_strided", "mismatch in length of strides and shape");
  int64_t off = offset.value_or(t.offset());
  int64_t max_el = off;
  for (size_t i = 0; i < sizes.size(); ++i) {
    EMBER_CHECK(sizes[i] >= 0 && strides[i] >= 0, "as_strided", "negative sizes or strides are not supported");
    if (sizes[i] == 0) { max_el = -1; break; }
    max_el += (sizes[i] - 1) * strides[i];
  }
  EMBER_CHECK(max_el < 0 || (max_el + 1) * (int64_t)t.itemsize() <= (int64_t)t.storage()->nbytes, "as_strided",
              "setStorage: sizes ", shape_str(sizes), ", strides ", shape_str(strides), ", storage offset ", off,
              " require more storage than the ", t.storage()->nbytes, " bytes available");
  return make_view(t, sizes, strides, off);
}

Shape infer_size(const Shape& sizes, int64_t numel, const char* op) {
  Shape out = sizes;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      EMBER_CHECK(infer < 0, op, "only one dimension can be inferred");
      infer = (int64_t)i;
    } else {
      EMBER_CHECK(sizes[i] >= 0, op, "invalid shape dimension ", sizes[i]);
      known *= sizes[i];
    }
  }
  if (infer >= 0) {
    EMBER_CHECK(known != 0 && numel % known == 0, op, "shape '", shape_str(sizes), "' is invalid for input of size ", numel);
    out[infer] = numel / known;
  } else {
    EMBER_CHECK(known == numel, op, "shape '", shape_str(sizes), "' is invalid for input of size ", numel);
  }
  return out;
}

// PyTorch's computeStride: split the old shape into contiguous chunks and map new dims onto them.
bool compute_view_strides(const Shape& old_sizes, const Shape& old_strides, const Shape& new_sizes, Shape& out) {
  out.assign(new_sizes.size(), 0);
  if (old_sizes.empty()) { std::fill(out.begin(), out.end(), 1); return true; }
  int64_t numel = shape_numel(old_sizes);
  if (numel == 0) { out = contiguous_strides(new_sizes); return true; }
  int64_t view_d = (int64_t)new_sizes.size() - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = (int64_t)old_sizes.size() - 1; d >= 0; --d) {
    tensor_numel *= old_sizes[d];
    if (d == 0 || (old_sizes[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (d > 0) { chunk_base_stride = old_strides[d - 1]; tensor_numel = 1; view_numel = 1; }
    }
  }
  return view_d == -1;
}

Tensor view(const Tensor& t, Shape sizes) {
  sizes = infer_size(sizes, t.numel(), "view");
  Shape st;
  EMBER_CHECK(compute_view_strides(t.sizes(), t.strides(), sizes, st), "view",
              "view size is not compatible with input tensor's size and stride (at least one dimension spans "
              "across two contiguous subspaces). Use .reshape(...) instead.");
  return make_view(t, sizes, st, t.offset());
}

Tensor reshape(const Tensor& t, Shape sizes) {
  sizes = infer_size(sizes, t.numel(), "reshape");
  Shape st;
  if (compute_view_strides(t.sizes(), t.strides(), sizes, st)) return make_view(t, sizes, st, t.offset());
  Tensor c = contiguous(t);
  return make_view(c, sizes, contiguous_strides(sizes), c.offset());
}

Tensor view_dtype(const Tensor& t, DType dtype) {
  EMBER_CHECK(itemsize(dtype) == t.itemsize(), "view", "viewing a tensor as a dtype of different element size (",
              dtype_name(t.dtype()), " -> ", dtype_name(dtype), ") is not supported");
  return Tensor(t.storage(), t.offset(), t.sizes(), t.strides(), dtype);
}

Tensor permute(const Tensor& t, const Shape& dims) {
  int64_t n = t.dim();
  EMBER_CHECK((int64_t)dims.size() == n, "permute", "number of dims don't match in permute: input has ", n,
              " dims but ", dims.size(), " were given");
  Shape sz(n), st(n);
  std::vector<bool> seen(n, false);
  for (int64_t i = 0; i < n; ++i) {
    int64_t d = wrap_dim(dims[i], n, "permute");
    EMBER_CHECK(!seen[d], "permute", "repeated dim ", dims[i], " in permute");
    seen[d] = true;
    sz[i] = t.sizes()[d];
    st[i] = t.strides()[d];
  }
  return make_view(t, sz, st, t.offset());
}

Tensor transpose(const Tensor& t, int64_t d0, int64_t d1) {
  int64_t n = t.dim();
  if (n == 0) { wrap_dim(d0, 0, "transpose"); wrap_dim(d1, 0, "transpose"); return make_view(t, {}, {}, t.offset()); }
  d0 = wrap_dim(d0, n, "transpose");
  d1 = wrap_dim(d1, n, "transpose");
  Shape sz = t.sizes(), st = t.strides();
  std::swap(sz[d0], sz[d1]);
  std::swap(st[d0], st[d1]);
  return make_view(t, sz, st, t.offset());
}

Tensor t_2d(const Tensor& t) {
  EMBER_CHECK(t.dim() <= 2, "t", "expects a tensor with <= 2 dimensions, but self is ", t.dim(), "D");
  return t.dim() < 2 ? make_view(t, t.sizes(), t.strides(), t.offset()) : transpose(t, 0, 1);
}

Tensor expand(const Tensor& t, const Shape& sizes) {
  int64_t n = (int64_t)sizes.size(), k = t.dim();
  EMBER_CHECK(n >= k, "expand", "the number of sizes provided (", n,
              ") must be greater or equal to the number of dimensions in the tensor (", k, ")");
  Shape sz(n), st(n);
  for (int64_t i = n - 1; i >= 0; --i) {
    int64_t j = i - (n - k);
    if (j < 0) {
      EMBER_CHECK(sizes[i] >= 0, "expand", "the expanded size of the tensor (", sizes[i],
                  ") isn't allowed in a leading, non-existing dimension ", i);
      sz[i] = sizes[i];
      st[i] = 0;
    } else {
      int64_t have = t.sizes()[j];
      int64_t want = sizes[i] == -1 ? have : sizes[i];
      EMBER_CHECK(have == want || have == 1, "expand", "the expanded size of the tensor (", want,
                  ") must match the existing size (", have, ") at non-singleton dimension ", i,
                  ".  Target sizes: ", shape_str(sizes), ".  Tensor sizes: ", shape_str(t.sizes()));
      sz[i] = want;
      st[i] = have == want ? t.strides()[j] : 0;
    }
  }
  return make_view(t, sz, st, t.offset());
}

Tensor broadcast_to(const Tensor& t, const Shape& sizes) { return expand(t, sizes); }

Tensor squeeze(const Tensor& t) {
  Shape sz, st;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.sizes()[d] != 1) { sz.push_back(t.sizes()[d]); st.push_back(t.strides()[d]); }
  return make_view(t, sz, st, t.offset());
}

Tensor squeeze(const Tensor& t, const Shape& dims) {
  int64_t n = t.dim();
  std::vector<bool> drop(std::max<int64_t>(n, 1), false);
  for (auto d : dims) drop[wrap_dim(d, n, "squeeze")] = true;
  Shape sz, st;
  for (int64_t d = 0; d < n; ++d)
    if (!(drop[d] && t.sizes()[d] == 1)) { sz.push_back(t.sizes()[d]); st.push_back(t.strides()[d]); }
  return make_view(t, sz, st, t.offset());
}

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  int64_t n = t.dim();
  dim = wrap_dim(dim, n + 1, "unsqueeze");
  Shape sz = t.sizes(), st = t.strides();
  int64_t s = dim < n ? sz[dim] * st[dim] : 1;
  sz.insert(sz.begin() + dim, 1);
  st.insert(st.begin() + dim, s);
  return make_view(t, sz, st, t.offset());
}

Tensor flatten(const Tensor& t, int64_t start, int64_t end) {
  int64_t n = t.dim();
  if (n == 0) return reshape(t, {1});
  start = wrap_dim(start, n, "flatten");
  end = wrap_dim(end, n, "flatten");
  EMBER_CHECK(start <= end, "flatten", "start_dim cannot come after end_dim");
  if (start == end) return t;
  Shape sz(t.sizes().begin(), t.sizes().begin() + start);
  int64_t m = 1;
  for (int64_t d = start; d <= end; ++d) m *= t.sizes()[d];
  sz.push_back(m);
  sz.insert(sz.end(), t.sizes().begin() + end + 1, t.sizes().end());
  return reshape(t, sz);
}

Tensor unflatten(const Tensor& t, int64_t dim, const Shape& sizes) {
  dim = wrap_dim(dim, t.dim(), "unflatten");
  EMBER_CHECK(!sizes.empty(), "unflatten", "sizes must be non-empty");
  Shape inner = infer_size(sizes, t.sizes()[dim], "unflatten");
  Shape sz(t.sizes().begin(), t.sizes().begin() + dim);
  sz.insert(sz.end(), inner.begin(), inner.end());
  sz.insert(sz.end(), t.sizes().begin() + dim + 1, t.sizes().end());
  return view(t, sz);
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) {
  EMBER_CHECK_INDEX(t.dim() > 0, "select", "select() cannot be applied to a 0-dim tensor.");
  dim = wrap_dim(dim, t.dim(), "select");
  int64_t size = t.sizes()[dim];
  EMBER_CHECK_INDEX(index >= -size && index < size, "select", "index ", index, " is out of bounds for dimension ", dim,
                    " with size ", size);
  if (index < 0) index += size;
  Shape sz = t.sizes(), st = t.strides();
  int64_t off = t.offset() + index * st[dim];
  sz.erase(sz.begin() + dim);
  st.erase(st.begin() + dim);
  return make_view(t, sz, st, off);
}

Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start_, std::optional<int64_t> end_, int64_t step) {
  EMBER_CHECK_INDEX(t.dim() > 0, "slice", "slice() cannot be applied to a 0-dim tensor.");
  dim = wrap_dim(dim, t.dim(), "slice");
  EMBER_CHECK_VALUE(step > 0, "slice", "step must be greater than zero");
  int64_t size = t.sizes()[dim];
  int64_t start = start_.value_or(0), end = end_.value_or(size);
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, start, size);
  Shape sz = t.sizes(), st = t.strides();
  int64_t off = t.offset() + start * st[dim];
  sz[dim] = (end - start + step - 1) / step;
  st[dim] *= step;
  return make_view(t, sz, st, off);
}

Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  EMBER_CHECK(t.dim() > 0, "narrow", "narrow() cannot be applied to a 0-dim tensor.");
  dim = wrap_dim(dim, t.dim(), "narrow");
  int64_t size = t.sizes()[dim];
  EMBER_CHECK_INDEX(start >= -size && start <= size, "narrow", "start out of range (expected to be in range of [", -size,
                    ", ", size, "], but got ", start, ")");
  if (start < 0) start += size;
  EMBER_CHECK(length >= 0 && start + length <= size, "narrow", "start (", start, ") + length (", length,
              ") exceeds dimension size (", size, ").");
  return slice(t, dim, start, start + length, 1);
}

Tensor unfold(const Tensor& t, int64_t dim, int64_t size, int64_t step) {
  int64_t n = t.dim();
  dim = wrap_dim(dim, n, "unfold");
  int64_t len = n == 0 ? 1 : t.sizes()[dim];
  EMBER_CHECK(size <= len, "unfold", "maximum size for tensor at dimension ", dim, " is ", len, " but size is ", size);
  EMBER_CHECK(step > 0, "unfold", "step is ", step, " but must be > 0");
  Shape sz = t.sizes(), st = t.strides();
  int64_t s = n == 0 ? 1 : st[dim];
  if (n == 0) { sz = {}; st = {}; }
  else { sz[dim] = (len - size) / step + 1; st[dim] = s * step; }
  sz.push_back(size);
  st.push_back(s);
  return make_view(t, sz, st, t.offset());
}

Tensor diagonal(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
  int64_t n = t.dim();
  EMBER_CHECK(n >= 2, "diagonal", "expected a tensor with at least 2 dimensions, but got ", n);
  dim1 = wrap_dim(dim1, n, "diagonal");
  dim2 = wrap_dim(dim2, n, "diagonal");
  EMBER_CHECK(dim1 != dim2, "diagonal", "diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  int64_t off = t.offset(), len;
  const Shape &S = t.sizes(), &T = t.strides();
  if (offset >= 0) { len = std::max<int64_t>(std::min(S[dim1], S[dim2] - offset), 0); if (len > 0) off += offset * T[dim2]; }
  else { len = std::max<int64_t>(std::min(S[dim1] + offset, S[dim2]), 0); if (len > 0) off -= offset * T[dim1]; }
  Shape sz, st;
  for (int64_t d = 0; d < n; ++d) if (d != dim1 && d != dim2) { sz.push_back(S[d]); st.push_back(T[d]); }
  sz.push_back(len);
  st.push_back(T[dim1] + T[dim2]);
  return make_view(t, sz, st, off);
}

Tensor movedim(const Tensor& t, const Shape& src, const Shape& dst) {
  int64_t n = t.dim();
  EMBER_CHECK(src.size() == dst.size(), "movedim", "Invalid source or destination dims: source (", shape_str(src),
              " dims) should contain the same number of dims as destination (", shape_str(dst), " dims)");
  Shape order(n, -1);
  std::vector<bool> used(n, false), placed(n, false);
  for (size_t i = 0; i < src.size(); ++i) {
    int64_t s = wrap_dim(src[i], n, "movedim"), d = wrap_dim(dst[i], n, "movedim");
    EMBER_CHECK(!used[s] && !placed[d], "movedim", "repeated dim in source or destination");
    order[d] = s; used[s] = true; placed[d] = true;
  }
  int64_t next = 0;
  for (int64_t d = 0; d < n; ++d) {
    if (order[d] >= 0) continue;
    while (used[next]) ++next;
    order[d] = next++;
  }
  return permute(t, order);
}

// ---- copies ----
namespace {
template <class D, class S> inline D cast_value(S v) {
  if constexpr (std::is_same_v<D, bool>) return static_cast<compute_t<S>>(v) != compute_t<S>(0);
  else if constexpr (std::is_same_v<D, Half> || std::is_same_v<D, BFloat16>) return D(static_cast<float>(v));
  else if constexpr (std::is_same_v<S, Half> || std::is_same_v<S, BFloat16>) return static_cast<D>(static_cast<float>(v));
  else if constexpr (std::is_integral_v<D> && std::is_floating_point_v<S>) {
    // out-of-range float -> int is UB in C++; go through int64 like PyTorch's x86 behaviour
    return static_cast<D>(static_cast<int64_t>(v));
  } else return static_cast<D>(v);
}

// dst is dense along iteration dim 0 while src is dense along dim 1 (a transpose): copy in
// 32x32 tiles so both sides stay in cache, instead of striding through src a row per element.
template <class T>
bool transpose_copy(const StridedIter& it) {
  constexpr int64_t sz = sizeof(T), B = 32;
  if (it.ndim < 2 || it.strides[0][0] != sz || it.strides[1][1] != sz || it.strides[0][1] == sz) return false;
  const int64_t R = it.shape[0], C = it.shape[1];
  if (R < B || C < B) return false;
  const int64_t ds1 = it.strides[1][0], ss0 = it.strides[0][1];
  const int64_t tr = (R + B - 1) / B, tc = (C + B - 1) / B, per = tr * tc;
  const int64_t outer = it.numel / (R * C);
  parallel_for(0, outer * per, 16, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t o = t / per, rem = t % per;
      char* d = it.base[0];
      const char* sp = it.base[1];
      for (int dd = 2; dd < it.ndim; ++dd) {
        int64_t i = o % it.shape[dd];
        o /= it.shape[dd];
        d += i * it.strides[dd][0];
        sp += i * it.strides[dd][1];
      }
      int64_t r0 = (rem / tc) * B, c0 = (rem % tc) * B;
      int64_t r1 = std::min(R, r0 + B), c1 = std::min(C, c0 + B);
      for (int64_t c = c0; c < c1; ++c) {
        T* drow = (T*)(d + c * ds1);
        const char* scol = sp + c * sz;
        for (int64_t r = r0; r < r1; ++r) drow[r] = *(const T*)(scol + r * ss0);
      }
    }
  });
  return true;
}

void copy_kernel(const Tensor& dst, const Tensor& src) {
#ifdef EMBER_WITH_CUDA
  if (!dst.device().is_cpu() || !src.device().is_cpu()) { cuda::copy_(dst, src, false); return; }
#endif
  StridedIter it(dst.sizes(), {&dst, &src});
  if (dst.dtype() == src.dtype()) {
    EMBER_DISPATCH_BYTES(dst.dtype(), "copy_", [&] {
      if (!use_reference_kernels() && transpose_copy<scalar_t>(it)) return;
      it.for_each([&](char** p, const int64_t* s, int64_t n) {
        if (s[0] == sizeof(scalar_t) && s[1] == sizeof(scalar_t)) { std::memcpy(p[0], p[1], n * sizeof(scalar_t)); return; }
        if (s[0] == sizeof(scalar_t) && s[1] == 0) {  // a broadcast value (e.g. the expanded grad of .sum())
          std::fill_n((scalar_t*)p[0], n, *(const scalar_t*)p[1]);
          return;
        }
        for (int64_t i = 0; i < n; ++i) *(scalar_t*)(p[0] + i * s[0]) = *(const scalar_t*)(p[1] + i * s[1]);
      });
    });
    return;
  }
  EMBER_DISPATCH_ALL(dst.dtype(), "copy_", [&] {
    using dst_t = scalar_t;
    EMBER_DISPATCH_ALL(src.dtype(), "copy_", [&] {
      using src_t = scalar_t;
      it.for_each([&](char** p, const int64_t* s, int64_t n) {
        if (s[0] == sizeof(dst_t) && s[1] == sizeof(src_t)) {
          dst_t* d = (dst_t*)p[0]; const src_t* x = (const src_t*)p[1];
          for (int64_t i = 0; i < n; ++i) d[i] = cast_value<dst_t>(x[i]);
          return;
        }
        for (int64_t i = 0; i < n; ++i) *(dst_t*)(p[0] + i * s[0]) = cast_value<dst_t>(*(const src_t*)(p[1] + i * s[1]));
      });
    });
  });
}

// Byte ranges [lo, hi) each tensor can touch.
void byte_range(const Tensor& t, char*& lo, char*& hi) {
  char* b = (char*)t.raw_data_ptr();
  int64_t mx = 0, mn = 0;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (t.sizes()[d] == 0) { lo = hi = b; return; }
    int64_t e = (t.sizes()[d] - 1) * t.strides()[d];
    if (e > 0) mx += e; else mn += e;
  }
  lo = b + mn * (int64_t)t.itemsize();
  hi = b + (mx + 1) * (int64_t)t.itemsize();
}
}  // namespace

bool may_overlap(const Tensor& a, const Tensor& b) {
  if (a.storage() != b.storage()) return false;
  char *la, *ha, *lb, *hb;
  byte_range(a, la, ha);
  byte_range(b, lb, hb);
  return la < hb && lb < ha;
}

void copy_(const Tensor& dst, const Tensor& src) { copy_(dst, src, false); }

void copy_(const Tensor& dst, const Tensor& src, bool non_blocking) {
  EMBER_CHECK(broadcast_shapes(dst.sizes(), src.sizes(), "copy_") == dst.sizes(), "copy_", "the size of source ",
              shape_str(src.sizes()), " cannot be broadcast to the destination ", shape_str(dst.sizes()));
  if (!dst.device().is_cpu() || !src.device().is_cpu()) {
#ifdef EMBER_WITH_CUDA
    if (dst.numel()) cuda::copy_(dst, src, non_blocking);  // overlap, dtypes and devices handled there
    dst.bump_version();
    return;
#else
    EMBER_FAIL("copy_", "copy between ", src.device().str(), " and ", dst.device().str(),
               " is not available: this ember build has no CUDA support");
#endif
  }
  (void)non_blocking;
  if (dst.numel() == 0) return;
  if (may_overlap(dst, src) && !(dst.raw_data_ptr() == src.raw_data_ptr() && dst.strides() == src.strides())) {
    Tensor tmp = Tensor::empty(src.sizes(), src.dtype(), src.device());
    copy_kernel(tmp, src);
    copy_kernel(dst, tmp);
  } else {
    copy_kernel(dst, src);
  }
  dst.bump_version();
}

Tensor contiguous(const Tensor& t) {
  if (t.is_contiguous()) return t;
  return clone(t);
}

Tensor clone(const Tensor& t) {
  Tensor out = Tensor::empty(t.sizes(), t.dtype(), t.device());
  if (t.numel()) copy_kernel(out, t);
  return out;
}

Tensor to_dtype(const Tensor& t, DType dtype, bool copy) {
  if (t.dtype() == dtype && !copy) return t;
  Tensor out = Tensor::empty(t.sizes(), dtype, t.device());
  if (t.numel()) copy_kernel(out, t);
  return out;
}

}  // namespace ember
