#!/bin/bash
# make bench: runs every benchmark (tests/bench/convert.sh, pack.sh, train.sh) in one go and
# prints one table of this project against the alternatives measured in the same run.
#
# Each benchmark prints its own report (kept in $BENCH_LOGS/<name>.log) and, for every
# comparison, one line of the form (docs/benchmarks.md)
#     RESULT|<benchmark>|<case>|<unit>|<this project's value>|<alternative>|<its value>
# The ratio in the table is this project's value over the alternative's, so for rates
# (images/s, MB/s) above 1 means faster. Results are printed, not asserted; the exit status
# is 1 only when a benchmark script itself failed.
#
# BENCH_QUICK=1 is passed on to every script: a reduced run (under a minute in all).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
export BIN=${BIN:-$root/bin} BENCH_QUICK=${BENCH_QUICK:-0}
logs=${BENCH_LOGS:-$root/work/bench}
mkdir -p "$logs"
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=("$root"/tests/bench/convert.sh "$root"/tests/bench/pack.sh \
                                     "$root"/tests/bench/train.sh)

echo "bench: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "bench: BENCH_QUICK=$BENCH_QUICK, logs in $logs"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
status=0
for s in "${scripts[@]}"; do
    name=$(basename "$s" .sh)
    if [ ! -f "$s" ]; then
        echo "bench: $name: missing ($s)"; status=1; continue
    fi
    start=$(date +%s)
    bash "$s" > "$logs/$name.log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    n=$(grep -c '^RESULT|' "$logs/$name.log")
    case $rc in
        0)  echo "bench: $name: done in ${secs}s, $n results" ;;
        77) echo "bench: $name: skipped: $(tail -n 1 "$logs/$name.log")" ;;
        *)  echo "bench: $name: FAILED (exit $rc) after ${secs}s, see $logs/$name.log"; status=1 ;;
    esac
    [ "$rc" -eq 0 ] && [ "$n" -eq 0 ] && echo "bench: $name: printed no RESULT lines, see $logs/$name.log"
    grep '^RESULT|' "$logs/$name.log" >> "$results"
done

echo
awk -F'|' '
    function row(a, b, c, d, e, f, g) { printf "%-8s  %-36s  %-12s  %12s  %-30s  %12s  %7s\n", a, b, c, d, e, f, g }
    BEGIN { row("bench", "case", "unit", "this project", "alternative", "its value", "ratio")
            row("-----", "----", "----", "------------", "-----------", "---------", "-----") }
    NF >= 7 { row($2, $3, $4, $5, $6, $7, ($7 + 0 != 0) ? sprintf("%.2fx", $5 / $7) : "-") }' "$results"
exit $status
