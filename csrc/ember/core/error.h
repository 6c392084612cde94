// error.h — one checking macro family. Messages start with the op name in brackets
// ("[matmul] shapes (2, 3) and (4, 5) cannot be multiplied") and carry the Python exception
// kind PyTorch raises in the same case; the bindings translate each kind to that exception.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ember {

// DeviceUnsupported: a CPU kernel was handed a tensor on another device (the device guard, see
// Tensor::data_ptr); the bindings raise RuntimeError and prefix the calling Python op's name.
// OutOfMemory: the CUDA caching allocator could not serve a request (ember.cuda.OutOfMemoryError).
enum class ErrorKind { Runtime, Index, Type, Value, NotImplemented, DeviceUnsupported, OutOfMemory };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& msg) : std::runtime_error(msg), kind_(kind) {}
  ErrorKind kind() const { return kind_; }
 private:
  ErrorKind kind_;
};

namespace detail {
inline void append(std::ostringstream&) {}
template <class T, class... R> void append(std::ostringstream& os, const T& v, const R&... rest);
inline void put(std::ostringstream& os, const std::vector<int64_t>& shape) {
  os << "(";
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  if (shape.size() == 1) os << ",";
  os << ")";
}
template <class T> void put(std::ostringstream& os, const T& v) { os << v; }
template <class T, class... R> void append(std::ostringstream& os, const T& v, const R&... rest) {
  put(os, v);
  append(os, rest...);
}
template <class... A>
[[noreturn]] void fail(ErrorKind kind, const char* op, const A&... args) {
  std::ostringstream os;
  os << "[" << op << "] ";
  append(os, args...);
  throw Error(kind, os.str());
}
}  // namespace detail

// Shape formatting as PyTorch prints a torch.Size tuple: (2, 3)
inline std::string shape_str(const std::vector<int64_t>& s) {
  std::ostringstream os; detail::put(os, s); return os.str();
}

}  // namespace ember

#define EMBER_FAIL_KIND(kind, op, ...) ::ember::detail::fail(::ember::ErrorKind::kind, op, __VA_ARGS__)
#define EMBER_CHECK_KIND(cond, kind, op, ...) \
  do { if (!(cond)) EMBER_FAIL_KIND(kind, op, __VA_ARGS__); } while (0)
// RuntimeError (shape/dtype mismatches)
#define EMBER_CHECK(cond, op, ...) EMBER_CHECK_KIND(cond, Runtime, op, __VA_ARGS__)
#define EMBER_CHECK_INDEX(cond, op, ...) EMBER_CHECK_KIND(cond, Index, op, __VA_ARGS__)
#define EMBER_CHECK_TYPE(cond, op, ...) EMBER_CHECK_KIND(cond, Type, op, __VA_ARGS__)
#define EMBER_CHECK_VALUE(cond, op, ...) EMBER_CHECK_KIND(cond, Value, op, __VA_ARGS__)
#define EMBER_FAIL(op, ...) EMBER_FAIL_KIND(Runtime, op, __VA_ARGS__)
#define EMBER_NOT_IMPLEMENTED(op, ...) EMBER_FAIL_KIND(NotImplemented, op, __VA_ARGS__)
