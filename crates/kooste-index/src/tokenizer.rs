//! kooste's analysis ([`crate::analyze`]) registered as tantivy tokenizers, one per field,
//! so that tantivy's indexing threads (one per core) analyze the passages instead of the
//! thread that adds them, and a document carries its text once instead of five lists of
//! tokens.
//!
//! The terms of a field depend on the passage's language (Snowball's stemmer), which a
//! tantivy tokenizer is not told: the indexed value is the language's code, a unit
//! separator and the text (`fi\u{1f}Kävimme kotikäynnillä.`, [`value`]). The token offsets
//! are those of the text after the separator, as [`crate::analyze`] gives them.
//!
//! One text is analyzed once for all its fields: tantivy tokenizes a document's fields one
//! after another on one thread, and the first field's tokenizer leaves the other fields'
//! terms in a per-thread slot keyed by the value, where theirs find them.

use crate::analyze::{Analyzed, analyze};
use kooste_core::model::Lang;
use std::cell::RefCell;
use tantivy::Index;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Separates the language's code from the text in an indexed value.
const SEP: char = '\u{1f}';

/// The field whose terms a tokenizer gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Exact,
    Stem,
    Rev,
    Trunc,
    Gram,
    /// The form question and the document's title: stems and truncations.
    Context,
}

impl Part {
    const ALL: [Part; 6] = [
        Part::Exact,
        Part::Stem,
        Part::Rev,
        Part::Trunc,
        Part::Gram,
        Part::Context,
    ];

    /// The tokenizer's registered name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Part::Exact => "kooste_exact",
            Part::Stem => "kooste_stem",
            Part::Rev => "kooste_rev",
            Part::Trunc => "kooste_trunc",
            Part::Gram => "kooste_gram",
            Part::Context => "kooste_context",
        }
    }
}

/// The value indexed for a text written in `lang`.
pub(crate) fn value(text: &str, lang: Lang) -> String {
    let mut v = String::with_capacity(text.len() + 3);
    v.push_str(lang.as_str());
    v.push(SEP);
    v.push_str(text);
    v
}

/// Registers kooste's tokenizers with an index (on creating and on opening it: tantivy
/// keeps only the names in the schema).
pub(crate) fn register(index: &Index) {
    for part in Part::ALL {
        index
            .tokenizers()
            .register(part.name(), KoosteTokenizer { part });
    }
}

/// One field's terms of a value: `(language, text)` analyzed.
fn split(value: &str) -> (Lang, &str) {
    match value.split_once(SEP) {
        Some((code, text)) => (
            if code == Lang::Sv.as_str() {
                Lang::Sv
            } else {
                Lang::Fi
            },
            text,
        ),
        None => (Lang::Fi, value),
    }
}

thread_local! {
    /// The last value analyzed on this thread, with the terms of the fields that have not
    /// taken theirs yet.
    static LAST: RefCell<(String, Option<Analyzed>)> = const { RefCell::new((String::new(), None)) };
}

fn tokens(value: &str, part: Part) -> Vec<Token> {
    let take = |a: &mut Analyzed| match part {
        Part::Exact => std::mem::take(&mut a.exact),
        Part::Stem => std::mem::take(&mut a.stem),
        Part::Rev => std::mem::take(&mut a.rev),
        Part::Trunc => std::mem::take(&mut a.trunc),
        Part::Gram => std::mem::take(&mut a.gram),
        Part::Context => {
            let mut t = std::mem::take(&mut a.stem);
            t.append(&mut a.trunc);
            t
        }
    };
    let (lang, text) = split(value);
    if part == Part::Context {
        // Its own value (question and title), analyzed alone.
        return take(&mut analyze(text, lang));
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != value || last.1.is_none() {
            last.0.clear();
            last.0.push_str(value);
            last.1 = Some(analyze(text, lang));
        }
        let analyzed = last.1.as_mut().expect("set above");
        let out = take(analyzed);
        // A field asked twice for one value (the same text in two documents in a row whose
        // field was already taken) gets it afresh.
        if out.is_empty() && !text.trim().is_empty() {
            let fresh = take(&mut analyze(text, lang));
            if !fresh.is_empty() {
                return fresh;
            }
        }
        out
    })
}

/// A tokenizer giving one field's terms of kooste's analysis.
#[derive(Debug, Clone)]
pub(crate) struct KoosteTokenizer {
    part: Part,
}

impl Tokenizer for KoosteTokenizer {
    type TokenStream<'a> = Stream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Stream {
        Stream {
            tokens: tokens(text, self.part),
            next: 0,
            blank: Token::default(),
        }
    }
}

/// The terms of one field, in order.
pub(crate) struct Stream {
    tokens: Vec<Token>,
    /// One past the current token.
    next: usize,
    /// What `token` gives before the first `advance` of an empty stream.
    blank: Token,
}

impl TokenStream for Stream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        self.tokens
            .get(self.next.saturating_sub(1))
            .unwrap_or(&self.blank)
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.tokens.get_mut(self.next.saturating_sub(1)) {
            Some(t) => t,
            None => &mut self.blank,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(part: Part, text: &str, lang: Lang) -> Vec<(String, usize)> {
        let mut t = KoosteTokenizer { part };
        let v = value(text, lang);
        let mut s = t.token_stream(&v);
        let mut out = Vec::new();
        while s.advance() {
            out.push((s.token().text.clone(), s.token().position));
        }
        out
    }

    #[test]
    fn each_field_gets_the_terms_of_the_analysis_in_its_language() {
        let text = "Kävimme kotikäynnillä. Y hteiskehittäminen";
        let a = analyze(text, Lang::Fi);
        let of = |v: &[Token]| -> Vec<(String, usize)> {
            v.iter().map(|t| (t.text.clone(), t.position)).collect()
        };
        // In the order tantivy asks, and again out of order (each analyzed afresh).
        for _ in 0..2 {
            assert_eq!(texts(Part::Exact, text, Lang::Fi), of(&a.exact));
            assert_eq!(texts(Part::Stem, text, Lang::Fi), of(&a.stem));
            assert_eq!(texts(Part::Rev, text, Lang::Fi), of(&a.rev));
            assert_eq!(texts(Part::Trunc, text, Lang::Fi), of(&a.trunc));
            assert_eq!(texts(Part::Gram, text, Lang::Fi), of(&a.gram));
        }
        assert_eq!(texts(Part::Gram, text, Lang::Fi), of(&a.gram));
        assert_eq!(texts(Part::Stem, text, Lang::Fi), of(&a.stem));
        let sv = analyze("hembesöken", Lang::Sv);
        assert_eq!(texts(Part::Stem, "hembesöken", Lang::Sv), of(&sv.stem));
        let ctx = analyze("Mitä teit?", Lang::Fi);
        let both: Vec<Token> = ctx.stem.iter().chain(&ctx.trunc).cloned().collect();
        assert_eq!(texts(Part::Context, "Mitä teit?", Lang::Fi), of(&both));
        assert!(texts(Part::Stem, "", Lang::Fi).is_empty());
    }
}
