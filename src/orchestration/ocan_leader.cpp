// The OCAN leader's duties towards Application contracts (§3.2 steps 3-5, §5).
#include "cansim/orchestration/ocan_leader.hpp"

#include <fmt/format.h>

#include "cansim/sim/invariant.hpp"

namespace cansim::orchestration {

namespace ac = chain::application;

OcanLeader::OcanLeader(LeaderContext ctx) : ctx_(std::move(ctx)) {}

OcanLeader::Queue& OcanLeader::queue(std::size_t r) {
  if (queues_.size() <= r) queues_.resize(r + 1);
  return queues_[r];
}

const std::vector<std::uint32_t>& OcanLeader::committed_of(std::size_t r) const {
  static const std::vector<std::uint32_t> none;
  return r < queues_.size() ? queues_[r].committed : none;
}

void OcanLeader::instantiated(chain::Address app) {
  waiting_.push_back(app);
  tick();
}

void OcanLeader::tick() {
  can::Can& ocan = ctx_.ocan;
  const NodeId leader = ocan.current_leader();
  if (!ocan.may_commit(leader)) return;
  // §3.2 step 4: each new application becomes a Work Entry, which AssignWork gives to an
  // Orchestrator. Its topology reached the OCAN with the client's request (the Gateway).
  std::vector<chain::Address> still;
  for (chain::Address a : waiting_) {
    const std::ptrdiff_t r = ctx_.record_of(a);
    if (r < 0) {
      still.push_back(a);  // the Gateway's word of it comes with the same block
      continue;
    }
    Queue& q = queue(static_cast<std::size_t>(r));
    q.work = ocan.submit_work(1);
    if (by_work_.size() <= q.work) by_work_.resize(q.work + 1, SIZE_MAX);
    by_work_[q.work] = static_cast<std::size_t>(r);
    ctx_.note("Cloud contract", "OCAN leader", "Instantiated", r);
  }
  waiting_ = std::move(still);
  // Appends the previous leader left undone.
  const std::vector<std::size_t> behind(behind_.begin(), behind_.end());
  for (std::size_t r : behind) append_next(r);
}

void OcanLeader::committed(NodeId, std::uint32_t work, std::uint32_t progress) {
  const std::size_t r = by_work_.at(work);
  queue(r).committed.push_back(progress);
  behind_.insert(r);
  append_next(r);
  committed_checkpoint(r);
}

void OcanLeader::append_next(std::size_t r) {
  Queue& q = queue(r);
  const AppDescription& rec = ctx_.app(r);
  if (q.on_chain >= q.committed.size()) behind_.erase(r);
  if (q.appending || q.on_chain >= q.committed.size()) return;
  can::Can& ocan = ctx_.ocan;
  const NodeId leader = ocan.current_leader();
  if (!ocan.may_commit(leader)) return;  // the next leader's tick goes on
  const chain::State& state = ctx_.chain.state();
  if (ac::has_ended(state, rec.address)) {
    q.on_chain = q.committed.size();  // the contract takes no more; nothing is owed for them
    behind_.erase(r);
    return;
  }
  const CheckpointData& d = *ctx_.contents.find(r, q.committed[q.on_chain]);
  ac::Checkpoint cp{d.type, static_cast<std::uint64_t>(d.at.us / 1000), {}, d.service, ctx_.account(d.orchestrator)};
  q.appending = true;
  const chain::Address from = can::member_address(leader);
  ctx_.note("OCAN leader", "Application contract", fmt::format("addCheckpoint {}", checkpoint_label(d.type)),
          static_cast<std::int64_t>(r));
  chain::Transaction tx = ac::add_checkpoint(rec.address, from, cp);
  tx.gas_limit = ctx_.checkpoint_gas_limit;
  ctx_.submit(std::move(tx), "ocan_leader", [this, r](const chain::Receipt& receipt) {
    Queue& q = queues_[r];
    q.appending = false;
    if (receipt.status != chain::Status::Success) {
      ++refused_;
      // Refused because the sender no longer leads, or the contract ended meanwhile: the next
      // leader (or nobody) goes on. Any other refusal is a bug.
      if (receipt.reason != "only the OCAN leader" && receipt.reason != "the application is shut down") {
        throw InvariantViolation(ctx_.sim.now(), fmt::format("addCheckpoint to {}", chain::to_string(ctx_.app(r).address)),
                                 fmt::format("refused: {}", receipt.reason));
      }
      return;
    }
    ++appends_;
    const std::uint32_t key = q.committed[q.on_chain];
    ++q.on_chain;
    appended(r, *ctx_.contents.find(r, key));
    // What no Orchestrator can need any more: committed and on chain, with a newer one committed.
    ctx_.contents.forget_before(r, key);
    append_next(r);
  });
}

NodeId OcanLeader::orchestrator_of(std::size_t record) const {
  const std::uint32_t work = work_of(record);
  if (work == UINT32_MAX) return can::kNoComponent;
  return ctx_.ocan.work_seen_by(ctx_.ocan.current_leader(), work).assignee;  // as the leader's copy has it
}

}  // namespace cansim::orchestration
