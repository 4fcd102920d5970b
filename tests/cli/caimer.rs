//! `kooste caimer propose` and `kooste caimer learn`: JSON lines in and out, decisions stored
//! redacted, proposals that change after learning, confirmed labels in the index.

use crate::{Run, TestProject};
use serde_json::{Value, json};

fn lines(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

const DIMENSIONS: [&str; 5] = [
    "context",
    "actors",
    "interventions",
    "mechanisms",
    "results",
];

#[test]
fn propose_prints_one_json_line_per_passage() {
    let p = TestProject::new();
    let run = p.kooste_stdin(
        &["caimer", "propose", "--json"],
        concat!(
            r#"{"id": "a#1", "text": "Uskalsin kertoa veloistani, koska sama työntekijä jatkoi."}"#,
            "\n\n",
            r#"{"id": "b#1", "text": "Vi gjorde ett hembesök och jag fick en avbetalningsplan."}"#,
            "\n",
        ),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let out = lines(&run);
    assert_eq!(out.len(), 2);
    for (line, id) in out.iter().zip(["a#1", "b#1"]) {
        let obj = line.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["id", "labels", "scores", "why"]);
        assert_eq!(line["id"], id);
        let scores = line["scores"].as_object().unwrap();
        assert_eq!(scores.len(), 5);
        for d in DIMENSIONS {
            let s = scores[d].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&s), "{d} {s}");
        }
        let labels = line["labels"].as_array().unwrap();
        assert!(!labels.is_empty());
        let why = line["why"].as_array().unwrap();
        assert_eq!(why.len(), labels.len());
        for (l, w) in labels.iter().zip(why) {
            assert!(
                w.as_str()
                    .unwrap()
                    .starts_with(&format!("{}: ", l.as_str().unwrap()))
            );
        }
    }
    assert_eq!(
        out[0]["labels"],
        serde_json::json!(["context", "actors", "mechanisms"])
    );
    assert!(
        out[0]["why"][2].as_str().unwrap().contains("'Uskalsin'"),
        "{}",
        out[0]
    );
}

#[test]
fn propose_without_json_prints_readable_lines() {
    let p = TestProject::new();
    let run = p.kooste_stdin(&["caimer", "propose"],
        "{\"id\": \"a#1\", \"text\": \"Tehtiin kotikäynti.\"}\n{\"id\": \"a#2\", \"text\": \"Kello on kolme.\"}\n",
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with("a#1: interventions 0."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("  interventions: 'kotikäynti' (cue: home visits"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("a#2: no dimension (closest: "),
        "{}",
        run.stdout
    );
}

#[test]
fn a_bad_line_is_reported_and_the_rest_processed() {
    let p = TestProject::new();
    let run = p.kooste_stdin(&["caimer", "propose", "--json"],
        "{\"id\": \"a#1\", \"text\": \"Tehtiin kotikäynti.\"}\nnot json\n{\"id\": \"a#3\"}\n{\"id\": \"a#4\", \"text\": \"Pääsin velkajärjestelyyn.\"}\n",
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("<stdin>:2: "), "{}", run.stderr);
    assert!(
        run.stderr.contains("<stdin>:3: missing field `text`"),
        "{}",
        run.stderr
    );
    // One line per input line, as design.md says: a rejected line says why.
    let got: Vec<(Value, Value)> = lines(&run)
        .iter()
        .map(|l| (l["id"].clone(), l["line"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("a#1".into(), Value::Null),
            (Value::Null, 2.into()),
            (Value::Null, 3.into()),
            ("a#4".into(), Value::Null)
        ]
    );
    assert!(
        lines(&run)[2]["error"]
            .as_str()
            .unwrap()
            .contains("missing field `text`")
    );
}

#[test]
fn learn_stores_redacted_decisions_and_propose_changes() {
    let p = TestProject::new();
    let probe = r#"{"id": "q#1", "text": "Keramiikkapajassa tein savikulhon naapurille."}"#;
    let before = lines(&p.kooste_stdin(&["caimer", "propose", "--json"], probe))[0].clone();
    assert!(
        !before["labels"]
            .as_array()
            .unwrap()
            .contains(&"results".into()),
        "{before}"
    );

    let learn = p.kooste_stdin(&["caimer", "learn"],
        concat!(
            r#"{"id": "p#1", "text": "Maija Virtanen (131052-308T) kävi keramiikkapajassa ja tein savikulhon.", "labels": ["tulokset"]}"#,
            "\n",
            r#"{"id": "p#2", "text": "Keramiikkapajassa tein savikulhon, soita 040 123 4567.", "labels": ["results"], "note": "Maija Virtanen oli tyytyväinen"}"#,
            "\n",
        ),
    );
    assert_eq!(learn.code, 0, "{learn:?}");
    assert!(
        learn.stdout.contains("Added 2 decision(s)"),
        "{}",
        learn.stdout
    );

    let stored = std::fs::read_to_string(p.root.join("decisions/decisions.jsonl")).unwrap();
    assert_eq!(stored.lines().count(), 2);
    for secret in ["131052-308T", "Maija", "Virtanen", "040 123 4567"] {
        assert!(!stored.contains(secret), "{secret} in {stored}");
    }
    assert!(
        stored.contains("[hetu]") && stored.contains("Asiakas A"),
        "{stored}"
    );
    let first: Value = serde_json::from_str(stored.lines().next().unwrap()).unwrap();
    assert_eq!(first["passage"], "p#1");
    assert_eq!(first["labels"], serde_json::json!(["results"]));
    assert_eq!(first["who"], "cli");
    assert!(first["when"].as_str().unwrap().ends_with('Z'));
    // Nothing anywhere in the project holds the identity code.
    for f in walk(&p.root) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("131052-308T"),
            "{}",
            f.display()
        );
    }

    let after = lines(&p.kooste_stdin(&["caimer", "propose", "--json"], probe))[0].clone();
    assert!(
        after["labels"]
            .as_array()
            .unwrap()
            .contains(&"results".into()),
        "{before} -> {after}"
    );
    assert!(
        after["scores"]["results"].as_f64().unwrap()
            > before["scores"]["results"].as_f64().unwrap()
    );
    assert!(after["why"].to_string().contains("(learned +"), "{after}");
}

#[test]
fn learn_rejects_unknown_labels_and_keeps_the_rest() {
    let p = TestProject::new();
    let run = p.kooste_stdin(
        &["caimer", "learn", "--json", "--who", "tutkija"],
        concat!(
            r#"{"id": "p#1", "text": "Tehtiin kotikäynti.", "labels": ["interventiot"]}"#,
            "\n",
            r#"{"id": "p#2", "text": "Tehtiin kotikäynti.", "labels": ["ulottuvuus"]}"#,
            "\n",
            r#"{"id": "p#3", "text": "Jag vågade berätta.", "labels": []}"#,
            "\n",
        ),
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("<stdin>:2: unknown dimension 'ulottuvuus'; valid values are context (konteksti, kontext)"),
        "{}",
        run.stderr
    );
    let v = run.json();
    assert_eq!(
        (&v["added"], &v["decisions"], &v["passages"]),
        (&2.into(), &2.into(), &2.into())
    );
    assert_eq!(v["errors"][0]["line"], 2, "{v}");
    let stored = std::fs::read_to_string(p.root.join("decisions/decisions.jsonl")).unwrap();
    assert!(stored.contains("\"who\":\"tutkija\""), "{stored}");
    assert!(stored.contains("\"labels\":[]"), "{stored}");
}

#[test]
fn a_damaged_decisions_file_is_reported_with_its_line() {
    let p = TestProject::new();
    p.write(
        "decisions/decisions.jsonl",
        b"{\"passage\": \"p#1\", \"text\": \"Tehtiin kotikaynti.\", \"lang\": \"fi\", \"labels\": [\"interventions\"], \"who\": \"cli\", \"when\": \"2018-03-14T09:30:00Z\"}\n{\"passage\": \n",
    );
    let run = p.kooste_stdin(&["caimer", "propose", "--json"], "");
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("decisions/decisions.jsonl:2: not a decision"),
        "{}",
        run.stderr
    );
}

#[test]
fn confirmed_labels_win_in_the_index() {
    let p = TestProject::new();
    let ingest = p.kooste(&["ingest", &p.inbox("asiakas.md").to_string_lossy()]);
    assert_eq!(ingest.code, 0, "{ingest:?}");
    let find = |p: &TestProject| -> Value {
        let run = p.kooste(&["search", "vuokrarästi", "--json"]);
        assert_eq!(run.code, 0, "{run:?}");
        run.json()
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["passage"] == "asiakas#4")
            .cloned()
            .expect("asiakas#4 found")
    };
    let index = p.kooste(&["index"]);
    assert_eq!(index.code, 0, "{index:?}");
    let proposed = find(&p);
    assert!(proposed["confirmed"].is_null(), "{proposed}");
    assert!(
        proposed["dimensions"]
            .as_array()
            .unwrap()
            .contains(&"context".into()),
        "{proposed}"
    );

    let learn = p.kooste_stdin(&["caimer", "learn"],
        r#"{"id": "asiakas#4", "text": "Vuokrarästi oli 1 200 €, ja suunnitelma tehtiin.", "labels": ["mechanisms"]}"#,
    );
    assert_eq!(learn.code, 0, "{learn:?}");
    let index = p.kooste(&["index"]);
    assert_eq!(index.code, 0, "{index:?}");
    let confirmed = find(&p);
    assert_eq!(
        confirmed["confirmed"],
        serde_json::json!(["mechanisms"]),
        "{confirmed}"
    );
    assert_eq!(
        confirmed["dimensions"],
        serde_json::json!(["mechanisms"]),
        "{confirmed}"
    );

    // The model is derived: without .kooste/ the index comes back the same.
    std::fs::remove_dir_all(p.root.join(".kooste")).unwrap();
    let index = p.kooste(&["index"]);
    assert_eq!(index.code, 0, "{index:?}");
    // (The search score may differ in the last digits: the index was built in one go.)
    let without_score = |mut v: Value| {
        v.as_object_mut().unwrap().remove("score");
        v
    };
    assert_eq!(without_score(find(&p)), without_score(confirmed));
}

#[test]
fn a_decision_follows_its_passage_when_the_document_is_edited() {
    let p = TestProject::new();
    let file = p.inbox("asiakas.md");
    assert_eq!(p.kooste(&["ingest", &file.to_string_lossy()]).code, 0);
    let learn = p.kooste_stdin(
        &["caimer", "learn"],
        r#"{"id": "asiakas#4", "text": "Vuokrarästi oli 1 200 €, ja suunnitelma tehtiin.", "labels": ["mechanisms"]}"#,
    );
    assert_eq!(learn.code, 0, "{learn:?}");

    // A paragraph is added above the decided one and the file is ingested again: the
    // decided passage is now asiakas#5, and asiakas#4 is the new paragraph.
    let text = std::fs::read_to_string(&file).unwrap().replace(
        "Vuokrarästi oli",
        "Ryhmä kokoontui torstaina kirjastossa.\n\nVuokrarästi oli",
    );
    std::fs::write(&file, text).unwrap();
    let again = p.kooste(&["ingest", &file.to_string_lossy()]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(p.kooste(&["index"]).code, 0);

    let hit = |query: &str, passage: &str| -> Value {
        let run = p.kooste(&["search", query, "--json"]);
        assert_eq!(run.code, 0, "{run:?}");
        run.json()
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["passage"] == passage)
            .cloned()
            .unwrap_or_else(|| panic!("{passage} not found for {query}"))
    };
    let moved = hit("vuokrarästi", "asiakas#5");
    assert_eq!(
        moved["confirmed"],
        serde_json::json!(["mechanisms"]),
        "{moved}"
    );
    let added = hit("kirjastossa", "asiakas#4");
    assert!(added["confirmed"].is_null(), "{added}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// The confirmed labels of every passage, by its text, from `kooste export jsonl`.
fn confirmed_by_text(p: &TestProject) -> std::collections::BTreeMap<String, Value> {
    let out = p.kooste(&["export", "jsonl"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|r| {
            (
                r["text"].as_str().unwrap().to_string(),
                r["confirmed"].clone(),
            )
        })
        .collect()
}

#[test]
fn decisions_follow_form_rows_that_are_deleted_inserted_and_reordered() {
    let p = TestProject::new();
    let header = "Millaisiin tilanteisiin olet hakenut apua?;Millaista apua sait sosiaalityöstä?;Mitä sosiaalityöntekijä teki tässä?\n";
    let row = |n: &str| format!("Tilanne {n};Apu {n};Teko {n}\n");
    let form = |rows: &[&str]| {
        let mut t = header.to_string();
        for r in rows {
            t.push_str(&row(r));
        }
        t
    };
    p.write(
        "lomake.csv",
        form(&["yksi", "kaksi", "kolme", "neljä"]).as_bytes(),
    );
    assert_eq!(p.kooste(&["ingest", "lomake.csv"]).code, 0);
    // Decisions on rows 3 and 4.
    let learn = "{\"id\": \"lomake-3#1\", \"text\": \"Tilanne kolme\", \"labels\": [\"context\"]}\n\
                 {\"id\": \"lomake-4#3\", \"text\": \"Teko neljä\", \"labels\": [\"interventions\", \"results\"]}\n";
    assert_eq!(
        p.kooste_stdin(&["caimer", "learn", "--who", "tutkija"], learn)
            .code,
        0
    );
    let check = |context: &str| {
        let c = confirmed_by_text(&p);
        assert_eq!(c["Tilanne kolme"], json!(["context"]), "{context}: {c:?}");
        assert_eq!(
            c["Teko neljä"],
            json!(["interventions", "results"]),
            "{context}: {c:?}"
        );
        let decided = c.values().filter(|v| !v.is_null()).count();
        assert_eq!(decided, 2, "{context}: no other passage takes them: {c:?}");
    };
    check("as ingested");
    for (context, rows) in [
        ("row 2 deleted", vec!["yksi", "kolme", "neljä"]),
        (
            "a row inserted at the top",
            vec!["nolla", "yksi", "kolme", "neljä"],
        ),
        ("rows reordered", vec!["neljä", "kolme", "nolla", "yksi"]),
    ] {
        p.write("lomake.csv", form(&rows).as_bytes());
        let out = p.kooste(&["ingest", "lomake.csv"]);
        assert_eq!(out.code, 0, "{context}: {out:?}");
        check(context);
    }
}
