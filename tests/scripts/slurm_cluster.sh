#!/usr/bin/env bash
# The Slurm scripts on a real one-node cluster: starts munged, slurmctld and slurmd on this
# machine with a generated minimal slurm.conf (in a temporary folder, on ports of its own),
# submits a sharded sweep of a real scenario with scripts/slurm/submit.sh, waits for the merge
# job, and compares the merged result with the same sweep run unsharded, byte for byte but for
# the command line in the manifest. A second sweep has one task fail on purpose: the merge job
# must not run, and rerunning that shard alone and merging gives the same result. Stops every
# daemon it started. Needs root (the daemons) and Debian's slurm-wlm and munge
# (scripts/install-deps.sh cluster).
#   tests/scripts/slurm_cluster.sh SOURCE_DIR CANSIM
set -euo pipefail
src=$(realpath "$1")
cansim=$(realpath "$2")
work=$(mktemp -d /tmp/cansim-slurm.XXXXXX)
chmod 755 "$work"
pids=()
stop() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop EXIT
fail() {
  echo "slurm_cluster: $*" >&2
  for log in "$work"/*.log; do echo "--- $log" >&2; tail -20 "$log" >&2; done
  exit 1
}

host=$(hostname -s)
cpus=$(nproc)
# munge: a key and a socket of our own, so that a munged already running is left alone.
mkdir -p "$work/munge"
dd if=/dev/urandom bs=1 count=1024 of="$work/munge/key" 2>/dev/null
chmod 700 "$work/munge"
chmod 400 "$work/munge/key"
munged --force --key-file="$work/munge/key" --socket="$work/munge/socket" --pid-file="$work/munge/pid" \
  --log-file="$work/munged.log" --seed-file="$work/munge/seed"
for _ in $(seq 50); do [ -s "$work/munge/pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/munge/pid")")

mkdir -p "$work/state" "$work/spool"
port=$((20000 + RANDOM % 20000))
cat > "$work/slurm.conf" <<EOF
ClusterName=cansimtest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$work/slurm.conf
slurmctld -f "$SLURM_CONF" -i || fail "slurmctld did not start"
for _ in $(seq 50); do [ -s "$work/slurmctld.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/slurmctld.pid")")
slurmd -f "$SLURM_CONF" -N "$host" || fail "slurmd did not start"
for _ in $(seq 50); do [ -s "$work/slurmd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/slurmd.pid")")
for _ in $(seq 100); do
  sinfo -h -o %T 2>/dev/null | grep -qE '^idle' && break
  sleep 0.3
done
sinfo -h -o %T | grep -qE '^idle' || fail "the node did not become idle: $(sinfo 2>&1)"

# Waits until job $1 has left the queue; prints its final state.
wait_job() {
  for _ in $(seq 600); do
    squeue -h -j "$1" 2>/dev/null | grep -q . || break
    sleep 0.5
  done
  squeue -h -j "$1" 2>/dev/null | grep -q . && fail "job $1 still queued after 5 minutes"
  scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -1
}

# A real sweep (Figure 4.2, 50 repetitions: 500 runs), as 4 shards.
scenario=$src/scenarios/fig4_2.json
CANSIM=$cansim bash "$src/scripts/slurm/submit.sh" "$scenario" "$work/sweep" 4 -- --set repetitions=50 > "$work/jobs"
read -r array merge < "$work/jobs"
wait_job "$merge" > /dev/null
[ -f "$work/sweep/merged/summary.json" ] || fail "no merged result (merge job $merge)"
for k in 1 2 3 4; do [ -f "$work/sweep/shard-$k/partial-runs.jsonl" ] || fail "no shard $k"; done
"$cansim" run "$scenario" --set repetitions=50 -o "$work/whole" > /dev/null
python3 "$src/scripts/compare_results.py" "$work/whole" "$work/sweep/merged" || fail "the merged sweep differs from the unsharded run"
echo "ok: 4 array tasks and the merge job gave the unsharded result"

# A task that fails: a wrapper fails for array task 2 while a marker exists (a node that died, say).
# The merge job must not run; rerun.sh runs task 2 alone again, and the merge then gives the
# same result as the unsharded run.
cat > "$work/flaky" <<EOF
#!/usr/bin/env bash
if [ "\${SLURM_ARRAY_TASK_ID:-}" = 2 ] && [ -e "$work/marker" ]; then echo "flaky: task 2 fails" >&2; exit 1; fi
exec "$cansim" "\$@"
EOF
chmod +x "$work/flaky"
touch "$work/marker"
CANSIM=$work/flaky bash "$src/scripts/slurm/submit.sh" "$scenario" "$work/retry" 4 -- --set repetitions=50 > "$work/jobs"
read -r array merge < "$work/jobs"
reason=""
for _ in $(seq 300); do
  reason=$(squeue -h -j "$merge" -o %r 2>/dev/null || true)
  [ "$reason" = DependencyNeverSatisfied ] && break
  sleep 0.5
done
[ "$reason" = DependencyNeverSatisfied ] || fail "the merge job $merge is not held by the failed task (reason: '$reason')"
[ ! -e "$work/retry/merged" ] || fail "the merge job ran although a task failed"
[ -d "$work/retry/shard-1" ] && [ -d "$work/retry/shard-2" ] && [ -d "$work/retry/shard-4" ] && [ ! -e "$work/retry/shard-3" ] \
  || fail "expected shards 1, 2 and 4 only: $(ls "$work/retry")"
echo "ok: with task 2 failed, the merge job waits (DependencyNeverSatisfied)"
scancel "$merge"
rm "$work/marker"
bash "$src/scripts/slurm/rerun.sh" "$work/retry" 2 > "$work/jobs"
read -r array merge < "$work/jobs"
wait_job "$merge" > /dev/null
[ -f "$work/retry/merged/summary.json" ] || fail "no merged result after the rerun (merge job $merge)"
python3 "$src/scripts/compare_results.py" "$work/whole" "$work/retry/merged" || fail "the rerun and merge differ from the unsharded run"
echo "ok: task 2 run again alone, merged: the unsharded result"
