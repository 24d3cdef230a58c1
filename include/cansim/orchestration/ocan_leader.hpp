#pragma once
// The OCAN leader's duties towards Application contracts (§3.2 steps 3-5, §5): it learns of a new
// application from its Cloud contract's Instantiated event (after the confirmation depth) and
// records it as a Work Entry (AssignWork picks the Orchestrator); it appends each checkpoint the
// CAN committed (CheckpointWork) to the Application contract, in commit order. Whichever member
// the Registry names leader does this; a leader that lost its place (its append reverts, or it
// crashed) leaves the rest to the next, which goes on from what the contract holds.
#include <cstdint>
#include <vector>

#include <boost/container/flat_set.hpp>

#include "cansim/model/chain/types.hpp"
#include "cansim/sim/network.hpp"

namespace cansim::orchestration {

class OrchestrationWorld;

class OcanLeader {
 public:
  explicit OcanLeader(OrchestrationWorld& w);

  // An Instantiated event of a Cloud contract.
  void instantiated(chain::Address app);
  // The leader committed CheckpointWork (work, progress) (can::ComponentBehaviour::committed).
  void committed(NodeId leader, std::uint32_t work, std::uint32_t progress);
  // Every check interval: submits what waits, appends what is behind.
  void tick();
  // Who orchestrates application `record` (the question the Gateway asks any OCAN node).
  NodeId orchestrator_of(std::size_t record) const;
  std::size_t record_of_work(std::uint32_t work) const { return by_work_.at(work); }

  std::uint64_t appends() const { return appends_; }
  std::uint64_t refused_appends() const { return refused_; }

 private:
  void append_next(std::size_t record);

  OrchestrationWorld& w_;
  std::vector<chain::Address> waiting_;             // instantiated, not yet a Work Entry
  std::vector<std::size_t> by_work_;                // Work Entry -> record
  boost::container::flat_set<std::size_t> behind_;  // records with committed checkpoints not yet on chain
  std::uint64_t appends_ = 0, refused_ = 0;
};

}  // namespace cansim::orchestration
