// device.h — where a tensor lives: the CPU or CUDA device N.
#pragma once
#include <string>

namespace ember {

enum class DeviceType : int8_t { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = -1;  // -1: CPU, or "current CUDA device" before resolution
  Device() = default;
  Device(DeviceType t, int i = -1) : type(t), index(i) {}
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool operator==(const Device& o) const { return type == o.type && (type == DeviceType::CPU || index == o.index); }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const { return is_cpu() ? "cpu" : (index < 0 ? "cuda" : "cuda:" + std::to_string(index)); }
};

}  // namespace ember
