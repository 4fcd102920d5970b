//! The plain text of a document as QDA tools see it, and the way back to Markdown.
//!
//! Export: every passage is one contiguous span of the text, passages separated by a blank
//! line, a form answer preceded by its question on a line of its own. Line ends are LF.
//! Import: the text is cut into segments (paragraphs, and the answer under each question
//! line when the document answers a battery), which become the Markdown body whose
//! passages are those segments, in order.

use kooste_core::model::{Document, Lang};
use kooste_core::project::Battery;
use std::collections::BTreeMap;

/// A document's exported text and each passage's span in it, in Unicode code points.
pub(crate) struct Laid {
    pub(crate) text: String,
    pub(crate) spans: Vec<(usize, usize)>,
}

/// LF line ends.
pub(crate) fn lf(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// The wording of a battery's question in a language (Finnish when it has no Swedish).
pub(crate) fn wording(battery: &Battery, q: usize, lang: Lang) -> &str {
    let q = &battery.questions[q];
    if lang == Lang::Sv && !q.sv.is_empty() {
        &q.sv
    } else {
        &q.fi
    }
}

/// Lays a document out as plain text.
pub(crate) fn lay_out(doc: &Document, lang: Lang, batteries: &BTreeMap<String, Battery>) -> Laid {
    let battery = doc.meta.battery.as_ref().and_then(|b| batteries.get(b));
    let mut text = String::new();
    let mut chars = 0;
    let mut push = |text: &mut String, s: &str| {
        text.push_str(s);
        chars += s.chars().count();
        chars
    };
    let mut spans = Vec::new();
    for (i, p) in doc.passages.iter().enumerate() {
        if i > 0 {
            push(&mut text, "\n\n");
        }
        if let Some(q) = &p.question {
            let heading = battery
                .and_then(|b| b.questions.iter().position(|x| &x.id == q).map(|i| (b, i)))
                .map(|(b, i)| wording(b, i, lang).to_string())
                .unwrap_or_else(|| q.clone());
            push(
                &mut text,
                &heading.split_whitespace().collect::<Vec<_>>().join(" "),
            );
            push(&mut text, "\n");
        }
        let start = push(&mut text, "");
        let end = push(&mut text, &lf(&p.text));
        spans.push((start, end));
    }
    push(&mut text, "\n");
    Laid { text, spans }
}

/// One passage-to-be of an imported text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    /// Its span in the text, in code points (whitespace around it left out).
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// The battery question it answers (an index into the battery's questions).
    pub(crate) question: Option<usize>,
    /// Its text, with LF line ends.
    pub(crate) text: String,
}

/// Cuts a text into paragraphs (runs of non-blank lines), and, when `battery` is given, a
/// line naming one of its questions starts a section holding everything up to the next
/// such line.
pub(crate) fn segments(text: &str, battery: Option<&Battery>) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    // Lines as (start, end) in code points, without their line end.
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, c) in chars.iter().enumerate() {
        if *c == '\n' {
            let end = if i > start && chars[i - 1] == '\r' {
                i - 1
            } else {
                i
            };
            lines.push((start, end));
            start = i + 1;
        }
    }
    if start < chars.len() {
        lines.push((start, chars.len()));
    }
    let line_text = |(s, e): (usize, usize)| chars[s..e].iter().collect::<String>();
    let mut out = Vec::new();
    let mut open: Option<(usize, usize, Option<usize>)> = None;
    let close = |out: &mut Vec<Segment>, open: &mut Option<(usize, usize, Option<usize>)>| {
        if let Some((s, e, q)) = open.take() {
            // Trim whitespace at both ends.
            let mut s = s;
            let mut e = e;
            while s < e && chars[s].is_whitespace() {
                s += 1;
            }
            while e > s && chars[e - 1].is_whitespace() {
                e -= 1;
            }
            if s < e {
                out.push(Segment {
                    start: s,
                    end: e,
                    question: q,
                    text: lf(&chars[s..e].iter().collect::<String>()),
                });
            }
        }
    };
    let mut in_section = false;
    for &(s, e) in &lines {
        let t = line_text((s, e));
        let question = battery
            .filter(|_| !t.trim().is_empty())
            .and_then(|b| b.match_question(&t));
        if let Some(q) = question {
            close(&mut out, &mut open);
            open = Some((e, e, Some(q)));
            in_section = true;
            continue;
        }
        if in_section {
            // The section runs from the question line's end; trimming drops the blank
            // lines around the answer.
            if let Some(o) = open.as_mut() {
                o.1 = e;
            }
            continue;
        }
        if t.trim().is_empty() {
            close(&mut out, &mut open);
        } else {
            match open.as_mut() {
                Some(o) => o.1 = e,
                None => open = Some((s, e, None)),
            }
        }
    }
    close(&mut out, &mut open);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_sections() {
        let b = Battery::asp_paiva();
        let q1 = b.questions[0].fi.clone();
        let q3 = b.questions[2].fi.clone();
        let text = format!(
            "Johdanto 🙂\r\njatkuu.\n\n\n{q1}\nVastaus yksi.\n\nToinen kappale.\n{q3}\n  Kolmas.  \n"
        );
        let segs = segments(&text, Some(&b));
        let texts: Vec<&str> = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Johdanto 🙂\njatkuu.",
                "Vastaus yksi.\n\nToinen kappale.",
                "Kolmas."
            ]
        );
        assert_eq!(
            segs.iter().map(|s| s.question).collect::<Vec<_>>(),
            [None, Some(0), Some(2)]
        );
        let chars: Vec<char> = text.chars().collect();
        for s in &segs {
            let cut: String = chars[s.start..s.end].iter().collect();
            assert_eq!(lf(&cut), s.text);
        }
        let plain = segments("a\n\nb\n", None);
        assert_eq!(plain.len(), 2);
        assert_eq!((plain[1].start, plain[1].end), (3, 4));
    }

    #[test]
    fn escaped_paragraphs_read_back_as_written() {
        use kooste_core::model::{DocumentMeta, Voice};
        for text in [
            "- ei lista",
            "1. ei numeroitu",
            "# ei otsikko",
            "> ei lainaus",
            "*ei* _korostus_ `koodi` [ei linkki](x) <b> &amp; ~~yliviivaus~~ a|b \\ !",
            "=== ei otsikko",
            "[nimi] soitti [puhelin]",
            "[a]: http://x",
            "[a][b] ja [c]() ja ![d](e)",
            "sana_sanassa _ei_ __ei__ _",
            "2018) vuosi",
        ] {
            let body = kooste_core::markdown::escape(text);
            let meta = DocumentMeta {
                ..DocumentMeta::new("x", Voice::Client)
            };
            let d = kooste_ingest::parse_document(meta, &body, 1, "x.md", &BTreeMap::new());
            assert_eq!(d.passages.len(), 1, "{text} -> {body}");
            assert_eq!(d.passages[0].text, text, "{body}");
        }
    }
}
