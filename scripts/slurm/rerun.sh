#!/usr/bin/env bash
# Runs the failed tasks of a sweep again, and then the merge: after a task failed, its merge job
# waits for ever (DependencyNeverSatisfied); cancel it, then give this script the sweep's OUT and
# the array task ids (from 0, as in OUT/logs/shard-K.log) to run again. The other shards stay as
# they are. Prints the new job ids.
#   scripts/slurm/rerun.sh OUT TASK_ID[,TASK_ID...]
set -euo pipefail
if [ $# -ne 2 ]; then
  sed -n '2,7p' "$0" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath "$1")
# shellcheck source=/dev/null
source "$out/submit.args"
array=$(sbatch --parsable --array="$2" --output="$out/logs/shard-%a.log" "${sbatch_opts[@]}" \
  "$here/sweep.sbatch" "$cansim" "$scenario" "$out" "$n" "${run_opts[@]}")
merge=$(sbatch --parsable --dependency="afterok:${array%%;*}" --output="$out/logs/merge.log" "${sbatch_opts[@]}" \
  "$here/merge.sbatch" "$cansim" "$out")
echo "$array $merge"
