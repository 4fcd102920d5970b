//! Comments made at a workshop on the digest presented there. A comment is workshop W's
//! material (a corpus document with `comment_on: W`, in the commenter's voice), so it comes
//! back in the digest of W+1, which covers W's round: not among the findings, but in a
//! section of its own, each comment beside the passages of the finding it commented on.
//!
//! A comment names the passages of its finding (`comment_passages`), not the finding's
//! place in the digest: whatever a later curation does to the findings (renames, merges,
//! moves a passage), the comment still finds its passages.

use crate::assemble::quote;
use crate::model::{CommentGroup, CommentItem, CommentsPart};
use kooste_core::model::Lang;
use kooste_core::record::PassageRecord;
use std::collections::{BTreeMap, BTreeSet};

/// How many of a commented finding's passages are quoted beside its comments.
pub const QUOTES: usize = 3;

/// Whether a record is a passage of a workshop comment.
pub fn is_comment(r: &PassageRecord) -> bool {
    r.comment_on.is_some()
}

/// The round's records with the passages the round's comments refer to added (they belong
/// to the round before, so the round's own records do not hold them).
/// [`assemble`](crate::assemble()) takes only the round's own passages as material and looks the others
/// up for the comments section. `document` gives a document's records (from the index).
pub fn with_commented<E>(
    mut records: Vec<PassageRecord>,
    mut document: impl FnMut(&str) -> Result<Vec<PassageRecord>, E>,
) -> Result<Vec<PassageRecord>, E> {
    let have: BTreeSet<String> = records.iter().map(|r| r.passage.clone()).collect();
    let docs: BTreeSet<String> = records
        .iter()
        .flat_map(|r| &r.comment_passages)
        .filter(|p| !have.contains(*p))
        .filter_map(|p| p.rsplit_once('#').map(|(d, _)| d.to_string()))
        .collect();
    for d in docs {
        records.extend(document(&d)?);
    }
    Ok(records)
}

/// The comments section of the digest covering `round`: the round's comments grouped by
/// what they comment on (the digest as a whole first, then each finding in the order of its
/// first comment), each finding shown by up to [`QUOTES`] of its passages as they are now.
pub(crate) fn section(records: &[PassageRecord], round: &str, _lang: Lang) -> CommentsPart {
    let by_id: BTreeMap<&str, &PassageRecord> =
        records.iter().map(|r| (r.passage.as_str(), r)).collect();
    // One comment per document, its paragraphs in order.
    let mut docs: Vec<(&str, Vec<&PassageRecord>)> = Vec::new();
    for r in records
        .iter()
        .filter(|r| is_comment(r) && r.workshop.as_deref() == Some(round))
    {
        match docs.iter_mut().find(|(d, _)| *d == r.doc) {
            Some((_, ps)) => ps.push(r),
            None => docs.push((&r.doc, vec![r])),
        }
    }
    let mut groups: Vec<CommentGroup> = Vec::new();
    let mut keys: Vec<Vec<String>> = Vec::new();
    for (doc, ps) in &docs {
        let first = ps[0];
        let mut key = first.comment_passages.clone();
        key.sort();
        key.dedup();
        let item = CommentItem {
            doc: doc.to_string(),
            paragraphs: ps.iter().map(|p| p.text.clone()).collect(),
            voice: first.document_voice,
            lang: first.lang,
            date: first.date,
        };
        if let Some(i) = keys.iter().position(|k| *k == key) {
            groups[i].comments.push(item);
            continue;
        }
        let found: Vec<&PassageRecord> = first
            .comment_passages
            .iter()
            .filter_map(|p| by_id.get(p.as_str()).copied())
            .collect();
        groups.push(CommentGroup {
            whole: key.is_empty(),
            heading: first.title.clone(),
            passages: key.len(),
            missing: key.len() - found.len(),
            quotes: found.iter().take(QUOTES).map(|r| quote(r)).collect(),
            comments: vec![item],
        });
        keys.push(key);
    }
    // The digest as a whole first; findings in the order of their first comment.
    groups.sort_by_key(|g| !g.whole);
    CommentsPart {
        count: docs.len(),
        groups,
    }
}
