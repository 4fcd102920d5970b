//! Damaged `.qdpx` files: cut short, bytes changed, `project.qde` cut or garbled. Every one
//! gives a result or errors naming the file, never a panic.

use kooste_core::model::{Dimension, DocumentMeta, Lang, Voice};
use kooste_core::project::Project;
use kooste_exchange::{QdpxExport, import_qdpx, write_qdpx};
use kooste_index::Labels;
use kooste_ingest::{Corpus, Defaults, IngestOptions, Redactor};
use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read, Write};

fn exported() -> Vec<u8> {
    let meta = DocumentMeta {
        title: Some("Otsikko".into()),
        lang: Some(Lang::Fi),
        ..DocumentMeta::new("a", Voice::Client)
    };
    let doc = kooste_ingest::parse_document(
        meta,
        "Ensimmäinen 🙂 kappale.\n\nToinen 𝔘 kappale.\n",
        1,
        "a.md",
        &BTreeMap::new(),
    );
    let labels = HashMap::from([(
        "a#1".to_string(),
        Labels {
            proposed: vec![(Dimension::Context, 0.9)],
            confirmed: None,
        },
    )]);
    write_qdpx(&QdpxExport {
        name: "x",
        lang: Lang::Fi,
        batteries: &BTreeMap::new(),
        documents: &[doc],
        labels: &labels,
        decisions: &HashMap::new(),
    })
    .unwrap()
    .bytes
}

fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().unwrap().to_string(), b)
        })
        .collect()
}

fn rezip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, b) in files {
        z.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn damaged_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let project = Project::empty(dir.path());
    let redactor = Redactor::new(&[]);
    let opts = IngestOptions {
        defaults: Defaults {
            voice: Some(Voice::Worker),
            ..Defaults::default()
        },
        ..IngestOptions::default()
    };
    let good = exported();
    let files = entries(&good);
    let qde = String::from_utf8(files[0].1.clone()).unwrap();

    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for cut in (0..good.len()).step_by(37) {
        inputs.push(good[..cut].to_vec());
    }
    for at in (0..good.len()).step_by(53) {
        let mut b = good.clone();
        b[at] ^= 0x5a;
        inputs.push(b);
    }
    // The XML cut at many places, and with characters changed.
    let chars: Vec<char> = qde.chars().collect();
    for cut in (0..chars.len()).step_by(29) {
        let mut f = files.clone();
        f[0].1 = chars[..cut].iter().collect::<String>().into_bytes();
        inputs.push(rezip(&f));
    }
    for (at, with) in (0..chars.len())
        .step_by(31)
        .zip(['"', '<', '>', '&', '9', '-', ' ', 'x'].iter().cycle())
    {
        let mut c = chars.clone();
        c[at] = *with;
        let mut f = files.clone();
        f[0].1 = c.into_iter().collect::<String>().into_bytes();
        inputs.push(rezip(&f));
    }
    assert!(inputs.len() > 100);
    let mut ok = 0;
    for (i, bytes) in inputs.iter().enumerate() {
        let path = dir.path().join(format!("damaged-{i}.qdpx"));
        std::fs::write(&path, bytes).unwrap();
        let (mut corpus, _) = Corpus::open(&project).unwrap();
        match import_qdpx(&project, &mut corpus, &redactor, &path, &opts) {
            Ok(_) => ok += 1,
            Err(errors) => {
                assert!(!errors.is_empty());
                for e in errors {
                    assert!(e.path.starts_with(&path), "{} does not name the file", e);
                }
            }
        }
    }
    // Some damage leaves a readable project (a changed byte in the text).
    assert!(ok > 0);
}
