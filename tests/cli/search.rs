//! `kooste index` and `kooste search`: the command-line contract (JSON shape, filters,
//! facets, exit codes), helpful messages, and no personal data in what is printed.

use crate::TestProject;

/// A project with the fixture inbox ingested: a client's account with personal data in
/// it, a researcher's note in Swedish and a "day of adult social work" form.
fn ingested() -> TestProject {
    let p = TestProject::new();
    for f in ["asiakas.md", "forskare.md"] {
        let path = p.inbox(f);
        let out = p.kooste(&["ingest", &path.to_string_lossy()]);
        assert_eq!(out.code, 0, "{out:?}");
    }
    let csv = p.inbox("asp-paiva.csv");
    let out = p.kooste(&[
        "ingest",
        &csv.to_string_lossy(),
        "--workshop",
        "rannikko-3",
        "--date",
        "2018-04-02",
    ]);
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    p
}

#[test]
fn index_reports_what_changed_and_only_reindexes_that() {
    let p = ingested();
    let first = p.kooste(&["index", "--json"]);
    assert_eq!(first.code, 0, "{first:?}");
    let r = &first.json()["report"];
    assert!(r["added"].as_u64().unwrap() >= 3, "{r}");
    let again = p.kooste(&["index", "--json"]).json();
    assert_eq!(again["report"]["added"], 0);
    assert_eq!(again["report"]["unchanged"], r["added"]);
    let human = p.kooste(&["index", "--rebuild"]);
    assert_eq!(human.code, 0);
    assert!(
        human.stdout.contains("Index built from scratch"),
        "{human:?}"
    );
}

#[test]
fn search_json_follows_the_contract() {
    let p = ingested();
    let out = p.kooste(&["search", "tapaaminen", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let hits = out.json();
    let hits = hits.as_array().unwrap();
    assert!(!hits.is_empty());
    for h in hits {
        for key in [
            "passage",
            "doc",
            "score",
            "voice",
            "dimensions",
            "workshop",
            "snippet",
        ] {
            assert!(h.get(key).is_some(), "{key} missing in {h}");
        }
        let passage = h["passage"].as_str().unwrap();
        assert!(passage.starts_with(h["doc"].as_str().unwrap()) && passage.contains('#'));
        assert!(h["dimensions"].is_array());
        assert!(h["score"].as_f64().unwrap() > 0.0);
    }
    // Best first.
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
}

#[test]
fn filters_and_facets() {
    let p = ingested();
    let all = p
        .kooste(&["search", "asiakas", "--json", "--facets"])
        .json();
    let total = all["total"].as_u64().unwrap();
    let voices = all["facets"]["voice"].as_array().unwrap();
    let sum: u64 = voices.iter().map(|v| v[1].as_u64().unwrap()).sum();
    assert_eq!(sum, total, "{all}");
    let client = p
        .kooste(&["search", "asiakas", "--voice", "asiakas", "--json"])
        .json();
    for h in client.as_array().unwrap() {
        assert_eq!(h["voice"], "client");
    }
    let in_round = p
        .kooste(&["search", "asiakas", "--workshop", "rannikko-3", "--json"])
        .json();
    for h in in_round.as_array().unwrap() {
        assert_eq!(h["workshop"], "rannikko-3");
    }
    let dated = p
        .kooste(&["search", "vuokranantaja", "--from", "2018-04-01", "--json"])
        .json();
    assert!(!dated.as_array().unwrap().is_empty());
    for h in dated.as_array().unwrap() {
        assert!(h["date"].as_str().unwrap() >= "2018-04-01", "{h}");
    }
    let none = p
        .kooste(&["search", "vuokranantaja", "--to", "2018-03-31", "--json"])
        .json();
    for h in none.as_array().unwrap() {
        assert!(h["date"].as_str().unwrap() <= "2018-03-31", "{h}");
    }
    let limited = p
        .kooste(&["search", "asiakas", "--limit", "1", "--json"])
        .json();
    assert_eq!(limited.as_array().unwrap().len(), 1);
}

#[test]
fn human_output_shows_voice_counts_and_marked_words() {
    let p = ingested();
    let out = p.kooste(&["search", "tapaamisesta"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("voice: "), "{}", out.stdout);
    assert!(out.stdout.contains("**tapaaminen**"), "{}", out.stdout);
    assert!(out.stdout.contains("corpus/"), "{}", out.stdout);
}

#[test]
fn empty_nonsense_and_contradictory_searches_get_help() {
    let p = ingested();
    let empty = p.kooste(&["search", "  "]);
    assert_eq!(empty.code, 2, "{empty:?}");
    assert!(empty.stderr.contains("nothing to search for"), "{empty:?}");
    let nonsense = p.kooste(&["search", "xyzzyqwv"]);
    assert_eq!(nonsense.code, 0, "{nonsense:?}");
    assert!(
        nonsense.stdout.contains("No passages match"),
        "{nonsense:?}"
    );
    let json = p.kooste(&["search", "xyzzyqwv", "--json"]);
    assert_eq!(json.json(), serde_json::json!([]));
    let dates = p.kooste(&[
        "search",
        "asiakas",
        "--from",
        "2019-01-01",
        "--to",
        "2018-01-01",
    ]);
    assert_eq!(dates.code, 2);
    assert!(dates.stderr.contains("swap"), "{dates:?}");
    let bad = p.kooste(&["search", "asiakas", "--voice", "manager"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn search_builds_the_index_when_there_is_none() {
    let p = ingested();
    let out = p.kooste(&["search", "tapaaminen"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("No index yet"), "{out:?}");
    assert!(p.root.join(".kooste/index").is_dir());
}

#[test]
fn nothing_printed_holds_personal_data() {
    let p = ingested();
    let personal = [
        "Maija",
        "Virtanen",
        "131052-308T",
        "040 123 4567",
        "maija.virtanen@example.fi",
        "Pekka",
        "Korhose",
    ];
    for q in [
        "Maija Virtanen",
        "131052-308T",
        "040 123 4567",
        "maija.virtanen@example.fi",
        "Pekka Korhonen",
        "puhelin",
        "tapaaminen",
    ] {
        for args in [vec!["search", q, "--json", "--facets"], vec!["search", q]] {
            let out = p.kooste(&args);
            // What the user typed may be echoed back to them; nothing else may show it.
            let shown = format!("{}{}", out.stdout, out.stderr).replace(q, "QUERY");
            for s in personal {
                assert!(!shown.contains(s), "{s:?} printed for {q:?}: {out:?}");
            }
        }
    }
}

#[test]
fn what_is_ingested_after_indexing_is_searchable_at_once() {
    let p = TestProject::new();
    let first = p.inbox("asiakas.md");
    assert_eq!(p.kooste(&["ingest", &first.to_string_lossy()]).code, 0);
    assert_eq!(p.kooste(&["index"]).code, 0);
    let none = p.kooste(&["search", "delaktighet", "--json"]).json();
    assert_eq!(none, serde_json::json!([]));
    let second = p.inbox("forskare.md");
    let out = p.kooste(&["ingest", &second.to_string_lossy()]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Indexed"), "{out:?}");
    let found = p.kooste(&["search", "delaktighet", "--json"]).json();
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    // Ingesting the same again changes nothing and leaves the index alone.
    let again = p
        .kooste(&["ingest", &second.to_string_lossy(), "--json"])
        .json();
    assert!(again["index"].is_null(), "{again}");
}
