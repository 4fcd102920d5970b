//! What saving a web form would store, shown to the person before it is saved.

use crate::{Result, Workspace};
use kooste_ingest::redact::Removal;
use kooste_ingest::{Diagnostic, Read, Submission};

/// One document a form would store, and what was removed from its answers on the way.
#[derive(Debug)]
pub struct Previewed {
    /// The document as it would be stored (redacted).
    pub read: Read,
    /// What the redactor removed or replaced in the row's answers, answer by answer.
    pub removals: Vec<Removal>,
}

impl Workspace {
    /// The documents a form's submission would store, read and redacted exactly as
    /// [`Workspace::save_form`] stores them, each with what was removed from its row; nothing
    /// is written. `Ok(Err(problems))`: the submission would be refused.
    pub fn preview_form(
        &self,
        sub: &Submission,
    ) -> Result<std::result::Result<Vec<Previewed>, Vec<Diagnostic>>> {
        let redactor = self.redactor()?;
        let reads = match kooste_ingest::read_submission(&self.project, &redactor, sub) {
            Ok(r) => r,
            Err(problems) => return Ok(Err(problems)),
        };
        let questions: Vec<&str> = self
            .project
            .batteries
            .get(&sub.battery)
            .map(|b| b.questions.iter().map(|q| q.id.as_str()).collect())
            .unwrap_or_default();
        // The rows that became documents, in order: a row without an answer makes none.
        let rows = sub.rows.iter().filter(|r| {
            r.iter()
                .any(|(q, a)| !a.trim().is_empty() && questions.contains(&q.as_str()))
        });
        Ok(Ok(reads
            .into_iter()
            .zip(rows)
            .map(|(read, answers)| Previewed {
                read,
                removals: answers
                    .iter()
                    .flat_map(|(_, a)| redactor.redact(a, sub.lang).1)
                    .collect(),
            })
            .collect()))
    }
}
