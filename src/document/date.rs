//! Dates as incident records write them: ISO 8601 dates and date-times, and the spelled-out
//! forms public policy repositories use (`Jun 1 2018`, `June 1, 2018`, `1 June 2018`).

use std::cmp::Ordering;
use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// A calendar day, with the instant when the source gave a time of day.
///
/// Two moments with times compare by instant; otherwise they compare by calendar date (UTC),
/// so `contained: 2026-09-02` is not before `detected: 2026-09-02T08:00:00Z`.
#[derive(Debug, Clone, Copy)]
pub struct Moment {
    pub date: Date,
    pub instant: Option<Timestamp>,
}

impl Moment {
    /// Today's date in the local time zone.
    pub fn today() -> Moment {
        Moment::from_date(jiff::Zoned::now().date())
    }

    pub fn from_date(date: Date) -> Self {
        Moment {
            date,
            instant: None,
        }
    }

    /// Parses any accepted form; `None` when the text is no date at all.
    pub fn parse(text: &str) -> Option<Moment> {
        let text = text.trim();
        if text.len() == 10 && text.as_bytes().get(4) == Some(&b'-') {
            return parse_iso_date(text).map(Moment::from_date);
        }
        if text.len() > 10 && text.as_bytes().get(4) == Some(&b'-') {
            return parse_iso_date_time(text);
        }
        parse_spelled_out(text).map(Moment::from_date)
    }

    /// Whole calendar days from `self` to `later` (negative when `later` is earlier).
    /// Seconds since 1970-01-01T00:00:00Z; a date alone counts from its midnight (UTC).
    pub fn epoch_seconds(&self) -> i64 {
        match self.instant {
            Some(instant) => instant.as_second(),
            None => day_number(self.date) * 86_400,
        }
    }

    pub fn days_until(&self, later: &Moment) -> i64 {
        day_number(later.date) - day_number(self.date)
    }

    pub fn add_days(&self, days: i64) -> Option<Moment> {
        let day = day_number(self.date).checked_add(days)?;
        Some(Moment::from_date(date_from_day_number(day)?))
    }
}

impl PartialEq for Moment {
    fn eq(&self, other: &Self) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for Moment {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self.instant, other.instant) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => Some(self.date.cmp(&other.date)),
        }
    }
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.instant {
            Some(instant) => write!(f, "{instant}"),
            None => write!(f, "{}", self.date),
        }
    }
}

/// A date left blank: empty, or a placeholder a template or a person writes for "not yet"
/// (`TBD`, `n/a`, `unknown`, `-`, `YYYY-MM-DD`).
pub fn is_unfilled(text: &str) -> bool {
    const PLACEHOLDERS: &[&str] = &[
        "tbd",
        "tbc",
        "todo",
        "unknown",
        "n/a",
        "na",
        "none",
        "pending",
        "?",
        "??",
        "-",
        "–",
        "—",
        "yyyy-mm-dd",
        "yyyy-mm-ddthh:mm:ssz",
        "dd/mm/yyyy",
        "mm/dd/yyyy",
    ];
    let text = text.trim();
    text.is_empty()
        || PLACEHOLDERS
            .iter()
            .any(|known| known.eq_ignore_ascii_case(text))
}

fn parse_iso_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = text.get(0..4)?.parse::<i16>().ok()?;
    let month = text.get(5..7)?.parse::<i8>().ok()?;
    let day = text.get(8..10)?.parse::<i8>().ok()?;
    if !text[0..4].bytes().all(|b| b.is_ascii_digit())
        || !text[5..7].bytes().all(|b| b.is_ascii_digit())
        || !text[8..10].bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Date::new(year, month, day).ok()
}

fn parse_iso_date_time(text: &str) -> Option<Moment> {
    parse_iso_date(text.get(0..10)?)?;
    // `2023-12-04T8:00:00`: an hour of one digit, as status pages built with Hugo write
    // and read it.
    let bytes = text.as_bytes();
    if bytes.len() > 12 && bytes[11].is_ascii_digit() && bytes[12] == b':' {
        return parse_iso_date_time(&format!("{}0{}", &text[..11], &text[11..]));
    }
    let instant = match text.parse::<Timestamp>() {
        Ok(instant) => instant,
        // No offset: a wall-clock time, read as UTC.
        Err(_) => text
            .parse::<jiff::civil::DateTime>()
            .ok()?
            .to_zoned(TimeZone::UTC)
            .ok()?
            .timestamp(),
    };
    let date = instant.to_zoned(TimeZone::UTC).date();
    Some(Moment {
        date,
        instant: Some(instant),
    })
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month_number(word: &str) -> Option<i8> {
    let word = word.trim_end_matches('.').to_ascii_lowercase();
    if word.len() < 3 {
        return None;
    }
    let word = if word == "sept" {
        "sep".to_owned()
    } else {
        word
    };
    MONTHS
        .iter()
        .position(|month| month.starts_with(&word) && (word.len() == 3 || *month == word))
        .and_then(|index| i8::try_from(index + 1).ok())
}

/// `Jun 1 2018`, `June 1, 2018`, `1 June 2018`, `1 Jun, 2018`.
fn parse_spelled_out(text: &str) -> Option<Date> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .collect();
    let [first, second, third] = words.as_slice() else {
        return None;
    };
    let (month, day) = match month_number(first) {
        Some(month) => (month, second),
        None => (month_number(second)?, first),
    };
    let day = day
        .trim_end_matches(|c: char| c.is_ascii_alphabetic())
        .parse::<i8>()
        .ok()?;
    if third.len() != 4 {
        return None;
    }
    let year = third.parse::<i16>().ok()?;
    Date::new(year, month, day).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn day_number(date: Date) -> i64 {
    let (year, month, day) = (
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    );
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn date_from_day_number(days: i64) -> Option<Date> {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Moment::parse(text).expect(text).date
    }

    #[test]
    fn every_documented_form_parses() {
        let june_first = Date::new(2018, 6, 1).expect("valid");
        for text in [
            "2018-06-01",
            "Jun 1 2018",
            "June 1, 2018",
            "1 June 2018",
            "1 Jun, 2018",
            "Jun. 1 2018",
        ] {
            assert_eq!(date(text), june_first, "{text}");
        }
        assert_eq!(
            date("2026-03-14T09:30:00Z"),
            Date::new(2026, 3, 14).expect("valid")
        );
        assert_eq!(
            date("2026-03-14T23:30:00-05:00"),
            Date::new(2026, 3, 15).expect("valid")
        );
        assert_eq!(
            date("2026-03-14 09:30:00"),
            Date::new(2026, 3, 14).expect("valid")
        );
        // cState's front matter, as the jenkins-infra status page writes it.
        let late = Moment::parse("2023-12-04T8:00:00-00:00").expect("one-digit hour");
        assert_eq!(late.epoch_seconds() % 86_400, 8 * 3600);
        assert!(Moment::parse("2023-12-04T8").is_none());
    }

    #[test]
    fn nonsense_is_not_a_date() {
        for text in [
            "2026-13-45",
            "2026-02-30",
            "last tuesday",
            "",
            "Jun 2018",
            "Foo 1 2018",
            "2026-3-4",
            "20260314",
        ] {
            assert!(Moment::parse(text).is_none(), "{text}");
        }
    }

    #[test]
    fn a_date_equals_a_date_time_on_the_same_day() {
        let day = Moment::parse("2026-09-02").expect("date");
        let morning = Moment::parse("2026-09-02T08:00:00Z").expect("date-time");
        let evening = Moment::parse("2026-09-02T20:00:00Z").expect("date-time");
        assert!(day == morning);
        assert!(morning < evening);
    }

    #[test]
    fn day_counts_are_whole_calendar_days() {
        let a = Moment::parse("2024-02-28T23:59:00Z").expect("a");
        let b = Moment::parse("2024-03-01").expect("b");
        assert_eq!(a.days_until(&b), 2);
        assert_eq!(b.days_until(&a), -2);
        let plus = Moment::parse("2025-12-31")
            .and_then(|m| m.add_days(1))
            .expect("add");
        assert_eq!(plus.date, Date::new(2026, 1, 1).expect("valid"));
        for days in [-1_000_000_i64, -1, 0, 59, 60, 365, 1_000_000] {
            let there = Moment::from_date(Date::new(1970, 1, 1).expect("epoch"))
                .add_days(days)
                .expect("in range");
            assert_eq!(day_number(there.date), days);
        }
    }
}
