#pragma once
// The kinds of hardware and of hypervisor a resource can offer (§2: CPU, GPU and MIC resources,
// FPGAs as CloudLightning adds them; VMs, containers and bare metal).
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cansim::cloud {

enum class Hardware : std::uint8_t { Cpu, Gpu, Mic, Fpga };
inline constexpr std::size_t kHardwareKinds = 4;
inline constexpr std::array<Hardware, kHardwareKinds> kAllHardware{Hardware::Cpu, Hardware::Gpu, Hardware::Mic, Hardware::Fpga};

enum class Hypervisor : std::uint8_t { Vm, Container, BareMetal };
inline constexpr std::size_t kHypervisorKinds = 3;

// "cpu", "gpu", "mic", "fpga"; "vm", "container", "bare_metal".
std::string_view name(Hardware h);
std::string_view name(Hypervisor h);
// TOSCA spellings, case-insensitive: CPU/GPU/MIC/FPGA; VM/CONTAINER/BM (or BARE_METAL).
std::optional<Hardware> parse_hardware(std::string_view s);
std::optional<Hypervisor> parse_hypervisor(std::string_view s);

}  // namespace cansim::cloud
