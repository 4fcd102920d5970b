//! Personal data never reaches the index: it is built from the redacted corpus, even for a
//! file put into corpus/ by hand with names, an identity code, a phone number and an
//! e-mail address in it.

use crate::Fixture;
use kooste_index::Filters;

const PERSONAL: &[&str] = &[
    "Matti",
    "Meikäläinen",
    "Masa",
    "131052-308T",
    "040 123 4567",
    "0401234567",
    "matti.meikalainen@example.com",
    "example.com",
];

#[test]
fn search_results_hold_no_personal_data() {
    let f = Fixture::new();
    // The passages are there, redacted.
    let r = f.search("kotikäynti");
    let texts: Vec<&str> = r
        .hits
        .iter()
        .filter(|h| h.record.doc == "henkilotiedot")
        .map(|h| h.record.text.as_str())
        .collect();
    assert_eq!(texts.len(), 2, "{r:?}");
    let joined = texts.join("\n");
    for placeholder in ["Asiakas M", "[hetu]", "[puhelin]", "[sähköposti]"] {
        assert!(
            joined.contains(placeholder),
            "{placeholder} not in {joined}"
        );
    }
    // Searching for the personal data finds nothing that shows it.
    for q in PERSONAL
        .iter()
        .chain(&["matti meikäläinen", "308T", "4567"])
    {
        let r = f.search(q);
        let shown = serde_json::to_string(&r).unwrap();
        for p in PERSONAL {
            assert!(!shown.contains(p), "{p:?} shown for query {q:?}: {shown}");
        }
    }
    // Nor does any stored record hold it.
    let all = serde_json::to_string(&f.ix.records(&Filters::default()).unwrap()).unwrap();
    for p in PERSONAL {
        assert!(!all.contains(p), "{p:?} in the index");
    }
}

#[test]
fn no_term_of_the_index_is_personal_data() {
    let f = Fixture::new();
    let dir = kooste_index::SearchIndex::dir_of(&f.project.state_dir());
    let mut terms = Vec::new();
    // The passages' index and the vocabulary's (its words and their trigrams).
    for dir in [dir.clone(), dir.join("vocab")] {
        let index = tantivy::Index::open_in_dir(&dir).unwrap();
        let searcher = index.reader().unwrap().searcher();
        let mut of_this = Vec::new();
        for segment in searcher.segment_readers() {
            for (field, entry) in index.schema().fields() {
                if !entry.is_indexed() {
                    continue;
                }
                let inverted = segment.inverted_index(field).unwrap();
                let mut stream = inverted.terms().stream().unwrap();
                while stream.advance() {
                    let term = String::from_utf8_lossy(stream.key()).into_owned();
                    // The `rev` field holds stems reversed.
                    if entry.name() == "rev" {
                        of_this.push(term.chars().rev().collect());
                    } else {
                        of_this.push(term);
                    }
                }
            }
        }
        assert!(
            of_this.iter().any(|t| t == "kotikäynnin"),
            "{} has terms",
            dir.display()
        );
        terms.extend(of_this);
    }
    for t in &terms {
        for bad in [
            "matti",
            "meikalai",
            "meikäläi",
            "masa",
            "131052",
            "308t",
            "4567",
            "example",
        ] {
            assert!(!t.contains(bad), "term {t:?} holds {bad:?}");
        }
    }
}
