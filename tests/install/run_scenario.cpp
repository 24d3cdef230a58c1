// Runs a scenario through the library: what docs/model.md shows.
#include <cstdio>

#include "cansim/scenario/runner.hpp"
#include "cansim/scenario/scenario.hpp"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  using namespace cansim::scenario;
  const Scenario sc = load_scenario(argv[1]);                          // validated, as `cansim run` does
  const std::vector<RunResult> results = run_runs(sc, sc.all_runs());  // on every core
  double sum = 0;
  for (const RunResult& r : results) sum += r.metrics[0];
  std::printf("%s: %zu runs, mean %s %.6g\n", sc.kind->name.c_str(), results.size(), sc.kind->metrics[0].name.c_str(),
              sum / static_cast<double>(results.size()));
  return 0;
}
