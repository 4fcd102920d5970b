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
use kooste_workspace::Workspace;
use std::path::Path;

/// Loads the project named by `--project`, or found from the current directory.
pub(crate) fn project(dir: Option<&Path>) -> anyhow::Result<Project> {
    Project::discover(dir).context("opening the project")
}

/// The workspace of the project named by `--project`, or found from the current directory.
pub(crate) fn workspace(dir: Option<&Path>) -> anyhow::Result<Workspace> {
    Ok(Workspace::new(project(dir)?))
}

/// The filters that `search` and `export` share.
#[derive(clap::Args, Debug)]
pub(crate) struct FilterArgs {
    /// Only this voice: client|worker|researcher (or in Finnish or Swedish).
    #[arg(long, value_parser = clap::value_parser!(kooste_core::Voice))]
    pub(crate) voice: Option<kooste_core::Voice>,
    /// Only passages with this CAIMeR dimension (confirmed, else proposed).
    #[arg(long, value_parser = clap::value_parser!(kooste_core::Dimension))]
    pub(crate) dimension: Option<kooste_core::Dimension>,
    /// Only this workshop round, e.g. rannikko-3.
    #[arg(long)]
    pub(crate) workshop: Option<String>,
    /// Only this theme.
    #[arg(long)]
    pub(crate) theme: Option<String>,
}

impl FilterArgs {
    /// The filters, without dates.
    pub(crate) fn filters(&self) -> kooste_workspace::Filters {
        kooste_workspace::Filters {
            voice: self.voice,
            dimension: self.dimension,
            workshop: self.workshop.clone(),
            theme: self.theme.clone(),
            ..kooste_workspace::Filters::default()
        }
    }
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
