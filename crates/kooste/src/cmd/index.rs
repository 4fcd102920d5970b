//! `kooste index [--rebuild]`: bring the search index in line with the corpus.

use crate::Outcome;
use anyhow::Context;
use kooste_core::Project;
use kooste_index::{Labels, SearchIndex, SyncReport};
use std::collections::HashMap;
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
    // The proposer is built once per run: reading the decisions and loading (or retraining)
    // the model costs far more than proposing for one passage.
    let caimer = kooste_caimer::Caimer::open(project).context("loading the CAIMeR proposer")?;
    let confirmed = caimer.confirmed();
    let default_lang = project.config.project.lang;
    // The decisions of the document at hand, aligned with its passages as they are now.
    let mut decided = (String::new(), HashMap::new());
    let (ix, report, mut problems) = kooste_index::update(project, rebuild, |d, p| {
        if decided.0 != d.meta.id {
            let passages = d.passages.iter().map(|p| (p.id.as_str(), p.text.as_str()));
            decided = (
                d.meta.id.clone(),
                confirmed.of_document(&d.meta.id, passages),
            );
        }
        Labels {
            proposed: caimer
                .propose(&p.text, d.meta.lang.unwrap_or(default_lang), &p.hints)
                .proposed(),
            // A researcher's decision always wins over the proposal.
            confirmed: decided.1.get(&p.id).cloned(),
        }
    })?;
    problems.extend(caimer.problems().iter().cloned());
    Ok((ix, report, problems))
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
