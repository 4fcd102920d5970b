//! Search questions that name a voice: "mitä asiakkaat sanoivat kotikäynneistä", "vad sa
//! klienterna om hembesök". People ask search what clients, workers or researchers said;
//! the words that name the voice are then no words to look for but a voice filter, and the
//! words that frame the question ("mitä … sanoivat", "vad sa … om") go with them.
//!
//! Only the forms in which a voice speaks count: the subject (`asiakkaat`, `klienterna`),
//! the possessor (`asiakkaiden kokemukset`, `klienternas`) and the source (`asiakkailta`).
//! A voice spoken about (`asiakkaista`, `asiakkaille`, `om klienterna` aside) and compounds
//! (`asiakastyö`, `klientarbete`) stay words of the search. Words in quotes and excluded
//! words (`-asiakas`) are never touched, so `"asiakkaat"` searches the word itself.

use kooste_core::model::Voice;

/// A question that names one voice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VoiceQuestion {
    /// The voice the question names.
    pub(crate) voice: Voice,
    /// The query without the voice's words and the question's frame (may be empty).
    pub(crate) rest: String,
}

/// The forms of each voice's name in which it speaks, in Finnish and Swedish.
const VOICES: &[(Voice, &[&str])] = &[
    (
        Voice::Client,
        &[
            "asiakas",
            "asiakkaat",
            "asiakkaan",
            "asiakkaiden",
            "asiakkaitten",
            "asiakkaalta",
            "asiakkailta",
            "klient",
            "klienten",
            "klienter",
            "klienterna",
            "klientens",
            "klienternas",
            "klients",
            "klienters",
        ],
    ),
    (
        Voice::Worker,
        &[
            "työntekijä",
            "työntekijät",
            "työntekijän",
            "työntekijöiden",
            "työntekijöitten",
            "työntekijältä",
            "työntekijöiltä",
            "sosiaalityöntekijä",
            "sosiaalityöntekijät",
            "sosiaalityöntekijän",
            "sosiaalityöntekijöiden",
            "sosiaalityöntekijältä",
            "sosiaalityöntekijöiltä",
            "ammattilainen",
            "ammattilaiset",
            "ammattilaisen",
            "ammattilaisten",
            "ammattilaisilta",
            "arbetstagare",
            "arbetstagaren",
            "arbetstagarna",
            "arbetstagarens",
            "arbetstagarnas",
            "arbetstagares",
            "socialarbetare",
            "socialarbetaren",
            "socialarbetarna",
            "socialarbetarens",
            "socialarbetarnas",
            "socialarbetares",
        ],
    ),
    (
        Voice::Researcher,
        &[
            "tutkija",
            "tutkijat",
            "tutkijan",
            "tutkijoiden",
            "tutkijoitten",
            "tutkijalta",
            "tutkijoilta",
            "forskare",
            "forskaren",
            "forskarna",
            "forskarens",
            "forskarnas",
            "forskares",
        ],
    ),
];

/// The words that frame a question about what a voice said, in Finnish and Swedish.
const FRAME: &[&str] = &[
    // Finnish
    "mitä",
    "mikä",
    "mitkä",
    "miten",
    "millainen",
    "millaista",
    "millaisia",
    "kuinka",
    "mieltä",
    "mielestä",
    "on",
    "oli",
    "ovat",
    "olivat",
    "ovatko",
    "sanoi",
    "sanoivat",
    "sanoo",
    "sanovat",
    "sanoneet",
    "kertoi",
    "kertoivat",
    "kertoo",
    "kertovat",
    "kertoneet",
    "ajatteli",
    "ajattelivat",
    "ajattelee",
    "ajattelevat",
    "ajatelleet",
    "kirjoitti",
    "kirjoittivat",
    "kirjoittaa",
    "kirjoittavat",
    "kirjoittaneet",
    "puhui",
    "puhuivat",
    "puhuu",
    "puhuvat",
    "puhuneet",
    "ajatuksia",
    "ajatukset",
    "näkemyksiä",
    "näkemykset",
    // Swedish
    "vad",
    "hur",
    "vilka",
    "vilken",
    "vilket",
    "sa",
    "sade",
    "sagt",
    "säger",
    "har",
    "hade",
    "berättade",
    "berättar",
    "berättat",
    "tycker",
    "tyckte",
    "tyckt",
    "tänker",
    "tänkte",
    "skrev",
    "skriver",
    "skrivit",
    "pratade",
    "pratar",
    "talade",
    "talar",
    "anser",
    "ansåg",
    "enligt",
    "om",
    "tankar",
    "åsikter",
];

/// A word as it is looked up: lower case, without the punctuation around it, diacritics
/// kept (a word typed without them, `tyontekijat`, is folded the same way as the lists).
fn key(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// `ä`→`a`, `ö`→`o`, `å`→`a`: how a word typed without diacritics is compared.
fn fold(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            'ä' | 'å' => 'a',
            'ö' => 'o',
            c => c,
        })
        .collect()
}

fn voice_of(word: &str) -> Option<Voice> {
    let k = key(word);
    let folded = fold(&k);
    VOICES.iter().find_map(|(v, forms)| {
        forms
            .iter()
            .any(|f| *f == k || fold(f) == folded)
            .then_some(*v)
    })
}

fn is_frame(word: &str) -> bool {
    let k = key(word);
    !k.is_empty() && FRAME.iter().any(|f| *f == k || fold(f) == fold(&k))
}

/// The query cut into its parts: bare words, and the parts never touched (a "quoted
/// phrase", an -excluded word), each as typed.
fn parts(q: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut rest = q;
    while !rest.is_empty() {
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            break;
        }
        if let Some(after) = trimmed.strip_prefix('"') {
            let end = after.find('"').map_or(after.len(), |i| i + 1);
            out.push((false, format!("\"{}", &after[..end])));
            rest = &after[end..];
            continue;
        }
        let end = trimmed
            .find(|c: char| c.is_whitespace() || c == '"')
            .unwrap_or(trimmed.len());
        let word = &trimmed[..end];
        out.push((!word.starts_with('-'), word.to_string()));
        rest = &trimmed[end..];
    }
    out
}

/// The voice a search query names, and the query without it; `None` when it names no voice
/// or more than one (`asiakkaat ja työntekijät`: both are wanted, so no filter).
pub(crate) fn parse(q: &str) -> Option<VoiceQuestion> {
    let parts = parts(q);
    let mut voice = None;
    for (bare, word) in &parts {
        if !bare {
            continue;
        }
        if let Some(v) = voice_of(word) {
            if voice.is_some_and(|w| w != v) {
                return None;
            }
            voice = Some(v);
        }
    }
    let voice = voice?;
    let rest: Vec<String> = parts
        .into_iter()
        .filter(|(bare, w)| !(*bare && (voice_of(w).is_some() || is_frame(w))))
        .map(|(bare, w)| {
            if bare {
                // A question mark or comma left at the end of a word is no part of it.
                w.trim_end_matches(['?', '!', ',', '.', ':', ';'])
                    .to_string()
            } else {
                w
            }
        })
        .filter(|w| !w.is_empty())
        .collect();
    Some(VoiceQuestion {
        voice,
        rest: rest.join(" "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(q: &str, voice: Voice, rest: &str) {
        assert_eq!(
            parse(q),
            Some(VoiceQuestion {
                voice,
                rest: rest.to_string()
            }),
            "{q}"
        );
    }

    #[test]
    fn finnish_questions_name_a_voice_in_its_inflected_forms() {
        check(
            "mitä asiakkaat sanoivat kotikäynneistä",
            Voice::Client,
            "kotikäynneistä",
        );
        check(
            "Mitä asiakkaat sanoivat kotikäynneistä?",
            Voice::Client,
            "kotikäynneistä",
        );
        check(
            "asiakkaiden kokemuksia velkaneuvonnasta",
            Voice::Client,
            "kokemuksia velkaneuvonnasta",
        );
        check(
            "asiakkailta kuultua kiirettä",
            Voice::Client,
            "kuultua kiirettä",
        );
        check(
            "mitä työntekijät kertoivat veloista",
            Voice::Worker,
            "veloista",
        );
        check(
            "työntekijöiden mielestä kotikäynti",
            Voice::Worker,
            "kotikäynti",
        );
        check("tyontekijat kotikaynti", Voice::Worker, "kotikaynti");
        check("mitä sosiaalityöntekijä teki", Voice::Worker, "teki");
        check("tutkijat", Voice::Researcher, "");
        check(
            "mitä tutkijoiden mielestä on osallisuus",
            Voice::Researcher,
            "osallisuus",
        );
    }

    #[test]
    fn swedish_questions_name_a_voice_in_its_inflected_forms() {
        check("vad sa klienterna om hembesök", Voice::Client, "hembesök");
        check(
            "Vad sa klienterna om hembesöken?",
            Voice::Client,
            "hembesöken",
        );
        check(
            "klientens erfarenhet av skulder",
            Voice::Client,
            "erfarenhet av skulder",
        );
        check(
            "vad berättade arbetstagarna om skulder",
            Voice::Worker,
            "skulder",
        );
        check("socialarbetarnas hembesök", Voice::Worker, "hembesök");
        check(
            "hur tänker forskarna om delaktighet",
            Voice::Researcher,
            "delaktighet",
        );
    }

    #[test]
    fn a_voice_spoken_about_a_compound_and_quoted_words_stay_words() {
        // No voice named: the query is left as it is.
        for q in [
            "kotikäynti",
            "mitä kotikäynneistä sanottiin",
            "asiakastyö ja palveluohjaus",
            "palaute asiakkaista",
            "apua asiakkaille",
            "klientarbete",
            "\"asiakkaat sanoivat\" kotikäynti",
            "kotikäynti -asiakas",
            "",
        ] {
            assert_eq!(parse(q), None, "{q}");
        }
        // A voice named beside a quoted phrase: the phrase is kept whole.
        check(
            "asiakkaat \"oma työntekijä\"",
            Voice::Client,
            "\"oma työntekijä\"",
        );
        // The voice is named, and the voice spoken about stays a word.
        check(
            "mitä asiakkaat sanoivat työntekijöistä",
            Voice::Client,
            "työntekijöistä",
        );
    }

    #[test]
    fn two_voices_named_make_no_filter() {
        assert_eq!(parse("mitä asiakkaat ja työntekijät sanoivat"), None);
        assert_eq!(parse("klienterna och forskarna"), None);
    }
}
