//! The web app's writes: forms, comments and decisions, each stored durably as one unit and
//! made searchable before the request is answered.
//!
//! Saves are written in groups (a group commit of the corpus): a save is read, redacted
//! and placed in the corpus one at a time (the workspace's writer lock: ids and sources
//! are decided against every save before it), then waits until it is durable. The first
//! save to wait writes every save placed so far together ([`kooste_ingest::Pending`]: the
//! files staged and `fsync`ed together, one journal, one `fsync` per folder), while the
//! saves that come meanwhile are placed for the next group; a save whose group has been
//! written only looks up its own result. A save is answered once its own files are on
//! disk, and a failed write fails only the saves whose files it was. Once durable, the
//! saves are queued for the index with their CAIMeR labels, in the order they were placed. They are indexed in groups (a group commit): the
//! first caller of `Workspace::index_through` indexes everything queued so far in one
//! tantivy commit and one append to the manifest's log, while the others wait; a caller
//! whose save a group has already taken only waits for that group. Whoever indexes, a save
//! is in the index before any later read of it: [`Workspace::index`] first indexes every
//! save queued. With [`Workspace::index_in_background`] (the web app) a thread of its own
//! indexes as saves come, at most once a second, so a save is answered once it is on disk,
//! and under load a group holds a second's saves; otherwise each save is indexed before it
//! returns.

use crate::{Error, Result, Workspace};
use kooste_core::Document;
use kooste_core::model::Decision;
use kooste_index::PassageRecord;
use kooste_ingest::{Comment, Corpus, Pending, Read, Submission};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// The least time between two commits of the background indexer.
const BACKGROUND_PAUSE: Duration = Duration::from_secs(1);

/// Saves waiting to be written or indexed, and what the group commits did.
#[derive(Default)]
pub(crate) struct Saves {
    /// Saves placed in the corpus but not yet written, in the order of the corpus's
    /// deferred inputs (locked while the writer lock is held).
    staged: Mutex<Staged>,
    /// What the corpus's group commits did; held by the one writing a group, so it orders
    /// the groups (taken before the writer lock, never after).
    durable: Mutex<Durable>,
    queue: Mutex<Queue>,
    indexed: Mutex<Indexed>,
    /// Held while a group is written to the corpus and queued, and while queued saves are
    /// indexed and their files noted as the app's own: a group written while its
    /// directory's other files are being noted would leave a file of the app's own
    /// unstamped there, which the index takes for a hand edit (its watch is dropped, and
    /// the watcher then reads the whole corpus under the writer lock, at a million
    /// passages seconds during which no save is written). Taken last, after the group
    /// commit's lock and the writer lock.
    gate: Mutex<()>,
    /// Wakes the background indexer when a save is queued (paired with `queue`).
    saved: Condvar,
    /// Whether a background indexer runs.
    background: AtomicBool,
}

/// Saves placed in the corpus, waiting to be written.
#[derive(Default)]
struct Staged {
    /// The ticket of the last save placed.
    last: u64,
    saves: Vec<StagedSave>,
    /// A group failed to be written: the corpus believes some documents are stored that
    /// are not, so it is opened afresh once no save waits in it.
    reopen: bool,
}

/// One save waiting to be written: its ticket, its documents' index records, and its
/// corpus files with the ids of their documents.
struct StagedSave {
    ticket: u64,
    records: BTreeMap<String, Vec<PassageRecord>>,
    files: Vec<(String, Vec<String>)>,
}

/// What the corpus's group commits did.
#[derive(Default)]
pub(crate) struct Durable {
    /// Saves up to this ticket have been written (or failed to be).
    done: u64,
    /// Saves whose write failed, with why (the last few).
    failed: BTreeMap<u64, String>,
    /// The index queue's ticket of the last save written.
    queued: u64,
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

    /// Places what `store` makes in the corpus under the writer lock, writes it in a group
    /// commit, then indexes it in a group.
    fn save(
        &self,
        store: impl FnOnce(
            &kooste_core::Project,
            &mut Corpus,
            &kooste_ingest::Redactor,
        ) -> std::result::Result<Vec<Read>, Vec<kooste_ingest::Diagnostic>>,
    ) -> Result<Vec<Read>> {
        let mut ticket = 0;
        let mut orphans = None;
        let stored = {
            let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            let redactor = self.redactor()?;
            let corpus = self.corpus(&mut writer)?;
            corpus.defer();
            let before = corpus.deferred().0;
            let placed = (|| {
                let stored = store(&self.project, corpus, &redactor).map_err(Error::Refused)?;
                if corpus.deferred().0 != before + 1 {
                    return Err(Error::Write("the save was not placed as one unit".into()));
                }
                let docs: Vec<&Document> = stored.iter().map(|r| &r.document).collect();
                let mut files: Vec<(String, Vec<String>)> = Vec::new();
                for d in &docs {
                    if let Some(path) = corpus.path_of(&d.meta.id) {
                        let rel = corpus.relative(&path);
                        match files.iter_mut().find(|(f, _)| *f == rel) {
                            Some((_, ids)) => ids.push(d.meta.id.clone()),
                            None => files.push((rel, vec![d.meta.id.clone()])),
                        }
                    }
                }
                let records = self.records(&docs)?;
                Ok((stored, records, files))
            })();
            let mut staged = self.saves.staged.lock().unwrap_or_else(|e| e.into_inner());
            match placed {
                Ok((stored, records, files)) => {
                    staged.last += 1;
                    ticket = staged.last;
                    staged.saves.push(StagedSave {
                        ticket,
                        records,
                        files,
                    });
                    Ok(stored)
                }
                Err(e) => {
                    // Placed, then failed (read back, labelled): written with the next
                    // group, as it was written before it was read back, but neither
                    // waited for here nor indexed.
                    for _ in before..corpus.deferred().0 {
                        staged.last += 1;
                        let ticket = staged.last;
                        staged.saves.push(StagedSave {
                            ticket,
                            records: BTreeMap::new(),
                            files: Vec::new(),
                        });
                        orphans = Some(ticket);
                    }
                    Err(e)
                }
            }
        };
        if let Some(last) = orphans {
            let _ = self.write_through(last);
        }
        let stored = stored?;
        let queued = self.write_through(ticket)?;
        if self.saves.background.load(Ordering::Relaxed) {
            self.saves.saved.notify_one();
        } else {
            self.index_through(queued)?;
        }
        Ok(stored)
    }

    /// Makes sure the save `ticket` is written: the first caller writes every save placed
    /// so far as one group (without the writer lock, so that the next saves are placed
    /// meanwhile); the others wait for it and find their group written. Returns the index
    /// queue's ticket that covers the save.
    fn write_through(&self, ticket: u64) -> Result<u64> {
        let mut durable = self.saves.durable.lock().unwrap_or_else(|e| e.into_inner());
        if durable.done < ticket {
            let (pending, saves) = {
                let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
                self.take_staged(&mut writer)
            };
            self.written(&mut durable, pending, saves);
        }
        match durable.failed.get(&ticket) {
            Some(why) => Err(Error::Write(why.clone())),
            None => Ok(durable.queued),
        }
    }

    /// The writer lock, once every save placed before has been written (for what lets the
    /// corpus go, or writes it otherwise). The group commit's lock is taken first, as by a
    /// save that writes a group.
    pub(crate) fn writer_settled(&self) -> MutexGuard<'_, Option<Corpus>> {
        let mut durable = self.saves.durable.lock().unwrap_or_else(|e| e.into_inner());
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let (pending, saves) = self.take_staged(&mut writer);
        self.written(&mut durable, pending, saves);
        writer
    }

    /// Whether the corpus must be opened afresh because a group failed to be written, once
    /// no save waits in it (the writer lock held); asking clears it.
    pub(crate) fn reopen_corpus(&self, corpus: &Corpus) -> bool {
        let mut staged = self.saves.staged.lock().unwrap_or_else(|e| e.into_inner());
        let settled = corpus.deferred().0 == 0 && staged.saves.is_empty();
        settled && std::mem::take(&mut staged.reopen)
    }

    /// The saves placed in the corpus and not yet written (the writer lock held).
    fn take_staged(&self, writer: &mut Option<Corpus>) -> (Option<Pending>, Vec<StagedSave>) {
        let mut staged = self.saves.staged.lock().unwrap_or_else(|e| e.into_inner());
        let saves = std::mem::take(&mut staged.saves);
        (writer.as_mut().map(Corpus::take_deferred), saves)
    }

    /// Writes a group of saves and queues the written ones for the index, in order.
    fn written(&self, durable: &mut Durable, pending: Option<Pending>, saves: Vec<StagedSave>) {
        let Some(last) = saves.last().map(|s| s.ticket) else {
            return;
        };
        let _gate = self.saves.gate.lock().unwrap_or_else(|e| e.into_inner());
        let results = match pending {
            Some(p) if p.len() == saves.len() => p.commit(),
            _ => saves
                .iter()
                .map(|_| Err("the saves waiting were lost; save again".to_string()))
                .collect(),
        };
        let mut records = BTreeMap::new();
        let mut files = Vec::new();
        let mut failed = false;
        for (save, result) in saves.into_iter().zip(results) {
            match result {
                Ok(()) => {
                    records.extend(save.records);
                    files.extend(save.files);
                }
                Err(why) => {
                    failed = true;
                    durable.failed.insert(save.ticket, why);
                }
            }
        }
        while durable.failed.len() > 256 {
            durable.failed.pop_first();
        }
        if failed {
            self.saves
                .staged
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .reopen = true;
        }
        if !records.is_empty() || !files.is_empty() {
            durable.queued = self.queue_saved(records, files);
        }
        durable.done = last;
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

    /// Queues the documents of saves written (their index records, and `files`: the corpus
    /// files written, with the ids of their documents) for the index; returns their ticket.
    fn queue_saved(
        &self,
        records: BTreeMap<String, Vec<PassageRecord>>,
        files: Vec<(String, Vec<String>)>,
    ) -> u64 {
        let mut q = self.saves.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.last += 1;
        if q.records.is_empty() && q.files.is_empty() {
            q.first = q.last;
        }
        q.records.extend(records);
        q.files.extend(files);
        q.last
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
                if let Some(last) = last {
                    let started = std::time::Instant::now();
                    if let Err(e) = ws.index_through(last) {
                        eprintln!("indexing saved forms: {e}");
                    }
                    // At most one commit of its own a second: under a stream of saves a
                    // group then holds a second's saves, and the index's commits and merges
                    // do not take the cores from the saves. A read does not wait for it: it
                    // first indexes what is queued itself.
                    drop(ws);
                    std::thread::sleep(BACKGROUND_PAUSE.saturating_sub(started.elapsed()));
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
            let _gate = self.saves.gate.lock().unwrap_or_else(|e| e.into_inner());
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
