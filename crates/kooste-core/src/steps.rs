//! The development-steps list (kehittämistarpeiden ja -askelten lista): the development
//! needs and steps a project raises in its workshops, with their status and dated notes,
//! kept by hand in `development-steps.toml` at the project root.
//!
//! ```toml
//! [[entry]]
//! id = "takaisinsoitto"
//! kind = "step"                      # need | step (tarve | askel, behov | steg)
//! title = "Takaisinsoittolupaus saman päivän aikana"
//! description = "Jokaiseen yhteydenottoon vastataan saman päivän aikana."
//! workshop = "rannikko-4"            # the workshop (round) where it was raised
//! voices = ["asiakas", "työntekijä"] # who raised it
//! status = "proposed"                # its status when raised (default: proposed)
//! needs = ["yhteydenotto"]           # for a step: the needs it answers
//!
//! [[entry.note]]
//! date = 2018-06-04
//! text = "Tiimi sopi kokeilusta kesäkuusta syyskuun loppuun."
//! status = "in-trial"                # optional: the status from this day on
//! ```
//!
//! An entry's status on a day is the status it was raised with, changed by every note dated
//! before that day that sets one.

use crate::model::{Date, Lang, Voice, is_valid_id, vocabulary};
use crate::project::{Project, parse_toml};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The name of the development-steps file at the project root.
pub const STEPS_FILE: &str = "development-steps.toml";

/// What `kooste init` writes: an empty list with a commented example.
pub const EMPTY_STEPS_TOML: &str = r#"# Kehittämistarpeiden ja -askelten lista — utvecklingsbehov och utvecklingssteg.
# Edit by hand. Each [[entry]] is a development need or a development step; add a dated
# [[entry.note]] whenever something happens to it. kooste shows the list in digests (with
# what changed since the previous workshop) and lists it with `kooste steps`.
#
# [[entry]]
# id = "takaisinsoitto"               # letters, digits, '.', '_' and '-'
# kind = "step"                       # need | step  (tarve | askel, behov | steg)
# title = "Takaisinsoittolupaus saman päivän aikana"
# description = "Jokaiseen yhteydenottoon vastataan saman päivän aikana."   # optional
# workshop = "alue-4"                 # the workshop where it was raised (optional)
# voices = ["asiakas", "työntekijä"]  # who raised it: client, worker, researcher
# status = "proposed"                 # proposed, agreed, in-trial, done, dropped
#                                     # (ehdotettu, sovittu, kokeilussa, toteutettu, ei jatketa)
# needs = ["yhteydenotto"]            # for a step: the ids of the needs it answers (optional)
# lang = "fi"                         # the language it is written in (optional)
#
# [[entry.note]]
# date = 2018-06-04
# text = "Tiimi sopi kokeilusta."
# status = "in-trial"                 # optional: the new status
"#;

vocabulary!(
    /// Whether an entry is a development need or a development step.
    Kind, "kind", {
        /// A development need (kehittämistarve): something that should change.
        Need = "need", "tarve", "behov", ["kehittämistarve", "utvecklingsbehov"];
        /// A development step (kehittämisaskel): a concrete change to try.
        Step = "step", "askel", "steg", ["kehittämisaskel", "utvecklingssteg"];
    }
);

vocabulary!(
    /// Where a need or step stands.
    Status, "status", {
        /// Raised, not yet agreed on.
        Proposed = "proposed", "ehdotettu", "föreslagen", ["ehdotus", "förslag"];
        /// Agreed on, not yet tried.
        Agreed = "agreed", "sovittu", "överenskommen", ["päätetty", "beslutad"];
        /// Being tried.
        InTrial = "in-trial", "kokeilussa", "prövas", ["trial", "kokeilu", "på-prov", "under-prövning"];
        /// Done: in use, or the need is met.
        Done = "done", "toteutettu", "genomförd", ["valmis", "klar"];
        /// Dropped: not taken further.
        Dropped = "dropped", "ei jatketa", "slopad", ["luovuttu", "hylätty", "lopetettu", "avbruten"];
    }
);

/// A dated note on an entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Note {
    /// The day it happened.
    pub date: Date,
    /// What happened.
    pub text: String,
    /// The entry's status from this day on, when the note changes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// One development need or step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Stable id, `[A-Za-z0-9._-]+`.
    pub id: String,
    /// Need or step.
    pub kind: Kind,
    /// A short title.
    pub title: String,
    /// A longer description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The workshop where it was raised, e.g. `rannikko-4`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workshop: Option<String>,
    /// The voices that raised it.
    pub voices: Vec<Voice>,
    /// The status it was raised with.
    pub initial_status: Status,
    /// For a step, the ids of the needs it answers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// The language it is written in, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// Dated notes, oldest first.
    pub notes: Vec<Note>,
    /// The line of the file where the entry starts.
    #[serde(skip)]
    pub line: usize,
}

impl Entry {
    /// The status now: after every note.
    pub fn status(&self) -> Status {
        self.notes
            .iter()
            .filter_map(|n| n.status)
            .next_back()
            .unwrap_or(self.initial_status)
    }

    /// The status as it stood before `day`: after the notes dated before it.
    pub fn status_before(&self, day: Date) -> Status {
        self.notes
            .iter()
            .filter(|n| n.date < day)
            .filter_map(|n| n.status)
            .next_back()
            .unwrap_or(self.initial_status)
    }

    /// The status as it stood at the end of `day`: after the notes dated on or before it.
    pub fn status_on(&self, day: Date) -> Status {
        self.notes
            .iter()
            .filter(|n| n.date <= day)
            .filter_map(|n| n.status)
            .next_back()
            .unwrap_or(self.initial_status)
    }

    /// The notes dated after `from` (when given) and before `until`.
    pub fn notes_between(&self, from: Option<Date>, until: Date) -> Vec<&Note> {
        self.notes
            .iter()
            .filter(|n| from.is_none_or(|f| n.date > f) && n.date < until)
            .collect()
    }

    /// The day it was raised: its workshop's date, else its first note's, else unknown.
    pub fn raised(&self, project: &Project) -> Option<Date> {
        self.workshop
            .as_deref()
            .and_then(|w| project.workshop(w))
            .map(|(_, w)| w.date)
            .or_else(|| self.notes.first().map(|n| n.date))
    }
}

/// The development-steps list of a project.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StepsList {
    /// The entries, in file order.
    pub entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    #[serde(default)]
    entry: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: toml::Spanned<String>,
    kind: Kind,
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    workshop: Option<String>,
    #[serde(default)]
    voices: Vec<Voice>,
    #[serde(default)]
    status: Option<Status>,
    #[serde(default)]
    needs: Vec<toml::Spanned<String>>,
    #[serde(default)]
    lang: Option<Lang>,
    #[serde(default)]
    note: Vec<RawNote>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNote {
    date: Date,
    text: String,
    #[serde(default)]
    status: Option<Status>,
}

impl StepsList {
    /// Parses the list from TOML text; `path` names the file in errors, which carry the line.
    pub fn parse(text: &str, path: &Path) -> Result<StepsList> {
        let raw: RawList = parse_toml(text, path)?;
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let err = |line: usize, message: String| Error::Config {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut seen = BTreeSet::new();
        let mut entries = Vec::with_capacity(raw.entry.len());
        for e in &raw.entry {
            let line = line_of(e.id.span().start);
            let id = e.id.get_ref().trim().to_string();
            if !is_valid_id(&id) {
                return Err(err(
                    line,
                    format!(
                        "entry id '{id}' may only hold letters, digits, '.', '_' and '-'; for example \"takaisinsoitto\""
                    ),
                ));
            }
            if !seen.insert(id.clone()) {
                return Err(err(
                    line,
                    format!(
                        "the id '{id}' is used by an earlier entry too; give each entry its own id"
                    ),
                ));
            }
            if e.title.trim().is_empty() {
                return Err(err(
                    line,
                    format!("entry '{id}' has an empty title; write what the need or step is"),
                ));
            }
            for n in &e.note {
                if n.text.trim().is_empty() {
                    return Err(err(
                        line,
                        format!(
                            "entry '{id}': the note of {} has no text; write what happened",
                            n.date
                        ),
                    ));
                }
            }
            let mut notes: Vec<Note> = e
                .note
                .iter()
                .map(|n| Note {
                    date: n.date,
                    text: n.text.trim().to_string(),
                    status: n.status,
                })
                .collect();
            // Stable: notes of the same day keep their order in the file.
            notes.sort_by_key(|n| n.date);
            entries.push(Entry {
                id,
                kind: e.kind,
                title: e.title.trim().to_string(),
                description: e
                    .description
                    .as_ref()
                    .map(|d| d.trim().to_string())
                    .filter(|d| !d.is_empty()),
                workshop: e.workshop.as_ref().map(|w| w.trim().to_string()),
                voices: e.voices.clone(),
                initial_status: e.status.unwrap_or(Status::Proposed),
                needs: e
                    .needs
                    .iter()
                    .map(|n| n.get_ref().trim().to_string())
                    .collect(),
                lang: e.lang,
                notes,
                line,
            });
        }
        // References between entries: a step answers needs that exist.
        for (e, raw) in entries.iter().zip(&raw.entry) {
            for (n, spanned) in e.needs.iter().zip(&raw.needs) {
                match entries.iter().find(|x| &x.id == n) {
                    Some(x) if x.kind == Kind::Need => {}
                    Some(_) => {
                        return Err(err(
                            line_of(spanned.span().start),
                            format!(
                                "entry '{}': '{n}' in needs is a step, not a need; list only needs there",
                                e.id
                            ),
                        ));
                    }
                    None => {
                        return Err(err(
                            line_of(spanned.span().start),
                            format!(
                                "entry '{}': no need has the id '{n}'; use the id of a need in this file",
                                e.id
                            ),
                        ));
                    }
                }
            }
        }
        Ok(StepsList { entries })
    }

    /// Checks that every entry's workshop exists in the project; `path` names the file in
    /// the error, which carries the entry's line.
    pub fn check_workshops(&self, project: &Project, path: &Path) -> Result<()> {
        if project.regions.is_empty() {
            return Ok(());
        }
        for e in &self.entries {
            if let Some(w) = &e.workshop
                && project.workshop(w).is_none()
            {
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    line: e.line,
                    message: format!(
                        "entry '{}': unknown workshop '{w}'; use one of: {}",
                        e.id,
                        project.workshop_ids().join(", ")
                    ),
                });
            }
        }
        Ok(())
    }

    /// The path of a project's list.
    pub fn path(project: &Project) -> PathBuf {
        project.root.join(STEPS_FILE)
    }

    /// Reads a project's list (an empty list when the file does not exist) and checks its
    /// workshops.
    pub fn load(project: &Project) -> Result<StepsList> {
        let path = StepsList::path(project);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(StepsList::default());
            }
            Err(e) => return Err(Error::Io { path, source: e }),
        };
        let list = StepsList::parse(&text, &path)?;
        list.check_workshops(project, &path)?;
        Ok(list)
    }

    /// Looks an entry up by id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }
}

/// A dated note to add to an entry: what happened, and the entry's new status when it
/// changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNote {
    /// The day it happened.
    pub date: Date,
    /// What happened (required: the file's every note has a text).
    pub text: String,
    /// The entry's status from this day on, when it changes.
    pub status: Option<Status>,
}

/// Why a note could not be added: the input is wrong (say so to the user; nothing was
/// written), or the list could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    /// No such entry, an empty or overlong text.
    #[error("{0}")]
    Invalid(String),
    /// The list's file.
    #[error(transparent)]
    Project(#[from] Error),
}

/// The longest note accepted, in characters.
pub const MAX_NOTE: usize = 4000;

/// Adds a dated note to entry `id` of the project's list, as the last `[[entry.note]]` of
/// that entry, keeping the file's comments, order and layout (toml_edit), durably
/// (`write_atomic`, under the project's write lock). The file is read back as the project
/// would read it before it is written, so nothing is written that `kooste` cannot read.
/// Returns the entry as it now stands.
pub fn add_note(
    project: &Project,
    id: &str,
    note: &NewNote,
) -> std::result::Result<Entry, NoteError> {
    let bad = |m: String| Err(NoteError::Invalid(m));
    let text = note.text.trim();
    if text.is_empty() {
        return bad(format!(
            "the note on '{id}' has no text; write what happened"
        ));
    }
    if text.chars().count() > MAX_NOTE {
        return bad(format!(
            "the note on '{id}' is too long; keep it under {MAX_NOTE} characters"
        ));
    }
    let _lock = crate::fsutil::WriteLock::take(&project.state_dir());
    let path = StepsList::path(project);
    let old = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::Io { path, source: e }.into()),
    };
    // The list as it is must read, so that a broken file is never overwritten.
    let list = StepsList::parse(&old, &path)?;
    if list.get(id).is_none() {
        return bad(format!(
            "no entry has the id '{id}' in {STEPS_FILE}; use the id of one of its entries"
        ));
    }
    let config = |message: String| Error::Config {
        path: path.clone(),
        line: 1,
        message,
    };
    let mut doc: toml_edit::DocumentMut = old
        .parse()
        .map_err(|e: toml_edit::TomlError| config(e.message().to_string()))?;
    let entry = doc
        .get_mut("entry")
        .and_then(toml_edit::Item::as_array_of_tables_mut)
        .and_then(|a| {
            a.iter_mut().find(|t| {
                t.get("id")
                    .and_then(toml_edit::Item::as_str)
                    .is_some_and(|x| x.trim() == id)
            })
        })
        .ok_or_else(|| config(format!("no [[entry]] with id = \"{id}\"")))?;
    let mut table = toml_edit::Table::new();
    let date: toml_edit::Datetime = note
        .date
        .to_string()
        .parse()
        .map_err(|_| config(format!("'{}' is not a date", note.date)))?;
    table["date"] = toml_edit::value(date);
    table["text"] = toml_edit::value(text);
    if let Some(s) = note.status {
        table["status"] = toml_edit::value(s.as_str());
    }
    match entry.get_mut("note") {
        None => {
            let mut notes = toml_edit::ArrayOfTables::new();
            notes.push(table);
            entry.insert("note", toml_edit::Item::ArrayOfTables(notes));
        }
        Some(item) => item
            .as_array_of_tables_mut()
            .ok_or_else(|| {
                config(format!(
                    "entry '{id}': `note` must be [[entry.note]] tables"
                ))
            })?
            .push(table),
    }
    let new = doc.to_string();
    let list = StepsList::parse(&new, &path)?;
    list.check_workshops(project, &path)?;
    let entry = list
        .get(id)
        .cloned()
        .ok_or_else(|| config(format!("entry '{id}' is gone")))?;
    crate::fsutil::write_atomic(&path, new.as_bytes()).map_err(|e| Error::Io {
        path: path.clone(),
        source: e,
    })?;
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<StepsList> {
        StepsList::parse(text, Path::new("development-steps.toml"))
    }

    const VALID: &str = r#"
[[entry]]
id = "yhteydenotto"
kind = "tarve"
title = "Yhteydenotto on liian vaikeaa"
workshop = "rannikko-2"
voices = ["asiakas", "worker"]

[[entry]]
id = "takaisinsoitto"
kind = "steg"
title = "Takaisinsoittolupaus"
description = "  Vastaus samana päivänä.  "
status = "sovittu"
needs = ["yhteydenotto"]

[[entry.note]]
date = 2018-09-28
text = "Kokeilu päättyi."
status = "done"

[[entry.note]]
date = 2018-06-04
text = "Kokeilu alkoi."
status = "kokeilussa"

[[entry.note]]
date = 2018-08-01
text = "Puheluita tuli vähemmän."
"#;

    #[test]
    fn a_valid_list_parses_in_any_language() {
        let l = parse(VALID).unwrap();
        assert_eq!(l.entries.len(), 2);
        let need = &l.entries[0];
        assert_eq!(need.kind, Kind::Need);
        assert_eq!(need.voices, [Voice::Client, Voice::Worker]);
        assert_eq!(need.status(), Status::Proposed);
        assert_eq!(need.line, 3);
        let step = l.get("takaisinsoitto").unwrap();
        assert_eq!(step.kind, Kind::Step);
        assert_eq!(step.description.as_deref(), Some("Vastaus samana päivänä."));
        // Notes are sorted by date.
        let dates: Vec<String> = step.notes.iter().map(|n| n.date.to_string()).collect();
        assert_eq!(dates, ["2018-06-04", "2018-08-01", "2018-09-28"]);
        assert_eq!(step.status(), Status::Done);
        let day = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(step.status_before(day("2018-06-04")), Status::Agreed);
        assert_eq!(step.status_before(day("2018-06-05")), Status::InTrial);
        assert_eq!(step.status_before(day("2018-09-29")), Status::Done);
        assert_eq!(step.status_on(day("2018-06-04")), Status::InTrial);
        assert_eq!(
            step.notes_between(Some(day("2018-06-04")), day("2018-09-28"))
                .len(),
            1
        );
    }

    #[test]
    fn statuses_in_three_languages() {
        for (s, v) in [
            ("in trial", Status::InTrial),
            ("in_trial", Status::InTrial),
            ("Kokeilussa", Status::InTrial),
            ("prövas", Status::InTrial),
            ("ei jatketa", Status::Dropped),
            ("slopad", Status::Dropped),
            ("överenskommen", Status::Agreed),
            ("toteutettu", Status::Done),
        ] {
            assert_eq!(s.parse::<Status>().unwrap(), v, "{s}");
        }
        let e = "maybe".parse::<Status>().unwrap_err();
        assert!(e.contains("in-trial (kokeilussa, prövas)"), "{e}");
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e =
            error("[[entry]]\nid = \"a\"\nkind = \"need\"\ntitle = \"x\"\nstatuss = \"done\"\n");
        assert!(
            e.starts_with("development-steps.toml:5: unknown field `statuss`"),
            "{e}"
        );
        let e = error("[[entry]]\nid = \"a\"\nkind = \"wish\"\ntitle = \"x\"\n");
        assert!(
            e.starts_with("development-steps.toml:3: unknown kind 'wish'"),
            "{e}"
        );
        let e = error(
            "[[entry]]\nid = \"a\"\nkind = \"need\"\ntitle = \"x\"\n\n[[entry]]\nid = \"a\"\nkind = \"step\"\ntitle = \"y\"\n",
        );
        assert!(
            e.starts_with("development-steps.toml:7: the id 'a' is used by an earlier entry"),
            "{e}"
        );
        let e = error("[[entry]]\nid = \"a b\"\nkind = \"need\"\ntitle = \"x\"\n");
        assert!(
            e.starts_with("development-steps.toml:2: entry id 'a b'"),
            "{e}"
        );
        let e = error("[[entry]]\nid = \"a\"\nkind = \"step\"\ntitle = \"x\"\nneeds = [\"b\"]\n");
        assert!(
            e.starts_with("development-steps.toml:5: entry 'a': no need has the id 'b'"),
            "{e}"
        );
        let e = error(
            "[[entry]]\nid = \"a\"\nkind = \"step\"\ntitle = \"x\"\n[[entry.note]]\ndate = 2018-02-30\ntext = \"t\"\n",
        );
        assert!(e.starts_with("development-steps.toml:6: "), "{e}");
        assert!(e.contains("date"), "{e}");
        let e = error("[[entry]]\nid = \"a\"\nkind = \"step\"\ntitle = \" \"\n");
        assert!(e.contains("empty title"), "{e}");
    }

    #[test]
    fn the_empty_file_of_init_is_valid() {
        assert!(parse(EMPTY_STEPS_TOML).unwrap().entries.is_empty());
        assert!(parse("").unwrap().entries.is_empty());
    }
    #[test]
    fn a_note_is_added_keeping_the_files_comments_and_bad_input_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kooste.toml"), "[project]\nname = \"T\"\n").unwrap();
        let file = dir.path().join(STEPS_FILE);
        let text = "# The list.\n\n[[entry]]\nid = \"a\"   # first\nkind = \"need\"\ntitle = \"A\"\n\n[[entry.note]]\ndate = 2018-01-02\ntext = \"Raised.\"\n\n# The second.\n[[entry]]\nid = \"b\"\nkind = \"step\"\ntitle = \"B\"\nneeds = [\"a\"]\n";
        std::fs::write(&file, text).unwrap();
        let p = Project::load(dir.path()).unwrap();
        let day: Date = "2018-06-04".parse().unwrap();
        let e = add_note(
            &p,
            "a",
            &NewNote {
                date: day,
                text: " Tried. ".into(),
                status: Some(Status::InTrial),
            },
        )
        .unwrap();
        assert_eq!(e.status(), Status::InTrial);
        let e = add_note(
            &p,
            "b",
            &NewNote {
                date: day,
                text: "Agreed.".into(),
                status: None,
            },
        )
        .unwrap();
        assert_eq!(e.notes.len(), 1);
        let now = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            now,
            text.replace(
                "text = \"Raised.\"\n",
                "text = \"Raised.\"\n\n[[entry.note]]\ndate = 2018-06-04\ntext = \"Tried.\"\nstatus = \"in-trial\"\n"
            ) + "\n[[entry.note]]\ndate = 2018-06-04\ntext = \"Agreed.\"\n",
            "{now}"
        );
        for (id, text, want) in [
            ("x", "Text.", "no entry has the id 'x'"),
            ("a", "  ", "has no text"),
            ("a", &"x".repeat(MAX_NOTE + 1), "too long"),
        ] {
            let note = NewNote {
                date: day,
                text: text.to_string(),
                status: None,
            };
            let e = add_note(&p, id, &note).unwrap_err();
            assert!(e.to_string().contains(want), "{e}");
            assert_eq!(std::fs::read_to_string(&file).unwrap(), now);
        }
        // A broken file is named and never overwritten.
        std::fs::write(&file, "[[entry]]\nid = \"a\"\n").unwrap();
        let note = NewNote {
            date: day,
            text: "Text.".into(),
            status: None,
        };
        let e = add_note(&p, "a", &note).unwrap_err();
        assert!(e.to_string().contains(STEPS_FILE), "{e}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "[[entry]]\nid = \"a\"\n"
        );
    }
}
