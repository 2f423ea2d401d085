#!/usr/bin/env bash
# Runs every test and ends with one summary line: "N passed, M failed".
# BUILD names the build folder (build, or build/asan for the sanitizer build).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export LEDGER_BIN="$PWD/$BUILD/ledger"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
SPEC=${MUSTACHE_SPEC:-../shared/mustache-spec}

passed=0
failed=0
suites_failed=()

count() {
  # Adds the last "N passed, M failed" line of a suite's output to the totals.
  local line
  line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
  if [ -z "$line" ]; then
    failed=$((failed + 1))
    return
  fi
  passed=$((passed + $(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')))
  failed=$((failed + $(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')))
}

run_suite() {
  local name=$1; shift
  local out
  out=$(mktemp)
  echo "== $name"
  if "$@" >"$out" 2>&1; then :; else suites_failed+=("$name"); fi
  grep -E '(passed, [0-9]+ failed|^FAIL|check failed|: got|  want|not ok|ERROR|Sanitizer|runtime error)' "$out" | head -n 60
  count "$out"
  rm -f "$out"
}

run_suite layers tests/layers.sh
run_suite test_tmpl "$BUILD/test_tmpl" "$SPEC" .
run_suite test_router "$BUILD/test_router"
run_suite test_migrate "$BUILD/test_migrate" migrations
run_suite test_util "$BUILD/test_util"
run_suite test_org "$BUILD/test_org"
run_suite test_fields "$BUILD/test_fields"
run_suite test_authz "$BUILD/test_authz"
run_suite test_audit "$BUILD/test_audit"
run_suite test_workflow "$BUILD/test_workflow"
run_suite test_search "$BUILD/test_search"
run_suite test_score "$BUILD/test_score"
run_suite test_merkle "$BUILD/test_merkle"
run_suite test_thumb "$BUILD/test_thumb"
run_suite test_xlsx "$BUILD/test_xlsx"
run_suite test_workdays "$BUILD/test_workdays" calendar/node_modules/chinese-days/dist/years
run_suite fuzz tests/fuzz/replay.sh "${FUZZ_BUILD:-build/fuzz}"
run_suite http node tests/http/run.mjs

echo
if [ ${#suites_failed[@]} -gt 0 ]; then
  echo "failing suites: ${suites_failed[*]}"
  [ "$failed" -eq 0 ] && failed=${#suites_failed[@]}
fi
echo "all tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
