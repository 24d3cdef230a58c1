#pragma once
// The step model of churn_model.hpp (§4.1.1, Figures 4.2 and 4.3) solved exactly: it is a Markov
// chain, so the distribution of the size after every step follows from one sparse transition
// matrix per configuration by vector-matrix products, with no sampling noise.
//
// The state is what run_churn carries from one step to the next, reduced to what the future
// depends on: the size; the churn figure's memory (with cumulative churn, left - joined equals
// initial_size + bootstraps - size, so only the bootstrap count matters, and only up to 2 Nmax,
// beyond which Algorithm 1 accepts every request; with last_step churn, the last step's
// left - joined); the steps left in an election; the whole steps spent at size 0 (bootstrap);
// the nodes gone for good (crashed_return = false); and whether size 0 was ever reached.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cansim/scenario/churn/churn_model.hpp"

namespace cansim::churn {

struct ChurnExact {
  std::uint64_t states = 0;                   // states reachable from the start
  std::uint64_t transitions = 0;              // non-zero entries of the transition matrix
  std::vector<std::vector<double>> size_pmf;  // [step - 1][s]: P(the sampled size is s), s = 0..Nmax
  std::vector<double> pooled;                 // P(size = s) over a run's samples, steps pooled
  std::vector<double> zero_by;                // [step - 1]: P(some step up to this one ended at 0)
};

// The largest chain the exact method builds (an upper bound on its states, from the parameters).
inline constexpr double kMaxExactStates = 4e6;
inline constexpr std::int64_t kMaxExactNmax = 2000;

// Why the exact method does not cover `c` (a sentence), or nothing when it does.
std::optional<std::string> churn_exact_unsupported(const ChurnConfig& c);

// Throws std::invalid_argument when churn_exact_unsupported(c) says why.
ChurnExact solve_churn(const ChurnConfig& c);

}  // namespace cansim::churn
