//! Turning a parsed query into a tantivy query, running it with filters, and collecting
//! hits, facet counts and suggestions.

use crate::analyze::{MIN_COMPOUND_STEM, reversed};
use crate::query::{ParsedQuery, QueryWord, edit_distance};
use crate::snippet::{Snippet, snippet};
use crate::store::{SearchIndex, date_key};
use crate::{Error, Result};
use kooste_core::model::{Date, Dimension, Voice};
use kooste_core::record::PassageRecord;
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::Bound;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, PhraseQuery,
    Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{Searcher, TantivyDocument, Term};

/// Narrowing a search down.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Only this voice.
    pub voice: Option<Voice>,
    /// Only passages with this dimension (confirmed, else proposed).
    pub dimension: Option<Dimension>,
    /// Only this workshop round.
    pub workshop: Option<String>,
    /// Only this theme.
    pub theme: Option<String>,
    /// Not before this day.
    pub from: Option<Date>,
    /// Not after this day.
    pub to: Option<Date>,
}

impl Filters {
    /// Whether any filter is set.
    pub fn any(&self) -> bool {
        *self != Filters::default()
    }
}

/// How much each kind of match counts. The defaults are the measured ones (see the
/// search evaluation in the README); the evaluation can try others.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// The exact form, diacritics and all.
    pub exact: f32,
    /// The folded stem.
    pub stem: f32,
    /// The truncated folded form.
    pub trunc: f32,
    /// A compound ending in the query word's stem.
    pub head: f32,
    /// A compound starting with the query word's stem.
    pub modifier: f32,
    /// A stem one or two edits away.
    pub fuzzy: f32,
    /// A word of the corpus sharing at least 60 % of the query word's character trigrams
    /// (times the share it has).
    pub gram: f32,
    /// Share of the non-best matches of a word that still counts.
    pub tie: f32,
    /// The query's words near each other.
    pub proximity: f32,
    /// A query word in the form question a passage answers.
    pub context: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            exact: 0.5,
            stem: 1.0,
            trunc: 0.7,
            head: 0.6,
            modifier: 0.4,
            fuzzy: 0.3,
            gram: 1.2,
            tie: 0.2,
            proximity: 0.5,
            context: 1.0,
        }
    }
}

/// A search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// What the user typed.
    pub query: String,
    /// Filters.
    pub filters: Filters,
    /// Most hits to return.
    pub limit: usize,
}

/// One passage found.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// The passage.
    pub record: PassageRecord,
    /// Its score (higher is better; only comparable within one search).
    pub score: f32,
    /// The best part of its text with the matching words marked.
    pub snippet: Snippet,
}

/// Hit counts per value of a field, most first.
pub type FacetCounts = Vec<(String, u64)>;

/// How many hits there are per voice, dimension, workshop and theme.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    /// Per voice.
    pub voice: FacetCounts,
    /// Per dimension.
    pub dimension: FacetCounts,
    /// Per workshop.
    pub workshop: FacetCounts,
    /// Per theme.
    pub theme: FacetCounts,
}

/// What a search found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Results {
    /// How many passages matched in all.
    pub total: usize,
    /// The best of them.
    pub hits: Vec<Hit>,
    /// Counts over all matches.
    pub facets: Facets,
    /// Words from the corpus close to query words that found nothing ("did you mean").
    pub suggestions: Vec<String>,
    /// No passage holds a quoted phrase as such, so these hold all of its words (in any
    /// form the search tolerates), nearest together first.
    pub loose_phrases: bool,
}

impl SearchIndex {
    /// Searches with the measured weights.
    pub fn search(&self, req: &SearchRequest) -> Result<Results> {
        self.search_with(req, &Weights::default())
    }

    /// Searches with the given weights.
    pub fn search_with(&self, req: &SearchRequest, weights: &Weights) -> Result<Results> {
        let parsed = ParsedQuery::parse(&req.query);
        if parsed.is_empty() && !req.filters.any() {
            return Err(Error::EmptyQuery);
        }
        let searcher = self.reader.searcher();
        let run = |strict: bool| {
            let query = self.build(&searcher, &parsed, &req.filters, weights, strict)?;
            let mut facets = FacetCollector::for_field("facets");
            for f in ["/voice", "/dimension", "/workshop", "/theme"] {
                facets.add_facet(f);
            }
            let top = TopDocs::with_limit(req.limit.max(1)).order_by_score();
            searcher
                .search(&query, &(top, Count, facets))
                .map_err(Error::Search)
        };
        let (mut top, mut total, mut counts) = run(true)?;
        // A quoted phrase that stands nowhere as such may still stand in damaged or split
        // words: then the passages with all its words, nearest together first, are next best.
        let loose_phrases = total == 0 && !parsed.phrases.is_empty();
        if loose_phrases {
            (top, total, counts) = run(false)?;
        }
        let highlight = parsed.highlight_words();
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top.into_iter().take(req.limit) {
            let record = self.record(&searcher, address)?;
            let snippet = snippet(&record.text, record.lang, &highlight);
            hits.push(Hit {
                record,
                score,
                snippet,
            });
        }
        let facet = |path: &str| -> FacetCounts {
            let mut v: FacetCounts = counts
                .get(path)
                .map(|(f, n)| {
                    let s = f.to_path_string();
                    (s.rsplit('/').next().unwrap_or_default().to_string(), n)
                })
                .collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        let suggestions = if total == 0 {
            self.suggest(&searcher, &parsed)
        } else {
            Vec::new()
        };
        Ok(Results {
            total,
            hits,
            facets: Facets {
                voice: facet("/voice"),
                dimension: facet("/dimension"),
                workshop: facet("/workshop"),
                theme: facet("/theme"),
            },
            suggestions,
            loose_phrases,
        })
    }

    /// Every passage that passes `filters` (all of them when none is set), in corpus
    /// order: by file, then by line. What digests and the review queue read.
    pub fn records(&self, filters: &Filters) -> Result<Vec<PassageRecord>> {
        let searcher = self.reader.searcher();
        let query = self.build(
            &searcher,
            &ParsedQuery::default(),
            filters,
            &Weights::default(),
            true,
        )?;
        let mut out = self.all_of(&searcher, &query)?;
        out.sort_by(|a, b| {
            (a.file.as_str(), a.line, a.passage.as_str()).cmp(&(
                b.file.as_str(),
                b.line,
                b.passage.as_str(),
            ))
        });
        Ok(out)
    }

    /// The passages of one document, in document order (none when the index does not have
    /// it): a lookup by the document id, not a scan.
    pub fn document(&self, id: &str) -> Result<Vec<PassageRecord>> {
        let searcher = self.reader.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.doc, id),
            IndexRecordOption::Basic,
        );
        let mut out = self.all_of(&searcher, &query)?;
        // Passage ids are `DOCID#N`, N from 1 in document order.
        out.sort_by_key(|r| {
            r.passage
                .rsplit_once('#')
                .and_then(|(_, n)| n.parse::<usize>().ok())
                .unwrap_or(usize::MAX)
        });
        Ok(out)
    }

    /// The records of every passage a query matches, in no particular order.
    fn all_of(&self, searcher: &Searcher, query: &dyn Query) -> Result<Vec<PassageRecord>> {
        let addresses = searcher
            .search(query, &tantivy::collector::DocSetCollector)
            .map_err(Error::Search)?;
        addresses
            .into_iter()
            .map(|address| self.record(searcher, address))
            .collect()
    }

    fn record(&self, searcher: &Searcher, address: tantivy::DocAddress) -> Result<PassageRecord> {
        let doc: TantivyDocument = searcher.doc(address).map_err(Error::Search)?;
        let json = doc
            .get_first(self.fields.record)
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::Index("a passage without its record".into()))?;
        serde_json::from_str(json).map_err(|e| Error::Index(e.to_string()))
    }

    fn build(
        &self,
        searcher: &Searcher,
        q: &ParsedQuery,
        filters: &Filters,
        w: &Weights,
        strict_phrases: bool,
    ) -> Result<Box<dyn Query>> {
        let f = &self.fields;
        let mut text: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let content = q.content_words();
        for word in &content {
            text.push((Occur::Should, self.word_query(searcher, word, w)?));
            if w.context > 0.0 && !word.stop {
                let stems = word
                    .stems
                    .iter()
                    .chain(&word.trunc)
                    .map(|s| term(f.context, s))
                    .collect();
                text.push((
                    Occur::Should,
                    boost(Box::new(DisjunctionMaxQuery::new(stems)), w.context),
                ));
            }
        }
        for phrase in &q.phrases {
            let each = if strict_phrases {
                Occur::Should
            } else {
                Occur::Must
            };
            for word in phrase.iter().filter(|w| !w.stop) {
                text.push((each, self.word_query(searcher, word, w)?));
            }
            let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
            for lang in 0..2 {
                let terms: Vec<Term> = phrase
                    .iter()
                    .map(|w| Term::from_field_text(f.stem, &w.stems[lang.min(w.stems.len() - 1)]))
                    .collect();
                alternatives.push(Box::new(PhraseQuery::new(terms)));
            }
            let exact: Box<dyn Query> = Box::new(DisjunctionMaxQuery::new(alternatives));
            if strict_phrases {
                text.push((Occur::Must, exact));
            } else {
                let terms: Vec<(usize, Term)> = phrase
                    .iter()
                    .enumerate()
                    .map(|(i, word)| (i, Term::from_field_text(f.stem, &word.stems[0])))
                    .collect();
                let near = PhraseQuery::new_with_offset_and_slop(terms, 4);
                text.push((Occur::Should, boost(Box::new(near), w.proximity.max(0.5))));
                text.push((Occur::Should, exact));
            }
        }
        if content.len() >= 2 && w.proximity > 0.0 {
            let terms: Vec<(usize, Term)> = content
                .iter()
                .enumerate()
                .map(|(i, word)| (i, Term::from_field_text(f.stem, &word.stems[0])))
                .collect();
            let near = PhraseQuery::new_with_offset_and_slop(terms, 4);
            text.push((Occur::Should, boost(Box::new(near), w.proximity)));
        }
        let mut top: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if text.is_empty() {
            top.push((Occur::Must, Box::new(AllQuery)));
        } else {
            top.push((Occur::Must, Box::new(BooleanQuery::new(text))));
        }
        for word in &q.excluded {
            for s in &word.stems {
                top.push((Occur::MustNot, term(f.stem, s)));
            }
        }
        let mut filter = |field: Field, value: Option<&str>| {
            if let Some(v) = value {
                top.push((Occur::Must, term(field, v)));
            }
        };
        filter(f.voice, filters.voice.map(Voice::as_str));
        filter(f.dimension, filters.dimension.map(Dimension::as_str));
        filter(f.workshop, filters.workshop.as_deref());
        filter(f.theme, filters.theme.as_deref());
        if filters.from.is_some() || filters.to.is_some() {
            let bound = |d: Option<Date>| match d {
                Some(d) => Bound::Included(Term::from_field_u64(f.date, date_key(d))),
                None => Bound::Unbounded,
            };
            top.push((
                Occur::Must,
                Box::new(RangeQuery::new(bound(filters.from), bound(filters.to))),
            ));
        }
        Ok(Box::new(BooleanQuery::new(top)))
    }

    /// Every way one query word can match, the best of them counting fully.
    fn word_query(
        &self,
        searcher: &Searcher,
        q: &QueryWord,
        w: &Weights,
    ) -> Result<Box<dyn Query>> {
        let f = &self.fields;
        let mut alts: Vec<Box<dyn Query>> = vec![boost(term(f.exact, &q.lower), w.stem + w.exact)];
        for s in &q.stems {
            alts.push(boost(term(f.stem, s), w.stem));
            if s.chars().count() >= MIN_COMPOUND_STEM && !q.stop {
                let heads = self.expand(searcher, f.rev, &reversed(s), 3, 40)?;
                if !heads.is_empty() {
                    alts.push(boost(any_of(f.rev, heads), w.head));
                }
                let modifiers = self.expand(searcher, f.stem, s, 3, 40)?;
                if !modifiers.is_empty() {
                    alts.push(boost(any_of(f.stem, modifiers), w.modifier));
                }
            }
        }
        if let Some(t) = &q.trunc {
            alts.push(boost(term(f.trunc, t), w.trunc));
        }
        let len = q.folded.chars().count();
        if len >= 5 && w.fuzzy > 0.0 {
            let distance = if len >= 10 { 2 } else { 1 };
            let fuzzy =
                FuzzyTermQuery::new(Term::from_field_text(f.stem, &q.stems[0]), distance, true);
            alts.push(boost(Box::new(fuzzy), w.fuzzy));
        }
        if q.grams.len() >= 4 && w.gram > 0.0 {
            // OCR damage: the words of the corpus holding at least 60 % of the query word's
            // trigrams (`crate::vocab`), each looked up as it stands in the passages, the
            // more alike counting more.
            let need = (q.grams.len() * 3).div_ceil(5);
            let similar = self.vocab.similar(&q.grams, need, SIMILAR_WORDS)?;
            if !similar.is_empty() {
                let n = q.grams.len() as f32;
                let words: Vec<Box<dyn Query>> = similar
                    .iter()
                    .map(|s| boost(term(f.exact, &s.word), s.shared as f32 / n))
                    .collect();
                alts.push(boost(Box::new(DisjunctionMaxQuery::new(words)), w.gram));
            }
        }
        Ok(Box::new(DisjunctionMaxQuery::with_tie_breaker(alts, w.tie)))
    }

    /// Terms of `field` that start with `prefix` and go on for at least `extra` more
    /// characters: the compounds a stem is part of. At most `limit`, the most frequent first.
    fn expand(
        &self,
        searcher: &Searcher,
        field: Field,
        prefix: &str,
        extra: usize,
        limit: usize,
    ) -> Result<Vec<String>> {
        let mut found: BTreeMap<String, u32> = BTreeMap::new();
        let min = prefix.chars().count() + extra;
        let mut end = prefix.as_bytes().to_vec();
        end.push(0xff);
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(field).map_err(Error::Search)?;
            let mut stream = inverted
                .terms()
                .range()
                .ge(prefix.as_bytes())
                .lt(&end)
                .into_stream()
                .map_err(|e| Error::Index(e.to_string()))?;
            while stream.advance() {
                let Ok(t) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                if t.chars().count() >= min {
                    *found.entry(t.to_string()).or_default() += stream.value().doc_freq;
                }
            }
        }
        let mut terms: Vec<(String, u32)> = found.into_iter().collect();
        terms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(terms.into_iter().take(limit).map(|(t, _)| t).collect())
    }

    /// Words of the corpus within two edits of query words that are not in it.
    fn suggest(&self, searcher: &Searcher, q: &ParsedQuery) -> Vec<String> {
        let f = self.fields.exact;
        let mut out = Vec::new();
        for word in q.content_words() {
            let known = searcher
                .doc_freq(&Term::from_field_text(f, &word.lower))
                .unwrap_or(0);
            if known > 0 || word.lower.chars().count() < 4 {
                continue;
            }
            let prefix: String = word.lower.chars().take(2).collect();
            let Ok(candidates) = self.expand(searcher, f, &prefix, 0, usize::MAX) else {
                continue;
            };
            let limit = if word.lower.chars().count() >= 8 {
                2
            } else {
                1
            };
            if let Some(best) = candidates
                .into_iter()
                .map(|c| (edit_distance(&word.lower, &c), c))
                .filter(|(d, _)| *d <= limit)
                .min_by_key(|(d, _)| *d)
            {
                out.push(best.1);
            }
        }
        out
    }
}

/// Most words of the corpus a query word's trigram clause looks up, the most alike first.
const SIMILAR_WORDS: usize = 64;

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn any_of(field: Field, terms: Vec<String>) -> Box<dyn Query> {
    Box::new(DisjunctionMaxQuery::new(
        terms.iter().map(|t| term(field, t)).collect(),
    ))
}

fn boost(q: Box<dyn Query>, by: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(q, by))
}
