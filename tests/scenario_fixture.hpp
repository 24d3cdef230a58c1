#pragma once
// Helpers for tests that validate scenario texts or read run metrics.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "cansim/scenario/scenario.hpp"

namespace cansim::scenario::testing {

// The validation error of a scenario text without its file name ("" if it is valid).
inline std::string validation_error(const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / ("cansim-validate-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "s.json").string();
  std::ofstream(file) << text;
  std::string what;
  try {
    load_scenario(file);
  } catch (const ValidationError& e) {
    what = std::string(e.what()).substr(file.size());
  }
  std::filesystem::remove_all(dir);
  return what;
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
