//! The kooste command line: ingest, index, search, digest and serve the knowledge base of
//! adult social work.

#[macro_use]
mod output;
mod cmd;

use clap::{Parser, Subcommand};

use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: indexing and reading make many small strings
/// on every core, where glibc's allocator spent a fifth of a full build's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process. mimalloc asks for them on its arenas,
/// and the kernel then zeroes 2 MB at the first touch of each: in a full build of 100k
/// passages that zeroing was a fifth of the time (memory freed by one stage and taken again
/// by the next is zeroed again), and the peak resident set was a quarter higher. kooste's
/// large data (the index) is read through file mappings, which this does not touch.
fn small_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// kooste: co-produce the knowledge base of adult social work.
#[derive(Parser, Debug)]
#[command(name = "kooste", version, about)]
pub(crate) struct Cli {
    /// The project directory (default: the current directory or its nearest parent with a kooste.toml).
    #[arg(long, global = true, value_name = "DIR")]
    project: Option<PathBuf>,
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create an empty project with the default question batteries.
    Init(cmd::init::Args),
    /// Read submissions into the corpus, removing personal data.
    Ingest(cmd::ingest::Args),
    /// Show the workshop cycle and what the corpus holds.
    Status,
    /// Rewrite corpus files that still hold personal data in place, redacted (edits kept).
    Redact(cmd::redact::Args),
    /// Bring the search index in line with the corpus (only what changed).
    Index(cmd::index::Args),
    /// Search the passages: any inflected form, compounds, OCR-damaged text.
    Search(cmd::search::Args),
    /// Export the corpus: a REFI-QDA project (.qdpx) for QDA tools, or passages as CSV or JSON lines.
    Export(cmd::export::Args),
    /// Render the digest presented at the start of a workshop: the previous workshop's round.
    Digest(cmd::digest::Args),
    /// Show a digest's findings and curate them: rename, summarise, merge, move, split, pin.
    Findings(cmd::findings::Args),
    /// List the development needs and steps, with their status.
    Steps(cmd::steps::Args),
    /// Show or set the between-workshop task agreed at the end of a workshop.
    Task(cmd::task::Args),
    /// Propose CAIMeR dimensions with their reasons, and learn from researchers' decisions.
    Caimer(cmd::caimer::Args),
    /// Serve the web app: forms, search, review and digests (on 127.0.0.1 unless told otherwise).
    Serve(cmd::serve::Args),
    /// Manage the web app's accounts.
    User(cmd::user::Args),
}

/// What every command returns: whether some input was rejected.
pub(crate) enum Outcome {
    Ok,
    SomeRejected,
}

fn main() -> ExitCode {
    small_pages();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `--json` promises one JSON value on stdout, also for a usage error.
            if e.use_stderr() && std::env::args_os().any(|a| a == "--json") {
                let first = e.to_string();
                let first = first
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim_start_matches("error: ");
                outln!(
                    "{}",
                    serde_json::json!({"error": first, "problems": [], "usage": true})
                );
            }
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let result = match &cli.command {
        Command::Init(a) => cmd::init::run(a, cli.json),
        Command::Ingest(a) => cmd::ingest::run(a, cli.project.as_deref(), cli.json),
        Command::Status => cmd::status::run(cli.project.as_deref(), cli.json),
        Command::Redact(a) => cmd::redact::run(a, cli.project.as_deref(), cli.json),
        Command::Index(a) => cmd::index::run(a, cli.project.as_deref(), cli.json),
        Command::Search(a) => cmd::search::run(a, cli.project.as_deref(), cli.json),
        Command::Export(a) => cmd::export::run(a, cli.project.as_deref(), cli.json),
        Command::Digest(a) => cmd::digest::run(a, cli.project.as_deref(), cli.json),
        Command::Findings(a) => cmd::findings::run(a, cli.project.as_deref(), cli.json),
        Command::Steps(a) => cmd::steps::run(a, cli.project.as_deref(), cli.json),
        Command::Task(a) => cmd::task::run(a, cli.project.as_deref(), cli.json),
        Command::Caimer(a) => cmd::caimer::run(a, cli.project.as_deref(), cli.json),
        Command::Serve(a) => cmd::serve::run(a, cli.project.as_deref(), cli.json),
        Command::User(a) => cmd::user::run(a, cli.project.as_deref(), cli.json),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::SomeRejected) => ExitCode::from(1),
        Err(e) => {
            // A closed pipe (`kooste status | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let message = match advice(&e) {
                Some(todo) => format!("{e:#}; {todo}"),
                None => format!("{e:#}"),
            };
            errln!("kooste: {message}");
            let usage = is_usage(&e);
            if cli.json {
                outln!(
                    "{}",
                    serde_json::json!({"error": message, "problems": problems(&e), "usage": usage})
                );
            }
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

/// Whether the command could not run as asked (exit 2): a usage error, no project where one
/// was looked for, or a project whose configuration cannot be read. No input was rejected:
/// nothing was looked at.
fn is_usage(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<cmd::Usage>().is_some()
            || matches!(
                c.downcast_ref::<kooste_core::Error>(),
                Some(kooste_core::Error::NoProject(_) | kooste_core::Error::Config { .. })
            )
    })
}

/// The problems of an error that names a file and line, for `--json`.
fn problems(e: &anyhow::Error) -> Vec<serde_json::Value> {
    e.chain()
        .filter_map(|c| match c.downcast_ref::<kooste_core::Error>() {
            Some(kooste_core::Error::Config {
                path,
                line,
                message,
            }) => Some(serde_json::json!({"path": path, "line": line, "message": message})),
            _ => None,
        })
        .collect()
}

/// What to do about a fault of the machine rather than of the input: a full disk or a
/// read-only directory. Errors of the search index carry only tantivy's message, so the
/// text is looked at as well as the error chain.
fn advice(e: &anyhow::Error) -> Option<&'static str> {
    use std::io::ErrorKind as K;
    let text = format!("{e:#}");
    let kinds: Vec<K> = e
        .chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .map(|io| io.kind())
        .collect();
    let any = |ks: &[K], words: &[&str]| {
        kinds.iter().any(|k| ks.contains(k)) || words.iter().any(|w| text.contains(w))
    };
    if any(
        &[K::StorageFull, K::QuotaExceeded],
        &["No space left on device", "(os error 28)"],
    ) {
        Some("free some disk space and run the command again")
    } else if any(
        &[K::ReadOnlyFilesystem, K::PermissionDenied],
        &["Read-only file system", "(os error 30)"],
    ) {
        Some("make the project directory writable and run the command again")
    } else {
        None
    }
}
