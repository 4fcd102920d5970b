//! Forms that carry CAIMeR meaning whatever the word: Finnish and Swedish morphology and
//! connectives that the cue lexicons cannot list word by word.
//!
//! - first-person past ("sain", "pääsin", "saimme", "fick", "jag sökte"): what happened to
//!   the speaker, often a result;
//! - a thing done, told without a subject (passive past "soitettu", "ohjattu",
//!   "kartoitettu", "sovittiin"; Swedish "kontaktats", "beviljades", a clause opening
//!   with a supine "Ringt hyresvärden, bokat möte"): workers' notes of interventions;
//! - something planned or done as a rule (passive present "soitetaan", "ohjataan");
//! - causal connectives and verbs ("koska", "siksi", "ansiosta", "vahvistaa", "eftersom",
//!   "tack vare", "stärker"): how something works, mechanisms;
//! - "because of" with a problem ("takia", "vuoksi", "kun", "på grund av" in a passage
//!   that also names a problem): the circumstances, context.
//!
//! Each form is a feature of the proposer with a weight learned from the shipped labelled
//! set (the base model), and names itself in plain Finnish and Swedish in explanations.

use kooste_core::model::Lang;
use kooste_core::project::Bilingual;
use kooste_text::analyze::Word;
use std::ops::Range;

/// One form the proposer recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    FirstPersonPast,
    Done,
    Planned,
    Causal,
    BecauseOfProblem,
}

impl Form {
    pub(crate) const ALL: [Form; 5] = [
        Form::FirstPersonPast,
        Form::Done,
        Form::Planned,
        Form::Causal,
        Form::BecauseOfProblem,
    ];

    /// Its place in [`Form::ALL`].
    pub(crate) fn number(self) -> usize {
        self as usize
    }

    /// The feature name, e.g. `form:fi:done`.
    pub(crate) fn feature(self, lang: Lang) -> String {
        let name = match self {
            Form::FirstPersonPast => "first-person-past",
            Form::Done => "done",
            Form::Planned => "planned",
            Form::Causal => "causal",
            Form::BecauseOfProblem => "because-of-problem",
        };
        format!("form:{lang}:{name}")
    }

    /// The dimension it speaks for and its weight before anything is learned.
    pub(crate) fn curated(self) -> (kooste_core::model::Dimension, f32) {
        use kooste_core::model::Dimension::*;
        match self {
            Form::FirstPersonPast => (Results, 0.3),
            Form::Done => (Interventions, 0.8),
            Form::Planned => (Interventions, 0.4),
            Form::Causal => (Mechanisms, 0.5),
            Form::BecauseOfProblem => (Context, 0.6),
        }
    }

    /// The English gloss named in `why` lines.
    pub(crate) fn gloss(self) -> &'static str {
        match self {
            Form::FirstPersonPast => "first-person past: what happened to the speaker",
            Form::Done => "a thing done, told without a subject",
            Form::Planned => "a thing planned or done as a rule",
            Form::Causal => "a cause or an effect is named",
            Form::BecauseOfProblem => "because of a problem",
        }
    }

    /// The form in plain Finnish and Swedish, for people reviewing proposals.
    pub(crate) fn plain(self) -> Bilingual {
        let (fi, sv) = match self {
            Form::FirstPersonPast => (
                "kertoja kertoo, mitä hänelle tapahtui (sain, pääsin)",
                "berättaren säger vad som hände hen (fick, kom in)",
            ),
            Form::Done => (
                "tehty asia ilman tekijää (soitettu, ohjattu)",
                "något som gjorts, utan vem (kontaktats, ringt)",
            ),
            Form::Planned => (
                "suunniteltu tai tavaksi tullut teko (soitetaan)",
                "något som planeras eller brukar göras",
            ),
            Form::Causal => (
                "syy tai vaikutus (koska, ansiosta, vahvistaa)",
                "orsak eller verkan (eftersom, tack vare, stärker)",
            ),
            Form::BecauseOfProblem => (
                "ongelma syynä (takia, vuoksi)",
                "ett problem som orsak (på grund av)",
            ),
        };
        Bilingual {
            fi: fi.into(),
            sv: sv.into(),
        }
    }
}

/// Finnish adverbs, nouns and other words that end like a first-person past ("hyvin",
/// "ensin", "puhelin"). Words with the clitic "-kin" ("ainakin", "minäkin") are left out
/// by rule unless the word before it is a past ("sainkin").
const FI_NOT_PAST: &[&str] = &[
    "kuin", "niin", "vain", "ain", "kotiin", "sisaan", "nain", "kauin", "talvin", "kesain",
    "lapsin", "kerran", "usein", "aluksi", "hyvin", "oikein", "yksin", "ensin", "takaisin",
    "toisin", "samoin", "harvoin", "muutoin", "viimein", "kaikkein", "puhelin", "avain", "kirjain",
    "lahin", "ylin", "alin",
];

/// Finnish words that end like a passive present ("mitään", "kokonaan", "omillaan"):
/// pronouns, adverbs and possessive forms, never a planned act.
const FI_NOT_PLANNED: &[&str] = &[
    "mitaan",
    "ketaan",
    "yhtaan",
    "kumpaakaan",
    "kokonaan",
    "suoraan",
    "aikanaan",
    "omillaan",
    "omanaan",
    "kerrallaan",
    "paikallaan",
    "vuorollaan",
    "tavallaan",
    "itsestaan",
    "ajallaan",
    "yleensakaan",
    "lainkaan",
    "ollenkaan",
    "tahallaan",
    "silmillaan",
];

/// Finnish nouns and adjectives that end like a passive past participle but are not one,
/// besides those the rule for "-ttu" catches ("juttu", "tuttu", "hattu": fewer than three
/// letters before the double t).
const FI_NOT_DONE: &[&str] = &["kotiin", "synty", "syntya", "luuttu", "kulttuuri"];

/// Whether a word ending like a passive past participle ("-ttu", "-ttua", "-ttuun",
/// "-tty", "-ttyä") has at least three letters before its double t: "sovittu", "otettu",
/// but not "juttu", "tuttu", "hattu", "kettu" (nouns and adjectives).
fn long_enough_before_tt(f: &str) -> bool {
    match f.rfind("tt") {
        Some(i) if ["ttu", "tty", "ttua", "ttya", "ttuun", "ttyyn"].contains(&&f[i..]) => {
            f[..i].chars().count() >= 3
        }
        _ => true,
    }
}

const FI_CAUSAL: &[&str] = &[
    "koska",
    "siksi",
    "joten",
    "ansiosta",
    "ansiosta",
    "myota",
    "jotta",
    "siten",
    "avulla",
    "vuoksi",
    "takia",
    "seurauksena",
    "johtuu",
    "johtui",
    "johtaa",
    "johti",
];

/// Prefixes of Finnish verbs that say one thing brings about another.
const FI_CAUSAL_VERBS: &[&str] = &[
    "vahvist",
    "edista",
    "edisti",
    "mahdollist",
    "auttoi",
    "auttaa",
    "auttav",
    "helpott",
    "helpotti",
    "lisaa",
    "lisasi",
    "vahentaa",
    "vahensi",
    "madalt",
    "parant",
    "paransi",
    "rohkais",
    "tukee",
    "tuki",
    "kannust",
    "vaikutt",
    "vaikuttaa",
    "synnytt",
    "rakentaa",
];

const FI_BECAUSE: &[&str] = &["takia", "vuoksi", "kun", "koska", "johdosta", "takana"];

const SV_PAST: &[&str] = &[
    "fick", "kom", "gick", "fann", "tog", "blev", "sag", "vagade", "orkade", "lyckades", "klarade",
    "borjade", "slutade", "lärde", "larde", "hittade", "sokte", "ansokte",
];

const SV_CAUSAL: &[&str] = &[
    "eftersom", "darfor", "tack", "vilket", "genom", "ledde", "leder", "beror", "berodde", "pga",
    "orsak", "orsaken",
];

const SV_CAUSAL_VERBS: &[&str] = &[
    "stark",
    "okar",
    "okade",
    "framj",
    "mojligg",
    "sanker",
    "sankte",
    "bidr",
    "hjalpte",
    "hjalper",
    "underlatt",
    "forbattr",
    "minsk",
    "paverk",
    "uppmunt",
    "stod",
    "stodjer",
];

const SV_BECAUSE: &[&str] = &["pga", "eftersom", "nar", "grund"];

fn ends(w: &str, tails: &[&str]) -> bool {
    tails.iter().any(|t| w.ends_with(t))
}

fn starts(w: &str, heads: &[&str]) -> bool {
    heads.iter().any(|h| w.starts_with(h))
}

/// Whether the word opens a clause: the first word, or the first after `.`, `,`, `;`, `:`
/// or a line break.
fn opens_clause(text: &str, words: &[Word], i: usize) -> bool {
    if i == 0 {
        return true;
    }
    let between = text
        .get(words[i - 1].span.end..words[i].span.start)
        .unwrap_or_default();
    between
        .chars()
        .any(|c| matches!(c, '.' | ',' | ';' | ':' | '\n' | '-' | '–'))
}

/// The forms of a text, each once, with the words that showed it. `problem` says whether a
/// cue for a problem (a positive context cue) occurred in the passage.
pub(crate) fn forms(
    text: &str,
    words: &[Word],
    lang: Lang,
    problem: bool,
) -> Vec<(Form, Range<usize>)> {
    let mut found: Vec<(Form, Range<usize>)> = Vec::new();
    let mut add = |f: Form, span: Range<usize>| {
        if !found.iter().any(|(g, _)| *g == f) {
            found.push((f, span));
        }
    };
    for (i, w) in words.iter().enumerate() {
        if w.joined {
            continue;
        }
        let f = w.folded.as_str();
        let n = f.chars().count();
        let span = w.span.clone();
        match lang {
            Lang::Fi => {
                let past = n >= 4
                    && f.ends_with("in")
                    && !f.ends_with("iin")
                    && !f.ends_with("mmin")
                    && (!f.ends_with("kin") || f.ends_with("inkin"))
                    && !FI_NOT_PAST.contains(&f)
                    || n >= 5 && f.ends_with("imme")
                    || (n >= 5
                        && ends(f, &["nut", "nyt", "lut", "lyt", "sut", "syt", "rut", "ryt"])
                        && i > 0
                        && matches!(words[i - 1].folded.as_str(), "olen" | "olin" | "en"));
                if past {
                    add(Form::FirstPersonPast, span.clone());
                }
                let done = n >= 5
                    && (ends(
                        f,
                        &[
                            "ttu", "tty", "htu", "hty", "ltu", "lty", "stu", "sty", "ntu", "nty",
                            "rtu", "rty", "ttiin", "htiin", "ntiin", "ltiin", "stiin", "atiin",
                            "ytiin", "ttuun", "ttua", "ttya",
                        ],
                    ) && !FI_NOT_DONE.contains(&f)
                        && long_enough_before_tt(f));
                if done {
                    add(Form::Done, span.clone());
                }
                if n >= 6
                    && ends(f, &["taan", "taan", "daan", "laan", "naan", "raan"])
                    && !f.ends_with("staan")
                    && !FI_NOT_PLANNED.contains(&f)
                {
                    add(Form::Planned, span.clone());
                }
                if FI_CAUSAL.contains(&f) || n >= 5 && starts(f, FI_CAUSAL_VERBS) {
                    add(Form::Causal, span.clone());
                }
                if problem && FI_BECAUSE.contains(&f) {
                    add(Form::BecauseOfProblem, span);
                }
            }
            Lang::Sv => {
                let after_i = i > 0 && matches!(words[i - 1].folded.as_str(), "jag" | "vi");
                let past = SV_PAST.contains(&f)
                    || (n >= 4
                        && ends(f, &["ade", "dde", "tte", "de", "te"])
                        && (after_i || opens_clause(text, words, i)))
                    || (after_i && matches!(f, "har" | "hade"));
                if past {
                    add(Form::FirstPersonPast, span.clone());
                }
                let done = n >= 5
                    && ends(f, &["ats", "ades", "tts", "dds", "ts"])
                    && !matches!(f, "sjukhus")
                    || n >= 4
                        && ends(f, &["at", "t"])
                        && opens_clause(text, words, i)
                        && !matches!(f, "det" | "att" | "ett" | "inte" | "mycket" | "nu")
                        && !after_i;
                if done {
                    add(Form::Done, span.clone());
                }
                if SV_CAUSAL.contains(&f) || n >= 5 && starts(f, SV_CAUSAL_VERBS) {
                    add(Form::Causal, span.clone());
                }
                if problem && SV_BECAUSE.contains(&f) {
                    add(Form::BecauseOfProblem, span);
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use kooste_text::analyze::words;

    fn found(text: &str, lang: Lang) -> Vec<Form> {
        forms(text, &words(text), lang, true)
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    }

    #[test]
    fn nouns_and_adverbs_that_look_like_forms_are_not_forms() {
        // Nouns and adjectives ending like a passive past participle.
        for w in [
            "juttu", "Juttua", "juttuun", "tuttu", "tuttua", "hattu", "kettu", "nuttu", "synty",
        ] {
            assert!(!found(w, Lang::Fi).contains(&Form::Done), "{w}");
        }
        // Pronouns, adverbs and possessive forms ending like a passive present.
        for w in [
            "mitään", "ketään", "yhtään", "kokonaan", "suoraan", "omillaan", "aikanaan",
        ] {
            assert!(!found(w, Lang::Fi).contains(&Form::Planned), "{w}");
        }
        // Adverbs, nouns and clitics ending like a first-person past.
        for w in [
            "hyvin", "oikein", "ensin", "yksin", "takaisin", "puhelin", "ainakin", "minäkin",
        ] {
            assert!(!found(w, Lang::Fi).contains(&Form::FirstPersonPast), "{w}");
        }
    }

    #[test]
    fn the_real_forms_are_still_found() {
        for w in [
            "sovittu",
            "otettu",
            "annettu",
            "tehty",
            "pantu",
            "soitettu",
            "kysyttiin",
            "juteltiin",
            "täytettyä",
            "ohjattuun",
        ] {
            assert!(found(w, Lang::Fi).contains(&Form::Done), "{w}");
        }
        for w in ["soitetaan", "keskustellaan", "mennään"] {
            assert!(found(w, Lang::Fi).contains(&Form::Planned), "{w}");
        }
        for w in ["sain", "pääsin", "sainkin", "saimme"] {
            assert!(found(w, Lang::Fi).contains(&Form::FirstPersonPast), "{w}");
        }
    }
}
