//! The tantivy side of the analysis chain: the terms of every field of the index for one
//! text, built from the tantivy-free functions of [`kooste_text::analyze`] (re-exported
//! here). See ARCHITECTURE.md, "Search", for why it is built this way.

pub use kooste_text::analyze::*;

use kooste_core::model::Lang;
use tantivy::tokenizer::Token;

/// The terms of each field for one text.
#[derive(Debug, Default)]
pub struct Analyzed {
    /// `exact` field tokens.
    pub exact: Vec<Token>,
    /// `stem` field tokens.
    pub stem: Vec<Token>,
    /// `rev` field tokens.
    pub rev: Vec<Token>,
    /// `trunc` field tokens.
    pub trunc: Vec<Token>,
}

fn token(w: &Word, text: String) -> Token {
    Token {
        offset_from: w.span.start,
        offset_to: w.span.end,
        position: w.position,
        text,
        position_length: 1,
    }
}

/// Analyzes a text written in `lang` into the terms of every field.
pub fn analyze(text: &str, lang: Lang) -> Analyzed {
    let mut a = Analyzed::default();
    for w in words(text) {
        a.exact.push(token(&w, w.lower.clone()));
        let s = stem(&w.folded, lang);
        if s.chars().count() >= MIN_COMPOUND_STEM + 2 {
            a.rev.push(token(&w, reversed(&s)));
        }
        a.stem.push(token(&w, s));
        if is_stop(&w.lower) {
            continue;
        }
        if let Some(t) = trunc(&w.folded) {
            a.trunc.push(token(&w, t));
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analysis_keeps_offsets_for_highlighting() {
        let text = "Kävimme kotikäynnillä.";
        let a = analyze(text, Lang::Fi);
        let t = &a.exact[1];
        assert_eq!(&text[t.offset_from..t.offset_to], "kotikäynnillä");
        assert_eq!(a.stem[1].text, "kotikayn");
        assert_eq!(a.trunc[1].text, "kotik");
    }
}
