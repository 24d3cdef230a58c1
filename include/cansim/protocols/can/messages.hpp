#pragma once
// The CAN's messages: one type for all of them, a tag saying which. Ledger entries (NodeJoin ...
// FinishWork, NewLeader) travel as messages of their own type, so that message counts by type
// stay readable.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "cansim/model/chain/signature.hpp"
#include "cansim/sim/network.hpp"

namespace cansim::can {

enum class MsgType : std::uint8_t {  // keep kMsgTypeNames in step
  Ping,
  Pong,
  Promise,
  PromiseReply,
  Accept,
  AcceptReply,
  LeaderChanged,
  JoinRequest,        // a candidate asks the leader to join (askJoin)
  JoinReply,          // yes: accepted (after the Registry registered it)
  NodeJoin,           // the leader added `target`
  RemoveRequest,      // a member found `target` silent (sendRemoveRequest)
                      // (NodeJoin and NodeLeave are CAN ledger entries: `nonce` is the issuer's)
  Vote,               // the leader asks: is `target` silent for you too?
  VoteReply,          // yes: silent
  NodeLeave,          // the leader removed `target`
  Register,           // a component asks the leader to be registered (§4.2)
  RegisterReply,      // yes: registered
  ComponentJoin,      // ledger entry: the leader registered component `target`
  ComponentLeave,     // ledger entry: the leader deregistered component `target` (by vote)
  WorkOffer,          // the leader asks component: will you run `work`? (it validates it)
  WorkAccept,         // yes
  AssignWork,         // ledger entry (also sent to the component): `work` runs on `target`
  ReassignWork,       // ledger entry: `work` moves to `target`, which resumes from its checkpoint array
  CheckpointRequest,  // component: I have checkpoint `progress` of `work`; where do I upload it?
  CheckpointPeer,     // the leader: to `target`, the initial storage peer
  Upload,             // component -> storage peer: the checkpoint's data (addressed by its digest)
  UploadAck,
  CheckpointStored,  // component -> leader: `target` holds it
  CheckpointAck,     // the leader: committed (yes), or not yours any more (stop)
  CheckpointWork,    // ledger entry: `target` holds checkpoint `progress` of `work`; replicate it
  Replicate,         // a storage peer -> another member: a copy
  Fetch,             // new assignee -> member: the newest checkpoint of `work` you hold?
  FetchReply,        // `progress` (0: none)
  WorkDone,          // component -> leader: `work` is complete
  Shutdown,          // the leader -> component: run `work`'s shut-down instructions
  ShutdownDone,
  FinishWork,       // ledger entry: `work` is over; remove its checkpoints
  NewLeader,        // ledger entry: the leader of `nonce` begins (committing it commits all before it)
  LedgerAck,        // member -> leader: my copy matches yours up to `index`
  LedgerFetch,      // member -> leader: I miss entries from `index` on (a gap, or entries that differ)
  Snapshot,         // -> member: the committed ledger up to `index` (a state transfer)
  LedgerSync,       // a new leader -> member: how far does your copy go?
  LedgerSyncReply,  // `index` and the nonce of the entry there (`entry_nonce`)
};
inline constexpr const char* kMsgTypeNames[] = {"Ping",
                                                "Pong",
                                                "Promise",
                                                "PromiseReply",
                                                "Accept",
                                                "AcceptReply",
                                                "LeaderChanged",
                                                "JoinRequest",
                                                "JoinReply",
                                                "NodeJoin",
                                                "RemoveRequest",
                                                "Vote",
                                                "VoteReply",
                                                "NodeLeave",
                                                "Register",
                                                "RegisterReply",
                                                "ComponentJoin",
                                                "ComponentLeave",
                                                "WorkOffer",
                                                "WorkAccept",
                                                "AssignWork",
                                                "ReassignWork",
                                                "CheckpointRequest",
                                                "CheckpointPeer",
                                                "Upload",
                                                "UploadAck",
                                                "CheckpointStored",
                                                "CheckpointAck",
                                                "CheckpointWork",
                                                "Replicate",
                                                "Fetch",
                                                "FetchReply",
                                                "WorkDone",
                                                "Shutdown",
                                                "ShutdownDone",
                                                "FinishWork",
                                                "NewLeader",
                                                "LedgerAck",
                                                "LedgerFetch",
                                                "Snapshot",
                                                "LedgerSync",
                                                "LedgerSyncReply"};
inline constexpr std::size_t kMsgTypes = sizeof(kMsgTypeNames) / sizeof(kMsgTypeNames[0]);
static_assert(kMsgTypes == static_cast<std::size_t>(MsgType::LedgerSyncReply) + 1, "a name for every message type");

// A CAN ledger entry (ledger.hpp): what a member's copy holds at one index.
struct LedgerEntry {
  MsgType type = MsgType::NewLeader;  // NodeJoin ... FinishWork, NewLeader
  std::uint64_t nonce = 0;            // of the leader that issued it
  NodeId target = 0;                  // the member or component; CheckpointWork: the storage peer
  NodeId component = 0;               // CheckpointWork: the assignee that saved it
  std::uint32_t work = 0;
  std::uint32_t progress = 0;
  bool operator==(const LedgerEntry&) const = default;
};

struct CanMsg {
  MsgType type;
  std::uint64_t request = 0;  // request id, echoed by replies
  std::uint64_t nonce = 0;    // election nonce, or the nonce of the leader that issued an entry
  NodeId proposer = 0;
  bool yes = false;               // a promise, an accept, or a vote to remove was given
  NodeId target = 0;              // RemoveRequest, Vote, NodeLeave: the member in question
  chain::Signature signature;     // AcceptReply: signed (nonce, proposer)
  std::uint32_t work = 0;         // Work Entry id
  std::uint32_t progress = 0;     // a checkpoint: intervals of work it saves (its digest stands for the data)
  bool stop = false;              // CheckpointAck: the work is no longer the sender's
  std::uint32_t incarnation = 0;  // Register: the component's life (a retry carries the same)
  // A CAN ledger entry's place: its index, the nonce of the leader that issued it (`nonce` is the
  // sender's, which differs when a leader sends an older entry again), the nonce of the entry
  // before it, and how far the sender knows the ledger committed.
  std::uint32_t index = 0;
  std::uint32_t commit = 0;
  std::uint64_t entry_nonce = 0;
  std::uint64_t prev_nonce = 0;
  bool relay = false;  // entries a member sends a new leader that asked for them (LedgerFetch)
  // Snapshot: the entries after the committed ones, from index tail_from on (prev_nonce: the
  // nonce of the entry before it), so that a catch-up is one message, not one per entry (which
  // reorder again under jitter). Shared: a duplicated message does not copy them.
  std::shared_ptr<const std::vector<LedgerEntry>> tail;
  std::uint32_t tail_from = 0;
};

// Whether messages of type t are CAN ledger entries.
constexpr bool is_ledger_entry(MsgType t) {
  switch (t) {
    case MsgType::NodeJoin:
    case MsgType::NodeLeave:
    case MsgType::ComponentJoin:
    case MsgType::ComponentLeave:
    case MsgType::AssignWork:
    case MsgType::ReassignWork:
    case MsgType::CheckpointWork:
    case MsgType::FinishWork:
    case MsgType::NewLeader: return true;
    default: return false;
  }
}

}  // namespace cansim::can
