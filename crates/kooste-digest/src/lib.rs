//! kooste's digests: the material of a workshop round grouped into findings by the matter
//! it speaks about, across voices and languages, with the development-steps list, rendered with minijinja to HTML and Markdown.
//!
//! The digest presented at the start of workshop W is the digest of the previous workshop's
//! round: what was produced on that day and collected afterwards for its between-workshop
//! task. Building one takes three steps:
//!
//! 1. [`Round::of`] finds the previous workshop (or says why there is none);
//! 2. [`assemble`] turns the round's redacted [`PassageRecord`](kooste_core::record::PassageRecord)s
//!    and the [`StepsList`](kooste_core::steps::StepsList), with the findings' [`Grouping`]
//!    (the matter thesaurus and the researchers' curation), into a [`Digest`]: plain data,
//!    no wording;
//! 3. [`Templates::render`] renders it with the project's templates (or the built-in ones)
//!    and the wording of `strings.toml` in Finnish or Swedish.

mod assemble;
pub mod comments;
pub mod findings;
pub mod group;
pub mod matters;
mod model;
mod render;

pub use assemble::{Input, Round, assemble};
pub use findings::Grouping;
pub use model::*;
pub use render::{
    BUILTIN, Format, Templates, add_text_filters, md_escape, read_template, set_syntax,
};

use std::path::PathBuf;

/// Why a digest could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The workshop id names no workshop of the project.
    #[error("unknown workshop '{id}'; the project's workshops are: {known}")]
    UnknownWorkshop {
        /// The id given.
        id: String,
        /// The valid ids, comma-separated.
        known: String,
    },
    /// The workshop opens its cycle, so no earlier round exists to digest.
    #[error("{}", first_workshop(id, region, next.as_deref()))]
    FirstWorkshop {
        /// The workshop id.
        id: String,
        /// The region's name.
        region: String,
        /// The next workshop, whose digest covers this workshop's round.
        next: Option<String>,
    },
    /// A template or the strings file is wrong.
    #[error("{path}:{line}: {message}")]
    Template {
        /// The template file (a project file, or a built-in one marked as such).
        path: String,
        /// The 1-based line, or 0 when unknown.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A template file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

fn first_workshop(id: &str, region: &str, next: Option<&str>) -> String {
    let mut s = format!(
        "{id} is the first workshop of {region}: no round came before it, so there is no digest to present there"
    );
    if let Some(next) = next {
        s.push_str(&format!(
            "; the material of its round is digested for {next}: kooste digest {next}"
        ));
    }
    s
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
