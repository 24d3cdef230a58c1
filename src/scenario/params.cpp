#include "cansim/scenario/params.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace cansim::scenario {

std::string_view type_name(ParamType t) {
  switch (t) {
    case ParamType::Integer: return "integer";
    case ParamType::Real: return "real";
    case ParamType::Boolean: return "boolean";
    case ParamType::Choice: return "choice";
  }
  return "?";
}

std::string to_string(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>)
          return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>)
          return x;
        else
          return fmt::format("{}", x);
      },
      v);
}

static ParamSpec make_spec(std::string name, ParamType type, std::string description) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = type;
  p.description = std::move(description);
  return p;
}

ParamSpec ParamSpec::integer(std::string name, std::string description) {
  return make_spec(std::move(name), ParamType::Integer, std::move(description));
}

ParamSpec ParamSpec::real(std::string name, std::string description) {
  return make_spec(std::move(name), ParamType::Real, std::move(description));
}

ParamSpec ParamSpec::probability(std::string name, std::string description) {
  ParamSpec p = real(std::move(name), std::move(description));
  p.min = 0.0;
  p.max = 1.0;
  return p;
}

ParamSpec ParamSpec::boolean(std::string name, std::string description) {
  return make_spec(std::move(name), ParamType::Boolean, std::move(description));
}

ParamSpec ParamSpec::choice(std::string name, std::vector<std::string> choices, std::string description) {
  ParamSpec p = make_spec(std::move(name), ParamType::Choice, std::move(description));
  p.choices = std::move(choices);
  return p;
}

ParamSpec&& ParamSpec::def(Value v) && {
  if (type == ParamType::Real && std::holds_alternative<std::int64_t>(v)) {
    v = static_cast<double>(std::get<std::int64_t>(v));
  }
  default_value = std::move(v);
  return std::move(*this);
}
ParamSpec&& ParamSpec::at_least(double v) && {
  min = v;
  min_exclusive = false;
  return std::move(*this);
}
ParamSpec&& ParamSpec::above(double v) && {
  min = v;
  min_exclusive = true;
  return std::move(*this);
}
ParamSpec&& ParamSpec::at_most(double v) && {
  max = v;
  return std::move(*this);
}
ParamSpec&& ParamSpec::in_unit(std::string u) && {
  unit = std::move(u);
  return std::move(*this);
}

ParamSpec&& ParamSpec::as_control() && {
  control = true;
  return std::move(*this);
}

std::string ParamSpec::expectation() const {
  switch (type) {
    case ParamType::Boolean: return "true or false";
    case ParamType::Choice: {
      std::string s = "one of ";
      for (std::size_t i = 0; i < choices.size(); ++i) {
        s += fmt::format("{}\"{}\"", i ? ", " : "", choices[i]);
      }
      return s;
    }
    case ParamType::Integer:
    case ParamType::Real: {
      const std::string what = type == ParamType::Integer ? "an integer" : "a finite number";
      if (min && max) {
        return fmt::format("{} in {}{}, {}]", what, min_exclusive ? "(" : "[", *min, *max);
      }
      if (min) return fmt::format("{} {} {}", what, min_exclusive ? ">" : ">=", *min);
      if (max) return fmt::format("{} <= {}", what, *max);
      return what;
    }
  }
  return "?";
}

std::size_t ParamValues::index(std::string_view name) const {
  if (specs_) {
    for (std::size_t i = 0; i < specs_->size(); ++i) {
      if ((*specs_)[i].name == name) return i;
    }
  }
  // A typo in an experiment's own code, not in a scenario: a programming error.
  throw std::logic_error(fmt::format("no parameter named \"{}\" was declared", name));
}

const Value& ParamValues::get(std::string_view name) const { return values_.at(index(name)); }

std::int64_t ParamValues::integer(std::string_view name) const { return std::get<std::int64_t>(get(name)); }

double ParamValues::real(std::string_view name) const {
  const Value& v = get(name);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return std::get<double>(v);
}

bool ParamValues::boolean(std::string_view name) const { return std::get<bool>(get(name)); }

const std::string& ParamValues::choice(std::string_view name) const { return std::get<std::string>(get(name)); }

static std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_d = 0;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (!best || d < best_d) {
      best = c;
      best_d = d;
    }
  }
  // Close enough to be a typo: at most 2 edits, and fewer than half the word.
  if (best && best_d <= 2 && best_d * 2 < std::max<std::size_t>(word.size(), 2)) return best;
  return std::nullopt;
}

}  // namespace cansim::scenario
