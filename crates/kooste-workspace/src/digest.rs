//! The digest of a workshop round, as the command line and the web app make it.

use crate::{Result, Workspace};
use kooste_core::Project;
use kooste_core::model::Lang;
use kooste_core::steps::StepsList;
use kooste_digest::{Digest, Grouping, Input, Round, assemble};
use kooste_index::Filters;
use kooste_ingest::Diagnostic;

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
        let index_problems = self.fresh()?;
        let records = {
            let ix = self.index()?;
            let records = ix.records(&Filters {
                workshop: Some(round.previous.clone()),
                ..Filters::default()
            })?;
            kooste_digest::comments::with_commented(records, |d| ix.document(d))?
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

    /// Makes sure the index is in line with the corpus before a read that must see all of
    /// it: a watched workspace is (the watcher sees to it); otherwise it is refreshed, and
    /// the files it could not read are returned.
    pub(crate) fn fresh(&self) -> Result<Vec<Diagnostic>> {
        if self.watched.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(Vec::new());
        }
        Ok(self.refresh(false)?.problems)
    }
}
