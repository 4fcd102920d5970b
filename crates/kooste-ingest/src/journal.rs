//! Writing one input's documents into `corpus/` as one unit: the writes and removals are
//! staged beside their targets, listed in a journal, and renamed; an interrupted unit is
//! finished or swept away when the corpus is next opened.

use kooste_core::fsutil::{remove_durable, sync_dir, write_atomic};
use std::path::{Path, PathBuf};

const JOURNAL: &str = ".kooste-journal";
const STAGE_PREFIX: &str = ".kooste-stage-";

/// Applies writes and removals as one unit. A single write is one atomic rename; several
/// are staged beside their targets, listed in a journal, and then renamed. If the process
/// dies after the journal is written, [`recover`] finishes the renames; before it, the
/// staged files are swept away. An error names the file that could not be written; staged
/// files are removed at once, so a full disk gets its space back.
pub(crate) fn commit(
    dir: &Path,
    writes: &[(PathBuf, String)],
    removes: &[PathBuf],
) -> Result<(), (PathBuf, std::io::Error)> {
    if writes.len() + removes.len() <= 1 {
        for (p, t) in writes {
            write_atomic(p, t.as_bytes()).map_err(|e| (p.clone(), e))?;
        }
        for p in removes {
            remove_durable(p).map_err(|e| (p.clone(), e))?;
        }
        return Ok(());
    }
    let mut staged = Vec::new();
    let unstage = |staged: &[PathBuf]| {
        for s in staged {
            let _ = std::fs::remove_file(s);
        }
    };
    let mut renames = Vec::new();
    for (i, (target, text)) in writes.iter().enumerate() {
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let stage = target.with_file_name(format!("{STAGE_PREFIX}{i}-{name}"));
        if let Err(e) = write_atomic(&stage, text.as_bytes()) {
            unstage(&staged);
            return Err((target.clone(), e));
        }
        renames.push((rel(dir, &stage), rel(dir, target)));
        staged.push(stage);
    }
    let journal = Journal {
        renames,
        removes: removes.iter().map(|p| rel(dir, p)).collect(),
    };
    let jpath = dir.join(JOURNAL);
    if let Err(e) = write_atomic(&jpath, journal.to_text().as_bytes()) {
        unstage(&staged);
        return Err((jpath, e));
    }
    apply(dir, &journal).map_err(|e| (jpath, e))
}

fn rel(dir: &Path, p: &Path) -> String {
    p.strip_prefix(dir)
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

struct Journal {
    renames: Vec<(String, String)>,
    removes: Vec<String>,
}

impl Journal {
    fn to_text(&self) -> String {
        let mut s = String::new();
        for (a, b) in &self.renames {
            s.push_str(&format!("rename\t{a}\t{b}\n"));
        }
        for r in &self.removes {
            s.push_str(&format!("remove\t{r}\n"));
        }
        s.push_str("end\n");
        s
    }

    fn parse(text: &str) -> Option<Journal> {
        let mut j = Journal {
            renames: Vec::new(),
            removes: Vec::new(),
        };
        let mut complete = false;
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            match f.as_slice() {
                ["rename", a, b] => j.renames.push((a.to_string(), b.to_string())),
                ["remove", r] => j.removes.push(r.to_string()),
                ["end"] => complete = true,
                _ => return None,
            }
        }
        complete.then_some(j)
    }
}

fn apply(dir: &Path, j: &Journal) -> std::io::Result<()> {
    for (stage, target) in &j.renames {
        let (stage, target) = (dir.join(stage), dir.join(target));
        if stage.exists() {
            std::fs::rename(&stage, &target)?;
        }
    }
    for r in &j.removes {
        let p = dir.join(r);
        if p.exists() {
            std::fs::remove_file(&p)?;
        }
    }
    for (_, target) in &j.renames {
        if let Some(parent) = dir.join(target).parent() {
            sync_dir(parent)?;
        }
    }
    remove_durable(&dir.join(JOURNAL))
}

/// Finishes an ingest that was interrupted after its journal was written, and removes
/// staged files of one that was interrupted before.
pub(crate) fn recover(dir: &Path) -> std::io::Result<()> {
    let jpath = dir.join(JOURNAL);
    if let Ok(text) = std::fs::read_to_string(&jpath) {
        match Journal::parse(&text) {
            Some(j) => apply(dir, &j)?,
            None => remove_durable(&jpath)?,
        }
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                stack.push(e.path());
            } else if name.starts_with(STAGE_PREFIX) || name.starts_with(".kooste-tmp-") {
                std::fs::remove_file(e.path())?;
            }
        }
    }
    Ok(())
}
