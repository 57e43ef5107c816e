#!/usr/bin/env python3
"""The language server's figures on a generated repository, with a plain JSON-RPC client.

    python3 bench/generate.py 10000 /tmp/g10k
    cargo build --release
    python3 bench/server.py /tmp/g10k [--lessons target/release/lessons]

What it measures (bench/README.md has the figures and the targets):

- `initialize` -> the first opened incident's diagnostics, beside a cold `lessons check
  --no-cache` of the same repository;
- one keystroke in an open incident -> its diagnostics published, over 200 edits (p50,
  p95); after each, the writer pauses and the rest of the repository is brought up to date
  (untimed);
- one keystroke and a completion asked at once -> the answer (p50, p95, as many edits);
- a roster edit (one responder's training renewed) -> every affected incident published,
  unasked (the time of the last publication before a second of silence);
- resident memory after the load, beside the peak of `check` (`/usr/bin/time -v`);
- a 100 MB document opened, then a hover: the server still answers.

The server gets the repository's own `.lessons.yaml`; the as-of day is fixed so the
figures do not drift with the calendar.
"""

import argparse
import collections
import json
import os
import queue
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

AS_OF = "2026-12-01"


def uri_of(path):
    return "file://" + urllib.parse.quote(os.path.abspath(path))


class Server:
    def __init__(self, lessons, root):
        self.process = subprocess.Popen(
            [lessons, "server", "--as-of", AS_OF],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.messages = queue.Queue()
        self.next_id = 0
        self.published = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.process.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            self.messages.put(json.loads(out.read(length)))

    def send(self, message):
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        wanted = self.next_id
        self.send({"jsonrpc": "2.0", "id": wanted, "method": method, "params": params})
        while True:
            message = self.messages.get(timeout=600)
            if message is None:
                raise SystemExit("the server stopped")
            if "method" in message and "id" in message:
                # A request of the server's (registerCapability): answered.
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif "method" in message:
                if message["method"] == "textDocument/publishDiagnostics":
                    params = message["params"]
                    self.published[params["uri"]] = params["diagnostics"]
            elif message.get("id") == wanted:
                return message

    def wait_for(self, uri):
        while uri not in self.published:
            message = self.messages.get(timeout=600)
            if message is None:
                raise SystemExit("the server stopped")
            if message.get("method") == "textDocument/publishDiagnostics":
                params = message["params"]
                self.published[params["uri"]] = params["diagnostics"]

    def listen_quiet(self, quiet):
        """Reads until nothing comes for `quiet` seconds: the time of the last publication."""
        last = None
        while True:
            try:
                message = self.messages.get(timeout=quiet)
            except queue.Empty:
                return last
            if message is None:
                raise SystemExit("the server stopped")
            if message.get("method") == "textDocument/publishDiagnostics":
                params = message["params"]
                self.published[params["uri"]] = params["diagnostics"]
                last = time.perf_counter()

    def sync(self):
        """Returns once everything sent before has been handled."""
        self.request("lessons/sync", {})

    def rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.process.wait(timeout=60)


def check_figures(lessons, root):
    """Wall time and peak memory of a cold `check` of the whole repository."""
    started = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-v", lessons, "check", "--no-cache", "--as-of", AS_OF, "--format", "concise", "."],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wall = time.perf_counter() - started
    peak = next(
        int(line.split()[-1]) / 1024
        for line in result.stderr.splitlines()
        if "Maximum resident set size" in line
    )
    return wall, peak


def first_of(root, folder):
    for dirpath, _, files in sorted(os.walk(os.path.join(root, folder))):
        for name in sorted(files):
            if name.endswith((".yaml", ".yml", ".md")):
                return os.path.join(dirpath, name)
    raise SystemExit(f"no document under {folder}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--lessons", default="target/release/lessons")
    parser.add_argument("--edits", type=int, default=200)
    args = parser.parse_args()
    lessons = os.path.abspath(args.lessons)
    root = os.path.abspath(args.root)

    check_wall, check_peak = check_figures(lessons, root)

    incident = first_of(root, "incidents")
    text = open(incident).read()
    started = time.perf_counter()
    server = Server(lessons, root)
    server.request(
        "initialize",
        {"processId": os.getpid(), "rootUri": uri_of(root), "capabilities": {}},
    )
    server.notify("initialized", {})
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri_of(incident), "languageId": "yaml", "version": 1, "text": text}},
    )
    server.wait_for(uri_of(incident))
    first = time.perf_counter() - started
    server.sync()
    rss = server.rss_mib()

    # Keystrokes: a title typed one letter at a time.
    lines = text.split("\n")
    at = next((i for i, line in enumerate(lines) if line.startswith("title:")), 1)
    timings = []
    for n in range(args.edits):
        lines[at] = (lines[at] if n else lines[at] + " ") + "abcdefghij"[n % 10]
        edited = "\n".join(lines)
        server.published.pop(uri_of(incident), None)
        began = time.perf_counter()
        server.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri_of(incident), "version": n + 2}, "contentChanges": [{"text": edited}]},
        )
        server.wait_for(uri_of(incident))
        timings.append((time.perf_counter() - began) * 1000)
        # The writer pauses: the rest of the repository is brought up to date (untimed).
        server.sync()
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]

    # A keystroke, then at once a completion asked where it was typed (as typing `:`
    # asks): the time to the answer.
    answers = []
    for n in range(args.edits):
        lines[at] = lines[at] + "klmnopqrst"[n % 10]
        edited = "\n".join(lines)
        began = time.perf_counter()
        server.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri_of(incident), "version": args.edits + n + 2}, "contentChanges": [{"text": edited}]},
        )
        server.request(
            "textDocument/completion",
            {"textDocument": {"uri": uri_of(incident)}, "position": {"line": at, "character": len(lines[at])}},
        )
        answers.append((time.perf_counter() - began) * 1000)
        server.sync()
    answers.sort()
    answer_p50 = statistics.median(answers)
    answer_p95 = answers[int(len(answers) * 0.95) - 1]

    # A roster edit: the training of the responder most often found untrained (LL009)
    # renewed; every incident they worked is judged anew, and those it clears published.
    roster = first_of(root, "people")
    roster_text = open(roster).read()
    untrained = collections.Counter(
        match.groups()
        for found in server.published.values()
        for diagnostic in found
        if diagnostic.get("code") == "LL009"
        for match in [re.match(r"responder (\S+) .*? was not current on (\S+) ", diagnostic["message"])]
        if match
    )
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri_of(roster), "languageId": "yaml", "version": 1, "text": roster_text}},
    )
    server.sync()
    renewed = roster_text.replace("expires_on: 20", "expires_on: 29", 1)
    for (person, course), _ in untrained.most_common():
        start = roster_text.index(f"- id: {person}\n")
        end = roster_text.find("\n  - id: ", start + 1)
        end = len(roster_text) if end < 0 else end
        entry = roster_text[start:end]
        record = re.search(
            rf"course: {re.escape(course)}\n(\s+)completed_on: [^\n]*\n\s+expires_on: [^\n]*", entry
        )
        if record:
            indent = record.group(1)
            mended = f"course: {course}\n{indent}completed_on: 2000-01-01\n{indent}expires_on: 2099-01-01"
            entry = entry[: record.start()] + mended + entry[record.end() :]
            renewed = roster_text[:start] + entry + roster_text[end:]
            break
    before = dict(server.published)
    began = time.perf_counter()
    server.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri_of(roster), "version": 2}, "contentChanges": [{"text": renewed}]},
    )
    # Nothing asked: the server publishes on its own once the client is quiet; the last
    # publication before a second of silence is when every affected file had its own.
    last = server.listen_quiet(1.0)
    roster_ms = ((last or time.perf_counter()) - began) * 1000
    changed = sum(1 for uri, found in server.published.items() if before.get(uri) != found)

    # A 100 MB document opened: read as a located LL000, and the server still answers.
    huge_path = os.path.join(root, "incidents", "huge-export.yaml")
    huge_uri = uri_of(huge_path)
    huge = "kind: incident\nid: INC-HUGE\nnotes: |\n" + ("  " + "x" * 98 + "\n") * (100 * 1024 * 1024 // 101)
    # On disk, as a file of the repository is (a buffer of a file the walk does not take
    # is not checked); removed again at the end.
    with open(huge_path, "w") as out:
        out.write(huge)
    began = time.perf_counter()
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": huge_uri, "languageId": "yaml", "version": 1, "text": huge}},
    )
    hover = server.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri_of(incident)}, "position": {"line": 0, "character": 1}},
    )
    huge_ms = (time.perf_counter() - began) * 1000
    server.sync()
    huge_codes = sorted({d.get("code") for d in server.published.get(huge_uri, [])})
    server.stop()
    os.remove(huge_path)

    print(f"repository: {root}")
    print(f"cold check --no-cache: {check_wall:.2f} s, peak {check_peak:.0f} MiB")
    print(f"initialize -> first diagnostics: {first:.2f} s ({first / check_wall:.2f}x the cold check)")
    print(f"keystroke -> published, {args.edits} edits: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"keystroke -> completion answered, {args.edits} edits: p50 {answer_p50:.1f} ms, p95 {answer_p95:.1f} ms")
    print(f"roster edit -> {changed} files published again: {roster_ms:.0f} ms")
    print(f"resident after load: {rss:.0f} MiB ({rss / check_peak:.2f}x the check's peak)")
    print(
        f"100 MB document opened, then a hover: answered in {huge_ms:.0f} ms "
        f"(hover {'answered' if 'result' in hover else 'failed'}; the document: {', '.join(map(str, huge_codes)) or 'no diagnostics'})"
    )


if __name__ == "__main__":
    sys.exit(main())
