#!/usr/bin/env bash
# Submits a sharded d11sim run and its merge to Slurm:
#
#   bash deploy/slurm/submit.sh SHARDS SCENARIO|- REPLICATIONS SEED OUT_ROOT [--wait]
#
# The array job runs d11sim-array.sbatch once per shard; the merge job starts after every
# task succeeded (afterok) and writes OUT_ROOT/merged. With --wait it returns when the
# merge has finished, with its exit status, or as soon as a task fails: it then cancels
# the merge (which could never start), names the failed tasks and their logs, and exits 1.
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
merge=(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes
  --chdir="$root" --job-name=d11sim-merge --output=d11sim-merge-%j.log)
shard_dirs=()
for i in $(seq 0 $((shards - 1))); do shard_dirs+=("$root/shard-$i"); done
job=$("${merge[@]}" --wrap="${D11SIM_BIN:-d11sim} merge ${shard_dirs[*]} --out $root/merged --quiet")
echo "merge job $job: $root/merged"
[ "$wait" = "--wait" ] || exit 0

# the state of a job (or of every task of an array, one per line: "TASK STATE")
states() {
  scontrol -o show job "$1" 2>/dev/null |
    sed -nE 's/.*ArrayTaskId=([0-9-]+).*JobState=([A-Z_]+).*/\1 \2/p; t; s/.*JobState=([A-Z_]+).*/- \1/p'
}
while :; do
  failed=$(states "$array" | awk '$2 ~ /^(FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|BOOT_FAIL|DEADLINE|PREEMPTED)$/')
  if [ -n "$failed" ]; then
    scancel "$job" 2>/dev/null || true
    echo "error: array job $array: a task failed, so the merge (job $job) is cancelled:" >&2
    while read -r task state; do
      echo "  task $task: $state (log $root/d11sim-${array}_${task}.log)" >&2
    done <<<"$failed"
    echo "resubmit a failed task with: sbatch --array=TASK $here/d11sim-array.sbatch" \
      "$scenario $replications $seed $root $shards; then merge: d11sim merge" \
      "${shard_dirs[*]} --out $root/merged" >&2
    exit 1
  fi
  merge_state=$(states "$job" | awk '{print $2}')
  case "$merge_state" in
    COMPLETED) echo "merged: $root/merged"; exit 0 ;;
    FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL)
      echo "error: merge job $job: $merge_state (log $root/d11sim-merge-$job.log)" >&2
      exit 1 ;;
    "")
      echo "error: merge job $job is no longer known to Slurm; see $root/d11sim-merge-$job.log" >&2
      exit 1 ;;
  esac
  sleep "${D11SIM_POLL_S:-2}"
done
