//! One module per subcommand, each with a `run()`.

pub(crate) mod ingest;
pub(crate) mod init;
pub(crate) mod status;

use anyhow::Context;
use kooste_core::Project;
use std::path::Path;

/// Loads the project named by `--project`, or found from the current directory.
pub(crate) fn project(dir: Option<&Path>) -> anyhow::Result<Project> {
    Project::discover(dir).context("opening the project")
}
