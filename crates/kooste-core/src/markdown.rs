//! The one Markdown escaper: user text placed into Markdown that kooste writes (a form's
//! answer under its question, a Word paragraph, a text imported from a QDA tool, any
//! document text in the Markdown digest) reads back as the same words and builds nothing:
//! no heading, list, quote, code, table, HTML, entity, link, image or emphasis. The fuzz
//! target `markdown_text` checks it.

/// Escapes a text of one or more lines: line breaks of every kind (CRLF, LF, a lone CR)
/// become LF, each line's leading blanks are dropped (four would make code), inline markup
/// is escaped and so is a block marker at the start of a line. A blank line stays a
/// paragraph break.
pub fn escape(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        .map(|l| escape_line(l.trim_start(), false))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Escapes a text as one line of running text (a table cell, a quote in a list item, a
/// heading): line breaks of every kind, the Unicode line and paragraph separators too,
/// become one space, and every `#` is escaped (in a heading, a trailing `#` would be read
/// as its closing sequence and dropped).
pub fn escape_flat(text: &str) -> String {
    let flat = text
        .split(['\r', '\n', '\u{2028}', '\u{2029}'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    escape_line(&flat, true)
}

/// Escapes one line: inline markup everywhere (with `flat`, `#` too), and a block marker at
/// its start.
fn escape_line(line: &str, flat: bool) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1);
        let escape = match c {
            '\\' | '*' | '`' | '<' | '~' | '|' => true,
            '#' => flat,
            // `[` unless it is plainly a bracketed word inside the text, such as the
            // redactor leaves (`[puhelin]`, `[e-post]`): letters and `-` up to `]`, and not
            // then `(`, `[` or `:`, the rest of a link. At the start it could define a link
            // reference.
            '[' => {
                let word = chars[i + 1..]
                    .iter()
                    .take_while(|x| x.is_alphabetic() || **x == '-')
                    .count();
                !(i > 0
                    && (1..=30).contains(&word)
                    && chars.get(i + 1 + word) == Some(&']')
                    && !matches!(chars.get(i + 2 + word), Some('(' | '[' | ':')))
            }
            // `&` only where it would start an entity (`&amp;`, `&#60;`).
            '&' => next.is_some_and(|n| n.is_ascii_alphanumeric() || *n == '#'),
            // `_` between letters or digits is never emphasis; left alone there, e-mail
            // addresses stay whole for the redactor.
            '_' => !(i > 0 && word(chars.get(i - 1)) && word(next)),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(if c == '\t' { ' ' } else { c });
    }
    // A heading, quote, list item, rule, setext underline, table or definition needs its
    // marker at the start of a line.
    let digits = out.chars().take_while(char::is_ascii_digit).count();
    if (1..=9).contains(&digits) {
        let rest = &out[digits..];
        if (rest.starts_with('.') || rest.starts_with(')'))
            && rest[1..].chars().next().is_none_or(char::is_whitespace)
        {
            out.insert(digits, '\\');
        }
    } else if matches!(out.chars().next(), Some('#' | '>' | '-' | '+' | '=' | ':')) {
        out.insert(0, '\\');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_block_starts_are_escaped() {
        assert_eq!(escape("1. kohta"), "1\\. kohta");
        assert_eq!(escape("14.3.2018 kävin"), "14.3.2018 kävin");
        assert_eq!(escape("- viiva"), "\\- viiva");
        assert_eq!(escape("a*b* [x] <y>"), "a\\*b\\* [x] \\<y>");
        assert_eq!(
            escape("[x] [x](y) [x][y] [x]: y"),
            "\\[x] \\[x](y) \\[x][y] \\[x]: y"
        );
        assert_eq!(escape("maija_v@example.fi"), "maija_v@example.fi");
        assert_eq!(escape("_alku"), "\\_alku");
        assert_eq!(
            escape("eka\r## Toinen\r\rX\r\n```\n<!--\n[x](javascript:alert(1))"),
            "eka\n\\## Toinen\n\nX\n\\`\\`\\`\n\\<!--\n\\[x](javascript:alert(1))"
        );
        assert_eq!(escape_flat("a*b | c_d"), "a\\*b \\| c_d");
        assert_eq!(
            escape_flat("- eka\r# toka\r\n3. kolmas"),
            "\\- eka \\# toka 3. kolmas"
        );
        assert_eq!(escape_flat("1. eka"), "1\\. eka");
        assert_eq!(escape_flat("# Otsikko #"), "\\# Otsikko \\#");
        assert_eq!(escape("a # b"), "a # b");
        assert_eq!(escape_flat("&amp; & x"), "\\&amp; & x");
    }
}
