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

/// A decision is stored only when the passage is still what the review page showed;
/// otherwise nothing is stored and what changed is said.
#[test]
fn a_review_is_stored_only_on_what_the_page_showed() {
    use kooste_core::model::Dimension;
    use kooste_workspace::review::{Review, Reviewed};
    let dir = project();
    let ws = Workspace::new(Project::load(dir.path()).unwrap());
    ws.refresh(false).unwrap();
    let shown = ws.passage("a#1").unwrap().expect("the passage is indexed");
    assert!(shown.history.is_empty());
    let review = |seen, labels: &[Dimension], withdraw| Review {
        passage: "a#1".into(),
        labels: labels.to_vec(),
        withdraw,
        seen,
        who: "tutkija".into(),
    };
    // Withdrawing when there is nothing to withdraw stores nothing.
    let r = ws.review(review(shown.seen(), &[], true)).unwrap();
    assert!(matches!(r, Reviewed::Stored), "{r:?}");
    assert!(ws.passage("a#1").unwrap().unwrap().history.is_empty());
    // Decided on what the page showed: stored, and the index has it.
    let r = ws
        .review(review(shown.seen(), &[Dimension::Interventions], false))
        .unwrap();
    assert!(matches!(r, Reviewed::Stored), "{r:?}");
    let now = ws.passage("a#1").unwrap().unwrap();
    assert_eq!(
        now.decision().unwrap().labels,
        vec![Dimension::Interventions]
    );
    assert_eq!(
        now.rec.labels.confirmed,
        Some(vec![Dimension::Interventions])
    );
    // A second page shown before that decision: refused, naming the decision made since.
    let r = ws
        .review(review(shown.seen(), &[Dimension::Results], false))
        .unwrap();
    let Reviewed::Changed(changed) = r else {
        panic!("stored over a decision made since: {r:?}")
    };
    assert_eq!(changed.decided.len(), 1);
    assert!(!changed.text);
    assert_eq!(ws.passage("a#1").unwrap().unwrap().history.len(), 1);
    // The text edited by hand since the page was shown: refused, saying so.
    let seen = now.seen();
    write(
        dir.path(),
        "Kotikäynti auttoi paljon. Sosiaalityöntekijä kuunteli.",
    );
    ws.refresh(false).unwrap();
    let r = ws
        .review(review(seen, &[Dimension::Results], false))
        .unwrap();
    assert!(matches!(&r, Reviewed::Changed(c) if c.text), "{r:?}");
    // A passage that is not there.
    assert!(ws.passage("a#9").unwrap().is_none());
    let gone = Review {
        passage: "a#9".into(),
        ..review(Default::default(), &[Dimension::Results], false)
    };
    assert!(matches!(ws.review(gone).unwrap(), Reviewed::Gone));
}

/// A document as a reader sees it: from its file, through the redactor, with its records.
#[test]
fn a_document_is_read_through_the_redactor_with_its_records() {
    let dir = project();
    std::fs::write(
        dir.path().join("corpus/b.md"),
        "---\nid: b\nvoice: worker\nlang: fi\n---\nSoitin numeroon 040 123 4567.\n",
    )
    .unwrap();
    let ws = Workspace::new(Project::load(dir.path()).unwrap());
    ws.refresh(false).unwrap();
    let (doc, records) = ws.document("b").unwrap().expect("indexed");
    assert_eq!(doc.meta.id, "b");
    assert_eq!(records.len(), doc.passages.len());
    assert!(
        !doc.passages[0].text.contains("040"),
        "{}",
        doc.passages[0].text
    );
    assert!(ws.document("ei-ole").unwrap().is_none());
    // Its file removed by hand: gone, not an error.
    std::fs::remove_file(dir.path().join("corpus/b.md")).unwrap();
    assert!(ws.document("b").unwrap().is_none());
}

/// Whether a search for `word` finds a passage whose text holds it exactly.
fn found(ws: &Workspace, word: &str) -> bool {
    let req = SearchRequest {
        query: word.into(),
        filters: Default::default(),
        limit: 50,
    };
    let results = ws.search(&req).unwrap().results;
    results.hits.iter().any(|h| h.record.text.contains(word))
}

/// A web form's submission answering the first question with `answer`.
fn submission(id: &str, answer: &str, workshop: Option<&str>) -> kooste_ingest::Submission {
    kooste_ingest::Submission {
        id: id.into(),
        battery: "asp-paiva".into(),
        rows: vec![vec![("q1".into(), answer.into())]],
        workshop: workshop.map(Into::into),
        theme: None,
        date: Some("2018-03-14".parse().unwrap()),
        lang: kooste_core::model::Lang::Fi,
        via: None,
        voice: None,
    }
}

/// A word of letters only, one per number, that nothing else in the corpus holds.
fn word(n: usize) -> String {
    // Each letter three times, so that two words are never within a typo of each other.
    let [a, b] = [n / 26 % 26, n % 26].map(|d| char::from(b'a' + d as u8));
    format!("{a}{b}zor{a}{b}blq{b}{a}")
}

#[test]
fn saves_from_many_threads_are_each_on_disk_and_searchable() {
    let dir = project();
    let ws = std::sync::Arc::new(Workspace::new(Project::load(dir.path()).unwrap()));
    ws.refresh(false).unwrap();
    // As the web app runs: a save is answered once on disk, indexed on a thread of its own.
    ws.index_in_background();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let ws = std::sync::Arc::clone(&ws);
            std::thread::spawn(move || {
                for i in 0..6 {
                    let n = t * 6 + i;
                    let sub = submission(
                        &format!("web-{n}"),
                        &format!("Puhuimme sanasta {}.", word(n)),
                        None,
                    );
                    let stored = ws.save_form(&sub).unwrap();
                    assert_eq!(stored.len(), 1);
                    // On disk when answered.
                    let file = ws
                        .project()
                        .root
                        .join(&stored[0].document.passages[0].provenance.file);
                    let text = std::fs::read_to_string(&file).unwrap();
                    assert!(text.contains(&word(n)), "{text}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    for n in 0..48 {
        assert!(found(&ws, &word(n)), "save {n} is searchable");
    }
    // And in a process that opens the project afresh.
    let again = Workspace::new(Project::load(dir.path()).unwrap());
    for n in [0, 17, 47] {
        assert!(found(&again, &word(n)), "save {n} is searchable afresh");
    }
}

#[test]
fn a_start_reads_nothing_when_the_index_holds_and_updates_it_when_a_file_changed() {
    let dir = project();
    std::thread::sleep(Duration::from_millis(2100));
    let ws = Workspace::new(Project::load(dir.path()).unwrap());
    assert!(
        ws.refresh_if_stale().unwrap().is_some(),
        "no index yet: built"
    );
    let again = Workspace::new(Project::load(dir.path()).unwrap());
    assert!(
        again.refresh_if_stale().unwrap().is_none(),
        "in line: nothing read"
    );
    // Edited in place (its folder does not change): the check of every file sees it.
    let file = dir.path().join("corpus/a.md");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("Kotikäynti auttoi.", "Naapuri soitti harmonikkaa.");
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&file)
        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
        .unwrap();
    let third = Workspace::new(Project::load(dir.path()).unwrap());
    let done = third.refresh_if_stale().unwrap().expect("updated");
    assert_eq!(done.report.updated, 1, "{}", done.summary());
    third.trust_index();
    assert_eq!(hits(&third, "harmonikka"), 1);
    assert_eq!(hits(&third, "kotikäynti"), 0);
}

#[test]
fn the_apps_own_saves_under_load_are_not_taken_for_hand_edits() {
    let dir = project();
    // Indexed once the project's files have stood still: the index then records what the
    // project looked like (its watch), and searches and the watcher trust it.
    std::thread::sleep(Duration::from_millis(2100));
    let ws = std::sync::Arc::new(Workspace::new(Project::load(dir.path()).unwrap()));
    ws.refresh(false).unwrap();
    let root = dir.path().to_path_buf();
    assert_eq!(ws.index().unwrap().freshness(&root, false), None);
    ws.index_in_background();
    // Saves from many threads, written and indexed in groups while others are written.
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let ws = std::sync::Arc::clone(&ws);
            std::thread::spawn(move || {
                for i in 0..40 {
                    let n = 100 + t * 40 + i;
                    let sub = submission(
                        &format!("web-{n}"),
                        &format!("Puhuimme sanasta {}.", word(n)),
                        Some("w-1"),
                    );
                    ws.save_form(&sub).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Once every save is indexed, the index still holds the whole corpus: no save was
    // taken for a file changed by hand (which would bring a reading of every corpus file).
    let ix = ws.index().unwrap();
    assert_eq!(ix.freshness(&root, false), None);
    assert_eq!(ix.freshness(&root, true), None);
    drop(ix);
    for n in [100, 123, 339] {
        assert!(found(&ws, &word(n)), "save {n} is searchable");
    }
}

#[test]
fn a_save_whose_file_cannot_be_written_fails_alone() {
    let dir = project();
    // A file where one workshop's folder would be: its saves cannot be written.
    std::fs::write(dir.path().join("corpus/suljettu"), "not a folder").unwrap();
    let ws = std::sync::Arc::new(Workspace::new(Project::load(dir.path()).unwrap()));
    ws.refresh(false).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|n| {
            let ws = std::sync::Arc::clone(&ws);
            std::thread::spawn(move || {
                let workshop = (n == 3).then_some("suljettu");
                let sub = submission(
                    &format!("web-{n}"),
                    &format!("Puhuimme sanasta {}.", word(n)),
                    workshop,
                );
                ws.save_form(&sub).map(|_| ()).map_err(|e| e.to_string())
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    for (n, r) in results.iter().enumerate() {
        if n == 3 {
            let e = r.as_ref().unwrap_err();
            assert!(
                e.contains("corpus/suljettu/web-3-1.md"),
                "the error names the file: {e}"
            );
        } else {
            assert!(r.is_ok(), "save {n}: {r:?}");
            assert!(found(&ws, &word(n)), "save {n} is searchable");
        }
    }
    assert!(!found(&ws, &word(3)), "the failed save is nowhere");
    // The next save goes on as usual.
    ws.save_form(&submission(
        "web-9",
        &format!("Ja sanasta {}.", word(9)),
        None,
    ))
    .unwrap();
    assert!(found(&ws, &word(9)));
    assert!(!found(&ws, &word(3)));
}
