#!/usr/bin/env python3
"""Runs the mutation check: each mutant below is a one-line change that some test must notice.

For each mutant the script applies the change, rebuilds the test binary, runs every test that is
not a golden-bytes test (golden files notice any change, so they would hide a missing behavioural
test), and restores the file. A mutant that leaves every test passing is ALIVE: a behaviour no
test checks. The exit status is the number of mutants alive.

    /usr/bin/python3 scripts/mutants.py [--build build] [NAME-SUBSTRING ...]

A maintainer's tool (it rebuilds once per mutant, about a minute each); CI does not run it.
"""
import argparse
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# (name, file, original text, mutated text); the original must occur exactly once in the file.
MUTANTS = [
    ("leads() without the Registry's nonce", "src/protocols/can/can.cpp",
     " && nodes_[n].nonce >= registry_nonce();", ";"),
    ("fencing by the member's own (promised) nonce", "src/protocols/can/ledger_sync.cpp",
     "  if (m.nonce < registry_nonce()) {", "  if (m.nonce < nodes_[self].nonce) {"),
    ("fencing by max(member's nonce, Registry's)", "src/protocols/can/ledger_sync.cpp",
     "  if (m.nonce < registry_nonce()) {", "  if (m.nonce < std::max(registry_nonce(), nodes_[self].nonce)) {"),
    ("no fencing", "src/protocols/can/ledger_sync.cpp",
     "  if (m.nonce < registry_nonce()) {", "  if (false) {"),
    ("payment boundary where a SERVICE_DOWN pays", "src/model/chain/contracts/application.cpp",
     "          if (total + x > available) break;", "          if (total + x >= available) break;"),
    ("payment boundary where an APP_OK pays", "src/model/chain/contracts/application.cpp",
     "        if (total + app_total > available) break;", "        if (total + app_total >= available) break;"),
    ("FinishWork leaves the members' replicas", "src/protocols/can/ledger_sync.cpp",
     "    if (e.type == MsgType::FinishWork) drop_replicas(self, e.work);", ""),
    ("the Registry accepts exactly half of the accepts", "include/cansim/model/chain/contracts/registry.hpp",
     "  return 2 * distinct_member_accepts > members;", "  return 2 * distinct_member_accepts >= members;"),
    ("a signed accept for any proposer of the nonce", "include/cansim/protocols/can/rules.hpp",
     "  return s.nonce == nonce && s.promised_to == proposer;", "  return s.nonce == nonce;"),
    ("a vote at exactly half removes", "include/cansim/protocols/can/rules.hpp",
     "{ return 2 * yes > members; }", "{ return 2 * yes >= members; }"),
    ("Algorithm 1's churn ignores joins in flight", "src/protocols/can/join.cpp",
     "static_cast<std::int64_t>(joins_ + node.joining)};", "static_cast<std::int64_t>(joins_)};"),
    ("Algorithm 1's size ignores joins in flight", "src/protocols/can/join.cpp",
     "const JoinState js{static_cast<std::int64_t>(member_list_.size() + node.joining),",
     "const JoinState js{static_cast<std::int64_t>(member_list_.size()),"),
    ("no per-byte gas for created code", "src/model/chain/execution.cpp",
     "gas.tx_create + gas.create_per_code_byte * tx.created_code_bytes", "gas.tx_create"),
    ("a new leader inherits its predecessor's round robin", "src/protocols/can/ledger_sync.cpp",
     "    l.rr = comps_.empty() ? 0 : static_cast<std::uint32_t>(comps_.size() - 1);",
     "    l.rr = 0;"),
    # The cloud and the orchestration (issue 31: what a mutation check of these layers left alive).
    ("a call may use one unit of gas more than its limit", "src/model/chain/execution.cpp",
     "  if (g > limit_ - used_) {", "  if (g >= limit_ - used_) {"),
    ("a release does not settle the energy drawn before it", "src/model/cloud/hosts.cpp",
     "  settle(h, now);\n  free_cores_[h] += d.cores;", "  free_cores_[h] += d.cores;"),
    ("APP_OK whatever the services' state", "src/orchestration/orchestrator.cpp",
     "  if (!j->shutting_down && all_up) checkpoint(k, CheckpointType::AppOk, 0);",
     "  if (!j->shutting_down) checkpoint(k, CheckpointType::AppOk, 0);"),
    ("the SOSM leaves the switches' SI stale", "src/cloud/scheduler.cpp",
     "    n->free_mem += d_mem;\n    n->si = si_of(*n);", "    n->free_mem += d_mem;\n    if (n != &s) n->si = si_of(*n);"),
    ("failed deploys counted in total, not in a row", "src/orchestration/orchestrator.cpp",
     "    j.attempts[s] = 0;\n", ""),
    ("a hypervisor admits a call one assignment stale", "src/cloud/hypervisor_api.cpp",
     "  if (m.epoch < highest) return false;", "  if (m.epoch + 1 < highest) return false;"),
    ("a SERVICE_DOWN stamped at detection", "src/orchestration/orchestrator.cpp",
     "checkpoint(k, CheckpointType::ServiceDown, s, j.good[s]);", "checkpoint(k, CheckpointType::ServiceDown, s);"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("only", nargs="*", help="run the mutants whose name contains one of these")
    a = ap.parse_args()
    alive = 0
    for name, rel, old, new in MUTANTS:
        if a.only and not any(s in name for s in a.only):
            continue
        path = ROOT / rel
        text = path.read_text()
        if text.count(old) != 1:
            print(f"{name}: the original text is not in {rel} exactly once; update this list")
            alive += 1
            continue
        try:
            path.write_text(text.replace(old, new))
            b = subprocess.run(["cmake", "--build", a.build, "-j", "2", "--target", "cansim_tests"],
                               cwd=ROOT, capture_output=True, text=True)
            if b.returncode != 0:
                print(f"{name}: the mutant does not build\n{b.stdout[-2000:]}")
                alive += 1
                continue
            t = subprocess.run([f"{a.build}/tests/cansim_tests", "~[golden]"], cwd=ROOT, capture_output=True, text=True)
            if t.returncode == 0:
                print(f"{name}: ALIVE")
                alive += 1
            else:
                failed = [l for l in t.stdout.splitlines() if l.startswith("test cases:")]
                print(f"{name}: killed ({failed[-1] if failed else 'the tests fail'})")
        finally:
            path.write_text(text)
    # The restored sources are newer than the mutants' objects: the next build recompiles them.
    subprocess.run(["cmake", "--build", a.build, "-j", "2", "--target", "cansim_tests"], cwd=ROOT, capture_output=True)
    return alive


if __name__ == "__main__":
    sys.exit(main())
