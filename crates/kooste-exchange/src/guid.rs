//! Deterministic GUIDs: the same project exports byte-identical files.

use uuid::Uuid;

/// kooste's namespace for name-based (version 5) UUIDs, itself derived from the URL
/// namespace so that it is reproducible.
fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:kooste:qdpx")
}

/// The GUID of one thing of a kind (`source`, `code`, `coding`, ...), named by a kooste id.
pub(crate) fn guid(kind: &str, key: &str) -> String {
    Uuid::new_v5(&namespace(), format!("{kind}:{key}").as_bytes())
        .hyphenated()
        .to_string()
}

/// A GUID as other tools may write it (braces, upper case) in the form used for lookups.
pub(crate) fn normalize(g: &str) -> String {
    g.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    #[test]
    fn guids_are_stable_and_distinct() {
        let a = super::guid("source", "doc-1");
        assert_eq!(a, super::guid("source", "doc-1"));
        assert_ne!(a, super::guid("case", "doc-1"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "5", "version 5");
        assert_eq!(super::normalize(&format!("{{{}}}", a.to_uppercase())), a);
    }
}
