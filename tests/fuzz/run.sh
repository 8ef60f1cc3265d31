#!/bin/bash
# Runs one libFuzzer harness for a set time: tests/fuzz/run.sh NAME SECONDS
# Seeds come from tests/fuzz/corpus/NAME (read only); what the fuzzer adds goes to
# build-fuzz/corpus/NAME. Prints one line "fuzz NAME: N executions in S s (E/s), corpus C";
# on a crash, leak or timeout prints the report and the saved input and exits 1.
set -u
name=$1 seconds=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/build-fuzz/fuzz-$name
work=$root/build-fuzz/corpus/$name
mkdir -p "$work"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-fast_unwind_on_malloc=0:detect_leaks=1}  # full stacks: tests/lsan.supp
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
       -print_final_stats=1 -artifact_prefix="$root/build-fuzz/crash-$name-" \
       "$work" "$root/tests/fuzz/corpus/$name" >"$log" 2>&1
rc=$?
runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log")
if [ $rc -ne 0 ] || [ -z "$runs" ]; then
    tail -n 60 "$log"
    echo "fuzz $name: FAILED (exit $rc); input saved as build-fuzz/crash-$name-*"
    exit 1
fi
echo "fuzz $name: $runs executions in ${seconds}s ($rate/s)," \
     "corpus $(ls "$work" | wc -l) new + $(ls "$root/tests/fuzz/corpus/$name" | wc -l) seeds"
