//! `kooste findings WORKSHOP [CHANGE]`: the findings of the digest presented at WORKSHOP,
//! and the researchers' curation of them (`findings/WORKSHOP.toml`).
//!
//! Without a change it lists each theme's findings with their passages; a change (rename,
//! summary, merge, move, split, pin) is checked against the findings as they stand, written
//! durably to the curation file, and the findings are listed again as they now are.

use crate::Outcome;
use kooste_core::model::Lang;
use kooste_digest::findings::{Change, Curation};
use kooste_digest::{Digest, Finding, Round};
use kooste_workspace::Unchanged;
use serde_json::json;
use std::path::Path;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The workshop where the digest is presented, e.g. rannikko-3.
    workshop: String,
    /// The language of headings and names: fi or sv (default: the project's language).
    #[arg(long, value_parser = clap::value_parser!(Lang))]
    lang: Option<Lang>,
    #[command(subcommand)]
    change: Option<ChangeArgs>,
}

/// A finding is named by its id (`asuminen`), or by `THEME/ID` when several themes have it.
#[derive(clap::Subcommand, Debug)]
enum ChangeArgs {
    /// Give a finding a heading of your own (an empty one brings back the proposed heading).
    Rename {
        /// The finding.
        finding: String,
        /// The new heading.
        heading: String,
        /// Write the Swedish heading (default: the Finnish one).
        #[arg(long)]
        sv: bool,
    },
    /// Write a finding's one-sentence summary (an empty one removes it).
    Summary {
        /// The finding.
        finding: String,
        /// The summary.
        text: String,
        /// Write the Swedish summary (default: the Finnish one).
        #[arg(long)]
        sv: bool,
    },
    /// Merge one finding into another: its passages join the other, also new ones later.
    Merge {
        /// The finding merged away.
        from: String,
        /// The finding that takes its passages.
        into: String,
    },
    /// Move passages (DOCID#N) to another finding; without --to they make a new finding of their own (a split).
    Move {
        /// The passages.
        #[arg(required = true)]
        passages: Vec<String>,
        /// The finding they move to.
        #[arg(long)]
        to: Option<String>,
        /// The heading of the new finding, when there is no --to.
        #[arg(long, conflicts_with = "to")]
        heading: Option<String>,
    },
    /// Choose the quotes a finding shows first (at most four passages; none: kooste chooses).
    Pin {
        /// The finding.
        finding: String,
        /// Its passages, in the order shown.
        passages: Vec<String>,
    },
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    let ws = super::workspace(project)?;
    let project = ws.project();
    let round = super::digest::round(project, &args.workshop)?;
    let lang = args.lang.unwrap_or(project.config.project.lang);
    let mut built = super::digest::build(&ws, &round, lang)?;
    let mut changed = None;
    if let Some(change) = &args.change {
        let change = resolve(change, &built.digest)?;
        let path = match ws.curate(&round, &built.digest, &[change])? {
            Ok(path) => path,
            Err(Unchanged::BrokenFile(p)) => {
                return Err(anyhow::anyhow!(
                    "{p}; fix the file before changing the findings, so that nothing in it is lost"
                ));
            }
            Err(why) => return Err(super::Usage(format!("{why}; nothing was changed")).into()),
        };
        changed = Some(path);
        built = super::digest::build(&ws, &round, lang)?;
    }
    let digest = &built.digest;
    let problems: Vec<String> = built
        .digest
        .curation
        .iter()
        .map(ToString::to_string)
        .collect();
    for p in &problems {
        errln!("{p}");
    }
    if json {
        let themes: Vec<serde_json::Value> = digest
            .themes
            .iter()
            .map(|t| {
                json!({
                    "theme": t.theme.id,
                    "label": t.theme.label,
                    "findings": t.all_findings().map(finding_json).collect::<Vec<_>>(),
                })
            })
            .collect();
        outln!(
            "{}",
            json!({
                "workshop": round.workshop,
                "round": round.previous,
                "file": Curation::file(&round.workshop),
                "changed": changed.is_some(),
                "themes": themes,
                "problems": problems,
            })
        );
    } else {
        if let Some(path) = &changed {
            outln!("Saved the change to {}.", path.display());
        }
        list(digest, &round);
    }
    Ok(if problems.is_empty() {
        Outcome::Ok
    } else {
        Outcome::SomeRejected
    })
}

fn finding_json(f: &Finding) -> serde_json::Value {
    json!({
        "id": f.id,
        "heading": f.heading.text,
        "summary": f.summary.as_ref().map(|s| &s.text),
        "matter": f.matter,
        "curated": f.curated,
        "voices": f.voices,
        "dimensions": f.dimensions.iter().map(|d| json!({"dimension": d.dimension, "count": d.count})).collect::<Vec<_>>(),
        "count": f.count,
        "quotes": f.quotes.iter().map(|q| &q.passage).collect::<Vec<_>>(),
        "rest": f.rest.iter().map(|q| &q.passage).collect::<Vec<_>>(),
    })
}

fn list(digest: &Digest, round: &Round) {
    outln!(
        "Findings of the digest presented at {} (the round of {}); curation in {}:",
        round.workshop,
        round.previous,
        Curation::file(&round.workshop)
    );
    if digest.themes.is_empty() {
        outln!("No material in the round, so no findings.");
    }
    for t in &digest.themes {
        let label = if t.theme.label.is_empty() {
            "(no theme)"
        } else {
            &t.theme.label
        };
        outln!("");
        outln!("{label} [{}]", t.theme.id);
        for f in t.all_findings() {
            let voices: Vec<&str> = f.voices.iter().map(|v| v.as_str()).collect();
            outln!(
                "  {} — {}{} ({}; {})",
                f.id,
                f.heading.text,
                if f.curated { " [curated]" } else { "" },
                voices.join(", "),
                if f.count == 1 {
                    "1 passage".to_string()
                } else {
                    format!("{} passages", f.count)
                }
            );
            if let Some(s) = &f.summary {
                outln!("      {}", s.text);
            }
            for q in &f.quotes {
                outln!("    * {}  {}", q.passage, cut(&q.text));
            }
            for q in &f.rest {
                outln!("      {}  {}", q.passage, cut(&q.text));
            }
        }
    }
}

fn cut(text: &str) -> String {
    let mut s: String = text.chars().take(70).collect();
    if text.chars().count() > 70 {
        s.push('…');
    }
    s
}

/// Finds the theme and id a finding reference names: `THEME/ID`, or an `ID` that one theme
/// has; for a passage, the theme it is in.
fn find<'d>(digest: &'d Digest, reference: &str) -> anyhow::Result<(&'d str, String)> {
    let all = || {
        digest
            .themes
            .iter()
            .flat_map(|t| t.all_findings().map(move |f| (t.theme.id.as_str(), f)))
    };
    let hits: Vec<(&str, &Finding)> = match reference.split_once('/') {
        Some((theme, id)) => all().filter(|(t, f)| *t == theme && f.id == id).collect(),
        None => all().filter(|(_, f)| f.id == reference).collect(),
    };
    match hits.as_slice() {
        [(t, f)] => Ok((t, f.id.clone())),
        [] => Err(super::Usage(format!(
            "the digest has no finding '{reference}'; `kooste findings {}` lists them",
            digest.workshop.id
        ))
        .into()),
        many => Err(super::Usage(format!(
            "several themes have a finding '{reference}'; name one as THEME/{reference}: {}",
            many.iter()
                .map(|(t, _)| format!("{t}/{reference}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into()),
    }
}

fn theme_of_passage<'d>(digest: &'d Digest, passage: &str) -> anyhow::Result<&'d str> {
    digest
        .themes
        .iter()
        .find(|t| {
            t.all_findings()
                .any(|f| f.passages().any(|q| q.passage == passage))
        })
        .map(|t| t.theme.id.as_str())
        .ok_or_else(|| {
            super::Usage(format!(
                "passage '{passage}' is not among the digest's findings; `kooste findings {}` lists them",
                digest.workshop.id
            ))
            .into()
        })
}

fn resolve(change: &ChangeArgs, digest: &Digest) -> anyhow::Result<Change> {
    let lang = |sv: bool| if sv { Lang::Sv } else { Lang::Fi };
    Ok(match change {
        ChangeArgs::Rename {
            finding,
            heading,
            sv,
        } => {
            let (theme, id) = find(digest, finding)?;
            Change::Rename {
                theme: theme.to_string(),
                id,
                lang: lang(*sv),
                text: heading.clone(),
            }
        }
        ChangeArgs::Summary { finding, text, sv } => {
            let (theme, id) = find(digest, finding)?;
            Change::Summary {
                theme: theme.to_string(),
                id,
                lang: lang(*sv),
                text: text.clone(),
            }
        }
        ChangeArgs::Merge { from, into } => {
            let (theme, from) = find(digest, from)?;
            let into = match into.split_once('/') {
                Some(_) => find(digest, into)?,
                None => find(digest, &format!("{theme}/{into}"))?,
            };
            if into.0 != theme {
                return Err(super::Usage(
                    "findings of different themes cannot be merged".to_string(),
                )
                .into());
            }
            Change::Merge {
                theme: theme.to_string(),
                from,
                into: into.1,
            }
        }
        ChangeArgs::Move {
            passages,
            to,
            heading,
        } => {
            let theme = theme_of_passage(digest, &passages[0])?;
            for p in passages {
                if theme_of_passage(digest, p)? != theme {
                    return Err(super::Usage(
                        "the passages are in different themes; move them one theme at a time"
                            .to_string(),
                    )
                    .into());
                }
            }
            let to = match to {
                Some(to) => Some(find(digest, &format!("{theme}/{to}"))?.1),
                None => None,
            };
            Change::Move {
                theme: theme.to_string(),
                passages: passages.clone(),
                to,
                heading: heading.clone(),
            }
        }
        ChangeArgs::Pin { finding, passages } => {
            let (theme, id) = find(digest, finding)?;
            Change::Pin {
                theme: theme.to_string(),
                id,
                passages: passages.clone(),
            }
        }
    })
}
