#include "cansim/scenario/gas_calibration.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "cansim/scenario/scenario.hpp"

namespace cansim::scenario {

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw std::runtime_error(p.string() + ": cannot be read");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

chain::GasCalibration load_gas_calibration(const std::string& path) {
  chain::GasCalibration out;
  try {
    const auto j = nlohmann::json::parse(read_file(path));
    out.compiler = j.at("compiler").get<std::string>();
    out.evm = j.at("evm").get<std::string>();
    out.sources_sha256 = j.at("sources_sha256").get<std::string>();
    for (const auto& r : j.at("rows")) {
      out.rows.push_back({r.at("contract").get<std::string>(), r.at("function").get<std::string>(),
                          r.at("case").get<std::string>(), r.at("gas").get<chain::Gas>()});
    }
    if (j.contains("lifecycle")) {
      for (const auto& st : j.at("lifecycle").at("steps")) {
        out.lifecycle.steps.push_back({st.at("step").get<std::string>(), st.at("function").get<std::string>(),
                                       st.at("status").get<std::string>(), st.at("gas").get<chain::Gas>()});
      }
      for (const auto& [name, wei] : j.at("lifecycle").at("net_wei").items()) out.lifecycle.net_wei[name] = wei.get<std::string>();
    }
    for (const auto& l : j.at("largest_k")) {
      for (const auto& [limit, k] : l.at("k").items()) {
        out.largest_k.push_back({l.at("services").get<std::size_t>(), std::stoull(limit), k.get<std::uint64_t>()});
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": not a gas calibration table: " + e.what());
  }
  return out;
}

std::string contracts_sha256(const std::string& dir, const std::string& harness) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".sol") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.filename().string() < b.filename().string(); });
  std::string all;
  for (const auto& f : files) {
    all += f.filename().string();
    all += '\0';
    all += read_file(f);
    all += '\0';
  }
  if (!harness.empty()) {
    all += std::filesystem::path(harness).filename().string();
    all += '\0';
    all += read_file(harness);
    all += '\0';
  }
  return sha256_hex(all);
}

}  // namespace cansim::scenario
