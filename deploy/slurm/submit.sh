#!/usr/bin/env bash
# Submits a sharded d11sim run and its merge to Slurm:
#
#   bash deploy/slurm/submit.sh SHARDS SCENARIO|- REPLICATIONS SEED OUT_ROOT [--wait]
#
# The array job runs d11sim-array.sbatch once per shard; the merge job starts after every
# task succeeded (afterok) and writes OUT_ROOT/merged. With --wait it returns when the
# merge has finished, with its exit status.
set -euo pipefail
if [ $# -lt 5 ]; then
  echo "usage: $0 SHARDS SCENARIO|- REPLICATIONS SEED OUT_ROOT [--wait]" >&2
  exit 2
fi
shards=$1 scenario=$2 replications=$3 seed=$4 root=$5 wait=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$root"
array=$(sbatch --parsable --array=0-$((shards - 1)) --chdir="$root" \
  "$here/d11sim-array.sbatch" "$scenario" "$replications" "$seed" "$root")
echo "array job $array: $shards shards"
merge=(sbatch --parsable --dependency=afterok:"$array" --chdir="$root" --job-name=d11sim-merge
  --output=d11sim-merge-%j.log)
[ "$wait" = "--wait" ] && merge+=(--wait)
shard_dirs=()
for i in $(seq 0 $((shards - 1))); do shard_dirs+=("$root/shard-$i"); done
job=$("${merge[@]}" --wrap="${D11SIM_BIN:-d11sim} merge ${shard_dirs[*]} --out $root/merged --quiet")
echo "merge job $job: $root/merged"
