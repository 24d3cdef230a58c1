// The built-in worker of a component (when no ComponentBehaviour is set): a Work Entry of
// `length` checkpoint intervals, a checkpoint saved after each, WorkDone repeated once complete.
#include <algorithm>
#include <utility>

#include "can_internal.hpp"
#include "cansim/protocols/can/can.hpp"

namespace cansim::can {

using detail::work_msg;

void Can::start_run(NodeId c, std::uint32_t w, std::uint32_t progress, std::uint32_t assignment) {
  runs_of(c).push_back({w, progress, false, assignment});
  if (behaviour_.start) return behaviour_.start(c, w, progress);
  sim_.after(config_.checkpoint_interval,
             [this, c, w, incarnation = comps_[c - first_component_].incarnation] { tick(c, w, incarnation); });
}

void Can::tick(NodeId c, std::uint32_t w, std::uint32_t incarnation) {
  // One checkpoint interval of work done (or, once complete, WorkDone repeated).
  if (comps_[c - first_component_].incarnation != incarnation || !net_.is_up(c)) return;
  WorkRun* run = find_run(c, w);
  if (run == nullptr) return;  // shut down, or taken away
  sim_.after(config_.checkpoint_interval, [this, c, w, incarnation] { tick(c, w, incarnation); });
  if (!run->done) {
    ++run->progress;
    reached_[w] = std::max(reached_[w], run->progress);
    run->done = run->progress >= ledger_.work[w].length;
  }
  if (run->done) {
    send(c, registry_leader(), work_msg(MsgType::WorkDone, w));
  } else {
    save_checkpoint(c, w, run->progress);
  }
}

const WorkRun* Can::find_run(NodeId c, std::uint32_t w) const {
  auto it = runs_.find(c);
  if (it == runs_.end()) return nullptr;
  for (const WorkRun& r : it->second) {
    if (r.work == w) return &r;
  }
  return nullptr;
}

WorkRun* Can::find_run(NodeId c, std::uint32_t w) { return const_cast<WorkRun*>(std::as_const(*this).find_run(c, w)); }

void Can::drop_run(NodeId c, std::uint32_t w) {
  auto it = runs_.find(c);
  if (it == runs_.end()) return;
  auto& runs = it->second;
  runs.erase(std::remove_if(runs.begin(), runs.end(), [w](const WorkRun& r) { return r.work == w; }), runs.end());
}

}  // namespace cansim::can
