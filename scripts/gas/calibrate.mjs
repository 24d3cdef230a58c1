// Gas calibration: compiles contracts/*.sol and runs, on a real EVM (London), the calls that
// cansim's gas report (`build/bench/contract_gas`) makes with the model, with the same prior
// state, plus the largest k of interimPayment(k) that fits in a block (k fits, k + 1 does not).
// Writes calibration.json, which the C++ tests compare the model with.
//   npm ci && node calibrate.mjs [--out calibration.json]
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createBlock } from '@ethereumjs/block';
import { Common, Hardfork, Mainnet } from '@ethereumjs/common';
import { createLegacyTx } from '@ethereumjs/tx';
import { createAccount, createAddressFromPrivateKey, createAddressFromString, hexToBytes } from '@ethereumjs/util';
import { SimpleStateManager } from '@ethereumjs/statemanager';
import { createVM, runTx } from '@ethereumjs/vm';
import { AbiCoder, Interface, SigningKey, keccak256, toUtf8Bytes } from 'ethers';
import solc from 'solc';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const contractsDir = path.join(root, 'contracts');
const outPath = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : path.join(here, 'calibration.json');

// --- sources and their hash (the C++ test recomputes it: name, NUL, content, NUL per file, by name)
const files = fs.readdirSync(contractsDir).filter((f) => f.endsWith('.sol')).sort();
const hash = crypto.createHash('sha256');
const sources = {};
for (const f of files) {
  const content = fs.readFileSync(path.join(contractsDir, f), 'utf8');
  sources[f] = { content };
  hash.update(f + '\0' + content + '\0');
}
// This script too: what it measures is part of the table.
hash.update('calibrate.mjs\0' + fs.readFileSync(fileURLToPath(import.meta.url), 'utf8') + '\0');
const sourcesSha256 = hash.digest('hex');

// A payee whose code refuses wei (no receive, no fallback): the lifecycle's test of pull payments.
// Not a reference contract, so not in contracts/.
sources['Refuser.sol'] = { content: '// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\ncontract Refuser {}\n' };
const settings = { optimizer: { enabled: true, runs: 200 }, evmVersion: 'london',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } } };
const compiled = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings })));
const errors = (compiled.errors || []).filter((e) => e.severity === 'error');
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
const artifact = (name) => {
  const c = compiled.contracts[`${name}.sol`][name];
  return { abi: new Interface(c.abi), init: c.evm.bytecode.object, deployed: c.evm.deployedBytecode.object };
};
const A = { Registry: artifact('Registry'), Application: artifact('Application'), Cloud: artifact('Cloud'),
            Refuser: artifact('Refuser') };

const countBytes = (hex) => {
  let zero = 0;
  for (let i = 0; i < hex.length; i += 2) if (hex.slice(i, i + 2) === '00') ++zero;
  return { zero, nonzero: hex.length / 2 - zero };
};

// --- actors: every model address (a small number) stands for a key of its own
const keyOf = (id) => keccak256(toUtf8Bytes(`cansim actor ${id}`));
const addrOf = (id) => createAddressFromPrivateKey(hexToBytes(keyOf(id))).toString();
const OWNER = 2, CLIENT = 3, NODE = (i) => 100 + i;

const common = new Common({ chain: Mainnet, hardfork: Hardfork.London });

class Bench {
  static async make(blockGasLimit = 30000000n) {
    const b = new Bench();
    // A state without tries: gas does not depend on how the state is stored, and a trie makes
    // the largest-k search take half an hour.
    b.vm = await createVM({ common, stateManager: new SimpleStateManager({ common }) });
    b.blockGasLimit = blockGasLimit;
    b.timestampMs = 0n;
    b.nonces = new Map();
    for (const id of [OWNER, CLIENT, ...Array.from({ length: 8 }, (_, i) => NODE(i))]) await b.fund(id);
    return b;
  }
  async fund(id) {
    await this.vm.stateManager.putAccount(createAddressFromString(addrOf(id)), createAccount({ nonce: 0n, balance: 1n << 100n }));
  }
  async setBalance(address, balance) {
    const a = createAddressFromString(address);
    const acc = (await this.vm.stateManager.getAccount(a)) ?? createAccount({ nonce: 0n, balance: 0n });
    acc.balance = balance;
    await this.vm.stateManager.putAccount(a, acc);
  }
  block() {
    return createBlock({ header: { number: 1n, timestamp: this.timestampMs / 1000n, gasLimit: this.blockGasLimit, baseFeePerGas: 1n,
                                   coinbase: addrOf(1) } }, { common });
  }
  // One transaction from actor `id`; `to` null creates. Returns the result.
  async send(id, to, data, value = 0n, gasLimit = this.blockGasLimit) {
    const nonce = this.nonces.get(id) ?? 0n;
    const tx = createLegacyTx({ nonce, gasPrice: 1000000000n, gasLimit, to: to ?? undefined, value, data }, { common })
      .sign(hexToBytes(keyOf(id)));
    const r = await runTx(this.vm, { tx, block: this.block(), skipHardForkValidation: true });
    this.nonces.set(id, nonce + 1n);
    return r;
  }
  async run(id, to, data, value = 0n) {
    const r = await this.send(id, to, data, value);
    if (r.execResult.exceptionError) throw new Error(`reverted: ${r.execResult.exceptionError.error} ${Buffer.from(r.execResult.returnValue).toString('hex')}`);
    return r;
  }
  async deploy(id, name, args, value = 0n) {
    const a = A[name];
    const data = '0x' + a.init + a.abi.encodeDeploy(args).slice(2);
    const r = await this.run(id, null, data, value);
    return { gas: r.totalGasSpent, address: r.createdAddress.toString() };
  }
  async call(id, name, at, fn, args, value = 0n) {
    return (await this.run(id, at, A[name].abi.encodeFunctionData(fn, args), value)).totalGasSpent;
  }
  // Runs and undoes (eth_estimateGas); true if it succeeded.
  async fits(id, name, at, fn, args) {
    await this.vm.stateManager.checkpoint();
    const nonce = this.nonces.get(id) ?? 0n;
    const r = await this.send(id, at, A[name].abi.encodeFunctionData(fn, args));
    await this.vm.stateManager.revert();
    this.nonces.set(id, nonce);
    return !r.execResult.exceptionError;
  }
  async registryWith(members) {
    this.reg = (await this.deploy(OWNER, 'Registry', [1, 8])).address;
    for (let i = 0; i < members; ++i) await this.call(NODE(i), 'Registry', this.reg, 'registerCandidate', [1 + i]);
    await this.call(OWNER, 'Registry', this.reg, 'appointLeader', [addrOf(NODE(0))]);
    for (let i = 1; i < members; ++i) await this.call(NODE(0), 'Registry', this.reg, 'registerMember', [addrOf(NODE(i))]);
    await this.call(OWNER, 'Registry', this.reg, 'setFtenPrice', [1]);
  }
  async applicationWith(services, deposit) {
    const owners = Array.from({ length: services }, (_, i) => addrOf(1000 + i));
    return (await this.deploy(CLIENT, 'Application', [addrOf(CLIENT), this.reg, addrOf(5), 3, 4, 3, 60000, 3, owners,
                                                       owners.map(() => 10)], deposit)).address;
  }
}

const SERVICE_UP = 1, SERVICE_DOWN = 2, APP_OK = 3, APP_SHUTDOWN = 4;
const rows = [];
const row = (contract, fn, what, gas) => rows.push({ contract, function: fn, case: what, gas: Number(gas) });
const sign = (id, digest) => {
  const s = new SigningKey(keyOf(id)).sign(digest);
  return { v: s.v, r: s.r, s: s.s };
};

async function registryRows() {
  const b = await Bench.make();
  const dep = await b.deploy(OWNER, 'Registry', [3, 8]);
  b.reg = dep.address;
  row('Registry', 'constructor', 'deployment', dep.gas);
  const R = (id, fn, args) => b.call(id, 'Registry', b.reg, fn, args);
  row('Registry', 'registerCandidate', 'first registration', await R(NODE(0), 'registerCandidate', [1]));
  row('Registry', 'appointLeader', 'first leader', await R(OWNER, 'appointLeader', [addrOf(NODE(0))]));
  for (let i = 1; i < 5; ++i) await R(NODE(i), 'registerCandidate', [1 + i]);
  row('Registry', 'registerMember', 'second member', await R(NODE(0), 'registerMember', [addrOf(NODE(1))]));
  for (let i = 2; i < 5; ++i) await R(NODE(0), 'registerMember', [addrOf(NODE(i))]);
  const p = NODE(1);
  // The accept digest is bound to the chain (Mainnet rules: id 1) and to the Registry.
  const acceptDigest = (n, proposer) => keccak256(AbiCoder.defaultAbiCoder().encode(
      ['uint256', 'uint256', 'address', 'uint256', 'address'], [0xacce97, 1n, b.reg, n, addrOf(proposer)]));
  const digest = acceptDigest(2, p);
  const accepts = [1, 2, 3].map((i) => sign(NODE(i), digest));
  row('Registry', 'registerLeader', '5 members, 3 signed accepts', await R(p, 'registerLeader', [2, 7, accepts]));
  row('Registry', 'deregisterMember', 'a middle member of 5', await R(p, 'deregisterMember', [addrOf(NODE(2))]));
  row('Registry', 'setParams', 'both changed', await R(OWNER, 'setParams', [2, 6]));
  row('Registry', 'registerService', 'new id', await R(CLIENT, 'registerService', [1, 0xabc]));
  b.timestampMs = 60000n;
  await R(p, 'recordAvailability', []);
  b.timestampMs = 660000n;
  row('Registry', 'recordAvailability', '4 members, 10 minutes, first time', await R(p, 'recordAvailability', []));
  b.timestampMs = 1260000n;
  row('Registry', 'recordAvailability', '4 members, 10 minutes', await R(p, 'recordAvailability', []));
  await b.setBalance(b.reg, 1000000n);
  row('Registry', 'distributeFten', '4 nodes with availability', await R(CLIENT, 'distributeFten', []));
  row('Registry', 'withdrawFten', 'one node', await R(p, 'withdrawFten', []));
  // The same functions at another size, so that what grows with the members is checked too.
  // Node 2, voted out above, registers again (removal cleared its contact).
  for (const i of [2, 5, 6]) await R(NODE(i), 'registerCandidate', [1 + i]);
  for (const i of [2, 5]) await R(p, 'registerMember', [addrOf(NODE(i))]);
  const q = NODE(3);
  const digest3 = acceptDigest(3, q);
  row('Registry', 'registerLeader', '6 members, 4 signed accepts',
      await R(q, 'registerLeader', [3, 8, [3, 4, 2, 5].map((i) => sign(NODE(i), digest3))]));
  b.timestampMs = 1860000n;
  row('Registry', 'recordAvailability', '6 members, 10 minutes, 2 of them new', await R(q, 'recordAvailability', []));
  b.timestampMs = 2460000n;
  row('Registry', 'recordAvailability', '6 members, 10 minutes', await R(q, 'recordAvailability', []));
  await b.setBalance(b.reg, 2000000n);
  row('Registry', 'distributeFten', '6 nodes with availability', await R(CLIENT, 'distributeFten', []));
}

async function applicationRows() {
  const b = await Bench.make();
  b.timestampMs = 1000000000000n;  // later than every checkpoint appended
  await b.registryWith(1);
  const dep = await b.deploy(CLIENT, 'Application', [addrOf(CLIENT), b.reg, addrOf(5), 3, 4, 3, 60000, 3,
                                                     [addrOf(1000), addrOf(1001)], [10, 2]], 1000000n);
  row('Application', 'constructor', '2 services', dep.gas);
  const a = dep.address;
  const leader = NODE(0);
  const cp = (kind, ts, sv, orc) => b.call(leader, 'Application', a, 'addCheckpoint', [kind, ts, sv, addrOf(orc)]);
  row('Application', 'addCheckpoint', 'first (SERVICE_UP)', await cp(SERVICE_UP, 0, 0, 8));
  row('Application', 'addCheckpoint', 'later (SERVICE_UP)', await cp(SERVICE_UP, 60000, 1, 8));
  await cp(APP_OK, 600000, 0, 8);
  await cp(SERVICE_DOWN, 900000, 1, 9);
  await cp(APP_SHUTDOWN, 1200000, 0, 9);
  row('Application', 'interimPayment', 'k = 5 of the ray-tracing example (2 services, 6 payees)',
      await b.call(leader, 'Application', a, 'interimPayment', [5]));
  await b.setBalance(addrOf(1000), 1n << 70n);  // gas money for the payee
  row('Application', 'withdraw', 'one payee', await b.call(1000, 'Application', a, 'withdraw', []));
  row('Application', 'destroy', 'after shutdown, 5 unpaid payees', await b.call(CLIENT, 'Application', a, 'destroy', []));
}

async function cloudRows() {
  const b = await Bench.make();
  await b.registryWith(1);
  const provider = NODE(5), pnp = NODE(6), scheduler = NODE(7);
  const dep = await b.deploy(provider, 'Cloud', [b.reg, addrOf(scheduler), addrOf(pnp), 1, 2, 3]);
  row('Cloud', 'constructor', 'deployment', dep.gas);
  const c = dep.address;
  row('Cloud', 'registerResource', 'new resource', await b.call(pnp, 'Cloud', c, 'registerResource', [1, addrOf(1000), 2, 2, 10]));
  await b.call(pnp, 'Cloud', c, 'registerResource', [2, addrOf(1001), 1, 8, 2]);
  const r = { id: 1, client: addrOf(CLIENT), expiresMs: 1000, orcPrice: 4, retryLimit: 3, appOkInterval: 60000, maxFailed: 3,
              resources: [{ id: 1, generation: 1, units: 1 }, { id: 2, generation: 1, units: 1 }] };
  const coder = AbiCoder.defaultAbiCoder();
  let d = keccak256(coder.encode(Array(10).fill('uint256').map((t, i) => (i === 1 || i === 3 ? 'address' : t)),
                                 [0x5e5e, c, r.id, r.client, r.expiresMs, r.orcPrice, r.retryLimit, r.appOkInterval, r.maxFailed,
                                  r.resources.length]));
  for (const x of r.resources) d = keccak256(coder.encode(['bytes32', 'uint256', 'uint256', 'uint256'], [d, x.id, x.generation, x.units]));
  const sig = sign(scheduler, d);
  row('Cloud', 'instantiate', '2 resources: creates the Application',
      await b.call(CLIENT, 'Cloud', c, 'instantiate', [r, sig.v, sig.r, sig.s], 1000000n));
  row('Cloud', 'deregisterResource', 'a free resource', await b.call(pnp, 'Cloud', c, 'deregisterResource', [1]));
  await b.run(CLIENT, c, '0x', 1000n);  // a share arriving (receive)
  row('Cloud', 'withdrawShare', 'the provider takes the contract\'s balance', await b.call(provider, 'Cloud', c, 'withdrawShare', []));
}

// The largest k for which interimPayment(k) fits in a block of `limits` gas, for `services`
// services: one SERVICE_UP per service, then APP_OK checkpoints a minute apart.
async function largestK(services, limits) {
  const top = BigInt(Math.max(...limits));
  const b = await Bench.make(top);
  b.timestampMs = 1000000000000n;
  await b.registryWith(1);
  const a = await b.applicationWith(services, 1n << 80n);
  let checkpoints = services;
  for (let s = 0; s < services; ++s) await b.call(NODE(0), 'Application', a, 'addCheckpoint', [SERVICE_UP, 0, s, addrOf(9)]);
  // APP_OKs a minute apart, appended until interimPayment over all of them no longer fits the
  // largest block.
  const append = async (n) => {
    for (let i = 0; i < n; ++i, ++checkpoints) {
      await b.call(NODE(0), 'Application', a, 'addCheckpoint', [APP_OK, (checkpoints - services + 1) * 60000, 0, addrOf(9)]);
    }
  };
  b.blockGasLimit = top;
  await append(200);
  while (await b.fits(NODE(0), 'Application', a, 'interimPayment', [checkpoints])) await append(checkpoints);
  const out = {};
  let previous = null;
  for (const limit of limits) {
    b.blockGasLimit = BigInt(limit);
    const fits = (k) => b.fits(NODE(0), 'Application', a, 'interimPayment', [k]);
    let lo = 0, hi = checkpoints;  // fits(lo), not fits(hi)
    if (previous) {
      // The cost grows linearly with k: a bracket around the previous answer, scaled, saves
      // most of the search (each try runs up to thousands of checkpoints).
      const guess = Math.floor((previous.k * limit) / previous.limit);
      const a = Math.floor(guess * 0.97), z = Math.min(checkpoints, Math.ceil(guess * 1.03) + 2);
      if (await fits(a)) lo = a;
      if (!(await fits(z))) hi = z;
    }
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await fits(mid)) lo = mid; else hi = mid;
    }
    if (!(await fits(lo)) || (await fits(lo + 1))) throw new Error('the search is not at the boundary');
    out[limit] = lo;
    previous = { k: lo, limit };
    console.log(`${services} services, ${limit} gas: largest k ${lo}`);
  }
  return out;
}

// The whole lifecycle, every actor a real account: deploy, register, instantiate through the
// Cloud (the Scheduler's reservation) and by the client's and the contract's selection (its
// admission), checkpoints, interim payments, a refund at and past its bound, a failed service,
// shutdown, a withdrawal, release, destroy with a payee that refuses wei, the Cloud's share.
// Each step's status and gas, and each actor's net wei (its balance change plus the fees it
// paid), are the transcript the model's run of the same steps is compared with
// (src/model/chain/contracts/gas_report.cpp, contract_lifecycle).
async function lifecycle() {
  const b = await Bench.make();
  const PROVIDER = NODE(5), PNP = NODE(6), SCHEDULER = NODE(7), ORC1 = 8, ORC2 = 9, OWNER_A = 1000;
  const steps = [];
  const spent = new Map();
  const decodeReason = (ret) => {
    const hex = Buffer.from(ret).toString('hex');
    if (!hex.startsWith('08c379a0')) return hex ? `0x${hex}` : '';
    return AbiCoder.defaultAbiCoder().decode(['string'], '0x' + hex.slice(8))[0];
  };
  const step = async (label, id, name, at, fn, args, value = 0n) => {
    const data = fn === 'constructor' ? '0x' + A[name].init + A[name].abi.encodeDeploy(args).slice(2)
                                      : A[name].abi.encodeFunctionData(fn, args);
    const r = await b.send(id, fn === 'constructor' ? null : at, data, value);
    spent.set(id, (spent.get(id) ?? 0n) + r.amountSpent);
    const err = r.execResult.exceptionError;
    steps.push({ step: label, function: `${name}.${fn}`, status: err ? `reverted: ${decodeReason(r.execResult.returnValue)}` : 'ok',
                 gas: Number(r.totalGasSpent) });
    return r;
  };
  for (const id of [PROVIDER, OWNER_A]) await b.fund(id);
  const start = new Map();
  const actors = { owner: OWNER, client: CLIENT, leader: NODE(0), provider: PROVIDER, plug_and_play: PNP, owner_a: OWNER_A };
  for (const [, id] of Object.entries(actors)) start.set(id, (await b.vm.stateManager.getAccount(createAddressFromString(addrOf(id)))).balance);

  const reg = (await step('deploy the Registry', OWNER, 'Registry', null, 'constructor', [1, 8])).createdAddress.toString();
  await step('the first node is a candidate', NODE(0), 'Registry', reg, 'registerCandidate', [1]);
  await step('the owner appoints it leader', OWNER, 'Registry', reg, 'appointLeader', [addrOf(NODE(0))]);
  await step('the CAN\'s price', OWNER, 'Registry', reg, 'setFtenPrice', [1]);
  const cloud = (await step('deploy the Cloud', PROVIDER, 'Cloud', null, 'constructor',
                            [reg, addrOf(SCHEDULER), addrOf(PNP), 1, 2, 3])).createdAddress.toString();
  await step('a stranger registers the Cloud', CLIENT, 'Registry', reg, 'registerCloud', [cloud]);
  await step('the Registry owner registers the Cloud', OWNER, 'Registry', reg, 'registerCloud', [cloud]);
  // A payee that refuses wei: a test contract, not a step (the model has no code of its own for it).
  const made0 = await b.send(OWNER, null, '0x' + A.Refuser.init);
  spent.set(OWNER, spent.get(OWNER) + made0.amountSpent);
  const refuser = made0.createdAddress.toString();
  await step('Plug&Play registers a GPU', PNP, 'Cloud', cloud, 'registerResource', [1, addrOf(OWNER_A), 2, 2, 10]);
  await step('Plug&Play registers a CPU owned by the refusing payee', PNP, 'Cloud', cloud, 'registerResource', [2, refuser, 1, 8, 2]);
  const coder = AbiCoder.defaultAbiCoder();
  const r = { id: 1, client: addrOf(CLIENT), expiresMs: 600000, orcPrice: 4, retryLimit: 3, appOkInterval: 60000, maxFailed: 3,
              resources: [{ id: 1, generation: 1, units: 1 }, { id: 2, generation: 1, units: 1 }] };
  let d = keccak256(coder.encode(Array(10).fill('uint256').map((t, i) => (i === 1 || i === 3 ? 'address' : t)),
                                 [0x5e5e, cloud, r.id, r.client, r.expiresMs, r.orcPrice, r.retryLimit, r.appOkInterval, r.maxFailed,
                                  r.resources.length]));
  for (const x of r.resources) d = keccak256(coder.encode(['bytes32', 'uint256', 'uint256', 'uint256'], [d, x.id, x.generation, x.units]));
  const sig = sign(SCHEDULER, d);
  const made = await step('the client instantiates its reservation', CLIENT, 'Cloud', cloud, 'instantiate', [r, sig.v, sig.r, sig.s], 1000000n);
  const app = '0x' + made.execResult.logs.find((l) => Buffer.from(l[0]).toString('hex') === cloud.slice(2).toLowerCase() &&
                                                          l[1].length === 3)[1][1].slice(12).reduce((s, x) => s + x.toString(16).padStart(2, '0'), '');
  await step('the reservation again', CLIENT, 'Cloud', cloud, 'instantiate', [r, sig.v, sig.r, sig.s], 1000000n);
  const admission = (id) => ({ id, client: addrOf(CLIENT), expiresMs: 600000,
                               terms: { orcPrice: 4, retryLimit: 3, appOkInterval: 60000, maxFailed: 3 } });
  const admit = (a) => sign(SCHEDULER, keccak256(coder.encode(
      ['uint256', 'address', 'uint256', 'address', 'uint256', 'uint256', 'uint256', 'uint256', 'uint256'],
      [0xad, cloud, a.id, a.client, a.expiresMs, a.terms.orcPrice, a.terms.retryLimit, a.terms.appOkInterval, a.terms.maxFailed])));
  const a1 = admission(1), s1 = admit(a1);
  await step('the client\'s own selection, with a forged signature', CLIENT, 'Cloud', cloud, 'instantiateDirect',
             [a1, s1.v, s1.s, s1.r, [{ id: 2, generation: 0, units: 2 }]], 1000n);
  await step('the client\'s own selection', CLIENT, 'Cloud', cloud, 'instantiateDirect',
             [a1, s1.v, s1.r, s1.s, [{ id: 2, generation: 0, units: 2 }]], 1000n);
  const a2 = admission(2), s2 = admit(a2);
  await step('the contract\'s selection', CLIENT, 'Cloud', cloud, 'instantiateSearch', [a2, s2.v, s2.r, s2.s, [{ kind: 1, units: 3 }]], 1000n);
  const L = NODE(0);
  const cp = (label, kind, ts, sv, orc) => step(label, L, 'Application', app, 'addCheckpoint', [kind, ts, sv, addrOf(orc)]);
  b.timestampMs = 60000n;
  await cp('SERVICE_UP of the GPU service', SERVICE_UP, 0, 0, ORC1);
  await cp('SERVICE_UP of the CPU service', SERVICE_UP, 60000, 1, ORC1);
  b.timestampMs = 600000n;
  await cp('APP_OK', APP_OK, 600000, 0, ORC1);
  await step('interim payment: both services to the APP_OK', L, 'Application', app, 'interimPayment', [10]);
  b.timestampMs = 900000n;
  // Locked 270; 5 minutes of 18 + 10 may still be claimed: 1000000 - 270 - 140 = 999590 may go.
  await step('the client asks one wei more than it may take back', CLIENT, 'Application', app, 'refund', [999591]);
  await step('the client takes back what no checkpoint can claim, but for 1000', CLIENT, 'Application', app, 'refund', [999000]);
  await cp('SERVICE_DOWN of the CPU service, under the second Orchestrator', SERVICE_DOWN, 900000, 1, ORC2);
  b.timestampMs = 1200000n;
  await cp('APP_SHUTDOWN', APP_SHUTDOWN, 1200000, 0, ORC2);
  await step('interim payment: the rest, and shutdown', L, 'Application', app, 'interimPayment', [10]);
  await step('the GPU\'s owner withdraws', OWNER_A, 'Application', app, 'withdraw', []);
  await step('the client releases the resources', CLIENT, 'Cloud', cloud, 'release', [app]);
  await step('the client destroys the application', CLIENT, 'Application', app, 'destroy', []);
  await step('the provider takes the Cloud\'s share', PROVIDER, 'Cloud', cloud, 'withdrawShare', []);

  const balance = async (a) => (await b.vm.stateManager.getAccount(createAddressFromString(a)))?.balance ?? 0n;
  const balances = {};
  for (const [name, id] of Object.entries(actors)) {
    balances[name] = (await balance(addrOf(id))) - start.get(id) + (spent.get(id) ?? 0n);
  }
  for (const [name, a] of Object.entries({ registry: reg, cloud, application: app, refusing_payee: refuser,
                                            orchestrator_1: addrOf(ORC1), orchestrator_2: addrOf(ORC2) })) {
    balances[name] = await balance(a);
  }
  for (const k of Object.keys(balances)) balances[k] = balances[k].toString();
  return { steps, net_wei: balances };
}

if (process.argv.includes('--lifecycle-only')) {
  console.log(JSON.stringify(await lifecycle(), null, 2));
  process.exit(0);
}

await registryRows();
await applicationRows();
await cloudRows();
console.log(`${rows.length} rows measured`);
const limits = [30000000, 36000000, 45000000];
const largest = [];
for (const services of [2, 10, 50]) largest.push({ services, k: await largestK(services, limits) });

const pkg = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8'));
const code = {};
for (const [name, a] of Object.entries(A)) if (name !== 'Refuser') code[name] = { deployed_bytes: a.deployed.length / 2, init: countBytes(a.init) };
const table = {
  about: 'Gas measured on a real EVM by scripts/gas/calibrate.mjs (make gas-calibrate); the C++ tests compare the model with it.',
  compiler: `solc ${solc.version()}, optimizer on, 200 runs, evmVersion london`,
  evm: `@ethereumjs/vm ${pkg.dependencies['@ethereumjs/vm']}, hardfork London`,
  sources_sha256: sourcesSha256,
  code,
  rows,
  largest_k: largest,
  lifecycle: await lifecycle(),
};
fs.writeFileSync(outPath + '.tmp', JSON.stringify(table, null, 2) + '\n');
fs.renameSync(outPath + '.tmp', outPath);
console.log(`wrote ${outPath}`);
