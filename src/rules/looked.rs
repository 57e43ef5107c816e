//! What a rule call looked at besides its own document: the kinds it listed, the documents
//! and people it looked up (found or not). A session re-runs a call when what it looked at
//! changed, and only then; a run that does not record pays one thread-local read per lookup.

use std::cell::RefCell;
use std::sync::Arc;

/// One thing a call looked at, found or not.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Looked {
    /// Every document of a kind: `docs`, `referencing`, `nearest`.
    Kind(Arc<str>),
    /// How many documents of a kind there are, none of them read: `count`.
    Count(Arc<str>),
    /// A field of a document of a kind that a lookup handed out, read: kind, field (`""`:
    /// every field, as listing its keys does). A document edited where no call read it
    /// changes no call's result: the fields read are what a session compares an edit with.
    Field(Arc<str>, Arc<str>),
    /// One document by kind and id, or that there is none: `find`.
    Id(Arc<str>, Arc<str>),
    /// The documents of a kind whose field is not blank: `docs(kind, field)`. Kind, field.
    Having(Arc<str>, Arc<str>),
    /// Whether a document of a kind has an id, nothing of it read: `unresolved`.
    Exists(Arc<str>, Arc<str>),
    /// One person of the rosters by id, or that there is none: `find("person", …)`.
    Person(Arc<str>),
    /// The documents of a kind whose field names an id: `referencing(kind, field, id)`.
    /// Kind, field, id.
    Referencing(Arc<str>, Arc<str>, Arc<str>),
}

thread_local! {
    /// What the call under way on this thread looked at, when its run records it.
    static LOOKED: RefCell<Option<Vec<Looked>>> = const { RefCell::new(None) };
}

thread_local! {
    /// The kinds, fields and ids this thread's calls have looked at, each held once: a
    /// session keeps what 40,000 calls looked at, mostly the same few names over again.
    static NAMES: RefCell<std::collections::HashSet<Arc<str>>> = RefCell::default();
}

/// `name` as the records hold it: the one copy this thread already has, else a new one
/// (kept while there are fewer than 65,536, so a rule looking up ever new ids cannot
/// grow the set without end).
pub fn shared(name: &str) -> Arc<str> {
    const BOUND: usize = 1 << 16;
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some(known) = names.get(name) {
            return Arc::clone(known);
        }
        let made: Arc<str> = Arc::from(name);
        if names.len() < BOUND {
            names.insert(Arc::clone(&made));
        }
        made
    })
}

thread_local! {
    /// The document the call under way checks: its own fields are not noted (an edit to it
    /// runs its calls again anyway).
    static OWN: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
    /// The (kind, field) pairs noted since the call began or was last marked: a rule that
    /// reads `status` of 5,000 incidents notes it once.
    static READ: RefCell<Vec<(Arc<str>, Arc<str>)>> = const { RefCell::new(Vec::new()) };
}

/// Starts recording for the call that begins on this thread (or stops, when `on` is false),
/// on the document at `own`.
pub fn begin(on: bool, own: usize) {
    LOOKED.with(|looked| *looked.borrow_mut() = on.then(Vec::new));
    OWN.with(|cell| cell.set(own));
    READ.with(|read| read.borrow_mut().clear());
}

/// Notes that the call read `field` (`""`: every field) of the document at `position`, of
/// `kind`, when the call records and it is not the call's own document.
pub fn read(position: usize, kind: &str, field: &str) {
    if OWN.with(std::cell::Cell::get) == position {
        return;
    }
    LOOKED.with(|cell| {
        let mut cell = cell.borrow_mut();
        let Some(noted) = cell.as_mut() else {
            return;
        };
        READ.with(|read| {
            let mut read = read.borrow_mut();
            if read.iter().any(|(k, f)| **k == *kind && **f == *field) {
                return;
            }
            let pair = (shared(kind), shared(field));
            noted.push(Looked::Field(Arc::clone(&pair.0), Arc::clone(&pair.1)));
            read.push(pair);
        });
    });
}

/// What the call looked at, each once, in order; recording stops.
pub fn take() -> Vec<Looked> {
    let mut looked = LOOKED
        .with(|looked| looked.borrow_mut().take())
        .unwrap_or_default();
    looked.sort_unstable();
    looked.dedup();
    looked
}

/// Notes what a lookup looked at, when the call records: built only then.
pub fn note(looked: impl FnOnce() -> Looked) {
    LOOKED.with(|cell| {
        if let Some(noted) = cell.borrow_mut().as_mut() {
            noted.push(looked());
        }
    });
}

/// Where the call's record stands: what is noted from here on is [`since`] it (a field read
/// before is noted again after, so that a `memo` result knows every field it read).
pub fn mark() -> usize {
    READ.with(|read| read.borrow_mut().clear());
    LOOKED.with(|looked| looked.borrow().as_ref().map_or(0, Vec::len))
}

/// What was noted since `mark`: what a `memo` result was computed from.
pub fn since(mark: usize) -> Vec<Looked> {
    LOOKED.with(|looked| {
        looked
            .borrow()
            .as_ref()
            .and_then(|noted| noted.get(mark..))
            .map(<[Looked]>::to_vec)
            .unwrap_or_default()
    })
}

/// Notes `looked` at once: a `memo` result read by a later call was computed from it.
pub fn extend(looked: &[Looked]) {
    if looked.is_empty() {
        return;
    }
    LOOKED.with(|cell| {
        if let Some(noted) = cell.borrow_mut().as_mut() {
            noted.extend_from_slice(looked);
        }
    });
}
