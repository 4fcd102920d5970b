//! `kooste export qdpx|csv|jsonl`: the corpus for QDA tools, spreadsheets and scripts.

use crate::Outcome;
use anyhow::Context;
use kooste_core::fsutil::write_atomic;
use kooste_core::model::Decision;
use kooste_core::record::Labels;
use kooste_exchange::{QdpxExport, TableFormat, write_qdpx, write_table};
use kooste_workspace::{Filters, Workspace};
use serde_json::json;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What to write.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// A REFI-QDA project for ATLAS.ti, NVivo, MAXQDA, QualCoder (needs -o).
    Qdpx,
    /// Passages with metadata and labels as CSV.
    Csv,
    /// Passages with metadata and labels, one JSON object per line.
    Jsonl,
}

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// qdpx, csv or jsonl.
    format: Format,
    /// The file to write (csv and jsonl go to stdout without it).
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// CSV for Excel: UTF-8 with a byte-order mark and `;` between fields.
    #[arg(long)]
    excel: bool,
    #[command(flatten)]
    filters: super::FilterArgs,
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    if args.excel && args.format != Format::Csv {
        return Err(super::Usage("--excel is for csv exports".into()).into());
    }
    if json && args.output.is_none() && args.format != Format::Qdpx {
        return Err(super::Usage(
            "--json prints a summary of what was written: name the file with -o FILE, or leave out --json to print the passages (`export jsonl` prints them as JSON lines)".into(),
        )
        .into());
    }
    if args.format == Format::Qdpx {
        if args.output.is_none() {
            return Err(super::Usage(
                "a .qdpx is a ZIP archive: name the file to write with -o FILE.qdpx".into(),
            )
            .into());
        }
        if args.filters.dimension.is_some() {
            return Err(super::Usage(
                "--dimension is for csv and jsonl: a .qdpx holds whole documents; filter by --voice, --workshop or --theme".into(),
            )
            .into());
        }
    }
    let ws = super::workspace(project)?;
    // The index gives every passage its labels as they count now.
    let problems = ws.refresh(false)?.problems;
    let ix = ws.index()?;
    let filters = args.filters.filters();
    let summary = match args.format {
        Format::Qdpx => {
            let out = args.output.as_deref().unwrap_or(Path::new("-"));
            let labels: HashMap<String, Labels> = ix
                .records(&Filters::default())?
                .into_iter()
                .map(|r| (r.passage, r.labels))
                .collect();
            qdpx(&ws, &filters, &labels, out)?
        }
        Format::Csv | Format::Jsonl => {
            let records = ix.records(&filters)?;
            let format = match args.format {
                Format::Jsonl => TableFormat::Jsonl,
                _ => TableFormat::Csv { excel: args.excel },
            };
            let mut bytes = Vec::new();
            write_table(&records, format, &mut bytes)?;
            match &args.output {
                Some(o) => {
                    write_atomic(o, &bytes).with_context(|| format!("writing {}", o.display()))?
                }
                None => {
                    let mut stdout = std::io::stdout().lock();
                    stdout.write_all(&bytes)?;
                    stdout.flush()?;
                }
            }
            json!({"file": args.output, "passages": records.len()})
        }
    };
    for p in &problems {
        errln!("{p}");
    }
    if let Some(o) = &args.output {
        if json {
            let mut summary = summary;
            summary["problems"] = json!(problems.iter().map(|p| p.to_string()).collect::<Vec<_>>());
            outln!("{summary}");
        } else {
            let mut line = format!("{}: wrote ", o.display());
            match args.format {
                Format::Qdpx => line.push_str(&format!(
                    "{} documents, {} codings of confirmed labels, {} of proposals",
                    summary["documents"], summary["codings"], summary["proposals"]
                )),
                _ => line.push_str(&format!("{} passages", summary["passages"])),
            }
            outln!("{line}");
        }
    }
    Ok(if problems.is_empty() {
        Outcome::Ok
    } else {
        Outcome::SomeRejected
    })
}

/// Writes the documents that pass the filters as a `.qdpx`.
fn qdpx(
    ws: &Workspace,
    filters: &Filters,
    labels: &HashMap<String, Labels>,
    out: &Path,
) -> anyhow::Result<serde_json::Value> {
    let project = ws.project();
    // The index has already reported the corpus's problems.
    let (reads, _) = ws.documents()?;
    let documents: Vec<_> = reads
        .into_iter()
        .map(|r| r.document)
        .filter(|d| {
            let m = &d.meta;
            filters.voice.is_none_or(|v| m.voice == v)
                && filters
                    .workshop
                    .as_ref()
                    .is_none_or(|w| m.workshop.as_ref() == Some(w))
                && filters
                    .theme
                    .as_ref()
                    .is_none_or(|t| m.theme.as_ref() == Some(t))
        })
        .collect();
    // Problems of the decisions file were reported with the index's.
    let (decisions, _) = kooste_caimer::decisions::read(&kooste_caimer::decisions::path(project))?;
    // The last decision on a passage is the one that counts; a withdrawn one leaves the
    // passage with its proposals.
    let mut last: HashMap<String, Decision> = HashMap::new();
    for d in decisions {
        last.insert(d.passage.clone(), d);
    }
    let decisions: HashMap<String, Decision> =
        last.into_iter().filter(|(_, d)| !d.withdrawn).collect();
    let written = write_qdpx(&QdpxExport {
        name: &project.config.project.name,
        lang: project.config.project.lang,
        batteries: &project.batteries,
        documents: &documents,
        labels,
        decisions: &decisions,
    })?;
    write_atomic(out, &written.bytes).with_context(|| format!("writing {}", out.display()))?;
    Ok(json!({
        "file": out,
        "documents": written.sources,
        "passages": documents.iter().map(|d| d.passages.len()).sum::<usize>(),
        "codings": written.codings,
        "proposals": written.proposals,
    }))
}
