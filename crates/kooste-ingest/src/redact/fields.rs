//! Every text field that enters kooste from outside and can reach an output (the corpus,
//! the index, search results, digests, exports, messages), and what is done with it, in
//! one place. A field is either redacted here, or its value is checked against a closed set
//! (the project's workshops, themes and batteries, voices, languages, dates, numbers), so
//! that nothing else can pass.
//!
//! [`meta`] names every field of [`DocumentMeta`] (a field added there does not compile
//! until it is handled here), and the tests check that every front-matter field and every
//! qdpx variable has a line in [`FIELDS`].

use super::{Redactor, Removal};
use crate::Diagnostic;
use kooste_core::model::{DocumentMeta, Lang};

/// What is done with a field's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// Passed through the redactor.
    Redacted,
    /// Must be one of a closed set (a voice, a language, a date, a number, a battery); else
    /// the input is refused.
    Checked,
    /// Checked against the project when it defines the set (workshops, themes); otherwise
    /// free text, and then redacted.
    CheckedOrRedacted,
    /// A document id: see `corpus` (ids from file names and `id:`).
    Id,
    /// Never read: it cannot reach any output.
    Dropped,
}

/// Where a field comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Front matter of a Markdown document (also what a qdpx source or a web form becomes).
    FrontMatter,
    /// A CSV or Excel form or survey export.
    Table,
    /// A Word document.
    Word,
    /// A REFI-QDA project (`.qdpx`).
    Qdpx,
    /// A web form.
    WebForm,
    /// Messages about an input (errors, notes).
    Message,
}

/// Every field, where it comes from and its treatment.
pub const FIELDS: &[(Input, &str, Treatment)] = &[
    (Input::FrontMatter, "id", Treatment::Id),
    (Input::FrontMatter, "title", Treatment::Redacted),
    (Input::FrontMatter, "voice", Treatment::Checked),
    (Input::FrontMatter, "via", Treatment::Checked),
    (Input::FrontMatter, "workshop", Treatment::CheckedOrRedacted),
    (Input::FrontMatter, "theme", Treatment::CheckedOrRedacted),
    (Input::FrontMatter, "battery", Treatment::Checked),
    (Input::FrontMatter, "date", Treatment::Checked),
    (Input::FrontMatter, "lang", Treatment::Checked),
    (Input::FrontMatter, "pseudonym", Treatment::Redacted),
    (Input::FrontMatter, "source", Treatment::Redacted),
    // Keyed fingerprints of the source's path and contents, computed by kooste.
    (Input::FrontMatter, "source_key", Treatment::Checked),
    (Input::FrontMatter, "content_key", Treatment::Checked),
    (Input::FrontMatter, "row", Treatment::Checked),
    // A workshop comment: the workshop whose digest it comments on, and the passage ids of
    // the finding (each checked to be `DOCID#N`).
    (
        Input::FrontMatter,
        "comment_on",
        Treatment::CheckedOrRedacted,
    ),
    (Input::FrontMatter, "comment_passages", Treatment::Id),
    (Input::FrontMatter, "body", Treatment::Redacted),
    // Headers are matched to a battery's questions and never stored; answers are the body.
    (Input::Table, "header", Treatment::Checked),
    (Input::Table, "cell", Treatment::Redacted),
    (Input::Table, "respondent", Treatment::Id),
    (Input::Word, "title", Treatment::Redacted),
    (Input::Word, "text", Treatment::Redacted),
    (Input::Word, "creator", Treatment::Dropped),
    (Input::Word, "lastModifiedBy", Treatment::Dropped),
    (Input::Word, "comments", Treatment::Dropped),
    (Input::Qdpx, "variable:id", Treatment::Id),
    (Input::Qdpx, "variable:title", Treatment::Redacted),
    (Input::Qdpx, "variable:voice", Treatment::Checked),
    (Input::Qdpx, "variable:via", Treatment::Checked),
    (
        Input::Qdpx,
        "variable:workshop",
        Treatment::CheckedOrRedacted,
    ),
    (Input::Qdpx, "variable:theme", Treatment::CheckedOrRedacted),
    (Input::Qdpx, "variable:battery", Treatment::Checked),
    (Input::Qdpx, "variable:date", Treatment::Checked),
    (Input::Qdpx, "variable:lang", Treatment::Checked),
    (Input::Qdpx, "variable:pseudonym", Treatment::Redacted),
    (Input::Qdpx, "variable:row", Treatment::Checked),
    (Input::Qdpx, "source name", Treatment::Redacted),
    (Input::Qdpx, "source text", Treatment::Redacted),
    (Input::Qdpx, "code name", Treatment::Redacted),
    (Input::Qdpx, "user name", Treatment::Redacted),
    (Input::WebForm, "answer", Treatment::Redacted),
    (Input::WebForm, "workshop", Treatment::Checked),
    (Input::WebForm, "theme", Treatment::Checked),
    (Input::WebForm, "date", Treatment::Checked),
    (Input::WebForm, "text_lang", Treatment::Checked),
    // A comment on a digest: its text is the body; the finding is its passages' ids.
    (Input::WebForm, "comment", Treatment::Redacted),
    (Input::WebForm, "finding", Treatment::Id),
    (Input::Message, "message", Treatment::Redacted),
    (Input::Message, "note", Treatment::Redacted),
];

/// The treatment of a field.
pub fn treatment(input: Input, name: &str) -> Option<Treatment> {
    FIELDS
        .iter()
        .find(|(i, n, _)| *i == input && *n == name)
        .map(|(_, _, t)| *t)
}

/// Redacts every free-text field of a document's metadata. Ids are the corpus's business;
/// closed values (voice, language, date, row, battery) cannot hold personal data.
pub fn meta(redactor: &Redactor, lang: Lang, meta: DocumentMeta) -> (DocumentMeta, Vec<Removal>) {
    // Every field by name: a field added to DocumentMeta must be handled here.
    let DocumentMeta {
        id,
        title,
        voice,
        via,
        workshop,
        theme,
        battery,
        date,
        lang: doc_lang,
        pseudonym,
        source,
        source_key,
        content_key,
        row,
        comment_on,
        comment_passages,
    } = meta;
    let mut removals = Vec::new();
    let mut text = |v: Option<String>| {
        v.map(|v| {
            let (t, r) = redactor.redact(&v, lang);
            removals.extend(r);
            t
        })
    };
    let meta = DocumentMeta {
        id,
        title: text(title),
        voice,
        via,
        // Checked against the project when it has workshops and themes (and then holds
        // nothing to remove); free text when it has none.
        workshop: text(workshop),
        theme: text(theme),
        battery,
        date,
        lang: doc_lang,
        pseudonym: text(pseudonym),
        // `web/ID` names a web submission by the id kooste issued it (random letters and
        // digits that could look like a phone number); any other source is a file name.
        source: match source {
            Some(s)
                if s.strip_prefix("web/")
                    .is_some_and(kooste_core::model::is_valid_id) =>
            {
                Some(s)
            }
            s => text(s),
        },
        // Keyed fingerprints kooste computes (hex): nothing in them to remove.
        source_key,
        content_key,
        row,
        // A workshop id, checked like `workshop`.
        comment_on: text(comment_on),
        // Passage ids, checked to be `DOCID#N` when read.
        comment_passages,
    };
    (meta, removals)
}

/// A name or label from an input (a qdpx code, user or source name), redacted.
pub fn label(redactor: &Redactor, lang: Lang, text: &str) -> String {
    redactor.redact(text, lang).0
}

/// Messages about an input, redacted: they quote metadata values, column headers and qdpx
/// names, and go to terminals and logs.
pub fn diagnostics(redactor: &Redactor, lang: Lang, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags
        .into_iter()
        .map(|d| Diagnostic {
            // The path is the user's own, as they gave it: they need it to find the file.
            message: redactor.redact(&d.message, lang).0,
            ..d
        })
        .collect()
}

/// Notes about how an input was read, redacted.
pub fn notes(redactor: &Redactor, lang: Lang, notes: Vec<String>) -> Vec<String> {
    notes
        .into_iter()
        .map(|n| redactor.redact(&n, lang).0)
        .collect()
}

#[cfg(test)]
mod tests;
