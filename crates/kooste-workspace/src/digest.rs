//! The digest of a workshop round, as the command line and the web app make it.

use crate::{Result, Workspace};
use kooste_core::Project;
use kooste_core::model::Lang;
use kooste_core::steps::StepsList;
use kooste_digest::findings::{Change, Curation, Problem};
use kooste_digest::{Digest, Grouping, Input, Round, assemble};
use kooste_index::Filters;
use kooste_ingest::Diagnostic;
use std::path::PathBuf;

/// Why a change to a digest's findings was not made (nothing was written).
#[derive(Debug)]
pub enum Unchanged {
    /// The curation file cannot be read: writing it would lose what is in it.
    BrokenFile(Problem),
    /// The digest has no such theme.
    UnknownTheme(String),
    /// The change does not fit the findings as they stand: why, in plain words.
    Refused(String),
}

impl std::fmt::Display for Unchanged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unchanged::BrokenFile(p) => write!(f, "{p}"),
            Unchanged::UnknownTheme(t) => write!(f, "the digest has no theme '{t}'"),
            Unchanged::Refused(why) => f.write_str(why),
        }
    }
}

/// What a refresh before a digest could not read, and the round's records when they hold.
type Fresh = (Vec<Diagnostic>, Option<Vec<kooste_index::PassageRecord>>);

/// A digest, with what went wrong on the way.
#[derive(Debug)]
pub struct Built {
    /// The digest.
    pub digest: Digest,
    /// Corpus files the index refresh could not read (the rest is in the digest).
    pub index_problems: Vec<Diagnostic>,
}

impl Workspace {
    /// The digest of `round` in `lang`: the round's passages from an index in line with the
    /// corpus, with the comments made on the round's own digest beside what they comment
    /// on, the development-steps list, and the findings' thesaurus and curation. The
    /// project's files are read afresh, so that a task set meanwhile (`kooste task`, the
    /// web app's task page) shows at once.
    pub fn digest(&self, round: &Round, lang: Lang) -> Result<Built> {
        let project = Project::load(&self.project.root)?;
        let steps = StepsList::load(&project)?;
        let grouping = Grouping::load(&project.root, &round.workshop)?;
        let (index_problems, records) = self.fresh_for_round(round)?;
        let records = match records {
            Some(r) => r,
            None => self.round_records(round)?,
        };
        let digest = assemble(
            &Input {
                project: &project,
                round,
                records: &records,
                steps: &steps,
                grouping: &grouping,
            },
            lang,
        )?;
        Ok(Built {
            digest,
            index_problems,
        })
    }

    /// Curates the findings of `digest` (the digest of `round` as it stands): applies
    /// `changes` in order, each checked against the theme's findings, and writes
    /// `findings/WORKSHOP.toml` durably. All or nothing: when one change does not fit, or the
    /// file cannot be read, nothing is written. Curations of one workspace are made one at a
    /// time, so two researchers' changes never overwrite each other.
    pub fn curate(
        &self,
        round: &Round,
        digest: &Digest,
        changes: &[Change],
    ) -> Result<std::result::Result<PathBuf, Unchanged>> {
        let _one_at_a_time = self
            .curating
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (mut curation, problems) = Curation::load(&self.project.root, &round.workshop);
        if let Some(p) = problems.into_iter().next() {
            return Ok(Err(Unchanged::BrokenFile(p)));
        }
        for change in changes {
            let theme = change.theme();
            let Some(section) = digest.themes.iter().find(|t| t.theme.id == theme) else {
                return Ok(Err(Unchanged::UnknownTheme(theme.to_string())));
            };
            if let Err(why) = curation.apply(change, &section.members()) {
                return Ok(Err(Unchanged::Refused(why)));
            }
        }
        let path = curation
            .save(&self.project.root, &round.workshop)
            .map_err(|e| {
                kooste_core::FileError::new(
                    self.project.root.join(Curation::file(&round.workshop)),
                    e,
                )
            })?;
        Ok(Ok(path))
    }

    /// The passage records a digest of `round` is made of: the round's own, with the
    /// passages its comments name.
    fn round_records(&self, round: &Round) -> Result<Vec<kooste_index::PassageRecord>> {
        let ix = self.index()?;
        let records = ix.records(&Filters {
            workshop: Some(round.previous.clone()),
            ..Filters::default()
        })?;
        Ok(kooste_digest::comments::with_commented(records, |d| {
            ix.document(d)
        })?)
    }

    /// Makes sure the index holds what the corpus says of `round` before its digest is
    /// made, as cheaply as a search does ("Seeing hand edits"): a watched workspace is in
    /// line; otherwise the index is refreshed when its watch no longer holds (a file added,
    /// removed or saved anew, a project file changed), or when a corpus file the round's
    /// passages come from was edited in place since it was indexed. A round of a million
    /// passages' project is some ten thousand files to stat, not every corpus file to stat
    /// and the manifest to parse. Returns the files a refresh could not read, and the
    /// round's records when they were read and still hold.
    fn fresh_for_round(&self, round: &Round) -> Result<Fresh> {
        if self.watched.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok((Vec::new(), None));
        }
        let root = &self.project.root;
        if !self.has_index() || self.index()?.freshness(root, false).is_some() {
            return Ok((self.refresh(false)?.problems, None));
        }
        let records = self.round_records(round)?;
        let files: std::collections::BTreeSet<&str> =
            records.iter().map(|r| r.file.as_str()).collect();
        if self.index()?.changed_files(root, files).is_empty() {
            return Ok((Vec::new(), Some(records)));
        }
        Ok((self.refresh(false)?.problems, None))
    }
}
