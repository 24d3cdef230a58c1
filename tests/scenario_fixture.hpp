#pragma once
// Helpers for tests that load the project's scenarios or scenario texts, validate them, or read
// run metrics.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "cansim/scenario/scenario.hpp"

namespace cansim::scenario::testing {

// A scenario of the project (scenarios/FILE), with --set overrides.
inline Scenario load_bundled(const std::string& file, const std::vector<std::string>& sets = {}) {
  return load_scenario(std::string(CANSIM_SOURCE_DIR) + "/scenarios/" + file, sets);
}

// Loads a scenario text through a temporary file, which is gone again when `use` returns. `use`
// gets the file name and the scenario, or, if the text is invalid, the ValidationError.
template <class F>
auto with_scenario_text(const std::string& text, F use) {
  const auto dir = std::filesystem::temp_directory_path() / ("cansim-text-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "s.json").string();
  std::ofstream(file) << text;
  struct Remove {
    std::filesystem::path dir;
    ~Remove() { std::filesystem::remove_all(dir); }
  } remove{dir};
  return use(file);
}

// The validation error of a scenario text without its file name ("" if it is valid).
inline std::string validation_error(const std::string& text) {
  return with_scenario_text(text, [](const std::string& file) {
    try {
      load_scenario(file);
    } catch (const ValidationError& e) {
      return std::string(e.what()).substr(file.size());
    }
    return std::string();
  });
}

// A valid scenario text, loaded.
inline Scenario load_text(const std::string& text) {
  return with_scenario_text(text, [](const std::string& file) { return load_scenario(file); });
}

// A run's value of the metric its kind declares as `name`.
inline double metric(const Scenario& sc, const RunResult& r, std::string_view name) {
  for (std::size_t i = 0; i < sc.kind->metrics.size(); ++i) {
    if (sc.kind->metrics[i].name == name) return r.metrics.at(i);
  }
  FAIL("no metric " << name);
  return 0;
}

}  // namespace cansim::scenario::testing
