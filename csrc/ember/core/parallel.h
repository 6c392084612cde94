// parallel.h — OpenMP work splitting. Ranges below `grain` run inline on the calling thread so
// tiny tensors never pay for a parallel region. Chunk boundaries depend only on the range and
// grain, never on timing, which keeps reductions built on them deterministic.
#pragma once
#include <algorithm>
#include <cstdint>
#include <omp.h>

namespace ember {

int get_num_threads();
void set_num_threads(int n);
bool in_parallel_region();

constexpr int64_t kGrainSize = 32768;  // elements of cheap elementwise work per task

template <class F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& f) {
  if (begin >= end) return;
  int64_t n = end - begin;
  int nt = get_num_threads();
  if (n <= grain || nt <= 1 || in_parallel_region()) { f(begin, end); return; }
  int64_t tasks = std::min<int64_t>(nt, (n + grain - 1) / grain);
#pragma omp parallel num_threads((int)tasks)
  {
    int64_t t = omp_get_thread_num(), nth = omp_get_num_threads();
    int64_t chunk = (n + nth - 1) / nth;
    int64_t b = begin + t * chunk, e = std::min(end, b + chunk);
    if (b < e) f(b, e);
  }
}

}  // namespace ember
