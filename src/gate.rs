//! `lessons gate close ID|FILE`: the incident as if it were being closed — `status: closed`,
//! and `closed:` the as-of date when it has none — checked with every rule, together with
//! the runbooks it used and the policies it affected, so the incident manager sees
//! everything still missing before the close.

use std::path::{Path, PathBuf};

use crate::document::date::Moment;
use crate::document::{Entry, Node, Value};
use crate::finding::Finding;
use crate::workspace::Workspace;

/// What a run evaluates as if it were being closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closing {
    /// One incident, by id or by its file.
    Incident(String),
    /// Every incident whose status is not `closed`, all at once: what `gate close` would say
    /// of each, in one run instead of one run per incident.
    Unclosed,
}

/// `gate close` named no incident of the repository: the message says what to give.
#[derive(Debug)]
pub struct NoIncident(pub String);

/// What closing an incident is about: the incident and the runbooks and policies it
/// references, as (file, document id). A finding belongs to the close when it is in one of
/// these documents, or in one of their files outside any document (a file that did not
/// parse) — so another incident in the same file never blocks this one.
#[derive(Debug, Clone)]
pub struct CloseScope {
    pub documents: Vec<(PathBuf, Option<String>)>,
}

impl CloseScope {
    pub fn of(workspace: &Workspace, position: usize) -> CloseScope {
        let key = |position: usize| {
            let loaded = &workspace.documents[position];
            (
                workspace.files[loaded.file].path.to_path_buf(),
                loaded.document.id.as_deref().map(str::to_owned),
            )
        };
        let mut documents = vec![key(position)];
        documents.extend(references(workspace, position).into_iter().map(key));
        CloseScope { documents }
    }

    /// The files to report on (relative to the root); the incident's first.
    pub fn files(&self) -> impl Iterator<Item = &PathBuf> {
        self.documents.iter().map(|(file, _)| file)
    }

    pub fn includes(&self, finding: &Finding) -> bool {
        self.documents.iter().any(|(file, id)| {
            *finding.file == **file
                && (finding.doc_id.is_none() || finding.doc_id.as_deref() == id.as_deref())
        })
    }
}

/// The closing phase of a run: the documents rewritten as closed, and what to report.
#[derive(Debug, Default)]
pub struct Prepared {
    /// `gate close`: the id of the incident evaluated as if closed.
    pub id: Option<String>,
    /// `gate close`: the findings that belong to the close.
    pub scope: Option<CloseScope>,
    /// The files to report on, when closing decides them.
    pub reported: Option<Vec<PathBuf>>,
}

impl Prepared {
    /// Prepares `workspace` for what `closing` asks; nothing when it asks nothing.
    pub fn for_run(
        closing: Option<&Closing>,
        workspace: &mut Workspace,
        root: &Path,
        as_of: Moment,
    ) -> Result<Prepared, NoIncident> {
        Ok(match closing {
            Some(Closing::Incident(target)) => {
                let (id, scope) = prepare(workspace, root, target, as_of)?;
                Prepared {
                    id: Some(id),
                    reported: Some(scope.files().cloned().collect()),
                    scope: Some(scope),
                }
            }
            Some(Closing::Unclosed) => Prepared {
                reported: Some(prepare_unclosed(workspace, as_of)),
                ..Prepared::default()
            },
            None => Prepared::default(),
        })
    }
}

/// Finds the incident `target` names (an id, or a file holding one incident), rewrites it
/// as closed, and returns its id and what the close is about.
pub fn prepare(
    workspace: &mut Workspace,
    root: &Path,
    target: &str,
    as_of: Moment,
) -> Result<(String, CloseScope), NoIncident> {
    let position = find(workspace, root, target).ok_or_else(|| {
        NoIncident(format!(
            "no incident `{target}`: give an incident id (`INC-2026-014`) or the file of one"
        ))
    })?;
    let id = workspace.documents[position]
        .document
        .id
        .as_deref()
        .unwrap_or(target)
        .to_owned();
    close(workspace, position, as_of);
    Ok((id, CloseScope::of(workspace, position)))
}

/// Rewrites every incident not yet closed as closed, and returns the files to report on:
/// theirs and those of the runbooks and policies they reference (repeats included).
pub fn prepare_unclosed(workspace: &mut Workspace, as_of: Moment) -> Vec<PathBuf> {
    let unclosed = unclosed(workspace);
    for &position in &unclosed {
        close(workspace, position, as_of);
    }
    unclosed
        .into_iter()
        .flat_map(|position| CloseScope::of(workspace, position).documents)
        .map(|(file, _)| file)
        .collect()
}

/// The incidents whose status is not `closed` (open, contained, resolved, or none given).
pub fn unclosed(workspace: &Workspace) -> Vec<usize> {
    workspace
        .index
        .of_kind("incident")
        .iter()
        .copied()
        .filter(|&position| {
            let status = workspace.documents[position].document.root.get("status");
            status.and_then(Node::scalar_text).as_deref() != Some("closed")
        })
        .collect()
}

/// The runbooks an incident used and the policies it affected, as found in the index.
fn references(workspace: &Workspace, position: usize) -> Vec<usize> {
    let root = &workspace.documents[position].document.root;
    let mut found = Vec::new();
    for (field, kind) in [
        ("runbooks_used", "runbook"),
        ("policies_affected", "policy"),
    ] {
        let Some(Value::Seq(items)) = root.get(field).map(|node| &node.value) else {
            continue;
        };
        for reference in items.iter().filter_map(Node::scalar_text) {
            if let Some(position) = workspace.index.find(kind, &reference) {
                if !found.contains(&position) {
                    found.push(position);
                }
            }
        }
    }
    found
}

/// `status: closed`, and `closed:` the as-of date when the record has none.
fn close(workspace: &mut Workspace, position: usize, as_of: Moment) {
    let root = &mut workspace.documents[position].document.root;
    set(root, "status", "closed".into(), true);
    set(root, "closed", as_of.to_string(), false);
}

/// The incident by id, else by its file (as given, or relative to the root).
fn find(workspace: &Workspace, root: &Path, target: &str) -> Option<usize> {
    if let Some(position) = workspace.index.find("incident", target) {
        return Some(position);
    }
    let path = Path::new(target);
    let relative = std::path::absolute(path)
        .ok()
        .and_then(|absolute| {
            let root = std::path::absolute(root).ok()?;
            absolute.strip_prefix(root).ok().map(Path::to_path_buf)
        })
        .unwrap_or_else(|| path.to_path_buf());
    let mut incidents = workspace
        .index
        .of_kind("incident")
        .iter()
        .copied()
        .filter(|&position| {
            let file = &workspace.files[workspace.documents[position].file].path;
            **file == *relative || **file == *path
        });
    let first = incidents.next()?;
    // A file with several incidents names none of them.
    incidents.next().is_none().then_some(first)
}

/// Sets `key` to `value` (replacing it when `replace`, else only when absent or empty),
/// keeping the existing span so findings still point at the line to edit.
fn set(root: &mut Node, key: &str, value: String, replace: bool) {
    let at = root.span().start;
    root.value.edit_map(
        |entries| match entries.iter_mut().find(|entry| entry.key == key) {
            Some(entry) => {
                let empty = matches!(&entry.value.value, Value::Null)
                    || entry
                        .value
                        .as_str()
                        .is_some_and(|text| text.trim().is_empty());
                if replace || empty {
                    entry.value.value = Value::text(value);
                }
            }
            None => entries.push(Entry {
                key: key.into(),
                key_span: (at..at).into(),
                value: Node {
                    value: Value::text(value),
                    span: (at..at).into(),
                },
            }),
        },
    );
}
