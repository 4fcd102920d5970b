//! Bytes to text: UTF-8, UTF-8 with a byte-order mark, and (for forms) Windows-1252.

/// Decodes strict UTF-8 (a leading BOM is dropped). On failure returns the 1-based line of
/// the first invalid byte.
pub(crate) fn utf8(bytes: &[u8]) -> Result<String, usize> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1),
    }
}

/// Decodes a form file: UTF-8 (with or without BOM) when it is valid UTF-8, else
/// Windows-1252, the encoding Finnish Excel uses for "CSV (semicolon delimited)".
pub(crate) fn form_text(bytes: &[u8]) -> (String, &'static str) {
    match utf8(bytes) {
        Ok(s) => (s, "UTF-8"),
        Err(_) => {
            let (s, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (s.into_owned(), "Windows-1252")
        }
    }
}
