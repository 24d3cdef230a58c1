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

void Can::resume_work(NodeId self, std::uint32_t w, std::uint32_t assignment, std::uint32_t wanted, NodeId peer,
                      std::uint32_t attempt) {
  // Fetch the checkpoint array from the members (and from the newest checkpoint's storage peer,
  // which may have left the CAN and still hold it) and resume from the newest. Short of the newest
  // the ReassignWork names, it asks again after a check interval, up to kResumeAttempts times: a
  // replica holder may be fetching it (repair) at that very moment.
  if (attempt == 0) runs_of(self).push_back({w, 0, true, assignment});  // a placeholder while fetching
  struct Fetching {
    std::size_t waiting;
    std::uint32_t newest = 0;
    bool conclusive = true;
  };
  std::vector<NodeId> ask = member_list_;
  if (peer < nodes_.size() && !is_member(peer)) ask.push_back(peer);
  auto state = std::make_shared<Fetching>(Fetching{ask.size() + 1});
  const std::uint32_t incarnation = comps_[self - first_component_].incarnation;
  auto done = [this, self, w, state, incarnation, assignment, wanted, peer, attempt] {
    if (--state->waiting > 0 || comps_[self - first_component_].incarnation != incarnation) return;
    // Superseded meanwhile (a later assignment's own fetch resumes it), or stopped.
    const WorkRun* placeholder = find_run(self, w);
    if (placeholder == nullptr || placeholder->assignment != assignment) return;
    if (state->newest < wanted && attempt + 1 < kResumeAttempts) {
      sim_.after(config_.check_interval, [this, self, w, assignment, wanted, peer, attempt, incarnation] {
        const WorkRun* still = find_run(self, w);
        if (comps_[self - first_component_].incarnation != incarnation || still == nullptr || still->assignment != assignment)
          return;
        resume_work(self, w, assignment, wanted, peer, attempt + 1);
      });
      return;
    }
    if (state->conclusive) audit_.check_resume(w, state->newest, sim_.now());
    const std::uint32_t lost = reached_[w] > state->newest ? reached_[w] - state->newest : 0;
    resumes_.push_back({sim_.now(), w, self, state->newest, lost, state->conclusive});
    note(self, "Resume", w, state->newest);
    drop_run(self, w);  // the placeholder
    start_run(self, w, state->newest, assignment);
  };
  for (NodeId q : ask) {
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
