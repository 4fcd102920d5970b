//! The fingerprint that decides whether a document must be reindexed. The records
//! themselves ([`PassageRecord`], [`Labels`]) are plain data in `kooste_core::record`.

use kooste_core::record::PassageRecord;

/// A stable 64-bit fingerprint (FNV-1a) of a document's records: what decides whether a
/// document must be reindexed.
pub fn fingerprint(records: &[PassageRecord]) -> u64 {
    let jsons: Vec<String> = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap_or_default())
        .collect();
    fingerprint_of_json(&jsons)
}

/// [`fingerprint`] of records already serialized one by one (as the index stores them):
/// the same value, without serializing them again.
pub(crate) fn fingerprint_of_json(jsons: &[String]) -> u64 {
    // The bytes of the JSON array of the records: `[a,b,c]`.
    let mut f = kooste_core::fingerprint::Fingerprint::new();
    f.bytes(b"[");
    for (i, j) in jsons.iter().enumerate() {
        if i > 0 {
            f.bytes(b",");
        }
        f.bytes(j.as_bytes());
    }
    f.bytes(b"]").value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_is_that_of_the_records_json_array() {
        let a: PassageRecord = serde_json::from_value(serde_json::json!({
            "passage": "d#1", "doc": "d", "text": "Velat ja vuokra.", "voice": "client",
            "document_voice": "client", "lang": "fi", "workshop": null, "region": null,
            "theme": null, "battery": null, "date": null, "question": null,
            "file": "corpus/d.md", "line": 5,
            "labels": { "proposed": [], "confirmed": null }
        }))
        .unwrap();
        let mut b = a.clone();
        b.passage = "d#2".into();
        let none: Vec<PassageRecord> = Vec::new();
        for records in [none, vec![a.clone()], vec![a, b]] {
            let bytes = serde_json::to_vec(&records).unwrap();
            let whole = kooste_core::fingerprint::of(&bytes);
            assert_eq!(fingerprint(&records), whole);
        }
    }
}
