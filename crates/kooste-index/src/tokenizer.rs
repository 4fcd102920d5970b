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

#[cfg(test)]
use crate::analyze::analyze;
use crate::analyze::{MIN_COMPOUND_STEM, TRUNC, Word, is_stop, stem, words};
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
    /// The form question and the document's title: stems and truncations.
    Context,
}

impl Part {
    const ALL: [Part; 5] = [
        Part::Exact,
        Part::Stem,
        Part::Rev,
        Part::Trunc,
        Part::Context,
    ];

    /// The tokenizer's registered name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Part::Exact => "kooste_exact",
            Part::Stem => "kooste_stem",
            Part::Rev => "kooste_rev",
            Part::Trunc => "kooste_trunc",
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

/// The terms of one field of one value: their texts one after another in `buf`, and where
/// each is. Five of these per passage instead of a `String` per term: the analysis
/// allocated a dozen small strings per word, most of an indexing thread's time.
#[derive(Debug, Default)]
struct Terms {
    buf: String,
    toks: Vec<Tok>,
}

/// One term of [`Terms`]: its bytes in the buffer, its offsets in the text, its position.
#[derive(Debug, Clone, Copy)]
struct Tok {
    start: usize,
    end: usize,
    from: usize,
    to: usize,
    position: usize,
}

impl Terms {
    /// Adds the term `write` writes, at the word `w`.
    fn push(&mut self, w: &Word, write: impl FnOnce(&mut String)) {
        let start = self.buf.len();
        write(&mut self.buf);
        self.toks.push(Tok {
            start,
            end: self.buf.len(),
            from: w.span.start,
            to: w.span.end,
            position: w.position,
        });
    }

    fn append(&mut self, mut other: Terms) {
        let shift = self.buf.len();
        self.buf.push_str(&other.buf);
        self.toks.extend(other.toks.drain(..).map(|t| Tok {
            start: t.start + shift,
            end: t.end + shift,
            ..t
        }));
    }
}

/// The terms of every field for one text, as [`analyze`] gives them (a test holds them
/// equal), written into [`Terms`]: exact, stem, rev, trunc.
fn analyze_compact(text: &str, lang: Lang) -> [Terms; 4] {
    let mut out: [Terms; 4] = Default::default();
    let [exact, stem_t, rev, trunc_t] = &mut out;
    let mut chars: Vec<char> = Vec::new();
    for w in words(text) {
        exact.push(&w, |b| b.push_str(&w.lower));
        let s = stem(&w.folded, lang);
        if s.chars().count() >= MIN_COMPOUND_STEM + 2 {
            rev.push(&w, |b| b.extend(s.chars().rev()));
        }
        stem_t.push(&w, |b| b.push_str(&s));
        if is_stop(&w.lower) {
            continue;
        }
        chars.clear();
        chars.extend(w.folded.chars());
        if chars.len() > TRUNC && !chars.iter().any(char::is_ascii_digit) {
            trunc_t.push(&w, |b| b.extend(&chars[..TRUNC]));
        }
    }
    out
}

fn index_of(part: Part) -> usize {
    match part {
        Part::Exact => 0,
        Part::Stem => 1,
        Part::Rev => 2,
        Part::Trunc | Part::Context => 3,
    }
}

thread_local! {
    /// The last value analyzed on this thread, with the terms of the fields that have not
    /// taken theirs yet (`None`: taken).
    static LAST: RefCell<(String, [Option<Terms>; 4])> = RefCell::default();
}

fn terms(value: &str, part: Part) -> Terms {
    let (lang, text) = split(value);
    if part == Part::Context {
        // Its own value (question and title), analyzed alone: stems, then truncations.
        let [_, mut stem, _, trunc] = analyze_compact(text, lang);
        stem.append(trunc);
        return stem;
    }
    let i = index_of(part);
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != value {
            last.0.clear();
            last.0.push_str(value);
            last.1 = analyze_compact(text, lang).map(Some);
        }
        match last.1[i].take() {
            Some(t) => t,
            // A field asked twice for one value (the same text in two documents in a row):
            // analyzed afresh.
            None => {
                let [a, b, c, d] = analyze_compact(text, lang);
                [a, b, c, d].into_iter().nth(i).unwrap_or_default()
            }
        }
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
            terms: terms(text, self.part),
            next: 0,
            token: Token::default(),
        }
    }
}

/// The terms of one field, in order, each written into the one token when reached.
pub(crate) struct Stream {
    terms: Terms,
    /// One past the current term.
    next: usize,
    token: Token,
}

impl TokenStream for Stream {
    fn advance(&mut self) -> bool {
        let Some(t) = self.terms.toks.get(self.next) else {
            return false;
        };
        self.next += 1;
        self.token.text.clear();
        self.token.text.push_str(&self.terms.buf[t.start..t.end]);
        self.token.offset_from = t.from;
        self.token.offset_to = t.to;
        self.token.position = t.position;
        self.token.position_length = 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
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
        }
        assert_eq!(texts(Part::Trunc, text, Lang::Fi), of(&a.trunc));
        assert_eq!(texts(Part::Stem, text, Lang::Fi), of(&a.stem));
        let sv = analyze("hembesöken", Lang::Sv);
        assert_eq!(texts(Part::Stem, "hembesöken", Lang::Sv), of(&sv.stem));
        let ctx = analyze("Mitä teit?", Lang::Fi);
        let both: Vec<Token> = ctx.stem.iter().chain(&ctx.trunc).cloned().collect();
        assert_eq!(texts(Part::Context, "Mitä teit?", Lang::Fi), of(&both));
        assert!(texts(Part::Stem, "", Lang::Fi).is_empty());
    }

    #[test]
    fn the_terms_written_into_one_buffer_are_those_of_the_analysis() {
        let of = |v: &[Token]| -> Vec<(String, usize, usize, usize)> {
            v.iter()
                .map(|t| (t.text.clone(), t.position, t.offset_from, t.offset_to))
                .collect()
        };
        let full = |part: Part, text: &str, lang: Lang| {
            let mut t = KoosteTokenizer { part };
            let v = value(text, lang);
            let mut s = t.token_stream(&v);
            let mut out = Vec::new();
            while s.advance() {
                let k = s.token();
                out.push((k.text.clone(), k.position, k.offset_from, k.offset_to));
            }
            out
        };
        for (text, lang) in [
            (
                "Sain apua 3 kertaa, ja se auttoi: velkaneuvonta ja kotikäynti.",
                Lang::Fi,
            ),
            ("Y hteiskehittäminen on ok. Äö å 12a x", Lang::Fi),
            (
                "Jag fick hjälp med skulderna och hembesöken i höstas.",
                Lang::Sv,
            ),
            ("a b c", Lang::Sv),
        ] {
            let a = analyze(text, lang);
            assert_eq!(full(Part::Exact, text, lang), of(&a.exact), "{text}");
            assert_eq!(full(Part::Stem, text, lang), of(&a.stem), "{text}");
            assert_eq!(full(Part::Rev, text, lang), of(&a.rev), "{text}");
            assert_eq!(full(Part::Trunc, text, lang), of(&a.trunc), "{text}");
            let both: Vec<Token> = a.stem.iter().chain(&a.trunc).cloned().collect();
            assert_eq!(full(Part::Context, text, lang), of(&both), "{text}");
        }
    }
}
