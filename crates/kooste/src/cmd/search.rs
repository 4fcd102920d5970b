//! `kooste search QUERY`: the best passages with highlighted snippets, and hit counts per
//! voice, dimension and workshop.

use crate::Outcome;
use kooste_core::model::Date;
use kooste_workspace::{FacetCounts, Filters, Hit, IndexError, Results, SearchRequest};
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};
use std::path::Path;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Words to look for; "a phrase in quotes" must appear as such; -word leaves out passages with the word.
    query: String,
    #[command(flatten)]
    filters: super::FilterArgs,
    /// Not before this day, YYYY-MM-DD.
    #[arg(long, value_parser = clap::value_parser!(Date))]
    from: Option<Date>,
    /// Not after this day, YYYY-MM-DD.
    #[arg(long, value_parser = clap::value_parser!(Date))]
    to: Option<Date>,
    /// How many passages to show.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// With --json: print {"total", "hits", "facets", "suggestions"} instead of the array of hits.
    #[arg(long)]
    facets: bool,
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    let ws = super::workspace(project)?;
    let req = SearchRequest {
        query: args.query.clone(),
        filters: Filters {
            from: args.from,
            to: args.to,
            ..args.filters.filters()
        },
        limit: args.limit,
    };
    if let (Some(from), Some(to)) = (args.from, args.to)
        && from > to
    {
        return Err(super::Usage(format!(
            "--from {from} is after --to {to}: nothing can match; swap them"
        ))
        .into());
    }
    if !ws.has_index() {
        errln!("No index yet: building it first (kooste index).");
    }
    let searched = match ws.search(&req) {
        Ok(s) => s,
        Err(kooste_workspace::Error::Index(IndexError::EmptyQuery)) => {
            return Err(super::Usage(format!(
                "nothing to search for in {:?}: give one or more words, a \"quoted phrase\", or a filter such as --voice client",
                args.query
            ))
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    for r in searched.refreshed.iter().filter(|r| r.changed()) {
        for p in &r.problems {
            errln!("{p}");
        }
        errln!("{}", r.summary());
    }
    if let Some(why) = &searched.stale {
        errln!("The index could not be brought up to date ({why}); searching it as it is.");
    }
    let results = searched.results;
    let mut out = std::io::stdout().lock();
    if json {
        let hits: Vec<Value> = results.hits.iter().map(hit_json).collect();
        let value = if args.facets {
            json!({
                "total": results.total,
                "hits": hits,
                "facets": results.facets,
                "suggestions": results.suggestions,
                "loose_phrases": results.loose_phrases,
            })
        } else {
            Value::Array(hits)
        };
        writeln!(out, "{value}")?;
    } else {
        print_human(
            &mut out,
            &args.query,
            &results,
            std::io::stdout().is_terminal(),
        )?;
    }
    Ok(Outcome::Ok)
}

fn hit_json(h: &Hit) -> Value {
    let r = &h.record;
    json!({
        "passage": r.passage,
        "doc": r.doc,
        "score": h.score,
        "voice": r.voice,
        "dimensions": r.labels.effective(),
        "workshop": r.workshop,
        "snippet": h.snippet.text,
        "highlights": h.snippet.char_ranges(),
        "theme": r.theme,
        "date": r.date.map(|d| d.to_string()),
        "lang": r.lang,
        "question": r.question,
        "proposed": r.labels.proposed.iter().map(|(d, s)| json!({"dimension": d, "score": s})).collect::<Vec<_>>(),
        "confirmed": r.labels.confirmed,
        "file": r.file,
        "line": r.line,
    })
}

fn counts(c: &FacetCounts) -> String {
    c.iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_human(out: &mut impl Write, query: &str, r: &Results, tty: bool) -> std::io::Result<()> {
    let what = if query.trim().is_empty() {
        "the filters".to_string()
    } else {
        format!("{query:?}")
    };
    if r.total == 0 {
        writeln!(out, "No passages match {what}.")?;
        if !r.suggestions.is_empty() {
            writeln!(out, "Did you mean: {}?", r.suggestions.join(", "))?;
        }
        writeln!(
            out,
            "Try fewer or shorter words, or leave out a filter. Words are found in any inflected form."
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{} passage{} match {what}{}.",
        r.total,
        if r.total == 1 { "" } else { "s" },
        if r.hits.len() < r.total {
            format!(" (the best {} shown)", r.hits.len())
        } else {
            String::new()
        }
    )?;
    if r.loose_phrases {
        writeln!(
            out,
            "  No passage has the quoted words side by side; these have all of them, nearest together first."
        )?;
    }
    for (name, c) in [
        ("voice", &r.facets.voice),
        ("dimension", &r.facets.dimension),
        ("workshop", &r.facets.workshop),
    ] {
        if !c.is_empty() {
            writeln!(out, "  {name}: {}", counts(c))?;
        }
    }
    let (open, close) = if tty {
        ("\x1b[1;4m", "\x1b[0m")
    } else {
        ("**", "**")
    };
    for (i, h) in r.hits.iter().enumerate() {
        let rec = &h.record;
        let mut tags = vec![rec.voice.as_str().to_string()];
        tags.extend(rec.workshop.clone());
        tags.extend(rec.theme.clone());
        let dims = rec.labels.effective();
        if !dims.is_empty() {
            let names: Vec<&str> = dims.iter().map(|d| d.as_str()).collect();
            let how = if rec.labels.confirmed.is_some() {
                ""
            } else {
                " (proposed)"
            };
            tags.push(format!("{}{how}", names.join("+")));
        }
        writeln!(out, "\n{:>2}. {}  {}", i + 1, rec.passage, tags.join(" · "))?;
        writeln!(
            out,
            "    {}",
            h.snippet.marked(open, close).replace('\n', " ")
        )?;
        writeln!(out, "    {}:{}", rec.file, rec.line)?;
    }
    Ok(())
}
