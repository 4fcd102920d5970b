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
    // Garble every file of the index.
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        std::fs::write(&p, b"garbage").unwrap();
    }
    let r = f.update(false);
    assert!(r.rebuilt.is_some(), "{r:?}");
    assert_eq!(r.passages, 12);
    assert_eq!(f.ids("hembesök"), ["klient#1"]);
    std::fs::remove_dir_all(f.project.state_dir()).unwrap();
    let r = f.update(false);
    assert_eq!((r.added, r.passages), (5, 12));
}
