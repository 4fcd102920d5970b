//! The memory of a project's decided passages: a passage like one the researchers decided
//! leans towards that decision. The nearest decided passages (by the words' stems, their
//! first letters and the cue concepts they share, rarer ones counting more) vote for and
//! against each dimension, with a weight that grows with their similarity; each vote is
//! named in the explanation ("a passage you decided like this: …").
//!
//! Derived state like the learned model: built from the effective decisions every time the
//! proposer is, so the same decisions give the same votes.

use crate::propose::DIMS;
use kooste_core::model::Decision;

/// The features the memory compares: stems, prefixes and cue concepts.
pub(crate) fn is_memory_feature(name: &str) -> bool {
    name.starts_with("w:") || name.starts_with("p:") || name.starts_with("cue:")
}

/// One decided passage.
#[derive(Debug, Clone)]
pub(crate) struct Remembered {
    /// The decided text (already redacted, as stored in the decisions file).
    pub(crate) text: String,
    /// Its labels, in canonical dimension order.
    pub(crate) labels: [bool; 5],
    /// The length of its feature vector.
    norm: f32,
}

/// The decided passages with an inverted index of their features.
#[derive(Debug, Clone, Default)]
pub(crate) struct Memory {
    /// Feature names, each once.
    pub(crate) names: Vec<String>,
    /// Per feature: how rare it is among the decided passages.
    idf: Vec<f32>,
    /// Per feature: the passages holding it.
    postings: Vec<Vec<u32>>,
    pub(crate) passages: Vec<Remembered>,
    /// The weight of a feature no decided passage holds.
    unknown_idf: f32,
}

impl Memory {
    /// The memory of the effective decisions; `features` gives a passage's feature names.
    pub(crate) fn build(
        decisions: &[&Decision],
        features: impl Fn(&Decision) -> Vec<String>,
    ) -> Memory {
        let mut m = Memory::default();
        let mut ids: std::collections::HashMap<String, u32> = Default::default();
        let mut rows: Vec<Vec<u32>> = Vec::new();
        for d in decisions {
            let mut row: Vec<u32> = features(d)
                .into_iter()
                .filter(|n| is_memory_feature(n))
                .map(|n| {
                    *ids.entry(n.clone()).or_insert_with(|| {
                        m.names.push(n);
                        m.postings.push(Vec::new());
                        (m.names.len() - 1) as u32
                    })
                })
                .collect();
            row.sort_unstable();
            row.dedup();
            for f in &row {
                m.postings[*f as usize].push(rows.len() as u32);
            }
            rows.push(row);
            m.passages.push(Remembered {
                text: d.text.clone(),
                labels: DIMS.map(|x| d.labels.contains(&x)),
                norm: 0.0,
            });
        }
        let n = decisions.len() as f32;
        m.idf = m
            .postings
            .iter()
            .map(|p| (1.0 + n / p.len() as f32).ln())
            .collect();
        m.unknown_idf = (1.0 + n).ln();
        for (r, row) in m.passages.iter_mut().zip(&rows) {
            r.norm = row
                .iter()
                .map(|f| m.idf[*f as usize].powi(2))
                .sum::<f32>()
                .sqrt();
        }
        m
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.passages.is_empty()
    }

    /// The nearest decided passages of a passage with the memory's features `known` (ids,
    /// each once) and `unknown` features it does not know: (passage, cosine similarity),
    /// the `k` most similar at or above `min`, most similar first.
    pub(crate) fn nearest(
        &self,
        known: &[u32],
        unknown: usize,
        k: usize,
        min: f32,
        dot: &mut Vec<f32>,
    ) -> Vec<(usize, f32)> {
        if self.passages.is_empty() || known.is_empty() {
            return Vec::new();
        }
        if dot.len() != self.passages.len() {
            dot.clear();
            dot.resize(self.passages.len(), 0.0);
        }
        let mut touched: Vec<u32> = Vec::new();
        let mut norm = unknown as f32 * self.unknown_idf.powi(2);
        for f in known {
            let w = self.idf[*f as usize].powi(2);
            norm += w;
            for p in &self.postings[*f as usize] {
                let d = &mut dot[*p as usize];
                if *d == 0.0 {
                    touched.push(*p);
                }
                *d += w;
            }
        }
        let norm = norm.sqrt();
        let mut near: Vec<(usize, f32)> = Vec::new();
        for p in touched {
            let i = p as usize;
            let s = dot[i] / (norm * self.passages[i].norm).max(f32::MIN_POSITIVE);
            // Left as found for the next passage: all zero.
            dot[i] = 0.0;
            if s >= min {
                near.push((i, s));
            }
        }
        near.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        near.truncate(k);
        near
    }
}
