//! The corpus: reading inputs into redacted documents, and writing them into `corpus/`
//! so that each input file lands whole or not at all.

use crate::Problems;
use crate::frontmatter::{self, Defaults};
use crate::markdown::{parse_document, render_document};
use crate::redact::{self, Counts, Redactor};
use crate::source::{Source, SourceKey};
use crate::survey::{self, Survey};
use crate::{Diagnostic, decode, slug};
use crate::{docx, form, xlsx};
use kooste_core::fsutil::{WriteLock, remove_durable, sync_dir, write_atomic};
use kooste_core::model::{Document, DocumentMeta, Lang};
use kooste_core::project::Project;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Options of one ingest run.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Metadata for inputs that do not carry it.
    pub defaults: Defaults,
    /// The battery of forms (else recognised from the header).
    pub battery: Option<String>,
    /// The sheet of Excel workbooks (else the first).
    pub sheet: Option<String>,
    /// The mapping of survey exports (`.csv`, `.xlsx`); without it a mapping file beside
    /// the export (`NAME.survey.toml`) is used when there is one.
    pub survey: Option<Survey>,
    /// The id of a document this input supersedes (`--replace`): its source's documents are
    /// taken for this input's earlier version, whatever file they came from.
    pub replace: Option<String>,
}

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

/// A redacted document ready to be stored or indexed, with what was removed from it.
#[derive(Debug, Clone)]
pub struct Read {
    /// The document with its passages.
    pub document: Document,
    /// Personal data removed.
    pub removed: Counts,
    /// Whether a person gave the id (`id:` in front matter, a `.qdpx` source's own id):
    /// such an id is never changed, so one already taken is an error. An id kooste made
    /// from a file name gets a folder in front when another source has it.
    pub id_given: bool,
}

/// Reads one input (`.md`, `.txt`, `.csv`, `.xlsx` or `.docx`) into redacted documents.
/// `file` names it in provenance and errors. Nothing is written.
pub fn read_input(
    project: &Project,
    redactor: &Redactor,
    file: &Path,
    bytes: &[u8],
    opts: &IngestOptions,
) -> Result<Vec<Read>, Vec<Diagnostic>> {
    read_noted(project, redactor, file, bytes, opts)
        .map(|(reads, _)| reads)
        .map_err(|d| redact::fields::diagnostics(redactor, project.config.project.lang, d))
}

/// [`read_input`], with notes for the user about how the file was read.
fn read_noted(
    project: &Project,
    redactor: &Redactor,
    file: &Path,
    bytes: &[u8],
    opts: &IngestOptions,
) -> Result<(Vec<Read>, Vec<String>), Vec<Diagnostic>> {
    let diag = |errs: Problems| {
        errs.into_iter()
            .map(|(l, m)| Diagnostic::new(file, l, m))
            .collect::<Vec<_>>()
    };
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    // An id made from a file name never carries the personal data a file name can hold.
    let workshops = project.workshop_ids();
    let stem = crate::source::file_id(
        redactor,
        opts.defaults.lang.unwrap_or(project.config.project.lang),
        &workshops,
        &file
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default(),
    );
    let shown = file.to_string_lossy().to_string();
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let ctx = Ctx {
        project,
        redactor,
        shown: &shown,
        opts,
    };
    match ext.as_str() {
        "md" | "markdown" | "txt" => {
            let text = decode::utf8(bytes).map_err(|line| {
                diag(vec![(line, "the file is not valid UTF-8; save it as UTF-8 (in Word or Notepad: Save as, encoding UTF-8)".into())])
            })?;
            if text.trim().is_empty() {
                return Err(diag(vec![(
                    1,
                    "the file is empty; there is nothing to ingest".into(),
                )]));
            }
            let split = if ext == "txt" {
                crate::frontmatter::Split {
                    yaml: None,
                    body: &text,
                    body_line: 1,
                }
            } else {
                frontmatter::split_front_matter(&text).map_err(|e| diag(vec![e]))?
            };
            let mut meta =
                frontmatter::parse_meta(split.yaml, &stem, &opts.defaults).map_err(diag)?;
            let yaml = split.yaml.unwrap_or("");
            check_meta(project, &mut meta, yaml).map_err(diag)?;
            let id_given = frontmatter::key_line(yaml, "id").is_some();
            let lang = meta.lang.unwrap_or(project.config.project.lang);
            // An id kooste issued to a web submission (stored with the document) is kooste's
            // own, random letters and digits; only a person's id is checked.
            let issued = meta
                .source
                .as_deref()
                .and_then(|s| s.strip_prefix("web/"))
                .is_some_and(|sub| meta.id.starts_with(sub));
            if id_given
                && !issued
                && crate::source::id_has_personal_data(redactor, lang, &workshops, &meta.id)
            {
                return Err(diag(vec![(
                    frontmatter::key_line(yaml, "id").unwrap_or(1),
                    format!(
                        "the id '{}' holds personal data (a name, an identity code or a phone number); write an id without it, such as {}, or remove the `id:` line and kooste makes one",
                        meta.id,
                        crate::source::file_id(redactor, lang, &workshops, &meta.id)
                    ),
                )]));
            }
            if split.body.trim().is_empty() {
                return Err(diag(vec![(split.body_line, "the document has front matter but no text; write the text after the closing ---".into())]));
            }
            let mut read = finish(project, redactor, meta, split.body, split.body_line, &shown);
            read.id_given = id_given;
            out.push(read);
        }
        "csv" | "xlsx" | "xlsm" => {
            let table = |sheet: Option<&str>| -> Result<_, Vec<Diagnostic>> {
                if ext == "csv" {
                    let (table, errors) = form::csv_table(bytes).map_err(diag)?;
                    if errors.is_empty() {
                        Ok(table)
                    } else {
                        Err(diag(errors))
                    }
                } else {
                    xlsx::read_sheet(bytes, sheet).map_err(|e| diag(vec![e]))
                }
            };
            if let Some(survey) = &opts.survey {
                let voice =
                    agree("voice", survey, survey.voice, opts.defaults.voice).map_err(diag)?;
                agree("lang", survey, survey.lang, opts.defaults.lang).map_err(diag)?;
                let sheet = agree("sheet", survey, survey.sheet.clone(), opts.sheet.clone())
                    .map_err(diag)?;
                agree(
                    "battery",
                    survey,
                    Some(survey.battery.clone()),
                    opts.battery.clone(),
                )
                .map_err(diag)?;
                if survey.date.is_some() && opts.defaults.date.is_some() {
                    return Err(diag(vec![(
                        0,
                        format!(
                            "the survey mapping {} takes each answer's date from the column '{}'; remove --date or the mapping's `date` line",
                            survey.path.display(),
                            survey.date.as_deref().unwrap_or_default()
                        ),
                    )]));
                }
                let Some(voice) = voice else {
                    return Err(diag(vec![(
                        0,
                        format!(
                            "no voice for the respondents: add `voice = \"client\"` (or worker, researcher) to the survey mapping {} or give --voice",
                            survey.path.display()
                        ),
                    )]));
                };
                let (form, n) = survey::read(&table(sheet.as_deref())?, survey, &project.batteries)
                    .map_err(diag)?;
                notes = n;
                out = ctx
                    .form_documents(&form, &stem, Some(voice))
                    .map_err(diag)?;
            } else {
                let form = if ext == "csv" {
                    form::read_csv(bytes, &project.batteries, opts.battery.as_deref())
                        .map_err(diag)?
                } else {
                    let first = form::read_table(
                        &table(opts.sheet.as_deref())?,
                        &project.batteries,
                        opts.battery.as_deref(),
                    );
                    match first {
                        Ok(f) => f,
                        // A first sheet of instructions: the form is on a later one.
                        Err(e) if opts.sheet.is_none() => {
                            let names = xlsx::sheet_names(bytes);
                            let later = names.iter().skip(1).find_map(|n| {
                                let t = xlsx::read_sheet(bytes, Some(n)).ok()?;
                                form::read_table(&t, &project.batteries, opts.battery.as_deref())
                                    .ok()
                                    .map(|f| (n, f))
                            });
                            match later {
                                Some((n, f)) => {
                                    notes.push(format!(
                                        "the form was read from the sheet '{n}'; the first sheet '{}' holds no form (give --sheet NAME to choose another)",
                                        names[0]
                                    ));
                                    f
                                }
                                None if names.len() > 1 => {
                                    let mut e = e;
                                    if let Some(last) = e.last_mut() {
                                        last.1.push_str(&format!(
                                            "; the workbook's sheets are {}, and none of them holds a form: give the form's sheet with --sheet NAME",
                                            xlsx::quoted(&names)
                                        ));
                                    }
                                    return Err(diag(e));
                                }
                                None => return Err(diag(e)),
                            }
                        }
                        Err(e) => return Err(diag(e)),
                    }
                };
                notes.extend(form.notes.iter().cloned());
                out = ctx.form_documents(&form, &stem, None).map_err(diag)?;
            }
        }
        "docx" | "docm" => {
            let doc = docx::read(bytes).map_err(|m| diag(vec![(0, m)]))?;
            (out, notes) = ctx.word_documents(&doc, &stem).map_err(diag)?;
        }
        "xls" | "doc" => {
            let new = if ext == "xls" { "xlsx" } else { "docx" };
            return Err(diag(vec![(
                0,
                format!(
                    "kooste cannot read the old .{ext} format; open the file and save it as .{new}"
                ),
            )]));
        }
        _ => {
            return Err(diag(vec![(
                0,
                format!(
                    "kooste cannot read .{ext} files; give .md, .txt, .csv, .xlsx or .docx files"
                ),
            )]));
        }
    }
    Ok((out, notes))
}

/// A value the survey mapping and a flag may both give: they must agree.
fn agree<T: PartialEq + std::fmt::Display>(
    key: &str,
    survey: &Survey,
    from_mapping: Option<T>,
    flag: Option<T>,
) -> Result<Option<T>, Problems> {
    match (from_mapping, flag) {
        (Some(m), Some(f)) if m != f => Err(vec![(
            0,
            format!(
                "the survey mapping {} says {key} '{m}' but --{key} {f} was given; remove one of them",
                survey.path.display()
            ),
        )]),
        (m, f) => Ok(m.or(f)),
    }
}

/// What turning a file's rows or blocks into documents needs.
struct Ctx<'a> {
    project: &'a Project,
    redactor: &'a Redactor,
    shown: &'a str,
    opts: &'a IngestOptions,
}

impl Ctx<'_> {
    /// One form document per row: `PREFIX-N` by row number (or the respondent's key), the
    /// answers under their questions. `voice` is the document's voice (a survey's
    /// respondents); by default the flag's, else the first question's.
    fn form_documents(
        &self,
        form: &form::Form<'_>,
        prefix: &str,
        voice: Option<kooste_core::model::Voice>,
    ) -> Result<Vec<Read>, Problems> {
        let opts = self.opts;
        let first_voice = form.battery.questions[0].voice;
        let mut out = Vec::new();
        for row in &form.rows {
            let defaults = Defaults {
                voice: voice.or(opts.defaults.voice).or(Some(first_voice)),
                lang: opts.defaults.lang.or(Some(form.lang)),
                date: row.date.or(opts.defaults.date),
                ..opts.defaults.clone()
            };
            let id = match &row.key {
                Some(k) => format!("{prefix}-{k}"),
                None => format!("{prefix}-{}", row.number),
            };
            let mut meta = frontmatter::parse_meta(None, &id, &defaults)?;
            meta.battery = Some(form.battery.id.clone());
            meta.row = Some(row.number);
            check_meta(self.project, &mut meta, "")?;
            let lang = meta.lang.unwrap_or(Lang::Fi);
            let mut body = String::new();
            for (q, answer) in &row.answers {
                let q = &form.battery.questions[*q];
                let heading = if lang == Lang::Sv && !q.sv.is_empty() {
                    &q.sv
                } else {
                    &q.fi
                };
                body.push_str(&format!("## {heading}\n\n{answer}\n\n"));
            }
            out.push(finish(
                self.project,
                self.redactor,
                meta,
                &body,
                1,
                self.shown,
            ));
        }
        Ok(out)
    }

    /// A Word document: each table whose header row is a battery's questions is a form (one
    /// document per row, like a CSV form); the rest is one document of paragraphs, list
    /// items and table rows, a form document when its headings are a battery's questions.
    fn word_documents(
        &self,
        doc: &docx::Docx,
        stem: &str,
    ) -> Result<(Vec<Read>, Vec<String>), Problems> {
        let batteries = &self.project.batteries;
        let wanted = self.opts.battery.as_deref();
        let mut forms = Vec::new();
        let mut rest = Vec::new();
        let mut errors = Vec::new();
        for b in &doc.blocks {
            match b {
                docx::Block::Table(t) if form::looks_like_form(t, batteries, wanted) => {
                    match form::read_table(t, batteries, wanted) {
                        Ok(f) => forms.push(f),
                        Err(e) => errors.extend(e),
                    }
                }
                b => rest.push(b),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut out = Vec::new();
        for (i, f) in forms.iter().enumerate() {
            let prefix = if forms.len() == 1 {
                stem.to_string()
            } else {
                format!("{stem}-{}", i + 1)
            };
            out.extend(self.form_documents(f, &prefix, None)?);
        }
        let has_text = rest.iter().any(|b| !matches!(b, docx::Block::Heading(..)));
        let mut notes = Vec::new();
        if !forms.is_empty() && has_text && self.opts.defaults.voice.is_none() {
            notes.push("the text outside the form table was not ingested; give --voice to keep it as a document of its own".into());
            return Ok((out, notes));
        }
        if !has_text && !forms.is_empty() {
            return Ok((out, notes));
        }
        if !has_text {
            return Err(vec![(
                0,
                "the document has no text; write the text in paragraphs or tables".into(),
            )]);
        }
        // A document whose headings are a battery's questions is a form document.
        let headings: Vec<&str> = rest
            .iter()
            .filter_map(|b| match b {
                docx::Block::Heading(_, t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        let battery = match wanted {
            Some(_) => {
                form::pick_battery(&headings, batteries, wanted).map_err(|m| vec![(0, m)])?
            }
            None => match form::pick_battery(&headings, batteries, None) {
                Ok(b)
                    if headings
                        .iter()
                        .filter(|h| b.match_question(h).is_some())
                        .count()
                        >= b.questions.len().min(2) =>
                {
                    b
                }
                _ => {
                    return self.word_text(doc, &rest, stem, None, out, notes);
                }
            },
        };
        self.word_text(doc, &rest, stem, Some(battery), out, notes)
    }

    fn word_text(
        &self,
        doc: &docx::Docx,
        blocks: &[&docx::Block],
        stem: &str,
        battery: Option<&kooste_core::project::Battery>,
        mut out: Vec<Read>,
        notes: Vec<String>,
    ) -> Result<(Vec<Read>, Vec<String>), Problems> {
        let defaults = Defaults {
            voice: self
                .opts
                .defaults
                .voice
                .or(battery.map(|b| b.questions[0].voice)),
            ..self.opts.defaults.clone()
        };
        if defaults.voice.is_none() {
            return Err(vec![(
                0,
                format!(
                    "no voice: give --voice ({}) to say whose knowledge the document is",
                    kooste_core::model::Voice::valid_values()
                ),
            )]);
        }
        let mut meta = frontmatter::parse_meta(None, stem, &defaults)?;
        meta.title = doc.title.clone();
        meta.battery = battery.map(|b| b.id.clone());
        check_meta(self.project, &mut meta, "")?;
        let body = docx::to_markdown(blocks.iter().copied(), |level, text| match battery {
            Some(b) if b.match_question(text).is_some() => 2,
            Some(_) => level.max(3),
            None => level,
        });
        out.push(finish(
            self.project,
            self.redactor,
            meta,
            &body,
            1,
            self.shown,
        ));
        Ok((out, notes))
    }
}

pub(crate) fn finish(
    project: &Project,
    redactor: &Redactor,
    meta: DocumentMeta,
    body: &str,
    line: usize,
    file: &str,
) -> Read {
    let lang = meta.lang.unwrap_or(project.config.project.lang);
    let (body, mut removals) = redactor.redact(body, lang);
    // Every field of the metadata, as `redact::fields` lists them.
    let (meta, found) = redact::fields::meta(redactor, lang, meta);
    removals.extend(found);
    let document = parse_document(meta, &body, line, file, &project.batteries);
    Read {
        document,
        removed: redact::count(&removals),
        id_given: false,
    }
}

/// What to tell a user who named a battery the project does not have.
pub(crate) fn unknown_battery(project: &Project, id: &str) -> String {
    format!(
        "unknown battery '{id}'; the batteries are {}",
        project
            .batteries
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Checks metadata against the project: the workshop, theme and battery must exist. They
/// are matched without regard to case, like voices and languages (`theme: Osallisuus`), and
/// written as the project spells them.
pub(crate) fn check_meta(
    project: &Project,
    meta: &mut DocumentMeta,
    yaml: &str,
) -> Result<(), Problems> {
    // A value that came from a flag has no line of its own: name the file's first line.
    let line_of = |key: &str| frontmatter::key_line(yaml, key).unwrap_or(1);
    fn canonical(value: &mut Option<String>, known: impl IntoIterator<Item = String>) {
        if let Some(v) = value {
            let wanted = v.trim().to_lowercase();
            if let Some(k) = known.into_iter().find(|k| k.to_lowercase() == wanted) {
                *v = k;
            }
        }
    }
    canonical(&mut meta.theme, project.config.themes.keys().cloned());
    canonical(&mut meta.workshop, project.workshop_ids());
    canonical(&mut meta.comment_on, project.workshop_ids());
    canonical(&mut meta.battery, project.batteries.keys().cloned());
    let meta = &*meta;
    let mut errs = Vec::new();
    for (key, value) in [
        ("workshop", &meta.workshop),
        ("comment_on", &meta.comment_on),
    ] {
        if let Some(w) = value
            && !project.regions.is_empty()
            && project.workshop(w).is_none()
        {
            errs.push((
                line_of(key),
                format!(
                    "unknown workshop '{w}'; the workshops are {}",
                    project.workshop_ids().join(", ")
                ),
            ));
        }
    }
    let themes = &project.config.themes;
    if let Some(t) = &meta.theme
        && !themes.is_empty()
        && !themes.contains_key(t)
    {
        errs.push((
            line_of("theme"),
            format!(
                "unknown theme '{t}'; the themes are {} (see kooste.toml)",
                themes.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    if let Some(b) = &meta.battery
        && !project.batteries.contains_key(b)
    {
        errs.push((line_of("battery"), unknown_battery(project, b)));
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

/// Where each document of the corpus is stored.
#[derive(Debug)]
pub struct Corpus {
    dir: PathBuf,
    /// The project's `.kooste/`, where the write lock lives.
    state: PathBuf,
    root: PathBuf,
    by_id: HashMap<String, Entry>,
    /// The project's source key, read when first needed (only writers need it).
    key: Option<SourceKey>,
}

/// One stored document: where it is, and its source facts as its front matter gives them.
#[derive(Debug, Clone)]
struct Entry {
    path: PathBuf,
    source: String,
    source_key: Option<String>,
    content_key: Option<String>,
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

const JOURNAL: &str = ".kooste-journal";
const STAGE_PREFIX: &str = ".kooste-stage-";

impl Corpus {
    /// Opens the corpus of a project: finishes or rolls back an interrupted ingest, then
    /// notes where every document is. Unreadable documents are reported, not fatal.
    pub fn open(project: &Project) -> std::io::Result<(Corpus, Vec<Diagnostic>)> {
        let dir = project.corpus_dir();
        std::fs::create_dir_all(&dir)?;
        {
            // Another process may be storing right now: its journal is not for us to finish.
            let _lock = WriteLock::take(&project.state_dir());
            recover(&dir)?;
        }
        let mut corpus = Corpus {
            dir,
            state: project.state_dir(),
            root: project.root.clone(),
            by_id: HashMap::new(),
            key: None,
        };
        let mut diags = Vec::new();
        for path in corpus.files() {
            // A form's documents are named by row, not by front matter; skip it unread.
            if path.extension().is_some_and(|x| x == "csv") {
                continue;
            }
            let rel = corpus.relative(&path);
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let stem = slug(&path.file_stem().unwrap_or_default().to_string_lossy());
            let yaml = frontmatter::split_front_matter(&text)
                .ok()
                .and_then(|s| s.yaml);
            let peek = frontmatter::peek(yaml);
            let id = peek.id.unwrap_or(stem);
            if let Some(prev) = corpus.by_id.get(&id) {
                diags.push(Diagnostic::new(
                    &rel,
                    1,
                    format!(
                        "the id '{id}' is also used by {}; give one of them another id",
                        corpus.relative(&prev.path)
                    ),
                ));
                continue;
            }
            corpus.by_id.insert(
                id,
                Entry {
                    path,
                    source: peek.source.unwrap_or_else(|| rel.clone()),
                    source_key: peek.source_key,
                    content_key: peek.content_key,
                },
            );
        }
        Ok((corpus, diags))
    }

    /// Every file in the corpus, sorted; hidden files (journal, staged files) are skipped.
    pub fn files(&self) -> Vec<PathBuf> {
        // Every file, not only the ones kooste reads: a stray .pdf or .docx here gets an
        // error instead of being silently left out.
        crate::walk(&self.dir, false, &mut Vec::new(), &mut Vec::new())
    }

    /// Where the document with this id is stored, if the corpus has it.
    pub fn path_of(&self, id: &str) -> Option<&Path> {
        self.by_id.get(id).map(|e| e.path.as_path())
    }

    /// A path relative to the project, for messages and provenance.
    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
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

    /// The ids of the documents that came from the same source as `e`.
    fn group_of(&self, e: &Entry) -> BTreeSet<String> {
        self.by_id
            .iter()
            .filter(|(_, o)| match &e.source_key {
                Some(k) => o.source_key.as_ref() == Some(k),
                None => o.source_key.is_none() && o.source == e.source,
            })
            .map(|(id, _)| id.clone())
            .collect()
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
        let _lock = WriteLock::take(&self.state);
        let mut notes = Vec::new();

        // 1. This input's earlier version.
        let mut own: BTreeSet<String> = match replace {
            Some(id) => {
                let Some(e) = self.by_id.get(id) else {
                    return Err(format!(
                        "--replace {id}: the corpus has no document '{id}'; the ids are the names of the files in corpus/ (without .md), and `kooste search --json` shows them"
                    ));
                };
                notes.push(format!(
                    "replaces '{id}' (from {}) as you asked with --replace",
                    e.source
                ));
                self.group_of(e)
            }
            None => self
                .by_id
                .iter()
                .filter(|(_, e)| match &e.source_key {
                    Some(k) => *k == source.key,
                    None => source.legacy.as_deref() == Some(e.source.as_str()),
                })
                .map(|(id, _)| id.clone())
                .collect(),
        };
        if own.is_empty()
            && let Some(content) = &source.content
            && let Some(e) = self
                .by_id
                .values()
                .filter(|e| e.content_key.as_deref() == Some(content.as_str()))
                .min_by(|a, b| a.path.cmp(&b.path))
        {
            if self.still_there(e, content) {
                // A copy of a file that is still where it was: its material is in already.
                let ids = self.group_of(e);
                notes.push(format!(
                    "the same contents as {}, which is already in the corpus; nothing stored",
                    e.source
                ));
                return Ok(Stored {
                    documents: ids.into_iter().map(|id| (id, Outcome::Unchanged)).collect(),
                    notes,
                });
            }
            notes.push(format!(
                "the same contents as {}, ingested before from another place: kooste now follows the file here",
                e.source
            ));
            own = self.group_of(e);
        }
        // Documents an older kooste stored under this bare file name, not knowing which
        // folder it came from: this input's only when it reads exactly as they do.
        let loose: BTreeSet<String> = match (&source.loose, own.is_empty()) {
            (Some(name), true) => self
                .by_id
                .iter()
                .filter(|(_, e)| e.source_key.is_none() && e.source == *name)
                .map(|(id, _)| id.clone())
                .collect(),
            _ => BTreeSet::new(),
        };
        if !loose.is_empty()
            && docs.len() == loose.len()
            && docs.iter().all(|r| {
                self.by_id.get(&r.document.meta.id).is_some_and(|e| {
                    loose.contains(&r.document.meta.id)
                        && std::fs::read_to_string(&e.path)
                            .is_ok_and(|t| t == render_with(&r.document, e))
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
                && let Some(e) = self.by_id.get(id)
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
                .all(|id| own.contains(id) || !self.by_id.contains_key(id));
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
            let (path, outcome, write) = match self.by_id.get(&meta.id) {
                Some(e) => match std::fs::read_to_string(&e.path) {
                    Ok(t) if t == text => (e.path.clone(), Outcome::Unchanged, false),
                    // Only the source facts are new: recorded, the document is unchanged.
                    Ok(t) if t == render_with(&r.document, e) => {
                        (e.path.clone(), Outcome::Unchanged, true)
                    }
                    _ => (e.path.clone(), Outcome::Replaced, true),
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
                .by_id
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
            .filter_map(|id| self.by_id.get(id).map(|e| (id.clone(), e.path.clone())))
            .collect();
        commit(
            &self.dir,
            &writes,
            &stale.iter().map(|(_, p)| p.clone()).collect::<Vec<_>>(),
        )
        .map_err(|(path, e)| write_error(&self.relative(&path), &e))?;
        let mut documents = Vec::new();
        for (id, outcome, path) in outcomes {
            self.by_id.insert(
                id.clone(),
                Entry {
                    path,
                    source: source.name.clone(),
                    source_key: Some(source.key.clone()),
                    content_key: source.content.clone(),
                },
            );
            documents.push((id, outcome));
        }
        for (id, _) in stale {
            self.by_id.remove(&id);
            documents.push((id, Outcome::Removed));
        }
        Ok(Stored { documents, notes })
    }

    /// Whether the corpus has the document `id` from `source` (rather than from another
    /// input, or not at all).
    pub fn is_from(&self, id: &str, source: &Source) -> bool {
        self.by_id
            .get(id)
            .is_some_and(|e| e.source_key.as_deref() == Some(source.key.as_str()))
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

/// Applies writes and removals as one unit. A single write is one atomic rename; several
/// are staged beside their targets, listed in a journal, and then renamed. If the process
/// dies after the journal is written, [`recover`] finishes the renames; before it, the
/// staged files are swept away. An error names the file that could not be written; staged
/// files are removed at once, so a full disk gets its space back.
fn commit(
    dir: &Path,
    writes: &[(PathBuf, String)],
    removes: &[PathBuf],
) -> Result<(), (PathBuf, std::io::Error)> {
    if writes.len() + removes.len() <= 1 {
        for (p, t) in writes {
            write_atomic(p, t.as_bytes()).map_err(|e| (p.clone(), e))?;
        }
        for p in removes {
            remove_durable(p).map_err(|e| (p.clone(), e))?;
        }
        return Ok(());
    }
    let mut staged = Vec::new();
    let unstage = |staged: &[PathBuf]| {
        for s in staged {
            let _ = std::fs::remove_file(s);
        }
    };
    let mut renames = Vec::new();
    for (i, (target, text)) in writes.iter().enumerate() {
        let name = target.file_name().unwrap_or_default().to_string_lossy();
        let stage = target.with_file_name(format!("{STAGE_PREFIX}{i}-{name}"));
        if let Err(e) = write_atomic(&stage, text.as_bytes()) {
            unstage(&staged);
            return Err((target.clone(), e));
        }
        renames.push((rel(dir, &stage), rel(dir, target)));
        staged.push(stage);
    }
    let journal = Journal {
        renames,
        removes: removes.iter().map(|p| rel(dir, p)).collect(),
    };
    let jpath = dir.join(JOURNAL);
    if let Err(e) = write_atomic(&jpath, journal.to_text().as_bytes()) {
        unstage(&staged);
        return Err((jpath, e));
    }
    apply(dir, &journal).map_err(|e| (jpath, e))
}

fn rel(dir: &Path, p: &Path) -> String {
    p.strip_prefix(dir)
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

struct Journal {
    renames: Vec<(String, String)>,
    removes: Vec<String>,
}

impl Journal {
    fn to_text(&self) -> String {
        let mut s = String::new();
        for (a, b) in &self.renames {
            s.push_str(&format!("rename\t{a}\t{b}\n"));
        }
        for r in &self.removes {
            s.push_str(&format!("remove\t{r}\n"));
        }
        s.push_str("end\n");
        s
    }

    fn parse(text: &str) -> Option<Journal> {
        let mut j = Journal {
            renames: Vec::new(),
            removes: Vec::new(),
        };
        let mut complete = false;
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            match f.as_slice() {
                ["rename", a, b] => j.renames.push((a.to_string(), b.to_string())),
                ["remove", r] => j.removes.push(r.to_string()),
                ["end"] => complete = true,
                _ => return None,
            }
        }
        complete.then_some(j)
    }
}

fn apply(dir: &Path, j: &Journal) -> std::io::Result<()> {
    for (stage, target) in &j.renames {
        let (stage, target) = (dir.join(stage), dir.join(target));
        if stage.exists() {
            std::fs::rename(&stage, &target)?;
        }
    }
    for r in &j.removes {
        let p = dir.join(r);
        if p.exists() {
            std::fs::remove_file(&p)?;
        }
    }
    for (_, target) in &j.renames {
        if let Some(parent) = dir.join(target).parent() {
            sync_dir(parent)?;
        }
    }
    remove_durable(&dir.join(JOURNAL))
}

/// Finishes an ingest that was interrupted after its journal was written, and removes
/// staged files of one that was interrupted before.
fn recover(dir: &Path) -> std::io::Result<()> {
    let jpath = dir.join(JOURNAL);
    if let Ok(text) = std::fs::read_to_string(&jpath) {
        match Journal::parse(&text) {
            Some(j) => apply(dir, &j)?,
            None => remove_durable(&jpath)?,
        }
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                stack.push(e.path());
            } else if name.starts_with(STAGE_PREFIX) || name.starts_with(".kooste-tmp-") {
                std::fs::remove_file(e.path())?;
            }
        }
    }
    Ok(())
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
