//! The on-disk index under `.kooste/index/`: its schema, opening (and rebuilding when it is
//! missing, from another format, or damaged), and incremental updates.

use crate::record::fingerprint_of_json;
use crate::tokenizer::{Part, value};
use crate::vocab::Vocab;
use crate::watch::Watch;
use crate::{Error, Result};
use kooste_core::fsutil::{FileVersion, WriteLock, write_atomic};
use kooste_core::record::PassageRecord;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Bumped whenever the schema or the analysis changes; an index of another format is
/// rebuilt.
pub const FORMAT: u32 = 6;

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) doc: Field,
    pub(crate) record: Field,
    pub(crate) exact: Field,
    pub(crate) stem: Field,
    pub(crate) rev: Field,
    pub(crate) trunc: Field,
    pub(crate) context: Field,
    pub(crate) voice: Field,
    pub(crate) workshop: Field,
    pub(crate) theme: Field,
    pub(crate) dimension: Field,
    pub(crate) date: Field,
    pub(crate) facets: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text = |part: Part, positions: bool| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(part.name())
                    .set_index_option(if positions {
                        IndexRecordOption::WithFreqsAndPositions
                    } else {
                        IndexRecordOption::WithFreqs
                    }),
            )
        };
        let fields = Fields {
            doc: b.add_text_field("doc", STRING),
            record: b.add_text_field("record", STORED),
            // No positions: phrases and proximity are looked up in `stem`.
            exact: b.add_text_field("exact", text(Part::Exact, false)),
            stem: b.add_text_field("stem", text(Part::Stem, true)),
            rev: b.add_text_field("rev", text(Part::Rev, false)),
            trunc: b.add_text_field("trunc", text(Part::Trunc, false)),
            context: b.add_text_field("context", text(Part::Context, false)),
            voice: b.add_text_field("voice", STRING),
            workshop: b.add_text_field("workshop", STRING),
            theme: b.add_text_field("theme", STRING),
            dimension: b.add_text_field("dimension", STRING),
            date: b.add_u64_field("date", INDEXED | FAST),
            facets: b.add_facet_field("facets", FacetOptions::default()),
        };
        (b.build(), fields)
    }

    /// The document of one passage; `json` is its record serialized.
    fn document(&self, r: &PassageRecord, json: String) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_text(self.doc, &r.doc);
        d.add_text(self.record, json);
        // The analysis is tantivy's tokenizers' (`crate::tokenizer`), on its indexing threads.
        let text = value(&r.text, r.lang);
        for field in [self.exact, self.stem, self.rev, self.trunc] {
            d.add_text(field, &text);
        }
        let context: Vec<&str> = [&r.question_text, &r.title]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !context.is_empty() {
            d.add_text(self.context, value(&context.join(" \n "), r.lang));
        }
        d.add_text(self.voice, r.voice.as_str());
        d.add_facet(self.facets, Facet::from_path(["voice", r.voice.as_str()]));
        for (field, facet, value) in [
            (self.workshop, "workshop", &r.workshop),
            (self.theme, "theme", &r.theme),
        ] {
            if let Some(v) = value {
                d.add_text(field, v);
                d.add_facet(self.facets, Facet::from_path([facet, v.as_str()]));
            }
        }
        for dim in r.labels.effective() {
            d.add_text(self.dimension, dim.as_str());
            d.add_facet(self.facets, Facet::from_path(["dimension", dim.as_str()]));
        }
        if let Some(date) = r.date {
            d.add_u64(self.date, date_key(date));
        }
        d
    }
}

/// A date as the sortable number YYYYMMDD.
pub(crate) fn date_key(d: kooste_core::model::Date) -> u64 {
    u64::from(d.year) * 10_000 + u64::from(d.month) * 100 + u64::from(d.day)
}

pub(crate) use crate::manifest::FileStamp;
use crate::manifest::{Body, Change, Head, Log, Raw};

/// What an update did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Documents indexed for the first time.
    pub added: usize,
    /// Documents whose passages or labels changed.
    pub updated: usize,
    /// Documents gone from the corpus.
    pub removed: usize,
    /// Documents left as they were.
    pub unchanged: usize,
    /// Passages in the index afterwards.
    pub passages: u64,
    /// Why the index was built from scratch, if it was.
    pub rebuilt: Option<String>,
}

/// The search index of a project.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) fields: Fields,
    pub(crate) reader: IndexReader,
    /// The corpus's words by their trigrams (`crate::vocab`).
    pub(crate) vocab: Vocab,
    dir: PathBuf,
    /// The manifest's head, always read.
    head: Head,
    /// The rest of the manifest as read, parsed into `body` when first needed.
    raw: Raw,
    body: OnceLock<Body>,
    /// The log of changes over the manifest as read (`manifest::Log`), applied when the
    /// body is parsed.
    log: Log,
    /// Changes to the body since the manifest was last written or logged.
    changes: Vec<Change>,
    /// The manifest's length when last read or written whole.
    main_bytes: u64,
    /// The manifest and its log as this value last read or wrote them: when either
    /// differs, another process has written the index since.
    seen: (Option<FileVersion>, Option<FileVersion>),
    rebuilt: Option<String>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .finish()
    }
}

const MANIFEST: &str = "manifest";
const LOG: &str = "manifest.log";

impl SearchIndex {
    /// Where a project's index lives.
    pub fn dir_of(state_dir: &Path) -> PathBuf {
        state_dir.join("index")
    }

    /// Whether an index has been built in `state_dir`.
    pub fn exists(state_dir: &Path) -> bool {
        Self::dir_of(state_dir).join(MANIFEST).is_file()
    }

    /// Opens the index in `state_dir` (a project's `.kooste/`), creating it when missing and
    /// starting over when it is of another format or cannot be read. `rebuild` always
    /// starts over.
    pub fn open(state_dir: &Path, rebuild: bool) -> Result<SearchIndex> {
        let dir = Self::dir_of(state_dir);
        let reason = if rebuild {
            Some("asked to rebuild".to_string())
        } else {
            match Self::try_open(&dir) {
                Ok(Some(ix)) => return Ok(ix),
                Ok(None) if !dir.exists() => None,
                Ok(None) => Some("it was made by another version of kooste".into()),
                Err(e) => Some(format!("it could not be read ({e})")),
            }
        };
        let _lock = WriteLock::take(state_dir);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let (schema, fields) = Fields::schema();
        let index = Index::create_in_dir(&dir, schema).map_err(|e| Error::tantivy(&dir, e))?;
        crate::tokenizer::register(&index);
        let reader = reader(&index, &dir)?;
        let vocab = Vocab::create(&dir)?;
        let mut ix = SearchIndex {
            index,
            fields,
            reader,
            vocab,
            dir,
            head: Head {
                format: FORMAT,
                ..Head::default()
            },
            raw: Raw::default(),
            body: OnceLock::from(Body::default()),
            log: Log::default(),
            changes: Vec::new(),
            main_bytes: 0,
            seen: (None, None),
            rebuilt: reason,
        };
        ix.write_manifest()?;
        Ok(ix)
    }

    /// Opens an existing index of this format; `None` when there is none or it is of
    /// another format.
    fn try_open(dir: &Path) -> Result<Option<SearchIndex>> {
        let path = dir.join(MANIFEST);
        let seen = (FileVersion::of(&path), FileVersion::of(&dir.join(LOG)));
        let Some((mut head, raw, log, main_bytes)) = read_both(dir)? else {
            return Ok(None);
        };
        if let Some(h) = &log.head {
            head.inputs = h.inputs.clone();
            head.watch = h.watch.clone();
        }
        let index = Index::open_in_dir(dir).map_err(|e| Error::tantivy(dir, e))?;
        crate::tokenizer::register(&index);
        let (_, fields) = Fields::schema();
        if index.schema() != Fields::schema().0 {
            return Ok(None);
        }
        let reader = reader(&index, dir)?;
        let Some(vocab) = Vocab::open(dir)? else {
            return Err(Error::Index("its vocabulary is missing".into()));
        };
        // Reading every segment's metadata catches most damage up front.
        let searcher = reader.searcher();
        for s in searcher.segment_readers() {
            s.get_store_reader(0).map_err(|e| Error::tantivy(dir, e))?;
        }
        Ok(Some(SearchIndex {
            index,
            fields,
            reader,
            vocab,
            dir: dir.to_path_buf(),
            head,
            raw,
            body: OnceLock::new(),
            log,
            changes: Vec::new(),
            main_bytes,
            seen,
            rebuilt: None,
        }))
    }

    /// Whether another process has written the index since this value last read or wrote
    /// it (see [`SearchIndex::catch_up`]).
    pub fn behind(&self) -> bool {
        (
            FileVersion::of(&self.dir.join(MANIFEST)),
            FileVersion::of(&self.dir.join(LOG)),
        ) != self.seen
    }

    /// Reads again what another process (`kooste ingest` beside `kooste serve`, say) has
    /// written since this value last read or wrote the index: its manifest and its
    /// segments, so that searches see the new passages and the next [`SearchIndex::sync`]
    /// builds on them. Returns whether there was anything to read.
    pub fn catch_up(&mut self) -> Result<bool> {
        if !self.behind() {
            return Ok(false);
        }
        let path = self.dir.join(MANIFEST);
        let seen = (FileVersion::of(&path), FileVersion::of(&self.dir.join(LOG)));
        match read_both(&self.dir)? {
            Some((mut head, raw, log, main_bytes)) => {
                if let Some(h) = &log.head {
                    head.inputs = h.inputs.clone();
                    head.watch = h.watch.clone();
                }
                self.head = head;
                self.raw = raw;
                self.body = OnceLock::new();
                self.log = log;
                self.changes.clear();
                self.main_bytes = main_bytes;
            }
            None => {
                return Err(Error::Index(format!(
                    "{} was replaced by another version of kooste",
                    path.display()
                )));
            }
        }
        self.seen = seen;
        self.reader
            .reload()
            .map_err(|e| Error::tantivy(&self.dir, e))?;
        self.vocab.reload()?;
        Ok(true)
    }

    /// The project's state directory, where the write lock lives.
    fn state_dir(&self) -> &Path {
        self.dir.parent().unwrap_or(&self.dir)
    }

    /// A writer, once what a writer killed in the middle of its commit left is gone. Called
    /// under the write lock (no other writer is at work).
    /// `small`: a few documents (a form saved, a decision): one indexing thread and
    /// tantivy's smallest memory budget, since the budget is allocated (and zeroed) anew for
    /// every writer, which took most of a small update's time at 50 MB.
    fn writer(&self, small: bool) -> Result<IndexWriter> {
        let w = if small {
            self.index.writer_with_num_threads(1, 15_000_000)
        } else {
            self.index.writer(50_000_000)
        }
        .map_err(|e| Error::tantivy(&self.dir, e))?;
        if small {
            // A small update (a group of web saves) merges only small segments: its commit
            // waits for its merges, and a merge it started among a full build's large
            // segments took seconds while saves waited (a million passages).
            let mut policy = tantivy::indexer::LogMergePolicy::default();
            policy.set_max_docs_before_merge(SMALL_MERGE_DOCS);
            w.set_merge_policy(Box::new(policy));
        }
        // A commit writes each segment's deletions to `SEGMENT.OPSTAMP.del` before
        // `meta.json` names them. Killed in between, it leaves that file behind, and the next
        // update that makes the same changes from the same committed state counts up to the
        // same opstamp: tantivy will not overwrite the file, and every update failed
        // ("FileAlreadyExists") until the index was rebuilt (issue 26). tantivy collects such
        // files (known to `.managed.json`, named by no commit) only after a commit that
        // succeeds; collect them before writing too.
        w.garbage_collect_files()
            .wait()
            .map_err(|e| Error::tantivy(&self.dir, e))?;
        // What a killed atomic write left: tantivy's (`.tmp*`) and the manifest's.
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name.starts_with(".tmp") || name.starts_with(".kooste-tmp-") {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Ok(w)
    }

    /// The manifest's documents and stamps, parsed the first time they are needed.
    pub(crate) fn body(&self) -> Result<&Body> {
        if let Some(b) = self.body.get() {
            return Ok(b);
        }
        let mut parsed = self.raw.body(&self.dir.join(MANIFEST))?;
        self.log.apply(&mut parsed);
        Ok(self.body.get_or_init(|| parsed))
    }

    fn body_mut(&mut self) -> Result<&mut Body> {
        self.body()?;
        self.raw = Raw::default();
        Ok(self.body.get_mut().expect("parsed above"))
    }

    /// The body, once `body_mut` has parsed it.
    fn parsed(&mut self) -> &mut Body {
        self.body
            .get_mut()
            .expect("the manifest's body is parsed first")
    }

    /// Writes the manifest whole (a new generation) and removes its log.
    fn write_manifest(&mut self) -> Result<()> {
        let path = self.dir.join(MANIFEST);
        self.body_mut()?;
        self.head.generation += 1;
        let body = self.body.get().expect("parsed above");
        let bytes = crate::manifest::encode(&self.head, body)?;
        write_atomic(&path, &bytes).map_err(|e| Error::io(&path, e))?;
        // A log that outlives this (a kill) is of the older generation: ignored.
        let log = self.dir.join(LOG);
        if let Err(e) = std::fs::remove_file(&log)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(Error::io(&log, e));
        }
        self.log = Log::default();
        self.changes.clear();
        self.main_bytes = bytes.len() as u64;
        self.seen = (FileVersion::of(&path), None);
        Ok(())
    }

    /// Makes the changes since the manifest was last written durable: appended to its log
    /// while the log stays small beside the manifest, else by writing it whole.
    fn persist_changes(&mut self) -> Result<()> {
        let limit = (self.main_bytes / 4).max(256 * 1024);
        if self.log.bytes > limit {
            return self.write_manifest();
        }
        let changes = std::mem::take(&mut self.changes);
        self.append_log(&changes)
    }

    /// Appends changes (and the head) to the manifest's log.
    fn append_log(&mut self, changes: &[Change]) -> Result<()> {
        let log = self.dir.join(LOG);
        self.log.bytes =
            crate::manifest::append(&log, &self.head, changes).map_err(|e| Error::io(&log, e))?;
        self.seen.1 = FileVersion::of(&log);
        Ok(())
    }

    /// Starts the index over when the manifest's body, read only when an update needs it,
    /// turns out damaged (as [`SearchIndex::open`] does when its head is).
    pub(crate) fn rebuilt_if_damaged(self, state_dir: &Path) -> Result<SearchIndex> {
        match self.body() {
            Ok(_) => Ok(self),
            Err(e) => {
                drop(self);
                let mut ix = SearchIndex::open(state_dir, true)?;
                ix.rebuilt = Some(format!("it could not be read ({e})"));
                Ok(ix)
            }
        }
    }

    /// Why the index was started over when it was opened (it could not be read, or was of
    /// another format), until [`SearchIndex::sync`] reports it. Such an index is empty.
    pub fn rebuilt(&self) -> Option<&str> {
        self.rebuilt.as_deref()
    }

    /// Number of passages in the index.
    pub fn passages(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The stamps of the corpus files whose documents are indexed, if they were taken with
    /// the same `inputs` (a fingerprint of the project's settings, register, CAIMeR model and
    /// decisions, and of the program): files unchanged since are unchanged in the index.
    pub(crate) fn stamps(&self, inputs: &str) -> Result<Option<&BTreeMap<String, FileStamp>>> {
        if self.head.inputs != inputs {
            return Ok(None);
        }
        Ok(Some(&self.body()?.files))
    }

    /// Records the stamps of the corpus files as they were read for the last
    /// [`SearchIndex::sync`], with the `inputs` they were read under. Only [`crate::update`]
    /// calls it, holding the write lock since it listed the corpus.
    /// `watch` is what the project's watched paths were when the corpus was listed, when
    /// every corpus file got its stamp (the index is then complete as of `watch`).
    pub(crate) fn set_stamps(
        &mut self,
        inputs: &str,
        files: BTreeMap<String, FileStamp>,
        watch: Option<Watch>,
    ) -> Result<()> {
        if self.head.inputs == inputs && self.head.watch == watch && self.body()?.files == files {
            return Ok(());
        }
        self.head.inputs = inputs.to_string();
        self.head.watch = watch;
        self.body_mut()?.files = files;
        self.write_manifest()
    }

    /// Why the index may be behind the project's files, or `None` when it is not, seen
    /// cheaply: the versions of the project's settings, register, workshops, decisions and
    /// corpus directories against those recorded when the index was last complete (a
    /// file added, removed, or saved by renaming a new version over it changes its
    /// directory). With `deep`, also every corpus file the index was read from (a file
    /// edited in place). Reads no file, and without `deep` stats only directories and the
    /// few files besides the corpus.
    pub fn freshness(&self, project_root: &Path, deep: bool) -> Option<String> {
        let Some(watch) = &self.head.watch else {
            return Some("the index is not known to hold the whole corpus".into());
        };
        if let Some(path) = watch.changed(project_root) {
            return Some(format!("{path} changed"));
        }
        if deep {
            let files = match self.body() {
                Ok(b) => &b.files,
                Err(e) => return Some(e.to_string()),
            };
            return self
                .changed_files(project_root, files.keys().map(String::as_str))
                .into_iter()
                .next()
                .map(|f| format!("{f} changed"));
        }
        None
    }

    /// Every stamped corpus file that is not as it was when it was indexed (the deep part of
    /// [`SearchIndex::freshness`], all of them rather than the first): stats each file,
    /// reads none.
    pub fn stale_files(&self, project_root: &Path) -> Result<Vec<String>> {
        let files = &self.body()?.files;
        Ok(self.changed_files(project_root, files.keys().map(String::as_str)))
    }

    /// Records corpus files that kooste itself has just written and whose documents the
    /// last [`SearchIndex::sync`] indexed (`files`: path relative to the project, and the
    /// ids of its documents), so that they do not count as hand edits: each gets its stamp,
    /// and when the index was complete before, it stays so. That holds when every watched
    /// path is as recorded, or is a corpus directory whose files are exactly files with
    /// stamps (nothing added, removed or renamed there by anyone else). Called under the
    /// write lock, after the sync.
    pub fn note_written(
        &mut self,
        project: &kooste_core::Project,
        files: &[(String, Vec<String>)],
    ) -> Result<()> {
        let _lock = WriteLock::take(self.state_dir());
        let root = &project.root;
        let body = self.body_mut()?;
        let mut changes = Vec::new();
        for (rel, docs) in files {
            match FileVersion::of(&root.join(rel)) {
                Some(version) => {
                    let stamp = FileStamp {
                        version,
                        docs: docs.clone(),
                    };
                    body.files.insert(rel.clone(), stamp.clone());
                    changes.push(Change::File(rel.clone(), Some(stamp)));
                }
                None => {
                    body.files.remove(rel);
                    changes.push(Change::File(rel.clone(), None));
                }
            }
        }
        self.changes.extend(changes);
        if let Some(old) = self.head.watch.take() {
            let now = Watch::take(project);
            let corpus = project.corpus_dir();
            let recorded: BTreeMap<&str, &Option<FileVersion>> =
                old.entries.iter().map(|(p, v)| (p.as_str(), v)).collect();
            let ours = old.program == now.program
                && now.entries.iter().all(|(rel, v)| {
                    recorded.get(rel.as_str()) == Some(&v)
                        || (root.join(rel).starts_with(&corpus) && self.all_stamped(root, rel))
                });
            if ours {
                self.head.watch = Some(now);
            }
        }
        self.persist_changes()
    }

    /// Whether the files of the corpus directory `dir` (relative to the project) are
    /// exactly files with stamps.
    fn all_stamped(&self, root: &Path, dir_rel: &str) -> bool {
        let Ok(entries) = std::fs::read_dir(root.join(dir_rel)) else {
            return false;
        };
        let Ok(body) = self.body() else {
            return false;
        };
        let mut seen = 0;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let dir = match e.file_type() {
                Ok(t) if t.is_symlink() => e.path().is_dir(),
                Ok(t) => t.is_dir(),
                Err(_) => e.path().is_dir(),
            };
            if name.starts_with('.') || dir {
                continue;
            }
            if !body.files.contains_key(&format!("{dir_rel}/{name}")) {
                return false;
            }
            seen += 1;
        }
        let prefix = format!("{dir_rel}/");
        let stamped = body
            .files
            .range::<str, _>((
                std::ops::Bound::Included(prefix.as_str()),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(f, _)| f.starts_with(&prefix))
            .filter(|(f, _)| !f[prefix.len()..].contains('/'))
            .count();
        seen == stamped
    }

    /// Those of `files` (corpus files, relative to the project, as
    /// [`PassageRecord::file`] names them) that are not as they were when their documents
    /// were indexed, or were never stamped: the index may hold text they no longer have.
    /// Stats each file; reads none.
    pub fn changed_files<'a>(
        &self,
        project_root: &Path,
        files: impl IntoIterator<Item = &'a str>,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for f in files {
            if out.iter().any(|o| o == f) {
                continue;
            }
            let now = FileVersion::of(&project_root.join(f));
            // Without parsing the manifest's body when a search has not needed it.
            let stamp = match self.body.get() {
                Some(body) => body.files.get(f).map(|s| s.version),
                None => match self.log.files.get(f) {
                    Some(logged) => logged.as_ref().map(|s| s.version),
                    None => self.raw.stamp(f).map(|s| s.version),
                },
            };
            let same = matches!((stamp, now), (Some(stamp), Some(now)) if stamp == now);
            if !same {
                out.push(f.to_string());
            }
        }
        out
    }

    /// Brings the index in line with `docs` (document id → its records). With `complete`,
    /// `docs` and `kept` are the whole corpus: documents in neither are removed, and those
    /// in `kept` (read from files unchanged since they were indexed) stay as they are.
    /// Otherwise only the given documents are touched.
    pub fn sync(
        &mut self,
        docs: &BTreeMap<String, Vec<PassageRecord>>,
        kept: &BTreeSet<String>,
        complete: bool,
    ) -> Result<SyncReport> {
        // One writer at a time, across processes, and on top of what the others wrote.
        let _lock = WriteLock::take(self.state_dir());
        self.catch_up()?;
        self.body_mut()?;
        let mut report = SyncReport {
            rebuilt: self.rebuilt.take(),
            ..SyncReport::default()
        };
        let mut w: Option<IndexWriter> = None;
        let small = !complete && docs.values().map(Vec::len).sum::<usize>() < 2_000;
        // What the manifest said of each document this sync changes (`None`: not in it).
        let mut before: Vec<(String, Option<String>)> = Vec::new();
        // The passages this sync adds, whose words the vocabulary must hold.
        let mut added: Vec<&[PassageRecord]> = Vec::new();
        // The records serialized (what the index stores, and what the fingerprint is of): on
        // every core for a large update, a chunk of documents at a time (not all of a million
        // at once), since one thread serializing a full build's records took a tenth of it;
        // on this thread for a small one (a group of web saves must not wait for rayon's
        // threads, which a reading update may hold).
        let serialize = |records: &Vec<PassageRecord>| -> Result<(Vec<String>, String)> {
            let jsons = records
                .iter()
                .map(|r| serde_json::to_string(r).map_err(|e| Error::Index(e.to_string())))
                .collect::<Result<Vec<String>>>()?;
            let print = format!("{:016x}", fingerprint_of_json(&jsons));
            Ok((jsons, print))
        };
        let all: Vec<(&String, &Vec<PassageRecord>)> = docs.iter().collect();
        let serialized = all.chunks(512).flat_map(|chunk| {
            use rayon::prelude::*;
            let done: Vec<Result<(Vec<String>, String)>> = if small {
                chunk
                    .iter()
                    .map(|(_, records)| serialize(records))
                    .collect()
            } else {
                chunk
                    .par_iter()
                    .map(|(_, records)| serialize(records))
                    .collect()
            };
            chunk.iter().zip(done)
        });
        for (&(id, records), done) in serialized {
            let (jsons, print) = done?;
            let change = match self.parsed().docs.get(id) {
                Some(old) if *old == print => {
                    report.unchanged += 1;
                    continue;
                }
                Some(_) => &mut report.updated,
                None => &mut report.added,
            };
            before.push((id.clone(), self.parsed().docs.get(id).cloned()));
            *change += 1;
            let wr = match w.as_mut() {
                Some(wr) => wr,
                None => w.insert(self.writer(small)?),
            };
            wr.delete_term(Term::from_field_text(self.fields.doc, id));
            added.push(records);
            for (r, json) in records.iter().zip(jsons) {
                wr.add_document(self.fields.document(r, json))
                    .map_err(|e| Error::tantivy(&self.dir, e))?;
            }
            self.parsed().docs.insert(id.clone(), print.clone());
            self.changes.push(Change::Doc(id.clone(), Some(print)));
        }
        if complete {
            let gone: BTreeSet<String> = self
                .parsed()
                .docs
                .keys()
                .filter(|id| !docs.contains_key(*id) && !kept.contains(*id))
                .cloned()
                .collect();
            for id in gone {
                let wr = match w.as_mut() {
                    Some(wr) => wr,
                    None => w.insert(self.writer(small)?),
                };
                wr.delete_term(Term::from_field_text(self.fields.doc, &id));
                let old = self.parsed().docs.remove(&id);
                self.changes.push(Change::Doc(id.clone(), None));
                before.push((id, old));
                report.removed += 1;
            }
        }
        if let Some(mut wr) = w {
            // The manifest is written after the commit, so a kill between the two leaves
            // the commit's documents out of it. One the commit added then stayed in the index
            // for good: once its file left the corpus, no update knew it was there to remove
            // (issue 26). So before the commit, the manifest names the documents it adds,
            // with a fingerprint no records have (they count as changed until the manifest
            // follows the commit); the ones it updates or removes keep their old fingerprints.
            if before.iter().any(|(_, old)| old.is_none()) {
                if complete {
                    let mut pending = self.parsed().docs.clone();
                    for (id, old) in &before {
                        pending.insert(id.clone(), old.clone().unwrap_or_default());
                    }
                    std::mem::swap(&mut self.parsed().docs, &mut pending);
                    let written = self.write_manifest();
                    std::mem::swap(&mut self.parsed().docs, &mut pending);
                    written?;
                } else {
                    // Logged, without writing the whole manifest: the added documents under
                    // the fingerprint no records have.
                    let pending: Vec<Change> = before
                        .iter()
                        .filter(|(_, old)| old.is_none())
                        .map(|(id, _)| Change::Doc(id.clone(), Some(String::new())))
                        .collect();
                    self.append_log(&pending)?;
                }
            }
            wr.commit().map_err(|e| Error::tantivy(&self.dir, e))?;
            // A fault point for the fault tests: the process dies between the commit and
            // the manifest, as a kill there would leave it.
            if std::env::var_os("KOOSTE_FAULT_ABORT_AFTER_INDEX_COMMIT").is_some() {
                std::process::abort();
            }
            wr.wait_merging_threads()
                .map_err(|e| Error::tantivy(&self.dir, e))?;
            self.reader
                .reload()
                .map_err(|e| Error::tantivy(&self.dir, e))?;
            // The new passages' words, before the manifest says they are indexed: a kill
            // before it leaves them named as changed, and the next update adds them again.
            self.add_words(&added)?;
            if complete {
                self.write_manifest()?;
            } else {
                self.persist_changes()?;
            }
        }
        report.unchanged += kept
            .iter()
            .filter(|id| {
                !docs.contains_key(*id) && self.body.get().is_some_and(|b| b.docs.contains_key(*id))
            })
            .count();
        report.passages = self.passages();
        Ok(report)
    }
}

impl SearchIndex {
    /// Adds the words of `added` (the passages a sync indexed) to the vocabulary. An empty
    /// vocabulary (a first build, or one killed before its words were added) takes every
    /// term of the passages' `exact` field instead: what the index holds, read from its
    /// term dictionaries, without analyzing any text again.
    fn add_words(&self, added: &[&[PassageRecord]]) -> Result<()> {
        if added.is_empty() {
            return Ok(());
        }
        let words = if self.vocab.len() == 0 {
            let mut words = BTreeSet::new();
            let searcher = self.reader.searcher();
            for segment in searcher.segment_readers() {
                let inverted = segment
                    .inverted_index(self.fields.exact)
                    .map_err(Error::Search)?;
                let mut stream = inverted
                    .terms()
                    .stream()
                    .map_err(|e| Error::io(&self.dir, e))?;
                while stream.advance() {
                    let Ok(t) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    if !words.contains(t) && crate::vocab::belongs(t, &crate::analyze::fold(t)) {
                        words.insert(t.to_string());
                    }
                }
            }
            words
        } else {
            // A save group's few documents are one chunk; a large update's on every core.
            use rayon::prelude::*;
            added
                .par_chunks(64)
                .map(|c| {
                    crate::vocab::words_of(c.iter().flat_map(|d| d.iter().map(|r| r.text.as_str())))
                })
                .reduce(BTreeSet::new, |mut a, b| {
                    a.extend(b);
                    a
                })
        };
        self.vocab.add(words)?;
        Ok(())
    }
}

/// Reads the manifest and its log: the head (with the manifest's length), the unparsed
/// body and the log's changes; `None` when there is no manifest or it is of another format.
fn read_both(dir: &Path) -> Result<Option<(Head, Raw, Log, u64)>> {
    let path = dir.join(MANIFEST);
    let Some((head, raw)) = crate::manifest::read(&path, FORMAT)? else {
        return Ok(None);
    };
    let log = crate::manifest::read_log(&dir.join(LOG), head.generation)?;
    let bytes = raw.len();
    Ok(Some((head, raw, log, bytes)))
}

fn reader(index: &Index, dir: &Path) -> Result<IndexReader> {
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e| Error::tantivy(dir, e))
}

/// The largest segment, in passages, that a small update's merges take in.
const SMALL_MERGE_DOCS: usize = 20_000;
