// libFuzzer target: the scenario loader and validator (scenario.hpp) on arbitrary bytes.
// Whatever the input, the only acceptable outcomes are a valid Scenario or one ValidationError;
// any other exception, a crash, a sanitizer report, a hang or an allocation beyond libFuzzer's
// limit is a finding. Files a scenario names (TOSCA applications) are looked up from scenarios/,
// as for the shipped scenarios, so the fuzzer reaches the TOSCA loader through them too.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "cansim/scenario/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    cansim::scenario::Scenario sc = cansim::scenario::scenario_from_text(text, "fuzz.json", CANSIM_SOURCE_DIR "/scenarios");
    // What `run` asks of a valid scenario before any run starts.
    if (sc.run_count() > 0) (void)sc.run(sc.run_count() - 1);
  } catch (const cansim::scenario::ValidationError&) {
    // the expected answer to bad input
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scenario_fuzz: not a ValidationError: %s\n", e.what());
    std::abort();
  }
  return 0;
}
