#include "cansim/model/cloud/hardware.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace cansim::cloud {

namespace {
std::string upper(std::string_view s) {
  std::string u(s);
  std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return u;
}
}  // namespace

std::string_view name(Hardware h) {
  switch (h) {
    case Hardware::Cpu: return "cpu";
    case Hardware::Gpu: return "gpu";
    case Hardware::Mic: return "mic";
    case Hardware::Fpga: return "fpga";
  }
  return "?";
}

std::string_view name(Hypervisor h) {
  switch (h) {
    case Hypervisor::Vm: return "vm";
    case Hypervisor::Container: return "container";
    case Hypervisor::BareMetal: return "bare_metal";
  }
  return "?";
}

std::optional<Hardware> parse_hardware(std::string_view s) {
  const std::string u = upper(s);
  if (u == "CPU") return Hardware::Cpu;
  if (u == "GPU") return Hardware::Gpu;
  if (u == "MIC") return Hardware::Mic;
  if (u == "FPGA") return Hardware::Fpga;
  return std::nullopt;
}

std::optional<Hypervisor> parse_hypervisor(std::string_view s) {
  const std::string u = upper(s);
  if (u == "VM") return Hypervisor::Vm;
  if (u == "CONTAINER") return Hypervisor::Container;
  if (u == "BM" || u == "BARE_METAL") return Hypervisor::BareMetal;
  return std::nullopt;
}

}  // namespace cansim::cloud
