#include "orchestration_params.hpp"

#include <cmath>
#include <map>

#include <fmt/format.h>

#include "can_params.hpp"
#include "cansim/scenario/gas_report.hpp"
#include "cloud_params.hpp"
#include "experiments.hpp"

namespace cansim::scenario {

namespace {

SimTime secs(const ParamValues& p, const std::string& name) {
  return SimTime{static_cast<std::int64_t>(std::llround(p.real(name) * 1e6))};
}
double per_s(const ParamValues& p, const std::string& per_hour) { return p.real(per_hour) / 3600.0; }

}  // namespace

std::vector<ParamSpec> orchestration_params() {
  // Every default is the configuration's, declared once there (as can_timing_params does).
  const orchestration::OrchestrationConfig d;
  const auto seconds_of = [](SimTime t) { return t.to_seconds(); };
  const auto per_hour = [](double per_s) { return per_s * 3600; };
  std::vector<ParamSpec> out = {
      // The OCAN (§5): the CAN protocols' timing.
      ParamSpec::integer("members", "OCAN members; the first is the appointed leader").at_least(1).at_most(1000).def(std::int64_t{d.members}),
      ParamSpec::real(
          "member_rejoin_s",
          "a member up but voted out of the OCAN (while it was down or cut off) asks to join again this often; 0: it stays out")
          .at_least(0)
          .at_most(1e7)
          .def(seconds_of(d.can.rejoin_interval))
          .in_unit("s"),
      ParamSpec::integer("orchestrators", "Orchestrators, the OCAN's components")
          .at_least(1)
          .at_most(10000)
          .def(std::int64_t{d.orchestrators}),
  };
  for (ParamSpec& s : can_timing_params("; also the OCAN leader's duty cycle")) out.push_back(std::move(s));
  const std::vector<ParamSpec> rest = {
      ParamSpec::integer("replication", "copies of each checkpoint in the OCAN's store")
          .at_least(1)
          .at_most(1000)
          .def(std::int64_t{d.can.replication}),
      ParamSpec::probability("loss", "probability that a message (OCAN's or cloud's network) is lost").def(d.cloud.link.loss),
      // The Orchestrator.
      ParamSpec::real("monitor_interval_s", "an Orchestrator checks every service's status this often")
          .at_least(0.001)
          .at_most(1e7)
          .def(seconds_of(d.monitor_interval))
          .in_unit("s"),
      ParamSpec::real("status_timeout_s", "a status check unanswered this long is asked again, or counts as a failure")
          .at_least(0.001)
          .at_most(1e7)
          .def(seconds_of(d.status_timeout))
          .in_unit("s"),
      ParamSpec::integer("status_attempts",
                         "status checks of a silent service before it counts as failed (a lost message alone "
                         "should not redeploy)")
          .at_least(1)
          .at_most(100)
          .def(std::int64_t{d.status_attempts}),
      ParamSpec::real("deploy_timeout_factor", "a deploy unanswered after this many mean deploy times failed")
          .at_least(1)
          .at_most(1e3)
          .def(d.deploy_timeout_factor),
      ParamSpec::real("retry_delay_s", "between a failed deploy and the next try").at_least(0).at_most(1e7).def(seconds_of(d.retry_delay)).in_unit("s"),
      ParamSpec::real("stop_wait_s",
                      "at the end, the APP_SHUTDOWN waits for every service's Stop to be confirmed, at most this long")
          .at_least(0)
          .at_most(1e6)
          .def(seconds_of(d.stop_wait))
          .in_unit("s"),
      // Hypervisors (§2).
      ParamSpec::real("container_deploy_s", "mean deploy time of a container (log-normal)")
          .above(0)
          .at_most(1e6)
          .def(seconds_of(d.cloud.hypervisor.times[1].deploy_mean))
          .in_unit("s"),
      ParamSpec::real("vm_deploy_s", "mean deploy time of a VM (log-normal)").above(0).at_most(1e6).def(seconds_of(d.cloud.hypervisor.times[0].deploy_mean)).in_unit("s"),
      ParamSpec::real("bare_metal_deploy_s", "mean deploy time on bare metal (log-normal)")
          .above(0)
          .at_most(1e6)
          .def(seconds_of(d.cloud.hypervisor.times[2].deploy_mean))
          .in_unit("s"),
      // One spread for every kind (the model's own defaults differ by kind): a container's.
      ParamSpec::real("deploy_cv", "coefficient of variation of every deploy time (0: always the mean)")
          .at_least(0)
          .at_most(10)
          .def(d.cloud.hypervisor.times[1].deploy_cv),
      // The Application contract's terms (§5, §5.1), signed by the Scheduler.
      ParamSpec::real("app_ok_interval_s", "APP_OK checkpoint interval the contract sets")
          .at_least(1)
          .at_most(1e7)
          .def(static_cast<double>(d.cloud.app_ok_interval_ms) / 1000)
          .in_unit("s"),
      ParamSpec::integer("retry_limit", "failed deploys of a service in a row before APP_SHUTDOWN (the contract's)")
          .at_least(1)
          .at_most(1000)
          .def(static_cast<std::int64_t>(d.cloud.retry_limit)),
      ParamSpec::integer("max_failed_payments", "interim payments in a row that pay nothing before the contract shuts down")
          .at_least(1)
          .at_most(1000)
          .def(static_cast<std::int64_t>(d.cloud.max_failed_payments)),
      ParamSpec::integer("orchestration_price", "the Orchestrators' price per service")
          .at_least(0)
          .at_most(1e15)
          .def(static_cast<std::int64_t>(d.cloud.orchestration_price_per_minute))
          .in_unit("wei/min"),
      ParamSpec::integer("ften_price", "the OCAN's (FTEN) price per service, paid to the Registry")
          .at_least(0)
          .at_most(1e15)
          .def(static_cast<std::int64_t>(d.ften_price_per_minute))
          .in_unit("wei/min"),
      ParamSpec::real("deposit_wei", "what each client deposits in its Application contract")
          .at_least(0)
          .at_most(1e30)
          .def(static_cast<double>(d.gateway.deposit))
          .in_unit("wei"),
      // Payments (§5.1).
      ParamSpec::real("payment_interval_s", "the OCAN leader calls interimPayment on each application this often")
          .at_least(1)
          .at_most(1e8)
          .def(seconds_of(d.payment_interval))
          .in_unit("s"),
      ParamSpec::integer("payment_gas_budget",
                         "gas the leader allows an interimPayment; k is the largest that fits (at least what one "
                         "checkpoint of the largest application can cost)")
          .at_least(21000)
          .at_most(1e12)
          .def(static_cast<std::int64_t>(d.payment_gas_budget)),
      ParamSpec::integer("checkpoint_gas_limit",
                         "gas limit of each addCheckpoint the leader sends (at least what the first of an "
                         "application takes)")
          .at_least(static_cast<double>(chain::add_checkpoint_gas()))
          .at_most(1e9)
          .def(static_cast<std::int64_t>(d.checkpoint_gas_limit)),
      ParamSpec::probability("missing_block_share", "probability that a block slot passes without a block").def(d.cloud.chain.missing_block_probability),
      ParamSpec::boolean("payees_withdraw", "at the end, payees that sign withdraw (else destroy sends them their salary)")
          .def(d.payees_withdraw),
      // Failures (rates per hour, per part; 0: none).
      ParamSpec::real("orchestrator_failures_per_h", "crash rate of each Orchestrator")
          .at_least(0)
          .at_most(3.6e6)
          .def(per_hour(d.orchestrator_crash_rate))
          .in_unit("1/h"),
      ParamSpec::real("orchestrator_recoveries_per_h", "recovery rate of a crashed Orchestrator (0: stays down)")
          .at_least(0)
          .at_most(3.6e6)
          .def(per_hour(d.orchestrator_recovery_rate))
          .in_unit("1/h"),
      ParamSpec::real("member_failures_per_h", "crash rate of each OCAN member, the leader included")
          .at_least(0)
          .at_most(3.6e6)
          .def(per_hour(d.member_crash_rate))
          .in_unit("1/h"),
      ParamSpec::real("member_recoveries_per_h", "recovery rate of a crashed member")
          .at_least(0)
          .at_most(3.6e6)
          .def(per_hour(d.member_recovery_rate))
          .in_unit("1/h"),
      ParamSpec::real("host_failures_per_h", "crash rate of each host (every instance on it dies)")
          .at_least(0)
          .at_most(3.6e6)
          .def(per_hour(d.host_crash_rate))
          .in_unit("1/h"),
      ParamSpec::real("host_recoveries_per_h", "recovery rate of a crashed host")
          .at_least(0)
          .at_most(3.6e6)
          .def(per_hour(d.host_recovery_rate))
          .in_unit("1/h"),
      ParamSpec::real("hypervisor_failures_per_h", "crash rate of each host's hypervisor API")
          .at_least(0)
          .at_most(3.6e6)
          .def(per_hour(d.api_crash_rate))
          .in_unit("1/h"),
      ParamSpec::real("hypervisor_recoveries_per_h", "recovery rate of a crashed hypervisor API")
          .at_least(0)
          .at_most(3.6e6)
          .def(per_hour(d.api_recovery_rate))
          .in_unit("1/h"),
      ParamSpec::boolean("instances_survive_hypervisor_crash", "a hypervisor's crash leaves its instances running").def(d.cloud.hypervisor.instances_survive_api_crash),
      ParamSpec::boolean("hypervisors_read_assignments",
                         "a hypervisor refuses calls under an older assignment than the OCAN's committed one (a free "
                         "read); off: only older than the calls it saw")
          .def(d.cloud.hypervisor.read_assignments),
      ParamSpec::real("service_failures_per_h", "failure rate of each running service instance")
          .at_least(0)
          .at_most(3.6e6)
          .def(per_hour(d.cloud.hypervisor.service_failure_rate_per_s))
          .in_unit("1/h"),
  };
  out.insert(out.end(), rest.begin(), rest.end());
  // The cloud's parameters, but for the network's loss (shared above).
  for (ParamSpec& s : cloud_params()) out.push_back(std::move(s));
  return out;
}

orchestration::OrchestrationConfig orchestration_config(const ParamValues& p, const FaultPlan& faults) {
  orchestration::OrchestrationConfig c;
  c.cloud = cloud_config(p);
  c.gateway = gateway_config(p);
  c.gateway.deposit = static_cast<chain::Wei>(p.real("deposit_wei"));
  c.cloud.link.loss = p.real("loss");
  c.cloud.link = with_faults(c.cloud.link, faults);
  c.cloud.orchestration_price_per_minute = static_cast<chain::Wei>(p.integer("orchestration_price"));
  c.cloud.retry_limit = static_cast<std::uint64_t>(p.integer("retry_limit"));
  c.cloud.app_ok_interval_ms = static_cast<std::uint64_t>(std::llround(p.real("app_ok_interval_s") * 1000));
  c.cloud.max_failed_payments = static_cast<std::uint64_t>(p.integer("max_failed_payments"));
  c.ften_price_per_minute = static_cast<chain::Wei>(p.integer("ften_price"));
  const char* kinds[] = {"vm", "container", "bare_metal"};
  for (std::size_t k = 0; k < 3; ++k) {
    c.cloud.hypervisor.times[k].deploy_mean = secs(p, fmt::format("{}_deploy_s", kinds[k]));
    c.cloud.hypervisor.times[k].deploy_cv = p.real("deploy_cv");
  }
  c.cloud.hypervisor.service_failure_rate_per_s = per_s(p, "service_failures_per_h");
  c.cloud.hypervisor.instances_survive_api_crash = p.boolean("instances_survive_hypervisor_crash");
  c.cloud.hypervisor.read_assignments = p.boolean("hypervisors_read_assignments");
  c.members = static_cast<std::uint32_t>(p.integer("members"));
  c.orchestrators = static_cast<std::uint32_t>(p.integer("orchestrators"));
  c.can = can_config(p);
  c.can.rejoin_interval = secs(p, "member_rejoin_s");
  c.can.replication = static_cast<std::uint32_t>(p.integer("replication"));
  c.ocan_link = c.cloud.link;
  c.monitor_interval = secs(p, "monitor_interval_s");
  c.status_timeout = secs(p, "status_timeout_s");
  c.status_attempts = static_cast<std::uint32_t>(p.integer("status_attempts"));
  c.deploy_timeout_factor = p.real("deploy_timeout_factor");
  c.retry_delay = secs(p, "retry_delay_s");
  c.stop_wait = secs(p, "stop_wait_s");
  c.payment_interval = secs(p, "payment_interval_s");
  c.payment_gas_budget = static_cast<chain::Gas>(p.integer("payment_gas_budget"));
  c.payees_withdraw = p.boolean("payees_withdraw");
  c.checkpoint_gas_limit = static_cast<chain::Gas>(p.integer("checkpoint_gas_limit"));
  c.cloud.chain.missing_block_probability = p.real("missing_block_share");
  c.orchestrator_crash_rate = per_s(p, "orchestrator_failures_per_h");
  c.orchestrator_recovery_rate = per_s(p, "orchestrator_recoveries_per_h");
  c.member_crash_rate = per_s(p, "member_failures_per_h");
  c.member_recovery_rate = per_s(p, "member_recoveries_per_h");
  c.host_crash_rate = per_s(p, "host_failures_per_h");
  c.host_recovery_rate = per_s(p, "host_recoveries_per_h");
  c.api_crash_rate = per_s(p, "hypervisor_failures_per_h");
  c.api_recovery_rate = per_s(p, "hypervisor_recoveries_per_h");
  c.ocan_faults = faults;
  return c;
}

void declare_orchestration_kind(ExperimentKind& k) {
  for (ParamSpec& s : orchestration_params()) k.params.push_back(std::move(s));
  k.outputs = orchestration_outputs();
  k.fault_nodes = [](const ParamValues& p) {
    return static_cast<std::uint64_t>(p.integer("members") + p.integer("orchestrators"));
  };
  k.fault_nodes_description = "OCAN members, then Orchestrators";
  k.takes_applications = true;
  k.check_application = [](const ParamValues& p, const app::Topology& t) -> std::optional<std::string> {
    if (auto why = check_cloud_application(p, t)) return why;
    // A budget that cannot pay one checkpoint stalls the application's payments for ever (issue
    // 27: 667 calls, nothing paid). What one can cost depends only on the number of services.
    thread_local std::map<std::size_t, chain::Gas> need_by_services;
    auto [it, fresh] = need_by_services.try_emplace(t.services.size(), 0);
    if (fresh) it->second = chain::one_checkpoint_gas(t.services.size());
    if (static_cast<chain::Gas>(p.integer("payment_gas_budget")) < it->second) {
      return fmt::format("payment_gas_budget {} cannot pay one checkpoint of its {} services: expected at least {} gas",
                         p.integer("payment_gas_budget"), t.services.size(), it->second);
    }
    return std::nullopt;
  };
  k.check = [](const ParamValues& p) -> std::optional<ParamError> {
    if (auto e = check_cloud_params(p)) return e;
    // Issue 29: at 1 no block is ever sealed, and the run waited for one for ever.
    if (p.real("missing_block_share") >= 1) {
      return ParamError{"missing_block_share",
                        fmt::format("expected less than 1 (at 1 no block is ever sealed), found {}", p.real("missing_block_share"))};
    }
    // A transaction whose gas limit exceeds the block's is never included.
    for (const char* limit : {"payment_gas_budget", "checkpoint_gas_limit"}) {
      if (p.integer(limit) > p.integer("block_gas_limit")) {
        return ParamError{limit, fmt::format("expected at most block_gas_limit ({}), found {}", p.integer("block_gas_limit"),
                                             p.integer(limit))};
      }
    }
    if (p.integer("replication") > p.integer("members")) {
      return ParamError{"replication", fmt::format("expected at most members, the OCAN's size ({}), found {}",
                                                   p.integer("members"), p.integer("replication"))};
    }
    return std::nullopt;
  };
}

}  // namespace cansim::scenario
