//! What the Finnish and Swedish analysis finds: inflected, compound, folded and
//! OCR-damaged forms, phrases, and what an empty or nonsense query gets.

use crate::Fixture;
use kooste_index::{Error, Filters, SearchRequest};

#[test]
fn inflected_forms_find_each_other() {
    let f = Fixture::new();
    // kotikäynti / kotikäynnillä / kotikäyntejä: Snowball leaves these apart, the
    // truncated field joins them.
    let found = f.ids("kotikäynti");
    for id in ["asiakas#2", "tyontekija#1"] {
        assert!(found.contains(&id.to_string()), "{id} not in {found:?}");
    }
    // työntekijät (folded, then stemmed) meets työntekijöiden.
    assert!(f.ids("työntekijät").contains(&"tyontekija#2".to_string()));
}

#[test]
fn a_word_finds_the_compounds_it_is_part_of() {
    let f = Fixture::new();
    // sosiaalityö → aikuissosiaalityössä (the head of a compound).
    assert_eq!(
        f.ids("sosiaalityö").first().map(String::as_str),
        Some("asiakas#1")
    );
    // neuvonta → velkaneuvontaan.
    assert!(f.ids("neuvonta").contains(&"tyontekija#3".to_string()));
}

#[test]
fn folded_and_ocr_damaged_text_is_found() {
    let f = Fixture::new();
    // The text says "Tyontekijat" (no diacritics) and "aikuissosiaalitydn" (OCR: ö→d).
    assert!(f.ids("työntekijät").contains(&"ocr#2".to_string()));
    assert!(f.ids("aikuissosiaalityön").contains(&"ocr#1".to_string()));
    // "Y hteiskehittaminen": a split first letter joined again.
    assert_eq!(
        f.ids("yhteiskehittäminen").first().map(String::as_str),
        Some("ocr#1")
    );
    // A query typed without diacritics finds the text with them.
    assert!(f.ids("kotikaynnilla").contains(&"asiakas#2".to_string()));
}

#[test]
fn a_word_damaged_past_the_other_lookups_is_found_by_the_vocabulary() {
    let f = Fixture::new();
    // Three letters wrong: the first (so no shared truncation or compound prefix), the
    // last (no shared compound head) and one between (three edits: past the fuzzy
    // lookup), yet 11 of its 18 trigrams are those of "yhteiskehittäminen" (the text's
    // "Y hteiskehittaminen" joined again): the vocabulary's word is looked up in the text.
    assert_eq!(f.ids("xhteiskehlttäminem"), ["ocr#1"]);
    // One more letter wrong and it shares too few (10 of 18, under 60 %).
    assert!(f.ids("xhteiskehlttämlnem").is_empty());
}

#[test]
fn exact_forms_rank_first() {
    let f = Fixture::new();
    // Both worker and client passages mention home visits; the exact form comes first.
    assert_eq!(
        f.ids("kotikäynnillä").first().map(String::as_str),
        Some("asiakas#2")
    );
    assert_eq!(
        f.ids("kotikäyntejä").first().map(String::as_str),
        Some("tyontekija#1")
    );
}

#[test]
fn swedish_inflection() {
    let f = Fixture::new();
    assert_eq!(
        f.ids("hembesök").first().map(String::as_str),
        Some("klient#1")
    );
    assert_eq!(
        f.ids("klient").first().map(String::as_str),
        Some("klient#2")
    );
    assert!(f.ids("skuld").contains(&"klient#1".to_string()));
}

#[test]
fn quoted_phrases_must_stand_together() {
    let f = Fixture::new();
    let r = f.search("\"tulin kuulluksi\"");
    assert_eq!(crate::ids(&r), ["asiakas#3"]);
    assert!(!r.loose_phrases);
    // Inflected phrase words still match the phrase.
    assert_eq!(f.ids("\"sosiaalinen luotto\""), ["tyontekija#3"]);
    // Words that stand apart do not make a phrase...
    let r = f.search("\"työntekijä asun\"");
    assert!(r.loose_phrases, "{r:?}");
    // ...but when no passage has the phrase, the passages with all its words come, and
    // say so.
    assert_eq!(crate::ids(&r), ["asiakas#2"]);
}

#[test]
fn excluded_words_leave_passages_out() {
    let f = Fixture::new();
    let found = f.ids("kotikäynti -viikossa");
    assert!(!found.contains(&"tyontekija#1".to_string()), "{found:?}");
    assert!(found.contains(&"asiakas#2".to_string()));
}

#[test]
fn empty_and_nonsense_queries() {
    let f = Fixture::new();
    for q in ["", "   ", "!!!", "\"\""] {
        let r = f.ix.search(&SearchRequest {
            query: q.into(),
            filters: Filters::default(),
            limit: 10,
        });
        assert!(matches!(r, Err(Error::EmptyQuery)), "{q:?}: {r:?}");
    }
    let r = f.search("qwxzvbn");
    assert_eq!(r.total, 0);
    assert!(r.hits.is_empty());
    // A near miss gets a suggestion from the corpus.
    let r = f.search("resurrsit");
    assert!(r.total == 0 || !r.hits.is_empty());
    let r = f.search("velkaneuvontaann");
    assert!(!r.hits.is_empty() || r.suggestions.contains(&"velkaneuvontaan".to_string()));
}

#[test]
fn titles_give_context() {
    let f = Fixture::new();
    // "kohtaaminen" stands only in the title of the client's document ("Kokemuksia
    // kohtaamisesta"): its passages are found through it.
    let found = f.ids("kohtaaminen");
    let mut sorted = found.clone();
    sorted.sort();
    assert_eq!(sorted, ["asiakas#1", "asiakas#2", "asiakas#3"]);
    // With another word, the title lifts its document's passages and no others.
    let score = |q: &str, id: &str| {
        let r = f.search(q);
        r.hits
            .iter()
            .find(|h| h.record.passage == id)
            .unwrap()
            .score
    };
    let both = "kotikäynti kohtaaminen";
    assert!(score(both, "asiakas#2") > score("kotikäynti", "asiakas#2"));
    assert_eq!(
        score(both, "tyontekija#1"),
        score("kotikäynti", "tyontekija#1")
    );
}
