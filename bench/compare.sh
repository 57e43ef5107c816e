#!/usr/bin/env bash
# Side by side: `lessons check` against the parse floor on a shared corpus (see bench/README.md).
#
#   bench/compare.sh                          build, then measure on 10,000 generated incidents
#   N=2000 bench/compare.sh                   another corpus size
#   LESSONS=/path/to/lessons bench/compare.sh measure that binary (no build)
#   GEN_CORPUS=/path/to/gen_corpus.py bench/compare.sh
#                                             the corpus generator (default ../shared/peers/gen_corpus.py)
#   REGORUS=/path/to/regorus-run bench/compare.sh
#                                             also measure the three rules in Rego, evaluated by
#                                             regorus (REGORUS_POLICY: the .rego file, default
#                                             rego/incidents.rego next to the generator)
#   FLOOR=/path/to/lessons-parse-floor bench/compare.sh   use that floor (no build)
#   BIG=100000 bench/compare.sh               also one full-pack run on bench/generate.py 100000
#
# On the corpus: the median of five runs (hyperfine, after one warm-up) and the peak resident
# memory (/usr/bin/time) of the parse floor (bench/floor, two threads), of `lessons check`
# with the built-in pack, with the three shared rules of bench/rules only, and with LL000 only
# (read and parse), all on two threads. Then the findings of the three rules, per rule, next
# to the counts the generator planted. Needs hyperfine, /usr/bin/time, python3 and cargo.
# Relative paths in the variables are relative to the repository root.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Every run checks the whole repository: the cache across runs (on by default) would
# turn each run after the first into an unchanged one. bench/cache.sh measures the cache.
export LESSONS_NO_CACHE=1

N="${N:-10000}"
BIG="${BIG:-}"
JOBS=2
AS_OF="2026-11-01" # the date bench/generate.py plants its gaps against
GEN_CORPUS="${GEN_CORPUS:-../shared/peers/gen_corpus.py}"
REGORUS="${REGORUS:-}"
REGORUS_POLICY="${REGORUS_POLICY:-$(dirname "$GEN_CORPUS")/rego/incidents.rego}"

die() {
    echo "error: $*" >&2
    exit 2
}

[[ "$N" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number of files, not '$N'"
[[ -z "$BIG" || "$BIG" =~ ^[1-9][0-9]*$ ]] || die "BIG must be a positive number of incidents, not '$BIG'"
command -v hyperfine >/dev/null 2>&1 || die "hyperfine not found (apt-get install hyperfine)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install time)"
command -v python3 >/dev/null 2>&1 || die "python3 not found"
if [[ ! -f "$GEN_CORPUS" ]]; then
    die "the corpus generator $GEN_CORPUS does not exist. It is gen_corpus.py from the shared
  side-by-side kit (peers/gen_corpus.py), which is not part of this repository: put the kit
  next to the checkout (../shared/peers/) or set GEN_CORPUS=/path/to/gen_corpus.py"
fi
if [[ -n "$REGORUS" ]]; then
    [[ -x "$REGORUS" ]] || die "REGORUS=$REGORUS is not an executable"
    [[ -f "$REGORUS_POLICY" ]] || die "the Rego policy $REGORUS_POLICY does not exist; set REGORUS_POLICY=/path/to/incidents.rego"
fi

if [[ -z "${LESSONS:-}" ]]; then
    LESSONS="target/release/lessons"
    echo "building: cargo build --release" >&2
    cargo build --release
fi
[[ -x "$LESSONS" ]] || die "$LESSONS is not an executable; build it or set LESSONS=/path/to/lessons"
LESSONS="$(cd "$(dirname "$LESSONS")" && pwd)/$(basename "$LESSONS")"

# The floor: its own crate, built at low priority into a target folder outside the
# repository. Cargo writes bench/floor/Cargo.lock; it is removed again when this run made it.
if [[ -z "${FLOOR:-}" ]]; then
    floor_target="${TMPDIR:-/tmp}/lessons-parse-floor-target"
    had_lock=0
    [[ -e bench/floor/Cargo.lock ]] && had_lock=1
    echo "building: nice -n 19 cargo build -j 1 --release --manifest-path bench/floor/Cargo.toml --target-dir $floor_target" >&2
    build_status=0
    nice -n 19 cargo build -j 1 --release --manifest-path bench/floor/Cargo.toml \
        --target-dir "$floor_target" || build_status=$?
    ((had_lock)) || rm -f bench/floor/Cargo.lock
    ((build_status == 0)) || die "building the floor failed (cargo exited $build_status)"
    FLOOR="$floor_target/release/lessons-parse-floor"
fi
[[ -x "$FLOOR" ]] || die "$FLOOR is not an executable; set FLOOR=/path/to/lessons-parse-floor"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lessons-compare.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

CORPUS="$WORK/corpus"
echo "generating: python3 $GEN_CORPUS $N $CORPUS" >&2
python3 "$GEN_CORPUS" "$N" "$CORPUS" >"$WORK/planted.json"
RULES="$PWD/bench/rules"

# The runs: a key, a label for the table and the command. Every command runs once under
# /usr/bin/time first (its peak memory, and a check that it works), then under hyperfine.
KEYS=()
declare -A LABEL COMMAND DISPLAY OK_STATUS
add_run() {
    local key="$1" label="$2" ok="$3"
    shift 3
    KEYS+=("$key")
    LABEL[$key]="$label"
    OK_STATUS[$key]="$ok"
    COMMAND[$key]="$(printf '%q ' "$@")"
    DISPLAY[$key]="$*"
}
# lessons exits 1 when it has findings (the corpus has them by design), 2 when it fails.
add_run floor "parse floor (\`lessons-parse-floor -j $JOBS\`)" 0 \
    "$FLOOR" -j "$JOBS" "$CORPUS"
if [[ -n "$REGORUS" ]]; then
    add_run regorus "three rules, regorus (\`regorus-run -j $JOBS\`)" 0 \
        "$REGORUS" "$REGORUS_POLICY" -j "$JOBS" "$CORPUS"
fi
add_run full "lessons, built-in pack (\`check --as-of $AS_OF\`)" "0 1" \
    "$LESSONS" check --as-of "$AS_OF" --jobs "$JOBS" --format concise "$CORPUS"
add_run three "lessons, three rules (\`--rules bench/rules --select R1,R2,R3\`)" "0 1" \
    "$LESSONS" check --jobs "$JOBS" --rules "$RULES" --select R1,R2,R3 --format concise "$CORPUS"
add_run parse "lessons, parse only (\`--select LL000\`)" "0 1" \
    "$LESSONS" check --jobs "$JOBS" --select LL000 --format concise "$CORPUS"

# Runs $2.. under /usr/bin/time, output in $WORK/$1.{out,err,time}; prints "STATUS KIB SECONDS".
timed_run() {
    local name="$1" status=0
    shift
    /usr/bin/time -f '%M %e' -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || status=$?
    # GNU time writes "Command exited with non-zero status 1" before the figures: take the last line.
    local figures
    figures="$(tail -n 1 "$WORK/$name.time" 2>/dev/null)"
    [[ "$figures" =~ ^[0-9]+\ [0-9.]+$ ]] || figures="n/a n/a"
    echo "$status $figures"
}

# Stops the comparison when a run failed (lessons exit 2): timing it would measure nothing.
check_status() {
    local key="$1" status="$2"
    if [[ " ${OK_STATUS[$key]} " != *" $status "* ]]; then
        echo "error: ${LABEL[$key]} exited $status: ${DISPLAY[$key]}" >&2
        echo "its stderr (last 20 lines):" >&2
        tail -n 20 "$WORK/$key.err" >&2
        exit 2
    fi
}

declare -A PEAK_KIB
for key in "${KEYS[@]}"; do
    echo "== peak memory: ${LABEL[$key]}" >&2
    eval "set -- ${COMMAND[$key]}"
    read -r status kib _ <<<"$(timed_run "$key" "$@")"
    check_status "$key" "$status"
    PEAK_KIB[$key]="$kib"
done
grep -q 'failed: 0,' "$WORK/floor.out" || echo "warning: the floor could not parse every file: $(cat "$WORK/floor.out")" >&2

hyperfine_args=()
for key in "${KEYS[@]}"; do
    hyperfine_args+=(--command-name "$key" "${COMMAND[$key]}")
done
echo "== wall time: hyperfine --warmup 1 --runs 5" >&2
hyperfine --warmup 1 --runs 5 --ignore-failure --style basic \
    --export-json "$WORK/hyperfine.json" "${hyperfine_args[@]}" >&2

# The findings of the three rules, per rule (the JSON report's `findings[].rule`).
three_json=0
"$LESSONS" check --jobs "$JOBS" --rules "$RULES" --select R1,R2,R3 --format json "$CORPUS" \
    >"$WORK/three.json" 2>"$WORK/three-json.err" || three_json=$?
if ((three_json != 0 && three_json != 1)); then
    echo "error: lessons check --format json exited $three_json; its stderr:" >&2
    tail -n 20 "$WORK/three-json.err" >&2
    exit 2
fi

rows="$WORK/rows.tsv"
: >"$rows"
for key in "${KEYS[@]}"; do
    printf '%s\t%s\t%s\t%s\n' "$key" "${LABEL[$key]}" "${PEAK_KIB[$key]}" "${DISPLAY[$key]}" >>"$rows"
done

echo
echo "$(basename "$GEN_CORPUS") $N files, $(uname -m), $(nproc 2>/dev/null || echo '?') cores, $JOBS threads, $("$LESSONS" --version 2>/dev/null || echo lessons)"
echo
python3 - "$WORK/hyperfine.json" "$rows" "$WORK/planted.json" "$WORK/three.json" \
    "$WORK/floor.out" "$WORK/regorus.out" "$CORPUS" <<'PY'
import json, os, sys

timings_file, rows_file, planted_file, three_file, floor_out, regorus_out, corpus = sys.argv[1:]
median = {r["command"]: r["median"] for r in json.load(open(timings_file))["results"]}
rows = [line.rstrip("\n").split("\t") for line in open(rows_file)]
have_regorus = "regorus" in median


def mib(kib):
    return f"{int(kib) / 1024:.1f}" if kib.isdigit() else "n/a"


header = "| run | median s | peak MiB | ratio to floor |" + (" ratio to regorus |" if have_regorus else "")
print(header)
print("|---|---:|---:|---:|" + ("---:|" if have_regorus else ""))
for key, label, kib, _ in rows:
    line = f"| {label} | {median[key]:.3f} | {mib(kib)} | {median[key] / median['floor']:.2f} |"
    if have_regorus:
        line += f" {median[key] / median['regorus']:.2f} |" if key in ("three", "regorus") else " |"
    print(line)

print()
print("Commands (CORPUS = the generated folder):")
print()
for key, _, _, command in rows:
    print(f"    {command.replace(corpus, 'CORPUS')}")

planted = json.load(open(planted_file))
print()
print(f"Corpus: {planted['files']:,} files, {planted['bytes'] / 2**20:.1f} MiB, seed {planted['seed']}; "
      f"floor: {open(floor_out).read().strip()}")

report = json.load(open(three_file))
found = {}
for finding in report["findings"]:
    found[finding["rule"]] = found.get(finding["rule"], 0) + 1
regorus = json.load(open(regorus_out)) if have_regorus and os.path.getsize(regorus_out) else {}
expected = {rule: planted["planted"][rule] for rule in ("R1", "R2", "R3")}

print()
print("Findings of the three rules:")
print()
print("| rule | lessons | " + ("regorus | " if have_regorus else "") + "planted by the generator |")
print("|---|---:|" + ("---:|" if have_regorus else "") + "---:|")
mismatch = False
for rule, want in expected.items():
    got = found.get(rule, 0)
    cells = [f"{got:,}"] + ([f"{regorus.get(rule, 0):,}"] if have_regorus else []) + [f"{want:,}"]
    mismatch |= got != want or (have_regorus and regorus.get(rule, 0) != want)
    print(f"| {rule} | " + " | ".join(cells) + " |")
if report.get("rule_errors"):
    print(f"\nwarning: {len(report['rule_errors'])} rule errors in the JSON report", file=sys.stderr)
if mismatch:
    print("\nwarning: the findings differ from what the generator planted", file=sys.stderr)
PY

# A custom rule that loops over every incident for each incident (bench/rules/Q1), on the
# first 2,000 files of the corpus: it must finish in seconds or be stopped, naming the rule.
quad="$WORK/quad"
mkdir -p "$quad"
find "$CORPUS" -name '*.yaml' | sort | sed -n '1,2000p' | xargs cp -t "$quad"
read -r status kib wall <<<"$(timed_run quad "$LESSONS" check --jobs "$JOBS" --rules "$RULES" \
    --select Q1 --format concise "$quad")"
echo
echo "\`docs(\"incident\")\` for each incident (bench/rules/Q1), 2,000 incidents: exit $status, $wall s, $(awk -v kb="$kib" 'BEGIN { printf "%.1f", kb / 1024 }') MiB"
if ((status != 0 && status != 1)); then
    tail -n 20 "$WORK/quad.err" >&2
fi

if [[ -n "$BIG" ]]; then
    big="$WORK/big"
    echo >&2
    echo "== BIG: python3 bench/generate.py $BIG DIR" >&2
    python3 bench/generate.py "$BIG" "$big" >/dev/null
    echo
    echo "bench/generate.py $BIG incidents, one run each (/usr/bin/time):"
    echo
    echo "| run | exit code | wall s | peak MiB |"
    echo "|---|---:|---:|---:|"
    big_failed=0
    for key in big-floor big-full; do
        if [[ "$key" == big-floor ]]; then
            label="parse floor (\`lessons-parse-floor -j $JOBS\`)"
            read -r status kib wall <<<"$(timed_run "$key" "$FLOOR" -j "$JOBS" "$big")"
            ((status == 0)) || big_failed=1
        else
            label="lessons, built-in pack (\`check --as-of $AS_OF\`)"
            read -r status kib wall <<<"$(timed_run "$key" "$LESSONS" check --as-of "$AS_OF" \
                --jobs "$JOBS" --format concise "$big")"
            ((status == 0 || status == 1)) || big_failed=1
        fi
        peak="n/a"
        [[ "$kib" =~ ^[0-9]+$ ]] && peak="$(awk -v kb="$kib" 'BEGIN { printf "%.1f", kb / 1024 }')"
        echo "| $label | $status | $wall | $peak |"
    done
    echo
    echo "floor: $(cat "$WORK/big-floor.out" 2>/dev/null)"
    if ((big_failed)); then
        echo "error: a run on the $BIG-incident corpus failed; the last lines of its stderr:" >&2
        tail -n 20 "$WORK/big-floor.err" "$WORK/big-full.err" >&2
        exit 2
    fi
fi
