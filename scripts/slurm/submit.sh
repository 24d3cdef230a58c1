#!/usr/bin/env bash
# Submits a cansim sweep to Slurm: an array job of N shards, and a merge job that runs when all
# of them have succeeded. Prints the two job ids. The result is OUT/merged, exactly what one
# unsharded `cansim run` writes; each task's log is OUT/logs/shard-K.log.
#   scripts/slurm/submit.sh SCENARIO OUT N [sbatch options...] [-- cansim run options...]
# CANSIM (default: build/cansim) names the executable. Every node must see it, the scenario and
# OUT at the same paths (a shared file system). OUT/submit.args keeps the arguments for rerun.sh.
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,7p' "$0" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
scenario=$(realpath "$1") out=$(realpath -m "$2") n=$3
shift 3
if ! [[ $n =~ ^[1-9][0-9]*$ ]]; then
  echo "submit.sh: N must be a positive integer, found '$n'" >&2
  exit 2
fi
sbatch_opts=() run_opts=()
while [ $# -gt 0 ]; do
  if [ "$1" = -- ]; then shift; run_opts=("$@"); break; fi
  sbatch_opts+=("$1"); shift
done
cansim=$(realpath "${CANSIM:-build/cansim}")
mkdir -p "$out/logs"
{
  printf 'cansim=%q\nscenario=%q\nn=%q\n' "$cansim" "$scenario" "$n"
  declare -p sbatch_opts run_opts
} > "$out/submit.args"
array=$(sbatch --parsable --array="0-$((n - 1))" --output="$out/logs/shard-%a.log" "${sbatch_opts[@]}" \
  "$here/sweep.sbatch" "$cansim" "$scenario" "$out" "$n" "${run_opts[@]}")
merge=$(sbatch --parsable --dependency="afterok:${array%%;*}" --output="$out/logs/merge.log" "${sbatch_opts[@]}" \
  "$here/merge.sbatch" "$cansim" "$out")
echo "$array $merge"
