// bind_random.cpp — mirrors ops/random/generator.h and ops/random/random.h.
#include "ember/bindings/common.h"
#include "ember/ops/random/philox.h"
#include "ember/ops/random/random.h"

namespace ember::bind {

void init_random(py::module_& m) {
  py::class_<Generator, std::shared_ptr<Generator>>(m, "Generator")
      .def(py::init<uint64_t>(), py::arg("seed") = kDefaultSeed)
      .def("manual_seed", &Generator::manual_seed)
      .def("seed", &Generator::seed_nondeterministic)
      .def("initial_seed", &Generator::initial_seed)
      .def("offset", &Generator::offset)
      .def("set_offset", &Generator::set_offset)
      .def("get_state", &Generator::get_state)
      .def("set_state", &Generator::set_state);
  // The raw block function, for known-answer tests.
  m.def("philox4x32_10", [](std::array<uint32_t, 4> c, std::array<uint32_t, 2> k) {
    philox::Block b = philox::philox4x32_10(c[0], c[1], c[2], c[3], k[0], k[1]);
    return std::array<uint32_t, 4>{b.r[0], b.r[1], b.r[2], b.r[3]};
  });
  m.def("default_generator", []() { return default_generator(); });

  auto g = py::arg("generator") = py::none();
  m.def("uniform_", &uniform_, py::arg("self"), py::arg("from"), py::arg("to"), g);
  m.def("normal_", &normal_, py::arg("self"), py::arg("mean"), py::arg("std"), g);
  m.def("random_", &random_, py::arg("self"), py::arg("from"), py::arg("to"), g);
  m.def("exponential_", &exponential_, py::arg("self"), py::arg("lambd"), g);
  m.def("geometric_", &geometric_, py::arg("self"), py::arg("p"), g);
  m.def("cauchy_", &cauchy_, py::arg("self"), py::arg("median"), py::arg("sigma"), g);
  m.def("log_normal_", &log_normal_, py::arg("self"), py::arg("mean"), py::arg("std"), g);
  m.def("bernoulli_scalar_", py::overload_cast<const Tensor&, double, Generator*>(&bernoulli_), py::arg("self"),
        py::arg("p"), g);
  m.def("bernoulli_tensor_", py::overload_cast<const Tensor&, const Tensor&, Generator*>(&bernoulli_),
        py::arg("self"), py::arg("p"), g);
  m.def("bernoulli", &bernoulli, py::arg("probs"), g);
  m.def("normal_tensor", [](std::optional<Tensor> mean, std::optional<Tensor> std, double ms, double ss, Generator* gen,
                            std::optional<Tensor> out) {
    return normal(mean ? *mean : Tensor(), std ? *std : Tensor(), ms, ss, gen, out ? *out : Tensor());
  }, py::arg("mean"), py::arg("std"), py::arg("mean_s"), py::arg("std_s"), g, py::arg("out") = py::none());
  m.def("randperm", [](int64_t n, int dt, Generator* gen, int cuda_index) { return randperm(n, to_dtype(dt), gen, cuda_index); },
        py::arg("n"), py::arg("dtype"), g, py::arg("cuda_index") = -1);
  // The default generators of the CUDA devices (plain C++ state, present in every build).
  m.def("cuda_generator", [](int index) { return cuda_default_generator(index); }, py::arg("index"));
  m.def("cuda_manual_seed_all", &cuda_manual_seed_all, py::arg("seed"));
  m.def("multinomial", &multinomial, py::arg("probs"), py::arg("num_samples"), py::arg("replacement"), g);
}

}  // namespace ember::bind
