#!/usr/bin/env bash
# A large but legal incident under the default limits, in a release build: 99,999 action
# items (3.7 MB) and a 3 MB root cause. Each rule's time on it is printed beside the call
# budget it has (`limits: call_milliseconds` + `call_milliseconds_per_mib` × size); the
# script fails when a rule did not check a document. (tests/hostile_budgets.rs checks the
# same documents under the operations budget, which is the same on every machine.)
#
#   bench/large.sh                        build, then measure
#   LESSONS=/path/to/lessons bench/large.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Every run checks the whole repository: the cache across runs (on by default) would
# turn each run after the first into an unchanged one. bench/cache.sh measures the cache.
export LESSONS_NO_CACHE=1

if [[ -z "${LESSONS:-}" ]]; then
    LESSONS="target/release/lessons"
    cargo build --release
fi
LESSONS="$(cd "$(dirname "$LESSONS")" && pwd)/$(basename "$LESSONS")"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lessons-large.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/incidents"
python3 - "$WORK/incidents" <<'PY'
import sys
folder = sys.argv[1]
items = "".join(f"  - id: AI-{i}\n    title: fix {i}\n" for i in range(99_999))
with open(f"{folder}/many.yaml", "w") as out:
    out.write("kind: incident\nid: INC-MANY\nstatus: closed\nseverity: high\n"
              "root_cause: a misconfigured proxy\nresponders: [p.okafor]\n"
              f"action_items:\n{items}")
cause = "the proxy was misconfigured because " * 90_000
with open(f"{folder}/cause.yaml", "w") as out:
    out.write("kind: incident\nid: INC-CAUSE\nstatus: closed\nseverity: high\n"
              f"root_cause: \"{cause}\"\nresponders: [p.okafor]\n"
              "action_items:\n  - id: AI-1\n    title: investigate the logs\n")
PY
for file in "$WORK"/incidents/*.yaml; do
    size=$(stat -c %s "$file")
    echo "$(basename "$file"): $size bytes, call budget about $((500 + size * 1000 / 1048576)) ms"
done
status=0
"$LESSONS" check "$WORK" --format concise --verbose >"$WORK/out" 2>"$WORK/err" || status=$?
sed -n '1,8p' "$WORK/err"
if grep -q "did not check" "$WORK/out"; then
    grep "did not check" "$WORK/out"
    exit 1
fi
echo "exit $status, $(wc -l <"$WORK/out") findings, every rule checked both documents"
