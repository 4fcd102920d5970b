//! Ingesting: every kind of input read into the corpus, `.qdpx` projects included.

use crate::{Refreshed, Result, Workspace};
use kooste_exchange::Skipped;
use kooste_ingest::{Diagnostic, IngestOptions, Ingested, Outcome};
use std::path::Path;

/// What becomes of one file: its result, or every problem of it.
type FileOutcome = std::result::Result<FileResult, Vec<Diagnostic>>;

/// What ingesting one file did.
#[derive(Debug)]
pub struct FileResult {
    /// The documents stored and what became of each, passages, personal data removed, and
    /// notes on how the file was read.
    pub ingested: Ingested,
    /// For a REFI-QDA project: what else it brought.
    pub qdpx: Option<Qdpx>,
    /// Parts of the file left out while the rest was stored (bad sources of a `.qdpx`):
    /// the file counts as rejected.
    pub problems: Vec<Diagnostic>,
}

impl FileResult {
    /// Whether the corpus or the decisions changed.
    pub fn changed(&self) -> bool {
        self.ingested
            .documents
            .iter()
            .any(|(_, o)| *o != Outcome::Unchanged)
            || self.qdpx.as_ref().is_some_and(|q| q.decisions > 0)
    }
}

/// What a `.qdpx` import brought besides documents.
#[derive(Debug)]
pub struct Qdpx {
    /// Decisions appended (codings of CAIMeR dimensions, grouped per passage).
    pub decisions: usize,
    /// Documents of this project that came back from the QDA tool (their text kept as the
    /// corpus has it).
    pub returned: usize,
    /// Codes whose codings were not imported, and why.
    pub skipped: Vec<Skipped>,
    /// Other things left out, each as `path:line: message`.
    pub notes: Vec<Diagnostic>,
}

impl Workspace {
    /// Reads one input file (Markdown, text, CSV or Excel forms, Word, a survey export, or
    /// a REFI-QDA project), removes personal data and stores its documents in the corpus as
    /// one unit. A file that cannot be read is the inner error, with every problem of it;
    /// the outer error is the workspace's own (the corpus cannot be opened).
    pub fn ingest_file(
        &self,
        path: &Path,
        opts: &IngestOptions,
    ) -> Result<std::result::Result<FileResult, Vec<Diagnostic>>> {
        let redactor = self.redactor()?;
        let mut writer = self.writer_settled();
        let corpus = self.corpus(&mut writer)?;
        // Saves placed before were written (`writer_settled`): nothing waits.
        let _ = corpus.write_now();
        self.ingest_one(&redactor, corpus, path, opts)
            .inspect_err(|_| *writer = None)
            .map_or_else(|d| Ok(Err(d)), |r| Ok(Ok(r)))
    }

    /// Ingests files as [`Workspace::ingest_file`] does, but writes them in groups of up to
    /// 512 files (a group commit: their files staged and `fsync`ed together, one journal):
    /// many times faster than one after the other on a disk where each `fsync` waits for
    /// the disk. Each file still lands whole or not at all, and a file whose own write fails
    /// fails alone. `done` gets each file's result, in order, once its group is on disk.
    pub fn ingest_files(
        &self,
        files: &[std::path::PathBuf],
        opts: &IngestOptions,
        mut done: impl FnMut(&Path, std::result::Result<FileResult, Vec<Diagnostic>>),
    ) -> Result<()> {
        const GROUP_FILES: usize = 512;
        const GROUP_BYTES: usize = 32 << 20;
        let redactor = self.redactor()?;
        let mut writer = self.writer_settled();
        // Read, not yet on disk: (file, its result, its unit in the group).
        type Waiting = Vec<(
            usize,
            std::result::Result<FileResult, Vec<Diagnostic>>,
            Option<usize>,
        )>;
        let mut waiting: Waiting = Vec::new();
        let flush = |writer: &mut Option<kooste_ingest::Corpus>,
                     waiting: &mut Waiting,
                     done: &mut dyn FnMut(&Path, FileOutcome)| {
            let results = match writer.as_mut() {
                Some(c) => c.take_deferred().commit(),
                None => Vec::new(),
            };
            let mut failed = false;
            for (i, result, unit) in waiting.drain(..) {
                let result = match (result, unit) {
                    (Ok(r), Some(u)) => match results.get(u) {
                        Some(Ok(())) => Ok(r),
                        Some(Err(why)) => Err(vec![Diagnostic::new(&files[i], 0, why.clone())]),
                        None => Err(vec![Diagnostic::new(
                            &files[i],
                            0,
                            "not written; ingest it again",
                        )]),
                    },
                    (r, _) => r,
                };
                failed |= result.is_err() && unit.is_some();
                done(&files[i], result);
            }
            if failed {
                // The corpus takes the failed files' documents for stored: open it afresh.
                *writer = None;
            }
        };
        for (i, path) in files.iter().enumerate() {
            let corpus = self.corpus(&mut writer)?;
            let qdpx = path
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("qdpx"));
            if qdpx {
                // A REFI-QDA project also records decisions: written at once, after the
                // files before it.
                flush(&mut writer, &mut waiting, &mut done);
                let corpus = self.corpus(&mut writer)?;
                let _ = corpus.write_now();
                let result = self.ingest_one(&redactor, corpus, path, opts);
                if result.is_err() {
                    *writer = None;
                }
                done(path, result);
                continue;
            }
            corpus.defer();
            let before = corpus.deferred().0;
            let result = self.ingest_one(&redactor, corpus, path, opts);
            let (n, bytes) = corpus.deferred();
            waiting.push((i, result, (n > before).then_some(before)));
            if n >= GROUP_FILES || bytes >= GROUP_BYTES {
                flush(&mut writer, &mut waiting, &mut done);
            }
        }
        flush(&mut writer, &mut waiting, &mut done);
        if let Some(c) = writer.as_mut() {
            let _ = c.write_now();
        }
        Ok(())
    }

    /// Reads one input into the corpus (see [`Workspace::ingest_file`]).
    fn ingest_one(
        &self,
        redactor: &kooste_ingest::Redactor,
        corpus: &mut kooste_ingest::Corpus,
        path: &Path,
        opts: &IngestOptions,
    ) -> std::result::Result<FileResult, Vec<Diagnostic>> {
        let qdpx = path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("qdpx"));
        if qdpx {
            kooste_exchange::import_qdpx(&self.project, corpus, redactor, path, opts).map(|i| {
                FileResult {
                    ingested: Ingested {
                        documents: i.documents,
                        passages: i.passages,
                        removed: i.removed,
                        notes: Vec::new(),
                    },
                    qdpx: Some(Qdpx {
                        decisions: i.decisions,
                        returned: i.returned,
                        skipped: i.skipped,
                        notes: i.notes,
                    }),
                    problems: i.problems,
                }
            })
        } else {
            kooste_ingest::ingest_file(&self.project, corpus, redactor, path, opts).map(
                |ingested| FileResult {
                    ingested,
                    qdpx: None,
                    problems: Vec::new(),
                },
            )
        }
    }

    /// Once there is an index, it follows the corpus: brings it up to date after the
    /// corpus changed (what was just ingested is searchable). `None` when the project has
    /// no index yet.
    pub fn follow(&self) -> Result<Option<Refreshed>> {
        if !self.has_index() {
            return Ok(None);
        }
        self.refresh(false).map(Some)
    }
}
