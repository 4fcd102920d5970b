//! Markdown bodies into passages: paragraphs, list items and table rows; in a form document
//! the answer under each question heading.

use kooste_core::model::{Document, DocumentMeta, Passage, Provenance};
use kooste_core::project::Battery;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::BTreeMap;

/// Renders a document file: YAML front matter and the body.
pub fn render_document(meta: &DocumentMeta, body: &str) -> String {
    let yaml = serde_norway::to_string(meta).expect("metadata serializes");
    let body = body.trim_matches('\n');
    format!("---\n{yaml}---\n{body}\n")
}

/// Splits a body into passages. `file` and `body_line` give provenance; `batteries` lets a
/// document that names a battery be read as a form (one passage per answered question).
pub fn parse_document(
    meta: DocumentMeta,
    body: &str,
    body_line: usize,
    file: &str,
    batteries: &BTreeMap<String, Battery>,
) -> Document {
    let line_at = |offset: usize| body_line + body[..offset].matches('\n').count();
    let mut chunks: Vec<Chunk> = Vec::new();
    let battery = meta.battery.as_ref().and_then(|b| batteries.get(b));
    let sections = battery.map(|b| form_sections(body, b)).unwrap_or_default();
    if let Some((first, _)) = sections.first() {
        chunks.extend(blocks(&body[..first.start]));
        chunks.extend(sections.iter().map(|(range, q)| Chunk {
            offset: range.start,
            text: body[range.clone()].trim().to_string(),
            question: Some(*q),
        }));
    } else {
        chunks.extend(blocks(body));
    }
    let passages = chunks
        .into_iter()
        .filter(|c| !c.text.is_empty())
        .enumerate()
        .map(|(i, c)| {
            let q = c.question.and_then(|q| battery.map(|b| &b.questions[q]));
            Passage {
                id: format!("{}#{}", meta.id, i + 1),
                voice: q.map(|q| q.voice).unwrap_or(meta.voice),
                text: c.text,
                question: q.map(|q| q.id.clone()),
                hints: q.map(|q| q.hints.clone()).unwrap_or_default(),
                provenance: Provenance {
                    file: file.to_string(),
                    line: line_at(c.offset),
                },
            }
        })
        .collect();
    Document {
        meta,
        body: body.to_string(),
        passages,
    }
}

struct Chunk {
    offset: usize,
    text: String,
    question: Option<usize>,
}

/// The `##` sections whose headings name a battery question: (answer range, question index).
fn form_sections(body: &str, battery: &Battery) -> Vec<(std::ops::Range<usize>, usize)> {
    let mut heads: Vec<(std::ops::Range<usize>, Option<usize>)> = Vec::new();
    let mut current: Option<(std::ops::Range<usize>, String)> = None;
    for (ev, range) in Parser::new(body).into_offset_iter() {
        match ev {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) => current = Some((range, String::new())),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, s)) = current.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => {
                if let Some((r, s)) = current.take() {
                    heads.push((r, battery.match_question(&s)));
                }
            }
            _ => {}
        }
    }
    let qheads: Vec<_> = heads
        .into_iter()
        .filter_map(|(r, q)| q.map(|q| (r, q)))
        .collect();
    qheads
        .iter()
        .enumerate()
        .map(|(i, (r, q))| {
            let end = qheads
                .get(i + 1)
                .map(|(n, _)| n.start)
                .unwrap_or(body.len());
            // The section starts where the heading ends, so the offset is the answer's line.
            let start = r.end + body[r.end..end].len() - body[r.end..end].trim_start().len();
            (start..end, *q)
        })
        .collect()
}

/// Paragraphs, list items (without their nested lists), table rows and code blocks.
fn blocks(body: &str) -> Vec<Chunk> {
    let mut out = Vec::new();
    // Each open buffer: (start offset, text, opened by a top-level paragraph).
    let mut stack: Vec<(usize, String, bool)> = Vec::new();
    let mut in_heading = false;
    let mut cell = 0;
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for (ev, range) in Parser::new_ext(body, opts).into_offset_iter() {
        match ev {
            Event::Start(Tag::Heading { .. }) => in_heading = true,
            Event::End(TagEnd::Heading(_)) => in_heading = false,
            Event::Start(Tag::Item | Tag::TableRow | Tag::TableHead | Tag::CodeBlock(_)) => {
                stack.push((range.start, String::new(), false));
                cell = 0;
            }
            Event::Start(Tag::Paragraph) if stack.is_empty() => {
                stack.push((range.start, String::new(), true))
            }
            Event::Start(Tag::Paragraph) => {
                if let Some((_, s, _)) = stack.last_mut()
                    && !s.is_empty()
                {
                    s.push(' ');
                }
            }
            Event::Start(Tag::TableCell) => {
                if let Some((_, s, _)) = stack.last_mut()
                    && cell > 0
                {
                    s.push_str(" | ");
                }
                cell += 1;
            }
            Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) if !in_heading => {
                if let Some((_, s, _)) = stack.last_mut() {
                    s.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, s, _)) = stack.last_mut() {
                    s.push(' ');
                }
            }
            Event::End(TagEnd::Item | TagEnd::TableRow | TagEnd::TableHead | TagEnd::CodeBlock) => {
                if let Some((o, s, _)) = stack.pop() {
                    out.push(Chunk {
                        offset: o,
                        text: tidy(&s),
                        question: None,
                    });
                }
            }
            Event::End(TagEnd::Paragraph) if stack.last().is_some_and(|t| t.2) => {
                if let Some((o, s, _)) = stack.pop() {
                    out.push(Chunk {
                        offset: o,
                        text: tidy(&s),
                        question: None,
                    });
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|c| c.offset);
    out
}

fn tidy(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
