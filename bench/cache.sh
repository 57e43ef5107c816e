#!/usr/bin/env bash
# The cache across runs on bench/generate.py 10000 (see bench/README.md): a run without
# cache, the first run with one (it writes it), a run of the unchanged repository, a run
# after one incident was edited, and one after a policy that many incidents reference was
# edited; wall time (median of RUNS runs, bash's clock), and what --verbose says the cache
# did.
#
#   bench/cache.sh                            build, then measure
#   LESSONS=/path/to/lessons RUNS=5 bench/cache.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS="${RUNS:-5}"
if [[ -z "${LESSONS:-}" ]]; then
    LESSONS="target/release/lessons"
    cargo build --release
fi
LESSONS="$(cd "$(dirname "$LESSONS")" && pwd)/$(basename "$LESSONS")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lessons-cache.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
python3 bench/generate.py 10000 "$WORK/repo" >/dev/null
# The cache's key lives in the user's cache directory: a fresh one for the benchmark.
export XDG_CACHE_HOME="$WORK/keys"
cd "$WORK/repo"
CHECK=("$LESSONS" check . --as-of 2026-11-01 --format concise)

# Median wall time of running "$@" RUNS times, after `before` (a shell snippet) each time.
median() {
    local before="$1"
    shift
    local times=()
    for _ in $(seq "$RUNS"); do
        eval "$before"
        local start end
        start=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || true
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc)")
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

incident="$(find incidents -name '*.yaml' | sort | sed -n 1p)"
policy="$(find policies -name '*.yaml' | sort | sed -n 1p)"
policy_id="$(sed -n 's/^id: //p' "$policy")"
referencing="$(grep -rl -- "$policy_id" incidents | wc -l)"

printf 'without cache (--no-cache):      %.3f s\n' "$(median : "${CHECK[@]}" --no-cache)"
printf 'first run, writing the cache:    %.3f s\n' "$(median 'rm -rf .lessons_cache' "${CHECK[@]}")"
"${CHECK[@]}" >/dev/null 2>&1 || true
printf 'unchanged repository:            %.3f s\n' "$(median : "${CHECK[@]}")"
printf 'one incident edited:             %.3f s\n' \
    "$(median "sed -i 's/^severity: \(.*\)\$/severity: \1 /' '$incident'" "${CHECK[@]}")"
printf 'one policy edited (%s incidents name it): %.3f s\n' "$referencing" \
    "$(median "sed -i 's/^title: /title:  /' '$policy'" "${CHECK[@]}")"
sed -i 's/^title: /title:  /' "$policy"
"${CHECK[@]}" --verbose 2>&1 >/dev/null | grep '^cache:' | sed 's/^/after the policy edit: /' || true
ls -l .lessons_cache/*.bin | awk '{print "cache file: " $5 " bytes"}'
