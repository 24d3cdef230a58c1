// The engine's worked example: a single-server FIFO queue with Poisson arrivals and exponential
// service (M/M/1), whose mean waiting time has a closed form (rho / (mu - lambda)) that the tests
// compare against. It shows the shape every experiment kind takes: declared parameters, a
// run on the Simulator with the run's own Rng, metrics, and an optional tidy table.
#include <deque>

#include <fmt/format.h>

#include "cansim/sim/invariant.hpp"
#include "cansim/sim/rng.hpp"
#include "cansim/sim/simulator.hpp"
#include "cansim/sim/time_weighted.hpp"
#include "cansim/scenario/experiment.hpp"
#include "experiments.hpp"

namespace cansim::scenario {

namespace {

struct QueueModel {
  Simulator sim;
  Rng arrivals, services;
  SimTime mean_interarrival, mean_service;
  std::int64_t warmup = 0, customers = 0;
  bool keep_customers = false;

  std::deque<SimTime> waiting;  // arrival times of queued customers
  bool busy = false;
  std::int64_t arrived = 0, served = 0;
  TimeWeighted busy_share, in_system;  // 0/1 and the customers in the system, over the whole run
  double wait_sum = 0, response_sum = 0;
  std::size_t max_queue = 0;
  std::vector<std::int64_t> customer_index;
  std::vector<double> customer_wait, customer_response;

  SimTime draw(Rng& r, SimTime mean) { return SimTime{static_cast<std::int64_t>(r.exponential(static_cast<double>(mean.us)))}; }

  void arrive() {
    ++arrived;
    in_system.add(1, sim.now());
    if (busy) {
      waiting.push_back(sim.now());
      max_queue = std::max(max_queue, waiting.size());
    } else {
      start_service(sim.now());
    }
    if (arrived < warmup + customers) sim.after(draw(arrivals, mean_interarrival), [this] { arrive(); });
  }

  void start_service(SimTime arrival) {
    if (!busy) busy_share.set(1, sim.now());
    busy = true;
    const SimTime wait = sim.now() - arrival;
    sim.after(draw(services, mean_service), [this, arrival, wait] { depart(arrival, wait); });
  }

  void depart(SimTime arrival, SimTime wait) {
    if (wait.us < 0) throw InvariantViolation(sim.now(), "departure", "a customer waited a negative time");
    const std::int64_t index = served++;
    in_system.add(-1, sim.now());
    if (index >= warmup) {
      wait_sum += wait.to_seconds();
      response_sum += (sim.now() - arrival).to_seconds();
      if (keep_customers) {
        customer_index.push_back(index);
        customer_wait.push_back(wait.to_seconds());
        customer_response.push_back((sim.now() - arrival).to_seconds());
      }
    }
    if (waiting.empty()) {
      busy = false;
      busy_share.set(0, sim.now());
    } else {
      const SimTime next = waiting.front();
      waiting.pop_front();
      start_service(next);  // busy stays true: the busy period goes on
    }
  }
};

RunResult run_queue(const RunContext& ctx, const ExperimentKind& kind) {
  const Rng rng(ctx.seed);
  QueueModel m;
  m.arrivals = rng.stream("arrivals");
  m.services = rng.stream("services");
  m.mean_interarrival = SimTime{static_cast<std::int64_t>(1e6 / ctx.params.real("arrival_rate"))};
  m.mean_service = SimTime{static_cast<std::int64_t>(1e6 / ctx.params.real("service_rate"))};
  m.warmup = ctx.params.integer("warmup");
  m.customers = ctx.params.integer("customers");
  m.keep_customers = ctx.output.boolean("per_customer");
  m.sim.at(SimTime{}, [&m] { m.arrive(); });
  m.sim.run();
  const auto n = static_cast<double>(m.customers);
  RunResult r;
  r.metrics = metrics_by_name(kind, {
                                        {"mean_wait_s", m.wait_sum / n},
                                        {"mean_response_s", m.response_sum / n},
                                        {"utilization", m.busy_share.mean(m.sim.now())},
                                        {"mean_in_system", m.in_system.mean(m.sim.now())},
                                        {"duration_s", m.sim.now().to_seconds()},
                                        {"max_queue", static_cast<double>(m.max_queue)},
                                        {"events", static_cast<double>(m.sim.dispatched())},
                                    });
  if (m.keep_customers) {
    r.tables.push_back(Table{"customers",
                             {"customer", "wait_s", "response_s"},
                             {std::move(m.customer_index), std::move(m.customer_wait), std::move(m.customer_response)},
                             true});
  }
  r.fingerprint = m.sim.fingerprint();
  return r;
}

}  // namespace

ExperimentKind queue_kind() {
  ExperimentKind k;
  k.name = "queue";
  k.description = "M/M/1 queue: the engine's worked example, with a closed-form mean wait rho/(mu - lambda).";
  k.params = {
      ParamSpec::real("arrival_rate", "Poisson arrival rate lambda").above(0).def(0.5).in_unit("1/s"),
      ParamSpec::real("service_rate", "exponential service rate mu").above(0).def(1.0).in_unit("1/s"),
      ParamSpec::integer("customers", "customers measured after the warm-up").at_least(1).at_most(1e9).def(10000),
      ParamSpec::integer("warmup", "customers served before measuring starts").at_least(0).at_most(1e9).def(1000),
  };
  k.metrics = {
      {"mean_wait_s", "mean time in the queue of the measured customers, in s"},
      {"mean_response_s", "mean time in the system (queue and service), in s"},
      {"utilization", "share of the run's time the server was busy"},
      {"mean_in_system", "time-average number of customers in the system (queue and service) over the whole run, warm-up included",
       "customers"},
      {"duration_s", "simulated time from the first arrival to the last departure"},
      {"max_queue", "largest number of customers waiting"},
      {"events", "events the engine dispatched"},
  };
  k.outputs = {
      ParamSpec::boolean("per_customer", "write customers.csv: each measured customer's wait and response time").def(false),
  };
  k.check = [](const ParamValues& p) -> std::optional<ParamError> {
    if (p.real("arrival_rate") >= p.real("service_rate")) {
      return ParamError{"arrival_rate", fmt::format("expected less than service_rate ({}) for a stable queue, found {}",
                                                    p.real("service_rate"), p.real("arrival_rate"))};
    }
    return std::nullopt;
  };
  k.run = [](const RunContext& ctx) { return run_queue(ctx, *find_kind("queue")); };
  return k;
}

}  // namespace cansim::scenario
