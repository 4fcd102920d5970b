//! The command-line contract of design.md, command by command: exit 0 on success, 1 when
//! some input was rejected, 2 on usage errors; with `--json`, stdout is one JSON value
//! (JSON lines for `caimer propose`) in every case, errors included.

use crate::TestProject;

/// One row of the table: what is run, and the exit code it must give.
struct Case {
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    code: i32,
}

const fn case(args: &'static [&'static str], code: i32) -> Case {
    Case {
        args,
        stdin: None,
        code,
    }
}

fn check(p: &TestProject, c: &Case) {
    let mut args: Vec<&str> = c.args.to_vec();
    args.push("--json");
    let out = match c.stdin {
        Some(s) => p.kooste_stdin(&args, s),
        None => p.kooste(&args),
    };
    assert_eq!(out.code, c.code, "kooste {}: {out:?}", args.join(" "));
    let values: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&out.stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| {
            panic!(
                "kooste {}: stdout is not JSON ({e}): {}",
                args.join(" "),
                out.stdout
            )
        });
    let lines = args.first() == Some(&"caimer") && args.get(1) == Some(&"propose");
    if lines && c.code != 0 {
        assert!(
            values.iter().any(|v| v["error"].is_string()),
            "{}",
            out.stdout
        );
    }
    if !lines {
        assert_eq!(
            values.len(),
            1,
            "kooste {}: one JSON value: {}",
            args.join(" "),
            out.stdout
        );
    }
    if c.code != 0 && !lines {
        let v = &values[0];
        let listed = |k: &str| {
            v.get(k)
                .is_some_and(|e| e.as_array().is_some_and(|a| !a.is_empty()))
        };
        let has_error =
            v.get("error").is_some_and(|e| e.is_string()) || listed("errors") || listed("problems");
        assert!(
            has_error,
            "kooste {}: the JSON says what went wrong: {v}",
            args.join(" ")
        );
        assert!(
            !out.stderr.is_empty(),
            "kooste {}: and stderr too",
            args.join(" ")
        );
    }
}

#[test]
fn every_command_keeps_the_exit_codes_and_prints_json() {
    let p = TestProject::example();
    p.write(
        "saapuneet/hyva.md",
        b"---\nvoice: client\nworkshop: rannikko-3\n---\nHyva teksti.\n",
    );
    p.write(
        "saapuneet/huono.md",
        b"---\nvoice: manageri\n---\nTeksti.\n",
    );
    p.write(
        "saapuneet/tyopaja.md",
        b"---\nvoice: client\nworkshop: rannikko-9\n---\nTeksti.\n",
    );
    let table = [
        // ingest
        case(&["ingest", "saapuneet/hyva.md"], 0),
        case(&["ingest", "saapuneet/huono.md"], 1),
        case(&["ingest", "saapuneet/tyopaja.md"], 1),
        case(&["ingest", "saapuneet"], 1),
        case(&["ingest", "ei-ole.md"], 1),
        case(&["ingest"], 2),
        case(&["ingest", "saapuneet/hyva.md", "--voice", "manageri"], 2),
        case(
            &[
                "ingest",
                "saapuneet/hyva.md",
                "saapuneet/huono.md",
                "--replace",
                "x",
            ],
            2,
        ),
        // status, index, search
        case(&["status"], 0),
        case(&["status", "--bogus"], 2),
        case(&["index"], 0),
        case(&["search", "kotikäynti"], 0),
        case(&["search", "kotikäynti", "--dimension", "ei-ole"], 2),
        case(&["search"], 2),
        // digest
        case(&["digest", "rannikko-3", "-o", "kooste.html"], 0),
        case(&["digest", "rannikko-9"], 2),
        case(&["digest", "rannikko-1"], 2),
        case(&["digest", "rannikko-6", "-o", "viimeinen.md"], 0),
        case(&["digest", "rannikko-3", "-o", "kooste.pdf"], 2),
        // findings
        case(&["findings", "rannikko-3"], 0),
        case(
            &["findings", "rannikko-3", "rename", "ei-ole", "Otsikko"],
            2,
        ),
        case(
            &[
                "findings",
                "rannikko-3",
                "merge",
                "kotikaynnit",
                "kotikaynnit",
            ],
            2,
        ),
        case(&["findings", "rannikko-1"], 2),
        // export
        case(&["export", "csv", "-o", "vienti.csv"], 0),
        case(&["export", "jsonl", "-o", "vienti.jsonl"], 0),
        case(&["export", "csv"], 2),
        case(&["export", "qdpx"], 2),
        // steps
        case(&["steps"], 0),
        case(&["steps", "--status", "ei-ole"], 2),
        // caimer
        Case {
            args: &["caimer", "propose"],
            stdin: Some("{\"id\": \"a\", \"text\": \"Tehtiin kotikäynti.\"}\n"),
            code: 0,
        },
        Case {
            args: &["caimer", "propose"],
            stdin: Some("ei json\n"),
            code: 1,
        },
        Case {
            args: &["caimer", "learn"],
            stdin: Some(
                "{\"id\": \"a\", \"text\": \"Tehtiin kotikäynti.\", \"labels\": [\"ei-ole\"]}\n",
            ),
            code: 1,
        },
        // user
        Case {
            args: &["user", "add", "tutkija", "--role", "researcher"],
            stdin: Some("salasana-joka-on-pitka\nsalasana-joka-on-pitka\n"),
            code: 0,
        },
        case(&["user", "add", "x", "--role", "pomo"], 2),
        // no such command
        case(&["ei-komento"], 2),
    ];
    for c in &table {
        check(&p, c);
    }
    // A corpus file that cannot be read: commands that read the corpus report it (exit 1)
    // and do the rest.
    p.write(
        "corpus/muut/rikki.md",
        b"---\nvoice: johtaja\n---\nTeksti.\n",
    );
    for c in [
        case(&["status"], 1),
        case(&["index"], 1),
        // search reports the file on stderr, but its own work, the search, succeeded.
        case(&["search", "kotikäynti"], 0),
        case(&["export", "jsonl", "-o", "vienti2.jsonl"], 1),
    ] {
        check(&p, &c);
    }
}

#[test]
fn a_missing_or_broken_project_is_a_usage_error_with_json() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("kooste")
            .unwrap()
            .current_dir(tmp.path())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, stdout, stderr) = run(&["status", "--json"]);
    assert_eq!(code, Some(2), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(v["error"].as_str().unwrap().contains("kooste init"), "{v}");

    let dir = tmp.path().join("hanke");
    assert_eq!(run(&["init", dir.to_str().unwrap()]).0, Some(0));
    let (code, stdout, _) = run(&["init", dir.to_str().unwrap(), "--json"]);
    assert_eq!(code, Some(2));
    assert!(stdout.contains("already a kooste project"), "{stdout}");

    std::fs::write(
        dir.join("kooste.toml"),
        "[project]\nname = \"x\"\nlang = \"fi\"\nnimi = 1\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(&["--project", dir.to_str().unwrap(), "status", "--json"]);
    assert_eq!(code, Some(2), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["problems"][0]["line"], 4, "{v}");
    assert!(
        v["problems"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("kooste.toml")
    );
}
