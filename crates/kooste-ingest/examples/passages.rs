//! Prints every passage of a project's corpus as JSON lines, redacted as the index sees it.
//!
//! `cargo run -p kooste-ingest --example passages -- [PROJECT_DIR]`
//!
//! Each line: `{"id", "doc", "voice", "lang", "workshop", "theme", "question", "text"}`.
//! Used to write evaluation sets that name passages by id.

use kooste_core::project::Project;
use kooste_ingest::{Corpus, Redactor};
use serde_json::json;
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let project = Project::load(&dir)?;
    let redactor = Redactor::new(&project.participants()?);
    let (corpus, mut problems) = Corpus::open(&project)?;
    let (docs, more) = corpus.read_all(&project, &redactor);
    problems.extend(more);
    for p in &problems {
        eprintln!("{p}");
    }
    let default_lang = project.config.project.lang;
    for r in &docs {
        let m = &r.document.meta;
        for p in &r.document.passages {
            println!(
                "{}",
                json!({
                    "id": p.id, "doc": m.id, "voice": p.voice.as_str(),
                    "lang": m.lang.unwrap_or(default_lang).as_str(),
                    "workshop": m.workshop, "theme": m.theme,
                    "question": p.question, "text": p.text,
                })
            );
        }
    }
    Ok(())
}
