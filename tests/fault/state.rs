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
    !name.starts_with('.') && !name.ends_with(".json")
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
            Box::new(move || garbage(&index.join("manifest.json")))
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
