#!/usr/bin/env bash
# What the `formats:` mapping costs at load time (see bench/README.md): `lessons check
# --select LL000` (read, parse, map and type-check every document, no rule) and the full
# check, on N generated Markdown post-mortems with and without the google-sre preset, and
# on the 297 cState issues of tests/corpus/jenkins-infra-status with `preset: cstate`.
#
#   bench/formats.sh                 build, then 10,000 post-mortems
#   N=2000 bench/formats.sh          another count
#   LESSONS=/path/to/lessons bench/formats.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Every run checks the whole repository: the cache across runs (on by default) would
# turn each run after the first into an unchanged one. bench/cache.sh measures the cache.
export LESSONS_NO_CACHE=1

N="${N:-10000}"
if [[ -z "${LESSONS:-}" ]]; then
    LESSONS="target/release/lessons"
    cargo build --release >&2
fi
LESSONS="$(cd "$(dirname "$LESSONS")" && pwd)/$(basename "$LESSONS")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lessons-formats.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
python3 bench/postmortems.py "$N" "$WORK/pm" >&2

# The median of five runs of the `timing:` line's figure $1 (load, evaluate, total,
# parsing, mapping), seconds.
timing() {
    local field="$1"
    shift
    for _ in 1 2 3 4 5; do
        { "$@" --verbose 2>&1 >/dev/null || true; } | sed -n "s/^timing: .*$field \([0-9.]*\)s.*/\1/p"
    done | sort -n | sed -n 3p
}

# One row: the load (wall), the CPU of parsing and of mapping summed over the threads, and
# the full check (wall).
row() {
    local corpus="$1" label="$2" dir="$3"
    local load parsing mapping total
    load="$(timing load "$LESSONS" check "$dir" --as-of 2026-11-01 --select LL000)"
    parsing="$(timing parsing "$LESSONS" check "$dir" --as-of 2026-11-01 --select LL000)"
    mapping="$(timing mapping "$LESSONS" check "$dir" --as-of 2026-11-01 --select LL000)"
    total="$(timing total "$LESSONS" check "$dir" --as-of 2026-11-01)"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$corpus" "$label" "$load" "$parsing" "$mapping" "$total"
}

printf '| corpus | mapping | load, s | CPU parsing, s | CPU mapping, s | full check, s |\n'
printf '|---|---|---:|---:|---:|---:|\n'
for mode in plain preset; do
    cp "$WORK/pm/$mode.lessons.yaml" "$WORK/pm/.lessons.yaml"
    label=$([[ $mode == plain ]] && echo "none (front matter, doc.sections)" || echo "google-sre preset")
    row "$N Markdown post-mortems" "$label" "$WORK/pm"
done
row "297 cState issues" "cstate preset" tests/corpus/jenkins-infra-status
