//! Every input reader over fixture files: valid inputs are snapshotted as parsed documents,
//! invalid ones as the diagnostics a user sees.

use kooste_core::Project;
use kooste_core::model::{Lang, Voice};
use kooste_core::project::Participant;
use kooste_ingest::{IngestOptions, Redactor, read_input};
use std::path::Path;

fn register() -> Vec<Participant> {
    vec![Participant {
        name: "Maija Virtanen".into(),
        pseudonym: "Asiakas A".into(),
        role: Voice::Client,
        aliases: vec![],
    }]
}

fn read(path: &Path) -> Result<Vec<kooste_ingest::Read>, Vec<kooste_ingest::Diagnostic>> {
    let project = Project::empty(Path::new("."));
    let bytes = std::fs::read(path).unwrap();
    let name = Path::new(path.file_name().unwrap());
    read_input(
        &project,
        &Redactor::new(&register()),
        name,
        &bytes,
        &IngestOptions::default(),
    )
}

#[test]
fn valid_inputs() {
    insta::glob!("fixtures/valid/*", |path| {
        let reads = read(path).unwrap_or_else(|e| panic!("{e:?}"));
        let docs: Vec<_> = reads
            .iter()
            .map(|r| {
                let removed: Vec<String> = r
                    .removed
                    .iter()
                    .map(|(k, n)| format!("{n} {}", k.as_str()))
                    .collect();
                (&r.document.meta, &r.document.passages, removed)
            })
            .collect();
        insta::assert_yaml_snapshot!(docs);
    });
}

#[test]
fn invalid_inputs() {
    insta::glob!("fixtures/invalid/*", |path| {
        let errors = read(path).expect_err("must be rejected");
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        insta::assert_yaml_snapshot!(lines);
    });
}

#[test]
fn passage_ids_and_voices_of_a_form_row() {
    let reads = read(Path::new("tests/fixtures/valid/form-fi-cp1252.csv")).unwrap();
    let first = &reads[0].document;
    let ids: Vec<&str> = first.passages.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "form-fi-cp1252-1#1",
            "form-fi-cp1252-1#2",
            "form-fi-cp1252-1#3"
        ]
    );
    let voices: Vec<Voice> = first.passages.iter().map(|p| p.voice).collect();
    assert_eq!(voices, [Voice::Client, Voice::Client, Voice::Worker]);
    assert_eq!(first.passages[0].text, "Häätö; velat\nja yksinäisyys");
    assert_eq!(first.meta.lang, Some(Lang::Fi));
    // The second row left question 2 empty: two passages, still numbered from 1.
    assert_eq!(reads[1].document.passages.len(), 2);
}

/// Random bytes and mutations of valid inputs never make a reader panic. The cargo-fuzz
/// targets in fuzz/ do this at length; this keeps a quick version in every test run.
#[test]
fn readers_do_not_panic_on_garbage() {
    let project = Project::empty(Path::new("."));
    let redactor = Redactor::new(&register());
    let seeds: Vec<Vec<u8>> = std::fs::read_dir("tests/fixtures/valid")
        .unwrap()
        .chain(std::fs::read_dir("tests/fixtures/invalid").unwrap())
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..3000 {
        let mut bytes = seeds[i % seeds.len()].clone();
        for _ in 0..(next() % 8) {
            let pos = (next() as usize) % (bytes.len() + 1);
            let b = [
                b'-', b'\n', b';', b',', b'"', b':', b'#', 0xff, 0xc3, b'[', b'|',
            ][(next() % 11) as usize];
            match next() % 3 {
                0 => bytes.insert(pos, b),
                1 if pos < bytes.len() => {
                    bytes.remove(pos);
                }
                _ => bytes.truncate(pos),
            }
        }
        for name in ["x.md", "x.txt", "x.csv"] {
            let _ = read_input(
                &project,
                &redactor,
                Path::new(name),
                &bytes,
                &IngestOptions::default(),
            );
        }
    }
}
