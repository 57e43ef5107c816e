#!/usr/bin/env bash
# Benchmark `lessons check` on synthetic policy repositories (see bench/README.md).
#
#   bench/run.sh                      build, then measure 1,000 and 10,000 incidents
#   SIZES="500 5000" bench/run.sh     other corpus sizes
#   LESSONS=/path/to/lessons bench/run.sh   measure that binary (no build)
#
# For each size and for the default thread count and `--jobs 1`: wall time (hyperfine when
# installed, else three runs timed by bash), peak resident memory (/usr/bin/time) and the
# load (parse) and evaluate times the checker prints with `--verbose`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Every run checks the whole repository: the cache across runs (on by default) would
# turn each run after the first into an unchanged one. bench/cache.sh measures the cache.
export LESSONS_NO_CACHE=1

SIZES="${SIZES:-1000 10000}"
AS_OF="2026-11-01" # the date bench/generate.py plants its gaps against

if [[ -z "${LESSONS:-}" ]]; then
    LESSONS="target/release/lessons"
    echo "building: cargo build --release" >&2
    cargo build --release
fi
if [[ ! -x "$LESSONS" ]]; then
    echo "error: $LESSONS is not an executable; build it or set LESSONS=/path/to/lessons" >&2
    exit 2
fi
LESSONS="$(cd "$(dirname "$LESSONS")" && pwd)/$(basename "$LESSONS")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lessons-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

HAVE_HYPERFINE=0
if command -v hyperfine >/dev/null 2>&1; then
    HAVE_HYPERFINE=1
else
    echo "note: hyperfine not found (apt-get install hyperfine); timing three runs with bash instead" >&2
fi
HAVE_TIME=0
if [[ -x /usr/bin/time ]]; then
    HAVE_TIME=1
else
    echo "note: /usr/bin/time not found (apt-get install time); skipping peak memory" >&2
fi

CORES="$(nproc 2>/dev/null || echo '?')"
ROWS=()
REPORT_ROWS=()

# seconds (text) -> "1.234 s"
seconds() { printf '%.3f s' "$1"; }

# Wall time of `lessons $2` on $1 with extra arguments $3..: "mean ± sd s (min … max)".
wall_time() {
    local dir="$1" command="$2"
    shift 2
    if ((HAVE_HYPERFINE)); then
        local cmd
        cmd="$(printf '%q ' "$LESSONS" "$command" --as-of "$AS_OF" "$@" "$dir")"
        hyperfine --warmup 1 --runs 5 --ignore-failure --style basic \
            --export-json "$WORK/hyperfine.json" "$cmd" >&2
        python3 - "$WORK/hyperfine.json" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))["results"][0]
print(f"{result['mean']:.3f} ± {result['stddev'] or 0:.3f} s ({result['min']:.3f} … {result['max']:.3f})")
PY
    else
        local runs=() run elapsed
        for run in 1 2 3; do
            elapsed="$({
                TIMEFORMAT=%R
                time "$LESSONS" "$command" --as-of "$AS_OF" "$@" "$dir" >/dev/null 2>&1 || true
            } 2>&1)"
            echo "  run $run: ${elapsed} s" >&2
            runs+=("$elapsed")
        done
        python3 - "${runs[@]}" <<'PY'
import statistics, sys
runs = [float(r) for r in sys.argv[1:]]
print(f"{statistics.mean(runs):.3f} ± {statistics.stdev(runs):.3f} s ({min(runs):.3f} … {max(runs):.3f})")
PY
    fi
}

# Peak resident set size in MB of `lessons $2` on $1 with arguments $3.., or "n/a".
peak_memory() {
    local dir="$1" command="$2"
    shift 2
    if ((!HAVE_TIME)); then
        echo "n/a"
        return
    fi
    # GNU time writes "Command exited with non-zero status 1" before the figure when the
    # checker finds gaps (exit 1): the figure is the last line.
    /usr/bin/time -f '%M' -o "$WORK/time.txt" \
        "$LESSONS" "$command" --as-of "$AS_OF" "$@" "$dir" >/dev/null 2>&1 || true
    local kb
    kb="$(tail -n 1 "$WORK/time.txt")"
    if [[ "$kb" =~ ^[0-9]+$ ]]; then
        awk -v kb="$kb" 'BEGIN { printf "%.1f MB", kb / 1024 }'
    else
        echo "n/a"
    fi
}

# The `timing:` line of a verbose run: prints "LOAD EVALUATE" (seconds), or "n/a n/a".
# Also stops the benchmark when the checker itself fails (exit 2): timing a failing run
# would measure nothing.
phase_times() {
    local dir="$1"
    shift
    local status=0
    "$LESSONS" check --verbose --as-of "$AS_OF" "$@" "$dir" >/dev/null 2>"$WORK/stderr.txt" || status=$?
    if ((status != 0 && status != 1)); then
        echo "error: lessons check exited $status on $dir; its stderr:" >&2
        tail -n 20 "$WORK/stderr.txt" >&2
        exit 2
    fi
    local line load evaluate
    line="$(grep -E 'timing: load [0-9.]+s' "$WORK/stderr.txt" | tail -n 1 || true)"
    load="$(sed -n 's/.*timing: load \([0-9.]*\)s.*/\1/p' <<<"$line")"
    evaluate="$(sed -n 's/.*evaluate \([0-9.]*\)s.*/\1/p' <<<"$line")"
    if [[ -z "$load" ]]; then
        echo "note: no 'timing: load ...' line in the --verbose output" >&2
    fi
    echo "${load:-n/a} ${evaluate:-n/a}"
}

for size in $SIZES; do
    dir="$WORK/corpus-$size"
    python3 bench/generate.py "$size" "$dir"
    files="$(find "$dir" -type f | wc -l | tr -d ' ')"
    bytes="$(du -sk --apparent-size "$dir" 2>/dev/null | cut -f1 || echo 0)"
    corpus="$files files, $(awk -v kb="$bytes" 'BEGIN { printf "%.1f MB", kb / 1024 }')"

    for jobs in default 1; do
        args=()
        label="$CORES (default)"
        if [[ "$jobs" != default ]]; then
            args=(--jobs "$jobs")
            label="$jobs"
        fi
        echo "== $size incidents, jobs $label" >&2
        phases="$(phase_times "$dir" "${args[@]+"${args[@]}"}")"
        read -r load evaluate <<<"$phases"
        wall="$(wall_time "$dir" check "${args[@]+"${args[@]}"}")"
        memory="$(peak_memory "$dir" check "${args[@]+"${args[@]}"}")"
        if [[ "$load" != n/a ]]; then load="$(seconds "$load")"; fi
        if [[ "$evaluate" != n/a ]]; then evaluate="$(seconds "$evaluate")"; fi
        ROWS+=("| $size | $corpus | $label | $wall | $load | $evaluate | $memory |")
    done

    # The auditor's sweep: the check, a second evaluation with every unclosed incident as if
    # closing (closure readiness), the charts and the page.
    echo "== $size incidents, report --format html" >&2
    report_args=(--format html --output "$WORK/report.html")
    wall="$(wall_time "$dir" report "${report_args[@]}")"
    memory="$(peak_memory "$dir" report "${report_args[@]}")"
    REPORT_ROWS+=("| $size | $wall | $memory |")
done

echo
echo "lessons check --as-of $AS_OF, $(uname -m), $CORES cores, $("$LESSONS" --version 2>/dev/null || echo lessons)"
echo
echo "| incidents | corpus | jobs | wall time (mean ± σ, min … max) | load | evaluate | peak RSS |"
echo "|---:|---|---:|---|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
echo
echo "lessons report --format html --as-of $AS_OF"
echo
echo "| incidents | wall time (mean ± σ, min … max) | peak RSS |"
echo "|---:|---|---:|"
printf '%s\n' "${REPORT_ROWS[@]}"
