//! Markdown with YAML front matter: `read_input` on a `.md` file, and
//! `split_front_matter` on the same bytes decoded lossily. Neither may panic.
#![no_main]

use kooste_core::Project;
use kooste_ingest::{IngestOptions, Redactor, read_input, split_front_matter};
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
        Path::new("inbox/fuzz/input.md"),
        data,
        &opts,
    );
    let text = String::from_utf8_lossy(data);
    let _ = split_front_matter(&text);
});
