//! The workspace's refresh policy and writes, as the command line and the web app use them.

use kooste_core::Project;
use kooste_workspace::{SearchRequest, Workspace};
use std::path::Path;
use std::time::{Duration, Instant};

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kooste.toml"), "[project]\nname = \"t\"\n").unwrap();
    std::fs::create_dir_all(dir.path().join("corpus")).unwrap();
    write(
        dir.path(),
        "Kotikäynti auttoi. Sosiaalityöntekijä kuunteli.",
    );
    dir
}

fn write(root: &Path, text: &str) {
    std::fs::write(
        root.join("corpus/a.md"),
        format!("---\nid: a\nvoice: client\nlang: fi\n---\n{text}\n"),
    )
    .unwrap();
}

fn hits(ws: &Workspace, q: &str) -> usize {
    let req = SearchRequest {
        query: q.into(),
        filters: Default::default(),
        limit: 10,
    };
    ws.search(&req).unwrap().results.total
}

#[test]
fn a_search_builds_the_index_and_sees_a_hand_edit() {
    let dir = project();
    let ws = Workspace::new(Project::load(dir.path()).unwrap());
    assert!(!ws.has_index());
    assert_eq!(
        hits(&ws, "kotikäynnit"),
        1,
        "built first, found in any form"
    );
    assert!(ws.has_index());
    // A sentence taken out by hand is never shown again, without `kooste index`.
    write(dir.path(), "Sosiaalityöntekijä kuunteli.");
    assert_eq!(hits(&ws, "kotikäynti"), 0);
    assert_eq!(hits(&ws, "kuunteli"), 1);
}

#[test]
fn a_watched_workspace_follows_hand_edits_within_seconds() {
    let dir = project();
    let ws = std::sync::Arc::new(Workspace::new(Project::load(dir.path()).unwrap()));
    let first = ws.refresh(false).unwrap();
    assert_eq!(first.report.added, 1, "{}", first.summary());
    ws.watch();
    write(
        dir.path(),
        "Sosiaalityöntekijä kuunteli. Naapuri soitti harmonikkaa.",
    );
    let started = Instant::now();
    while hits(&ws, "harmonikka") == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the watcher did not bring the edit into the index"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        hits(&ws, "kotikäynti"),
        0,
        "the removed sentence is gone too"
    );
}

#[test]
fn records_carry_the_labels_the_index_gives() {
    let dir = project();
    let ws = Workspace::new(Project::load(dir.path()).unwrap());
    ws.refresh(false).unwrap();
    let indexed = ws.index().unwrap().document("a").unwrap();
    let (docs, problems) = ws.documents().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let docs: Vec<&kooste_core::Document> = docs.iter().map(|r| &r.document).collect();
    let labelled = ws.records(&docs).unwrap();
    let labels = |rs: &[kooste_workspace::PassageRecord]| {
        rs.iter().map(|r| r.labels.clone()).collect::<Vec<_>>()
    };
    assert_eq!(labels(&labelled["a"]), labels(&indexed));
}
