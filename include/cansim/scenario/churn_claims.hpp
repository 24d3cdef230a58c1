#pragma once
// The paper's eight statements about Figures 4.2 and 4.3 (§4.1.1; listed in docs/reproduction.md), checked
// against churn result summaries. Each statement is made measurable in the one way documented
// in docs/reproduction.md; the check reports the figures it rests on.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cansim::scenario {

enum class Verdict { Holds, DoesNotHold, NotEvaluated };
std::string_view verdict_name(Verdict v);  // "holds", "does not hold", "not evaluated"

struct ClaimCheck {
  int number;
  std::string statement;  // the paper's words, shortened
  std::string criterion;  // how cansim measures it
  std::string figures;    // the numbers it rests on, or what is missing
  Verdict verdict;
};

// `summaries` are summary.json documents of churn results (any mix of Nmax = 10 and 100).
std::vector<ClaimCheck> check_churn_claims(const std::vector<nlohmann::ordered_json>& summaries);

}  // namespace cansim::scenario
