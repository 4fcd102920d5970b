//! A query for the documents that hold at least `need` of some terms, scored by the sum of
//! the BM25 scores of the terms they hold: what `BooleanQuery::with_minimum_required_clauses`
//! over term queries matches and scores, computed a window of documents at a time (a count
//! and a sum per document in two arrays) instead of through tantivy's heap of posting lists
//! (`Disjunction`, one heap operation per posting). The trigram clause of a query word
//! (`search::word_query`) reads long posting lists (`^ko` is in a good share of all passages),
//! and that heap took half of a search's time.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, TermQuery, Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

/// Documents counted at a time.
const WINDOW: usize = 4096;

/// At least `need` of `terms` (each counted as often as it is given), as a query.
#[derive(Debug, Clone)]
pub(crate) struct AtLeast {
    terms: Vec<Term>,
    need: usize,
}

impl AtLeast {
    pub(crate) fn new(terms: Vec<Term>, need: usize) -> AtLeast {
        AtLeast {
            terms,
            need: need.max(1),
        }
    }
}

impl Query for AtLeast {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .terms
            .iter()
            .map(|t| TermQuery::new(t.clone(), IndexRecordOption::WithFreqs).weight(scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(AtLeastWeight {
            weights,
            need: self.need,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for t in &self.terms {
            visitor(t, false);
        }
    }
}

struct AtLeastWeight {
    weights: Vec<Box<dyn Weight>>,
    need: usize,
}

impl Weight for AtLeastWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.weights.len());
        for w in &self.weights {
            let s = w.scorer(reader, boost)?;
            if s.doc() != TERMINATED {
                scorers.push(s);
            }
        }
        Ok(Box::new(AtLeastScorer::new(scorers, self.need)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut s = self.scorer(reader, 1.0)?;
        if s.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not hold {} of the terms",
                self.need
            )));
        }
        Ok(Explanation::new("at least so many of the terms", s.score()))
    }
}

struct AtLeastScorer {
    scorers: Vec<Box<dyn Scorer>>,
    need: usize,
    /// Per document of the current window: how many terms it holds, and their scores' sum.
    counts: Vec<u32>,
    sums: Vec<Score>,
    /// The matching documents of the current window, and the one at hand.
    found: Vec<(DocId, Score)>,
    at: usize,
    doc: DocId,
}

impl AtLeastScorer {
    fn new(scorers: Vec<Box<dyn Scorer>>, need: usize) -> AtLeastScorer {
        let mut s = AtLeastScorer {
            scorers,
            need,
            counts: vec![0; WINDOW],
            sums: vec![0.0; WINDOW],
            found: Vec::new(),
            at: 0,
            doc: TERMINATED,
        };
        s.next_window();
        s
    }

    /// Counts windows until one has a match (then `doc` is its first) or the terms run out.
    fn next_window(&mut self) {
        self.found.clear();
        self.at = 0;
        loop {
            self.scorers.retain(|s| s.doc() != TERMINATED);
            if self.scorers.len() < self.need {
                self.doc = TERMINATED;
                return;
            }
            let start = self
                .scorers
                .iter()
                .map(|s| s.doc())
                .min()
                .unwrap_or(TERMINATED);
            let end = start.saturating_add(WINDOW as u32);
            for s in &mut self.scorers {
                let mut d = s.doc();
                while d < end {
                    let i = (d - start) as usize;
                    self.counts[i] += 1;
                    self.sums[i] += s.score();
                    d = s.advance();
                }
            }
            let need = self.need as u32;
            for (i, (count, sum)) in self.counts.iter_mut().zip(&mut self.sums).enumerate() {
                if *count >= need {
                    self.found.push((start + i as u32, *sum));
                }
                *count = 0;
                *sum = 0.0;
            }
            if let Some(&(doc, _)) = self.found.first() {
                self.doc = doc;
                return;
            }
        }
    }
}

impl DocSet for AtLeastScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.at += 1;
        match self.found.get(self.at) {
            Some(&(doc, _)) => self.doc = doc,
            None => self.next_window(),
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let rest = &self.found[self.at..];
        let skip = rest.partition_point(|&(d, _)| d < target);
        if skip < rest.len() {
            self.at += skip;
            self.doc = self.found[self.at].0;
            return self.doc;
        }
        // Past this window: every term's postings are already at or past its end.
        for s in &mut self.scorers {
            if s.doc() < target {
                s.seek(target);
            }
        }
        self.next_window();
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers
            .iter()
            .map(|s| s.size_hint())
            .max()
            .unwrap_or(0)
    }
}

impl Scorer for AtLeastScorer {
    fn score(&mut self) -> Score {
        self.found.get(self.at).map_or(0.0, |&(_, s)| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur};
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{DocAddress, Index, TantivyDocument};

    /// The same documents, with the same scores, as the boolean query it stands for; over
    /// more documents than one window, and inside an intersection (which seeks).
    #[test]
    fn matches_and_scores_as_a_boolean_query_with_minimum_clauses() {
        let mut b = Schema::builder();
        let f = b.add_text_field("f", TEXT);
        let g = b.add_text_field("g", TEXT);
        let index = Index::create_in_ram(b.build());
        let mut w = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let words = ["a", "b", "c", "d", "e"];
        for i in 0..10_000u32 {
            let mut d = TantivyDocument::default();
            let text: Vec<&str> = words
                .iter()
                .enumerate()
                .filter(|(k, _)| (i / (1 + *k as u32 * 3)).is_multiple_of(2 + *k as u32))
                .map(|(_, w)| *w)
                .collect();
            d.add_text(f, text.join(" "));
            d.add_text(g, if i.is_multiple_of(7) { "x" } else { "y" });
            w.add_document(d).unwrap();
        }
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let terms: Vec<Term> = ["a", "b", "c", "d", "e", "a"]
            .iter()
            .map(|t| Term::from_field_text(f, t))
            .collect();
        let run = |q: &dyn Query| -> Vec<(DocAddress, String)> {
            let mut top = searcher
                .search(q, &TopDocs::with_limit(20_000).order_by_score())
                .unwrap()
                .into_iter()
                .map(|(s, a)| (a, format!("{s:.4}")))
                .collect::<Vec<_>>();
            top.sort();
            top
        };
        for need in 1..=7 {
            let boolean = BooleanQuery::with_minimum_required_clauses(
                terms
                    .iter()
                    .map(|t| {
                        let q: Box<dyn Query> =
                            Box::new(TermQuery::new(t.clone(), IndexRecordOption::WithFreqs));
                        (Occur::Should, q)
                    })
                    .collect(),
                need,
            );
            let ours = AtLeast::new(terms.clone(), need);
            let expected = run(&boolean);
            assert_eq!(run(&ours), expected, "at least {need}");
            if need == 2 {
                assert!(expected.len() > WINDOW, "more than one window");
            }
            let x = || -> Box<dyn Query> {
                Box::new(TermQuery::new(
                    Term::from_field_text(g, "x"),
                    IndexRecordOption::Basic,
                ))
            };
            let within =
                |q: Box<dyn Query>| BooleanQuery::new(vec![(Occur::Must, x()), (Occur::Must, q)]);
            assert_eq!(
                run(&within(Box::new(ours))),
                run(&within(Box::new(boolean))),
                "at least {need}, intersected"
            );
        }
    }
}
