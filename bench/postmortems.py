#!/usr/bin/env python3
"""Write N Markdown post-mortems in the Google SRE book's template for benchmarking the
`formats:` mapping.

    python3 bench/postmortems.py N OUTDIR [--seed S]

OUTDIR gets `postmortems/PM-YYYY-NNNNN.md` (about 2.5 KB each: a front matter with `kind`,
`id`, `severity`, and the template's body: summary, impact, root causes, an action-item
table, lessons learned, a timeline of bullets under a date line) and two configurations:
`plain.lessons.yaml` (front matter and `doc.sections`, no mapping) and
`preset.lessons.yaml` (the `google-sre` preset). `bench/formats.sh` runs both. Standard
library only; the output depends only on N and the seed.
"""

import argparse
import datetime as dt
import os
import random

WORDS = """
cache database replica gateway certificate queue worker deploy rollback alert pager
checkout login partner label tracking invoice mailbox firewall vpn token session
latency timeout retry pool disk volume cluster node region zone config flag release
""".split()
OWNERS = ["jane.kim", "o.adeyemi", "r.costa", "l.moreau", "p.shah", "t.ruiz", ""]
TYPES = ["prevent", "mitigate", "detect", "process", "repair"]


def phrase(rng, low, high):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def post_mortem(rng, number, detected):
    year = detected.year
    lines = [
        "---",
        "kind: postmortem",
        f"id: PM-{year}-{number:05d}",
        f"severity: {rng.choice(['low', 'medium', 'high', 'critical'])}",
        "---",
        f"# {phrase(rng, 4, 8).capitalize()} (incident #{year}-{number})",
        "",
        "### Date",
        "",
        detected.isoformat(),
        "",
        "### Authors",
        "",
        f"* {rng.choice(OWNERS[:-1])}",
        "",
        "### Summary",
        "",
        phrase(rng, 15, 30).capitalize() + ".",
        "",
        "### Impact",
        "",
        phrase(rng, 10, 20).capitalize() + ".",
        "",
        "### Root Causes",
        "",
        phrase(rng, 15, 35).capitalize() + ".",
        "",
        "### Resolution",
        "",
        phrase(rng, 8, 16).capitalize() + ".",
        "",
        "## Action Items",
        "",
        "| Action Item | Type | Owner | Bug |",
        "|-------------|------|-------|-----|",
    ]
    for item in range(rng.randint(2, 5)):
        status = rng.choice(["**DONE**", "**TODO**"])
        lines.append(
            f"| {phrase(rng, 4, 9).capitalize()} | {rng.choice(TYPES)} | {rng.choice(OWNERS)} "
            f"| OPS-{number * 10 + item} {status} |"
        )
    lines += [
        "",
        "## Lessons Learned",
        "",
        "### What went well",
        "",
        f"* {phrase(rng, 6, 12).capitalize()}",
        "",
        "### What went wrong",
        "",
        f"* {phrase(rng, 6, 12).capitalize()}",
        "",
        "## Timeline",
        "",
        f"{detected.isoformat()} (all times UTC)",
        "",
    ]
    minute = rng.randint(0, 600)
    for _ in range(rng.randint(3, 8)):
        lines.append(f"* {minute // 60:02d}:{minute % 60:02d} {phrase(rng, 5, 12).capitalize()}")
        minute = min(minute + rng.randint(2, 90), 23 * 60 + 59)
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, metavar="N")
    parser.add_argument("outdir", metavar="OUTDIR")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = os.path.join(args.outdir, "postmortems")
    os.makedirs(folder, exist_ok=True)
    start = dt.date(2022, 1, 1)
    for number in range(1, args.count + 1):
        detected = start + dt.timedelta(days=rng.randint(0, 4 * 365))
        path = os.path.join(folder, f"PM-{detected.year}-{number:05d}.md")
        with open(path, "w", encoding="utf-8") as out:
            out.write(post_mortem(rng, number, detected))
    with open(os.path.join(args.outdir, "plain.lessons.yaml"), "w", encoding="utf-8") as out:
        out.write("# Front matter and doc.sections only.\npolicy: default\n")
    with open(os.path.join(args.outdir, "preset.lessons.yaml"), "w", encoding="utf-8") as out:
        out.write(
            "# The body read with the google-sre preset.\npolicy: default\n"
            "formats:\n  - files: \"postmortems/*.md\"\n    preset: google-sre\n"
        )
    print(f"wrote {args.count} post-mortems to {folder}")


if __name__ == "__main__":
    main()
