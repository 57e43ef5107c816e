//! `lessons server` as an editor meets it, in-process (ruff's manner): a test client on an
//! in-memory connection opens, edits and saves documents of a repository on disk, and reads
//! the diagnostics the server publishes, its hovers, code actions and completions.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use lessons::document::date::Moment;
use lessons::server::{serve, uri_of, Start};
use lessons::Options;
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{json, Value};

struct Client {
    connection: Connection,
    server: Option<JoinHandle<Result<(), String>>>,
    root: PathBuf,
    next: i32,
    /// The last diagnostics published for each URI.
    published: HashMap<String, Vec<Value>>,
    /// How many times each URI's diagnostics were published.
    publications: HashMap<String, usize>,
    /// What the server asked of the client (method, params).
    asked: Vec<(String, Value)>,
}

const AS_OF: &str = "2026-12-01";

impl Client {
    fn start(root: &Path) -> Client {
        Client::start_with(root, json!({}), json!({}))
    }

    fn start_with(root: &Path, initialization: Value, capabilities: Value) -> Client {
        let (server, client) = Connection::memory();
        let options = Options {
            as_of: Moment::parse(AS_OF),
            ..Options::default()
        };
        let thread = std::thread::spawn(move || serve(server, Start { options }));
        let root = std::fs::canonicalize(root).unwrap();
        let mut client = Client {
            connection: client,
            server: Some(thread),
            root: root.clone(),
            next: 0,
            published: HashMap::new(),
            publications: HashMap::new(),
            asked: Vec::new(),
        };
        let result = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri_of(&root).unwrap(),
                "capabilities": capabilities,
                "initializationOptions": initialization,
            }),
        );
        assert_eq!(result["serverInfo"]["name"], "lessons");
        client.notify("initialized", json!({}));
        client
    }

    fn uri(&self, relative: &str) -> String {
        uri_of(&self.root.join(relative))
            .unwrap()
            .as_str()
            .to_owned()
    }

    fn notify(&self, method: &str, params: Value) {
        self.connection
            .sender
            .send(Notification::new(method.to_owned(), params).into())
            .unwrap();
    }

    /// Sends a request and reads every message until its answer, keeping what was
    /// published on the way.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.connection
            .sender
            .send(Request::new(id.clone(), method.to_owned(), params).into())
            .unwrap();
        loop {
            let message = self
                .connection
                .receiver
                .recv_timeout(Duration::from_secs(60))
                .expect("the server answers within a minute");
            match message {
                Message::Response(response) if response.id == id => {
                    return response
                        .response_result
                        .unwrap_or_else(|error| json!({ "error": error.message }));
                }
                Message::Response(_) => {}
                Message::Notification(notification) => self.heard(notification),
                Message::Request(request) => {
                    self.asked
                        .push((request.method.clone(), request.params.clone()));
                    self.connection
                        .sender
                        .send(Response::new_ok(request.id, Value::Null).into())
                        .unwrap();
                }
            }
        }
    }

    fn heard(&mut self, notification: Notification) {
        if notification.method == "textDocument/publishDiagnostics" {
            let uri = notification.params["uri"].as_str().unwrap().to_owned();
            let diagnostics = notification.params["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            *self.publications.entry(uri.clone()).or_default() += 1;
            self.published.insert(uri, diagnostics);
        }
    }

    /// Reads what the server sends, without asking anything, until `done` holds of what
    /// was published (the whole repository's diagnostics follow an edit once the client
    /// is quiet); `false` after ten seconds.
    fn listen_until(&mut self, done: impl Fn(&Client) -> bool) -> bool {
        let until = std::time::Instant::now() + Duration::from_secs(10);
        while !done(self) {
            let Some(left) = until.checked_duration_since(std::time::Instant::now()) else {
                return false;
            };
            match self.connection.receiver.recv_timeout(left) {
                Ok(Message::Notification(notification)) => self.heard(notification),
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        true
    }

    /// Waits until the server has handled everything sent so far (it answers in order).
    fn sync(&mut self) {
        let answer = self.request("lessons/sync", json!({}));
        assert!(answer.is_null(), "{answer}");
    }

    fn open(&mut self, relative: &str) {
        let text = std::fs::read_to_string(self.root.join(relative)).unwrap();
        let language = if relative.ends_with(".md") {
            "markdown"
        } else {
            "yaml"
        };
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": {
                "uri": self.uri(relative), "languageId": language, "version": 1, "text": text,
            }}),
        );
        self.sync();
    }

    fn change(&mut self, relative: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": self.uri(relative), "version": version },
                "contentChanges": [{ "text": text }],
            }),
        );
        self.sync();
    }

    /// `(code, line, character)` of each diagnostic published for `relative`, 0-based.
    fn diagnostics(&self, relative: &str) -> Vec<(String, u64, u64)> {
        self.published
            .get(&self.uri(relative))
            .map(|diagnostics| {
                diagnostics
                    .iter()
                    .map(|d| {
                        (
                            d["code"].as_str().unwrap_or("").to_owned(),
                            d["range"]["start"]["line"].as_u64().unwrap(),
                            d["range"]["start"]["character"].as_u64().unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn codes(&self, relative: &str) -> Vec<String> {
        self.diagnostics(relative)
            .into_iter()
            .map(|(code, _, _)| code)
            .collect()
    }

    fn stop(mut self) {
        let answer = self.request("shutdown", Value::Null);
        assert_eq!(answer, Value::Null);
        self.notify("exit", Value::Null);
        let result = self.server.take().unwrap().join().unwrap();
        assert_eq!(result, Ok(()));
    }
}

fn write(root: &Path, relative: &str, text: &str) {
    common::write_files(root, &[(relative, text)]);
}

const INCIDENT: &str = "\
kind: incident
id: INC-1
title: Phishing of the finance team
severity: high
status: closed
detected: 2026-10-01
resolved: 2026-10-02
closed: 2026-10-03
responders: [a.ng]
review:
  held_on: 2026-10-04
  went_well: [fast containment]
  could_improve: [slow paging]
action_items:
  - id: A1
    title: Rotate the finance mailbox credentials
    due: 2026-12-20
    status: open
    type: training
";

const ROSTER: &str = "\
kind: roster
people:
  - id: a.ng
    name: Ada Ng
    role: responder
    status: active
    training:
      - course: incident-handling
        completed_on: 2024-01-10
        expires_on: 2025-01-10
";

const TRAINING: &str = "\
kind: policy
id: POL-TRAINING
title: Training
owner: a.ng
last_reviewed: 2026-09-01
required_training:
  - course: incident-handling
    roles: [responder]
    valid_days: 365
";

fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".lessons.yaml", "policy: default\n");
    write(dir.path(), "incidents/INC-1.yaml", INCIDENT);
    write(dir.path(), "people/roster.yaml", ROSTER);
    write(dir.path(), "policies/training.yaml", TRAINING);
    dir
}

#[test]
fn an_opened_incident_gets_its_findings_at_their_lines_and_an_edit_updates_them() {
    let dir = repository();
    let mut client = Client::start(dir.path());
    client.open("incidents/INC-1.yaml");
    let found = client.diagnostics("incidents/INC-1.yaml");
    // No root cause (LL001, at the status), an action item with no owner (LL002, at the
    // item), a responder whose training had expired (LL009, at the responder).
    assert!(found.contains(&("LL001".into(), 4, 8)), "{found:?}");
    assert!(found.contains(&("LL002".into(), 14, 4)), "{found:?}");
    assert!(found.contains(&("LL009".into(), 8, 13)), "{found:?}");
    let first = &client.published[&client.uri("incidents/INC-1.yaml")];
    let ll001 = first.iter().find(|d| d["code"] == "LL001").unwrap();
    assert_eq!(ll001["source"], "lessons");
    assert_eq!(ll001["severity"], 1);
    assert_eq!(
        ll001["range"],
        json!({ "start": { "line": 4, "character": 8 }, "end": { "line": 4, "character": 14 } })
    );
    assert!(ll001["message"]
        .as_str()
        .unwrap()
        .starts_with("incident INC-1 is closed but records no root cause"));

    // The writer adds a root cause and an owner: both findings go, unsaved.
    let fixed = INCIDENT
        .replace(
            "status: closed\n",
            "status: closed\nroot_cause: a lookalike domain passed the mail filter\n",
        )
        .replace("  - id: A1\n", "  - id: A1\n    owner: a.ng\n");
    client.change("incidents/INC-1.yaml", 2, &fixed);
    let codes = client.codes("incidents/INC-1.yaml");
    assert!(!codes.contains(&"LL001".to_owned()), "{codes:?}");
    assert!(!codes.contains(&"LL002".to_owned()), "{codes:?}");
    assert!(codes.contains(&"LL009".to_owned()), "{codes:?}");
    // Incremental sync: the editor sends ranges, in order, columns in UTF-16 units. The
    // title gains a dash (three bytes, one unit), then the root cause's line goes (the
    // text these make: `changes_are_applied_in_order_at_utf16_columns` in the server).
    let range = |line: u32, from: u32, to_line: u32, to: u32| json!({ "start": { "line": line, "character": from }, "end": { "line": to_line, "character": to } });
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": client.uri("incidents/INC-1.yaml"), "version": 3 },
            "contentChanges": [
                { "range": range(2, 16, 2, 20), "text": "— the" },
                { "range": range(2, 18, 2, 21), "text": "our" },
                { "range": range(5, 0, 6, 0), "text": "" },
            ],
        }),
    );
    client.sync();
    let found = client.diagnostics("incidents/INC-1.yaml");
    assert!(found.contains(&("LL001".into(), 4, 8)), "{found:?}");
    assert!(
        !found.iter().any(|(code, _, _)| code == "LL002"),
        "{found:?}"
    );
    // The disk is untouched: the buffer is not saved.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("incidents/INC-1.yaml")).unwrap(),
        INCIDENT
    );
    client.stop();
}

#[test]
fn a_roster_edit_reaches_the_incident_of_its_responder_though_it_is_not_open() {
    let dir = repository();
    let mut client = Client::start(dir.path());
    client.sync();
    // Published for the whole repository at start, open or not.
    assert!(client
        .codes("incidents/INC-1.yaml")
        .contains(&"LL009".to_owned()));
    client.open("people/roster.yaml");
    let renewed = ROSTER
        .replace("completed_on: 2024-01-10", "completed_on: 2026-01-10")
        .replace("expires_on: 2025-01-10", "expires_on: 2027-01-10");
    // Nothing asked after the edit: the incident's diagnostics come once the client is
    // quiet, unasked.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": client.uri("people/roster.yaml"), "version": 2 },
            "contentChanges": [{ "text": renewed }],
        }),
    );
    let cleared = client.listen_until(|client| {
        !client
            .codes("incidents/INC-1.yaml")
            .contains(&"LL009".to_owned())
    });
    assert!(cleared, "{:?}", client.codes("incidents/INC-1.yaml"));

    // A runbook the incident names is deleted on disk (a checkout): LL032 appears.
    write(
        dir.path(),
        "runbooks/phishing.yaml",
        "kind: runbook\nid: RB-PHISH\ntitle: Phishing\nowner: a.ng\nlast_reviewed: 2026-11-01\nlast_exercised: 2026-11-01\n",
    );
    let using = INCIDENT.replace(
        "responders: [a.ng]\n",
        "responders: [a.ng]\nrunbooks_used: [RB-PHISH]\n",
    );
    write(dir.path(), "incidents/INC-1.yaml", &using);
    let changed = |uri: String, kind: u8| json!({ "uri": uri, "type": kind });
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [changed(client.uri("runbooks/phishing.yaml"), 1), changed(client.uri("incidents/INC-1.yaml"), 2)] }),
    );
    client.sync();
    assert!(!client
        .codes("incidents/INC-1.yaml")
        .contains(&"LL032".to_owned()));
    std::fs::remove_file(dir.path().join("runbooks/phishing.yaml")).unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [changed(client.uri("runbooks/phishing.yaml"), 3)] }),
    );
    client.sync();
    let found = client.diagnostics("incidents/INC-1.yaml");
    assert!(found.contains(&("LL032".into(), 9, 16)), "{found:?}");
    client.stop();
}

#[test]
fn only_files_whose_diagnostics_changed_are_published_again() {
    let dir = repository();
    let mut client = Client::start(dir.path());
    client.open("incidents/INC-1.yaml");
    let roster = client.uri("people/roster.yaml");
    let before = client.publications.get(&roster).copied();
    let incident = client.uri("incidents/INC-1.yaml");
    let incident_before = client.publications[&incident];
    // A title edit changes no finding anywhere.
    client.change(
        "incidents/INC-1.yaml",
        2,
        &INCIDENT.replace("Phishing of the finance team", "Phishing of finance"),
    );
    assert_eq!(client.publications.get(&roster).copied(), before);
    // The edited document's are sent again, as the client expects after a change.
    assert_eq!(client.publications[&incident], incident_before + 1);
    client.stop();
}

#[test]
fn hover_on_a_finding_shows_the_rules_documentation_and_its_parameters_here() {
    let dir = repository();
    let mut client = Client::start(dir.path());
    client.open("incidents/INC-1.yaml");
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": client.uri("incidents/INC-1.yaml") }, "position": { "line": 4, "character": 10 } }),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.starts_with("**LL001 incident-root-cause** (error)"),
        "{text}"
    );
    assert!(text.contains("## Why it matters"), "{text}");
    assert!(text.contains("## Use instead"), "{text}");
    // A field name: what the schema says it holds.
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": client.uri("incidents/INC-1.yaml") }, "position": { "line": 3, "character": 2 } }),
    );
    assert_eq!(
        hover["contents"]["value"],
        "**`severity`** (incident): one of low, medium, high, critical"
    );
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": client.uri("people/roster.yaml") }, "position": { "line": 2, "character": 5 } }),
    );
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**`id`** (roster): text"));
    client.stop();
}

#[test]
fn waive_here_inserts_the_inline_waiver_above_the_line_and_the_finding_goes() {
    let dir = repository();
    let mut client = Client::start(dir.path());
    client.open("incidents/INC-1.yaml");
    let uri = client.uri("incidents/INC-1.yaml");
    let actions = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": { "start": { "line": 14, "character": 4 }, "end": { "line": 14, "character": 4 } },
            "context": { "diagnostics": [] },
        }),
    );
    let waive = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|action| action["title"] == "LL002: waive here (write the reason)")
        .unwrap_or_else(|| panic!("{actions:#}"));
    let edit = &waive["edit"]["changes"][&uri][0];
    assert_eq!(
        edit["range"]["start"],
        json!({ "line": 14, "character": 0 })
    );
    assert_eq!(
        edit["newText"],
        "  # lessons: allow LL002 until 2027-03-01 -- \n"
    );
    assert_eq!(
        waive["command"]["arguments"][1],
        json!({ "line": 14, "character": 45 })
    );
    // The writer applies it and writes the reason: LL002 is waived, so not shown.
    let mut lines: Vec<&str> = INCIDENT.lines().collect();
    lines.insert(
        14,
        "  # lessons: allow LL002 until 2027-03-01 -- owner joins in January",
    );
    client.change("incidents/INC-1.yaml", 2, &(lines.join("\n") + "\n"));
    let codes = client.codes("incidents/INC-1.yaml");
    assert!(!codes.contains(&"LL002".to_owned()), "{codes:?}");
    // The command places the cursor where the reason goes.
    client.request(
        "workspace/executeCommand",
        json!({ "command": "lessons.placeCursor", "arguments": [uri, { "line": 14, "character": 45 }] }),
    );
    assert!(client
        .asked
        .iter()
        .any(|(method, params)| method == "window/showDocument"
            && params["selection"]["start"] == json!({ "line": 14, "character": 45 })));
    client.stop();
}

#[test]
fn completion_offers_the_fields_of_the_kind_and_the_values_of_an_enumerated_field() {
    let dir = repository();
    let mut client = Client::start(dir.path());
    client.open("incidents/INC-1.yaml");
    let typing = INCIDENT.replace("status: closed\n", "status: closed\nro\n");
    client.change("incidents/INC-1.yaml", 2, &typing);
    let offered = client.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": client.uri("incidents/INC-1.yaml") }, "position": { "line": 5, "character": 2 } }),
    );
    let labels: Vec<&str> = offered["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"root_cause"), "{labels:?}");
    assert!(!labels.contains(&"status"), "{labels:?}");
    client.stop();
}

#[test]
fn a_broken_configuration_is_a_diagnostic_at_its_line_and_the_last_good_one_keeps_serving() {
    let dir = repository();
    let mut client = Client::start(dir.path());
    client.open("incidents/INC-1.yaml");
    write(
        dir.path(),
        ".lessons.yaml",
        "policy: default\ndisable: [LL09]\n",
    );
    client.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": client.uri(".lessons.yaml") } }),
    );
    client.sync();
    let config = client.diagnostics(".lessons.yaml");
    assert_eq!(config.len(), 1, "{config:?}");
    let said = &client.published[&client.uri(".lessons.yaml")][0];
    assert!(said["message"].as_str().unwrap().starts_with(
        "unknown rule `LL09` in `disable` of the configuration; did you mean `LL009`?"
    ));
    assert_eq!(
        said["range"],
        json!({ "start": { "line": 1, "character": 10 }, "end": { "line": 1, "character": 15 } })
    );
    // Still serving: an edit is checked with the last good configuration.
    client.change(
        "incidents/INC-1.yaml",
        2,
        &INCIDENT.replace("status: closed", "status: open"),
    );
    assert!(!client
        .codes("incidents/INC-1.yaml")
        .contains(&"LL001".to_owned()));
    // Mended: the diagnostic goes, and the new configuration applies.
    write(
        dir.path(),
        ".lessons.yaml",
        "policy: default\ndisable: [LL009]\n",
    );
    client.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": client.uri(".lessons.yaml") } }),
    );
    client.sync();
    assert!(client.diagnostics(".lessons.yaml").is_empty());
    assert!(!client
        .codes("incidents/INC-1.yaml")
        .contains(&"LL009".to_owned()));
    client.stop();
}

#[test]
fn a_hostile_rule_is_named_on_its_file_and_the_server_answers_the_next_request() {
    let dir = repository();
    write(
        dir.path(),
        ".lessons.yaml",
        "policy: default\nrules: [rules/]\n",
    );
    write(
        dir.path(),
        "rules/spin.rhai",
        "const RULE = #{ id: \"ACME001\", name: \"spin\", severity: \"warning\", kinds: [\"incident\"], summary: \"s\" };\nfn check(doc) {\n    loop { }\n}\n",
    );
    let mut client = Client::start(dir.path());
    client.open("incidents/INC-1.yaml");
    let failed = &client.published[&client.uri("rules/spin.rhai")];
    assert_eq!(failed[0]["code"], "ACME001", "{failed:?}");
    // At the line of the rule that went on too long.
    assert_eq!(
        failed[0]["range"]["start"],
        json!({ "line": 2, "character": 4 })
    );
    assert!(failed[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("rule failed:"));
    // The other rules' findings are there, and the server still answers.
    assert!(client
        .codes("incidents/INC-1.yaml")
        .contains(&"LL001".to_owned()));
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": client.uri("incidents/INC-1.yaml") }, "position": { "line": 3, "character": 2 } }),
    );
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**ACME001 spin** (warning)"));
    client.stop();
}

#[test]
fn a_client_that_pulls_gets_open_documents_on_request_and_nothing_twice() {
    let dir = repository();
    let mut client = Client::start_with(
        dir.path(),
        json!({}),
        json!({ "textDocument": { "diagnostic": { "dynamicRegistration": false } } }),
    );
    client.sync();
    let uri = client.uri("incidents/INC-1.yaml");
    let pushed = client.diagnostics("incidents/INC-1.yaml");
    assert!(pushed.contains(&("LL001".into(), 4, 8)), "{pushed:?}");
    client.open("incidents/INC-1.yaml");
    // What was pushed goes once the document is open: it is pulled from now on.
    assert!(client.published[&uri].is_empty());
    let report = client.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(report["kind"], "full");
    let codes: Vec<&str> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"LL001"), "{codes:?}");
    let again = client.request(
        "textDocument/diagnostic",
        json!({ "textDocument": { "uri": uri }, "previousResultId": report["resultId"] }),
    );
    assert_eq!(again["kind"], "unchanged");
    client.stop();
}

#[test]
fn waived_findings_are_hidden_unless_the_client_asks_to_see_them() {
    let dir = repository();
    let waived = INCIDENT.replace(
        "status: closed\n",
        "status: closed # lessons: allow LL001 until 2027-06-30 -- forensics pending\n",
    );
    write(dir.path(), "incidents/INC-1.yaml", &waived);
    let mut client = Client::start(dir.path());
    client.open("incidents/INC-1.yaml");
    assert!(!client
        .codes("incidents/INC-1.yaml")
        .contains(&"LL001".to_owned()));
    client.stop();
    let mut client = Client::start_with(dir.path(), json!({ "waived": "show" }), json!({}));
    client.open("incidents/INC-1.yaml");
    let shown = &client.published[&client.uri("incidents/INC-1.yaml")];
    let ll001 = shown.iter().find(|d| d["code"] == "LL001").unwrap();
    assert_eq!(ll001["severity"], 4);
    assert!(ll001["message"]
        .as_str()
        .unwrap()
        .contains("forensics pending"));
    client.stop();
}

/// The code actions offered at `line`:`character` of `relative`, by title.
fn actions_at(
    client: &mut Client,
    relative: &str,
    line: u32,
    character: u32,
    only: Option<&str>,
) -> Vec<Value> {
    let mut context = json!({ "diagnostics": [] });
    if let Some(only) = only {
        context["only"] = json!([only]);
    }
    let position = json!({ "line": line, "character": character });
    client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": client.uri(relative) },
                "range": { "start": position, "end": position },
                "context": context,
            }),
        )
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn quick_fixes_mend_a_wrong_case_a_misspelt_field_and_a_spelled_out_date() {
    let dir = repository();
    let typos = INCIDENT
        .replace(
            "status: closed\n",
            "status: Closed\nrootcause: a lookalike domain\n",
        )
        .replace("detected: 2026-10-01", "detected: Oct 1 2026");
    write(dir.path(), "incidents/INC-1.yaml", &typos);
    let mut client = Client::start(dir.path());
    client.open("incidents/INC-1.yaml");
    let uri = client.uri("incidents/INC-1.yaml");
    let title = |actions: &[Value]| -> Vec<String> {
        actions
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_owned())
            .collect()
    };
    // `status: Closed`: LL000, fixed by writing the value in lower case.
    let at_status = actions_at(&mut client, "incidents/INC-1.yaml", 4, 10, None);
    assert_eq!(
        title(&at_status)[0],
        "LL000: write `closed`",
        "{at_status:#?}"
    );
    assert_eq!(at_status[0]["isPreferred"], true);
    assert_eq!(
        at_status[0]["edit"]["changes"][&uri],
        json!([{ "range": { "start": { "line": 4, "character": 8 }, "end": { "line": 4, "character": 14 } }, "newText": "closed" }])
    );
    assert_eq!(at_status[0]["diagnostics"][0]["code"], "LL000");
    // `rootcause`: LL031, fixed by the name it was meant to be.
    let at_key = actions_at(&mut client, "incidents/INC-1.yaml", 5, 3, None);
    assert!(
        title(&at_key).contains(&"LL031: rename to `root_cause`".to_owned()),
        "{at_key:#?}"
    );
    // `Oct 1 2026`: no finding, but the date written as the schema writes dates.
    let at_date = actions_at(&mut client, "incidents/INC-1.yaml", 6, 12, None);
    let date = at_date
        .iter()
        .find(|a| a["title"] == "write the date as 2026-10-01")
        .unwrap_or_else(|| panic!("{at_date:#?}"));
    assert_eq!(date["edit"]["changes"][&uri][0]["newText"], "2026-10-01");
    // Fix all: both safe fixes at once, nothing else.
    let all = actions_at(
        &mut client,
        "incidents/INC-1.yaml",
        0,
        0,
        Some("source.fixAll.lessons"),
    );
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["kind"], "source.fixAll.lessons");
    let edits = all[0]["edit"]["changes"][&uri].as_array().unwrap();
    let written: Vec<&str> = edits
        .iter()
        .map(|e| e["newText"].as_str().unwrap())
        .collect();
    assert_eq!(written, ["closed", "root_cause"]);
    // Applied, the findings go.
    let fixed = typos
        .replace("status: Closed", "status: closed")
        .replace("rootcause:", "root_cause:");
    client.change("incidents/INC-1.yaml", 2, &fixed);
    let codes = client.codes("incidents/INC-1.yaml");
    assert!(
        !codes.contains(&"LL000".to_owned()) && !codes.contains(&"LL031".to_owned()),
        "{codes:?}"
    );
    client.stop();
}

#[test]
fn waive_here_in_a_markdown_body_writes_an_html_comment_that_waives() {
    let dir = repository();
    let postmortem = "---\nkind: incident\nid: INC-9\nstatus: closed\nseverity: low\ndetected: 2026-11-01\nclosed: 2026-11-02\n---\n\n## Root cause\n\nHuman error: the operator forgot to renew the certificate.\n";
    write(dir.path(), "incidents/INC-9.md", postmortem);
    let mut client = Client::start(dir.path());
    client.open("incidents/INC-9.md");
    let found = client.diagnostics("incidents/INC-9.md");
    let (_, line, _) = found
        .iter()
        .find(|(code, _, _)| code == "LL027")
        .cloned()
        .unwrap_or_else(|| panic!("{found:?}"));
    let actions = actions_at(&mut client, "incidents/INC-9.md", line as u32, 0, None);
    let waive = actions
        .iter()
        .find(|a| a["title"] == "LL027: waive here (write the reason)")
        .unwrap_or_else(|| panic!("{actions:#?}"));
    let uri = client.uri("incidents/INC-9.md");
    let inserted = waive["edit"]["changes"][&uri][0]["newText"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        inserted,
        "<!-- lessons: allow LL027 until 2027-03-01 --  -->\n"
    );
    let mut lines: Vec<String> = postmortem.lines().map(str::to_owned).collect();
    lines.insert(
        line as usize,
        inserted
            .trim_end()
            .replace("--  -->", "-- quoted from the vendor's report -->"),
    );
    client.change("incidents/INC-9.md", 2, &(lines.join("\n") + "\n"));
    let codes = client.codes("incidents/INC-9.md");
    assert!(!codes.contains(&"LL027".to_owned()), "{codes:?}");
    assert!(!codes.contains(&"LL025".to_owned()), "{codes:?}");
    client.stop();
}

#[test]
fn a_new_document_is_checked_from_its_first_save() {
    let dir = repository();
    let mut client = Client::start(dir.path());
    let text = "kind: incident\nid: INC-2\nstatus: closed\n";
    let uri = client.uri("incidents/INC-2.yaml");
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": 1, "text": text }}),
    );
    client.sync();
    // Saved: on disk, it belongs to the repository, and its buffer is checked.
    write(dir.path(), "incidents/INC-2.yaml", text);
    client.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": uri } }),
    );
    client.sync();
    assert!(client
        .codes("incidents/INC-2.yaml")
        .contains(&"LL001".to_owned()));
    client.stop();
}

/// What an editor receives for an incident of the shipped example, as snapshots: the
/// published diagnostics, the code actions at the first, and the first lines of its hover.
#[test]
fn the_example_incident_as_an_editor_receives_it() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(&common::example(), dir.path());
    let relative = "incidents/2026/INC-2026-018-public-s3-bucket.yaml";
    let mut client = Client::start(dir.path());
    client.open(relative);
    let uri = client.uri(relative);
    let published = client.published[&uri].clone();
    insta::assert_snapshot!(
        "example_diagnostics",
        serde_json::to_string_pretty(&published).unwrap()
    );
    let first = &published[0]["range"]["start"];
    let line = first["line"].as_u64().unwrap() as u32;
    let character = first["character"].as_u64().unwrap() as u32;
    let mut actions = actions_at(&mut client, relative, line, character, None);
    for action in &mut actions {
        // The URI holds the scratch folder's name: the snapshot names the file instead.
        if let Some(changes) = action["edit"]["changes"].as_object_mut() {
            let edits = changes.remove(&uri).unwrap();
            changes.insert(relative.to_owned(), edits);
        }
        if let Some(arguments) = action
            .get_mut("command")
            .and_then(|command| command.get_mut("arguments"))
            .and_then(Value::as_array_mut)
        {
            arguments[0] = json!(relative);
        }
        if let Some(diagnostics) = action.get_mut("diagnostics") {
            *diagnostics = json!(diagnostics.as_array().map_or(0, Vec::len));
        }
    }
    insta::assert_snapshot!(
        "example_code_actions",
        serde_json::to_string_pretty(&actions).unwrap()
    );
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": first }),
    );
    let head: Vec<&str> = hover["contents"]["value"]
        .as_str()
        .unwrap()
        .lines()
        .take(5)
        .collect();
    insta::assert_snapshot!("example_hover", head.join("\n"));
    client.stop();
}

#[test]
fn nothing_outside_the_checkout_is_read_through_a_uri_or_a_link() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.yaml");
    std::fs::write(&secret, "kind: incident\nid: SECRET-1\nstatus: closed\n").unwrap();
    let dir = repository();
    std::os::unix::fs::symlink(&secret, dir.path().join("incidents/linked.yaml")).unwrap();
    let mut client = Client::start(dir.path());
    client.sync();
    // A URI that climbs out of the root, opened and closed: neither the buffer nor the
    // file behind it is checked.
    let climbing = format!(
        "{}/../{}/secret.yaml",
        uri_of(dir.path()).unwrap().as_str(),
        outside.path().file_name().unwrap().to_str().unwrap()
    );
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": climbing, "languageId": "yaml", "version": 1,
                                  "text": "kind: incident\nid: SECRET-1\nstatus: closed\n" }}),
    );
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": climbing } }),
    );
    // A link in the repository to a file outside it, reported changed: not followed.
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": client.uri("incidents/linked.yaml"), "type": 2 }] }),
    );
    client.sync();
    assert!(!client.published.contains_key(&climbing));
    assert!(client.diagnostics("incidents/linked.yaml").is_empty());
    let everything = serde_json::to_string(&client.published).unwrap();
    assert!(!everything.contains("SECRET-1"), "{everything}");
    client.stop();
}

#[test]
fn initialization_options_and_a_settings_change_are_followed() {
    let dir = repository();
    let waived = INCIDENT.replace(
        "status: closed\n",
        "status: closed # lessons: allow LL001 until 2027-06-30 -- forensics pending\n",
    );
    write(dir.path(), "incidents/INC-1.yaml", &waived);
    // `asOf` past the waiver's expiry: LL025 says it expired, and LL001 counts again.
    let mut client = Client::start_with(dir.path(), json!({ "asOf": "2027-08-01" }), json!({}));
    client.open("incidents/INC-1.yaml");
    let codes = client.codes("incidents/INC-1.yaml");
    assert!(codes.contains(&"LL025".to_owned()), "{codes:?}");
    assert!(codes.contains(&"LL001".to_owned()), "{codes:?}");
    client.stop();
    // Within the waiver, hidden; then the client asks to see waived findings.
    let mut client = Client::start(dir.path());
    client.open("incidents/INC-1.yaml");
    assert!(!client
        .codes("incidents/INC-1.yaml")
        .contains(&"LL001".to_owned()));
    client.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "lessons": { "waived": "show" } } }),
    );
    client.sync();
    let shown = &client.published[&client.uri("incidents/INC-1.yaml")];
    let ll001 = shown.iter().find(|d| d["code"] == "LL001").expect("shown");
    assert_eq!(ll001["severity"], 4);
    client.stop();
}

#[test]
fn a_quick_fix_that_would_leave_the_file_reading_worse_is_not_offered() {
    let dir = repository();
    // Renaming `rootcause` to `root_cause` would repeat a key: `check --fix` does not
    // write it, and the editor does not offer it either.
    let both = INCIDENT.replace(
        "status: closed\n",
        "status: closed\nrootcause: a lookalike domain\nroot_cause: no mail filter rule\n",
    );
    write(dir.path(), "incidents/INC-1.yaml", &both);
    let mut client = Client::start(dir.path());
    client.open("incidents/INC-1.yaml");
    assert!(client
        .diagnostics("incidents/INC-1.yaml")
        .contains(&("LL031".into(), 5, 0)));
    let titles: Vec<String> = actions_at(&mut client, "incidents/INC-1.yaml", 5, 2, None)
        .iter()
        .map(|action| action["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles, ["LL031: waive here (write the reason)"]);
    let all = actions_at(
        &mut client,
        "incidents/INC-1.yaml",
        0,
        0,
        Some("source.fixAll.lessons"),
    );
    assert!(all.is_empty(), "{all:#?}");
    client.stop();
}

/// What a `lessons server` process started in `cwd` publishes for the repository at
/// `root` after opening its incident: diagnostics by URI.
fn published_by_a_process(root: &Path, cwd: &Path) -> HashMap<String, Vec<Value>> {
    use std::io::BufReader;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_lessons"))
        .args(["server", "--as-of", AS_OF])
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("lessons server starts");
    let mut input = child.stdin.take().unwrap();
    let mut output = BufReader::new(child.stdout.take().unwrap());
    let root = std::fs::canonicalize(root).unwrap();
    let incident = root.join("incidents/INC-1.yaml");
    let mut send = |message: Message| message.write(&mut input).expect("the server reads");
    let request = |id: i32, method: &str, params: Value| {
        Message::Request(Request::new(RequestId::from(id), method.to_owned(), params))
    };
    let notification = |method: &str, params: Value| {
        Message::Notification(Notification::new(method.to_owned(), params))
    };
    send(request(
        1,
        "initialize",
        json!({ "processId": null, "rootUri": uri_of(&root).unwrap(), "capabilities": {} }),
    ));
    send(notification("initialized", json!({})));
    send(notification(
        "textDocument/didOpen",
        json!({ "textDocument": {
            "uri": uri_of(&incident).unwrap(), "languageId": "yaml", "version": 1,
            "text": std::fs::read_to_string(&incident).unwrap(),
        } }),
    ));
    send(request(2, "lessons/sync", json!({})));
    let mut published: HashMap<String, Vec<Value>> = HashMap::new();
    loop {
        match Message::read(&mut output).expect("the server writes") {
            Some(Message::Notification(said))
                if said.method == "textDocument/publishDiagnostics" =>
            {
                let uri = said.params["uri"].as_str().unwrap().to_owned();
                let diagnostics = said.params["diagnostics"].as_array().unwrap().clone();
                published.insert(uri, diagnostics);
            }
            Some(Message::Response(answer)) if answer.id == RequestId::from(2) => break,
            Some(_) => {}
            None => panic!("the server stopped before answering"),
        }
    }
    send(request(3, "shutdown", Value::Null));
    send(notification("exit", Value::Null));
    drop(input);
    let _ = child.wait();
    published
}

/// An editor may start the server from a folder beside the repository: the configuration's
/// and a rule's problems are published for those files, not for `../repo/…` paths the
/// editor has never opened.
#[test]
fn a_server_started_beside_the_repository_publishes_for_the_files_themselves() {
    let folder = tempfile::tempdir().unwrap();
    let (root, beside) = (folder.path().join("repo"), folder.path().join("beside"));
    std::fs::create_dir_all(&beside).unwrap();
    for (path, text) in [
        ("incidents/INC-1.yaml", INCIDENT),
        ("people/roster.yaml", ROSTER),
        ("policies/training.yaml", TRAINING),
        (".lessons.yaml", "policy: default\ndisable: [LL09]\n"),
    ] {
        write(&root, path, text);
    }
    let canonical = std::fs::canonicalize(&root).unwrap();
    let uri = |relative: &str| uri_of(&canonical.join(relative)).unwrap().to_string();
    let published = published_by_a_process(&root, &beside);
    let config = &published
        .get(&uri(".lessons.yaml"))
        .expect("said of .lessons.yaml");
    assert!(config[0]["message"]
        .as_str()
        .unwrap()
        .contains("unknown rule `LL09`"));
    assert_eq!(
        config[0]["range"],
        json!({ "start": { "line": 1, "character": 10 }, "end": { "line": 1, "character": 15 } })
    );

    write(&root, ".lessons.yaml", "policy: default\nrules: [rules/]\n");
    write(
        &root,
        "rules/spin.rhai",
        "const RULE = #{ id: \"ACME001\", name: \"spin\", severity: \"warning\", kinds: [\"incident\"], summary: \"s\" };\nfn check(doc) {\n    loop { }\n}\n",
    );
    let published = published_by_a_process(&root, &beside);
    let failed = published
        .get(&uri("rules/spin.rhai"))
        .expect("said of the rule file");
    assert_eq!(failed[0]["code"], "ACME001", "{failed:?}");
    // At the line of the rule that went on too long.
    assert_eq!(
        failed[0]["range"]["start"],
        json!({ "line": 2, "character": 4 })
    );
    assert!(
        published.keys().all(|said| !said.contains("..")),
        "{:?}",
        published.keys()
    );
}
