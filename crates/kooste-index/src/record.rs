//! The fingerprint that decides whether a document must be reindexed. The records
//! themselves ([`PassageRecord`], [`Labels`]) are plain data in `kooste_core::record`.

use kooste_core::record::PassageRecord;

/// A stable 64-bit fingerprint (FNV-1a) of a document's records: what decides whether a
/// document must be reindexed.
pub fn fingerprint(records: &[PassageRecord]) -> u64 {
    kooste_core::fingerprint::of(&serde_json::to_vec(records).unwrap_or_default())
}
