//! `kooste ingest PATH...`: read submissions into the corpus, removing personal data.

use crate::Outcome;
use indicatif::{ProgressBar, ProgressStyle};
use kooste_core::model::{Date, Lang, Voice};
use kooste_ingest::{Defaults, Diagnostic, IngestOptions, Kind, Survey};
use serde_json::json;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Files and directories (read recursively) of .md, .txt, .csv, .xlsx and .docx submissions, and REFI-QDA projects (.qdpx).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Whose knowledge the material is, when the file does not say (for .qdpx: a source without a voice variable): client|worker|researcher (or in Finnish or Swedish).
    #[arg(long, value_parser = clap::value_parser!(Voice))]
    voice: Option<Voice>,
    /// The workshop round the material belongs to, e.g. rannikko-3.
    #[arg(long)]
    workshop: Option<String>,
    /// The theme id.
    #[arg(long)]
    theme: Option<String>,
    /// The date, YYYY-MM-DD.
    #[arg(long, value_parser = clap::value_parser!(Date))]
    date: Option<Date>,
    /// The language: fi or sv.
    #[arg(long, value_parser = clap::value_parser!(Lang))]
    lang: Option<Lang>,
    /// The question battery of forms (recognised from the header row when not given).
    #[arg(long)]
    battery: Option<String>,
    /// The sheet of Excel workbooks to read (the first when not given).
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// A survey mapping (TOML) for survey-tool exports (.csv, .xlsx): the battery, the
    /// respondents' voice, and which column answers which question. Without it, NAME.survey.toml
    /// beside NAME.xlsx or NAME.csv is used when present.
    #[arg(long, value_name = "MAPPING")]
    survey: Option<PathBuf>,
    /// Say that this file is a new version of the document DOCID, wherever that came from:
    /// its source's documents are replaced by this file's. For one file at a time.
    #[arg(long, value_name = "DOCID")]
    replace: Option<String>,
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    if args.replace.is_some() && (args.paths.len() != 1 || args.paths[0].is_dir()) {
        return Err(super::Usage(
            "--replace DOCID names the document that one file supersedes; give exactly one file"
                .into(),
        )
        .into());
    }
    let ws = super::workspace(project)?;
    let opts = IngestOptions {
        defaults: Defaults {
            voice: args.voice,
            workshop: args.workshop.clone(),
            theme: args.theme.clone(),
            date: args.date,
            lang: args.lang,
        },
        battery: args.battery.clone(),
        sheet: args.sheet.clone(),
        survey: match &args.survey {
            Some(path) => match Survey::load(path) {
                Ok(s) => Some(s),
                Err(d) => {
                    errln!("{d}");
                    return Ok(Outcome::SomeRejected);
                }
            },
            None => None,
        },
        replace: args.replace.clone(),
    };
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut walk_notes = Vec::new();
    let files = collect(&args.paths, &mut errors, &mut walk_notes);
    for n in &walk_notes {
        errln!(
            "{}:{}: note: {}",
            n.path.display(),
            n.line.max(1),
            n.message
        );
    }
    let bar = (std::io::stdout().is_terminal() && !json && files.len() > 20).then(|| {
        let b = ProgressBar::new(files.len() as u64);
        b.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}").expect("template"));
        b
    });
    let mut reports = Vec::new();
    let mut changed = false;
    // Written in groups; each file's result comes once its group is on disk.
    ws.ingest_files(&files, &opts, |f, result| {
        if let Some(b) = &bar {
            b.set_message(f.display().to_string());
        }
        match result {
            Ok(file) => {
                changed |= file.changed();
                // Bad sources of a .qdpx were left out; the rest is in.
                errors.extend(file.problems.iter().cloned());
                let done = &file.ingested;
                let removed: serde_json::Map<String, serde_json::Value> = done
                    .removed
                    .iter()
                    .map(|(k, n)| (k.as_str().to_string(), json!(n)))
                    .collect();
                if !json {
                    let mut line = summary(f, done);
                    if let Some(q) = &file.qdpx {
                        if q.returned > 0 {
                            line.push_str(&format!(
                                "; {} came back from the QDA tool (text kept as in the corpus)",
                                q.returned
                            ));
                        }
                        line.push_str(&format!("; {} decisions", q.decisions));
                        for n in qdpx_notes(q) {
                            errln!("{n}");
                        }
                    }
                    let mut lines = vec![line];
                    lines.extend(done.notes.iter().map(|n| format!("{}: {n}", f.display())));
                    for line in lines {
                        match &bar {
                            Some(b) => b.println(line),
                            None => outln!("{line}"),
                        }
                    }
                }
                let mut report = json!({
                    "path": f,
                    "documents": done.documents.iter().map(|(id, o)| json!({"id": id, "outcome": format!("{o:?}").to_lowercase()})).collect::<Vec<_>>(),
                    "passages": done.passages,
                    "removed": removed,
                    "notes": done.notes,
                });
                if let Some(q) = &file.qdpx {
                    let extra = json!({
                        "decisions": q.decisions,
                        "returned": q.returned,
                        "skipped": q.skipped.iter().map(|s| json!({"code": s.code, "codings": s.codings, "reason": s.reason})).collect::<Vec<_>>(),
                        "notes": q.notes.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
                    });
                    if let (Some(r), serde_json::Value::Object(extra)) =
                        (report.as_object_mut(), extra)
                    {
                        r.extend(extra);
                    }
                }
                reports.push(report);
            }
            Err(d) => errors.extend(d),
        }
        if let Some(b) = &bar {
            b.inc(1);
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    for e in &errors {
        errln!("{e}");
    }
    // Once there is an index, it follows the corpus: what was just ingested is searchable.
    let index = match changed.then(|| ws.follow()).transpose()?.flatten() {
        Some(done) => {
            for p in &done.problems {
                errln!("{p}");
            }
            if !json {
                outln!("{}", done.summary());
            }
            Some(done.report)
        }
        None => None,
    };
    if json {
        let errs: Vec<_> = errors
            .iter()
            .map(|e| json!({"path": e.path, "line": e.line, "message": e.message}))
            .collect();
        outln!(
            "{}",
            json!({
                "files": reports,
                "errors": errs,
                "notes": walk_notes
                    .iter()
                    .map(|n| json!({"path": n.path, "line": n.line, "message": n.message}))
                    .collect::<Vec<_>>(),
                "index": index,
            })
        );
    } else if !errors.is_empty() {
        errln!(
            "{} of {} files ingested; {} problem(s) above",
            reports.len(),
            files.len(),
            errors.len()
        );
    }
    Ok(if errors.is_empty() {
        Outcome::Ok
    } else {
        Outcome::SomeRejected
    })
}

fn summary(f: &Path, done: &kooste_ingest::Ingested) -> String {
    let mut counts = std::collections::BTreeMap::new();
    for (_, o) in &done.documents {
        *counts.entry(format!("{o:?}").to_lowercase()).or_insert(0) += 1;
    }
    let docs: Vec<String> = counts.iter().map(|(o, n)| format!("{n} {o}")).collect();
    let mut line = format!(
        "{}: {} ({} passages)",
        f.display(),
        docs.join(", "),
        done.passages
    );
    let removed: Vec<String> = Kind::ALL
        .iter()
        .filter_map(|k| done.removed.get(k).map(|n| format!("{n} {}", k.as_str())))
        .collect();
    if !removed.is_empty() {
        line.push_str(&format!("; removed {}", removed.join(", ")));
    }
    line
}

/// What a `.qdpx` import left out, one line each: codes that are not CAIMeR dimensions (and
/// kooste's own proposals), then anything else.
fn qdpx_notes(i: &kooste_workspace::Qdpx) -> Vec<String> {
    let mut out: Vec<String> = i
        .skipped
        .iter()
        .map(|s| {
            format!(
                "note: {} coding(s) of the code '{}' not imported: {}",
                s.codings, s.code, s.reason
            )
        })
        .collect();
    out.extend(i.notes.iter().map(|n| format!("note: {n}")));
    out
}

/// Expands directories (recursively, sorted) into the files kooste reads. A file named
/// explicitly is always tried, so that an unsupported one gets an error.
fn collect(
    paths: &[PathBuf],
    errors: &mut Vec<Diagnostic>,
    notes: &mut Vec<Diagnostic>,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(kooste_ingest::walk(p, true, errors, notes));
        } else {
            out.push(p.clone());
        }
    }
    out
}
