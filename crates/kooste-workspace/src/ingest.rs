//! Ingesting: every kind of input read into the corpus, `.qdpx` projects included.

use crate::{Refreshed, Result, Workspace};
use kooste_exchange::Skipped;
use kooste_ingest::{Diagnostic, IngestOptions, Ingested, Outcome};
use std::path::Path;

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
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let corpus = self.corpus(&mut writer)?;
        let qdpx = path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("qdpx"));
        let result = if qdpx {
            kooste_exchange::import_qdpx(&self.project, corpus, &redactor, path, opts).map(|i| {
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
            kooste_ingest::ingest_file(&self.project, corpus, &redactor, path, opts).map(
                |ingested| FileResult {
                    ingested,
                    qdpx: None,
                    problems: Vec::new(),
                },
            )
        };
        if result.is_err() {
            // A failed store may have left a journal: open the corpus afresh next time.
            *writer = None;
        }
        Ok(result)
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
