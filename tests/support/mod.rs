//! Helpers shared by the test binaries that drive the real `kooste` binary (`tests/cli`,
//! `tests/fault`): a fresh project, a run of the binary and what it printed.

// Each binary uses its own part of these helpers.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// A fresh project in a temporary directory, made by `kooste init`.
pub(crate) struct TestProject {
    _tmp: tempfile::TempDir,
    pub(crate) root: PathBuf,
}

impl TestProject {
    pub(crate) fn new() -> TestProject {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("hanke");
        Command::cargo_bin("kooste")
            .unwrap()
            .arg("init")
            .arg(&root)
            .assert()
            .success();
        std::fs::copy(
            fixtures().join("participants.toml"),
            root.join("participants.toml"),
        )
        .unwrap();
        TestProject { _tmp: tmp, root }
    }

    /// A copy of the repository's example project in a temporary directory (so that the
    /// index it builds stays out of the repository).
    pub(crate) fn example() -> TestProject {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("rannikko");
        std::fs::create_dir_all(&root).unwrap();
        for f in ["kooste.toml", "participants.toml", "development-steps.toml"] {
            std::fs::copy(repo.join(f), root.join(f)).unwrap();
        }
        for d in ["workshops", "corpus", "templates"] {
            copy_dir(&repo.join(d), &root.join(d));
        }
        TestProject { _tmp: tmp, root }
    }

    /// Runs `kooste --project ROOT ARGS...` in the project directory.
    pub(crate) fn kooste(&self, args: &[&str]) -> Run {
        self.run(args, None)
    }

    /// Runs `kooste --project ROOT ARGS...` with `stdin` piped in.
    pub(crate) fn kooste_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.run(args, Some(stdin))
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let mut cmd = Command::cargo_bin("kooste").unwrap();
        cmd.current_dir(&self.root)
            .arg("--project")
            .arg(&self.root)
            .args(args);
        if let Some(stdin) = stdin {
            cmd.write_stdin(stdin);
        }
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    /// Copies a fixture into the project's `inbox/` and returns its path.
    pub(crate) fn inbox(&self, name: &str) -> PathBuf {
        let to = self.root.join("inbox").join(name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(fixtures().join("inbox").join(name), &to).unwrap();
        to
    }

    pub(crate) fn write(&self, rel: &str, text: &[u8]) -> PathBuf {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Every corpus file, relative path and contents, sorted.
    pub(crate) fn corpus(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut stack = vec![self.root.join("corpus")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    let rel = e
                        .path()
                        .strip_prefix(&self.root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    out.push((rel, std::fs::read_to_string(e.path()).unwrap()));
                }
            }
        }
        out.sort();
        out
    }
}

/// What one run printed and returned.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

pub(crate) fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures"))
}
