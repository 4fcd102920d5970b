//! The web app's writes: forms, comments and decisions, each stored durably as one unit and
//! made searchable before the request is answered.
//!
//! Saves are stored one at a time (the workspace's writer lock) and indexed in groups (a
//! group commit): the first save to reach the index indexes everything queued so far in
//! one tantivy commit and one manifest write, while the others wait; a save whose documents
//! a group has already taken only waits for that group.

use crate::{Error, Result, Workspace};
use kooste_core::Document;
use kooste_core::model::Decision;
use kooste_index::PassageRecord;
use kooste_ingest::{Comment, Corpus, Read, Submission};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

/// Saves waiting for the index, and what the group commits did.
#[derive(Default)]
pub(crate) struct Saves {
    queue: Mutex<Queue>,
    indexed: Mutex<Indexed>,
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
    pub fn decide<T, E: From<Error>>(
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
        self.index_saved(ticket)?;
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

    /// Makes sure the save with `ticket` is in the index (a group commit, above). Its
    /// corpus files are recorded as kooste's own writes (`SearchIndex::note_written`), so
    /// that they do not count as hand edits.
    pub(crate) fn index_saved(&self, ticket: u64) -> Result<()> {
        self.index()?;
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
