//! One module per subcommand, each with a `run()`.

pub(crate) mod caimer;
pub(crate) mod digest;
pub(crate) mod export;
pub(crate) mod findings;
pub(crate) mod index;
pub(crate) mod ingest;
pub(crate) mod init;
pub(crate) mod redact;
pub(crate) mod search;
pub(crate) mod serve;
pub(crate) mod status;
pub(crate) mod steps;
pub(crate) mod task;
pub(crate) mod user;

use anyhow::Context;
use kooste_core::Project;
use std::path::Path;

/// Loads the project named by `--project`, or found from the current directory.
pub(crate) fn project(dir: Option<&Path>) -> anyhow::Result<Project> {
    Project::discover(dir).context("opening the project")
}

/// A usage error found after argument parsing (exit code 2, like clap's own).
#[derive(Debug)]
pub(crate) struct Usage(pub(crate) String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}
