//! Fault tests: the real `kooste` binary killed (SIGKILL) in the middle of its work, two
//! processes writing one project at once, a full disk, a read-only corpus, and damaged or
//! deleted derived state. Whatever happens, what a
//! user gave is kept whole, every form answered "saved" is there, and the next command picks
//! up from where the last one stopped.
//!
//! The kill moments are random; each test prints its seed, and `KOOSTE_FAULT_SEED=N` replays
//! one run. `KOOSTE_FAULT_ROUNDS` and `KOOSTE_FAULT_SERVE_ROUNDS` make the kill tests longer
//! (`scripts/soak.sh` runs them by the thousand); a failing round is kept (`keep`).

mod concurrent;
mod disk;
mod http;
mod keep;
mod kill;
mod sources;
mod state;
#[path = "../support/mod.rs"]
mod support;

pub(crate) use support::TestProject;

use std::collections::BTreeMap;
use std::path::Path;

/// The `kooste` binary under test.
pub(crate) fn kooste_bin() -> &'static str {
    env!("CARGO_BIN_EXE_kooste")
}

/// A small pseudo-random generator (SplitMix64): enough to spread kill moments.
pub(crate) struct Rng {
    state: u64,
    /// The seed it started from, for the record of a failing round.
    pub(crate) seed: u64,
}

impl Rng {
    /// Seeded from `KOOSTE_FAULT_SEED`, else from the clock; the seed is printed so that a
    /// failing run can be replayed.
    pub(crate) fn new(test: &str) -> Rng {
        let seed = std::env::var("KOOSTE_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            });
        eprintln!("{test}: KOOSTE_FAULT_SEED={seed}");
        Rng { state: seed, seed }
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0.0..1.0`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The number of rounds of a kill test: the environment variable `var` (a whole number
/// above 0), else `default`, the short run CI makes.
pub(crate) fn rounds(var: &str, default: usize) -> usize {
    match std::env::var(var) {
        Ok(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or_else(|| panic!("{var}={v:?}: give a whole number of rounds above 0")),
        Err(_) => default,
    }
}

/// Every file under `dir`, relative to it, with its bytes; sorted.
pub(crate) fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

/// Files kooste writes only for a moment (temporary, staged, the journal): none may be
/// left once a command has opened the corpus.
pub(crate) fn stray_files(corpus: &Path) -> Vec<String> {
    files(corpus)
        .into_keys()
        .filter(|f| {
            Path::new(f)
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".kooste-"))
        })
        .collect()
}

/// `kooste status --json` finds nothing wrong and leaves no stray files in the corpus.
pub(crate) fn assert_status_clean(p: &TestProject, context: &str) {
    let status = p.kooste(&["status", "--json"]);
    assert_eq!(status.code, 0, "{context}: kooste status: {status:?}");
    assert_eq!(
        status.json()["problems"],
        serde_json::json!([]),
        "{context}: kooste status reports problems"
    );
    let stray = stray_files(&p.root.join("corpus"));
    assert!(stray.is_empty(), "{context}: left in the corpus: {stray:?}");
}

/// The passages' documents found by `kooste search QUERY --json`.
pub(crate) fn search_docs(p: &TestProject, query: &str) -> Vec<String> {
    let out = p.kooste(&["search", query, "--json", "--limit", "10000"]);
    assert_eq!(out.code, 0, "kooste search {query}: {out:?}");
    out.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["doc"].as_str().unwrap().to_string())
        .collect()
}
