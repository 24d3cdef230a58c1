#pragma once
// The OCAN leader's duties towards Application contracts (§3.2 steps 3-5, §5): it learns of a new
// application from its Cloud contract's Instantiated event (after the confirmation depth) and
// records it as a Work Entry (AssignWork picks the Orchestrator); it appends each checkpoint the
// CAN committed (CheckpointWork) to the Application contract, in commit order. Whichever member
// the Registry names leader does this; a leader that lost its place (its append reverts, or it
// crashed) leaves the rest to the next, which goes on from what the contract holds.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/container/flat_set.hpp>

#include "cansim/model/chain/chain.hpp"
#include "cansim/model/chain/types.hpp"
#include "cansim/orchestration/applications.hpp"
#include "cansim/orchestration/orchestrator.hpp"
#include "cansim/protocols/can/can.hpp"
#include "cansim/sim/network.hpp"
#include "cansim/sim/signal.hpp"

namespace cansim::orchestration {

// Sends a transaction as `role` (its gas is counted by role); the handler gets its receipt.
using Submit = std::function<void(chain::Transaction, const std::string& role, chain::ReceiptHandler)>;

// What the leader's duties see: the clock, the contracts' state, the OCAN (who leads, the Work
// Entries), the applications the Gateway reported, the checkpoint contents, and the transactions
// it sends.
struct LeaderContext {
  Simulator& sim;
  const chain::Chain& chain;
  can::Can& ocan;
  CheckpointContents& contents;
  chain::Gas checkpoint_gas_limit;  // what a block reserves for an addCheckpoint
  std::function<std::ptrdiff_t(chain::Address)> record_of;  // -1: the Gateway has not reported it yet
  std::function<const AppDescription&(std::size_t record)> app;
  std::function<chain::Address(NodeId orchestrator)> account;  // an Orchestrator's chain account
  Submit submit;
  Note note;
};

class OcanLeader {
 public:
  explicit OcanLeader(LeaderContext ctx);

  // An Instantiated event of a Cloud contract.
  void instantiated(chain::Address app);
  // The leader committed CheckpointWork (work, progress) (can::ComponentBehaviour::committed).
  void committed(NodeId leader, std::uint32_t work, std::uint32_t progress);
  // Every check interval: submits what waits, appends what is behind.
  void tick();
  // Who orchestrates application `record` (the question the Gateway asks any OCAN node).
  NodeId orchestrator_of(std::size_t record) const;
  std::size_t record_of_work(std::uint32_t work) const { return by_work_.at(work); }
  // Application `record`'s Work Entry (UINT32_MAX: not yet submitted).
  std::uint32_t work_of(std::size_t record) const { return record < queues_.size() ? queues_[record].work : UINT32_MAX; }
  // The progress numbers committed for `record`, in order.
  const std::vector<std::uint32_t>& committed_of(std::size_t record) const;
  // An addCheckpoint of `record` is out.
  bool appending(std::size_t record) const { return record < queues_.size() && queues_[record].appending; }

  // A checkpoint of `record` was committed by the CAN; a checkpoint was appended to its contract.
  Signal<std::size_t> committed_checkpoint;
  Signal<std::size_t, const CheckpointData&> appended;

  std::uint64_t appends() const { return appends_; }
  std::uint64_t refused_appends() const { return refused_; }

 private:
  // Per application record: its Work Entry and the committed checkpoints waiting to be appended.
  struct Queue {
    std::uint32_t work = UINT32_MAX;
    std::vector<std::uint32_t> committed;  // progress numbers the leader committed, in order
    std::size_t on_chain = 0;              // of `committed`, appended to the contract
    bool appending = false;
  };
  Queue& queue(std::size_t record);
  void append_next(std::size_t record);

  LeaderContext ctx_;
  std::vector<Queue> queues_;                       // by record
  std::vector<chain::Address> waiting_;             // instantiated, not yet a Work Entry
  std::vector<std::size_t> by_work_;                // Work Entry -> record
  boost::container::flat_set<std::size_t> behind_;  // records with committed checkpoints not yet on chain
  std::uint64_t appends_ = 0, refused_ = 0;
};

}  // namespace cansim::orchestration
