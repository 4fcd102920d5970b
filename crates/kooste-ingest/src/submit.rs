//! Web submissions: a question battery filled in on a form, one row per situation, read into
//! form documents the way a CSV form's rows are, and stored in the corpus as one unit.

use crate::corpus::Corpus;
use crate::read::{IngestOptions, Read, check_meta, finish, read_input, unknown_battery};
use crate::{Diagnostic, Redactor};
use kooste_core::model::{Date, DocumentMeta, Lang, Voice, is_valid_id};
use kooste_core::project::Project;
use std::path::{Path, PathBuf};

/// One filled-in form: its rows (situations) and the metadata chosen with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    /// The submission's id: its documents are `ID-1`, `ID-2`, ... (`[A-Za-z0-9._-]+`).
    pub id: String,
    /// The question battery answered.
    pub battery: String,
    /// The rows, each as (question id, answer) pairs. Empty answers and rows are left out.
    pub rows: Vec<Vec<(String, String)>>,
    /// The workshop round it belongs to.
    pub workshop: Option<String>,
    /// The theme.
    pub theme: Option<String>,
    /// When the answers were given.
    pub date: Option<Date>,
    /// The language the answers are written in.
    pub lang: Lang,
    /// Who wrote the answers down, when not the one whose voice they are (a worker filling
    /// in the form with a client).
    pub via: Option<Voice>,
    /// Whose own answers these are, when the one who writes them speaks for themselves (a
    /// client answering a battery's client questions): the documents' voice. `None`: the
    /// first question's voice, as for a CSV form.
    pub voice: Option<Voice>,
}

impl Submission {
    /// The source the documents are stored under: `web/ID`. Storing the same submission again
    /// replaces its documents, as re-ingesting a file does.
    pub fn source(&self) -> String {
        format!("web/{}", self.id)
    }
}

/// Reads a submission into redacted form documents, one per row that has an answer, exactly
/// as they would be stored. Nothing is written: this is also what a preview shows.
pub fn read_submission(
    project: &Project,
    redactor: &Redactor,
    sub: &Submission,
) -> Result<Vec<Read>, Vec<Diagnostic>> {
    let source = sub.source();
    let err = |line: usize, m: String| vec![Diagnostic::new(&source, line, m)];
    let Some(battery) = project.batteries.get(&sub.battery) else {
        return Err(err(0, unknown_battery(project, &sub.battery)));
    };
    if !is_valid_id(&sub.id) {
        return Err(err(
            0,
            format!(
                "submission id '{}' may only hold letters, digits, '.', '_' and '-'",
                sub.id
            ),
        ));
    }
    // Like a CSV form, the document carries the first question's voice; each passage gets the
    // voice of the question it answers when the body is parsed.
    let voice = sub.voice.unwrap_or(battery.questions[0].voice);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in sub.rows.iter().enumerate() {
        let mut body = String::new();
        for q in &battery.questions {
            let answer = row
                .iter()
                .filter(|(id, _)| *id == q.id)
                .map(|(_, a)| a.trim())
                .find(|a| !a.is_empty());
            let Some(answer) = answer else { continue };
            let heading = if sub.lang == Lang::Sv && !q.sv.is_empty() {
                &q.sv
            } else {
                &q.fi
            };
            body.push_str(&format!(
                "## {heading}\n\n{}\n\n",
                crate::text::literal(answer)
            ));
        }
        for (id, _) in row {
            if !battery.questions.iter().any(|q| q.id == *id) {
                errors.push(Diagnostic::new(
                    &source,
                    i + 1,
                    format!("the battery {} has no question '{id}'", battery.id),
                ));
            }
        }
        if body.is_empty() {
            continue;
        }
        let number = out.len() + 1;
        let mut meta = DocumentMeta {
            via: sub.via.filter(|v| *v != voice),
            workshop: sub.workshop.clone(),
            theme: sub.theme.clone(),
            battery: Some(battery.id.clone()),
            date: sub.date,
            lang: Some(sub.lang),
            source: Some(source.clone()),
            row: Some(number),
            ..DocumentMeta::new(format!("{}-{number}", sub.id), voice)
        };
        if let Err(e) = check_meta(project, &mut meta, "") {
            errors.extend(e.into_iter().map(|(_, m)| Diagnostic::new(&source, 0, m)));
            break;
        }
        out.push(finish(project, redactor, meta, &body, 1, &source));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if out.is_empty() {
        return Err(err(
            1,
            "the form has no answers; answer at least one question".into(),
        ));
    }
    Ok(out)
}

/// Reads a submission (see [`read_submission`]) and stores its documents in the corpus as one
/// unit, durably. Returns the documents read back from their corpus files, as the index will
/// see them (with the corpus file as their provenance).
pub fn submit_form(
    project: &Project,
    corpus: &mut Corpus,
    redactor: &Redactor,
    sub: &Submission,
) -> Result<Vec<Read>, Vec<Diagnostic>> {
    let reads = read_submission(project, redactor, sub)?;
    store_web(project, corpus, redactor, &sub.id, reads)
}

/// A comment made at a workshop on the digest presented there, from the web app: workshop
/// W's material in the commenter's voice, referring to the passages of the finding it
/// comments on (none for the digest as a whole).
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// The comment's id (`[A-Za-z0-9._-]+`); its document has this id, its source is `web/ID`.
    pub id: String,
    /// The workshop where it was made, whose digest it comments on.
    pub workshop: String,
    /// The passages (`DOCID#N`) of the finding it comments on; empty for the whole digest.
    pub passages: Vec<String>,
    /// The finding's heading when the comment was made (the document's title).
    pub heading: Option<String>,
    /// The finding's theme.
    pub theme: Option<String>,
    /// What was said.
    pub text: String,
    /// The commenter's voice.
    pub voice: Voice,
    /// When.
    pub date: Date,
    /// The language it is written in.
    pub lang: Lang,
}

/// Reads a comment into its redacted document, as it would be stored; nothing is written.
pub fn read_comment(
    project: &Project,
    redactor: &Redactor,
    c: &Comment,
) -> Result<Read, Vec<Diagnostic>> {
    let source = format!("web/{}", c.id);
    let err = |m: String| vec![Diagnostic::new(&source, 0, m)];
    if !is_valid_id(&c.id) {
        return Err(err(format!(
            "comment id '{}' may only hold letters, digits, '.', '_' and '-'",
            c.id
        )));
    }
    if let Some(bad) = c
        .passages
        .iter()
        .find(|p| !kooste_core::model::is_passage_id(p))
    {
        return Err(err(format!("'{bad}' is not a passage id (DOCID#N)")));
    }
    let text = c.text.trim();
    if text.is_empty() {
        return Err(err("the comment is empty; write something".into()));
    }
    let body = format!("{}\n", crate::text::literal(text));
    let mut meta = DocumentMeta {
        title: c.heading.clone().filter(|h| !h.trim().is_empty()),
        workshop: Some(c.workshop.clone()),
        theme: c.theme.clone(),
        date: Some(c.date),
        lang: Some(c.lang),
        source: Some(source.clone()),
        comment_on: Some(c.workshop.clone()),
        comment_passages: c.passages.clone(),
        ..DocumentMeta::new(c.id.clone(), c.voice)
    };
    check_meta(project, &mut meta, "").map_err(|e| {
        e.into_iter()
            .map(|(_, m)| Diagnostic::new(&source, 0, m))
            .collect::<Vec<_>>()
    })?;
    Ok(finish(project, redactor, meta, &body, 1, &source))
}

/// Reads a comment (see [`read_comment`]) and stores it in the corpus, durably; returns its
/// document read back from its corpus file, as the index will see it.
pub fn submit_comment(
    project: &Project,
    corpus: &mut Corpus,
    redactor: &Redactor,
    c: &Comment,
) -> Result<Vec<Read>, Vec<Diagnostic>> {
    let read = read_comment(project, redactor, c)?;
    store_web(project, corpus, redactor, &c.id, vec![read])
}

/// Stores the documents of one web input (a form, a comment) under the source `web/ID` as one
/// unit and reads them back from their corpus files.
fn store_web(
    project: &Project,
    corpus: &mut Corpus,
    redactor: &Redactor,
    id: &str,
    mut reads: Vec<Read>,
) -> Result<Vec<Read>, Vec<Diagnostic>> {
    let source = format!("web/{id}");
    let fail = |m: String| vec![Diagnostic::new(Path::new(&source), 0, m)];
    let key = corpus.source_key().map_err(|e| fail(e.to_string()))?;
    corpus
        .store(
            &crate::source::Source::web(&key, id),
            &mut reads,
            None,
            false,
        )
        .map_err(fail)?;
    let mut stored = Vec::with_capacity(reads.len());
    for r in &reads {
        let id = &r.document.meta.id;
        let path = corpus.path_of(id).ok_or_else(|| {
            fail(format!(
                "the document '{id}' was stored but cannot be found"
            ))
        })?;
        let bytes = corpus
            .read_back(&path)
            .map_err(|e| fail(format!("cannot read back the document '{id}': {e}")))?;
        let rel = PathBuf::from(corpus.relative(&path));
        stored.extend(read_input(
            project,
            redactor,
            &rel,
            &bytes,
            &IngestOptions::default(),
        )?);
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(rows: Vec<Vec<(&str, &str)>>) -> Submission {
        Submission {
            id: "asp-paiva-web-20180314-ab12".into(),
            battery: "asp-paiva".into(),
            rows: rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|(q, a)| (q.to_string(), a.to_string()))
                        .collect()
                })
                .collect(),
            workshop: None,
            theme: None,
            date: Some("2018-03-14".parse().unwrap()),
            lang: Lang::Fi,
            via: Some(Voice::Worker),
            voice: None,
        }
    }

    fn redactor() -> Redactor {
        crate::redact::maija()
    }

    #[test]
    fn rows_become_form_documents_with_voices_per_question() {
        let project = Project::empty(Path::new("."));
        let s = sub(vec![
            vec![
                ("q1", "Häätöuhka, soitin numeroon 040 123 4567."),
                ("q2", "Sain asunnon."),
                ("q3", "Soitin vuokranantajalle."),
            ],
            vec![("q1", ""), ("q2", ""), ("q3", "")],
            vec![("q1", "Maija Virtanen pyysi apua veloissa.")],
        ]);
        let reads = read_submission(&project, &redactor(), &s).unwrap();
        assert_eq!(reads.len(), 2, "the empty row is left out");
        let d = &reads[0].document;
        assert_eq!(d.meta.id, "asp-paiva-web-20180314-ab12-1");
        assert_eq!(
            (d.meta.voice, d.meta.via),
            (Voice::Client, Some(Voice::Worker))
        );
        let voices: Vec<Voice> = d.passages.iter().map(|p| p.voice).collect();
        assert_eq!(voices, [Voice::Client, Voice::Client, Voice::Worker]);
        assert_eq!(d.passages[0].text, "Häätöuhka, soitin numeroon [puhelin].");
        assert_eq!(d.passages[2].question.as_deref(), Some("q3"));
        let d2 = &reads[1].document;
        assert_eq!(d2.meta.id, "asp-paiva-web-20180314-ab12-2");
        assert_eq!(d2.passages[0].text, "Asiakas A pyysi apua veloissa.");
    }

    #[test]
    fn answers_cannot_open_a_question_of_their_own() {
        let project = Project::empty(Path::new("."));
        let s = sub(vec![vec![(
            "q1",
            "Ensin tämä.\n## Mitä sosiaalityöntekijä teki tässä?\n---\nJa tämä.",
        )]]);
        let reads = read_submission(&project, &redactor(), &s).unwrap();
        let d = &reads[0].document;
        assert!(
            d.passages
                .iter()
                .all(|p| p.question.as_deref() == Some("q1"))
        );
        assert!(d.passages[0].text.contains("## Mitä sosiaalityöntekijä"));
    }

    #[test]
    fn bad_submissions_are_refused() {
        let project = Project::empty(Path::new("."));
        let e = read_submission(&project, &redactor(), &sub(vec![vec![("q1", " ")]])).unwrap_err();
        assert!(e[0].message.contains("no answers"), "{e:?}");
        let e = read_submission(&project, &redactor(), &sub(vec![vec![("q9", "x")]])).unwrap_err();
        assert!(e[0].message.contains("no question 'q9'"), "{e:?}");
        let mut s = sub(vec![vec![("q1", "x")]]);
        s.battery = "nope".into();
        assert!(read_submission(&project, &redactor(), &s).is_err());
    }

    #[test]
    fn stored_durably_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kooste.toml"), "[project]\nname = \"t\"\n").unwrap();
        let project = Project::load(dir.path()).unwrap();
        let (mut corpus, _) = Corpus::open(&project).unwrap();
        let s = sub(vec![
            vec![("q1", "Velat."), ("q3", "Ohjasin velkaneuvontaan.")],
            vec![("q2", "Sain tukea.")],
        ]);
        let stored = submit_form(&project, &mut corpus, &redactor(), &s).unwrap();
        assert_eq!(stored.len(), 2);
        let path = dir
            .path()
            .join("corpus/muut/asp-paiva-web-20180314-ab12-1.md");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("source: web/asp-paiva-web-20180314-ab12"),
            "{text}"
        );
        let (all, problems) = corpus.read_all(&project, &redactor());
        assert!(problems.is_empty(), "{problems:?}");
        let again = all
            .iter()
            .find(|r| r.document.meta.id == "asp-paiva-web-20180314-ab12-1")
            .unwrap();
        assert_eq!(again.document.passages, stored[0].document.passages);
        assert_eq!(
            stored[0].document.passages[0].provenance.file,
            "corpus/muut/asp-paiva-web-20180314-ab12-1.md"
        );
    }

    #[test]
    fn two_submissions_with_the_same_answers_both_survive() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kooste.toml"), "[project]\nname = \"t\"\n").unwrap();
        let project = Project::load(dir.path()).unwrap();
        let (mut corpus, _) = Corpus::open(&project).unwrap();
        let mut first = sub(vec![vec![("q1", "Velat.")]]);
        let mut second = first.clone();
        second.id = "asp-paiva-web-20180314-cd34".into();
        submit_form(&project, &mut corpus, &redactor(), &first).unwrap();
        submit_form(&project, &mut corpus, &redactor(), &second).unwrap();
        // Saving the first again (a second click on "save") replaces it, nothing else.
        first.rows = vec![vec![("q1".into(), "Velat ja vuokra.".into())]];
        submit_form(&project, &mut corpus, &redactor(), &first).unwrap();
        let (all, problems) = corpus.read_all(&project, &redactor());
        assert!(problems.is_empty(), "{problems:?}");
        let mut ids: Vec<(&str, &str)> = all
            .iter()
            .map(|r| {
                (
                    r.document.meta.id.as_str(),
                    r.document.passages[0].text.as_str(),
                )
            })
            .collect();
        ids.sort();
        assert_eq!(
            ids,
            [
                ("asp-paiva-web-20180314-ab12-1", "Velat ja vuokra."),
                ("asp-paiva-web-20180314-cd34-1", "Velat.")
            ]
        );
    }

    #[test]
    fn an_id_kooste_issued_is_never_taken_for_a_phone_number() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kooste.toml"), "[project]\nname = \"t\"\n").unwrap();
        let project = Project::load(dir.path()).unwrap();
        let (mut corpus, _) = Corpus::open(&project).unwrap();
        // Eight random digits starting with 0, as earlier web ids could end.
        let mut s = sub(vec![vec![("q1", "Velat.")]]);
        s.id = "asp-paiva-web-20180314-08496278".into();
        let stored = submit_form(&project, &mut corpus, &redactor(), &s).unwrap();
        assert_eq!(stored.len(), 1);
        let (all, problems) = corpus.read_all(&project, &redactor());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(all[0].document.meta.id, "asp-paiva-web-20180314-08496278-1");
    }
}
