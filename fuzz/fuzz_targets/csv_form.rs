//! CSV forms: `read_input` on a `.csv` file (UTF-8, BOM or Windows-1252; `;` or `,`).
//! Must not panic, whatever the bytes.
#![no_main]

use kooste_core::Project;
use kooste_ingest::{IngestOptions, Redactor, read_input};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::LazyLock;

static PROJECT: LazyLock<Project> = LazyLock::new(|| Project::empty(Path::new("/fuzz")));
static REDACTOR: LazyLock<Redactor> = LazyLock::new(|| Redactor::new(&[]));

fuzz_target!(|data: &[u8]| {
    let opts = IngestOptions::default();
    let _ = read_input(
        &PROJECT,
        &REDACTOR,
        Path::new("inbox/fuzz/asp-paiva.csv"),
        data,
        &opts,
    );
});
