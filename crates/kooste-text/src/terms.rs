//! Curated term lists matched against analysed words: the term syntax that kooste's lexicons
//! share (the CAIMeR cues of `kooste-caimer`, the matter thesaurus of `kooste-digest`).
//!
//! A term is one or more space-separated patterns, each matched against one word:
//! `velka*` (begins with), `*velka*` (contains, for compound parts), `*laki` (ends with),
//! `kela` (exactly), `sama työntek*` (consecutive words). Hyphens and punctuation are not
//! part of words (see [`crate::analyze::words`]): a hyphenated word is matched joined.

use crate::analyze::{Word, fold};
use kooste_core::model::Lang;
use std::collections::HashMap;
use std::ops::Range;

/// How a pattern matches a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `kela`: the word exactly.
    Exact,
    /// `velka*`: the word begins with it.
    Prefix,
    /// `*laki`: the word ends with it (and is longer).
    Suffix,
    /// `*velka*`: the word holds it (and is longer).
    Contains,
}

/// One piece of a term, matched against one word. A word written with diacritics is matched
/// as written (lowercased), because folding merges Swedish words such as `förstå` and
/// `första`, or `får` and `far`; a word without any is matched folded, so that text typed
/// without diacritics still matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// How it matches.
    pub kind: Kind,
    /// The pattern lowercased, letters and digits only.
    pub lower: String,
    /// The same, folded.
    pub folded: String,
}

impl Pattern {
    /// Parses one space-free piece of a term; `None` when it holds no letter or digit.
    pub fn parse(raw: &str) -> Option<Pattern> {
        let star_start = raw.starts_with('*');
        let star_end = raw.len() > 1 && raw.ends_with('*');
        // Hyphens and punctuation are not part of words (see `analyze::words`): a
        // hyphenated word is matched in its joined form.
        let lower: String = raw
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        if lower.is_empty() {
            return None;
        }
        let kind = match (star_start, star_end) {
            (false, false) => Kind::Exact,
            (false, true) => Kind::Prefix,
            (true, false) => Kind::Suffix,
            (true, true) => Kind::Contains,
        };
        Some(Pattern {
            kind,
            folded: fold(&lower),
            lower,
        })
    }

    /// Whether the pattern matches the word.
    pub fn matches(&self, w: &Word) -> bool {
        let (p, w) = if w.lower.is_ascii() {
            (self.folded.as_str(), w.folded.as_str())
        } else {
            (self.lower.as_str(), w.lower.as_str())
        };
        match self.kind {
            Kind::Exact => w == p,
            Kind::Prefix => w.starts_with(p),
            Kind::Suffix => w.ends_with(p) && w != p,
            Kind::Contains => w.contains(p) && w != p,
        }
    }

    /// The order class of a term starting with this pattern: an exact word is tried first,
    /// one filed by a prefix of at least [`PREFIX_KEY`] letters next, the rest last (the
    /// order decides which term of a concept gives its span).
    pub fn class(&self) -> u8 {
        match self.kind {
            Kind::Exact => 0,
            Kind::Prefix if self.lower.chars().count() >= PREFIX_KEY => 1,
            _ => 2,
        }
    }

    /// The keys under which a term starting with this pattern is filed, for fast lookup:
    /// one for its written form and one for its folded form.
    fn keys(&self) -> Vec<Key> {
        let key = |s: &str| match self.kind {
            Kind::Exact => Key::Word(s.to_string()),
            Kind::Prefix if s.chars().count() >= PREFIX_KEY => {
                Key::Start(s.chars().take(PREFIX_KEY).collect())
            }
            _ => Key::Scan,
        };
        let mut keys = vec![key(&self.lower)];
        let folded = key(&self.folded);
        if folded != keys[0] {
            keys.push(folded);
        }
        keys
    }
}

/// How many leading letters file a prefix pattern; shorter prefixes are scanned.
pub const PREFIX_KEY: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Word(String),
    Start(String),
    Scan,
}

/// A term: one pattern per consecutive word.
#[derive(Debug, Clone)]
struct Term {
    concept: usize,
    patterns: Vec<Pattern>,
}

/// Where a concept occurred in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermHit {
    /// The concept's number, as given to [`TermSet::add`].
    pub concept: usize,
    /// The byte range of the matched words in the text.
    pub span: Range<usize>,
}

/// Terms of numbered concepts in Finnish and Swedish, filed for fast lookup.
#[derive(Debug, Clone, Default)]
pub struct TermSet {
    /// Per language: terms filed by the key of their first pattern.
    index: [HashMap<Key, Vec<Term>>; 2],
}

fn slot(lang: Lang) -> usize {
    match lang {
        Lang::Fi => 0,
        Lang::Sv => 1,
    }
}

impl TermSet {
    /// An empty set.
    pub fn new() -> TermSet {
        TermSet::default()
    }

    /// Adds the term `raw` of `concept` in `lang`. Fails with a message when one of its
    /// words is empty.
    pub fn add(&mut self, lang: Lang, concept: usize, raw: &str) -> Result<(), String> {
        let patterns: Option<Vec<Pattern>> = raw.split_whitespace().map(Pattern::parse).collect();
        let patterns = match patterns {
            Some(p) if !p.is_empty() => p,
            _ => return Err(format!("the term '{raw}' has an empty word")),
        };
        for key in patterns[0].keys() {
            self.index[slot(lang)].entry(key).or_default().push(Term {
                concept,
                patterns: patterns.clone(),
            });
        }
        Ok(())
    }

    /// The concepts of `lang` that occur in a text split into `words` (see
    /// [`crate::analyze::words`]), each once, at its first occurrence.
    pub fn matches(&self, words: &[Word], lang: Lang) -> Vec<TermHit> {
        let index = &self.index[slot(lang)];
        // Multi-word terms run over the plain words; the joined forms of hyphenations
        // and OCR splits stand in for single words only.
        let plain: Vec<&Word> = words.iter().filter(|w| !w.joined).collect();
        let mut hits: Vec<TermHit> = Vec::new();
        let mut check = |term: &Term, at: usize, first: &Word| {
            if hits.iter().any(|h| h.concept == term.concept) {
                return;
            }
            let span = if term.patterns.len() == 1 {
                first.span.clone()
            } else {
                // A joined word never starts a phrase.
                if first.joined {
                    return;
                }
                let Some(run) = plain.get(at..at + term.patterns.len()) else {
                    return;
                };
                if !term.patterns.iter().zip(run).all(|(p, w)| p.matches(w)) {
                    return;
                }
                run[0].span.start..run[run.len() - 1].span.end
            };
            if term.patterns[0].matches(first) {
                hits.push(TermHit {
                    concept: term.concept,
                    span,
                });
            }
        };
        let scan = index.get(&Key::Scan);
        let mut at = 0;
        for w in words {
            // Terms are filed under their written and their folded keys; a word looks up
            // the form it is matched in.
            let form = if w.lower.is_ascii() {
                &w.folded
            } else {
                &w.lower
            };
            let keys = [
                Some(Key::Word(form.clone())),
                (form.chars().count() >= PREFIX_KEY)
                    .then(|| Key::Start(form.chars().take(PREFIX_KEY).collect())),
            ];
            for terms in keys
                .into_iter()
                .flatten()
                .filter_map(|k| index.get(&k))
                .chain(scan)
            {
                for t in terms {
                    check(t, at, w);
                }
            }
            if !w.joined {
                at += 1;
            }
        }
        hits.sort_by_key(|h| (h.span.start, h.concept));
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::words;

    #[test]
    fn prefixes_compounds_endings_exact_words_and_phrases() {
        let mut t = TermSet::new();
        t.add(Lang::Fi, 0, "velka*").unwrap();
        t.add(Lang::Fi, 1, "*asunto*").unwrap();
        t.add(Lang::Fi, 2, "*laki").unwrap();
        t.add(Lang::Fi, 3, "kela").unwrap();
        t.add(Lang::Fi, 4, "sama työntek*").unwrap();
        t.add(Lang::Sv, 5, "skuld*").unwrap();
        assert!(t.add(Lang::Fi, 6, "*").is_err());
        let found = |text: &str, lang| -> Vec<usize> {
            t.matches(&words(text), lang)
                .into_iter()
                .map(|h| h.concept)
                .collect()
        };
        assert_eq!(found("Velkani kasvoivat.", Lang::Fi), [0]);
        assert_eq!(
            found("Tukiasuntoon pääsin, sosiaalihuoltolaki ja Kela.", Lang::Fi),
            [1, 2, 3]
        );
        assert_eq!(found("Sama työntekijä jatkoi.", Lang::Fi), [4]);
        assert_eq!(found("Velka", Lang::Sv), Vec::<usize>::new());
        assert_eq!(found("Skulderna växte.", Lang::Sv), [5]);
        // Typed without diacritics, found all the same.
        assert_eq!(found("sama tyontekija", Lang::Fi), [4]);
    }
}
