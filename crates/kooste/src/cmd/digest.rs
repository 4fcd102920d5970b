//! `kooste digest WORKSHOP [--format html|md] [--lang fi|sv] [-o FILE]`: the digest
//! presented at the start of WORKSHOP, made of the previous workshop's round.
//!
//! Without `-o` the digest goes to stdout, as Markdown unless `--format html` is given. With
//! `-o FILE` the format follows the file's extension (`.html`/`.htm` or `.md`) unless
//! `--format` says otherwise, and the file is written atomically.
//!
//! `kooste digest WORKSHOP --publish` makes the digest readable to every role in the web app
//! (recorded in the project's `published.toml`); before that only researchers see it.

use crate::Outcome;
use anyhow::Context;
use kooste_core::fsutil::write_atomic;
use kooste_core::model::Lang;
use kooste_digest::{Error, Format, Round, Templates};
use kooste_workspace::{Built, Workspace};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The workshop where the digest is presented, e.g. rannikko-3; it covers the previous workshop's round.
    workshop: String,
    /// html (one self-contained file, for presenting and printing) or md (Markdown). Default: md, or what the -o file's extension says.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// fi or sv (default: the project's language).
    #[arg(long, value_parser = clap::value_parser!(Lang))]
    lang: Option<Lang>,
    /// Write the digest to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Publish the digest: from now on every role reads it in the web app (kept in published.toml).
    #[arg(long)]
    publish: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FormatArg {
    Html,
    Md,
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    let ws = super::workspace(project)?;
    let project = ws.project();
    let round = round(project, &args.workshop)?;
    if args.publish {
        let today = kooste_core::clock::today();
        let new = kooste_core::publish::publish(project, &round.workshop, today)?;
        if json {
            outln!(
                "{}",
                serde_json::json!({ "published": round.workshop, "already": !new })
            );
        } else if new {
            outln!(
                "Published the digest for {}: every role can now read it in the web app.",
                round.workshop
            );
        } else {
            outln!("The digest for {} was already published.", round.workshop);
        }
        return Ok(Outcome::Ok);
    }
    let format = format(args)?;
    let lang = args.lang.unwrap_or(project.config.project.lang);
    // Wording first: a mistake in it should not wait for the index.
    let templates = Templates::load(&project.root.join("templates"))?;
    let Built {
        digest,
        index_problems: problems,
    } = build(&ws, &round, lang)?;
    let curation_problems = &digest.curation;
    for p in curation_problems {
        errln!("{p}");
    }

    if json {
        let rendered = match &args.output {
            Some(path) => {
                write(path, &templates.render(&digest, format)?)?;
                serde_json::json!(path)
            }
            None => serde_json::Value::Null,
        };
        let value = serde_json::json!({
            "workshop": round.workshop,
            "round": round.previous,
            "output": rendered,
            "digest": digest,
        });
        writeln!(std::io::stdout().lock(), "{value}")?;
    } else {
        let text = templates.render(&digest, format)?;
        match &args.output {
            Some(path) => {
                write(path, &text)?;
                outln!(
                    "Wrote the digest for {} (the round of {}) to {}.",
                    round.workshop,
                    round.previous,
                    path.display()
                );
            }
            None => std::io::stdout().lock().write_all(text.as_bytes())?,
        }
    }
    Ok(if problems.is_empty() && curation_problems.is_empty() {
        Outcome::Ok
    } else {
        Outcome::SomeRejected
    })
}

/// The round whose digest is presented at `workshop`. A digest that cannot exist (an
/// unknown workshop, the first of its region) is a usage error.
pub(crate) fn round(project: &kooste_core::Project, workshop: &str) -> anyhow::Result<Round> {
    match Round::of(project, workshop) {
        Ok(r) => Ok(r),
        Err(e @ (Error::UnknownWorkshop { .. } | Error::FirstWorkshop { .. })) => {
            Err(super::Usage(e.to_string()).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Makes the digest of `round` in `lang` (see `Workspace::digest`), saying so when the
/// index is built first and naming the corpus files it could not read.
pub(crate) fn build(ws: &Workspace, round: &Round, lang: Lang) -> anyhow::Result<Built> {
    if !ws.has_index() {
        errln!("No index yet: building it first (kooste index).");
    }
    let built = ws.digest(round, lang)?;
    for p in &built.index_problems {
        errln!("{p}");
    }
    Ok(built)
}

fn format(args: &Args) -> anyhow::Result<Format> {
    if let Some(f) = args.format {
        return Ok(match f {
            FormatArg::Html => Format::Html,
            FormatArg::Md => Format::Md,
        });
    }
    let ext = args
        .output
        .as_ref()
        .and_then(|p| p.extension())
        .map(|e| e.to_string_lossy().to_lowercase());
    Ok(match ext.as_deref() {
        Some("html" | "htm") => Format::Html,
        Some("md" | "markdown") | None => Format::Md,
        Some(other) => {
            return Err(super::Usage(format!(
                "cannot tell the format from the extension '.{other}'; give --format html or --format md"
            ))
            .into());
        }
    })
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    write_atomic(path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))
}
