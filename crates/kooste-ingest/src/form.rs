//! CSV forms: a header row of a battery's questions, one row per situation.

use crate::decode;
use kooste_core::model::Lang;
use kooste_core::project::Battery;
use std::collections::BTreeMap;

/// One row of a form: its 1-based number after the header, its line, and the answers by
/// question index.
#[derive(Debug)]
pub(crate) struct FormRow {
    pub(crate) number: usize,
    pub(crate) answers: Vec<(usize, String)>,
}

/// A whole form file.
#[derive(Debug)]
pub(crate) struct Form<'b> {
    pub(crate) battery: &'b Battery,
    pub(crate) lang: Lang,
    pub(crate) rows: Vec<FormRow>,
}

/// Reads a CSV form. Errors are `(line, message)`; a file with any error yields no rows, so
/// that a form is never half-ingested.
pub(crate) fn read_csv<'b>(
    bytes: &[u8],
    batteries: &'b BTreeMap<String, Battery>,
    wanted: Option<&str>,
) -> Result<Form<'b>, Vec<(usize, String)>> {
    let (text, _encoding) = decode::form_text(bytes);
    if text.trim().is_empty() {
        return Err(vec![(
            1,
            "the file is empty; export the form again with its header row and answers".into(),
        )]);
    }
    let delimiter = sniff_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(vec![(
                csv_line(&e),
                format!("cannot read the header row: {e}"),
            )]);
        }
        None => return Err(vec![(1, "no header row".into())]),
    };
    // Excel leaves empty columns after the last one; they carry nothing.
    let headers: Vec<&str> = header.iter().collect();
    let width = headers
        .iter()
        .rposition(|h| !h.trim().is_empty())
        .map(|i| i + 1)
        .unwrap_or(0);
    let headers = &headers[..width];
    let battery = pick_battery(headers, batteries, wanted)?;
    let mut columns = Vec::new();
    let mut errors = Vec::new();
    let mut swedish = 0;
    for h in headers {
        match battery.match_question(h) {
            Some(q) => {
                if columns.contains(&q) {
                    errors.push((1, format!("the question '{}' appears twice in the header; remove one of the columns", h.trim())));
                }
                if kooste_core::project::normalize_question(&battery.questions[q].sv)
                    == kooste_core::project::normalize_question(h)
                {
                    swedish += 1;
                }
                columns.push(q);
            }
            None => errors.push((
                1,
                format!(
                    "unknown column '{}'; the columns of the form {} are: {}",
                    h.trim(),
                    battery.id,
                    battery
                        .questions
                        .iter()
                        .map(|q| format!("\"{}\"", q.fi))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
    let mut rows = Vec::new();
    for (i, rec) in records.enumerate() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push((
                    csv_line(&e),
                    format!("cannot read this row: {e}; check its quotes"),
                ));
                continue;
            }
        };
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        let cells: Vec<&str> = rec.iter().collect();
        let used = cells
            .iter()
            .rposition(|c| !c.trim().is_empty())
            .map(|i| i + 1)
            .unwrap_or(0);
        if used == 0 {
            continue;
        }
        if used > headers.len() || cells.len() < headers.len() {
            errors.push((line, format!(
                "this row has {} field(s) but the header has {}; check for a missing or extra '{}' or an unclosed quote",
                cells.len(),
                headers.len(),
                delimiter as char
            )));
            continue;
        }
        let answers = columns
            .iter()
            .zip(cells.iter())
            .filter(|(_, c)| !c.trim().is_empty())
            .map(|(q, c)| (*q, c.trim().replace("\r\n", "\n")))
            .collect();
        rows.push(FormRow {
            number: i + 1,
            answers,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(vec![(
            2,
            "the form has a header but no answers; fill in at least one row".into(),
        )]);
    }
    let lang = if swedish * 2 > columns.len() {
        Lang::Sv
    } else {
        Lang::Fi
    };
    Ok(Form {
        battery,
        lang,
        rows,
    })
}

fn csv_line(e: &csv::Error) -> usize {
    e.position().map(|p| p.line() as usize).unwrap_or(0)
}

/// `;` or `,`: whichever occurs more often outside quotes on the header line.
fn sniff_delimiter(text: &str) -> u8 {
    let (mut semi, mut comma, mut quoted) = (0, 0, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semi += 1,
            ',' if !quoted => comma += 1,
            '\n' if !quoted => break,
            _ => {}
        }
    }
    if comma > semi { b',' } else { b';' }
}

fn pick_battery<'b>(
    headers: &[&str],
    batteries: &'b BTreeMap<String, Battery>,
    wanted: Option<&str>,
) -> Result<&'b Battery, Vec<(usize, String)>> {
    if let Some(id) = wanted {
        return batteries.get(id).ok_or_else(|| {
            vec![(
                1,
                format!(
                    "unknown battery '{id}'; the project has: {}",
                    batteries.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            )]
        });
    }
    let score = |b: &Battery| {
        headers
            .iter()
            .filter(|h| b.match_question(h).is_some())
            .count()
    };
    let best = batteries
        .values()
        .max_by_key(|b| (score(b), b.id == "asp-paiva"));
    match best {
        Some(b) if score(b) > 0 => Ok(b),
        _ => Err(vec![(
            1,
            format!(
                "the header row matches no question battery; use the questions of one of: {} as column headers, or give --battery",
                batteries.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        )]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batteries() -> BTreeMap<String, Battery> {
        BTreeMap::from([("asp-paiva".to_string(), Battery::asp_paiva())])
    }

    #[test]
    fn reads_windows_1252_semicolons_with_quoted_newlines() {
        let text = "1. Millaisiin tilanteisiin olet hakenut apua?;2. Millaista apua sait sosiaalityöstä?;3. Mitä sosiaalityöntekijä teki tässä?;;\r\n\"Häätö\r\nja velat\";Asunto;Soitti vuokranantajalle;;\r\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
        let b = batteries();
        let f = read_csv(&bytes, &b, None).unwrap();
        assert_eq!(f.rows.len(), 1);
        assert_eq!(f.rows[0].answers[0], (0, "Häätö\nja velat".to_string()));
        assert_eq!(f.lang, Lang::Fi);
    }

    #[test]
    fn swedish_headers_commas_and_bom() {
        let text = "\u{feff}I vilka situationer har du sökt hjälp?,Vilken hjälp fick du av det sociala arbetet?,Vad gjorde socialarbetaren här?\nSkulder,\"Plan, stöd\",Ringde\n";
        let b = batteries();
        let f = read_csv(text.as_bytes(), &b, None).unwrap();
        assert_eq!(
            (f.lang, f.rows[0].answers[1].1.as_str()),
            (Lang::Sv, "Plan, stöd")
        );
    }

    #[test]
    fn ragged_rows_and_unknown_headers_are_errors() {
        let b = batteries();
        let e = read_csv(
            "Millaisiin tilanteisiin olet hakenut apua?;Päivämäärä\nx;y\n".as_bytes(),
            &b,
            None,
        )
        .unwrap_err();
        assert_eq!(e[0].0, 1);
        assert!(e[0].1.starts_with("unknown column 'Päivämäärä'"), "{e:?}");
        let text = "Millaisiin tilanteisiin olet hakenut apua?;Millaista apua sait sosiaalityöstä?\na;b\nc;d;e;f\n";
        let e = read_csv(text.as_bytes(), &b, None).unwrap_err();
        assert_eq!(e[0].0, 3, "{e:?}");
    }
}
