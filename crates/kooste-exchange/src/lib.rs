//! Exchange with other tools: REFI-QDA projects (.qdpx) both ways, and passage tables (CSV,
//! JSON lines).
//!
//! - [`write_qdpx`] turns the redacted corpus, its CAIMeR labels and the researchers'
//!   decisions into a REFI-QDA Project Exchange 1.0 file (`urn:QDA-XML:project:1.0`) that
//!   ATLAS.ti, NVivo, MAXQDA and QualCoder open.
//! - [`import_qdpx`] reads one back, from kooste or from another tool: its text sources
//!   become corpus documents through `kooste_ingest::read_input` (validation and
//!   redaction), its codings of CAIMeR dimensions become decisions.
//! - [`write_table`] writes passages with their metadata and labels as CSV (optionally
//!   Excel-friendly) or JSON lines.

mod export;
mod guid;
mod import;
mod layout;
mod names;
mod table;
mod xml;

pub use export::{NAMESPACE, QdpxExport, Written, write_qdpx};
pub use import::{Imported, Skipped, import_qdpx};
pub use table::{TableFormat, write_table};

/// What can go wrong when writing an export.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing the ZIP container failed.
    #[error("cannot write the .qdpx container: {0}")]
    Zip(String),
    /// Writing the output failed.
    #[error("cannot write: {0}")]
    Io(#[from] std::io::Error),
    /// Writing a CSV row failed.
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
