//! Forms: a header row of a battery's questions, one row per situation, from a CSV file, an
//! Excel sheet or a Word table.

use crate::Problems;
use crate::decode;
use crate::table::{Origin, Table, TableRow};
use kooste_core::model::Lang;
use kooste_core::project::{Battery, normalize_question};
use std::collections::BTreeMap;

/// One row of a form: its 1-based number after the header, and the answers by question
/// index. A survey row may also carry its date and the respondent's key.
#[derive(Debug)]
pub(crate) struct FormRow {
    pub(crate) number: usize,
    pub(crate) answers: Problems,
    pub(crate) date: Option<kooste_core::model::Date>,
    pub(crate) key: Option<String>,
}

/// A whole form file.
#[derive(Debug)]
pub(crate) struct Form<'b> {
    pub(crate) battery: &'b Battery,
    pub(crate) lang: Lang,
    pub(crate) rows: Vec<FormRow>,
    /// What the user should know about how the form was read: columns and rows left out.
    pub(crate) notes: Vec<String>,
}

/// Reads a CSV file into a table. Errors are `(line, message)`.
pub(crate) fn csv_table(bytes: &[u8]) -> Result<(Table, Problems), Problems> {
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
    let mut table = Table {
        origin: Origin::Csv { delimiter },
        rows: Vec::new(),
    };
    let mut errors = Vec::new();
    for rec in reader.records() {
        match rec {
            Ok(rec) => table.rows.push(TableRow {
                line: rec.position().map(|p| p.line() as usize).unwrap_or(0),
                cells: rec.iter().map(str::to_string).collect(),
            }),
            Err(e) if table.rows.is_empty() => {
                return Err(vec![(
                    csv_line(&e),
                    format!("cannot read the header row: {e}"),
                )]);
            }
            Err(e) => errors.push((
                csv_line(&e),
                format!("cannot read this row: {e}; check its quotes"),
            )),
        }
    }
    Ok((table, errors))
}

/// Reads a CSV form. Errors are `(line, message)`; a file with any error yields no rows, so
/// that a form is never half-ingested.
pub(crate) fn read_csv<'b>(
    bytes: &[u8],
    batteries: &'b BTreeMap<String, Battery>,
    wanted: Option<&str>,
) -> Result<Form<'b>, Problems> {
    let (table, mut errors) = csv_table(bytes)?;
    match read_table(&table, batteries, wanted) {
        Ok(form) if errors.is_empty() => Ok(form),
        Ok(_) => Err(errors),
        Err(e) => {
            errors.extend(e);
            errors.sort_by_key(|e| e.0);
            Err(errors)
        }
    }
}

/// Reads a form from any table: the header row names a battery's questions, each row after
/// it is one situation. Errors are `(line, message)` with the place named.
pub(crate) fn read_table<'b>(
    table: &Table,
    batteries: &'b BTreeMap<String, Battery>,
    wanted: Option<&str>,
) -> Result<Form<'b>, Problems> {
    let candidates: Vec<&Battery> = match wanted {
        Some(id) => batteries.get(id).into_iter().collect(),
        None => batteries.values().collect(),
    };
    let Some(h) = table.header(|r| {
        r.cells
            .iter()
            .any(|c| candidates.iter().any(|b| b.match_question(c).is_some()))
    }) else {
        return Err(vec![(
            1,
            table.origin.at(
                1,
                "the table is empty; it needs a header row of questions and a row per situation",
            ),
        )]);
    };
    let header = &table.rows[h];
    let at = |line: usize, m: &str| (line, table.origin.at(line, m));
    let headers = header.used_cells();
    let battery =
        pick_battery(&headers, batteries, wanted).map_err(|m| vec![at(header.line, &m)])?;
    let mut columns: Vec<Option<usize>> = Vec::new();
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    for (c, h) in headers.iter().enumerate() {
        match battery.match_question(h) {
            Some(q) => {
                if columns.contains(&Some(q)) {
                    errors.push(at(header.line, &format!("the question '{}' appears twice in the header; remove one of the columns", h.trim())));
                }
                columns.push(Some(q));
            }
            None if h.trim().is_empty() => columns.push(None),
            // A date, a remarks column, a signature: not a question of the form. Its values
            // are never stored; say how to keep them.
            None => {
                columns.push(None);
                notes.push(table.origin.at(
                    header.line,
                    &format!(
                        "column {} '{}' is not a question of the form {} and was left out (nothing in it is stored); if it holds answers, give it the question's wording as its header: {}",
                        crate::table::column_name(c),
                        h.trim(),
                        battery.id,
                        battery
                            .questions
                            .iter()
                            .map(|q| format!("\"{}\"", q.fi))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
    }
    if columns.iter().all(Option::is_none) {
        return Err(vec![at(
            header.line,
            "the header row names no question of the form; use the battery's questions as column headers",
        )]);
    }
    let mut rows = Vec::new();
    for (number, row) in data_rows(table, h, headers.len(), &mut errors) {
        if let Some(why) = not_an_answer_row(row, &headers) {
            notes.push(
                table
                    .origin
                    .at(row.line, &format!("{why}; the row was skipped")),
            );
            continue;
        }
        rows.push(FormRow {
            number,
            answers: answers(row, &columns),
            date: None,
            key: None,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(vec![at(
            header.line + 1,
            "the form has a header but no answers; fill in at least one row",
        )]);
    }
    Ok(Form {
        battery,
        lang: lang_of(battery, &headers),
        rows,
        notes,
    })
}

/// Words that open a totals or summary row in a spreadsheet.
const TOTALS: &[&str] = &[
    "yhteensä",
    "yht",
    "summa",
    "kaikki yhteensä",
    "keskiarvo",
    "ka",
    "total",
    "totalt",
    "summa totalt",
    "sammanlagt",
    "sammanlagd",
    "medel",
    "medeltal",
    "medelvärde",
    "average",
    "sum",
    "mean",
];

/// Why a row after the header holds no answers, if it does not: a repeat of the header row
/// (a sheet pasted together from several), or a totals or summary row (`Yhteensä;2;2`).
fn not_an_answer_row(row: &TableRow, headers: &[&str]) -> Option<&'static str> {
    let cells: Vec<&str> = row.cells.iter().map(|c| c.trim()).collect();
    let filled: Vec<&str> = cells.iter().copied().filter(|c| !c.is_empty()).collect();
    if filled.is_empty() {
        return None;
    }
    let repeats = headers
        .iter()
        .zip(&cells)
        .filter(|(h, c)| !h.trim().is_empty() && normalize_question(h) == normalize_question(c))
        .count();
    if repeats * 2 > filled.len() && repeats > 0 {
        return Some("this row repeats the header row");
    }
    let is_number = |c: &str| {
        let c = c
            .trim_end_matches(['%', '€'])
            .trim()
            .replace([' ', '\u{a0}'], "");
        !c.is_empty() && c.replace(',', ".").parse::<f64>().is_ok()
    };
    let first = filled[0].trim_end_matches(':').to_lowercase();
    if TOTALS.contains(&first.as_str()) && filled[1..].iter().all(|c| is_number(c)) {
        return Some("this is a totals row, not a situation");
    }
    if filled.iter().all(|c| is_number(c)) {
        return Some("this row holds only numbers (a count or a sum), not answers");
    }
    None
}

/// Whether a table is a form: a row near its top whose cells are mostly the questions of a
/// battery (`wanted`, else any). A Word table is read as a form only then.
pub(crate) fn looks_like_form(
    table: &Table,
    batteries: &BTreeMap<String, Battery>,
    wanted: Option<&str>,
) -> bool {
    let is_header = |r: &TableRow| {
        let headers: Vec<&str> = r
            .cells
            .iter()
            .map(String::as_str)
            .filter(|c| !c.trim().is_empty())
            .collect();
        pick_battery(&headers, batteries, wanted).is_ok_and(|b| {
            headers
                .iter()
                .filter(|h| b.match_question(h).is_some())
                .count()
                * 2
                > headers.len()
        })
    };
    table
        .header(is_header)
        .is_some_and(|h| is_header(&table.rows[h]))
}

/// The rows after the header that hold anything, numbered from 1 after the header (empty
/// rows count, so that numbers stay stable when a row is emptied). A row with values past
/// the header's last column, or a CSV row with too few fields, is an error.
pub(crate) fn data_rows<'t>(
    table: &'t Table,
    header: usize,
    width: usize,
    errors: &mut Problems,
) -> Vec<(usize, &'t TableRow)> {
    let mut out = Vec::new();
    for (i, row) in table.rows.iter().enumerate().skip(header + 1) {
        let used = row.used();
        if used == 0 {
            continue;
        }
        let problem = match &table.origin {
            Origin::Csv { delimiter } if used > width || row.cells.len() < width => Some(format!(
                "this row has {} field(s) but the header has {}; check for a missing or extra '{}' or an unclosed quote",
                row.cells.len(),
                width,
                *delimiter as char
            )),
            Origin::Csv { .. } => None,
            _ if used > width => Some(format!(
                "there is text in column {}, right of the last column with a header; give the column a header or move the text",
                crate::table::column_name(used - 1)
            )),
            _ => None,
        };
        match problem {
            Some(m) => errors.push((row.line, table.origin.at(row.line, &m))),
            None => out.push((i - header, row)),
        }
    }
    out
}

/// The non-empty answers of a row: `columns[j]` is the question of column `j`, if any.
pub(crate) fn answers(row: &TableRow, columns: &[Option<usize>]) -> Problems {
    columns
        .iter()
        .zip(row.cells.iter())
        .filter_map(|(q, c)| Some((((*q)?), c)))
        .filter(|(_, c)| !c.trim().is_empty())
        .map(|(q, c)| (q, crate::text::literal(c.trim())))
        .collect()
}

/// Swedish when most of the headers are the questions' Swedish wording.
pub(crate) fn lang_of(battery: &Battery, headers: &[&str]) -> Lang {
    let (mut matched, mut swedish) = (0, 0);
    for h in headers {
        if let Some(q) = battery.match_question(h) {
            matched += 1;
            if normalize_question(&battery.questions[q].sv) == normalize_question(h) {
                swedish += 1;
            }
        }
    }
    if swedish * 2 > matched {
        Lang::Sv
    } else {
        Lang::Fi
    }
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

/// The battery whose questions the headers name: `wanted` if given, else the one with the
/// most matching headers (`asp-paiva` on a tie).
pub(crate) fn pick_battery<'b>(
    headers: &[&str],
    batteries: &'b BTreeMap<String, Battery>,
    wanted: Option<&str>,
) -> Result<&'b Battery, String> {
    if let Some(id) = wanted {
        return batteries.get(id).ok_or_else(|| {
            format!(
                "unknown battery '{id}'; the project has: {}",
                batteries.keys().cloned().collect::<Vec<_>>().join(", ")
            )
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
        _ => Err(format!(
            "the header row matches no question battery; use the questions of one of: {} as column headers, or give --battery",
            batteries.keys().cloned().collect::<Vec<_>>().join(", ")
        )),
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
        let e = read_csv("Päivämäärä;Huomautus\nx;y\n".as_bytes(), &b, None).unwrap_err();
        assert_eq!(e[0].0, 1);
        assert!(
            e[0].1
                .starts_with("the header row matches no question battery"),
            "{e:?}"
        );
        let text = "Millaisiin tilanteisiin olet hakenut apua?;Millaista apua sait sosiaalityöstä?\na;b\nc;d;e;f\n";
        let e = read_csv(text.as_bytes(), &b, None).unwrap_err();
        assert_eq!(e[0].0, 3, "{e:?}");
    }

    #[test]
    fn extra_columns_repeated_headers_and_totals_are_left_out_with_notes() {
        let b = batteries();
        let text = "Pvm;Millaisiin tilanteisiin olet hakenut apua?;Millaista apua sait sosiaalityöstä?;Huom.\n\
            1.3.;Velat;Neuvontaa;x\n\
            Pvm;Millaisiin tilanteisiin olet hakenut apua?;Millaista apua sait sosiaalityöstä?;Huom.\n\
            2.3.;Asunto;Tukiasunto;\n\
            Yhteensä;2;2;\n\
            ;250;;\n";
        let f = read_csv(text.as_bytes(), &b, None).unwrap();
        let answers: Vec<Vec<&str>> = f
            .rows
            .iter()
            .map(|r| r.answers.iter().map(|(_, a)| a.as_str()).collect())
            .collect();
        assert_eq!(
            answers,
            [vec!["Velat", "Neuvontaa"], vec!["Asunto", "Tukiasunto"]]
        );
        // Row numbers stay as they were: the skipped rows keep theirs.
        assert_eq!(f.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 3]);
        let notes = f.notes.join("\n");
        assert!(
            notes.contains("column A 'Pvm' is not a question"),
            "{notes}"
        );
        assert!(notes.contains("column D 'Huom.'"), "{notes}");
        assert!(notes.contains("repeats the header row"), "{notes}");
        assert!(notes.contains("totals row"), "{notes}");
        assert!(notes.contains("only numbers"), "{notes}");
    }
}
