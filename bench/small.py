#!/usr/bin/env python3
"""Write an organisation of many small incident records, for the per-call cost of rules.

    python3 bench/small.py N OUTDIR [--seed S] [--bare]

OUTDIR gets `.lessons.yaml`, N incident records `incidents/NNN/INC-NNNNNN.yaml` of 15 to 25
lines each (about 600 bytes: what a ticket export or a status page writes per incident),
a roster `people/roster.yaml` of 300 people with training records, 8 runbooks and 6
policies (one with `required_training`). About one record in ten has a gap a built-in rule
finds (no root cause, an action item without an owner); at this volume every incident also
recurs within a year (LL024). With `--bare` the records hold the core fields only (about 400
bytes) and most rules report on most of them.

On records this small, parsing is cheap and the rule calls are the cost: this is the shape
bench/README.md's "many small records" figures are measured on, against the parse floor.
The output depends only on N and the seed. Standard library only.
"""

import argparse
import datetime as dt
import os
import random

SEVERITIES = ["low", "medium", "medium", "high", "critical"]
CATEGORIES = ["phishing", "malware", "misconfiguration", "denial-of-service",
              "lost-device", "compromised-credentials", "data-exposure"]
RUNBOOKS = ["RB-PHISHING", "RB-MALWARE", "RB-DDOS", "RB-LOST-DEVICE", "RB-CREDENTIALS",
            "RB-DATA-EXPOSURE", "RB-CLOUD", "RB-VENDOR"]
POLICIES = ["POL-ACCESS", "POL-DATA", "POL-TRAINING", "POL-VENDOR", "POL-ASSET", "POL-LOGGING"]
CAUSES = [
    "an MFA exemption left in place after a migration",
    "a storage bucket created from a public template",
    "no rate limit on the login endpoint",
    "a shared admin password kept in a wiki page",
    "laptops enrolled without disk encryption enforced",
]
ACTIONS = [
    "Remove the MFA exemption group",
    "Enforce private buckets by organisation policy",
    "Add a per-IP rate limit to the login endpoint",
    "Move admin credentials to the vault",
    "Block enrolment of unencrypted laptops",
]


def day(base, offset):
    return (base + dt.timedelta(days=offset)).isoformat()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)


def roster(rng, people, bare):
    # Bare: one course each, completed at some time in 2025-2026, so many responders were
    # not trained yet. Else two courses two years apart: everyone is current for every
    # incident (LL009 reads them).
    lines = ["kind: roster", "people:"]
    for person in people:
        if bare:
            done = [day(dt.date(2025, 1, 1), rng.randrange(0, 600))]
        else:
            done = [day(dt.date(2023, 10, 1), rng.randrange(0, 20)),
                    day(dt.date(2025, 9, 1), rng.randrange(0, 20))]
        lines += [
            f"  - id: {person}",
            f"    name: {person.replace('.', ' ').title()}",
            "    role: responder",
            "    status: active",
            "    training:",
        ]
        for completed in done:
            lines += ["      - course: incident-handling", f"        completed_on: {completed}"]
    return "\n".join(lines) + "\n"


def bare_incident(rng, number, people):
    # The core fields only: most records miss what several rules ask (a review, an
    # impact, a lesson applied), so every call reports.
    detected = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 1000))
    closed = detected + dt.timedelta(days=rng.randrange(1, 20))
    gap = rng.random() < 0.1
    responders = rng.sample(people, 2)
    cause = "" if gap and rng.random() < 0.5 else rng.choice(CAUSES)
    owner = "" if gap and not cause == "" else f"    owner: {rng.choice(people)}\n"
    lines = (
        f"kind: incident\nid: INC-{number:06d}\n"
        f"title: {rng.choice(CATEGORIES).replace('-', ' ').capitalize()} {number}\n"
        f"severity: {rng.choice(SEVERITIES)}\nstatus: closed\n"
        f"category: {rng.choice(CATEGORIES)}\n"
        f"detected: {detected.isoformat()}\nclosed: {closed.isoformat()}\n"
        f"responders: [{', '.join(responders)}]\n"
        f"runbooks_used: [{rng.choice(RUNBOOKS)}]\n"
    )
    if cause:
        lines += f"root_cause: {cause}\n"
    lines += (
        "action_items:\n"
        f"  - id: AI-1\n    title: {rng.choice(ACTIONS)}\n{owner}"
        f"    due: {day(closed, 30)}\n    status: done\n"
    )
    return lines


# What a closed incident's action item changes, by category (LL008, LL018, LL019).
CHANGES = {"phishing": ("training", "POL-TRAINING"),
           "compromised-credentials": ("policy", "POL-ACCESS")}


def incident(rng, number, people):
    detected = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 1000))
    closed = detected + dt.timedelta(days=rng.randrange(1, 3))
    gap = rng.random() < 0.1
    responders = rng.sample(people, 2)
    severity = rng.choice(SEVERITIES)
    category = rng.choice(CATEGORIES)
    cause = "" if gap and rng.random() < 0.5 else rng.choice(CAUSES)
    owner = "" if gap and not cause == "" else f"    owner: {rng.choice(people)}\n"
    runbook = rng.choice(RUNBOOKS)
    kind, ref = CHANGES.get(category, ("runbook", runbook))
    lines = (
        f"kind: incident\nid: INC-{number:06d}\n"
        f"title: {category.replace('-', ' ').capitalize()} {number}\n"
        f"severity: {severity}\nstatus: closed\ncategory: {category}\n"
        f"detected: {detected.isoformat()}\nclosed: {closed.isoformat()}\n"
        f"responders: [{', '.join(responders)}]\nrunbooks_used: [{runbook}]\n"
    )
    if severity in ("high", "critical"):
        # What LL007 and LL034 ask of a serious incident.
        lines += (
            f"impact: {rng.randrange(2, 90)} users without access for a few hours\n"
            f"timeline:\n  - at: {detected.isoformat()}T09:00:00Z\n    event: detected\n"
            f"  - at: {closed.isoformat()}T17:00:00Z\n    event: closed\n"
        )
    if cause:
        lines += f"root_cause: {cause}\n"
    lines += (
        f"review:\n  held_on: {closed.isoformat()}\n  facilitator: {responders[0]}\n"
        "  went_well: [alert fired]\n  could_improve: [slower escalation]\n"
        "action_items:\n"
        f"  - id: AI-1\n    title: {rng.choice(ACTIONS)}\n{owner}"
        f"    due: {day(closed, 30)}\n    status: done\n    type: {kind}\n    ref: {ref}\n"
    )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("outdir")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bare", action="store_true",
                        help="records of the core fields only (about 400 bytes), which most "
                             "rules report on: the cost of reporting as well as of calling")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    people = [f"p{number:03d}.staff" for number in range(300)]
    out = args.outdir
    write(os.path.join(out, ".lessons.yaml"), "policy: default\n")
    write(os.path.join(out, "people", "roster.yaml"),
          roster(rng, people, args.bare))
    for runbook in RUNBOOKS:
        write(os.path.join(out, "runbooks", runbook.lower() + ".yaml"),
              f"kind: runbook\nid: {runbook}\ntitle: {runbook}\nowner: {people[0]}\n"
              "last_reviewed: 2026-06-01\nlast_exercised: 2026-03-01\n")
    for policy in POLICIES:
        training = ""
        if policy == "POL-TRAINING":
            training = ("required_training:\n  - course: incident-handling\n"
                        "    roles: [responder]\n    valid_days: 730\n")
        write(os.path.join(out, "policies", policy.lower() + ".yaml"),
              f"kind: policy\nid: {policy}\ntitle: {policy}\nowner: {people[1]}\n"
              f"last_reviewed: 2026-05-01\nreview_cadence: annual\n{training}")
    for number in range(1, args.n + 1):
        write(os.path.join(out, "incidents", f"{number // 1000:03d}", f"INC-{number:06d}.yaml"),
              (bare_incident if args.bare else incident)(rng, number, people))
    print(f"wrote {args.n} small incidents, {len(people)} people, {len(RUNBOOKS)} runbooks, "
          f"{len(POLICIES)} policies to {out}")


if __name__ == "__main__":
    main()
