// The Orchestrator (§5, Figure 5.1).
#include "cansim/orchestration/orchestrator.hpp"

#include <algorithm>

#include <fmt/format.h>


namespace cansim::orchestration {

namespace ac = chain::application;
using cloud::CloudMsg;
using cloud::CloudMsgType;

namespace {

std::string hypervisor_name(cloud::HostId h) { return fmt::format("Hypervisor {}", h); }

}  // namespace

Orchestrators::Orchestrators(OrchestratorContext ctx) : ctx_(std::move(ctx)) {}

Orchestrators::Job* Orchestrators::find(const Key& k, std::uint32_t epoch) {
  auto it = jobs_.find(k);
  return it != jobs_.end() && it->second.epoch == epoch ? &it->second : nullptr;
}

void Orchestrators::start(NodeId c, std::uint32_t work, std::uint32_t progress) {
  const std::size_t r = ctx_.record_of_work(work);
  const AppDescription& rec = ctx_.app(r);
  const std::size_t n = rec.topology->services.size();
  Job j;
  j.app = r;
  j.epoch = next_epoch_++;
  j.fence = ctx_.ocan.assignment_of(c, work);
  // The terms the contract holds, never a configuration of our own (a free read, §4.1).
  const chain::State& state = ctx_.chain.state();
  j.retry_limit = std::max<std::uint64_t>(1, ac::retry_limit(state, rec.address));
  j.app_ok_interval = millis(static_cast<std::int64_t>(std::max<std::uint64_t>(1, ac::app_ok_interval_ms(state, rec.address))));
  j.views.assign(n, ServiceView::Pending);
  j.instances.assign(n, 0);
  j.attempts.assign(n, 0);
  j.busy.assign(n, 0);
  j.claimed.assign(n, SimTime{-1});
  bool ended = false;
  SimTime known{-1};  // when the CAN's checkpoint resumed from was made
  if (progress > 0) {
    if (const CheckpointData* d = ctx_.contents.find(r, progress)) {
      j.views = d->views;
      j.instances = d->instances;
      ended = d->type == CheckpointType::AppShutdown;
      known = d->at;
    }
  }
  // The contract is the durable record and a free read (§4.1). When its newest checkpoint is newer
  // than the CAN's (the CAN's newer ones were lost with their replicas), what it counts up is what
  // the next APP_SHUTDOWN pays for: those services are checked (by service, the instance may be
  // unknown) and reported down if they do not run or came up after the stretch began (a gap the
  // contract did not hear of), never deployed again unseen; the rest are deployed.
  bool recorded_end = ac::is_shutdown(state, rec.address);  // the contract holds an APP_SHUTDOWN
  if (const std::uint64_t count = ac::checkpoint_count(state, rec.address); count > 0) {
    const ac::Checkpoint last = ac::checkpoint(state, rec.address, count - 1);
    recorded_end = recorded_end || last.type == ac::CheckpointType::AppShutdown;
    if (static_cast<std::int64_t>(last.timestamp_ms) * 1000 > known.us) {
      ended = last.type == ac::CheckpointType::AppShutdown;
      const auto since = ac::counted_since(state, rec.address);
      for (std::size_t s = 0; s < n && s < since.size(); ++s) {
        if (!since[s]) {
          j.views[s] = ServiceView::Pending;
          continue;
        }
        j.claimed[s] = millis(static_cast<std::int64_t>(*since[s]));
        if (j.views[s] != ServiceView::Up) {
          j.views[s] = ServiceView::Up;
          j.instances[s] = cloud::kAnyInstance;
        }
      }
    }
  }
  // A destroyed contract (settled and released) reads as ended, not as "not shut down": nothing
  // of it is deployed again (a repeated assignment found it so: orchestration swarm seed 228).
  if (ac::is_destroyed(state, rec.address)) ended = recorded_end = true;
  // Nothing before the job's start: a predecessor's last checkpoint may be committed after the one
  // this job resumed from, but was made before this job's assignment (swarm seeds 2550, 2712).
  j.floor = ctx_.sim.now();
  j.good.assign(n, j.floor);
  const Key k{c, work};
  const std::uint32_t epoch = j.epoch;
  jobs_[k] = std::move(j);
  ctx_.note("OCAN leader", ctx_.name(c),
          progress == 0 ? "AssignWork" : fmt::format("ReassignWork (checkpoint {})", progress), static_cast<std::int64_t>(r));
  if (ended) {
    Job& job = jobs_[k];
    job.shutting_down = true;
    if (!recorded_end) {
      // The CAN's checkpoint ends the application, but the contract has no APP_SHUTDOWN: a
      // replica can outlive the entry its leader lost before committing it. The services are
      // stopped (again), and that very checkpoint (same digest, same time) is reported again
      // before the work is done; otherwise the contract would never end, nor pay.
      stop_services(k);
      job.outbox.push_back({progress, *ctx_.contents.find(r, progress)});
      send_next(k);
      return;
    }
    job.shutdown_committed = true;
    report_done(k, epoch);
    return;
  }
  // What the newest checkpoint says is up is asked for; once it has all been answered, the rest is
  // deployed (a deploy of a service that is live after all is answered with the live instance).
  // Not before: a service found stopped by a predecessor's shutdown ends the application, and its
  // SERVICE_DOWN is stamped when it stopped, which a SERVICE_UP of this job's would have ruled
  // out (stamps never go back; orchestration swarm seed 104429).
  Job& job = jobs_[k];
  job.checking.assign(n, 0);
  for (std::uint32_t s = 0; s < n; ++s) {
    if (job.views[s] == ServiceView::Up) {
      job.checking[s] = 1;
    } else {
      job.views[s] = ServiceView::Pending;
    }
  }
  // Every check marked before the first is sent: an answer must not find the others unmarked.
  for (std::uint32_t s = 0; s < n; ++s) {
    if (job.checking[s] != 0) verify(k, s);
  }
  advance(k);
  ctx_.sim.after(ctx_.cfg.monitor_interval, [this, k, epoch] { monitor(k, epoch); });
  ctx_.sim.after(job.app_ok_interval, [this, k, epoch] { app_ok(k, epoch); });
}

void Orchestrators::stop(NodeId c, std::uint32_t work) {
  auto it = jobs_.find({c, work});
  if (it == jobs_.end()) return;
  ctx_.note("OCAN leader", ctx_.name(c), "Shutdown", static_cast<std::int64_t>(it->second.app));
  jobs_.erase(it);
}

void Orchestrators::on_crash(NodeId c) {
  jobs_.erase(jobs_.lower_bound({c, 0}), jobs_.lower_bound({c + 1, 0}));
  ++lives_[c];  // its Stops still out stand down
}

void Orchestrators::call(const Key& k, const Job& j, cloud::HostId h, CloudMsg m, SimTime timeout, Purpose purpose,
                         std::uint32_t attempt) {
  m.epoch = j.fence;
  send_call(k, j.epoch, j.app, h, std::move(m), timeout, purpose, attempt);
}

void Orchestrators::send_call(const Key& k, std::uint32_t epoch, std::size_t app, cloud::HostId h, CloudMsg m, SimTime timeout,
                              Purpose purpose, std::uint32_t attempt) {
  const std::uint64_t id = first_out_ + out_.size();
  m.request = id;
  out_.push_back(Pending{k, epoch, purpose, m.service, attempt, true, app, m.epoch});
  auto lane = std::find_if(lanes_.begin(), lanes_.end(), [&](const Lane& l) { return l.timeout == timeout; });
  if (lane == lanes_.end()) lane = lanes_.insert(lanes_.end(), Lane{timeout, {}});
  lane->due.emplace_back(ctx_.sim.now() + timeout, id);
  arm_timer();
  ctx_.send(k.first, h, std::move(m));
}

Orchestrators::Lane* Orchestrators::earliest() {
  Lane* first = nullptr;
  for (Lane& l : lanes_) {
    if (!l.due.empty() && (first == nullptr || l.due.front() < first->due.front())) first = &l;
  }
  return first;
}

void Orchestrators::arm_timer() {
  // Deadlines of answered requests go now, so that the timer waits for the earliest request still
  // out (answers come in milliseconds: it then wakes about once per timeout, not once per request).
  for (Lane& l : lanes_) {
    while (!l.due.empty() && !open(l.due.front().second)) l.due.pop_front();
  }
  const Lane* lane = earliest();
  if (lane == nullptr) return;
  const SimTime first = lane->due.front().first;
  if (timer_at_.us >= 0 && timer_at_ <= first) return;  // armed early enough
  if (timer_at_.us >= 0) ctx_.sim.cancel(timer_);
  timer_at_ = first;
  timer_ = ctx_.sim.at(first, [this] {
    timer_at_ = SimTime{-1};
    expire_due();
    arm_timer();
  });
}

void Orchestrators::expire_due() {
  // In deadline order, then request order: the order per-request timers would have run in.
  for (Lane* l = earliest(); l != nullptr && l->due.front().first <= ctx_.sim.now(); l = earliest()) {
    const std::uint64_t id = l->due.front().second;
    l->due.pop_front();
    answered(id, nullptr);
  }
}

bool Orchestrators::open(std::uint64_t request) const {
  return request >= first_out_ && request < first_out_ + out_.size() && out_[request - first_out_].open;
}

void Orchestrators::answered(std::uint64_t request, const CloudMsg* reply) {
  if (!open(request)) return;  // unknown, late, or answered already
  Pending& slot = out_[request - first_out_];
  slot.open = false;
  const Pending p = slot;
  while (!out_.empty() && !out_.front().open) {
    out_.pop_front();
    ++first_out_;
  }
  if (p.purpose == Purpose::Stop) return on_stop(p, reply);
  if (find(p.key, p.epoch) == nullptr) return;  // the job ended meanwhile
  if (reply != nullptr && reply->fenced) return fenced(p.key, p.epoch);
  switch (p.purpose) {
    case Purpose::Deploy: return on_deployed(p.key, p.service, reply);
    case Purpose::DeployCheck: return on_deployed(p.key, p.service, reply, true);
    case Purpose::Status: return on_status(p.key, p.service, reply, p.attempt);
    case Purpose::Stop:
    case Purpose::Reconfigure: return;  // nothing follows
  }
}

void Orchestrators::receive(NodeId c, NodeId, const CloudMsg& m) {
  if (m.type == CloudMsgType::ShutdownApp) {
    // Its job of that application, if c still has one (else the Gateway asks again).
    for (auto it = jobs_.lower_bound({c, 0}); it != jobs_.end() && it->first.first == c; ++it) {
      if (app_of(it->second).address.id != m.app) continue;
      ended_by_client(it->second.app);
      return shut_down(it->first, "the client ends it");
    }
    return;
  }
  answered(m.request, &m);
}

SimTime Orchestrators::deploy_timeout(const Job& j, std::uint32_t s) const {
  const SimTime mean = ctx_.deploy_mean(app_of(j).hosts[s]);
  return SimTime{static_cast<std::int64_t>(static_cast<double>(mean.us) * ctx_.cfg.deploy_timeout_factor)} + ctx_.cfg.status_timeout;
}

void Orchestrators::advance(const Key& k) {
  Job& j = jobs_.at(k);
  if (j.shutting_down || std::any_of(j.checking.begin(), j.checking.end(), [](std::uint8_t c) { return c != 0; })) return;
  const app::Topology& t = *app_of(j).topology;
  for (std::size_t s : t.order) {
    if (j.views[s] != ServiceView::Pending || j.busy[s]) continue;
    const auto& deps = t.services[s].depends_on;
    const bool ready = std::all_of(deps.begin(), deps.end(), [&](std::size_t d) { return j.views[d] == ServiceView::Up; });
    if (ready) deploy(k, static_cast<std::uint32_t>(s));
  }
  if (std::all_of(j.views.begin(), j.views.end(), [](ServiceView v) { return v == ServiceView::Up; })) all_up(j.app);
}

void Orchestrators::deploy(const Key& k, std::uint32_t s) {
  Job& j = jobs_.at(k);
  const AppDescription& rec = app_of(j);
  // The contract is read before every deploy (a free read), not only at the monitor's round: a
  // retry right after the contract ended deployed again (orchestration swarm seed 101783).
  if (ac::has_ended(ctx_.chain.state(), rec.address)) return shut_down(k, "the contract shut it down");
  j.busy[s] = 1;
  j.views[s] = ServiceView::Deploying;
  ++deploys_;
  CloudMsg m;
  m.type = CloudMsgType::Deploy;
  m.app = rec.address.id;
  m.service = s;
  const cloud::HostId h = rec.hosts[s];
  ctx_.note(ctx_.name(k.first), hypervisor_name(h), fmt::format("deploy {}", rec.topology->services[s].name),
          static_cast<std::int64_t>(j.app));
  call(k, j, h, m, deploy_timeout(j, s), Purpose::Deploy);
}

void Orchestrators::on_deployed(const Key& k, std::uint32_t s, const CloudMsg* r, bool checked) {
  Job& j = jobs_.at(k);
  if (r == nullptr && !checked) {
    // No answer: the deploy may have succeeded and its answer been lost. The service's status is
    // asked for (by service: the instance is unknown) before the deploy counts as failed.
    ++status_checks_;
    CloudMsg m;
    m.type = CloudMsgType::Status;
    m.app = app_of(j).address.id;
    m.service = s;
    m.instance = cloud::kAnyInstance;
    return call(k, j, app_of(j).hosts[s], m, ctx_.cfg.status_timeout, Purpose::DeployCheck);
  }
  j.busy[s] = 0;
  const AppDescription& rec = app_of(j);
  const cloud::HostId h = rec.hosts[s];
  if (r != nullptr && r->ok) {
    j.views[s] = ServiceView::Up;
    j.instances[s] = r->instance;
    j.attempts[s] = 0;
    j.good[s] = ctx_.sim.now();
    j.claimed[s] = SimTime{-1};  // its SERVICE_UP starts the stretch again
    ctx_.note(hypervisor_name(h), ctx_.name(k.first),
            fmt::format("{} up (instance {})", rec.topology->services[s].name, r->instance), static_cast<std::int64_t>(j.app));
    checkpoint(k, CheckpointType::ServiceUp, s);
    // The dependants already up learn the new endpoint.
    const app::Topology& t = *rec.topology;
    for (std::uint32_t d = 0; d < t.services.size(); ++d) {
      const auto& deps = t.services[d].depends_on;
      if (j.views[d] != ServiceView::Up || std::find(deps.begin(), deps.end(), s) == deps.end()) continue;
      CloudMsg re;
      re.type = CloudMsgType::Reconfigure;
      re.app = rec.address.id;
      re.service = s;
      re.instance = j.instances[d];
      call(k, j, rec.hosts[d], re, ctx_.cfg.status_timeout + ctx_.reconfigure_time, Purpose::Reconfigure);
    }
    advance(k);
    return;
  }
  j.views[s] = ServiceView::Pending;
  if (++j.attempts[s] >= j.retry_limit) return shut_down(k, "the retries are exhausted");
  ctx_.sim.after(ctx_.cfg.retry_delay, [this, k, epoch = j.epoch] {
    if (find(k, epoch) != nullptr) advance(k);
  });
}

void Orchestrators::verify(const Key& k, std::uint32_t s, std::uint32_t attempt) { verify(k, jobs_.at(k), s, attempt); }

void Orchestrators::verify(const Key& k, Job& j, std::uint32_t s, std::uint32_t attempt) {
  j.busy[s] = 1;
  ++status_checks_;
  CloudMsg m;
  m.type = CloudMsgType::Status;
  m.app = app_of(j).address.id;
  m.service = s;
  m.instance = j.instances[s];
  call(k, j, app_of(j).hosts[s], m, ctx_.cfg.status_timeout, Purpose::Status, attempt);
}

void Orchestrators::on_status(const Key& k, std::uint32_t s, const CloudMsg* r, std::uint32_t attempt) {
  Job& j = jobs_.at(k);
  j.busy[s] = 0;
  if (r == nullptr && attempt + 1 < ctx_.cfg.status_attempts) return verify(k, s, attempt + 1);  // silent: ask again
  judge_status(k, s, r);
  Job& after = jobs_.at(k);
  if (s < after.checking.size() && after.checking[s] != 0) {
    after.checking[s] = 0;
    advance(k);  // once what runs is known, the rest is deployed
  }
}

void Orchestrators::judge_status(const Key& k, std::uint32_t s, const CloudMsg* r) {
  Job& j = jobs_.at(k);
  // Stopped, not failed: a predecessor was ending the application (the client's end, or its
  // retries) and crashed before its APP_SHUTDOWN was committed. It is ended, not redeployed.
  if (r != nullptr && r->stopped) return shut_down(k, "its services were stopped: the application is ending");
  if (r == nullptr || !r->ok) return service_down(k, s);
  j.instances[s] = r->instance;  // known now, if it was not
  if (j.claimed[s].us >= 0) {
    // Up since the stretch began: the contract's count holds. Up only since later: the service
    // was down meanwhile and the reports of it were lost; it is reported down (and found up again).
    // The contract keeps whole milliseconds: the stretch began within the millisecond after.
    if (r->since >= j.claimed[s] + millis(1)) return service_down(k, s);
    j.claimed[s] = SimTime{-1};
  }
  j.good[s] = ctx_.sim.now();
}

void Orchestrators::service_down(const Key& k, std::uint32_t s) {
  Job& j = jobs_.at(k);
  if (j.views[s] != ServiceView::Up || j.shutting_down) return;
  const AppDescription& rec = app_of(j);
  // §5: the SERVICE_DOWN is checkpointed first; the redeploy waits for its commit (send_next), so
  // that an Orchestrator the OCAN no longer counts on (its checkpoint is refused) deploys nothing.
  j.views[s] = ServiceView::Down;
  failed(j.app, s, j.claimed[s], true);
  j.claimed[s] = SimTime{-1};  // this SERVICE_DOWN ends the stretch taken from the contract
  ctx_.note(ctx_.name(k.first), ctx_.name(k.first), fmt::format("{} failed", rec.topology->services[s].name),
          static_cast<std::int64_t>(j.app));
  checkpoint(k, CheckpointType::ServiceDown, s, j.good[s]);
}

void Orchestrators::ended_before_stop(const Key& k, std::uint32_t s, const cloud::CloudMsg& reply) {
  // Believed up when the shutdown began, its Stop found nothing to stop: it had failed after its
  // last good status, or a predecessor had stopped it (and crashed before its APP_SHUTDOWN). Its
  // stretch ended then, not at this shutdown: stops_done reports it down as of then before the
  // APP_SHUTDOWN, which would otherwise pay it up to the shutdown (issue 30; scenario
  // orchestration, runs 141 and 148).
  Job& j = jobs_.at(k);
  const AppDescription& rec = app_of(j);
  if (reply.stopped) {
    // Stopped by this shutdown's Stop: its stretch ends with the APP_SHUTDOWN, as it should. By a
    // predecessor's: it ended then, which may be before this job began. That predecessor stamped
    // nothing later than its shutdown, the Stop's start, nor did any before it: the stamp cannot
    // go back on theirs (swarm seeds 2550 and 2712 are why a job stamps nothing before its start).
    if (reply.since < j.shutdown_at) j.ended_unseen[s] = reply.since;
    return;
  }
  failed(j.app, s, j.claimed[s], false);
  j.ended_unseen[s] = j.good[s];
  ctx_.note(ctx_.name(k.first), ctx_.name(k.first),
          fmt::format("{} failed (nothing to stop)", rec.topology->services[s].name), static_cast<std::int64_t>(j.app));
}

void Orchestrators::monitor(const Key& k, std::uint32_t epoch) {
  Job* j = find(k, epoch);
  if (j == nullptr) return;
  ctx_.sim.after(ctx_.cfg.monitor_interval, [this, k, epoch] { monitor(k, epoch); });
  if (j->shutting_down) return;
  if (ac::has_ended(ctx_.chain.state(), app_of(*j).address)) return shut_down(k, "the contract shut it down");
  for (std::uint32_t s = 0; s < j->views.size(); ++s) {
    if (j->views[s] == ServiceView::Up && !j->busy[s]) verify(k, *j, s);
  }
}

void Orchestrators::app_ok(const Key& k, std::uint32_t epoch) {
  Job* j = find(k, epoch);
  if (j == nullptr) return;
  ctx_.sim.after(j->app_ok_interval, [this, k, epoch] { app_ok(k, epoch); });
  const bool all_up = std::all_of(j->views.begin(), j->views.end(), [](ServiceView v) { return v == ServiceView::Up; });
  if (!j->shutting_down && all_up) checkpoint(k, CheckpointType::AppOk, 0);
}

void Orchestrators::shut_down(const Key& k, const char* why) {
  Job& j = jobs_.at(k);
  if (j.shutting_down) return;
  j.shutting_down = true;
  j.shutdown_at = ctx_.sim.now();
  ctx_.note(ctx_.name(k.first), ctx_.name(k.first), fmt::format("shut down: {}", why),
          static_cast<std::int64_t>(j.app));
  stop_services(k);
  // The APP_SHUTDOWN is reported once the services are stopped (§5.1: the shutdown releases their
  // resources), or once the wait for it is over.
  const std::uint32_t epoch = j.epoch;
  ctx_.sim.after(ctx_.cfg.stop_wait, [this, k, epoch] { stops_done(k, epoch); });
}

void Orchestrators::stops_done(const Key& k, std::uint32_t epoch) {
  Job* j = find(k, epoch);
  if (j == nullptr || j->stops_done) return;
  j->stops_done = true;
  if (ac::has_ended(ctx_.chain.state(), app_of(*j).address)) {
    // The contract ended it (its funds ran out): an APP_SHUTDOWN would be refused.
    j->shutdown_committed = true;
    report_done(k, epoch);
    return;
  }
  // Services that had ended unseen before the Stops reached them are reported down first, in the
  // order they ended; then the APP_SHUTDOWN, stamped when the services were told to stop: the
  // client does not pay for the wait.
  std::vector<std::uint32_t> ended;
  for (std::uint32_t s = 0; s < j->ended_unseen.size(); ++s) {
    if (j->ended_unseen[s].us >= 0) ended.push_back(s);
  }
  std::stable_sort(ended.begin(), ended.end(), [j](std::uint32_t a, std::uint32_t b) { return j->ended_unseen[a] < j->ended_unseen[b]; });
  for (std::uint32_t s : ended) checkpoint(k, CheckpointType::ServiceDown, s, j->ended_unseen[s], true);
  checkpoint(k, CheckpointType::AppShutdown, 0, j->shutdown_at);
}

void Orchestrators::stop_services(const Key& k) {
  Job& j = jobs_.at(k);
  j.stopped.assign(j.views.size(), 0);
  j.was_up.assign(j.views.size(), 0);
  j.ended_unseen.assign(j.views.size(), SimTime{-1});
  for (std::uint32_t s = 0; s < j.views.size(); ++s) {
    j.was_up[s] = j.views[s] == ServiceView::Up ? 1 : 0;
    send_stop(k, j.app, s, 0, j.fence);
    j.views[s] = ServiceView::Down;
  }
}

void Orchestrators::send_stop(const Key& k, std::size_t app, std::uint32_t s, std::uint32_t attempt, std::uint32_t fence) {
  const AppDescription& rec = ctx_.app(app);
  CloudMsg m;
  m.type = CloudMsgType::Stop;
  m.app = rec.address.id;
  m.service = s;
  m.epoch = fence;
  // The instance it believes up, so that "nothing to stop" says whether that one failed.
  const auto it = jobs_.find(k);
  const bool up = it != jobs_.end() && it->second.app == app && s < it->second.was_up.size() && it->second.was_up[s] != 0;
  m.instance = up ? it->second.instances[s] : cloud::kAnyInstance;
  send_call(k, life(k.first), app, rec.hosts[s], m, ctx_.cfg.status_timeout, Purpose::Stop, attempt);
}

void Orchestrators::fenced(const Key& k, std::uint32_t epoch) {
  Job* j = find(k, epoch);
  if (j == nullptr) return;
  ctx_.note(ctx_.name(k.first), ctx_.name(k.first), "fenced: the work is another's",
          static_cast<std::int64_t>(j->app));
  jobs_.erase(k);
}

void Orchestrators::on_stop(const Pending& p, const CloudMsg* reply) {
  // A Stop is asked again, at growing intervals up to a minute, until the hypervisor answers it
  // (stopped, or nothing to stop: the host crashed meanwhile), while the job that sent it still
  // holds the work. Once the work is another's (a successor's, or finished with the APP_SHUTDOWN
  // on chain) asking on would be a foreign call (orchestration swarm seed 1775): the successor
  // stops what runs, and the hypervisors stop what runs of ended applications themselves.
  if (reply != nullptr) {
    auto it = jobs_.find(p.key);
    if (it == jobs_.end() || it->second.app != p.app || !it->second.shutting_down) return;
    Job& j = it->second;
    if (reply->fenced) return fenced(p.key, j.epoch);
    if (p.service < j.stopped.size() && j.stopped[p.service] == 0) {
      j.stopped[p.service] = 1;
      if (j.was_up[p.service] != 0 && !j.stops_done) ended_before_stop(p.key, p.service, *reply);
    }
    if (std::all_of(j.stopped.begin(), j.stopped.end(), [](std::uint8_t x) { return x != 0; })) stops_done(p.key, j.epoch);
    return;
  }
  if (p.epoch != life(p.key.first) || !ctx_.is_up(p.key.first)) return;
  const std::size_t app = p.app;
  const std::uint32_t s = p.service, attempt = p.attempt + 1, fence = p.fence;
  const SimTime wait = std::min(seconds(60), ctx_.cfg.status_timeout * (std::int64_t{1} << std::min<std::uint32_t>(attempt, 5)));
  ctx_.sim.after(wait, [this, k = p.key, app, s, attempt, fence, life = p.epoch] {
    if (life != this->life(k.first) || !ctx_.is_up(k.first)) return;
    const auto it = jobs_.find(k);
    if (it == jobs_.end() || it->second.app != app || it->second.fence != fence) return;
    // Once the contract holds the APP_SHUTDOWN (or is destroyed), the hypervisors stop what runs
    // of it themselves (they read the chain): asking on would only be another's business by then.
    const chain::State& st = ctx_.chain.state();
    if (ac::has_ended(st, ctx_.app(app).address)) return;
    send_stop(k, app, s, attempt, fence);
  });
}

void Orchestrators::checkpoint(const Key& k, CheckpointType type, std::uint32_t service, SimTime at, bool before_start) {
  Job& j = jobs_.at(k);
  if (at.us < 0) at = ctx_.sim.now();
  at = std::max(at, before_start ? j.stamped : j.floor);
  j.floor = std::max(j.floor, at);
  j.stamped = at;
  j.outbox.push_back({0, CheckpointData{type, service, at, k.first, j.views, j.instances}});
  send_next(k);
}

void Orchestrators::send_next(const Key& k) {
  Job& j = jobs_.at(k);
  if (j.sending || j.outbox.empty()) return;
  j.sending = true;
  // Each checkpoint's data gets a fresh digest (its progress number) the first time it is sent,
  // and keeps it when sent again: a repeated report of a committed one is acknowledged again.
  auto& [key, d] = j.outbox.front();
  if (key == 0) key = ctx_.contents.add(j.app, d);
  ctx_.note(ctx_.name(k.first), "OCAN leader", fmt::format("CheckpointWork {}", checkpoint_label(d.type)),
          static_cast<std::int64_t>(j.app));
  const std::uint32_t epoch = j.epoch;
  ctx_.ocan.checkpoint(k.first, k.second, key, [this, k, epoch](bool ok) {
    Job* j = find(k, epoch);
    if (j == nullptr) return;
    j->sending = false;
    if (!ok) {
      const SimTime wait =
          std::min(ctx_.cfg.checkpoint_retry_max, ctx_.cfg.checkpoint_retry * (std::int64_t{1} << std::min<std::uint32_t>(j->send_failures, 10)));
      ++j->send_failures;
      ctx_.sim.after(wait, [this, k, epoch] {
        if (find(k, epoch) != nullptr) send_next(k);
      });
      return;
    }
    j->send_failures = 0;
    const CheckpointType type = j->outbox.front().second.type;
    const std::uint32_t service = j->outbox.front().second.service;
    const SimTime stamped = j->outbox.front().second.at;
    j->outbox.pop_front();
    if (type == CheckpointType::ServiceDown && !j->shutting_down && j->views[service] == ServiceView::Down) {
      j->views[service] = ServiceView::Pending;  // committed: now it is redeployed
      advance(k);
      j = find(k, epoch);
      if (j == nullptr) return;
    }
    if (type == CheckpointType::AppShutdown) {
      j->shutdown_committed = true;
      shutdown_committed(j->app, stamped);
      report_done(k, epoch);
    }
    send_next(k);
  });
}

void Orchestrators::report_done(const Key& k, std::uint32_t epoch) {
  if (find(k, epoch) == nullptr) return;
  ctx_.ocan.work_done(k.first, k.second);
  ctx_.sim.after(ctx_.cfg.monitor_interval, [this, k, epoch] { report_done(k, epoch); });
}

}  // namespace cansim::orchestration
