//! `kooste redact`: rewrites corpus files that still hold personal data in place, redacted,
//! keeping everything else in them (hand edits too).

use crate::Outcome;
use kooste_ingest::Kind;
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Corpus files to rewrite (as `kooste status` names them).
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Every corpus file that still holds personal data.
    #[arg(long, conflicts_with = "files")]
    all: bool,
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    if args.files.is_empty() && !args.all {
        return Err(super::Usage(
            "name the corpus files to rewrite (kooste status lists them), or give --all".into(),
        )
        .into());
    }
    let ws = super::workspace(project)?;
    let mut report = Vec::new();
    let mut failed = false;
    let given = (!args.all).then_some(args.files.as_slice());
    for done in ws.rewrite(given)? {
        let shown = done.file;
        match done.result {
            Ok(removed) => {
                if removed.is_empty() && args.all {
                    continue;
                }
                let kinds: Vec<String> = Kind::ALL
                    .iter()
                    .filter_map(|k| removed.get(k).map(|n| format!("{n} {}", k.as_str())))
                    .collect();
                if !json {
                    if kinds.is_empty() {
                        outln!("{}: no personal data; left as it is", shown.display());
                    } else {
                        outln!(
                            "{}: rewritten; removed {}",
                            shown.display(),
                            kinds.join(", ")
                        );
                    }
                }
                report.push(json!({
                    "file": shown.to_string_lossy(),
                    "removed": removed.iter().map(|(k, n)| (k.as_str().to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
                }));
            }
            Err(diags) => {
                for d in diags {
                    errln!("{d}");
                }
                failed = true;
            }
        }
    }
    if json {
        outln!("{}", json!({ "files": report }));
    } else if args.all && report.is_empty() {
        outln!("No corpus file holds personal data.");
    }
    Ok(if failed {
        Outcome::SomeRejected
    } else {
        Outcome::Ok
    })
}
