//! Word documents (`.docx`): paragraphs, headings, list items and tables read from
//! `word/document.xml`, and the title from the core properties.

use crate::table::{Origin, Table, TableRow};
use crate::text::normalize_newlines;
use kooste_core::markdown::{escape, escape_flat};
use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::io::{Cursor, Read};

/// A part larger than this is refused rather than inflated (a damaged or hostile archive).
const MAX_PART: u64 = 64 << 20;

/// What a Word document holds, in order.
#[derive(Debug, Default)]
pub(crate) struct Docx {
    /// The core properties' title, if set.
    pub(crate) title: Option<String>,
    /// Headings, paragraphs and tables.
    pub(crate) blocks: Vec<Block>,
}

/// One block of a Word document.
#[derive(Debug)]
pub(crate) enum Block {
    /// A heading of level 1-6.
    Heading(u8, String),
    /// A paragraph; `true` when it is a list item.
    Paragraph(String, bool),
    /// A table; its origin numbers it from 1.
    Table(Table),
}

/// Reads a `.docx`. Errors are whole-file messages.
pub(crate) fn read(bytes: &[u8]) -> Result<Docx, String> {
    crate::xlsx::check_ooxml(bytes, "Word", "docx")?;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        format!("the file is damaged ({e}); open it in Word and save it again as .docx")
    })?;
    let document = part(&mut zip, "word/document.xml")?.ok_or_else(|| {
        "this is not a Word document (it has no word/document.xml); save it from Word as .docx"
            .to_string()
    })?;
    let styles = match part(&mut zip, "word/styles.xml")? {
        Some(x) => heading_styles(&x),
        None => HashMap::new(),
    };
    let title = match part(&mut zip, "docProps/core.xml")? {
        Some(x) => core_title(&x),
        None => None,
    };
    let blocks = body(&document, &styles).map_err(|e| {
        format!(
            "the document's text cannot be read ({e}); open it in Word and save it again as .docx"
        )
    })?;
    Ok(Docx { title, blocks })
}

fn part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Option<String>, String> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => {
            return Err(format!(
                "the file is damaged ({e}); open it in Word and save it again as .docx"
            ));
        }
    };
    let mut text = String::new();
    let mut limited = file.take(MAX_PART);
    limited.read_to_string(&mut text).map_err(|e| {
        format!(
            "the part {name} is damaged ({e}); open the file in Word and save it again as .docx"
        )
    })?;
    if text.len() as u64 >= MAX_PART {
        return Err(format!(
            "the part {name} is larger than {} MiB; split the document",
            MAX_PART >> 20
        ));
    }
    Ok(Some(text))
}

fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Style id → heading level, from `word/styles.xml`. Built-in heading styles keep their
/// English names (`heading 1`) whatever the language of Word, while their ids are
/// translated (`Otsikko1`, `Rubrik1`).
fn heading_styles(xml: &str) -> HashMap<String, u8> {
    let mut out = HashMap::new();
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut id: Option<String> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "style" => id = attr(&e, "styleId"),
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "name" => {
                if let (Some(id), Some(name)) = (&id, attr(&e, "val"))
                    && let Some(level) = heading_level(&name)
                {
                    out.insert(id.clone(), level);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

/// The level of a heading style's name or id: `heading 2`, `Heading2`, `Otsikko2`,
/// `Rubrik2`, `Title`.
fn heading_level(name: &str) -> Option<u8> {
    let n = name.to_lowercase().replace(' ', "");
    if n == "title" || n == "otsikko" || n == "rubrik" {
        return Some(1);
    }
    ["heading", "otsikko", "rubrik"].iter().find_map(|p| {
        n.strip_prefix(p)
            .and_then(|d| d.parse::<u8>().ok())
            .filter(|l| (1..=6).contains(l))
    })
}

fn core_title(xml: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    let mut title = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "title" => inside = true,
            Ok(Event::End(e)) if e.local_name().as_ref() == "title" => break,
            Ok(Event::Text(t)) if inside => title.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if inside => title.push_str(&entity(&r.xml10_content())),
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    Some(title.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|t| !t.is_empty())
}

fn entity(name: &str) -> String {
    if let Some(num) = name.strip_prefix('#') {
        let n = match num.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse().ok(),
        };
        return n
            .and_then(char::from_u32)
            .map(String::from)
            .unwrap_or_default();
    }
    quick_xml::escape::resolve_predefined_entity(name)
        .unwrap_or_default()
        .to_string()
}

#[derive(Default)]
struct Para {
    style: Option<String>,
    outline: Option<u8>,
    list: bool,
    text: String,
}

#[derive(Default)]
struct TableState {
    rows: Vec<TableRow>,
    row: Option<Vec<String>>,
    cell: Option<String>,
    span: usize,
    /// The cell continues a vertical merge: it shows the text of the cell above.
    merged: bool,
}

/// Subtrees whose text is not the document's: deleted revisions, field codes, and the
/// fallback copy of a drawing (its text is also in the preferred copy).
const SKIPPED: &[&str] = &["del", "moveFrom", "instrText", "Fallback", "delText"];

fn body(xml: &str, styles: &HashMap<String, u8>) -> Result<Vec<Block>, quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut blocks = Vec::new();
    let mut paras: Vec<Para> = Vec::new();
    let mut tables: Vec<TableState> = Vec::new();
    let mut table_count = 0;
    let mut in_text = false;
    let mut in_props = 0usize;
    let mut skip = 0usize;
    loop {
        let ev = reader.read_event()?;
        let empty = matches!(ev, Event::Empty(_));
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if skip > 0 || SKIPPED.contains(&name) {
                    if !empty {
                        skip += 1;
                    }
                    continue;
                }
                match name {
                    "p" if !empty => paras.push(Para::default()),
                    "pPr" if !empty => in_props += 1,
                    "pStyle" => {
                        if let Some(p) = paras.last_mut() {
                            p.style = attr(&e, "val");
                        }
                    }
                    "outlineLvl" => {
                        if let Some(p) = paras.last_mut() {
                            p.outline = attr(&e, "val").and_then(|v| v.parse().ok());
                        }
                    }
                    "numPr" => {
                        if let Some(p) = paras.last_mut() {
                            p.list = true;
                        }
                    }
                    "t" if !empty => in_text = true,
                    "tab" if in_props == 0 => push(&mut paras, "\t"),
                    "br" | "cr" if in_props == 0 => push(&mut paras, "\n"),
                    "noBreakHyphen" => push(&mut paras, "-"),
                    "tbl" if !empty => tables.push(TableState::default()),
                    "tr" if !empty => {
                        if let Some(t) = tables.last_mut() {
                            t.row = Some(Vec::new());
                        }
                    }
                    "tc" if !empty => {
                        if let Some(t) = tables.last_mut() {
                            t.cell = Some(String::new());
                            t.span = 1;
                            t.merged = false;
                        }
                    }
                    "vMerge" => {
                        if let Some(t) = tables.last_mut() {
                            t.merged = attr(&e, "val").is_none_or(|v| v == "continue");
                        }
                    }
                    "gridSpan" => {
                        if let Some(t) = tables.last_mut() {
                            t.span = attr(&e, "val")
                                .and_then(|v| v.parse().ok())
                                .unwrap_or(1)
                                .clamp(1, 64);
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                match name {
                    "t" => in_text = false,
                    "pPr" => in_props = in_props.saturating_sub(1),
                    "p" => {
                        let Some(p) = paras.pop() else { continue };
                        let text = p.text.trim().to_string();
                        if let Some(outer) = paras.last_mut() {
                            // A text box inside a paragraph: its text joins the paragraph.
                            if !text.is_empty() {
                                outer.text.push('\n');
                                outer.text.push_str(&text);
                            }
                        } else if let Some(cell) = tables.last_mut().and_then(|t| t.cell.as_mut()) {
                            if !text.is_empty() {
                                if !cell.is_empty() {
                                    cell.push('\n');
                                }
                                cell.push_str(&text);
                            }
                        } else if !text.is_empty() {
                            let level = p
                                .style
                                .as_ref()
                                .and_then(|s| styles.get(s).copied().or_else(|| heading_level(s)))
                                .or(p.outline.filter(|l| *l < 6).map(|l| l + 1));
                            blocks.push(match level {
                                Some(l) => Block::Heading(l, text),
                                None => Block::Paragraph(text, p.list),
                            });
                        }
                    }
                    "tc" => {
                        if let Some(t) = tables.last_mut()
                            && let (Some(mut cell), Some(row)) = (t.cell.take(), t.row.as_mut())
                        {
                            // A vertically merged cell means the same text on every row it
                            // spans (one answer for several situations).
                            if t.merged
                                && cell.trim().is_empty()
                                && let Some(above) =
                                    t.rows.last().and_then(|r| r.cells.get(row.len()))
                            {
                                cell = above.clone();
                            }
                            row.push(cell);
                            row.extend((1..t.span).map(|_| String::new()));
                        }
                    }
                    "tr" => {
                        if let Some(t) = tables.last_mut()
                            && let Some(cells) = t.row.take()
                        {
                            let line = t.rows.len() + 1;
                            t.rows.push(TableRow { line, cells });
                        }
                    }
                    "tbl" => {
                        let Some(t) = tables.pop() else { continue };
                        if let Some(cell) = tables.last_mut().and_then(|o| o.cell.as_mut()) {
                            // A table inside a cell: its rows become lines of the cell.
                            for r in &t.rows {
                                let line: Vec<&str> = r
                                    .cells
                                    .iter()
                                    .map(|c| c.trim())
                                    .filter(|c| !c.is_empty())
                                    .collect();
                                if !line.is_empty() {
                                    if !cell.is_empty() {
                                        cell.push('\n');
                                    }
                                    cell.push_str(&line.join(" | "));
                                }
                            }
                        } else if t.rows.iter().any(|r| r.used() > 0) {
                            table_count += 1;
                            blocks.push(Block::Table(Table {
                                origin: Origin::Word { table: table_count },
                                rows: t.rows,
                            }));
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_text && skip == 0 => push(&mut paras, &t.xml10_content()),
            Event::CData(t) if in_text && skip == 0 => push(&mut paras, &t.xml10_content()),
            Event::GeneralRef(r) if in_text && skip == 0 => {
                push(&mut paras, &entity(&r.xml10_content()))
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(blocks)
}

fn push(paras: &mut [Para], s: &str) {
    if let Some(p) = paras.last_mut() {
        p.text.push_str(s);
    }
}

/// Renders blocks as a Markdown body whose passages are the paragraphs, list items and table
/// rows, with `heading` deciding each heading's level (so that a battery's questions can be
/// made `##` sections).
pub(crate) fn to_markdown<'a>(
    blocks: impl IntoIterator<Item = &'a Block>,
    heading: impl Fn(u8, &str) -> u8,
) -> String {
    let mut out: Vec<String> = Vec::new();
    for b in blocks {
        match b {
            Block::Heading(level, text) => {
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                out.push(format!(
                    "{} {}",
                    "#".repeat(heading(*level, &text) as usize),
                    escape_flat(&text)
                ));
            }
            Block::Paragraph(text, list) => {
                let lines: Vec<String> = normalize_newlines(text)
                    .lines()
                    .map(|l| escape(l.trim()))
                    .filter(|l| !l.is_empty())
                    .collect();
                let text = lines.join("\n");
                out.push(if *list { format!("- {text}") } else { text });
            }
            Block::Table(t) => {
                let width = t.rows.iter().map(|r| r.used()).max().unwrap_or(0);
                let rows: Vec<&TableRow> = t.rows.iter().filter(|r| r.used() > 0).collect();
                let mut lines = Vec::new();
                for (i, r) in rows.iter().enumerate() {
                    let cells: Vec<String> = (0..width)
                        .map(|j| {
                            let c = r.cells.get(j).map(String::as_str).unwrap_or("");
                            let c = c.split_whitespace().collect::<Vec<_>>().join(" ");
                            escape_flat(&c)
                        })
                        .collect();
                    lines.push(format!("| {} |", cells.join(" | ")));
                    if i == 0 {
                        lines.push(format!("|{}", "---|".repeat(width)));
                    }
                }
                if !lines.is_empty() {
                    out.push(lines.join("\n"));
                }
            }
        }
    }
    out.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_names_in_any_language() {
        assert_eq!(heading_level("heading 2"), Some(2));
        assert_eq!(heading_level("Otsikko1"), Some(1));
        assert_eq!(heading_level("Rubrik3"), Some(3));
        assert_eq!(heading_level("Normal"), None);
    }
}
