#pragma once
// The Orchestrator (§5, Figure 5.1): a component of the OCAN that runs Work Entries, each one
// application. It reads the topology and the sealed hosts, deploys the services in dependency
// order through the hypervisors' API, points the dependants at each new endpoint, and reports
// SERVICE_UP with the monitoring id as a CAN checkpoint (CheckpointWork). It checks every
// service's status each `monitor_interval` (a silent one is asked up to `status_attempts` times):
// a failed or silent service gives SERVICE_DOWN and a
// redeploy; `retry_limit` failed deploys in a row (the contract's own limit) give APP_SHUTDOWN.
// APP_OK every `app_ok_interval` (the contract's own) while all services run. A new Orchestrator
// that takes the work over (ReassignWork) starts from the newest checkpoint, asks the hypervisors
// what still runs and continues without redeploying what is up.
//
// Checkpoints of one application are reported one at a time, in order, each until the leader
// commits it; the leader appends it to the Application contract (ocan_leader.hpp).
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "cansim/cloud/messages.hpp"
#include "cansim/model/chain/chain.hpp"
#include "cansim/orchestration/applications.hpp"
#include "cansim/protocols/can/can.hpp"
#include "cansim/sim/network.hpp"
#include "cansim/sim/signal.hpp"

namespace cansim::orchestration {

// The Orchestrator's own settings (§5); the paper fixes none of these.
struct OrchestratorConfig {
  SimTime monitor_interval = seconds(10);  // status checks of every service
  SimTime status_timeout = seconds(2);     // a status check unanswered this long is asked again, or failed
  std::uint32_t status_attempts = 2;       // status checks of a silent service before it counts as failed
  double deploy_timeout_factor = 4;        // a deploy unanswered after this many mean deploy times failed
  SimTime retry_delay = seconds(5);        // between a failed deploy and the next try
  // Between a checkpoint the CAN did not commit and the next try; each failure in a row doubles
  // the wait, up to checkpoint_retry_max (a cut-off Orchestrator retried every second for ever).
  SimTime checkpoint_retry = seconds(1);
  SimTime checkpoint_retry_max = seconds(30);
  // At the end, the APP_SHUTDOWN waits for every service's Stop to be confirmed, at most this long
  // (a host that is down answers when it is back; it then stops what it runs of ended
  // applications itself, before it takes any other call).
  SimTime stop_wait = seconds(120);
};

// A line of the sequence of interactions (Figure 5.1): from, to, what, the application's record.
using Note = std::function<void(const std::string& from, const std::string& to, const std::string& what, std::int64_t app)>;

// What the Orchestrators see of the platform, as an s4u actor sees its host: the clock, the
// contracts' state (free reads, §4.1), the CAN calls a component makes, each Orchestrator's own
// endpoint on the cloud's network, the Work Entries' descriptions and the checkpoint contents.
struct OrchestratorContext {
  Simulator& sim;
  const chain::Chain& chain;
  can::Can& ocan;
  CheckpointContents& contents;
  OrchestratorConfig cfg;
  SimTime reconfigure_time;  // a hypervisor's Reconfigure
  // The application Work Entry `work` is (AssignWork hands its description over).
  std::function<std::size_t(std::uint32_t work)> record_of_work;
  std::function<const AppDescription&(std::size_t record)> app;
  std::function<SimTime(cloud::HostId)> deploy_mean;  // the mean deploy time of the host's hypervisor
  // Orchestrator c sends m to host h's hypervisor API from its cloud endpoint.
  std::function<void(NodeId c, cloud::HostId h, cloud::CloudMsg m)> send;
  std::function<bool(NodeId c)> is_up;
  std::function<std::string(NodeId c)> name;
  Note note;
};

class Orchestrators {
 public:
  explicit Orchestrators(OrchestratorContext ctx);

  // What the Orchestrators announce; the world measures and audits by listening.
  // Every service of application `record` is up (each time an Orchestrator finds it so).
  Signal<std::size_t> all_up;
  // A service of `record` failed and was reported (redeployed: SERVICE_DOWN and a redeploy; else
  // found ended by the shutdown's Stop). `claimed`: the start of a stretch the contract counts up
  // that the job took from the contract (-1: none), from which a gap went unreported.
  Signal<std::size_t, std::uint32_t /*service*/, SimTime /*claimed*/, bool /*redeployed*/> failed;
  // The APP_SHUTDOWN of `record`, stamped `stamped`, was committed by the CAN.
  Signal<std::size_t, SimTime /*stamped*/> shutdown_committed;
  // The client's time for `record` is up and its Orchestrator began the shutdown.
  Signal<std::size_t> ended_by_client;

  // The CAN's component behaviour (can::ComponentBehaviour).
  void start(NodeId c, std::uint32_t work, std::uint32_t progress);
  void stop(NodeId c, std::uint32_t work);
  // A message to orchestrator c's cloud endpoint (hypervisor replies, the Gateway's ShutdownApp).
  void receive(NodeId c, NodeId from, const cloud::CloudMsg& m);
  void on_crash(NodeId c);

  std::size_t jobs() const { return jobs_.size(); }
  std::uint64_t deploys_sent() const { return deploys_; }
  std::uint64_t status_checks() const { return status_checks_; }

 private:
  struct Job {
    std::size_t app = 0;  // index into the world's records
    std::uint32_t epoch = 0;
    std::uint32_t fence = 0;  // the CAN's assignment index: every hypervisor call carries it
    std::vector<ServiceView> views;
    std::vector<std::uint32_t> instances;
    std::vector<std::uint32_t> attempts;  // failed deploys in a row
    std::vector<std::uint8_t> busy;       // a deploy or status request is out
    // Per service, the start of a stretch the contract counts up that this job has not reported
    // itself (taken from the contract when its record was newer than the CAN's checkpoint); -1:
    // none. The instance found running must have been up since then, or the stretch had a gap.
    std::vector<SimTime> claimed;
    // Per service, when this job last knew it up (its deploy answered, a status check said so):
    // a SERVICE_DOWN is stamped then, not at detection, so that the client does not pay for the
    // time it went unseen.
    std::vector<SimTime> good;
    // No checkpoint is stamped before this: the job's start, then its newest stamp (the contract
    // refuses timestamps that go back). `stamped`: the newest stamp of the job's own (-1: none).
    SimTime floor, stamped{-1};
    std::deque<std::pair<std::uint32_t, CheckpointData>> outbox;  // (digest, 0 until first sent; data)
    bool sending = false;
    std::uint32_t send_failures = 0;  // checkpoints in a row the CAN did not commit (the retry backs off)
    bool shutting_down = false, shutdown_committed = false;
    // Resumed: the services the checkpoint says are up whose status is still being asked. Nothing
    // is deployed (nor stamped) before they are all answered.
    std::vector<std::uint8_t> checking;
    std::vector<std::uint8_t> stopped;  // shutting down: the service's Stop was confirmed
    std::vector<std::uint8_t> was_up;   // shutting down: the service was believed up when it began
    // Shutting down, a service believed up that its Stop found not running: when its stretch ended
    // (its stop by a predecessor, or its last good status if it failed); -1: running, or unknown.
    std::vector<SimTime> ended_unseen;
    bool stops_done = false;            // every Stop confirmed, or the wait for them is over
    SimTime shutdown_at;                // when the Stops were sent: the APP_SHUTDOWN's stamp
    std::uint64_t retry_limit = 3;
    SimTime app_ok_interval;
  };
  using Key = std::pair<NodeId, std::uint32_t>;
  Job* find(const Key& k, std::uint32_t epoch);
  void advance(const Key& k);
  void deploy(const Key& k, std::uint32_t s);
  void verify(const Key& k, std::uint32_t s, std::uint32_t attempt = 0);
  void verify(const Key& k, Job& j, std::uint32_t s, std::uint32_t attempt = 0);
  void service_down(const Key& k, std::uint32_t s);
  void judge_status(const Key& k, std::uint32_t s, const cloud::CloudMsg* r);
  void ended_before_stop(const Key& k, std::uint32_t s, const cloud::CloudMsg& reply);
  void monitor(const Key& k, std::uint32_t epoch);
  void app_ok(const Key& k, std::uint32_t epoch);
  void shut_down(const Key& k, const char* why);
  void stop_services(const Key& k);
  // Every Stop confirmed or stop_wait over: the APP_SHUTDOWN is appended (or, the contract ended
  // already, the work is reported done).
  void stops_done(const Key& k, std::uint32_t epoch);
  // A checkpoint of the job's, stamped `at` (now if negative), never before the job's floor; with
  // `before_start`, never before its own newest stamp only (what a predecessor's Stop proves).
  void checkpoint(const Key& k, CheckpointType type, std::uint32_t service, SimTime at = SimTime{-1}, bool before_start = false);
  void send_next(const Key& k);
  void report_done(const Key& k, std::uint32_t epoch);
  // What a request to a hypervisor's API was for: its answer (or its timeout, nullptr) goes to
  // the handler of that purpose, if the job still runs.
  // DeployCheck: the status asked for after a deploy that did not answer.
  enum class Purpose : std::uint8_t { Deploy, Status, Stop, Reconfigure, DeployCheck };
  // A call of job j: it carries the job's fence (CloudMsg::epoch).
  void call(const Key& k, const Job& j, cloud::HostId h, cloud::CloudMsg m, SimTime timeout, Purpose purpose,
            std::uint32_t attempt = 0);
  // Any call, m.epoch set by the caller: `epoch` is the job's (for a Stop, the Orchestrator's
  // life), `app` the record.
  void send_call(const Key& k, std::uint32_t epoch, std::size_t app, cloud::HostId h, cloud::CloudMsg m, SimTime timeout,
                 Purpose purpose, std::uint32_t attempt);
  void answered(std::uint64_t request, const cloud::CloudMsg* reply);
  bool open(std::uint64_t request) const;  // sent, neither answered nor timed out
  // A deploy's answer (nullptr: none in time), or with `checked` the answer to the status asked
  // for after that.
  void on_deployed(const Key& k, std::uint32_t s, const cloud::CloudMsg* r, bool checked = false);
  void on_status(const Key& k, std::uint32_t s, const cloud::CloudMsg* r, std::uint32_t attempt);
  SimTime deploy_timeout(const Job& j, std::uint32_t s) const;

  const AppDescription& app_of(const Job& j) const { return ctx_.app(j.app); }

  OrchestratorContext ctx_;
  std::map<Key, Job> jobs_;
  std::uint32_t next_epoch_ = 1;
  struct Pending {
    Key key;
    std::uint32_t epoch;  // the job's; for a Stop, the Orchestrator's life
    Purpose purpose;
    std::uint32_t service;
    std::uint32_t attempt;  // Status, Stop: which try this is
    bool open;
    std::size_t app;     // the record
    std::uint32_t fence;  // the epoch it carried
  };
  // Stops, confirmed: sent again until answered (on_stop).
  void send_stop(const Key& k, std::size_t app, std::uint32_t s, std::uint32_t attempt, std::uint32_t fence);
  // A hypervisor refused a call: another Orchestrator holds the work now. The job stops acting.
  void fenced(const Key& k, std::uint32_t epoch);
  void on_stop(const Pending& p, const cloud::CloudMsg* reply);
  // How many times Orchestrator c crashed: what it sent in an earlier life stands down.
  std::uint32_t life(NodeId c) const {
    auto it = lives_.find(c);
    return it == lives_.end() ? 0 : it->second;
  }
  std::map<NodeId, std::uint32_t> lives_;
  // Requests by id (ids are consecutive: the record of id is out_[id - first_out_]); answered
  // ones leave from the front. No allocation per request once the containers have grown.
  std::deque<Pending> out_;
  std::uint64_t first_out_ = 1;
  // Deadlines, by timeout: the requests of one timeout expire in the order they were sent, so each
  // lane is a queue and the earliest deadline is the smallest front (a handful of lanes: status,
  // reconfigure, a deploy timeout per hypervisor kind). Answered requests are skipped when their
  // deadline comes. One timer for the earliest: an engine event per request would mostly be
  // cancelled (answers come in milliseconds, timeouts are seconds).
  using Deadline = std::pair<SimTime, std::uint64_t>;
  struct Lane {
    SimTime timeout;
    std::deque<Deadline> due;
  };
  std::vector<Lane> lanes_;
  Lane* earliest();
  EventId timer_;
  SimTime timer_at_{-1};
  void arm_timer();
  void expire_due();
  std::uint64_t deploys_ = 0, status_checks_ = 0;
};

}  // namespace cansim::orchestration
