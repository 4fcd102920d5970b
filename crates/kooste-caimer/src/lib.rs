//! CAIMeR dimension proposals that explain themselves, and learning from researchers'
//! decisions.
//!
//! A [`Proposer`] scores each of the five dimensions of a passage by adding up, per
//! dimension, the weights of curated Finnish and Swedish cues ([`lexicon`]), forms that
//! carry meaning (first-person past, a thing done, causal connectives), the form question's
//! dimension hints and the passage's stems and word prefixes, as learned by the base model
//! from the shipped labelled sets ([`BASE`], [`evalset`]) and then from the project's
//! decisions ([`train`]). Every score comes with the [`Evidence`]
//! behind it, so a proposal can say which words pushed it. It works cold, before any
//! decision, from the base model.
//!
//! Decisions are data: [`decisions`] keeps them in the project's `decisions/decisions.jsonl`.
//! The learned model is derived from them and cached under `.kooste/caimer/`. [`Caimer`] ties
//! the two together for a project: open it, propose, and record decisions.

pub mod decisions;
pub mod evalset;
mod lang;
pub mod lexicon;
mod memory;
mod morph;
mod propose;
pub mod train;

pub use lang::detect as detect_lang;
pub use lexicon::Lexicon;
pub use propose::{BASE, Evidence, Proposal, Proposer, Settings, Source, is_content_word};
pub use train::Model;

use kooste_core::Project;
use kooste_core::model::{Decision, Dimension, Lang};
use kooste_ingest::{Diagnostic, Redactor};
use std::path::{Path, PathBuf};

/// What can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A cue file is malformed (a bug in kooste, caught by its tests).
    #[error("{file}: {message}")]
    Lexicon {
        /// The cue file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] kooste_core::FileError),
    /// The project's register of participants could not be read.
    #[error(transparent)]
    Project(#[from] kooste_core::Error),
    /// A decision lacks something it must hold.
    #[error("{0}")]
    Decision(String),
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Where the learned model is cached, below the project's state directory.
pub const MODEL_FILE: &str = "caimer/model.json";

/// A project's proposer together with its decisions: what the command line and the web app
/// use.
#[derive(Debug)]
pub struct Caimer {
    decisions_path: PathBuf,
    model_path: PathBuf,
    /// The register, for the redactor, which is built the first time a text is redacted:
    /// most users of a `Caimer` (an index build) only propose, and building it takes a
    /// tenth of a second.
    register: Vec<kooste_core::project::Participant>,
    redactor: std::sync::OnceLock<Redactor>,
    decisions: Vec<Decision>,
    problems: Vec<Diagnostic>,
    proposer: Proposer,
}

impl Caimer {
    /// Reads the project's decisions and loads the learned model, retraining it (and
    /// caching it under `.kooste/caimer/`) when it is missing, stale or damaged. Malformed
    /// lines of the decisions file are skipped and listed in [`Caimer::problems`].
    pub fn open(project: &Project) -> Result<Caimer> {
        let register = project.participants()?;
        let decisions_path = decisions::path(project);
        let (decisions, problems) = decisions::read(&decisions_path)?;
        let model_path = project.state_dir().join(MODEL_FILE);
        let proposer = load_or_train(&Proposer::cold()?, &decisions, &model_path)?;
        Ok(Caimer {
            decisions_path,
            model_path,
            register,
            redactor: std::sync::OnceLock::new(),
            decisions,
            problems,
            proposer,
        })
    }

    /// The proposer, trained on the decisions so far.
    pub fn proposer(&self) -> &Proposer {
        &self.proposer
    }

    /// Proposes dimensions for a passage (see [`Proposer::propose`]).
    pub fn propose(&self, text: &str, lang: Lang, hints: &[Dimension]) -> Proposal {
        self.proposer.propose(text, lang, hints)
    }

    /// The proposed dimensions with their scores, best first, without the evidence (see
    /// [`Proposer::proposed`]).
    pub fn proposed(&self, text: &str, lang: Lang, hints: &[Dimension]) -> Vec<(Dimension, f32)> {
        self.proposer.proposed(text, lang, hints)
    }

    /// Every valid decision in the file, in the order recorded.
    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    /// The confirmed labels of the decided passages; the latest decision on a passage wins
    /// (see [`decisions::Confirmed`] for how a decision follows an edited document).
    pub fn confirmed(&self) -> decisions::Confirmed {
        decisions::Confirmed::of(&self.decisions)
    }

    /// The lines of the decisions file that were skipped, as `path:line: message`.
    pub fn problems(&self) -> &[Diagnostic] {
        &self.problems
    }

    /// Removes personal data from a text the way decisions are stored.
    pub fn redact(&self, text: &str, lang: Lang) -> String {
        self.redactor
            .get_or_init(|| Redactor::new(&self.register))
            .redact(text, lang)
            .0
    }

    /// Records one decision and retrains (see [`Caimer::record_all`]).
    pub fn record(&mut self, decision: Decision) -> Result<()> {
        self.record_all(vec![decision]).map(|_| ())
    }

    /// Records decisions: redacts their text, note and who made them, puts their labels in canonical
    /// order, checks them, appends them to the decisions file, and retrains the model from
    /// all decisions so that the next proposal uses them. Nothing is written when one of
    /// them is invalid. Returns how many were recorded.
    pub fn record_all(&mut self, decisions: Vec<Decision>) -> Result<usize> {
        let mut clean = Vec::with_capacity(decisions.len());
        for mut d in decisions {
            d.text = self.redact(&d.text, d.lang);
            d.note = d.note.map(|n| self.redact(&n, d.lang));
            d.who = self.redact(&d.who, d.lang);
            d.labels.sort_unstable();
            d.labels.dedup();
            d.check().map_err(Error::Decision)?;
            clean.push(d);
        }
        decisions::append(&self.decisions_path, &clean)?;
        let n = clean.len();
        self.decisions.extend(clean);
        self.proposer = load_or_train(&self.proposer, &self.decisions, &self.model_path)?;
        Ok(n)
    }
}

/// The proposer for `decisions`: the cached model when its fingerprint matches, else a
/// freshly trained one, which is then cached.
fn load_or_train(base: &Proposer, decisions: &[Decision], model_path: &Path) -> Result<Proposer> {
    if decisions.is_empty() {
        return Ok(base.with_model(base.untrained()));
    }
    let fp = train::fingerprint(base, decisions);
    if let Ok(text) = std::fs::read_to_string(model_path)
        && let Some(model) = Model::from_json(&text)
        && model.fingerprint() == fp
    {
        return Ok(base.with_model(model).remembering(decisions));
    }
    let trained = base.trained(decisions);
    kooste_core::fsutil::write_atomic(model_path, trained.model().to_json().as_bytes()).map_err(
        |source| {
            Error::Io(kooste_core::FileError::new(
                model_path.to_path_buf(),
                source,
            ))
        },
    )?;
    Ok(trained)
}
