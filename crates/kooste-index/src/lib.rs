//! kooste's search index: every passage of the redacted corpus in a tantivy index under
//! `.kooste/index/`, with analysis made for Finnish and Swedish material (inflection,
//! compounds, OCR damage), filters, facet counts and highlighted snippets.
//!
//! The index is derived state: [`SearchIndex::open`] rebuilds it when it is missing, of
//! another format or damaged, and [`SearchIndex::sync`] brings it in line with the corpus,
//! reindexing only documents whose passages or labels changed.

pub mod analyze;
mod manifest;
pub mod query;
mod record;
mod search;
mod snippet;
mod store;
mod tokenizer;
mod vocab;
mod watch;

pub use kooste_core::record::{Labels, PassageRecord, hint_labels, records};
pub use kooste_text::terms;
pub use record::fingerprint;
pub use search::{FacetCounts, Facets, Filters, Hit, Results, SearchRequest, Weights};
pub use snippet::{Snippet, snippet};
pub use store::{FORMAT, SearchIndex, SyncReport};

use kooste_core::fsutil::FileVersion;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use store::FileStamp;

/// Index and search errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The query holds nothing to search for.
    #[error("the query has no words to search for")]
    EmptyQuery,
    /// A file of the index could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// tantivy failed on the index in a directory.
    #[error("{path}: {message}")]
    Tantivy {
        /// The index directory.
        path: String,
        /// tantivy's message.
        message: String,
    },
    /// A search failed.
    #[error("search failed: {0}")]
    Search(tantivy::TantivyError),
    /// The index holds something unexpected.
    #[error("the index is inconsistent: {0}; run `kooste index --rebuild`")]
    Index(String),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.display().to_string(),
            source,
        }
    }

    pub(crate) fn tantivy(path: &Path, e: impl std::fmt::Display) -> Error {
        let message = e.to_string();
        // tantivy's indexing threads die on an I/O error (most often a full disk) and its
        // message then loses the error; say what it most likely was.
        let message = if message.contains("index writer was killed") {
            "a file of the index could not be written; the usual cause is a full disk \
                 (No space left on device)"
                .to_string()
        } else {
            message
        };
        Error::Tantivy {
            path: path.display().to_string(),
            message,
        }
    }
}

/// Index results.
pub type Result<T> = std::result::Result<T, Error>;

/// Brings a project's index in line with its corpus: opens (or builds) the index under the
/// project's `.kooste/`, reads the corpus through the same validation and redaction as
/// ingestion, and reindexes what changed. `labels` gives each passage's CAIMeR labels.
/// Files that cannot be read are reported and left out; the rest is indexed.
///
/// `inputs` fingerprints everything besides the corpus files that shapes the records (the
/// project's settings, register and CAIMeR labels, and the program). While it stays the
/// same, a file with the version (`FileVersion`: length, modification and change time,
/// inode) it had when it was last indexed is not read again: its documents stay as they are.
pub fn update(
    project: &kooste_core::Project,
    rebuild: bool,
    inputs: &str,
    labels: impl Fn(&kooste_core::model::Document, &kooste_core::model::Passage) -> Labels + Sync,
) -> std::result::Result<(SearchIndex, SyncReport, Vec<kooste_ingest::Diagnostic>), UpdateError> {
    let register = project.participants().map_err(UpdateError::Project)?;
    // The redactor (a tenth of a second of compiling patterns) is built on another thread
    // while the index is opened and the corpus listed and looked at.
    std::thread::scope(|scope| {
        let redactor = scope.spawn(|| kooste_ingest::Redactor::new(&register));
        update_with(project, rebuild, inputs, labels, || {
            redactor
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e))
        })
    })
}

fn update_with(
    project: &kooste_core::Project,
    rebuild: bool,
    inputs: &str,
    labels: impl Fn(&kooste_core::model::Document, &kooste_core::model::Passage) -> Labels + Sync,
    redactor: impl FnOnce() -> kooste_ingest::Redactor,
) -> std::result::Result<(SearchIndex, SyncReport, Vec<kooste_ingest::Diagnostic>), UpdateError> {
    // Held from listing the corpus to writing the stamps, so that what another process
    // (the web app saving a form) stores meanwhile is not taken for a removed file.
    let _lock = kooste_core::fsutil::WriteLock::take(&project.state_dir());
    // Taken before the corpus is listed: what changes from here on makes it out of date.
    let watch = watch::Watch::take(project);
    let now = std::time::SystemTime::now();
    // Every file is read below anyway: the corpus is not read twice to learn its ids.
    let corpus = kooste_ingest::Corpus::open_unread(project).map_err(UpdateError::Corpus)?;
    let mut problems = Vec::new();
    let mut ix = SearchIndex::open(&project.state_dir(), rebuild)?
        .rebuilt_if_damaged(&project.state_dir())?;
    let none = BTreeMap::new();
    let known = ix.stamps(inputs)?.unwrap_or(&none);
    // Whether every file that could be read got its stamp.
    let mut complete = true;
    let mut stamps = BTreeMap::new();
    let mut kept = BTreeSet::new();
    let mut by_doc = BTreeMap::new();
    // Which files must be read: those whose stamp does not hold.
    let mut to_read = Vec::new();
    // Each file's documents, in the corpus's order (the ones read filled in below), so that
    // a document id two files give is reported as opening the corpus reports it.
    let mut ids_of: Vec<(String, Option<Vec<String>>)> = Vec::new();
    for path in corpus.files() {
        let rel = corpus.relative(&path);
        let version = FileVersion::of(&path);
        if let (Some(v), Some(old)) = (version, known.get(&rel))
            && old.version == v
        {
            kept.extend(old.docs.iter().cloned());
            ids_of.push((rel.clone(), Some(old.docs.clone())));
            stamps.insert(rel, old.clone());
            continue;
        }
        ids_of.push((rel.clone(), None));
        to_read.push((rel, path, version));
    }
    let redactor = redactor();
    // Reading (validation, redaction) and labelling (the CAIMeR proposer) on every core;
    // the results are taken in corpus order, so the outcome is as if read one by one.
    use rayon::prelude::*;
    let read: Vec<_> = to_read
        .par_iter()
        .map(|(_, path, _)| {
            corpus.read_file(project, &redactor, path).map(|reads| {
                let docs: Vec<String> = reads.iter().map(|r| r.document.meta.id.clone()).collect();
                let records: Vec<(String, Vec<PassageRecord>)> = reads
                    .iter()
                    .map(|r| {
                        let d = &r.document;
                        (d.meta.id.clone(), records(project, d, |p| labels(d, p)))
                    })
                    .collect();
                (docs, records)
            })
        })
        .collect();
    let mut read_ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ((rel, _, version), read) in to_read.into_iter().zip(read) {
        match read {
            Ok((docs, recs)) => {
                read_ids.insert(rel.clone(), docs.clone());
                // A file changed less than two seconds ago could change again within its
                // modification time's resolution without a new one: read it again next time.
                if let Some(version) = version
                    && let Some(at) = version.modified_at()
                    && now.duration_since(at).is_ok_and(|age| age.as_secs() >= 2)
                {
                    stamps.insert(rel, FileStamp { version, docs });
                } else {
                    complete = false;
                }
                by_doc.extend(recs);
            }
            Err(d) => problems.extend(d),
        }
    }
    let mut first: std::collections::HashMap<String, String> = Default::default();
    let mut duplicates = Vec::new();
    for (rel, docs) in ids_of {
        // A form's documents are named by its rows: only other files name theirs.
        if rel.ends_with(".csv") {
            continue;
        }
        for id in docs.or_else(|| read_ids.remove(&rel)).unwrap_or_default() {
            match first.get(&id) {
                Some(other) => {
                    duplicates.push(kooste_ingest::corpus::duplicate_id(&rel, &id, other))
                }
                None => {
                    first.insert(id, rel.clone());
                }
            }
        }
    }
    problems.splice(0..0, duplicates);
    let report = ix.sync(&by_doc, &kept, true)?;
    // A file that cannot be read is reported by `kooste index` and `kooste status`; it
    // does not keep the index from being complete (it holds nothing of the file).
    let watch = (complete && watch.settled(now)).then_some(watch);
    // Built again from its sorted entries, which fills the map's nodes (inserted in the
    // corpus's order they stay about half empty; `kooste serve` keeps it).
    let stamps: BTreeMap<String, FileStamp> = stamps.into_iter().collect();
    ix.set_stamps(inputs, stamps, watch)?;
    Ok((ix, report, problems))
}

/// Why [`update`] could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The project's register of participants could not be read.
    #[error("{0}")]
    Project(kooste_core::Error),
    /// The corpus could not be opened.
    #[error("opening the corpus: {0}")]
    Corpus(std::io::Error),
    /// The index failed.
    #[error(transparent)]
    Index(#[from] Error),
}
