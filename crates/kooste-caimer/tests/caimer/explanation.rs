//! Every proposal names the words that pushed it.

use crate::{COLD, decision, propose};
use kooste_caimer::Source;
use kooste_core::model::Dimension::*;
use kooste_core::model::Lang::{Fi, Sv};

#[test]
fn why_names_the_cue_words_of_each_proposed_dimension() {
    let p = propose(
        "Uskalsin kertoa veloistani, koska sama työntekijä jatkoi.",
        Fi,
    );
    let why = p.why();
    assert_eq!(why.len(), p.labels.len());
    let line = |d: &str| {
        why.iter()
            .find(|w| w.starts_with(&format!("{d}: ")))
            .unwrap_or_else(|| panic!("no line for {d}: {why:?}"))
            .clone()
    };
    assert!(
        line("mechanisms").contains("'Uskalsin' (cue: hope and courage"),
        "{why:?}"
    );
    assert!(
        line("context").contains("'veloistani' (cue: debts"),
        "{why:?}"
    );
    assert!(
        line("actors").contains("'sama työntekijä' (cue: continuity of the worker"),
        "{why:?}"
    );
}

#[test]
fn evidence_is_structured() {
    let p = propose("Jag vågade berätta.", Sv);
    let e = p
        .evidence
        .iter()
        .find(|e| e.dimension == Mechanisms)
        .expect("evidence for mechanisms");
    assert_eq!(e.feature, "vågade");
    let Source::Cue { gloss, plain } = &e.source else {
        panic!("{e:?} is not a cue");
    };
    assert_eq!(&**gloss, "hope and courage");
    // The concept in plain words, in either language whatever the passage's.
    assert_eq!(plain.get(Fi), "toivo ja rohkeus");
    assert_eq!(plain.get(Sv), "hopp och mod");
    assert!(e.weight > 1.0);
    // Evidence is ordered by dimension, strongest first.
    for w in p.evidence.windows(2) {
        assert!(w[0].dimension < w[1].dimension || w[0].weight >= w[1].weight);
    }
}

#[test]
fn the_form_question_hint_is_evidence_and_a_prior() {
    let text = "Se oli iso juttu minulle.";
    let without = COLD.propose(text, Fi, &[]);
    let with = COLD.propose(text, Fi, &[Results]);
    assert!(with.score(Results) > without.score(Results));
    assert!(
        with.evidence
            .iter()
            .any(|e| e.source == Source::Hint && e.dimension == Results)
    );
}

#[test]
fn learned_words_are_named_after_learning() {
    let decisions: Vec<_> = (0..3)
        .map(|i| {
            decision(
                &format!("d#{i}"),
                "Keramiikkapaja piristi viikkoani kovasti.",
                Fi,
                &[Mechanisms],
            )
        })
        .collect();
    let p = COLD
        .trained(&decisions)
        .propose("Keramiikkapaja piristi minua.", Fi, &[]);
    assert!(p.labels.contains(&Mechanisms), "{:?}", p.scores);
    let why = p.why().join("\n");
    assert!(why.contains("'Keramiikkapaja' (learned +"), "{why}");
    assert!(
        p.evidence
            .iter()
            .any(|e| e.source == Source::Learned && e.feature == "piristi")
    );
}

#[test]
fn a_passage_without_evidence_has_no_why() {
    let p = propose("Kello on kolme.", Fi);
    assert!(p.labels.is_empty(), "{:?}", p.scores);
    assert!(p.why().is_empty());
}
