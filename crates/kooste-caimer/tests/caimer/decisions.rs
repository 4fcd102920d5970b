//! The decisions file: append, read back, report damaged lines, redact what is recorded.

use crate::{TempProject, decision};
use kooste_caimer::{Caimer, decisions};
use kooste_core::model::Dimension::*;
use kooste_core::model::Lang::{Fi, Sv};

#[test]
fn decisions_round_trip() {
    let p = TempProject::new();
    let path = decisions::path(&p.project);
    assert!(path.ends_with("decisions/decisions.jsonl"));
    let mut d1 = decision("doc#1", "Tehtiin kotikäynti.", Fi, &[Interventions]);
    d1.note = Some("selvä tapaus".into());
    let d2 = decision("doc#2", "Jag vågade berätta.", Sv, &[]);
    decisions::append(&path, std::slice::from_ref(&d1)).unwrap();
    decisions::append(&path, std::slice::from_ref(&d2)).unwrap();
    let (read, problems) = decisions::read(&path).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(read, vec![d1, d2]);
    // One JSON object per line.
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(
        text.lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );
}

#[test]
fn a_missing_file_holds_no_decisions() {
    let p = TempProject::new();
    let (read, problems) = decisions::read(&decisions::path(&p.project)).unwrap();
    assert!(read.is_empty() && problems.is_empty());
}

#[test]
fn later_decisions_override_earlier_ones() {
    let p = TempProject::new();
    let path = decisions::path(&p.project);
    decisions::append(
        &path,
        &[
            decision("doc#1", "Tehtiin kotikäynti.", Fi, &[Interventions]),
            decision("doc#2", "Pääsin velkajärjestelyyn.", Fi, &[Results]),
            decision("doc#1", "Tehtiin kotikäynti.", Fi, &[]),
        ],
    )
    .unwrap();
    let caimer = Caimer::open(&p.project).unwrap();
    let confirmed = caimer.confirmed();
    let doc = confirmed.of_document(
        "doc",
        [
            ("doc#1", "Tehtiin kotikäynti."),
            ("doc#2", "Pääsin velkajärjestelyyn."),
        ],
    );
    assert_eq!(doc["doc#1"], vec![]);
    assert_eq!(doc["doc#2"], vec![Results]);
    assert_eq!(confirmed.len(), 2);
    assert_eq!(caimer.decisions().len(), 3);
}

#[test]
fn a_malformed_line_is_reported_with_its_line_and_skipped() {
    let p = TempProject::new();
    let path = decisions::path(&p.project);
    let good = serde_json::to_string(&decision(
        "doc#1",
        "Tehtiin kotikäynti.",
        Fi,
        &[Interventions],
    ))
    .unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        format!("{good}\n{{\"passage\": \"doc#2\", \"labels\": [\"ulottuvuus\"]}}\n\n{good}\n{{\"passage\": \"doc#3\", \"te"),
    )
    .unwrap();
    let caimer = Caimer::open(&p.project).unwrap();
    assert_eq!(caimer.decisions().len(), 2);
    let problems: Vec<String> = caimer.problems().iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with(&format!("{}:2: not a decision: ", path.display())),
        "{problems:?}"
    );
    assert!(
        problems[0].contains("correct the line or remove it"),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with(&format!("{}:5: the last line is cut short", path.display())),
        "{problems:?}"
    );
}

#[test]
fn an_append_after_a_torn_line_starts_a_new_line() {
    let p = TempProject::new();
    let path = decisions::path(&p.project);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "{\"passage\": \"doc#1\", \"te").unwrap();
    let d = decision("doc#2", "Tehtiin kotikäynti.", Fi, &[Interventions]);
    decisions::append(&path, std::slice::from_ref(&d)).unwrap();
    let (read, problems) = decisions::read(&path).unwrap();
    assert_eq!(read, vec![d]);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, 1);
}

#[test]
fn invalid_decisions_are_refused_and_nothing_is_written() {
    let p = TempProject::new();
    let mut caimer = Caimer::open(&p.project).unwrap();
    let mut bad = decision("doc#1", "Tehtiin kotikäynti.", Fi, &[Interventions]);
    bad.when = "eilen".into();
    let good = decision("doc#2", "Tehtiin kotikäynti.", Fi, &[Interventions]);
    let e = caimer.record_all(vec![good, bad]).unwrap_err();
    assert!(e.to_string().contains("RFC 3339"), "{e}");
    assert!(!decisions::path(&p.project).exists());
}

#[test]
fn recorded_text_and_notes_are_redacted() {
    let p = TempProject::new();
    let mut caimer = Caimer::open(&p.project).unwrap();
    let mut d = decision(
        "doc#1",
        "Maija Virtanen (131052-308T, 040 123 4567) uskalsi kertoa veloistaan.",
        Fi,
        &[Mechanisms, Context, Mechanisms],
    );
    d.note = Some("Soitin Maijalle numeroon 040 123 4567.".into());
    caimer.record(d).unwrap();
    let text = std::fs::read_to_string(decisions::path(&p.project)).unwrap();
    for secret in ["Maija", "Virtanen", "131052-308T", "040 123 4567"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(
        text.contains("Asiakas A") && text.contains("[hetu]"),
        "{text}"
    );
    // Labels are stored once each, in canonical order.
    assert_eq!(caimer.decisions()[0].labels, vec![Context, Mechanisms]);
    // Nothing else holds the text either: the model holds features, not passages.
    let model = std::fs::read_to_string(p.path(".kooste/caimer/model.json")).unwrap();
    assert!(!model.contains("131052"), "{model}");
}

#[test]
fn a_decision_follows_its_passage_when_the_document_is_edited() {
    let plan = "Työntekijä soitti vuokranantajalle ja sovimme maksusuunnitelmasta.";
    let dared = "Uskalsin vihdoin kertoa veloistani.";
    let c = decisions::Confirmed::of(&[
        decision("doc#1", plan, Fi, &[Interventions, Results]),
        decision("doc#2", dared, Fi, &[Mechanisms]),
        decision("other#1", "Ryhmä kokoontui torstaina.", Fi, &[]),
    ]);
    let labels = |passages: &[(&str, &str)]| {
        let mut v: Vec<_> = c
            .of_document("doc", passages.iter().copied())
            .into_iter()
            .collect();
        v.sort();
        v
    };
    let l = |id: &str, dims: &[kooste_core::model::Dimension]| (id.to_string(), dims.to_vec());
    // Unchanged, whitespace aside.
    assert_eq!(
        labels(&[
            ("doc#1", plan),
            ("doc#2", "Uskalsin vihdoin  kertoa\nveloistani.")
        ]),
        vec![
            l("doc#1", &[Interventions, Results]),
            l("doc#2", &[Mechanisms])
        ]
    );
    // A paragraph was added above: every passage moved one down; the new one has none.
    assert_eq!(
        labels(&[
            ("doc#1", "Tämä kappale lisättiin myöhemmin alkuun."),
            ("doc#2", plan),
            ("doc#3", dared),
        ]),
        vec![
            l("doc#2", &[Interventions, Results]),
            l("doc#3", &[Mechanisms])
        ]
    );
    // A passage edited a little keeps its decision, also when it moved; a rewritten one
    // loses it.
    assert_eq!(
        labels(&[
            ("doc#1", "Ryhmä kokoontui torstaina."),
            ("doc#2", "Uskalsin vihdoin kertoa veloistani ääneen."),
            (
                "doc#3",
                "Asia ratkesi toisin, ja suunnitelma jäi tekemättä."
            ),
        ]),
        vec![l("doc#2", &[Mechanisms])]
    );
    // Another document's decisions do not hold here, though it has the same text.
    assert_eq!(c.of_document("third", [("third#1", dared)]).len(), 0);
    assert_eq!(c.len(), 3);
}

#[test]
fn a_withdrawal_takes_the_passage_back_to_review_and_keeps_the_history() {
    let made = crate::decision(
        "doc#1",
        "Tehtiin kotikäynti.",
        kooste_core::model::Lang::Fi,
        &[kooste_core::model::Dimension::Interventions],
    );
    let withdrawn = kooste_core::model::Decision {
        labels: vec![],
        withdrawn: true,
        ..made.clone()
    };
    let all = [made.clone(), withdrawn.clone()];
    let c = decisions::Confirmed::of(&all);
    assert!(c.is_empty());
    assert!(
        c.of_document("doc", [("doc#1", "Tehtiin kotikäynti.")])
            .is_empty()
    );
    assert_eq!(decisions::history(&all, "doc#1"), vec![&made, &withdrawn]);
    let again = [made.clone(), withdrawn, made];
    assert_eq!(decisions::Confirmed::of(&again).len(), 1);
    // A withdrawal with labels is not one.
    let bad = kooste_core::model::Decision {
        withdrawn: true,
        ..crate::decision(
            "doc#2",
            "x",
            kooste_core::model::Lang::Fi,
            &[kooste_core::model::Dimension::Results],
        )
    };
    assert!(bad.check().unwrap_err().contains("withdrawal"));
}
