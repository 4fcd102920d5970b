//! What the corpus holds, and rewriting corpus files that still hold personal data.

use crate::{Error, Result, Workspace};
use kooste_ingest::redact::rewrite::{Finding, personal_lines, redact_file};
use kooste_ingest::{Corpus, Counts, Diagnostic, Read};
use std::path::PathBuf;

/// The corpus as it reads now (`kooste status`).
#[derive(Debug, Default)]
pub struct Inspected {
    /// Every document, read and redacted.
    pub reads: Vec<Read>,
    /// Files (relative to the project) that still hold personal data in the file itself,
    /// with the lines that do.
    pub personal: Vec<(String, Vec<Finding>)>,
    /// Files that could not be read.
    pub problems: Vec<Diagnostic>,
}

/// What rewriting one corpus file did.
#[derive(Debug)]
pub struct Rewritten {
    /// The file, relative to the project.
    pub file: PathBuf,
    /// What was removed (nothing: the file was left as it is), or why it was not rewritten.
    pub result: std::result::Result<Counts, Vec<Diagnostic>>,
}

impl Workspace {
    /// Reads every corpus file on its own, so that the files that still hold personal data
    /// can be named.
    pub fn inspect(&self) -> Result<Inspected> {
        let redactor = self.redactor()?;
        let (corpus, problems) = Corpus::open(&self.project).map_err(Error::Corpus)?;
        let mut out = Inspected {
            problems,
            ..Inspected::default()
        };
        for path in corpus.files() {
            match corpus.read_file(&self.project, &redactor, &path) {
                Ok(reads) => {
                    if reads.iter().any(|r| !r.removed.is_empty()) {
                        let text = std::fs::read_to_string(&path).unwrap_or_default();
                        let lang = reads
                            .first()
                            .and_then(|r| r.document.meta.lang)
                            .unwrap_or(self.project.config.project.lang);
                        out.personal.push((
                            corpus.relative(&path),
                            personal_lines(&redactor, lang, &text),
                        ));
                    }
                    out.reads.extend(reads);
                }
                Err(d) => out.problems.extend(d),
            }
        }
        Ok(out)
    }

    /// Rewrites corpus files in place with their personal data removed, durably, keeping
    /// everything else as it is (`kooste redact`): the `files` given (as given, else
    /// relative to the project), or with `None` every corpus file. A file outside the
    /// corpus is refused.
    pub fn rewrite(&self, files: Option<&[PathBuf]>) -> Result<Vec<Rewritten>> {
        let redactor = self.redactor()?;
        let (corpus, _) = Corpus::open(&self.project).map_err(Error::Corpus)?;
        let corpus_dir = std::fs::canonicalize(self.project.corpus_dir()).map_err(Error::Corpus)?;
        let files: Vec<PathBuf> = match files {
            None => corpus.files(),
            Some(given) => given
                .iter()
                .map(|f| {
                    if f.exists() {
                        f.clone()
                    } else {
                        self.project.root.join(f)
                    }
                })
                .collect(),
        };
        let _writing = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        Ok(files
            .into_iter()
            .map(|path| {
                let shown = PathBuf::from(corpus.relative(&path));
                let inside = std::fs::canonicalize(&path).is_ok_and(|p| p.starts_with(&corpus_dir));
                let result = if inside {
                    redact_file(&self.project, &redactor, &path, &shown)
                } else {
                    Err(vec![Diagnostic::new(
                        &path,
                        1,
                        "not a file of the project's corpus; kooste redact rewrites corpus files only (ingest other files instead)",
                    )])
                };
                Rewritten {
                    file: shown,
                    result,
                }
            })
            .collect())
    }
}
