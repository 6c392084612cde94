// unique.cpp — unique and unique_consecutive, over all elements or over slices along a dim.
// Equality is PyTorch's: -0.0 == 0.0 (the first element of a run in stable order represents
// it) and NaN != NaN (each NaN is its own value). unique sorts with the row engine (stable,
// NaN last); slices along a dim compare lexicographically on the same order-preserving keys
// (CPU kernel), or go through a composition of device-generic ops (CUDA tensors).
#include <algorithm>
#include <cstring>
#include <numeric>
#include "ember/core/fill.h"
#include "ember/core/view.h"
#include "ember/ops/creation/creation.h"
#include "ember/ops/elementwise/elementwise.h"
#include "ember/ops/index/index.h"
#include "ember/ops/reduce/reduce.h"
#include "ember/ops/shape/shape.h"
#include "ember/ops/sort/sort.h"
#include "ember/ops/sort/sort_rows.h"
#ifdef EMBER_WITH_CUDA
#include "ember/ops/sort/sort_cuda.h"
#endif

namespace ember {

namespace {

using Triple = std::tuple<Tensor, Tensor, Tensor>;

// Elements of `self` (flattened) in the order `ord`; a run starts where keys differ.
// Writes run representatives (first of each run), inverse (by original position) and counts.
Triple runs_to_outputs(const Tensor& self, const Tensor& flat, const std::vector<int64_t>& ord,
                       const std::vector<uint64_t>& key) {
  int64_t n = (int64_t)ord.size();
  bool fl = is_floating(self.dtype());
  Tensor inverse = Tensor::empty(self.sizes(), DType::Int64);
  int64_t* inv = inverse.data<int64_t>();
  std::vector<int64_t> first, counts;
  for (int64_t j = 0; j < n; ++j) {
    if (j == 0 || !sortk::keys_equal(key[ord[j - 1]], key[ord[j]], fl)) {
      first.push_back(ord[j]);
      counts.push_back(0);
    }
    counts.back()++;
    inv[ord[j]] = (int64_t)first.size() - 1;
  }
  int64_t u = (int64_t)first.size();
  Tensor values = Tensor::empty({u}, self.dtype()), cnt = Tensor::empty({u}, DType::Int64);
  sortk::gather_row(self.dtype(), static_cast<const char*>(flat.data_ptr()), 1, first.data(), u,
                    static_cast<char*>(values.data_ptr()), 1);
  std::copy(counts.begin(), counts.end(), cnt.data<int64_t>());
  return {values, inverse, cnt};
}

Triple unique_flat(const Tensor& self, bool consecutive) {
  int64_t n = self.numel();
  const Device dev = self.device();
  if (n == 0)
    return {Tensor::empty({0}, self.dtype(), dev), Tensor::empty(self.sizes(), DType::Int64, dev),
            Tensor::empty({0}, DType::Int64, dev)};
  Tensor flat = contiguous(reshape(self, {n}));
#ifdef EMBER_WITH_CUDA
  if (dev.is_cuda()) {  // sort (unless consecutive), then runs of equal neighbours: one host sync
    const char* op = consecutive ? "unique_consecutive" : "unique";
    Tensor sv = flat, si;
    if (!consecutive) {
      sv = Tensor::empty({n}, self.dtype(), dev);
      si = Tensor::empty({n}, DType::Int64, dev);
      cuda::sort_rows(flat, 1, n, false, sv, si, op);
    }
    Tensor values, inverse, counts;
    cuda::unique_runs(sv, si, &values, &inverse, &counts, op);
    return {values, reshape(inverse, self.sizes()), counts};
  }
#endif
  const char* p = static_cast<const char*>(flat.data_ptr());
  std::vector<int64_t> ord(n);
  if (consecutive) {
    std::iota(ord.begin(), ord.end(), int64_t(0));
  } else {
    sortk::RowSorter s(self.dtype(), false);
    s.order(p, 1, n, n, false, ord.data());
  }
  std::vector<uint64_t> key(n);
  sortk::equality_keys(self.dtype(), p, 1, n, key.data());
  return runs_to_outputs(self, flat, ord, key);
}

// unique over the rows of `rows` (n, m), n >= 1, as a composition of ops that have CUDA kernels
// (the path of CUDA tensors; on the CPU a cross-check of the kernel below). Lexicographic order:
// stable sorts by column, last column first (LSD radix), whose keys are the equality keys' order
// (-0.0 == 0.0, every NaN ties, largest); a run starts where a row differs from the previous one
// (`ne`: NaN != NaN, -0.0 == 0.0); the first row of a run represents it. One host sync (nonzero).
Triple unique_rows_composed(const Tensor& rows, bool consecutive) {
  const int64_t n = rows.size(0), m = rows.size(1);
  const Device dev = rows.device();
  Tensor perm = arange(Scalar((int64_t)0), Scalar(n), Scalar((int64_t)1), DType::Int64, dev), sorted = rows;
  if (!consecutive) {
    for (int64_t c = m - 1; c >= 0; --c)
      perm = index_select(perm, 0, sort(index_select(select(rows, 1, c), 0, perm), 0, false).indices);
    sorted = index_select(rows, 0, perm);
  }
  Tensor starts_flag = full({n}, Scalar(true), DType::Bool, dev);
  if (n > 1)
    copy_(narrow(starts_flag, 0, 1, n - 1),
          any(binary(BinaryOp::Ne, narrow(sorted, 0, 1, n - 1), narrow(sorted, 0, 0, n - 1)), std::vector<int64_t>{1}, false));
  Tensor starts = reshape(nonzero(starts_flag), {-1});
  const int64_t u = starts.size(0);
  Tensor group = binary(BinaryOp::Sub, cumsum(starts_flag, 0, DType::Int64), Scalar((int64_t)1));
  Tensor inverse = Tensor::empty({n}, DType::Int64, dev);
  index_copy_(inverse, 0, perm, group);
  Tensor ends = cat({narrow(starts, 0, 1, u - 1), full({1}, Scalar(n), DType::Int64, dev)}, 0);
  return {index_select(sorted, 0, starts), inverse, binary(BinaryOp::Sub, ends, starts)};
}

// The CPU kernel: one lexicographic stable sort of the rows' equality keys, then runs.
Triple unique_rows_cpu(const Tensor& rows, bool consecutive) {
  const int64_t n = rows.size(0), m = rows.size(1);
  bool fl = is_floating(rows.dtype());
  std::vector<uint64_t> key(n * m);
  sortk::equality_keys(rows.dtype(), static_cast<const char*>(rows.data_ptr()), 1, n * m, key.data());
  std::vector<int64_t> ord(n);
  std::iota(ord.begin(), ord.end(), int64_t(0));
  if (!consecutive)
    std::stable_sort(ord.begin(), ord.end(), [&](int64_t a, int64_t b) {
      return std::lexicographical_compare(&key[a * m], &key[a * m] + m, &key[b * m], &key[b * m] + m);
    });
  auto same = [&](int64_t a, int64_t b) {
    for (int64_t c = 0; c < m; ++c)
      if (!sortk::keys_equal(key[a * m + c], key[b * m + c], fl)) return false;
    return true;
  };
  Tensor inverse = Tensor::empty({n}, DType::Int64);
  int64_t* inv = inverse.data<int64_t>();
  std::vector<int64_t> first, cnt;
  for (int64_t j = 0; j < n; ++j) {
    if (j == 0 || !same(ord[j - 1], ord[j])) { first.push_back(ord[j]); cnt.push_back(0); }
    cnt.back()++;
    inv[ord[j]] = (int64_t)first.size() - 1;
  }
  int64_t u = (int64_t)first.size();
  Tensor values = Tensor::empty({u, m}, rows.dtype());
  size_t row_bytes = (size_t)m * rows.itemsize();
  const char* src = static_cast<const char*>(rows.data_ptr());
  char* dst = static_cast<char*>(values.data_ptr());
  for (int64_t i = 0; i < u; ++i) std::memcpy(dst + i * row_bytes, src + first[i] * row_bytes, row_bytes);
  Tensor counts = Tensor::empty({u}, DType::Int64);
  std::copy(cnt.begin(), cnt.end(), counts.data<int64_t>());
  return {values, inverse, counts};
}

// Slices along `dim` become rows (dim moved first, the other dims flattened); CUDA tensors (or
// `composed`) take the composition, CPU tensors the kernel.
Triple unique_dim(const Tensor& self, int64_t dim, bool consecutive, bool composed) {
  const char* op = consecutive ? "unique_consecutive" : "unique";
  EMBER_CHECK_INDEX(self.dim() > 0, op, "Dimension specified as ", dim, " but tensor has no dimensions");
  int64_t d = wrap_dim(dim, self.dim(), op);
  int64_t n = self.size(d);
  const Device dev = self.device();
  if (n == 0)
    return {Tensor::empty(self.sizes(), self.dtype(), dev), Tensor::empty({0}, DType::Int64, dev),
            Tensor::empty({0}, DType::Int64, dev)};
  EMBER_CHECK(self.numel() > 0, op, "There are 0 sized dimensions, and they aren't selected, so unique cannot be "
              "applied (shape ", shape_str(self.sizes()), ", dim ", d, ")");
  Tensor moved = contiguous(movedim(self, {d}, {0}));
  Tensor rows = reshape(moved, {n, self.numel() / n});
  auto [values, inverse, counts] =
      composed || !dev.is_cpu() ? unique_rows_composed(rows, consecutive) : unique_rows_cpu(rows, consecutive);
  Shape vs = moved.sizes();
  vs[0] = values.size(0);
  return {contiguous(movedim(reshape(values, vs), {0}, {d})), inverse, counts};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& self, std::optional<int64_t> dim) {
  sortk::check_cpu(self, "unique");
  return dim ? unique_dim(self, *dim, false, false) : unique_flat(self, false);
}

std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& self, std::optional<int64_t> dim) {
  sortk::check_cpu(self, "unique_consecutive");
  return dim ? unique_dim(self, *dim, true, false) : unique_flat(self, true);
}

std::tuple<Tensor, Tensor, Tensor> unique_dim_composed(const Tensor& self, int64_t dim, bool consecutive) {
  sortk::check_cpu(self, consecutive ? "unique_consecutive" : "unique");
  return unique_dim(self, dim, consecutive, true);
}

}  // namespace ember
