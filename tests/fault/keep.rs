//! What a failing round of a kill test leaves behind, so that it can be understood without
//! being caught again: the project directory as the kill left it (before any other command
//! opened it) and as it was when the check failed, what the killed process printed, the
//! seed, the round, the kill delay and the assertion message. And a tally of the kills,
//! for the soak (`scripts/soak.sh`).
//!
//! Failing rounds are kept under `KOOSTE_FAULT_KEEP` (the soak sets it and names it at the
//! end), else under `target/tmp/fault-failures/`; the test's panic message names the folder.

use crate::TestProject;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// The evidence of the current round of one kill test, and its tally of kills.
pub(crate) struct Keeper {
    test: &'static str,
    seed: u64,
    /// The project as the last kill left it, and what the killed process printed.
    scratch: tempfile::TempDir,
    /// Rounds checked, rounds where the process was killed, rounds where it had ended on
    /// its own before the kill came.
    pub(crate) rounds: usize,
    pub(crate) killed: usize,
    pub(crate) ended: usize,
}

impl Keeper {
    pub(crate) fn new(test: &'static str, seed: u64) -> Keeper {
        Keeper {
            test,
            seed,
            scratch: tempfile::tempdir().unwrap(),
            rounds: 0,
            killed: 0,
            ended: 0,
        }
    }

    /// Where the process under test writes its standard output or error (`stdout`,
    /// `stderr`), replaced each round.
    pub(crate) fn output(&self, name: &str) -> Stdio {
        std::fs::File::create(self.scratch.path().join(name))
            .unwrap()
            .into()
    }

    /// Notes whether the process was killed or had ended on its own, and copies the project
    /// as the kill left it, before any other command opens (and recovers) it.
    pub(crate) fn after_kill(&mut self, p: &TestProject, killed: bool) {
        if killed {
            self.killed += 1;
        } else {
            self.ended += 1;
        }
        let to = self.scratch.path().join("as-killed");
        if to.exists() {
            std::fs::remove_dir_all(&to).unwrap();
        }
        copy_tree(&p.root, &to);
    }

    /// Runs the checks of one round. When one fails, keeps the evidence in a folder of its
    /// own and fails with the assertion message and the folder's name. `facts` are lines
    /// for the record (the kill delay, what the round did).
    pub(crate) fn check<T>(
        &mut self,
        p: &TestProject,
        round: &str,
        facts: &[String],
        checks: impl FnOnce() -> T,
    ) -> T {
        self.rounds += 1;
        match std::panic::catch_unwind(AssertUnwindSafe(checks)) {
            Ok(t) => t,
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                let folder = self.keep(p, round, facts, &message);
                panic!(
                    "{message}\n\nthe failing round is kept in {}",
                    folder.display()
                );
            }
        }
    }

    fn keep(&self, p: &TestProject, round: &str, facts: &[String], message: &str) -> PathBuf {
        let base = std::env::var_os("KOOSTE_FAULT_KEEP")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("fault-failures"));
        let folder = base.join(format!(
            "{}-seed{}-round{}-pid{}",
            self.test,
            self.seed,
            round.replace(' ', "-"),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        let scratch = self.scratch.path();
        copy_tree(&scratch.join("as-killed"), &folder.join("as-killed"));
        copy_tree(&p.root, &folder.join("at-failure"));
        for name in ["stdout", "stderr"] {
            let _ = std::fs::copy(scratch.join(name), folder.join(format!("killed.{name}")));
        }
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let rounds_var = if self.test.starts_with("serve") {
            "KOOSTE_FAULT_SERVE_ROUNDS"
        } else {
            "KOOSTE_FAULT_ROUNDS"
        };
        let mut text = format!(
            "test: kill::{test}\nseed: {seed}\nround: {round}\n",
            test = self.test,
            seed = self.seed,
        );
        for f in facts {
            text.push_str(f);
            text.push('\n');
        }
        text.push_str(&format!(
            "rounds checked before it: {}; kills so far: {}, runs that ended before their kill: {}\nload average: {load}\
             replay: KOOSTE_FAULT_SEED={seed} {rounds_var}=N cargo nextest run -p kooste --test fault kill::{test}\n\
             (the kill moments follow from the seed, as fractions of an uncut run's time; the \
             moment a kill lands in the program's work depends on the machine's speed)\n\n\
             as-killed/: the project as the kill left it, before any other command opened it\n\
             at-failure/: the project when the check failed (after the commands of the checks)\n\
             killed.stdout, killed.stderr: what the killed process printed\n\n\
             assertion:\n{message}\n",
            self.rounds - 1,
            self.killed,
            self.ended,
            seed = self.seed,
            test = self.test,
        ));
        std::fs::write(folder.join("failure.txt"), text).unwrap();
        eprintln!("kept the failing round in {}", folder.display());
        folder
    }
}

impl Drop for Keeper {
    /// Appends the tally of this run to `KOOSTE_FAULT_LOG`, when set (the soak adds them up).
    fn drop(&mut self) {
        let Some(log) = std::env::var_os("KOOSTE_FAULT_LOG") else {
            return;
        };
        let line = format!(
            "test={} seed={} rounds={} killed={} ended={} failed={}\n",
            self.test,
            self.seed,
            self.rounds,
            self.killed,
            self.ended,
            std::thread::panicking()
        );
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// The message a panic was raised with.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_string()
    }
}

/// Copies a directory tree, files as they are now; what vanishes meanwhile is left out.
fn copy_tree(from: &Path, to: &Path) {
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    std::fs::create_dir_all(to).unwrap();
    for e in entries.flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            copy_tree(&src, &dst);
        } else {
            let _ = std::fs::copy(&src, &dst);
        }
    }
}
