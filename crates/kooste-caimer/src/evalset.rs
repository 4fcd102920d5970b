//! The labelled evaluation sets in the repository (`eval/caimer/labelled.jsonl` and
//! `eval/caimer-real/writer-*.jsonl`), their fixed held-out splits, and the shipped
//! training set of the base model. Used by the evaluation example, the command that
//! writes the base model, and the test that checks the committed base model is current.

use kooste_core::model::{Decision, Dimension, Lang};
use serde::Deserialize;

/// One labelled passage.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    /// The passage's id.
    pub id: String,
    /// Its writer (`A`, `B`) in the real-style set; empty in the shipped set.
    #[serde(default)]
    pub writer: String,
    /// Its style (`terse`, `passive`, `ocr`, `report`, `swedish`, `prose`); empty in the
    /// shipped set.
    #[serde(default)]
    pub style: String,
    /// Its language.
    pub lang: Lang,
    /// The text.
    pub text: String,
    /// The gold labels.
    pub labels: Vec<Dimension>,
}

impl Row {
    /// The row as a researcher's decision.
    pub fn decision(&self) -> Decision {
        Decision {
            passage: self.id.clone(),
            text: self.text.clone(),
            lang: self.lang,
            labels: self.labels.clone(),
            who: "eval".into(),
            when: "2024-01-01T00:00:00Z".into(),
            note: None,
            withdrawn: false,
        }
    }
}

/// Parses a JSON-lines file of rows; `name` names it in errors.
pub fn parse(name: &str, text: &str) -> Result<Vec<Row>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("{name}:{}: {e}", i + 1)))
        .collect()
}

/// The 64-bit FNV-1a hash of a string.
pub fn fnv(s: &str) -> u64 {
    kooste_core::fingerprint::of(s.as_bytes())
}

/// Whether a passage of `eval/caimer/labelled.jsonl` is in its held-out third (fixed
/// before its lexicons were written: FNV-1a of the id is 0 modulo 3).
pub fn shipped_held_out(r: &Row) -> bool {
    fnv(&r.id).is_multiple_of(3)
}

/// Splits the real-style set into (tune, held-out): within each writer × style group the
/// passages ordered by FNV-1a of their id (ties by id), the first ⌈n/3⌉ held out. Fixed
/// before any passage of the set was read for tuning (`eval/caimer-real/README.md`).
pub fn split_real(rows: &[Row]) -> (Vec<Row>, Vec<Row>) {
    let mut groups: std::collections::BTreeMap<(&str, &str), Vec<&Row>> = Default::default();
    for r in rows {
        groups
            .entry((r.writer.as_str(), r.style.as_str()))
            .or_default()
            .push(r);
    }
    let mut held: std::collections::HashSet<&str> = Default::default();
    for g in groups.values_mut() {
        g.sort_by(|a, b| fnv(&a.id).cmp(&fnv(&b.id)).then(a.id.cmp(&b.id)));
        held.extend(g.iter().take(g.len().div_ceil(3)).map(|r| r.id.as_str()));
    }
    let (h, t): (Vec<Row>, Vec<Row>) = rows
        .iter()
        .cloned()
        .partition(|r| held.contains(r.id.as_str()));
    (t, h)
}

/// The repository's evaluation files, read from `root` (the repository's top directory).
pub struct Sets {
    /// `eval/caimer/labelled.jsonl`.
    pub shipped: Vec<Row>,
    /// `eval/caimer-real/writer-a.jsonl` and `writer-b.jsonl`.
    pub real: Vec<Row>,
}

impl Sets {
    /// Reads the files below `root`.
    pub fn read(root: &std::path::Path) -> Result<Sets, String> {
        let read = |rel: &str| {
            let p = root.join(rel);
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            parse(rel, &text)
        };
        let shipped = read("eval/caimer/labelled.jsonl")?;
        let mut real = read("eval/caimer-real/writer-a.jsonl")?;
        real.extend(read("eval/caimer-real/writer-b.jsonl")?);
        Ok(Sets { shipped, real })
    }

    /// What the base model is trained on: the shipped set's tuning part and the real-style
    /// set's tune part; never a held-out passage.
    pub fn base_training(&self) -> Vec<Decision> {
        let (tune, _) = split_real(&self.real);
        self.shipped
            .iter()
            .filter(|r| !shipped_held_out(r))
            .chain(&tune)
            .map(Row::decision)
            .collect()
    }
}
