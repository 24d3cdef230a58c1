// Experiment kind "can": a CAN at message level (checkState, RemoveNode, LeadElect over the
// network model, the Registry on the chain; components with Work Entries, checkpoints and their
// replicas) under the scenario's faults. Measures how long failures take to be detected, a lost
// leader to be replaced and lost work to be reassigned, what it costs in messages and gas, and
// what survives.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include "cansim/model/chain/contracts/registry.hpp"
#include "cansim/protocols/can/can.hpp"
#include "cansim/sim/faults.hpp"
#include "cansim/sim/stats.hpp"

#include "can_params.hpp"
#include "experiments.hpp"

namespace cansim::scenario {

namespace {

using can::Can;
using can::CanMsg;

SimTime ms(const ParamValues& p, const char* name) { return millis(p.integer(name)); }

// What a run measured, by metric name. `leader_lost`: when the Registry's first leader crashed
// (negative: never); `problems`: the liveness check's findings, when the run ended quiet.
// Whether the Registry's leader leads now: it is up, a member, and reaches (both ways) a majority
// of the members, itself included, that are up.
bool leader_reaches_majority(const can::CanWorld& world) {
  const Can& can = *world.can;
  const NodeId leader = world.registry_leader();
  if (!world.net.is_up(leader) || !can.is_member(leader)) return false;
  const std::size_t members = can.members().size();
  std::size_t reached = 0;
  for (NodeId m : can.members()) {
    if (world.net.is_up(m) && world.net.reachable(leader, m) && world.net.reachable(m, leader) && 2 * ++reached > members) {
      return true;
    }
  }
  return false;
}

// Leader availability, sampled at a fixed period: the share of samples with a leader that reaches
// a majority, and the longest stretch without one.
struct LeaderAvailability {
  std::uint64_t samples = 0, with_leader = 0, stretch = 0, longest = 0;
  void add(bool leads) {
    ++samples;
    with_leader += leads ? 1 : 0;
    stretch = leads ? 0 : stretch + 1;
    longest = std::max(longest, stretch);
  }
};

std::map<std::string, double> can_metrics(const can::CanWorld& world, SimTime leader_lost, bool quiet,
                                          const std::vector<std::string>& problems, const LeaderAvailability& avail,
                                          SimTime period) {
  const Can& can = *world.can;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double replaced_after = nan;
  for (const auto& e : can.elections()) {
    if (leader_lost.us >= 0 && e.at >= leader_lost) {
      replaced_after = (e.at - leader_lost).to_seconds();
      break;
    }
  }
  const NodeId leader = world.registry_leader();
  RunningStats detect, reassign;
  for (const auto& d : can.detections()) detect.add((d.removed - d.crashed).to_seconds());
  for (const auto& re : can.reassignments()) {
    if (re.from_crashed.us >= 0) reassign.add((re.at - re.from_crashed).to_seconds());
  }
  std::uint64_t finished = 0, checkpoints = 0, recomputed = 0, inconclusive = 0;
  for (const auto& e : can.work_ledger().work) {
    finished += e.finished ? 1 : 0;
    checkpoints += e.cpa.size();
  }
  for (const auto& rs : can.resumes()) {
    recomputed += rs.lost;
    inconclusive += rs.conclusive ? 0 : 1;
  }
  const std::size_t min_replicas = can.replica_audit().min_replicas();
  std::map<std::string, double> m;
  m["elections"] = static_cast<double>(can.elections().size());
  m["time_to_new_leader_s"] = replaced_after;
  m["leader_availability"] =
      avail.samples ? static_cast<double>(avail.with_leader) / static_cast<double>(avail.samples) : nan;
  m["leader_outage_max_s"] = static_cast<double>(avail.longest) * period.to_seconds();
  m["removals"] = static_cast<double>(can.removals());
  m["removal_votes"] = static_cast<double>(can.removal_votes());
  m["members_at_end"] = static_cast<double>(chain::registry::member_count(world.chain.state(), world.reg));
  m["leader_up_at_end"] = world.net.is_up(leader) ? 1.0 : 0.0;
  m["messages"] = static_cast<double>(can.messages_sent());
  m["messages_dropped"] = static_cast<double>(world.net.dropped());
  m["gas"] = static_cast<double>(world.gas_used());
  m["stale_entries"] = static_cast<double>(can.stale_entries());
  m["components_at_end"] = static_cast<double>(can.registered_components());
  m["component_removals"] = static_cast<double>(can.component_removals());
  m["time_to_detect_s"] = detect.count() ? detect.mean() : nan;
  m["time_to_reassign_s"] = reassign.count() ? reassign.mean() : nan;
  m["reassignments"] = static_cast<double>(can.reassignments().size());
  m["work_finished"] = static_cast<double>(finished);
  m["checkpoints"] = static_cast<double>(checkpoints);
  m["recomputed_intervals"] = static_cast<double>(recomputed);
  m["checkpoints_lost"] = static_cast<double>(can.replica_audit().lost_checkpoints(can.work_ledger()));
  m["min_replicas"] = min_replicas == SIZE_MAX ? nan : static_cast<double>(min_replicas);
  m["fetch_inconclusive"] = static_cast<double>(inconclusive);
  m["lead_elect_attempts"] = static_cast<double>(can.lead_elect_attempts());
  m["leader_at_end"] = static_cast<double>(leader);
  m["liveness_problems"] = quiet ? static_cast<double>(problems.size()) : nan;
  m["ledger_entries_lost"] = static_cast<double>(can.entries_lost());
  m["checkpoints_lost_by_crash"] =
      static_cast<double>(can.replica_audit().lost_by_crash(can.work_ledger(), can.config().replication));
  std::vector<double> lags;
  lags.reserve(can.commit_lags().size());
  for (SimTime t : can.commit_lags()) lags.push_back(t.to_seconds());
  m["commit_lag_p99_s"] = lags.empty() ? nan : quantile(lags, 0.99);
  m["commit_lag_max_s"] = lags.empty() ? nan : *std::max_element(lags.begin(), lags.end());
  return m;
}

// The tables the output options ask for.
void add_tables(RunResult& r, const ParamValues& output, const can::CanWorld& world, const std::vector<std::string>& problems) {
  const Can& can = *world.can;
  if (output.boolean("liveness")) {
    std::vector<std::string> what = problems;
    r.tables.push_back(Table{"liveness", {"problem"}, {std::move(what)}, true});
  }
  if (output.boolean("transactions")) {
    std::vector<std::string> fn;
    std::vector<std::int64_t> sent, ok, tx_gas;
    for (const auto& [name, t] : can.transactions()) {
      fn.push_back(name);
      sent.push_back(static_cast<std::int64_t>(t.sent));
      ok.push_back(static_cast<std::int64_t>(t.succeeded));
      tx_gas.push_back(static_cast<std::int64_t>(t.gas));
    }
    r.tables.push_back(Table{"transactions",
                             {"function", "sent", "succeeded", "gas"},
                             {std::move(fn), std::move(sent), std::move(ok), std::move(tx_gas)},
                             true});
  }
  if (output.boolean("elections")) {
    std::vector<double> at;
    std::vector<std::int64_t> nonce, who;
    for (const auto& e : can.elections()) {
      at.push_back(e.at.to_seconds());
      nonce.push_back(static_cast<std::int64_t>(e.nonce));
      who.push_back(e.leader);
    }
    r.tables.push_back(
        Table{"elections", {"time_s", "nonce", "leader"}, {std::move(at), std::move(nonce), std::move(who)}, true});
  }
  if (output.boolean("message_types")) {
    std::vector<std::string> type;
    std::vector<std::int64_t> count;
    for (std::size_t t = 0; t < can::kMsgTypes; ++t) {
      type.emplace_back(can::kMsgTypeNames[t]);
      count.push_back(static_cast<std::int64_t>(can.messages_sent(static_cast<can::MsgType>(t))));
    }
    r.tables.push_back(Table{"messages", {"type", "sent"}, {std::move(type), std::move(count)}, true});
  }
  if (output.boolean("faults")) r.tables.push_back(fault_table(world.net.faults(), true));
  if (output.boolean("trace")) r.chrome_trace = chrome_trace(can, world.net, world.nodes);
}

RunResult run(const RunContext& ctx, const ExperimentKind& kind) {
  const ParamValues& p = ctx.params;
  const auto n = static_cast<std::size_t>(p.integer("members"));
  const auto components = static_cast<std::size_t>(p.integer("components"));
  const Rng root(ctx.seed);
  can::CanConfig cfg = can_config(p);
  cfg.checkpoint_interval = ms(p, "checkpoint_interval_ms");
  cfg.replication = static_cast<std::uint32_t>(p.integer("replication"));
  cfg.component_capacity = static_cast<std::uint32_t>(p.integer("component_capacity"));
  cfg.register_refresh = ms(p, "register_refresh_ms");
  cfg.rejoin_interval = ms(p, "rejoin_interval_ms");
  cfg.record_events = ctx.output.boolean("trace");
  // The Registry with every node a member and node 0 the appointed leader.
  const auto nmin = std::min<std::uint64_t>(static_cast<std::uint64_t>(p.integer("nmin")), n);
  can::CanWorld world(can_world_config(p, n, n, components, nmin, n, cfg, ctx.faults), root);
  Simulator& sim = world.sim;
  // A run under millions of faults keeps none it will not write.
  world.net.record_faults(ctx.output.boolean("faults") || ctx.output.boolean("trace"));
  Can& can = *world.can;
  // When the Registry's leader crashes, the clock for its replacement starts.
  SimTime leader_lost{-1};
  world.on_crash.connect([&](NodeId x) {
    if (leader_lost.us < 0 && chain::registry::leader(world.chain.state(), world.reg) == can::member_address(x)) {
      leader_lost = sim.now();
    }
  });
  can.start();
  for (std::size_t c = 0; c < components; ++c) {
    sim.at(millis(100), [&can, id = static_cast<NodeId>(n + c)] { can.register_component(id); });
  }
  for (std::int64_t w = 0; w < p.integer("work_entries"); ++w) {
    sim.at(ms(p, "work_at_ms"),
           [&can, length = static_cast<std::uint32_t>(p.integer("work_length"))] { can.submit_work(length); });
  }
  const std::int64_t quiet = p.integer("quiet_s");
  if (quiet > 0) sim.at(seconds(p.integer("duration_s") - quiet), [&world] { world.faults->end_random_faults(); });
  // At most 10^6 samples a run: a long run samples less often than leader_sample_ms.
  const SimTime period = std::max(ms(p, "leader_sample_ms"), SimTime{p.integer("duration_s")});  // duration / 10^6: that many µs
  LeaderAvailability avail;
  std::function<void()> sample = [&] {
    avail.add(leader_reaches_majority(world));
    sim.after(period, sample);
  };
  sim.after(period, sample);
  sim.run_until(seconds(p.integer("duration_s")));
  const std::vector<std::string> problems = quiet > 0 ? can.liveness_problems() : std::vector<std::string>{};

  RunResult r;
  r.metrics = metrics_by_name(kind, can_metrics(world, leader_lost, quiet > 0, problems, avail, period));
  add_tables(r, ctx.output, world, problems);
  r.fingerprint = sim.fingerprint();
  return r;
}

}  // namespace

ExperimentKind can_kind() {
  ExperimentKind k;
  k.name = "can";
  k.description =
      "A CAN at message level (checkState, RemoveNode by vote, LeadElect with the Registry on the chain, §4.1; "
      "Register, Deregister, AssignWork, CheckpointWork, ReassignWork, FinishWork, §4.2) under the scenario's faults: "
      "time to detect a failure, to replace a lost leader, to reassign work; messages, gas, what survives.";
  const can::CanConfig d;  // the protocol's defaults, declared once there
  k.params = {
      ParamSpec::integer("members", "CAN members; node 0 is the appointed leader").at_least(2).at_most(100000).def(7),
      ParamSpec::integer("components", "components (node ids after the members), registered at 0.1 s")
          .at_least(0)
          .at_most(100000)
          .def(0),
      ParamSpec::integer("duration_s", "simulated time").at_least(1).at_most(1e7).def(60).in_unit("s"),
      ParamSpec::integer("work_entries", "Work Entries a client hands the leader (AssignWork, §4.2.1)")
          .at_least(0)
          .at_most(100000)
          .def(0),
      ParamSpec::integer("work_at_ms", "when the Work Entries are handed over").at_least(0).at_most(1e9).def(1000).in_unit("ms"),
      ParamSpec::integer("work_length", "checkpoint intervals of computation a Work Entry needs")
          .at_least(1)
          .at_most(1e6)
          .def(10),
      ParamSpec::integer("checkpoint_interval_ms", "a component saves a checkpoint after each such stretch of work")
          .at_least(1)
          .at_most(1e9)
          .def(whole_ms(d.checkpoint_interval))
          .in_unit("ms"),
      ParamSpec::integer("replication", "copies of each checkpoint kept by members, the initial storage peer's included")
          .at_least(1)
          .at_most(100000)
          .def(std::int64_t{d.replication}),
      ParamSpec::integer("component_capacity", "Work Entries a component accepts at once; 0: no limit")
          .at_least(0)
          .at_most(1e6)
          .def(std::int64_t{d.component_capacity}),
      ParamSpec::integer("register_refresh_ms",
                         "a registered component registers again this long after each registration "
                         "(a retry: nothing changes unless it was voted out unawares); 0: never")
          .at_least(0)
          .at_most(1e9)
          .def(whole_ms(d.register_refresh))
          .in_unit("ms"),
      ParamSpec::integer("rejoin_interval_ms",
                         "a member voted out while it was up (cut off, or down and back) asks to join again (Join, "
                         "Algorithm 1) this often; 0: it stays out")
          .at_least(0)
          .at_most(1e9)
          .def(whole_ms(d.rejoin_interval))
          .in_unit("ms"),
      ParamSpec::integer("nmin",
                         "the Registry's Nmin (Algorithm 1 admits every candidate below it; liveness requires the CAN "
                         "back to min(Nmin, live nodes)); members if fewer")
          .at_least(1)
          .at_most(100000)
          .def(3),
      ParamSpec::integer("leader_sample_ms",
                         "leader availability is sampled this often (at most 10^6 samples a run: a longer run "
                         "samples every duration_s / 10^6)")
          .at_least(1)
          .at_most(1e9)
          .def(100)
          .in_unit("ms"),
      ParamSpec::integer("quiet_s",
                         "the run's last seconds free of faults: then every partition heals, every crashed node "
                         "recovers, no link loses, duplicates or reorders (each keeps its latency law, jitter "
                         "included), no random fault follows, and liveness is checked at the end; 0: faults to the end")
          .at_least(0)
          .at_most(1e7)
          .def(0)
          .in_unit("s"),
  };
  for (ParamSpec& s : can_protocol_params()) k.params.push_back(std::move(s));
  k.outputs = {
      ParamSpec::boolean("elections", "write elections.csv: every leader change (time, nonce, leader)").def(false),
      ParamSpec::boolean("message_types", "write messages.csv: messages sent by type").def(false),
      ParamSpec::boolean("transactions", "write transactions.csv: chain transactions by function (sent, succeeded, gas)")
          .def(false),
      fault_output(),
      trace_output(),
      ParamSpec::boolean("liveness", "write liveness.csv: the liveness conditions that fail at the end (with quiet_s > 0)")
          .def(false),
  };
  k.metrics = {
      {"elections", "leader changes registered in the Registry"},
      {"time_to_new_leader_s", "from the first crash of the Registry's leader to the next leader change; NaN if none"},
      {"removals", "members removed by vote"},
      {"removal_votes", "removal votes the leaders held"},
      {"members_at_end", "members in the Registry at the end"},
      {"leader_up_at_end", "1 if the Registry's leader is up at the end"},
      {"messages", "protocol messages sent"},
      {"messages_dropped", "messages the network lost (loss, partitions, crashed receivers)"},
      {"gas", "gas used by all transactions (registerLeader, deregisterMember)"},
      {"stale_entries", "ledger entries refused for carrying an old nonce (fencing)"},
      {"components_at_end", "components registered at the end"},
      {"component_removals", "components deregistered by vote"},
      {"time_to_detect_s", "mean, over crashed members and components removed by vote, of crash to removal; NaN if none"},
      {"time_to_reassign_s", "mean, over Work Entries of crashed components, of crash to ReassignWork; NaN if none"},
      {"reassignments", "ReassignWork entries committed"},
      {"work_finished", "Work Entries finished (FinishWork committed)"},
      {"checkpoints", "checkpoints acknowledged (CheckpointWork committed)"},
      {"recomputed_intervals",
       "whole checkpoint intervals done again after resuming from a checkpoint (the interval in progress at a crash is lost "
       "besides)"},
      {"checkpoints_lost", "acknowledged checkpoints of unfinished work with no live replica at the end"},
      {"min_replicas",
       "fewest live replicas an acknowledged checkpoint of unfinished work was left with when a member lost replicas; NaN if "
       "none did"},
      {"fetch_inconclusive", "resumes in which some member did not answer the checkpoint fetch"},
      {"lead_elect_attempts", "LeadElect proposals begun (promises asked for a nonce)"},
      {"leader_at_end", "the Registry's leader at the end (a member's node id)"},
      {"liveness_problems", "with quiet_s > 0, the liveness conditions that fail at the end (docs/model.md); NaN otherwise"},
      {"ledger_entries_lost", "committed CAN ledger entries lost because every member that held them left the CAN"},
      {"checkpoints_lost_by_crash",
       "of checkpoints_lost, those that `replication` members stored and every one of them crashed (a loss replication "
       "cannot prevent)"},
      {"commit_lag_p99_s", "99th percentile, over entries a leader appended and committed, of the time from append to commit"},
      {"commit_lag_max_s", "the longest time from a leader's append to the commit of the entry"},
      {"leader_availability",
       "share of the run (sampled every leader_sample_ms) in which the Registry's leader is up, a member, and reaches a "
       "majority of the members both ways"},
      {"leader_outage_max_s", "the longest stretch without such a leader (to the sampling period)"},
  };
  k.fault_nodes = [](const ParamValues& p) { return static_cast<std::uint64_t>(p.integer("members") + p.integer("components")); };
  k.fault_nodes_description = "members, then components";
  // Scheduled faults belong to the fault phase, before the quiet one.
  k.run_seconds = [](const ParamValues& p) { return static_cast<double>(p.integer("duration_s") - p.integer("quiet_s")); };
  k.check = [](const ParamValues& p) -> std::optional<ParamError> {
    if (p.integer("quiet_s") >= p.integer("duration_s")) {
      return ParamError{
          "quiet_s", fmt::format("expected less than duration_s ({}), found {}", p.integer("duration_s"), p.integer("quiet_s"))};
    }
    if (p.integer("replication") > p.integer("members")) {
      return ParamError{"replication",
                        fmt::format("expected at most members ({}), found {}", p.integer("members"), p.integer("replication"))};
    }
    return std::nullopt;
  };
  k.run = [](const RunContext& ctx) { return run(ctx, *find_kind("can")); };
  k.headline = {"elections", "time_to_new_leader_s", "time_to_detect_s", "time_to_reassign_s", "messages", "gas"};
  return k;
}

}  // namespace cansim::scenario
