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
        insta::assert_yaml_snapshot!(docs_of(&reads));
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
            read_damaged(&project, &redactor, name, &bytes);
        }
    }
}

mod office;

/// A project with the client-feedback battery too, for survey exports.
fn office_project() -> Project {
    let mut project = Project::empty(Path::new("."));
    let b = kooste_core::project::Battery::parse(
        office::ASIAKASPALAUTE_TOML,
        Path::new("asiakaspalaute.toml"),
    )
    .unwrap();
    project.batteries.insert(b.id.clone(), b);
    project
}

fn read_office(
    name: &str,
    bytes: &[u8],
    opts: &IngestOptions,
) -> Result<Vec<kooste_ingest::Read>, Vec<kooste_ingest::Diagnostic>> {
    read_input(
        &office_project(),
        &Redactor::new(&register()),
        Path::new(name),
        bytes,
        opts,
    )
}

fn survey() -> kooste_ingest::Survey {
    kooste_ingest::Survey::parse(office::SURVEY_TOML, Path::new("palaute.survey.toml")).unwrap()
}

/// Reads a damaged input: whatever it holds, reading it returns (no panic).
fn read_damaged(project: &Project, redactor: &kooste_ingest::Redactor, name: &str, bytes: &[u8]) {
    let _ = read_input(
        project,
        redactor,
        Path::new(name),
        bytes,
        &IngestOptions::default(),
    );
}

/// Options that say the material is a worker's.
fn as_worker() -> IngestOptions {
    IngestOptions {
        defaults: kooste_ingest::Defaults {
            voice: Some(Voice::Worker),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// What a snapshot shows of each document read: its metadata, its passages and what was
/// removed from it.
fn docs_of(
    reads: &[kooste_ingest::Read],
) -> Vec<(
    &kooste_core::DocumentMeta,
    &Vec<kooste_core::Passage>,
    Vec<String>,
)> {
    reads
        .iter()
        .map(|r| {
            let removed: Vec<String> = r
                .removed
                .iter()
                .map(|(k, n)| format!("{n} {}", k.as_str()))
                .collect();
            (&r.document.meta, &r.document.passages, removed)
        })
        .collect()
}

/// [`docs_of`] as JSON (fields in name order), as the office snapshots keep them.
fn snapshot_docs(reads: &[kooste_ingest::Read]) -> serde_json::Value {
    serde_json::to_value(docs_of(reads)).unwrap()
}

/// Excel and Word files as Office programs write them, read into documents.
#[test]
fn office_inputs() {
    let sheet = |s: &str| IngestOptions {
        sheet: Some(s.into()),
        ..Default::default()
    };
    let with_survey = IngestOptions {
        survey: Some(survey()),
        ..Default::default()
    };
    let cases: Vec<(&str, &str, Vec<u8>, IngestOptions)> = vec![
        (
            "form-xlsx",
            "lomake.xlsx",
            office::form_xlsx(),
            IngestOptions::default(),
        ),
        (
            "form-xlsx-sheet",
            "lomake.xlsx",
            office::form_xlsx(),
            sheet("Svenska"),
        ),
        (
            "survey-xlsx",
            "palaute.xlsx",
            office::survey_xlsx(),
            with_survey,
        ),
        (
            "memo-docx",
            "muistio.docx",
            office::memo_docx(),
            as_worker(),
        ),
        (
            "form-docx",
            "lomake.docx",
            office::form_docx(),
            IngestOptions::default(),
        ),
        (
            "heading-form-docx",
            "palaute.docx",
            office::heading_form_docx(),
            IngestOptions::default(),
        ),
    ];
    for (snap, name, bytes, opts) in cases {
        let reads = read_office(name, &bytes, &opts).unwrap_or_else(|e| panic!("{snap}: {e:?}"));
        insta::assert_yaml_snapshot!(snap, snapshot_docs(&reads));
    }
}

/// The same Markdown a reader stores is what the corpus reads back.
#[test]
fn office_documents_survive_the_corpus_round_trip() {
    let opts = as_worker();
    let first = read_office("muistio.docx", &office::memo_docx(), &opts).unwrap();
    let doc = &first[0].document;
    let stored = kooste_ingest::render_document(&doc.meta, &doc.body);
    let again = read_office("muistio.md", stored.as_bytes(), &IngestOptions::default()).unwrap();
    let texts = |d: &kooste_core::model::Document| {
        d.passages
            .iter()
            .map(|p| p.text.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(texts(doc), texts(&again[0].document));
}

/// What a user sees for Office files that cannot be read.
#[test]
fn office_errors() {
    let xlsx = office::form_xlsx();
    let mut zip_without_parts = Vec::new();
    {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(&mut zip_without_parts));
        w.start_file("hello.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, b"hello").unwrap();
        w.finish().unwrap();
    }
    let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];
    let mut contact = survey();
    contact.columns.insert("Sähköposti".into(), "q3".into());
    let mut missing = survey();
    missing.columns.insert("Vapaa sana".into(), "q3".into());
    missing.battery = "asiakaspalaute".into();
    let mut no_voice = survey();
    no_voice.voice = None;
    let sheet = IngestOptions {
        sheet: Some("Taulukko9".into()),
        ..Default::default()
    };
    let surveyed = |s: kooste_ingest::Survey| IngestOptions {
        survey: Some(s),
        ..Default::default()
    };
    let cases: Vec<(&str, &str, Vec<u8>, IngestOptions)> = vec![
        ("bad-sheet", "lomake.xlsx", xlsx.clone(), sheet),
        (
            "unknown-header-xlsx",
            "lomake.xlsx",
            office::unknown_header_xlsx(),
            IngestOptions::default(),
        ),
        (
            "corrupt-xlsx",
            "lomake.xlsx",
            xlsx[..xlsx.len() / 2].to_vec(),
            IngestOptions::default(),
        ),
        (
            "encrypted-xlsx",
            "lomake.xlsx",
            ole.to_vec(),
            IngestOptions::default(),
        ),
        (
            "old-xls",
            "lomake.xls",
            ole.to_vec(),
            IngestOptions::default(),
        ),
        (
            "not-word",
            "muistio.docx",
            zip_without_parts,
            IngestOptions::default(),
        ),
        (
            "corrupt-docx",
            "muistio.docx",
            b"PK\x03\x04 broken".to_vec(),
            IngestOptions::default(),
        ),
        (
            "docx-without-voice",
            "muistio.docx",
            office::memo_docx(),
            IngestOptions::default(),
        ),
        (
            "survey-contact-column",
            "palaute.xlsx",
            office::survey_xlsx(),
            surveyed(contact),
        ),
        (
            "survey-missing-column",
            "palaute.xlsx",
            office::survey_xlsx(),
            surveyed(missing),
        ),
        (
            "survey-without-voice",
            "palaute.xlsx",
            office::survey_xlsx(),
            surveyed(no_voice),
        ),
    ];
    // A column that is not a question (a signature) is left out, not a reason to refuse
    // the form: nothing in it reaches a document.
    let reads = read_office(
        "lomake.docx",
        &office::bad_form_docx(),
        &IngestOptions::default(),
    )
    .expect("a form with an extra column is read");
    assert_eq!(reads.len(), 1);
    let texts: Vec<&str> = reads[0]
        .document
        .passages
        .iter()
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(texts, ["Velat", "Apua"]);
    for (snap, name, bytes, opts) in cases {
        let errors = read_office(name, &bytes, &opts).expect_err(snap);
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        insta::assert_yaml_snapshot!(snap, lines);
    }
}

/// Names, phone numbers and e-mail addresses in cells and Word tables are removed, and a
/// survey's contact columns never reach a document.
#[test]
fn office_inputs_are_redacted() {
    let worker = as_worker();
    let inputs: Vec<(&str, Vec<u8>, IngestOptions)> = vec![
        ("lomake.xlsx", office::form_xlsx(), IngestOptions::default()),
        (
            "lomake.xlsx",
            office::form_xlsx(),
            IngestOptions {
                sheet: Some("Svenska".into()),
                ..Default::default()
            },
        ),
        (
            "palaute.xlsx",
            office::survey_xlsx(),
            IngestOptions {
                survey: Some(survey()),
                ..Default::default()
            },
        ),
        ("muistio.docx", office::memo_docx(), worker.clone()),
        ("lomake.docx", office::form_docx(), worker),
    ];
    for (name, bytes, opts) in inputs {
        for r in read_office(name, &bytes, &opts).unwrap() {
            let d = &r.document;
            let all = format!("{:?} {}", d.meta, d.body);
            for secret in [
                "Virtan",
                "Maija",
                "040 123",
                "050 765",
                "09 123",
                "@example",
                "192.0.2",
                "198.51",
                "203.0.113",
            ] {
                assert!(!all.contains(secret), "{name}: {secret} in {all}");
            }
        }
    }
}

/// Damaged Office files never make a reader panic.
#[test]
fn office_readers_do_not_panic_on_damaged_files() {
    let project = office_project();
    let redactor = Redactor::new(&register());
    let seeds = [
        ("x.xlsx", office::form_xlsx()),
        ("x.docx", office::memo_docx()),
        ("x.docx", office::form_docx()),
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for i in 0..300 {
        let (name, seed) = &seeds[i % seeds.len()];
        let mut bytes = seed.clone();
        for _ in 0..(1 + i % 4) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let pos = (state as usize) % bytes.len();
            bytes[pos] ^= (state >> 32) as u8 | 1;
        }
        read_damaged(&project, &redactor, name, &bytes);
    }
}

/// A merged answer cell fills every row it spans, in Excel and in Word, and an instructions
/// sheet before the form is passed over.
#[test]
fn merged_cells_fill_their_rows_and_an_instructions_sheet_is_skipped() {
    for (name, bytes) in [
        ("lomake.xlsx", office::merged_form_xlsx()),
        ("lomake.docx", office::merged_form_docx()),
    ] {
        let reads = read_office(name, &bytes, &IngestOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let rows: Vec<Vec<&str>> = reads
            .iter()
            .map(|r| {
                r.document
                    .passages
                    .iter()
                    .map(|p| p.text.as_str())
                    .collect()
            })
            .collect();
        assert_eq!(
            rows,
            [
                vec!["Häätöuhka", "Tilapäinen asunto", "Soitti vuokranantajalle"],
                vec!["Häätöuhka", "Velkaneuvonta", "Varasi ajan"]
            ],
            "{name}"
        );
    }
}

/// A form file numbered by a program after its workshop (`asp-paiva-rannikko-6-0014252`)
/// is ingested, and its rows (ids ending in `-0014252-6`, digits a phone number could
/// have) are read back from the corpus without being refused; a phone number in a given
/// id still is.
#[test]
fn sequence_numbered_form_rows_are_read_back_and_a_phone_in_an_id_is_not() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kooste.toml"), "[project]\nname = \"t\"\n").unwrap();
    std::fs::create_dir(dir.path().join("workshops")).unwrap();
    let mut cycle = String::from("id = \"rannikko\"\nname = \"Rannikko\"\n");
    for n in 1..=6 {
        cycle.push_str(&format!(
            "\n[[workshop]]\nnumber = {n}\ndate = 2026-0{n}-01\n"
        ));
    }
    std::fs::write(dir.path().join("workshops/rannikko.toml"), cycle).unwrap();
    let project = Project::load(dir.path()).unwrap();
    let redactor = Redactor::new(&register());
    let opts = IngestOptions {
        defaults: kooste_ingest::Defaults {
            workshop: Some("rannikko-6".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut csv = String::from(
        "Missä tilanteissa olet hakenut apua?;Millaista apua sait sosiaalityöstä?;Mitä sosiaalityöntekijä teki tässä?\n",
    );
    for _ in 0..6 {
        csv.push_str("Velat;Suunnitelma;Soitti\n");
    }
    let reads = read_input(
        &project,
        &redactor,
        Path::new("asp-paiva-rannikko-6-0014252.csv"),
        csv.as_bytes(),
        &opts,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(reads.len(), 6);
    assert_eq!(reads[5].document.meta.id, "asp-paiva-rannikko-6-0014252-6");
    for read in &reads {
        let doc = &read.document;
        let stored = kooste_ingest::render_document(&doc.meta, &doc.body);
        let name = format!("{}.md", doc.meta.id);
        let again = read_input(
            &project,
            &redactor,
            Path::new(&name),
            stored.as_bytes(),
            &IngestOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(again[0].document.meta.id, doc.meta.id);
    }
    let phone =
        "---\nid: rannikko-6-0401234567\nvoice: client\nworkshop: rannikko-6\n---\nVelat.\n";
    let errors = read_input(
        &project,
        &redactor,
        Path::new("x.md"),
        phone.as_bytes(),
        &IngestOptions::default(),
    )
    .expect_err("a phone number in an id is refused");
    assert!(
        errors[0].to_string().contains("holds personal data"),
        "{errors:?}"
    );
}
