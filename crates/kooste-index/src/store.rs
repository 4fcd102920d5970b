//! The on-disk index under `.kooste/index/`: its schema, opening (and rebuilding when it is
//! missing, from another format, or damaged), and incremental updates.

use crate::analyze::{Analyzed, analyze};
use crate::record::fingerprint;
use crate::watch::Watch;
use crate::{Error, Result};
use kooste_core::fsutil::{FileVersion, WriteLock, write_atomic};
use kooste_core::record::PassageRecord;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::PreTokenizedString;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Bumped whenever the schema or the analysis changes; an index of another format is
/// rebuilt.
pub const FORMAT: u32 = 3;

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) passage: Field,
    pub(crate) doc: Field,
    pub(crate) record: Field,
    pub(crate) exact: Field,
    pub(crate) stem: Field,
    pub(crate) rev: Field,
    pub(crate) trunc: Field,
    pub(crate) gram: Field,
    pub(crate) context: Field,
    pub(crate) voice: Field,
    pub(crate) lang: Field,
    pub(crate) workshop: Field,
    pub(crate) region: Field,
    pub(crate) theme: Field,
    pub(crate) battery: Field,
    pub(crate) dimension: Field,
    pub(crate) proposed: Field,
    pub(crate) confirmed: Field,
    pub(crate) date: Field,
    pub(crate) facets: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text = |positions: bool| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(if positions {
                        IndexRecordOption::WithFreqsAndPositions
                    } else {
                        IndexRecordOption::WithFreqs
                    }),
            )
        };
        let fields = Fields {
            passage: b.add_text_field("passage", STRING | STORED),
            doc: b.add_text_field("doc", STRING),
            record: b.add_text_field("record", STORED),
            exact: b.add_text_field("exact", text(true)),
            stem: b.add_text_field("stem", text(true)),
            rev: b.add_text_field("rev", text(false)),
            trunc: b.add_text_field("trunc", text(false)),
            gram: b.add_text_field("gram", text(false)),
            context: b.add_text_field("context", text(false)),
            voice: b.add_text_field("voice", STRING),
            lang: b.add_text_field("lang", STRING),
            workshop: b.add_text_field("workshop", STRING),
            region: b.add_text_field("region", STRING),
            theme: b.add_text_field("theme", STRING),
            battery: b.add_text_field("battery", STRING),
            dimension: b.add_text_field("dimension", STRING),
            proposed: b.add_text_field("proposed", STRING),
            confirmed: b.add_text_field("confirmed", STRING),
            date: b.add_u64_field("date", INDEXED | FAST),
            facets: b.add_facet_field("facets", FacetOptions::default()),
        };
        (b.build(), fields)
    }

    fn document(&self, r: &PassageRecord) -> Result<TantivyDocument> {
        let mut d = TantivyDocument::default();
        d.add_text(self.passage, &r.passage);
        d.add_text(self.doc, &r.doc);
        d.add_text(
            self.record,
            serde_json::to_string(r).map_err(|e| Error::Index(e.to_string()))?,
        );
        let Analyzed {
            exact,
            stem,
            rev,
            trunc,
            gram,
        } = analyze(&r.text, r.lang);
        for (field, tokens) in [
            (self.exact, exact),
            (self.stem, stem),
            (self.rev, rev),
            (self.trunc, trunc),
            (self.gram, gram),
        ] {
            d.add_pre_tokenized_text(
                field,
                PreTokenizedString {
                    text: String::new(),
                    tokens,
                },
            );
        }
        let context: Vec<&str> = [&r.question_text, &r.title]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !context.is_empty() {
            d.add_pre_tokenized_text(
                self.context,
                PreTokenizedString {
                    text: String::new(),
                    tokens: {
                        let a = analyze(&context.join(" \n "), r.lang);
                        a.stem.into_iter().chain(a.trunc).collect()
                    },
                },
            );
        }
        d.add_text(self.voice, r.voice.as_str());
        d.add_facet(self.facets, Facet::from_path(["voice", r.voice.as_str()]));
        d.add_text(self.lang, r.lang.as_str());
        for (field, facet, value) in [
            (self.workshop, "workshop", &r.workshop),
            (self.region, "region", &r.region),
            (self.theme, "theme", &r.theme),
            (self.battery, "battery", &r.battery),
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
        for (dim, _) in &r.labels.proposed {
            d.add_text(self.proposed, dim.as_str());
        }
        for dim in r.labels.confirmed.iter().flatten() {
            d.add_text(self.confirmed, dim.as_str());
        }
        if let Some(date) = r.date {
            d.add_u64(self.date, date_key(date));
        }
        Ok(d)
    }
}

/// A date as the sortable number YYYYMMDD.
pub(crate) fn date_key(d: kooste_core::model::Date) -> u64 {
    u64::from(d.year) * 10_000 + u64::from(d.month) * 100 + u64::from(d.day)
}

/// What the index holds, by document: written after each commit.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    /// Document id → fingerprint of its records.
    docs: BTreeMap<String, String>,
    /// The fingerprint of everything besides the corpus files that shapes the records (see
    /// [`SearchIndex::stamps`]).
    #[serde(default)]
    inputs: String,
    /// Corpus file (relative to the project) → what it was when its documents were indexed.
    #[serde(default)]
    files: BTreeMap<String, FileStamp>,
    /// The project's watched paths when the index was last brought fully in line with the
    /// project (see [`crate::watch`]); `None` when it is not known to be.
    #[serde(default)]
    watch: Option<Watch>,
}

/// A corpus file as it was when its documents were indexed. While the file keeps this
/// version, and nothing else that shapes the records changed, its documents are in the
/// index as they would be indexed now, and the file need not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileStamp {
    /// The file's version when it was read.
    pub(crate) version: FileVersion,
    /// The ids of the documents read from it.
    pub(crate) docs: Vec<String>,
}

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
    dir: PathBuf,
    manifest: Manifest,
    /// The manifest file as this value last read or wrote it: when the file differs,
    /// another process has written the index since.
    seen: Option<FileVersion>,
    rebuilt: Option<String>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .finish()
    }
}

const MANIFEST: &str = "manifest.json";

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
        let reader = reader(&index, &dir)?;
        let mut ix = SearchIndex {
            index,
            fields,
            reader,
            dir,
            manifest: Manifest {
                format: FORMAT,
                ..Manifest::default()
            },
            seen: None,
            rebuilt: reason,
        };
        ix.write_manifest()?;
        Ok(ix)
    }

    /// Opens an existing index of this format; `None` when there is none or it is of
    /// another format.
    fn try_open(dir: &Path) -> Result<Option<SearchIndex>> {
        let path = dir.join(MANIFEST);
        let seen = FileVersion::of(&path);
        let Some(manifest) = read_manifest(&path)? else {
            return Ok(None);
        };
        let index = Index::open_in_dir(dir).map_err(|e| Error::tantivy(dir, e))?;
        let (_, fields) = Fields::schema();
        if index.schema() != Fields::schema().0 {
            return Ok(None);
        }
        let reader = reader(&index, dir)?;
        // Reading every segment's metadata catches most damage up front.
        let searcher = reader.searcher();
        for s in searcher.segment_readers() {
            s.get_store_reader(0).map_err(|e| Error::tantivy(dir, e))?;
        }
        Ok(Some(SearchIndex {
            index,
            fields,
            reader,
            dir: dir.to_path_buf(),
            manifest,
            seen,
            rebuilt: None,
        }))
    }

    /// Whether another process has written the index since this value last read or wrote
    /// it (see [`SearchIndex::catch_up`]).
    pub fn behind(&self) -> bool {
        FileVersion::of(&self.dir.join(MANIFEST)) != self.seen
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
        let seen = FileVersion::of(&path);
        match read_manifest(&path)? {
            Some(m) => self.manifest = m,
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
        Ok(true)
    }

    /// The project's state directory, where the write lock lives.
    fn state_dir(&self) -> &Path {
        self.dir.parent().unwrap_or(&self.dir)
    }

    /// A writer, once what a writer killed in the middle of its commit left is gone. Called
    /// under the write lock (no other writer is at work).
    fn writer(&self) -> Result<IndexWriter> {
        let w = self
            .index
            .writer(50_000_000)
            .map_err(|e| Error::tantivy(&self.dir, e))?;
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

    fn write_manifest(&mut self) -> Result<()> {
        let path = self.dir.join(MANIFEST);
        let bytes = serde_json::to_vec(&self.manifest).map_err(|e| Error::Index(e.to_string()))?;
        write_atomic(&path, &bytes).map_err(|e| Error::io(&path, e))?;
        self.seen = FileVersion::of(&path);
        Ok(())
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
    pub(crate) fn stamps(&self, inputs: &str) -> Option<&BTreeMap<String, FileStamp>> {
        (self.manifest.inputs == inputs).then_some(&self.manifest.files)
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
        if self.manifest.inputs == inputs
            && self.manifest.files == files
            && self.manifest.watch == watch
        {
            return Ok(());
        }
        self.manifest.inputs = inputs.to_string();
        self.manifest.files = files;
        self.manifest.watch = watch;
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
        let Some(watch) = &self.manifest.watch else {
            return Some("the index is not known to hold the whole corpus".into());
        };
        if let Some(path) = watch.changed(project_root) {
            return Some(format!("{path} changed"));
        }
        if deep {
            return self
                .changed_files(project_root, self.manifest.files.keys().map(String::as_str))
                .into_iter()
                .next()
                .map(|f| format!("{f} changed"));
        }
        None
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
        for (rel, docs) in files {
            match FileVersion::of(&root.join(rel)) {
                Some(version) => {
                    self.manifest.files.insert(
                        rel.clone(),
                        FileStamp {
                            version,
                            docs: docs.clone(),
                        },
                    );
                }
                None => {
                    self.manifest.files.remove(rel);
                }
            }
        }
        if let Some(old) = self.manifest.watch.take() {
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
                self.manifest.watch = Some(now);
            }
        }
        self.write_manifest()
    }

    /// Whether the files of the corpus directory `dir` (relative to the project) are
    /// exactly files with stamps.
    fn all_stamped(&self, root: &Path, dir: &str) -> bool {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            return false;
        };
        let mut seen = 0;
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || e.path().is_dir() {
                continue;
            }
            if !self.manifest.files.contains_key(&format!("{dir}/{name}")) {
                return false;
            }
            seen += 1;
        }
        let prefix = format!("{dir}/");
        let stamped = self
            .manifest
            .files
            .keys()
            .filter(|f| f.strip_prefix(&prefix).is_some_and(|n| !n.contains('/')))
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
            let same = match (self.manifest.files.get(f), now) {
                (Some(stamp), Some(now)) => stamp.version == now,
                _ => false,
            };
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
        let mut report = SyncReport {
            rebuilt: self.rebuilt.take(),
            ..SyncReport::default()
        };
        let mut w: Option<IndexWriter> = None;
        // What the manifest said of each document this sync changes (`None`: not in it).
        let mut before: Vec<(String, Option<String>)> = Vec::new();
        for (id, records) in docs {
            let print = format!("{:016x}", fingerprint(records));
            let change = match self.manifest.docs.get(id) {
                Some(old) if *old == print => {
                    report.unchanged += 1;
                    continue;
                }
                Some(_) => &mut report.updated,
                None => &mut report.added,
            };
            before.push((id.clone(), self.manifest.docs.get(id).cloned()));
            *change += 1;
            let wr = match w.as_mut() {
                Some(wr) => wr,
                None => w.insert(self.writer()?),
            };
            wr.delete_term(Term::from_field_text(self.fields.doc, id));
            for r in records {
                wr.add_document(self.fields.document(r)?)
                    .map_err(|e| Error::tantivy(&self.dir, e))?;
            }
            self.manifest.docs.insert(id.clone(), print);
        }
        if complete {
            let gone: BTreeSet<String> = self
                .manifest
                .docs
                .keys()
                .filter(|id| !docs.contains_key(*id) && !kept.contains(*id))
                .cloned()
                .collect();
            for id in gone {
                let wr = match w.as_mut() {
                    Some(wr) => wr,
                    None => w.insert(self.writer()?),
                };
                wr.delete_term(Term::from_field_text(self.fields.doc, &id));
                let old = self.manifest.docs.remove(&id);
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
                let mut pending = self.manifest.docs.clone();
                for (id, old) in &before {
                    pending.insert(id.clone(), old.clone().unwrap_or_default());
                }
                std::mem::swap(&mut self.manifest.docs, &mut pending);
                let written = self.write_manifest();
                std::mem::swap(&mut self.manifest.docs, &mut pending);
                written?;
            }
            wr.commit().map_err(|e| Error::tantivy(&self.dir, e))?;
            // A fault point for the fault tests: the process dies between the commit and
            // the manifest, as a kill there would leave it.
            if std::env::var_os("KOOSTE_FAULT_ABORT_AFTER_INDEX_COMMIT").is_some() {
                std::process::abort();
            }
            wr.wait_merging_threads()
                .map_err(|e| Error::tantivy(&self.dir, e))?;
            self.write_manifest()?;
            self.reader
                .reload()
                .map_err(|e| Error::tantivy(&self.dir, e))?;
        }
        report.unchanged += kept
            .iter()
            .filter(|id| !docs.contains_key(*id) && self.manifest.docs.contains_key(*id))
            .count();
        report.passages = self.passages();
        Ok(report)
    }
}

/// Reads a manifest; `None` when there is none or it is of another format.
fn read_manifest(path: &Path) -> Result<Option<Manifest>> {
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(None);
    };
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Index(format!("{}: {e}", path.display())))?;
    Ok((manifest.format == FORMAT).then_some(manifest))
}

fn reader(index: &Index, dir: &Path) -> Result<IndexReader> {
    index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e| Error::tantivy(dir, e))
}
