#!/bin/bash
# Runs Criterion unit-test binaries and end-to-end scripts, then prints one closing line:
#   tests: N passed, N failed, N skipped
# Usage: tests/run.sh [unit-binary...] -- [e2e-script...]
# An e2e script passes with exit 0, is skipped with exit 77 (its reason on stdout), fails otherwise.
set -u
passed=0 failed=0 skipped=0 failures=()

while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    bin=$1; shift
    echo "== unit: $bin"
    out=$("$bin" --jobs 1 --full-stats 2>&1); rc=$?
    echo "$out" | tail -n 60
    line=$(echo "$out" | grep -E 'Synthesis: Tested: [0-9]+' | tail -n 1)
    if [ -z "$line" ]; then
        failed=$((failed + 1)); failures+=("$bin (no synthesis line, exit $rc)"); continue
    fi
    p=$(echo "$line" | sed -E 's/.*Passing: ([0-9]+).*/\1/')
    f=$(echo "$line" | sed -E 's/.*Failing: ([0-9]+).*/\1/')
    c=$(echo "$line" | sed -E 's/.*Crashing: ([0-9]+).*/\1/')
    passed=$((passed + p)); failed=$((failed + f + c))
    if [ $((f + c)) -gt 0 ] || [ $rc -ne 0 ]; then failures+=("$bin"); fi
    [ $rc -ne 0 ] && [ $((f + c)) -eq 0 ] && failed=$((failed + 1))
done
[ $# -gt 0 ] && shift

for script in "$@"; do
    [ -f "$script" ] || continue
    name=$(basename "$script" .sh)
    [ "$name" = lib ] && continue          # shared helpers, not a test
    start=$(date +%s)
    out=$(bash "$script" 2>&1); rc=$?
    secs=$(( $(date +%s) - start ))
    case $rc in
        0)  passed=$((passed + 1)); echo "PASS  $name (${secs}s)" ;;
        77) skipped=$((skipped + 1)); echo "SKIP  $name: $(echo "$out" | tail -n 1)" ;;
        *)  failed=$((failed + 1)); failures+=("$name"); echo "FAIL  $name (exit $rc, ${secs}s)"
            echo "$out" | tail -n 30 | sed 's/^/      /' ;;
    esac
done

for f in "${failures[@]+"${failures[@]}"}"; do echo "failed: $f"; done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
