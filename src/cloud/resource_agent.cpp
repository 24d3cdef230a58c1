#include "cansim/cloud/resource_agent.hpp"

namespace cansim::cloud {

ResourceAgents::ResourceAgents(Simulator& sim, Network<CloudMsg>& net, const Hosts& hosts, AgentConfig cfg, Rng rng,
                               std::function<NodeId(std::uint32_t)> pnp_node)
    : sim_(sim), net_(net), hosts_(hosts), cfg_(cfg), rng_(rng), pnp_node_(std::move(pnp_node)) {
  // Which endpoints are broken is drawn once, host by host, so that it does not depend on timing.
  Rng broken = rng_.stream("broken-endpoints");
  for (HostId h = 0; h < hosts_.size(); ++h) {
    api_ok_.push_back(broken.bernoulli(cfg_.broken_api_share) ? 0 : 1);
    telemetry_ok_.push_back(broken.bernoulli(cfg_.broken_telemetry_share) ? 0 : 1);
  }
  epoch_.assign(hosts_.size(), 0);
  attempt_.assign(hosts_.size(), 0);
  joined_.assign(hosts_.size(), 0);
}

void ResourceAgents::ask_join(HostId h) {
  CloudMsg m;
  m.type = CloudMsgType::JoinRequest;
  m.host = h;
  net_.send(h, pnp_node_(hosts_.provider(h)), std::move(m));
  // The request or its answer may be lost: without an answer that it joined, ask again later.
  const std::uint32_t attempt = ++attempt_[h];
  sim_.after(cfg_.rejoin_after, [this, h, attempt] {
    if (attempt == attempt_[h] && !joined_[h] && net_.is_up(h)) ask_join(h);
  });
}

void ResourceAgents::receive(HostId h, const CloudMsg& m) {
  const NodeId pnp = pnp_node_(hosts_.provider(h));
  CloudMsg reply;
  reply.request = m.request;
  reply.host = h;
  switch (m.type) {
    case CloudMsgType::ProbeApi:
      if (!api_ok_[h]) return;  // a broken API stays silent
      reply.type = CloudMsgType::ApiOk;
      net_.send(h, pnp, std::move(reply));
      return;
    case CloudMsgType::ProbeTelemetry:
      if (!telemetry_ok_[h]) return;
      reply.type = CloudMsgType::TelemetryOk;
      net_.send(h, pnp, std::move(reply));
      return;
    case CloudMsgType::JoinRefused:  // refused, or deregistered: no more telemetry; the retry asks again
      if (joined_[h]) {
        joined_[h] = 0;
        ++epoch_[h];
        ask_join_later(h);
      }
      return;
    case CloudMsgType::Joined: {
      if (joined_[h]) return;  // an answer to a repeated request
      joined_[h] = 1;
      const std::uint32_t epoch = ++epoch_[h];
      // The first report at a random phase, so that 10^4 hosts do not report in the same µs.
      sim_.after(SimTime{1 + static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(cfg_.telemetry_interval.us)))},
                 [this, h, epoch] { report(h, epoch); });
      return;
    }
    default: return;
  }
}

void ResourceAgents::report(HostId h, std::uint32_t epoch) {
  if (epoch != epoch_[h] || !net_.is_up(h)) return;
  if (telemetry_ok_[h]) {
    CloudMsg m;
    m.type = CloudMsgType::Telemetry;
    m.host = h;
    net_.send(h, pnp_node_(hosts_.provider(h)), std::move(m));
  }
  sim_.after(cfg_.telemetry_interval, [this, h, epoch] { report(h, epoch); });
}

void ResourceAgents::ask_join_later(HostId h) {
  const std::uint32_t attempt = ++attempt_[h];
  sim_.after(cfg_.rejoin_after, [this, h, attempt] {
    if (attempt == attempt_[h] && !joined_[h] && net_.is_up(h)) ask_join(h);
  });
}

void ResourceAgents::on_crash(HostId h) {
  ++epoch_[h];
  ++attempt_[h];
  joined_[h] = 0;
}

void ResourceAgents::on_recover(HostId h) { ask_join(h); }

}  // namespace cansim::cloud
