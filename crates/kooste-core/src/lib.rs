//! The domain types of kooste: voices, CAIMeR dimensions, documents, passages, workshops,
//! question batteries, and the project layout.
//!
//! The types in [`model`] do no IO. [`project`] reads a project's configuration files and
//! [`fsutil`] holds the one durable-write routine every crate uses.

pub mod clock;
pub mod diagnostic;
pub mod fingerprint;
pub mod fsutil;
pub mod markdown;
pub mod model;
pub mod project;
pub mod publish;
pub mod record;
pub mod rng;
pub mod round;
pub mod steps;
pub mod task;

pub use diagnostic::Diagnostic;
pub use model::{Dimension, Document, DocumentMeta, Lang, Passage, Provenance, Voice};
pub use project::{Battery, Participant, Project, Question, Region, Task, Workshop};

/// A file that could not be read or written, and why: `path: error`.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct FileError {
    /// The file.
    pub path: std::path::PathBuf,
    /// The underlying error.
    pub source: std::io::Error,
}

impl FileError {
    /// The error of `path`.
    pub fn new(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> FileError {
        FileError {
            path: path.into(),
            source,
        }
    }
}

/// An error from reading a project's configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A configuration file is malformed or inconsistent.
    #[error("{path}:{line}: {message}")]
    Config {
        /// The file.
        path: std::path::PathBuf,
        /// The 1-based line, or 0 when unknown.
        line: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// No project was found.
    #[error("{0}")]
    NoProject(String),
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
