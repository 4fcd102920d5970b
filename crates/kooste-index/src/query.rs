//! What a user types, understood: words, "quoted phrases" and -excluded words. Parsing
//! never fails; an unclosed quote runs to the end.

use crate::analyze::{Word, grams, is_stop, stem, trunc, words};
use kooste_core::model::Lang;

/// A query word with the forms it is looked up by.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryWord {
    /// Lowercased, diacritics kept.
    pub lower: String,
    /// Folded.
    pub folded: String,
    /// Its stems in Finnish and in Swedish (one when they agree).
    pub stems: Vec<String>,
    /// The truncated form, for words long enough.
    pub trunc: Option<String>,
    /// Character trigrams.
    pub grams: Vec<String>,
    /// Whether it is a function word.
    pub stop: bool,
}

impl QueryWord {
    fn new(w: &Word) -> QueryWord {
        let mut stems = vec![stem(&w.folded, Lang::Fi)];
        let sv = stem(&w.folded, Lang::Sv);
        if !stems.contains(&sv) {
            stems.push(sv);
        }
        QueryWord {
            lower: w.lower.clone(),
            folded: w.folded.clone(),
            stems,
            trunc: trunc(&w.folded),
            grams: grams(&w.folded),
            stop: is_stop(&w.lower),
        }
    }

    /// Builds the word from a lowercase string.
    pub fn from_text(text: &str) -> Option<QueryWord> {
        words(text).first().map(QueryWord::new)
    }
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedQuery {
    /// Free words, in order (function words kept; see [`ParsedQuery::content_words`]).
    pub words: Vec<QueryWord>,
    /// Phrases that must appear, each as its words in order.
    pub phrases: Vec<Vec<QueryWord>>,
    /// Words that must not appear.
    pub excluded: Vec<QueryWord>,
}

impl ParsedQuery {
    /// Parses a query string.
    pub fn parse(q: &str) -> ParsedQuery {
        let mut out = ParsedQuery::default();
        let mut rest = q;
        loop {
            let Some(open) = rest.find(['"', '“', '”', '„']) else {
                out.add_free(rest);
                break;
            };
            out.add_free(&rest[..open]);
            let quote_len = rest[open..].chars().next().map_or(1, char::len_utf8);
            let after = &rest[open + quote_len..];
            let close = after.find(['"', '“', '”', '„']).unwrap_or(after.len());
            let phrase: Vec<QueryWord> = split(&after[..close]);
            match phrase.len() {
                0 => {}
                1 => out.words.extend(phrase),
                _ => out.phrases.push(phrase),
            }
            if close >= after.len() {
                break;
            }
            let close_len = after[close..].chars().next().map_or(1, char::len_utf8);
            rest = &after[close + close_len..];
        }
        out
    }

    fn add_free(&mut self, text: &str) {
        for part in text.split_whitespace() {
            if let Some(neg) = part.strip_prefix('-').filter(|p| !p.is_empty()) {
                self.excluded.extend(split(neg));
            } else {
                self.words.extend(split(part));
            }
        }
    }

    /// Whether nothing searchable was given.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty()
    }

    /// The words that carry meaning: free words without function words, unless the query
    /// is nothing but function words.
    pub fn content_words(&self) -> Vec<&QueryWord> {
        let content: Vec<&QueryWord> = self.words.iter().filter(|w| !w.stop).collect();
        if content.is_empty() {
            self.words.iter().collect()
        } else {
            content
        }
    }

    /// Every word that should be highlighted: free words and phrase words.
    pub fn highlight_words(&self) -> Vec<&QueryWord> {
        let mut all = self.content_words();
        all.extend(self.phrases.iter().flatten());
        all
    }
}

/// The words of a query fragment. A hyphenated word yields its parts and the joined form.
fn split(text: &str) -> Vec<QueryWord> {
    words(text).iter().map(QueryWord::new).collect()
}

/// Levenshtein distance between two short strings, by characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Whether a folded text word matches a query word by any of the lookups search uses:
/// the same form or stem, the same truncated form, a compound containing the stem, or
/// (for longer words) enough shared trigrams to be an OCR-damaged form.
pub(crate) fn matches(q: &QueryWord, lower: &str, folded: &str, text_stem: &str) -> bool {
    if lower == q.lower || q.stems.iter().any(|s| s == text_stem) {
        return true;
    }
    if q.trunc.is_some() && q.trunc == trunc(folded) {
        return true;
    }
    let long = |s: &str| s.chars().count() >= crate::analyze::MIN_COMPOUND_STEM;
    if q.stems.iter().any(|s| {
        long(s)
            && text_stem.len() >= s.len() + 3
            && (text_stem.starts_with(s.as_str()) || text_stem.ends_with(s.as_str()))
    }) {
        return true;
    }
    if q.folded.chars().count() >= 5 && folded.chars().count() >= 4 {
        let g = grams(folded);
        let shared = q.grams.iter().filter(|x| g.contains(x)).count();
        return 2 * shared * 10 >= 6 * (q.grams.len() + g.len());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lowers(ws: &[QueryWord]) -> Vec<&str> {
        ws.iter().map(|w| w.lower.as_str()).collect()
    }

    #[test]
    fn words_phrases_and_exclusions() {
        let q = ParsedQuery::parse(r#"kotikäynti "tulla kuulluksi" -velka"#);
        assert_eq!(lowers(&q.words), ["kotikäynti"]);
        assert_eq!(q.phrases.len(), 1);
        assert_eq!(lowers(&q.phrases[0]), ["tulla", "kuulluksi"]);
        assert_eq!(lowers(&q.excluded), ["velka"]);
    }

    #[test]
    fn typographic_and_unclosed_quotes() {
        let q = ParsedQuery::parse("”tulla kuulluksi” asiakas");
        assert_eq!(q.phrases.len(), 1);
        assert_eq!(lowers(&q.words), ["asiakas"]);
        let q = ParsedQuery::parse("\"tulla kuulluksi");
        assert_eq!(lowers(&q.phrases[0]), ["tulla", "kuulluksi"]);
        let q = ParsedQuery::parse("\"\"");
        assert!(q.is_empty());
    }

    #[test]
    fn nonsense_parses_to_nothing() {
        for q in ["", "   ", "!!! ??", "-", "\"", "- - -", "“”„"] {
            assert!(ParsedQuery::parse(q).is_empty(), "{q:?}");
        }
    }

    #[test]
    fn function_words_are_dropped_unless_alone() {
        let q = ParsedQuery::parse("mitä asiakkaat sanoivat");
        let c: Vec<&str> = q.content_words().iter().map(|w| w.lower.as_str()).collect();
        assert_eq!(c, ["asiakkaat", "sanoivat"]);
        let q = ParsedQuery::parse("och");
        assert_eq!(q.content_words().len(), 1);
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kotikynti", "kotikaynti"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("työ", "tyo"), 1);
    }
}
