//! The corpus's vocabulary by character trigram: what a query word's OCR-damaged or
//! misspelt forms are found by.
//!
//! A small tantivy index of its own under `.kooste/index/vocab/`, one document per distinct
//! word of the passages (the `exact` field's terms: lowercased, diacritics kept; function
//! words, words under three letters and words with a digit left out), with the trigrams of its folded form
//! ([`crate::analyze::grams`]). A query word's trigram clause asks it for the words that
//! share at least so many of the query word's trigrams, then looks those words up in the
//! passages' `exact` field. Its postings are as long as the vocabulary has words with a
//! trigram, not as the corpus has passages with it, so the lookup grows with the
//! vocabulary; before index format 6 every passage carried the trigrams of all its words
//! (the largest field of the build), and a search read their long postings.
//!
//! Written in the same update as the passages, under the same write lock, after their
//! commit and before the manifest (a kill in between leaves the manifest naming the
//! passages as changed, so the next update adds their words again). Words are only ever
//! added: a word whose last passage is gone stays and matches nothing, until
//! `kooste index --rebuild` starts the whole index, vocabulary and all, over.

use crate::analyze::{fold, grams, is_stop, words};
use crate::{Error, Result};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use tantivy::schema::{FAST, Field, IndexRecordOption, STRING, Schema};
use tantivy::{DocSet, Index, IndexReader, ReloadPolicy, TERMINATED, TantivyDocument, Term};

/// The vocabulary's directory inside the index's.
pub(crate) const DIR: &str = "vocab";

/// One word found by its trigrams.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Similar {
    /// The word as the `exact` field holds it.
    pub(crate) word: String,
    /// How many of the query word's trigrams it has.
    pub(crate) shared: usize,
    /// Dice's coefficient of the two words' trigrams: 1.0 for the same folded word.
    pub(crate) dice: f32,
}

/// The vocabulary index.
pub(crate) struct Vocab {
    index: Index,
    reader: IndexReader,
    dir: PathBuf,
    word: Field,
    gram: Field,
    grams: Field,
}

fn schema() -> (Schema, [Field; 3]) {
    let mut b = Schema::builder();
    // Indexed (is a word there already?), fast (the words found) and stored nowhere else.
    let word = b.add_text_field("word", STRING | FAST);
    let gram = b.add_text_field("gram", STRING);
    // How many distinct trigrams the word has.
    let grams = b.add_u64_field("grams", FAST);
    (b.build(), [word, gram, grams])
}

impl Vocab {
    /// Creates an empty vocabulary in `index_dir`.
    pub(crate) fn create(index_dir: &Path) -> Result<Vocab> {
        let dir = index_dir.join(DIR);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let (schema, fields) = schema();
        let index = Index::create_in_dir(&dir, schema).map_err(|e| Error::tantivy(&dir, e))?;
        Self::with(index, dir, fields)
    }

    /// Opens the vocabulary in `index_dir`; `None` when it is missing or of another schema.
    pub(crate) fn open(index_dir: &Path) -> Result<Option<Vocab>> {
        let dir = index_dir.join(DIR);
        if !dir.join("meta.json").is_file() {
            return Ok(None);
        }
        let index = Index::open_in_dir(&dir).map_err(|e| Error::tantivy(&dir, e))?;
        let (schema, fields) = schema();
        if index.schema() != schema {
            return Ok(None);
        }
        Self::with(index, dir, fields).map(Some)
    }

    fn with(index: Index, dir: PathBuf, [word, gram, grams]: [Field; 3]) -> Result<Vocab> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| Error::tantivy(&dir, e))?;
        Ok(Vocab {
            index,
            reader,
            dir,
            word,
            gram,
            grams,
        })
    }

    /// Reads what was committed since (another process's update).
    pub(crate) fn reload(&self) -> Result<()> {
        self.reader
            .reload()
            .map_err(|e| Error::tantivy(&self.dir, e))
    }

    /// How many words it holds.
    pub(crate) fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Adds the words it does not hold yet and commits. Called under the write lock.
    pub(crate) fn add(&self, candidates: BTreeSet<String>) -> Result<usize> {
        let searcher = self.reader.searcher();
        let mut new = Vec::new();
        for w in candidates {
            let t = Term::from_field_text(self.word, &w);
            let known = searcher.doc_freq(&t).map_err(Error::Search)? > 0;
            if !known {
                new.push(w);
            }
        }
        if new.is_empty() {
            return Ok(0);
        }
        let budget = if new.len() < 10_000 {
            15_000_000
        } else {
            50_000_000
        };
        let mut w: tantivy::IndexWriter = self
            .index
            .writer_with_num_threads(1, budget)
            .map_err(|e| Error::tantivy(&self.dir, e))?;
        for word in &new {
            let g: BTreeSet<String> = grams(&fold(word)).into_iter().collect();
            let mut d = TantivyDocument::default();
            d.add_text(self.word, word);
            d.add_u64(self.grams, g.len() as u64);
            for g in &g {
                d.add_text(self.gram, g);
            }
            w.add_document(d)
                .map_err(|e| Error::tantivy(&self.dir, e))?;
        }
        w.commit().map_err(|e| Error::tantivy(&self.dir, e))?;
        w.wait_merging_threads()
            .map_err(|e| Error::tantivy(&self.dir, e))?;
        self.reload()?;
        Ok(new.len())
    }

    /// The words holding at least `need` of `query_grams` (a query word's, as
    /// [`crate::analyze::grams`] gives them; one given twice counts twice), the most alike
    /// first (by Dice's coefficient of the two sets of trigrams), at most `limit`.
    pub(crate) fn similar(
        &self,
        query_grams: &[String],
        need: usize,
        limit: usize,
    ) -> Result<Vec<Similar>> {
        let need = need.max(1);
        let mut times: HashMap<&str, u32> = HashMap::new();
        for g in query_grams {
            *times.entry(g.as_str()).or_default() += 1;
        }
        let distinct = times.len() as f32;
        let searcher = self.reader.searcher();
        // (segment, doc, shared, dice)
        let mut found: Vec<(usize, u32, usize, f32)> = Vec::new();
        let mut buf = [0u32; tantivy::COLLECT_BLOCK_BUFFER_LEN];
        for (s, segment) in searcher.segment_readers().iter().enumerate() {
            let inverted = segment.inverted_index(self.gram).map_err(Error::Search)?;
            let mut counts: Vec<u32> = vec![0; segment.max_doc() as usize];
            let mut distinct_counts: Vec<u32> = vec![0; segment.max_doc() as usize];
            let mut touched: Vec<u32> = Vec::new();
            for (g, n) in &times {
                let t = Term::from_field_text(self.gram, g);
                let Some(mut postings) = inverted
                    .read_postings(&t, IndexRecordOption::Basic)
                    .map_err(|e| Error::io(&self.dir, e))?
                else {
                    continue;
                };
                loop {
                    let got = postings.fill_buffer(&mut buf);
                    for &d in &buf[..got] {
                        let c = &mut counts[d as usize];
                        if *c == 0 {
                            touched.push(d);
                        }
                        *c += *n;
                        distinct_counts[d as usize] += 1;
                    }
                    if got < buf.len() || postings.doc() == TERMINATED {
                        break;
                    }
                }
            }
            if touched.is_empty() {
                continue;
            }
            let lens = segment.fast_fields().u64("grams").map_err(Error::Search)?;
            let alive = segment.alive_bitset();
            for d in touched {
                if (counts[d as usize] as usize) < need {
                    continue;
                }
                if alive.is_some_and(|a| !a.is_alive(d)) {
                    continue;
                }
                let shared = distinct_counts[d as usize] as f32;
                let theirs = lens.first(d).unwrap_or(0) as f32;
                let dice = 2.0 * shared / (distinct + theirs).max(1.0);
                found.push((s, d, counts[d as usize] as usize, dice));
            }
        }
        found.sort_by(|a, b| b.3.total_cmp(&a.3).then(b.2.cmp(&a.2)));
        found.truncate(limit);
        let mut out = Vec::with_capacity(found.len());
        let mut columns: HashMap<usize, tantivy::columnar::StrColumn> = HashMap::new();
        let mut word = String::new();
        for (s, d, shared, dice) in found {
            let column = match columns.get(&s) {
                Some(c) => c,
                None => {
                    let Some(c) = searcher.segment_readers()[s]
                        .fast_fields()
                        .str("word")
                        .map_err(Error::Search)?
                    else {
                        continue;
                    };
                    columns.entry(s).or_insert(c)
                }
            };
            let Some(ord) = column.term_ords(d).next() else {
                continue;
            };
            word.clear();
            if column
                .ord_to_str(ord, &mut word)
                .map_err(|e| Error::io(&self.dir, e))?
            {
                out.push(Similar {
                    word: word.clone(),
                    shared,
                    dice,
                });
            }
        }
        Ok(out)
    }
}

/// The words of texts that belong in the vocabulary: as the `exact` field holds them,
/// without function words and words of under three letters (they have no trigrams).
pub(crate) fn words_of<'a>(texts: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for text in texts {
        for w in words(text) {
            if belongs(&w.lower, &w.folded) {
                out.insert(w.lower);
            }
        }
    }
    out
}

/// Whether a word (lowercased, and folded) belongs in the vocabulary: not a function word,
/// three letters or more, and no digit (trigrams of numbers match other numbers: `12345`
/// holds 60 % of `12346`'s; and a form's running numbers would make every save a new word).
pub(crate) fn belongs(lower: &str, folded: &str) -> bool {
    !is_stop(lower)
        && folded.chars().nth(2).is_some()
        && !folded.chars().any(|c| c.is_ascii_digit())
}
