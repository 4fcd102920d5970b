//! Learning from decisions: a correction changes the next proposal for similar text, and the
//! same decisions always give the same model.

use crate::{COLD, TempProject, decision};
use kooste_caimer::Caimer;
use kooste_core::model::Dimension::{self, *};
use kooste_core::model::Lang::{Fi, Sv};

#[test]
fn a_correction_changes_the_next_proposal_for_similar_text() {
    let text = "Kävin keramiikkapajassa ja tein savikulhon.";
    let similar = "Keramiikkapajassa tein savikulhon naapurille.";
    let before = COLD.propose(similar, Fi, &[]);
    assert!(!before.labels.contains(&Results), "{:?}", before.scores);
    let after = COLD
        .trained(&[decision("p#1", text, Fi, &[Results])])
        .propose(similar, Fi, &[]);
    assert!(
        after.score(Results) > before.score(Results) + 0.1,
        "{:?} -> {:?}",
        before.scores,
        after.scores
    );
    assert!(after.labels.contains(&Results), "{:?}", after.scores);
}

#[test]
fn a_correction_can_remove_a_label() {
    // The cue "fick" speaks for results; researchers decided that in this kind of
    // sentence it does not.
    let similar = "Jag fick papper från kommunen i går.";
    let before = COLD.propose(similar, Sv, &[]);
    let decisions: Vec<_> = [
        "Jag fick papper från kommunen.",
        "Jag fick ett papper från kommunen igen.",
    ]
    .iter()
    .enumerate()
    .map(|(i, t)| decision(&format!("k#{i}"), t, Sv, &[]))
    .collect();
    let after = COLD.trained(&decisions).propose(similar, Sv, &[]);
    assert!(
        after.score(Results) < before.score(Results),
        "{:?} -> {:?}",
        before.scores,
        after.scores
    );
}

#[test]
fn the_latest_decision_on_a_passage_counts() {
    let text = "Kävin keramiikkapajassa ja tein savikulhon.";
    let first = decision("p#1", text, Fi, &[Results]);
    let second = decision("p#1", text, Fi, &[]);
    let a = COLD.trained(&[first.clone(), second.clone()]);
    let b = COLD.trained(&[second]);
    assert_eq!(a.model(), b.model());
    assert_eq!(a.model().examples(), 1);
}

#[test]
fn recording_a_decision_changes_the_next_proposal() {
    let p = TempProject::new();
    let mut caimer = Caimer::open(&p.project).unwrap();
    let similar = "Keramiikkapajassa tein savikulhon naapurille.";
    let before = caimer.propose(similar, Fi, &[]);
    caimer
        .record(decision(
            "p#1",
            "Kävin keramiikkapajassa ja tein savikulhon.",
            Fi,
            &[Results],
        ))
        .unwrap();
    let after = caimer.propose(similar, Fi, &[]);
    assert!(
        after.score(Results) > before.score(Results),
        "{:?} -> {:?}",
        before.scores,
        after.scores
    );
    // A new run sees the same.
    let again = Caimer::open(&p.project).unwrap();
    assert_eq!(again.propose(similar, Fi, &[]), after);
}

#[test]
fn retraining_on_a_few_thousand_decisions_is_fast() {
    let texts = [
        (
            "Uskalsin kertoa veloistani, koska sama työntekijä jatkoi.",
            Fi,
        ),
        (
            "Socialarbetaren gjorde ett hembesök och jag fick en avbetalningsplan.",
            Sv,
        ),
        (
            "Tiimissä on kaksi sosiaaliohjaajaa ja liikaa asiakkaita.",
            Fi,
        ),
        ("Jag kände mig hörd för första gången på länge.", Sv),
    ];
    let decisions: Vec<_> = (0..3000)
        .map(|i| {
            let (t, l) = texts[i % texts.len()];
            let text = format!("{t} Numero {i} sana{}.", i % 97);
            decision(&format!("d#{i}"), &text, l, &[Dimension::ALL[i % 5]])
        })
        .collect();
    let t = std::time::Instant::now();
    let p = COLD.trained(&decisions);
    let took = t.elapsed();
    assert_eq!(p.model().examples(), 3000);
    // Generous for unoptimised test builds on a busy machine; the release build of the
    // evaluation reports the real figure.
    assert!(took.as_secs_f64() < 10.0, "{took:?}");
}

/// Issue 23: after one correction, every passage that began "Asiakas kertoi" got the
/// corrected dimension, and everyday words showed as learned evidence.
#[test]
fn one_correction_does_not_move_passages_that_share_only_everyday_words() {
    let decided = "Asiakas kertoi, että minulla on asunto, jossa voin olla rauhassa, ja keramiikkapaja auttoi.";
    let trained = COLD.trained(&[decision("p#1", decided, Fi, &[Mechanisms])]);
    // The content words of the decided passage are learned ...
    let learned = trained.propose("Keramiikkapaja auttoi taas.", Fi, &[]);
    assert!(
        learned
            .evidence
            .iter()
            .any(|e| e.source == kooste_caimer::Source::Learned && e.feature == "Keramiikkapaja"),
        "{:?}",
        learned.evidence
    );
    // ... the everyday ones are not, in any form.
    for (text, lang) in [
        (
            "Asiakas kertoi, että hän muutti kesällä toiselle paikkakunnalle.",
            Fi,
        ),
        ("Asiakkaan mukaan jossa minulla voin, kertoi hän.", Fi),
        ("Asiakkaat kertoivat, että heillä meni hyvin.", Fi),
        ("Työntekijä sanoi, että minä voisin soittaa.", Fi),
        ("Klienten berättade att hon hade flyttat.", Sv),
    ] {
        let before = COLD.propose(text, lang, &[]);
        let after = trained.propose(text, lang, &[]);
        assert_eq!(after.labels, before.labels, "{text}: {:?}", after.why());
        // Learned evidence (the base model's words) is what it was before the correction:
        // nothing of the decided passage's everyday words was learned.
        let learned = |p: &kooste_caimer::Proposal| -> Vec<(String, String)> {
            p.evidence
                .iter()
                .filter(|e| e.source == kooste_caimer::Source::Learned)
                .map(|e| (e.feature.clone(), format!("{:.2}", e.weight)))
                .collect()
        };
        assert_eq!(learned(&after), learned(&before), "{text}");
    }
    for word in [
        "asiakas",
        "Asiakas",
        "asiakkaat",
        "kertoi",
        "kertoivat",
        "jossa",
        "minulla",
        "voin",
        "että",
        "hän",
        "olla",
        "työntekijä",
        "klienten",
        "berättade",
    ] {
        let lang = if word == "klienten" || word == "berättade" {
            Sv
        } else {
            Fi
        };
        let w = &kooste_text::analyze::words(word)[0];
        assert!(!kooste_caimer::is_content_word(w, lang), "{word}");
    }
    for word in ["keramiikkapaja", "asunto", "velkaneuvonta", "hembesök"] {
        let w = &kooste_text::analyze::words(word)[0];
        assert!(kooste_caimer::is_content_word(w, Fi), "{word}");
    }
}

#[test]
fn a_withdrawn_decision_teaches_nothing() {
    let text = "Kävin keramiikkapajassa ja tein savikulhon.";
    let made = decision("p#1", text, Fi, &[Results]);
    let withdrawn = kooste_core::model::Decision {
        labels: vec![],
        withdrawn: true,
        ..made.clone()
    };
    let other = decision("q#1", "Sain velkaneuvontaa.", Fi, &[Interventions]);
    let a = COLD.trained(&[made, other.clone(), withdrawn]);
    let b = COLD.trained(std::slice::from_ref(&other));
    assert_eq!(a.model().examples(), 1);
    assert_eq!(
        a.propose(text, Fi, &[]).scores,
        b.propose(text, Fi, &[]).scores
    );
}

/// A passage like a decided one follows the decision, and says so: the decided passage is
/// named as the reason ("a passage decided like this").
#[test]
fn a_passage_like_a_decided_one_names_it_as_a_reason() {
    let decided = "Soitettu vuokranantajalle, sovittu maksuaikataulu vuokrarästeille.";
    let like = "Soitettu vuokranantajalle ja sovittu maksuaikataulu vuokrarästeistä.";
    let trained = COLD.trained(&[decision("p#1", decided, Fi, &[Context, Interventions])]);
    let p = trained.propose(like, Fi, &[]);
    let named: Vec<_> = p
        .evidence
        .iter()
        .filter(|e| e.source == kooste_caimer::Source::Decided)
        .collect();
    assert!(
        named
            .iter()
            .any(|e| e.dimension == Context && e.weight > 0.5 && e.feature == decided),
        "{:?}",
        p.evidence
    );
    // It speaks against the dimensions the decision left out.
    assert!(
        named
            .iter()
            .any(|e| e.dimension == Results && e.weight < -0.5),
        "{named:?}"
    );
    assert!(p.labels.contains(&Context), "{:?}", p.why());
    assert!(
        p.why()
            .iter()
            .any(|w| w.starts_with("context:") && w.contains("a passage decided like this")),
        "{:?}",
        p.why()
    );
    // An unrelated passage hears nothing from it.
    let other = trained.propose("Kävin keramiikkapajassa ja tein savikulhon.", Fi, &[]);
    assert!(
        !other
            .evidence
            .iter()
            .any(|e| e.source == kooste_caimer::Source::Decided),
        "{:?}",
        other.evidence
    );
    // Cold, it is not there at all.
    assert!(
        !COLD
            .propose(like, Fi, &[])
            .evidence
            .iter()
            .any(|e| e.source == kooste_caimer::Source::Decided)
    );
}
