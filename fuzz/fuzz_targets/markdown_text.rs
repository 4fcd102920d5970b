//! The one Markdown escaper, `kooste_core::markdown`: `escape` (a form's answer under its
//! question in a stored document, a Word paragraph, a text from a QDA tool) and
//! `escape_flat` (any document text in the Markdown digest). Whatever the text, with any
//! line breaks (CRLF, LF, lone CR), parsing the escaped text gives back the original: its
//! words as written, as paragraphs of plain text (`escape`) or one paragraph (`escape_flat`),
//! with no heading, list, quote, code, table, HTML, link, image or footnote, also with the
//! extensions GitHub and Markdown editors read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pulldown_cmark::{Event, Options, Parser, Tag};

fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

/// The plain text of `md`, or the first event that is more than text.
fn plain(md: &str, opts: Options) -> Result<String, String> {
    let mut out = String::new();
    for e in Parser::new_ext(md, opts) {
        match e {
            Event::Start(Tag::Paragraph) | Event::End(_) => out.push(' '),
            Event::Text(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            other => return Err(format!("{other:?}")),
        }
    }
    Ok(out)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Text that Markdown would change in ways beside structure (NUL becomes U+FFFD; the
    // Unicode line separators are blanks to split_whitespace but not to Markdown).
    if text.contains('\0') {
        return;
    }
    // The extensions GitHub and Markdown editors read.
    let gfm = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let stored = kooste_core::markdown::escape(&text);
    assert!(!stored.contains('\r'));
    match plain(&stored, gfm) {
        Ok(back) => assert_eq!(words(&back), words(&text.replace('\t', " ")), "{stored:?}"),
        Err(e) => panic!("{e} built from {text:?} stored as {stored:?}"),
    }
    let digest = kooste_core::markdown::escape_flat(&text);
    assert!(!digest.contains(['\r', '\n']));
    match plain(&digest, gfm) {
        Ok(back) => assert_eq!(words(&back), words(&text.replace('\t', " ")), "{digest:?}"),
        Err(e) => panic!("{e} built from {text:?} in the digest as {digest:?}"),
    }
});
