// libFuzzer target: the TOSCA application loader (tosca.hpp) on arbitrary bytes. The only
// acceptable outcomes are a topology or one ValidationError (with FILE:LINE:COLUMN); anything else
// is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "cansim/scenario/scenario.hpp"
#include "cansim/scenario/tosca.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const cansim::app::Topology t = cansim::scenario::parse_tosca(text, "fuzz.yaml");
    (void)t;
  } catch (const cansim::scenario::ValidationError&) {
    // the expected answer to bad input
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tosca_fuzz: not a ValidationError: %s\n", e.what());
    std::abort();
  }
  return 0;
}
