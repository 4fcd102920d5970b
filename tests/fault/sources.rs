//! SIGKILL while a second sender's same-named files are ingested: the first sender's
//! documents are never touched, and the second's land whole or not at all.

use crate::{Rng, TestProject, assert_status_clean, files, kooste_bin};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROUNDS: u64 = 8;

/// A sender's folder: a text and a three-row form, every passage marked with `tag`.
fn write_sender(p: &TestProject, dir: &str, tag: &str) {
    p.write(
        &format!("{dir}/kertomus.md"),
        format!("---\nvoice: client\n---\nKerroin asiasta {tag}.\n\nToinen kappale {tag}.\n")
            .as_bytes(),
    );
    let mut csv = String::from(
        "Millaisiin tilanteisiin olet hakenut apua?;Millaista apua sait sosiaalityöstä?;Mitä sosiaalityöntekijä teki tässä?\n",
    );
    for r in 1..=3 {
        csv.push_str(&format!("Tilanne {r} {tag};Apua {tag};Ohjasi {tag}\n"));
    }
    p.write(&format!("{dir}/lomake.csv"), csv.as_bytes());
}

#[test]
fn ingest_killed_between_two_senders_loses_neither() {
    let mut rng = Rng::new("ingest_killed_between_two_senders_loses_neither");
    let rounds = std::env::var("KOOSTE_FAULT_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROUNDS);
    for round in 0..rounds {
        let p = TestProject::new();
        write_sender(&p, "tiimi-a", "ekamerkki");
        write_sender(&p, "tiimi-b", "tokamerkki");
        assert_eq!(p.kooste(&["ingest", "tiimi-a"]).code, 0);
        let first = files(&p.root.join("corpus"));
        assert_eq!(first.len(), 4);

        // How long an uncut ingest of the second sender takes, on a copy.
        let q = TestProject::new();
        write_sender(&q, "tiimi-a", "ekamerkki");
        write_sender(&q, "tiimi-b", "tokamerkki");
        assert_eq!(q.kooste(&["ingest", "tiimi-a"]).code, 0);
        let start = Instant::now();
        assert_eq!(q.kooste(&["ingest", "tiimi-b"]).code, 0);
        let full = start.elapsed();

        let delay = full.mul_f64(rng.unit() * 1.2);
        let context =
            format!("round {round}: ingest of tiimi-b killed after {delay:?} (uncut {full:?})");
        let mut child = Command::new(kooste_bin())
            .arg("--project")
            .arg(&p.root)
            .args(["ingest", "tiimi-b"])
            .current_dir(&p.root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay.min(Duration::from_secs(10)));
        let _ = child.kill();
        child.wait().unwrap();
        assert_status_clean(&p, &context);

        let now = files(&p.root.join("corpus"));
        for (file, bytes) in &first {
            assert_eq!(
                now.get(file),
                Some(bytes),
                "{context}: the first sender's {file} changed"
            );
        }
        let second: Vec<String> = now
            .iter()
            .filter(|(f, _)| !first.contains_key(*f))
            .map(|(_, b)| String::from_utf8(b.clone()).unwrap())
            .collect();
        assert!(
            second
                .iter()
                .all(|t| t.contains("tokamerkki") && !t.contains("ekamerkki")),
            "{context}: {second:?}"
        );
        // The text lands whole or not at all, the form with all its rows or none.
        let form_rows = second.iter().filter(|t| t.contains("row: ")).count();
        assert!(
            form_rows == 0 || form_rows == 3,
            "{context}: {form_rows} rows of the form"
        );

        // The second sender's ingest, run to its end, adds what is missing.
        assert_eq!(p.kooste(&["ingest", "tiimi-b"]).code, 0, "{context}");
        let done = files(&p.root.join("corpus"));
        assert_eq!(done.len(), 8, "{context}: {:?}", done.keys());
        for (file, bytes) in &first {
            assert_eq!(done.get(file), Some(bytes), "{context}: {file}");
        }
    }
}
