#!/usr/bin/env bash
# Runs each fuzz target over its corpus plus a bounded, seeded exploration, so that the run
# is the same every time (make test); `make fuzz` explores freely for longer.
# Usage: tests/fuzz/replay.sh FUZZ_BUILD_DIR [RUNS]
set -u
cd "$(dirname "$0")/../.."
dir=$1
runs=${2:-2000}
export LEDGER_ROOT=$PWD
passed=0
failed=0
for corpus in tests/fuzz/corpus/*/; do
  name=$(basename "$corpus")
  bin="$dir/fuzz_$name"
  work="$dir/replay-$name"
  rm -rf "$work" && mkdir -p "$work" "$dir/crashes"
  if "$bin" -seed=1 -runs="$runs" -max_len=65536 -timeout=10 -rss_limit_mb=1024 \
      -artifact_prefix="$dir/crashes/$name-" "$work" "$corpus" >"$dir/$name.log" 2>&1; then
    passed=$((passed + 1))
    echo "fuzz_$name: $(grep -Eo 'Done [0-9]+ runs' "$dir/$name.log" | tail -n 1)"
  else
    failed=$((failed + 1))
    echo "FAIL fuzz_$name (log: $dir/$name.log)"
    grep -E "ERROR|SUMMARY|runtime error" "$dir/$name.log" | head -n 5
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
