//! Same file name, different sender: a document's identity is its source, not its file
//! name. For every input kind, two same-named files from two folders both survive (in the
//! corpus, the index and a digest), the same file again is unchanged, an edited file
//! updates, and a moved file is recognised by its contents.

use crate::TestProject;
use crate::office::{cell, pack, para};
use docx_rs::{Docx, Table, TableRow};
use rust_xlsxwriter::Workbook;
use serde_json::Value;

const Q: [&str; 3] = [
    "1. Millaisiin tilanteisiin olet hakenut apua?",
    "2. Millaista apua sait sosiaalityöstä?",
    "3. Mitä sosiaalityöntekijä teki tässä?",
];

/// One input kind: its file name, extra flags, and the file with a word of its own in it.
struct Kind {
    name: &'static str,
    flags: &'static [&'static str],
    make: fn(&str) -> Vec<u8>,
    /// A mapping file that must lie beside the file (survey exports).
    beside: Option<(&'static str, &'static str)>,
}

fn markdown(word: &str) -> Vec<u8> {
    format!("---\nvoice: client\ntheme: osallisuus\n---\nKerroin työntekijälle asiasta {word}.\n\nToinen kappale samasta asiasta.\n").into_bytes()
}

fn text(word: &str) -> Vec<u8> {
    format!("Puhelimessa sovittiin asiasta {word}.\n").into_bytes()
}

fn csv(word: &str) -> Vec<u8> {
    format!(
        "{};{};{}\nVuokrarästit;Maksusitoumus asiaan {word};Soitti vuokranantajalle\nYksinäisyys;Vertaisryhmä;Ohjasi ryhmään\n",
        Q[0], Q[1], Q[2]
    )
    .into_bytes()
}

fn xlsx(word: &str) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        [Q[0], Q[1], Q[2]],
        [
            "Vuokrarästit",
            &format!("Maksusitoumus asiaan {word}"),
            "Soitti vuokranantajalle",
        ],
        ["Yksinäisyys", "Vertaisryhmä", "Ohjasi ryhmään"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn docx_memo(word: &str) -> Vec<u8> {
    pack(
        Docx::new()
            .add_paragraph(para(&format!("Kotikäynnillä puhuttiin asiasta {word}.")))
            .add_paragraph(para("Sovimme uuden käynnin.")),
    )
}

fn docx_form(word: &str) -> Vec<u8> {
    pack(Docx::new().add_table(Table::new(vec![
        TableRow::new(vec![cell(Q[0]), cell(Q[1]), cell(Q[2])]),
        TableRow::new(vec![
            cell("Velat"),
            cell(&format!("Pääsin neuvontaan asiassa {word}")),
            cell("Ohjasi velkaneuvontaan"),
        ]),
    ])))
}

fn survey(word: &str) -> Vec<u8> {
    format!(
        "Vastaajan numero;Miten sinut otettiin vastaan, kun otit yhteyttä sosiaalityöhön?;Mikä muuttui elämässäsi asiakkuuden aikana?\n101;Hyvin;Sain apua asiaan {word}\n102;Kiireesti;En osaa sanoa\n"
    )
    .into_bytes()
}

const SURVEY_TOML: &str =
    "battery = \"asiakaspalaute\"\nvoice = \"client\"\nrespondent = \"Vastaajan numero\"\n";

fn kinds() -> Vec<Kind> {
    vec![
        Kind {
            name: "kertomus.md",
            flags: &[],
            make: markdown,
            beside: None,
        },
        Kind {
            name: "muistio.txt",
            flags: &["--voice", "worker", "--theme", "osallisuus"],
            make: text,
            beside: None,
        },
        Kind {
            name: "lomake.csv",
            flags: &[],
            make: csv,
            beside: None,
        },
        Kind {
            name: "lomake-excel.xlsx",
            flags: &[],
            make: xlsx,
            beside: None,
        },
        Kind {
            name: "Käynti.docx",
            flags: &["--voice", "worker", "--theme", "osallisuus"],
            make: docx_memo,
            beside: None,
        },
        Kind {
            name: "lomake-word.docx",
            flags: &[],
            make: docx_form,
            beside: None,
        },
        Kind {
            name: "kysely.csv",
            flags: &[],
            make: survey,
            beside: Some(("kysely.survey.toml", SURVEY_TOML)),
        },
    ]
}

/// The ids and outcomes a `--json` ingest reports for its one file.
fn outcomes(run: &crate::Run) -> Vec<(String, String)> {
    assert!(run.code == 0, "{run:?}");
    run.json()["files"][0]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().to_string(),
                d["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn all(outcomes: &[(String, String)], what: &str) -> bool {
    !outcomes.is_empty() && outcomes.iter().all(|(_, o)| o == what)
}

fn corpus_text(p: &TestProject) -> String {
    p.corpus().into_iter().map(|(_, t)| t).collect()
}

/// How many hits a search for `word` has whose snippet holds it.
fn found(p: &TestProject, word: &str) -> usize {
    let out = p.kooste(&["search", word, "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let stem: String = word.chars().take(8).collect();
    out.json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["snippet"].as_str().unwrap_or("").contains(&stem))
        .count()
}

#[test]
fn same_named_files_from_two_senders_both_survive_for_every_input_kind() {
    let p = TestProject::example();
    const WORDS: [&str; 21] = [
        "kirjastokortti",
        "uimahallilippu",
        "polkupyörä",
        "sateenvarjo",
        "talvitakki",
        "hammasharja",
        "kalastuslupa",
        "mansikkamaa",
        "lumilapio",
        "verhotanko",
        "pyykkikone",
        "kahvinkeitin",
        "silitysrauta",
        "matkalaukku",
        "puutarhatuoli",
        "saunavihta",
        "villasukka",
        "kirjahylly",
        "ompelukone",
        "rullaluistin",
        "vaatekaappi",
    ];
    let words = |i: usize| {
        [
            WORDS[3 * i].to_string(),
            WORDS[3 * i + 1].to_string(),
            WORDS[3 * i + 2].to_string(),
        ]
    };
    let mut every_word = Vec::new();
    for (i, k) in kinds().iter().enumerate() {
        let [wa, wb, wa2] = words(i);
        let ingest = |rel: &str| {
            let mut args = vec!["ingest", rel, "--json", "--workshop", "rannikko-5"];
            args.extend_from_slice(k.flags);
            p.kooste(&args)
        };
        for dir in ["tiimi-a", "tiimi-b"] {
            if let Some((name, text)) = k.beside {
                p.write(&format!("lahetykset/{dir}/{name}"), text.as_bytes());
            }
        }
        let a = format!("lahetykset/tiimi-a/{}", k.name);
        let b = format!("lahetykset/tiimi-b/{}", k.name);
        p.write(&a, &(k.make)(&wa));
        p.write(&b, &(k.make)(&wb));

        let first = outcomes(&ingest(&a));
        assert!(all(&first, "added"), "{}: {first:?}", k.name);
        let run = ingest(&b);
        let second = outcomes(&run);
        assert!(
            all(&second, "added"),
            "{}: the second sender's file is new: {second:?}",
            k.name
        );
        assert!(
            second.iter().all(|(id, _)| id.starts_with("tiimi-b-")),
            "{}: its ids say where it came from: {second:?}",
            k.name
        );
        let notes = run.json()["files"][0]["notes"].to_string();
        assert!(
            notes.contains("another file with the same name, and both are kept")
                && notes.contains("--replace"),
            "{}: the output says so in plain words: {notes}",
            k.name
        );
        let text = corpus_text(&p);
        assert!(
            text.contains(&wa) && text.contains(&wb),
            "{}: both in the corpus",
            k.name
        );
        assert!(text.contains("source: lahetykset/tiimi-b/"), "{}", k.name);

        // The same file again: nothing changes.
        let before = p.corpus();
        let again = outcomes(&ingest(&a));
        assert!(all(&again, "unchanged"), "{}: {again:?}", k.name);
        assert_eq!(before, p.corpus(), "{}: re-ingest is idempotent", k.name);

        // The first file edited: it updates, the other sender's is untouched.
        p.write(&a, &(k.make)(&wa2));
        let edited = outcomes(&ingest(&a));
        assert!(
            edited.iter().any(|(_, o)| o == "replaced")
                && edited.iter().all(|(id, _)| !id.starts_with("tiimi-b-")),
            "{}: {edited:?}",
            k.name
        );
        let text = corpus_text(&p);
        assert!(
            text.contains(&wa2) && !text.contains(&wa) && text.contains(&wb),
            "{}",
            k.name
        );

        // The second file moved elsewhere and ingested again: the same material.
        let c = format!("lahetykset/siirretty/{}", k.name);
        if let Some((name, text)) = k.beside {
            p.write(&format!("lahetykset/siirretty/{name}"), text.as_bytes());
        }
        std::fs::create_dir_all(p.root.join("lahetykset/siirretty")).unwrap();
        std::fs::rename(p.root.join(&b), p.root.join(&c)).unwrap();
        let count = p.corpus().len();
        let run = ingest(&c);
        let moved = outcomes(&run);
        assert!(all(&moved, "unchanged"), "{}: {moved:?}", k.name);
        assert!(
            moved.iter().all(|(id, _)| id.starts_with("tiimi-b-")),
            "{}: {moved:?}",
            k.name
        );
        assert_eq!(count, p.corpus().len(), "{}: not duplicated", k.name);
        assert!(
            run.json()["files"][0]["notes"]
                .to_string()
                .contains("the same contents as")
        );
        // ... and an edit at its new place updates it.
        p.write(&c, &(k.make)(&format!("{wb} ja {wa}")));
        let after_move = outcomes(&ingest(&c));
        assert!(
            after_move.iter().any(|(_, o)| o == "replaced")
                && after_move.iter().all(|(id, _)| id.starts_with("tiimi-b-")),
            "{}: {after_move:?}",
            k.name
        );
        every_word.push(wa2);
        every_word.push(wb.clone());
    }

    // Both senders' material is searchable and in the digest of the round.
    let out = p.kooste(&["index"]);
    assert_eq!(out.code, 0, "{out:?}");
    for w in &every_word {
        assert!(found(&p, w) >= 1, "{w} is found");
    }
    let digest = p.kooste(&["digest", "rannikko-6", "--format", "md"]);
    assert_eq!(digest.code, 0, "{digest:?}");
    for w in &every_word {
        assert!(digest.stdout.contains(w.as_str()), "{w} in the digest");
    }
}

#[test]
fn two_same_named_files_in_one_directory_ingest_both_land() {
    let p = TestProject::new();
    p.write("saapuneet/a/kertomus.md", &markdown("sateenvarjo"));
    p.write("saapuneet/b/kertomus.md", &markdown("talvitakki"));
    let out = p.kooste(&["ingest", "saapuneet", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let ids: Vec<String> = out.json()["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["documents"][0]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["kertomus", "b-kertomus"]);
    let text = corpus_text(&p);
    assert!(text.contains("sateenvarjo") && text.contains("talvitakki"));
    // Again: both unchanged, and still two.
    let out = p.kooste(&["ingest", "saapuneet", "--json"]);
    let again: Vec<Value> = out.json()["files"].as_array().unwrap().clone();
    assert!(
        again
            .iter()
            .all(|f| f["documents"][0]["outcome"] == "unchanged"),
        "{again:?}"
    );
    assert_eq!(p.corpus().len(), 2);
}

#[test]
fn files_from_outside_the_project_are_told_apart_by_their_folders() {
    let p = TestProject::new();
    let outside = tempfile::tempdir().unwrap();
    for (dir, word) in [("tiimi-a", "sateenvarjo"), ("tiimi-b", "talvitakki")] {
        let f = outside.path().join(dir).join("kertomus.md");
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, markdown(word)).unwrap();
    }
    let ingest = |rel: &str| {
        let out = assert_cmd::Command::cargo_bin("kooste")
            .unwrap()
            .current_dir(outside.path())
            .args(["--project", p.root.to_str().unwrap(), "ingest", rel])
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    assert_eq!(ingest("tiimi-a/kertomus.md").0, Some(0));
    let (code, stdout) = ingest("tiimi-b/kertomus.md");
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("1 added") && stdout.contains("stored as 'tiimi-b-kertomus'"),
        "{stdout}"
    );
    let corpus = p.corpus();
    assert_eq!(corpus.len(), 2);
    // Where it was ingested from, relative to that place: never a full path.
    assert!(
        corpus
            .iter()
            .any(|(_, t)| t.contains("source: tiimi-b/kertomus.md")),
        "{corpus:?}"
    );
    let outside_name = outside.path().to_string_lossy().to_string();
    assert!(corpus.iter().all(|(_, t)| !t.contains(&outside_name)));
}

#[test]
fn replace_says_a_file_supersedes_another() {
    let p = TestProject::new();
    p.write("a/kertomus.md", &markdown("sateenvarjo"));
    p.write("b/kertomus.md", &markdown("talvitakki"));
    assert_eq!(p.kooste(&["ingest", "a/kertomus.md"]).code, 0);
    let out = p.kooste(&["ingest", "b/kertomus.md", "--replace", "kertomus", "--json"]);
    assert_eq!(
        outcomes(&out),
        [("kertomus".to_string(), "replaced".to_string())]
    );
    let corpus = p.corpus();
    assert_eq!(corpus.len(), 1);
    assert!(corpus[0].1.contains("talvitakki") && corpus[0].1.contains("source: b/kertomus.md"));
    // From now on b/kertomus.md is that document's source.
    p.write("b/kertomus.md", &markdown("kumisaappaat"));
    let out = p.kooste(&["ingest", "b/kertomus.md", "--json"]);
    assert_eq!(
        outcomes(&out),
        [("kertomus".to_string(), "replaced".to_string())]
    );
    // And a/kertomus.md is another sender's file again.
    let out = p.kooste(&["ingest", "a/kertomus.md", "--json"]);
    assert_eq!(
        outcomes(&out),
        [("a-kertomus".to_string(), "added".to_string())]
    );

    let unknown = p.kooste(&["ingest", "a/kertomus.md", "--replace", "ei-ole"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown
            .stderr
            .contains("--replace ei-ole: the corpus has no document 'ei-ole'"),
        "{}",
        unknown.stderr
    );
    let two = p.kooste(&[
        "ingest",
        "a/kertomus.md",
        "b/kertomus.md",
        "--replace",
        "kertomus",
    ]);
    assert_eq!(two.code, 2, "{two:?}");
}

#[test]
fn documents_from_before_keep_their_ids_and_learn_their_source() {
    let p = TestProject::new();
    p.write("a/kertomus.md", &markdown("sateenvarjo"));
    // A corpus document as an earlier kooste stored it: no source facts.
    let old = "---\nid: kertomus\nvoice: client\ntheme: osallisuus\nsource: a/kertomus.md\n---\nKerroin työntekijälle asiasta sateenvarjo.\n\nToinen kappale samasta asiasta.\n";
    p.write("corpus/muut/kertomus.md", old.as_bytes());
    let out = p.kooste(&["ingest", "a/kertomus.md", "--json"]);
    assert_eq!(
        outcomes(&out),
        [("kertomus".to_string(), "unchanged".to_string())]
    );
    let (_, now) = &p.corpus()[0];
    assert!(
        now.contains("source_key: ") && now.contains("content_key: "),
        "{now}"
    );
    let without_facts: String = now
        .lines()
        .filter(|l| !l.starts_with("source_key:") && !l.starts_with("content_key:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(without_facts, old, "only the source facts were added");

    // An earlier document from outside the project knew only its bare file name: a file of
    // that name with other contents is kept apart, with a note on how to say otherwise.
    let q = TestProject::new();
    let old = "---\nid: kertomus\nvoice: client\ntheme: osallisuus\nsource: kertomus.md\n---\nKerroin työntekijälle asiasta sateenvarjo.\n\nToinen kappale samasta asiasta.\n";
    q.write("corpus/muut/kertomus.md", old.as_bytes());
    let outside = tempfile::tempdir().unwrap();
    let f = outside.path().join("kertomus.md");
    std::fs::write(&f, markdown("talvitakki")).unwrap();
    let out = q.kooste(&["ingest", f.to_str().unwrap(), "--json"]);
    let got = outcomes(&out);
    assert_eq!(got.len(), 1);
    assert_ne!(got[0].0, "kertomus", "{got:?}");
    assert_eq!(q.corpus().len(), 2);
    // The same contents as the old document: that document's, unchanged.
    std::fs::write(&f, markdown("sateenvarjo")).unwrap();
    let r = TestProject::new();
    r.write("corpus/muut/kertomus.md", old.as_bytes());
    let out = r.kooste(&["ingest", f.to_str().unwrap(), "--json"]);
    assert_eq!(
        outcomes(&out),
        [("kertomus".to_string(), "unchanged".to_string())]
    );
    assert_eq!(r.corpus().len(), 1);
}

#[test]
fn a_copy_of_a_file_that_is_still_there_adds_nothing() {
    let p = TestProject::new();
    p.write("a/kertomus.md", &markdown("sateenvarjo"));
    p.write("b/kertomus.md", &markdown("sateenvarjo"));
    assert_eq!(p.kooste(&["ingest", "a/kertomus.md"]).code, 0);
    let out = p.kooste(&["ingest", "b/kertomus.md", "--json"]);
    assert_eq!(
        outcomes(&out),
        [("kertomus".to_string(), "unchanged".to_string())]
    );
    assert!(
        out.json()["files"][0]["notes"]
            .to_string()
            .contains("already in the corpus; nothing stored")
    );
    assert_eq!(p.corpus().len(), 1);
    // Both again: still one document, and no file is rewritten back and forth.
    let before = p.corpus();
    for f in ["a/kertomus.md", "b/kertomus.md", "a/kertomus.md"] {
        assert_eq!(p.kooste(&["ingest", f]).code, 0);
    }
    assert_eq!(before, p.corpus());
}

#[test]
fn file_names_with_personal_data_make_neutral_ids() {
    let p = TestProject::new();
    p.write(
        "saapuneet/10 Marjatta Korhonen 131052-308T.md",
        &markdown("sateenvarjo"),
    );
    let out = p.kooste(&["ingest", "saapuneet", "--json"]);
    let got = outcomes(&out);
    assert_eq!(got[0].0, "10-nimi-hetu", "{got:?}");
    for (path, text) in p.corpus() {
        // The fingerprints (`source_key`, `content_key`) are random-looking hex: "308" can
        // occur in them by chance, so they are left out of the look.
        let text: String = text
            .lines()
            .filter(|l| !l.starts_with("source_key:") && !l.starts_with("content_key:"))
            .collect::<Vec<_>>()
            .join("\n");
        for secret in ["Marjatta", "Korhonen", "marjatta", "131052", "308"] {
            assert!(
                !path.contains(secret) && !text.contains(secret),
                "{secret} in {path}: {text}"
            );
        }
    }
    let search = p.kooste(&["search", "sateenvarjo", "--json"]).stdout;
    assert!(!search.to_lowercase().contains("korhonen"), "{search}");

    // A person's id with a name in it is an error that says what to do; nothing is written.
    p.write(
        "b/x.md",
        b"---\nid: marjatta-korhonen-2018\nvoice: client\n---\nTeksti.\n",
    );
    let out = p.kooste(&["ingest", "b/x.md"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("b/x.md:2: the id 'marjatta-korhonen-2018' holds personal data")
            && out.stderr.contains("remove the `id:` line"),
        "{}",
        out.stderr
    );
    assert_eq!(p.corpus().len(), 1);
}
