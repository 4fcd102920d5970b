//! Filters, facet counts, snippets and listing records.

use crate::Fixture;
use kooste_core::model::{Date, Dimension, Voice};
use kooste_index::Filters;
use std::collections::BTreeSet;

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

fn found(f: &Fixture, q: &str, filters: Filters) -> BTreeSet<String> {
    crate::ids(&f.search_with(q, filters)).into_iter().collect()
}

#[test]
fn filters_narrow_by_voice_dimension_workshop_theme_and_date() {
    let f = Fixture::new();
    let q = "kotikäynti";
    assert_eq!(
        found(&f, q, Filters::default()),
        set(&[
            "asiakas#2",
            "tyontekija#1",
            "henkilotiedot#1",
            "henkilotiedot#2"
        ])
    );
    let voice = Filters {
        voice: Some(Voice::Client),
        ..Filters::default()
    };
    assert_eq!(found(&f, q, voice), set(&["asiakas#2"]));
    let workshop = Filters {
        workshop: Some("testi-2".into()),
        ..Filters::default()
    };
    assert_eq!(
        found(&f, q, workshop),
        set(&["henkilotiedot#1", "henkilotiedot#2"])
    );
    let theme = Filters {
        theme: Some("osallisuus".into()),
        ..Filters::default()
    };
    assert_eq!(found(&f, q, theme), set(&["asiakas#2", "tyontekija#1"]));
    let dimension = Filters {
        dimension: Some(Dimension::Interventions),
        ..Filters::default()
    };
    assert_eq!(found(&f, q, dimension), set(&["asiakas#2", "tyontekija#1"]));
    let dates = Filters {
        from: Date::new(2020, 2, 5),
        to: Date::new(2020, 5, 24),
        ..Filters::default()
    };
    assert_eq!(found(&f, q, dates), set(&["tyontekija#1"]));
}

#[test]
fn confirmed_labels_win_over_proposals() {
    let f = Fixture::new();
    let only = |d: Dimension| Filters {
        dimension: Some(d),
        ..Filters::default()
    };
    let mechanisms = found(&f, "työntekijä", only(Dimension::Mechanisms));
    assert_eq!(mechanisms, set(&["asiakas#3"]));
    let interventions = found(&f, "työntekijä", only(Dimension::Interventions));
    assert!(!interventions.contains("asiakas#3"), "{interventions:?}");
}

#[test]
fn filters_alone_list_passages() {
    let f = Fixture::new();
    let r = f.search_with(
        "",
        Filters {
            voice: Some(Voice::Client),
            ..Filters::default()
        },
    );
    assert_eq!(r.total, 5);
    let records =
        f.ix.records(&Filters {
            workshop: Some("testi-1".into()),
            ..Filters::default()
        })
        .unwrap();
    let ids: Vec<&str> = records.iter().map(|r| r.passage.as_str()).collect();
    // In corpus order: by file, then line.
    assert_eq!(
        ids,
        [
            "asiakas#1",
            "asiakas#2",
            "asiakas#3",
            "tyontekija#1",
            "tyontekija#2",
            "tyontekija#3"
        ]
    );
    assert_eq!(f.ix.records(&Filters::default()).unwrap().len(), 12);

    // One document's passages, by its id, in document order.
    let doc = f.ix.document("tyontekija").unwrap();
    let ids: Vec<&str> = doc.iter().map(|r| r.passage.as_str()).collect();
    assert_eq!(ids, ["tyontekija#1", "tyontekija#2", "tyontekija#3"]);
    assert!(f.ix.document("ei-ole").unwrap().is_empty());
}

#[test]
fn facets_count_every_match_not_only_those_shown() {
    let f = Fixture::new();
    let r =
        f.ix.search(&kooste_index::SearchRequest {
            query: "kotikäynti".into(),
            filters: Filters::default(),
            limit: 1,
        })
        .unwrap();
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.total, 4);
    let pairs = |c: &kooste_index::FacetCounts| {
        c.iter()
            .map(|(k, n)| format!("{k}={n}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(pairs(&r.facets.voice), ["worker=3", "client=1"]);
    assert_eq!(pairs(&r.facets.dimension), ["interventions=2"]);
    assert_eq!(pairs(&r.facets.workshop), ["testi-1=2", "testi-2=2"]);
    assert_eq!(pairs(&r.facets.theme), ["ihanne=2", "osallisuus=2"]);
}

#[test]
fn snippets_mark_the_matching_words_in_any_form() {
    let f = Fixture::new();
    let r = f.search("kotikäynti asua");
    let hit = r
        .hits
        .iter()
        .find(|h| h.record.passage == "asiakas#2")
        .unwrap();
    assert_eq!(
        hit.snippet.marked("[", "]"),
        "[Kotikäynnillä] työntekijä näki, miten oikeasti [asun]."
    );
    assert_eq!(hit.snippet.char_ranges(), [[0, 13], [46, 50]]);
    let r = f.search("aikuissosiaalityön");
    let hit = r.hits.iter().find(|h| h.record.passage == "ocr#1").unwrap();
    assert!(
        hit.snippet
            .marked("[", "]")
            .contains("[aikuissosiaalitydn]"),
        "{}",
        hit.snippet.marked("[", "]")
    );
}

#[test]
fn hits_carry_what_the_user_is_shown() {
    let f = Fixture::new();
    let r = f.search("hembesöket");
    let h = &r.hits[0];
    assert_eq!(h.record.passage, "klient#1");
    assert_eq!(h.record.doc, "klient");
    assert_eq!(h.record.voice, Voice::Client);
    assert_eq!(h.record.workshop.as_deref(), Some("testi-2"));
    assert_eq!(h.record.region.as_deref(), Some("testi"));
    assert_eq!(h.record.file, "corpus/testi-2/klient.md");
    assert_eq!(h.record.line, 9);
    assert!(h.score > 0.0);
    let r = f.search("kohdattiin");
    assert_eq!(
        r.hits[0].record.title.as_deref(),
        Some("Kokemuksia kohtaamisesta")
    );
    assert_eq!(r.hits[0].record.pseudonym.as_deref(), Some("Asiakas A"));
}
