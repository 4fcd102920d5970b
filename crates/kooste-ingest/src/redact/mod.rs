//! Personal-data redaction: Finnish personal identity codes, phone numbers, e-mail
//! addresses, the names in the participant register and common first names followed by a
//! surname. Every removal leaves a visible placeholder, or a participant's pseudonym where
//! the name is theirs: their first name or alias, alone or with their surname. A register
//! surname with another first name, or alone, says nothing of which person is meant and is
//! removed whole as `[nimi]`.
//!
//! Redaction is idempotent: placeholders and pseudonyms are never matched again, so text that
//! has been redacted once passes through unchanged.

pub mod fields;
mod hetu;
pub mod rewrite;

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
    /// A participant's name (their first name or alias, with or without the surname),
    /// replaced by their pseudonym.
    Participant,
    /// A person's name removed whole: a first name and a surname, a register surname with
    /// another first name, or a register surname alone.
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

/// One removal: the byte range in the input, its kind and what replaced it.
///
/// A removal found by a later pass of [`Redactor::redact`] may cover an earlier one (its
/// range is where its text lay in the input, placeholders it took in widened to what they
/// replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// Byte range in the original text.
    pub range: std::ops::Range<usize>,
    /// What it was.
    pub kind: Kind,
    /// What stands in its place: a placeholder, or a participant's pseudonym.
    pub replacement: String,
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{L}\p{N}._%+\-]+(?:@|\s?[\(\[]\s?(?:at|ät|AT|a)\s?[\)\]]\s?)[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}")
        .unwrap()
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    // International (+358, 00358) or domestic (0 and an area or operator code), then groups of
    // digits separated by at most one space or hyphen. Dots and slashes have patterns of
    // their own, so that dates and times stay.
    Regex::new(
        r"(?:\+\d{1,3}|\b00\d{1,3}|\(0\d{1,3}\)|\b0\d{1,3})(?:\s?\(0\))?(?:[ \-]?\d{1,5}){1,5}\b",
    )
    .unwrap()
});
/// A number written with dots between every group: 044.781.2290, +358.40.123.4567.
static PHONE_DOTTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+\d{1,3}[ .]?|\b00\d{1,3}[ .]?|\b0)\d{1,3}(?:\.\d{2,5}){2,4}\b").unwrap()
});
/// An area or operator code and a slash: 09/123 4567, 040 / 1234567.
static PHONE_SLASHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\(0\d{1,3}\)|\b0\d{1,3})[ \t]?/[ \t]?(\d{2,5})(?:[ \-]?\d{1,5}){0,3}\b")
        .unwrap()
});
static DASH_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$").unwrap());

const FIRST_NAMES: &str = include_str!("first_names.txt");
const STOP_WORDS: &str = include_str!("stop_words.txt");

/// Finnish case endings and clitics that may follow a name.
const SUFFIXES: &str = r"(?:n|a|ä|aa|ää|ee|ii|oo|uu|yy|an|än|en|in|on|un|yn|aan|ään|een|iin|oon|uun|yyn|seen|ta|tä|lla|llä|lle|lta|ltä|ssa|ssä|sta|stä|han|hin|hen|hon|na|nä|ksi|ineen|ine|t|s|'s|:n|:lle|:lla|:lta|:a|:ä|:sta|:ssa|:iin|:een)?(?:kin|kaan|kään|han|hän|pa|pä)?";

/// Words before a surname that make it a person even when the surname is also a place or a
/// word (rouva Lahti).
const TITLES: &[&str] = &[
    "rouva", "herra", "neiti", "rva", "hra", "tohtori", "fru", "herr", "fröken", "doktor",
];

/// What a register pattern matches, in the order the families run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Family {
    /// A participant's whole name, or an alias or the first name with the surname: the
    /// pseudonym.
    Whole,
    /// A register surname after another capitalised word, which is taken for a first name:
    /// someone else with the same surname, removed whole as `[nimi]`.
    OtherFirst,
    /// A participant's first name or alias alone: the pseudonym (`[nimi]` when two
    /// participants share it).
    First,
    /// A register surname alone: `[nimi]`, since it does not say which person is meant.
    Surname,
}

#[derive(Debug)]
struct Pattern {
    re: Regex,
    family: Family,
    /// The pseudonym; `None` removes the match as `[nimi]`.
    pseudonym: Option<String>,
    /// A surname that is also a place or a word: removed alone only after a title.
    needs_title: bool,
    /// The name as the register writes it.
    base: String,
}

/// Removes personal data from text.
#[derive(Debug)]
pub struct Redactor {
    /// Register patterns, by family and then longer names first.
    participants: Vec<Pattern>,
    /// Every literal stem a register pattern needs. A pattern can only match where one of
    /// its stems stands, so a text is searched only with the patterns whose stems it holds:
    /// most texts hold none, and running a hundred Unicode-aware patterns over each text
    /// was most of the time ingesting and indexing took.
    prefilter: AhoCorasick,
    /// For each stem of `prefilter`, the index of its pattern in `participants`.
    stem_owner: Vec<usize>,
    /// A first name followed by a capitalised word (the surname: group 2).
    names: Worded,
    /// A whole word that is a first name (of the list or of the register) in any form.
    first_word: Regex,
    stop: Regex,
}

impl Redactor {
    /// Builds a redactor for a project's participant register.
    pub fn new(register: &[Participant]) -> Redactor {
        // (form, family, pseudonym, the stems it needs)
        let mut forms: Vec<(String, Family, Option<String>)> = Vec::new();
        let mut firsts_of: BTreeMap<String, HashSet<String>> = BTreeMap::new();
        let mut register_firsts: Vec<String> = Vec::new();
        for p in register {
            let tokens: Vec<&str> = p.name.split_whitespace().collect();
            let Some((surname, given)) = tokens.split_last() else {
                continue;
            };
            let given = given.join(" ");
            let pseudonym = Some(p.pseudonym.clone());
            let mut single: Vec<String> = Vec::new();
            if given.is_empty() {
                // One word: a first name or a nickname.
                single.push(surname.to_string());
            } else {
                forms.push((p.name.clone(), Family::Whole, pseudonym.clone()));
                forms.push((
                    format!("{surname} {given}"),
                    Family::Whole,
                    pseudonym.clone(),
                ));
                forms.push((surname.to_string(), Family::OtherFirst, None));
                forms.push((surname.to_string(), Family::Surname, None));
                for g in &tokens[..tokens.len() - 1] {
                    single.push(g.to_string());
                    // One of several given names with the surname (Eeva Korhonen for
                    // Eeva Maria Korhonen) is the participant too.
                    if tokens.len() > 2 {
                        forms.push((format!("{g} {surname}"), Family::Whole, pseudonym.clone()));
                    }
                }
            }
            for a in &p.aliases {
                if a.split_whitespace().count() > 1 {
                    forms.push((a.clone(), Family::Whole, pseudonym.clone()));
                } else {
                    single.push(a.clone());
                    if !given.is_empty() {
                        forms.push((format!("{a} {surname}"), Family::Whole, pseudonym.clone()));
                    }
                }
            }
            for s in single {
                if s.chars().count() >= 3 {
                    register_firsts.push(s.clone());
                    firsts_of.entry(s).or_default().insert(p.pseudonym.clone());
                }
            }
        }
        for (first, pseudonyms) in &firsts_of {
            // Two participants with one first name: which of them is meant is unknown.
            let pseudonym = match pseudonyms.iter().collect::<Vec<_>>().as_slice() {
                [one] => Some((*one).clone()),
                _ => None,
            };
            forms.push((first.clone(), Family::First, pseudonym));
        }
        forms.sort_by_key(|(n, f, _)| {
            (
                *f,
                std::cmp::Reverse(n.split_whitespace().count() * 1000 + n.len()),
            )
        });
        let stops: Vec<String> = STOP_WORDS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .map(regex::escape)
            .collect();
        // A word that follows a first name is no surname when it is a place, an organisation or
        // a word of the domain, in any inflected form (Kelalle, Vaasaan, Helsingissä).
        let stop = Regex::new(&format!(
            r"^(?:{})(?:{SUFFIXES}|an|än|aan|ään|iin|seen|un|yn|on|gin|gissä|gistä|gille|kiin|kseen)?$",
            stops.join("|")
        ))
        .expect("stop words");
        let mut seen = HashSet::new();
        let mut participants = Vec::new();
        let mut stems = Vec::new();
        let mut stem_owner = Vec::new();
        for (name, family, pseudonym) in forms {
            if !seen.insert((name.clone(), family)) {
                continue;
            }
            let words: Vec<&str> = name.split_whitespace().collect();
            let tokens: Vec<String> = words.iter().map(|w| inflected(w)).collect();
            let (re, needed) = match family {
                // "Virtanen, Maija" as well as "Virtanen Maija".
                Family::Whole => (format!(r"\b{}\b", tokens.join(r",?\s+")), words[0]),
                Family::OtherFirst => (
                    format!(
                        r"\b(\p{{Lu}}\p{{Ll}}+(?:-\p{{Lu}}\p{{Ll}}+)?)\s+({})\b",
                        tokens[0]
                    ),
                    words[0],
                ),
                Family::First | Family::Surname => (format!(r"\b{}\b", tokens[0]), words[0]),
            };
            for stem in stems_of(needed) {
                stems.push(stem);
                stem_owner.push(participants.len());
            }
            participants.push(Pattern {
                re: Regex::new(&re).expect("name pattern"),
                base: words[0].to_string(),
                needs_title: family == Family::Surname && stop.is_match(&name),
                family,
                pseudonym,
            });
        }
        let prefilter = AhoCorasick::new(&stems).expect("name stems");
        let mut firsts: Vec<&str> = FIRST_NAMES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .chain(register_firsts.iter().map(String::as_str))
            .collect();
        firsts.sort_unstable();
        firsts.dedup();
        let first = firsts
            .iter()
            .map(|n| inflected(n))
            .collect::<Vec<_>>()
            .join("|");
        // A hyphenated first name (Anna-Liisa) is removed whole.
        let names = Worded::new(&format!(
            r"(?:{first})(?:-\p{{Lu}}\p{{Ll}}+)?\s+(\p{{Lu}}\p{{Ll}}{{2,}}(?:-\p{{Lu}}\p{{Ll}}+)?)"
        ))
        .expect("names");
        let first_word =
            Regex::new(&format!(r"^(?:{first})(?:-\p{{Lu}}\p{{Ll}}+)?$")).expect("first names");
        Redactor {
            participants,
            prefilter,
            stem_owner,
            names,
            first_word,
            stop,
        }
    }

    /// Redacts `text`, returning the new text and what was removed (ranges in `text`).
    ///
    /// Redacting the result again changes nothing. One pass does not always get there: a
    /// removal can change what a pattern sees next to it. In "041 /1034 000004567" the
    /// slashed pattern takes the whole run, which has too many digits for a phone number,
    /// and the plain pattern then takes "000004567"; with that gone, "041 /1034" is a phone
    /// number of its own. So passes are repeated on their own output until one removes
    /// nothing (a text without personal data takes one pass).
    pub fn redact(&self, text: &str, lang: Lang) -> (String, Vec<Removal>) {
        let (mut out, first) = self.redact_once(text, lang);
        // Each pass's removals, with ranges in the text that pass read.
        let mut passes = vec![first];
        // Each pass that removes something leaves less personal data; the bound only
        // guards against a placeholder that some pattern would take again.
        while passes.last().is_some_and(|p| !p.is_empty()) && passes.len() < 8 {
            let (again, more) = self.redact_once(&out, lang);
            if !more.is_empty() {
                out = again;
            }
            passes.push(more);
        }
        let mut removals = Vec::new();
        for (n, pass) in passes.iter().enumerate() {
            removals.extend(pass.iter().map(|r| {
                // Back through the passes before this one, to ranges in `text`.
                let range = passes[..n]
                    .iter()
                    .rev()
                    .fold(r.range.clone(), |range, earlier| {
                        before(earlier, range.start, false)..before(earlier, range.end, true)
                    });
                Removal { range, ..r.clone() }
            }));
        }
        (out, removals)
    }

    /// One pass of [`Redactor::redact`].
    fn redact_once(&self, text: &str, lang: Lang) -> (String, Vec<Removal>) {
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
        // How many of `found` are masked (found only grows).
        let mut done = 0;
        let mut mask = |masked: &mut String, found: &[(std::ops::Range<usize>, Kind, String)]| {
            if done == found.len() {
                return;
            }
            let mut bytes = std::mem::take(masked).into_bytes();
            for (r, _, _) in &found[done..] {
                bytes[r.clone()].fill(b'#');
            }
            done = found.len();
            // Ranges lie on character boundaries, so the result is still UTF-8.
            *masked = String::from_utf8(bytes).expect("masking keeps UTF-8");
        };
        // Identity codes and phone numbers need digits: most texts have too few to search.
        let digits = text.bytes().filter(u8::is_ascii_digit).count();
        let name = Kind::Name.placeholder(lang);
        // Every address holds `@`, or `(at)`, `[at]` and the like.
        let emails = if text.contains(['@', '(', '[']) {
            Some(EMAIL.find_iter(&masked))
        } else {
            None
        };
        for m in emails.into_iter().flatten() {
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
        for c in Scan::HETU.captures_iter(&hetu::HETU, &masked, digits) {
            if let (Some(kind), Some(m)) = (hetu::classify(&c), c.get(0)) {
                taken(&mut found, m.range(), kind, kind.placeholder(lang).into());
            }
        }
        mask(&mut masked, &found);
        let phone = Kind::Phone.placeholder(lang);
        for c in Scan::PHONE_DOTTED.captures_iter(&PHONE_DOTTED, &masked, digits) {
            let Some(m) = c.get(0) else { continue };
            if is_phone(m.as_str()) && !continues(&masked, m.end()) {
                taken(&mut found, m.range(), Kind::Phone, phone.into());
            }
        }
        for c in Scan::PHONE_SLASHED.captures_iter(&PHONE_SLASHED, &masked, digits) {
            let (Some(m), Some(after)) = (c.get(0), c.get(1)) else {
                continue;
            };
            // A month or a case number and a year (05/2019, 012/2019) are no phone number.
            let year = after.as_str().len() == 4
                && (after.as_str().starts_with("19") || after.as_str().starts_with("20"));
            let ends_with_year = m.end() == after.end();
            let head = m.as_str().split('/').next().unwrap_or("").trim();
            if is_phone(m.as_str())
                && !continues(&masked, m.end())
                && !(year && (ends_with_year || head.trim_matches(['(', ')']).len() <= 2))
            {
                taken(&mut found, m.range(), Kind::Phone, phone.into());
            }
        }
        mask(&mut masked, &found);
        for c in Scan::PHONE.captures_iter(&PHONE, &masked, digits) {
            let Some(m) = c.get(0) else { continue };
            if is_phone(m.as_str()) {
                taken(&mut found, m.range(), Kind::Phone, phone.into());
            }
        }
        mask(&mut masked, &found);
        let mut present = vec![false; self.participants.len()];
        for m in self.prefilter.find_overlapping_iter(&masked) {
            present[self.stem_owner[m.pattern().as_usize()]] = true;
        }
        let run = |family: Family,
                   found: &mut Vec<(std::ops::Range<usize>, Kind, String)>,
                   masked: &str| {
            for (p, _) in self
                .participants
                .iter()
                .zip(&present)
                .filter(|(p, on)| **on && p.family == family)
            {
                for c in p.re.captures_iter(masked) {
                    let Some(whole) = c.get(0) else { continue };
                    match (p.family, &p.pseudonym) {
                        (Family::OtherFirst, _) => {
                            let (Some(given), Some(surname)) = (c.get(1), c.get(2)) else {
                                continue;
                            };
                            let plain = is_plain_form(&p.base, surname.as_str());
                            let range = if self.is_first_name(masked, given.range(), plain) {
                                whole.range()
                            } else if self.stop.is_match(surname.as_str()) {
                                continue;
                            } else {
                                surname.range()
                            };
                            taken(found, range, Kind::Name, name.into());
                        }
                        (Family::Surname, _) => {
                            if p.needs_title && !after_title(masked, whole.start()) {
                                continue;
                            }
                            taken(found, whole.range(), Kind::Name, name.into());
                        }
                        (_, Some(pseudonym)) => {
                            taken(found, whole.range(), Kind::Participant, pseudonym.clone());
                        }
                        (_, None) => taken(found, whole.range(), Kind::Name, name.into()),
                    }
                }
            }
        };
        run(Family::Whole, &mut found, &masked);
        mask(&mut masked, &found);
        run(Family::OtherFirst, &mut found, &masked);
        mask(&mut masked, &found);
        // A first name (of the list or the register) and a surname that is not in the
        // register: someone else, removed whole.
        for c in self.names.captures_iter(&masked) {
            let (Some(whole), Some(surname)) = (c.get(1), c.get(2)) else {
                continue;
            };
            if self.stop.is_match(surname.as_str()) || is_placeholder_word(surname.as_str()) {
                continue;
            }
            taken(&mut found, whole.range(), Kind::Name, name.into());
        }
        mask(&mut masked, &found);
        run(Family::First, &mut found, &masked);
        mask(&mut masked, &found);
        run(Family::Surname, &mut found, &masked);
        found.sort_by_key(|(r, _, _)| r.start);
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        let mut removals = Vec::new();
        for (r, kind, with) in found {
            out.push_str(&text[last..r.start]);
            out.push_str(&with);
            last = r.end;
            removals.push(Removal {
                range: r,
                kind,
                replacement: with,
            });
        }
        out.push_str(&text[last..]);
        (out, removals)
    }

    /// Whether the capitalised word at `range` of `text`, just before a register surname,
    /// is a first name: one of the list or the register in any form, or any capitalised word
    /// that is no place, organisation, domain word or common sentence opener, and either
    /// does not open a sentence or stands before the surname in the form a full name takes
    /// (`plain`: nominative or genitive; "Reino Laaksonen soitti", but "Soitin
    /// Laaksoselle").
    fn is_first_name(&self, text: &str, range: std::ops::Range<usize>, plain: bool) -> bool {
        let word = &text[range.clone()];
        if self.first_word.is_match(word) {
            return true;
        }
        if self.stop.is_match(word)
            || is_placeholder_word(word)
            || OPENERS.contains(&word.to_lowercase().as_str())
        {
            return false;
        }
        if plain {
            return true;
        }
        let before = text[..range.start].trim_end_matches([' ', '\t', '\u{a0}']);
        !(before.is_empty()
            || before.ends_with([
                '.', '!', '?', ':', ';', '\n', '"', '\'', '”', '»', '(', '*', '-', '–', '—', '>',
                '|',
            ]))
    }
}

/// Capitalised words that open a sentence before a surname without being a first name.
const OPENERS: &[&str] = &[
    "eilen",
    "tänään",
    "huomenna",
    "myös",
    "sitten",
    "nyt",
    "kun",
    "jos",
    "että",
    "mutta",
    "ja",
    "tai",
    "hän",
    "he",
    "se",
    "me",
    "minä",
    "sinä",
    "te",
    "sekä",
    "vaikka",
    "koska",
    "kuitenkin",
    "lisäksi",
    "siksi",
    "silloin",
    "jälkeen",
    "ennen",
    "tapasin",
    "soitin",
    "kysyin",
    "puhuin",
    "kerroin",
    "sanoin",
    "näin",
    "autoin",
    "ohjasin",
    "kävin",
    "tapasimme",
    "soitimme",
    "rouva",
    "herra",
    "neiti",
    "asiakas",
    "työntekijä",
    "jag",
    "vi",
    "han",
    "hon",
    "de",
    "igår",
    "idag",
    "i",
    "sedan",
    "när",
    "om",
    "också",
    "men",
    "och",
    "eller",
    "fru",
    "herr",
    "klient",
    "klienten",
    "ringde",
    "träffade",
    "frågade",
];

/// Whether `form` is `base` itself or its genitive (Laaksonen, Laaksosen, Nyströms): the
/// forms a surname takes after a first name in a full name at the start of a sentence.
fn is_plain_form(base: &str, form: &str) -> bool {
    form == base
        || form == format!("{base}n")
        || form == format!("{base}s")
        || form == format!("{base}:n")
        || base
            .strip_suffix("nen")
            .is_some_and(|stem| form == format!("{stem}sen"))
}

/// Where `at`, a byte offset in the text a pass of redaction made, lay in the text it read;
/// `removals` are the pass's own, in order. An offset inside a placeholder is its start
/// (or, as a range's `end`, its end) in what it replaced.
fn before(removals: &[Removal], at: usize, end: bool) -> usize {
    // How much longer the read text is than the made one, up to the next removal.
    let mut longer = 0isize;
    for r in removals {
        let start = r.range.start.checked_add_signed(-longer).unwrap_or(0);
        if at <= start {
            break;
        }
        if at < start + r.replacement.len() {
            return if end { r.range.end } else { r.range.start };
        }
        longer += r.range.len() as isize - r.replacement.len() as isize;
    }
    at.checked_add_signed(longer).unwrap_or(at)
}

/// Whether a title (rouva, herr) stands just before `at`.
fn after_title(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end();
    let word = before
        .rsplit(|c: char| !c.is_alphabetic() && c != '.')
        .next()
        .unwrap_or("")
        .trim_end_matches('.')
        .to_lowercase();
    TITLES.contains(&word.as_str())
}

/// Whether the number ending at `end` goes on with a dot or slash and a digit (a date, a
/// range of dates, a version): then what matched was only part of it.
fn continues(text: &str, end: usize) -> bool {
    let mut rest = text[end..].chars();
    matches!(rest.next(), Some('.' | '/' | '-')) && rest.next().is_some_and(|c| c.is_ascii_digit())
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

/// Where a pattern of digits (an identity code, a phone number) can match, so that it runs
/// only there instead of over the whole text. These patterns use Unicode `\b`, with which
/// the regex crate falls back to its slowest engines on any text that is not pure ASCII
/// (every Finnish text with ä or ö); on the short runs of characters they are made of, even
/// those engines are quick, and most texts have no run worth searching at all.
///
/// The matches are exactly those of the pattern over the whole text that can count: a match
/// holds only characters of the alphabet (the ASCII characters the pattern can match, and
/// every non-ASCII character), so each lies within one maximal run of them; a run is
/// searched with `captures_at` from its start, which sees the character before it for
/// `\b`, in the text cut one character after the run (an ASCII character outside the
/// alphabet, which no match can take), so that `\b` sees the character after it too.
/// Matches are found one after another in each run, as `captures_iter` finds them (none
/// of these patterns matches the empty string). A run that is not `worth` searching (too
/// few ASCII digits for any match in it to be taken) is skipped: whatever the pattern
/// matched there would be thrown away, and its matches end within it.
#[derive(Clone, Copy)]
struct Scan {
    /// The ASCII characters of the alphabet.
    ascii: [bool; 128],
    /// A character a match that counts must hold (`.`, `/`), if any.
    needs: Option<u8>,
    /// The fewest ASCII digits a match that counts holds, and whether as many in a row.
    digits: usize,
    in_a_row: bool,
}

/// The ASCII characters `chars`, ASCII digits and (with `space`) ASCII white space, as a
/// table.
const fn ascii_set(chars: &[u8], space: bool) -> [bool; 128] {
    let mut set = [false; 128];
    let mut c = b'0';
    while c <= b'9' {
        set[c as usize] = true;
        c += 1;
    }
    let mut i = 0;
    while i < chars.len() {
        set[chars[i] as usize] = true;
        i += 1;
    }
    if space {
        // `\s` in ASCII (and U+001C..U+001F, which is harmless).
        let mut c = 0x09;
        while c <= 0x0d {
            set[c] = true;
            c += 1;
        }
        let mut c = 0x1c;
        while c <= 0x20 {
            set[c] = true;
            c += 1;
        }
    }
    set
}

const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl Scan {
    /// [`hetu::HETU`]: digits, the separators' spaces, `+`, `-` and the century and check
    /// letters (the other dashes, the minus sign and U+00A0 are not ASCII). A code counts
    /// only with ASCII digits ([`hetu::classify`] parses them): six in a row.
    const HETU: Scan = Scan {
        ascii: {
            let mut set = ascii_set(b" \t+-", false);
            let mut i = 0;
            while i < LETTERS.len() {
                set[LETTERS[i] as usize] = true;
                i += 1;
            }
            set
        },
        needs: None,
        digits: 6,
        in_a_row: true,
    };
    /// [`PHONE`]: digits, white space, `+`, `-` and the brackets of `(0)`; seven ASCII
    /// digits, the fewest [`is_phone`] takes.
    const PHONE: Scan = Scan {
        ascii: ascii_set(b"+-()", true),
        needs: None,
        digits: 7,
        in_a_row: false,
    };
    /// [`PHONE_DOTTED`]: digits, `+`, spaces and dots.
    const PHONE_DOTTED: Scan = Scan {
        ascii: ascii_set(b"+ .", false),
        needs: Some(b'.'),
        digits: 7,
        in_a_row: false,
    };
    /// [`PHONE_SLASHED`]: digits, brackets, spaces, tabs, `-` and the slash.
    const PHONE_SLASHED: Scan = Scan {
        ascii: ascii_set(b"() \t-/", false),
        needs: Some(b'/'),
        digits: 7,
        in_a_row: false,
    };

    /// Whether a match that counts could lie in `run`.
    fn worth(&self, run: &[u8]) -> bool {
        if self.needs.is_some_and(|c| !run.contains(&c)) {
            return false;
        }
        let (mut all, mut row, mut best) = (0, 0, 0);
        for b in run {
            if b.is_ascii_digit() {
                all += 1;
                row += 1;
                best = best.max(row);
            } else {
                row = 0;
            }
        }
        (if self.in_a_row { best } else { all }) >= self.digits
    }

    /// The matches of `re` in `text`, as `re.captures_iter(text)` gives those that lie in a
    /// run worth searching. `digits`: at least the number of ASCII digits in `text` (with
    /// fewer than a match needs, the text is not even looked at).
    fn captures_iter<'t>(
        self,
        re: &'t Regex,
        text: &'t str,
        digits: usize,
    ) -> impl Iterator<Item = regex::Captures<'t>> + 't {
        let bytes = text.as_bytes();
        let in_alphabet = move |b: u8| b >= 0x80 || self.ascii[b as usize];
        let mut at_byte = if digits < self.digits { bytes.len() } else { 0 };
        // The run being searched: the text cut after it, and where to search on.
        let mut run: Option<(&'t str, usize)> = None;
        std::iter::from_fn(move || {
            loop {
                if let Some((hay, at)) = &mut run {
                    if let Some(c) = re.captures_at(hay, *at) {
                        let end = c.get(0).map_or(hay.len(), |m| m.end());
                        // Never search the same place twice (no pattern here matches
                        // the empty string, but a loop must not hang if one did).
                        *at = if end > *at { end } else { *at + 1 };
                        if *at > hay.len() || !hay.is_char_boundary(*at) {
                            run = None;
                        }
                        return Some(c);
                    }
                    run = None;
                }
                // The maximal run of the alphabet around the next digit (a run without
                // one is not worth searching). Its ends are ASCII characters outside it,
                // or the text's ends: always character boundaries. Everything before
                // `at_byte` is searched or passed over already, and the byte before it
                // (if any) is outside the alphabet.
                let digit = at_byte + bytes[at_byte..].iter().position(u8::is_ascii_digit)?;
                let start = bytes[at_byte..digit]
                    .iter()
                    .rposition(|b| !in_alphabet(*b))
                    .map_or(at_byte, |n| at_byte + n + 1);
                let end = bytes[digit..]
                    .iter()
                    .position(|b| !in_alphabet(*b))
                    .map_or(bytes.len(), |n| digit + n);
                at_byte = end;
                if !self.worth(&bytes[start..end]) {
                    continue;
                }
                // With the character after the run (one ASCII byte), for `\b`.
                run = Some((&text[..(end + 1).min(text.len())], start));
            }
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

/// A redactor whose register holds one client, Maija Virtanen (Asiakas A), for tests.
#[cfg(test)]
pub(crate) fn maija() -> Redactor {
    Redactor::new(&[kooste_core::project::Participant {
        name: "Maija Virtanen".into(),
        pseudonym: "Asiakas A".into(),
        role: kooste_core::model::Voice::Client,
        aliases: vec![],
    }])
}
