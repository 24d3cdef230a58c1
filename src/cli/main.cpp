// The `cansim` executable: a thin shell over the library (docs/model.md: the CLI holds no logic that
// a test cannot reach through the library). Exit status: 0 success, 1 a run failed, 2 bad input.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cansim/scenario/churn_claims.hpp"
#include "cansim/scenario/describe.hpp"
#include "cansim/scenario/results.hpp"
#include "cansim/scenario/runner.hpp"
#include "cansim/scenario/scenario.hpp"
#include "cansim/scenario/swarm.hpp"
#include "cansim/scenario/tosca.hpp"
#include "cansim/version.hpp"

using namespace cansim::scenario;

namespace {

constexpr int kOk = 0, kRunFailed = 1, kBadInput = 2;

struct RunArgs {
  std::string scenario;
  std::string out;
  std::string seed;  // as typed: checked by the scenario's rule (parse_seed)
  std::vector<std::string> sets;
  unsigned threads = 0;
  bool force = false;
  bool list = false;
  std::string runs;
  std::string shard;
  bool check_determinism = false;
  bool runs_given = false, seed_given = false;
};

std::string default_out_dir(const std::string& scenario) {
  return (std::filesystem::path("results") / std::filesystem::path(scenario).stem()).string();
}

int cmd_run(RunArgs a, const std::vector<std::string>& argv) {
  std::optional<std::uint64_t> seed;
  if (a.seed_given) seed = parse_seed(a.seed, "--seed");
  const Scenario sc = load_scenario(a.scenario, a.sets, seed);
  if (const unsigned cores = std::max(1u, std::thread::hardware_concurrency()); a.threads > cores) {
    std::fprintf(stderr, "cansim: --threads %u: using %u (the machine's cores)\n", a.threads, cores);
    a.threads = cores;
  }
  std::vector<std::uint64_t> runs;
  if (a.runs_given) {
    runs = parse_run_list(a.runs, sc.run_count());
  } else if (!a.shard.empty()) {
    runs = parse_shard(a.shard, sc.run_count());
  } else {
    if (sc.run_count() > kMaxRunsPerInvocation) {
      throw ValidationError(a.scenario, "/repetitions",
                            fmt::format("expected at most {} runs in one invocation, found {}: run it in slices with "
                                        "--shard K/N and join them with cansim merge",
                                        kMaxRunsPerInvocation, sc.run_count()));
    }
    runs = sc.all_runs();
  }
  if (runs.size() > kMaxRunsPerInvocation) {
    throw ValidationError(a.scenario, "",
                          fmt::format("expected at most {} runs in one invocation, found {}: use a "
                                      "smaller --shard slice",
                                      kMaxRunsPerInvocation, runs.size()));
  }
  if (a.list) {
    std::printf("run config repetition seed%s\n", sc.swept.empty() ? "" : " params");
    for (std::uint64_t r : runs) {
      const RunSpec s = sc.run(r);
      std::string params;
      for (const auto& name : sc.swept) params += fmt::format(" {}={}", name, to_string(sc.configs[s.config].params.get(name)));
      std::printf("%llu %zu %llu %llu%s\n", static_cast<unsigned long long>(s.run), s.config,
                  static_cast<unsigned long long>(s.repetition), static_cast<unsigned long long>(s.seed), params.c_str());
    }
    return kOk;
  }
  OutputRequest out{a.out.empty() ? default_out_dir(a.scenario) : a.out, a.force, argv};
  // Refuses before spending time on the runs; results go to disk as they come.
  ResultWriter writer(sc, out, runs.size());
  RunOptions opts{a.threads, isatty(STDERR_FILENO) == 1};
  // With --check-determinism, each run's trace hash and a digest of its metrics (NaN as one value,
  // -0 as 0, as == compares them) from the first pass, for the second.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> first_pass;
  auto digest = [](const RunResult& r) {
    std::uint64_t h = 0xcbf29ce484222325ULL ^ r.metrics.size();
    for (double x : r.metrics) {
      const double v = std::isnan(x) ? std::numeric_limits<double>::quiet_NaN() : x == 0 ? 0.0 : x;
      std::uint64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      h = (h ^ bits) * 0x100000001b3ULL;
    }
    return std::pair{r.fingerprint, h};
  };
  run_runs(sc, runs, opts, [&](std::size_t i, RunResult&& r) {
    if (a.check_determinism) first_pass.push_back(digest(r));
    writer.add(runs[i], r);
  });
  if (a.check_determinism) {
    std::optional<std::size_t> differs;
    std::uint64_t again_hash = 0;
    run_runs(sc, runs, opts, [&](std::size_t i, RunResult&& r) {
      if (!differs && digest(r) != first_pass[i]) {
        differs = i;
        again_hash = r.fingerprint;
      }
    });
    if (differs) {
      const std::size_t i = *differs;
      std::fprintf(stderr, "cansim: run %llu (seed %llu) is not deterministic: trace hash %016llx then %016llx\n",
                   static_cast<unsigned long long>(runs[i]), static_cast<unsigned long long>(sc.run(runs[i]).seed),
                   static_cast<unsigned long long>(first_pass[i].first), static_cast<unsigned long long>(again_hash));
      return kRunFailed;
    }
    std::printf("determinism: %zu runs repeated with identical trace hashes and metrics\n", runs.size());
  }
  writer.finish();
  std::fputs(writer.human_summary().c_str(), stdout);
  std::printf("results: %s\n", out.dir.c_str());
  return kOk;
}

int cmd_swarm(const SwarmOptions& options, const std::string& dir) {
  // Where failing seeds go must be a folder (or not exist yet): found out before any seed runs,
  // not at the first failure (issue 29: a file there threw filesystem_error).
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
    std::fprintf(stderr, "cansim: swarm -o %s: expected a folder for the failing seeds' scenarios, found a file\n", dir.c_str());
    return kBadInput;
  }
  if (options.kind == "orchestration") {
    for (const char* app : {"ray_tracing.yaml", "web_shop.yaml", "inference.yaml"}) {
      const auto path = std::filesystem::path(options.apps_dir) / app;
      if (!std::filesystem::is_regular_file(path)) {
        std::fprintf(
            stderr,
            "cansim: swarm --kind orchestration: %s: no such file (--apps names the folder of the bundled applications)\n",
            path.string().c_str());
        return kBadInput;
      }
      // A malformed application is one bad input, not a failure of every seed that draws it.
      load_tosca(path.string());
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t failed = 0, kinds = 0, seeds = 0;
  std::map<std::string, std::size_t> on;
  run_swarm(options, [&](SwarmOutcome&& o) {
    ++seeds;
    kinds += o.faults.size();
    for (const auto& f : o.faults) ++on[f];
    if (o.failure.empty()) return;
    ++failed;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw OutputError(fmt::format("swarm -o {}: could not create the folder: {}", dir, ec.message()));
    const auto file = std::filesystem::path(dir) / fmt::format("swarm-{}.json", o.seed);
    const auto tmp = std::filesystem::path(dir) / fmt::format(".swarm-{}.json.tmp", o.seed);
    {
      std::ofstream out(tmp);
      out << o.scenario.dump(2) << "\n";
      if (!out) throw OutputError(fmt::format("{}: could not write", tmp.string()));
    }
    std::filesystem::rename(tmp, file);
    std::printf("seed %llu (%s): %s\n  reproduce: cansim run %s\n", static_cast<unsigned long long>(o.seed),
                fmt::format("{}", fmt::join(o.faults, ", ")).c_str(), o.failure.c_str(), file.string().c_str());
    std::fflush(stdout);  // a long swarm shows its failures as they come
  });
  std::printf("swarm: %zu seeds from %llu, %zu failed; %.1f kinds of fault per seed (", seeds,
              static_cast<unsigned long long>(options.first_seed), failed,
              seeds == 0 ? 0.0 : static_cast<double>(kinds) / static_cast<double>(seeds));
  bool first = true;
  for (const auto& [kind, n] : on) {
    std::printf("%s%s in %zu", first ? "" : ", ", kind.c_str(), n);
    first = false;
  }
  std::printf(")\n");
  // Wall time on stderr: stdout is the same for any thread count.
  std::fprintf(stderr, "swarm: %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return failed ? kRunFailed : kOk;
}

int cmd_validate(const std::vector<std::string>& files) {
  int status = kOk;
  for (const auto& f : files) {
    try {
      const Scenario sc = load_scenario(f);
      std::printf("%s: ok (%s, %zu configuration(s) x %llu repetition(s) = %llu runs)\n", f.c_str(), sc.kind->name.c_str(),
                  sc.configs.size(), static_cast<unsigned long long>(sc.repetitions),
                  static_cast<unsigned long long>(sc.run_count()));
    } catch (const ValidationError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      status = kBadInput;
    }
  }
  return status;
}

int cmd_describe(const std::string& kind, bool markdown) {
  if (kind.empty()) {
    std::fputs((markdown ? scenario_format_markdown() : describe_kinds()).c_str(), stdout);
    return kOk;
  }
  const ExperimentKind* k = find_kind(kind);
  if (!k) {
    std::vector<std::string> names;
    for (const auto& e : experiment_kinds()) names.push_back(e.name);
    std::string msg = fmt::format("cansim describe: expected an experiment kind, found \"{}\"", kind);
    if (auto g = did_you_mean(kind, names)) msg += fmt::format("; did you mean \"{}\"?", *g);
    std::fprintf(stderr, "%s\n", msg.c_str());
    return kBadInput;
  }
  // The whole generated document is for every kind; one kind's part is what `describe KIND` says.
  std::fputs((markdown ? scenario_format_markdown() : describe_kind(*k)).c_str(), stdout);
  return kOk;
}

int cmd_claims(const std::vector<std::string>& dirs, bool as_json) {
  std::vector<nlohmann::ordered_json> summaries;
  for (const auto& d : dirs) {
    const auto path = std::filesystem::path(d) / "summary.json";
    std::ifstream in(path);
    if (!in) throw OutputError(fmt::format("{}: no summary.json; is it a cansim result directory?", d));
    try {
      summaries.push_back(nlohmann::ordered_json::parse(in));
    } catch (const nlohmann::json::exception& e) {
      throw OutputError(fmt::format("{}: unreadable: {}", path.string(), e.what()));
    }
    const std::string kind = summaries.back().value("experiment", "");
    if (kind != "churn" && kind != "churn_protocol" && kind != "churn_exact") {
      throw OutputError(
          fmt::format("{}: a result of experiment \"{}\", expected \"churn\", \"churn_exact\" or \"churn_protocol\"", d, kind));
    }
    if (const std::string first = summaries.front().value("experiment", ""); kind != first) {
      throw OutputError(
          fmt::format("{}: a result of \"{}\", the others are of \"{}\": check one model at a time", d, kind, first));
    }
  }
  const auto checks = check_churn_claims(summaries);
  if (as_json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& c : checks) {
      out.push_back({{"statement", c.number},
                     {"text", c.statement},
                     {"criterion", c.criterion},
                     {"figures", c.figures},
                     {"verdict", verdict_name(c.verdict)}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return kOk;
  }
  for (const auto& c : checks) {
    std::printf("%d. %s: %s\n   measured as: %s\n   figures: %s\n", c.number, std::string(verdict_name(c.verdict)).c_str(),
                c.statement.c_str(), c.criterion.c_str(), c.figures.c_str());
  }
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  install_interrupt_cleanup();  // before any other thread
  const std::vector<std::string> args(argv, argv + argc);
  CLI::App app{
      "cansim: a deterministic discrete-event simulator of Component Administration "
      "Networks, fault-tolerant orchestration and their smart contracts"};
  app.set_version_flag("--version", fmt::format("cansim {} ({})", cansim::kVersion, cansim::kGitCommit));
  app.require_subcommand(1);

  RunArgs ra;
  auto* run = app.add_subcommand("run", "Run a scenario (all its runs, or a selection) and write a result directory");
  run->add_option("scenario", ra.scenario, "Scenario file (JSON)")->required();
  // Issue 29: an empty path was taken for "here"; a negative number wrapped around to 2^64 - 1.
  const CLI::Validator non_empty(
      [](std::string& s) { return s.empty() ? std::string("expected a non-empty value, found an empty one") : std::string(); },
      "NON-EMPTY");
  const CLI::Validator unsigned_integer(
      [](std::string& s) {
        return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : fmt::format("expected an integer in [0, 2^64 - 1], found \"{}\"", s);
      },
      "UINT");
  run->add_option("-o,--out", ra.out, "Result directory (default: results/<scenario name>)")->check(non_empty);
  auto* seed_opt = run->add_option("--seed", ra.seed, "Replace the scenario's seed (an integer in [0, 2^64 - 1])")
                       ->check(unsigned_integer);
  run->add_option("--set", ra.sets, "Override a value: PATH=VALUE, e.g. params.j=0.1 or sweep.f=[0.5,0.75]");
  run->add_option("--threads", ra.threads, "Worker threads (default: all cores); the output does not depend on it");
  run->add_flag("--force", ra.force, "Replace an existing result directory");
  run->add_flag("--list", ra.list, "Print each run's number, configuration, repetition, seed and parameters; run nothing");
  auto* runs_opt = run->add_option("--runs", ra.runs, "Only these runs, e.g. 3,5-9 (a partial result)");
  auto* shard_opt = run->add_option("--shard", ra.shard, "Only the K-th of N equal slices of the runs, K/N (a partial result)")
                        ->check(non_empty);
  runs_opt->excludes(shard_opt);
  run->add_flag("--check-determinism", ra.check_determinism,
                "Run every run twice and fail (exit 1) unless trace hashes and metrics agree");

  std::vector<std::string> vfiles;
  auto* validate = app.add_subcommand("validate", "Check scenario files without running them");
  validate->add_option("scenarios", vfiles, "Scenario files")->required();

  std::string dkind;
  bool markdown = false;
  auto* describe = app.add_subcommand("describe", "List experiment kinds, or one kind's parameters");
  describe->add_option("kind", dkind, "Experiment kind");
  describe->add_flag("--markdown", markdown, "Print docs/scenario-format.md, generated from the declarations");

  std::vector<std::string> mdirs;
  std::string mout;
  bool mforce = false;
  auto* merge = app.add_subcommand("merge", "Join partial result directories (--shard/--runs) into one");
  merge->add_option("dirs", mdirs, "Partial result directories")->required();
  merge->add_option("-o,--out", mout, "Merged result directory")->required()->check(non_empty);
  merge->add_flag("--force", mforce, "Replace an existing result directory");

  std::vector<std::string> cdirs;
  bool cjson = false;
  auto* claims = app.add_subcommand("claims", "Check the paper's eight statements on Figures 4.2 and 4.3 against churn results");
  claims->add_option("dirs", cdirs, "Result directories of churn runs (e.g. Figure 4.2 and Figure 4.3)")->required();
  claims->add_flag("--json", cjson, "Print the verdicts as JSON");

  SwarmOptions so;
  std::string sdir = "swarm-failures";
  auto* swarm = app.add_subcommand(
      "swarm", "Swarm-test the CAN or orchestration: random worlds and fault mixes, invariants, then liveness");
  swarm->add_option("--kind", so.kind, "can (default) or orchestration")->check(CLI::IsMember({"can", "orchestration"}));
  swarm->add_option("--apps", so.apps_dir, "orchestration: the folder of the bundled TOSCA applications (default apps)");
  swarm->add_option("--seeds", so.seeds, "Seeds to run (default 200)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100000000}));
  swarm->add_option("--first", so.first_seed, "The first seed (default 1)")->check(unsigned_integer);
  swarm->add_option("--threads", so.threads, "Worker threads (default: every core)")->check(CLI::Range(1u, 1024u));
  swarm->add_option("--quiet-s", so.quiet_s, "can: seconds without faults before liveness is checked (default 150)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000}));
  swarm->add_option("-o,--out", sdir, "Where a failing seed's scenario is written (default swarm-failures)")->check(non_empty);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, as every other error (docs/cli.md); `--help` says the rest.
    std::fprintf(stderr, "cansim: %s (see cansim --help)\n", e.what());
    return kBadInput;
  }
  ra.runs_given = runs_opt->count() > 0;
  ra.seed_given = seed_opt->count() > 0;

  try {
    if (*run) return cmd_run(ra, args);
    if (*validate) return cmd_validate(vfiles);
    if (*describe) return cmd_describe(dkind, markdown);
    if (*claims) return cmd_claims(cdirs, cjson);
    if (*swarm) return cmd_swarm(so, sdir);
    if (*merge) {
      merge_results(mdirs, OutputRequest{mout, mforce, args});
      std::printf("results: %s\n", mout.c_str());
      return kOk;
    }
  } catch (const ValidationError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return kBadInput;
  } catch (const OutputError& e) {
    std::fprintf(stderr, "cansim: %s\n", e.what());
    return kBadInput;
  } catch (const RunFailed& e) {
    std::fprintf(stderr, "cansim: %s\n", e.what());
    return kRunFailed;
  }
  return kOk;
}
