#!/usr/bin/env bash
# A longer fuzz campaign of scenario input than `cargo test` runs: N mutants of the shipped
# scenarios (edge values, wrong types, removed keys, scaled numbers), each refused with a
# one-line error naming the file or validated and run for one replication; any panic or a
# mutant over 60 s fails it. Usage: bash benches/fuzz.sh [N]   (default 6000)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-6000}"
D11SIM_FUZZ_CASES="$N" cargo test --release --test it fuzz -- --nocapture 2>&1 |
    grep -E "^fuzz:|test result|panicked|a panic"
