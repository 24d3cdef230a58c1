#pragma once
// The gas tables of docs/contracts.md (presentation, so in the scenario layer, not the model):
// measures, with the gas model itself, what each contract function costs and the largest k for
// which interimPayment(k) fits in one block, and prints both beside what a real EVM charged for
// the same calls (the calibration, scripts/gas/calibration.json). A test keeps the tables equal to
// what this produces (`build/bench/contract_gas` prints it).
#include <map>
#include <string>
#include <vector>

#include "cansim/model/chain/types.hpp"

namespace cansim::chain {

// One measured call: which function, in which prior state, and the gas it used (after refunds).
struct GasRow {
  std::string contract, function, what;
  Gas gas = 0;
};

// The model's rows, in the calibration's order.
std::vector<GasRow> contract_gas_rows();

// The largest k for which interimPayment(k) fits in a block of `block_gas_limit`, for `services`
// services: one SERVICE_UP per service, then APP_OK checkpoints a minute apart (an APP_OK pays
// every service, so its cost grows with them).
std::uint64_t largest_interim_k(std::size_t services, Gas block_gas_limit);
// The gas of interimPayment(k) in that setting (k - services APP_OKs after the SERVICE_UPs).
Gas interim_payment_gas(std::size_t services, std::uint64_t k);
// The most gas (refunds not deducted: what a gas limit must allow) interimPayment(1) can take for
// one checkpoint of an application of `services` services: an APP_OK that pays every service, each
// stretch begun by another Orchestrator (the orchestration share split) and every payee new, and
// the same APP_SHUTDOWN one wei short of funds (every total computed, then all but one paid). A
// payment budget below it can stall an application's payments for ever.
Gas one_checkpoint_gas(std::size_t services);
// The gas a block must allow for the largest transaction a cloud's setup sends: the Cloud
// contract's creation (its code embeds the Application's). A smaller block never takes it.
Gas cloud_deployment_gas();
// The most gas one addCheckpoint takes (the first of an application: every slot it writes new).
Gas add_checkpoint_gas();

// The whole lifecycle, every actor an account of its own, as scripts/gas/calibrate.mjs runs it on
// a real EVM: deploy, register, instantiate by each of the three paths (a reservation, the
// client's and the contract's selection under an admission), checkpoints, interim payments, a
// refund past and at its bound, a failed service, shutdown, a withdrawal, release, destroy with a
// payee that refuses wei, and the Cloud's share withdrawn. Each step's status ("ok", or
// "reverted: " and the reason) and gas; each actor's net wei (its balance change plus the fees
// it paid; a contract's or a payee's balance).
struct LifecycleStep {
  std::string step, function, status;
  Gas gas = 0;
};
struct Lifecycle {
  std::vector<LifecycleStep> steps;
  std::map<std::string, std::string> net_wei;  // decimal
};
Lifecycle contract_lifecycle();

// What a real EVM measured (scripts/gas/calibrate.mjs).
struct GasCalibration {
  std::string compiler, evm, sources_sha256;
  std::vector<GasRow> rows;
  struct Largest {
    std::size_t services = 0;
    Gas block_gas_limit = 0;
    std::uint64_t k = 0;
  };
  std::vector<Largest> largest_k;
  Lifecycle lifecycle;
};

// Markdown: the model beside the real EVM, row by row, and the largest k for each block limit.
std::string contract_gas_report(const GasCalibration& real);

}  // namespace cansim::chain
