use super::*;
use crate::markdown::render_document;
use crate::read::{IngestOptions, read_input};
use kooste_core::project::{Bilingual, Project};
use std::path::Path;

const PERSONAL: &str = "Maija Virtanen, 040 123 4567, 131052-308T, maija@example.fi";
const LEAKS: &[&str] = &["Maija", "Virtanen", "040 123", "131052", "example.fi"];

fn redactor() -> Redactor {
    crate::redact::maija()
}

fn leaks(text: &str) -> Vec<&'static str> {
    LEAKS.iter().copied().filter(|l| text.contains(l)).collect()
}

/// A document with personal data in one front-matter field (or the body), read as the
/// corpus reads it: the stored document and every message about it.
fn read_with(project: &Project, field: &str) -> String {
    let mut yaml = String::from("voice: client\n");
    let mut body = "Tavallinen teksti.".to_string();
    match field {
        "voice" => yaml = format!("voice: {PERSONAL}\n"),
        "body" => body = PERSONAL.to_string(),
        f => yaml.push_str(&format!("{f}: \"{PERSONAL}\"\n")),
    }
    let text = format!("---\n{yaml}---\n{body}\n");
    match read_input(
        project,
        &redactor(),
        Path::new("doc.md"),
        text.as_bytes(),
        &IngestOptions::default(),
    ) {
        Ok(reads) => reads
            .iter()
            .map(|r| render_document(&r.document.meta, &r.document.body))
            .collect(),
        Err(diags) => diags.iter().map(ToString::to_string).collect(),
    }
}

/// A field the front matter accepts without a line in `FIELDS` fails here: decide how it
/// is treated before it can reach any output.
#[test]
fn every_front_matter_field_has_a_treatment() {
    for f in crate::frontmatter::FIELDS
        .iter()
        .chain(crate::frontmatter::LIST_FIELDS)
    {
        assert!(
            treatment(Input::FrontMatter, f).is_some(),
            "the front-matter field `{f}` is not in redact::fields::FIELDS"
        );
    }
}

/// Personal data in any front-matter field (and the body) reaches neither the stored
/// document nor a message: redacted, or refused with a message that does not quote it.
#[test]
fn no_field_lets_personal_data_through() {
    let free = Project::empty(Path::new("."));
    let mut checked = Project::empty(Path::new("."));
    checked.config.themes.insert(
        "arki".into(),
        Bilingual {
            fi: "Arki".into(),
            sv: "Vardag".into(),
        },
    );
    for (input, field, t) in FIELDS {
        if *input != Input::FrontMatter || *t == Treatment::Id {
            continue;
        }
        for project in [&free, &checked] {
            let out = read_with(project, field);
            assert!(
                leaks(&out).is_empty(),
                "`{field}` ({t:?}) let through {:?}:\n{out}",
                leaks(&out)
            );
        }
    }
    // Free fields are kept, redacted.
    let out = read_with(&free, "pseudonym");
    assert!(
        out.contains("pseudonym: Asiakas A, [puhelin], [hetu], [sähköposti]"),
        "{out}"
    );
    let out = read_with(&free, "theme");
    assert!(out.contains("theme: Asiakas A, [puhelin]"), "{out}");
}

#[test]
fn every_kind_of_input_is_listed() {
    for input in [
        Input::Table,
        Input::Word,
        Input::Qdpx,
        Input::WebForm,
        Input::Message,
    ] {
        assert!(FIELDS.iter().any(|(i, _, _)| *i == input), "{input:?}");
    }
    // Whatever is free text is redacted.
    for (_, name, t) in FIELDS {
        if ["title", "pseudonym", "answer", "cell", "text", "body"].contains(name) {
            assert_eq!(*t, Treatment::Redacted, "{name}");
        }
    }
}
