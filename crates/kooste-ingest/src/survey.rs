//! Survey-tool exports (Webropol and the like: one column per question, one row per
//! respondent) read as forms through a small mapping file.
//!
//! ```toml
//! battery = "asiakaspalaute"       # the question battery the survey asked
//! voice = "client"                 # whose voice the respondents are (or --voice)
//! date = "Vastaus lähetetty"       # optional: the column whose date each answer gets
//! respondent = "Vastaajan numero"  # optional: the column that names each respondent's document
//!
//! [columns]                        # export column header = question id (or wording)
//! "1. Miten sinut otettiin vastaan?" = "q1"
//! ```
//!
//! Columns whose headers are a battery question's wording need no line in `[columns]`.
//! Every other column (times, respondent numbers, e-mail, IP addresses) is left out and
//! reported; a column that holds contact data can never be mapped.

use crate::Problems;
use crate::form::{Form, FormRow, answers, data_rows, lang_of};
use crate::table::{Table, column_name};
use crate::{Diagnostic, slug};
use kooste_core::model::{Date, Lang, Voice, is_valid_id};
use kooste_core::project::{Battery, normalize_question, parse_toml};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A survey mapping file: which battery an export answers, whose voice it is, and which
/// column answers which question.
#[derive(Debug, Clone, PartialEq)]
pub struct Survey {
    /// The mapping file, for messages.
    pub path: PathBuf,
    /// The battery id.
    pub battery: String,
    /// Whose voice the respondents are.
    pub voice: Option<Voice>,
    /// The language of the answers.
    pub lang: Option<Lang>,
    /// The sheet of an Excel export.
    pub sheet: Option<String>,
    /// The column whose date becomes each document's date.
    pub date: Option<String>,
    /// The column whose value names each respondent's document instead of the row number.
    pub respondent: Option<String>,
    /// Export column header → question id or wording.
    pub columns: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    battery: String,
    voice: Option<Voice>,
    lang: Option<Lang>,
    sheet: Option<String>,
    date: Option<String>,
    respondent: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
}

impl Survey {
    /// Reads a mapping file.
    pub fn load(path: &Path) -> Result<Survey, Diagnostic> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostic::new(
                path,
                0,
                format!("cannot read the survey mapping ({e}); check the path"),
            )
        })?;
        Survey::parse(&text, path)
    }

    /// Parses a mapping file's text; `path` names it in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Survey, Diagnostic> {
        let raw: Raw = parse_toml(text, path).map_err(|e| match e {
            kooste_core::Error::Config {
                path,
                line,
                message,
            } => Diagnostic::new(path, line, message),
            other => Diagnostic::new(path, 0, other.to_string()),
        })?;
        Ok(Survey {
            path: path.to_path_buf(),
            battery: raw.battery,
            voice: raw.voice,
            lang: raw.lang,
            sheet: raw.sheet,
            date: raw.date,
            respondent: raw.respondent,
            columns: raw.columns,
        })
    }

    /// The mapping file that belongs to an export when none is given: `NAME.survey.toml`
    /// beside `NAME.xlsx` or `NAME.csv`, if there is one.
    pub fn beside(export: &Path) -> Option<PathBuf> {
        let p = export.with_extension("survey.toml");
        p.is_file().then_some(p)
    }
}

/// What a column of an export is used for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Use {
    Question(usize),
    Date,
    Key,
    Dropped,
}

/// Reads an export's table through a mapping. Returns the form and notes for the user (the
/// columns left out, respondents who answered nothing). Errors are `(line, message)`.
pub(crate) fn read<'b>(
    table: &Table,
    survey: &Survey,
    batteries: &'b BTreeMap<String, Battery>,
) -> Result<(Form<'b>, Vec<String>), Problems> {
    let mapping = survey.path.display();
    let Some(battery) = batteries.get(&survey.battery) else {
        return Err(vec![(
            0,
            format!(
                "the survey mapping {mapping} names the battery '{}'; the project has: {}",
                survey.battery,
                batteries.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        )]);
    };
    let mut errors = Vec::new();
    let mut mapped: Vec<(String, usize)> = Vec::new();
    for (column, q) in &survey.columns {
        match battery.match_question(q) {
            Some(i) => mapped.push((normalize_question(column), i)),
            None => errors.push((
                0,
                format!(
                    "the survey mapping {mapping} maps the column '{column}' to '{q}', which is not a question of the battery {}; use one of: {}",
                    battery.id,
                    battery.questions.iter().map(|q| q.id.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let same = |a: &str, b: &Option<String>| {
        b.as_ref()
            .is_some_and(|b| normalize_question(a) == normalize_question(b))
    };
    let classify = |h: &str| -> Use {
        let n = normalize_question(h);
        if n.is_empty() {
            Use::Dropped
        } else if same(h, &survey.date) {
            Use::Date
        } else if same(h, &survey.respondent) {
            Use::Key
        } else if let Some((_, q)) = mapped.iter().find(|(c, _)| *c == n) {
            Use::Question(*q)
        } else if let Some(q) = battery.match_question(h) {
            Use::Question(q)
        } else {
            Use::Dropped
        }
    };
    let Some(h) = table.header(|r| {
        r.cells
            .iter()
            .any(|c| matches!(classify(c), Use::Question(_)))
    }) else {
        return Err(vec![(
            1,
            table
                .origin
                .at(1, "the export is empty; export the survey's answers again"),
        )]);
    };
    let header = &table.rows[h];
    let at = |line: usize, m: &str| (line, table.origin.at(line, m));
    let headers = header.used_cells();
    let uses: Vec<Use> = headers.iter().map(|h| classify(h)).collect();
    for (h, u) in headers.iter().zip(&uses) {
        if *u != Use::Dropped && is_contact(h) {
            errors.push(at(header.line, &format!("the column '{}' holds contact data, which kooste never stores; remove it from the survey mapping {mapping}", h.trim())));
        }
    }
    let named = |name: &Option<String>, key: &str| {
        name.as_ref()
            .filter(|n| !headers.iter().any(|h| same(h, &Some(n.to_string()))))
            .map(|n| {
                format!(
                    "the survey mapping {mapping} names the column '{n}' ({key}) but the export has no such column; its columns are: {}",
                    quoted(&headers)
                )
            })
    };
    for column in survey.columns.keys() {
        if let Some(m) = named(&Some(column.clone()), "in [columns]") {
            errors.push(at(header.line, &m));
        }
    }
    errors.extend(
        [
            named(&survey.date, "date"),
            named(&survey.respondent, "respondent"),
        ]
        .into_iter()
        .flatten()
        .map(|m| at(header.line, &m)),
    );
    for (i, q) in battery.questions.iter().enumerate() {
        let cols: Vec<&str> = headers
            .iter()
            .zip(&uses)
            .filter(|(_, u)| **u == Use::Question(i))
            .map(|(h, _)| h.trim())
            .collect();
        if cols.len() > 1 {
            errors.push(at(
                header.line,
                &format!(
                    "the columns {} all answer the question {}; map only one of them",
                    quoted(&cols),
                    q.id
                ),
            ));
        }
    }
    if !uses.iter().any(|u| matches!(u, Use::Question(_))) {
        errors.push(at(
            header.line,
            &format!(
                "no column of the export answers a question of the battery {}; list the answer columns under [columns] in {mapping} (the export's columns are: {})",
                battery.id,
                quoted(&headers)
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let columns: Vec<Option<usize>> = uses
        .iter()
        .map(|u| match u {
            Use::Question(q) => Some(*q),
            _ => None,
        })
        .collect();
    let cell = |row: &crate::table::TableRow, u: Use| {
        uses.iter()
            .position(|x| *x == u)
            .and_then(|j| row.cells.get(j))
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
    };
    let mut rows = Vec::new();
    let mut blank = 0;
    let mut keys = BTreeMap::new();
    for (number, row) in data_rows(table, h, headers.len(), &mut errors) {
        let answers = answers(row, &columns);
        if answers.is_empty() {
            blank += 1;
            continue;
        }
        let date = match cell(row, Use::Date) {
            Some(d) => match parse_date(&d) {
                Some(d) => Some(d),
                None => {
                    errors.push(at(row.line, &format!("'{d}' in the date column is not a date; write dates as YYYY-MM-DD or D.M.YYYY")));
                    None
                }
            },
            None => None,
        };
        let key = match cell(row, Use::Key) {
            Some(k) => {
                let k = slug(&k);
                if let Some(first) = keys.insert(k.clone(), row.line) {
                    errors.push(at(row.line, &format!("the respondent '{k}' is also on row {first}; each respondent needs their own value in the respondent column")));
                }
                Some(k).filter(|k| is_valid_id(k))
            }
            None => None,
        };
        rows.push(FormRow {
            number,
            answers,
            date,
            key,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(vec![at(
            header.line + 1,
            "no respondent answered any of the mapped questions; check the [columns] of the survey mapping",
        )]);
    }
    let mut notes = Vec::new();
    let dropped: Vec<String> = headers
        .iter()
        .zip(&uses)
        .enumerate()
        .filter(|(_, (_, u))| **u == Use::Dropped)
        .map(|(j, (h, _))| match h.trim() {
            "" => format!("column {}", column_name(j)),
            h => h.to_string(),
        })
        .collect();
    if !dropped.is_empty() {
        notes.push(format!(
            "left out {} column(s) the survey mapping does not use (not stored): {}",
            dropped.len(),
            quoted(&dropped.iter().map(String::as_str).collect::<Vec<_>>())
        ));
    }
    if blank > 0 {
        notes.push(format!(
            "{blank} respondent(s) answered none of the mapped questions and were left out"
        ));
    }
    let question_headers: Vec<&str> = headers
        .iter()
        .zip(&uses)
        .filter(|(_, u)| matches!(u, Use::Question(_)))
        .map(|(h, _)| *h)
        .collect();
    let lang = survey
        .lang
        .unwrap_or_else(|| lang_of(battery, &question_headers));
    Ok((
        Form {
            battery,
            lang,
            rows,
            notes: Vec::new(),
        },
        notes,
    ))
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{}'", n.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a column header names contact data: e-mail, IP address, phone, name, identity
/// code (in Finnish, Swedish or English).
fn is_contact(header: &str) -> bool {
    const WORDS: &[&str] = &[
        "email",
        "sähköposti",
        "sähköpostiosoite",
        "epost",
        "ip",
        "ipaddress",
        "ipadress",
        "ipaddr",
        "puhelin",
        "puhelinnumero",
        "matkapuhelin",
        "telefon",
        "telefonnummer",
        "phone",
        "nimi",
        "etunimi",
        "sukunimi",
        "namn",
        "förnamn",
        "efternamn",
        "name",
        "henkilötunnus",
        "hetu",
        "personbeteckning",
    ];
    let n = normalize_question(header);
    let joined = n.replace(' ', "");
    joined.starts_with("ip")
        && (joined.ends_with("osoite") || joined.ends_with("address") || joined == "ip")
        || ["email", "epost", "sähköposti"]
            .iter()
            .any(|w| joined.contains(w))
        || n.split(' ').any(|w| WORDS.contains(&w))
}

/// A date as survey tools and Excel write it: `2024-03-14`, `2024-03-14 10:22`,
/// `14.3.2024`, `14.3.2024 10:22`.
fn parse_date(s: &str) -> Option<Date> {
    let day = s.split([' ', 'T']).next()?;
    if let Ok(d) = day.parse::<Date>() {
        return Some(d);
    }
    let parts: Vec<&str> = day.split(['.', '/']).collect();
    match parts.as_slice() {
        [d, m, y] if y.len() == 4 => format!("{y}-{:0>2}-{:0>2}", m, d).parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_columns_are_recognised() {
        for h in [
            "Sähköposti",
            "E-mail",
            "IP-osoite",
            "IP address",
            "Puhelinnumero",
            "Nimi",
            "E-post",
        ] {
            assert!(is_contact(h), "{h}");
        }
        for h in [
            "Mikä on nimesi merkitys?",
            "Miten sinut otettiin vastaan?",
            "Vastaajan numero",
            "Lopetusaika",
        ] {
            assert!(!is_contact(h), "{h}");
        }
    }

    #[test]
    fn survey_dates() {
        let d = |s| parse_date(s).map(|d| d.to_string());
        assert_eq!(d("14.3.2024 10:22").as_deref(), Some("2024-03-14"));
        assert_eq!(d("2024-03-14 10:22").as_deref(), Some("2024-03-14"));
        assert_eq!(d("maaliskuu"), None);
    }
}
