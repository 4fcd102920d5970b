//! What the search index holds for one passage, built from a corpus document and the
//! project: plain data, shared by the index, digests, exports and the web app.

use crate::model::{Date, Dimension, Document, Lang, Passage, Voice};
use crate::project::Project;
use serde::{Deserialize, Serialize};

/// The CAIMeR labels of a passage as the index stores them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Labels {
    /// Proposed dimensions with their scores, best first.
    #[serde(default)]
    pub proposed: Vec<(Dimension, f32)>,
    /// Dimensions a researcher confirmed; `Some(vec![])` means "none of them".
    #[serde(default)]
    pub confirmed: Option<Vec<Dimension>>,
}

impl Labels {
    /// The dimensions that count: confirmed ones when a researcher decided, else proposals.
    pub fn effective(&self) -> Vec<Dimension> {
        match &self.confirmed {
            Some(c) => c.clone(),
            None => self.proposed.iter().map(|(d, _)| *d).collect(),
        }
    }
}

/// One passage with everything search filters, groups and shows by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PassageRecord {
    /// `DOCID#N`.
    pub passage: String,
    /// The document id.
    pub doc: String,
    /// The redacted text.
    pub text: String,
    /// Whose knowledge it carries.
    pub voice: Voice,
    /// Whose knowledge the document as a whole carries (a form row mixes voices).
    pub document_voice: Voice,
    /// Who collected or relayed the document, if someone did.
    #[serde(default)]
    pub via: Option<Voice>,
    /// The language it is written in.
    pub lang: Lang,
    /// The workshop round, if any.
    pub workshop: Option<String>,
    /// The region of that workshop.
    pub region: Option<String>,
    /// The theme id.
    pub theme: Option<String>,
    /// The question battery.
    pub battery: Option<String>,
    /// The document's date, else its workshop's.
    pub date: Option<Date>,
    /// The id of the form question it answers.
    pub question: Option<String>,
    /// That question's wording in the passage's language: the context a form answer is
    /// read in (searched with a lower weight, shown above the answer).
    #[serde(default)]
    pub question_text: Option<String>,
    /// The document's title, if it has one: context for every passage of it.
    #[serde(default)]
    pub title: Option<String>,
    /// The pseudonym of the document's author, if it has one: how quotes are attributed.
    #[serde(default)]
    pub pseudonym: Option<String>,
    /// The corpus file, relative to the project.
    pub file: String,
    /// The line where it starts.
    pub line: usize,
    /// Its CAIMeR labels.
    pub labels: Labels,
    /// For a comment made at a workshop on its digest: the workshop whose digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_on: Option<String>,
    /// For a comment on one finding: the finding's passages (`DOCID#N`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comment_passages: Vec<String>,
}

/// The records of a document's passages; `labels` gives each passage's CAIMeR labels.
pub fn records(
    project: &Project,
    doc: &Document,
    mut labels: impl FnMut(&Passage) -> Labels,
) -> Vec<PassageRecord> {
    let m = &doc.meta;
    let workshop = m.workshop.as_deref().and_then(|w| project.workshop(w));
    let lang = m.lang.unwrap_or(project.config.project.lang);
    let battery = m.battery.as_deref().and_then(|b| project.batteries.get(b));
    let question_text = |id: &str| {
        battery
            .and_then(|b| b.questions.iter().find(|q| q.id == id))
            .map(|q| match lang {
                Lang::Fi => q.fi.clone(),
                Lang::Sv => q.sv.clone(),
            })
    };
    doc.passages
        .iter()
        .map(|p| PassageRecord {
            passage: p.id.clone(),
            doc: m.id.clone(),
            text: p.text.clone(),
            voice: p.voice,
            document_voice: m.voice,
            via: m.via,
            lang,
            workshop: m.workshop.clone(),
            region: workshop.map(|(r, _)| r.id.clone()),
            theme: m.theme.clone(),
            battery: m.battery.clone(),
            date: m.date.or(workshop.map(|(_, w)| w.date)),
            question: p.question.clone(),
            question_text: p.question.as_deref().and_then(question_text),
            title: m.title.clone(),
            pseudonym: m.pseudonym.clone(),
            file: p.provenance.file.clone(),
            line: p.provenance.line,
            labels: labels(p),
            comment_on: m.comment_on.clone(),
            comment_passages: m.comment_passages.clone(),
        })
        .collect()
}

/// The provisional labels before the proposer has a say: the form question's hints.
pub fn hint_labels(p: &Passage) -> Labels {
    Labels {
        proposed: p.hints.iter().map(|d| (*d, 0.5)).collect(),
        confirmed: None,
    }
}
