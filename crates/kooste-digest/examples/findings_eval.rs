//! Measures how well a digest's findings put together the passages that speak about the
//! same matter: pair precision, recall and F1 of "shares a finding" against a gold grouping,
//! for kooste's matter thesaurus and for two baselines, on the tuning and held-out parts.
//!
//! `cargo run --release -p kooste-digest --example findings_eval -- eval/findings`
//!
//! The directory holds `passages.jsonl` (`{"id", "part", "writer", "theme", "lang", "voice",
//! "text", "matter"}`; see its README). Findings are made within a theme, as in a digest, so
//! pairs are counted within themes. Gold: passages of one theme with the same matter share a
//! finding; a passage of no listed matter (`muu`) shares none.
//!
//! - `kooste`: `findings::propose`, the grouping the digest makes: each passage in the
//!   finding of the matter it speaks of most (the thesaurus); one that names none joins the
//!   finding of its most similar passage by shared stems
//!   (when they share any specific term), else stands alone.
//! - `keywords`: the grouping digests used before the thesaurus (shared stems, weighted
//!   Jaccard, average linkage: `group::Grouper`).
//! - `nearest`: each passage linked to its most similar passage by shared stems, findings as
//!   the connected parts.

use kooste_core::model::Lang;
use kooste_digest::findings::{Item, propose, quotes_wanted};
use kooste_digest::group::{Grouper, THRESHOLD};
use kooste_digest::matters::Thesaurus;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Deserialize)]
struct Row {
    id: String,
    part: String,
    theme: String,
    lang: String,
    voice: String,
    text: String,
    matter: String,
}

/// Labels each passage with its finding; passages with the same label share one.
type Grouping = Vec<String>;

/// The grouping a digest makes: `findings::propose`, the code the digest runs.
fn kooste(rows: &[&Row], thesaurus: &Thesaurus) -> Grouping {
    let items: Vec<Item<'_>> = rows
        .iter()
        .map(|r| Item {
            text: &r.text,
            lang: lang(r),
            theme: &r.theme,
        })
        .collect();
    propose(thesaurus, &items)
        .into_iter()
        .zip(rows)
        .map(|(p, r)| match p.matter {
            Some(m) => format!("{}:{}", r.theme, thesaurus.matters()[m].id),
            None => format!("alone:{}", r.id),
        })
        .collect()
}

fn lang(r: &Row) -> Lang {
    if r.lang == "sv" { Lang::Sv } else { Lang::Fi }
}

fn keywords(rows: &[&Row], grouper: &Grouper) -> Grouping {
    let mut out = vec![String::new(); rows.len()];
    let mut themes: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        themes.entry(&r.theme).or_default().push(i);
    }
    for (theme, idx) in themes {
        for (g, group) in grouper.group(&idx, THRESHOLD).iter().enumerate() {
            for &p in &group.members {
                out[p] = format!("{theme}:{g}");
            }
        }
    }
    out
}

fn nearest(rows: &[&Row], grouper: &Grouper) -> Grouping {
    let mut parent: Vec<usize> = (0..rows.len()).collect();
    fn find(p: &mut Vec<usize>, i: usize) -> usize {
        if p[i] != i {
            let r = find(p, p[i]);
            p[i] = r;
        }
        p[i]
    }
    for i in 0..rows.len() {
        let best = (0..rows.len())
            .filter(|&j| j != i && rows[j].theme == rows[i].theme)
            .map(|j| (grouper.similarity(i, j), j))
            .filter(|(s, _)| *s > 0.0)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, j)) = best {
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            parent[a] = b;
        }
    }
    (0..rows.len())
        .map(|i| format!("{}", find(&mut parent, i)))
        .collect()
}

/// Quotes in a digest's body per passage: for kooste, each finding shows
/// `quotes_wanted` and the rest goes to the appendix; the baselines' digests quoted every
/// passage of every finding.
fn quotes_per_passage(rows: &[&Row], got: &Grouping, appendix: bool) -> f64 {
    if !appendix {
        return 1.0;
    }
    let mut findings: HashMap<&str, (usize, std::collections::BTreeSet<&str>)> = HashMap::new();
    for (r, g) in rows.iter().zip(got) {
        let e = findings.entry(g.as_str()).or_default();
        e.0 += 1;
        e.1.insert(r.voice.as_str());
    }
    let quotes: usize = findings
        .values()
        .map(|(n, voices)| quotes_wanted(*n, voices.len()))
        .sum();
    quotes as f64 / rows.len().max(1) as f64
}

/// Pair precision, recall and F1 of a grouping against the gold, within themes.
fn score(rows: &[&Row], got: &Grouping) -> (f64, f64, f64, f64) {
    let (mut tp, mut predicted, mut gold) = (0usize, 0usize, 0usize);
    for i in 0..rows.len() {
        for j in i + 1..rows.len() {
            if rows[i].theme != rows[j].theme {
                continue;
            }
            let g = rows[i].matter == rows[j].matter && rows[i].matter != "muu";
            let p = got[i] == got[j];
            gold += g as usize;
            predicted += p as usize;
            tp += (g && p) as usize;
        }
    }
    let precision = tp as f64 / predicted.max(1) as f64;
    let recall = tp as f64 / gold.max(1) as f64;
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    let findings = got.iter().collect::<std::collections::HashSet<_>>().len();
    (
        precision,
        recall,
        f1,
        rows.len() as f64 / findings.max(1) as f64,
    )
}

fn main() {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "eval/findings".into()),
    );
    let text = std::fs::read_to_string(dir.join("passages.jsonl")).expect("passages.jsonl");
    let rows: Vec<Row> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a passage"))
        .collect();
    let thesaurus = Thesaurus::builtin().expect("the thesaurus");
    // `--errors`: the tuning part's passages whose matter kooste gets wrong (never the
    // held-out part's: it is not looked at while tuning).
    if std::env::args().any(|a| a == "--errors") {
        let tune: Vec<&Row> = rows.iter().filter(|r| r.part == "tune").collect();
        let got = kooste(&tune, &thesaurus);
        for (r, g) in tune.iter().zip(&got) {
            let matter = g.split_once(':').map_or("", |x| x.1);
            if matter != r.matter {
                let why: Vec<String> = thesaurus
                    .evidence(&r.text, lang(r))
                    .into_iter()
                    .map(|(m, w)| format!("{}={w}", thesaurus.matters()[m].id))
                    .collect();
                println!(
                    "{}\tgold {}\tgot {}\t[{}]\t{}",
                    r.id,
                    r.matter,
                    matter,
                    why.join(", "),
                    r.text
                );
            }
        }
        return;
    }
    println!(
        "| part | passages | method | pair precision | pair recall | pair F1 | passages per finding | body quotes per passage |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|");
    for part in ["tune", "heldout"] {
        let part_rows: Vec<&Row> = rows.iter().filter(|r| r.part == part).collect();
        let grouper = Grouper::new(part_rows.iter().map(|r| {
            (
                r.text.as_str(),
                if r.lang == "sv" { Lang::Sv } else { Lang::Fi },
            )
        }));
        let methods: [(&str, Grouping); 3] = [
            ("kooste (thesaurus)", kooste(&part_rows, &thesaurus)),
            ("keywords (before)", keywords(&part_rows, &grouper)),
            ("nearest neighbour", nearest(&part_rows, &grouper)),
        ];
        for (i, (name, got)) in methods.iter().enumerate() {
            let (p, r, f, per) = score(&part_rows, got);
            let q = quotes_per_passage(&part_rows, got, i == 0);
            println!(
                "| {part} | {} | {name} | {p:.3} | {r:.3} | {f:.3} | {per:.1} | {q:.2} |",
                part_rows.len()
            );
        }
        // How many passages the thesaurus finds no matter in, and per voice.
        let mut none: HashMap<&str, (usize, usize)> = HashMap::new();
        for r in &part_rows {
            let lang = if r.lang == "sv" { Lang::Sv } else { Lang::Fi };
            let e = none.entry(r.voice.as_str()).or_default();
            e.1 += 1;
            if thesaurus.matter_of(&r.text, lang).is_none() {
                e.0 += 1;
            }
        }
        let mut none: Vec<_> = none.into_iter().collect();
        none.sort();
        eprintln!(
            "{part}: passages the thesaurus names no matter in, per voice: {}",
            none.iter()
                .map(|(v, (n, all))| format!("{v} {n}/{all}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
