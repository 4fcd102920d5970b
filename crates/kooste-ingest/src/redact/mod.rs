//! Personal-data redaction: Finnish personal identity codes, phone numbers, e-mail
//! addresses, the names in the participant register (replaced by pseudonyms) and common
//! first names followed by a surname. Every removal leaves a visible placeholder.
//!
//! Redaction is idempotent: placeholders and pseudonyms are never matched again, so text that
//! has been redacted once passes through unchanged.

mod hetu;

use aho_corasick::AhoCorasick;
use kooste_core::model::Lang;
use kooste_core::project::Participant;
use regex::Regex;
use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;

/// What kind of personal data was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A personal identity code (henkilötunnus) with a valid check character.
    Hetu,
    /// Something shaped like an identity code, with a real date but a wrong check character:
    /// probably a mistyped code, and removed all the same.
    HetuSuspect,
    /// A phone number.
    Phone,
    /// An e-mail address.
    Email,
    /// A name from the participant register, replaced by its pseudonym.
    Participant,
    /// A first name followed by a surname.
    Name,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 6] = [
        Kind::Hetu,
        Kind::HetuSuspect,
        Kind::Phone,
        Kind::Email,
        Kind::Participant,
        Kind::Name,
    ];

    /// The placeholder left in the text (participants get their pseudonym instead).
    pub fn placeholder(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Kind::Hetu | Kind::HetuSuspect, Lang::Fi) => "[hetu]",
            (Kind::Hetu | Kind::HetuSuspect, Lang::Sv) => "[personbeteckning]",
            (Kind::Phone, Lang::Fi) => "[puhelin]",
            (Kind::Phone, Lang::Sv) => "[telefon]",
            (Kind::Email, Lang::Fi) => "[sähköposti]",
            (Kind::Email, Lang::Sv) => "[e-post]",
            (Kind::Participant | Kind::Name, Lang::Fi) => "[nimi]",
            (Kind::Participant | Kind::Name, Lang::Sv) => "[namn]",
        }
    }

    /// A short name for reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Hetu => "hetu",
            Kind::HetuSuspect => "hetu_suspect",
            Kind::Phone => "phone",
            Kind::Email => "email",
            Kind::Participant => "participant",
            Kind::Name => "name",
        }
    }
}

/// How many of each kind were removed.
pub type Counts = BTreeMap<Kind, usize>;

/// One removal: the byte range in the input and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// Byte range in the original text.
    pub range: std::ops::Range<usize>,
    /// What it was.
    pub kind: Kind,
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{L}\p{N}._%+\-]+(?:@|\s?[\(\[]\s?(?:at|ät|AT|a)\s?[\)\]]\s?)[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}")
        .unwrap()
});
static HETU: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{2})(\d{2})(\d{2})([-+ABCDEFUVWXY])(\d{3})([0-9A-Y])\b").unwrap()
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    // International (+358, 00358) or domestic (0 and an area or operator code), then groups of
    // digits separated by at most one space or hyphen. Dots never separate, so dates stay.
    Regex::new(
        r"(?:\+\d{1,3}|\b00\d{1,3}|\(0\d{1,3}\)|\b0\d{1,3})(?:\s?\(0\))?(?:[ \-]?\d{1,5}){1,5}\b",
    )
    .unwrap()
});
static DASH_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,2}-\d{1,2}-\d{2,4}$").unwrap());

const FIRST_NAMES: &str = include_str!("first_names.txt");
const STOP_WORDS: &str = include_str!("stop_words.txt");

/// Finnish case endings and clitics that may follow a name.
const SUFFIXES: &str = r"(?:n|a|ä|aa|ää|ee|ii|oo|uu|yy|en|een|ta|tä|lla|llä|lle|lta|ltä|ssa|ssä|sta|stä|han|hin|hen|hon|na|nä|ksi|ineen|ine|t|s|'s|:n|:lle|:lla|:lta|:a|:ä|:sta|:ssa)?(?:kin|kaan|kään|han|hän|pa|pä)?";

/// Removes personal data from text.
#[derive(Debug)]
pub struct Redactor {
    participants: Vec<(Regex, String)>,
    /// Every literal stem a participant pattern can start with. A pattern can only match
    /// where one of its stems stands, so a text is searched only with the patterns whose
    /// stems it holds: most texts hold none, and running a hundred Unicode-aware patterns
    /// over each text was most of the time ingesting and indexing took.
    prefilter: AhoCorasick,
    /// For each stem of `prefilter`, the index of its pattern in `participants`.
    stem_owner: Vec<usize>,
    /// A first name followed by a capitalised word (the surname: group 2).
    names: Worded,
    stop: Regex,
}

impl Redactor {
    /// Builds a redactor for a project's participant register.
    pub fn new(register: &[Participant]) -> Redactor {
        let mut participants = Vec::new();
        // Longer names first, so "Maija Virtanen" wins over "Maija".
        let mut forms: Vec<(String, String)> = Vec::new();
        for p in register {
            forms.push((p.name.clone(), p.pseudonym.clone()));
            for a in &p.aliases {
                forms.push((a.clone(), p.pseudonym.clone()));
            }
            for token in p.name.split_whitespace() {
                if token.chars().count() >= 3 {
                    forms.push((token.to_string(), p.pseudonym.clone()));
                }
            }
        }
        forms
            .sort_by_key(|(n, _)| std::cmp::Reverse(n.split_whitespace().count() * 1000 + n.len()));
        let mut seen = HashSet::new();
        let mut stems = Vec::new();
        let mut stem_owner = Vec::new();
        for (name, pseudonym) in forms {
            if !seen.insert(name.clone()) {
                continue;
            }
            let tokens: Vec<String> = name.split_whitespace().map(inflected).collect();
            let Some(first) = name.split_whitespace().next() else {
                continue;
            };
            for stem in stems_of(first) {
                stems.push(stem);
                stem_owner.push(participants.len());
            }
            let re = format!(r"\b{}\b", tokens.join(r"\s+"));
            participants.push((Regex::new(&re).expect("name pattern"), pseudonym));
        }
        let prefilter = AhoCorasick::new(&stems).expect("name stems");
        let mut firsts: Vec<&str> = FIRST_NAMES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect();
        firsts.sort_unstable();
        firsts.dedup();
        let first = firsts
            .iter()
            .map(|n| inflected(n))
            .collect::<Vec<_>>()
            .join("|");
        let names = Worded::new(&format!(
            r"(?:{first})\s+(\p{{Lu}}\p{{Ll}}{{2,}}(?:-\p{{Lu}}\p{{Ll}}+)?)"
        ))
        .expect("names");
        // A word that follows a first name is no surname when it is a place, an organisation or
        // a word of the domain, in any inflected form (Kelalle, Vaasaan, Helsingissä).
        let stops: Vec<String> = STOP_WORDS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .map(regex::escape)
            .collect();
        let stop = Regex::new(&format!(
            r"^(?:{})(?:{SUFFIXES}|an|än|aan|ään|iin|seen|un|yn|on|gin|gissä|gistä|gille|kiin|kseen)?$",
            stops.join("|")
        ))
        .expect("stop words");
        Redactor {
            participants,
            prefilter,
            stem_owner,
            names,
            stop,
        }
    }

    /// Redacts `text`, returning the new text and what was removed (ranges in `text`).
    pub fn redact(&self, text: &str, lang: Lang) -> (String, Vec<Removal>) {
        let mut found: Vec<(std::ops::Range<usize>, Kind, String)> = Vec::new();
        let taken = |found: &mut Vec<(std::ops::Range<usize>, Kind, String)>,
                     r: std::ops::Range<usize>,
                     k: Kind,
                     with: String| {
            if !found
                .iter()
                .any(|(f, _, _)| f.start < r.end && r.start < f.end)
            {
                found.push((r, k, with));
            }
        };
        // Each family of patterns runs on the text with what earlier families removed
        // masked out by non-word characters at the same byte offsets. A later pattern thus
        // sees the word boundaries a second redaction would see, and cannot run into (and
        // then be discarded for overlapping) what is already removed: "040 1234567
        // 140578-236T" must lose both the phone number and the identity code.
        let mut masked = text.to_string();
        let mask = |masked: &mut String, found: &[(std::ops::Range<usize>, Kind, String)]| {
            let mut bytes = std::mem::take(masked).into_bytes();
            for (r, _, _) in found {
                bytes[r.clone()].fill(b'#');
            }
            // Ranges lie on character boundaries, so the result is still UTF-8.
            *masked = String::from_utf8(bytes).expect("masking keeps UTF-8");
        };
        for m in EMAIL.find_iter(&masked) {
            if m.as_str().contains('@') || m.as_str().chars().any(|c| c == '(' || c == '[') {
                taken(
                    &mut found,
                    m.range(),
                    Kind::Email,
                    Kind::Email.placeholder(lang).into(),
                );
            }
        }
        mask(&mut masked, &found);
        for c in HETU.captures_iter(&masked) {
            if let Some(kind) = hetu::classify(&c) {
                let m = c.get(0).unwrap();
                taken(&mut found, m.range(), kind, kind.placeholder(lang).into());
            }
        }
        mask(&mut masked, &found);
        for m in PHONE.find_iter(&masked) {
            if is_phone(m.as_str()) {
                taken(
                    &mut found,
                    m.range(),
                    Kind::Phone,
                    Kind::Phone.placeholder(lang).into(),
                );
            }
        }
        mask(&mut masked, &found);
        let mut present = vec![false; self.participants.len()];
        for m in self.prefilter.find_overlapping_iter(&masked) {
            present[self.stem_owner[m.pattern().as_usize()]] = true;
        }
        // In the register's order (longer names first), as without the prefilter.
        for ((re, pseudonym), _) in self.participants.iter().zip(&present).filter(|(_, p)| **p) {
            for m in re.find_iter(&masked) {
                taken(&mut found, m.range(), Kind::Participant, pseudonym.clone());
            }
        }
        mask(&mut masked, &found);
        for c in self.names.captures_iter(&masked) {
            let (Some(whole), Some(surname)) = (c.get(1), c.get(2)) else {
                continue;
            };
            if self.stop.is_match(surname.as_str()) || is_placeholder_word(surname.as_str()) {
                continue;
            }
            taken(
                &mut found,
                whole.range(),
                Kind::Name,
                Kind::Name.placeholder(lang).into(),
            );
        }
        found.sort_by_key(|(r, _, _)| r.start);
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let mut removals = Vec::new();
        for (r, kind, with) in found {
            out.push_str(&text[last..r.start]);
            out.push_str(&with);
            last = r.end;
            removals.push(Removal { range: r, kind });
        }
        out.push_str(&text[last..]);
        (out, removals)
    }
}

/// A pattern that must stand as whole words, written so that the regex crate's fast
/// engines can run it. With a Unicode `\b`, the regex crate falls back to its slowest
/// engine on any text that is not pure ASCII (every Finnish text with ä or ö): for the
/// first-name pattern, most of the time indexing took. Here the boundaries are a character
/// that is no word character (or the text's start or end) on each side, and matches are
/// found one at a time, each search starting where the previous match's words ended, so
/// that the separator between two matches serves both.
#[derive(Debug)]
struct Worded(Regex);

impl Worded {
    /// Group 1 is the whole match without the separators; the inner pattern's own groups
    /// follow from 2.
    fn new(inner: &str) -> Result<Worded, regex::Error> {
        const NOT_WORD: &str = r"[^\p{L}\p{M}\p{N}_]";
        Regex::new(&format!(r"(?:^|{NOT_WORD})({inner})(?:$|{NOT_WORD})")).map(Worded)
    }

    fn captures_iter<'a>(&'a self, text: &'a str) -> impl Iterator<Item = regex::Captures<'a>> {
        let mut at = 0;
        std::iter::from_fn(move || {
            let c = self.0.captures_at(text, at)?;
            let words = c.get(1)?;
            // Never search the same place twice, even for an empty match.
            at = if words.end() > at {
                words.end()
            } else {
                at + text[at..].chars().next()?.len_utf8()
            };
            Some(c)
        })
    }
}

/// Tallies removals by kind.
pub fn count(removals: &[Removal]) -> Counts {
    let mut c = Counts::new();
    for r in removals {
        *c.entry(r.kind).or_default() += 1;
    }
    c
}

fn is_placeholder_word(w: &str) -> bool {
    matches!(
        w,
        "Asiakas" | "Työntekijä" | "Tutkija" | "Klient" | "Arbetstagare" | "Forskare"
    )
}

/// A regex matching a name and its Finnish inflected forms: `Virtanen` → Virtasen,
/// Virtaselle; `Mikko` → Mikon; `Erik` → Erikille.
fn inflected(name: &str) -> String {
    let alts: Vec<String> = stems_of(name).iter().map(|s| regex::escape(s)).collect();
    format!("(?:{}){SUFFIXES}", alts.join("|"))
}

/// The stems a name's inflected forms start with (see [`inflected`]).
fn stems_of(name: &str) -> Vec<String> {
    let mut stems = vec![name.to_string()];
    let chars: Vec<char> = name.chars().collect();
    let n = chars.len();
    if let Some(base) = name.strip_suffix("nen") {
        stems.push(format!("{base}se"));
        stems.push(format!("{base}s"));
    } else if n >= 3 && "aeiouyäö".contains(chars[n - 1]) {
        // Consonant gradation of a double stop in the last syllable: Mikko → Mikon,
        // Pekka → Pekalle, Matti → Matin.
        let (a, b, v) = (chars[n - 3], chars[n - 2], chars[n - 1]);
        if a == b && matches!(a, 'k' | 'p' | 't') {
            let head: String = chars[..n - 2].iter().collect();
            stems.push(format!("{head}{v}"));
        }
    } else if n >= 3 && chars[n - 1] == 's' && "aeiouyäö".contains(chars[n - 2]) {
        // Tuomas → Tuomaksen, Tuomakseen; Markus → Markukselle.
        let head: String = chars[..n - 1].iter().collect();
        stems.push(format!("{head}kse"));
        stems.push(format!("{head}ks"));
        stems.push(format!("{name}i"));
    } else if n >= 2 && chars[n - 1].is_alphabetic() {
        stems.push(format!("{name}i"));
    }
    stems
}

fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    if DASH_DATE.is_match(s) {
        return false;
    }
    if s.starts_with('+') || s.starts_with("00") {
        (8..=15).contains(&digits)
    } else {
        (7..=12).contains(&digits)
    }
}

#[cfg(test)]
mod tests;
