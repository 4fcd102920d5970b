//! SIGKILL in the middle of `kooste ingest` and of web form submissions, many times over,
//! each time at another moment.

use crate::http::Client;
use crate::keep::Keeper;
use crate::{Rng, TestProject, assert_status_clean, files, kooste_bin, rounds, search_docs};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TEXTS: usize = 16;
const FORMS: usize = 6;
/// Kills of `kooste ingest` in one run of the test, unless `KOOSTE_FAULT_ROUNDS` says more.
const INGEST_ROUNDS: usize = 24;
/// Kills of `kooste serve` in one run, unless `KOOSTE_FAULT_SERVE_ROUNDS` says more.
const SERVE_ROUNDS: usize = 6;

/// Rows of every CSV form in version `v`: from two to five, so that ingesting a new version
/// both replaces and removes documents of a form.
fn rows(v: u64) -> usize {
    2 + (v % 4) as usize
}

/// Version `v` of the inbox: Markdown texts (one document each) and CSV forms (one document
/// per row, stored as one unit through the corpus journal). Every passage carries the
/// marker `merkkiVx`, so a document shows which version it holds, and whether it is whole.
fn write_inbox(p: &TestProject, v: u64) {
    for k in 0..TEXTS {
        let voice = ["client", "worker", "researcher"][k % 3];
        let mut text = format!("---\nvoice: {voice}\nlang: fi\n---\n");
        for j in 1..=3 {
            text.push_str(&format!(
                "Asiakas kertoi asiasta {k} kohdassa {j}, ja se kirjattiin merkki{v}x talteen.\n\n"
            ));
        }
        text.push_str(&format!("Loppu merkki{v}x.\n"));
        p.write(&format!("inbox/teksti-{k}.md"), text.as_bytes());
    }
    for c in 0..FORMS {
        let mut text = String::from(
            "Millaisiin tilanteisiin olet hakenut apua?;Millaista apua sait sosiaalityöstä?;Mitä sosiaalityöntekijä teki tässä?\n",
        );
        for r in 1..=rows(v) {
            text.push_str(&format!(
                "Tilanne {r} lomakkeella {c} merkki{v}x;Sain apua merkki{v}x;Ohjasi eteenpäin merkki{v}x\n"
            ));
        }
        p.write(&format!("inbox/lomake-{c}.csv"), text.as_bytes());
    }
}

/// `kooste index --json` succeeds and the index holds exactly the passages of the corpus
/// (`versions`: each input's version), none left over from a version replaced or a form row
/// removed, none missing.
fn assert_index_follows(p: &TestProject, versions: &BTreeMap<String, u64>, context: &str) {
    let run = p.kooste(&["index", "--json"]);
    assert_eq!(run.code, 0, "{context}: kooste index: {run:?}");
    let want: usize = versions
        .iter()
        .map(|(source, v)| {
            if source.ends_with(".csv") {
                3 * rows(*v)
            } else {
                4
            }
        })
        .sum();
    assert_eq!(
        run.json()["report"]["passages"],
        serde_json::json!(want),
        "{context}: the index does not hold the corpus's passages: {}",
        run.stdout
    );
}

/// The version markers `merkkiNx` in a text.
fn markers(text: &str) -> Vec<u64> {
    text.match_indices("merkki")
        .filter_map(|(i, m)| {
            let rest = &text[i + m.len()..];
            let end = rest.find('x')?;
            rest[..end].parse().ok()
        })
        .collect()
}

/// The front matter value of `key` in a corpus file.
fn front(text: &str, key: &str) -> Option<String> {
    let fm = text.strip_prefix("---\n")?.split("\n---\n").next()?;
    fm.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .map(|v| v.trim().to_string())
}

/// Checks that every document from the inbox is whole, and that the documents of each input
/// file are all of one version, complete (all its rows, no row of another version): the
/// corpus holds either the old or the new version of each input, never a mix. Returns the
/// version of each input file.
fn versions(p: &TestProject, context: &str) -> BTreeMap<String, u64> {
    let mut by_source: BTreeMap<String, Vec<(u64, Option<String>)>> = BTreeMap::new();
    for (file, bytes) in files(&p.root.join("corpus")) {
        let text =
            String::from_utf8(bytes).unwrap_or_else(|_| panic!("{context}: {file} is not UTF-8"));
        let source = front(&text, "source")
            .unwrap_or_else(|| panic!("{context}: {file} has no source:\n{text}"));
        let m = markers(&text);
        let whole = if source.ends_with(".md") { 4 } else { 3 };
        assert!(
            m.len() == whole && m.iter().all(|v| *v == m[0]),
            "{context}: {file} is not one whole version:\n{text}"
        );
        if source.ends_with(".md") {
            assert!(
                text.contains(&format!("Loppu merkki{}x.", m[0])),
                "{context}: {file}"
            );
        }
        by_source
            .entry(source)
            .or_default()
            .push((m[0], front(&text, "row")));
    }
    let mut out = BTreeMap::new();
    for (source, docs) in by_source {
        let v = docs[0].0;
        assert!(
            docs.iter().all(|(d, _)| *d == v),
            "{context}: {source} mixes versions: {docs:?}"
        );
        if source.ends_with(".csv") {
            let mut got: Vec<usize> = docs
                .iter()
                .map(|(_, r)| r.as_deref().and_then(|r| r.parse().ok()).unwrap_or(0))
                .collect();
            got.sort();
            let want: Vec<usize> = (1..=rows(v)).collect();
            assert_eq!(
                got, want,
                "{context}: {source} does not hold all rows of version {v}"
            );
        } else {
            assert_eq!(docs.len(), 1, "{context}: {source}");
        }
        out.insert(source, v);
    }
    out
}

fn ingest(p: &TestProject, keep: &Keeper) -> Child {
    Command::new(kooste_bin())
        .arg("--project")
        .arg(&p.root)
        .args(["ingest", "inbox"])
        .current_dir(&p.root)
        .stdout(keep.output("stdout"))
        .stderr(keep.output("stderr"))
        .spawn()
        .unwrap()
}

/// `kill -9` after `delay`, or as soon as the process has ended on its own. Returns whether
/// the kill ended it (else it had ended before).
fn kill_after(child: &mut Child, delay: Duration) -> bool {
    std::thread::sleep(delay);
    let _ = child.kill();
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    status.signal() == Some(9)
}

#[test]
fn ingest_killed_at_any_moment_leaves_every_document_whole() {
    let test = "ingest_killed_at_any_moment_leaves_every_document_whole";
    let mut rng = Rng::new(test);
    let mut keep = Keeper::new(test, rng.seed);
    let p = TestProject::new();
    write_inbox(&p, 0);
    assert_eq!(p.kooste(&["ingest", "inbox"]).code, 0);
    // With an index, every ingest also updates it: kills land in index writes too.
    assert_eq!(p.kooste(&["index"]).code, 0);
    write_inbox(&p, 1);
    let start = Instant::now();
    let run = p.kooste(&["ingest", "inbox"]);
    let full = start.elapsed();
    assert_eq!(run.code, 0, "{run:?}");
    let mut before = versions(&p, "after an uncut ingest");
    let last = 1 + rounds("KOOSTE_FAULT_ROUNDS", INGEST_ROUNDS) as u64;
    for v in 2..=last {
        write_inbox(&p, v);
        // Most of an uncut run is the index update after the corpus writes: half the kills
        // are aimed at its first fifth, where the corpus is written.
        let u = rng.unit();
        let delay = full.mul_f64(if u < 0.5 { u * 0.4 } else { (u - 0.5) * 2.2 });
        let context =
            format!("ingest of version {v} killed after {delay:?} (an uncut one takes {full:?})");
        let killed = kill_after(&mut ingest(&p, &keep), delay);
        keep.after_kill(&p, killed);
        let facts = [
            format!("kill delay: {delay:?} after the start of `kooste ingest inbox`"),
            format!("an uncut ingest took: {full:?}"),
            format!(
                "the ingest {}",
                if killed {
                    "was killed"
                } else {
                    "had ended on its own before the kill"
                }
            ),
            format!("inbox: version {v}; the corpus held, by source: {before:?}"),
        ];
        before = keep.check(&p, &format!("{}", v - 1), &facts, || {
            assert_status_clean(&p, &context);
            let now = versions(&p, &context);
            assert_eq!(now.len(), TEXTS + FORMS, "{context}: {now:?}");
            for (source, got) in &now {
                let old = before[source];
                assert!(
                    *got == old || *got == v,
                    "{context}: {source} is at version {got}, neither the old {old} nor the new {v}"
                );
            }
            // Now and then, the index too (not every round: an index brought up to date
            // after every kill would never meet what the next ingest's kill leaves).
            if v % 5 == 0 {
                assert_index_follows(&p, &now, &context);
            }
            now
        });
    }
    keep.check(
        &p,
        "final",
        &["after the last round: an uncut ingest, index, search".into()],
        || {
            let run = p.kooste(&["ingest", "inbox"]);
            assert_eq!(run.code, 0, "{run:?}");
            assert!(versions(&p, "the last ingest").values().all(|v| *v == last));
            assert_index_follows(&p, &versions(&p, "the last ingest"), "the last ingest");
            let mut found = search_docs(&p, &format!("merkki{last}x"));
            found.sort();
            found.dedup();
            assert_eq!(found.len(), TEXTS + FORMS * rows(last), "{found:?}");
        },
    );
    eprintln!(
        "{} kills of kooste ingest ({} runs ended before their kill)",
        keep.killed, keep.ended
    );
}

/// `kooste serve` as a child process, with the address it listens on.
pub(crate) fn serve(p: &TestProject) -> (Child, String) {
    serve_logged(p, Stdio::null())
}

/// [`serve`], its standard error going to `stderr`.
fn serve_logged(p: &TestProject, stderr: Stdio) -> (Child, String) {
    let mut child = Command::new(kooste_bin())
        .arg("--project")
        .arg(&p.root)
        .args(["serve", "--addr", "127.0.0.1:0", "--json"])
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url: serde_json::Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("kooste serve printed {line:?}: {e}"));
    let addr = url["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    (child, addr)
}

pub(crate) const WORKER: (&str, &str) = ("tyontekija", "tyontekija-salasana");

pub(crate) fn add_worker(p: &TestProject) {
    let add = p.kooste_stdin(
        &["user", "add", WORKER.0, "--role", "worker"],
        &format!("{}\n", WORKER.1),
    );
    assert_eq!(add.code, 0, "{add:?}");
}

/// A form of three rows, each answer with its own word, posted until the server dies.
/// Returns the documents answered "saved" and the word of each.
fn submit_until_killed(
    addr: &str,
    csrf: &str,
    client: &Client,
    tag: &str,
) -> Vec<(String, String)> {
    let mut saved = Vec::new();
    for n in 0.. {
        let word = format!("tallennus{tag}x{n}");
        let mut c = client.clone();
        let rows: Vec<(String, String)> = (1..=3)
            .map(|r| {
                (
                    format!("r{r}_q1"),
                    format!("Rivi {r}: {word} velkaneuvonnasta."),
                )
            })
            .collect();
        let mut fields = vec![
            ("csrf_token".to_string(), csrf.to_string()),
            ("date".to_string(), "2018-03-14".to_string()),
            ("action".to_string(), "save".to_string()),
        ];
        fields.extend(rows);
        let Ok(page) = c.post(addr, "/forms/asp-paiva", &fields) else {
            return saved;
        };
        // A response cut short by the kill was an error above; any whole answer but
        // "saved" is a failure.
        assert_eq!(page.status, 200, "a save got: {}", page.body);
        let ids = page.saved_ids();
        assert_eq!(
            ids.len(),
            3,
            "a saved page lists its documents: {}",
            page.body
        );
        saved.extend(ids.into_iter().map(|id| (id, word.clone())));
    }
    saved
}

#[test]
fn serve_killed_during_submissions_keeps_every_form_answered_saved() {
    let test = "serve_killed_during_submissions_keeps_every_form_answered_saved";
    let mut rng = Rng::new(test);
    let mut keep = Keeper::new(test, rng.seed);
    let p = TestProject::new();
    add_worker(&p);
    let mut saved: Vec<(String, String)> = Vec::new();
    let serve_rounds = rounds("KOOSTE_FAULT_SERVE_ROUNDS", SERVE_ROUNDS);
    for round in 0..serve_rounds {
        let (mut child, addr) = serve_logged(&p, keep.output("stderr"));
        let mut client = Client::default();
        client.login(&addr, WORKER.0, WORKER.1).unwrap();
        let csrf = client.get(&addr, "/forms/asp-paiva").unwrap().csrf();
        let delay = Duration::from_millis(50 + rng.next() % 1500);
        let posters: Vec<_> = (0..2)
            .map(|t| {
                let (addr, csrf, client) = (addr.clone(), csrf.clone(), client.clone());
                std::thread::spawn(move || {
                    submit_until_killed(&addr, &csrf, &client, &format!("{round}y{t}"))
                })
            })
            .collect();
        let killed = kill_after(&mut child, delay);
        keep.after_kill(&p, killed);
        let context = format!("serve killed after {delay:?} in round {round}");
        let facts = [
            format!("kill delay: {delay:?} after `kooste serve` printed its address"),
            format!("forms answered saved in earlier rounds: {}", saved.len()),
        ];
        let answered = keep.check(&p, &round.to_string(), &facts, || {
            let mut answered = Vec::new();
            for t in posters {
                match t.join() {
                    Ok(a) => answered.extend(a),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            assert_status_clean(&p, &context);
            let corpus = files(&p.root.join("corpus"));
            for (id, word) in &answered {
                let file = corpus
                    .iter()
                    .find(|(f, _)| f.ends_with(&format!("/{id}.md")))
                    .unwrap_or_else(|| {
                        panic!("{context}: {id} was answered saved but is not in the corpus")
                    });
                assert!(
                    String::from_utf8_lossy(file.1).contains(word.as_str()),
                    "{context}: {id} lacks its answer"
                );
            }
            answered
        });
        saved.extend(answered);
    }
    keep.check(
        &p,
        "final",
        &["after the last round: index, search".into()],
        || {
            assert!(!saved.is_empty(), "no form was saved in any round");
            let index = p.kooste(&["index"]);
            assert_eq!(index.code, 0, "{index:?}");
            let found = search_docs(&p, "velkaneuvonnasta");
            for (id, _) in &saved {
                assert!(found.contains(id), "{id} was saved but is not found");
            }
        },
    );
    eprintln!(
        "{} documents saved over {} kills of kooste serve",
        saved.len(),
        keep.killed
    );
}
