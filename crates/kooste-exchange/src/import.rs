//! Reading a REFI-QDA project (`.qdpx`) into the corpus and the decisions file.
//!
//! Text sources become documents through `kooste_ingest::read_input` (the same validation
//! and redaction as every other input; the text is also redacted before it is cut into
//! passages). Codings of the five CAIMeR dimensions become decisions; codings of other
//! codes, and kooste's own unconfirmed proposals, are reported and skipped.

use crate::guid::normalize;
use crate::layout::{Segment, segments, wording};
use crate::names::{CodeKind, Var, classify};
use crate::xml::{self, Element};
use kooste_core::model::{Decision, Dimension, DocumentMeta, Lang, Voice, is_date_time};
use kooste_core::project::Project;
use kooste_ingest::redact::fields;
use kooste_ingest::{
    Corpus, Counts, Diagnostic, IngestOptions, Outcome, Read, Redactor, read_input, render_document,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Cursor, Read as _};
use std::path::{Path, PathBuf};

/// The largest `project.qde` read (a ZIP can claim any size; this keeps a broken or hostile
/// file from exhausting memory).
const MAX_QDE: u64 = 256 << 20;
/// The largest source text read.
const MAX_SOURCE: u64 = 64 << 20;
/// `who` of a decision whose coding names no user.
const UNKNOWN_USER: &str = "qdpx";

/// What an import did.
#[derive(Debug)]
pub struct Imported {
    /// Document ids and what became of them.
    pub documents: Vec<(String, Outcome)>,
    /// Passages in the imported documents.
    pub passages: usize,
    /// Personal data removed, by kind.
    pub removed: Counts,
    /// Decisions appended (codings of CAIMeR dimensions, grouped per passage).
    pub decisions: usize,
    /// Codes whose codings were not imported, and why.
    pub skipped: Vec<Skipped>,
    /// Other things left out (sources that are not text, selections outside their text),
    /// each as `path:line: message`.
    pub notes: Vec<Diagnostic>,
    /// Bad sources, left out while the rest was imported: the file counts as rejected.
    pub problems: Vec<Diagnostic>,
    /// Documents of this project that came back from the QDA tool (a `.qdpx` exported from
    /// here): their text stays as the corpus has it, their codings became decisions.
    pub returned: usize,
}

/// The codings of one code that were not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The code's name.
    pub code: String,
    /// How many of its codings were skipped.
    pub codings: usize,
    /// Why.
    pub reason: String,
}

struct Coding {
    code: String,
    user: Option<String>,
    when: Option<String>,
}

struct Selection {
    line: usize,
    start: usize,
    end: usize,
    user: Option<String>,
    when: Option<String>,
    codings: Vec<Coding>,
}

struct Source {
    /// The source's name as the file gives it (its id when it has no `tunniste`).
    raw_name: String,
    /// The name redacted, for messages.
    name: String,
    line: usize,
    text: String,
    selections: Vec<Selection>,
    vars: BTreeMap<Var, String>,
}

/// Imports a `.qdpx` file: its text sources become documents of the corpus (stored as one
/// unit, named by the file), its codings of CAIMeR dimensions decisions appended to the
/// project's decisions file. `opts.defaults` fills in what a source does not say (its
/// voice above all, for projects made by other tools). A bad source is left out and reported
/// in `problems` while the rest is imported; a file with no good source is an error.
///
/// The import runs in phases, each with its own typed result: the archive is parsed
/// (`Parsed`: users, codes, sources; nothing of the project touched), its sources become
/// redacted documents (`Documents`), the new ones are stored (those that came back from a
/// QDA tool are recognised and kept as the corpus has them), and the codings become
/// decisions (`Codings`), appended last.
pub fn import_qdpx(
    project: &Project,
    corpus: &mut Corpus,
    redactor: &Redactor,
    path: &Path,
    opts: &IngestOptions,
) -> Result<Imported, Vec<Diagnostic>> {
    let bytes = std::fs::read(path).map_err(|e| {
        vec![Diagnostic {
            path: path.to_path_buf(),
            line: 0,
            message: format!("cannot read the file ({e}); check the path and that you may read it"),
        }]
    })?;
    let place = Place {
        file: path,
        qde: path.join("project.qde"),
    };
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let parsed = parse(project, redactor, &bytes, &place, &mut errors, &mut notes)?;
    let docs = documents(project, redactor, opts, &parsed, &place, &mut errors);
    let (docs, returning, stored) = store(
        project,
        corpus,
        redactor,
        &bytes,
        opts,
        &parsed,
        docs,
        &place,
        &mut errors,
        &mut notes,
    )?;
    let codings = codings(project, &parsed, &docs, &returning, &place, &mut notes);
    let decisions = codings.decisions;
    let passages = docs.reads.iter().map(|r| r.document.passages.len()).sum();
    kooste_caimer::decisions::append(&kooste_caimer::decisions::path(project), &decisions)
        .map_err(|e| {
            vec![place.whole(format!(
                "the documents were stored, but their decisions could not be: {e}"
            ))]
        })?;
    Ok(Imported {
        documents: stored.documents,
        passages,
        removed: docs.removed,
        decisions: decisions.len(),
        skipped: codings
            .skipped
            .into_iter()
            .map(|(code, (codings, reason))| Skipped {
                code,
                codings,
                reason: reason.to_string(),
            })
            .collect(),
        notes,
        problems: errors,
        returned: returning.iter().filter(|b| **b).count(),
    })
}

/// Where a problem is: a line of the archive's `project.qde`, or the file as a whole.
struct Place<'a> {
    file: &'a Path,
    qde: PathBuf,
}

impl Place<'_> {
    fn at(&self, line: usize, message: String) -> Diagnostic {
        Diagnostic {
            path: self.qde.clone(),
            line,
            message,
        }
    }

    fn whole(&self, message: String) -> Diagnostic {
        Diagnostic {
            path: self.file.to_path_buf(),
            line: 0,
            message,
        }
    }
}

/// The archive as read: its users and codes by GUID (names redacted) and its text sources in
/// the order of the file.
struct Parsed {
    users: HashMap<String, String>,
    codes: HashMap<String, (String, CodeKind)>,
    sources: Vec<Source>,
}

/// Reads the archive: `project.qde` and the sources' texts. A file that is no REFI-QDA
/// project is an error; a bad source is left out and reported in `errors`.
fn parse(
    project: &Project,
    redactor: &Redactor,
    bytes: &[u8],
    place: &Place<'_>,
    errors: &mut Vec<Diagnostic>,
    notes: &mut Vec<Diagnostic>,
) -> Result<Parsed, Vec<Diagnostic>> {
    let at = |line: usize, message: String| place.at(line, message);
    let whole = |message: String| place.whole(message);
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        vec![whole(format!(
            "not a REFI-QDA project: the file is not a ZIP archive ({e}); export the project from your QDA tool as a REFI-QDA project (.qdpx)"
        ))]
    })?;
    let entries: HashMap<String, usize> = (0..zip.len())
        .filter_map(|i| {
            let f = zip.by_index(i).ok()?;
            Some((f.name().ok()?.to_lowercase(), i))
        })
        .collect();
    let mut read_entry = |name: &str, limit: u64| -> Result<Option<Vec<u8>>, String> {
        let Some(&i) = entries.get(&name.to_lowercase()) else {
            return Ok(None);
        };
        let f = zip
            .by_index(i)
            .map_err(|e| format!("cannot read {name} in the archive: {e}"))?;
        let mut out = Vec::new();
        f.take(limit + 1)
            .read_to_end(&mut out)
            .map_err(|e| format!("cannot read {name} in the archive: {e}"))?;
        if out.len() as u64 > limit {
            return Err(format!(
                "{name} is larger than {} MiB; kooste does not read it",
                limit >> 20
            ));
        }
        Ok(Some(out))
    };
    let qde_name = entries
        .keys()
        .find(|k| k.as_str() == "project.qde")
        .or_else(|| entries.keys().filter(|k| !k.contains('/') && k.ends_with(".qde")).min())
        .cloned()
        .ok_or_else(|| vec![whole("not a REFI-QDA project: the archive has no project.qde; export the project from your QDA tool as a REFI-QDA project (.qdpx)".into())])?;
    let qde = read_entry(&qde_name, MAX_QDE)
        .map_err(|m| vec![whole(m)])?
        .unwrap_or_default();
    let qde =
        String::from_utf8(qde).map_err(|_| vec![at(0, "project.qde is not UTF-8 text".into())])?;
    let root = xml::parse(qde.trim_start_matches('\u{feff}')).map_err(|(l, m)| vec![at(l, m)])?;
    if root.name != "Project" {
        return Err(vec![at(
            root.line,
            format!(
                "the root element is <{}>, not <Project>; this is not a REFI-QDA project file",
                root.name
            ),
        )]);
    }

    // Names from the file (users, codes, sources) are redacted like every other field
    // (`kooste_ingest::redact::fields`): they reach decisions, exports and messages.
    let plang = project.config.project.lang;
    let label = |s: &str| fields::label(redactor, plang, s);
    let users: HashMap<String, String> = root
        .child("Users")
        .into_iter()
        .flat_map(|u| u.all("User"))
        .filter_map(|u| {
            let g = normalize(u.attr("guid")?);
            let name = u.attr("name").or(u.attr("id")).unwrap_or("").trim();
            Some((g, label(name)))
        })
        .collect();

    let mut codes: HashMap<String, (String, CodeKind)> = HashMap::new();
    fn walk_codes(
        el: &Element,
        under: bool,
        label: &dyn Fn(&str) -> String,
        out: &mut HashMap<String, (String, CodeKind)>,
    ) {
        for c in el.all("Code") {
            let name = c.attr("name").unwrap_or("");
            let kind = classify(name, under);
            if let Some(g) = c.attr("guid") {
                out.insert(normalize(g), (label(name), kind));
            }
            walk_codes(c, kind == CodeKind::Proposal, label, out);
        }
    }
    if let Some(codes_el) = root.child("CodeBook").and_then(|c| c.child("Codes")) {
        walk_codes(codes_el, false, &label, &mut codes);
    }

    let variables: HashMap<String, Var> = root
        .child("Variables")
        .into_iter()
        .flat_map(|v| v.all("Variable"))
        .filter_map(|v| Some((normalize(v.attr("guid")?), Var::from_name(v.attr("name")?)?)))
        .collect();
    let values = |el: &Element| -> Vec<(Var, String)> {
        el.all("VariableValue")
            .filter_map(|vv| {
                let var =
                    variables.get(&normalize(vv.child("VariableRef")?.attr("targetGUID")?))?;
                let value = vv.children.iter().find(|c| c.name != "VariableRef")?;
                Some((*var, value.text.trim().to_string()))
            })
            .filter(|(_, v)| !v.is_empty())
            .collect()
    };
    let mut case_vars: HashMap<String, Vec<(Var, String)>> = HashMap::new();
    for case in root.child("Cases").into_iter().flat_map(|c| c.all("Case")) {
        let vals = values(case);
        for s in case.all("SourceRef").filter_map(|s| s.attr("targetGUID")) {
            case_vars
                .entry(normalize(s))
                .or_default()
                .extend(vals.iter().cloned());
        }
    }

    // The sources, in the order of the file.
    let mut sources = Vec::new();
    for el in root
        .child("Sources")
        .map(|s| s.children.as_slice())
        .unwrap_or_default()
    {
        let name = el.attr("name").unwrap_or("").trim().to_string();
        let shown = if name.is_empty() {
            el.attr("guid").unwrap_or("?").to_string()
        } else {
            label(&name)
        };
        if el.name != "TextSource" {
            notes.push(at(
                el.line,
                format!(
                    "source '{shown}' is a {}; only text sources are read, so it is left out",
                    el.name
                ),
            ));
            continue;
        }
        let Some(guid) = el.attr("guid").map(normalize) else {
            errors.push(at(el.line, format!("<TextSource> '{shown}' has no guid")));
            continue;
        };
        let text = match (el.child("PlainTextContent"), el.attr("plainTextPath")) {
            (Some(c), _) => c.text.clone(),
            (None, Some(p)) => {
                let Some(file) = p.strip_prefix("internal://") else {
                    errors.push(at(el.line, format!("source '{shown}' points outside the project ({p}); export the project with its sources included")));
                    continue;
                };
                match read_entry(&format!("sources/{file}"), MAX_SOURCE) {
                    Ok(Some(b)) => match String::from_utf8(b) {
                        Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
                        Err(_) => {
                            errors.push(at(
                                el.line,
                                format!(
                                    "the text of source '{shown}' (sources/{file}) is not UTF-8"
                                ),
                            ));
                            continue;
                        }
                    },
                    Ok(None) => {
                        errors.push(at(
                            el.line,
                            format!(
                                "the archive has no sources/{file}, the text of source '{shown}'"
                            ),
                        ));
                        continue;
                    }
                    Err(m) => {
                        errors.push(at(el.line, m));
                        continue;
                    }
                }
            }
            (None, None) => {
                errors.push(at(
                    el.line,
                    format!("source '{shown}' has neither plainTextPath nor PlainTextContent"),
                ));
                continue;
            }
        };
        let mut selections = Vec::new();
        for s in el.all("PlainTextSelection") {
            let pos = |a: &str| s.attr(a).and_then(|v| v.trim().parse::<usize>().ok());
            let (Some(start), Some(end)) = (pos("startPosition"), pos("endPosition")) else {
                errors.push(at(s.line, format!("a <PlainTextSelection> of source '{shown}' lacks a valid startPosition or endPosition (whole numbers)")));
                continue;
            };
            let codings = s
                .all("Coding")
                .filter_map(|c| {
                    Some(Coding {
                        code: normalize(c.child("CodeRef")?.attr("targetGUID")?),
                        user: c.attr("creatingUser").map(normalize),
                        when: c.attr("creationDateTime").map(str::to_string),
                    })
                })
                .collect();
            selections.push(Selection {
                line: s.line,
                start,
                end,
                user: s.attr("creatingUser").map(normalize),
                when: s.attr("creationDateTime").map(str::to_string),
                codings,
            });
        }
        let whole_codings = el.all("Coding").count();
        if whole_codings > 0 {
            notes.push(at(el.line, format!("{whole_codings} coding(s) of the whole source '{shown}' left out: kooste codes passages, not whole documents")));
        }
        let mut vars: BTreeMap<Var, String> = BTreeMap::new();
        for (v, val) in case_vars
            .get(&guid)
            .into_iter()
            .flatten()
            .cloned()
            .chain(values(el))
        {
            vars.insert(v, val);
        }
        sources.push(Source {
            raw_name: name,
            name: shown,
            line: el.line,
            text,
            selections,
            vars,
        });
    }

    Ok(Parsed {
        users,
        codes,
        sources,
    })
}

/// The good sources as redacted documents, with the segments of each (to place codings).
struct Documents {
    reads: Vec<Read>,
    /// Per read: the index of its source, and the segments of the source's text.
    placed: Vec<(usize, Vec<Segment>)>,
    removed: Counts,
}

/// Makes each source a document: its id, voice and the rest from its variables (or
/// `opts.defaults`), its text redacted and placed into Markdown (under its battery's
/// questions when it is a form). A source that cannot be made one is reported in `errors`.
fn documents(
    project: &Project,
    redactor: &Redactor,
    opts: &IngestOptions,
    parsed: &Parsed,
    place: &Place<'_>,
    errors: &mut Vec<Diagnostic>,
) -> Documents {
    let at = |line: usize, message: String| place.at(line, message);
    let sources = &parsed.sources;
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut reads: Vec<Read> = Vec::new();
    let mut placed: Vec<(usize, Vec<Segment>)> = Vec::new(); // (source index, segments) per read
    let mut removed = Counts::new();
    for (i, src) in sources.iter().enumerate() {
        let err = |m: String| at(src.line, format!("source '{}': {m}", src.name));
        let var = |v: Var| src.vars.get(&v).map(String::as_str);
        let from_kooste = var(Var::Id).is_some();
        let mut id = var(Var::Id)
            .filter(|i| kooste_core::model::is_valid_id(i))
            .map(str::to_string)
            .unwrap_or_else(|| {
                kooste_ingest::source::file_id(
                    redactor,
                    project.config.project.lang,
                    &project.workshop_ids(),
                    &src.raw_name,
                )
            });
        if taken.contains(&id) {
            let base = id.clone();
            id = (2..)
                .map(|n| format!("{base}-{n}"))
                .find(|c| !taken.contains(c))
                .unwrap_or(base);
        }
        taken.insert(id.clone());
        let mut bad = Vec::new();
        let voice = match var(Var::Voice) {
            Some(v) => v.parse::<Voice>().map_err(|e| bad.push(err(e))).ok(),
            None => match opts.defaults.voice {
                Some(v) => Some(v),
                None => {
                    bad.push(err(format!(
                        "whose voice is it? the project does not say; give --voice client|worker|researcher (asiakas, työntekijä, tutkija), or a case variable '{}' ('{}', 'voice')",
                        Var::Voice.name(Lang::Fi),
                        Var::Voice.name(Lang::Sv)
                    )));
                    None
                }
            },
        };
        let via = var(Var::Via).and_then(|v| v.parse::<Voice>().map_err(|e| bad.push(err(e))).ok());
        let date = var(Var::Date).and_then(|d| {
            d.get(..10)
                .unwrap_or(d)
                .parse()
                .map_err(|e: String| bad.push(err(e)))
                .ok()
        });
        let row = var(Var::Row).and_then(|r| {
            r.parse::<usize>()
                .map_err(|_| bad.push(err(format!("row '{r}' is not a whole number"))))
                .ok()
        });
        let lang = match var(Var::Lang) {
            Some(l) => l.parse::<Lang>().map_err(|e| bad.push(err(e))).ok(),
            None => Some(opts.defaults.lang.unwrap_or_else(|| {
                kooste_caimer::detect_lang(&src.text, project.config.project.lang)
            })),
        };
        let (Some(voice), Some(lang), true) = (voice, lang, bad.is_empty()) else {
            errors.extend(bad);
            continue;
        };
        let title = match var(Var::Title) {
            Some(t) => Some(t.to_string()),
            None if !from_kooste && !src.raw_name.is_empty() => Some(src.raw_name.clone()),
            None => None,
        };
        let meta = DocumentMeta {
            title,
            via,
            workshop: var(Var::Workshop).map(str::to_string),
            theme: var(Var::Theme).map(str::to_string),
            battery: var(Var::Battery).map(str::to_string),
            date,
            lang: Some(lang),
            pseudonym: var(Var::Pseudonym).map(str::to_string),
            row,
            ..DocumentMeta::new(id, voice)
        };
        let battery = meta.battery.as_ref().and_then(|b| project.batteries.get(b));
        let segs = segments(&src.text, battery);
        if segs.is_empty() {
            errors.push(err("the text is empty; there is nothing to ingest".into()));
            continue;
        }
        // Redact each segment before it becomes Markdown: escaping first could hide personal
        // data from the redactor. read_input redacts the whole again (redaction is idempotent).
        let mut body = String::new();
        for s in &segs {
            let (text, found) = redactor.redact(&s.text, lang);
            for (k, n) in kooste_ingest::redact::count(&found) {
                *removed.entry(k).or_default() += n;
            }
            match (s.question, battery) {
                (Some(q), Some(b)) => {
                    body.push_str(&format!(
                        "## {}\n\n{}\n\n",
                        wording(b, q, lang),
                        text.trim()
                    ));
                }
                _ => {
                    body.push_str(&kooste_core::markdown::escape(&text));
                    body.push_str("\n\n");
                }
            }
        }
        let markdown = render_document(&meta, &body);
        let shown = PathBuf::from(format!("{}.md", meta.id));
        match read_input(project, redactor, &shown, markdown.as_bytes(), opts) {
            Ok(r) => {
                for mut doc in r {
                    // A source's own kooste id is a person's (or kooste's) choice; one made
                    // from the source's name may be set apart from another file's.
                    doc.id_given = from_kooste;
                    placed.push((i, segs.clone()));
                    reads.push(doc);
                }
            }
            Err(d) => errors.extend(d.into_iter().map(|d| err(d.message))),
        }
    }
    Documents {
        reads,
        placed,
        removed,
    }
}

/// Stores the documents that are new to the corpus as one unit under the file's source.
/// A source that names by its kooste id a document this project has from another file is
/// that document back from a QDA tool (this project's own export): the corpus keeps its text
/// (`returning`). One whose text was changed there is left out and reported. Returns the
/// documents as stored (ids as the corpus gave them), which came back, and what storing did.
#[allow(clippy::too_many_arguments)]
fn store(
    project: &Project,
    corpus: &mut Corpus,
    redactor: &Redactor,
    bytes: &[u8],
    opts: &IngestOptions,
    parsed: &Parsed,
    docs: Documents,
    place: &Place<'_>,
    errors: &mut Vec<Diagnostic>,
    notes: &mut Vec<Diagnostic>,
) -> Result<(Documents, Vec<bool>, kooste_ingest::Stored), Vec<Diagnostic>> {
    let at = |line: usize, message: String| place.at(line, message);
    let whole = |message: String| place.whole(message);
    let sources = &parsed.sources;
    let Documents {
        reads,
        placed,
        removed,
    } = docs;
    let key = corpus.source_key().map_err(|e| {
        vec![whole(format!(
            "cannot read or make the project's source key: {e}"
        ))]
    })?;
    let source = kooste_ingest::source::Source::file(project, &key, redactor, place.file, bytes);

    // A source that names by its kooste id a document this project has from another file is
    // that document back from a QDA tool (this project's own export): the corpus keeps its
    // text, and only its codings come in. One whose text was changed there is left out.
    let mut returning = vec![false; reads.len()];
    let mut bad: BTreeSet<usize> = BTreeSet::new();
    for (r, read) in reads.iter().enumerate() {
        let id = &read.document.meta.id;
        if !read.id_given || corpus.is_from(id, &source) {
            continue;
        }
        let Some(stored_at) = corpus.path_of(id) else {
            continue;
        };
        let now = corpus
            .read_file(project, redactor, &stored_at)
            .ok()
            .and_then(|docs| docs.into_iter().find(|d| d.document.meta.id == *id));
        let texts = |d: &kooste_core::model::Document| -> Vec<String> {
            d.passages.iter().map(|p| p.text.clone()).collect()
        };
        match now {
            Some(now) if texts(&now.document) == texts(&read.document) => returning[r] = true,
            _ => {
                let src = &sources[placed[r].0];
                bad.insert(placed[r].0);
                errors.push(at(src.line, format!(
                    "source '{}': its id is the corpus document '{id}', but its text differs from {}; kooste takes codings back from a QDA tool, not text edits: edit the corpus file instead, or remove the source's id variable to import it as a new document",
                    src.name,
                    corpus.relative(&stored_at)
                )));
            }
        }
    }
    // Drop the sources left out above; the rest goes on.
    let mut kept_reads = Vec::new();
    let mut kept_placed = Vec::new();
    let mut kept_returning = Vec::new();
    for ((read, place), back) in reads.into_iter().zip(placed).zip(returning) {
        if bad.contains(&place.0) {
            continue;
        }
        kept_reads.push(read);
        kept_placed.push(place);
        kept_returning.push(back);
    }
    let (mut reads, placed, returning) = (kept_reads, kept_placed, kept_returning);
    if reads.is_empty() && !errors.is_empty() {
        return Err(std::mem::take(errors));
    }

    // Stored first, so that the decisions name the passages by the ids they are stored under.
    let mut new: Vec<Read> = reads
        .iter()
        .zip(&returning)
        .filter(|(_, back)| !**back)
        .map(|(r, _)| r.clone())
        .collect();
    let mut stored = if new.is_empty() {
        kooste_ingest::Stored::default()
    } else {
        corpus
            .store(
                &source,
                &mut new,
                opts.replace.as_deref(),
                !errors.is_empty(),
            )
            .map_err(|m| vec![whole(m)])?
    };
    let mut renamed = new.into_iter();
    for (read, back) in reads.iter_mut().zip(&returning) {
        if *back {
            stored
                .documents
                .push((read.document.meta.id.clone(), Outcome::Unchanged));
        } else if let Some(r) = renamed.next() {
            *read = r;
        }
    }
    notes.extend(stored.notes.iter().map(|n| whole(n.clone())));

    Ok((
        Documents {
            reads,
            placed,
            removed,
        },
        returning,
        stored,
    ))
}

/// What the codings came to: the decisions to append, and the codes left out (by name: how
/// many codings, and why).
struct Codings {
    decisions: Vec<Decision>,
    skipped: BTreeMap<String, (usize, &'static str)>,
}

/// Codings: one decision per passage, with the labels of every coding that reaches it; a
/// returning document's confirmed labels whose codings were removed in the QDA tool become
/// a decision with no dimension. Decisions the decisions file already holds are not made
/// again.
fn codings(
    project: &Project,
    parsed: &Parsed,
    docs: &Documents,
    returning: &[bool],
    place: &Place<'_>,
    notes: &mut Vec<Diagnostic>,
) -> Codings {
    let at = |line: usize, message: String| place.at(line, message);
    let (sources, codes, users) = (&parsed.sources, &parsed.codes, &parsed.users);
    let (reads, placed) = (&docs.reads, &docs.placed);
    let existing = kooste_caimer::decisions::read(&kooste_caimer::decisions::path(project))
        .map(|(d, _)| d)
        .unwrap_or_default();
    let last: HashMap<&str, &Decision> = existing.iter().map(|d| (d.passage.as_str(), d)).collect();
    let mut skipped: BTreeMap<String, (usize, &'static str)> = BTreeMap::new();
    let mut decided: BTreeMap<(usize, usize), (BTreeSet<Dimension>, String, String)> =
        BTreeMap::new();
    let now = kooste_core::clock::now();
    for (r, (i, segs)) in placed.iter().enumerate() {
        let src = &sources[*i];
        let doc = &reads[r].document;
        if doc.passages.len() != segs.len() {
            if src.selections.iter().any(|s| !s.codings.is_empty()) {
                notes.push(at(src.line, format!("the codings of source '{}' are left out: its {} paragraphs became {} passages, so they cannot be placed", src.name, segs.len(), doc.passages.len())));
            }
            continue;
        }
        let len = src.text.chars().count();
        for sel in &src.selections {
            if sel.start > sel.end || sel.end > len {
                notes.push(at(sel.line, format!("a selection of source '{}' ({}..{}) lies outside its text (0..{len}); left out", src.name, sel.start, sel.end)));
                continue;
            }
            let targets = targets(segs, sel.start, sel.end);
            for c in &sel.codings {
                let Some((name, kind)) = codes.get(&c.code) else {
                    notes.push(at(sel.line, format!("a coding in source '{}' refers to a code that is not in the codebook; left out", src.name)));
                    continue;
                };
                let d = match kind {
                    CodeKind::Dimension(d) => *d,
                    CodeKind::Proposal => {
                        skipped
                            .entry(name.clone())
                            .or_insert((0, "an unconfirmed proposal, not a researcher's decision"))
                            .0 += 1;
                        continue;
                    }
                    CodeKind::Other => {
                        skipped
                            .entry(name.clone())
                            .or_insert((0, "not a CAIMeR dimension"))
                            .0 += 1;
                        continue;
                    }
                };
                if targets.is_empty() {
                    notes.push(at(
                        sel.line,
                        format!(
                            "a selection of source '{}' covers no passage; left out",
                            src.name
                        ),
                    ));
                    continue;
                }
                let user = c.user.as_ref().or(sel.user.as_ref());
                let who = user
                    .and_then(|u| users.get(u))
                    .filter(|n| !n.is_empty())
                    .cloned()
                    .unwrap_or_else(|| UNKNOWN_USER.to_string());
                let when = c
                    .when
                    .as_ref()
                    .or(sel.when.as_ref())
                    .and_then(|w| date_time(w))
                    .unwrap_or_else(|| now.clone());
                for t in &targets {
                    let e = decided
                        .entry((r, *t))
                        .or_insert_with(|| (BTreeSet::new(), who.clone(), when.clone()));
                    e.0.insert(d);
                    if when > e.2 {
                        e.1 = who.clone();
                        e.2 = when.clone();
                    }
                }
            }
        }
    }
    // A returning document's confirmed labels whose codings were removed in the QDA tool:
    // the researcher there withdrew them.
    for (r, (i, segs)) in placed.iter().enumerate() {
        let doc = &reads[r].document;
        if !returning[r] || doc.passages.len() != segs.len() {
            continue;
        }
        for (p, passage) in doc.passages.iter().enumerate() {
            let had = last
                .get(passage.id.as_str())
                .is_some_and(|d| !d.labels.is_empty());
            if had && !decided.contains_key(&(r, p)) {
                let src = &sources[*i];
                notes.push(at(
                    src.line,
                    format!(
                        "the confirmed labels of {} were removed in the QDA tool: recorded as a decision with no dimension",
                        passage.id
                    ),
                ));
                decided.insert(
                    (r, p),
                    (BTreeSet::new(), UNKNOWN_USER.to_string(), now.clone()),
                );
            }
        }
    }
    let mut decisions = Vec::new();
    for ((r, p), (labels, who, when)) in decided {
        let doc = &reads[r].document;
        let passage = &doc.passages[p];
        let d = Decision {
            passage: passage.id.clone(),
            text: passage.text.clone(),
            lang: doc.meta.lang.unwrap_or(project.config.project.lang),
            labels: labels.into_iter().collect(),
            who,
            when,
            note: None,
            withdrawn: false,
        };
        // Importing the same file again adds nothing.
        let same = last
            .get(d.passage.as_str())
            .is_some_and(|l| l.labels == d.labels && l.who == d.who && l.when == d.when);
        if !same {
            decisions.push(d);
        }
    }

    Codings { decisions, skipped }
}

/// The passages a selection codes: those it covers whole, else the one it overlaps most.
fn targets(segs: &[Segment], start: usize, end: usize) -> Vec<usize> {
    let whole: Vec<usize> = segs
        .iter()
        .enumerate()
        .filter(|(_, s)| start <= s.start && s.end <= end)
        .map(|(i, _)| i)
        .collect();
    if !whole.is_empty() {
        return whole;
    }
    segs.iter()
        .enumerate()
        .map(|(i, s)| (i, end.min(s.end).saturating_sub(start.max(s.start))))
        .filter(|(_, overlap)| *overlap > 0)
        .max_by_key(|(i, overlap)| (*overlap, std::cmp::Reverse(*i)))
        .map(|(i, _)| vec![i])
        .unwrap_or_default()
}

/// An `xsd:dateTime` as RFC 3339: one without a zone is taken as UTC.
fn date_time(s: &str) -> Option<String> {
    let s = s.trim();
    if is_date_time(s) {
        return Some(s.to_string());
    }
    let z = format!("{s}Z");
    is_date_time(&z).then_some(z)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(start: usize, end: usize) -> Segment {
        Segment {
            start,
            end,
            question: None,
            text: String::new(),
        }
    }

    #[test]
    fn selections_find_their_passages() {
        let segs = [seg(0, 10), seg(12, 20), seg(22, 40)];
        assert_eq!(targets(&segs, 0, 10), [0]);
        assert_eq!(targets(&segs, 12, 40), [1, 2]);
        assert_eq!(targets(&segs, 3, 5), [0]);
        assert_eq!(targets(&segs, 8, 16), [1]);
        assert_eq!(targets(&segs, 10, 12), Vec::<usize>::new());
    }

    #[test]
    fn date_times_from_other_tools() {
        assert_eq!(
            date_time("2019-03-18T10:00:00Z").unwrap(),
            "2019-03-18T10:00:00Z"
        );
        assert_eq!(
            date_time("2019-03-18T10:00:00").unwrap(),
            "2019-03-18T10:00:00Z"
        );
        assert_eq!(
            date_time("2019-03-18T10:00:00.5+02:00").unwrap(),
            "2019-03-18T10:00:00.5+02:00"
        );
        assert_eq!(date_time("yesterday"), None);
    }
}
