//! User text placed into Markdown: `kooste_ingest::text::literal` (a form's answer under its
//! question in a stored document) and `kooste_digest::md_escape` (any document text in the
//! Markdown digest). Whatever the text, with any line breaks (CRLF, LF, lone CR), neither
//! may build structure: `literal` reads back as paragraphs of plain text with the typed
//! words, `md_escape` as one paragraph of plain text with the same words; no heading, list,
//! quote, code, HTML, link or image.
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
    let stored = kooste_ingest::text::literal(&text);
    assert!(!stored.contains('\r'));
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    match plain(&stored, opts) {
        Ok(back) => assert_eq!(words(&back), words(&text.replace('\t', " ")), "{stored:?}"),
        Err(e) => panic!("{e} built from {text:?} stored as {stored:?}"),
    }
    let digest = kooste_digest::md_escape(text.to_string());
    assert!(!digest.contains(['\r', '\n']));
    // The extensions GitHub and Markdown editors read.
    let gfm = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    match plain(&digest, gfm) {
        Ok(back) => assert_eq!(words(&back), words(&text.replace('\t', " ")), "{digest:?}"),
        Err(e) => panic!("{e} built from {text:?} in the digest as {digest:?}"),
    }
});
