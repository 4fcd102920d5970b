//! Writing a REFI-QDA project (`.qdpx`): `project.qde` and one text file per document
//! under `sources/`.

use crate::guid::guid;
use crate::layout::lay_out;
use crate::names::{Var, VarType, color, proposal_code, proposals_group};
use crate::{Error, Result};
use kooste_core::model::{Decision, Dimension, Document, Lang};
use kooste_core::project::Battery;
use kooste_index::Labels;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Cursor, Write};

/// The REFI-QDA namespace.
pub const NAMESPACE: &str = "urn:QDA-XML:project:1.0";

/// The user who makes kooste's proposals.
const PROPOSER: &str = "kooste";

/// Everything a `.qdpx` export is made of.
#[derive(Debug)]
pub struct QdpxExport<'a> {
    /// The project's name (`kooste.toml`).
    pub name: &'a str,
    /// The project's language: names of codes and variables, and of documents without one.
    pub lang: Lang,
    /// The question batteries, for the wording of form questions.
    pub batteries: &'a BTreeMap<String, Battery>,
    /// The redacted documents, in corpus order.
    pub documents: &'a [Document],
    /// Each passage's labels, by passage id.
    pub labels: &'a HashMap<String, Labels>,
    /// Each decided passage's last decision, by passage id: who decided and when.
    pub decisions: &'a HashMap<String, Decision>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The `.qdpx` file's bytes.
    pub bytes: Vec<u8>,
    /// Text sources (documents).
    pub sources: usize,
    /// Codings of confirmed labels.
    pub codings: usize,
    /// Codings of unconfirmed proposals.
    pub proposals: usize,
}

type W = Writer<Cursor<Vec<u8>>>;

fn start(name: &str, attrs: &[(&str, &str)]) -> BytesStart<'static> {
    let mut e = BytesStart::new(name.to_string());
    for (k, v) in attrs {
        e.push_attribute((*k, clean(v).as_str()));
    }
    e
}

/// Characters XML 1.0 cannot carry are dropped; line ends in attribute values would be
/// read back as spaces, so they become spaces here.
fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .collect()
}

fn open(w: &mut W, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
    w.write_event(Event::Start(start(name, attrs)))
}

fn empty(w: &mut W, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
    w.write_event(Event::Empty(start(name, attrs)))
}

fn close(w: &mut W, name: &str) -> std::io::Result<()> {
    w.write_event(Event::End(BytesEnd::new(name.to_string())))
}

fn text_element(w: &mut W, name: &str, text: &str) -> std::io::Result<()> {
    open(w, name, &[])?;
    let t: String = text
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect();
    w.write_event(Event::Text(BytesText::new(&t)))?;
    close(w, name)
}

/// A date-time as `xsd:dateTime` wants it (`T` between date and time, `Z` upper case).
fn xsd_date_time(when: &str) -> String {
    let mut s: Vec<char> = when.chars().collect();
    if s.len() > 10 && matches!(s[10], ' ' | 't') {
        s[10] = 'T';
    }
    if s.last() == Some(&'z') {
        s.pop();
        s.push('Z');
    }
    s.into_iter().collect()
}

/// The value of a document's variable, as text.
fn value(doc: &Document, var: Var, lang: Lang) -> Option<String> {
    let m = &doc.meta;
    match var {
        Var::Id => Some(m.id.clone()),
        Var::Title => m.title.clone(),
        Var::Voice => Some(m.voice.label(lang).to_string()),
        Var::Via => m.via.map(|v| v.label(lang).to_string()),
        Var::Workshop => m.workshop.clone(),
        Var::Theme => m.theme.clone(),
        Var::Battery => m.battery.clone(),
        Var::Date => m.date.map(|d| d.to_string()),
        Var::Lang => m.lang.map(|l| l.as_str().to_string()),
        Var::Pseudonym => m.pseudonym.clone(),
        Var::Row => m.row.map(|r| r.to_string()),
    }
}

/// Writes the project as a `.qdpx`. The same input always gives the same bytes: GUIDs are
/// derived from kooste's ids, the ZIP entries carry a fixed time, and nothing depends on
/// the clock or on hash order.
pub fn write_qdpx(e: &QdpxExport<'_>) -> Result<Written> {
    let mut w = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2);
    let mut sources = Vec::new();
    let (mut codings, mut proposals) = (0, 0);

    // Who decided: every decision's author, and kooste for its own proposals.
    let mut users: BTreeSet<String> = BTreeSet::new();
    let mut any_proposal = false;
    for d in e.documents {
        for p in &d.passages {
            match (e.decisions.get(&p.id), e.labels.get(&p.id)) {
                (Some(dec), _) => {
                    users.insert(dec.who.clone());
                }
                // kooste signs its proposals (and a confirmation nobody is named for).
                (None, Some(l)) if l.confirmed.is_some() || !l.proposed.is_empty() => {
                    any_proposal = true
                }
                _ => {}
            }
        }
    }
    if any_proposal {
        users.insert(PROPOSER.to_string());
    }

    w.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some("utf-8"),
        Some("yes"),
    )))?;
    let origin = format!("kooste {}", env!("CARGO_PKG_VERSION"));
    open(
        &mut w,
        "Project",
        &[("xmlns", NAMESPACE), ("name", e.name), ("origin", &origin)],
    )?;

    if !users.is_empty() {
        open(&mut w, "Users", &[])?;
        for u in &users {
            empty(&mut w, "User", &[("guid", &guid("user", u)), ("name", u)])?;
        }
        close(&mut w, "Users")?;
    }

    open(&mut w, "CodeBook", &[])?;
    open(&mut w, "Codes", &[])?;
    for d in Dimension::ALL {
        let attrs = [
            ("guid", guid("code", d.as_str())),
            ("name", d.label(e.lang).to_string()),
            ("isCodable", "true".to_string()),
            ("color", color(*d).to_string()),
        ];
        let attrs: Vec<(&str, &str)> = attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        open(&mut w, "Code", &attrs)?;
        text_element(&mut w, "Description", &format!("CAIMeR: {}", d.as_str()))?;
        close(&mut w, "Code")?;
    }
    let group = guid("code", "proposals");
    open(
        &mut w,
        "Code",
        &[
            ("guid", &group),
            ("name", proposals_group(e.lang)),
            ("isCodable", "false"),
        ],
    )?;
    text_element(
        &mut w,
        "Description",
        match e.lang {
            Lang::Fi => {
                "kooste-ohjelman ehdottamat ulottuvuudet, joita tutkija ei ole vielä vahvistanut"
            }
            Lang::Sv => {
                "Dimensioner som kooste föreslår och som en forskare ännu inte har bekräftat"
            }
        },
    )?;
    for d in Dimension::ALL {
        empty(
            &mut w,
            "Code",
            &[
                ("guid", &guid("proposal", d.as_str())),
                ("name", &proposal_code(*d, e.lang)),
                ("isCodable", "true"),
                ("color", "#BAB0AC"),
            ],
        )?;
    }
    close(&mut w, "Code")?;
    close(&mut w, "Codes")?;
    close(&mut w, "CodeBook")?;

    // Only the variables some document has.
    let used: Vec<Var> = Var::ALL
        .iter()
        .copied()
        .filter(|v| e.documents.iter().any(|d| value(d, *v, e.lang).is_some()))
        .collect();
    if !used.is_empty() {
        open(&mut w, "Variables", &[])?;
        for v in &used {
            let kind = match v.kind() {
                VarType::Text => "Text",
                VarType::Date => "Date",
                VarType::Integer => "Integer",
            };
            empty(
                &mut w,
                "Variable",
                &[
                    ("guid", &guid("variable", v.key())),
                    ("name", v.name(e.lang)),
                    ("typeOfVariable", kind),
                ],
            )?;
        }
        close(&mut w, "Variables")?;
    }

    if !e.documents.is_empty() {
        open(&mut w, "Cases", &[])?;
        for d in e.documents {
            let id = &d.meta.id;
            open(&mut w, "Case", &[("guid", &guid("case", id)), ("name", id)])?;
            for v in &used {
                let Some(val) = value(d, *v, e.lang) else {
                    continue;
                };
                open(&mut w, "VariableValue", &[])?;
                empty(
                    &mut w,
                    "VariableRef",
                    &[("targetGUID", &guid("variable", v.key()))],
                )?;
                let element = match v.kind() {
                    VarType::Text => "TextValue",
                    VarType::Date => "DateValue",
                    VarType::Integer => "IntegerValue",
                };
                text_element(&mut w, element, &val)?;
                close(&mut w, "VariableValue")?;
            }
            empty(&mut w, "SourceRef", &[("targetGUID", &guid("source", id))])?;
            close(&mut w, "Case")?;
        }
        close(&mut w, "Cases")?;

        open(&mut w, "Sources", &[])?;
        for d in e.documents {
            let id = &d.meta.id;
            let lang = d.meta.lang.unwrap_or(e.lang);
            let laid = lay_out(d, lang, e.batteries);
            let source = guid("source", id);
            let path = format!("internal://{source}.txt");
            open(
                &mut w,
                "TextSource",
                &[("guid", &source), ("name", id), ("plainTextPath", &path)],
            )?;
            if let Some(t) = &d.meta.title {
                text_element(&mut w, "Description", t)?;
            }
            for (p, (s, end)) in d.passages.iter().zip(&laid.spans) {
                let labels = e.labels.get(&p.id);
                let decision = e.decisions.get(&p.id);
                let confirmed = labels
                    .and_then(|l| l.confirmed.clone())
                    .or_else(|| decision.map(|d| d.labels.clone()));
                let (codes, user, when, note): (Vec<String>, &str, Option<String>, Option<String>) =
                    match (&confirmed, labels) {
                        (Some(c), _) => (
                            c.iter().map(|d| guid("code", d.as_str())).collect(),
                            decision.map_or(PROPOSER, |d| d.who.as_str()),
                            decision.map(|d| xsd_date_time(&d.when)),
                            None,
                        ),
                        (None, Some(l)) if !l.proposed.is_empty() => (
                            l.proposed
                                .iter()
                                .map(|(d, _)| guid("proposal", d.as_str()))
                                .collect(),
                            PROPOSER,
                            None,
                            Some(
                                l.proposed
                                    .iter()
                                    .map(|(d, s)| format!("{}: {s:.2}", proposal_code(*d, e.lang)))
                                    .collect::<Vec<_>>()
                                    .join("; "),
                            ),
                        ),
                        _ => (Vec::new(), PROPOSER, None, None),
                    };
                if codes.is_empty() {
                    continue;
                }
                if confirmed.is_some() {
                    codings += codes.len();
                } else {
                    proposals += codes.len();
                }
                let user_guid = guid("user", user);
                let (s, end) = (s.to_string(), end.to_string());
                let mut attrs = vec![
                    ("guid", guid("selection", &p.id)),
                    ("name", p.id.clone()),
                    ("startPosition", s),
                    ("endPosition", end),
                    ("creatingUser", user_guid.clone()),
                ];
                if let Some(t) = &when {
                    attrs.push(("creationDateTime", t.clone()));
                }
                let attrs_ref: Vec<(&str, &str)> =
                    attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                open(&mut w, "PlainTextSelection", &attrs_ref)?;
                if let Some(n) = &note {
                    text_element(&mut w, "Description", n)?;
                }
                for code in &codes {
                    let mut attrs = vec![
                        ("guid", guid("coding", &format!("{}:{code}", p.id))),
                        ("creatingUser", user_guid.clone()),
                    ];
                    if let Some(t) = &when {
                        attrs.push(("creationDateTime", t.clone()));
                    }
                    let attrs_ref: Vec<(&str, &str)> =
                        attrs.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    open(&mut w, "Coding", &attrs_ref)?;
                    empty(&mut w, "CodeRef", &[("targetGUID", code)])?;
                    close(&mut w, "Coding")?;
                }
                close(&mut w, "PlainTextSelection")?;
            }
            close(&mut w, "TextSource")?;
            sources.push((source, laid.text));
        }
        close(&mut w, "Sources")?;
    }
    close(&mut w, "Project")?;
    let mut qde = w.into_inner().into_inner();
    qde.push(b'\n');

    let zip_err = |e: zip::result::ZipError| Error::Zip(e.to_string());
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    z.start_file("project.qde", opts).map_err(zip_err)?;
    z.write_all(&qde)?;
    for (g, text) in &sources {
        z.start_file(format!("sources/{g}.txt"), opts)
            .map_err(zip_err)?;
        z.write_all(text.as_bytes())?;
    }
    let bytes = z.finish().map_err(zip_err)?.into_inner();
    Ok(Written {
        bytes,
        sources: sources.len(),
        codings,
        proposals,
    })
}
