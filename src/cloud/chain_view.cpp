#include "cansim/cloud/chain_view.hpp"

#include "cansim/model/chain/contracts/cloud.hpp"

namespace cansim::cloud {

namespace cc = chain::cloud_contract;

ChainView::ChainView(chain::Chain& chain, std::vector<chain::Address> clouds, const Hosts& hosts, std::uint64_t depth)
    : chain_(chain), clouds_(std::move(clouds)), hosts_(hosts), depth_(depth) {
  record();  // genesis
  chain_.on_sealed([this](const chain::BlockInfo&) { record(); });
}

void ChainView::record() {
  const chain::State& s = chain_.state();
  std::vector<std::uint32_t> f(hosts_.size(), 0);
  for (HostId h = 0; h < hosts_.size(); ++h) {
    const chain::Address cloud = clouds_[hosts_.provider(h)];
    if (!cc::is_active(s, cloud, h)) continue;
    const std::uint64_t cap = cc::resource(s, cloud, h).capacity, used = cc::used_units(s, cloud, h);
    f[h] = static_cast<std::uint32_t>(used < cap ? cap - used : 0);
  }
  free_.push_back(std::move(f));
  while (free_.size() > depth_ + 1) free_.pop_front();
}

std::uint64_t ChainView::free_units(HostId h) const { return free_.front()[h]; }

}  // namespace cansim::cloud
