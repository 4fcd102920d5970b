//! `kooste init` and `kooste status`, the global options and exit codes, and the example
//! project shipped in the repository.

use crate::TestProject;
use assert_cmd::Command;

#[test]
fn init_makes_a_project_the_other_commands_accept() {
    let p = TestProject::new();
    for f in [
        "kooste.toml",
        "participants.toml",
        ".gitignore",
        "workshops/batteries/asp-paiva.toml",
    ] {
        assert!(p.root.join(f).is_file(), "{f}");
    }
    for d in ["corpus", "workshops", "templates"] {
        assert!(p.root.join(d).is_dir(), "{d}");
    }
    let gitignore = std::fs::read_to_string(p.root.join(".gitignore")).unwrap();
    assert!(gitignore.contains("participants.toml") && gitignore.contains(".kooste/"));
    let status = p.kooste(&["status", "--json"]);
    assert_eq!(status.code, 0, "{status:?}");
    assert_eq!(status.json()["passages"], 0);
    let ingest = p.kooste(&["ingest", &p.inbox("asiakas.md").to_string_lossy()]);
    assert_eq!(ingest.code, 0, "{ingest:?}");
}

#[test]
fn init_refuses_an_existing_project() {
    let p = TestProject::new();
    let out = Command::cargo_bin("kooste")
        .unwrap()
        .arg("init")
        .arg(&p.root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already a kooste project"));
}

#[test]
fn global_options_go_before_or_after_the_subcommand() {
    let p = TestProject::new();
    let root = p.root.to_string_lossy().to_string();
    for args in [
        vec!["--json", "--project", &root, "status"],
        vec!["status", "--project", &root, "--json"],
    ] {
        let out = Command::cargo_bin("kooste")
            .unwrap()
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap();
    }
}

#[test]
fn usage_errors_exit_2() {
    let p = TestProject::new();
    assert_eq!(p.kooste(&["frobnicate"]).code, 2);
    assert_eq!(p.kooste(&["ingest"]).code, 2);
    let bad_voice = p.kooste(&["ingest", "x.md", "--voice", "manager"]);
    assert_eq!(bad_voice.code, 2);
    assert!(
        bad_voice.stderr.contains("client (asiakas, klient)"),
        "{}",
        bad_voice.stderr
    );
    assert_eq!(p.kooste(&["ingest", "x.md", "--date", "14.3.2018"]).code, 2);
}

#[test]
fn no_project_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("kooste")
        .unwrap()
        .current_dir(tmp.path())
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kooste init"));
}

#[test]
fn a_typo_in_kooste_toml_names_the_line() {
    let p = TestProject::new();
    let text = std::fs::read_to_string(p.root.join("kooste.toml"))
        .unwrap()
        .replace("lang = \"fi\"", "lnag = \"fi\"");
    p.write("kooste.toml", text.as_bytes());
    let out = p.kooste(&["status"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("kooste.toml:4: unknown field `lnag`"),
        "{}",
        out.stderr
    );
}

/// The example project: its workshop cycle, and material from all three voices for the
/// first three workshops' rounds.
#[test]
fn example_project_status() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = Command::cargo_bin("kooste")
        .unwrap()
        .args(["--project", root, "status", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let workshops = s["workshops"].as_array().unwrap();
    assert_eq!(workshops.len(), 6);
    for w in workshops {
        for key in ["id", "region", "number", "date", "themes"] {
            assert!(!w[key].is_null(), "{key} in {w}");
        }
    }
    for round in ["rannikko-1", "rannikko-2", "rannikko-3"] {
        for voice in ["client", "worker", "researcher"] {
            assert!(
                s["by_workshop"][round][voice].as_u64().unwrap_or(0) > 0,
                "{round} {voice}"
            );
        }
    }
    assert!(s["passages"].as_u64().unwrap() >= 300);
}

#[test]
fn init_writes_an_example_region_that_works_once_copied() {
    let p = TestProject::new();
    let example = p.root.join("workshops/esimerkki-alue.toml.example");
    let text = std::fs::read_to_string(&example).unwrap();
    assert_eq!(text.matches("[[workshop]]").count(), 6);
    // Not read as it is; copied to a .toml it is a region of six workshops.
    assert_eq!(
        p.kooste(&["status", "--json"]).json()["workshops"],
        serde_json::json!([])
    );
    std::fs::copy(&example, p.root.join("workshops/pohjoinen.toml")).unwrap();
    let status = p.kooste(&["status", "--json"]);
    assert_eq!(status.code, 0, "{status:?}");
    let ids: Vec<String> = status.json()["workshops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        (1..=6)
            .map(|n| format!("pohjoinen-{n}"))
            .collect::<Vec<_>>()
    );
    // A theme written with a capital is the project's theme.
    p.write(
        "uusi.md",
        b"---\nvoice: client\ntheme: Osallisuus\nworkshop: Pohjoinen-1\n---\nTeksti.\n",
    );
    let out = p.kooste(&["ingest", "uusi.md"]);
    assert_eq!(out.code, 0, "{out:?}");
    let corpus = p.corpus();
    assert!(
        corpus[0].1.contains("theme: osallisuus") && corpus[0].1.contains("workshop: pohjoinen-1"),
        "{corpus:?}"
    );
}
