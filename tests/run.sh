#!/bin/bash
# Runs Criterion unit-test binaries and end-to-end scripts, then prints one closing line:
#   tests: N passed, N failed, N skipped
# Usage: tests/run.sh [unit-binary...] -- [e2e-script...]
# An e2e script passes with exit 0, is skipped with exit 77 (its reason on stdout), fails otherwise.
set -u
# Sanitizer settings for `make test SANITIZE=1` (harmless otherwise): full stacks so that the
# suppressions of third-party leaks (tests/lsan.supp) match, and stop at the first report.
here=$(cd "$(dirname "$0")" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-fast_unwind_on_malloc=0:detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
passed=0 failed=0 skipped=0 failures=()

while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    bin=$1; shift
    echo "== unit: $bin"
    # --verbose for the [SKIP] lines of cr_skip_test, which the synthesis line does not count
    out=$("$bin" --jobs 1 --full-stats --verbose 2>&1); rc=$?
    out=$(echo "$out" | grep -v -E '^\[(RUN |PASS)\]')
    echo "$out" | grep -v '^\[====\] Running' | tail -n 60
    s=$(echo "$out" | grep '^\[SKIP\]' | grep -vc ': Test is disabled$')
    skipped=$((skipped + s))
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
