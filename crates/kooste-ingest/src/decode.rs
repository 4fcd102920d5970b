//! Bytes to text: UTF-8, UTF-8 with a byte-order mark, and (for forms) Windows-1252. Line
//! breaks come out as LF whatever the file used (CRLF, or a lone CR as old Mac files and
//! some exports have): see [`crate::text::normalize_newlines`].

use crate::text::normalize_newlines;

/// Decodes strict UTF-8 (a leading BOM is dropped). On failure returns the 1-based line of
/// the first invalid byte (counting CRLF, LF and a lone CR as line breaks).
pub(crate) fn utf8(bytes: &[u8]) -> Result<String, usize> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(normalize_newlines(s).into_owned()),
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            Err(normalize_newlines(valid).matches('\n').count() + 1)
        }
    }
}

/// Decodes a form file: UTF-8 (with or without BOM) when it is valid UTF-8, else
/// Windows-1252, the encoding Finnish Excel uses for "CSV (semicolon delimited)".
pub(crate) fn form_text(bytes: &[u8]) -> (String, &'static str) {
    match utf8(bytes) {
        Ok(s) => (s, "UTF-8"),
        Err(_) => {
            let (s, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (normalize_newlines(&s).into_owned(), "Windows-1252")
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_line_break_comes_out_as_lf() {
        assert_eq!(super::utf8(b"\xEF\xBB\xBFa\r\nb\rc").unwrap(), "a\nb\nc");
        assert_eq!(super::utf8(b"a\rb\r\xFF"), Err(3));
        assert_eq!(super::form_text(b"a;b\r1;\xE4\r").0, "a;b\n1;\u{e4}\n");
    }
}
