//! The helpers of Rhai's packages that can build far more than they are given in one step
//! (`"x".pad(1e12, "y")`, `replace` with a long substitute, `split("")` of a long text into
//! millions of one-letter strings), registered again with a check first: what they would
//! build must fit in the largest single value and in what the call has left of its memory.
//! The rest of Rhai's helpers build at most a few times what they read, which the memory
//! budget, checked at every operation, bounds. Each behaves as Rhai's own otherwise.
//!
//! Writing a list or a map out as text (`print`, `debug`, `to_string`, `to_debug`, string
//! interpolation, `to_json`) is one step that can build far more than it reads: a list of a
//! thousand references to one 16 MB text is a few kilobytes and writes out as 16 GB. Those
//! are written here into a [`Written`] that stops at what one value and the call may hold.

use rhai::{
    Array, Dynamic, Engine, EvalAltResult, ImmutableString, Map, NativeCallContext, Position, INT,
};

use super::engine::{reserve, Limits};
use super::view::{ListView, MapView};

type RhaiResult<T> = Result<T, Box<EvalAltResult>>;

/// What an array slot and a small string cost, over their text: a `split` into a million
/// pieces holds a million of these.
const PIECE_BYTES: usize = 64;

fn too_large(what: &str) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorDataTooLarge(
        what.into(),
        Position::NONE,
    ))
}

/// A string of `bytes` may be built: under the single-value limit and the call's budget.
fn string_of(bytes: usize, limits: &Limits) -> RhaiResult<()> {
    if bytes > limits.string_bytes {
        return Err(too_large("Length of string"));
    }
    reserve(bytes)
}

/// An array of `items` pieces holding `bytes` of text may be built.
fn pieces(items: usize, bytes: usize, limits: &Limits) -> RhaiResult<()> {
    if items > limits.array_items {
        return Err(too_large("Size of array"));
    }
    reserve(items.saturating_mul(PIECE_BYTES).saturating_add(bytes))
}

fn pad_length(len: INT) -> RhaiResult<Option<usize>> {
    if len <= 0 {
        return Ok(None);
    }
    usize::try_from(len)
        .map(Some)
        .map_err(|_| too_large("Length of string"))
}

fn pad_with(
    string: &mut ImmutableString,
    len: INT,
    padding: &str,
    limits: &Limits,
) -> RhaiResult<()> {
    let Some(len) = pad_length(len)? else {
        return Ok(());
    };
    let have = string.chars().count();
    if len <= have || padding.is_empty() {
        return Ok(());
    }
    let widest = padding.chars().map(char::len_utf8).max().unwrap_or(1);
    let bytes = string
        .len()
        .saturating_add((len - have).saturating_mul(widest));
    string_of(bytes, limits)?;
    // Built at its final size, the whole copies of the padding doubling what is there
    // (Rhai's own string grows by what each push needs: a 16 MB padding took seconds).
    let each = padding.chars().count();
    let missing = len - have;
    let mut padded = Vec::with_capacity(bytes);
    padded.extend_from_slice(string.as_bytes());
    let start = padded.len();
    let whole = (missing / each).saturating_mul(padding.len());
    if whole > 0 {
        padded.extend_from_slice(padding.as_bytes());
    }
    while padded.len() - start < whole {
        let done = padded.len() - start;
        padded.extend_from_within(start..start + done.min(whole - done));
    }
    for character in padding.chars().take(missing % each) {
        padded.extend_from_slice(character.encode_utf8(&mut [0; 4]).as_bytes());
    }
    // Whole copies of a string are text: the check cannot fail.
    let padded = String::from_utf8(padded).map_err(|_| too_large("Length of string"))?;
    *string = padded.into();
    Ok(())
}

fn replaced(
    string: &str,
    find: &str,
    substitute: &str,
    limits: &Limits,
) -> RhaiResult<ImmutableString> {
    if substitute.len() > find.len() || find.is_empty() {
        let matches = if find.is_empty() {
            string.chars().count() + 1
        } else {
            string.matches(find).count()
        };
        string_of(
            string
                .len()
                .saturating_add(matches.saturating_mul(substitute.len())),
            limits,
        )?;
    }
    Ok(string.replace(find, substitute).into())
}

/// How many pieces splitting `string` at `delimiter` gives, at most `segments`.
fn piece_count(string: &str, delimiter: &str, segments: usize) -> usize {
    let all = if delimiter.is_empty() {
        string.chars().count() + 2
    } else {
        string.matches(delimiter).count() + 1
    };
    all.min(segments)
}

fn split_checked(
    string: &str,
    delimiter: &str,
    segments: usize,
    limits: &Limits,
) -> RhaiResult<()> {
    pieces(
        piece_count(string, delimiter, segments),
        string.len(),
        limits,
    )
}

/// `split` and `split_rev` as Rhai's: the text whole when it is empty, holds no delimiter
/// or is asked for one segment; else its pieces, at most `count`, from the end if `reverse`.
fn split(
    string: &ImmutableString,
    delimiter: &str,
    count: INT,
    reverse: bool,
    limits: &Limits,
) -> RhaiResult<Array> {
    if count <= 1 || string.is_empty() || (!delimiter.is_empty() && !string.contains(delimiter)) {
        return Ok(vec![string.clone().into()]);
    }
    let segments = usize::try_from(count).unwrap_or(usize::MAX);
    split_checked(string, delimiter, segments, limits)?;
    Ok(match (reverse, count == INT::MAX) {
        (false, true) => array_of(string.split(delimiter)),
        (true, true) => array_of(string.rsplit(delimiter)),
        (false, false) => array_of(string.splitn(segments, delimiter)),
        (true, false) => array_of(string.rsplitn(segments, delimiter)),
    })
}

fn array_of<'a>(pieces: impl Iterator<Item = &'a str>) -> Array {
    pieces.map(Into::into).collect()
}

/// Text a helper writes for a rule, held to the largest single value and to a third of
/// what the call has left (a growing string briefly holds twice its length). Past either,
/// the call is out of memory: it is tripped — its next step, or the end of the call, stops
/// it and names the limit — and the text ends where it was, never built whole first.
pub struct Written {
    text: String,
    cap: usize,
    full: bool,
}

/// How deep a list in a list is written out: deeper is `…` (and the stack stays small).
const DEPTH: usize = 64;

impl Written {
    pub fn new(limits: &Limits) -> Written {
        let left = usize::try_from(crate::util::memory::headroom() / 3).unwrap_or(0);
        Written {
            text: String::new(),
            cap: limits.string_bytes.min(left),
            full: false,
        }
    }

    /// Adds `piece`; `false` (and the call tripped) once the text would pass its cap.
    pub fn push(&mut self, piece: &str) -> bool {
        if self.full {
            return false;
        }
        if self.text.len().saturating_add(piece.len()) > self.cap {
            self.full = true;
            crate::util::memory::trip();
            return false;
        }
        self.text.push_str(piece);
        true
    }

    fn push_char(&mut self, c: char) -> bool {
        self.push(c.encode_utf8(&mut [0; 4]))
    }

    pub fn into_text(self) -> String {
        self.text
    }

    /// `value` as Rhai's `to_debug` writes it: text quoted, lists `[a, b]`, maps
    /// `#{"key": value}`, views as the lists and maps they show.
    pub fn debug(&mut self, context: &NativeCallContext, value: &Dynamic, depth: usize) -> bool {
        if let Some(text) = value.read_lock::<ImmutableString>() {
            // As Rust's `{:?}` of a text, which Rhai's `to_debug` is: `'` as it is.
            return self.quoted(&text, |c, out| {
                if c == '\'' {
                    return out.push_char(c);
                }
                for escaped in c.escape_debug() {
                    if !out.push_char(escaped) {
                        return false;
                    }
                }
                true
            });
        }
        // Rhai's `to_debug` of a character is the character.
        if let Ok(c) = value.as_char() {
            return self.push_char(c);
        }
        if let Some(done) = with_items(value, |items| self.list(context, items, depth)) {
            return done;
        }
        if let Some(done) = with_entries(value, |entries| self.map(context, entries, depth)) {
            return done;
        }
        if value.is_unit() || value.is_int() || value.is_float() || value.is_bool() {
            return self.push(&format!("{value:?}"));
        }
        // A value of the engine's own types (a date): its own, short, `to_debug`.
        let shown = context
            .call_native_fn::<ImmutableString>("to_debug", (value.clone(),))
            .map_or_else(|_| value.type_name().to_owned(), |text| text.to_string());
        self.push(&shown)
    }

    fn quoted(&mut self, text: &str, mut each: impl FnMut(char, &mut Written) -> bool) -> bool {
        if !self.push("\"") {
            return false;
        }
        // Refused at once when even the text alone would not fit.
        if self.text.len().saturating_add(text.len()) > self.cap {
            self.full = true;
            crate::util::memory::trip();
            return false;
        }
        for c in text.chars() {
            if !each(c, self) {
                return false;
            }
        }
        self.push("\"")
    }

    pub fn list(
        &mut self,
        context: &NativeCallContext,
        items: impl Iterator<Item = Dynamic>,
        depth: usize,
    ) -> bool {
        if depth >= DEPTH {
            return self.push("[…]");
        }
        if !self.push("[") {
            return false;
        }
        for (at, item) in items.enumerate() {
            if (at > 0 && !self.push(", ")) || !self.debug(context, &item, depth + 1) {
                return false;
            }
        }
        self.push("]")
    }

    pub fn map(
        &mut self,
        context: &NativeCallContext,
        entries: impl Iterator<Item = (String, Dynamic)>,
        depth: usize,
    ) -> bool {
        if depth >= DEPTH {
            return self.push("#{…}");
        }
        if !self.push("#{") {
            return false;
        }
        for (at, (key, value)) in entries.enumerate() {
            if (at > 0 && !self.push(", "))
                || !self.push(&format!("{key:?}: "))
                || !self.debug(context, &value, depth + 1)
            {
                return false;
            }
        }
        self.push("}")
    }

    /// `value` as JSON, as Rhai's `to_json` writes a map: `()` is `null`, a value of the
    /// engine's own types its text.
    pub fn json(&mut self, value: &Dynamic, depth: usize) -> bool {
        if depth >= DEPTH {
            return self.push("null");
        }
        if let Some(text) = value.read_lock::<ImmutableString>() {
            return self.json_text(&text);
        }
        if value.is_unit() {
            return self.push("null");
        }
        if value.is_int() || value.is_float() || value.is_bool() {
            return self.push(&value.to_string());
        }
        if let Some(done) = with_items(value, |items| self.json_list(items, depth)) {
            return done;
        }
        if let Some(done) = with_entries(value, |entries| self.json_map(entries, depth)) {
            return done;
        }
        self.json_text(&value.to_string())
    }

    fn json_list(&mut self, items: impl Iterator<Item = Dynamic>, depth: usize) -> bool {
        if !self.push("[") {
            return false;
        }
        for (at, item) in items.enumerate() {
            if (at > 0 && !self.push(",")) || !self.json(&item, depth + 1) {
                return false;
            }
        }
        self.push("]")
    }

    pub fn json_map(
        &mut self,
        entries: impl Iterator<Item = (String, Dynamic)>,
        depth: usize,
    ) -> bool {
        if !self.push("{") {
            return false;
        }
        for (at, (key, value)) in entries.enumerate() {
            if (at > 0 && !self.push(","))
                || !self.json_text(&key)
                || !self.push(":")
                || !self.json(&value, depth + 1)
            {
                return false;
            }
        }
        self.push("}")
    }

    fn json_text(&mut self, text: &str) -> bool {
        self.quoted(text, |c, out| match c {
            '"' => out.push("\\\""),
            '\\' => out.push("\\\\"),
            '\n' => out.push("\\n"),
            '\r' => out.push("\\r"),
            '\t' => out.push("\\t"),
            c if (c as u32) < 0x20 => out.push(&format!("\\u{:04x}", c as u32)),
            c => out.push_char(c),
        })
    }
}

/// `read` over the items of a list, a rule's array or a view of one, as they are (never
/// copied first); `None` for anything that is not a list.
fn with_items<T>(
    value: &Dynamic,
    read: impl FnOnce(&mut dyn Iterator<Item = Dynamic>) -> T,
) -> Option<T> {
    if let Some(items) = value.read_lock::<Array>() {
        return Some(read(&mut items.iter().cloned()));
    }
    let list = value.read_lock::<ListView>()?;
    Some(read(&mut list.clone().into_iter()))
}

/// `read` over the entries of a map, a rule's or a view of one; `None` for anything else.
fn with_entries<T>(
    value: &Dynamic,
    read: impl FnOnce(&mut dyn Iterator<Item = (String, Dynamic)>) -> T,
) -> Option<T> {
    if let Some(map) = value.read_lock::<Map>() {
        return Some(read(
            &mut map
                .iter()
                .map(|(key, value)| (key.to_string(), value.clone())),
        ));
    }
    let map = value.read_lock::<MapView>()?;
    Some(read(&mut map.keys().into_iter().map(|key| {
        let value = map.get(&key).unwrap_or(Dynamic::UNIT);
        (key.to_string(), value)
    })))
}

/// Registers the writers of lists and maps as text in place of Rhai's own, which build
/// the whole text first.
fn register_written(engine: &mut Engine, limits: Limits) {
    fn written(limits: &Limits, write: impl FnOnce(&mut Written) -> bool) -> ImmutableString {
        let mut written = Written::new(limits);
        write(&mut written);
        written.into_text().into()
    }
    for name in ["print", "debug", "to_string", "to_debug"] {
        engine.register_fn(
            name,
            move |context: NativeCallContext, items: &mut Array| {
                written(&limits, |out| out.list(&context, items.iter().cloned(), 0))
            },
        );
        engine.register_fn(name, move |context: NativeCallContext, map: &mut Map| {
            written(&limits, |out| {
                out.map(
                    &context,
                    map.iter().map(|(k, v)| (k.to_string(), v.clone())),
                    0,
                )
            })
        });
        engine.register_fn(
            name,
            move |context: NativeCallContext, list: &mut ListView| {
                written(&limits, |out| {
                    out.debug(&context, &Dynamic::from(list.clone()), 0)
                })
            },
        );
        engine.register_fn(
            name,
            move |context: NativeCallContext, map: &mut MapView| {
                written(&limits, |out| {
                    out.debug(&context, &Dynamic::from(map.clone()), 0)
                })
            },
        );
    }
    engine.register_fn("to_json", move |map: &mut Map| {
        written(&limits, |out| {
            out.json_map(map.iter().map(|(k, v)| (k.to_string(), v.clone())), 0)
        })
    });
    engine.register_fn("to_json", move |map: &mut MapView| {
        written(&limits, |out| out.json(&Dynamic::from(map.clone()), 0))
    });
}

pub fn register(engine: &mut Engine, limits: Limits) {
    register_written(engine, limits);
    engine.register_fn(
        "pad",
        move |string: &mut ImmutableString, len: INT, character: char| {
            pad_with(string, len, character.encode_utf8(&mut [0; 4]), &limits)
        },
    );
    engine.register_fn(
        "pad",
        move |string: &mut ImmutableString, len: INT, padding: &str| {
            pad_with(string, len, padding, &limits)
        },
    );
    engine.register_fn(
        "pad",
        move |array: &mut Array, len: INT, item: Dynamic| -> RhaiResult<()> {
            let Ok(len) = usize::try_from(len) else {
                return Ok(());
            };
            if len <= array.len() {
                return Ok(());
            }
            let each = item
                .read_lock::<ImmutableString>()
                .map_or(0, |text| text.len());
            pieces(len, (len - array.len()).saturating_mul(each), &limits)?;
            array.resize(len, item);
            Ok(())
        },
    );

    engine.register_fn(
        "replace",
        move |string: &mut ImmutableString, find: &str, substitute: &str| -> RhaiResult<()> {
            if !string.is_empty() {
                *string = replaced(string, find, substitute, &limits)?;
            }
            Ok(())
        },
    );
    engine.register_fn(
        "replace",
        move |string: &mut ImmutableString, find: &str, substitute: char| -> RhaiResult<()> {
            if !string.is_empty() {
                *string = replaced(string, find, substitute.encode_utf8(&mut [0; 4]), &limits)?;
            }
            Ok(())
        },
    );
    engine.register_fn(
        "replace",
        move |string: &mut ImmutableString, find: char, substitute: &str| -> RhaiResult<()> {
            if !string.is_empty() {
                *string = replaced(string, find.encode_utf8(&mut [0; 4]), substitute, &limits)?;
            }
            Ok(())
        },
    );
    engine.register_fn(
        "replace",
        move |string: &mut ImmutableString, find: char, substitute: char| -> RhaiResult<()> {
            if !string.is_empty() {
                let (mut a, mut b) = ([0; 4], [0; 4]);
                *string = replaced(
                    string,
                    find.encode_utf8(&mut a),
                    substitute.encode_utf8(&mut b),
                    &limits,
                )?;
            }
            Ok(())
        },
    );

    engine.register_fn("to_chars", move |string: &str| -> RhaiResult<Array> {
        let count = string.chars().count();
        pieces(count, 0, &limits)?;
        Ok(string.chars().map(Dynamic::from).collect())
    });
    engine.register_fn(
        "split",
        move |string: &mut ImmutableString| -> RhaiResult<Array> {
            if string.is_empty() {
                return Ok(vec![string.clone().into()]);
            }
            let count = string.split_whitespace().count();
            pieces(count, string.len(), &limits)?;
            Ok(array_of(string.split_whitespace()))
        },
    );
    for (name, reverse) in [("split", false), ("split_rev", true)] {
        engine.register_fn(
            name,
            move |string: &mut ImmutableString, delimiter: &str| {
                split(string, delimiter, INT::MAX, reverse, &limits)
            },
        );
        engine.register_fn(
            name,
            move |string: &mut ImmutableString, delimiter: &str, count: INT| {
                split(string, delimiter, count, reverse, &limits)
            },
        );
        engine.register_fn(
            name,
            move |string: &mut ImmutableString, delimiter: char| {
                split(
                    string,
                    delimiter.encode_utf8(&mut [0; 4]),
                    INT::MAX,
                    reverse,
                    &limits,
                )
            },
        );
        engine.register_fn(
            name,
            move |string: &mut ImmutableString, delimiter: char, count: INT| {
                split(
                    string,
                    delimiter.encode_utf8(&mut [0; 4]),
                    count,
                    reverse,
                    &limits,
                )
            },
        );
    }
}
