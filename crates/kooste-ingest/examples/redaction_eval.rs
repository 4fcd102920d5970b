//! Measures the redactor on a labelled set: precision and recall per kind of personal data.
//!
//! `cargo run --release -p kooste-ingest --example redaction_eval -- eval/redaction`
//!
//! The directory holds `participants.toml` (the register used) and `cases.txt`, one case
//! per line with personal data marked `[[KIND|text]]` (KIND: hetu, puhelin, sahkoposti,
//! nimi, vieras); lines starting with `#` are comments. A gold span counts as found when
//! removals cover all of it; a removal is correct when it overlaps a gold span of the same
//! kind.
//!
//! `vieras` is someone outside the register whose surname is a participant's: the whole
//! name must go, as a name (it counts as `nimi` for recall and precision), and must not
//! become that participant's pseudonym. A `vieras` span that any participant's pseudonym
//! replaced, even in part, is also counted as a false link and listed.

use kooste_core::model::Lang;
use kooste_ingest::{Kind, Redactor};
use std::collections::BTreeMap;
use std::ops::Range;

fn gold_kind(k: Kind) -> &'static str {
    match k {
        Kind::Hetu | Kind::HetuSuspect => "hetu",
        Kind::Phone => "puhelin",
        Kind::Email => "sahkoposti",
        _ => "nimi",
    }
}

/// The kind a gold span is scored as: a stranger's name is a name.
fn scored(kind: &str) -> &str {
    if kind == "vieras" { "nimi" } else { kind }
}

/// Strips the markup, returning the plain text and the gold spans in it.
fn parse(line: &str) -> (String, Vec<(Range<usize>, String)>) {
    let mut text = String::new();
    let mut spans = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("[[") {
        text.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let end = after.find("]]").expect("unclosed [[");
        let (kind, span) = after[..end].split_once('|').expect("[[KIND|text]]");
        spans.push((text.len()..text.len() + span.len(), kind.to_string()));
        text.push_str(span);
        rest = &after[end + 2..];
    }
    text.push_str(rest);
    (text, spans)
}

fn main() {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "eval/redaction".into()),
    );
    let register =
        kooste_core::project::read_register(&dir.join("participants.toml")).expect("register");
    let cases = std::fs::read_to_string(dir.join("cases.txt")).expect("cases.txt");
    let redactor = Redactor::new(&register);
    // kind -> (gold, found, predicted, correct)
    let mut t: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut clean_lines = (0, 0);
    // vieras spans, and those replaced (even in part) by a participant's pseudonym.
    let mut strangers = (0, 0);
    for line in cases
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (text, gold) = parse(line);
        let lang = if text.contains(" och ") || text.contains(" är ") || text.contains(" att ") {
            Lang::Sv
        } else {
            Lang::Fi
        };
        let (_, removals) = redactor.redact(&text, lang);
        if gold.is_empty() {
            clean_lines.0 += 1;
            if removals.is_empty() {
                clean_lines.1 += 1;
            }
        }
        for (g, kind) in &gold {
            if kind == "vieras" {
                strangers.0 += 1;
                if removals.iter().any(|r| {
                    r.kind == Kind::Participant && g.start < r.range.end && r.range.start < g.end
                }) {
                    strangers.1 += 1;
                    misses.push(format!("linked to a participant: {}", &text[g.clone()]));
                }
            }
            let kind = &scored(kind).to_string();
            let e = t.entry(kind.clone()).or_default();
            e[0] += 1;
            let covered = (g.start..g.end).all(|i| removals.iter().any(|r| r.range.contains(&i)));
            if covered {
                e[1] += 1;
            } else {
                misses.push(format!("missed {kind}: {}", &text[g.clone()]));
            }
        }
        for r in &removals {
            let kind = gold_kind(r.kind);
            let e = t.entry(kind.to_string()).or_default();
            e[2] += 1;
            if gold
                .iter()
                .any(|(g, k)| scored(k) == kind && g.start < r.range.end && r.range.start < g.end)
            {
                e[3] += 1;
            } else {
                misses.push(format!(
                    "wrongly removed as {kind}: {}",
                    &text[r.range.clone()]
                ));
            }
        }
    }
    let pct = |a: usize, b: usize| {
        if b == 0 {
            100.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    println!("| kind | gold spans | recall | removals | precision |");
    println!("|---|---:|---:|---:|---:|");
    let mut all = [0; 4];
    for (k, e) in &t {
        println!(
            "| {k} | {} | {:.1} % | {} | {:.1} % |",
            e[0],
            pct(e[1], e[0]),
            e[2],
            pct(e[3], e[2])
        );
        for i in 0..4 {
            all[i] += e[i];
        }
    }
    println!(
        "| **all** | {} | {:.1} % | {} | {:.1} % |",
        all[0],
        pct(all[1], all[0]),
        all[2],
        pct(all[3], all[2])
    );
    println!(
        "\nlines without personal data left untouched: {} of {}",
        clean_lines.1, clean_lines.0
    );
    if strangers.0 > 0 {
        println!(
            "strangers (vieras) given a participant's pseudonym: {} of {}",
            strangers.1, strangers.0
        );
    }
    if std::env::var_os("VERBOSE").is_some() {
        for m in misses {
            println!("{m}");
        }
    }
}
