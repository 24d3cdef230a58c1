#pragma once
// A scenario file, validated: its experiment kind, seed, repetitions, the configurations of its
// sweep, and its output options. Runs are numbered as in OMNeT++: run r is repetition
// r % repetitions of configuration r / repetitions.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cansim/scenario/experiment.hpp"
#include "cansim/scenario/params.hpp"

namespace cansim::scenario {

// Bad input. what() is the one line a user sees: "FILE:/json/pointer: expected X, found Y".
class ValidationError : public std::runtime_error {
 public:
  ValidationError(const std::string& file, const std::string& pointer, const std::string& message);
  const std::string& file() const { return file_; }
  const std::string& pointer() const { return pointer_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_, pointer_, message_;
};

// Limits that keep a scenario within what one machine can hold (docs/scenario-format.md): the
// configurations are built in memory; the runs of one invocation are held until written.
inline constexpr std::size_t kMaxConfigurations = 100000;
inline constexpr std::uint64_t kMaxRunsPerInvocation = 10000000;
// Input files are read whole, so their size is bounded (issue 29: /dev/zero as an application
// file read until memory ran out): a scenario of 16 MiB holds some 10^5 scheduled faults; a TOSCA
// application of 4 MiB some 10^4 services.
inline constexpr std::size_t kMaxScenarioBytes = std::size_t{16} << 20;
inline constexpr std::size_t kMaxToscaBytes = std::size_t{4} << 20;

// The content of `file`, a `what` of at most `limit` bytes; anything else is a ValidationError
// naming the file (a directory, an unreadable file, one too large).
std::string read_input_file(const std::string& file, std::size_t limit, const std::string& what);

struct Configuration {
  std::size_t index = 0;
  ParamValues params;
};

struct RunSpec {
  std::uint64_t run;
  std::size_t config;
  std::uint64_t repetition;
  std::uint64_t seed;
};

struct Scenario {
  std::string file;                    // as given on the command line
  std::string file_sha256;             // of the file's bytes, before any --set
  std::vector<std::string> overrides;  // the --set arguments, as given
  nlohmann::ordered_json document;     // the scenario after --seed and --set: what actually ran
  const ExperimentKind* kind = nullptr;
  std::uint64_t seed = 0;
  std::uint64_t repetitions = 1;
  // Common random numbers: repetition i of every configuration draws the same seed, so that
  // configurations are compared on the same workload and faults (paired). On by default when the
  // sweep varies control parameters alone ("common_random_numbers" in the file says otherwise).
  bool common_random_numbers = false;
  std::vector<Configuration> configs;
  std::vector<std::string> swept;  // swept parameter names, in declaration order
  ParamValues output;
  FaultPlan faults;
  std::vector<ApplicationSpec> applications;
  PowerCurves power_curves;

  std::uint64_t run_count() const { return configs.size() * repetitions; }
  RunSpec run(std::uint64_t r) const;
  std::vector<std::uint64_t> all_runs() const;  // 0 .. run_count() - 1
};

// Run r's seed: independent of every other run's, and of how many runs there are.
std::uint64_t run_seed(std::uint64_t scenario_seed, std::uint64_t run);

// Reads, parses and validates a scenario file. `sets` are "path=value" overrides (path dotted,
// "params.j", or a JSON pointer, "/params/j"; value as JSON, else as a string).
// Throws ValidationError on any bad input.
Scenario load_scenario(const std::string& file, const std::vector<std::string>& sets = {},
                       std::optional<std::uint64_t> seed = std::nullopt);

// The same for a scenario's text: `file` names it in messages and in the result, and files it names
// are found relative to `base_dir`.
Scenario scenario_from_text(const std::string& text, const std::string& file, const std::string& base_dir,
                            const std::vector<std::string>& sets = {}, std::optional<std::uint64_t> seed = std::nullopt);

// Validates an already parsed scenario document; `label` names it in error messages, and files it
// names (applications) are found relative to `base_dir`.
Scenario parse_scenario(const nlohmann::ordered_json& document, const std::string& label, const std::string& base_dir = ".");

std::string sha256_hex(std::string_view data);

// A seed typed on the command line, by the rule a scenario file's "seed" follows: an integer in
// [0, 2^64 - 1], nothing else (no sign, no exponent, no wrap-around). `label` names it in errors.
std::uint64_t parse_seed(const std::string& text, const std::string& label);

}  // namespace cansim::scenario
