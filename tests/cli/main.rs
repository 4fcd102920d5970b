//! End-to-end tests: they drive the real `kooste` binary over fixture projects and read
//! what it prints and what it leaves on disk, as a user would.

mod caimer;
mod contract;
mod digest;
mod exchange;
mod ingest;
#[path = "../../crates/kooste-ingest/tests/office/mod.rs"]
mod office;
mod project;
mod search;
mod sources;
#[path = "../support/mod.rs"]
mod support;
mod workshop_loop;

pub(crate) use support::{Run, TestProject};
