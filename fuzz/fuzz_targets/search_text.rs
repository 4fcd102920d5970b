//! Search text handling: parsing any query, analyzing any text and cutting a snippet from
//! it never panics, and every highlight lies on character boundaries inside the snippet.
#![no_main]

use kooste_core::model::Lang;
use kooste_index::analyze::analyze;
use kooste_index::query::ParsedQuery;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    // The first line is the query, the rest the passage.
    let (query, text) = input.split_once('\n').unwrap_or((&input, &input));
    let parsed = ParsedQuery::parse(query);
    for lang in [Lang::Fi, Lang::Sv] {
        let a = analyze(text, lang);
        for t in a.exact.iter().chain(&a.stem).chain(&a.trunc) {
            assert!(text.is_char_boundary(t.offset_from) && text.is_char_boundary(t.offset_to));
        }
        let s = kooste_index::snippet(text, lang, &parsed.highlight_words());
        for h in &s.highlights {
            assert!(h.start <= h.end && h.end <= s.text.len());
            assert!(s.text.is_char_boundary(h.start) && s.text.is_char_boundary(h.end));
        }
        let _ = s.char_ranges();
        let _ = s.html();
    }
});
