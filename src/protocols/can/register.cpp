// Register (§4.2): a component joins the CAN ledger after the leader checked its endpoint.
#include "cansim/protocols/can/can.hpp"

#include "can_internal.hpp"
#include "cansim/model/chain/contracts/registry.hpp"

namespace cansim::can {

using detail::msg;

void Can::index_component(NodeId c, bool registered) {
  std::int32_t& pos = component_pos_[c - first_component_];
  if (registered && pos < 0) {
    pos = static_cast<std::int32_t>(component_list_.size());
    component_list_.push_back(c);
    comps_[c - first_component_].registered_once = true;
  } else if (!registered && pos >= 0) {
    const NodeId last = component_list_.back();
    component_list_[static_cast<std::size_t>(pos)] = last;
    component_pos_[last - first_component_] = pos;
    component_list_.pop_back();
    pos = -1;
  }
}

void Can::register_component(NodeId component, std::function<void(bool)> on_answer) {
  // A registered component asks again after a restart: it has lost its runs.
  if (component < first_component_) return;
  comps_[component - first_component_].asked = true;  // a crash does not make it give up
  if (!net_.is_up(component)) return;
  CanMsg m = msg(MsgType::Register);
  m.incarnation = comps_[component - first_component_].incarnation;
  request(
      component, registry_leader(), m, config_.vote_timeout + probe_time(),
      [this, component, on_answer](const CanMsg& r) {
        if (on_answer) on_answer(r.yes);
        if (r.yes) arm_refresh(component);
        // Refused (the leader was not leading, or did not hear its endpoint answer): it asks
        // again, as after no answer; a Register of the same life changes nothing if it got in.
        if (!r.yes) {
          sim_.after(config_.check_interval, [this, component] { register_component(component); });
        }
      },
      [this, component, on_answer] {  // no answer (the leader is down or lost it): ask again
        sim_.after(config_.check_interval, [this, component, on_answer] { register_component(component, on_answer); });
      });
}

void Can::arm_refresh(NodeId component) {
  // A registered component registers again every register_refresh (a retry if nothing changed),
  // so that one voted out while alive whose ComponentLeave was lost finds out.
  if (config_.register_refresh.us <= 0) return;
  ComponentState& comp = comps_[component - first_component_];
  const std::uint64_t due = ++comp.refresh;
  const std::uint32_t life = comp.incarnation;
  sim_.after(config_.register_refresh, [this, component, due, life] {
    const ComponentState& k = comps_[component - first_component_];
    if (k.refresh == due && k.incarnation == life) register_component(component);
  });
}

void Can::on_voted_out(NodeId c, const CanMsg& m) {
  // A component voted out while alive (a false suspicion) would otherwise be lost capacity for
  // good: its work went to others, so it drops it, and it registers again, in the same life.
  if (m.target != c) return;
  note(c, "VotedOut", c);
  auto it = runs_.find(c);
  if (it != runs_.end()) {
    const std::vector<WorkRun> runs = it->second;
    runs_.erase(it);
    for (const WorkRun& r : runs) {
      if (behaviour_.stop) behaviour_.stop(c, r.work);
    }
  }
  register_component(c);
}

void Can::listen_register(NodeId leader, NodeId component, std::uint64_t request_id, std::uint32_t incarnation) {
  // Register: the leader checks the component's endpoint, then commits the entry to the CAN
  // ledger and broadcasts it. A component registered already in an earlier life has restarted:
  // its work restarts from its checkpoints. One registered in this very life is retrying (the
  // reply was lost): it is answered, and its work, still running, is left alone.
  if (!may_append(leader) || component < first_component_) {
    send(leader, component, msg(MsgType::RegisterReply, request_id));
    return;
  }
  probe(
      leader, component,
      [this, leader, component, request_id, incarnation] {
        if (!may_append(leader)) return send(leader, component, msg(MsgType::RegisterReply, request_id));
        const bool registered = nodes_[leader].ledger.registered(component);
        std::uint32_t& life = component_life_[component - first_component_];
        const bool retry = registered && life == incarnation;
        life = incarnation;
        const CanMsg yes = msg(MsgType::RegisterReply, request_id, 0, 0, true);
        if (retry) {
          note(leader, "RegisterRetry", component);
        } else if (registered) {
          reassign_work(leader, component);
        } else {
          // Answered once the entry is committed.
          LedgerEntry e{MsgType::ComponentJoin};
          e.target = component;
          if (!append_entry(leader, e, component, yes)) return;
          note(leader, "Register", component);
          assign_pending(leader);
          return;
        }
        send(leader, component, yes);
      },
      [this, leader, component, request_id] { send(leader, component, msg(MsgType::RegisterReply, request_id)); });
}

}  // namespace cansim::can
