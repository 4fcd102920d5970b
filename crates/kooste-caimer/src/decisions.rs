//! The decisions file, `decisions/decisions.jsonl` in the project: one JSON object per line
//! (a [`Decision`]), only ever appended to. A later decision on a passage overrides earlier
//! ones; nothing is rewritten, so the file is also the history of who decided what when.
//! A decision with `"withdrawn": true` takes the passage back to review.

use crate::{Error, Result};
use kooste_core::Project;
use kooste_core::model::{Decision, Dimension};
use kooste_ingest::Diagnostic;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where the decisions file lies, relative to the project directory.
pub const FILE: &str = "decisions/decisions.jsonl";

/// The decisions file of a project.
pub fn path(project: &Project) -> PathBuf {
    project.root.join(FILE)
}

/// Reads every decision in the file (none when it does not exist). A line that is not a
/// valid decision (for example one cut short by a crash) is reported as
/// `path:line: message; what to do` and skipped.
pub fn read(path: &Path) -> Result<(Vec<Decision>, Vec<Diagnostic>)> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(source) => {
            return Err(Error::Io(kooste_core::FileError::new(
                path.to_path_buf(),
                source,
            )));
        }
    };
    let mut decisions = Vec::new();
    let mut problems = Vec::new();
    let complete = bytes.ends_with(b"\n");
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let last = lines.len();
    for (n, line) in lines.into_iter().enumerate() {
        let problem = |message: String| Diagnostic {
            path: path.to_path_buf(),
            line: n + 1,
            message,
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let cut = !complete && n + 1 == last;
        let parsed = std::str::from_utf8(line)
            .map_err(|_| "the line is not UTF-8".to_string())
            .and_then(|s| serde_json::from_str::<Decision>(s).map_err(|e| e.to_string()))
            .and_then(|d| d.check().map(|()| d));
        match parsed {
            Ok(d) => decisions.push(d),
            Err(e) if cut => problems.push(problem(format!(
                "the last line is cut short ({e}); a write was interrupted: remove the line and record the decision again"
            ))),
            Err(e) => problems.push(problem(format!(
                "not a decision: {e}; correct the line or remove it (the decision is ignored until then)"
            ))),
        }
    }
    Ok((decisions, problems))
}

/// Appends decisions to the file, one line each, and makes them durable: the file is
/// fsynced, and its directory too when the file is new. A last line left without its line
/// end by an interrupted write stays on a line of its own, reported by [`read`].
pub fn append(path: &Path, decisions: &[Decision]) -> Result<()> {
    for d in decisions {
        d.check().map_err(Error::Decision)?;
    }
    if decisions.is_empty() {
        return Ok(());
    }
    let io =
        |source: std::io::Error| Error::Io(kooste_core::FileError::new(path.to_path_buf(), source));
    let mut buf = Vec::new();
    for d in decisions {
        serde_json::to_writer(&mut buf, d).map_err(|e| io(e.into()))?;
        buf.push(b'\n');
    }
    kooste_core::fsutil::append_lines(path, &buf).map_err(io)
}

/// Every decision on one passage, oldest first: its history, as the review page shows it.
pub fn history<'a>(decisions: &'a [Decision], passage: &str) -> Vec<&'a Decision> {
    decisions.iter().filter(|d| d.passage == passage).collect()
}

/// The confirmed labels of the decided passages: each passage's last decision, matched to
/// the passages of its document as they stand now. A decision names its passage by id
/// (`DOCID#N`) and carries the text the researcher saw. When a document is edited and
/// ingested again, ids shift (a paragraph added above) and texts change, so the decisions
/// of a document are aligned with its passages, each passage taking at most one decision:
///
/// 1. the passage with the decision's id, when the text is the same (whitespace aside);
/// 2. else a passage of the document with the same text (the passage moved);
/// 3. else the passage that shares the most words with the decided text, when that is at
///    least [`SAME_PASSAGE`] of the words of the shorter of the two (a typo fixed, a
///    sentence added, or a decision made on a shortened quote), the decision's own id
///    first on a tie.
///
/// A decision whose passage was rewritten or removed holds for none: that passage is
/// proposed and reviewed again. The decision still trains the proposer, since its text and
/// labels are still what a researcher decided.
#[derive(Debug, Clone, Default)]
pub struct Confirmed {
    /// By document id: its decided passages (id, normalized text, labels), latest decision
    /// per passage, in the order first decided.
    by_doc: HashMap<String, Vec<(String, String, Vec<Dimension>)>>,
    passages: usize,
}

/// How alike an edited passage must stay to its decided text for the decision to keep
/// holding: the share of the shorter text's distinct words (lowercased) that the other
/// text also has.
pub const SAME_PASSAGE: f64 = 0.6;

impl Confirmed {
    /// The latest decision of each passage, in file order.
    pub fn of(decisions: &[Decision]) -> Confirmed {
        let mut c = Confirmed::default();
        for d in decisions {
            let entry = (d.passage.clone(), normalize(&d.text), d.labels.clone());
            let list = c.by_doc.entry(doc_of(&d.passage).to_string()).or_default();
            let at = list.iter().position(|(id, _, _)| *id == d.passage);
            match (at, d.withdrawn) {
                // A withdrawal takes the passage back to review.
                (Some(i), true) => {
                    list.remove(i);
                    c.passages -= 1;
                }
                (None, true) => {}
                (Some(i), false) => list[i] = entry,
                (None, false) => {
                    list.push(entry);
                    c.passages += 1;
                }
            }
        }
        c.by_doc.retain(|_, list| !list.is_empty());
        c
    }

    /// The confirmed labels of a document's passages, given as (id, text) in document
    /// order: passage id → labels, for those a decision holds for (see [`Confirmed`]).
    pub fn of_document<'a>(
        &self,
        doc: &str,
        passages: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> HashMap<String, Vec<Dimension>> {
        match self.by_doc.get(doc) {
            Some(decided) => align(decided, passages),
            None => HashMap::new(),
        }
    }

    /// The confirmed labels of a form row's passages (see [`Confirmed::of_document`]). A
    /// row's id is its number in its form (`lomake-3`), and the numbers shift when a row
    /// above is deleted or inserted, or rows are reordered: so the decisions follow the
    /// answers. They are those of the row of the same form whose decided texts this row holds
    /// the largest share of (its own on a tie, else the nearest number); when no row's
    /// decided text is here word for word, its own, aligned as an edited document's are. A
    /// deleted row's decisions hold for no row.
    pub fn of_row<'a>(
        &self,
        doc: &str,
        passages: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> HashMap<String, Vec<Dimension>> {
        let passages: Vec<(&'a str, &'a str)> = passages.into_iter().collect();
        let Some((form, number)) = row_of(doc) else {
            return self.of_document(doc, passages);
        };
        let here: std::collections::HashSet<String> =
            passages.iter().map(|(_, t)| normalize(t)).collect();
        let best = self
            .by_doc
            .iter()
            .filter_map(|(id, decided)| {
                let (f, n) = row_of(id)?;
                let hits = decided.iter().filter(|d| here.contains(&d.1)).count();
                (f == form && hits > 0 && !decided.is_empty()).then(|| {
                    let share = hits as f64 / decided.len() as f64;
                    (share, id.as_str() == doc, n.abs_diff(number), id, decided)
                })
            })
            .max_by(|a, b| {
                a.0.total_cmp(&b.0)
                    .then(a.1.cmp(&b.1))
                    .then(b.2.cmp(&a.2))
                    .then(b.3.cmp(a.3))
            });
        match best {
            Some((_, _, _, id, decided)) if id != doc => align(decided, passages),
            _ => self.of_document(doc, passages),
        }
    }

    /// How many passages have a decision.
    pub fn len(&self) -> usize {
        self.passages
    }

    /// Whether no passage has a decision.
    pub fn is_empty(&self) -> bool {
        self.passages == 0
    }
}

/// Aligns the decisions of one document (`decided`: passage id, normalized text, labels)
/// with passages as they are now: the same id and text, else the same text elsewhere, else
/// the most alike passage (at least [`SAME_PASSAGE`]), best pairs first.
fn align<'a>(
    decided: &[(String, String, Vec<Dimension>)],
    passages: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> HashMap<String, Vec<Dimension>> {
    let mut out = HashMap::new();
    let passages: Vec<(&str, String)> = passages
        .into_iter()
        .map(|(id, text)| (id, normalize(text)))
        .collect();
    let mut taken = vec![false; passages.len()];
    let mut open: Vec<&(String, String, Vec<Dimension>)> = Vec::new();
    // 1. Same id, same text.
    for d in decided {
        match passages.iter().position(|(id, t)| *id == d.0 && *t == d.1) {
            Some(i) => {
                taken[i] = true;
                out.insert(d.0.clone(), d.2.clone());
            }
            None => open.push(d),
        }
    }
    // 2. The same text elsewhere in the document.
    open.retain(
        |d| match (0..passages.len()).find(|&i| !taken[i] && passages[i].1 == d.1) {
            Some(i) => {
                taken[i] = true;
                out.insert(passages[i].0.to_string(), d.2.clone());
                false
            }
            None => true,
        },
    );
    // 3. The most alike passage, best pairs first.
    let mut pairs: Vec<(f64, bool, usize, usize)> = Vec::new();
    for (k, d) in open.iter().enumerate() {
        for (i, (id, t)) in passages.iter().enumerate() {
            let score = overlap(&d.1, t);
            if !taken[i] && score >= SAME_PASSAGE {
                pairs.push((score, *id == d.0, k, i));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    let mut used = vec![false; open.len()];
    for (_, _, k, i) in pairs {
        if !used[k] && !taken[i] {
            used[k] = true;
            taken[i] = true;
            out.insert(passages[i].0.to_string(), open[k].2.clone());
        }
    }
    out
}

/// A form row's id as its form and number: `lomake-3` → (`lomake`, 3).
fn row_of(doc: &str) -> Option<(&str, usize)> {
    let (form, n) = doc.rsplit_once('-')?;
    Some((form, n.parse().ok()?))
}

/// The document id of a passage id: what comes before its last `#`.
fn doc_of(passage: &str) -> &str {
    passage.rsplit_once('#').map_or(passage, |(doc, _)| doc)
}

/// The text with runs of whitespace as one space, trimmed.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The overlap coefficient of the sets of lowercased words of two texts: shared words over
/// the words of the smaller set.
fn overlap(a: &str, b: &str) -> f64 {
    let set = |t: &str| -> std::collections::HashSet<String> {
        t.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (a, b) = (set(a), set(b));
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / smaller as f64
}
