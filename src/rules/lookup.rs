//! The documents cross-document rules look up: `docs`, `find`, `referencing`.
//!
//! Each answer is a list of the document views made once per run, gathered the first time
//! it is asked for and shared from then on, so a lookup costs the same for ten documents or
//! a hundred thousand, and a rule looping over `docs("incident")` for every incident pays
//! for its loop, not for copies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rhai::Dynamic;

use super::engine::{id_text, is_blank, no_documents, Lookup};
use super::looked::{note, shared, Looked};
use super::view::{ListView, MapView};
use crate::workspace::{Index, LoadedDocument, Workspace};

/// Every document's view (`()` for one of no kind), indexed like the workspace's
/// documents, each made the first time a call or a lookup asks for it: a run that makes a
/// few calls again after an edit (a session, a resumed cache) makes the views those calls
/// see, not one per document of the repository — that was a third of the time of an edit
/// in a session of 10,000 incidents.
pub struct Views {
    views: Box<[OnceLock<Dynamic>]>,
    /// What a view not yet made is made from: the workspace, shared. Without it, every
    /// view was made at once.
    workspace: Option<Arc<Workspace>>,
}

impl Views {
    /// The views of `workspace`'s documents. With `shared` (the same workspace, held
    /// shared) a document a cache only remembers is read when first asked for, and,
    /// `lazily`, every view is made as it is asked for; the others are made at once, on
    /// every thread: what a run that calls every rule on every document does (2% faster
    /// than one at a time).
    pub fn of(workspace: &Workspace, shared: Option<Arc<Workspace>>, lazily: bool) -> Views {
        use rayon::prelude::*;
        let later =
            |loaded: &LoadedDocument| shared.is_some() && (lazily || loaded.document.remembered);
        let views = workspace
            .documents
            .par_iter()
            .enumerate()
            .map(|(position, loaded)| match later(loaded) {
                true => OnceLock::new(),
                false => OnceLock::from(view_of(loaded, position)),
            })
            .collect::<Vec<_>>();
        Views {
            views: views.into(),
            workspace: shared,
        }
    }

    /// The view of the document at `position`. Made on a call's thread, it is the run's,
    /// not the call's: neither its memory nor its time is charged to the call.
    pub fn get(&self, position: usize) -> &Dynamic {
        static NONE: Dynamic = Dynamic::UNIT;
        let Some(slot) = self.views.get(position) else {
            return &NONE;
        };
        match &self.workspace {
            Some(workspace) => slot.get_or_init(|| {
                let started = std::time::Instant::now();
                let view = crate::util::memory::outside_the_call(|| view_at(workspace, position));
                super::engine::extend_deadline(started.elapsed());
                view
            }),
            None => slot.get().unwrap_or(&NONE),
        }
    }

    /// The value of `field` of the document at `position`, as its view reads it, for a
    /// lookup's own work: read from the document's tree when its view is not made yet, so
    /// that indexing 10,000 incidents by a field after an edit makes no view.
    pub fn field(&self, position: usize, field: &str) -> Option<Dynamic> {
        let slot = self.views.get(position)?;
        if let (None, Some(workspace)) = (slot.get(), &self.workspace) {
            if let Some(written) = written_field(workspace.documents.get(position)?, field) {
                return written;
            }
        }
        field_value(self.get(position), field)
    }

    /// The document at `position` as the workspace holds it, when a cache only remembers
    /// it (what it names and has in the fields lookups ask about, no more).
    fn remembered(&self, position: usize) -> Option<&crate::document::Document> {
        let document = &self.workspace.as_ref()?.documents.get(position)?.document;
        document.remembered.then_some(document)
    }
}

fn view_of(loaded: &LoadedDocument, position: usize) -> Dynamic {
    match &loaded.kind {
        Some(kind) => super::view::document(&loaded.document, kind, position),
        None => Dynamic::UNIT,
    }
}

/// The view of the document at `position` of `workspace`; one a cache only remembers is
/// read from its file and parsed as a full load would.
fn view_at(workspace: &Workspace, position: usize) -> Dynamic {
    let Some(loaded) = workspace.documents.get(position) else {
        return Dynamic::UNIT;
    };
    if !loaded.document.remembered {
        return view_of(loaded, position);
    }
    let ordinal = position - workspace.documents_of(loaded.file).start;
    let source = &workspace.files[loaded.file];
    let reader = &workspace.reader;
    let settled = reader.settle(reader.parse_text(&source.path, source.text().to_string()));
    match settled.documents.get(ordinal) {
        Some((document, Some(kind))) => super::view::document(document, kind, position),
        _ => Dynamic::UNIT,
    }
}

/// The value of `field` of a read document as its view would read it, from the document's
/// tree, without making the view; `None` when only the view can tell: a field the view
/// makes, or a document a cache only remembers.
pub fn written_field(loaded: &LoadedDocument, field: &str) -> Option<Option<Dynamic>> {
    if loaded.kind.is_none() {
        return Some(None);
    }
    if loaded.document.remembered {
        return None;
    }
    match &loaded.document.root.value {
        crate::document::tree::Value::Map(entries) => super::view::written_value(entries, field),
        _ => super::view::written_value(&[], field),
    }
}

/// Answers by (kind, field), and by (kind, field) then id.
type Lists = HashMap<(String, String), Arc<[Dynamic]>>;
type References = HashMap<(String, String), Arc<HashMap<String, Referenced>>>;

/// The documents that name one id in a field: their positions, and their views once asked
/// for (a remembered document is read only when its id is).
struct Referenced {
    positions: Vec<usize>,
    views: OnceLock<Arc<[Dynamic]>>,
}

pub struct WorkspaceLookup {
    /// Each document's view.
    documents: Arc<Views>,
    index: Arc<Index>,
    /// Each kind's documents, gathered the first time they are asked for.
    by_kind: HashMap<String, OnceLock<Arc<[Dynamic]>>>,
    having: Mutex<Lists>,
    references: Mutex<References>,
}

fn list(values: Arc<[Dynamic]>) -> Dynamic {
    Dynamic::from(ListView::Values(values))
}

/// A field a lookup reads for its own work: not noted as the calling rule's read.
pub fn field_value(document: &Dynamic, field: &str) -> Option<Dynamic> {
    document.read_lock::<MapView>()?.value(field)
}

impl WorkspaceLookup {
    /// The lookups over `documents` (their views, indexed like the workspace's).
    pub fn new(documents: Arc<Views>, index: Arc<Index>) -> Self {
        let by_kind = index
            .kinds()
            .map(|kind| (kind.to_owned(), OnceLock::new()))
            .collect();
        WorkspaceLookup {
            documents,
            index,
            by_kind,
            having: Mutex::new(HashMap::new()),
            references: Mutex::new(HashMap::new()),
        }
    }

    /// The document at `position` as the workspace holds it, when a cache only remembers
    /// it (what it names and has in the fields lookups ask about, no more).
    fn remembered_document(&self, position: usize) -> Option<&crate::document::Document> {
        self.documents.remembered(position)
    }

    /// The view of the document at `position`.
    fn view(&self, position: usize) -> Dynamic {
        self.documents.get(position).clone()
    }

    fn of_kind(&self, kind: &str) -> Arc<[Dynamic]> {
        match self.by_kind.get(kind) {
            Some(list) => Arc::clone(list.get_or_init(|| {
                self.index
                    .of_kind(kind)
                    .iter()
                    .map(|&position| self.view(position))
                    .collect()
            })),
            None => Arc::from(Vec::new()),
        }
    }

    /// id → documents of `kind` whose `field` names it. A document a cache remembers
    /// with what it names in `field` is not read.
    fn references(&self, kind: &str, field: &str) -> Arc<HashMap<String, Referenced>> {
        let key = (kind.to_owned(), field.to_owned());
        let mut cache = self
            .references
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let built = cache.entry(key).or_insert_with(|| {
            let mut referencing: HashMap<String, Vec<usize>> = HashMap::new();
            for &position in self.index.of_kind(kind) {
                let kept = self
                    .remembered_document(position)
                    .and_then(|document| document.kept_names(field))
                    .map(|names| names.iter().map(|id| id.to_string()).collect());
                let ids = kept.unwrap_or_else(|| ids_of(self.documents.field(position, field)));
                for id in ids {
                    referencing.entry(id).or_default().push(position);
                }
            }
            Arc::new(
                referencing
                    .into_iter()
                    .map(|(id, positions)| {
                        let views = OnceLock::new();
                        (id, Referenced { positions, views })
                    })
                    .collect(),
            )
        });
        Arc::clone(built)
    }
}

impl Lookup for WorkspaceLookup {
    fn docs(&self, kind: &str) -> Dynamic {
        note(|| Looked::Kind(shared(kind)));
        list(self.of_kind(kind))
    }

    fn docs_with(&self, kind: &str, field: &str) -> Dynamic {
        note(|| Looked::Having(shared(kind), shared(field)));
        let key = (kind.to_owned(), field.to_owned());
        let mut cache = self.having.lock().unwrap_or_else(PoisonError::into_inner);
        let found = cache.entry(key).or_insert_with(|| {
            // A remembered document known to lack the field is not read.
            let known = |position: usize| {
                self.remembered_document(position)
                    .and_then(|document| document.kept_has(field))
            };
            self.index
                .of_kind(kind)
                .iter()
                .filter(|&&position| match known(position) {
                    Some(has) => has,
                    None => not_blank(self.documents.field(position, field)),
                })
                .map(|&position| self.view(position))
                .collect()
        });
        list(Arc::clone(found))
    }

    fn find(&self, kind: &str, id: &str) -> Dynamic {
        if kind == "person" {
            note(|| Looked::Person(shared(id)));
            return self
                .index
                .person(id)
                .and_then(|(roster, slot)| {
                    let people = field_value(&self.view(roster), "people")?;
                    let people = people.read_lock::<ListView>()?;
                    people.get(slot)
                })
                .unwrap_or(Dynamic::UNIT);
        }
        note(|| Looked::Id(shared(kind), shared(id)));
        self.index
            .find(kind, id)
            .map_or(Dynamic::UNIT, |position| self.view(position))
    }

    fn exists(&self, kind: &str, id: &str) -> bool {
        if kind == "person" {
            note(|| Looked::Person(shared(id)));
            return self.index.person(id).is_some();
        }
        note(|| Looked::Exists(shared(kind), shared(id)));
        self.index.find(kind, id).is_some()
    }

    fn referencing(&self, kind: &str, field: &str, id: &str) -> Dynamic {
        note(|| Looked::Referencing(shared(kind), shared(field), shared(id)));
        self.references(kind, field)
            .get(id)
            .map_or_else(no_documents, |referenced| {
                list(Arc::clone(referenced.views.get_or_init(|| {
                    referenced
                        .positions
                        .iter()
                        .map(|&position| self.view(position))
                        .collect()
                })))
            })
    }

    fn count(&self, kind: &str) -> i64 {
        let count = if kind == "person" {
            // Who is on the rosters: every roster's `people`, read from the index.
            note(|| Looked::Kind(shared("roster")));
            note(|| Looked::Field(shared("roster"), shared("people")));
            self.index.people_count()
        } else {
            note(|| Looked::Count(shared(kind)));
            self.index.of_kind(kind).len()
        };
        i64::try_from(count).unwrap_or(i64::MAX)
    }

    fn nearest(&self, kind: &str, id: &str) -> Dynamic {
        // Every id of the kind (every person of the rosters) is a candidate.
        note(|| Looked::Kind(shared(if kind == "person" { "roster" } else { kind })));
        if kind == "person" {
            // Every person's id, read from the index: every roster's `people`.
            note(|| Looked::Field(shared("roster"), shared("people")));
        }
        let nearest = if kind == "person" {
            super::engine::charge(self.index.people_count() as u64);
            closest(id, self.index.people_ids())
        } else {
            let documents = self.of_kind(kind);
            super::engine::charge(documents.len() as u64);
            let ids: Vec<String> = documents
                .iter()
                .filter_map(|document| id_text(&field_value(document, "id")?))
                .collect();
            closest(id, ids.iter().map(String::as_str))
        };
        nearest.map_or(Dynamic::UNIT, Dynamic::from)
    }
}

/// The ids a field's value names (a list of ids or one), each once, sorted: what
/// `referencing` finds a document by.
pub fn ids_of(value: Option<Dynamic>) -> Vec<String> {
    let Some(value) = value else {
        return Vec::new();
    };
    let mut ids: Vec<String> = match value.read_lock::<ListView>() {
        Some(items) => items
            .clone()
            .into_iter()
            .filter_map(|v| id_text(&v))
            .collect(),
        None => id_text(&value).into_iter().collect(),
    };
    ids.sort();
    ids.dedup();
    ids
}

/// Whether a field's value is there and not blank.
pub fn not_blank(value: Option<Dynamic>) -> bool {
    value.is_some_and(|value| !is_blank(&value))
}

/// The id among `ids` that `id` is most likely a slip of: the same but for case, or one
/// or two letters off (`RB-PHSH` for `RB-PHISH`, `p.okafr` for `p.okafor`), never more
/// than a third of it; `None` when none is that close.
fn closest<'a>(id: &str, ids: impl Iterator<Item = &'a str>) -> Option<String> {
    let wanted = id.trim().to_lowercase();
    let most = (wanted.chars().count() / 3).clamp(1, 2);
    ids.filter(|known| *known != id)
        .map(|known| {
            (
                known,
                crate::document::schema::edit_distance(&wanted, &known.to_lowercase()),
            )
        })
        .filter(|(_, distance)| *distance <= most)
        .min_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)))
        .map(|(known, _)| known.to_owned())
}
