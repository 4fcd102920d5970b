//! Reading any input into redacted documents: the dispatch by kind, the documents of forms
//! and Word files, and the checks of their front matter against the project. Nothing is
//! written here.

use crate::Problems;
use crate::frontmatter::{self, Defaults};
use crate::markdown::parse_document;
use crate::redact::{self, Counts, Redactor};
use crate::survey::{self, Survey};
use crate::{Diagnostic, decode};
use crate::{docx, form, xlsx};
use kooste_core::model::{Document, DocumentMeta, Lang};
use kooste_core::project::Project;
use std::path::Path;

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
pub(crate) fn read_noted(
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
    /// A document of the file made from `body` under `meta`, redacted.
    fn finish(&self, meta: DocumentMeta, body: &str) -> Read {
        finish(self.project, self.redactor, meta, body, 1, self.shown)
    }

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
            out.push(self.finish(meta, &body));
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
        out.push(self.finish(meta, &body));
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
        project.battery_ids()
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
    for value in [&mut meta.workshop, &mut meta.comment_on] {
        if let Some(v) = value
            && let Some(id) = project.workshop_id_like(v)
        {
            *v = id;
        }
    }
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
