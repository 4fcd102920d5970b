//! Finnish personal identity codes (henkilötunnus): DDMMYYCZZZQ.

use super::Kind;
use kooste_core::model::Date;

const CHECK: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";

/// Classifies a match of `DDMMYY C ZZZ Q`: a valid code, a suspect one (a real date and a
/// valid century sign, but a wrong check character), or not a code at all.
pub(super) fn classify(c: &regex::Captures<'_>) -> Option<Kind> {
    let num = |i: usize| c.get(i).unwrap().as_str();
    let (dd, mm, yy) = (
        num(1).parse::<u8>().ok()?,
        num(2).parse::<u8>().ok()?,
        num(3).parse::<u16>().ok()?,
    );
    // Century signs: + for the 1800s; - and, since 2023, Y X W V U for the 1900s; A and,
    // since 2023, B C D E F for the 2000s.
    let century = match num(4) {
        "+" => 1800,
        "-" | "Y" | "X" | "W" | "V" | "U" => 1900,
        _ => 2000,
    };
    Date::new(century + yy, mm, dd)?;
    let serial = num(5);
    let n: u64 = format!("{}{}{}{}", num(1), num(2), num(3), serial)
        .parse()
        .ok()?;
    let expected = CHECK[(n % 31) as usize] as char;
    if num(6).starts_with(expected) {
        Some(Kind::Hetu)
    } else {
        Some(Kind::HetuSuspect)
    }
}
