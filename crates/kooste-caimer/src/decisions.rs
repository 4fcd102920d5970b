//! The decisions file, `decisions/decisions.jsonl` in the project: one JSON object per line
//! (a [`Decision`]), only ever appended to. A later decision on a passage overrides earlier
//! ones; nothing is rewritten, so the file is also the history of who decided what when.

use crate::{Error, Result};
use kooste_core::Project;
use kooste_core::model::{Decision, Dimension};
use kooste_ingest::Diagnostic;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Where the decisions file lies, relative to the project directory.
pub const FILE: &str = "decisions/decisions.jsonl";

/// The decisions file of a project.
pub fn path(project: &Project) -> PathBuf {
    project.root.join(FILE)
}

/// Reads every decision in the file (none when it does not exist). A line that is not a
/// valid decision (for example one cut short by a crash) is reported as
/// `path:line: message; what to do` and skipped.
pub fn read(path: &Path) -> Result<(Vec<Decision>, Vec<Diagnostic>)> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(source) => {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut decisions = Vec::new();
    let mut problems = Vec::new();
    let complete = bytes.ends_with(b"\n");
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let last = lines.len();
    for (n, line) in lines.into_iter().enumerate() {
        let problem = |message: String| Diagnostic {
            path: path.to_path_buf(),
            line: n + 1,
            message,
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let cut = !complete && n + 1 == last;
        let parsed = std::str::from_utf8(line)
            .map_err(|_| "the line is not UTF-8".to_string())
            .and_then(|s| serde_json::from_str::<Decision>(s).map_err(|e| e.to_string()))
            .and_then(|d| d.check().map(|()| d));
        match parsed {
            Ok(d) => decisions.push(d),
            Err(e) if cut => problems.push(problem(format!(
                "the last line is cut short ({e}); a write was interrupted: remove the line and record the decision again"
            ))),
            Err(e) => problems.push(problem(format!(
                "not a decision: {e}; correct the line or remove it (the decision is ignored until then)"
            ))),
        }
    }
    Ok((decisions, problems))
}

/// Appends decisions to the file, one line each, and makes them durable: the file is
/// fsynced, and its directory too when the file is new. A last line left without its line
/// end by an interrupted write stays on a line of its own, reported by [`read`].
pub fn append(path: &Path, decisions: &[Decision]) -> Result<()> {
    for d in decisions {
        d.check().map_err(Error::Decision)?;
    }
    if decisions.is_empty() {
        return Ok(());
    }
    let io = |source: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let new_dir = !dir.exists();
    std::fs::create_dir_all(dir).map_err(io)?;
    let existed = path.exists();
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(io)?;
    let mut buf = Vec::new();
    if file.metadata().map_err(io)?.len() > 0 {
        let mut last = [0u8];
        file.seek(SeekFrom::End(-1)).map_err(io)?;
        file.read_exact(&mut last).map_err(io)?;
        if last[0] != b'\n' {
            buf.push(b'\n');
        }
    }
    for d in decisions {
        serde_json::to_writer(&mut buf, d).map_err(|e| io(e.into()))?;
        buf.push(b'\n');
    }
    file.write_all(&buf).map_err(io)?;
    file.sync_all().map_err(io)?;
    if !existed {
        sync_dir(dir).map_err(io)?;
    }
    if new_dir && let Some(parent) = dir.parent() {
        sync_dir(if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        })
        .map_err(io)?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The confirmed labels of each decided passage: its last decision's labels (empty: a
/// researcher decided that none of the dimensions holds).
pub fn confirmed(decisions: &[Decision]) -> HashMap<String, Vec<Dimension>> {
    decisions
        .iter()
        .map(|d| (d.passage.clone(), d.labels.clone()))
        .collect()
}
