//! Tables of text cells, whatever file they came from: a CSV file, an Excel sheet or a Word
//! table. Forms and survey exports are read from a `Table`, so that header matching and row
//! checks are written once.

/// Where a table came from: it decides how a row is named in messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A CSV file; rows are named by the file's line, which the diagnostic already carries.
    Csv {
        /// The field delimiter, for messages about ragged rows.
        delimiter: u8,
    },
    /// An Excel sheet; rows are the sheet's row numbers.
    Sheet {
        /// The sheet's name.
        name: String,
    },
    /// A Word table, numbered from 1 in document order; rows are numbered within it.
    Word {
        /// The table's number.
        table: usize,
    },
}

impl Origin {
    /// A message about row `line` of this table, with the place named where the line alone
    /// does not say it.
    pub(crate) fn at(&self, line: usize, message: &str) -> String {
        match self {
            Origin::Csv { .. } => message.to_string(),
            Origin::Sheet { name } => format!("sheet '{name}', row {line}: {message}"),
            Origin::Word { table } => format!("table {table}, row {line}: {message}"),
        }
    }
}

/// A table: its rows in order, the header among them.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    /// Where it came from.
    pub(crate) origin: Origin,
    /// Every row, also empty ones, so that row numbers stay as the user sees them.
    pub(crate) rows: Vec<TableRow>,
}

/// One row of a table.
#[derive(Debug, Clone)]
pub(crate) struct TableRow {
    /// The CSV line, the sheet row or the Word table row (1-based).
    pub(crate) line: usize,
    /// The cells' text, untrimmed.
    pub(crate) cells: Vec<String>,
}

impl TableRow {
    /// How many cells count: up to the last one that is not blank.
    pub(crate) fn used(&self) -> usize {
        self.cells
            .iter()
            .rposition(|c| !c.trim().is_empty())
            .map(|i| i + 1)
            .unwrap_or(0)
    }

    /// The cells that count (see [`TableRow::used`]): Excel leaves empty columns after the
    /// last one, and they carry nothing.
    pub(crate) fn used_cells(&self) -> Vec<&str> {
        self.cells[..self.used()]
            .iter()
            .map(String::as_str)
            .collect()
    }
}

impl Table {
    /// The header row: the first of the first few non-empty rows that `is_header` accepts
    /// (a title row above the headers is common in sheets), else the first non-empty row.
    /// Returns its index in `rows`.
    pub(crate) fn header(&self, is_header: impl Fn(&TableRow) -> bool) -> Option<usize> {
        let filled: Vec<usize> = (0..self.rows.len())
            .filter(|&i| self.rows[i].used() > 0)
            .take(10)
            .collect();
        filled
            .iter()
            .copied()
            .find(|&i| is_header(&self.rows[i]))
            .or(filled.first().copied())
    }
}

/// The spreadsheet name of a 0-based column: A, B, ..., Z, AA, ...
pub(crate) fn column_name(mut col: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII")
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_names() {
        let names: Vec<String> = [0, 25, 26, 27, 701, 702]
            .iter()
            .map(|&c| super::column_name(c))
            .collect();
        assert_eq!(names, ["A", "Z", "AA", "AB", "ZZ", "AAA"]);
    }
}
