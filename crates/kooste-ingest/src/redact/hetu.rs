//! Finnish personal identity codes (henkilötunnus): DDMMYYCZZZQ, in every spelling people
//! and OCR engines produce: a lower-case check character or century letter, a space on
//! either side of the separator, and any Unicode dash or minus sign for `-`.

use super::Kind;
use kooste_core::model::Date;
use regex::Regex;
use std::sync::LazyLock;

const CHECK: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";

/// Groups: 1 day, 2 month, 3 year, 4 space before the separator, 5 the separator (century
/// sign), 6 space after it, 7 the serial number, 8 the check character.
pub(super) static HETU: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(\d{2})(\d{2})(\d{2})([ \t\u{a0}]?)([+\p{Pd}\u{2212}\u{00ad}A-FU-Ya-fu-y])([ \t\u{a0}]?)(\d{3})([0-9A-Ya-y])\b",
    )
    .unwrap()
});

/// Classifies a match of [`HETU`]: a valid code, a suspect one (written the usual way, with a
/// real date and a valid century sign but a wrong check character), or not a code at all.
/// A code spelled any other way (spaces, a Unicode dash, lower case) needs its check
/// character to hold: dates, ranges and reference numbers must stay.
pub(super) fn classify(c: &regex::Captures<'_>) -> Option<Kind> {
    let num = |i: usize| c.get(i).map_or("", |m| m.as_str());
    let (dd, mm, yy) = (
        num(1).parse::<u8>().ok()?,
        num(2).parse::<u8>().ok()?,
        num(3).parse::<u16>().ok()?,
    );
    let sign = num(5);
    // Century signs: + for the 1800s; - (any dash) and, since 2023, Y X W V U for the 1900s;
    // A and, since 2023, B C D E F for the 2000s.
    let century = match sign.to_ascii_uppercase().as_str() {
        "+" => 1800,
        "Y" | "X" | "W" | "V" | "U" => 1900,
        "A" | "B" | "C" | "D" | "E" | "F" => 2000,
        _ => 1900,
    };
    Date::new(century + yy, mm, dd)?;
    let n: u64 = format!("{}{}{}{}", num(1), num(2), num(3), num(7))
        .parse()
        .ok()?;
    let expected = CHECK[(n % 31) as usize] as char;
    let check = num(8);
    let canonical = num(4).is_empty()
        && num(6).is_empty()
        && matches!(
            sign,
            "+" | "-" | "A" | "B" | "C" | "D" | "E" | "F" | "U" | "V" | "W" | "X" | "Y"
        )
        && !check.chars().any(|c| c.is_ascii_lowercase());
    if check.eq_ignore_ascii_case(&expected.to_string()) {
        Some(Kind::Hetu)
    } else if canonical {
        Some(Kind::HetuSuspect)
    } else {
        None
    }
}
