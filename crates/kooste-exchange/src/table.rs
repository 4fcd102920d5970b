//! Passages with their metadata and labels as a table: CSV for spreadsheets, JSON lines
//! for scripts.

use crate::Result;
use kooste_index::PassageRecord;
use serde_json::{Map, Value, json};
use std::io::Write;

/// How a table is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// CSV with a header row. `excel`: UTF-8 with a byte-order mark and `;` between
    /// fields, which Excel in Finnish and Swedish settings opens as columns; cells that
    /// Excel would read as a formula get a leading `'`.
    Csv {
        /// Excel-friendly.
        excel: bool,
    },
    /// One JSON object per passage and line.
    Jsonl,
}

const COLUMNS: &[&str] = &[
    "passage",
    "doc",
    "voice",
    "document_voice",
    "via",
    "workshop",
    "region",
    "theme",
    "battery",
    "question",
    "date",
    "lang",
    "pseudonym",
    "title",
    "text",
    "confirmed",
    "proposed",
    "labels",
    "label_status",
    "file",
    "line",
];

/// Whose labels `labels` holds: `confirmed` (a researcher's decision, which may be "none of
/// them"), `proposed` (the proposer's, not checked by anyone) or `none` (no label at all).
fn label_status(r: &PassageRecord) -> &'static str {
    match &r.labels.confirmed {
        Some(_) => "confirmed",
        None if r.labels.proposed.is_empty() => "none",
        None => "proposed",
    }
}

/// A score with three decimals, as written.
fn score(s: f32) -> f64 {
    (f64::from(s) * 1000.0).round() / 1000.0
}

/// One passage as a JSON object, the columns in table order. `confirmed` is null when no
/// researcher has decided, `[]` when one decided that no dimension holds; `labels` are the
/// labels that count (the confirmed ones, else the proposed ones) and `label_status` says
/// which they are, so that a reader never takes a proposal for a researcher's decision.
fn object(r: &PassageRecord) -> Map<String, Value> {
    let mut proposed = Map::new();
    for (d, s) in &r.labels.proposed {
        proposed.insert(d.as_str().to_string(), json!(score(*s)));
    }
    let values = [
        json!(r.passage),
        json!(r.doc),
        json!(r.voice),
        json!(r.document_voice),
        json!(r.via),
        json!(r.workshop),
        json!(r.region),
        json!(r.theme),
        json!(r.battery),
        json!(r.question_text.as_ref().or(r.question.as_ref())),
        json!(r.date.map(|d| d.to_string())),
        json!(r.lang),
        json!(r.pseudonym),
        json!(r.title),
        json!(r.text),
        json!(r.labels.confirmed),
        Value::Object(proposed),
        json!(r.labels.effective()),
        json!(label_status(r)),
        json!(r.file),
        json!(r.line),
    ];
    COLUMNS.iter().map(|c| c.to_string()).zip(values).collect()
}

/// A JSON value as a CSV cell: strings as they are, lists joined with `, `, proposals as
/// `dimension score`, nothing as an empty cell. Confirmed labels write `none` when a
/// researcher decided that no dimension holds.
fn cell(column: &str, v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) if a.is_empty() && (column == "confirmed" || column == "labels") => {
            "none".into()
        }
        Value::Array(a) => a
            .iter()
            .map(|x| cell(column, x))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(o) => o
            .iter()
            .map(|(k, s)| format!("{k} {s}"))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// Writes the passages.
pub fn write_table(
    records: &[PassageRecord],
    format: TableFormat,
    out: &mut impl Write,
) -> Result<()> {
    match format {
        TableFormat::Jsonl => {
            for r in records {
                serde_json::to_writer(&mut *out, &Value::Object(object(r)))
                    .map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
            }
        }
        TableFormat::Csv { excel } => {
            if excel {
                out.write_all("\u{feff}".as_bytes())?;
            }
            let mut w = csv::WriterBuilder::new()
                .delimiter(if excel { b';' } else { b',' })
                .from_writer(&mut *out);
            w.write_record(COLUMNS)?;
            for r in records {
                let o = object(r);
                let row: Vec<String> = COLUMNS
                    .iter()
                    .map(|c| {
                        let s = cell(c, &o[*c]);
                        if excel && s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                            format!("'{s}")
                        } else {
                            s
                        }
                    })
                    .collect();
                w.write_record(&row)?;
            }
            w.flush()?;
        }
    }
    Ok(())
}
