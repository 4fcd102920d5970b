//! `kooste ingest`: Markdown, plain text and CSV forms in, redacted documents out; bad input,
//! personal data, and durability.

use crate::TestProject;

#[test]
fn markdown_text_and_forms_become_documents() {
    let p = TestProject::new();
    let md = p.inbox("asiakas.md");
    let sv = p.inbox("forskare.md");
    let csv = p.inbox("asp-paiva.csv");
    let txt = p.write(
        "inbox/muistio.txt",
        "Muistio kotikäynnistä.\n\nToinen kappale.\n".as_bytes(),
    );
    let out = p.kooste(&[
        "ingest",
        "inbox/asiakas.md",
        "inbox/forskare.md",
        "inbox/asp-paiva.csv",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let j = out.json();
    let files = j["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(
        files[2]["documents"].as_array().unwrap().len(),
        2,
        "one document per form row"
    );
    let out = p.kooste(&[
        "ingest",
        "inbox/muistio.txt",
        "--voice",
        "työntekijä",
        "--workshop",
        "x-1",
    ]);
    // The project has no workshops yet, so any workshop id is accepted.
    assert_eq!(out.code, 0, "{out:?}");
    let corpus = p.corpus();
    let names: Vec<&str> = corpus.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "corpus/muut/asiakas.md",
            "corpus/muut/asp-paiva-1.md",
            "corpus/muut/asp-paiva-2.md",
            "corpus/muut/forskare.md",
            "corpus/x-1/muistio.md"
        ]
    );
    let (_, form) = &corpus[1];
    assert!(
        form.contains("battery: asp-paiva\n")
            && form.contains("row: 1\n")
            && form.contains("source: inbox/asp-paiva.csv\n")
    );
    assert!(
        form.contains("## Millaisiin tilanteisiin olet hakenut apua?\n\nHäätöilmoitus;\nvelkoja\n"),
        "{form}"
    );
    let (_, asiakas) = &corpus[0];
    assert!(
        asiakas.contains("voice: client\nvia: worker\n"),
        "Finnish voices are stored in English: {asiakas}"
    );
    let (_, memo) = &corpus[4];
    assert!(memo.contains("voice: worker\nworkshop: x-1\n"), "{memo}");
    for f in [md, sv, csv, txt] {
        assert!(f.exists(), "the original stays");
    }
}

#[test]
fn the_same_file_twice_is_not_duplicated_and_a_changed_file_replaces_its_old_version() {
    let p = TestProject::new();
    p.inbox("asiakas.md");
    p.inbox("asp-paiva.csv");
    assert_eq!(p.kooste(&["ingest", "inbox"]).code, 0);
    let before = p.corpus();
    let again = p.kooste(&["ingest", "inbox", "--json"]);
    assert_eq!(again.code, 0);
    assert!(
        again.stdout.matches("\"unchanged\"").count() == 3,
        "{}",
        again.stdout
    );
    assert_eq!(p.corpus(), before);

    let text = std::fs::read_to_string(p.root.join("inbox/asiakas.md"))
        .unwrap()
        .replace("Vaasassa", "Vasassa");
    p.write("inbox/asiakas.md", text.as_bytes());
    // The form loses its second row.
    let csv = std::fs::read(p.root.join("inbox/asp-paiva.csv")).unwrap();
    let first_two_lines = csv
        .split(|&b| b == b'\n')
        .take(3)
        .collect::<Vec<_>>()
        .join(&b'\n');
    p.write(
        "inbox/asp-paiva.csv",
        &[first_two_lines.as_slice(), b"\n"].concat(),
    );
    let out = p.kooste(&["ingest", "inbox", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let after = p.corpus();
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after[0].1.contains("Vasassa"));
    assert!(
        out.stdout.contains("\"replaced\"") && out.stdout.contains("\"removed\""),
        "{}",
        out.stdout
    );
}

#[test]
fn bad_files_are_reported_and_the_others_still_ingested() {
    let p = TestProject::new();
    p.inbox("asiakas.md");
    let bad = [
        ("inbox/empty.md", b"".as_slice()),
        ("inbox/utf16.md", b"\xff\xfev\x00o\x00".as_slice()),
        ("inbox/open.md", b"---\nvoice: client\ntext\n".as_slice()),
        ("inbox/voice.md", b"---\nvoice: johtaja\n---\ntext\n".as_slice()),
        ("inbox/header.csv", "Nimi;Puhelin\nx;y\n".as_bytes()),
        ("inbox/ragged.csv", "Millaisiin tilanteisiin olet hakenut apua?;Millaista apua sait sosiaalityöstä?\na;b\nc;d;e\n".as_bytes()),
    ];
    let originals: Vec<_> = bad
        .iter()
        .map(|(n, b)| (p.write(n, b), b.to_vec()))
        .collect();
    let out = p.kooste(&["ingest", "inbox", "inbox/missing.md"]);
    assert_eq!(out.code, 1);
    let expected = [
        "inbox/empty.md:1: the file is empty",
        "inbox/header.csv:1: the header row matches no question battery",
        "inbox/open.md:1: the front matter opened with --- on this line is never closed",
        "inbox/ragged.csv:3: this row has 3 field(s) but the header has 2",
        "inbox/utf16.md:1: the file is not valid UTF-8",
        "inbox/voice.md:2: unknown voice 'johtaja'",
        "inbox/missing.md:1: cannot read the file",
    ];
    let lines: Vec<&str> = out.stderr.lines().collect();
    for e in expected {
        assert!(
            lines.iter().any(|l| l.starts_with(e)),
            "missing `{e}` in:\n{}",
            out.stderr
        );
    }
    // Each error is one line that says what to do.
    for l in lines.iter().filter(|l| l.starts_with("inbox/")) {
        assert!(l.contains(';'), "no advice in: {l}");
    }
    let corpus = p.corpus();
    assert_eq!(
        corpus.len(),
        1,
        "only the good file lands, nothing half-written: {corpus:?}"
    );
    for (path, bytes) in originals {
        assert_eq!(
            std::fs::read(path).unwrap(),
            bytes,
            "the user's file is untouched"
        );
    }
}

#[test]
fn a_given_id_that_another_file_has_is_refused_not_overwritten() {
    let p = TestProject::new();
    p.write(
        "a/kertomus.md",
        b"---\nid: kertomus\nvoice: client\n---\nEka.\n",
    );
    p.write(
        "b/kertomus.md",
        b"---\nid: kertomus\nvoice: client\n---\nToka.\n",
    );
    assert_eq!(p.kooste(&["ingest", "a/kertomus.md"]).code, 0);
    let out = p.kooste(&["ingest", "b/kertomus.md"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(
            "already has a document 'kertomus' from a/kertomus.md; give this file another `id:`"
        ),
        "{}",
        out.stderr
    );
    let corpus = p.corpus();
    assert_eq!(corpus.len(), 1, "nothing written: {corpus:?}");
    assert!(corpus[0].1.contains("Eka."));
}

#[test]
fn personal_data_never_reaches_the_corpus() {
    let p = TestProject::new();
    p.inbox("asiakas.md");
    p.inbox("forskare.md");
    let out = p.kooste(&["ingest", "inbox", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let all: String = p.corpus().into_iter().map(|(_, t)| t).collect();
    for secret in [
        "Maija",
        "Virtanen",
        "Mikon",
        "131052-308T",
        "040 123 4567",
        "maija.virtanen@example.fi",
        "Pekka",
        "Korhosen",
        "765 4321",
    ] {
        assert!(
            !all.contains(secret),
            "{secret} leaked into the corpus:\n{all}"
        );
    }
    for kept in [
        "14.3.2018",
        "klo 9.30",
        "1 200 €",
        "1301/2014",
        "Vaasassa",
        "Kela ja A-klinikka",
        "Asiakas A",
        "Työntekijä B",
        "[hetu]",
        "[puhelin]",
        "[sähköposti]",
        "[nimi]",
        "[telefon]",
    ] {
        assert!(all.contains(kept), "{kept} is missing:\n{all}");
    }
    let j = out.json();
    let removed = &j["files"][0]["removed"];
    assert_eq!(
        (
            removed["hetu"].as_u64(),
            removed["phone"].as_u64(),
            removed["email"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(
        (removed["participant"].as_u64(), removed["name"].as_u64()),
        (Some(2), Some(1))
    );
    // The per-file report, in plain text too.
    let text = p.kooste(&["ingest", "inbox/asiakas.md"]);
    assert!(
        text.stdout
            .contains("removed 1 hetu, 1 phone, 1 email, 2 participant, 1 name"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains("Maija") && !text.stderr.contains("Maija"));
}

#[test]
fn files_placed_in_the_corpus_by_hand_are_validated_and_redacted() {
    let p = TestProject::new();
    p.write(
        "corpus/kasin.md",
        b"---\nvoice: client\n---\nSoita 040 123 4567.\n",
    );
    p.write("corpus/rikki.md", b"---\nvoice: pomo\n---\nx\n");
    p.write("corpus/liite.pdf", b"%PDF");
    let out = p.kooste(&["status", "--json"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("corpus/liite.pdf:1: kooste cannot read .pdf files"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("corpus/rikki.md:2: unknown voice 'pomo'"),
        "{}",
        out.stderr
    );
    assert_eq!(out.json()["passages"], 1);
    let text = p.kooste(&["status"]);
    assert!(
        text.stdout
            .contains("1 corpus file(s) still hold personal data"),
        "{}",
        text.stdout
    );
}

/// `status` names each corpus file that still holds personal data, with the line, in text
/// and JSON; `kooste redact FILE` rewrites it in place, redacted, keeping a hand edit.
#[test]
fn status_names_files_with_personal_data_and_redact_cleans_them() {
    let p = TestProject::new();
    p.write(
        "corpus/muut/muistio.md",
        "---\nid: muistio\nvoice: worker\npseudonym: Maija Virtanen\n---\nKäsin lisätty: asiakas soitti.\n\nHänen numeronsa on 040 123 4567.\n".as_bytes(),
    );
    p.write(
        "corpus/muut/puhdas.md",
        b"---\nid: puhdas\nvoice: worker\n---\nEi henkilotietoja.\n",
    );
    let out = p.kooste(&["status"]);
    assert_eq!(out.code, 0, "{out:?}");
    for line in [
        "1 corpus file(s) still hold personal data",
        "  corpus/muut/muistio.md:4: participant",
        "  corpus/muut/muistio.md:8: phone",
        "kooste redact FILE",
    ] {
        assert!(out.stdout.contains(line), "{line} not in {}", out.stdout);
    }
    assert!(!out.stdout.contains("Virtanen") && !out.stdout.contains("puhdas"));
    let json = p.kooste(&["status", "--json"]).json();
    assert_eq!(
        json["personal_data"],
        serde_json::json!([{"file": "corpus/muut/muistio.md", "lines": [
            {"line": 4, "kinds": ["participant"]},
            {"line": 8, "kinds": ["phone"]},
        ]}])
    );

    let out = p.kooste(&["redact", "corpus/muut/muistio.md"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("corpus/muut/muistio.md: rewritten; removed 1 phone, 1 participant"),
        "{}",
        out.stdout
    );
    let text = std::fs::read_to_string(p.root.join("corpus/muut/muistio.md")).unwrap();
    assert_eq!(
        text,
        "---\nid: muistio\nvoice: worker\npseudonym: Asiakas A\n---\nKäsin lisätty: asiakas soitti.\n\nHänen numeronsa on [puhelin].\n"
    );
    let json = p.kooste(&["status", "--json"]).json();
    assert_eq!(json["personal_data"], serde_json::json!([]));
    // Nothing left: --all has nothing to do; a file outside the corpus is refused.
    let out = p.kooste(&["redact", "--all"]);
    assert!(
        out.stdout.contains("No corpus file holds personal data."),
        "{out:?}"
    );
    p.write("inbox/x.md", b"---\nvoice: worker\n---\n040 123 4567\n");
    assert_eq!(p.kooste(&["redact", "inbox/x.md"]).code, 1);
    assert_eq!(p.kooste(&["redact"]).code, 2);
}

#[test]
fn an_interrupted_ingest_is_finished_or_rolled_back() {
    let p = TestProject::new();
    // Interrupted after the journal was written: the staged files are renamed into place.
    p.write(
        "corpus/muut/.kooste-stage-0-a.md",
        b"---\nid: a\nvoice: client\n---\nA.\n",
    );
    p.write(
        "corpus/muut/.kooste-stage-1-b.md",
        b"---\nid: b\nvoice: client\n---\nB.\n",
    );
    p.write("corpus/.kooste-journal", b"rename\tmuut/.kooste-stage-0-a.md\tmuut/a.md\nrename\tmuut/.kooste-stage-1-b.md\tmuut/b.md\nend\n");
    assert_eq!(
        p.kooste(&["ingest", &p.inbox("forskare.md").to_string_lossy()])
            .code,
        0
    );
    let names: Vec<String> = p.corpus().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "corpus/muut/a.md",
            "corpus/muut/b.md",
            "corpus/muut/forskare.md"
        ]
    );
    // Interrupted before the journal was complete: the staged files are swept away.
    p.write(
        "corpus/muut/.kooste-stage-0-c.md",
        b"---\nid: c\nvoice: client\n---\nC.\n",
    );
    p.write(
        "corpus/.kooste-journal",
        b"rename\tmuut/.kooste-stage-0-c.md\tmuut/c.md\n",
    );
    assert_eq!(p.kooste(&["ingest", "inbox/forskare.md"]).code, 0);
    let names: Vec<String> = p.corpus().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "corpus/muut/a.md",
            "corpus/muut/b.md",
            "corpus/muut/forskare.md"
        ]
    );
}

#[test]
fn metadata_is_checked_against_the_project() {
    let p = TestProject::new();
    p.write("workshops/seutu.toml", b"id = \"seutu\"\nname = \"Seutu\"\n\n[[workshop]]\nnumber = 1\ndate = 2018-01-10\nthemes = [\"osallisuus\"]\n");
    p.write(
        "inbox/a.md",
        b"---\nvoice: client\nworkshop: seutu-7\ntheme: onni\n---\nTeksti.\n",
    );
    let out = p.kooste(&["ingest", "inbox/a.md"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("inbox/a.md:3: unknown workshop 'seutu-7'; the workshops are seutu-1"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("inbox/a.md:4: unknown theme 'onni'"),
        "{}",
        out.stderr
    );
    let conflict = p.kooste(&["ingest", "inbox/a.md", "--workshop", "seutu-1"]);
    assert!(
        conflict
            .stderr
            .contains("the front matter says workshop 'seutu-7' but --workshop seutu-1 was given"),
        "{}",
        conflict.stderr
    );
}

/// Excel and Word forms, a Word memo and a survey export with its mapping beside it, as the
/// writer libraries make them (`cargo run -p kooste-ingest --example office_examples`).
#[test]
fn excel_word_and_survey_exports_become_documents() {
    let p = TestProject::new();
    let battery = std::fs::read(
        crate::support::fixtures().join("../../workshops/batteries/asiakaspalaute.toml"),
    )
    .unwrap();
    p.write("workshops/batteries/asiakaspalaute.toml", &battery);
    for f in [
        "asp-paiva-kevat.xlsx",
        "asp-paiva-lomake.docx",
        "kotikaynnit-muistio.docx",
        "asiakaspalaute-webropol.xlsx",
        "asiakaspalaute-webropol.survey.toml",
    ] {
        p.inbox(f);
    }
    // A directory: the survey finds its mapping beside it; the Word form's instructions
    // are reported as left out, since no voice was given for them; the memo, which has no
    // voice of its own, is rejected and the rest goes in.
    let out = p.kooste(&["ingest", "inbox", "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .starts_with("inbox/kotikaynnit-muistio.docx:1: no voice: give --voice"),
        "{out:?}"
    );
    let j = out.json();
    let files = j["files"].as_array().unwrap();
    let by_name = |name: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not ingested: {j}"))
    };
    let docs = |name: &str| by_name(name)["documents"].as_array().unwrap().len();
    assert_eq!(docs("asp-paiva-kevat.xlsx"), 3);
    assert_eq!(docs("asp-paiva-lomake.docx"), 2);
    assert_eq!(docs("asiakaspalaute-webropol.xlsx"), 3);
    let notes = by_name("asiakaspalaute-webropol.xlsx")["notes"].to_string();
    assert!(
        notes.contains("'Sähköposti'") && notes.contains("'IP-osoite'"),
        "{notes}"
    );
    assert!(
        by_name("asp-paiva-lomake.docx")["notes"]
            .to_string()
            .contains("--voice"),
        "{j}"
    );
    assert_eq!(j["errors"].as_array().unwrap().len(), 1, "{j}");
    assert!(
        !files.iter().any(|f| f["path"]
            .as_str()
            .unwrap()
            .ends_with("kotikaynnit-muistio.docx")),
        "{j}"
    );
    let out = p.kooste(&[
        "ingest",
        "inbox/kotikaynnit-muistio.docx",
        "--voice",
        "worker",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("1 added (6 passages)"), "{out:?}");
    let out = p.kooste(&[
        "ingest",
        "inbox/asp-paiva-kevat.xlsx",
        "--sheet",
        "Puuttuva",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("inbox/asp-paiva-kevat.xlsx:1: the workbook has no sheet 'Puuttuva'; its sheets are 'Lomake', 'Svenska'"),
        "{out:?}"
    );
    let corpus = p.corpus();
    let survey = &corpus
        .iter()
        .find(|(n, _)| n.ends_with("asiakaspalaute-webropol-101.md"))
        .unwrap()
        .1;
    assert!(
        survey.contains("voice: client\nbattery: asiakaspalaute\ndate: 2018-04-04\n"),
        "{survey}"
    );
    for (name, text) in &corpus {
        for secret in ["@example", "192.0.2", "040 123", "Virtanen", "Aloitusaika"] {
            assert!(!text.contains(secret), "{name}: {secret}");
        }
    }
}

#[test]
fn a_closed_pipe_stops_neither_the_ingest_nor_its_index() {
    let p = TestProject::new();
    for i in 0..6 {
        p.write(
            &format!("saapuneet/teksti-{i}.md"),
            format!("---\nvoice: client\n---\nTeksti numero {i}.\n").as_bytes(),
        );
    }
    // The reading end is closed before kooste writes anything: every write meets EPIPE.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kooste"))
        .current_dir(&p.root)
        .args(["ingest", "saapuneet"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    assert_eq!(p.corpus().len(), 6, "every file is ingested");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_loop_is_read_once_and_reported_once() {
    let p = TestProject::new();
    p.write(
        "saapuneet/a/teksti.md",
        b"---\nvoice: client\n---\nTeksti.\n",
    );
    std::os::unix::fs::symlink(".", p.root.join("saapuneet/a/silmukka")).unwrap();
    std::os::unix::fs::symlink("..", p.root.join("saapuneet/a/ylos")).unwrap();
    let out = p.kooste(&["ingest", "saapuneet"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(p.corpus().len(), 1);
    let loops: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("symbolic link"))
        .collect();
    assert_eq!(loops.len(), 2, "each link once: {}", out.stderr);
    assert!(loops.iter().all(|l| l.contains(": note: ")), "{loops:?}");
}

#[test]
fn spreadsheets_as_people_make_them_are_read_with_notes() {
    let p = TestProject::new();
    p.write("saapuneet/lomake.xlsx", &crate::office::merged_form_xlsx());
    p.write(
        "saapuneet/lomake.csv",
        "Pvm;Millaisiin tilanteisiin olet hakenut apua?;Millaista apua sait sosiaalityöstä?;Lisätietoja\n\
         1.3.;Velat;Neuvontaa;soita 040 123 4567\n\
         Pvm;Millaisiin tilanteisiin olet hakenut apua?;Millaista apua sait sosiaalityöstä?;Lisätietoja\n\
         2.3.;Asunto;Tukiasunto;\n\
         Yhteensä;2;2;\n"
            .as_bytes(),
    );
    let out = p.kooste(&["ingest", "saapuneet", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let files = out.json()["files"].clone();
    let notes = files.to_string();
    assert!(
        notes.contains("the form was read from the sheet 'Lomake'"),
        "{notes}"
    );
    assert!(
        notes.contains("column D 'Lisätietoja' is not a question"),
        "{notes}"
    );
    assert!(
        notes.contains("repeats the header row") && notes.contains("totals row"),
        "{notes}"
    );
    let corpus: String = p.corpus().into_iter().map(|(_, t)| t).collect();
    assert!(
        !corpus.contains("Yhteensä") && !corpus.contains("Lisätietoja"),
        "{corpus}"
    );
    assert!(
        !corpus.contains("puhelin"),
        "a column left out is never stored: {corpus}"
    );
    // Human output says the same, one note a line.
    let q = TestProject::new();
    q.write("lomake.xlsx", &crate::office::merged_form_xlsx());
    let out = q.kooste(&["ingest", "lomake.xlsx"]);
    assert!(
        out.stdout
            .contains("lomake.xlsx: the form was read from the sheet 'Lomake'"),
        "{}",
        out.stdout
    );

    // A workbook with no form on any sheet: the message lists the sheets and --sheet.
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet()
        .set_name("Ohjeet")
        .unwrap()
        .write_string(0, 0, "Ohje")
        .unwrap();
    wb.add_worksheet()
        .set_name("Muistiinpanot")
        .unwrap()
        .write_string(0, 0, "Muuta")
        .unwrap();
    p.write("muu.xlsx", &wb.save_to_buffer().unwrap());
    let out = p.kooste(&["ingest", "muu.xlsx"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("the workbook's sheets are 'Ohjeet', 'Muistiinpanot'")
            && out.stderr.contains("--sheet"),
        "{}",
        out.stderr
    );
}
