//! A full disk and a read-only corpus: clear errors that name the file and say what to do,
//! no panics, no partial files, and nothing already stored is lost.
//!
//! Both faults are made for real, in a mount namespace of the test's own (nothing changes
//! outside it, and it ends with the test): a small tmpfs filled up, and a read-only bind
//! mount of `corpus/` (permission bits alone would not stop root). This needs `unshare -m`
//! as root, or unprivileged user namespaces (`unshare -rm`). Where neither works the tests
//! fail and say why; `KOOSTE_FAULT_NO_MOUNTS=1` skips them, loudly.

use crate::http::Client;
use crate::kill::{WORKER, add_worker};
use crate::{TestProject, files, kooste_bin, stray_files};
use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

/// The command prefix that runs a shell in a mount namespace of its own where it may mount
/// and remount, or why there is none.
fn namespace() -> Result<&'static [&'static str], String> {
    let probe = tempfile::tempdir().unwrap();
    let mut why = Vec::new();
    for prefix in [&["unshare", "-m"][..], &["unshare", "-rm"][..]] {
        let out = Command::new(prefix[0])
            .args(&prefix[1..])
            .args([
                "sh",
                "-c",
                "mount -t tmpfs -o size=64k tmpfs \"$0\"",
                probe.path().to_str().unwrap(),
            ])
            .output();
        match out {
            Ok(o) if o.status.success() => return Ok(prefix),
            Ok(o) => why.push(format!(
                "`{} mount -t tmpfs` failed: {}",
                prefix.join(" "),
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => why.push(format!("cannot run {}: {e}", prefix[0])),
        }
    }
    Err(why.join("; "))
}

/// The namespace prefix, or `None` when the test is knowingly skipped.
fn namespace_or_skip(test: &str) -> Option<&'static [&'static str]> {
    match namespace() {
        Ok(prefix) => Some(prefix),
        Err(why) if std::env::var_os("KOOSTE_FAULT_NO_MOUNTS").is_some() => {
            eprintln!(
                "\n!!!!!!!!\n!!! SKIPPED {test}: this machine cannot make a full disk or a read-only corpus ({why}); KOOSTE_FAULT_NO_MOUNTS is set\n!!!!!!!!\n"
            );
            None
        }
        Err(why) => panic!(
            "{test} needs a mount namespace (root, or unprivileged user namespaces) to make a full disk or a read-only corpus, and this machine has none: {why}. Set KOOSTE_FAULT_NO_MOUNTS=1 to skip the test knowingly."
        ),
    }
}

/// Runs `script` with `sh` in a mount namespace, with the given environment.
fn in_namespace(prefix: &[&str], script: &str, env: &[(&str, &Path)]) -> Command {
    let mut cmd = Command::new(prefix[0]);
    cmd.args(&prefix[1..]).args(["sh", "-euc", script]);
    cmd.env("KOOSTE", kooste_bin());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Material stored before the fault: a text and a form of three rows.
fn stored_before(p: &TestProject) {
    p.write(
        "inbox/ennen.md",
        "---\nvoice: client\nlang: fi\n---\nKotikäynti tehtiin ennen vikaa, ja se on tallessa.\n"
            .as_bytes(),
    );
    p.write(
        "inbox/ennen.csv",
        "Millaisiin tilanteisiin olet hakenut apua?;Millaista apua sait sosiaalityöstä?\nHäätö;Asunto\nVelat;Velkaneuvonta\nYksinäisyys;Vertaisryhmä\n".as_bytes(),
    );
    let run = p.kooste(&["ingest", "inbox"]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = p.kooste(&["index"]);
    assert_eq!(run.code, 0, "{run:?}");
}

/// New material, outside the project: a form of four rows (stored through the journal) and
/// three texts.
fn new_material(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let mut csv = String::from(
        "Millaisiin tilanteisiin olet hakenut apua?;Millaista apua sait sosiaalityöstä?\n",
    );
    for r in 1..=4 {
        csv.push_str(&format!("Uusi tilanne {r} vikakokeesta;Uusi apu {r}\n"));
    }
    std::fs::write(dir.join("uusi.csv"), csv).unwrap();
    for k in 1..=3 {
        std::fs::write(
            dir.join(format!("teksti-{k}.md")),
            format!("---\nvoice: worker\nlang: fi\n---\nUusi teksti {k} vikakokeesta.\n"),
        )
        .unwrap();
    }
}

/// The documents of each new input are all there or none is.
fn new_inputs_whole(corpus: &std::collections::BTreeMap<String, Vec<u8>>, context: &str) {
    let from = |source: &str| {
        corpus
            .values()
            .filter(|t| String::from_utf8_lossy(t).contains(&format!("source: {source}\n")))
            .count()
    };
    let n = from("uusi.csv");
    assert!(
        n == 0 || n == 4,
        "{context}: {n} of the form's 4 rows stored"
    );
    for k in 1..=3 {
        assert!(from(&format!("teksti-{k}.md")) <= 1, "{context}");
    }
}

const FULL_DISK: &str = r#"
mount -t tmpfs -o size=4m tmpfs "$MNT"
cp -a "$PROJECT/." "$MNT/"
# Fill the disk up to a few pages, then try to store the new material.
for free in 0 1 2 3 5 8 13 21; do
  rm -f "$MNT/filler"
  avail=$(df -B1 --output=avail "$MNT" | tail -n 1)
  head -c $((avail - free * 4096)) /dev/zero > "$MNT/filler" 2>/dev/null || true
  code=0; "$KOOSTE" --project "$MNT" ingest "$NEW" > "$OUT/ingest-$free.out" 2> "$OUT/ingest-$free.err" || code=$?
  echo "$code" > "$OUT/ingest-$free.code"
  code=0; "$KOOSTE" --project "$MNT" status --json > "$OUT/status-$free.out" 2> "$OUT/status-$free.err" || code=$?
  echo "$code" > "$OUT/status-$free.code"
  mkdir -p "$OUT/corpus-$free"
  cp -a "$MNT/corpus/." "$OUT/corpus-$free/"
done
rm -f "$MNT/filler"
code=0; "$KOOSTE" --project "$MNT" index > "$OUT/index.out" 2> "$OUT/index.err" || code=$?
echo "$code" > "$OUT/index.code"
"$KOOSTE" --project "$MNT" search vikakokeesta --json > "$OUT/search.out"
"$KOOSTE" --project "$MNT" search kotikäynti --json > "$OUT/search-before.out"
"#;

#[test]
fn a_full_disk_gives_clear_errors_and_loses_nothing() {
    let test = "a_full_disk_gives_clear_errors_and_loses_nothing";
    let Some(prefix) = namespace_or_skip(test) else {
        return;
    };
    let p = TestProject::new();
    stored_before(&p);
    let before = files(&p.root.join("corpus"));
    let tmp = tempfile::tempdir().unwrap();
    let (mnt, out, new) = (
        tmp.path().join("mnt"),
        tmp.path().join("out"),
        tmp.path().join("new"),
    );
    for d in [&mnt, &out] {
        std::fs::create_dir_all(d).unwrap();
    }
    new_material(&new);
    let run = in_namespace(
        prefix,
        FULL_DISK,
        &[
            ("MNT", &mnt),
            ("OUT", &out),
            ("NEW", &new),
            ("PROJECT", &p.root),
        ],
    )
    .output()
    .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut refused = 0;
    for free in [0, 1, 2, 3, 5, 8, 13, 21] {
        let context = format!("ingest with {free} pages free");
        let (code, err) = (
            read(&out, &format!("ingest-{free}.code")),
            read(&out, &format!("ingest-{free}.err")),
        );
        assert!(!err.contains("panicked"), "{context}: {err}");
        if code.trim() != "0" {
            refused += 1;
            assert_eq!(code.trim(), "1", "{context}: {err}");
            assert!(
                err.contains("No space left on device") && err.contains("free some disk space"),
                "{context}: the error says what happened and what to do: {err}"
            );
        }
        let status = read(&out, &format!("status-{free}.out"));
        assert_eq!(
            read(&out, &format!("status-{free}.code")).trim(),
            "0",
            "{context}: {status}"
        );
        let status: serde_json::Value = serde_json::from_str(&status).unwrap();
        assert_eq!(status["problems"], serde_json::json!([]), "{context}");
        let corpus_dir = out.join(format!("corpus-{free}"));
        assert_eq!(stray_files(&corpus_dir), Vec::<String>::new(), "{context}");
        let corpus = files(&corpus_dir);
        for (f, text) in &before {
            assert_eq!(
                corpus.get(f),
                Some(text),
                "{context}: {f} was stored before and must stay"
            );
        }
        new_inputs_whole(&corpus, &context);
    }
    assert!(
        refused > 0,
        "the disk was never full enough to refuse an ingest"
    );
    assert_eq!(
        read(&out, "index.code").trim(),
        "0",
        "{}",
        read(&out, "index.err")
    );
    let hits: serde_json::Value = serde_json::from_str(&read(&out, "search.out")).unwrap();
    assert_eq!(
        hits.as_array().unwrap().len(),
        7,
        "the new material is found once stored"
    );
    let hits: serde_json::Value = serde_json::from_str(&read(&out, "search-before.out")).unwrap();
    assert!(
        !hits.as_array().unwrap().is_empty(),
        "what was stored before is found"
    );
}

const READ_ONLY: &str = r#"
mount --bind "$PROJECT/corpus" "$PROJECT/corpus"
mount -o remount,bind,ro "$PROJECT/corpus"
if touch "$PROJECT/corpus/probe" 2>/dev/null; then echo "the corpus is still writable" >&2; exit 99; fi
code=0; "$KOOSTE" --project "$PROJECT" ingest "$NEW" > "$OUT/ingest.out" 2> "$OUT/ingest.err" || code=$?
echo "$code" > "$OUT/ingest.code"
code=0; "$KOOSTE" --project "$PROJECT" status --json > "$OUT/status.out" 2> "$OUT/status.err" || code=$?
echo "$code" > "$OUT/status.code"
code=0; "$KOOSTE" --project "$PROJECT" index --rebuild > "$OUT/index.out" 2> "$OUT/index.err" || code=$?
echo "$code" > "$OUT/index.code"
exec "$KOOSTE" --project "$PROJECT" serve --addr 127.0.0.1:0 --json 2> "$OUT/serve.err"
"#;

#[test]
fn a_read_only_corpus_gives_clear_errors_and_loses_nothing() {
    let test = "a_read_only_corpus_gives_clear_errors_and_loses_nothing";
    let Some(prefix) = namespace_or_skip(test) else {
        return;
    };
    let p = TestProject::new();
    stored_before(&p);
    add_worker(&p);
    let before = files(&p.root.join("corpus"));
    let tmp = tempfile::tempdir().unwrap();
    let (out, new) = (tmp.path().join("out"), tmp.path().join("new"));
    std::fs::create_dir_all(&out).unwrap();
    new_material(&new);
    let mut serve = in_namespace(
        prefix,
        READ_ONLY,
        &[("OUT", &out), ("NEW", &new), ("PROJECT", &p.root)],
    )
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(serve.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = serde_json::from_str::<serde_json::Value>(&line)
        .ok()
        .and_then(|v| v["url"].as_str().map(str::to_string))
        .map(|u| {
            u.trim_start_matches("http://")
                .trim_end_matches('/')
                .to_string()
        });
    // A form saved through the web app on the read-only corpus.
    let saved = addr.map(|addr| {
        let mut c = Client::default();
        c.login(&addr, WORKER.0, WORKER.1).unwrap();
        let csrf = c.get(&addr, "/forms/asp-paiva").unwrap().csrf();
        let fields = [
            ("csrf_token", csrf.as_str()),
            ("date", "2018-03-14"),
            ("r1_q1", "Lukukokeen vastaus, joka ei saa kadota."),
            ("action", "save"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        c.post(&addr, "/forms/asp-paiva", &fields).unwrap()
    });
    let _ = serve.kill();
    let status = serve.wait().unwrap();

    let ingest_err = read(&out, "ingest.err");
    assert_eq!(read(&out, "ingest.code").trim(), "1", "{ingest_err}");
    assert!(!ingest_err.contains("panicked"), "{ingest_err}");
    for input in ["uusi.csv", "teksti-1.md", "teksti-3.md"] {
        let line = ingest_err
            .lines()
            .find(|l| l.contains(input))
            .unwrap_or_else(|| panic!("no error names {input}: {ingest_err}"));
        assert!(
            line.contains("cannot write corpus/")
                && line.contains("Read-only file system")
                && line.contains("make the project directory writable"),
            "the error names the file, says what happened and what to do: {line}"
        );
    }
    assert_eq!(
        read(&out, "status.code").trim(),
        "0",
        "{}",
        read(&out, "status.err")
    );
    let s: serde_json::Value = serde_json::from_str(&read(&out, "status.out")).unwrap();
    assert_eq!(s["problems"], serde_json::json!([]));
    assert_eq!(s["documents"], 4, "what was stored before, and nothing new");
    // The index is derived state under .kooste/, which stays writable.
    assert_eq!(
        read(&out, "index.code").trim(),
        "0",
        "{}",
        read(&out, "index.err")
    );
    let page = saved.unwrap_or_else(|| {
        panic!(
            "kooste serve did not start ({status}): {line}\n{}",
            read(&out, "serve.err")
        )
    });
    assert_eq!(page.status, 500, "{}", page.body);
    assert!(
        page.body
            .contains("Lukukokeen vastaus, joka ei saa kadota."),
        "the form keeps what was typed"
    );
    let log = read(&out, "serve.err");
    assert!(
        log.contains("cannot write corpus/")
            && log.contains("Read-only file system")
            && !log.contains("panicked"),
        "{log}"
    );
    assert_eq!(
        files(&p.root.join("corpus")),
        before,
        "nothing stored was lost or changed"
    );
}
