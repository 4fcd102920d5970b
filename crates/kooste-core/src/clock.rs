//! The clock: what every crate takes for now and today (UTC).

use crate::model::Date;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The current time as an RFC 3339 date-time in UTC to the second, e.g.
/// `2026-12-06T05:00:00Z` (a decision's `when`).
pub fn now() -> String {
    date_time(OffsetDateTime::now_utc())
}

/// Today in UTC.
pub fn today() -> Date {
    date(OffsetDateTime::now_utc())
}

/// Seconds since 1970 as an RFC 3339 date-time in UTC.
pub fn at(secs: i64) -> String {
    date_time(OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH))
}

fn date_time(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_string())
}

fn date(t: OffsetDateTime) -> Date {
    let d = t.date();
    Date::new(
        u16::try_from(d.year()).unwrap_or(1970),
        u8::from(d.month()),
        d.day(),
    )
    .unwrap_or(Date {
        year: 1970,
        month: 1,
        day: 1,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_rfc3339_in_utc() {
        assert_eq!(super::at(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::at(1_521_019_800), "2018-03-14T09:30:00Z");
        assert!(crate::model::is_date_time(&super::now()));
        assert_eq!(super::now()[..10], super::today().to_string());
    }
}
