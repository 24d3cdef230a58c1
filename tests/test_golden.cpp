// Regression of Figures 4.2 and 4.3 against tests/golden/ (regenerate with
// scripts/update_golden.sh, only for an intended change of results):
//  - determinism: at 200 repetitions the outputs are exactly the golden bytes for the seed;
//  - semantics: each configuration's mean size agrees with the golden mean at 1000 repetitions
//    (confidence intervals overlap), so that a change of model fails even if someone
//    regenerates the exact-bytes files;
//  - the paper's statements: every one that held still holds.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cansim/scenario/churn_claims.hpp"
#include "cansim/scenario/results.hpp"
#include "cansim/scenario/runner.hpp"
#include "cansim/scenario/scenario.hpp"

using namespace cansim::scenario;
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

const fs::path kSource = CANSIM_SOURCE_DIR;

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs a figure's scenario (with overrides) into a fresh directory and returns its path.
fs::path run_figure(const std::string& fig, const std::vector<std::string>& sets, const std::string& tag) {
  const Scenario sc = load_scenario((kSource / "scenarios" / (fig + ".json")).string(), sets);
  const std::vector<std::uint64_t> runs = sc.all_runs();
  const auto results = run_runs(sc, runs, {2, false});
  const fs::path dir = fs::temp_directory_path() / ("cansim-golden-" + std::to_string(::getpid())) / (fig + tag);
  fs::remove_all(dir);
  write_results(sc, runs, results, {dir.string(), true, {"test"}});
  return dir;
}

// The files named in a golden sha256sum listing (runs.csv and summary.csv) have those digests.
void check_digests(const fs::path& dir, const std::string& listing) {
  std::istringstream sums(read(kSource / "tests" / "golden" / listing));
  std::string digest, name;
  int files = 0;
  while (sums >> digest >> name) {
    INFO(name);
    CHECK(sha256_hex(read(dir / name)) == digest);
    ++files;
  }
  CHECK(files == 2);
}

struct Cleanup {
  ~Cleanup() {
    std::error_code ec;
    fs::remove_all(fs::temp_directory_path() / ("cansim-golden-" + std::to_string(::getpid())), ec);
  }
};

}  // namespace

TEST_CASE("Figures 4.2 and 4.3 reproduce the golden bytes for their seed", "[golden]") {
  Cleanup cleanup;
  for (const std::string fig : {"fig4_2", "fig4_3"}) {
    INFO(fig << ": if this change of results is intended, run scripts/update_golden.sh and say why");
    const fs::path dir = run_figure(fig, {"repetitions=200"}, ".r200");
    CHECK(read(dir / "summary.json") == read(kSource / "tests" / "golden" / (fig + ".r200.summary.json")));
    check_digests(dir, fig + ".r200.sha256");
  }
}

TEST_CASE("the protocol model reproduces its golden bytes", "[golden][churn_protocol]") {
  Cleanup cleanup;
  struct Case {
    std::string fig;
    std::vector<std::string> sets;
    std::string golden;
  };
  const std::vector<Case> cases{
      {"fig4_2_protocol", {"repetitions=100"}, "fig4_2_protocol.r100.sha256"},
      {"fig4_3_protocol", {"repetitions=100"}, "fig4_3_protocol.r100.sha256"},
      {"fig4_2_protocol",
       {"repetitions=50", "params.at_zero=bootstrap", "params.sample=after_joins"},
       "fig4_2_protocol.bootstrap.r50.sha256"},
  };
  for (const Case& c : cases) {
    INFO(c.golden << ": if this change of results is intended, run scripts/update_golden.sh and say why");
    const fs::path dir = run_figure(c.fig, c.sets, "." + c.golden);
    check_digests(dir, c.golden);
  }
}

TEST_CASE("each configuration's mean size agrees with the golden mean", "[golden]") {
  Cleanup cleanup;
  for (const std::string fig : {"fig4_2", "fig4_3"}) {
    // Another seed than the golden run's: this checks the model's semantics, not its bytes.
    const fs::path dir = run_figure(fig, {"repetitions=300", "seed=7"}, ".semantics");
    const json summary = json::parse(read(dir / "summary.json"));
    const json golden = json::parse(read(kSource / "tests" / "golden" / (fig + ".means.json")));
    REQUIRE(summary["configurations"].size() == golden.size());
    for (std::size_t i = 0; i < golden.size(); ++i) {
      const json& c = summary["configurations"][i];
      const json& g = golden[i];
      REQUIRE(c["params"]["f"] == g["f"]);
      REQUIRE(c["params"]["j"] == g["j"]);
      const double lo = c["size"]["ci95_low"], hi = c["size"]["ci95_high"];
      INFO(fig << " f=" << g["f"] << " j=" << g["j"] << ": mean " << c["size"]["mean"] << " [" << lo << ", " << hi
               << "] against golden " << g["mean"] << " [" << g["ci95_low"] << ", " << g["ci95_high"] << "]");
      // The two 95% intervals overlap.
      CHECK(lo <= g["ci95_high"].get<double>());
      CHECK(hi >= g["ci95_low"].get<double>());
    }
  }
}

TEST_CASE("every statement of the paper that held still holds", "[golden][claims]") {
  Cleanup cleanup;
  const std::vector<json> summaries{json::parse(read(run_figure("fig4_2", {}, ".full") / "summary.json")),
                                    json::parse(read(run_figure("fig4_3", {}, ".full") / "summary.json"))};
  const auto checks = check_churn_claims(summaries);
  const json golden = json::parse(read(kSource / "tests" / "golden" / "claims.json"));
  REQUIRE(checks.size() == golden.size());
  for (std::size_t i = 0; i < checks.size(); ++i) {
    INFO("statement " << checks[i].number << ": " << checks[i].statement << "\nfigures: " << checks[i].figures);
    CHECK(checks[i].verdict != Verdict::NotEvaluated);
    if (golden[i]["verdict"] == "holds") CHECK(checks[i].verdict == Verdict::Holds);
  }
}

TEST_CASE("the exact solution of both figures is the golden one, under the literal reading and the closest combination",
          "[golden][exact]") {
  // Noise-free: every figure to 1e-9 and every verdict, not only those that held.
  Cleanup cleanup;
  const json golden = json::parse(read(kSource / "tests" / "golden" / "exact.json"));
  const std::vector<std::string> closest{"params.at_zero=bootstrap", "params.sample=after_joins", "params.initial_size=4"};
  for (const std::string pin : {"literal", "closest"}) {
    std::vector<json> summaries;
    for (const std::string fig : {"fig4_2", "fig4_3"}) {
      const fs::path dir = run_figure(fig + "_exact", pin == "closest" ? closest : std::vector<std::string>{}, "." + pin);
      summaries.push_back(json::parse(read(dir / "summary.json")));
      const json& want = golden.at(pin).at(fig);
      const json& got = summaries.back().at("configurations");
      REQUIRE(got.size() == want.size());
      for (std::size_t k = 0; k < got.size(); ++k) {
        for (const auto& [name, value] : want[k].items()) {
          const json& c = got[k];
          const double v = name == "f" || name == "j"    ? c.at("params").at(name).get<double>()
                           : c.at("size").contains(name) ? c.at("size").at(name).get<double>()
                                                         : c.at(name).get<double>();
          INFO(pin << " " << fig << " configuration " << k << ": " << name);
          CHECK(v == Approx(value.get<double>()).epsilon(1e-9).margin(1e-12));
        }
      }
    }
    const auto checks = check_churn_claims(summaries);
    const json& verdicts = golden.at(pin).at("claims");
    REQUIRE(checks.size() == verdicts.size());
    for (std::size_t i = 0; i < checks.size(); ++i) {
      INFO(pin << ": statement " << checks[i].number << "; figures: " << checks[i].figures);
      CHECK(std::string(verdict_name(checks[i].verdict)) == verdicts[i].get<std::string>());
    }
  }
}
