//! Telling Finnish from Swedish, for texts that arrive without a language.

use kooste_core::model::Lang;
use kooste_text::analyze::words;

/// Frequent Finnish words that are not Swedish words.
const FI: &[&str] = &[
    "ei", "että", "he", "hän", "hänen", "ja", "jo", "joka", "jos", "jotta", "kanssa", "koska",
    "kuin", "kun", "kuten", "me", "minä", "minua", "minulla", "minulle", "minun", "mitä", "mutta",
    "myös", "ne", "niin", "nyt", "ole", "olen", "oli", "olin", "olisi", "olla", "ollut", "on",
    "ovat", "sama", "se", "sen", "siitä", "sitten", "tai", "te", "tämä", "vaan", "vain", "vielä",
];

/// Frequent Swedish words that are not Finnish words.
const SV: &[&str] = &[
    "att", "av", "den", "det", "du", "där", "efter", "ett", "från", "för", "har", "hade", "hon",
    "i", "inte", "jag", "kan", "med", "men", "mig", "min", "när", "och", "om", "också", "på",
    "sig", "som", "så", "till", "var", "vi", "är",
];

/// Letter pairs far more frequent in one language than in the other.
const FI_MARKS: &[&str] = &[
    "uo", "yö", "ie", "äi", "ai", "oi", "ui", "kk", "ts", "ks", "y",
];
const SV_MARKS: &[&str] = &["å", "ck", "sj", "tj", "ej", "ng "];

/// The language of `text`: the one whose frequent function words and letter patterns it
/// has more of; `fallback` when neither leads.
pub fn detect(text: &str, fallback: Lang) -> Lang {
    let (mut fi, mut sv) = (0i32, 0i32);
    for w in words(text).iter().filter(|w| !w.joined) {
        let word = w.lower.as_str();
        if FI.contains(&word) {
            fi += 2;
        }
        if SV.contains(&word) {
            sv += 2;
        }
        let padded = format!("{word} ");
        fi += FI_MARKS.iter().filter(|m| padded.contains(*m)).count() as i32;
        sv += SV_MARKS.iter().filter(|m| padded.contains(*m)).count() as i32;
        // Finnish words end in a vowel or in n, t or s; Swedish ones often do not.
        if let Some(last) = word.chars().last()
            && word.chars().count() > 2
            && last.is_alphabetic()
        {
            if "aeiouyäö".contains(last) {
                fi += i32::from("iuyäö".contains(last));
            } else if !"nts".contains(last) {
                sv += 1;
            }
        }
    }
    match fi.cmp(&sv) {
        std::cmp::Ordering::Greater => Lang::Fi,
        std::cmp::Ordering::Less => Lang::Sv,
        std::cmp::Ordering::Equal => fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_finnish_from_swedish() {
        assert_eq!(
            detect("Uskalsin kertoa, koska sama työntekijä jatkoi.", Lang::Sv),
            Lang::Fi
        );
        assert_eq!(
            detect(
                "Jag vågade berätta för att samma socialarbetare fortsatte.",
                Lang::Fi
            ),
            Lang::Sv
        );
        assert_eq!(detect("Tehtiin kotikäynti.", Lang::Sv), Lang::Fi);
        assert_eq!(detect("Hembesök.", Lang::Fi), Lang::Sv);
        assert_eq!(detect("OK 123", Lang::Sv), Lang::Sv);
        assert_eq!(detect("", Lang::Sv), Lang::Sv);
    }
}
