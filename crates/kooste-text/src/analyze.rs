//! The Finnish and Swedish analysis chain, in plain functions shared by indexing, querying
//! and highlighting (in `kooste-index`), the CAIMeR proposer, the digest and the steps list. See ARCHITECTURE.md, "Search", for why it is built this way.
//!
//! A text becomes [`Word`]s (runs of letters and digits, with OCR repairs), and each word
//! yields the terms of several fields:
//!
//! - `exact`: the lowercased word, diacritics kept, so that the exact form ranks first;
//! - `stem`: the word folded (ä→a, ö→o, å→a) and then stemmed by Snowball in the
//!   document's language; folding first lets `työntekijät` and `työntekijöiden` meet;
//! - `rev`: the stem reversed, so that a query can find compounds that *end* in it
//!   (`sosiaalityö` in `aikuissosiaalityön`) with a cheap prefix scan;
//! - `trunc`: the first letters of the folded word, which joins inflected forms that
//!   Snowball leaves apart (`kotikäynti`, `kotikäynnillä`) and tolerates damaged endings;
//! - trigrams: character trigrams of the folded word with boundary marks, by which the
//!   search index's vocabulary finds the corpus's words that an OCR-damaged query word
//!   (`sosiaalitydn`) or a damaged text word stands for.

use kooste_core::model::Lang;
use std::ops::Range;

/// One word of a text, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Lowercased, diacritics kept.
    pub lower: String,
    /// Lowercased and folded.
    pub folded: String,
    /// Byte range in the text (for a joined word: from its first part to its last).
    pub span: Range<usize>,
    /// Token position (a joined word shares its first part's position).
    pub position: usize,
    /// Whether this word was made by joining parts (an OCR split or a hyphenation).
    pub joined: bool,
}

/// Lowercases and folds diacritics the way Finnish and Swedish readers tolerate:
/// ä, å → a; ö, ø → o; and Latin accents dropped (é → e, ü → u).
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase().map(fold_lower));
        }
    }
    out
}

/// A lowercase letter folded.
fn fold_lower(c: char) -> char {
    match c {
        'ä' | 'å' | 'à' | 'á' | 'â' | 'ã' | 'æ' => 'a',
        'ö' | 'ø' | 'ò' | 'ó' | 'ô' | 'õ' => 'o',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'š' => 's',
        'ž' => 'z',
        'ç' => 'c',
        'ñ' => 'n',
        c => c,
    }
}

/// A word lowercased (as [`str::to_lowercase`] does) and folded (as [`fold`] does), in one
/// pass: every word of every passage is both, for the index and for the proposer.
fn lower_and_folded(raw: &str) -> (String, String) {
    // A capital sigma lowercases by its place in the word: left to `str::to_lowercase`.
    if raw.contains('Σ') {
        let lower = raw.to_lowercase();
        let folded = fold(&lower);
        return (lower, folded);
    }
    let mut lower = String::with_capacity(raw.len());
    let mut folded = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii() {
            let l = c.to_ascii_lowercase();
            lower.push(l);
            folded.push(l);
        } else {
            for l in c.to_lowercase() {
                lower.push(l);
                folded.push(fold_lower(l));
            }
        }
    }
    (lower, folded)
}

/// Whether a character belongs to a word: a letter or a digit (the Finnish and Swedish
/// letters answered without the Unicode tables).
fn in_word(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' | 'ä' | 'ö' | 'å' | 'Ä' | 'Ö' | 'Å' => true,
        c if c.is_ascii() => false,
        c => c.is_alphanumeric(),
    }
}

/// Words after which a hanging hyphen is a coordinated compound ("sosiaali- ja
/// terveyspalvelut"), not a line-break remnant to join.
const COORDINATORS: &[&str] = &["ja", "tai", "sekä", "eli", "och", "eller", "samt", "&"];

/// Splits a text into words. Besides the plain runs of letters and digits it adds, at the
/// same position, the joined form of OCR splits ("Y hteiskehittäminen": a lone capital
/// followed by a lowercase word), of hyphenated words ("sosiaali-työ") and of hyphenation
/// remnants ("sosiaali- työ").
pub fn words(text: &str) -> Vec<Word> {
    // Raw runs first: (span, followed by a hyphen directly, separator text after).
    let mut runs: Vec<Range<usize>> = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if in_word(c) {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(s) = start.take() {
            runs.push(s..i);
        }
    }
    if let Some(s) = start {
        runs.push(s..text.len());
    }
    let mut out = Vec::with_capacity(runs.len() + 4);
    for (n, span) in runs.iter().enumerate() {
        let raw = &text[span.clone()];
        let (lower, folded) = lower_and_folded(raw);
        out.push(Word {
            folded,
            lower,
            span: span.clone(),
            position: n,
            joined: false,
        });
        let Some(next) = runs.get(n + 1) else {
            continue;
        };
        let between = &text[span.end..next.start];
        let next_raw = &text[next.clone()];
        let next_lower_start = next_raw.chars().next().is_some_and(char::is_lowercase);
        let single_capital = raw.chars().count() == 1
            && raw.chars().all(char::is_uppercase)
            && between == " "
            && next_lower_start
            && next_raw.chars().count() >= 3;
        let hyphen = matches!(between, "-" | "\u{ad}" | "- " | "-\n" | "\u{ad}\n" | "‐")
            && next_lower_start
            && !COORDINATORS.contains(&next_raw.to_lowercase().as_str());
        if single_capital || hyphen {
            let (mut lower, mut folded) = lower_and_folded(raw);
            let (next_lower, next_folded) = lower_and_folded(next_raw);
            lower.push_str(&next_lower);
            folded.push_str(&next_folded);
            out.push(Word {
                folded,
                lower,
                span: span.start..next.end,
                position: n,
                joined: true,
            });
        }
    }
    out
}

/// Stems a folded word with the Snowball stemmer of `lang`.
pub fn stem(folded: &str, lang: Lang) -> String {
    thread_local! {
        static FI: frostem::Stemmer = frostem::Stemmer::new(frostem::Algorithm::Finnish);
        static SV: frostem::Stemmer = frostem::Stemmer::new(frostem::Algorithm::Swedish);
    }
    thread_local! {
        /// The stems of the words this thread stemmed last, per language: an index build
        /// stems the same few tens of thousands of words millions of times (the proposer
        /// and every passage's analysis). Emptied when it grows past `STEMS_KEPT`.
        static SEEN: std::cell::RefCell<[rustc_hash::FxHashMap<String, String>; 2]> =
            std::cell::RefCell::default();
    }
    if folded.chars().any(|c| c.is_ascii_digit()) {
        return folded.to_string();
    }
    let slot = usize::from(lang == Lang::Sv);
    if let Some(s) = SEEN.with(|m| m.borrow()[slot].get(folded).cloned()) {
        return s;
    }
    let s = match lang {
        Lang::Fi => FI.with(|s| s.stem(folded).into_owned()),
        Lang::Sv => SV.with(|s| s.stem(folded).into_owned()),
    };
    SEEN.with(|m| {
        let mut m = m.borrow_mut();
        if m[slot].len() >= STEMS_KEPT {
            m[slot].clear();
        }
        m[slot].insert(folded.to_string(), s.clone());
    });
    s
}

/// How many stems per language and thread [`stem`] keeps.
const STEMS_KEPT: usize = 50_000;

/// How many leading letters `trunc` keeps.
pub const TRUNC: usize = 5;

/// The first [`TRUNC`] letters of a folded word of at least `TRUNC + 1` letters.
pub fn trunc(folded: &str) -> Option<String> {
    let n = folded.chars().count();
    (n > TRUNC && !folded.chars().any(|c| c.is_ascii_digit()))
        .then(|| folded.chars().take(TRUNC).collect())
}

/// Character trigrams of a folded word, with `^` and `$` marking its ends. Words shorter
/// than three letters give none.
pub fn grams(folded: &str) -> Vec<String> {
    let chars: Vec<char> = folded.chars().collect();
    if chars.len() < 3 {
        return Vec::new();
    }
    let padded: Vec<char> = std::iter::once('^')
        .chain(chars)
        .chain(std::iter::once('$'))
        .collect();
    padded.windows(3).map(|w| w.iter().collect()).collect()
}

/// The reversed string.
pub fn reversed(s: &str) -> String {
    s.chars().rev().collect()
}

/// Whether a lowercased word is a Finnish or Swedish function word, left out of the
/// approximate fields and of free-text queries.
pub fn is_stop(lower: &str) -> bool {
    lower.len() <= LONGEST_STOP_WORD && STOP_WORDS.binary_search(&lower).is_ok()
}

/// The length in bytes of the longest of [`STOP_WORDS`] (a test keeps it so).
const LONGEST_STOP_WORD: usize = 6;

/// Finnish and Swedish function words, sorted (a test keeps them so).
const STOP_WORDS: &[&str] = &[
    "af", "alla", "allt", "att", "av", "dem", "den", "det", "detta", "dig", "din", "du", "där",
    "efter", "ei", "eivät", "eli", "en", "ett", "for", "från", "för", "han", "hanen", "hon", "hur",
    "hän", "i", "inte", "ja", "jo", "joka", "jonka", "jos", "jotka", "kan", "kanssa", "kuin",
    "kun", "me", "med", "men", "mig", "min", "mitä", "mot", "mutta", "myös", "ne", "niin", "nyt",
    "när", "och", "oli", "olivat", "olla", "om", "on", "ovat", "på", "se", "sekä", "sen", "ska",
    "som", "sä", "så", "tai", "te", "till", "tämä", "ut", "vad", "var", "vi", "vid", "voi", "än",
    "är", "även",
];

/// Shortest stem that is worth finding inside compounds.
pub const MIN_COMPOUND_STEM: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stem_kept_from_before_is_that_of_its_language() {
        // The same folded word in both languages, each asked twice (the second from what
        // the thread keeps), and again after the kept stems were emptied.
        let direct = |w: &str, a| frostem::Stemmer::new(a).stem(w).into_owned();
        for _ in 0..2 {
            for w in ["hembesoken", "kotikaynnilla", "skulderna"] {
                assert_eq!(stem(w, Lang::Fi), direct(w, frostem::Algorithm::Finnish));
                assert_eq!(stem(w, Lang::Sv), direct(w, frostem::Algorithm::Swedish));
            }
        }
        for i in 0..STEMS_KEPT + 10 {
            // Words of letters only (a word with digits is not stemmed).
            let word: String = (0..4)
                .map(|k| char::from(b'a' + (i / 26usize.pow(k) % 26) as u8))
                .collect();
            stem(&format!("sana{word}"), Lang::Fi);
        }
        assert_eq!(stem("kotikaynnilla", Lang::Fi), "kotikayn");
    }

    fn lowers(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.lower).collect()
    }

    #[test]
    fn stop_words_are_sorted() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, STOP_WORDS);
        assert_eq!(
            STOP_WORDS.iter().map(|w| w.len()).max(),
            Some(LONGEST_STOP_WORD)
        );
    }

    #[test]
    fn a_word_lowercased_and_folded_at_once_is_as_each_alone() {
        for raw in [
            "Kotikäynti",
            "ÅSA",
            "Hembesöket",
            "İstanbul",
            "ΟΔΟΣ",
            "Straße",
            "x2",
            "ǅemal",
            "ÉCOLE",
            "Øre",
        ] {
            let lower = raw.to_lowercase();
            assert_eq!(
                lower_and_folded(raw),
                (lower.clone(), fold(&lower)),
                "{raw}"
            );
            // Letter by letter, as the ASCII shortcut must not change.
            let each: String = raw
                .chars()
                .flat_map(char::to_lowercase)
                .map(fold_lower)
                .collect();
            assert_eq!(fold(raw), each, "{raw}");
        }
        for c in ['a', 'Ä', '7', 'ß', '-', ' ', '\u{ad}', 'ł', '٣', '_', '€'] {
            assert_eq!(in_word(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn folding_joins_forms_the_stemmer_keeps_apart() {
        let a = stem(&fold("työntekijät"), Lang::Fi);
        let b = stem(&fold("työntekijöiden"), Lang::Fi);
        assert_eq!(a, b);
        assert_eq!(a, "tyontekij");
        // Without folding first, Snowball keeps them apart.
        let raw = |w: &str| {
            frostem::Stemmer::new(frostem::Algorithm::Finnish)
                .stem(w)
                .into_owned()
        };
        assert_ne!(raw("työntekijät"), raw("työntekijöiden"));
    }

    #[test]
    fn inflected_forms_share_a_stem_or_a_prefix() {
        let s = |w: &str| stem(&fold(w), Lang::Fi);
        assert_eq!(s("työpajaan"), s("työpaja"));
        assert_eq!(s("sosiaalityön"), s("sosiaalityö"));
        assert_eq!(s("asiakkaiden"), s("asiakkaat"));
        // Snowball leaves these apart; the truncated field brings them together.
        assert_ne!(s("kotikäynti"), s("kotikäynnillä"));
        assert_eq!(trunc(&fold("kotikäynti")), trunc(&fold("kotikäynnillä")));
        assert_eq!(trunc(&fold("kohtaaminen")), trunc(&fold("kohtaamisesta")));
        let sv = |w: &str| stem(&fold(w), Lang::Sv);
        assert_eq!(sv("klienterna"), sv("klient"));
        assert_eq!(sv("hembesöket"), sv("hembesök"));
    }

    #[test]
    fn a_compound_ends_in_its_head() {
        let whole = stem(&fold("aikuissosiaalityössä"), Lang::Fi);
        let head = stem(&fold("sosiaalityö"), Lang::Fi);
        assert!(reversed(&whole).starts_with(&reversed(&head)));
    }

    #[test]
    fn ocr_splits_and_hyphenations_are_joined() {
        assert_eq!(
            lowers("Y hteiskehittäminen alkoi"),
            ["y", "yhteiskehittäminen", "hteiskehittäminen", "alkoi"]
        );
        assert_eq!(lowers("sosiaali- työ"), ["sosiaali", "sosiaalityö", "työ"]);
        assert_eq!(lowers("sosiaali-työ"), ["sosiaali", "sosiaalityö", "työ"]);
        // A coordinated compound is not joined.
        assert_eq!(
            lowers("sosiaali- ja terveyspalvelut"),
            ["sosiaali", "ja", "terveyspalvelut"]
        );
        // Joined words share the position of their first part.
        let w = words("Y hteiskehittäminen alkoi");
        assert_eq!(
            w.iter().map(|w| w.position).collect::<Vec<_>>(),
            [0, 0, 1, 2]
        );
        assert_eq!(
            &"Y hteiskehittäminen alkoi"[w[1].span.clone()],
            "Y hteiskehittäminen"
        );
    }

    #[test]
    fn grams_mark_word_ends_and_tolerate_damage() {
        assert_eq!(grams("tyo"), ["^ty", "tyo", "yo$"]);
        assert!(grams("ja").is_empty());
        let clean = grams(&fold("sosiaalityön"));
        let damaged = grams("sosiaalitydn");
        let shared = clean.iter().filter(|g| damaged.contains(g)).count();
        assert!(shared * 3 >= clean.len() * 2, "{shared} of {}", clean.len());
    }
}
