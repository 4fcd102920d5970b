//! kooste's web app: forms for workers and clients, review of CAIMeR proposals, search and
//! digests, with accounts, sessions and roles.
//!
//! [`Web::new`] builds the app over a project and its (up-to-date) search index;
//! [`Web::router`] is the axum router, [`serve`] runs it. Pages are rendered on the server
//! from the templates in `templates/web/` (compiled in; a project's own `templates/web/`
//! overrides them file by file) and work without JavaScript. Accounts live in the project's
//! `users.toml` ([`accounts`]); sessions are kept in memory.
//!
//! Only this crate knows HTTP. Everything it writes goes through the other crates: a form
//! through [`kooste_ingest::submit_form`] into the corpus, a decision through
//! [`kooste_caimer::Caimer::record`] into the decisions file.

pub mod accounts;
mod app;
mod extract;
mod guard;
mod pages;
mod render;
mod server;
mod session;
mod voice_query;

pub use accounts::{Account, Role, USERS_FILE, Users, add_account, add_user, role_voice};
pub use app::{Config, Proxy, Web};
pub use pages::forms::read_form_post;
pub use render::BUILTIN;
pub use server::{run, serve, serve_until};

/// What can go wrong in the web app.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] kooste_core::FileError),
    /// The project's configuration or accounts file is malformed.
    #[error(transparent)]
    Project(#[from] kooste_core::Error),
    /// An account could not be added or checked.
    #[error("{0}")]
    Users(String),
    /// A template is wrong.
    #[error("{0}")]
    Template(String),
    /// The CAIMeR proposer failed.
    #[error(transparent)]
    Caimer(#[from] kooste_caimer::Error),
    /// The search index failed.
    #[error(transparent)]
    Index(#[from] kooste_workspace::IndexError),
    /// The project's live state (index, proposer, corpus) failed.
    #[error(transparent)]
    Workspace(#[from] kooste_workspace::Error),
    /// A digest could not be made.
    #[error(transparent)]
    Digest(#[from] kooste_digest::Error),
}

/// The result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
