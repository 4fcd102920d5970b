//! `kooste export qdpx|csv|jsonl` and `kooste ingest FILE.qdpx`: the round trip through a
//! REFI-QDA project, projects made by other tools, bad files, and passage tables.

use crate::TestProject;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;

/// A Markdown document with what trips exports up: characters outside the Basic
/// Multilingual Plane, Finnish and Swedish letters, Markdown punctuation, a list.
const TARINA: &str = "---\nid: tarina-1\ntitle: Äänen tarina 🙂\nvoice: asiakas\nvia: työntekijä\ntheme: osallisuus\ndate: 2018-03-14\nlang: fi\npseudonym: Asiakas A\n---\nUskalsin kertoa 🙂, koska sama työntekijä jatkoi. 𝔘-kirjain ja ääkköset: åäö ÅÄÖ.\n\n- Tehtiin kotikäynti *heti* seuraavana päivänä.\n- Ohjattiin velkaneuvontaan_ja_ryhmään [linkki](x) & muuta.\n\n1. Pääsin velkajärjestelyyn 👩‍👧 ja sain asunnon.\n";

/// A project with a Markdown document, a Swedish one and a CSV form, and decisions on some
/// of their passages.
fn coded_project() -> TestProject {
    let p = TestProject::new();
    p.inbox("asiakas.md");
    p.inbox("forskare.md");
    p.inbox("asp-paiva.csv");
    p.write("inbox/tarina.md", TARINA.as_bytes());
    let out = p.kooste(&["ingest", "inbox"]);
    assert_eq!(out.code, 0, "{out:?}");
    let decisions = [
        (
            "tarina-1#1",
            json!(["mechanisms"]),
            "tutkija-ä",
            "2018-03-20T10:15:00Z",
        ),
        (
            "tarina-1#2",
            json!(["actors", "interventions"]),
            "tutkija-ä",
            "2018-03-20T10:16:00Z",
        ),
        (
            "tarina-1#3",
            json!(["interventions"]),
            "forskare",
            "2018-03-21T08:00:00Z",
        ),
        (
            "tarina-1#4",
            json!(["results"]),
            "forskare",
            "2018-03-21T08:01:00Z",
        ),
        (
            "asp-paiva-1#1",
            json!(["context"]),
            "tutkija-ä",
            "2018-03-22T09:00:00Z",
        ),
        (
            "asp-paiva-2#3",
            json!(["interventions", "mechanisms"]),
            "tutkija-ä",
            "2018-03-22T09:01:00Z",
        ),
        (
            "forskare#1",
            json!(["mechanisms"]),
            "forskare",
            "2018-03-23T11:00:00Z",
        ),
    ];
    let records = jsonl(&p, &[]);
    let mut lines = String::new();
    for (passage, labels, who, when) in decisions {
        let r = records
            .iter()
            .find(|r| r["passage"] == passage)
            .unwrap_or_else(|| panic!("no passage {passage}"));
        let d = json!({"passage": passage, "text": r["text"], "lang": r["lang"], "labels": labels, "who": who, "when": when});
        lines.push_str(&format!("{d}\n"));
    }
    p.write("decisions/decisions.jsonl", lines.as_bytes());
    p
}

fn jsonl(p: &TestProject, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["export", "jsonl"];
    all.extend(args);
    let out = p.kooste(&all);
    assert_eq!(out.code, 0, "{out:?}");
    out.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What must survive the round trip of each passage: everything but where the corpus file
/// lies and the proposer's scores.
fn comparable(records: &[Value]) -> BTreeMap<String, Value> {
    records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let o = r.as_object_mut().unwrap();
            for k in ["file", "line", "proposed"] {
                o.remove(k);
            }
            (r["passage"].as_str().unwrap().to_string(), r)
        })
        .collect()
}

/// Corpus files and their front matter, without the `source:` line (it names the file
/// ingested). The bodies may differ: a list comes back as paragraphs, Markdown
/// punctuation escaped; their passages are compared separately.
fn corpus_front_matter(p: &TestProject) -> Vec<(String, String)> {
    p.corpus()
        .into_iter()
        .map(|(n, t)| {
            let front = t.split("\n---\n").next().unwrap();
            let kept: Vec<&str> = front
                .lines()
                .filter(|l| {
                    !["source: ", "source_key: ", "content_key: "]
                        .iter()
                        .any(|k| l.starts_with(k))
                })
                .collect();
            (n, kept.join("\n"))
        })
        .collect()
}

#[test]
fn qdpx_round_trip_gives_back_documents_and_labels() {
    let p = coded_project();
    let out = p.kooste(&["export", "qdpx", "-o", "vienti.qdpx", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let summary = out.json();
    assert_eq!(summary["documents"], 5);
    assert_eq!(summary["codings"], 9);
    let file = p.root.join("vienti.qdpx");

    let q = TestProject::new();
    let out = q.kooste(&["ingest", &file.to_string_lossy(), "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = &out.json()["files"][0];
    assert_eq!(report["decisions"], 7);
    assert!(
        report["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["code"].as_str().unwrap().starts_with("ehdotus: ")),
        "only kooste's own proposals are left out: {report}"
    );

    // The same documents (ids, metadata, where they lie) and passages, and the same
    // confirmed labels.
    assert_eq!(corpus_front_matter(&p), corpus_front_matter(&q));
    let before = comparable(&jsonl(&p, &[]));
    let after = comparable(&jsonl(&q, &[]));
    assert_eq!(before.len(), after.len());
    for (id, r) in &before {
        assert_eq!(Some(r), after.get(id), "{id}");
    }
    assert_eq!(
        before["tarina-1#2"]["confirmed"],
        json!(["actors", "interventions"])
    );

    // Who decided and when travel too.
    let decisions = |t: &TestProject| -> Vec<Value> {
        std::fs::read_to_string(t.root.join("decisions/decisions.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                let mut d: Value = serde_json::from_str(l).unwrap();
                d.as_object_mut().unwrap().remove("text");
                d
            })
            .collect()
    };
    let mut a = decisions(&p);
    let mut b = decisions(&q);
    a.sort_by_key(|d| d["passage"].to_string());
    b.sort_by_key(|d| d["passage"].to_string());
    assert_eq!(a, b);

    // Importing the same file again changes nothing; exporting the copy gives the same file.
    let again = q.kooste(&["ingest", &file.to_string_lossy(), "--json"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.json()["files"][0]["decisions"], 0);
    assert!(
        again.json()["files"][0]["documents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["outcome"] == "unchanged")
    );
    let out = q.kooste(&["export", "qdpx", "-o", "kopio.qdpx"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(q.root.join("kopio.qdpx")).unwrap(),
        "the copy exports byte for byte the same project"
    );
}

fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// The span of `part` in `text`, in code points.
fn span(text: &str, part: &str) -> (usize, usize) {
    let at = text.find(part).unwrap();
    let start = text[..at].chars().count();
    (start, start + part.chars().count())
}

const U1: &str = "{0A1B2C3D-0000-4000-8000-000000000001}";
const S1: &str = "6f1b2c3d-0000-4000-8000-000000000010";

fn foreign_project() -> Vec<u8> {
    foreign_project_ending("")
}

/// The project of [`foreign_project`] with `tail` appended to its first source's text.
fn foreign_project_ending(tail: &str) -> Vec<u8> {
    let text = format!(
        "Asunto meni alta 🏠 ja jouduin kadulle.\r\n\r\nSoita minulle 040 123 4567, terveisin Maija Virtanen.\r\n\r\nVertaisen 𝔘 tarina antoi toivoa, ja uskalsin kertoa.\r\n{tail}"
    );
    let text = text.as_str();
    let (a0, a1) = span(text, "Asunto meni alta 🏠 ja jouduin kadulle.");
    let (b0, b1) = span(text, "Soita minulle");
    let (c0, c1) = span(text, "tarina antoi toivoa");
    let qde = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Toinen työkalu" origin="QualCoder">
  <Users><User guid="{U1}" name="anna.t"/></Users>
  <CodeBook><Codes>
    <Code guid="00000000-0000-4000-8000-0000000000c1" name="Konteksti" isCodable="true"/>
    <Code guid="00000000-0000-4000-8000-0000000000c2" name="Mechanisms" isCodable="true"/>
    <Code guid="00000000-0000-4000-8000-0000000000c3" name="asuminen" isCodable="true"/>
    <Code guid="00000000-0000-4000-8000-0000000000c4" name="ehdotus: tulokset" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{S1}" name="Haastattelu 1" plainTextPath="internal://{S1}.txt">
      <PlainTextSelection guid="00000000-0000-4000-8000-0000000000e1" startPosition="{a0}" endPosition="{a1}" creatingUser="{U1}" creationDateTime="2021-05-04T12:00:00">
        <Coding guid="00000000-0000-4000-8000-0000000000f1" creatingUser="{U1}"><CodeRef targetGUID="00000000-0000-4000-8000-0000000000C1"/></Coding>
        <Coding guid="00000000-0000-4000-8000-0000000000f2" creatingUser="{U1}"><CodeRef targetGUID="00000000-0000-4000-8000-0000000000c3"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="00000000-0000-4000-8000-0000000000e2" startPosition="{b0}" endPosition="{b1}">
        <Coding guid="00000000-0000-4000-8000-0000000000f3"><CodeRef targetGUID="00000000-0000-4000-8000-0000000000c4"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="00000000-0000-4000-8000-0000000000e3" startPosition="{c0}" endPosition="{c1}" creatingUser="{U1}">
        <Coding guid="00000000-0000-4000-8000-0000000000f4" creatingUser="{U1}" creationDateTime="2021-05-05T08:30:00+03:00"><CodeRef targetGUID="00000000-0000-4000-8000-0000000000c2"/></Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="6f1b2c3d-0000-4000-8000-000000000011" name="Muistio">
      <PlainTextContent>Ryhmässä oli turvallista &amp; hyvä olla.</PlainTextContent>
    </TextSource>
    <PDFSource guid="6f1b2c3d-0000-4000-8000-000000000012" name="liite.pdf" path="internal://liite.pdf"/>
  </Sources>
</Project>
"#
    );
    zip(&[
        ("project.qde", qde.as_bytes()),
        (&format!("sources/{S1}.txt"), text.as_bytes()),
    ])
}

#[test]
fn qdpx_from_another_tool() {
    let p = TestProject::new();
    p.write("inbox/toinen.qdpx", &foreign_project());

    // No voice anywhere: an error that names the source and what to do.
    let out = p.kooste(&["ingest", "inbox/toinen.qdpx"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("inbox/toinen.qdpx/project.qde:")
            && out.stderr.contains("source 'Haastattelu 1'")
            && out.stderr.contains("--voice"),
        "{}",
        out.stderr
    );
    assert!(
        p.corpus().is_empty(),
        "nothing is stored from a rejected file"
    );

    let out = p.kooste(&[
        "ingest",
        "inbox/toinen.qdpx",
        "--voice",
        "asiakas",
        "--json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = &out.json()["files"][0];
    let ids: Vec<&str> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["haastattelu-1", "muistio"]);
    assert_eq!(report["decisions"], 2);
    assert_eq!(
        report["skipped"],
        json!([
            {"code": "asuminen", "codings": 1, "reason": "not a CAIMeR dimension"},
            {"code": "ehdotus: tulokset", "codings": 1, "reason": "an unconfirmed proposal, not a researcher's decision"},
        ])
    );
    assert!(
        report["notes"].to_string().contains("liite.pdf"),
        "{report}"
    );
    assert!(
        report["removed"]["phone"].as_u64().unwrap() >= 1,
        "{report}"
    );

    // The redactor ran over the imported text.
    let corpus = p.corpus();
    let all: String = corpus.iter().map(|(_, t)| t.as_str()).collect();
    for secret in ["040 123 4567", "Maija", "Virtanen"] {
        assert!(!all.contains(secret), "{secret} in {all}");
    }
    assert!(all.contains("title: Haastattelu 1") && all.contains("voice: client"));
    assert!(all.contains("Ryhmässä oli turvallista & hyvä olla."));

    let decisions: Vec<Value> = std::fs::read_to_string(p.root.join("decisions/decisions.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(decisions.len(), 2);
    assert_eq!(decisions[0]["passage"], "haastattelu-1#1");
    assert_eq!(decisions[0]["labels"], json!(["context"]));
    assert_eq!(decisions[0]["who"], "anna.t");
    assert_eq!(decisions[0]["when"], "2021-05-04T12:00:00Z");
    assert_eq!(
        decisions[0]["text"],
        "Asunto meni alta 🏠 ja jouduin kadulle."
    );
    assert_eq!(decisions[1]["passage"], "haastattelu-1#3");
    assert_eq!(decisions[1]["labels"], json!(["mechanisms"]));
    assert_eq!(decisions[1]["when"], "2021-05-05T08:30:00+03:00");

    // The confirmed labels reach the index.
    let records = jsonl(&p, &["--dimension", "mechanisms"]);
    assert!(
        records
            .iter()
            .any(|r| r["passage"] == "haastattelu-1#3" && r["confirmed"] == json!(["mechanisms"]))
    );
}

/// Names and variables of a `.qdpx` go through the redactor like any other field: the user,
/// the codes, the source's name and its variables.
#[test]
fn qdpx_names_and_variables_are_redacted() {
    let qde = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Toinen">
  <Users><User guid="{U1}" name="Mikko Laaksonen"/></Users>
  <CodeBook><Codes>
    <Code guid="00000000-0000-4000-8000-0000000000c1" name="Konteksti" isCodable="true"/>
    <Code guid="00000000-0000-4000-8000-0000000000c3" name="Pekka Korhosen asiat" isCodable="true"/>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="00000000-0000-4000-8000-0000000000a1" name="pseudonyymi" typeOfVariable="Text"/>
  </Variables>
  <Cases><Case guid="00000000-0000-4000-8000-0000000000b1">
    <VariableValue><VariableRef targetGUID="00000000-0000-4000-8000-0000000000a1"/><TextValue>Maija Virtanen 040 123 4567</TextValue></VariableValue>
    <SourceRef targetGUID="{S1}"/>
  </Case></Cases>
  <Sources>
    <TextSource guid="{S1}" name="Maija Virtasen haastattelu">
      <PlainTextContent>Asunto meni alta.</PlainTextContent>
      <PlainTextSelection guid="00000000-0000-4000-8000-0000000000e1" startPosition="0" endPosition="17" creatingUser="{U1}">
        <Coding guid="00000000-0000-4000-8000-0000000000f1" creatingUser="{U1}"><CodeRef targetGUID="00000000-0000-4000-8000-0000000000c1"/></Coding>
        <Coding guid="00000000-0000-4000-8000-0000000000f2" creatingUser="{U1}"><CodeRef targetGUID="00000000-0000-4000-8000-0000000000c3"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>
"#
    );
    let p = TestProject::new();
    p.write("inbox/nimet.qdpx", &zip(&[("project.qde", qde.as_bytes())]));
    // Rejected without a voice: the message names the source by its redacted name.
    let out = p.kooste(&["ingest", "inbox/nimet.qdpx"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("source 'Asiakas A haastattelu'"),
        "{}",
        out.stderr
    );
    let out = p.kooste(&["ingest", "inbox/nimet.qdpx", "--voice", "client", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let everything = format!(
        "{}{}{}{}",
        out.stdout,
        out.stderr,
        p.corpus()
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<String>(),
        std::fs::read_to_string(p.root.join("decisions/decisions.jsonl")).unwrap()
    );
    for secret in [
        "Maija",
        "Virtanen",
        "Laaksonen",
        "Pekka",
        "Korho",
        "040 123",
    ] {
        assert!(!everything.contains(secret), "{secret} in {everything}");
    }
    assert!(
        everything.contains("pseudonym: Asiakas A [puhelin]"),
        "{everything}"
    );
    assert!(
        everything.contains(r#""who":"Työntekijä B""#),
        "{everything}"
    );
    assert!(everything.contains("[nimi] asiat"), "{everything}");
}

#[test]
fn bad_qdpx_files_get_clear_errors_and_the_rest_goes_in() {
    let p = TestProject::new();
    p.write("inbox/rikki.qdpx", b"not a zip at all");
    p.write(
        "inbox/huono-xml.qdpx",
        &zip(&[(
            "project.qde",
            b"<Project name=\"x\">\n<Sources>\n</Project>\n",
        )]),
    );
    p.write("inbox/tyhja.qdpx", &zip(&[("muuta.txt", b"x")]));
    p.write(
        "inbox/puuttuva.qdpx",
        &zip(&[(
            "project.qde",
            br#"<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Sources>
<TextSource guid="6f1b2c3d-0000-4000-8000-000000000010" name="A" plainTextPath="internal://puuttuu.txt"/>
<TextSource guid="6f1b2c3d-0000-4000-8000-000000000011" name="B"><PlainTextContent>Teksti.</PlainTextContent>
<PlainTextSelection guid="6f1b2c3d-0000-4000-8000-000000000012" startPosition="x" endPosition="3"/></TextSource>
</Sources></Project>"#,
        )]),
    );
    p.inbox("asiakas.md");
    let out = p.kooste(&["ingest", "inbox"]);
    assert_eq!(out.code, 1, "{out:?}");
    for expected in [
        "inbox/rikki.qdpx:1: not a REFI-QDA project: the file is not a ZIP archive",
        "inbox/huono-xml.qdpx/project.qde:3: not well-formed XML",
        "inbox/tyhja.qdpx:1: not a REFI-QDA project: the archive has no project.qde",
        "the archive has no sources/puuttuu.txt, the text of source 'A'",
        "inbox/puuttuva.qdpx/project.qde:4: a <PlainTextSelection> of source 'B' lacks a valid startPosition or endPosition",
    ] {
        assert!(out.stderr.contains(expected), "{expected}\n{}", out.stderr);
    }
    assert_eq!(p.corpus().len(), 1, "the good file went in");
}

#[test]
fn csv_and_jsonl_exports() {
    let p = coded_project();
    let out = p.kooste(&["export", "csv"]);
    assert_eq!(out.code, 0, "{out:?}");
    let mut rows = csv::Reader::from_reader(out.stdout.as_bytes());
    let header: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "passage",
            "doc",
            "voice",
            "document_voice",
            "via",
            "workshop",
            "region",
            "theme",
            "battery",
            "question",
            "date",
            "lang",
            "pseudonym",
            "title",
            "text",
            "confirmed",
            "proposed",
            "labels",
            "label_status",
            "file",
            "line"
        ]
    );
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    let tarina2 = rows.iter().find(|r| &r[0] == "tarina-1#2").unwrap();
    assert_eq!(&tarina2[15], "actors, interventions");
    assert_eq!(&tarina2[17], "actors, interventions");
    assert_eq!(&tarina2[18], "confirmed");
    assert!(
        rows.iter().any(|r| r[15].is_empty()
            && &r[18] == "proposed"
            && !r[16].is_empty()
            && r[17] != r[16]),
        "a proposal is marked as one"
    );
    assert_eq!(&tarina2[2], "client");
    assert_eq!(&tarina2[4], "worker");
    assert!(tarina2[14].starts_with("Tehtiin kotikäynti heti"));
    let form = rows.iter().find(|r| &r[0] == "asp-paiva-1#3").unwrap();
    assert_eq!(&form[9], "Mitä sosiaalityöntekijä teki tässä?");
    assert_eq!(&form[2], "worker");

    let out = p.kooste(&["export", "csv", "--excel", "-o", "taulukko.csv"]);
    assert_eq!(out.code, 0, "{out:?}");
    let bytes = std::fs::read(p.root.join("taulukko.csv")).unwrap();
    assert!(bytes.starts_with("\u{feff}passage;doc;voice;".as_bytes()));
    let excel_rows = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&bytes[3..])
        .records()
        .map(Result::unwrap)
        .collect::<Vec<_>>();
    assert_eq!(excel_rows, rows);

    let all = jsonl(&p, &[]);
    assert_eq!(all.len(), rows.len());
    let first = &all[0];
    for key in [
        "passage",
        "doc",
        "voice",
        "workshop",
        "theme",
        "date",
        "lang",
        "text",
        "confirmed",
        "proposed",
        "labels",
        "label_status",
        "file",
        "line",
    ] {
        assert!(first.get(key).is_some(), "{key} in {first}");
    }
    let workers = jsonl(&p, &["--voice", "työntekijä"]);
    assert!(!workers.is_empty() && workers.iter().all(|r| r["voice"] == "worker"));
    let results = jsonl(&p, &["--dimension", "results", "--theme", "osallisuus"]);
    assert!(results.iter().any(|r| r["passage"] == "tarina-1#4"));
    assert!(results.iter().all(|r| r["theme"] == "osallisuus"));

    assert_eq!(p.kooste(&["export", "qdpx"]).code, 2);
    assert_eq!(p.kooste(&["export", "jsonl", "--excel"]).code, 2);
    assert_eq!(
        p.kooste(&["export", "qdpx", "-o", "x.qdpx", "--dimension", "results"])
            .code,
        2
    );
}

#[test]
fn same_named_qdpx_files_from_two_senders_both_survive() {
    let p = TestProject::new();
    p.write("a/projekti.qdpx", &foreign_project());
    p.write(
        "b/projekti.qdpx",
        &foreign_project_ending("\r\nToisen lähettäjän oma kappale.\r\n"),
    );
    let ingest = |f: &str| p.kooste(&["ingest", f, "--voice", "asiakas", "--json"]);
    let a = ingest("a/projekti.qdpx");
    assert_eq!(a.code, 0, "{a:?}");
    let b = ingest("b/projekti.qdpx");
    assert_eq!(b.code, 0, "{b:?}");
    let ids = |run: &crate::Run| -> Vec<String> {
        run.json()["files"][0]["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d["id"].as_str().unwrap(),
                    d["outcome"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(ids(&a), ["haastattelu-1 added", "muistio added"]);
    assert_eq!(ids(&b), ["b-haastattelu-1 added", "b-muistio added"]);
    assert!(
        b.json()["files"][0]["notes"]
            .to_string()
            .contains("both are kept")
    );
    assert_eq!(p.corpus().len(), 4);
    assert!(
        p.corpus()
            .iter()
            .any(|(_, t)| t.contains("Toisen lähettäjän oma kappale."))
    );
    // The second file's codings are decisions on its own passages.
    let decisions = std::fs::read_to_string(p.root.join("decisions/decisions.jsonl")).unwrap();
    assert!(
        decisions.contains("\"passage\":\"b-haastattelu-1#1\""),
        "{decisions}"
    );
    assert!(
        decisions.contains("\"passage\":\"haastattelu-1#1\""),
        "{decisions}"
    );
    // Again: unchanged, and no decision is added twice.
    let again = ingest("b/projekti.qdpx");
    assert_eq!(
        ids(&again),
        ["b-haastattelu-1 unchanged", "b-muistio unchanged"]
    );
    assert_eq!(again.json()["files"][0]["decisions"], 0);
}

/// The `project.qde` of a `.qdpx` and its other entries.
fn unzip(bytes: &[u8]) -> (String, Vec<(String, Vec<u8>)>) {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut qde = String::new();
    let mut rest = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        if name == "project.qde" {
            qde = String::from_utf8(b).unwrap();
        } else {
            rest.push((name, b));
        }
    }
    (qde, rest)
}

/// The guid of the code named `name`.
fn code_guid(qde: &str, name: &str) -> String {
    let at = qde.find(&format!("name=\"{name}\"")).unwrap();
    let start = qde[..at].rfind("guid=\"").unwrap() + 6;
    qde[start..start + 36].to_string()
}

/// `qde` with the code `from` replaced by `to` in the selection of `passage`.
fn recode(qde: &str, passage: &str, from: &str, to: &str) -> String {
    let start = qde.find(&format!("name=\"{passage}\"")).unwrap();
    let end = start + qde[start..].find("</PlainTextSelection>").unwrap();
    let part = qde[start..end].replace(from, to);
    assert_ne!(part, qde[start..end], "{passage} has no coding of {from}");
    format!("{}{part}{}", &qde[..start], &qde[end..])
}

#[test]
fn a_qdpx_comes_back_into_the_project_it_came_from() {
    let p = coded_project();
    let out = p.kooste(&["export", "qdpx", "-o", "vienti.qdpx"]);
    assert_eq!(out.code, 0, "{out:?}");
    let exported = std::fs::read(p.root.join("vienti.qdpx")).unwrap();
    let corpus = p.corpus();
    let decisions_file = p.root.join("decisions/decisions.jsonl");
    let decisions = std::fs::read_to_string(&decisions_file).unwrap();

    // Unchanged: nothing changes, and it says where the documents came from.
    let out = p.kooste(&["ingest", "vienti.qdpx", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let report = &out.json()["files"][0];
    assert_eq!(report["returned"], 5, "{report}");
    assert_eq!(report["decisions"], 0, "{report}");
    assert!(
        report["documents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["outcome"] == "unchanged"),
        "{report}"
    );
    assert_eq!(p.corpus(), corpus, "the corpus is as it was");
    assert_eq!(std::fs::read_to_string(&decisions_file).unwrap(), decisions);

    // Coded further in the QDA tool: a label changed, a confirmed one removed.
    let (qde, rest) = unzip(&exported);
    let actors = code_guid(&qde, "toimijat");
    let results = code_guid(&qde, "tulokset");
    let interventions = code_guid(&qde, "interventiot");
    let proposal = code_guid(&qde, "ehdotus: interventiot");
    let qde = recode(&qde, "tarina-1#2", &actors, &results);
    let qde = recode(&qde, "tarina-1#3", &interventions, &proposal);
    let mut files: Vec<(&str, &[u8])> = vec![("project.qde", qde.as_bytes())];
    files.extend(rest.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    p.write("koodattu/vienti.qdpx", &zip(&files));
    let out = p.kooste(&["ingest", "koodattu/vienti.qdpx", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["files"][0]["decisions"], 2, "{}", out.stdout);
    assert_eq!(p.corpus(), corpus, "the text stays as the corpus has it");
    let now = comparable(&jsonl(&p, &[]));
    assert_eq!(
        now["tarina-1#2"]["confirmed"],
        json!(["interventions", "results"])
    );
    assert_eq!(now["tarina-1#3"]["confirmed"], json!([]));

    // A source whose text was edited in the QDA tool is left out and reported; the rest
    // of the file goes in.
    let (qde, rest) = unzip(&exported);
    let mut rest = rest;
    let mut edited = 0;
    for (_, b) in rest.iter_mut() {
        let t = String::from_utf8(b.clone()).unwrap();
        if t.contains("Uskalsin") {
            *b = t.replace("Uskalsin", "Rohkenin").into_bytes();
            edited += 1;
        }
    }
    assert_eq!(edited, 1);
    let mut files: Vec<(&str, &[u8])> = vec![("project.qde", qde.as_bytes())];
    files.extend(rest.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    p.write("muokattu/vienti.qdpx", &zip(&files));
    let out = p.kooste(&["ingest", "muokattu/vienti.qdpx", "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("kooste takes codings back from a QDA tool, not text edits"),
        "{}",
        out.stderr
    );
    assert_eq!(out.json()["files"][0]["returned"], 4, "{}", out.stdout);
    assert_eq!(p.corpus(), corpus);
}

#[test]
fn a_bad_source_is_left_out_and_the_rest_of_the_qdpx_goes_in() {
    let p = TestProject::example();
    let (qde, rest) = unzip(&foreign_project());
    let qde = qde.replace(
        "</Sources>",
        "<TextSource guid=\"6f1b2c3d-0000-4000-8000-000000000013\" name=\"Tyhjä\"><PlainTextContent>  </PlainTextContent></TextSource>\n</Sources>",
    );
    let mut files: Vec<(&str, &[u8])> = vec![("project.qde", qde.as_bytes())];
    files.extend(rest.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    p.write("inbox/toinen.qdpx", &zip(&files));
    let out = p.kooste(&[
        "ingest",
        "inbox/toinen.qdpx",
        "--voice",
        "asiakas",
        "--workshop",
        "rannikko-3",
        "--json",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("source 'Tyhjä'"), "{}", out.stderr);
    let docs = out.json()["files"][0]["documents"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(docs, 2, "the two good sources are in: {}", out.stdout);

    // The same checks as every other input: an unknown workshop is refused.
    p.write("inbox/kolmas.qdpx", &foreign_project());
    let out = p.kooste(&[
        "ingest",
        "inbox/kolmas.qdpx",
        "--voice",
        "asiakas",
        "--workshop",
        "rannikko-9",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("unknown workshop 'rannikko-9'"),
        "{}",
        out.stderr
    );
}
