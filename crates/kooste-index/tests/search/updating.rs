//! Incremental updates, rebuilding, and recovering from a damaged index.

use crate::Fixture;
use kooste_index::SearchIndex;

#[test]
fn only_changed_documents_are_reindexed() {
    let mut f = Fixture::new();
    assert_eq!((f.report.added, f.report.passages), (5, 12));
    let again = f.update(false);
    assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 5));
    // Change one document, remove another, add a third.
    let doc = f.root.join("corpus/testi-1/asiakas.md");
    let text = std::fs::read_to_string(&doc).unwrap();
    std::fs::write(&doc, text.replace("numerona", "asiakasnumerona")).unwrap();
    std::fs::remove_file(f.root.join("corpus/testi-2/klient.md")).unwrap();
    std::fs::write(
        f.root.join("corpus/testi-2/uusi.md"),
        "---\nvoice: worker\nworkshop: testi-2\n---\nUusi kirjaus ryhmätoiminnasta.\n",
    )
    .unwrap();
    let r = f.update(false);
    assert_eq!(
        (r.added, r.updated, r.removed, r.unchanged),
        (1, 1, 1, 3),
        "{r:?}"
    );
    assert_eq!(r.passages, 11);
    assert!(f.ids("hembesök").is_empty());
    assert_eq!(f.ids("ryhmätoiminta"), ["uusi#1"]);
    assert_eq!(
        f.ids("asiakasnumero").first().map(String::as_str),
        Some("asiakas#1")
    );
}

#[test]
fn a_word_an_update_adds_is_found_by_its_damaged_form_at_once() {
    let mut f = Fixture::new();
    // Damaged past every lookup but the vocabulary's (first, last and a middle letter).
    let damaged = "certaistukirvhmässo";
    assert!(f.ids(damaged).is_empty());
    std::fs::write(
        f.root.join("corpus/testi-2/vertais.md"),
        "---\nvoice: worker\nworkshop: testi-2\n---\nVertaistukiryhmässä opittiin paljon.\n",
    )
    .unwrap();
    let r = f.update(false);
    assert_eq!((r.added, r.rebuilt.is_none()), (1, true), "{r:?}");
    assert_eq!(f.ids(damaged), ["vertais#1"]);
    // Another process opening the index finds it too: the vocabulary is on disk.
    let other = SearchIndex::open(&f.project.state_dir(), false).unwrap();
    let found = other
        .search(&kooste_index::SearchRequest {
            query: damaged.into(),
            filters: Default::default(),
            limit: 10,
        })
        .unwrap();
    assert_eq!(crate::ids(&found), ["vertais#1"]);
    // The document removed: its word stays in the vocabulary, matching nothing.
    std::fs::remove_file(f.root.join("corpus/testi-2/vertais.md")).unwrap();
    let r = f.update(false);
    assert_eq!(r.removed, 1, "{r:?}");
    assert!(f.ids(damaged).is_empty());
}

#[test]
fn rebuild_starts_over() {
    let mut f = Fixture::new();
    let r = f.update(true);
    assert_eq!(r.added, 5);
    assert_eq!(r.rebuilt.as_deref(), Some("asked to rebuild"));
    assert_eq!(r.passages, 12);
}

#[test]
fn a_damaged_or_deleted_index_is_rebuilt_from_the_corpus() {
    let mut f = Fixture::new();
    let dir = SearchIndex::dir_of(&f.project.state_dir());
    // Garble every file of the index, its vocabulary's too.
    let mut dirs = vec![dir.clone()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                std::fs::write(&p, b"garbage").unwrap();
            }
        }
    }
    let r = f.update(false);
    assert!(r.rebuilt.is_some(), "{r:?}");
    assert_eq!(r.passages, 12);
    assert_eq!(f.ids("hembesök"), ["klient#1"]);
    std::fs::remove_dir_all(f.project.state_dir()).unwrap();
    let r = f.update(false);
    assert_eq!((r.added, r.passages), (5, 12));
}

/// Sets the modification time of everything in the project (files and directories) an
/// hour back, as if written long before: the index records its paths' versions only once
/// they have settled.
fn settle(root: &std::path::Path) {
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".kooste") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
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
fn a_stale_index_is_seen_without_reading_the_corpus() {
    let mut f = Fixture::new();
    settle(&f.root);
    f.update(false);
    assert_eq!(f.ix.freshness(&f.root, false), None);
    assert_eq!(f.ix.freshness(&f.root, true), None);

    // A file edited in place leaves its directory as it was: only the deep check (and the
    // check of the files whose passages are about to be shown) sees it.
    let doc = f.root.join("corpus/testi-2/klient.md");
    let text = std::fs::read_to_string(&doc).unwrap();
    std::fs::write(
        &doc,
        text.replace(
            "Hembesöket gjorde att jag vågade berätta om skulderna.",
            "Tack.",
        ),
    )
    .unwrap();
    assert_eq!(f.ix.freshness(&f.root, false), None);
    assert!(f.ix.freshness(&f.root, true).is_some());
    let shown = f.search("hembesök");
    let files: Vec<&str> = shown.hits.iter().map(|h| h.record.file.as_str()).collect();
    assert_eq!(files, ["corpus/testi-2/klient.md"]);
    assert_eq!(
        f.ix.changed_files(&f.root, files),
        ["corpus/testi-2/klient.md"]
    );
    settle(&f.root);
    f.update(false);
    assert!(
        f.ix.changed_files(&f.root, ["corpus/testi-2/klient.md"])
            .is_empty()
    );
    assert!(f.ids("hembesök").is_empty());

    // A file added by hand changes its directory; so does a change to the register.
    std::fs::write(
        f.root.join("corpus/testi-1/uusi.md"),
        "---\nvoice: worker\nworkshop: testi-1\n---\nUusi kirjaus.\n",
    )
    .unwrap();
    assert_eq!(
        f.ix.freshness(&f.root, false).as_deref(),
        Some("corpus/testi-1 changed")
    );
    settle(&f.root);
    f.update(false);
    assert_eq!(f.ix.freshness(&f.root, false), None);
    let register = f.root.join("participants.toml");
    let text = std::fs::read_to_string(&register).unwrap();
    std::fs::write(&register, format!("{text}\n")).unwrap();
    assert_eq!(
        f.ix.freshness(&f.root, false).as_deref(),
        Some("participants.toml changed")
    );
}

#[test]
fn files_kooste_writes_itself_keep_the_index_complete_but_others_do_not() {
    let mut f = Fixture::new();
    settle(&f.root);
    f.update(false);
    assert_eq!(f.ix.freshness(&f.root, false), None);
    // kooste writes a file and indexes its document (as the web app saves a form).
    let ours = "corpus/testi-1/lomake.md";
    std::fs::write(
        f.root.join(ours),
        "---\nvoice: worker\nworkshop: testi-1\n---\nLomakkeen vastaus.\n",
    )
    .unwrap();
    assert!(f.ix.freshness(&f.root, false).is_some());
    f.ix.note_written(&f.project, &[(ours.to_string(), vec!["lomake".into()])])
        .unwrap();
    assert_eq!(f.ix.freshness(&f.root, true), None);
    assert!(f.ix.changed_files(&f.root, [ours]).is_empty());
    // Someone else adds a file beside the next one kooste writes: the index is then not
    // complete.
    std::fs::write(
        f.root.join("corpus/testi-1/kasin.md"),
        "---\nvoice: worker\nworkshop: testi-1\n---\nKäsin lisätty.\n",
    )
    .unwrap();
    let second = "corpus/testi-1/lomake-2.md";
    std::fs::write(
        f.root.join(second),
        "---\nvoice: worker\nworkshop: testi-1\n---\nToinen vastaus.\n",
    )
    .unwrap();
    f.ix.note_written(&f.project, &[(second.to_string(), vec!["lomake-2".into()])])
        .unwrap();
    assert!(f.ix.freshness(&f.root, false).is_some());
}

/// What the web app's saves write (a partial sync and `note_written`) goes to the
/// manifest's log instead of rewriting the manifest, and is all there when another process
/// opens the index: the documents, their files' stamps, the watch. A full update writes the
/// manifest whole again and removes the log.
#[test]
fn saves_logged_beside_the_manifest_are_what_another_process_reads() {
    let mut f = Fixture::new();
    settle(&f.root);
    f.update(false);
    let dir = SearchIndex::dir_of(&f.project.state_dir());
    assert!(!dir.join("manifest.log").exists());
    let redactor = kooste_ingest::Redactor::new(&f.project.participants().unwrap());
    let (corpus, _) = kooste_ingest::Corpus::open(&f.project).unwrap();
    for n in 1..=3 {
        let rel = format!("corpus/testi-1/lomake-{n}.md");
        std::fs::write(
            f.root.join(&rel),
            format!(
                "---\nvoice: worker\nworkshop: testi-1\n---\nLomakkeen {n}. vastaus ryhmätyöstä.\n"
            ),
        )
        .unwrap();
        let reads = corpus
            .read_file(&f.project, &redactor, &f.root.join(&rel))
            .unwrap();
        let d = &reads[0].document;
        let records = std::collections::BTreeMap::from([(
            d.meta.id.clone(),
            kooste_index::records(&f.project, d, |p| crate::labels(d, p)),
        )]);
        let r =
            f.ix.sync(&records, &std::collections::BTreeSet::new(), false)
                .unwrap();
        assert_eq!(r.added, 1);
        f.ix.note_written(&f.project, &[(rel.clone(), vec![d.meta.id.clone()])])
            .unwrap();
    }
    assert!(dir.join("manifest.log").exists());
    let other = SearchIndex::open(&f.project.state_dir(), false).unwrap();
    assert_eq!(other.freshness(&f.root, true), None);
    assert!(
        other
            .changed_files(&f.root, ["corpus/testi-1/lomake-2.md"])
            .is_empty()
    );
    let found = other
        .search(&kooste_index::SearchRequest {
            query: "ryhmätyö".into(),
            filters: kooste_index::Filters::default(),
            limit: 10,
        })
        .unwrap();
    assert_eq!(crate::ids(&found).len(), 3, "{:?}", crate::ids(&found));
    // Nothing to read again: every document is as logged.
    let r = f.update(false);
    assert_eq!((r.added, r.updated, r.removed), (0, 0, 0), "{r:?}");
    // A hand removal: the full update writes the manifest whole, without the log.
    std::fs::remove_file(f.root.join("corpus/testi-1/lomake-2.md")).unwrap();
    let r = f.update(false);
    assert_eq!(r.removed, 1, "{r:?}");
    assert!(!dir.join("manifest.log").exists());
    assert_eq!(f.ids("ryhmätyö").len(), 2);
}

/// Runs an update with the fixture's labels, counting the passages labelled (each passage
/// of every file read is labelled once).
fn counted_update(
    f: &mut crate::Fixture,
    rebuild: bool,
) -> (
    kooste_index::SyncReport,
    usize,
    Vec<kooste_ingest::Diagnostic>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let n = AtomicUsize::new(0);
    let (ix, report, problems) = kooste_index::update(&f.project, rebuild, "", |d, p| {
        n.fetch_add(1, Ordering::Relaxed);
        crate::labels(d, p)
    })
    .unwrap();
    f.ix = ix;
    (report, n.into_inner(), problems)
}

#[test]
fn files_unchanged_since_they_were_indexed_are_not_read_again() {
    let mut f = Fixture::new();
    settle(&f.root);
    // Stamped now (the files have settled); every file read once more.
    let (_, labelled, _) = counted_update(&mut f, false);
    assert_eq!(labelled, 12);
    let (r, labelled, _) = counted_update(&mut f, false);
    assert_eq!(labelled, 0, "an unchanged file was read again");
    assert_eq!((r.unchanged, r.passages), (5, 12));
    // One file changed: only its passages are read (and labelled) again.
    let doc = f.root.join("corpus/testi-2/klient.md");
    let text = std::fs::read_to_string(&doc).unwrap();
    std::fs::write(&doc, text.replace("skulderna", "skulderna och hyran")).unwrap();
    let (r, labelled, _) = counted_update(&mut f, false);
    assert_eq!((r.updated, r.unchanged), (1, 4), "{r:?}");
    let passages = f.ix.document("klient").unwrap().len();
    assert_eq!(labelled, passages);
    // Other inputs (the settings, the register, the CAIMeR labels): every file again.
    let (ix, _, _) =
        kooste_index::update(&f.project, false, "other inputs", crate::labels).unwrap();
    f.ix = ix;
    let (_, labelled, _) = counted_update(&mut f, false);
    assert_eq!(labelled, 12);
}

#[test]
fn a_rebuild_indexes_the_same_records_as_the_updates_before_it() {
    let mut f = Fixture::new();
    let all = |f: &Fixture| f.ix.records(&kooste_index::Filters::default()).unwrap();
    let before = all(&f);
    assert_eq!(before.len(), 12);
    let (r, labelled, problems) = counted_update(&mut f, true);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!((r.added, labelled), (5, 12));
    assert_eq!(all(&f), before);
}

#[test]
fn an_id_used_by_two_files_is_reported_by_the_update() {
    let mut f = Fixture::new();
    let text = std::fs::read_to_string(f.root.join("corpus/testi-1/asiakas.md")).unwrap();
    std::fs::write(f.root.join("corpus/testi-2/toinen.md"), text).unwrap();
    let (_, _, problems) = counted_update(&mut f, false);
    let messages: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("corpus/testi-2/toinen.md")
                && m.contains("also used by corpus/testi-1/asiakas.md")),
        "{messages:?}"
    );
}
