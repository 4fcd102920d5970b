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
        errln!("{p}");
    }
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "report": report,
                "problems": problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            })
        );
    } else {
        outln!("{}", summary(&report));
        if !problems.is_empty() {
            outln!(
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
    let inputs = inputs(project, &caimer)?;
    // Files are read and labelled on every core (see `kooste_index::update`); each thread
    // keeps the decisions of the document at hand, aligned with its passages as they are
    // now, while it labels that document's passages.
    thread_local! {
        static DECIDED: std::cell::RefCell<(String, HashMap<String, Vec<kooste_core::model::Dimension>>)> =
            std::cell::RefCell::default();
    }
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (ix, report, mut problems) = kooste_index::update(project, rebuild, &inputs, |d, p| {
        let confirmed = DECIDED.with(|decided| {
            let mut decided = decided.borrow_mut();
            // The key names this run too: a thread that labels again later (the web app's
            // watcher) must not take decisions aligned before they changed.
            let key = format!("{run}\u{0}{}\u{0}{:p}", d.meta.id, d);
            if decided.0 != key {
                let passages = d.passages.iter().map(|p| (p.id.as_str(), p.text.as_str()));
                // A form row's decisions follow its answers, wherever the row moved.
                let of = if d.meta.row.is_some() {
                    kooste_caimer::decisions::Confirmed::of_row
                } else {
                    kooste_caimer::decisions::Confirmed::of_document
                };
                *decided = (key, of(&confirmed, &d.meta.id, passages));
            }
            decided.1.get(&p.id).cloned()
        });
        Labels {
            proposed: caimer
                .propose(&p.text, d.meta.lang.unwrap_or(default_lang), &p.hints)
                .proposed(),
            // A researcher's decision always wins over the proposal.
            confirmed,
        }
    })?;
    problems.extend(caimer.problems().iter().cloned());
    Ok((ix, report, problems))
}

/// A fingerprint of everything besides the corpus files that shapes what the index holds:
/// the program, the project's settings, workshops and batteries, the register (redaction),
/// and the CAIMeR lexicons, settings and decisions. When it changes, every file is read
/// again.
fn inputs(project: &Project, caimer: &kooste_caimer::Caimer) -> anyhow::Result<String> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    kooste_index::FORMAT.hash(&mut h);
    format!("{:?}", project.config).hash(&mut h);
    format!("{:?}", project.regions).hash(&mut h);
    format!("{:?}", project.batteries).hash(&mut h);
    format!("{:?}", project.participants()?).hash(&mut h);
    kooste_caimer::train::fingerprint(caimer.proposer(), caimer.decisions()).hash(&mut h);
    Ok(format!("{:016x}", h.finish()))
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
