// The payment experiment: an application's life on the chain, and the contract parameters a
// scenario must not get wrong.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cansim/scenario/runner.hpp"
#include "cansim/scenario/scenario.hpp"
#include "scenario_fixture.hpp"

using namespace cansim::scenario;
namespace fs = std::filesystem;

namespace {

std::string write_scenario(const std::string& params) {
  const fs::path dir = fs::temp_directory_path() / ("cansim-payment-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "p.json";
  std::ofstream(file) << R"({"experiment": "payment", "seed": 3, "repetitions": 3, "params": {)" + params + "}}";
  return file.string();
}

std::string error_of(const std::string& params) {
  const std::string file = write_scenario(params);
  try {
    load_scenario(file);
  } catch (const ValidationError& e) {
    return std::string(e.what()).substr(file.size());
  }
  return "";
}

struct Cleanup {
  ~Cleanup() {
    std::error_code ec;
    fs::remove_all(fs::temp_directory_path() / ("cansim-payment-" + std::to_string(::getpid())), ec);
  }
};

}  // namespace

TEST_CASE("malformed contract parameters are validation errors with their path", "[payment][scenario]") {
  Cleanup cleanup;
  CHECK(error_of(R"("resource_price": -5)") == ":/params/resource_price: expected an integer in [0, 1000000000000000], found -5");
  CHECK(error_of(R"("block_interval_s": 0)") == ":/params/block_interval_s: expected a finite number in (0, 1000000], found 0");
  CHECK(error_of(R"("block_gas_limit": 20999)") ==
        ":/params/block_gas_limit: expected an integer in [21000, 1000000000000], found 20999");
  CHECK(error_of(R"("gas_price_gwei": -1)").rfind(":/params/gas_price_gwei: expected a finite number in [0, ", 0) == 0);
  CHECK(error_of(R"("services": 0)").rfind(":/params/services:", 0) == 0);
  CHECK(error_of("").empty());
}

TEST_CASE("an application's life on the chain pays every party for the time it ran", "[payment]") {
  Cleanup cleanup;
  const Scenario sc = load_scenario(write_scenario(R"("duration_min": 120, "services": 3, "service_mtbf_min": 30)"));
  const auto results = run_runs(sc, sc.all_runs(), {2, false});
  auto metric = [&](const RunResult& r, std::string_view name) { return testing::metric(sc, r, name); };
  for (const auto& r : results) {
    // 3 services for up to 120 minutes, less the redeploy gaps.
    CHECK(metric(r, "service_minutes") > 3 * 110);
    CHECK(metric(r, "service_minutes") <= 3 * 120);
    // Billing loses at most the rounding to whole minutes: a minute per paid interval at worst.
    CHECK(metric(r, "billed_share") > 0.9);
    CHECK(metric(r, "billed_share") <= 1.0);
    // Per minute of service: resources 10, cloud 3, CAN 1, orchestration 4.
    CHECK(metric(r, "paid_cloud_wei") == Approx(0.3 * metric(r, "paid_resources_wei")).epsilon(0.01));
    CHECK(metric(r, "paid_orchestration_wei") == Approx(0.4 * metric(r, "paid_resources_wei")).epsilon(0.01));
    CHECK(metric(r, "gas_leader") > 21000 * metric(r, "checkpoints"));
  }
  CHECK(results[0].trace_hash != results[1].trace_hash);
}

TEST_CASE("an application whose funds run out shuts down, and everyone is paid what was covered", "[payment]") {
  Cleanup cleanup;
  // 600 minutes of 2 services at 18 wei a minute each would cost about 21600 wei; 5000 runs out.
  const Scenario sc = load_scenario(write_scenario(R"("duration_min": 600, "deposit": 5000, "payment_interval_min": 10)"));
  const auto results = run_runs(sc, sc.all_runs(), {2, false});
  auto metric = [&](const RunResult& r, std::string_view name) { return testing::metric(sc, r, name); };
  for (const auto& r : results) {
    CHECK(metric(r, "ended_early") == 1.0);
    const double paid = metric(r, "paid_resources_wei") + metric(r, "paid_cloud_wei") + metric(r, "paid_can_wei") +
                        metric(r, "paid_orchestration_wei");
    CHECK(paid <= 5000);
    CHECK(paid > 4000);  // most of the deposit went to the parties before the funds ran out
    CHECK(metric(r, "service_minutes") < 2 * 600);
  }
}
