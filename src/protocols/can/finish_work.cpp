// FinishWork (§4.2.1): a component reports its Work Entry complete (WorkDone); the leader has it
// run the shut-down instructions, then appends FinishWork, which removes the checkpoints from
// every member once it is committed.
#include "can_internal.hpp"
#include "cansim/protocols/can/can.hpp"

namespace cansim::can {

using detail::work_msg;

void Can::work_done(NodeId c, std::uint32_t w) {
  if (net_.is_up(c)) send(c, registry_leader(), work_msg(MsgType::WorkDone, w));
}

void Can::finish_work(NodeId leader, NodeId from, const CanMsg& m) {
  // FinishWork: the component runs the shut-down instructions, then the entry removes the
  // checkpoints everywhere.
  if (!may_append(leader) || m.work >= ledger_.work.size()) return;
  const WorkView& e = nodes_[leader].ledger.work(m.work);
  if (e.finished || e.assignee != from) {
    // Not its work (any more): a component voted out while alive finished it meanwhile, or it is
    // over. It is told to stop, and stops repeating WorkDone (no FinishWork: the entry is not its).
    send(leader, from, work_msg(MsgType::Shutdown, m.work));
    return;
  }
  LeaderState::Watch& watch = leading(leader).watch(m.work);
  if (sim_.now() < watch.busy_until) return;
  watch.last_heard = sim_.now();
  watch.busy_until = sim_.now() + config_.vote_timeout;  // one shutdown at a time
  const std::uint32_t w = m.work;
  const std::uint64_t nonce = nodes_[leader].nonce;
  auto answered = [this, leader, nonce, w] { release_busy(leader, nonce, w); };
  request(
      leader, from, work_msg(MsgType::Shutdown, w), config_.vote_timeout,
      [this, leader, w, answered](const CanMsg&) {
        answered();
        const WorkView& v = nodes_[leader].ledger.work(w);
        if (v.finished) return;
        const NodeId assignee = v.assignee;
        LedgerEntry e{MsgType::FinishWork};
        e.work = w;
        if (append_entry(leader, e)) note(assignee, "FinishWork", w);
      },
      [this, leader, from, w, answered] {
        // The Shutdown or its ShutdownDone was lost, and the component, its run ended, will not
        // repeat WorkDone: the leader asks again (as if it had).
        answered();
        sim_.after(config_.check_interval, [this, leader, from, w] { finish_work(leader, from, work_msg(MsgType::WorkDone, w)); });
      });
}

void Can::on_shutdown(NodeId self, NodeId from, const CanMsg& m) {
  // From the leader: a stop for work that is not ours (request 0) or the shut-down before
  // FinishWork. Either way the run ends here.
  const WorkRun* run = find_run(self, m.work);
  const bool running = run != nullptr;
  if (running && m.request != 0) comps_[self - first_component_].shut_down.emplace_back(m.work, run->assignment);
  drop_run(self, m.work);
  if (running && behaviour_.stop) behaviour_.stop(self, m.work);
  CanMsg r = work_msg(MsgType::ShutdownDone, m.work);
  r.request = m.request;
  r.yes = true;
  send(self, from, r);
}

}  // namespace cansim::can
