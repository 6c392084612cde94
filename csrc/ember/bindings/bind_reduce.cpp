// bind_reduce.cpp — mirrors ops/reduce/reduce.h. dims: None or a list of ints; dtypes: int codes.
#include "ember/bindings/common.h"
#include "ember/ops/reduce/reduce.h"

namespace ember::bind {

namespace {
using OptDims = std::optional<std::vector<int64_t>>;
std::optional<DType> opt_dtype(std::optional<int> d) { return d ? std::optional<DType>(to_dtype(*d)) : std::nullopt; }
using SumFn = Tensor (*)(const Tensor&, const DimList&, bool, std::optional<DType>);
template <SumFn F> Tensor sum_like(const Tensor& a, OptDims dims, bool keepdim, std::optional<int> dtype) {
  return F(a, dims, keepdim, opt_dtype(dtype));
}
}  // namespace

void init_reduce(py::module_& m) {
  m.def("sum", &sum_like<sum>);
  m.def("nansum", &sum_like<nansum>);
  m.def("prod", &sum_like<prod>);
  m.def("mean", &sum_like<mean>);
  m.def("nanmean", &sum_like<nanmean>);
  m.def("var", [](const Tensor& a, OptDims dims, double correction, bool keepdim) { return var(a, dims, correction, keepdim); });
  m.def("std", [](const Tensor& a, OptDims dims, double correction, bool keepdim) { return std_dev(a, dims, correction, keepdim); });
  m.def("var_mean", [](const Tensor& a, OptDims dims, double correction, bool keepdim, bool take_sqrt) {
    return var_mean(a, dims, correction, keepdim, take_sqrt);
  });
  m.def("amax", [](const Tensor& a, OptDims dims, bool keepdim) { return amax(a, dims, keepdim); });
  m.def("amin", [](const Tensor& a, OptDims dims, bool keepdim) { return amin(a, dims, keepdim); });
  m.def("max_all", &max_all);
  m.def("max_dim", &max_dim);
  m.def("aminmax", &aminmax);
  m.def("argmax", &argmax);
  m.def("logsumexp", [](const Tensor& a, OptDims dims, bool keepdim) { return logsumexp(a, dims, keepdim); });
  m.def("all", [](const Tensor& a, OptDims dims, bool keepdim) { return all(a, dims, keepdim); });
  m.def("any", [](const Tensor& a, OptDims dims, bool keepdim) { return any(a, dims, keepdim); });
  m.def("count_nonzero", [](const Tensor& a, OptDims dims) { return count_nonzero(a, dims); });
  m.def("vector_norm", [](const Tensor& a, double ord, OptDims dims, bool keepdim, std::optional<int> dtype) {
    return vector_norm(a, ord, dims, keepdim, opt_dtype(dtype));
  });
  m.def("matrix_norm", [](const Tensor& a, const std::string& ord_str, double ord, std::vector<int64_t> dims, bool keepdim,
                          std::optional<int> dtype) { return matrix_norm(a, ord_str, ord, dims, keepdim, opt_dtype(dtype)); });
  m.def("svdvals", &svdvals);
  m.def("_svdvals_composed", &svdvals_composed);
  m.def("cumsum", [](const Tensor& a, int64_t dim, std::optional<int> dtype) { return cumsum(a, dim, opt_dtype(dtype)); });
  m.def("cumprod", [](const Tensor& a, int64_t dim, std::optional<int> dtype) { return cumprod(a, dim, opt_dtype(dtype)); });
  m.def("cummax", &cummax);
  m.def("logcumsumexp", &logcumsumexp);
  m.def("write_out", [](const std::string& op, Tensor& out, const Tensor& result) { write_out(op.c_str(), out, result); });
}

}  // namespace ember::bind
