//! Seeing cheaply whether the index may be behind the project's files, without reading or
//! even stat-ing every corpus file (ARCHITECTURE.md, "Seeing hand edits").
//!
//! When [`crate::update`] has brought the index fully in line with the project, it records a
//! [`Watch`]: the version of every directory of the corpus and of every file and directory
//! that shapes the records besides the corpus files (`kooste.toml`, `participants.toml`,
//! `workshops/`, `decisions/`). Creating, removing or renaming a file changes its
//! directory's version, and so does saving it the way editors and kooste's own writers do
//! (a new file renamed over the old one). A file edited in place keeps its directory's
//! version: that is what [`crate::SearchIndex::changed_files`] (the files of the hits about
//! to be shown) and [`crate::SearchIndex::freshness`] with `deep` (every stamped file) are
//! for.

use kooste_core::fsutil::FileVersion;
use kooste_core::project::{PROJECT_FILE, Project, REGISTER_FILE};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The project's watched paths and their versions when the index was last complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Watch {
    /// The program that took it (another version may index differently).
    pub(crate) program: String,
    /// Paths relative to the project, with their versions (`None`: absent).
    pub(crate) entries: Vec<(String, Option<FileVersion>)>,
}

/// The program's part of a watch.
pub(crate) fn program() -> String {
    format!("{}/{}", env!("CARGO_PKG_VERSION"), crate::FORMAT)
}

impl Watch {
    /// The watched paths of a project as they are now.
    pub(crate) fn take(project: &Project) -> Watch {
        let root = &project.root;
        let mut paths: Vec<PathBuf> = vec![root.join(PROJECT_FILE), root.join(REGISTER_FILE)];
        // Inputs besides the corpus: every file and directory.
        for dir in ["workshops", "decisions"] {
            walk(&root.join(dir), true, 0, &mut paths);
        }
        // The corpus: its directories only (see the module's comment).
        walk(&project.corpus_dir(), false, 0, &mut paths);
        let entries = paths
            .into_iter()
            .map(|p| {
                let rel = p
                    .strip_prefix(root)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .replace('\\', "/");
                (rel, FileVersion::of(&p))
            })
            .collect();
        Watch {
            program: program(),
            entries,
        }
    }

    /// Whether every watched path has stood unchanged for at least two seconds before
    /// `at`: a path changed more recently could change again within its modification
    /// time's resolution without a new version.
    pub(crate) fn settled(&self, at: std::time::SystemTime) -> bool {
        self.entries.iter().all(|(_, v)| {
            v.and_then(|v| v.modified_at())
                .is_none_or(|m| at.duration_since(m).is_ok_and(|age| age.as_secs() >= 2))
        })
    }

    /// The first watched path that is not as it was, if any (a path new since is seen by
    /// its directory's version).
    pub(crate) fn changed(&self, root: &Path) -> Option<String> {
        if self.program != program() {
            return Some("another version of kooste built the index".into());
        }
        self.entries
            .iter()
            .find(|(rel, v)| FileVersion::of(&root.join(rel)) != *v)
            .map(|(rel, _)| rel.clone())
    }
}

/// How deep directories are followed.
const MAX_DEPTH: usize = 24;

/// Adds `dir` (when it exists) and the directories below it, and with `files` their files
/// too, in a stable order. Hidden entries are included: anything that changes counts. A
/// symbolic link that leads back up would loop; `depth` ends that.
fn walk(dir: &Path, files: bool, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        // Absent: watched as absent, so that creating it is seen.
        out.push(dir.to_path_buf());
        return;
    };
    out.push(dir.to_path_buf());
    if depth > MAX_DEPTH {
        return;
    }
    // Whether an entry is a directory, from the directory listing itself where the file
    // system says (no `stat` per file: a corpus directory holds thousands).
    // Without `files`, only the directories are kept (a corpus directory's thousands of
    // files are neither collected nor sorted: this runs after every group of the web app's
    // saves). Sorted by name, which is the paths' order within one directory.
    let mut entries: Vec<(std::ffi::OsString, bool)> = entries
        .flatten()
        .filter_map(|e| {
            let dir = match e.file_type() {
                Ok(t) if t.is_dir() => true,
                Ok(t) if t.is_symlink() => e.path().is_dir(),
                Ok(_) => false,
                Err(_) => e.path().is_dir(),
            };
            (dir || files).then(|| (e.file_name(), dir))
        })
        .collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (name, is_dir) in entries {
        let p = dir.join(name);
        if is_dir {
            walk(&p, files, depth + 1, out);
        } else {
            out.push(p);
        }
    }
}
