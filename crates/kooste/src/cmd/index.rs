//! `kooste index [--rebuild]`: bring the search index in line with the corpus.

use crate::Outcome;
use kooste_core::Project;
use kooste_index::{SearchIndex, SyncReport, hint_labels};
use std::path::Path;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Start over instead of reindexing only what changed.
    #[arg(long)]
    rebuild: bool,
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    let project = super::project(project)?;
    let (_, report, problems) = refresh(&project, args.rebuild)?;
    for p in &problems {
        eprintln!("{p}");
    }
    if json {
        println!(
            "{}",
            serde_json::json!({
                "report": report,
                "problems": problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            })
        );
    } else {
        println!("{}", summary(&report));
        if !problems.is_empty() {
            println!(
                "{} file(s) could not be indexed; see the messages above.",
                problems.len()
            );
        }
    }
    Ok(if problems.is_empty() {
        Outcome::Ok
    } else {
        Outcome::SomeRejected
    })
}

/// Brings the project's index in line with its corpus and its CAIMeR labels: the one way
/// every command (index, search, digest, serve) gets an up-to-date index.
pub(crate) fn refresh(
    project: &Project,
    rebuild: bool,
) -> anyhow::Result<(SearchIndex, SyncReport, Vec<kooste_ingest::Diagnostic>)> {
    Ok(kooste_index::update(project, rebuild, |_, p| {
        hint_labels(p)
    })?)
}

/// One line on what an update did.
pub(crate) fn summary(r: &SyncReport) -> String {
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
