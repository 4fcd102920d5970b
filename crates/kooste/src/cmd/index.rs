//! `kooste index [--rebuild]`: bring the search index in line with the corpus.

use crate::Outcome;
use std::path::Path;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Start over instead of reindexing only what changed.
    #[arg(long)]
    rebuild: bool,
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    let ws = super::workspace(project)?;
    let done = ws.refresh(args.rebuild)?;
    for p in &done.problems {
        errln!("{p}");
    }
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "report": done.report,
                "problems": done.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            })
        );
    } else {
        outln!("{}", done.summary());
        if !done.problems.is_empty() {
            outln!(
                "{} file(s) could not be indexed; see the messages above.",
                done.problems.len()
            );
        }
    }
    Ok(if done.problems.is_empty() {
        Outcome::Ok
    } else {
        Outcome::SomeRejected
    })
}
