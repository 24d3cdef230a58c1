// The `cansim` executable end to end: exit statuses, result directories, sharding and merging,
// and the documentation that must match the code.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <sys/wait.h>

#include <cstdio>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cansim/scenario/describe.hpp"
#include "cansim/scenario/runner.hpp"
#include "cansim/scenario/scenario.hpp"
#include "cansim/sim/invariant.hpp"

namespace fs = std::filesystem;
using namespace cansim::scenario;

namespace {

struct Outcome {
  int status;
  std::string output;  // stdout and stderr together
};

// What a shell command prints on standard output.
std::string shell(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  pclose(p);
  return out;
}

Outcome run_cli(const std::string& args) {
  const std::string cmd = std::string(CANSIM_EXE) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

// A fresh directory for one test, removed with everything in it when the test ends.
struct TempDir {
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("cansim-cli-tests-" + std::to_string(::getpid())) / name) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path.parent_path()); }
  fs::path path;
};

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Every file equal, the manifests equal but for the command line.
void require_same_results(const fs::path& a, const fs::path& b) {
  // Files at any depth (traces/run-N.json), by their path inside the directory.
  std::set<std::string> na, nb;
  for (const auto& e : fs::recursive_directory_iterator(a)) {
    if (e.is_regular_file()) na.insert(fs::relative(e.path(), a).string());
  }
  for (const auto& e : fs::recursive_directory_iterator(b)) {
    if (e.is_regular_file()) nb.insert(fs::relative(e.path(), b).string());
  }
  REQUIRE(na == nb);
  for (const auto& name : na) {
    INFO(name);
    if (name == "manifest.json") {
      auto ma = nlohmann::json::parse(read(a / name)), mb = nlohmann::json::parse(read(b / name));
      ma.erase("command_line");
      mb.erase("command_line");
      CHECK(ma == mb);
    } else {
      CHECK(read(a / name) == read(b / name));
    }
  }
}

const char* kScenario = R"({"experiment": "queue", "seed": 5, "repetitions": 3,
  "params": {"customers": 300, "warmup": 10}, "sweep": {"arrival_rate": [0.2, 0.4, 0.6]},
  "output": {"per_customer": true}})";

// `cansim merge D/a D/b -o D/m` is refused: exit 2, one line holding `expected`, and nothing
// written (no D/m, no temporary beside it).
void check_merge_refused(const fs::path& d, const std::string& expected) {
  fs::remove_all(d / "m");
  const auto r = run_cli("merge " + (d / "a").string() + " " + (d / "b").string() + " -o " + (d / "m").string());
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output.find(expected) != std::string::npos);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  CHECK_FALSE(fs::exists(d / "m"));
  for (const auto& e : fs::directory_iterator(d)) CHECK(e.path().filename().string().find(".m.tmp") == std::string::npos);
}

}  // namespace

TEST_CASE("cansim run writes a complete result directory", "[cli]") {
  const TempDir tmp("run");
  const fs::path& d = tmp.path;
  std::ofstream(d / "s.json") << kScenario;
  const auto r = run_cli("run " + (d / "s.json").string() + " -o " + (d / "out").string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  for (const char* f : {"manifest.json", "runs.csv", "customers.csv", "summary.json", "summary.csv"}) {
    CHECK(fs::exists(d / "out" / f));
  }
  CHECK_FALSE(fs::exists(d / "out" / "partial-runs.jsonl"));
  const auto manifest = nlohmann::json::parse(read(d / "out" / "manifest.json"));
  CHECK(manifest["seed"] == 5);
  CHECK(manifest["runs"]["complete"] == true);
  CHECK(manifest["configurations"].size() == 3);
  CHECK(manifest["scenario"]["sha256"] == sha256_hex(kScenario));
  // runs.csv: a header and one row per run, with the swept parameter as a column.
  const std::string runs = read(d / "out" / "runs.csv");
  CHECK(runs.rfind("run,config,repetition,seed,arrival_rate,mean_wait_s,", 0) == 0);
  CHECK(std::count(runs.begin(), runs.end(), '\n') == 10);
  const auto summary = nlohmann::json::parse(read(d / "out" / "summary.json"));
  CHECK(summary["configurations"][2]["params"]["arrival_rate"] == 0.6);
  CHECK(summary["configurations"][2]["metrics"]["mean_wait_s"]["n"] == 3);
  // The result directory is not replaced without --force, and is with it.
  const auto again = run_cli("run " + (d / "s.json").string() + " -o " + (d / "out").string());
  CHECK(again.status == 2);
  CHECK(again.output.find("use --force") != std::string::npos);
  CHECK(run_cli("run " + (d / "s.json").string() + " -o " + (d / "out").string() + " --force").status == 0);
  // Nothing but the result directory is left behind (no temporary directories).
  std::set<std::string> left;
  for (const auto& e : fs::directory_iterator(d)) left.insert(e.path().filename().string());
  CHECK(left == std::set<std::string>{"s.json", "out"});
}

// Issue: --force deleted whatever -o named. It may replace only a directory holding a cansim
// result and nothing else; anything else is refused (exit 2, one line) and left as it was.
TEST_CASE("run --force replaces a cansim result and nothing else", "[cli]") {
  const TempDir tmp("force");
  const fs::path& d = tmp.path;
  std::ofstream(d / "s.json") << kScenario;
  const std::string sc = (d / "s.json").string();
  auto refused = [&](const fs::path& out, const std::string& why) {
    const auto r = run_cli("run " + sc + " -o " + out.string() + " --force");
    INFO(r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find(why) != std::string::npos);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  };
  SECTION("a directory of the user's files") {
    fs::create_directories(d / "p");
    std::ofstream(d / "p" / "thesis.tex") << "x";
    refused(d / "p", "not a cansim result");
    CHECK(read(d / "p" / "thesis.tex") == "x");
  }
  SECTION("the scenario file itself") {
    refused(d / "s.json", "not a directory");
    CHECK(read(d / "s.json") == kScenario);
  }
  SECTION("a result directory with a file of the user's added") {
    REQUIRE(run_cli("run " + sc + " -o " + (d / "out").string()).status == 0);
    std::ofstream(d / "out" / "notes.txt") << "mine";
    refused(d / "out", "notes.txt");
    CHECK(read(d / "out" / "notes.txt") == "mine");
    CHECK(fs::exists(d / "out" / "manifest.json"));
  }
  SECTION("a manifest.json that cansim did not write") {
    fs::create_directories(d / "fake");
    std::ofstream(d / "fake" / "manifest.json") << R"({"name": "my package"})";
    refused(d / "fake", "not a cansim result");
    CHECK(fs::exists(d / "fake" / "manifest.json"));
  }
  SECTION("merge --force follows the same rule") {
    fs::create_directories(d / "p");
    std::ofstream(d / "p" / "thesis.tex") << "x";
    REQUIRE(run_cli("run " + sc + " --shard 1/2 -o " + (d / "a").string()).status == 0);
    REQUIRE(run_cli("run " + sc + " --shard 2/2 -o " + (d / "b").string()).status == 0);
    const auto r = run_cli("merge " + (d / "a").string() + " " + (d / "b").string() + " -o " + (d / "p").string() + " --force");
    CHECK(r.status == 2);
    CHECK(read(d / "p" / "thesis.tex") == "x");
  }
  SECTION("a result directory, with its traces, is replaced") {
    REQUIRE(run_cli("run " + sc + " -o " + (d / "out").string()).status == 0);
    CHECK(run_cli("run " + sc + " -o " + (d / "out").string() + " --force --seed 6").status == 0);
    CHECK(nlohmann::json::parse(read(d / "out" / "manifest.json"))["seed"] == 6);
  }
}

// Issue: "-o DIR/" (a trailing slash, as tab completion adds) left an empty DIR and said "exists".
TEST_CASE("an output path with a trailing slash names the same directory", "[cli]") {
  const TempDir tmp("slash");
  const fs::path& d = tmp.path;
  std::ofstream(d / "s.json") << kScenario;
  const std::string sc = (d / "s.json").string();
  const auto r = run_cli("run " + sc + " -o " + (d / "out").string() + "/");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(fs::exists(d / "out" / "manifest.json"));
  const auto again = run_cli("run " + sc + " -o " + (d / "out").string() + "/ --force");
  INFO(again.output);
  CHECK(again.status == 0);
  std::set<std::string> left;
  for (const auto& e : fs::directory_iterator(d)) left.insert(e.path().filename().string());
  CHECK(left == std::set<std::string>{"s.json", "out"});
}

TEST_CASE("bad input exits 2 with one line and writes nothing", "[cli]") {
  const TempDir tmp("bad");
  const fs::path& d = tmp.path;
  std::ofstream(d / "s.json") << R"({"experiment": "queue", "seed": 1, "params": {"warmup": -3}})";
  const auto r = run_cli("run " + (d / "s.json").string() + " -o " + (d / "out").string());
  CHECK(r.status == 2);
  CHECK(r.output == (d / "s.json").string() + ":/params/warmup: expected an integer in [0, 1000000000], found -3\n");
  CHECK_FALSE(fs::exists(d / "out"));
  CHECK(run_cli("validate " + (d / "s.json").string()).status == 2);
  CHECK(run_cli("run").status == 2);
  CHECK(run_cli("run " + (d / "s.json").string() + " --no-such-flag").status == 2);
  CHECK(run_cli("describe no-such-kind").status == 2);
}

TEST_CASE("output is byte-identical for any thread count", "[cli]") {
  const TempDir tmp("threads");
  const fs::path& d = tmp.path;
  std::ofstream(d / "s.json") << kScenario;
  REQUIRE(run_cli("run " + (d / "s.json").string() + " -o " + (d / "t1").string() + " --threads 1").status == 0);
  REQUIRE(run_cli("run " + (d / "s.json").string() + " -o " + (d / "t3").string() + " --threads 3").status == 0);
  require_same_results(d / "t1", d / "t3");
}

TEST_CASE("shards merge into exactly the unsharded result", "[cli]") {
  const TempDir tmp("shards");
  const fs::path& d = tmp.path;
  std::ofstream(d / "s.json") << kScenario;
  const std::string sc = (d / "s.json").string();
  REQUIRE(run_cli("run " + sc + " -o " + (d / "full").string()).status == 0);
  REQUIRE(run_cli("run " + sc + " --shard 1/2 -o " + (d / "a").string()).status == 0);
  REQUIRE(run_cli("run " + sc + " --shard 2/2 -o " + (d / "b").string()).status == 0);
  CHECK(fs::exists(d / "a" / "partial-runs.jsonl"));
  const auto m = run_cli("merge " + (d / "b").string() + " " + (d / "a").string() + " -o " + (d / "merged").string());
  INFO(m.output);
  REQUIRE(m.status == 0);
  require_same_results(d / "full", d / "merged");
  // Interleaved slices merge a run at a time, taking each run from the slice that has it.
  REQUIRE(run_cli("run " + sc + " --runs 0,2,4,6,8 -o " + (d / "even").string()).status == 0);
  REQUIRE(run_cli("run " + sc + " --runs 1,3,5,7 -o " + (d / "odd").string()).status == 0);
  REQUIRE(run_cli("merge " + (d / "odd").string() + " " + (d / "even").string() + " -o " + (d / "zip").string()).status == 0);
  require_same_results(d / "full", d / "zip");
  // Overlapping shards are refused.
  REQUIRE(run_cli("run " + sc + " --runs 0-5 -o " + (d / "c").string()).status == 0);
  CHECK(run_cli("merge " + (d / "a").string() + " " + (d / "c").string() + " -o " + (d / "bad").string()).status == 2);
  CHECK_FALSE(fs::exists(d / "bad"));
}

TEST_CASE("listing numbers the runs without running them", "[cli]") {
  const TempDir tmp("list");
  const fs::path& d = tmp.path;
  std::ofstream(d / "s.json") << kScenario;
  const auto r = run_cli("run " + (d / "s.json").string() + " --list --runs 4-5 -o " + (d / "out").string());
  REQUIRE(r.status == 0);
  const Scenario sc = load_scenario((d / "s.json").string());
  CHECK(r.output == "run config repetition seed params\n" +
                        fmt::format("4 1 1 {} arrival_rate=0.4\n5 1 2 {} arrival_rate=0.4\n", sc.run(4).seed, sc.run(5).seed));
  CHECK_FALSE(fs::exists(d / "out"));
}

TEST_CASE("a broken invariant names the run, seed, time and event", "[cli]") {
  const TempDir tmp("invariant");
  const fs::path& d = tmp.path;
  std::ofstream(d / "s.json") << R"({"experiment": "queue", "seed": 5, "repetitions": 8})";
  Scenario sc = load_scenario((d / "s.json").string());
  ExperimentKind broken = *sc.kind;
  broken.run = [](const RunContext& ctx) -> RunResult {
    if (ctx.run == 3 || ctx.run == 6) {
      throw cansim::InvariantViolation(cansim::millis(1500), "join of node 4", "two leaders for nonce 2");
    }
    return {};
  };
  sc.kind = &broken;
  const std::vector<std::uint64_t> runs{0, 1, 2, 3, 4, 5, 6, 7};
  for (unsigned threads : {1u, 2u, 4u}) {
    try {
      run_runs(sc, runs, {threads, false});
      FAIL("expected RunFailed");
    } catch (const RunFailed& e) {
      CHECK(e.run() == 3);  // the lowest failing run, whatever the thread count
      CHECK(std::string(e.what()) == fmt::format("run 3 (seed {}): invariant violated at t=1.5s during join of "
                                                 "node 4: two leaders for nonce 2",
                                                 sc.run(3).seed));
    }
  }
}

TEST_CASE("docs/scenario-format.md is generated from the declarations", "[cli][docs]") {
  const std::string committed = read(fs::path(CANSIM_SOURCE_DIR) / "docs" / "scenario-format.md");
  INFO("regenerate with: make docs");
  CHECK(committed == scenario_format_markdown());
}

TEST_CASE("docs/cli.md documents every option of every command", "[cli][docs]") {
  const std::string doc = read(fs::path(CANSIM_SOURCE_DIR) / "docs" / "cli.md");
  REQUIRE_FALSE(doc.empty());
  for (const char* sub : {"run", "validate", "describe", "merge"}) {
    CHECK(doc.find(std::string("cansim ") + sub) != std::string::npos);
    const auto help = run_cli(std::string(sub) + " --help");
    REQUIRE(help.status == 0);
    const std::regex opt("--[a-z][a-z-]+");
    for (auto it = std::sregex_iterator(help.output.begin(), help.output.end(), opt); it != std::sregex_iterator(); ++it) {
      INFO("cansim " << sub << " " << it->str());
      CHECK(doc.find(it->str()) != std::string::npos);
    }
  }
}

TEST_CASE("the can kind writes a Chrome trace per run on request, and its shards merge exactly", "[cli][can]") {
  const TempDir tmp("trace");
  const fs::path& d = tmp.path;
  const std::string sc = std::string(CANSIM_SOURCE_DIR) + "/scenarios/can_component_crash.json";
  const std::string opts = " --set repetitions=3 --set output.trace=true";
  REQUIRE(run_cli("run " + sc + opts + " -o " + (d / "full").string()).status == 0);
  REQUIRE(run_cli("run " + sc + opts + " --shard 1/2 -o " + (d / "a").string()).status == 0);
  REQUIRE(run_cli("run " + sc + opts + " --shard 2/2 -o " + (d / "b").string()).status == 0);
  REQUIRE(run_cli("merge " + (d / "a").string() + " " + (d / "b").string() + " -o " + (d / "merged").string()).status == 0);
  require_same_results(d / "full", d / "merged");
  // Run 0: component 7 crashes at 22 s; its Work Entry 0 moves to component 8, whose stretch of
  // it begins where 7's ends, at the ReassignWork.
  const auto trace = nlohmann::json::parse(read(d / "full" / "traces" / "run-0.json"));
  const auto& events = trace.at("traceEvents");
  std::int64_t crash = -1, reassign = -1, end_on_7 = -1, start_on_8 = -1;
  int checkpoints = 0;
  for (const auto& e : events) {
    const std::string name = e.at("name");
    if (name == "crash" && e.at("tid") == 7) crash = e.at("ts");
    if (name == "ReassignWork") reassign = e.at("ts");
    if (name == "CheckpointWork") ++checkpoints;
    if (name == "work 0" && e.at("tid") == 7) end_on_7 = e.at("ts").get<std::int64_t>() + e.at("dur").get<std::int64_t>();
    if (name == "work 0" && e.at("tid") == 8) start_on_8 = e.at("ts");
  }
  CHECK(crash == 22000000);
  CHECK(reassign > crash);
  CHECK(end_on_7 == reassign);
  CHECK(start_on_8 == reassign);
  CHECK(checkpoints == 33);  // 3 Work Entries of 12 intervals: 11 checkpoints each
}

TEST_CASE("churn writes per-step sizes on request, and its shards merge exactly", "[cli][churn]") {
  const TempDir tmp("churn");
  const fs::path& d = tmp.path;
  std::ofstream(d / "c.json") << R"({"experiment": "churn", "seed": 9, "repetitions": 4,
    "params": {"steps": 7, "at_zero": "bootstrap"}, "sweep": {"f": [0.5, 0.75], "j": [0.2, 0.01]},
    "output": {"per_step": true}})";
  const std::string sc = (d / "c.json").string();
  REQUIRE(run_cli("run " + sc + " -o " + (d / "full").string()).status == 0);
  const std::string sizes = read(d / "full" / "sizes.csv");
  CHECK(sizes.rfind("run,config,repetition,f,j,step,size\n0,0,0,0.5,0.2,1,", 0) == 0);
  CHECK(std::count(sizes.begin(), sizes.end(), '\n') == 1 + 16 * 7);  // header, 16 runs of 7 steps
  const auto summary = nlohmann::json::parse(read(d / "full" / "summary.json"));
  CHECK(summary["configurations"][3]["size"]["samples"] == 28);
  REQUIRE(run_cli("run " + sc + " --shard 1/3 -o " + (d / "a").string()).status == 0);
  REQUIRE(run_cli("run " + sc + " --shard 2/3 -o " + (d / "b").string()).status == 0);
  REQUIRE(run_cli("run " + sc + " --shard 3/3 -o " + (d / "c").string()).status == 0);
  REQUIRE(run_cli("merge " + (d / "a").string() + " " + (d / "b").string() + " " + (d / "c").string() + " -o " +
                  (d / "merged").string())
              .status == 0);
  require_same_results(d / "full", d / "merged");
}

TEST_CASE("claims checks the protocol model too, one model at a time", "[cli][churn_protocol]") {
  const TempDir tmp("claims");
  const fs::path& d = tmp.path;
  const std::string dir = std::string(CANSIM_SOURCE_DIR) + "/scenarios/";
  REQUIRE(run_cli("run " + dir + "fig4_2_protocol.json --set repetitions=20 -o " + (d / "p42").string()).status == 0);
  REQUIRE(run_cli("run " + dir + "fig4_3_protocol.json --set repetitions=20 -o " + (d / "p43").string()).status == 0);
  REQUIRE(run_cli("run " + dir + "fig4_3.json --set repetitions=20 -o " + (d / "a43").string()).status == 0);
  const auto ok = run_cli("claims --json " + (d / "p42").string() + " " + (d / "p43").string());
  REQUIRE(ok.status == 0);
  const auto verdicts = nlohmann::json::parse(ok.output);
  REQUIRE(verdicts.size() == 8);
  for (const auto& v : verdicts) CHECK(v.at("verdict") != "not evaluated");
  const auto mixed = run_cli("claims " + (d / "p42").string() + " " + (d / "a43").string());
  CHECK(mixed.status == 2);
  CHECK(mixed.output == "cansim: " + (d / "a43").string() +
                            ": a result of \"churn\", the others are of \"churn_protocol\": check one model at a time\n");
}

// Issue: papercuts found by trying cansim as a new user (each failed before its fix).
TEST_CASE("the command line refuses what it cannot honour, in one line, exit 2", "[cli]") {
  const std::string sc = std::string(CANSIM_SOURCE_DIR) + "/scenarios/queue_example.json";
  auto one_line = [](const Outcome& o) { return std::count(o.output.begin(), o.output.end(), '\n') == 1; };
  SECTION("a seed out of range is refused, as in a scenario file") {
    for (const char* seed : {"-1", "18446744073709551616", "1e3", "x", "''"}) {
      INFO(seed);
      const auto r = run_cli("run " + sc + " --list --seed " + seed);
      CHECK(r.status == 2);
      CHECK(r.output.find("expected an integer in [0, 2^64 - 1]") != std::string::npos);
      CHECK(one_line(r));
    }
    CHECK(run_cli("run " + sc + " --list --seed 18446744073709551615").status == 0);
  }
  SECTION("a directory given as the scenario is said to be a directory") {
    const auto r = run_cli("run " + std::string(CANSIM_SOURCE_DIR) + "/scenarios");
    CHECK(r.status == 2);
    CHECK(r.output.find("expected a scenario file, found a directory") != std::string::npos);
  }
  SECTION("--set without a path") {
    const auto r = run_cli("run " + sc + " --list --set =");
    CHECK(r.status == 2);
    CHECK(r.output.find("found an empty path") != std::string::npos);
  }
  SECTION("--runs empty, negative or open-ended") {
    const auto empty = run_cli("run " + sc + " --list --runs ''");
    CHECK(empty.status == 2);
    CHECK(empty.output.find("found nothing") != std::string::npos);
    for (const char* runs : {"-1", "3-"}) {
      INFO(runs);
      const auto r = run_cli("run " + sc + " --list --runs " + runs);
      CHECK(r.status == 2);
      CHECK(r.output.find(std::string("found \"") + runs + "\"") != std::string::npos);
    }
  }
  SECTION("describe of an unknown kind fails with --markdown too") { CHECK(run_cli("describe nosuch --markdown").status == 2); }
  SECTION("option-parsing errors are one line with the cansim: prefix") {
    for (const char* args : {"run", "run x.json --threads abc", "run x.json --no-such-flag", "nosuchcommand"}) {
      INFO(args);
      const auto r = run_cli(args);
      CHECK(r.status == 2);
      CHECK(r.output.rfind("cansim: ", 0) == 0);
      CHECK(one_line(r));
    }
  }
  SECTION("more threads than cores are capped, and the run says so") {
    const TempDir tmp("threads");
    const auto r = run_cli("run " + sc + " --set repetitions=2 --threads 99999 -o " + (tmp.path / "out").string());
    CHECK(r.status == 0);
    CHECK(r.output.find("--threads 99999: using") != std::string::npos);
  }
}

// Issue: an interrupt during a run left a hidden temporary directory forever.
TEST_CASE("an interrupted run (INT, TERM, HUP) exits 128 + the signal and leaves nothing, and stale temporaries of dead processes go", "[cli]") {
  const TempDir tmp("interrupt");
  const fs::path& d = tmp.path;
  const std::string sc = std::string(CANSIM_SOURCE_DIR) + "/scenarios/fig4_2_protocol.json";
  for (const auto& [signal, status] : {std::pair{"INT", 130}, std::pair{"TERM", 143}, std::pair{"HUP", 129}}) {
    INFO(signal);
    const std::string cmd =
        fmt::format("sh -c '{} run {} -o {} --threads 1 & p=$!; sleep 0.5; kill -{} $p; wait $p; echo status=$?'", CANSIM_EXE, sc,
                    (d / "out").string(), signal);
    const std::string out = shell(cmd);
    CHECK(out.find(fmt::format("status={}", status)) != std::string::npos);
    std::set<std::string> left;
    for (const auto& e : fs::directory_iterator(d)) left.insert(e.path().filename().string());
    CHECK(left.empty());
  }
  // Interrupted while its files are written (held open by a test-only delay): the temporary
  // directory goes too.
  std::ofstream(d / "s.json") << kScenario;
  {
    const std::string cmd = fmt::format(
        "sh -c 'CANSIM_TEST_WRITE_DELAY_MS=3000 {} run {} -o {} & p=$!; sleep 1; kill -HUP $p; "
        "wait $p; echo status=$?'",
        CANSIM_EXE, (d / "s.json").string(), (d / "out").string());
    const std::string out = shell(cmd);
    CHECK(out.find("status=129") != std::string::npos);  // SIGHUP (issue 29: it left the temporary)
    std::set<std::string> left;
    for (const auto& e : fs::directory_iterator(d)) left.insert(e.path().filename().string());
    CHECK(left == std::set<std::string>{"s.json"});
  }
  // A dead process's temporary (pid beyond any pid_max) is removed by the next run writing there.
  fs::create_directories(d / ".out.tmp-999999999");
  std::ofstream(d / ".out.tmp-999999999" / "runs.csv") << "half";
  REQUIRE(run_cli("run " + (d / "s.json").string() + " -o " + (d / "out").string()).status == 0);
  std::set<std::string> left;
  for (const auto& e : fs::directory_iterator(d)) left.insert(e.path().filename().string());
  CHECK(left == std::set<std::string>{"s.json", "out"});
}

// Issue: the progress bar ignored the terminal's width and showed no percentage, elapsed or remaining time.
TEST_CASE("the progress line fits the terminal and says done/total, percent, elapsed and left", "[cli]") {
  const std::string wide = progress_line(250, 1000, 30, 120);
  CHECK(wide.size() <= 119);
  CHECK(wide.rfind("[==========", 0) == 0);  // a quarter of a 40-column bar
  CHECK(wide.find("250/1000 runs  25% 0:30 elapsed, 1:30 left") != std::string::npos);
  for (std::size_t width : {45u, 30u, 10u, 1u}) {
    INFO(width);
    CHECK(progress_line(250, 1000, 30, width).size() <= (width > 0 ? width - 1 : 0));
  }
  CHECK(progress_line(1000, 1000, 3725, 120).find("1000/1000 runs 100% 1:02:05 elapsed") != std::string::npos);
  CHECK(progress_line(1000, 1000, 3725, 120).find("left") == std::string::npos);
}

// Issue: run counts and sweeps that validation accepted took gigabytes, then aborted.
TEST_CASE("sweeps and run counts beyond one machine are refused before anything is built", "[cli]") {
  const TempDir tmp("limits");
  const fs::path& d = tmp.path;
  std::ofstream(d / "reps.json")
      << R"({"experiment": "queue", "seed": 1, "repetitions": 1e9, "params": {"customers": 1, "warmup": 0}})";
  const auto r = run_cli("run " + (d / "reps.json").string() + " -o " + (d / "out").string());
  CHECK(r.status == 2);
  CHECK(r.output.find("expected at most 10000000 runs in one invocation, found 1000000000") != std::string::npos);
  CHECK(run_cli("run " + (d / "reps.json").string() + " --shard 1/2 -o " + (d / "out").string()).status == 2);
  CHECK(run_cli("run " + (d / "reps.json").string() + " --runs 0-20000000 -o " + (d / "out").string()).status == 2);
  CHECK_FALSE(fs::exists(d / "out"));
  // A 1000-slice of it is a normal run.
  CHECK(run_cli("run " + (d / "reps.json").string() + " --shard 1/1000000 -o " + (d / "out").string()).status == 0);
  // 10^7 configurations: refused at the count, not after building them.
  std::string values = "[";
  for (int i = 0; i < 1000; ++i) values += std::to_string(0.1 + i * 1e-4) + (i + 1 < 1000 ? "," : "]");
  std::ofstream(d / "sweep.json") << R"({"experiment": "queue", "seed": 1, "sweep": {"arrival_rate": )" << values
                                  << R"(, "service_rate": )" << values << R"(, "warmup": [1,2,3,4,5,6,7,8,9,10]}})";
  const auto v = run_cli("validate " + (d / "sweep.json").string());
  CHECK(v.status == 2);
  CHECK(v.output.find("expected at most 100000 configurations") != std::string::npos);
}

TEST_CASE("swarm --kind orchestration: the same report for any thread count, and the seeds that found overpayment pass",
          "[cli][swarm]") {
  const TempDir tmp("swarm-orchestration");
  const fs::path& d = tmp.path;
  const std::string apps = " --apps " + (fs::path(CANSIM_SOURCE_DIR) / "apps").string();
  auto report = [](const std::string& out) { return std::regex_replace(out, std::regex("swarm: [0-9.]+ s\n"), ""); };
  // Seeds 30-33, seed 32 among them: an Orchestrator resumed without the CAN's checkpoint (lost
  // with its replicas) deployed again a service the contract still counted up, and the client's
  // shutdown paid its stretch through an hour of OCAN outage.
  const auto one = run_cli("swarm --kind orchestration --first 30 --seeds 4 --threads 1" + apps + " -o " + (d / "a").string());
  const auto two = run_cli("swarm --kind orchestration --first 30 --seeds 4 --threads 2" + apps + " -o " + (d / "a").string());
  CHECK(report(one.output) == report(two.output));
  CHECK(one.status == 0);
  CHECK(one.output.find("swarm: 4 seeds from 30, 0 failed") != std::string::npos);
  CHECK_FALSE(fs::exists(d / "a"));  // nothing failed, nothing written
  // Seeds found since, each failing before its fix: a checkpoint committed before a job began
  // reached the contract after the job read it (427, 708, 4395: the APP_SHUTDOWN's unreported
  // time); a successor found a service up only since after the contract's stretch began (1521,
  // 2329, 9074); the only Orchestrator voted out while alive never heard of it (1837); a
  // successor resumed from an APP_SHUTDOWN the contract never got (4090, 7632).
  for (int seed : {427, 708, 4395, 1521, 2329, 9074, 1837, 4090, 7632}) {
    INFO("seed " << seed);
    const auto r =
        run_cli(fmt::format("swarm --kind orchestration --first {} --seeds 1", seed) + apps + " -o " + (d / "b").string());
    CHECK(r.status == 0);
  }
  // Without the applications: one clear error, exit 2.
  const auto missing = run_cli("swarm --kind orchestration --seeds 1 --apps " + (d / "nowhere").string());
  CHECK(missing.status == 2);
  CHECK(missing.output.find("nowhere/ray_tracing.yaml: no such file") != std::string::npos);
  CHECK(run_cli("swarm --kind cloud --seeds 1").status == 2);
}

TEST_CASE("swarm: the same report for any thread count, and a failing seed's file reproduces it", "[cli][swarm]") {
  const TempDir tmp("swarm");
  const fs::path& d = tmp.path;
  // 40 seeds pass with the stated bound (150 s of quiet), on one thread as on two.
  const auto one = run_cli("swarm --seeds 40 --threads 1 -o " + (d / "a").string());
  const auto two = run_cli("swarm --seeds 40 --threads 2 -o " + (d / "b").string());
  CHECK(one.status == 0);
  CHECK(one.output.find("swarm: 40 seeds from 1, 0 failed") != std::string::npos);
  auto report = [](const std::string& out) {  // without the wall time (stderr, in any order)
    return std::regex_replace(out, std::regex("swarm: [0-9.]+ s\n"), "");
  };
  CHECK(report(one.output).find(" s\n") == std::string::npos);
  CHECK(report(one.output) == report(two.output));
  CHECK_FALSE(fs::exists(d / "a"));  // nothing failed, nothing written
  // With 1 s of quiet, seed 1 is not live yet: exit 1, its scenario written, and `cansim run`
  // of that file finds the same problems.
  const auto hurried = run_cli("swarm --first 1 --seeds 1 --quiet-s 1 -o " + (d / "c").string());
  CHECK(hurried.status == 1);
  CHECK(hurried.output.find("seed 1 (") != std::string::npos);
  const std::string lead = "liveness after 1 s of quiet: ";
  const auto at = hurried.output.find(lead);
  REQUIRE(at != std::string::npos);
  const std::string first = hurried.output.substr(at + lead.size(), hurried.output.find_first_of(";\n", at) - at - lead.size());
  CHECK(!first.empty());
  const fs::path file = d / "c" / "swarm-1.json";
  REQUIRE(fs::exists(file));
  REQUIRE(run_cli("run " + file.string() + " -o " + (d / "rerun").string()).status == 0);
  const std::string liveness = read(d / "rerun" / "liveness.csv");
  CHECK(liveness.find(first) != std::string::npos);
  CHECK(run_cli("swarm --seeds 0").status == 2);
}

TEST_CASE("merge refuses a malformed shard with one line and exit 2, and leaves nothing", "[cli][merge]") {
  // Issue 29: a manifest that is {}, [] or lacks its fields aborted (uncaught out_of_range, exit
  // 134); a run number beyond the scenario or a sequence column of 10^18 rows crashed
  // (segmentation fault, a temporary left behind); a run with 1 metric of 5, or a table whose
  // header does not match its rows, merged silently.
  const TempDir tmp("merge-bad");
  const fs::path& d = tmp.path;
  std::ofstream(d / "s.json") << kScenario;
  const std::string sc = (d / "s.json").string();
  REQUIRE(run_cli("run " + sc + " --shard 1/2 -o " + (d / "a").string()).status == 0);
  REQUIRE(run_cli("run " + sc + " --shard 2/2 -o " + (d / "b").string()).status == 0);
  const std::string manifest = read(d / "b" / "manifest.json"), partial = read(d / "b" / "partial-runs.jsonl");
  const auto first_line = [&] { return nlohmann::json::parse(partial.substr(0, partial.find('\n'))); };
  const auto rest = partial.substr(partial.find('\n') + 1);
  const auto refused = [&](const std::string& what, const std::string& expected) {
    INFO(what);
    check_merge_refused(d, expected);
    std::ofstream(d / "b" / "manifest.json") << manifest;
    std::ofstream(d / "b" / "partial-runs.jsonl") << partial;
  };
  for (const char* m : {"{}", "[]", "{\"scenario\": {\"file\": \"s.json\"}}"}) {
    std::ofstream(d / "b" / "manifest.json") << m;
    refused(m, "manifest.json: expected");
  }
  {
    auto j = nlohmann::json::parse(manifest);
    j["runs"] = 5;
    std::ofstream(d / "b" / "manifest.json") << j.dump();
    refused("runs is a number", "manifest.json: /runs: expected an object");
  }
  const auto with_first = [&](const nlohmann::json& j, const std::string& what, const std::string& expected) {
    std::ofstream(d / "b" / "partial-runs.jsonl") << j.dump() << "\n" << rest;
    refused(what, expected);
  };
  {
    auto j = first_line();
    j["run"] = 1000000;
    with_first(j, "run beyond", "run 1000000 is beyond the scenario's 9 runs");
  }
  {
    auto j = first_line();
    j["metrics"] = {1.0};
    with_first(j, "one metric", "expected 7 metrics, found 1");
  }
  {
    auto j = first_line();
    j["tables"][0]["data"][0] = {{"type", "sequence"}, {"first", 0}, {"count", 1000000000000000000}};
    with_first(j, "a huge sequence", "table customers: 1000000000000000000 rows, more than a run writes");
  }
  {
    auto j = first_line();
    j["tables"][0]["data"][1]["values"].erase(0);
    const auto n = j["tables"][0]["data"][0]["values"].size();
    with_first(j, "a column shorter than the others",
               fmt::format("table customers: column customer has {} rows, column wait_s {}", n, n - 1));
  }
  {
    auto j = first_line();
    j["tables"][0]["columns"].push_back("extra");
    with_first(j, "a header longer than its columns", "table customers: 4 column names for 3 columns");
  }
  // And the shards as they were still merge.
  REQUIRE(run_cli("merge " + (d / "a").string() + " " + (d / "b").string() + " -o " + (d / "m").string()).status == 0);
}

TEST_CASE("swarm: a file where the failing seeds go, or a malformed application, is one bad-input error", "[cli][swarm]") {
  // Issue 29: `swarm -o FILE` threw filesystem_error at the first failing seed; a malformed
  // application under --apps was reported as a failure of every seed that drew it.
  const TempDir tmp("swarm-bad");
  const fs::path& d = tmp.path;
  std::ofstream(d / "file") << "x";
  const auto r = run_cli("swarm --seeds 1 -o " + (d / "file").string());
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output.find("expected a folder for the failing seeds' scenarios, found a file") != std::string::npos);
  fs::create_directories(d / "apps");
  for (const char* app : {"ray_tracing.yaml", "web_shop.yaml", "inference.yaml"})
    fs::copy_file(fs::path(CANSIM_SOURCE_DIR) / "apps" / app, d / "apps" / app);
  std::ofstream(d / "apps" / "web_shop.yaml") << "tosca_definitions_version: tosca_simple_yaml_1_3\ntopology_template: 5\n";
  const auto a = run_cli("swarm --kind orchestration --seeds 3 --apps " + (d / "apps").string() + " -o " + (d / "out").string());
  INFO(a.output);
  CHECK(a.status == 2);
  CHECK(a.output.find("web_shop.yaml") != std::string::npos);
  CHECK(std::count(a.output.begin(), a.output.end(), '\n') == 1);
  CHECK_FALSE(fs::exists(d / "out"));
}

TEST_CASE("negative seeds and empty paths on the command line are refused, not wrapped or taken for here", "[cli]") {
  // Issue 29: `swarm --first -1` ran seed 2^64 - 1; `run --shard ''` and `-o ''` were accepted.
  const TempDir tmp("cli-bad");
  const fs::path& d = tmp.path;
  std::ofstream(d / "s.json") << kScenario;
  const std::string sc = (d / "s.json").string();
  for (const std::string& args : std::vector<std::string>{"swarm --seeds 1 --first -1", "run " + sc + " --seed -1 -o " + (d / "x").string(),
                                  "run " + sc + " --shard '' -o " + (d / "y").string(), "run " + sc + " -o ''",
                                  "swarm --seeds 1 -o ''", "merge " + (d / "a").string() + " -o ''"}) {
    INFO(args);
    const auto r = run_cli(args);
    INFO(r.output);
    CHECK(r.status == 2);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
    CHECK((r.output.find("expected a non-empty value") != std::string::npos ||
           r.output.find("expected an integer in [0, 2^64 - 1], found \"-1\"") != std::string::npos));
  }
  CHECK_FALSE(fs::exists(d / "x"));
  CHECK_FALSE(fs::exists(d / "y"));
  // An empty scenario path is named as such (it printed ": : ...").
  const auto v = run_cli("validate ''");
  CHECK(v.status == 2);
  CHECK(v.output.find("'': expected the name of a scenario file, found an empty one") != std::string::npos);
  // The largest seed is still accepted.
  CHECK(run_cli("run " + sc + " --seed 18446744073709551615 -o " + (d / "z").string()).status == 0);
}

TEST_CASE("shards run with different versions of an application file do not merge", "[cli][merge]") {
  // Issue 29: the manifest pinned the scenario's hash, not the TOSCA files'.
  const TempDir tmp("merge-apps");
  const fs::path& d = tmp.path;
  fs::copy_file(fs::path(CANSIM_SOURCE_DIR) / "apps" / "ray_tracing.yaml", d / "app.yaml");
  std::ofstream(d / "s.json") << R"({"experiment": "placement", "seed": 2, "repetitions": 2,
    "params": {"requests": 20, "arrival_rate_per_s": 0.5, "mean_duration_s": 60},
    "applications": [{"file": "app.yaml", "weight": 1}]})";
  const std::string sc = (d / "s.json").string();
  REQUIRE(run_cli("run " + sc + " --shard 1/2 -o " + (d / "a").string()).status == 0);
  std::ofstream(d / "app.yaml", std::ios::app) << "# changed\n";
  REQUIRE(run_cli("run " + sc + " --shard 2/2 -o " + (d / "b").string()).status == 0);
  const auto r = run_cli("merge " + (d / "a").string() + " " + (d / "b").string() + " -o " + (d / "m").string());
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output.find("application file app.yaml is not the one the shards ran") != std::string::npos);
  CHECK_FALSE(fs::exists(d / "m"));
  // Run again with one version: they merge.
  REQUIRE(run_cli("run " + sc + " --shard 1/2 -o " + (d / "a2").string()).status == 0);
  CHECK(run_cli("merge " + (d / "a2").string() + " " + (d / "b").string() + " -o " + (d / "m").string()).status == 0);
}

TEST_CASE("merge refuses a run whose tables are not those its kind writes, with one line and exit 2", "[cli][merge]") {
  // Found by merge_fuzz in CI: a churn shard whose "size" column was renamed made the kind's
  // summary bind a reference to null (UBSan), and one of another type would have thrown
  // std::bad_variant_access past merge.
  const TempDir tmp("merge-tables");
  const fs::path& d = tmp.path;
  const std::string sc = std::string(CANSIM_SOURCE_DIR) + "/scenarios/fig4_2.json";
  REQUIRE(run_cli("run " + sc + " --set repetitions=2 --shard 1/2 -o " + (d / "a").string()).status == 0);
  REQUIRE(run_cli("run " + sc + " --set repetitions=2 --shard 2/2 -o " + (d / "b").string()).status == 0);
  const std::string partial = read(d / "b" / "partial-runs.jsonl");
  const auto first = nlohmann::json::parse(partial.substr(0, partial.find('\n')));
  const std::string rest = partial.substr(partial.find('\n') + 1);
  const auto refused = [&](const nlohmann::json& j, const std::string& expected) {
    std::ofstream(d / "b" / "partial-runs.jsonl") << j.dump() << "\n" << rest;
    check_merge_refused(d, expected);
  };
  auto renamed = first;
  renamed["tables"][0]["columns"][1] = "eszi";
  refused(renamed, "no column \"size\"");
  auto retyped = first;
  retyped["tables"][0]["data"][1] = {{"type", "real"}, {"values", std::vector<double>(100, 1.5)}};
  refused(retyped, "column \"size\" of table sizes: expected integers");
  auto none = first;
  none["tables"] = nlohmann::json::array();
  refused(none, "no table");
}
