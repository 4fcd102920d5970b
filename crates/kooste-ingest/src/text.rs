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
/// heading, a new question, a list, a quote, a code block, an HTML block or a link: line
/// breaks normalised, each line's leading blanks dropped, inline markup and block starts
/// escaped.
pub fn literal(text: &str) -> String {
    normalize_newlines(text)
        .lines()
        .map(|l| line_start(&inline(l.trim_start())))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Escapes what Markdown would read as inline markup: emphasis, code, links and images,
/// HTML, strike-through and entities (`![` is no image once `[` is escaped). `.` is left
/// alone, and so is `_` between letters or digits (never emphasis there): both are inside
/// e-mail addresses, which the redactor must still see whole.
pub(crate) fn inline(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let escape = match c {
            '\\' | '*' | '`' | '[' | '<' | '~' => true,
            // `&` only where it would start an entity (`&amp;`, `&#60;`).
            '&' => next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#'),
            '_' => {
                let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
                !(word(i.checked_sub(1).map(|j| chars[j])) && word(next))
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(if c == '\t' { ' ' } else { c });
    }
    out
}

/// Escapes what Markdown would read as the start of another block: a heading, quote, list
/// item, rule, table or fence.
pub(crate) fn line_start(line: &str) -> String {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if (1..=9).contains(&digits) {
        let rest = &line[digits..];
        let marker = rest.starts_with('.') || rest.starts_with(')');
        if marker && rest[1..].chars().next().is_none_or(char::is_whitespace) {
            return format!("{}\\{rest}", &line[..digits]);
        }
        return line.to_string();
    }
    match line.chars().next() {
        Some('#' | '>' | '-' | '+' | '=' | '|' | '_' | ':') => format!("\\{line}"),
        _ => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_of_every_kind_become_lf() {
        assert_eq!(normalize_newlines("a\r\nb\rc\n\rd"), "a\nb\nc\n\nd");
        assert!(matches!(normalize_newlines("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn block_starts_and_markup_are_escaped() {
        assert_eq!(line_start("1. kohta"), "1\\. kohta");
        assert_eq!(line_start("14.3.2018 kävin"), "14.3.2018 kävin");
        assert_eq!(line_start("- viiva"), "\\- viiva");
        assert_eq!(inline("a*b* [x] <y>"), "a\\*b\\* \\[x] \\<y>");
        assert_eq!(inline("maija_v@example.fi"), "maija_v@example.fi");
        assert_eq!(
            literal("eka\r## Toinen\r\rX\r\n```\n<!--\n[x](javascript:alert(1))"),
            "eka\n\\## Toinen\n\nX\n\\`\\`\\`\n\\<!--\n\\[x](javascript:alert(1))"
        );
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
