//! `kooste steps [--status S] [--kind K] [QUERY]`: the development-steps list
//! (`development-steps.toml`), filtered by status, kind and words in any inflected form.

use crate::Outcome;
use kooste_core::model::Lang;
use kooste_core::steps::{Entry, Kind, Status, StepsList};
use kooste_text::analyze::{fold, is_stop, stem, trunc, words};
use serde_json::json;
use std::io::Write;
use std::path::Path;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Words to look for in ids, titles, descriptions and notes, in any inflected form (all must occur).
    query: Vec<String>,
    /// Only entries with this status now: proposed, agreed, in-trial, done, dropped (or in Finnish or Swedish).
    #[arg(long, value_parser = clap::value_parser!(Status))]
    status: Option<Status>,
    /// Only needs or only steps: need|step (tarve|askel, behov|steg).
    #[arg(long, value_parser = clap::value_parser!(Kind))]
    kind: Option<Kind>,
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    let project = super::project(project)?;
    let list = StepsList::load(&project)?;
    let query = args.query.join(" ");
    let wanted = query_words(&query);
    if !query.trim().is_empty() && wanted.is_empty() {
        return Err(super::Usage(format!(
            "nothing to search for in {query:?}: give one or more words"
        ))
        .into());
    }
    let hits: Vec<&Entry> = list
        .entries
        .iter()
        .filter(|e| args.status.is_none_or(|s| e.status() == s))
        .filter(|e| args.kind.is_none_or(|k| e.kind == k))
        .filter(|e| matches(e, &wanted))
        .collect();
    let mut out = std::io::stdout().lock();
    if json {
        let value: Vec<serde_json::Value> = hits
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(e).unwrap_or_default();
                v["status"] = json!(e.status());
                v
            })
            .collect();
        writeln!(out, "{}", serde_json::Value::Array(value))?;
        return Ok(Outcome::Ok);
    }
    if list.entries.is_empty() {
        writeln!(
            out,
            "The development-steps list is empty. Add needs and steps to {} (see `kooste init` for the format).",
            StepsList::path(&project).display()
        )?;
        return Ok(Outcome::Ok);
    }
    if hits.is_empty() {
        writeln!(
            out,
            "No entry of {} matches. Try fewer words or leave out --status or --kind.",
            list.entries.len()
        )?;
        return Ok(Outcome::Ok);
    }
    writeln!(out, "{} of {} entries:", hits.len(), list.entries.len())?;
    for e in hits {
        writeln!(
            out,
            "\n{}  [{} · {}]  {}",
            e.id,
            e.kind,
            e.status(),
            e.title
        )?;
        let mut about = Vec::new();
        if let Some(w) = &e.workshop {
            about.push(format!("raised in {w}"));
        }
        if !e.voices.is_empty() {
            let v: Vec<&str> = e.voices.iter().map(|v| v.as_str()).collect();
            about.push(format!("by {}", v.join(", ")));
        }
        if !e.needs.is_empty() {
            about.push(format!("answers {}", e.needs.join(", ")));
        }
        if !about.is_empty() {
            writeln!(out, "    {}", about.join("; "))?;
        }
        if let Some(d) = &e.description {
            writeln!(out, "    {d}")?;
        }
        for n in &e.notes {
            let status = n.status.map(|s| format!(" [{s}]")).unwrap_or_default();
            writeln!(out, "    {}{status}  {}", n.date, n.text)?;
        }
    }
    Ok(Outcome::Ok)
}

/// The content words of a query, lowercased.
fn query_words(query: &str) -> Vec<String> {
    words(query)
        .into_iter()
        .filter(|w| !w.joined && !is_stop(&w.lower))
        .map(|w| w.lower)
        .collect()
}

/// Whether every query word occurs in the entry in some inflected form: the same Finnish or
/// Swedish stem, or inside a compound its stem (of four letters or more) or its first
/// letters (`analyze::trunc`, which joins forms that Snowball keeps apart: `lupaukset`,
/// `takaisinsoittolupaus`).
fn matches(e: &Entry, wanted: &[String]) -> bool {
    if wanted.is_empty() {
        return true;
    }
    let mut text = format!("{} {}", e.id.replace(['-', '_', '.'], " "), e.title);
    if let Some(d) = &e.description {
        text.push(' ');
        text.push_str(d);
    }
    for n in &e.notes {
        text.push(' ');
        text.push_str(&n.text);
    }
    let entry: Vec<String> = words(&text).into_iter().map(|w| w.folded).collect();
    wanted.iter().all(|q| {
        let q = fold(q);
        if let Some(t) = trunc(&q)
            && entry.iter().any(|w| w.contains(&t))
        {
            return true;
        }
        [Lang::Fi, Lang::Sv].into_iter().any(|lang| {
            let qs = stem(&q, lang);
            entry
                .iter()
                .any(|w| stem(w, lang) == qs || (qs.chars().count() >= 4 && w.contains(&qs)))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_in_any_inflected_form_and_inside_compounds() {
        let list = StepsList::parse(
            r#"
[[entry]]
id = "takaisinsoitto"
kind = "step"
title = "Takaisinsoittolupaus saman päivän aikana"

[[entry.note]]
date = 2018-06-04
text = "Kokeilu alkoi tiimissä."
"#,
            Path::new("x.toml"),
        )
        .unwrap();
        let e = &list.entries[0];
        let m = |q: &str| matches(e, &query_words(q));
        assert!(m("lupaus"));
        assert!(m("lupaukset"));
        assert!(m("takaisinsoitot"));
        assert!(m("päivänä"));
        assert!(m("kokeilussa tiimi"));
        assert!(!m("kotikäynti"));
        assert!(!m("lupaus kotikäynti"));
        assert!(m(""));
    }
}
