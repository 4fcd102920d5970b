//! Readers for kooste's inputs (Markdown with front matter, plain text, CSV and Excel forms,
//! Word documents, survey exports), validation, and personal-data redaction.
//!
//! Every reader returns what it could read together with [`Diagnostic`]s instead of failing on
//! the first problem, so that one bad file never stops the others.

mod catalogue;
pub mod corpus;
mod decode;
mod docx;
mod form;
pub mod frontmatter;
mod journal;
mod markdown;
pub mod read;
pub mod redact;
pub mod source;
mod submit;
pub mod survey;
mod table;
pub mod text;
mod xlsx;

pub use corpus::{Corpus, Ingested, Outcome, Pending, Stored, ingest_file};
pub use frontmatter::Defaults;
pub use frontmatter::split_front_matter;
pub use markdown::{parse_document, render_document};
pub use read::{IngestOptions, Read, read_input};
pub use redact::{Counts, Kind, Redactor};
pub use submit::{Comment, Submission, read_comment, read_submission, submit_comment, submit_form};
pub use survey::Survey;

use std::path::PathBuf;

/// Problems found in one input, each as `(line, message)`; the caller names the file.
pub(crate) type Problems = Vec<(usize, String)>;

pub use kooste_core::Diagnostic;

/// The extensions kooste reads (`.qdpx` through `kooste-exchange`).
pub const INPUT_EXTENSIONS: &[&str] = &["md", "markdown", "txt", "csv", "xlsx", "docx", "qdpx"];

/// Every file below `dir` (recursively, sorted), skipping hidden files and directories.
/// With `only_inputs`, only files with one of [`INPUT_EXTENSIONS`]. Unreadable directories
/// are reported in `errors`. Symbolic links to directories are followed, but a directory
/// already read (a link back up, `ln -s . loop`) is read once, and the link is reported once
/// in `notes` (nothing was left out).
pub fn walk(
    dir: &std::path::Path,
    only_inputs: bool,
    errors: &mut Vec<Diagnostic>,
    notes: &mut Vec<Diagnostic>,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        match dir_identity(&d) {
            Some(id) if !seen.insert(id) => {
                notes.push(Diagnostic::new(
                    &d,
                    0,
                    "a symbolic link that leads back to a folder already read (a loop); it was read once and skipped here",
                ));
                continue;
            }
            _ => {}
        }
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) => {
                errors.push(Diagnostic::new(
                    &d,
                    0,
                    format!("cannot read the directory ({e}); check that you may read it"),
                ));
                continue;
            }
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            // `~$NAME.docx` is the lock file Word and Excel leave beside an open document.
            if name.starts_with('.') || (only_inputs && name.starts_with("~$")) {
                continue;
            }
            // The directory entry knows its type without another system call; a symbolic
            // link is followed, as `Path::is_dir` does.
            let is_dir = match e.file_type() {
                Ok(t) if !t.is_symlink() => t.is_dir(),
                _ => path.is_dir(),
            };
            if is_dir {
                stack.push(path);
            } else if !only_inputs
                || path
                    .extension()
                    .is_some_and(|x| INPUT_EXTENSIONS.iter().any(|s| x.eq_ignore_ascii_case(s)))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// What tells a directory apart from every other, however it was reached.
fn dir_identity(d: &std::path::Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(d).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let c = std::fs::canonicalize(d).ok()?;
        Some((
            0,
            kooste_core::fingerprint::of(c.to_string_lossy().as_bytes()),
        ))
    }
}

/// Turns a file stem into an id: lower case, Finnish and Swedish letters folded, anything
/// else outside `[a-z0-9._-]` replaced by `-`.
pub fn slug(stem: &str) -> String {
    let mut out = String::new();
    for c in stem.to_lowercase().chars() {
        let c = match c {
            'ä' | 'å' | 'á' | 'à' | 'â' => 'a',
            'ö' | 'ø' | 'ó' | 'ô' => 'o',
            'é' | 'è' | 'ê' => 'e',
            'ü' | 'ú' => 'u',
            c if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' => c,
            _ => '-',
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    let out = out.trim_matches(|c| c == '-' || c == '.').to_string();
    if out.is_empty() { "doc".into() } else { out }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs() {
        assert_eq!(
            super::slug("Työpaja 3 – Asiakkaan ääni"),
            "tyopaja-3-asiakkaan-aani"
        );
        assert_eq!(super::slug("...."), "doc");
    }
}
