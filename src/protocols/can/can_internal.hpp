#pragma once
// What the CAN's protocol files share and nobody outside needs: building a message.
#include "cansim/protocols/can/can.hpp"

namespace cansim::can::detail {

inline CanMsg msg(MsgType type, std::uint64_t request = 0, std::uint64_t n = 0, NodeId proposer = 0, bool yes = false) {
  CanMsg m{};
  m.type = type;
  m.request = request;
  m.n = n;
  m.proposer = proposer;
  m.yes = yes;
  return m;
}

}  // namespace cansim::can::detail
