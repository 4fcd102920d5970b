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

/// Sets the modification time of every file under the corpus an hour back, as if it had been
/// written long before it is indexed: the index only trusts the stamps of settled files.
fn settle_corpus(p: &TestProject) {
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let mut dirs = vec![p.root.join("corpus")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let f = std::fs::File::options().write(true).open(&path).unwrap();
                f.set_modified(past).unwrap();
            }
        }
    }
}

#[test]
fn search_sees_files_edited_by_hand_without_kooste_index() {
    let p = ingested();
    assert_eq!(p.kooste(&["index"]).code, 0);
    let doc = p.root.join("corpus/rannikko-3/naapuri.md");
    std::fs::write(
        &doc,
        "---\nvoice: client\nlang: fi\nworkshop: rannikko-3\n---\n\n\
         Naapuri kantoi harmonikan rappuun.\n",
    )
    .unwrap();
    let out = p.kooste(&["search", "harmonikan", "--json"]);
    assert_eq!(out.json().as_array().unwrap().len(), 1, "{out:?}");
    assert!(out.stderr.contains("1 documents added"), "{out:?}");
    std::fs::remove_file(&doc).unwrap();
    assert_eq!(hits(&p, "harmonikan"), 0);
    // Nothing changed: nothing is said about the index.
    let quiet = p.kooste(&["search", "tapaaminen"]);
    assert_eq!(quiet.stderr, "", "{quiet:?}");
}

fn hits(p: &TestProject, q: &str) -> usize {
    let out = p.kooste(&["search", q, "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.json().as_array().unwrap().len()
}

#[test]
fn files_not_changed_are_not_read_again_but_every_change_is_seen() {
    let p = ingested();
    let doc = p.root.join("corpus/rannikko-3/naapuri.md");
    std::fs::write(
        &doc,
        "---\nvoice: client\nlang: fi\nworkshop: rannikko-3\n---\n\n\
         Naapurini Ylikorpi kantoi harmonikan rappuun, kun jalkani oli kipeä.\n",
    )
    .unwrap();
    settle_corpus(&p);
    assert_eq!(p.kooste(&["index"]).code, 0);
    assert_eq!(hits(&p, "Ylikorpi"), 1);
    let again = p.kooste(&["index", "--json"]).json();
    assert_eq!(again["report"]["added"], 0, "{again}");
    assert_eq!(again["report"]["updated"], 0, "{again}");
    let manifest = std::fs::read_to_string(p.root.join(".kooste/index/manifest")).unwrap();
    assert!(
        manifest.contains("corpus/rannikko-3/naapuri.md"),
        "{manifest}"
    );

    // A name added to the register leaves the index at once, from files that did not change
    // too.
    let register = p.root.join("participants.toml");
    let mut text = std::fs::read_to_string(&register).unwrap();
    text.push_str(
        "\n[[participant]]\nname = \"Veikko Ylikorpi\"\npseudonym = \"Naapuri\"\nrole = \"client\"\n",
    );
    std::fs::write(&register, text).unwrap();
    assert_eq!(p.kooste(&["index"]).code, 0);
    assert_eq!(hits(&p, "Ylikorpi"), 0);
    assert_eq!(hits(&p, "harmonikan"), 1);

    // Another version of the same length with the old modification time (as `cp -p` of an
    // older copy leaves it) is seen.
    let before = std::fs::metadata(&doc).unwrap().modified().unwrap();
    let other = std::fs::read_to_string(&doc)
        .unwrap()
        .replace("harmonikan", "mandoliini");
    std::fs::write(&doc, other).unwrap();
    let f = std::fs::File::options().write(true).open(&doc).unwrap();
    f.set_modified(before).unwrap();
    drop(f);
    assert_eq!(p.kooste(&["index"]).code, 0);
    assert_eq!(hits(&p, "harmonikan"), 0);
    assert_eq!(hits(&p, "mandoliini"), 1);

    // An edit by hand is seen, whatever its size.
    let edited = std::fs::read_to_string(&doc)
        .unwrap()
        .replace("mandoliini", "sellon");
    std::fs::write(&doc, edited).unwrap();
    let after = p.kooste(&["index", "--json"]).json();
    assert_eq!(after["report"]["updated"], 1, "{after}");
    assert_eq!(hits(&p, "mandoliini"), 0);
    assert_eq!(hits(&p, "sellon"), 1);

    // A file removed by hand takes its passages with it.
    std::fs::remove_file(&doc).unwrap();
    let gone = p.kooste(&["index", "--json"]).json();
    assert_eq!(gone["report"]["removed"], 1, "{gone}");
    assert_eq!(hits(&p, "sellon"), 0);
}

#[test]
fn a_broken_file_is_reported_on_every_run() {
    let p = ingested();
    let bad = p.root.join("corpus/rannikko-3/rikki.md");
    std::fs::write(&bad, "---\nvoice: naapuri\n---\n\nTeksti.\n").unwrap();
    settle_corpus(&p);
    for _ in 0..2 {
        let out = p.kooste(&["index"]);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(out.stderr.contains("rikki.md"), "{out:?}");
    }
}

/// Sets the modification time of everything in the project but `.kooste/` (files and
/// directories) an hour back: the index trusts only settled versions.
fn settle_project(p: &TestProject) {
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let mut dirs = vec![p.root.clone()];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".kooste") {
                continue;
            }
            if path.is_dir() {
                dirs.push(path);
            } else {
                let f = std::fs::File::options().write(true).open(&path).unwrap();
                f.set_modified(past).unwrap();
            }
        }
        std::fs::File::open(&dir)
            .unwrap()
            .set_modified(past)
            .unwrap();
    }
}

#[test]
fn a_sentence_removed_by_hand_is_never_shown_though_search_does_not_read_the_corpus() {
    let p = ingested();
    let doc = p.root.join("corpus/rannikko-3/naapuri.md");
    let head = "---\nvoice: client\nlang: fi\nworkshop: rannikko-3\n---\n\n";
    std::fs::write(
        &doc,
        format!(
            "{head}Naapuri kantoi harmonikan rappuun.\n\nSosiaaliohjaaja soitti joka torstai.\n"
        ),
    )
    .unwrap();
    settle_project(&p);
    assert_eq!(p.kooste(&["index"]).code, 0);
    let found = p.kooste(&["search", "harmonikan", "--json"]);
    assert_eq!(found.json().as_array().unwrap().len(), 1, "{found:?}");
    // Nothing changed since: the index is searched as it is, and nothing is said.
    assert_eq!(found.stderr, "", "{found:?}");

    // Edited in place (its folder does not change), and given its old modification time
    // back, as `cp -p` of an older copy would: the file of a hit is checked before the hit
    // is shown.
    let before = std::fs::metadata(&doc).unwrap().modified().unwrap();
    std::fs::write(
        &doc,
        format!("{head}Sosiaaliohjaaja soitti joka torstai.\n"),
    )
    .unwrap();
    std::fs::File::options()
        .write(true)
        .open(&doc)
        .unwrap()
        .set_modified(before)
        .unwrap();
    let out = p.kooste(&["search", "harmonikan", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json(), serde_json::json!([]), "{out:?}");
    assert!(out.stderr.contains("1 updated"), "{out:?}");
    assert_eq!(hits(&p, "torstai"), 1);

    // A file added by hand changes its folder: search brings the index up to date first.
    std::fs::write(
        p.root.join("corpus/rannikko-3/viulu.md"),
        format!("{head}Naapuri soitti viulua pihalla.\n"),
    )
    .unwrap();
    assert_eq!(hits(&p, "viulua"), 1);
}
