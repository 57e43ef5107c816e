//! What a rule call looked at besides its own document: the kinds it listed, the documents
//! and people it looked up (found or not). A session re-runs a call when what it looked at
//! changed, and only then; a run that does not record pays one thread-local read per lookup.

use std::cell::RefCell;
use std::sync::Arc;

/// One thing a call looked at, found or not.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Looked {
    /// Every document of a kind: `docs`, `referencing`, `nearest`, a count of them.
    Kind(Arc<str>),
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

/// Starts recording for the call that begins on this thread (or stops, when `on` is false).
pub fn begin(on: bool) {
    LOOKED.with(|looked| *looked.borrow_mut() = on.then(Vec::new));
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

/// Where the call's record stands: what is noted from here on is [`since`] it.
pub fn mark() -> usize {
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
