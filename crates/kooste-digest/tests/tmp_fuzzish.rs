use pulldown_cmark::{Event, Options, Parser, Tag};
fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}
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
#[test]
fn fuzzish() {
    let alphabet: Vec<char> = "#*_`[]()!<>|-+=:~&;.\\ \t\r\n1a9bä/x^$\"'{}"
        .chars()
        .collect();
    let mut seed: u64 = 0x1234_5678_9abc_def1;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let gfm = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut fails = 0;
    for _ in 0..300_000 {
        let len = (next() % 24) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let stored = kooste_ingest::text::literal(&text);
        match plain(
            &stored,
            Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
        ) {
            Ok(back) if words(&back) == words(&text.replace('\t', " ")) => {}
            r => {
                fails += 1;
                if fails < 15 {
                    eprintln!("LITERAL {text:?} -> {stored:?}: {r:?}");
                }
            }
        }
        let digest = kooste_digest::md_escape(text.to_string());
        match plain(&digest, gfm) {
            Ok(back) if words(&back) == words(&text.replace('\t', " ")) => {}
            r => {
                fails += 1;
                if fails < 30 {
                    eprintln!("DIGEST {text:?} -> {digest:?}: {r:?}");
                }
            }
        }
    }
    assert_eq!(fails, 0);
}
