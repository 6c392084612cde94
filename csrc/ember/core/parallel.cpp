#include "ember/core/parallel.h"
#include <cstdlib>

namespace ember {
namespace {
int initial_threads() {
  if (const char* e = std::getenv("OMP_NUM_THREADS")) { int v = std::atoi(e); if (v > 0) return v; }
  return omp_get_num_procs();
}
int g_threads = initial_threads();
}  // namespace
int get_num_threads() { return g_threads; }
void set_num_threads(int n) { g_threads = n < 1 ? 1 : n; }
bool in_parallel_region() { return omp_in_parallel(); }
}  // namespace ember
