//! The corpus: where each document lives with its source facts, and storing one input's
//! documents so that each input file lands whole or not at all (the writing itself is
//! `journal`'s).

use crate::catalogue::{Catalogue, Entry};
use crate::journal::{Unit, commit, commit_units, recover};
use crate::markdown::render_document;
use crate::read::{IngestOptions, Read, read_input, read_noted};
use crate::redact::{self, Counts, Redactor};
use crate::source::{Source, SourceKey};
use crate::survey::Survey;
use crate::{Diagnostic, frontmatter, slug};
use kooste_core::fsutil::WriteLock;
use kooste_core::model::{Document, DocumentMeta};
use kooste_core::project::Project;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What became of one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new document.
    Added,
    /// An existing document with new contents.
    Replaced,
    /// Already in the corpus as it is.
    Unchanged,
    /// No longer in its source (a form row that was deleted).
    Removed,
}

/// The result of ingesting one file.
#[derive(Debug)]
pub struct Ingested {
    /// Document ids and what became of them.
    pub documents: Vec<(String, Outcome)>,
    /// Passages in the file's documents.
    pub passages: usize,
    /// Personal data removed, by kind.
    pub removed: Counts,
    /// What the user should know about how the file was read (survey columns left out).
    pub notes: Vec<String>,
}

/// Where each document of the corpus is stored.
#[derive(Debug)]
pub struct Corpus {
    dir: PathBuf,
    /// The project's `.kooste/`, where the write lock lives.
    state: PathBuf,
    root: PathBuf,
    /// Every document's id, path and source facts, and the ids of each source key, of
    /// each content key, and of each source without a key (an older kooste's): what
    /// `store` looks up per input. Held compactly (a million passages are a quarter of a
    /// million documents, held by `kooste serve` for its saves).
    docs: Catalogue,
    /// The project's source key, read when first needed (only writers need it).
    key: Option<SourceKey>,
    /// When storing is deferred ([`Corpus::defer`]): the units stored since the last
    /// [`Corpus::take_deferred`], not yet written.
    deferred: Option<Vec<Unit>>,
    /// Opened without noting where each document is ([`Corpus::open_unread`]).
    unread: bool,
}

/// Inputs stored in a [`Corpus`] (it knows where their documents are) but not yet written:
/// [`Pending::commit`] writes them together, durably, in one group commit.
#[derive(Debug)]
pub struct Pending {
    dir: PathBuf,
    state: PathBuf,
    root: PathBuf,
    units: Vec<Unit>,
}

impl Pending {
    /// How many inputs wait.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Whether none wait.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Writes every input as one unit each, together (the journal's `commit_units`): the
    /// result of each input in the order they were stored, a failure in plain words naming
    /// the file. A failed input's documents are not written; the corpus that stored it
    /// must then be opened afresh, since it takes them for written.
    pub fn commit(self) -> Vec<Result<(), String>> {
        if self
            .units
            .iter()
            .all(|u| u.writes.is_empty() && u.removes.is_empty())
        {
            return self.units.iter().map(|_| Ok(())).collect();
        }
        let _lock = WriteLock::take(&self.state);
        commit_units(&self.dir, &self.units)
            .into_iter()
            .map(|r| r.map_err(|(path, e)| write_error(&relative(&self.root, &path), &e)))
            .collect()
    }
}

/// What storing one input did.
#[derive(Debug, Default)]
pub struct Stored {
    /// Document ids, as stored, and what became of them.
    pub documents: Vec<(String, Outcome)>,
    /// What the user should know in plain words: an id kept apart from another file's, a
    /// moved file recognised by its contents, a document superseded with `--replace`.
    pub notes: Vec<String>,
}

impl Corpus {
    /// Opens the corpus of a project: finishes or rolls back an interrupted ingest, then
    /// notes where every document is. Unreadable documents are reported, not fatal.
    pub fn open(project: &Project) -> std::io::Result<(Corpus, Vec<Diagnostic>)> {
        let mut corpus = Corpus::open_unread(project)?;
        corpus.unread = false;
        let mut diags = Vec::new();
        // Each file's front matter, read on every core (a million passages are some
        // quarter of a million files), then noted in the corpus's order as one by one; a
        // few thousand files at a time, so that what was read waits briefly.
        let files = corpus.files();
        for chunk in files.chunks(4096) {
            corpus.note_files(chunk, &mut diags);
        }
        corpus.docs.shrink_to_fit();
        Ok((corpus, diags))
    }

    /// Reads the front matter of `files` and notes where their documents are.
    fn note_files(&mut self, files: &[PathBuf], diags: &mut Vec<Diagnostic>) {
        use rayon::prelude::*;
        let corpus = &*self;
        let peeked: Vec<Option<(String, Entry)>> = files
            .par_iter()
            .map(|path| {
                // A form's documents are named by row, not by front matter; skip it unread.
                if path.extension().is_some_and(|x| x == "csv") {
                    return None;
                }
                let text = std::fs::read_to_string(path).ok()?;
                let stem = slug(&path.file_stem().unwrap_or_default().to_string_lossy());
                let yaml = frontmatter::split_front_matter(&text)
                    .ok()
                    .and_then(|s| s.yaml);
                let peek = frontmatter::peek(yaml);
                let id = peek.id.unwrap_or(stem);
                let source = match peek.source {
                    Some(s) => s,
                    None => relative(&corpus.root, path),
                };
                Some((
                    id,
                    Entry {
                        path: path.clone(),
                        source,
                        source_key: peek.source_key,
                        content_key: peek.content_key,
                    },
                ))
            })
            .collect();
        for (id, entry) in peeked.into_iter().flatten() {
            if let Some(prev) = self.docs.get(&id) {
                diags.push(duplicate_id(
                    &self.relative(&entry.path),
                    &id,
                    &self.relative(&prev.path),
                ));
                continue;
            }
            self.docs.insert(&id, &entry);
        }
    }

    /// Opens the corpus of a project for reading every file ([`Corpus::files`],
    /// [`Corpus::read_file`]), finishing or rolling back an interrupted ingest first, without
    /// reading each file's front matter to note where each document is: for a reader that
    /// reads every file anyway (the index's update). Such a corpus cannot store.
    pub fn open_unread(project: &Project) -> std::io::Result<Corpus> {
        let dir = project.corpus_dir();
        std::fs::create_dir_all(&dir)?;
        {
            // Another process may be storing right now: its journal is not for us to finish.
            let _lock = WriteLock::take(&project.state_dir());
            recover(&dir)?;
        }
        Ok(Corpus {
            dir,
            state: project.state_dir(),
            root: project.root.clone(),
            docs: Catalogue::new(&project.corpus_dir()),
            key: None,
            deferred: None,
            unread: true,
        })
    }

    /// From now on [`Corpus::store`] does not write: it notes where the documents go, and
    /// the inputs wait for [`Corpus::take_deferred`] to be written together (a group
    /// commit). Until they are written, reading them back goes through
    /// [`Corpus::read_back`].
    pub fn defer(&mut self) {
        self.deferred.get_or_insert_with(Vec::new);
    }

    /// How many inputs stored since the last [`Corpus::take_deferred`] wait to be written,
    /// and their size in bytes.
    pub fn deferred(&self) -> (usize, usize) {
        self.deferred.as_ref().map_or((0, 0), |d| {
            let bytes = d
                .iter()
                .flat_map(|u| u.writes.iter().map(|(_, t)| t.len()))
                .sum();
            (d.len(), bytes)
        })
    }

    /// The inputs stored since the last call, to be written ([`Pending::commit`]); storing
    /// stays deferred.
    pub fn take_deferred(&mut self) -> Pending {
        Pending {
            dir: self.dir.clone(),
            state: self.state.clone(),
            root: self.root.clone(),
            units: self
                .deferred
                .as_mut()
                .map(std::mem::take)
                .unwrap_or_default(),
        }
    }

    /// From now on [`Corpus::store`] writes each input at once again; returns the inputs
    /// deferred until now, to be written first.
    pub fn write_now(&mut self) -> Pending {
        let pending = self.take_deferred();
        self.deferred = None;
        pending
    }

    /// What a corpus file holds, or will hold once the inputs deferred are written.
    pub fn read_back(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        if let Some(d) = &self.deferred {
            for u in d.iter().rev() {
                if let Some((_, t)) = u.writes.iter().rev().find(|(p, _)| p == path) {
                    return Ok(t.clone().into_bytes());
                }
                if u.removes.iter().any(|p| p == path) {
                    return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
                }
            }
        }
        std::fs::read(path)
    }

    /// Every file in the corpus, sorted; hidden files (journal, staged files) are skipped.
    pub fn files(&self) -> Vec<PathBuf> {
        // Every file, not only the ones kooste reads: a stray .pdf or .docx here gets an
        // error instead of being silently left out.
        crate::walk(&self.dir, false, &mut Vec::new(), &mut Vec::new())
    }

    /// Where the document with this id is stored, if the corpus has it.
    pub fn path_of(&self, id: &str) -> Option<PathBuf> {
        self.docs.get(id).map(|e| e.path)
    }

    /// How many documents the corpus has noted (none when opened unread).
    pub fn documents(&self) -> usize {
        self.docs.len()
    }

    /// A path relative to the project, for messages and provenance.
    pub fn relative(&self, path: &Path) -> String {
        relative(&self.root, path)
    }

    /// Reads every document of the corpus through the same validation and redaction as
    /// `ingest`, so files placed here by hand are safe to index.
    pub fn read_all(&self, project: &Project, redactor: &Redactor) -> (Vec<Read>, Vec<Diagnostic>) {
        let mut docs = Vec::new();
        let mut diags = Vec::new();
        for path in self.files() {
            match self.read_file(project, redactor, &path) {
                Ok(r) => docs.extend(r),
                Err(d) => diags.extend(d),
            }
        }
        (docs, diags)
    }

    /// Reads one file of the corpus (one of [`Corpus::files`]) the way [`Corpus::read_all`]
    /// reads each.
    pub fn read_file(
        &self,
        project: &Project,
        redactor: &Redactor,
        path: &Path,
    ) -> Result<Vec<Read>, Vec<Diagnostic>> {
        let rel = PathBuf::from(self.relative(path));
        match std::fs::read(path) {
            Ok(bytes) => read_input(project, redactor, &rel, &bytes, &IngestOptions::default()),
            Err(e) => Err(vec![Diagnostic::new(&rel, 0, format!("cannot read: {e}"))]),
        }
    }

    /// The project's source key ([`SourceKey`]), made when the project has none yet.
    pub fn source_key(&mut self) -> std::io::Result<SourceKey> {
        if self.key.is_none() {
            self.key = Some(SourceKey::load_or_create(&self.root, &self.state)?);
        }
        Ok(self.key.clone().expect("set above"))
    }

    /// The text of a stored document's file as it is (or will be, when deferred).
    fn current(&self, path: &Path) -> Option<String> {
        self.read_back(path)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
    }

    /// Writes one input's changes now, or defers them ([`Corpus::defer`]).
    fn write_unit(
        &mut self,
        writes: Vec<(PathBuf, String)>,
        removes: Vec<PathBuf>,
    ) -> Result<(), String> {
        if let Some(d) = &mut self.deferred {
            d.push(Unit { writes, removes });
            return Ok(());
        }
        commit(&self.dir, &writes, &removes)
            .map_err(|(path, e)| write_error(&self.relative(&path), &e))
    }

    /// Stores the documents read from one input. Either all of them land or none: several
    /// files are staged and committed through a journal.
    ///
    /// Which stored documents are this input's earlier version is decided by its source,
    /// never by its ids alone: documents with the same `source_key` (the same file), else
    /// with the same `content_key` (the file moved), else the documents of the source that
    /// holds `replace`. Those are updated, and the ones the input no longer has are removed.
    /// An id kooste made from a file name that another source already has gets the file's
    /// folder in front (`tiimi-b-kertomus`), so nothing of the other source is touched; an
    /// id a person gave that another source has is an error and nothing is written. The
    /// documents' ids (and their passages') are changed in `docs` to the ids stored.
    ///
    /// With `keep_missing`, documents of the input's earlier version that it no longer has
    /// are kept: the caller left part of the input out (a bad source of a `.qdpx`).
    pub fn store(
        &mut self,
        source: &Source,
        docs: &mut [Read],
        replace: Option<&str>,
        keep_missing: bool,
    ) -> Result<Stored, String> {
        if self.unread {
            return Err("the corpus was opened for reading only".into());
        }
        let _lock = WriteLock::take(&self.state);
        let mut notes = Vec::new();

        // 1. This input's earlier version.
        let mut own: BTreeSet<String> = match replace {
            Some(id) => {
                let Some(e) = self.docs.get(id) else {
                    return Err(format!(
                        "--replace {id}: the corpus has no document '{id}'; the ids are the names of the files in corpus/ (without .md), and `kooste search --json` shows them"
                    ));
                };
                notes.push(format!(
                    "replaces '{id}' (from {}) as you asked with --replace",
                    e.source
                ));
                self.docs.group_of(&e)
            }
            None => {
                let mut own = self.docs.ids_by_key(&source.key);
                if let Some(l) = &source.legacy {
                    own.extend(self.docs.ids_by_legacy(l));
                }
                own
            }
        };
        if own.is_empty()
            && let Some(content) = &source.content
            && let Some(e) = self
                .docs
                .by_content(content)
                .into_iter()
                .min_by(|a, b| a.path.cmp(&b.path))
        {
            if self.still_there(&e, content) {
                // A copy of a file that is still where it was: its material is in already.
                let ids = self.docs.group_of(&e);
                notes.push(format!(
                    "the same contents as {}, which is already in the corpus; nothing stored",
                    e.source
                ));
                self.write_unit(Vec::new(), Vec::new())?;
                return Ok(Stored {
                    documents: ids.into_iter().map(|id| (id, Outcome::Unchanged)).collect(),
                    notes,
                });
            }
            notes.push(format!(
                "the same contents as {}, ingested before from another place: kooste now follows the file here",
                e.source
            ));
            own = self.docs.group_of(&e);
        }
        // Documents an older kooste stored under this bare file name, not knowing which
        // folder it came from: this input's only when it reads exactly as they do.
        let loose: BTreeSet<String> = match (&source.loose, own.is_empty()) {
            (Some(name), true) => self.docs.ids_by_legacy(name),
            _ => BTreeSet::new(),
        };
        if !loose.is_empty()
            && docs.len() == loose.len()
            && docs.iter().all(|r| {
                self.docs.get(&r.document.meta.id).is_some_and(|e| {
                    loose.contains(&r.document.meta.id)
                        && self
                            .current(&e.path)
                            .is_some_and(|t| t == render_with(&r.document, &e))
                })
            })
        {
            own = loose.clone();
        }

        // 2. The ids: a person's as given; kooste's with the first prefix that takes nothing
        // from another source (for a known source, the one its documents already have).
        for r in docs.iter() {
            let id = &r.document.meta.id;
            if r.id_given
                && let Some(e) = self.docs.get(id)
                && !own.contains(id)
            {
                return Err(format!(
                    "the corpus already has a document '{id}' from {}; give this file another `id:` in its front matter, or ingest it with --replace {id} if it is a new version of that document",
                    e.source
                ));
            }
        }
        let id_with = |prefix: &str, r: &Read| -> String {
            if r.id_given || prefix.is_empty() {
                r.document.meta.id.clone()
            } else {
                format!("{prefix}-{}", r.document.meta.id)
            }
        };
        // A known source keeps the prefix its documents have, wherever the file lies now.
        let mut candidates: Vec<String> = vec![String::new()];
        for r in docs.iter().filter(|r| !r.id_given) {
            let tail = format!("-{}", r.document.meta.id);
            for o in &own {
                if let Some(p) = o.strip_suffix(&tail)
                    && !candidates.iter().any(|c| c == p)
                {
                    candidates.push(p.to_string());
                }
            }
        }
        candidates.extend(prefixes(source));
        let mut best: Option<(String, usize)> = None;
        for prefix in candidates {
            let ids: Vec<String> = docs.iter().map(|r| id_with(&prefix, r)).collect();
            let unique = ids.iter().collect::<BTreeSet<_>>().len() == ids.len();
            let free = ids
                .iter()
                .all(|id| own.contains(id) || !self.docs.contains(id));
            if !(unique && free) {
                continue;
            }
            let hits = ids.iter().filter(|id| own.contains(*id)).count();
            if best.as_ref().is_none_or(|(_, h)| hits > *h) {
                best = Some((prefix, hits));
            }
            if own.is_empty() || hits == own.len().min(ids.len()) {
                break;
            }
        }
        let Some((prefix, _)) = best else {
            return Err(
                "every id kooste could make for this file is taken by another file; give it an `id:` in its front matter"
                    .into(),
            );
        };
        if !prefix.is_empty() {
            for r in docs.iter_mut() {
                let id = id_with(&prefix, r);
                rename(&mut r.document, &id);
            }
        }

        // 3. Write what changed, remove what the input no longer has.
        let mut writes = Vec::new();
        let mut outcomes = Vec::new();
        for r in docs.iter() {
            let meta = DocumentMeta {
                source: Some(source.name.clone()),
                source_key: Some(source.key.clone()),
                content_key: source.content.clone(),
                ..r.document.meta.clone()
            };
            let text = render_document(&meta, &r.document.body);
            let (path, outcome, write) = match self.docs.get(&meta.id) {
                Some(e) => match self.current(&e.path) {
                    Some(t) if t == text => (e.path, Outcome::Unchanged, false),
                    // Only the source facts are new: recorded, the document is unchanged.
                    Some(t) if t == render_with(&r.document, &e) => {
                        (e.path, Outcome::Unchanged, true)
                    }
                    _ => (e.path, Outcome::Replaced, true),
                },
                None => {
                    let sub = meta.workshop.clone().unwrap_or_else(|| "muut".into());
                    (
                        self.dir.join(sub).join(format!("{}.md", meta.id)),
                        Outcome::Added,
                        true,
                    )
                }
            };
            if write {
                writes.push((path.clone(), text));
            }
            outcomes.push((meta.id.clone(), outcome, path));
        }
        if !prefix.is_empty() && outcomes.iter().any(|(_, o, _)| *o == Outcome::Added) {
            let first = &docs[0].document.meta.id;
            let taken = first.strip_prefix(&format!("{prefix}-")).unwrap_or(first);
            let other = self
                .docs
                .get(taken)
                .map(|e| format!(" from {}", e.source))
                .unwrap_or_default();
            let many = if docs.len() > 1 {
                " (and the rest of this file's ids with it)"
            } else {
                ""
            };
            notes.push(format!(
                "stored as '{first}'{many}: the corpus already has '{taken}'{other}, another file with the same name, and both are kept; if this file is a new version of that one, ingest it with --replace {taken}"
            ));
        }
        let new_ids: BTreeSet<&String> = outcomes.iter().map(|(id, _, _)| id).collect();
        let stale: Vec<(String, PathBuf)> = own
            .iter()
            .filter(|id| !keep_missing && !new_ids.contains(id))
            .filter_map(|id| self.docs.get(id).map(|e| (id.clone(), e.path)))
            .collect();
        self.write_unit(writes, stale.iter().map(|(_, p)| p.clone()).collect())?;
        let mut documents = Vec::new();
        for (id, outcome, path) in outcomes {
            self.docs.insert(
                &id,
                &Entry {
                    path,
                    source: source.name.clone(),
                    source_key: Some(source.key.clone()),
                    content_key: source.content.clone(),
                },
            );
            documents.push((id, outcome));
        }
        for (id, _) in stale {
            self.docs.remove(&id);
            documents.push((id, Outcome::Removed));
        }
        Ok(Stored { documents, notes })
    }

    /// Whether the corpus has the document `id` from `source` (rather than from another
    /// input, or not at all).
    pub fn is_from(&self, id: &str, source: &Source) -> bool {
        self.docs.source_key_of(id).flatten() == Some(source.key.as_str())
    }

    /// Whether the file a stored document came from still lies where it was, with the same
    /// contents (then another file with those contents is a copy, not the file moved).
    fn still_there(&self, e: &Entry, content: &str) -> bool {
        let Some(key) = &self.key else { return false };
        [self.root.join(&e.source), PathBuf::from(&e.source)]
            .iter()
            .any(|p| std::fs::read(p).is_ok_and(|b| key.fingerprint("content", &b) == content))
    }
}

/// A stored document as it would read with the source facts `e` has now.
fn render_with(document: &Document, e: &Entry) -> String {
    let meta = DocumentMeta {
        source: Some(e.source.clone()),
        source_key: e.source_key.clone(),
        content_key: e.content_key.clone(),
        ..document.meta.clone()
    };
    render_document(&meta, &document.body)
}

/// What may go in front of the ids kooste made from a file name when another source has
/// them: nothing, the file's folder, its two folders, then the folder numbered.
fn prefixes(source: &Source) -> Vec<String> {
    let mut out = Vec::new();
    let folder = source
        .folders
        .first()
        .cloned()
        .unwrap_or_else(|| "muu".into());
    out.push(folder.clone());
    if let Some(outer) = source.folders.get(1) {
        out.push(format!("{outer}-{folder}"));
    }
    out.extend((2..100).map(|n| format!("{folder}-{n}")));
    out
}

/// Gives a document (and its passages, `ID#N`) another id.
fn rename(document: &mut Document, id: &str) {
    for p in &mut document.passages {
        let n =
            p.id.rsplit_once('#')
                .map(|(_, n)| n.to_string())
                .unwrap_or_default();
        p.id = format!("{id}#{n}");
    }
    document.meta.id = id.to_string();
}

/// The problem of a corpus file whose document id another file has (the first in the
/// corpus's sorted order keeps it).
pub fn duplicate_id(file: &str, id: &str, other: &str) -> Diagnostic {
    Diagnostic::new(
        file,
        1,
        format!("the id '{id}' is also used by {other}; give one of them another id"),
    )
}

/// A path relative to the project root, for messages and provenance.
fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// What to tell the user when the corpus cannot be written: the file, why, and what to do.
fn write_error(file: &str, e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let todo = match e.kind() {
        K::StorageFull | K::QuotaExceeded | K::FileTooLarge => {
            "free some disk space and run the command again"
        }
        K::ReadOnlyFilesystem | K::PermissionDenied => {
            "make the project directory writable (or work on a writable copy of the project) and run the command again"
        }
        _ => "check the disk and the project directory, then run the command again",
    };
    format!("cannot write {file}: {e}; {todo}")
}

/// Ingests one file into the corpus: read, redact, store.
pub fn ingest_file(
    project: &Project,
    corpus: &mut Corpus,
    redactor: &Redactor,
    path: &Path,
    opts: &IngestOptions,
) -> Result<Ingested, Vec<Diagnostic>> {
    let bytes = std::fs::read(path).map_err(|e| {
        vec![Diagnostic::new(
            path,
            0,
            format!("cannot read the file ({e}); check the path and that you may read it"),
        )]
    })?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let beside = match (&opts.survey, ext.as_str()) {
        (None, "csv" | "xlsx" | "xlsm") => Survey::beside(path),
        _ => None,
    };
    let with_mapping;
    let opts = match beside {
        Some(mapping) => {
            with_mapping = IngestOptions {
                survey: Some(Survey::load(&mapping).map_err(|d| vec![d])?),
                ..opts.clone()
            };
            &with_mapping
        }
        None => opts,
    };
    let lang = project.config.project.lang;
    let (mut reads, notes) = read_noted(project, redactor, path, &bytes, opts)
        .map_err(|d| redact::fields::diagnostics(redactor, lang, d))?;
    let mut notes = redact::fields::notes(redactor, lang, notes);
    let fail = |m: String| vec![Diagnostic::new(path, 0, m)];
    let key = corpus
        .source_key()
        .map_err(|e| fail(write_error(SourceKey::FILE, &e)))?;
    let source = Source::file(project, &key, redactor, path, &bytes);
    let mut removed = Counts::new();
    for r in &reads {
        for (k, n) in &r.removed {
            *removed.entry(*k).or_default() += n;
        }
    }
    let passages = reads.iter().map(|r| r.document.passages.len()).sum();
    let stored = corpus
        .store(&source, &mut reads, opts.replace.as_deref(), false)
        .map_err(fail)?;
    notes.extend(stored.notes);
    Ok(Ingested {
        documents: stored.documents,
        passages,
        removed,
        notes,
    })
}
