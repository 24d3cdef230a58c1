// The gas model against a real EVM: the committed calibration (scripts/gas/calibration.json,
// measured by `make gas-calibrate` on the Solidity contracts of contracts/) and what the model
// charges for the same calls with the same prior state.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cansim/scenario/gas_report.hpp"
#include "cansim/scenario/gas_calibration.hpp"

using namespace cansim;
using namespace cansim::chain;

namespace {

const std::string kSource = CANSIM_SOURCE_DIR;

const GasCalibration& calibration() {
  static const GasCalibration c = scenario::load_gas_calibration(kSource + "/scripts/gas/calibration.json");
  return c;
}

double relative_error(double model, double real) { return std::abs(model - real) / real; }

}  // namespace

TEST_CASE("the calibration was measured on the contracts as they are", "[gas][calibration]") {
  INFO("contracts/ or scripts/gas/calibrate.mjs changed since the calibration: run `make gas-calibrate` (needs npm)");
  CHECK(scenario::contracts_sha256(kSource + "/contracts", kSource + "/scripts/gas/calibrate.mjs") ==
        calibration().sources_sha256);
}

TEST_CASE("the contracts' hash sees a changed byte, a renamed file and a new file", "[gas][calibration]") {
  const auto dir = std::filesystem::temp_directory_path() / "cansim-contracts-hash";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; };
  write("A.sol", "contract A {}");
  write("notes.txt", "not a source");
  const std::string base = scenario::contracts_sha256(dir.string());
  write("notes.txt", "still not a source");
  CHECK(scenario::contracts_sha256(dir.string()) == base);
  write("A.sol", "contract A { }");
  CHECK(scenario::contracts_sha256(dir.string()) != base);
  write("A.sol", "contract A {}");
  CHECK(scenario::contracts_sha256(dir.string()) == base);
  std::filesystem::rename(dir / "A.sol", dir / "B.sol");
  CHECK(scenario::contracts_sha256(dir.string()) != base);
  std::filesystem::rename(dir / "B.sol", dir / "A.sol");
  write("C.sol", "");
  CHECK(scenario::contracts_sha256(dir.string()) != base);
  // The harness that measures is hashed too (issue 28: a changed script left the table "fresh").
  write("run.mjs", "measure()");
  const std::string with_harness = scenario::contracts_sha256(dir.string(), (dir / "run.mjs").string());
  CHECK(with_harness != scenario::contracts_sha256(dir.string()));
  write("run.mjs", "measure(2)");
  CHECK(scenario::contracts_sha256(dir.string(), (dir / "run.mjs").string()) != with_harness);
  std::filesystem::remove_all(dir);
}

TEST_CASE("every function's gas is within 5% of the real EVM's", "[gas][calibration]") {
  const auto model = contract_gas_rows();
  REQUIRE(model.size() == calibration().rows.size());
  for (std::size_t i = 0; i < model.size(); ++i) {
    const GasRow& m = model[i];
    const GasRow& r = calibration().rows[i];
    INFO(m.contract << "." << m.function << " (" << m.what << "): model " << m.gas << ", real " << r.gas);
    REQUIRE(m.contract == r.contract);
    REQUIRE(m.function == r.function);
    REQUIRE(m.what == r.what);
    CHECK(relative_error(static_cast<double>(m.gas), static_cast<double>(r.gas)) <= 0.05);
  }
}

TEST_CASE("the largest k of interimPayment in a block is within 5% of the real EVM's", "[gas][calibration]") {
  REQUIRE(calibration().largest_k.size() == 9);  // 2, 10 and 50 services; 30M, 36M and 45M gas
  for (const auto& l : calibration().largest_k) {
    const std::uint64_t k = largest_interim_k(l.services, l.block_gas_limit);
    INFO(l.services << " services, " << l.block_gas_limit << " gas: model " << k << ", real " << l.k);
    CHECK(relative_error(static_cast<double>(k), static_cast<double>(l.k)) <= 0.05);
  }
}

TEST_CASE("the model runs the whole lifecycle as the real EVM did: every status, gas within 5%, every wei", "[gas][calibration]") {
  const Lifecycle& real = calibration().lifecycle;
  const Lifecycle model = contract_lifecycle();
  REQUIRE(real.steps.size() > 20);
  REQUIRE(model.steps.size() == real.steps.size());
  for (std::size_t i = 0; i < model.steps.size(); ++i) {
    const LifecycleStep& m = model.steps[i];
    const LifecycleStep& r = real.steps[i];
    INFO("step " << i << ": " << m.step << " (" << m.function << "): model " << m.status << ", " << m.gas << " gas; real "
                 << r.status << ", " << r.gas << " gas");
    REQUIRE(m.step == r.step);
    CHECK(m.function == r.function);
    CHECK(m.status == r.status);
    CHECK(relative_error(static_cast<double>(m.gas), static_cast<double>(r.gas)) <= 0.05);
  }
  CHECK(model.net_wei == real.net_wei);
}

TEST_CASE("docs/contracts.md holds the model beside the real EVM", "[gas][docs]") {
  std::ifstream f(std::filesystem::path(kSource) / "docs" / "contracts.md");
  std::stringstream s;
  s << f.rdbuf();
  const std::string doc = s.str();
  const auto a = doc.find("<!-- generated:gas -->\n"), b = doc.find("<!-- end:gas -->");
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  INFO("regenerate with: make docs");
  CHECK(doc.substr(a + 23, b - a - 23) == contract_gas_report(calibration()));
}
