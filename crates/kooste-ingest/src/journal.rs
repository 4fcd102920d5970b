//! Writing one input's documents into `corpus/` as one unit: the writes and removals are
//! staged beside their targets, listed in a journal, and renamed; an interrupted unit is
//! finished or swept away when the corpus is next opened. Several units (a group commit:
//! many files of a bulk ingest, the web saves that came together) share one journal and
//! their `fsync`s ([`commit_units`]).

use kooste_core::fsutil::{remove_durable, sync_together, write_atomic, write_staged};
use std::collections::BTreeSet;
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
    commit_units(
        dir,
        &[Unit {
            writes: writes.to_vec(),
            removes: removes.to_vec(),
        }],
    )
    .pop()
    .unwrap_or(Ok(()))
}

/// What one input (a file ingested, a web save) writes and removes in the corpus: it lands
/// whole or not at all.
#[derive(Debug, Default, Clone)]
pub(crate) struct Unit {
    pub(crate) writes: Vec<(PathBuf, String)>,
    pub(crate) removes: Vec<PathBuf>,
}

/// Applies several units as one group: every file is staged beside its target, the staged
/// files and their folders are made durable together (`fsync`s that wait together share one
/// file-system commit), one journal lists the renames and removals of every unit staged,
/// and then they are applied in the units' order. A unit whose file cannot be staged (its
/// folder cannot be made, the disk is full) fails alone: its staged files are removed and
/// it is left out of the journal; the others land. If the journal itself cannot be written,
/// every unit fails and nothing changes. After a crash, [`recover`] finishes the journal's
/// units (each staged file was durable before the journal named it) or sweeps away the
/// staged files of a group whose journal was not written: every file is whole or absent,
/// and the journal tells which. The result of each unit, in order.
pub(crate) fn commit_units(
    dir: &Path,
    units: &[Unit],
) -> Vec<Result<(), (PathBuf, std::io::Error)>> {
    let mut results: Vec<Result<(), (PathBuf, std::io::Error)>> =
        units.iter().map(|_| Ok(())).collect();
    // 1. Stage every write, without syncing yet.
    let mut staged: Vec<Vec<PathBuf>> = vec![Vec::new(); units.len()];
    let mut n = 0usize;
    let unique = std::process::id();
    for (u, unit) in units.iter().enumerate() {
        for (target, text) in &unit.writes {
            let name = target.file_name().unwrap_or_default().to_string_lossy();
            let stage = target.with_file_name(format!("{STAGE_PREFIX}{unique}-{n}-{name}"));
            n += 1;
            if let Err(e) = write_staged(&stage, target, text.as_bytes()) {
                let _ = std::fs::remove_file(&stage);
                results[u] = Err((target.clone(), e));
                break;
            }
            staged[u].push(stage);
        }
    }
    // 2. Make the staged files durable, then the folders that hold them.
    let files: Vec<(usize, &Path)> = staged
        .iter()
        .enumerate()
        .filter(|(u, _)| results[*u].is_ok())
        .flat_map(|(u, s)| s.iter().map(move |p| (u, p.as_path())))
        .collect();
    let synced = sync_together(&files.iter().map(|(_, p)| *p).collect::<Vec<_>>());
    for ((u, p), r) in files.iter().zip(synced) {
        if let Err(e) = r
            && results[*u].is_ok()
        {
            results[*u] = Err((p.to_path_buf(), e));
        }
    }
    let folders = |only: &dyn Fn(usize) -> bool| -> BTreeSet<PathBuf> {
        staged
            .iter()
            .enumerate()
            .filter(|(u, _)| only(*u))
            .flat_map(|(_, s)| s.iter().filter_map(|p| p.parent().map(Path::to_path_buf)))
            .collect()
    };
    let dirs: Vec<PathBuf> = folders(&|u| results[u].is_ok()).into_iter().collect();
    let dir_refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    if let Some(e) = sync_together(&dir_refs).into_iter().find_map(|r| r.err()) {
        // The folder of some staged files cannot be made durable: nothing lands.
        let why = e.to_string();
        for r in results.iter_mut().filter(|r| r.is_ok()) {
            *r = Err((
                dir.to_path_buf(),
                std::io::Error::new(e.kind(), why.clone()),
            ));
        }
    }
    let unstage = |files: &[PathBuf]| {
        for s in files {
            let _ = std::fs::remove_file(s);
        }
    };
    for (files, result) in staged.iter().zip(&results) {
        if result.is_err() {
            unstage(files);
        }
    }
    // 3. One journal for every unit staged, in order.
    let mut journal = Journal { ops: Vec::new() };
    for (u, unit) in units.iter().enumerate() {
        if results[u].is_err() {
            continue;
        }
        for (stage, (target, _)) in staged[u].iter().zip(&unit.writes) {
            journal
                .ops
                .push(Op::Rename(rel(dir, stage), rel(dir, target)));
        }
        for p in &unit.removes {
            journal.ops.push(Op::Remove(rel(dir, p)));
        }
    }
    if journal.ops.is_empty() {
        return results;
    }
    let jpath = dir.join(JOURNAL);
    let applied = write_atomic(&jpath, journal.to_text().as_bytes())
        .inspect_err(|_| staged.iter().for_each(|files| unstage(files)))
        .and_then(|()| apply(dir, &journal));
    if let Err(e) = applied {
        let why = e.to_string();
        for r in results.iter_mut().filter(|r| r.is_ok()) {
            *r = Err((jpath.clone(), std::io::Error::new(e.kind(), why.clone())));
        }
    }
    results
}

fn rel(dir: &Path, p: &Path) -> String {
    p.strip_prefix(dir)
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

struct Journal {
    /// Renames (staged file, target) and removals, applied in this order.
    ops: Vec<Op>,
}

enum Op {
    Rename(String, String),
    Remove(String),
}

impl Journal {
    fn to_text(&self) -> String {
        let mut s = String::new();
        for op in &self.ops {
            match op {
                Op::Rename(a, b) => s.push_str(&format!("rename\t{a}\t{b}\n")),
                Op::Remove(r) => s.push_str(&format!("remove\t{r}\n")),
            }
        }
        s.push_str("end\n");
        s
    }

    fn parse(text: &str) -> Option<Journal> {
        let mut j = Journal { ops: Vec::new() };
        let mut complete = false;
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            match f.as_slice() {
                ["rename", a, b] => j.ops.push(Op::Rename(a.to_string(), b.to_string())),
                ["remove", r] => j.ops.push(Op::Remove(r.to_string())),
                ["end"] => complete = true,
                _ => return None,
            }
        }
        complete.then_some(j)
    }
}

fn apply(dir: &Path, j: &Journal) -> std::io::Result<()> {
    let mut dirs = BTreeSet::new();
    for op in &j.ops {
        match op {
            Op::Rename(stage, target) => {
                let (stage, target) = (dir.join(stage), dir.join(target));
                if stage.exists() {
                    std::fs::rename(&stage, &target)?;
                }
                dirs.extend(target.parent().map(Path::to_path_buf));
            }
            Op::Remove(r) => {
                let p = dir.join(r);
                if p.exists() {
                    std::fs::remove_file(&p)?;
                }
                dirs.extend(p.parent().map(Path::to_path_buf));
            }
        }
    }
    let dirs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    if let Some(e) = sync_together(&dirs).into_iter().find_map(|r| r.err()) {
        return Err(e);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(p: &Path) -> Option<String> {
        std::fs::read_to_string(p).ok()
    }

    /// Every file under `dir` whose name starts with a dot (staged files, the journal).
    fn hidden(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else if e.file_name().to_string_lossy().starts_with('.') {
                    out.push(e.path());
                }
            }
        }
        out
    }

    #[test]
    fn a_group_lands_whole_and_a_unit_that_cannot_be_staged_fails_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::write(dir.join("a/old.md"), "old").unwrap();
        // A file where the second unit's folder should be: its file cannot be staged.
        std::fs::write(dir.join("blocked"), "not a folder").unwrap();
        let units = [
            Unit {
                writes: vec![(dir.join("a/x.md"), "one".into())],
                removes: vec![],
            },
            Unit {
                writes: vec![
                    (dir.join("a/w.md"), "with the blocked one".into()),
                    (dir.join("blocked/y.md"), "two".into()),
                ],
                removes: vec![],
            },
            Unit {
                writes: vec![(dir.join("b/z.md"), "three".into())],
                removes: vec![dir.join("a/old.md")],
            },
        ];
        let results = commit_units(dir, &units);
        assert!(results[0].is_ok(), "{:?}", results[0]);
        let (path, _) = results[1].as_ref().unwrap_err();
        assert_eq!(path, &dir.join("blocked/y.md"), "the error names the file");
        assert!(results[2].is_ok(), "{:?}", results[2]);
        assert_eq!(read(&dir.join("a/x.md")).as_deref(), Some("one"));
        assert_eq!(read(&dir.join("b/z.md")).as_deref(), Some("three"));
        assert_eq!(read(&dir.join("a/old.md")), None, "removed with its unit");
        assert_eq!(
            read(&dir.join("a/w.md")),
            None,
            "the failed unit lands not at all"
        );
        assert_eq!(read(&dir.join("blocked")).as_deref(), Some("not a folder"));
        assert_eq!(
            hidden(dir),
            Vec::<PathBuf>::new(),
            "no staged file or journal left"
        );
    }

    #[test]
    fn the_units_of_a_group_apply_in_their_order() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let (x, y) = (dir.join("x.md"), dir.join("y.md"));
        let units = [
            Unit {
                writes: vec![(x.clone(), "first".into()), (y.clone(), "y".into())],
                removes: vec![],
            },
            Unit {
                writes: vec![(x.clone(), "second".into())],
                removes: vec![y.clone()],
            },
        ];
        assert!(commit_units(dir, &units).iter().all(Result::is_ok));
        assert_eq!(read(&x).as_deref(), Some("second"));
        assert_eq!(read(&y), None);
    }

    #[test]
    fn after_a_crash_a_journaled_group_is_finished_and_an_unjournaled_one_swept() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::write(dir.join("a/x.md"), "before").unwrap();
        std::fs::write(dir.join("a/gone.md"), "to be removed").unwrap();
        // The process died after the group's journal was written, before its renames: the
        // staged files are whole (made durable before the journal named them).
        let stage = |name: &str, text: &str| {
            let p = dir.join("a").join(format!("{STAGE_PREFIX}1-{name}"));
            std::fs::write(&p, text).unwrap();
            rel(dir, &p)
        };
        let journal = Journal {
            ops: vec![
                Op::Rename(stage("x.md", "after"), "a/x.md".into()),
                Op::Rename(stage("new.md", "new"), "a/new.md".into()),
                Op::Remove("a/gone.md".into()),
            ],
        };
        std::fs::write(dir.join(JOURNAL), journal.to_text()).unwrap();
        recover(dir).unwrap();
        assert_eq!(read(&dir.join("a/x.md")).as_deref(), Some("after"));
        assert_eq!(read(&dir.join("a/new.md")).as_deref(), Some("new"));
        assert_eq!(read(&dir.join("a/gone.md")), None);
        assert_eq!(hidden(dir), Vec::<PathBuf>::new());

        // Died before the journal was complete: nothing of the group lands.
        let s = stage("x.md", "never");
        std::fs::write(dir.join(JOURNAL), format!("rename\t{s}\ta/x.md\n")).unwrap();
        stage("other.md", "never");
        recover(dir).unwrap();
        assert_eq!(read(&dir.join("a/x.md")).as_deref(), Some("after"));
        assert_eq!(read(&dir.join("a/other.md")), None);
        assert_eq!(
            hidden(dir),
            Vec::<PathBuf>::new(),
            "staged files swept away"
        );
    }
}
