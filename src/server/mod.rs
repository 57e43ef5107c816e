//! `lessons server`: the language server. It speaks the Language Server Protocol over stdio
//! (`lsp-server`, rust-analyzer's crate: a synchronous main loop handles messages in the
//! order they came, which the state shared across documents needs) on a loaded
//! [`Session`]: an edit re-runs only the rule calls it can change, and the diagnostics of
//! every file whose findings changed are published — open or not, as Regal does, because a
//! roster edit moves findings in incidents nobody has open.
//!
//! Edits queued while an evaluation runs are taken together: the newest text of each file
//! wins and one evaluation follows, so a fast typist never waits for the states in between.

mod actions;
mod complete;
mod diagnostics;
mod hover;
mod text;

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{notification, request, Uri};
use serde_json::{json, Value};

use crate::check::session::Session;
use crate::check::{Error, Options};
use crate::document::date::Moment;

pub use self::diagnostics::Waived;
pub use self::text::{path_of, uri_of};

/// How the server was started: the command line's options, which `initializationOptions`
/// may refine.
#[derive(Debug, Clone, Default)]
pub struct Start {
    pub options: Options,
}

/// What the client may set in `initializationOptions` (and change with
/// `workspace/didChangeConfiguration`, under `lessons`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    /// Waived findings: hidden (the default) or shown as hints naming the waiver.
    pub waived: Waived,
}

impl Settings {
    fn read(value: Option<&Value>, base: &Settings) -> Settings {
        let value = value.and_then(|value| value.get("lessons").or(Some(value)));
        let waived = match value
            .and_then(|value| value.get("waived"))
            .and_then(Value::as_str)
        {
            Some("show") => Waived::Show,
            Some("hide") => Waived::Hide,
            _ => base.waived,
        };
        Settings { waived }
    }
}

/// What the client can do beyond the basics.
#[derive(Debug, Clone, Copy, Default)]
struct Client {
    /// It pulls diagnostics of open documents (`textDocument/diagnostic`).
    pull: bool,
    /// It can be asked to pull again (`workspace/diagnostic/refresh`).
    refresh: bool,
    /// It watches files for the server when asked (`client/registerCapability`).
    watch: bool,
}

/// A document open in the editor: its text there wins over the disk.
struct Buffer {
    uri: Uri,
    text: String,
}

/// Serves `lessons server` over stdio until the client says `exit`.
pub fn serve_stdio(start: Start) -> Result<(), String> {
    let (connection, threads) = Connection::stdio();
    serve(connection, start)?;
    threads.join().map_err(|error| error.to_string())
}

/// Serves one client on `connection`, from `initialize` to `exit`.
pub fn serve(connection: Connection, start: Start) -> Result<(), String> {
    let (id, params) = connection
        .initialize_start()
        .map_err(|error| error.to_string())?;
    let capabilities = params.get("capabilities").cloned().unwrap_or(Value::Null);
    let flag = |pointer: &str| capabilities.pointer(pointer).is_some_and(|v| !v.is_null());
    let client = Client {
        pull: flag("/textDocument/diagnostic"),
        refresh: capabilities
            .pointer("/workspace/diagnostics/refreshSupport")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        watch: capabilities
            .pointer("/workspace/didChangeWatchedFiles/dynamicRegistration")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    };
    let root = root_of(&params)
        .or_else(|| std::env::current_dir().ok())
        .ok_or("no workspace folder and no current folder")?;
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    let initialization = params.get("initializationOptions");
    let options = options_of(start.options, initialization, &root);
    let settings = Settings::read(initialization, &Settings::default());
    connection
        .initialize_finish(id, initialize_result(client))
        .map_err(|error| error.to_string())?;
    let mut server = Server {
        connection,
        root,
        options,
        session: None,
        buffers: HashMap::new(),
        published: HashMap::new(),
        pulled: HashMap::new(),
        config_problem: None,
        client,
        settings,
        next_request: 0,
        stale: false,
        backlog: VecDeque::new(),
    };
    server.load();
    if client.watch {
        server.watch_files();
    }
    server.run()
}

/// The repository's folder: the first workspace folder, else the root URI.
fn root_of(params: &Value) -> Option<PathBuf> {
    let folder = params
        .pointer("/workspaceFolders/0/uri")
        .or_else(|| params.get("rootUri"))
        .and_then(Value::as_str)
        .and_then(|uri| uri.parse::<Uri>().ok())
        .and_then(|uri| path_of(&uri));
    folder.or_else(|| {
        params
            .get("rootPath")
            .and_then(Value::as_str)
            .map(PathBuf::from)
    })
}

/// The command line's options, with what `initializationOptions` sets (`config`, `policy`,
/// `rules`, `asOf`) over them.
fn options_of(mut options: Options, initialization: Option<&Value>, root: &Path) -> Options {
    let get = |key: &str| initialization.and_then(|value| value.get(key));
    if let Some(config) = get("config").and_then(Value::as_str) {
        options.config = Some(root.join(config));
    }
    if let Some(policy) = get("policy").and_then(Value::as_str) {
        options.policy = Some(policy.to_owned());
    }
    if let Some(rules) = get("rules").and_then(Value::as_array) {
        options.rule_dirs = rules
            .iter()
            .filter_map(Value::as_str)
            .map(|dir| root.join(dir))
            .collect();
    }
    if let Some(as_of) = get("asOf").and_then(Value::as_str).and_then(Moment::parse) {
        options.as_of = Some(as_of);
    }
    options.paths = vec![root.to_path_buf()];
    options.cache = None;
    options
}

fn initialize_result(client: Client) -> Value {
    let mut capabilities = json!({
        "positionEncoding": "utf-16",
        "textDocumentSync": {
            "openClose": true,
            "change": 2,
            "save": { "includeText": false },
        },
        "hoverProvider": true,
        "codeActionProvider": {
            "codeActionKinds": ["quickfix", actions::FIX_ALL],
            "resolveProvider": false,
        },
        "executeCommandProvider": { "commands": [actions::PLACE_CURSOR] },
        "completionProvider": {
            "triggerCharacters": [":", " ", "-"],
            "resolveProvider": false,
        },
    });
    if client.pull {
        capabilities["diagnosticProvider"] = json!({
            "identifier": "lessons",
            "interFileDependencies": true,
            "workspaceDiagnostics": false,
        });
    }
    json!({
        "capabilities": capabilities,
        "serverInfo": { "name": "lessons", "version": env!("CARGO_PKG_VERSION") },
    })
}

struct Server {
    connection: Connection,
    root: PathBuf,
    options: Options,
    /// `None` until the repository loads (a broken configuration at start).
    session: Option<Session>,
    /// Open documents, by path relative to the root.
    buffers: HashMap<Arc<Path>, Buffer>,
    /// What was last pushed for each file that has diagnostics: a digest of them.
    published: HashMap<Arc<Path>, u64>,
    /// The same for open documents the client pulls.
    pulled: HashMap<Arc<Path>, u64>,
    /// The configuration file a diagnostic was published on, while it is broken.
    config_problem: Option<PathBuf>,
    client: Client,
    settings: Settings,
    next_request: i32,
    /// Whether an edit's effects beyond the files being written are still to be
    /// published: done once the client has been quiet for [`QUIET`], or when asked
    /// ([`SYNC`]).
    stale: bool,
    /// Messages read ahead and not yet handled, in the order they came.
    backlog: VecDeque<Message>,
}

/// How long the client is quiet before the whole repository's diagnostics are brought up
/// to date after an edit (the edited file's own go out at once).
const QUIET: std::time::Duration = std::time::Duration::from_millis(100);

/// A request of our own: answered (with `null`) once everything sent before it is handled
/// and published.
const SYNC: &str = "lessons/sync";

impl Server {
    fn run(mut self) -> Result<(), String> {
        loop {
            let message = match self.backlog.pop_front() {
                Some(message) => message,
                None if self.stale => match self.connection.receiver.recv_timeout(QUIET) {
                    Ok(message) => message,
                    Err(quiet) if quiet.is_timeout() => {
                        self.refresh();
                        continue;
                    }
                    Err(_) => return Ok(()),
                },
                None => match self.connection.receiver.recv() {
                    Ok(message) => message,
                    Err(_) => return Ok(()),
                },
            };
            match message {
                Message::Request(request) => {
                    match self.connection.handle_shutdown(&request) {
                        Ok(true) => return Ok(()),
                        Ok(false) => {}
                        Err(error) => return Err(error.to_string()),
                    }
                    // Answers read the session as edited so far; the rest of the
                    // repository's diagnostics wait for the client's pause.
                    self.request(request);
                }
                Message::Notification(first) if is_edit(&first) => {
                    // Every edit already queued joins this one: one evaluation for all.
                    let mut edits = vec![first];
                    while let Ok(next) = self.connection.receiver.try_recv() {
                        match next {
                            Message::Notification(edit) if is_edit(&edit) => edits.push(edit),
                            other => {
                                self.backlog.push_back(other);
                                break;
                            }
                        }
                    }
                    self.edits(edits);
                }
                Message::Notification(notification) => {
                    if notification.method == notification::Exit::METHOD {
                        return Ok(());
                    }
                    self.notification(notification);
                }
                Message::Response(_) => {}
            }
        }
    }

    /// Loads the repository (again): at start, and when the configuration or a rule
    /// changed and the session could not take it in itself.
    fn load(&mut self) {
        match Session::open(&self.options) {
            Ok(mut session) => {
                // Open documents' unsaved text wins over what was read from disk.
                for (path, buffer) in &self.buffers {
                    if held_text(&session, path) != Some(buffer.text.as_str()) {
                        let _ = session.update(path, buffer.text.clone());
                    }
                }
                self.session = Some(session);
                self.clear_config_problem();
                self.take_early_opens();
                self.refresh();
            }
            Err(error) => self.config_broken(&error),
        }
    }

    /// The documents opened while the repository loaded, taken before anything else is
    /// published: the file the writer looks at gets its diagnostics first.
    fn take_early_opens(&mut self) {
        while let Ok(message) = self.connection.receiver.try_recv() {
            self.backlog.push_back(message);
        }
        let mut edits = Vec::new();
        let mut rest = VecDeque::with_capacity(self.backlog.len());
        let mut asked = false;
        for message in self.backlog.drain(..) {
            match message {
                Message::Notification(edit) if !asked && is_edit(&edit) => edits.push(edit),
                Message::Request(request) => {
                    // Nothing sent after a request is handled before it.
                    asked = true;
                    rest.push_back(Message::Request(request));
                }
                other => rest.push_back(other),
            }
        }
        self.backlog = rest;
        if !edits.is_empty() {
            self.edits(edits);
        }
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        let _ = self
            .connection
            .sender
            .send(Notification::new(method.to_owned(), params).into());
    }

    fn respond(&self, response: Response) {
        let _ = self.connection.sender.send(response.into());
    }

    fn ask(&mut self, method: &str, params: Value) {
        self.next_request += 1;
        let request = Request::new(
            RequestId::from(format!("lessons-{}", self.next_request)),
            method.to_owned(),
            params,
        );
        let _ = self.connection.sender.send(request.into());
    }

    fn log(&self, kind: u8, message: &str) {
        self.notify(
            notification::LogMessage::METHOD,
            json!({ "type": kind, "message": message }),
        );
    }

    /// Asks the client to tell of changes to the repository's files made outside the
    /// editor (a checkout, a rule file saved elsewhere).
    fn watch_files(&mut self) {
        let watchers: Vec<Value> = ["**/*.{yaml,yml,json,md,markdown,rhai}", "**/.lessons.yaml"]
            .iter()
            .map(|glob| json!({ "globPattern": glob }))
            .collect();
        self.ask(
            request::RegisterCapability::METHOD,
            json!({ "registrations": [{
                "id": "lessons-watch",
                "method": notification::DidChangeWatchedFiles::METHOD,
                "registerOptions": { "watchers": watchers },
            }]}),
        );
    }

    /// The path of `uri` relative to the root, when it is inside the repository.
    fn relative(&self, uri: &Uri) -> Option<Arc<Path>> {
        relative_in(&self.root, uri)
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        let params = request.params;
        let result = match request.method.as_str() {
            request::HoverRequest::METHOD => self.hover(&params),
            request::CodeActionRequest::METHOD => self.code_actions(&params),
            request::Completion::METHOD => self.completion(&params),
            request::DocumentDiagnosticRequest::METHOD => self.pull(&params),
            request::ExecuteCommand::METHOD => self.execute(&params),
            // Answered once every edit sent before has been published, the rest of the
            // repository's diagnostics with it: what tests and benchmarks wait on.
            SYNC => {
                if self.stale {
                    self.refresh();
                }
                Value::Null
            }
            _ => {
                self.respond(Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("lessons does not answer {}", request.method),
                ));
                return;
            }
        };
        self.respond(Response::new_ok(id, result));
    }

    fn notification(&mut self, notification: Notification) {
        let params = notification.params;
        match notification.method.as_str() {
            notification::DidCloseTextDocument::METHOD => {
                let Some(path) =
                    uri_at(&params, "/textDocument/uri").and_then(|u| self.relative(&u))
                else {
                    return;
                };
                self.buffers.remove(&path);
                // Unsaved changes are dropped with the buffer: the disk speaks again.
                let on_disk = self.read_confined(&path);
                self.apply(vec![(path.clone(), on_disk)]);
                self.pulled.remove(&path);
                if self.client.pull {
                    // Its diagnostics are pushed again now that nobody pulls them.
                    self.published.remove(&path);
                    self.refresh();
                }
            }
            notification::DidSaveTextDocument::METHOD => {
                let Some(path) =
                    uri_at(&params, "/textDocument/uri").and_then(|u| self.relative(&u))
                else {
                    return;
                };
                if self.reloads_on(&path) {
                    let text = self.read_confined(&path);
                    self.apply(vec![(path, text)]);
                    return;
                }
                // A document new to the repository is taken once it is on disk (the walk
                // decides what belongs to it): its buffer counts from its first save.
                let held = self
                    .session
                    .as_ref()
                    .is_some_and(|session| session.workspace().file_position(&path).is_some());
                if !held {
                    if let Some(text) = self.buffers.get(&path).map(|buffer| buffer.text.clone()) {
                        self.apply(vec![(path, Some(text))]);
                    }
                }
            }
            notification::DidChangeWatchedFiles::METHOD => {
                let changes = params
                    .get("changes")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let mut edits = Vec::new();
                for change in changes {
                    let Some(path) = uri_at(&change, "/uri").and_then(|u| self.relative(&u)) else {
                        continue;
                    };
                    // An open document's buffer wins; the configuration and rules always
                    // come from disk.
                    if self.buffers.contains_key(&path) && !self.reloads_on(&path) {
                        continue;
                    }
                    let text = self.read_confined(&path);
                    edits.push((path, text));
                }
                self.apply(edits);
            }
            notification::DidChangeConfiguration::METHOD => {
                let settings = Settings::read(params.get("settings"), &self.settings);
                if settings != self.settings {
                    self.settings = settings;
                    self.published.clear();
                    self.pulled.clear();
                    self.refresh();
                }
            }
            _ => {}
        }
    }

    /// Opened and changed documents, in the order they came.
    fn edits(&mut self, edits: Vec<Notification>) {
        let mut changed: Vec<(Arc<Path>, Option<String>)> = Vec::new();
        let mut opened = Vec::new();
        for edit in edits {
            let params = edit.params;
            let Some(uri) = uri_at(&params, "/textDocument/uri") else {
                continue;
            };
            let Some(path) = self.relative(&uri) else {
                continue;
            };
            // Applied to the buffer where it is: the document is not copied for it.
            let opening = edit.method == notification::DidOpenTextDocument::METHOD;
            let new = !self.buffers.contains_key(&path);
            let buffer = self.buffers.entry(path.clone()).or_insert_with(|| Buffer {
                uri,
                text: String::new(),
            });
            let read = match opening {
                true => params
                    .pointer("/textDocument/text")
                    .and_then(Value::as_str)
                    .map(|text| text.clone_into(&mut buffer.text)),
                false => changes_applied(&mut buffer.text, &params),
            };
            if read.is_none() {
                if new {
                    self.buffers.remove(&path);
                }
                continue;
            }
            let text = buffer.text.clone();
            if opening {
                opened.push(path.clone());
            }
            changed.retain(|(earlier, _)| earlier != &path);
            // The configuration and rule files take effect when saved.
            if !self.reloads_on(&path) {
                changed.push((path, Some(text)));
            }
        }
        if self.client.pull {
            // An opened document is pulled from now on: what was pushed for it goes.
            for path in &opened {
                if self.published.remove(path).is_some() {
                    // At the URI it was published at, before it was open.
                    self.publish(uri_of(&self.root.join(path)), Vec::new());
                }
            }
        }
        // Opening a document the session already holds as it is changes nothing.
        if let Some(session) = &self.session {
            changed.retain(|(path, text)| held_text(session, path) != text.as_deref());
        }
        if changed.is_empty() {
            if !opened.is_empty() && !self.client.pull {
                self.publish_opened(&opened);
            }
            return;
        }
        self.apply(changed);
    }

    /// Puts each file's new text (or its removal) into the session, then publishes what
    /// changed.
    fn apply(&mut self, edits: Vec<(Arc<Path>, Option<String>)>) {
        if edits.is_empty() {
            return;
        }
        let reload = edits.iter().any(|(path, _)| self.reloads_on(path));
        if self.session.is_none() {
            if reload {
                self.load();
            }
            return;
        }
        let mut failure = None;
        let edited: Vec<Arc<Path>> = edits.iter().map(|(path, _)| Arc::clone(path)).collect();
        for (path, text) in edits {
            // An edited document's diagnostics are always sent again: the client asked.
            self.published.remove(&path);
            let Some(session) = self.session.as_mut() else {
                break;
            };
            let edited = match text {
                Some(text) => session.update(&path, text),
                None => session.remove(&path),
            };
            if let Err(error) = edited {
                failure = Some(error);
            }
        }
        match failure {
            Some(error) => self.config_broken(&error),
            None if reload => self.clear_config_problem(),
            None => {}
        }
        if reload {
            self.refresh();
            return;
        }
        // The files being written first, at once; the rest of the repository once the
        // writer pauses.
        for path in edited {
            if self.buffers.contains_key(&path) {
                self.publish_now(&path);
            }
        }
        self.stale = true;
    }

    /// Publishes the diagnostics of an open document from its findings alone.
    fn publish_now(&mut self, path: &Arc<Path>) {
        let (Some(session), Some(buffer)) = (&self.session, self.buffers.get(path)) else {
            return;
        };
        if self.client.pull {
            return; // The client pulls an open document's diagnostics after its edit.
        }
        let findings = session.findings_of(path);
        let (digest, diagnostics) =
            diagnostics::of_findings(&findings, &buffer.text, self.settings.waived);
        if diagnostics.is_empty() {
            if self.published.remove(path).is_none() {
                // Nothing was shown and nothing is: still answered, as the client asked.
                self.push(path, Vec::new());
                return;
            }
        } else {
            self.published.insert(Arc::clone(path), digest);
        }
        self.push(path, diagnostics);
    }

    /// Whether `path` is the configuration or a rule file: read from disk, on save.
    fn reloads_on(&self, path: &Path) -> bool {
        if let Some(session) = &self.session {
            return session.reloads_on(path);
        }
        // No session (the configuration or a rule did not load): the configuration or any
        // rule may bring it back.
        let config = self
            .options
            .config
            .as_deref()
            .and_then(|config| config.strip_prefix(&self.root).ok())
            .map_or(Path::new(crate::workspace::config::CONFIG_FILE), |c| c);
        path == config || path.extension().is_some_and(|e| e == "rhai")
    }

    /// The text of a repository file on disk (see [`read_inside`]).
    fn read_confined(&self, path: &Path) -> Option<String> {
        read_inside(&self.root, path)
    }

    /// Takes the session's findings as they are now and publishes every file whose
    /// diagnostics changed.
    fn refresh(&mut self) {
        self.stale = false;
        let Some(session) = &self.session else {
            return;
        };
        // The whole outcome is assembled for the comparison and dropped after it: what a
        // request needs of one file is asked of the session then.
        let outcome = session.outcome();
        let mut pulled_changed = false;
        let mut changed = Vec::new();
        let mut seen = HashSet::new();
        for (path, digest, make) in diagnostics::by_file(&outcome, self.settings.waived, &self.root)
        {
            seen.insert(path.clone());
            let open = self.buffers.contains_key(&path);
            if self.client.pull && open {
                if self.pulled.insert(path.clone(), digest) != Some(digest) {
                    pulled_changed = true;
                }
                continue;
            }
            if self.published.get(&path) != Some(&digest) {
                changed.push((path, digest, make));
            }
        }
        // Files whose diagnostics are all gone.
        let mut gone = Vec::new();
        self.published.retain(|path, _| {
            let kept = seen.contains(path);
            if !kept {
                gone.push(Arc::clone(path));
            }
            kept
        });
        for path in gone {
            self.push(&path, Vec::new());
        }
        let pulled = self.pulled.len();
        self.pulled.retain(|path, _| seen.contains(path));
        pulled_changed |= self.pulled.len() != pulled;
        // Open documents first: that is where the writer looks. Each file's diagnostics
        // are made as they are sent, never all at once.
        changed.sort_by_key(|(path, _, _)| !self.buffers.contains_key(path));
        for (path, digest, make) in changed {
            self.published.insert(path.clone(), digest);
            self.push(&path, make());
        }
        if pulled_changed && self.client.refresh {
            self.ask("workspace/diagnostic/refresh", Value::Null);
        }
    }

    /// Publishes the diagnostics of documents just opened that the session already held,
    /// unless they are out already.
    fn publish_opened(&mut self, opened: &[Arc<Path>]) {
        for path in opened {
            if !self.published.contains_key(path) {
                self.publish_now(path);
            }
        }
    }

    /// Publishes `diagnostics` for `path` (relative to the root), at the URI its buffer
    /// has when it is open.
    fn push(&self, path: &Path, diagnostics: Vec<lsp_types::Diagnostic>) {
        let uri = self.buffers.get(path).map(|buffer| buffer.uri.clone());
        self.publish(uri.or_else(|| uri_of(&self.root.join(path))), diagnostics);
    }

    fn publish(&self, uri: Option<Uri>, diagnostics: Vec<lsp_types::Diagnostic>) {
        if let Some(uri) = uri {
            self.notify(
                notification::PublishDiagnostics::METHOD,
                json!({ "uri": uri, "diagnostics": diagnostics }),
            );
        }
    }

    /// The configuration could not be read: a diagnostic at its line, and the last good
    /// session keeps serving.
    fn config_broken(&mut self, error: &Error) {
        let (path, diagnostic) = diagnostics::of_error(error, &self.root, &self.options);
        self.log(1, &format!("lessons: {error}"));
        self.publish(uri_of(&path), vec![diagnostic]);
        self.config_problem = Some(path);
    }

    fn clear_config_problem(&mut self) {
        if let Some(path) = self.config_problem.take() {
            self.publish(uri_of(&path), Vec::new());
        }
    }

    /// The open document at `uri` in `params`, with its text (the buffer's, else the
    /// session's).
    fn document_at(&self, params: &Value) -> Option<(Arc<Path>, String)> {
        let uri = uri_at(params, "/textDocument/uri")?;
        let path = self.relative(&uri)?;
        let text = match self.buffers.get(&path) {
            Some(buffer) => buffer.text.clone(),
            None => held_text(self.session.as_ref()?, &path)?.to_owned(),
        };
        Some((path, text))
    }

    fn pull(&mut self, params: &Value) -> Value {
        let (Some((path, text)), Some(session)) = (self.document_at(params), &self.session) else {
            return json!({ "kind": "full", "items": [] });
        };
        let findings = session.findings_of(&path);
        let (digest, items) = diagnostics::of_findings(&findings, &text, self.settings.waived);
        self.pulled.insert(Arc::clone(&path), digest);
        let result_id = format!("{digest:x}");
        if params.get("previousResultId").and_then(Value::as_str) == Some(result_id.as_str()) {
            return json!({ "kind": "unchanged", "resultId": result_id });
        }
        json!({ "kind": "full", "resultId": result_id, "items": items })
    }

    /// `lessons.placeCursor`: after "waive here", the cursor goes where the reason is written.
    fn execute(&mut self, params: &Value) -> Value {
        if params.get("command").and_then(Value::as_str) == Some(actions::PLACE_CURSOR) {
            let uri = params.pointer("/arguments/0").cloned();
            let at = params.pointer("/arguments/1").cloned();
            if let (Some(uri), Some(at)) = (uri, at) {
                self.ask(
                    "window/showDocument",
                    json!({ "uri": uri, "takeFocus": true, "selection": { "start": at, "end": at } }),
                );
            }
        }
        Value::Null
    }

    fn hover(&self, params: &Value) -> Value {
        let (Some((path, text)), Some(session)) = (self.document_at(params), self.session.as_ref())
        else {
            return Value::Null;
        };
        let Some(position) = position_at(params, "/position") else {
            return Value::Null;
        };
        hover::hover(session, &path, &text, position)
    }

    fn code_actions(&self, params: &Value) -> Value {
        let (Some((path, text)), Some(session)) = (self.document_at(params), self.session.as_ref())
        else {
            return json!([]);
        };
        let Some(uri) = uri_at(params, "/textDocument/uri") else {
            return json!([]);
        };
        let (Some(start), Some(end)) = (
            position_at(params, "/range/start"),
            position_at(params, "/range/end"),
        ) else {
            return json!([]);
        };
        let only: Option<Vec<String>> = params
            .pointer("/context/only")
            .and_then(Value::as_array)
            .map(|kinds| {
                kinds
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            });
        actions::code_actions(
            session,
            &actions::Asked {
                uri: &uri,
                path: &path,
                text: &text,
                range: lsp_types::Range::new(start, end),
                only: only.as_deref(),
            },
        )
    }

    fn completion(&self, params: &Value) -> Value {
        let (Some((path, text)), Some(position)) =
            (self.document_at(params), position_at(params, "/position"))
        else {
            return Value::Null;
        };
        // The kind of the document being typed in (a YAML file may hold several).
        let offset = text::offset(&text, position);
        let kind = self
            .session
            .as_ref()
            .and_then(|session| hover::loaded_at(session.workspace(), &path, offset))
            .and_then(|loaded| loaded.kind.as_deref());
        complete::completion(&path, &text, offset, kind)
    }
}

/// The session's text of `path` now, when it holds the file.
fn held_text<'a>(session: &'a Session, path: &Path) -> Option<&'a str> {
    let workspace = session.workspace();
    let position = workspace.file_position(path)?;
    Some(workspace.files[position].text())
}

/// The path of `uri` relative to `root`, when it names a file inside it: never one with
/// `..` or `.` parts (`file:///repo/../etc/passwd` starts with the root and is not in it).
fn relative_in(root: &Path, uri: &Uri) -> Option<Arc<Path>> {
    let path = path_of(uri)?;
    if path.components().any(|part| {
        matches!(
            part,
            std::path::Component::ParentDir | std::path::Component::CurDir
        )
    }) {
        return None;
    }
    let inside = |path: &Path| {
        path.strip_prefix(root)
            .ok()
            .filter(|relative| !relative.as_os_str().is_empty())
            .map(Arc::from)
    };
    inside(&path).or_else(|| {
        // Through a symbolic link to the checkout, say: compare where it really is.
        let parent = std::fs::canonicalize(path.parent()?).ok()?;
        inside(&parent.join(path.file_name()?))
    })
}

/// The text of `path` (relative to `root`) on disk, read as the walk reads files: a regular
/// file inside the checkout, never through a symbolic link; `None` when it is gone or not
/// one.
fn read_inside(root: &Path, path: &Path) -> Option<String> {
    let absolute = root.join(path);
    crate::workspace::read::lexically_inside(&absolute, root)?;
    crate::workspace::read::confined(&absolute, root).ok()?;
    let metadata = std::fs::symlink_metadata(&absolute).ok()?;
    if !metadata.is_file() {
        return None;
    }
    std::fs::read_to_string(&absolute).ok()
}

fn is_edit(notification: &Notification) -> bool {
    notification.method == notification::DidOpenTextDocument::METHOD
        || notification.method == notification::DidChangeTextDocument::METHOD
}

fn uri_at(params: &Value, pointer: &str) -> Option<Uri> {
    params.pointer(pointer)?.as_str()?.parse().ok()
}

fn position_at(params: &Value, pointer: &str) -> Option<lsp_types::Position> {
    serde_json::from_value(params.pointer(pointer)?.clone()).ok()
}

/// Applies a `didChange` to a document's text: whole replacements, or ranges replaced in
/// order (incremental sync: a keystroke sends a few bytes, not the document). A change
/// that does not read leaves the text as it was and says `None`.
fn changes_applied(text: &mut String, params: &Value) -> Option<()> {
    let mut changes = Vec::new();
    for change in params.get("contentChanges")?.as_array()? {
        let new = change.get("text")?.as_str()?;
        let range = match change.get("range") {
            Some(range) if !range.is_null() => {
                Some(serde_json::from_value::<lsp_types::Range>(range.clone()).ok()?)
            }
            _ => None,
        };
        changes.push((range, new));
    }
    for (range, new) in changes {
        match range {
            Some(range) => {
                let start = text::offset(text, range.start);
                let end = text::offset(text, range.end).max(start);
                text.replace_range(start..end, new);
            }
            None => new.clone_into(text),
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_applied_in_order_at_utf16_columns() {
        let range = |line: u32, from: u32, to_line: u32, to: u32| {
            json!({ "start": { "line": line, "character": from },
                    "end": { "line": to_line, "character": to } })
        };
        let mut text =
            "id: INC-1\ntitle: Phishing of the team\nroot_cause: x\nstatus: closed\n".to_owned();
        let params = json!({ "contentChanges": [
            { "range": range(1, 16, 1, 20), "text": "— the" },
            { "range": range(1, 18, 1, 21), "text": "our" },
            { "range": range(2, 0, 3, 0), "text": "" },
        ]});
        assert_eq!(changes_applied(&mut text, &params), Some(()));
        assert_eq!(
            text,
            "id: INC-1\ntitle: Phishing — ourhe team\nstatus: closed\n"
        );
        // A change that does not read leaves the text as it was.
        let broken = json!({ "contentChanges": [
            { "text": "gone" },
            { "range": { "start": 3 }, "text": "x" },
        ]});
        assert_eq!(changes_applied(&mut text, &broken), None);
        assert_eq!(
            text,
            "id: INC-1\ntitle: Phishing — ourhe team\nstatus: closed\n"
        );
        let whole = json!({ "contentChanges": [{ "text": "kind: incident\n" }] });
        assert_eq!(changes_applied(&mut text, &whole), Some(()));
        assert_eq!(text, "kind: incident\n");
    }

    #[test]
    fn a_uri_names_a_file_of_the_repository_only_when_it_lies_inside_it() {
        let root = Path::new("/srv/policies");
        let uri = |text: &str| -> Uri { text.parse().unwrap() };
        assert_eq!(
            relative_in(root, &uri("file:///srv/policies/incidents/a.yaml")).as_deref(),
            Some(Path::new("incidents/a.yaml"))
        );
        for outside in [
            "file:///srv/policies/../secrets/a.yaml",
            "file:///srv/policies/./incidents/../../x.yaml",
            "file:///srv/other/a.yaml",
            "file:///srv/policies",
            "untitled:Untitled-1",
        ] {
            assert_eq!(relative_in(root, &uri(outside)), None, "{outside}");
        }
    }

    #[test]
    fn a_file_is_read_from_disk_only_inside_the_checkout_and_never_through_a_link() {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret.yaml");
        std::fs::write(&secret, "kind: incident\n").unwrap();
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        std::fs::write(root.join("a.yaml"), "kind: runbook\n").unwrap();
        std::os::unix::fs::symlink(&secret, root.join("linked.yaml")).unwrap();
        assert_eq!(
            read_inside(root, Path::new("a.yaml")).as_deref(),
            Some("kind: runbook\n")
        );
        assert_eq!(read_inside(root, Path::new("linked.yaml")), None);
        assert_eq!(read_inside(root, &secret), None);
        let climbing = Path::new("..")
            .join(outside.path().file_name().unwrap())
            .join("secret.yaml");
        assert_eq!(read_inside(root, &climbing), None);
        assert_eq!(read_inside(root, Path::new("gone.yaml")), None);
    }
}
