#!/usr/bin/env bash
# A longer fuzz campaign of scenario input than `cargo test` runs: N mutants of the shipped
# scenarios, the platform one included (edge values, wrong types, removed keys, scaled
# numbers), each refused with a one-line error naming the file, or validated and run for one
# replication: every mutant that validates runs, those too large for a minute on a shorter
# horizon, and must end with KPIs that can be (shares within 0..1, nothing negative or
# infinite), a warning for customers unresolved at the drain cap, or a stop at its memory
# budget (1 GiB) with a message. Any panic, abort or a mutant over 60 s fails it. The test
# binary runs under a 4 GB address-space limit (`ulimit -v`), so an allocation the budget
# missed aborts the campaign instead of passing unseen. A fresh seed is drawn unless given;
# it is printed, so a failing campaign can be run again. The whole output (with any failing
# mutant's text) is kept in target/fuzz.log.
# Usage: bash benches/fuzz.sh [N [SEED]]   (default 6000 mutants)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-6000}"
SEED="${2:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
echo "fuzz: $N mutants, seed $SEED (again: bash benches/fuzz.sh $N $SEED)"
mkdir -p target
status=0
# built outside the limit (the compiler needs more), run inside it
cargo test --release --test it --no-run >/dev/null 2>&1
(
    ulimit -v 4194304
    D11SIM_FUZZ_ALL=1 D11SIM_FUZZ_CASES="$N" D11SIM_FUZZ_SEED="$SEED" \
        cargo test --release --test it fuzz -- --nocapture
) >target/fuzz.log 2>&1 || status=$?
grep -E "^fuzz:|test result|panicked|a panic|over 60 s" target/fuzz.log || true
[ "$status" -eq 0 ] || echo "fuzz: failed; the mutant is in target/fuzz.log"
exit "$status"
