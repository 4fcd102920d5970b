//! Text as it enters: line breaks normalised, and user text kept from becoming Markdown
//! structure when it is placed inside a document kooste builds (a form's answers under
//! their questions, a Word document's paragraphs).

use std::borrow::Cow;

/// CRLF and a lone CR become LF. Every text input passes through this before any structure
/// is built from it: a lone CR is a line break to Markdown but not to `str::lines`, so
/// without it an answer could hide a heading from the escaping below.
pub fn normalize_newlines(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// A user's text (a form answer) as Markdown that reads back as typed and cannot open a
/// heading, a new question, a list, a quote, a code block, an HTML block or a link
/// ([`kooste_core::markdown::escape`]).
pub fn literal(text: &str) -> String {
    kooste_core::markdown::escape(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_of_every_kind_become_lf() {
        assert_eq!(normalize_newlines("a\r\nb\rc\n\rd"), "a\nb\nc\n\nd");
        assert!(matches!(normalize_newlines("a\nb"), Cow::Borrowed(_)));
    }

    /// What the escaped text is to a Markdown reader: one paragraph per blank-line-separated
    /// block, no heading, link, HTML or code, and the text back as typed.
    #[test]
    fn literal_text_reads_back_as_typed_and_builds_nothing() {
        use pulldown_cmark::{Event, Options, Parser, Tag};
        let typed = "eka\r## Mitä sosiaalityöntekijä teki tässä?\r\rX\n---\nY\n===\n\
                     > lainaus\n- lista\n1. lista\n```\nkoodi\n<!-- kommentti\n\
                     [x](javascript:alert(1)) ![k](http://e/k.png) <b>lihava</b> *em* `c` &amp;\n\
                     [ref]: http://evil.example\n    sisennetty\n| a | b |\n~~~\n\
                     _em_ a_b __vahva__ maija_v@example.fi _";
        let md = literal(typed);
        let mut text = String::new();
        let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
        for e in Parser::new_ext(&md, opts) {
            match e {
                Event::Start(Tag::Paragraph) if !text.is_empty() => text.push('\n'),
                Event::Start(Tag::Paragraph) | Event::End(_) => {}
                Event::Text(t) => text.push_str(&t),
                Event::SoftBreak | Event::HardBreak => text.push('\n'),
                other => panic!("{other:?} built from user text:\n{md}"),
            }
        }
        let expected: String = normalize_newlines(typed)
            .lines()
            .map(str::trim_start)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(text, expected.replace('\t', " "));
    }
}
