//! The web app's writes: forms, comments and decisions, each stored durably as one unit and
//! made searchable before the request is answered.
//!
//! Saves are stored one at a time (the workspace's writer lock), durably, and queued for
//! the index with their CAIMeR labels. They are indexed in groups (a group commit): the
//! first caller of `Workspace::index_through` indexes everything queued so far in one
//! tantivy commit and one append to the manifest's log, while the others wait; a caller
//! whose save a group has already taken only waits for that group. Whoever indexes, a save
//! is in the index before any later read of it: [`Workspace::index`] first indexes every
//! save queued. With [`Workspace::index_in_background`] (the web app) a thread of its own
//! indexes as saves come, so a save is answered once it is on disk, and under load a group
//! holds as many saves as were stored during the previous commit; otherwise each save is
//! indexed before it returns.

use crate::{Error, Result, Workspace};
use kooste_core::Document;
use kooste_core::model::Decision;
use kooste_index::PassageRecord;
use kooste_ingest::{Comment, Corpus, Read, Submission};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Saves waiting for the index, and what the group commits did.
#[derive(Default)]
pub(crate) struct Saves {
    queue: Mutex<Queue>,
    indexed: Mutex<Indexed>,
    /// Wakes the background indexer when a save is queued (paired with `queue`).
    saved: Condvar,
    /// Whether a background indexer runs.
    background: AtomicBool,
}

/// Saved documents that wait to be indexed, in the order they were saved.
#[derive(Default)]
struct Queue {
    /// The ticket of the last save queued.
    last: u64,
    /// The first ticket whose documents are in `records`.
    first: u64,
    records: BTreeMap<String, Vec<PassageRecord>>,
    /// The corpus files written, with the ids of their documents.
    files: Vec<(String, Vec<String>)>,
}

/// What the indexing of queued saves did.
#[derive(Default)]
struct Indexed {
    /// Saves up to this ticket have been indexed (or failed to be).
    done: u64,
    /// Tickets whose indexing failed, with why (the last few).
    failed: Vec<(std::ops::RangeInclusive<u64>, String)>,
}

impl Saves {
    /// The ticket of the last save queued, if any.
    pub(crate) fn last(&self) -> Option<u64> {
        let q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        (q.last > 0).then_some(q.last)
    }

    /// The last save queued when some are not indexed yet.
    fn pending(&self) -> Option<u64> {
        let last = self.queue.lock().unwrap_or_else(|e| e.into_inner()).last;
        let done = self.indexed.lock().unwrap_or_else(|e| e.into_inner()).done;
        (done < last).then_some(last)
    }
}

impl Workspace {
    /// Stores a web form's submission (its rows as one unit, redacted) and makes it
    /// searchable.
    pub fn save_form(&self, sub: &Submission) -> Result<Vec<Read>> {
        self.save(|project, corpus, redactor| {
            kooste_ingest::submit_form(project, corpus, redactor, sub)
        })
    }

    /// Stores a comment made on a workshop's digest (redacted) and makes it searchable.
    pub fn save_comment(&self, comment: &Comment) -> Result<Vec<Read>> {
        self.save(|project, corpus, redactor| {
            kooste_ingest::submit_comment(project, corpus, redactor, comment)
        })
    }

    /// Records a researcher's decision on a passage of a document and reindexes the
    /// document, so that the decision is what searches and digests see. `check` runs
    /// first, with the workspace's writer lock held (no other write of this process
    /// between what it checks and what is stored): it gives the decision to record with
    /// its document, or `Err(why)` to record nothing, which `decide` returns as
    /// `Ok(Some(why))`; `Ok(None)`: recorded.
    pub(crate) fn decide<T, E: From<Error>>(
        &self,
        check: impl FnOnce(
            &Workspace,
        )
            -> std::result::Result<std::result::Result<(Decision, Document), T>, E>,
    ) -> std::result::Result<Option<T>, E> {
        let _writing = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let (decision, doc) = match check(self)? {
            Ok(d) => d,
            Err(why) => return Ok(Some(why)),
        };
        self.caimer()?.record(decision).map_err(Error::from)?;
        self.reindex(&[&doc])?;
        Ok(None)
    }

    /// Stores what `store` makes under the writer lock, then indexes it in a group.
    fn save(
        &self,
        store: impl FnOnce(
            &kooste_core::Project,
            &mut Corpus,
            &kooste_ingest::Redactor,
        ) -> std::result::Result<Vec<Read>, Vec<kooste_ingest::Diagnostic>>,
    ) -> Result<Vec<Read>> {
        let ticket;
        let stored = {
            let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            let redactor = self.redactor()?;
            let corpus = self.corpus(&mut writer)?;
            let stored = match store(&self.project, corpus, &redactor) {
                Ok(s) => s,
                Err(d) => {
                    // Open the corpus afresh next time: this failure may have left a journal.
                    *writer = None;
                    return Err(Error::Refused(d));
                }
            };
            let docs: Vec<&Document> = stored.iter().map(|r| &r.document).collect();
            let mut files: Vec<(String, Vec<String>)> = Vec::new();
            for d in &docs {
                if let Some(path) = corpus.path_of(&d.meta.id) {
                    let rel = corpus.relative(path);
                    match files.iter_mut().find(|(f, _)| *f == rel) {
                        Some((_, ids)) => ids.push(d.meta.id.clone()),
                        None => files.push((rel, vec![d.meta.id.clone()])),
                    }
                }
            }
            // Queued with the writer lock held, so that saves are queued in the order they
            // were stored; the next save may store while this one is indexed.
            ticket = self.queue_saved(&docs, files)?;
            stored
        };
        if self.saves.background.load(Ordering::Relaxed) {
            self.saves.saved.notify_one();
        } else {
            self.index_through(ticket)?;
        }
        Ok(stored)
    }

    /// Reindexes the given documents now.
    fn reindex(&self, docs: &[&Document]) -> Result<()> {
        let records = self.records(docs)?;
        self.index()?;
        // Wait for another process's write (a `kooste index` beside) before taking the
        // index from the searches, so that they go on meanwhile.
        let _lock = kooste_core::fsutil::WriteLock::take(&self.project.state_dir());
        let mut ix = self.index.write().unwrap_or_else(|e| e.into_inner());
        if let Some(ix) = &mut *ix {
            ix.sync(&records, &BTreeSet::new(), false)?;
        }
        Ok(())
    }

    /// Queues the documents of a save (`files`: the corpus files written, with the ids of
    /// their documents) for the index, with their CAIMeR labels; returns the save's ticket.
    fn queue_saved(&self, docs: &[&Document], files: Vec<(String, Vec<String>)>) -> Result<u64> {
        let records = self.records(docs)?;
        let mut q = self.saves.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.last += 1;
        if q.records.is_empty() && q.files.is_empty() {
            q.first = q.last;
        }
        q.records.extend(records);
        q.files.extend(files);
        Ok(q.last)
    }

    /// Indexes on a thread of its own, as saves come (see the module's documentation),
    /// after opening the corpus for the first save (it reads every corpus file's front
    /// matter: seconds at 100k passages, better not while that save's page waits). The
    /// thread ends when the workspace is dropped.
    pub fn index_in_background(self: &Arc<Self>) {
        self.saves.background.store(true, Ordering::Relaxed);
        let ws = Arc::downgrade(self);
        std::thread::spawn(move || {
            if let Some(ws) = ws.upgrade() {
                let mut writer = ws.writer.lock().unwrap_or_else(|e| e.into_inner());
                if let Err(e) = ws.corpus(&mut writer) {
                    eprintln!("opening the corpus: {e}");
                }
            }
            loop {
                let Some(ws) = ws.upgrade() else {
                    return;
                };
                let last = {
                    let q = ws.saves.queue.lock().unwrap_or_else(|e| e.into_inner());
                    let q = if q.records.is_empty() && q.files.is_empty() {
                        ws.saves
                            .saved
                            .wait_timeout(q, Duration::from_millis(200))
                            .map(|(q, _)| q)
                            .unwrap_or_else(|e| e.into_inner().0)
                    } else {
                        q
                    };
                    (!q.records.is_empty() || !q.files.is_empty()).then_some(q.last)
                };
                if let Some(last) = last
                    && let Err(e) = ws.index_through(last)
                {
                    eprintln!("indexing saved forms: {e}");
                }
            }
        });
    }

    /// Indexes every save queued so far, if any wait; a failure is logged (the files are
    /// on disk, and are not noted as this process's writes, so the next update takes them).
    pub(crate) fn index_pending(&self) {
        if let Some(last) = self.saves.pending()
            && let Err(e) = self.index_through(last)
        {
            eprintln!("indexing saved forms: {e}");
        }
    }

    /// Makes sure every save up to `ticket` is in the index (a group commit, above). Their
    /// corpus files are recorded as this process's own writes (`SearchIndex::note_written`),
    /// so that they do not count as hand edits.
    pub(crate) fn index_through(&self, ticket: u64) -> Result<()> {
        self.open_index()?;
        let mut indexed = self.saves.indexed.lock().unwrap_or_else(|e| e.into_inner());
        if indexed.done < ticket {
            let (range, records, files) = {
                let mut q = self.saves.queue.lock().unwrap_or_else(|e| e.into_inner());
                let range = q.first..=q.last;
                q.first = q.last + 1;
                (
                    range,
                    std::mem::take(&mut q.records),
                    std::mem::take(&mut q.files),
                )
            };
            let written = (|| -> Result<()> {
                let _lock = kooste_core::fsutil::WriteLock::take(&self.project.state_dir());
                let mut ix = self.index.write().unwrap_or_else(|e| e.into_inner());
                if let Some(ix) = &mut *ix {
                    ix.sync(&records, &BTreeSet::new(), false)?;
                    ix.note_written(&self.project, &files)?;
                }
                Ok(())
            })();
            indexed.done = *range.end();
            if let Err(e) = written {
                if indexed.failed.len() >= 16 {
                    indexed.failed.remove(0);
                }
                indexed.failed.push((range, e.to_string()));
            }
        }
        match indexed.failed.iter().find(|(r, _)| r.contains(&ticket)) {
            Some((_, e)) => Err(Error::Indexing(e.clone())),
            None => Ok(()),
        }
    }
}
