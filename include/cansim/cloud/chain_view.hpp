#pragma once
// What a client that reads the chain itself sees of the providers' resources (§3: "read the
// state of the Smart Contract and apply the resource selection algorithm locally"): each
// resource's units in use and whether it is registered, as of `depth` blocks before the latest
// (the confirmation depth the client waits for). Recorded after every block.
#include <deque>
#include <vector>

#include "cansim/model/chain/chain.hpp"
#include "cansim/model/cloud/hosts.hpp"

namespace cansim::cloud {

class ChainView {
 public:
  // `clouds[p]` is provider p's Cloud contract; host h is resource h of its provider's contract.
  ChainView(chain::Chain& chain, std::vector<chain::Address> clouds, const Hosts& hosts, std::uint64_t depth);
  ChainView(const ChainView&) = delete;
  ChainView& operator=(const ChainView&) = delete;

  // Free units of host h's resource as the client sees it (0 if not registered then).
  std::uint64_t free_units(HostId h) const;

 private:
  void record();

  chain::Chain& chain_;
  std::vector<chain::Address> clouds_;
  const Hosts& hosts_;
  std::uint64_t depth_;
  std::deque<std::vector<std::uint32_t>> free_;  // oldest first; back() is after the latest block
};

}  // namespace cansim::cloud
