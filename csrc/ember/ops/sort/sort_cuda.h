// sort_cuda.h — the CUDA side of the sort family (sort.cpp, unique.cpp, search.cpp and
// histogram.cpp call these behind EMBER_WITH_CUDA). Plain C++ declarations only; kernels in
// sort_cuda.cu. Validation, output shapes and dtype conversions stay in the .cpp files.
//
// Ordering is the CPU's (sort_rows.h): elements map to order-preserving unsigned keys (NaN
// largest, -0.0 == 0.0), descending uses ~key, and ties keep index order, so every result
// (indices included) equals the CPU's.
#pragma once
#include <cstdint>
#include "ember/core/tensor.h"

namespace ember::cuda {

// x: contiguous CUDA tensor read as `rows` rows of `n` elements. values (x's dtype) and indices
// (int64, positions within the row) receive each row in stable ascending (or descending) order.
// Rows of up to 2048 elements: one block per row, bitonic sort of (key, index) in shared memory;
// longer rows: CUB (segmented) radix sort of (key, index) pairs.
void sort_rows(const Tensor& x, int64_t rows, int64_t n, bool descending, const Tensor& values,
               const Tensor& indices, const char* op);

// From rows sorted ascending (sv values, si int64 indices; contiguous rows x n), one element per
// row into out_v / out_i (contiguous, `rows` elements):
//   kSelectKth: position k - 1; kSelectMedian: the lower median, or the first NaN if the row has
//   one; kSelectNanMedian: the lower median of the non-NaN values (first NaN if all are NaN);
//   kSelectMode: the most frequent value (smallest among ties), index of its last occurrence.
enum SelectKind : int { kSelectKth = 0, kSelectMedian, kSelectNanMedian, kSelectMode };
void select_sorted(int kind, const Tensor& sv, const Tensor& si, int64_t rows, int64_t n, int64_t k,
                   const Tensor& out_v, const Tensor& out_i, const char* op);

// Runs of equal neighbours of sv (contiguous, n elements; NaN != NaN, -0.0 == 0.0). si: the
// original flat position of each sv element (int64), or undefined for the identity. Returns the
// first element of each run (values), the run number of every original position (inverse, int64,
// n elements) and the run lengths (counts). One host sync: the number of runs sizes the outputs.
void unique_runs(const Tensor& sv, const Tensor& si, Tensor* values, Tensor* inverse, Tensor* counts, const char* op);

// out[i] = insertion point of v[i] in its row of seq (searchsorted semantics). seq/v contiguous,
// same dtype; seq rows of n; one_row: a single row for every value, else row i / v_last_dim.
// sorter: contiguous int64 like seq, or undefined (entries outside [0, n) are clamped).
// out: contiguous int64 or int32.
void searchsorted(const Tensor& seq, const Tensor& v, const Tensor& sorter, bool right, bool one_row, int64_t n,
                  int64_t v_last_dim, const Tensor& out);

// Smallest and largest non-NaN value of x (contiguous floating) and whether any is NaN (one host sync).
void minmax_float(const Tensor& x, double* lo, double* hi, bool* any_nan);
// Smallest and largest value of x (contiguous int64, numel > 0) (one host sync).
void minmax_int64(const Tensor& x, int64_t* lo, int64_t* hi);

// hist (contiguous int64, bins, zeroed here) <- histc counts of x (contiguous floating) with the
// CPU's formula; left/right/width/nb are already rounded to x's dtype (histogram.cpp).
void histc(const Tensor& x, int64_t bins, double left, double right, double width, double nb, const Tensor& hist);

// out (contiguous, zeroed here; int64 counts, or float32/float64 sums of w) <- bincount of x
// (contiguous int64, values in [0, out.numel())). w: contiguous, out's dtype, x's length, or undefined.
void bincount(const Tensor& x, const Tensor& w, const Tensor& out);

}  // namespace ember::cuda
