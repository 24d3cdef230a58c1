#include "cansim/model/chain/contracts/application.hpp"

#include "cansim/model/chain/contracts/registry.hpp"

namespace cansim::chain::application {

namespace {

enum Field : std::uint64_t {
  kClient,
  kRegistry,
  kCloud,
  kCloudPrice,
  kOrcPrice,
  kRetryLimit,
  kAppOkInterval,
  kMaxFailed,
  kServiceCount,
  kServiceOwner,  // index -> resource owner
  kServicePrice,  // index -> wei per minute
  kCpCount,
  kCpHead,    // index -> type | service << 8 | timestamp << 32 (one packed slot)
  kCpIssuer,  // index -> leader
  kCpOrc,     // index -> orchestrator
  kPaid,      // lp + 1
  kLocked,
  kSalary,      // payee -> wei owed
  kPayeeCount,  // payees in order of first salary, for destroy
  kPayeeAt,
  kPayeeKnown,
  kStart,   // service -> index + 1 of the checkpoint its unpaid time starts at (0: null)
  kFailed,  // interim payments in a row that paid nothing
  kShutdown,
  kDestroyed,
};

SlotKey slot(Address app, Field f, Word key = 0) { return {app, f, key}; }

Word pack(const Checkpoint& cp) {
  return static_cast<Word>(cp.type) | (static_cast<Word>(cp.service & 0xffffff) << 8) |
         (static_cast<Word>(cp.timestamp_ms) << 32);
}

Transaction tx_for(Address to, Address from, std::string name, const Calldata& data, CallBody body) {
  return contract_call(to, from, std::move(name), data, std::move(body), kGasLimit, kGasPrice);
}

// The leader is the Registry's: a call to its getter.
void only_leader(Call& c) {
  const Address reg = address_of(c.sload(slot(c.self(), kRegistry)));
  c.require(address_of(c.read_external(reg, registry::leader_slot(reg))) == c.sender(), "only the OCAN leader");
}

// A checkpoint as the contract reads it (metered).
struct Cp {
  CheckpointType type;
  std::uint64_t service;
  std::uint64_t ts;
  Address orc;
};

Cp read_cp(Call& c, std::uint64_t i) {
  const Word head = c.sload(slot(c.self(), kCpHead, i));
  return {static_cast<CheckpointType>(static_cast<std::uint8_t>(head & 0xff)), static_cast<std::uint64_t>((head >> 8) & 0xffffff),
          static_cast<std::uint64_t>(head >> 32), address_of(c.sload(slot(c.self(), kCpOrc, i)))};
}

void credit(Call& c, Address payee, Wei amount) {
  if (amount == 0) return;
  const Address app = c.self();
  const SlotKey s = slot(app, kSalary, word_of(payee));
  c.sstore(s, c.sload(s) + amount);
  if (c.sload(slot(app, kPayeeKnown, word_of(payee))) == 0) {
    const Word n = c.sload(slot(app, kPayeeCount));
    c.sstore(slot(app, kPayeeAt, n), word_of(payee));
    c.sstore(slot(app, kPayeeKnown, word_of(payee)), 1);
    c.sstore(slot(app, kPayeeCount), n + 1);
  }
}

struct Prices {
  Wei cloud, ften, orc;
  Address cloud_address, registry;
};

Prices read_prices(Call& c) {
  const Address app = c.self();
  const Address reg = address_of(c.sload(slot(app, kRegistry)));
  return {c.sload(slot(app, kCloudPrice)), c.read_external(reg, registry::ften_price_slot(reg)), c.sload(slot(app, kOrcPrice)),
          address_of(c.sload(slot(app, kCloud))), reg};
}

std::uint64_t minutes(const Cp& start, const Cp& end) { return (end.ts - start.ts) / 60000; }

// computePayment: what one service's time from `start` to `end` costs.
Wei compute_payment(Call& c, const Prices& p, std::uint64_t service, const Cp& start, const Cp& end) {
  const Wei res = c.sload(slot(c.self(), kServicePrice, service));
  return (res + p.cloud + p.ften + p.orc) * minutes(start, end);
}

// Algorithm 6, payService.
void pay_service(Call& c, const Prices& p, std::uint64_t service, const Cp& start, const Cp& end) {
  c.charge(calibration::kPayService);
  const std::uint64_t time = minutes(start, end);
  const Wei res = c.sload(slot(c.self(), kServicePrice, service)) * time;
  credit(c, p.cloud_address, p.cloud * time);
  credit(c, address_of(c.sload(slot(c.self(), kServiceOwner, service))), res);
  credit(c, p.registry, p.ften * time);
  const Wei orc = p.orc * time;
  if (end.orc != start.orc) {
    credit(c, start.orc, orc / 2);
    credit(c, end.orc, orc - orc / 2);
  } else {
    credit(c, end.orc, orc);
  }
}

// An APP_SHUTDOWN the funds cannot cover is honoured all the same (§5.1): of the checkpoint the
// funds fell short at, each service whose time up to it still fits in `room` is paid, in service
// order; every start is cleared. Returns what it paid.
Wei pay_what_fits(Call& c, const Prices& p, std::uint64_t services, const Cp& at, Wei room) {
  Wei total = 0;
  for (std::uint64_t sv = 0; sv < services; ++sv) {
    const auto start = static_cast<std::uint64_t>(c.sload(slot(c.self(), kStart, sv)));
    if (start == 0) continue;
    const Cp s = read_cp(c, start - 1);
    const Wei x = compute_payment(c, p, sv, s, at);
    if (total + x <= room) {
      pay_service(c, p, sv, s, at);
      total += x;
    }
    c.sstore(slot(c.self(), kStart, sv), 0);
  }
  return total;
}

bool shutdown_appended(Call& c, std::uint64_t count) {
  return count > 0 && (c.sload(slot(c.self(), kCpHead, count - 1)) & 0xff) == static_cast<Word>(CheckpointType::AppShutdown);
}

}  // namespace

CallBody constructor(const Terms& t) {
  return [t](Call& c) {
    const Address at = c.self();
    c.require(!t.services.empty(), "expected at least one service");
    c.sstore(slot(at, kClient), word_of(t.client));
    c.sstore(slot(at, kRegistry), word_of(t.registry));
    c.sstore(slot(at, kCloud), word_of(t.cloud));
    c.sstore(slot(at, kCloudPrice), t.cloud_price_per_minute);
    c.sstore(slot(at, kOrcPrice), t.orchestration_price_per_minute);
    c.sstore(slot(at, kRetryLimit), t.retry_limit);
    c.sstore(slot(at, kAppOkInterval), t.app_ok_interval_ms);
    c.sstore(slot(at, kMaxFailed), t.max_failed_payments);
    c.sstore(slot(at, kServiceCount), t.services.size());
    for (std::size_t i = 0; i < t.services.size(); ++i) {
      c.charge(calibration::kOtherLoop);
      c.sstore(slot(at, kServiceOwner, i), word_of(t.services[i].resource_owner));
      c.sstore(slot(at, kServicePrice, i), t.services[i].price_per_minute);
    }
    c.emit({{}, "ApplicationCreated", {word_of(t.client), t.services.size()}, 2, 32});
  };
}

Transaction deploy(Address at, const Terms& t, Wei deposit_wei) {
  Calldata data = Calldata::creation(calibration::kApplicationCode);
  data.address(t.client).address(t.registry).address(t.cloud).word(t.cloud_price_per_minute);
  data.word(t.orchestration_price_per_minute).word(t.retry_limit).word(t.app_ok_interval_ms).word(t.max_failed_payments);
  data.array(t.services.size());
  for (const Service& s : t.services) data.address(s.resource_owner);
  data.array(t.services.size());
  for (const Service& s : t.services) data.word(s.price_per_minute);
  Transaction tx = tx_for(at, t.client, "Application.constructor", data, constructor(t));
  tx.value = deposit_wei;
  tx.created_code_bytes = calibration::kApplicationCode.deployed_bytes;
  return tx;
}

Transaction deposit(Address app, Address from, Wei amount) {
  Transaction tx = tx_for(app, from, "Application.deposit", Calldata{},
                          [=](Call& c) { c.require(c.sload(slot(app, kShutdown)) == 0, "the application is shut down"); });
  tx.value = amount;
  return tx;
}

Transaction add_checkpoint(Address app, Address leader, const Checkpoint& cp) {
  Calldata data;
  data.word(static_cast<Word>(cp.type)).word(cp.timestamp_ms).word(cp.service).address(cp.orchestrator);
  return tx_for(app, leader, "Application.addCheckpoint", data, [=](Call& c) {
    only_leader(c);
    c.require(c.sload(slot(app, kShutdown)) == 0, "the application is shut down");
    const auto n = static_cast<std::uint64_t>(c.sload(slot(app, kCpCount)));
    if (n > 0) {
      const Word last = c.sload(slot(app, kCpHead, n - 1));
      // §5.1: APP_SHUTDOWN is terminal, paid or not: nothing is billed after it.
      c.require((last & 0xff) != static_cast<Word>(CheckpointType::AppShutdown), "the application is shut down");
      c.require(cp.timestamp_ms >= static_cast<std::uint64_t>(last >> 32), "checkpoint timestamps never go back");
    }
    // A leader must not bill time that has not happened yet.
    c.require(cp.timestamp_ms <= c.block().timestamp_ms, "a checkpoint cannot be later than the block that records it");
    if (cp.type == CheckpointType::ServiceUp || cp.type == CheckpointType::ServiceDown) {
      c.require(cp.service < c.sload(slot(app, kServiceCount)), "no such service");
    }
    c.require(cp.type >= CheckpointType::ServiceUp && cp.type <= CheckpointType::AppShutdown, "no such checkpoint type");
    Checkpoint stored = cp;
    stored.issuer = c.sender();
    c.sstore(slot(app, kCpHead, n), pack(stored));
    c.sstore(slot(app, kCpIssuer, n), word_of(c.sender()));
    c.sstore(slot(app, kCpOrc, n), word_of(cp.orchestrator));
    c.sstore(slot(app, kCpCount), n + 1);
    c.emit({{}, "Checkpoint", {n, static_cast<Word>(cp.type)}, 2, 64});
  });
}

Transaction interim_payment(Address app, Address leader, std::uint64_t k) {
  return tx_for(app, leader, "Application.interimPayment", Calldata{}.word(k), [=](Call& c) {
    only_leader(c);
    c.require(c.sload(slot(app, kDestroyed)) == 0, "destroyed");
    const Prices prices = read_prices(c);
    const auto services = static_cast<std::uint64_t>(c.sload(slot(app, kServiceCount)));
    const auto count = static_cast<std::uint64_t>(c.sload(slot(app, kCpCount)));
    const auto paid = static_cast<std::uint64_t>(c.sload(slot(app, kPaid)));
    const Wei locked_now = c.sload(slot(app, kLocked));
    const Wei balance = c.balance_of(app);
    const Wei available = balance > locked_now ? balance - locked_now : 0;
    Wei total = 0;
    std::uint64_t next = paid;
    bool shutdown = false;
    // count - paid, not paid + k: k near 2^64 must not wrap around.
    const std::uint64_t end = paid + std::min(k, count - paid);
    bool short_of_funds = false;
    for (std::uint64_t i = paid; i < end; ++i) {
      c.charge(calibration::kInterimPerCheckpoint);
      const Cp cp = read_cp(c, i);
      if (cp.type == CheckpointType::ServiceUp) {
        c.sstore(slot(app, kStart, cp.service), i + 1);
      } else if (cp.type == CheckpointType::ServiceDown) {
        const auto start = static_cast<std::uint64_t>(c.sload(slot(app, kStart, cp.service)));
        if (start != 0) {
          const Cp s = read_cp(c, start - 1);
          const Wei x = compute_payment(c, prices, cp.service, s, cp);
          if (total + x > available) {
            short_of_funds = true;
            break;
          }
          pay_service(c, prices, cp.service, s, cp);
          total += x;
          c.sstore(slot(app, kStart, cp.service), 0);
        }
      } else {  // APP_OK, APP_SHUTDOWN: every service with a start is paid up to here
        // Two passes over the services, reading the starts again in the second rather than
        // keeping them: what the Solidity contract does, since memory a loop keeps allocating
        // costs quadratically.
        Wei app_total = 0;
        for (std::uint64_t sv = 0; sv < services; ++sv) {
          const auto start = static_cast<std::uint64_t>(c.sload(slot(app, kStart, sv)));
          if (start != 0) app_total += compute_payment(c, prices, sv, read_cp(c, start - 1), cp);
        }
        if (total + app_total > available) {
          short_of_funds = true;
          break;
        }
        // APP_OK means every service runs (§5): each is paid from here on, as line 36 of
        // Algorithm 5 sets start for all services. APP_SHUTDOWN clears them all.
        for (std::uint64_t sv = 0; sv < services; ++sv) {
          const auto start = static_cast<std::uint64_t>(c.sload(slot(app, kStart, sv)));
          if (start != 0) pay_service(c, prices, sv, read_cp(c, start - 1), cp);
          c.sstore(slot(app, kStart, sv), cp.type == CheckpointType::AppOk ? i + 1 : 0);
        }
        total += app_total;
        if (cp.type == CheckpointType::AppShutdown) shutdown = true;
      }
      next = i + 1;
    }
    if (short_of_funds && shutdown_appended(c, count)) {
      // The funds fell short at checkpoint `next`, and an APP_SHUTDOWN waits: honour it now.
      c.emit({{}, "ShortOfFunds", {next}, 1, 32});
      total += pay_what_fits(c, prices, services, read_cp(c, next), available - total);
      next = count;
      shutdown = true;
    }
    const std::uint64_t steps = next - paid;
    c.sstore(slot(app, kPaid), next);
    c.sstore(slot(app, kLocked), locked_now + total);
    // Interim payments that pay nothing while checkpoints wait end the application.
    // A call that asked for nothing (k = 0) did not fail.
    if (steps == 0 && count > paid && k > 0) {
      const Word failed = c.sload(slot(app, kFailed)) + 1;
      c.sstore(slot(app, kFailed), failed);
      if (failed >= c.sload(slot(app, kMaxFailed))) shutdown = true;
    } else if (steps > 0) {
      c.sstore(slot(app, kFailed), 0);
    }
    if (shutdown) {
      c.sstore(slot(app, kShutdown), 1);
      c.emit({{}, "Shutdown", {}, 1, 0});
    }
    c.emit({{}, "InterimPayment", {steps, total}, 1, 64});
  });
}

Transaction withdraw(Address app, Address payee) {
  return tx_for(app, payee, "Application.withdraw", Calldata{}, [=](Call& c) {
    const SlotKey s = slot(app, kSalary, word_of(payee));
    const Wei amount = c.sload(s);
    c.require(amount > 0, "nothing to withdraw");
    c.sstore(s, 0);
    c.sstore(slot(app, kLocked), c.sload(slot(app, kLocked)) - amount);
    c.send(payee, amount);
    c.emit({{}, "Withdrawn", {word_of(payee), amount}, 2, 32});
  });
}

Transaction refund(Address app, Address client, Wei amount) {
  return tx_for(app, client, "Application.refund", Calldata{}.word(amount), [=](Call& c) {
    c.require(address_of(c.sload(slot(app, kClient))) == c.sender(), "only the client");
    c.require(amount > 0, "nothing to refund");
    // What checkpoints can still claim: each service, at most its price for the time from its
    // start (where interimPayment left it), or else from the first unpaid checkpoint (or the
    // last one, if all are paid: a later one is never earlier), up to this block, since no
    // checkpoint is later than the block that records it; after an APP_SHUTDOWN, up to it.
    // Later time is for later funds: without them the application runs short and ends (§5.1).
    const auto count = static_cast<std::uint64_t>(c.sload(slot(app, kCpCount)));
    const auto paid = static_cast<std::uint64_t>(c.sload(slot(app, kPaid)));
    std::uint64_t end = c.block().timestamp_ms;
    std::uint64_t from = 0;  // before the first checkpoint, nothing says when services began
    if (count > 0) {
      const Cp last = read_cp(c, count - 1);
      if (last.type == CheckpointType::AppShutdown) end = last.ts;
      from = paid < count ? read_cp(c, paid).ts : last.ts;
    }
    const auto services = static_cast<std::uint64_t>(c.sload(slot(app, kServiceCount)));
    const Prices p = read_prices(c);
    Wei claimable = 0;
    for (std::uint64_t sv = 0; sv < services; ++sv) {
      c.charge(calibration::kOtherLoop);
      const auto start = static_cast<std::uint64_t>(c.sload(slot(app, kStart, sv)));
      const std::uint64_t since = start != 0 ? read_cp(c, start - 1).ts : from;
      claimable += (c.sload(slot(app, kServicePrice, sv)) + p.cloud + p.ften + p.orc) * ((end - since) / 60000);
    }
    const Wei held = c.balance_of(app);
    const Wei kept = c.sload(slot(app, kLocked)) + claimable;
    c.require(held >= kept && amount <= held - kept, "more than the checkpoints can leave");
    c.send(c.sender(), amount);
    c.emit({{}, "Refunded", {amount}, 1, 32});
  });
}

Transaction destroy(Address app, Address client) {
  return tx_for(app, client, "Application.destroy", Calldata{}, [=](Call& c) {
    c.require(c.sload(slot(app, kDestroyed)) == 0, "destroyed already");
    c.require(address_of(c.sload(slot(app, kClient))) == c.sender(), "only the client");
    c.require(c.sload(slot(app, kShutdown)) != 0, "the application is not shut down");
    // Unpaid salaries are offered at the client's cost (the client pays this transaction's gas).
    // A payee that refuses keeps its salary, to withdraw (pull), and blocks no one (SWC-113).
    const auto payees = static_cast<std::uint64_t>(c.sload(slot(app, kPayeeCount)));
    Wei kept = c.sload(slot(app, kLocked));
    for (std::uint64_t i = 0; i < payees; ++i) {
      c.charge(calibration::kOtherLoop);
      const Address payee = address_of(c.sload(slot(app, kPayeeAt, i)));
      const SlotKey s = slot(app, kSalary, word_of(payee));
      const Wei owed = c.sload(s);
      if (owed == 0) continue;
      c.sstore(s, 0);
      if (c.try_send(payee, owed)) {
        kept -= owed;
      } else {
        c.sstore(s, owed);
      }
    }
    // Effects before the client's call: what is still owed stays locked (it holds it until the
    // payees take it).
    if (kept != 0) c.sstore(slot(app, kLocked), kept);
    c.send(c.sender(), c.balance_of(app) - kept);
    if (kept != 0) return;
    c.emit({{}, "Destroyed", {}, 1, 0});
    // SELFDESTRUCT frees the contract's storage (London). The flag stands for "no code here
    // any more", which the model has no other way to say; its write is not charged.
    c.self_destruct();
    c.mark_destroyed(slot(app, kDestroyed));
  });
}

SlotKey shutdown_slot(Address app) { return slot(app, kShutdown); }

std::uint64_t checkpoint_count(const State& s, Address app) { return static_cast<std::uint64_t>(s.load(slot(app, kCpCount))); }

Checkpoint checkpoint(const State& s, Address app, std::uint64_t i) {
  const Word head = s.load(slot(app, kCpHead, i));
  return {static_cast<CheckpointType>(static_cast<std::uint8_t>(head & 0xff)), static_cast<std::uint64_t>(head >> 32),
          address_of(s.load(slot(app, kCpIssuer, i))), static_cast<std::uint64_t>((head >> 8) & 0xffffff),
          address_of(s.load(slot(app, kCpOrc, i)))};
}

std::uint64_t paid_count(const State& s, Address app) { return static_cast<std::uint64_t>(s.load(slot(app, kPaid))); }
Wei locked(const State& s, Address app) { return s.load(slot(app, kLocked)); }
Wei salary(const State& s, Address app, Address payee) { return s.load(slot(app, kSalary, word_of(payee))); }
std::uint64_t retry_limit(const State& s, Address app) { return static_cast<std::uint64_t>(s.load(slot(app, kRetryLimit))); }
std::uint64_t app_ok_interval_ms(const State& s, Address app) {
  return static_cast<std::uint64_t>(s.load(slot(app, kAppOkInterval)));
}
bool is_shutdown(const State& s, Address app) { return s.load(slot(app, kShutdown)) != 0; }

std::vector<std::optional<std::uint64_t>> counted_since(const State& s, Address app) {
  // Where interimPayment left each service's start, then the unpaid checkpoints as it would take them.
  std::vector<std::optional<std::uint64_t>> since(static_cast<std::size_t>(s.load(slot(app, kServiceCount))));
  for (std::size_t sv = 0; sv < since.size(); ++sv) {
    if (const auto start = static_cast<std::uint64_t>(s.load(slot(app, kStart, sv))); start != 0) {
      since[sv] = checkpoint(s, app, start - 1).timestamp_ms;
    }
  }
  for (std::uint64_t i = paid_count(s, app); i < checkpoint_count(s, app); ++i) {
    const Checkpoint cp = checkpoint(s, app, i);
    if (cp.type == CheckpointType::ServiceUp || cp.type == CheckpointType::ServiceDown) {
      if (cp.service >= since.size()) continue;
      since[cp.service] = cp.type == CheckpointType::ServiceUp ? std::optional<std::uint64_t>(cp.timestamp_ms) : std::nullopt;
    } else {
      since.assign(since.size(), cp.type == CheckpointType::AppOk ? std::optional<std::uint64_t>(cp.timestamp_ms) : std::nullopt);
    }
  }
  return since;
}
bool is_destroyed(const State& s, Address app) { return s.load(slot(app, kDestroyed)) != 0; }

}  // namespace cansim::chain::application
