#pragma once
// What the CAN's protocol files share and nobody outside needs: building a message.
#include "cansim/protocols/can/can.hpp"

namespace cansim::can::detail {

inline CanMsg msg(MsgType type, std::uint64_t request = 0, std::uint64_t nonce = 0, NodeId proposer = 0, bool yes = false) {
  CanMsg m{};
  m.type = type;
  m.request = request;
  m.nonce = nonce;
  m.proposer = proposer;
  m.yes = yes;
  return m;
}

inline CanMsg work_msg(MsgType type, std::uint32_t w, std::uint32_t progress = 0, NodeId target = 0) {
  CanMsg m = msg(type);
  m.work = w;
  m.progress = progress;
  m.target = target;
  return m;
}

}  // namespace cansim::can::detail
