//! The helpers of Rhai's packages that can build far more than they are given in one step
//! (`"x".pad(1e12, "y")`, `replace` with a long substitute, `split("")` of a long text into
//! millions of one-letter strings), registered again with a check first: what they would
//! build must fit in the largest single value and in what the call has left of its memory.
//! The rest of Rhai's helpers build at most a few times what they read, which the memory
//! budget, checked at every operation, bounds. Each behaves as Rhai's own otherwise.

use rhai::{Array, Dynamic, Engine, EvalAltResult, ImmutableString, Position, INT};

use super::engine::{reserve, Limits};

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

pub fn register(engine: &mut Engine, limits: Limits) {
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
