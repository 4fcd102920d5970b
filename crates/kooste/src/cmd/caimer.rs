//! `kooste caimer propose|learn`: CAIMeR proposals with the evidence behind them, and
//! learning from researchers' decisions, as JSON lines on stdin.

use crate::Outcome;
use anyhow::Context;
use kooste_caimer::{Caimer, Proposal};
use kooste_core::Project;
use kooste_core::model::{Decision, Dimension, Lang};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Propose dimensions for passages given as JSON lines {"id", "text"} on stdin (optional: "lang", "hints").
    Propose,
    /// Add decisions given as JSON lines {"id", "text", "labels": [..]} on stdin (optional: "lang", "note", "who") and retrain.
    Learn(LearnArgs),
}

#[derive(clap::Args, Debug)]
struct LearnArgs {
    /// Who made the decisions, unless a line says otherwise.
    #[arg(long, default_value = "cli")]
    who: String,
}

/// One line of `propose` input. Other fields (a labelled set's `labels`, `voice`) are
/// ignored, so labelled files can be piped in as they are.
#[derive(Deserialize)]
struct ProposeLine {
    id: String,
    text: String,
    #[serde(default)]
    lang: Option<Lang>,
    #[serde(default)]
    hints: Vec<Dimension>,
}

/// One line of `learn` input.
#[derive(Deserialize)]
struct LearnLine {
    id: String,
    text: String,
    labels: Vec<String>,
    #[serde(default)]
    lang: Option<Lang>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    who: Option<String>,
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    let ws = super::workspace(project)?;
    let project = ws.project();
    let mut caimer = ws.caimer().context("loading the CAIMeR proposer")?;
    for p in caimer.problems() {
        errln!("{p}");
    }
    let file_ok = caimer.problems().is_empty();
    if std::io::stdin().is_terminal() {
        errln!("Reading JSON lines from stdin; end with Ctrl-D.");
    }
    let input_ok = match &args.command {
        Sub::Propose => propose(project, &caimer, json)?,
        Sub::Learn(a) => learn(project, &mut caimer, a, json)?,
    };
    Ok(if file_ok && input_ok {
        Outcome::Ok
    } else {
        Outcome::SomeRejected
    })
}

/// Calls `each(line number, line)` for every non-blank line of stdin, with `Err(message)` for
/// a line that is not UTF-8. Returns whether every line was taken.
fn each_line(
    mut each: impl FnMut(usize, Result<&str, String>) -> anyhow::Result<bool>,
) -> anyhow::Result<bool> {
    let mut stdin = std::io::stdin().lock();
    let mut buf = Vec::new();
    let mut n = 0;
    let mut ok = true;
    loop {
        buf.clear();
        if stdin.read_until(b'\n', &mut buf).context("reading stdin")? == 0 {
            return Ok(ok);
        }
        n += 1;
        match std::str::from_utf8(&buf) {
            Ok(line) if line.trim().is_empty() => {}
            Ok(line) => ok &= each(n, Ok(line.trim_end_matches(['\n', '\r'])))?,
            Err(_) => {
                ok &= each(
                    n,
                    Err("the line is not UTF-8; save the input as UTF-8".into()),
                )?;
            }
        }
    }
}

/// Rounds a score for printing.
fn round(s: f32) -> f64 {
    (f64::from(s) * 1000.0).round() / 1000.0
}

fn propose(project: &Project, caimer: &Caimer, json: bool) -> anyhow::Result<bool> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let default_lang = project.config.project.lang;
    let ok = each_line(|n, line| {
        let parsed = line.and_then(|line| {
            serde_json::from_str::<ProposeLine>(line)
                .map_err(|e| format!("{e}; each line must be a JSON object {{\"id\", \"text\"}}"))
        });
        let input = match parsed {
            Ok(i) => i,
            Err(message) => {
                errln!("<stdin>:{n}: {message}");
                // One JSON line per input line, a rejected one included.
                if json {
                    writeln!(out, "{}", json!({"line": n, "error": message}))?;
                }
                return Ok(false);
            }
        };
        let lang = input
            .lang
            .unwrap_or_else(|| kooste_caimer::detect_lang(&input.text, default_lang));
        let p = caimer.propose(&input.text, lang, &input.hints);
        if json {
            writeln!(out, "{}", proposal_json(&input.id, &p))?;
        } else {
            write_human(&mut out, &input.id, &p)?;
        }
        Ok(true)
    })?;
    out.flush()?;
    Ok(ok)
}

/// `{"id", "labels", "scores", "why"}`, as design.md specifies.
fn proposal_json(id: &str, p: &Proposal) -> Value {
    let scores: Map<String, Value> = p
        .scores
        .iter()
        .map(|(d, s)| (d.as_str().to_string(), json!(round(*s))))
        .collect();
    json!({
        "id": id,
        "labels": p.labels,
        "scores": scores,
        "why": p.why(),
    })
}

fn write_human(out: &mut impl Write, id: &str, p: &Proposal) -> std::io::Result<()> {
    let proposed = p.proposed();
    if proposed.is_empty() {
        let (d, s) = p
            .scores
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .copied()
            .unwrap_or((Dimension::Context, 0.0));
        writeln!(out, "{id}: no dimension (closest: {d} {s:.2})")
    } else {
        let labels: Vec<String> = proposed
            .iter()
            .map(|(d, s)| format!("{d} {s:.2}"))
            .collect();
        writeln!(out, "{id}: {}", labels.join(", "))?;
        for w in p.why() {
            writeln!(out, "  {w}")?;
        }
        Ok(())
    }
}

fn learn(
    project: &Project,
    caimer: &mut Caimer,
    args: &LearnArgs,
    json: bool,
) -> anyhow::Result<bool> {
    let default_lang = project.config.project.lang;
    let when = kooste_core::clock::now();
    let mut decisions = Vec::new();
    let mut rejected = Vec::new();
    let ok = each_line(|n, line| {
        let mut reject = |message: String| -> anyhow::Result<bool> {
            errln!("<stdin>:{n}: {message}");
            rejected.push(json!({"line": n, "message": message}));
            Ok(false)
        };
        let line = match line {
            Ok(l) => l,
            Err(message) => return reject(message),
        };
        let input: LearnLine = match serde_json::from_str(line) {
            Ok(i) => i,
            Err(e) => {
                return reject(format!(
                    "{e}; each line must be a JSON object {{\"id\", \"text\", \"labels\": [..]}}"
                ));
            }
        };
        let mut labels = Vec::new();
        for l in &input.labels {
            match l.parse::<Dimension>() {
                Ok(d) => labels.push(d),
                Err(e) => return reject(e),
            }
        }
        labels.sort_unstable();
        labels.dedup();
        let lang = input
            .lang
            .unwrap_or_else(|| kooste_caimer::detect_lang(&input.text, default_lang));
        let d = Decision {
            passage: input.id,
            text: input.text,
            lang,
            labels,
            who: input.who.unwrap_or_else(|| args.who.clone()),
            when: when.clone(),
            note: input.note,
            withdrawn: false,
        };
        if let Err(e) = d.check() {
            return reject(e);
        }
        decisions.push(d);
        Ok(true)
    })?;
    let added = caimer
        .record_all(decisions)
        .context("recording the decisions")?;
    let passages = caimer.confirmed().len();
    if json {
        outln!(
            "{}",
            json!({
                "added": added,
                "decisions": caimer.decisions().len(),
                "passages": passages,
                "errors": rejected,
            })
        );
    } else {
        outln!(
            "Added {added} decision(s) to {}; {passages} passage(s) have decisions, and the proposer has learned from them.",
            kooste_caimer::decisions::FILE
        );
    }
    Ok(ok)
}
