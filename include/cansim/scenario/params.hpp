#pragma once
// Experiment parameters, declared once per experiment kind (name, type, default, range, one-line
// description). Validation, `cansim describe` and docs/scenario-format.md all read these
// declarations, so the three cannot disagree.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cansim::scenario {

enum class ParamType { Integer, Real, Boolean, Choice };
std::string_view type_name(ParamType t);

using Value = std::variant<bool, std::int64_t, double, std::string>;
std::string to_string(const Value& v);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Real;
  std::string description;
  std::optional<Value> default_value;  // none: the scenario must set it
  std::optional<double> min, max;      // inclusive bounds, for Integer and Real
  bool min_exclusive = false;          // (min, ...] rather than [min, ...]
  std::vector<std::string> choices;    // for Choice
  std::string unit;                    // shown in docs, e.g. "s" or "1/s"
  // A policy or control parameter: it changes what the system decides, not the workload or the
  // faults it meets. A sweep of such parameters alone draws the same randomness in every
  // configuration by default (common random numbers), so that its comparisons are paired.
  bool control = false;

  // Builders, so that a declaration reads as one line each.
  static ParamSpec integer(std::string name, std::string description);
  static ParamSpec real(std::string name, std::string description);
  static ParamSpec probability(std::string name, std::string description);  // real in [0, 1]
  static ParamSpec boolean(std::string name, std::string description);
  static ParamSpec choice(std::string name, std::vector<std::string> choices, std::string description);
  ParamSpec&& def(Value v) &&;
  ParamSpec&& at_least(double v) &&;
  ParamSpec&& above(double v) &&;  // exclusive lower bound
  ParamSpec&& at_most(double v) &&;
  ParamSpec&& in_unit(std::string u) &&;
  ParamSpec&& as_control() &&;

  // "an integer in [1, 1000]", "one of "a", "b"" ... for messages and docs.
  std::string expectation() const;
};

// Resolved values of a list of declared parameters, in declaration order.
class ParamValues {
 public:
  ParamValues() = default;
  ParamValues(const std::vector<ParamSpec>* specs, std::vector<Value> values) : specs_(specs), values_(std::move(values)) {}

  std::int64_t integer(std::string_view name) const;
  double real(std::string_view name) const;  // also reads integers
  bool boolean(std::string_view name) const;
  const std::string& choice(std::string_view name) const;
  const Value& get(std::string_view name) const;

  const std::vector<ParamSpec>& specs() const { return *specs_; }
  const std::vector<Value>& values() const { return values_; }
  std::vector<Value>& values() { return values_; }

 private:
  std::size_t index(std::string_view name) const;
  const std::vector<ParamSpec>* specs_ = nullptr;
  std::vector<Value> values_;
};

// A broken rule that involves several parameters (e.g. nmin <= nmax): which parameter to blame
// and what was expected of it.
struct ParamError {
  std::string param;
  std::string message;  // "expected at most nmax (10), found 12"
};

// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace cansim::scenario
