//! Corpus files that still hold personal data (placed or edited by hand, or stored before
//! the redactor knew a spelling): where, and rewriting them in place, redacted.

use super::{Counts, Kind, Redactor, count};
use crate::Diagnostic;
use crate::markdown::render_document;
use crate::read::{IngestOptions, read_input};
use kooste_core::fsutil::{WriteLock, write_atomic};
use kooste_core::model::Lang;
use kooste_core::project::Project;
use std::path::Path;

/// A line of a file that holds personal data, and what kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The 1-based line.
    pub line: usize,
    /// What it holds, in report order, each once.
    pub kinds: Vec<Kind>,
}

/// The lines of a file's text (front matter and body alike) that hold personal data.
pub fn personal_lines(redactor: &Redactor, lang: Lang, text: &str) -> Vec<Finding> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let (_, removals) = redactor.redact(l, lang);
            let mut kinds: Vec<Kind> = removals.iter().map(|r| r.kind).collect();
            kinds.sort_unstable();
            kinds.dedup();
            (!kinds.is_empty()).then_some(Finding { line: i + 1, kinds })
        })
        .collect()
}

/// Rewrites one corpus file in place with its personal data removed, durably, keeping
/// everything else as it is now (hand edits included): a Markdown file is read the way the
/// corpus reads it and written back from what was read, a text file redacted as it is.
/// `shown` names the file in messages. Returns what was removed; nothing is written when
/// there was nothing to remove.
pub fn redact_file(
    project: &Project,
    redactor: &Redactor,
    path: &Path,
    shown: &Path,
) -> Result<Counts, Vec<Diagnostic>> {
    let fail = |m: String| vec![Diagnostic::new(shown, 0, m)];
    let bytes = std::fs::read(path)
        .map_err(|e| fail(format!("cannot read the file ({e}); check the path")))?;
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let (text, removed) = match ext.as_str() {
        "md" | "markdown" => {
            let reads = read_input(project, redactor, shown, &bytes, &IngestOptions::default())?;
            let [read] = reads.as_slice() else {
                return Err(fail("the file holds more than one document".into()));
            };
            let d = &read.document;
            (render_document(&d.meta, &d.body), read.removed.clone())
        }
        "txt" => {
            let text = String::from_utf8(bytes)
                .map_err(|_| fail("the file is not valid UTF-8; save it as UTF-8".into()))?;
            let (out, removals) = redactor.redact(&text, project.config.project.lang);
            (out, count(&removals))
        }
        _ => {
            return Err(fail(
                "kooste redact rewrites the Markdown and text files of the corpus; ingest other files again instead".into(),
            ));
        }
    };
    if removed.is_empty() {
        return Ok(removed);
    }
    // Another process may be storing into the corpus right now.
    let _lock = WriteLock::take(&project.state_dir());
    write_atomic(path, text.as_bytes()).map_err(|e| {
        fail(format!(
            "cannot write the file ({e}); make it writable and run the command again"
        ))
    })?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kooste_core::model::Voice;
    use kooste_core::project::Participant;

    #[test]
    fn a_hand_edited_file_is_rewritten_redacted_and_keeps_the_edit() {
        let dir = tempfile::tempdir().unwrap();
        let project = Project::empty(dir.path());
        let redactor = Redactor::new(&[Participant {
            name: "Maija Virtanen".into(),
            pseudonym: "Asiakas A".into(),
            role: Voice::Client,
            aliases: vec![],
        }]);
        let path = dir.path().join("muistio.md");
        let text = "---\nid: muistio\nvoice: worker\npseudonym: Maija Virtanen\n---\nKäsin lisätty kappale.\n\nSoita 040 123 4567.\n";
        std::fs::write(&path, text).unwrap();
        let found = personal_lines(&redactor, Lang::Fi, text);
        assert_eq!(
            found,
            [
                Finding {
                    line: 4,
                    kinds: vec![Kind::Participant]
                },
                Finding {
                    line: 8,
                    kinds: vec![Kind::Phone]
                }
            ]
        );
        let removed = redact_file(&project, &redactor, &path, Path::new("muistio.md")).unwrap();
        assert_eq!(removed.values().sum::<usize>(), 2);
        let after = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            after,
            "---\nid: muistio\nvoice: worker\npseudonym: Asiakas A\n---\nKäsin lisätty kappale.\n\nSoita [puhelin].\n"
        );
        // Once clean, nothing more to do and nothing written.
        assert!(
            redact_file(&project, &redactor, &path, Path::new("muistio.md"))
                .unwrap()
                .is_empty()
        );
        assert!(personal_lines(&redactor, Lang::Fi, &after).is_empty());
    }
}
