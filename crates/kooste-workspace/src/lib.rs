//! A kooste project's live state, and every operation the command line and the web app
//! perform on it.
//!
//! A [`Workspace`] owns what both front ends used to put together each for themselves: the
//! project's settings, the redactor built from its register (rebuilt when
//! `participants.toml` changes), the CAIMeR proposer with its decisions (opened again when
//! the decisions file changes), the search index and the policy that keeps it in line with
//! the corpus ([`Workspace::refresh`], [`Workspace::search`], [`Workspace::watch`]), how
//! passages get their labels, the fingerprint of everything besides the corpus that shapes
//! the index, where each kind of input is read ([`Workspace::ingest_file`], `.qdpx` included),
//! the digest of a round ([`Workspace::digest`]), and the web app's writes: forms,
//! comments and decisions, stored one at a time and indexed in groups ([`save`]).
//!
//! Everything is opened when first needed, so a command that only searches an up-to-date
//! index never reads the register or the proposer. A workspace is `Sync`: the web app
//! shares one between its requests.
//!
//! Front ends do no domain work: a command parses its arguments, calls one operation and
//! prints; a web handler parses the request, calls one operation and renders.

mod corpus;
mod digest;
mod ingest;
mod label;
mod preview;
pub mod review;
pub mod save;
mod search;

pub use corpus::{Inspected, Rewritten};
pub use digest::{Built, Unchanged};
pub use ingest::{FileResult, Qdpx};
pub use kooste_index::Error as IndexError;
pub use kooste_index::{
    FacetCounts, Facets, Filters, Hit, PassageRecord, Results, SearchRequest, SyncReport,
};
pub use preview::Previewed;
pub use search::Searched;

use kooste_caimer::Caimer;
use kooste_core::Project;
use kooste_core::fsutil::FileVersion;
use kooste_core::project::REGISTER_FILE;
use kooste_index::SearchIndex;
use kooste_ingest::{Corpus, Diagnostic, Redactor};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard};

/// What can go wrong in a workspace operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The project's settings, register or another project file is malformed.
    #[error(transparent)]
    Project(#[from] kooste_core::Error),
    /// The CAIMeR proposer or its decisions failed.
    #[error(transparent)]
    Caimer(#[from] kooste_caimer::Error),
    /// The search index failed.
    #[error(transparent)]
    Index(#[from] kooste_index::Error),
    /// The index could not be brought in line with the corpus.
    #[error(transparent)]
    Update(#[from] kooste_index::UpdateError),
    /// A digest could not be made.
    #[error(transparent)]
    Digest(#[from] kooste_digest::Error),
    /// The corpus could not be opened.
    #[error("opening the corpus: {0}")]
    Corpus(std::io::Error),
    /// A project file could not be read.
    #[error(transparent)]
    File(#[from] kooste_core::FileError),
    /// A save could not be written to the corpus: why, naming the file, and what to do.
    #[error("{0}")]
    Write(String),
    /// Stored, but indexing it failed: why.
    #[error("indexing: {0}")]
    Indexing(String),
    /// An input or a submission was refused; every problem, each naming its place.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused(Vec<Diagnostic>),
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// A project's live state (see the crate's documentation).
pub struct Workspace {
    project: Project,
    /// The redactor, with the register file's version it was built from.
    register: Mutex<Option<(Option<FileVersion>, Arc<Redactor>)>>,
    /// The proposer, with the decisions file's version it was opened with.
    caimer: Mutex<Option<(Option<FileVersion>, Caimer)>>,
    /// The index as this process last opened or updated it.
    index: RwLock<Option<SearchIndex>>,
    /// Held while the corpus is written, so that the corpus journal and the index are never
    /// written by two operations of this process at once. It keeps the opened corpus (where
    /// each document lives), so that a save does not read every corpus file again; `None`
    /// until the first write, and again after a failed one or a refresh, so that the next
    /// write opens the corpus afresh (finishing or sweeping what a failure left).
    writer: Mutex<Option<Corpus>>,
    /// Saves waiting for the index, and what their group commits did ([`save`]).
    saves: save::Saves,
    /// Whether reads trust the index as it stands ([`Workspace::trust_index`]).
    watched: AtomicBool,
    /// Held while a digest's findings are curated ([`Workspace::curate`]).
    curating: Mutex<()>,
    /// The review queue's proposals, computed once per text and model.
    margins: review::Margins,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("project", &self.project.root)
            .finish_non_exhaustive()
    }
}

/// What bringing the index in line with the corpus did.
#[derive(Debug)]
pub struct Refreshed {
    /// Documents added, updated, removed and kept; why it was rebuilt, if it was.
    pub report: SyncReport,
    /// Corpus files that could not be read (and decisions lines that were skipped): the
    /// rest is indexed.
    pub problems: Vec<Diagnostic>,
}

impl Refreshed {
    /// Whether the index changed at all.
    pub fn changed(&self) -> bool {
        let r = &self.report;
        r.rebuilt.is_some() || r.added + r.updated + r.removed > 0
    }

    /// One line on what the update did.
    pub fn summary(&self) -> String {
        let r = &self.report;
        let mut s = String::new();
        if let Some(why) = &r.rebuilt {
            s.push_str(&format!("Index built from scratch ({why}). "));
        }
        s.push_str(&format!(
            "Indexed {} passages: {} documents added, {} updated, {} removed, {} unchanged.",
            r.passages, r.added, r.updated, r.removed, r.unchanged
        ));
        s
    }
}

/// The index for reading, as a [`Workspace`] hands it out.
pub struct IndexRef<'a>(RwLockReadGuard<'a, Option<SearchIndex>>);

impl std::ops::Deref for IndexRef<'_> {
    type Target = SearchIndex;
    fn deref(&self) -> &SearchIndex {
        self.0
            .as_ref()
            .expect("an IndexRef is only made over an open index")
    }
}

/// The CAIMeR proposer, as a [`Workspace`] hands it out (held: one user at a time).
pub struct CaimerRef<'a>(MutexGuard<'a, Option<(Option<FileVersion>, Caimer)>>);

impl std::ops::Deref for CaimerRef<'_> {
    type Target = Caimer;
    fn deref(&self) -> &Caimer {
        &self
            .0
            .as_ref()
            .expect("a CaimerRef is only made over an open proposer")
            .1
    }
}

impl std::ops::DerefMut for CaimerRef<'_> {
    fn deref_mut(&mut self) -> &mut Caimer {
        &mut self
            .0
            .as_mut()
            .expect("a CaimerRef is only made over an open proposer")
            .1
    }
}

impl Workspace {
    /// A workspace over `project`; nothing is read until an operation needs it.
    pub fn new(project: Project) -> Workspace {
        Workspace {
            project,
            register: Mutex::new(None),
            caimer: Mutex::new(None),
            index: RwLock::new(None),
            writer: Mutex::new(None),
            saves: save::Saves::default(),
            watched: AtomicBool::new(false),
            curating: Mutex::new(()),
            margins: review::Margins::default(),
        }
    }

    /// The project found from `dir` (or the current directory), as `--project` names it.
    pub fn discover(dir: Option<&std::path::Path>) -> Result<Workspace> {
        Ok(Workspace::new(Project::discover(dir)?))
    }

    /// The project's settings as they were when the workspace was made.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// The redactor of the project's register as it is now: a name added to
    /// `participants.toml` meanwhile is removed from what is stored next.
    pub fn redactor(&self) -> Result<Arc<Redactor>> {
        let now = FileVersion::of(&self.project.root.join(REGISTER_FILE));
        let mut register = self.register.lock().unwrap_or_else(|e| e.into_inner());
        match &*register {
            Some((seen, r)) if *seen == now => Ok(Arc::clone(r)),
            _ => {
                let r = Arc::new(Redactor::new(&self.project.participants()?));
                *register = Some((now, Arc::clone(&r)));
                Ok(r)
            }
        }
    }

    /// The CAIMeR proposer, trained on the decisions as they are now: opened again when the
    /// decisions file changed since (`kooste caimer learn` beside the app, or a decision
    /// recorded here, whose model it then finds stored and does not train again).
    pub fn caimer(&self) -> Result<CaimerRef<'_>> {
        let now = FileVersion::of(&kooste_caimer::decisions::path(&self.project));
        let mut caimer = self.caimer.lock().unwrap_or_else(|e| e.into_inner());
        if !matches!(&*caimer, Some((seen, _)) if *seen == now) {
            *caimer = Some((now, Caimer::open(&self.project)?));
        }
        Ok(CaimerRef(caimer))
    }

    /// Whether the project has an index yet.
    pub fn has_index(&self) -> bool {
        SearchIndex::exists(&self.project.state_dir())
    }

    /// The index for reading, as it stands: opened on first use (built when there is none
    /// yet), and first brought up to what another process (a `kooste ingest` or `kooste
    /// index` run beside) has written since. It is not checked against the corpus: see
    /// [`Workspace::search`] and [`Workspace::watch`] for that.
    pub fn index(&self) -> Result<IndexRef<'_>> {
        self.open_index()?;
        // Saves called saved are searchable before anything is read ([`save`]).
        self.index_pending();
        Ok(IndexRef(
            self.index.read().unwrap_or_else(|e| e.into_inner()),
        ))
    }

    /// Opens the index when this process has not yet (building it when there is none), or
    /// catches up with what another process wrote since.
    pub(crate) fn open_index(&self) -> Result<()> {
        {
            let ix = self.index.read().unwrap_or_else(|e| e.into_inner());
            if ix.as_ref().is_some_and(|i| !i.behind()) {
                return Ok(());
            }
        }
        let mut ix = self.index.write().unwrap_or_else(|e| e.into_inner());
        match &mut *ix {
            Some(i) => {
                if let Err(e) = i.catch_up() {
                    eprintln!("reading what was indexed beside this process: {e}");
                }
            }
            None if self.has_index() => {
                *ix = Some(SearchIndex::open(&self.project.state_dir(), false)?);
            }
            None => {
                drop(ix);
                self.refresh(false)?;
            }
        }
        Ok(())
    }

    /// Brings the index in line with the corpus and the CAIMeR labels (or, with `rebuild`,
    /// builds it anew): the one way every command and the web app update it. Only files
    /// that changed since they were last indexed are read, unless something besides the
    /// corpus that shapes the index changed (`inputs`).
    pub fn refresh(&self, rebuild: bool) -> Result<Refreshed> {
        // No write of this process runs meanwhile. The corpus may have changed under it:
        // unless the update finds nothing changed, the next write opens it afresh.
        let mut writer = self.writer_settled();
        let kept = writer.take();
        let caimer = self.caimer()?;
        let inputs = self.inputs(&caimer)?;
        let (ix, report, mut problems) = kooste_index::update(
            &self.project,
            rebuild,
            &inputs,
            label::labeller(&self.project, &caimer),
        )?;
        problems.extend(caimer.problems().iter().cloned());
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Some(ix);
        let done = Refreshed { report, problems };
        if !done.changed() {
            *writer = kept;
        }
        Ok(done)
    }

    /// Brings the index in line with the corpus when it is not, as `kooste serve` does at
    /// start: when there is an index whose watch holds and whose every stamped corpus file
    /// is as it was indexed (stats, no file read: "Seeing hand edits"), nothing is read or
    /// updated (`None`); otherwise [`Workspace::refresh`]. At a million passages the check
    /// takes about a second where an update that finds nothing to do takes several, with
    /// hundreds of megabytes more memory.
    pub fn refresh_if_stale(&self) -> Result<Option<Refreshed>> {
        if self.has_index() && self.index()?.freshness(&self.project.root, true).is_none() {
            return Ok(None);
        }
        self.refresh(false).map(Some)
    }

    /// A fingerprint of everything besides the corpus files that shapes what the index
    /// holds: the program and its index format, the project's files (settings, workshops
    /// and batteries, the register, whose names are redacted), and the CAIMeR lexicons,
    /// settings, base model and decisions. When it changes, every file is read again.
    fn inputs(&self, caimer: &Caimer) -> Result<String> {
        let mut f = kooste_core::fingerprint::Fingerprint::new();
        f.add(env!("CARGO_PKG_VERSION"))
            .add(kooste_index::FORMAT.to_le_bytes());
        for path in self.project.files()? {
            let rel = path.strip_prefix(&self.project.root).unwrap_or(&path);
            f.add(rel.to_string_lossy().as_bytes());
            f.add(std::fs::read(&path).unwrap_or_default());
        }
        f.add(kooste_caimer::train::fingerprint(
            caimer.proposer(),
            caimer.decisions(),
        ));
        Ok(f.hex())
    }

    /// Keeps the index in line with the project's files while the process runs (`kooste
    /// serve`), so that a hand edit of the corpus (a passage taken out, a file added or
    /// removed) or of the settings, register or decisions reaches the index within about
    /// two seconds: a thread checks every second (or, when a check takes long, ten times as
    /// long as it took) whether the index is behind the files
    /// ([`SearchIndex::freshness`], `deep`: every corpus file's version against its stamp;
    /// no file is read) and, when it is, refreshes it. From then on reads trust the index
    /// ([`Workspace::search`] does not check it). The thread ends when the workspace is
    /// dropped.
    pub fn watch(self: &Arc<Self>) -> std::thread::JoinHandle<()> {
        self.trust_index();
        let ws = Arc::downgrade(self);
        std::thread::spawn(move || {
            let mut wait = std::time::Duration::from_secs(1);
            loop {
                std::thread::sleep(wait);
                let Some(ws) = ws.upgrade() else {
                    return;
                };
                let started = std::time::Instant::now();
                if let Some(why) = ws.stale()
                    && let Err(e) = ws.refresh(false)
                {
                    eprintln!("bringing the index up to date ({why}): {e}");
                }
                wait = (started.elapsed() * 10).max(std::time::Duration::from_secs(1));
            }
        })
    }

    /// Why the index is behind the project's files (the deep check: every corpus file's
    /// version against its stamp), or `None`. The process's own saves written but not yet
    /// indexed are no hand edits: when the check finds anything, the saves written so far
    /// are indexed and what it found is looked at again, with no save writing meanwhile
    /// (else, under a stream of saves, each would look like a hand edit and bring a full
    /// update). The deep check itself runs while saves go on (a million passages are some
    /// hundred thousand files to stat); only what it found is checked again under the lock.
    fn stale(&self) -> Option<String> {
        let root = &self.project.root;
        let (shallow, files) = match self.index() {
            Ok(ix) => (
                ix.freshness(root, false),
                ix.stale_files(root).unwrap_or_default(),
            ),
            Err(e) => return Some(e.to_string()),
        };
        if shallow.is_none() && files.is_empty() {
            return None;
        }
        // The saves queued so far are indexed while others go on, then, with the lock, the
        // few that came meanwhile.
        if let Some(last) = self.saves.last()
            && let Err(e) = self.index_through(last)
        {
            eprintln!("indexing saved forms: {e}");
        }
        // Saves placed in the corpus are written first, and none is written meanwhile.
        let _writing = self.writer_settled();
        let open = self.index.read().is_ok_and(|ix| ix.is_some());
        if let (Some(last), true) = (self.saves.last(), open)
            && let Err(e) = self.index_through(last)
        {
            eprintln!("indexing saved forms: {e}");
        }
        let ix = match self.index() {
            Ok(ix) => ix,
            Err(e) => return Some(e.to_string()),
        };
        ix.freshness(root, false).or_else(|| {
            ix.changed_files(root, files.iter().map(String::as_str))
                .into_iter()
                .next()
                .map(|f| format!("{f} changed"))
        })
    }

    /// From now on reads ([`Workspace::search`], [`Workspace::digest`]) trust the index as
    /// it stands instead of checking it against the corpus first: for a long-running
    /// process that keeps it in line itself ([`Workspace::watch`]) and whose own writes
    /// reach the index at once (the web app).
    pub fn trust_index(&self) {
        self.watched.store(true, Ordering::Relaxed);
    }

    /// Labels documents' passages as [`Workspace::refresh`] does: the proposer's
    /// proposals, and a researcher's decision where there is one.
    pub fn records(
        &self,
        docs: &[&kooste_core::Document],
    ) -> Result<std::collections::BTreeMap<String, Vec<PassageRecord>>> {
        let caimer = self.caimer()?;
        Ok(label::records(&self.project, &caimer, docs))
    }

    /// Every document of the corpus, read and redacted as the index reads them, and the
    /// files that could not be read.
    pub fn documents(&self) -> Result<(Vec<kooste_ingest::Read>, Vec<Diagnostic>)> {
        let redactor = self.redactor()?;
        let (corpus, mut problems) = Corpus::open(&self.project).map_err(Error::Corpus)?;
        let (reads, more) = corpus.read_all(&self.project, &redactor);
        problems.extend(more);
        Ok((reads, problems))
    }

    /// One document as a reader of the app sees it: read from its corpus file through the
    /// same validation and redaction as everything else, with the index's records of its
    /// passages. `None` when the index knows no such document or its file no longer holds it.
    pub fn document(
        &self,
        id: &str,
    ) -> Result<Option<(kooste_core::Document, Vec<PassageRecord>)>> {
        let records = self.index()?.document(id)?;
        let Some(file) = records.first().map(|r| r.file.clone()) else {
            return Ok(None);
        };
        let path = self.project.root.join(&file);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(kooste_core::FileError::new(path, e).into()),
        };
        let redactor = self.redactor()?;
        let Ok(reads) = kooste_ingest::read_input(
            &self.project,
            &redactor,
            std::path::Path::new(&file),
            &bytes,
            &kooste_ingest::IngestOptions::default(),
        ) else {
            // Edited by hand into something unreadable since it was indexed: the next
            // refresh reports it; until then there is nothing to show.
            return Ok(None);
        };
        Ok(reads
            .into_iter()
            .map(|r| r.document)
            .find(|d| d.meta.id == id)
            .map(|d| (d, records)))
    }

    /// Opens the corpus for a write when it is not open yet (or another process stored
    /// documents since).
    fn corpus<'a>(&self, slot: &'a mut Option<Corpus>) -> Result<&'a mut Corpus> {
        // Whether another process has written the index since (then it may have stored
        // documents the opened corpus does not know). Not waiting while this process's own
        // indexer writes it: that is no other process, and a save would wait for every
        // commit.
        let behind = self
            .index
            .try_read()
            .is_ok_and(|ix| ix.as_ref().is_some_and(SearchIndex::behind));
        // Not while saves wait in it to be written, though ([`save`]).
        let settled = slot.as_ref().is_none_or(|c| c.deferred().0 == 0);
        if settled && (behind || slot.as_ref().is_some_and(|c| self.reopen_corpus(c))) {
            *slot = None;
        }
        Ok(match slot {
            Some(c) => c,
            None => slot.insert(Corpus::open(&self.project).map_err(Error::Corpus)?.0),
        })
    }
}
