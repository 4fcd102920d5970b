//! Damaged or deleted derived state under `.kooste/`: the next command rebuilds it from the
//! project's files and gives the same search results as before.

use crate::TestProject;
use std::path::Path;

/// Searches whose results depend on the index and on the CAIMeR model (the dimension filter
/// reads the labels, which a learned decision changes).
const QUERIES: &[&[&str]] = &[
    &["search", "kotikäynti", "--json", "--limit", "8"],
    &["search", "luottamus", "--dimension", "mechanisms", "--json"],
    &[
        "search",
        "velkaneuvonta",
        "--dimension",
        "interventions",
        "--json",
    ],
];

fn results(p: &TestProject, context: &str) -> Vec<serde_json::Value> {
    QUERIES
        .iter()
        .map(|q| {
            let run = p.kooste(q);
            assert_eq!(run.code, 0, "{context}: kooste {q:?}: {run:?}");
            assert!(!run.stderr.contains("panicked"), "{context}: {run:?}");
            run.json()
        })
        .collect()
}

/// The same hits in the same order. Scores may differ in the last digits: an index built in
/// another run has other segments, and floating-point sums depend on their order.
fn same(a: &[serde_json::Value], b: &[serde_json::Value]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| {
            let (a, b) = (a.as_array().unwrap(), b.as_array().unwrap());
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_hit(a, b))
        })
}

fn same_hit(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    let score = |h: &serde_json::Value| h["score"].as_f64().unwrap_or(f64::NAN);
    let (sa, sb) = (score(a), score(b));
    let without = |h: &serde_json::Value| {
        let mut h = h.clone();
        h.as_object_mut().unwrap().remove("score");
        h
    };
    (sa - sb).abs() <= 1e-4 * sa.abs().max(1.0) && without(a) == without(b)
}

/// Every file under `dir` whose name `pick` accepts.
fn each_file(dir: &Path, pick: &dyn Fn(&str) -> bool, f: &dyn Fn(&Path)) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().is_file() && pick(&name) {
            f(&e.path());
        }
    }
}

fn truncate(p: &Path) {
    let len = std::fs::metadata(p).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(p).unwrap();
    f.set_len(len / 2).unwrap();
}

/// The same number of bytes, none of them right.
fn garbage(p: &Path) {
    let len = std::fs::metadata(p).unwrap().len() as usize;
    let bytes: Vec<u8> = (0..len.max(16)).map(|i| (i * 131 + 7) as u8).collect();
    std::fs::write(p, bytes).unwrap();
}

fn segment(name: &str) -> bool {
    !name.starts_with('.') && !name.ends_with(".json") && !name.starts_with("manifest")
}

#[test]
fn damaged_or_deleted_derived_state_is_rebuilt_with_the_same_results() {
    let p = TestProject::example();
    // Two of the four rounds: every damage below costs a rebuild.
    for round in ["rannikko-2", "rannikko-3"] {
        std::fs::remove_dir_all(p.root.join("corpus").join(round)).unwrap();
    }
    // A researcher's decisions: the learned model is cached under .kooste/caimer/.
    let learn = p.kooste_stdin(
        &["caimer", "learn", "--who", "tutkija"],
        concat!(
            r#"{"id":"x#1","text":"Luottamus syntyi, kun sama työntekijä jatkoi.","labels":["mechanisms"]}"#,
            "\n",
            r#"{"id":"x#2","text":"Ohjattiin velkaneuvontaan ja tehtiin kotikäynti.","labels":["interventions"]}"#,
            "\n"
        ),
    );
    assert_eq!(learn.code, 0, "{learn:?}");
    let built = p.kooste(&["index", "--rebuild"]);
    assert_eq!(built.code, 0, "{built:?}");
    let before = results(&p, "before any damage");
    assert!(
        before.iter().all(|r| !r.as_array().unwrap().is_empty()),
        "{before:?}"
    );
    let state = p.root.join(".kooste");
    let index = state.join("index");
    let model = state.join("caimer/model.json");
    assert!(model.is_file(), "the learned model is cached");

    type Damage = (&'static str, Box<dyn Fn()>);
    let damages: Vec<Damage> = vec![
        ("index files truncated", {
            let index = index.clone();
            Box::new(move || each_file(&index, &segment, &truncate))
        }),
        ("index files overwritten with garbage", {
            let index = index.clone();
            Box::new(move || each_file(&index, &segment, &garbage))
        }),
        ("tantivy's meta.json garbage", {
            let index = index.clone();
            Box::new(move || garbage(&index.join("meta.json")))
        }),
        ("the manifest garbage", {
            let index = index.clone();
            Box::new(move || garbage(&index.join("manifest")))
        }),
        ("the CAIMeR model garbage", {
            let model = model.clone();
            Box::new(move || garbage(&model))
        }),
        ("the CAIMeR model truncated", {
            let model = model.clone();
            Box::new(move || truncate(&model))
        }),
        ("the index directory deleted", {
            let index = index.clone();
            Box::new(move || std::fs::remove_dir_all(&index).unwrap())
        }),
        ("the caimer directory deleted", {
            let dir = state.join("caimer");
            Box::new(move || std::fs::remove_dir_all(&dir).unwrap())
        }),
        (".kooste deleted", {
            let state = state.clone();
            Box::new(move || std::fs::remove_dir_all(&state).unwrap())
        }),
    ];
    let model_before = std::fs::read(&model).unwrap();
    for (what, damage) in &damages {
        damage();
        // Search reads the labels stored in the index; the model is used (and rebuilt) by
        // the commands that label passages.
        if what.contains("CAIMeR") || what.contains("caimer") {
            let run = p.kooste(&["index"]);
            assert_eq!(run.code, 0, "{what}: {run:?}");
            assert!(
                std::fs::read(&model).unwrap() == model_before,
                "{what}: the model is not learned again the same"
            );
        }
        let after = results(&p, what);
        // Compared whole; only the passages are printed when they differ.
        if !same(&after, &before) {
            let ids = |r: &[serde_json::Value]| -> Vec<Vec<String>> {
                r.iter()
                    .map(|q| {
                        let hits = q.as_array().unwrap();
                        hits.iter().map(|h| h["passage"].to_string()).collect()
                    })
                    .collect()
            };
            let first = before
                .iter()
                .flat_map(|q| q.as_array().unwrap())
                .zip(after.iter().flat_map(|q| q.as_array().unwrap()))
                .find(|(a, b)| !same_hit(a, b));
            panic!(
                "{what}: the search results changed from {:?} to {:?}; first difference {first:?}",
                ids(&before),
                ids(&after)
            );
        }
    }
}

/// The moment of the seed-2001 failure of `kill::ingest_killed_at_any_moment_leaves_every_document_whole`
/// (issue 26), made exactly: `kooste ingest` killed inside the index's commit, after tantivy
/// wrote a segment's deletions (`SEGMENT.OPSTAMP.del`, registered in `.managed.json` first)
/// but before `meta.json` named them. The next update makes the same changes from the same
/// committed state, so its operations count up to the same opstamp and its deletions need
/// the same file name, which tantivy will not overwrite ("Failed to open file for write:
/// FileAlreadyExists"): `kooste ingest`, `index` and `search` failed until the index was
/// rebuilt by hand. What the kill leaves is made here from a commit that finished: its
/// `meta.json` and manifest put back as they were before it, and the files its clean-up
/// removed put back too.
#[test]
fn an_index_commit_cut_after_its_deletions_were_written_is_made_again() {
    const TEXTS: usize = 30;
    let p = TestProject::new();
    let write = |k: usize, word: &str| {
        p.write(
            &format!("inbox/muistio-{k}.md"),
            format!(
                "---\nvoice: worker\nlang: fi\n---\nMuistio {k}: tapaamisesta sovittiin {word}.\n"
            )
            .as_bytes(),
        );
    };
    for k in 0..TEXTS {
        write(k, "tiistaina");
    }
    assert_eq!(p.kooste(&["ingest", "inbox"]).code, 0);
    assert_eq!(p.kooste(&["index"]).code, 0);
    let index = p.root.join(".kooste/index");
    let mut before = crate::files(&index);
    let deletions = || -> Vec<String> {
        crate::files(&index)
            .into_keys()
            .filter(|n| n.ends_with(".del"))
            .collect()
    };
    assert!(deletions().is_empty(), "{:?}", deletions());

    // A new version of one text: the commit deletes its passage from a segment that keeps
    // others (tantivy's indexing threads spread 30 documents over their segments). A text
    // that had a segment of its own leaves no deletions file (the segment goes whole), so
    // the next text is tried until one does.
    let mut cut = Vec::new();
    let mut changed = 0;
    for k in 0..TEXTS {
        before = crate::files(&index);
        changed = k;
        write(k, "perjantaina");
        let run = p.kooste(&["ingest", &format!("inbox/muistio-{k}.md")]);
        assert_eq!(run.code, 0, "{run:?}");
        cut = deletions();
        if !cut.is_empty() {
            break;
        }
    }
    assert!(!cut.is_empty(), "no commit wrote deletions");
    let after = crate::files(&index);
    for (name, bytes) in &before {
        if name == "meta.json" || name == "manifest" || !after.contains_key(name) {
            std::fs::write(index.join(name), bytes).unwrap();
        }
    }

    for args in [
        &["index"][..],
        &["search", "tapaamisesta", "--json", "--limit", "1000"],
    ] {
        let run = p.kooste(args);
        assert_eq!(
            run.code, 0,
            "kooste {args:?} after a commit cut short ({cut:?} left): {run:?}"
        );
    }
    // Every text once, as it is now.
    let run = p.kooste(&["search", "tapaamisesta", "--json", "--limit", "1000"]);
    let mut hits: Vec<(String, String)> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["doc"].as_str().unwrap().to_string(),
                h["snippet"].to_string(),
            )
        })
        .collect();
    hits.sort();
    assert_eq!(hits.len(), TEXTS, "{hits:?}");
    for (doc, snippet) in &hits {
        let number: usize = doc.trim_start_matches("muistio-").parse().unwrap();
        let word = if number <= changed {
            "perjantaina"
        } else {
            "tiistaina"
        };
        assert!(snippet.contains(word), "{doc}: {snippet}");
    }
}

/// The second index moment the soak found (issue 26), made exactly with a fault point:
/// `kooste ingest` dies right after the index's commit, before the manifest follows it (as a
/// kill there leaves it). A form row that commit added was then in the index but not in the
/// manifest, and when the next version of the form dropped the row, no update knew to remove
/// it: its passages stayed searchable for good.
#[test]
fn a_row_the_index_added_just_before_a_kill_leaves_it_with_the_row() {
    let p = TestProject::new();
    let form = |rows: usize| {
        let mut csv = String::from(
            "Millaisiin tilanteisiin olet hakenut apua?;Millaista apua sait sosiaalityöstä?;Mitä sosiaalityöntekijä teki tässä?\n",
        );
        for r in 1..=rows {
            csv.push_str(&format!("Tilanne rivillä{r}x;Sain apua;Ohjasi eteenpäin\n"));
        }
        p.write("inbox/lomake.csv", csv.as_bytes());
    };
    form(2);
    assert_eq!(p.kooste(&["ingest", "inbox"]).code, 0);
    assert_eq!(p.kooste(&["index"]).code, 0);

    form(3);
    let died = std::process::Command::new(crate::kooste_bin())
        .arg("--project")
        .arg(&p.root)
        .args(["ingest", "inbox"])
        .current_dir(&p.root)
        .env("KOOSTE_FAULT_ABORT_AFTER_INDEX_COMMIT", "1")
        .output()
        .unwrap();
    assert!(
        !died.status.success(),
        "the fault point did not stop the ingest"
    );
    // The corpus has the three rows (stored before the index was updated).
    assert_eq!(p.corpus().len(), 3, "{died:?}");

    form(2);
    let run = p.kooste(&["ingest", "inbox"]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = p.kooste(&["index", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.json()["report"]["passages"],
        serde_json::json!(6),
        "two rows of three answers: {}",
        run.stdout
    );
    let found = crate::search_docs(&p, "rivillä3x");
    assert!(!found.contains(&"lomake-3".to_string()), "{found:?}");
}
