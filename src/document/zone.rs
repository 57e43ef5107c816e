//! Time zones as post-mortems name them — in a timeline's header (`Time (PST)`, `When
//! (UTC+1)`, `Date and Time in CET`), in a note (`All times in CET`) or after a time
//! (`14:51 PDT`) — as offsets from UTC, so a timeline written in local time is stored as the
//! instants it means. No time-zone database is needed (a CI image may have none): the
//! abbreviations are fixed offsets, and the US zones named without saying standard or
//! daylight (`PT`, `Pacific`, `ET`) follow the US daylight-saving rule on the day.

use std::sync::LazyLock;

use jiff::civil::{Date, Weekday};
use regex::Regex;

/// A zone a post-mortem names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// Minutes east of UTC.
    Fixed(i32),
    /// A US zone named generically: its standard offset, an hour more in daylight time.
    UsGeneric(i32),
}

impl Zone {
    /// Minutes east of UTC on `day`.
    pub fn offset_on(self, day: Date) -> i32 {
        match self {
            Zone::Fixed(minutes) => minutes,
            Zone::UsGeneric(standard) if us_daylight_time(day) => standard + 60,
            Zone::UsGeneric(standard) => standard,
        }
    }
}

/// From the second Sunday of March to the first Sunday of November (since 2007); the change
/// at 02:00 local is taken to happen at midnight — an hour either way on two nights a year.
fn us_daylight_time(day: Date) -> bool {
    let nth_sunday = |month: i8, nth: i8| {
        Date::new(day.year(), month, 1)
            .ok()
            .and_then(|first| first.nth_weekday_of_month(nth, Weekday::Sunday).ok())
    };
    match (nth_sunday(3, 2), nth_sunday(11, 1)) {
        (Some(start), Some(end)) => start <= day && day < end,
        _ => false,
    }
}

/// Abbreviations with one common meaning, and the US generic names.
const NAMED: &[(&str, Zone)] = &[
    ("utc", Zone::Fixed(0)),
    ("gmt", Zone::Fixed(0)),
    ("z", Zone::Fixed(0)),
    ("wet", Zone::Fixed(0)),
    ("west", Zone::Fixed(60)),
    ("bst", Zone::Fixed(60)),
    ("cet", Zone::Fixed(60)),
    ("met", Zone::Fixed(60)),
    ("cest", Zone::Fixed(120)),
    ("eet", Zone::Fixed(120)),
    ("eest", Zone::Fixed(180)),
    ("msk", Zone::Fixed(180)),
    ("ist", Zone::Fixed(330)),
    ("sgt", Zone::Fixed(480)),
    ("hkt", Zone::Fixed(480)),
    ("jst", Zone::Fixed(540)),
    ("kst", Zone::Fixed(540)),
    ("aest", Zone::Fixed(600)),
    ("aedt", Zone::Fixed(660)),
    ("nzst", Zone::Fixed(720)),
    ("nzdt", Zone::Fixed(780)),
    ("hst", Zone::Fixed(-600)),
    ("akst", Zone::Fixed(-540)),
    ("akdt", Zone::Fixed(-480)),
    ("pst", Zone::Fixed(-480)),
    ("pdt", Zone::Fixed(-420)),
    ("mst", Zone::Fixed(-420)),
    ("mdt", Zone::Fixed(-360)),
    ("cst", Zone::Fixed(-360)),
    ("cdt", Zone::Fixed(-300)),
    ("est", Zone::Fixed(-300)),
    ("edt", Zone::Fixed(-240)),
    ("pt", Zone::UsGeneric(-480)),
    ("pacific", Zone::UsGeneric(-480)),
    ("mt", Zone::UsGeneric(-420)),
    ("mountain", Zone::UsGeneric(-420)),
    ("ct", Zone::UsGeneric(-360)),
    ("central", Zone::UsGeneric(-360)),
    ("et", Zone::UsGeneric(-300)),
    ("eastern", Zone::UsGeneric(-300)),
];

/// `UTC+1`, `GMT-05:00`, `UTC +0530`: an offset from UTC or GMT.
static OFFSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$").expect("a valid pattern")
});

/// The zone `word` names (`CET`, `utc+1`, `+02:00`, `Pacific`), whatever the case.
pub fn named(word: &str) -> Option<Zone> {
    let word = word.trim().trim_matches(|c: char| "().,;[]".contains(c));
    if word.is_empty() || word.len() > 12 {
        return None;
    }
    // An offset has a sign and a digit; a name is looked up.
    let offset = word.contains(['+', '-']) && word.bytes().any(|b| b.is_ascii_digit());
    if let Some(found) = offset.then(|| OFFSET.captures(word)).flatten() {
        let hours: i32 = found[2].parse().ok()?;
        let minutes: i32 = found.get(3).map_or(Some(0), |m| m.as_str().parse().ok())?;
        if hours > 14 || minutes > 59 {
            return None;
        }
        let sign = if &found[1] == "-" { -1 } else { 1 };
        return Some(Zone::Fixed(sign * (hours * 60 + minutes)));
    }
    let lower = word.to_ascii_lowercase();
    NAMED
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, zone)| *zone)
}

/// A zone in a timeline column's header: `Time (PST)`, `When (UTC+1)`, `Date and Time in
/// CET`, `Timestamp UTC`. The header's words after its first, so `Time` alone names none.
pub fn in_header(header: &str) -> Option<Zone> {
    words(header).skip(1).find_map(|word| named(&word))
}

/// A note that says what zone a timeline is in: `All times in CET`, `(all times UTC)`,
/// `Times are PST`, `times shown in UTC+1`.
static NOTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\btimes?\s+(?:are\s+|is\s+|shown\s+|given\s+|listed\s+|below\s+)*(?:in\s+)?([A-Za-z]{1,8}(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?)",
    )
    .expect("a valid pattern")
});

/// The zone a note in `text` says the times are in.
pub fn in_note(text: &str) -> Option<Zone> {
    // Most paragraphs say nothing of times: passed over without the pattern.
    let mentions_time = ["time", "Time", "TIME"]
        .iter()
        .any(|word| text.contains(word));
    if !mentions_time {
        return None;
    }
    NOTE.captures_iter(text)
        .find_map(|found| named(found.get(1)?.as_str()))
}

/// A header's words, `+1` kept with its `UTC`.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    let mut words: Vec<String> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || "(),;[]/".contains(c)) {
        if word.is_empty() {
            continue;
        }
        let offset =
            word.starts_with(['+', '-']) && word[1..].starts_with(|c: char| c.is_ascii_digit());
        match words.last_mut() {
            Some(last) if offset && named(last) == Some(Zone::Fixed(0)) => last.push_str(word),
            _ => words.push(word.to_owned()),
        }
    }
    words.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_as_headers_and_notes_name_them() {
        assert_eq!(in_header("Time (PST)"), Some(Zone::Fixed(-480)));
        assert_eq!(in_header("When (UTC+1)"), Some(Zone::Fixed(60)));
        assert_eq!(in_header("When (UTC +05:30)"), Some(Zone::Fixed(330)));
        assert_eq!(in_header("Date and Time in CET"), Some(Zone::Fixed(60)));
        assert_eq!(in_header("Timestamp UTC"), Some(Zone::Fixed(0)));
        assert_eq!(in_header("Time"), None);
        assert_eq!(in_header("Event"), None);
        assert_eq!(in_note("All times in CET."), Some(Zone::Fixed(60)));
        assert_eq!(in_note("2015-10-21 (all times UTC)"), Some(Zone::Fixed(0)));
        assert_eq!(in_note("Times are PT"), Some(Zone::UsGeneric(-480)));
        assert_eq!(in_note("the time it took"), None);
        assert_eq!(named("GMT-5"), Some(Zone::Fixed(-300)));
        assert_eq!(named("UTC+15"), None);
    }

    #[test]
    fn us_generic_zones_follow_daylight_saving_time() {
        let pacific = Zone::UsGeneric(-480);
        let day = |y, m, d| Date::new(y, m, d).expect("a date");
        assert_eq!(pacific.offset_on(day(2025, 1, 15)), -480);
        assert_eq!(
            pacific.offset_on(day(2025, 3, 9)),
            -420,
            "second Sunday of March"
        );
        assert_eq!(pacific.offset_on(day(2025, 3, 8)), -480);
        assert_eq!(
            pacific.offset_on(day(2025, 11, 2)),
            -480,
            "first Sunday of November"
        );
        assert_eq!(pacific.offset_on(day(2025, 7, 4)), -420);
    }
}
