//! Snippets: the part of a passage worth showing, with the words that matched marked.

use crate::analyze::{stem, words};
use crate::query::{QueryWord, matches};
use kooste_core::model::Lang;
use serde::Serialize;
use std::ops::Range;

/// Passages up to this many characters are shown whole.
const WHOLE: usize = 300;
/// Words around the best part of a longer passage.
const WINDOW: usize = 40;

/// A piece of a passage with the matching words marked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// The text shown; "…" marks where it was cut.
    pub text: String,
    /// Byte ranges of `text` that matched, in order, not overlapping.
    #[serde(skip)]
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// The text with each match wrapped in `open` and `close`.
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 8 * self.highlights.len());
        let mut at = 0;
        for h in &self.highlights {
            out.push_str(&self.text[at..h.start]);
            out.push_str(open);
            out.push_str(&self.text[h.clone()]);
            out.push_str(close);
            at = h.end;
        }
        out.push_str(&self.text[at..]);
        out
    }

    /// The matches as character (Unicode scalar) offsets, for JSON consumers.
    pub fn char_ranges(&self) -> Vec<[usize; 2]> {
        let char_at = |byte: usize| self.text[..byte].chars().count();
        self.highlights
            .iter()
            .map(|h| [char_at(h.start), char_at(h.end)])
            .collect()
    }

    /// HTML: the text escaped, matches in `<mark>`.
    pub fn html(&self) -> String {
        let mut out = String::new();
        let mut at = 0;
        for h in &self.highlights {
            escape_into(&mut out, &self.text[at..h.start]);
            out.push_str("<mark>");
            escape_into(&mut out, &self.text[h.clone()]);
            out.push_str("</mark>");
            at = h.end;
        }
        escape_into(&mut out, &self.text[at..]);
        out
    }
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Marks the words of `text` (written in `lang`) that match any of `query`, and cuts a
/// long text down to the part with the most matches.
pub fn snippet(text: &str, lang: Lang, query: &[&QueryWord]) -> Snippet {
    let ws = words(text);
    let mut marks: Vec<Range<usize>> = Vec::new();
    let mut hit_positions = Vec::new();
    for w in &ws {
        let s = stem(&w.folded, lang);
        if query.iter().any(|q| matches(q, &w.lower, &w.folded, &s)) {
            marks.push(w.span.clone());
            hit_positions.push(w.position);
        }
    }
    marks.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for m in marks {
        match merged.last_mut() {
            Some(last) if m.start <= last.end => last.end = last.end.max(m.end),
            _ => merged.push(m),
        }
    }
    let plain: Vec<&crate::analyze::Word> = ws.iter().filter(|w| !w.joined).collect();
    if text.chars().count() <= WHOLE || plain.len() <= WINDOW {
        return Snippet {
            text: text.to_string(),
            highlights: merged,
        };
    }
    // The window of WINDOW words with the most matches, starting a few words before its
    // first match.
    let mut best = (0, 0usize);
    for start in hit_positions.iter().map(|p| p.saturating_sub(5)) {
        let n = hit_positions
            .iter()
            .filter(|p| (start..start + WINDOW).contains(p))
            .count();
        if n > best.1 {
            best = (start, n);
        }
    }
    let first = best.0.min(plain.len().saturating_sub(WINDOW));
    let last = (first + WINDOW).min(plain.len()) - 1;
    let from = if first == 0 {
        0
    } else {
        plain[first].span.start
    };
    let to = if last + 1 == plain.len() {
        text.len()
    } else {
        plain[last].span.end
    };
    let prefix = if from > 0 { "…" } else { "" };
    let suffix = if to < text.len() { "…" } else { "" };
    let shift = prefix.len();
    Snippet {
        text: format!("{prefix}{}{suffix}", &text[from..to]),
        highlights: merged
            .into_iter()
            .filter(|m| m.start >= from && m.end <= to)
            .map(|m| m.start - from + shift..m.end - from + shift)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::ParsedQuery;

    fn mark(text: &str, query: &str) -> String {
        let q = ParsedQuery::parse(query);
        snippet(text, Lang::Fi, &q.highlight_words()).marked("[", "]")
    }

    #[test]
    fn inflected_compound_and_damaged_forms_are_marked() {
        assert_eq!(
            mark("Kävimme kotikäynnillä kahdesti.", "kotikäynti"),
            "Kävimme [kotikäynnillä] kahdesti."
        );
        assert_eq!(
            mark("Aikuissosiaalityössä kuunnellaan.", "sosiaalityö"),
            "[Aikuissosiaalityössä] kuunnellaan."
        );
        assert_eq!(
            mark("Tama on sosiaalitydn arkea.", "sosiaalityön"),
            "Tama on [sosiaalitydn] arkea."
        );
        assert_eq!(
            mark("Y hteiskehittäminen alkoi.", "yhteiskehittäminen"),
            "[Y hteiskehittäminen] alkoi."
        );
        assert_eq!(
            mark("Ei mitään yhteistä.", "kotikäynti"),
            "Ei mitään yhteistä."
        );
    }

    #[test]
    fn long_texts_are_cut_around_the_matches() {
        let filler = "sana ".repeat(100);
        let text = format!("{filler}tärkeä kotikäynti tässä {filler}");
        let s = snippet(
            &text,
            Lang::Fi,
            &ParsedQuery::parse("kotikäynti").highlight_words(),
        );
        assert!(
            s.text.starts_with('…') && s.text.ends_with('…'),
            "{}",
            s.text
        );
        assert_eq!(s.highlights.len(), 1);
        assert_eq!(&s.text[s.highlights[0].clone()], "kotikäynti");
        assert!(s.text.chars().count() < 400);
    }

    #[test]
    fn long_texts_with_few_words_are_shown_whole() {
        let q = ParsedQuery::parse("kotikäynti");
        for text in [
            "-".repeat(400),
            format!("{} kotikäynti", "=".repeat(400)),
            String::new(),
        ] {
            let s = snippet(&text, Lang::Fi, &q.highlight_words());
            assert_eq!(s.text, text);
        }
    }

    #[test]
    fn html_escapes_and_char_ranges_count_characters() {
        let s = Snippet {
            text: "ä <b> työ".into(),
            highlights: std::iter::once(7..11).collect(),
        };
        assert_eq!(s.html(), "ä &lt;b&gt; <mark>työ</mark>");
        assert_eq!(s.char_ranges(), [[6, 9]]);
    }
}
