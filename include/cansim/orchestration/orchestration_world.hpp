#pragma once
// The whole platform as one world (§3.2, §5, §5.1): the cloud of cloud_world.hpp, an OCAN whose
// members are the CAN of protocols/can (the same protocols, on their own network over the same
// engine and chain) and whose components are Orchestrators, the Gateway, the OCAN leader's duties
// and the payment driver. Built the same way for experiments, tests and benchmarks.
//
// Nodes. The cloud's network: hosts, Schedulers, the Gateway, Plug&Plays (cloud_world.hpp), then
// one endpoint per Orchestrator. The OCAN's network: members 0 .. M-1 (chain accounts
// can::member_address), then Orchestrators M .. M+O-1. Orchestrator k's crash takes both of its
// endpoints down.
//
// Invariants checked as the run goes (InvariantViolation with the time and the event):
//  - no application ever has two live instances of one service (model/cloud/instances.hpp);
//  - a checkpoint is never later than the block that records it (the contract refuses it, and
//    a refused append is a violation);
//  - every minute paid was run: per service, minutes paid <= minutes up + the time between each
//    failure and its SERVICE_DOWN + one APP_OK interval (checked when an application settles);
//  - funds are conserved: the chain's total balance never changes (checked after every block),
//    and no application's locked funds exceed its balance;
//  - the retry limit and APP_OK interval the Orchestrators use are the contract's.
#include <array>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cansim/cloud/cloud_world.hpp"
#include "cansim/cloud/gateway.hpp"
#include "cansim/orchestration/applications.hpp"
#include "cansim/orchestration/ocan_leader.hpp"
#include "cansim/orchestration/orchestrator.hpp"
#include "cansim/orchestration/payment_driver.hpp"
#include "cansim/protocols/can/can.hpp"
#include "cansim/sim/faults.hpp"
#include "cansim/sim/flat_table.hpp"

namespace cansim::orchestration {

// The Orchestrators' own settings (OrchestratorConfig) and the rest of the platform's.
struct OrchestrationConfig : OrchestratorConfig {
  cloud::CloudConfig cloud;
  cloud::GatewayConfig gateway;
  can::CanConfig can;
  std::uint32_t members = 5;        // OCAN members (the first is the appointed leader)
  std::uint32_t orchestrators = 5;  // OCAN components
  LinkModel ocan_link;              // the OCAN's network
  // The OCAN leader (§5.1).
  SimTime payment_interval = minutes(10);   // interimPayment per application
  chain::Gas payment_gas_budget = 5000000;  // k is the largest whose dry run fits in this
  // The gas limit of an addCheckpoint: what a block reserves for it (the measured cost is about
  // 110,000; a limit far above it would let few checkpoints into a block).
  chain::Gas checkpoint_gas_limit = 200000;
  chain::Wei gas_price = 1000000000;
  bool payees_withdraw = true;  // at the end each payee that can sign withdraws (else destroy pays them)
  // Failures besides the network's (rates per second; crashes 0: none; recoveries 0: stays down).
  // A part that crashes comes back after 10 minutes on average.
  double orchestrator_crash_rate = 0, orchestrator_recovery_rate = 6.0 / 3600;
  double member_crash_rate = 0, member_recovery_rate = 6.0 / 3600;
  double host_crash_rate = 0, host_recovery_rate = 6.0 / 3600;
  double api_crash_rate = 0, api_recovery_rate = 6.0 / 3600;
  FaultPlan ocan_faults;                 // scheduled faults on the OCAN's network (members and Orchestrators)
  FaultPlan cloud_faults;                // scheduled faults on the cloud's network (hosts, ...)
  bool sequence = false;                 // record the sequence of interactions (sequence.csv, Figure 5.1)
  bool fault_log = true;                 // keep every failure (faults.csv); the counts are kept either way
  chain::Wei ften_price_per_minute = 1;  // the Registry's FTEN price (the OCAN's share)
};

// One interaction between the platform's participants, for sequence diagrams.
struct SequenceEvent {
  SimTime at;
  std::string from, to, what;
  std::int64_t app = -1;  // the application's record, if it concerns one
};

class OrchestrationWorld {
 public:
  OrchestrationWorld(const OrchestrationConfig& cfg, const Rng& root);
  OrchestrationWorld(const OrchestrationWorld&) = delete;
  OrchestrationWorld& operator=(const OrchestrationWorld&) = delete;

  // A client requests `app` (which must outlive the run) for `duration` of running time from its
  // instantiation; `on_outcome` as for the Gateway; `on_end` once it is settled and released.
  void request(const app::Topology& app, SimTime duration, std::function<void(const cloud::Outcome&)> on_outcome = {},
               std::function<void(std::size_t record)> on_end = {});
  // Starts the OCAN's checkState loops, the leader's duties and the payments.
  void start();
  // The funds check, also at the end of a run.
  void check_funds();
  // Runs until every transaction sent is sealed (the end of a run).
  void drain_chain();

  // Node numbering.
  NodeId orchestrator_node(std::uint32_t k) const { return cfg.members + k; }  // on the OCAN's network
  std::uint32_t orchestrator_index(NodeId c) const { return c - cfg.members; }
  NodeId orchestrator_endpoint(NodeId c) const { return cloud.extra_node(orchestrator_index(c)); }  // on the cloud's
  chain::Address orchestrator_account(NodeId c) const;
  std::string orchestrator_name(NodeId c) const;
  bool orchestrator_up(NodeId c) const { return ocan_net.is_up(c); }

  // Faults on purpose, beside the scenario's plan (Figure 5.1, tests): OCAN node n (a member or
  // an Orchestrator) crashes or recovers; the live instance of a service fails.
  void crash(NodeId n) { ocan_injector_->crash(n); }
  void recover(NodeId n) { ocan_injector_->recover(n); }
  void fail_service(std::size_t record, std::uint32_t service);

  // The record of application `a` by contract address (-1: none).
  std::ptrdiff_t record_of(chain::Address a) const;
  // What runs on the hosts, audited from the hypervisors' side (not from what Orchestrators say):
  // Deploy, Stop and Reconfigure calls the hypervisors accepted from an Orchestrator that was not
  // the Work Entry's current assignee in the committed CAN ledger (a deposed or cut-off one), and
  // Deploy calls for an application after its APP_SHUTDOWN was committed or its Work Entry finished.
  std::uint64_t foreign_actions() const { return foreign_actions_; }
  std::uint64_t deploys_after_shutdown() const { return deploys_after_shutdown_; }
  // Deploys the hypervisors accepted that started an instance beyond its host's units, counting
  // what runs there (not what is reserved): 0 in a correct run.
  std::uint64_t overcommitted_deploys() const { return overcommitted_deploys_; }
  // Units the live instances on `h` take.
  std::uint64_t live_units(cloud::HostId h) const;
  // Live instances (up or deploying) of applications that ended (APP_SHUTDOWN committed, or
  // settled) more than `grace` ago, on hosts whose API has answered for longer than `grace` (an
  // instance on a hypervisor that is down cannot be stopped by anyone).
  std::size_t orphan_instances(SimTime grace) const;
  void note(const std::string& from, const std::string& to, const std::string& what, std::int64_t app = -1);
  void fault(const char* kind, const std::string& who);
  // Submits a transaction; counts its gas by function and by role.
  void submit(chain::Transaction tx, const std::string& role, chain::ReceiptHandler on_receipt = {});

  const OrchestrationConfig cfg;
  cloud::CloudWorld cloud;
  Network<can::CanMsg> ocan_net;
  std::unique_ptr<can::Can> ocan;
  std::unique_ptr<cloud::Gateway> gateway;
  CheckpointContents contents;
  // What the run records of each application, by record (no part reads it: each sees its own
  // context; the world fills it from what they announce and from what runs on the hosts).
  std::vector<AppRecord> apps;
  // The parts of the OCAN, each built on a context of its own.
  Orchestrators orchestrators;
  OcanLeader leader;
  PaymentDriver payments;
  std::vector<SequenceEvent> sequence;
  // Failures of every part (crashes and recoveries of Orchestrators, members, hosts, hypervisors;
  // service failures), in time order, with who failed.
  std::vector<FaultRecord> faults;  // with cfg.fault_log
  std::vector<std::string> fault_names;
  std::map<std::string, std::uint64_t> fault_counts;  // by kind, always
  std::map<std::string, chain::Gas> gas_by_function, gas_by_role;
  // An application's services were first all up (scripted experiments: Figure 5.1).
  Signal<std::size_t> first_all_up;
  std::uint64_t transactions = 0;

 private:
  static constexpr std::uint64_t kFundsCheckEvery = 16;  // blocks between checks of the chain's total
  // What the contexts share: the applications' descriptions, the sequence log, the transactions.
  std::function<const AppDescription&(std::size_t)> descriptions();
  Note noter();
  Submit submitter();
  OrchestratorContext orchestrator_context();
  LeaderContext leader_context();
  PaymentContext payment_context();
  // What the world records and checks as the parts announce it.
  void listen();
  // Every minute paid was run (checked when application `record` settles).
  void check_paid_was_run(std::size_t record);
  void crashed(NodeId ocan_node);
  void recovered(NodeId ocan_node);
  void tick_leader();
  void ask_to_end(std::size_t record);

  Rng fault_rng_;
  FlatTable<chain::Address, std::size_t, chain::AddressHash> by_address_;  // looked up on every hypervisor call
  std::uint64_t foreign_actions_ = 0, deploys_after_shutdown_ = 0, overcommitted_deploys_ = 0;
  void audit_call(cloud::HostId h, NodeId from, const cloud::CloudMsg& m);
  std::unique_ptr<FaultInjector<can::CanMsg>> ocan_injector_;
  std::unique_ptr<FaultInjector<cloud::CloudMsg>> cloud_injector_;
  std::array<std::unique_ptr<Renewal>, 4> renewals_;  // Orchestrators, members, hosts, hypervisor APIs
  chain::Wei total_balance_ = 0;
};

}  // namespace cansim::orchestration
