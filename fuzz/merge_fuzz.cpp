// libFuzzer target: `cansim merge` (results.hpp, merge_results) on an arbitrary shard. The input
// is a shard's manifest.json, a NUL byte, then its partial-runs.jsonl; the target writes them into
// a folder of its own and merges that folder. The only acceptable outcomes are a merged result or
// one OutputError or ValidationError (a manifest whose scenario is bad); any other exception, a
// crash, a sanitizer report, a hang or an allocation beyond libFuzzer's limit is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "cansim/scenario/results.hpp"
#include "cansim/scenario/scenario.hpp"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fs::path dir = fs::temp_directory_path() / ("cansim-merge-fuzz-" + std::to_string(::getpid()));
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::size_t cut = text.find('\0');
  fs::remove_all(dir);
  fs::create_directories(dir / "shard");
  std::ofstream(dir / "shard" / "manifest.json", std::ios::binary) << text.substr(0, cut);
  if (cut != std::string::npos) std::ofstream(dir / "shard" / "partial-runs.jsonl", std::ios::binary) << text.substr(cut + 1);
  try {
    cansim::scenario::OutputRequest out;
    out.dir = (dir / "out").string();
    cansim::scenario::merge_results({(dir / "shard").string()}, out);
  } catch (const cansim::scenario::OutputError&) {
    // the expected answer to a bad shard
  } catch (const cansim::scenario::ValidationError&) {
    // a manifest whose scenario does not validate
  } catch (const std::exception& e) {
    std::fprintf(stderr, "merge_fuzz: not an OutputError or ValidationError: %s\n", e.what());
    std::abort();
  }
  return 0;
}
