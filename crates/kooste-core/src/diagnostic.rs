//! One problem with one input, as every reader and command reports it.

use std::fmt;
use std::path::PathBuf;

/// One problem with one input, as `path:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as the user named it.
    pub path: PathBuf,
    /// The 1-based line, or 0 when the whole file is meant.
    pub line: usize,
    /// What is wrong, and what to do.
    pub message: String,
}

impl Diagnostic {
    /// A problem at `line` of `path` (0: the whole file).
    pub fn new(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.path.display(),
            self.line.max(1),
            self.message
        )
    }
}
