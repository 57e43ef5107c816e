#!/usr/bin/env python3
"""Write a synthetic policy repository for benchmarking `lessons`.

    python3 bench/generate.py N OUTDIR [--seed S] [--as-of YYYY-MM-DD]

OUTDIR gets `.lessons.yaml`, N incident records `incidents/YYYY/INC-YYYY-NNNNN.yaml`
(about 2 KB each), a roster `people/roster.yaml` (~200 people with training records),
20 runbooks `runbooks/*.yaml` and 20 policies `policies/*.yaml` that the incidents refer to.

The output depends only on N, the seed (default 1) and the as-of date (default 2026-11-01,
the date run.sh passes to `lessons check --as-of`): about 15% of the incidents carry a gap
the built-in rules find (a closed incident with no root cause, an action item without an
owner or a due date, an open item past its due date); the rest are clean for those rules.

Standard library only; YAML is written directly as text, so 10,000 incidents take a few
seconds.
"""

import argparse
import datetime as dt
import json
import os
import random
import re
import sys

# --------------------------------------------------------------------------------------
# Vocabulary

FIRST_NAMES = """
Amara Ben Chiara Dmitri Elena Farid Grace Hiro Ines Jonas Kemi Lars Maja Nadia Oscar
Priya Quentin Rosa Samir Tomas Uma Viktor Wen Ximena Yusuf Zofia Aisha Bruno Carmen
Diego Efua Felix Greta Hamza Ingrid Jamal Keiko Luca Mei Niko Olga Pedro Rania Sven
Tariq Ulla Vera Wojciech Yara Zane Adele Bongani Colm Dalia Emeka Fatima Gustav Hana
""".split()

LAST_NAMES = """
Okafor Lindqvist Moreau Tanaka Kowalski Haddad Novak Fernandes Adeyemi Brennan Castillo
Dubois Eriksen Fischer Gallagher Horvat Ibrahim Jansen Kumar Larsen Mensah Nakamura
Oduya Petrov Quinn Rahman Santos Takahashi Underwood Vasquez Weber Yilmaz Zhang Abbott
Bauer Chen Doyle Esposito Fontaine Gruber Hughes Iwu Johansson Keller Lopez Murphy Nilsen
Ortiz Popescu Rossi Schmidt Teixeira Uddin Varga Walsh Young Ziegler Achterberg Bianchi
""".split()

TEAMS = {
    "security": ["incident-commander", "responder", "analyst", "threat-hunter", "security-engineer"],
    "it": ["responder", "sysadmin", "helpdesk"],
    "platform": ["sre", "platform-engineer", "responder"],
    "engineering": ["software-engineer", "engineering-manager"],
    "legal": ["counsel"],
    "communications": ["communications-lead"],
    "finance": ["accountant", "controller"],
    "operations": ["dispatcher", "operations-manager"],
    "hr": ["hr-partner"],
}
TEAM_WEIGHTS = {
    "security": 30, "it": 35, "platform": 30, "engineering": 45, "legal": 6,
    "communications": 6, "finance": 20, "operations": 20, "hr": 8,
}

COURSES = {
    "security-awareness": 365,
    "phishing-simulation": 180,
    "incident-response-fundamentals": 730,
    "incident-commander": 730,
    "digital-forensics-basics": 1095,
    "cloud-security-essentials": 730,
}

# category -> what incidents of that kind look like
CATEGORIES = {
    "phishing": dict(
        weight=22,
        titles=["Credential phishing against the {team} team", "Invoice fraud e-mail to {team}",
                "OAuth consent phishing targeting {system}", "Spoofed shipping notice with HTML attachment"],
        techniques=["T1566", "T1566.001", "T1566.002", "T1078", "T1114.003"],
        access=["Credential phishing e-mail from a look-alike domain (T1566.002)",
                "HTML attachment hosting a fake {system} sign-in page",
                "Consent grant to a malicious OAuth application"],
        runbooks=["rb-phishing-response", "rb-account-compromise"],
        policies=["pol-email-security", "pol-security-awareness", "pol-identity"],
        attacker=True),
    "compromised-credentials": dict(
        weight=16,
        titles=["Credential stuffing against the {system} login", "Stolen session token reused on {system}",
                "Service account password found in a public paste", "Impossible-travel sign-ins for a {team} user"],
        techniques=["T1110.004", "T1078", "T1539", "T1552.001"],
        access=["Password reuse from a third-party breach, no MFA on {system}",
                "Session cookie stolen by an infostealer on a personal laptop",
                "Long-lived API key committed to a public repository"],
        runbooks=["rb-account-compromise", "rb-secrets-rotation"],
        policies=["pol-identity", "pol-password", "pol-access-control"],
        attacker=True),
    "malware": dict(
        weight=10,
        titles=["Infostealer on a {team} laptop", "Ransomware staged on the {system} file share",
                "Cryptominer on a build agent", "Malicious browser extension on {team} workstations"],
        techniques=["T1204.002", "T1486", "T1059.001", "T1496", "T1176"],
        access=["Trojanised installer downloaded from a search ad",
                "Macro-enabled document opened from e-mail",
                "Exposed RDP on a forgotten jump host"],
        runbooks=["rb-malware-triage", "rb-ransomware", "rb-endpoint-isolation"],
        policies=["pol-endpoint", "pol-backup", "pol-acceptable-use"],
        attacker=True),
    "web-application": dict(
        weight=9,
        titles=["SQL injection attempt on the {system} API", "Stored XSS in {system}",
                "Broken access control on {system} shipment search", "SSRF probing of the {system} service"],
        techniques=["T1190", "T1059.007", "T1213"],
        access=["Unvalidated tracking-number parameter in the {system} API",
                "Missing object-level authorisation check in {system}",
                "Outdated template engine with a known CVE"],
        runbooks=["rb-web-attack", "rb-waf-tuning"],
        policies=["pol-secure-development", "pol-vulnerability-management"],
        attacker=True),
    "misconfiguration": dict(
        weight=14,
        titles=["Public S3 bucket holding {system} exports", "Open Elasticsearch index for {system} logs",
                "Firewall rule exposing {system} admin port", "Over-broad IAM role on {system}"],
        techniques=["T1530", "T1580"],
        access=[],
        runbooks=["rb-cloud-exposure", "rb-data-breach-assessment"],
        policies=["pol-cloud-security", "pol-change-management", "pol-data-classification"],
        attacker=False),
    "third-party": dict(
        weight=8,
        titles=["Breach notification from the {system} vendor", "Carrier portal outage exposing manifests",
                "Payroll provider credential leak"],
        techniques=["T1199"],
        access=[],
        runbooks=["rb-vendor-incident", "rb-data-breach-assessment"],
        policies=["pol-vendor-management", "pol-data-classification"],
        attacker=False),
    "personal-device": dict(
        weight=7,
        titles=["Lost phone with {system} mail", "Stolen laptop from a {team} employee's car",
                "Unmanaged tablet syncing {system} files"],
        techniques=[],
        access=[],
        runbooks=["rb-lost-device", "rb-endpoint-isolation"],
        policies=["pol-endpoint", "pol-acceptable-use", "pol-encryption"],
        attacker=False),
    "insider": dict(
        weight=5,
        titles=["Bulk download of customer rates before resignation", "Shared admin account used after role change"],
        techniques=["T1567", "T1078"],
        access=[],
        runbooks=["rb-insider", "rb-data-breach-assessment"],
        policies=["pol-access-control", "pol-acceptable-use", "pol-data-classification"],
        attacker=False),
    "internet-download": dict(
        weight=5,
        titles=["Unlicensed remote-access tool installed on {team} PCs", "Pirated software with bundled adware"],
        techniques=["T1219", "T1204.002"],
        access=[],
        runbooks=["rb-malware-triage"],
        policies=["pol-acceptable-use", "pol-endpoint"],
        attacker=False),
    "other": dict(
        weight=4,
        titles=["DDoS against the public tracking site", "Misdirected e-mail with {system} data"],
        techniques=["T1498", "T1499"],
        access=[],
        runbooks=["rb-ddos", "rb-data-breach-assessment"],
        policies=["pol-availability", "pol-data-classification"],
        attacker=False),
}
CATEGORY_NAMES = list(CATEGORIES)
CATEGORY_WEIGHTS = [CATEGORIES[c]["weight"] for c in CATEGORY_NAMES]

SYSTEMS = ["FreightDesk", "Okta", "Microsoft 365", "CargoTrack", "SAP", "DockScan", "Jira",
           "GitLab", "RatesHub", "Workday", "Salesforce", "DriverHub", "EDI Gateway", "Snowflake"]

DETECTION_METHODS = ["user report", "EDR alert", "SIEM correlation rule", "mail gateway alert",
                     "cloud posture scan", "third-party notification", "threat-intel feed",
                     "WAF alert", "helpdesk ticket", "bug bounty report", "anomalous billing"]

WARNING_SIGNS = ["failed logins from a hosting provider two days earlier",
                 "a spike in password-reset requests the week before",
                 "DMARC reports showing the look-alike domain",
                 "an unusual OAuth grant in the audit log",
                 "outbound traffic to a new ASN from the file server",
                 "a WAF rule in count mode matching the payload",
                 "a posture scan finding that was snoozed",
                 "a vendor status-page notice that nobody subscribed to",
                 "EDR telemetry of an unsigned binary the day before"]

VULNERABILITIES = ["no MFA on the affected account", "legacy authentication still enabled",
                   "bucket policy allowed public read", "outdated library with a known CVE",
                   "admin interface reachable from the internet", "shared credentials in a wiki page",
                   "no egress filtering on servers", "full-disk encryption not enforced",
                   "over-privileged service account"]

CONTRIBUTING = ["alert routed to an unmonitored mailbox", "runbook did not cover this variant",
                "asset inventory was out of date", "change went live without peer review",
                "on-call hand-over missed the open ticket", "vendor contact list was stale",
                "logging retention too short to scope the incident", "exception expired unnoticed"]

IMPACTS = ["{n} customer records exposed for about {h} hours; no evidence of misuse.",
           "{n} mailboxes accessed; finance process paused for {h} hours.",
           "Dispatch degraded for {h} hours across {n} depots.",
           "No data left the environment; {n} hosts reimaged.",
           "{n} shipment manifests readable by unauthenticated users for {h} hours.",
           "One user's credentials abused; {n} outbound phishing e-mails sent before containment."]

TIMELINE_EVENTS = ["Alert triaged by the on-call analyst", "Incident declared and bridge opened",
                   "Affected accounts disabled", "Sessions revoked and passwords reset",
                   "Host isolated via EDR", "Firewall rule removed", "Bucket made private",
                   "Forensic image taken", "Scope confirmed from logs", "Customer notification drafted",
                   "Legal consulted on notification duties", "Vendor confirmed remediation",
                   "Services restored and monitored", "Indicators added to blocklists"]

WENT_WELL = ["Detection to containment under two hours", "The runbook steps matched what we saw",
             "Legal and communications joined the bridge early", "EDR isolation worked first time",
             "Logs had the retention we needed", "Clear hand-over between shifts"]

COULD_IMPROVE = ["Paging reached the wrong rotation first", "We lacked a template for customer notices",
                 "Asset owner was hard to identify", "Evidence collection steps were ad hoc",
                 "Status updates to leadership were irregular", "MFA exceptions were not tracked"]

ACTION_TEMPLATES = [
    ("Enforce phishing-resistant MFA on {system}", "control", "pol-identity"),
    ("Add look-alike domain monitoring to the mail gateway", "detection", None),
    ("Update the phishing runbook with the OAuth consent variant", "runbook", "rb-phishing-response"),
    ("Run targeted phishing training for the {team} team", "training", "pol-security-awareness"),
    ("Block public ACLs at the AWS organisation level", "control", "pol-cloud-security"),
    ("Add a SIEM rule for impossible-travel sign-ins", "detection", None),
    ("Rotate all service account credentials for {system}", "control", "pol-password"),
    ("Require peer review for firewall changes", "policy", "pol-change-management"),
    ("Document log sources and retention in the malware runbook", "runbook", "rb-malware-triage"),
    ("Add breach-notification SLA to the {system} vendor contract", "contract", "pol-vendor-management"),
    ("Enable full-disk encryption reporting in the MDM", "control", "pol-encryption"),
    ("Revise the acceptable use policy on unapproved software", "policy", "pol-acceptable-use"),
    ("Exercise the ransomware runbook with the platform team", "runbook", "rb-ransomware"),
    ("Patch the template engine and add a dependency scan gate", "control", "pol-vulnerability-management"),
    ("Write a customer notification template", "other", "pol-data-classification"),
]

RUNBOOKS = [
    ("rb-phishing-response", "Phishing response", ["phishing"]),
    ("rb-account-compromise", "Compromised account", ["compromised-credentials", "phishing"]),
    ("rb-secrets-rotation", "Leaked secret rotation", ["compromised-credentials"]),
    ("rb-malware-triage", "Malware triage", ["malware", "internet-download"]),
    ("rb-ransomware", "Ransomware", ["malware"]),
    ("rb-endpoint-isolation", "Endpoint isolation", ["malware", "personal-device"]),
    ("rb-web-attack", "Web application attack", ["web-application"]),
    ("rb-waf-tuning", "Emergency WAF rules", ["web-application", "other"]),
    ("rb-cloud-exposure", "Cloud storage exposure", ["misconfiguration"]),
    ("rb-data-breach-assessment", "Personal data breach assessment", ["misconfiguration", "third-party", "insider"]),
    ("rb-vendor-incident", "Vendor security incident", ["third-party"]),
    ("rb-lost-device", "Lost or stolen device", ["personal-device"]),
    ("rb-insider", "Insider data theft", ["insider"]),
    ("rb-ddos", "DDoS mitigation", ["other"]),
    ("rb-evidence-collection", "Evidence collection and chain of custody", ["malware", "insider"]),
    ("rb-customer-notification", "Customer notification", ["misconfiguration", "third-party"]),
    ("rb-exec-briefing", "Executive briefing", ["other"]),
    ("rb-dns-hijack", "DNS hijack", ["other"]),
    ("rb-bec", "Business e-mail compromise", ["phishing"]),
    ("rb-cloud-key-leak", "Cloud access key leak", ["compromised-credentials", "misconfiguration"]),
]

POLICIES = [
    ("pol-incident-response", "Incident Response Policy"),
    ("pol-email-security", "E-mail Security Standard"),
    ("pol-security-awareness", "Security Awareness and Training Policy"),
    ("pol-identity", "Identity and Authentication Standard"),
    ("pol-password", "Password Standard"),
    ("pol-access-control", "Access Control Policy"),
    ("pol-endpoint", "Endpoint Security Standard"),
    ("pol-backup", "Backup and Restore Policy"),
    ("pol-acceptable-use", "Acceptable Use Policy"),
    ("pol-secure-development", "Secure Development Policy"),
    ("pol-vulnerability-management", "Vulnerability Management Policy"),
    ("pol-cloud-security", "Cloud Security Standard"),
    ("pol-change-management", "Change Management Procedure"),
    ("pol-data-classification", "Data Classification Policy"),
    ("pol-vendor-management", "Vendor Management Policy"),
    ("pol-encryption", "Encryption Standard"),
    ("pol-availability", "Availability and Capacity Plan"),
    ("pol-logging", "Logging and Monitoring Standard"),
    ("pol-business-continuity", "Business Continuity Plan"),
    ("pol-privacy", "Privacy Policy"),
]

# --------------------------------------------------------------------------------------
# YAML text helpers

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 .,'()/&+-]*$")
_RESERVED = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


def q(text):
    """A YAML scalar for `text`: plain when that is unambiguous, else double-quoted."""
    text = str(text)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)


def day(d):
    return d.isoformat()


def moment(t):
    return t.strftime("%Y-%m-%dT%H:%M:00Z")


def flow_list(items):
    return "[" + ", ".join(q(i) for i in items) + "]"


# --------------------------------------------------------------------------------------
# Generators


def make_people(rng, count, as_of):
    people = []
    used = set()
    teams = list(TEAM_WEIGHTS)
    weights = [TEAM_WEIGHTS[t] for t in teams]
    for n in range(count):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        base = f"{first[0].lower()}.{last.lower()}"
        pid, k = base, 2
        while pid in used:
            pid = f"{base}{k}"
            k += 1
        used.add(pid)
        # the first 24 people are the security responders the incidents draw on
        team = "security" if n < 24 else rng.choices(teams, weights)[0]
        role = rng.choice(TEAMS[team])
        if n < 4:
            role = "incident-commander"
        hired = as_of - dt.timedelta(days=rng.randint(60, 3000))
        departed = n >= 24 and rng.random() < 0.08
        person = dict(id=pid, name=f"{first} {last}", role=role, team=team,
                      status="departed" if departed else "active", hired_on=hired)
        if departed:
            person["left_on"] = hired + dt.timedelta(days=rng.randint(30, (as_of - hired).days))
        courses = ["security-awareness", "phishing-simulation"]
        if team in ("security", "it", "platform"):
            courses += ["incident-response-fundamentals"]
        if role == "incident-commander":
            courses += ["incident-commander"]
        if team == "security":
            courses += ["digital-forensics-basics"]
        if team == "platform":
            courses += ["cloud-security-essentials"]
        training = []
        for course in courses:
            valid = COURSES[course]
            if rng.random() < 0.06:
                continue  # never took it
            done = as_of - dt.timedelta(days=rng.randint(10, valid + 90))
            if done < hired:
                done = hired + dt.timedelta(days=rng.randint(1, 20))
            record = dict(course=course, completed_on=done)
            if rng.random() < 0.7:
                record["expires_on"] = done + dt.timedelta(days=valid)
            training.append(record)
        person["training"] = training
        people.append(person)
    return people


def write_roster(path, people):
    out = ["kind: roster", "title: Acme Freight staff roster (synthetic)", "people:"]
    for p in people:
        out.append(f"  - id: {p['id']}")
        out.append(f"    name: {q(p['name'])}")
        out.append(f"    role: {p['role']}")
        out.append(f"    team: {p['team']}")
        out.append(f"    status: {p['status']}")
        out.append(f"    hired_on: {day(p['hired_on'])}")
        if "left_on" in p:
            out.append(f"    left_on: {day(p['left_on'])}")
        if p["training"]:
            out.append("    training:")
            for t in p["training"]:
                out.append(f"      - course: {t['course']}")
                out.append(f"        completed_on: {day(t['completed_on'])}")
                if "expires_on" in t:
                    out.append(f"        expires_on: {day(t['expires_on'])}")
        else:
            out.append("    training: []")
    write(path, "\n".join(out) + "\n")


def write_runbooks(root, rng, owners, as_of):
    for rid, title, types in RUNBOOKS:
        stale = rng.random() < 0.15
        reviewed = as_of - dt.timedelta(days=rng.randint(400, 900) if stale else rng.randint(5, 300))
        exercised = reviewed - dt.timedelta(days=rng.randint(0, 200))
        lines = [
            "kind: runbook",
            f"id: {rid}",
            f"title: {q(title)}",
            f"owner: {rng.choice(owners)}",
            f"last_reviewed: {day(reviewed)}",
            f"last_exercised: {day(exercised)}",
            "review_interval_days: 365",
            f"incident_types: {flow_list(types)}",
            "steps:",
            "  - Confirm the alert and open an incident record",
            "  - Page the incident commander on call",
            f"  - Contain: follow the {q(title.lower())} checklist in the wiki",
            "  - Preserve evidence before changing systems",
            "  - Record every action in the incident timeline",
        ]
        write(os.path.join(root, "runbooks", rid + ".yaml"), "\n".join(lines) + "\n")


def write_policies(root, rng, owners, as_of):
    for pid, title in POLICIES:
        cadence = rng.choice(["annual", "annual", "semiannual"])
        interval = 365 if cadence == "annual" else 180
        stale = rng.random() < 0.15
        reviewed = as_of - dt.timedelta(
            days=rng.randint(interval + 15, 1000) if stale else rng.randint(5, interval - 15))
        first = reviewed - dt.timedelta(days=rng.randint(700, 2500))
        lines = [
            "kind: policy",
            f"id: {pid}",
            f"title: {q(title)}",
        ]
        if rng.random() > 0.05:
            lines.append(f"owner: {rng.choice(owners)}")
        lines += [
            f"version: \"{rng.randint(1, 4)}.{rng.randint(0, 9)}\"",
            "status: approved",
            "approved_by: ciso",
            f"last_reviewed: {day(reviewed)}",
            f"review_cadence: {cadence}",
            "revisions:",
            "  - version: \"1.0\"",
            f"    date: {day(first)}",
            "    summary: First approved version",
            f"  - version: \"{rng.randint(1, 4)}.{rng.randint(1, 9)}\"",
            f"    date: {day(reviewed)}",
            "    summary: Annual review; updated after incident lessons",
        ]
        if pid == "pol-security-awareness":
            lines += [
                "required_training:",
                "  - course: security-awareness",
                "    roles: [\"*\"]",
                "    valid_days: 365",
                "  - course: incident-response-fundamentals",
                "    roles: [incident-commander, responder, analyst, threat-hunter]",
                "    valid_days: 730",
                "  - course: incident-commander",
                "    roles: [incident-commander]",
                "    valid_days: 730",
            ]
        write(os.path.join(root, "policies", pid + ".yaml"), "\n".join(lines) + "\n")


def sentence(text):
    return text[:1].upper() + text[1:]


def pick(rng, seq, low, high):
    return rng.sample(seq, min(len(seq), rng.randint(low, high)))


def write_incident(root, rng, year, number, detected, ctx):
    as_of = ctx["as_of"]
    cat = rng.choices(CATEGORY_NAMES, CATEGORY_WEIGHTS)[0]
    info = CATEGORIES[cat]
    team = rng.choice(list(TEAMS))
    system = rng.choice(SYSTEMS)
    severity = rng.choices(["low", "medium", "high", "critical"], [25, 40, 25, 10])[0]
    fill = dict(team=team, system=system)

    contained = detected + dt.timedelta(minutes=rng.randint(20, 60 * 30))
    resolved = contained + dt.timedelta(hours=rng.randint(4, 24 * 10))
    closed = resolved.date() + dt.timedelta(days=rng.randint(3, 30))
    age = (as_of - detected.date()).days
    if age < 10:
        status = rng.choice(["open", "contained"])
    elif age < 40:
        status = rng.choice(["contained", "resolved", "closed", "closed"])
    else:
        status = rng.choices(["resolved", "closed"], [15, 85])[0]
    if closed >= as_of:
        status = "resolved" if status == "closed" else status
    if resolved.date() >= as_of and status in ("resolved", "closed"):
        status = "contained"

    # which gap this incident carries, if any (about 15% of incidents)
    gap = None
    if rng.random() < 0.15:
        gap = rng.choice(["no-root-cause", "no-owner", "no-due", "overdue", "no-initial-access"])
        if gap in ("no-root-cause",) and status not in ("resolved", "closed"):
            gap = "no-owner"
        if gap == "no-initial-access" and (not info["attacker"] or status not in ("resolved", "closed")):
            gap = "no-due"

    incident_id = f"INC-{year}-{number:05d}"
    responders = rng.sample(ctx["responders"], rng.randint(2, 4))
    lines = [
        "kind: incident",
        f"id: {incident_id}",
        f"title: {q(rng.choice(info['titles']).format(**fill))}",
        f"severity: {severity}",
        f"status: {status}",
        f"category: {cat}",
        f"detected: {moment(detected)}",
    ]
    if status != "open":
        lines.append(f"contained: {moment(contained)}")
    if status in ("resolved", "closed"):
        lines.append(f"resolved: {moment(resolved)}")
    if status == "closed":
        lines.append(f"closed: {day(closed)}")
    method = rng.choice(DETECTION_METHODS)
    lines += [
        "detection:",
        f"  method: {q(method)}",
    ]
    signs = pick(rng, WARNING_SIGNS, 0, 2)
    if signs:
        lines.append("  early_warning_signs:")
        lines += [f"    - {q(s)}" for s in signs]
    else:
        lines.append("  early_warning_signs: []")

    # root cause: structured, plain text, or (when still open, or as a gap) absent
    if status in ("resolved", "closed") and gap != "no-root-cause":
        structured = info["attacker"] or rng.random() < 0.5
        if structured:
            summary = f"{sentence(rng.choice(VULNERABILITIES))} on {system}"
            lines += ["root_cause:", f"  summary: {q(summary)}"]
            if info["attacker"] and gap != "no-initial-access":
                lines.append(f"  initial_access: {q(rng.choice(info['access']).format(**fill))}")
            lines.append("  vulnerabilities:")
            lines += [f"    - {q(v)}" for v in pick(rng, VULNERABILITIES, 1, 2)]
            lines.append("  contributing_factors:")
            lines += [f"    - {q(c)}" for c in pick(rng, CONTRIBUTING, 1, 3)]
        else:
            text = (f"{sentence(rng.choice(VULNERABILITIES))} on {system}, and "
                    f"{rng.choice(CONTRIBUTING)}.")
            lines.append(f"root_cause: {q(text)}")

    impact = rng.choice(IMPACTS).format(n=rng.randint(2, 4000), h=rng.randint(1, 72))
    lines.append(f"impact: {q(impact)}")

    # timeline between detection and resolution (or now)
    end = resolved if status in ("resolved", "closed") else contained
    span_minutes = max(30, int((end - detected).total_seconds() // 60))
    stamps = sorted(rng.sample(range(1, span_minutes), min(span_minutes - 1, rng.randint(3, 6))))
    lines.append("timeline:")
    lines += [f"  - at: {moment(detected)}", f"    event: {q('Detected by ' + method)}"]
    events = sorted(rng.sample(range(len(TIMELINE_EVENTS)), len(stamps)))  # keep their usual order
    for minutes, event in zip(stamps, (TIMELINE_EVENTS[e] for e in events)):
        lines += [f"  - at: {moment(detected + dt.timedelta(minutes=minutes))}", f"    event: {q(event)}"]

    lines.append(f"responders: {flow_list(responders)}")

    if status == "closed" or (status == "resolved" and rng.random() < 0.5):
        limit = {"critical": 3, "high": 5}.get(severity, 14)
        held = resolved.date() + dt.timedelta(days=rng.randint(1, limit))
        if held > as_of:
            held = as_of
        participants = rng.sample(ctx["people"], rng.randint(3, 5))
        lines += [
            "review:",
            f"  held_on: {day(held)}",
            f"  facilitator: {responders[0]}",
            "  participants:",
        ]
        for p in participants:
            lines += [f"    - person: {p['id']}", f"      role: {p['role']}", f"      team: {p['team']}"]
        lines.append("  went_well:")
        lines += [f"    - {q(w)}" for w in pick(rng, WENT_WELL, 1, 3)]
        lines.append("  could_improve:")
        lines += [f"    - {q(c)}" for c in pick(rng, COULD_IMPROVE, 1, 3)]

    # action items: due relative to the incident; the clean ones are done when past due
    count = rng.randint(2, 5)
    broken = rng.randrange(count) if gap in ("no-owner", "no-due", "overdue") else -1
    lines.append("action_items:")
    base = (closed if status == "closed" else resolved.date() if status == "resolved" else detected.date())
    for i, (title, kind, ref) in enumerate(rng.sample(ACTION_TEMPLATES, count)):
        due = base + dt.timedelta(days=rng.randint(14, 120))
        if due < as_of:
            item_status = "done" if rng.random() < 0.95 else "wont-do"
        else:
            item_status = rng.choice(["open", "in-progress", "done"])
        if i == broken and gap == "overdue":
            due = min(due, as_of - dt.timedelta(days=rng.randint(5, 200)))
            item_status = rng.choice(["open", "in-progress"])
        if i == broken and gap == "no-owner" and item_status == "wont-do":
            item_status = "done"  # LL002 leaves wont-do items alone
        if i == broken and gap == "no-due" and item_status in ("done", "wont-do"):
            item_status = "open"  # LL003 asks a due date of open items only
        lines += [f"  - id: AI-{i + 1}", f"    title: {q(title.format(**fill))}"]
        if not (i == broken and gap == "no-owner"):
            lines.append(f"    owner: {rng.choice(ctx['owners'])}")
        if not (i == broken and gap == "no-due"):
            lines.append(f"    due: {day(due)}")
        lines += [f"    status: {item_status}", f"    type: {kind}"]
        if ref:
            lines.append(f"    ref: {ref}")

    lines.append(f"runbooks_used: {flow_list(pick(rng, info['runbooks'], 1, 2))}")
    lines.append(f"policies_affected: {flow_list(pick(rng, info['policies'], 1, 2))}")
    if cat == "third-party":
        lines.append(f"third_parties: [{q(system)}]")
    techniques = pick(rng, info["techniques"], 1, 3) if info["techniques"] else []
    lines.append(f"attack_techniques: {flow_list(techniques)}")

    path = os.path.join(root, "incidents", str(year), incident_id + ".yaml")
    write(path, "\n".join(lines) + "\n")
    return gap


def write(path, text):
    # os-level calls: noticeably cheaper than open() when writing 10,000 small files
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        data = memoryview(text.encode("utf-8"))
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, metavar="N", help="number of incident records")
    parser.add_argument("outdir", metavar="OUTDIR", help="directory to write the repository into")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--as-of", default="2026-11-01",
                        help="date the gaps are relative to (default 2026-11-01)")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("N must be 0 or more")
    as_of = dt.date.fromisoformat(args.as_of)
    rng = random.Random(args.seed)
    root = args.outdir

    for sub in ("people", "runbooks", "policies", "incidents"):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    write(os.path.join(root, ".lessons.yaml"), "policy: default\n")

    people = make_people(rng, 200, as_of)
    write_roster(os.path.join(root, "people", "roster.yaml"), people)
    active = [p for p in people if p["status"] == "active"]
    responders = [p["id"] for p in people[:24]]
    owners = [p["id"] for p in active if p["team"] in ("security", "it", "platform", "engineering")]
    write_runbooks(root, rng, responders, as_of)
    write_policies(root, rng, responders, as_of)

    # incidents spread over the five years before the as-of date, numbered per year
    ctx = dict(as_of=as_of, people=active, responders=responders, owners=owners)
    start = dt.datetime.combine(as_of, dt.time()) - dt.timedelta(days=5 * 365)
    window = 5 * 365 * 24 * 60 - 24 * 60
    times = sorted(start + dt.timedelta(minutes=rng.randrange(window)) for _ in range(args.count))
    numbers = {}
    gaps = 0
    for detected in times:
        year = detected.year
        if year not in numbers:
            os.makedirs(os.path.join(root, "incidents", str(year)), exist_ok=True)
            numbers[year] = 0
        numbers[year] += 1
        if write_incident(root, rng, year, numbers[year], detected, ctx):
            gaps += 1

    print(f"wrote {args.count} incidents ({gaps} with a gap), {len(people)} people, "
          f"{len(RUNBOOKS)} runbooks, {len(POLICIES)} policies to {root}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
