//! The styles of real material (issue 19): terse first-person form answers, workers' notes
//! in passive participles, abstract report prose, OCR damage and Swedish notes. The
//! sentences are invented for these tests, not taken from the evaluation sets.

use crate::{COLD, check, decision, propose};
use kooste_caimer::Source;
use kooste_core::model::Dimension::*;
use kooste_core::model::Lang::{Fi, Sv};

#[test]
fn terse_first_person_answers() {
    check("Hain apua vuokrarästien takia.", Fi, &[Context], true);
    check(
        "Jäin työttömäksi ja laskut kasautuivat.",
        Fi,
        &[Context],
        true,
    );
    check("Pääsin vihdoin päihdekuntoutukseen.", Fi, &[Results], false);
    // A commitment to pay is both what was done and what the speaker got.
    check(
        "Sain maksusitoumuksen lääkkeisiin.",
        Fi,
        &[Interventions, Results],
        false,
    );
}

#[test]
fn workers_passive_notes() {
    check(
        "Soitettu vuokranantajalle, sovittu maksuaikataulu.",
        Fi,
        &[Interventions],
        false,
    );
    check(
        "Kartoitettu tilanne ja ohjattu velkaneuvontaan.",
        Fi,
        &[Interventions],
        true,
    );
    check(
        "Tehty kotikäynti, haettu toimeentulotukea.",
        Fi,
        &[Interventions],
        true,
    );
}

#[test]
fn swedish_notes_and_answers() {
    check(
        "Ringt hyresvärden, bokat möte med skuldrådgivningen.",
        Sv,
        &[Interventions],
        true,
    );
    check(
        "Kontaktats av socialarbetaren, hänvisats till skuldrådgivning.",
        Sv,
        &[Interventions],
        true,
    );
    check(
        "Jag sökte hjälp på grund av hyresskulder.",
        Sv,
        &[Context],
        true,
    );
    check(
        "Tack vare samma arbetare vågade jag berätta om mitt missbruk.",
        Sv,
        &[Mechanisms],
        false,
    );
    check(
        "Fick betalningsförbindelse för mediciner.",
        Sv,
        &[Interventions, Results],
        false,
    );
}

#[test]
fn report_prose() {
    check(
        "Kehittäjäasiakastoiminta vahvistaa palvelujen asiakaslähtöisyyttä.",
        Fi,
        &[Actors],
        false,
    );
    check(
        "Hankkeessa kokemusasiantuntijat osallistuivat palvelujen suunnitteluun.",
        Fi,
        &[Actors],
        false,
    );
    // Multi-label: a cause (the same worker) and its effect (trust grew).
    check(
        "Asiakkaiden luottamus lisääntyi, koska työntekijä pysyi samana.",
        Fi,
        &[Mechanisms, Results],
        false,
    );
}

#[test]
fn ocr_damage() {
    check(
        "Tyontekija soitti ke1aan ja asiakas paasi kuntoutukseen",
        Fi,
        &[Interventions, Results],
        false,
    );
    check(
        "Asiakas sai vuokrarastit maksettua ja pysyi asunnossaan",
        Fi,
        &[Results],
        false,
    );
}

#[test]
fn a_form_explains_itself_in_plain_finnish_and_swedish() {
    let p = propose("Kartoitettu tilanne ja ohjattu velkaneuvontaan.", Fi);
    let done = p
        .evidence
        .iter()
        .find(|e| {
            e.dimension == Interventions
                && matches!(&e.source, Source::Cue { gloss, .. } if gloss.starts_with("a thing done"))
        })
        .unwrap_or_else(|| panic!("no form evidence: {:?}", p.evidence));
    assert_eq!(done.feature, "Kartoitettu");
    assert!(done.weight > 0.5, "{done}");
    let Source::Cue { plain, .. } = &done.source else {
        unreachable!()
    };
    assert_eq!(
        plain.get(Fi),
        "tehty asia ilman tekijää (soitettu, ohjattu)"
    );
    assert_eq!(
        plain.get(Sv),
        "något som gjorts, utan vem (kontaktats, ringt)"
    );
    let why = p.why();
    assert!(
        why[0].starts_with("interventions: ")
            && why[0].contains("'Kartoitettu' (cue: a thing done"),
        "{why:?}"
    );
}

#[test]
fn a_correction_moves_a_similar_passage_of_another_style() {
    // A client's terse answer is decided; a worker's passive note and an OCR-damaged
    // line about the same thing move with it.
    let decided = decision(
        "lomake#3",
        "Kävin kuntosaliryhmässä.",
        Fi,
        &[Interventions, Results],
    );
    let trained = COLD.trained(&[decided]);
    for text in [
        "Ohjattu kuntosaliryhmään.",
        "Asiakas aloitti kuntosa1iryhmassa.",
    ] {
        let before = COLD.propose(text, Fi, &[]);
        let after = trained.propose(text, Fi, &[]);
        assert!(
            after.score(Results) > before.score(Results) + 0.05,
            "{text}: {:?} -> {:?}",
            before.scores,
            after.scores
        );
        assert!(
            after
                .evidence
                .iter()
                .any(|e| e.dimension == Results && e.source == Source::Learned && e.weight > 0.0),
            "{text}: {:?}",
            after.evidence
        );
    }
}

#[test]
fn the_best_dimension_is_proposed_below_the_threshold_only_with_a_reason() {
    // Settings::floor: when nothing reaches the threshold, the best dimension is still
    // proposed if a piece of evidence clearly speaks for it; never on weak evidence.
    let settings = kooste_caimer::Settings {
        threshold: 0.9,
        floor: 0.2,
        ..kooste_caimer::Settings::default()
    };
    let p = kooste_caimer::Proposer::new(kooste_caimer::Lexicon::builtin().unwrap(), settings);
    let brave = p.propose("Uskalsin kertoa.", Fi, &[]);
    assert!(brave.score(Mechanisms) < 0.9, "{:?}", brave.scores);
    assert_eq!(brave.labels, [Mechanisms], "{:?}", brave.scores);
    assert_eq!(brave.why().len(), 1);
    let vague = p.propose("Asiakkaat kertoivat, että heillä meni hyvin.", Fi, &[]);
    assert_eq!(vague.labels, [], "{:?}", vague.scores);
}

#[test]
fn the_committed_base_model_is_what_the_shipped_sets_train() {
    // The base model is derived state: training on the shipped sets gives exactly the
    // file compiled in. When this fails, run
    // `cargo run --release -p kooste-caimer --example caimer_eval -- --write-base`.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sets = kooste_caimer::evalset::Sets::read(&root).unwrap();
    let plain = kooste_caimer::Proposer::new(
        kooste_caimer::Lexicon::builtin().unwrap(),
        kooste_caimer::Settings::default(),
    );
    let base = plain.train_base(&sets.base_training());
    assert_eq!(base.to_json(), kooste_caimer::BASE.trim_end());
    assert_eq!(COLD.base(), &base);
}
