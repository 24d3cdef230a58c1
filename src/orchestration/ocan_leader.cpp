// The OCAN leader's duties towards Application contracts (§3.2 steps 3-5, §5).
#include "cansim/orchestration/ocan_leader.hpp"

#include <fmt/format.h>

#include "cansim/orchestration/orchestration_world.hpp"
#include "cansim/sim/invariant.hpp"

namespace cansim::orchestration {

namespace ac = chain::application;

OcanLeader::OcanLeader(OrchestrationWorld& w) : w_(w) {}

void OcanLeader::instantiated(chain::Address app) {
  waiting_.push_back(app);
  tick();
}

void OcanLeader::tick() {
  can::Can& ocan = *w_.ocan;
  const NodeId leader = ocan.current_leader();
  if (!ocan.may_commit(leader)) return;
  // §3.2 step 4: each new application becomes a Work Entry, which AssignWork gives to an
  // Orchestrator. Its topology reached the OCAN with the client's request (the Gateway).
  std::vector<chain::Address> still;
  for (chain::Address a : waiting_) {
    const std::ptrdiff_t r = w_.record_of(a);
    if (r < 0) {
      still.push_back(a);  // the Gateway's word of it comes with the same block
      continue;
    }
    AppRecord& rec = w_.apps[static_cast<std::size_t>(r)];
    rec.work = ocan.submit_work(1);
    if (by_work_.size() <= rec.work) by_work_.resize(rec.work + 1, SIZE_MAX);
    by_work_[rec.work] = static_cast<std::size_t>(r);
    w_.note("Cloud contract", "OCAN leader", "Instantiated", r);
  }
  waiting_ = std::move(still);
  // Appends the previous leader left undone.
  const std::vector<std::size_t> behind(behind_.begin(), behind_.end());
  for (std::size_t r : behind) append_next(r);
}

void OcanLeader::committed(NodeId, std::uint32_t work, std::uint32_t progress) {
  const std::size_t r = by_work_.at(work);
  w_.apps[r].committed.push_back(progress);
  behind_.insert(r);
  append_next(r);
  if (w_.on_committed) w_.on_committed(r);
}

void OcanLeader::append_next(std::size_t r) {
  AppRecord& rec = w_.apps[r];
  if (rec.on_chain >= rec.committed.size()) behind_.erase(r);
  if (rec.appending || rec.on_chain >= rec.committed.size()) return;
  can::Can& ocan = *w_.ocan;
  const NodeId leader = ocan.current_leader();
  if (!ocan.may_commit(leader)) return;  // the next leader's tick goes on
  const chain::State& state = w_.cloud.chain.state();
  if (ac::has_ended(state, rec.address)) {
    rec.on_chain = rec.committed.size();  // the contract takes no more; nothing is owed for them
    behind_.erase(r);
    return;
  }
  const CheckpointData& d = rec.data.at(rec.committed[rec.on_chain]);
  ac::Checkpoint cp{d.type, static_cast<std::uint64_t>(d.at.us / 1000), {}, d.service, w_.orchestrator_account(d.orchestrator)};
  rec.appending = true;
  const chain::Address from = can::member_address(leader);
  w_.note("OCAN leader", "Application contract", fmt::format("addCheckpoint {}", checkpoint_label(d.type)),
          static_cast<std::int64_t>(r));
  chain::Transaction tx = ac::add_checkpoint(rec.address, from, cp);
  tx.gas_limit = w_.cfg.checkpoint_gas_limit;
  w_.submit(std::move(tx), "ocan_leader", [this, r](const chain::Receipt& receipt) {
    AppRecord& rec = w_.apps[r];
    rec.appending = false;
    if (receipt.status != chain::Status::Success) {
      ++refused_;
      // Refused because the sender no longer leads, or the contract ended meanwhile: the next
      // leader (or nobody) goes on. Any other refusal is a bug.
      if (receipt.reason != "only the OCAN leader" && receipt.reason != "the application is shut down") {
        throw InvariantViolation(w_.cloud.sim.now(), fmt::format("addCheckpoint to {}", chain::to_string(rec.address)),
                                 fmt::format("refused: {}", receipt.reason));
      }
      return;
    }
    ++appends_;
    const std::uint32_t key = rec.committed[rec.on_chain];
    rec.appended.push_back(rec.data.at(key));
    ++rec.on_chain;
    if (rec.appended.back().type == CheckpointType::AppShutdown) w_.payments.pay(r);
    // What no Orchestrator can need any more: committed and on chain, with a newer one committed.
    for (auto it = rec.data.begin(); it != rec.data.end() && it->first < key;) it = rec.data.erase(it);
    append_next(r);
  });
}

NodeId OcanLeader::orchestrator_of(std::size_t record) const {
  const AppRecord& rec = w_.apps[record];
  if (rec.work == UINT32_MAX) return can::kNoComponent;
  return w_.ocan->work_seen_by(w_.ocan->current_leader(), rec.work).assignee;  // as the leader's copy has it
}

}  // namespace cansim::orchestration
