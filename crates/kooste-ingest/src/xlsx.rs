//! Excel workbooks (`.xlsx`): one sheet read into a [`Table`] of text as Excel shows it.

use crate::table::{Origin, Table, TableRow};
use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

/// What an Office file that is not a ZIP archive is: the old binary formats and encrypted
/// (password-protected) files are both OLE compound files.
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Checks that `bytes` look like an Office Open XML file (a ZIP archive), else says why not:
/// `what` is "Excel" or "Word", `ext` the extension to save as.
pub(crate) fn check_ooxml(bytes: &[u8], what: &str, ext: &str) -> Result<(), String> {
    if bytes.starts_with(OLE_MAGIC) {
        return Err(format!(
            "this is a password-protected file or one in the old {what} format (.{}); open it in {what}, remove the password if it has one, and save it as .{ext}",
            &ext[..ext.len() - 1]
        ));
    }
    if !bytes.starts_with(b"PK") {
        return Err(format!(
            "this is not a .{ext} file (it is not a ZIP archive); open it in {what} and save it as .{ext}"
        ));
    }
    Ok(())
}

/// Reads one sheet of a workbook: `sheet` by name, else the first. Errors are
/// `(row, message)`; row 0 means the whole file.
pub(crate) fn read_sheet(bytes: &[u8], sheet: Option<&str>) -> Result<Table, (usize, String)> {
    check_ooxml(bytes, "Excel", "xlsx").map_err(|m| (0, m))?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        (
            0,
            format!("the workbook is damaged or incomplete ({e}); open it in Excel and save it again as .xlsx"),
        )
    })?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .or_else(|| names.iter().find(|n| n.trim().eq_ignore_ascii_case(s.trim())))
            .cloned()
            .ok_or_else(|| {
                (
                    0,
                    format!(
                        "the workbook has no sheet '{s}'; its sheets are {}; give one of them with --sheet",
                        quoted(&names)
                    ),
                )
            })?,
        None => names.first().cloned().ok_or_else(|| {
            (
                0,
                "the workbook has no sheets; save the form in Excel again".to_string(),
            )
        })?,
    };
    let range = book.worksheet_range(&name).map_err(|e| {
        (
            0,
            format!(
                "the sheet '{name}' cannot be read ({e}); open the workbook in Excel and save it again as .xlsx"
            ),
        )
    })?;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        // Columns left of the used range are empty: keep them, so that column letters in
        // messages are the ones Excel shows.
        let mut text: Vec<String> = vec![String::new(); first_col as usize];
        text.extend(cells.iter().map(cell_text));
        rows.push(TableRow {
            line: first_row as usize + i + 1,
            cells: text,
        });
    }
    // A cell merged over several rows (one answer for three situations) holds its value
    // in its first row only; every row it spans gets it, as the person filling it meant.
    for m in book.merge_cells_by_sheet_name(&name).unwrap_or_default() {
        let ((r0, c0), (r1, _)) = (m.start, m.end);
        let (Some(top), c) = ((r0 as usize).checked_sub(first_row as usize), c0 as usize) else {
            continue;
        };
        let Some(value) = rows.get(top).and_then(|r| r.cells.get(c)).cloned() else {
            continue;
        };
        for row in rows
            .iter_mut()
            .take(r1 as usize + 1 - first_row as usize)
            .skip(top + 1)
        {
            if row.cells.len() <= c {
                row.cells.resize(c + 1, String::new());
            }
            if row.cells[c].trim().is_empty() {
                row.cells[c] = value.clone();
            }
        }
    }
    if rows.iter().all(|r| r.used() == 0) {
        return Err((
            0,
            format!(
                "the sheet '{name}' is empty; put the form on the first sheet or name its sheet with --sheet (the sheets are {})",
                quoted(&names)
            ),
        ));
    }
    Ok(Table {
        origin: Origin::Sheet { name },
        rows,
    })
}

/// The names of a workbook's sheets, in order.
pub(crate) fn sheet_names(bytes: &[u8]) -> Vec<String> {
    if check_ooxml(bytes, "Excel", "xlsx").is_err() {
        return Vec::new();
    }
    Xlsx::new(Cursor::new(bytes))
        .map(|b: Xlsx<_>| b.sheet_names())
        .unwrap_or_default()
}

pub(crate) fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A cell as a person reading the sheet expects it: dates as YYYY-MM-DD (with the time when
/// there is one), whole numbers without a decimal point, no floating-point noise.
pub(crate) fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) if d.is_duration() => {
            let total = (d.as_f64() * 86_400.0).round() as i64;
            format!("{}:{:02}", total / 3600, (total % 3600) / 60)
        }
        Data::DateTime(d) => {
            let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
            let date = format!("{y:04}-{m:02}-{day:02}");
            match (h, min, s) {
                (0, 0, 0) => date,
                _ if d.as_f64() < 1.0 => format!("{h:02}:{min:02}"),
                _ => format!("{date} {h:02}:{min:02}"),
            }
        }
        Data::DateTimeIso(s) => s.replacen('T', " ", 1),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// A number as Excel's General format shows it: at most 15 significant digits.
fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let digits = 15 - (f.abs().log10().floor() as i32 + 1);
    let s = format!("{:.*}", digits.clamp(0, 15) as usize, f);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn cells_read_as_people_see_them() {
        let date = |v| Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false));
        let cases = [
            (Data::Float(45123.0), "45123"),
            (Data::Float(0.1 + 0.2), "0.3"),
            (Data::Float(-2.5), "-2.5"),
            (Data::Int(7), "7"),
            (Data::Bool(true), "TRUE"),
            (date(45000.0), "2023-03-15"),
            (date(45000.5), "2023-03-15 12:00"),
            (date(0.75), "18:00"),
            (
                Data::DateTime(ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false)),
                "36:00",
            ),
            (
                Data::DateTimeIso("2024-01-02T10:00:00".into()),
                "2024-01-02 10:00:00",
            ),
        ];
        for (cell, want) in cases {
            assert_eq!(cell_text(&cell), want, "{cell:?}");
        }
    }

    #[test]
    fn old_and_encrypted_files_are_named() {
        let e = read_sheet(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0], None).unwrap_err();
        assert!(e.1.contains("old Excel format (.xls)"), "{e:?}");
        let e = read_sheet(b"hello", None).unwrap_err();
        assert!(e.1.contains("not a ZIP archive"), "{e:?}");
    }
}
