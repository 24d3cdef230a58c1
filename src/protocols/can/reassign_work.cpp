// ReassignWork (§4.2.1): a Work Entry moves to another component when its assignee is
// deregistered (assign_work.cpp commits it), or restarts on the same component after that one
// restarted (a Register of a later life, register.cpp). The assignee asks every member for the
// newest checkpoint it holds and resumes from the newest answer ("from any of the CAN nodes").
#include <algorithm>
#include <memory>

#include "can_internal.hpp"
#include "cansim/protocols/can/can.hpp"

namespace cansim::can {

using detail::work_msg;

void Can::reassign_work(NodeId leader, NodeId component) {
  // ReassignWork to the same component: it restarts each of its Work Entries from the checkpoints.
  std::vector<std::uint32_t> mine;
  for (std::uint32_t w : open_work_) {
    const WorkView& e = nodes_[leader].ledger.work(w);
    if (!e.finished && e.assignee == component) mine.push_back(w);
  }
  for (std::uint32_t w : mine) assign_work(leader, w, component);
}

void Can::resume_work(NodeId self, std::uint32_t w, std::uint32_t assignment) {
  // Fetch the checkpoint array from the members and resume from the newest.
  runs_of(self).push_back({w, 0, true, assignment});  // a placeholder while fetching
  struct Fetching {
    std::size_t waiting;
    std::uint32_t newest = 0;
    bool conclusive = true;
  };
  auto state = std::make_shared<Fetching>(Fetching{member_list_.size() + 1});
  const std::uint32_t incarnation = comps_[self - first_component_].incarnation;
  auto done = [this, self, w, state, incarnation, assignment] {
    if (--state->waiting > 0 || comps_[self - first_component_].incarnation != incarnation) return;
    // Superseded meanwhile (a later assignment's own fetch resumes it), or stopped.
    const WorkRun* placeholder = find_run(self, w);
    if (placeholder == nullptr || placeholder->assignment != assignment) return;
    if (state->conclusive) audit_.check_resume(w, state->newest, sim_.now());
    const std::uint32_t lost = reached_[w] > state->newest ? reached_[w] - state->newest : 0;
    resumes_.push_back({sim_.now(), w, self, state->newest, lost, state->conclusive});
    note(self, "Resume", w, state->newest);
    drop_run(self, w);  // the placeholder
    start_run(self, w, state->newest, assignment);
  };
  for (NodeId q : member_list_) {
    request(
        self, q, work_msg(MsgType::Fetch, w), config_.vote_timeout,
        [state, done](const CanMsg& r) {
          state->newest = std::max(state->newest, r.progress);
          done();
        },
        [state, done] {
          state->conclusive = false;
          done();
        });
  }
  done();  // the count started one above the members, so that no answer finishes it early
}

void Can::on_fetch(NodeId self, NodeId from, const CanMsg& m) {
  CanMsg r = work_msg(MsgType::FetchReply, m.work, nodes_[self].store.newest(m.work));
  r.request = m.request;
  send(self, from, r);
}

}  // namespace cansim::can
