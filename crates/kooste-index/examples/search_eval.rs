//! Search-quality evaluation: MRR@10, Success@1 and Success@10 of kooste's search and of
//! three baselines on the same passages, for the example corpus and its OCR-damaged copy.
//!
//! `cargo run --release -p kooste-index --example search_eval -- [EVAL_DIR] [--ablate]`
//!
//! EVAL_DIR (default `eval/search`) holds `queries.toml` (see its README) and `noisy/`, a
//! project with the OCR-damaged corpus; the clean corpus is the project in the current
//! directory. Baselines:
//! - `fts5`: SQLite FTS5 with its default `unicode61` tokenizer, query words OR'ed,
//!   quoted phrases as FTS5 phrases, ranked by bm25;
//! - `stem`: BM25 over Snowball stems (Finnish or Swedish by the passage's language),
//!   no diacritic folding, words OR'ed, quoted phrases required;
//! - `trigram`: BM25 over character trigrams of the lowercased text, OR'ed.
//!
//! `--ablate` adds kooste with each kind of match switched off in turn; `--worse` lists
//! the queries where kooste ranks the first relevant passage below a baseline; `--ranks`
//! lists, for every query, the rank kooste gives its first relevant passage (to compare two
//! versions line by line).

use anyhow::{Context, Result};
use kooste_core::model::Lang;
use kooste_core::project::Project;
use kooste_index::query::ParsedQuery;
use kooste_index::{Labels, PassageRecord, SearchIndex, SearchRequest, Weights, records};
use kooste_ingest::{Corpus, Redactor};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{Index, TantivyDocument, Term};

#[derive(Deserialize)]
struct Queries {
    query: Vec<EvalQuery>,
}

#[derive(Deserialize)]
struct EvalQuery {
    q: String,
    kind: String,
    relevant: Vec<String>,
}

/// A search system under evaluation: the passage ids of its top 10, best first.
trait System {
    fn top10(&self, q: &str) -> Result<Vec<String>>;
}

fn read_corpus(dir: &Path) -> Result<Vec<PassageRecord>> {
    let project = Project::load(dir).with_context(|| dir.display().to_string())?;
    let redactor = Redactor::new(&project.participants()?);
    let (corpus, _) = Corpus::open(&project)?;
    let (docs, problems) = corpus.read_all(&project, &redactor);
    anyhow::ensure!(problems.is_empty(), "{}: {:?}", dir.display(), problems);
    Ok(docs
        .iter()
        .flat_map(|r| records(&project, &r.document, |_| Labels::default()))
        .collect())
}

struct Kooste {
    ix: SearchIndex,
    weights: Weights,
    _dir: tempfile::TempDir,
}

impl Kooste {
    fn new(passages: &[PassageRecord], weights: Weights) -> Result<Kooste> {
        let dir = tempfile::tempdir()?;
        let mut ix = SearchIndex::open(dir.path(), false)?;
        let mut by_doc: BTreeMap<String, Vec<PassageRecord>> = BTreeMap::new();
        for p in passages {
            by_doc.entry(p.doc.clone()).or_default().push(p.clone());
        }
        ix.sync(&by_doc, &Default::default(), true)?;
        Ok(Kooste {
            ix,
            weights,
            _dir: dir,
        })
    }
}

impl System for Kooste {
    fn top10(&self, q: &str) -> Result<Vec<String>> {
        let req = SearchRequest {
            query: q.to_string(),
            filters: Default::default(),
            limit: 10,
        };
        let r = self.ix.search_with(&req, &self.weights)?;
        Ok(r.hits.into_iter().map(|h| h.record.passage).collect())
    }
}

struct Fts5(rusqlite::Connection);

impl Fts5 {
    fn new(passages: &[PassageRecord]) -> Result<Fts5> {
        let db = rusqlite::Connection::open_in_memory()?;
        db.execute_batch("CREATE VIRTUAL TABLE p USING fts5(id UNINDEXED, body)")?;
        {
            let mut insert = db.prepare("INSERT INTO p (id, body) VALUES (?1, ?2)")?;
            for p in passages {
                insert.execute((&p.passage, &p.text))?;
            }
        }
        Ok(Fts5(db))
    }
}

/// The query's words and phrases, each as a list of lowercased words.
fn parts(q: &str) -> Vec<Vec<String>> {
    let parsed = ParsedQuery::parse(q);
    let mut out: Vec<Vec<String>> = parsed.words.iter().map(|w| vec![w.lower.clone()]).collect();
    out.extend(
        parsed
            .phrases
            .iter()
            .map(|p| p.iter().map(|w| w.lower.clone()).collect()),
    );
    out
}

impl System for Fts5 {
    fn top10(&self, q: &str) -> Result<Vec<String>> {
        let expr: Vec<String> = parts(q)
            .iter()
            .map(|p| format!("\"{}\"", p.join(" ").replace('"', "")))
            .collect();
        if expr.is_empty() {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .0
            .prepare("SELECT id FROM p WHERE p MATCH ?1 ORDER BY rank LIMIT 10")?;
        let ids = stmt
            .query_map([expr.join(" OR ")], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }
}

/// A one-field tantivy BM25 index over tokens made by `tokens`.
struct Plain {
    index: Index,
    id: Field,
    body: Field,
    tokens: fn(&str, Lang) -> Vec<String>,
    phrases: bool,
}

fn as_tokens(words: Vec<String>) -> Vec<Token> {
    words
        .into_iter()
        .enumerate()
        .map(|(i, text)| Token {
            offset_from: 0,
            offset_to: 0,
            position: i,
            text,
            position_length: 1,
        })
        .collect()
}

impl Plain {
    fn new(
        passages: &[PassageRecord],
        tokens: fn(&str, Lang) -> Vec<String>,
        phrases: bool,
    ) -> Result<Plain> {
        let mut b = Schema::builder();
        let id = b.add_text_field("id", STRING | STORED);
        let body = b.add_text_field(
            "body",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        );
        let index = Index::create_in_ram(b.build());
        let mut w = index.writer(50_000_000)?;
        for p in passages {
            let mut d = TantivyDocument::default();
            d.add_text(id, &p.passage);
            d.add_pre_tokenized_text(
                body,
                PreTokenizedString {
                    text: String::new(),
                    tokens: as_tokens(tokens(&p.text, p.lang)),
                },
            );
            w.add_document(d)?;
        }
        w.commit()?;
        Ok(Plain {
            index,
            id,
            body,
            tokens,
            phrases,
        })
    }
}

impl System for Plain {
    fn top10(&self, q: &str) -> Result<Vec<String>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for part in parts(q) {
            for lang in [Lang::Fi, Lang::Sv] {
                let terms: Vec<Term> = (self.tokens)(&part.join(" "), lang)
                    .into_iter()
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .map(|t| Term::from_field_text(self.body, &t))
                    .collect();
                if part.len() > 1 && self.phrases {
                    if terms.len() > 1 {
                        let ordered: Vec<Term> = (self.tokens)(&part.join(" "), lang)
                            .iter()
                            .map(|t| Term::from_field_text(self.body, t))
                            .collect();
                        clauses.push((Occur::Should, Box::new(PhraseQuery::new(ordered))));
                    }
                } else {
                    for t in terms {
                        clauses.push((
                            Occur::Should,
                            Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)),
                        ));
                    }
                }
            }
        }
        let searcher = self.index.reader()?.searcher();
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(10).order_by_score(),
        )?;
        top.into_iter()
            .map(|(_, a)| {
                let d: TantivyDocument = searcher.doc(a)?;
                Ok(d.get_first(self.id)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string())
            })
            .collect()
    }
}

fn stem_tokens(text: &str, lang: Lang) -> Vec<String> {
    let algorithm = match lang {
        Lang::Fi => frostem::Algorithm::Finnish,
        Lang::Sv => frostem::Algorithm::Swedish,
    };
    let stemmer = frostem::Stemmer::new(algorithm);
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| stemmer.stem(&w.to_lowercase()).into_owned())
        .collect()
}

fn trigram_tokens(text: &str, _: Lang) -> Vec<String> {
    let chars: Vec<char> = text.to_lowercase().chars().collect();
    chars.windows(3).map(|w| w.iter().collect()).collect()
}

#[derive(Default, Clone, Copy)]
struct Score {
    rr: f64,
    s1: f64,
    s10: f64,
    n: usize,
}

impl Score {
    fn add(&mut self, top: &[String], relevant: &[String]) {
        let rank = top.iter().position(|id| relevant.contains(id));
        self.n += 1;
        if let Some(r) = rank {
            self.rr += 1.0 / (r as f64 + 1.0);
            self.s10 += 1.0;
            if r == 0 {
                self.s1 += 1.0;
            }
        }
    }
    fn mrr(&self) -> f64 {
        self.rr / self.n.max(1) as f64
    }
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut dir = PathBuf::from("eval/search");
    let mut ablate = false;
    let mut worse = false;
    let mut ranks = false;
    for a in args.by_ref() {
        match a.as_str() {
            "--ablate" => ablate = true,
            "--worse" => worse = true,
            "--ranks" => ranks = true,
            other => dir = PathBuf::from(other),
        }
    }
    let text = std::fs::read_to_string(dir.join("queries.toml"))?;
    let queries: Queries = toml::from_str(&text)?;
    let mut kinds: Vec<String> = queries.query.iter().map(|q| q.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    println!(
        "{} queries ({}); MRR@10, Success@1, Success@10\n",
        queries.query.len(),
        kinds
            .iter()
            .map(|k| format!(
                "{k} {}",
                queries.query.iter().filter(|q| &q.kind == k).count()
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut variants: Vec<(String, Weights)> = vec![("kooste".into(), Weights::default())];
    if ablate {
        let d = Weights::default();
        for (name, w) in [
            ("-exact", Weights { exact: 0.0, ..d }),
            ("-trunc", Weights { trunc: 0.0, ..d }),
            ("-head", Weights { head: 0.0, ..d }),
            ("-modifier", Weights { modifier: 0.0, ..d }),
            ("-fuzzy", Weights { fuzzy: 0.0, ..d }),
            ("-gram", Weights { gram: 0.0, ..d }),
            ("-context", Weights { context: 0.0, ..d }),
            (
                "-proximity",
                Weights {
                    proximity: 0.0,
                    ..d
                },
            ),
        ] {
            variants.push((format!("kooste {name}"), w));
        }
    }
    for (corpus, path) in [
        ("example", PathBuf::from(".")),
        ("noisy", dir.join("noisy")),
    ] {
        let passages = read_corpus(&path)?;
        let mut systems: Vec<(String, Box<dyn System>)> = Vec::new();
        for (name, w) in &variants {
            systems.push((name.clone(), Box::new(Kooste::new(&passages, *w)?)));
        }
        systems.push(("fts5 (unicode61)".into(), Box::new(Fts5::new(&passages)?)));
        systems.push((
            "stemmed bm25".into(),
            Box::new(Plain::new(&passages, stem_tokens, true)?),
        ));
        systems.push((
            "trigram bm25".into(),
            Box::new(Plain::new(&passages, trigram_tokens, false)?),
        ));
        println!("corpus: {corpus} ({} passages)", passages.len());
        println!(
            "  {:<22} {:>7} {:>6} {:>6}   MRR@10 by kind: {}",
            "system",
            "MRR@10",
            "S@1",
            "S@10",
            kinds.join(" / ")
        );
        for (name, sys) in &systems {
            let mut all = Score::default();
            let mut by_kind: BTreeMap<&str, Score> = BTreeMap::new();
            for q in &queries.query {
                let top = sys.top10(&q.q)?;
                all.add(&top, &q.relevant);
                by_kind.entry(&q.kind).or_default().add(&top, &q.relevant);
            }
            let n = all.n as f64;
            println!(
                "  {:<22} {:>7.3} {:>6.3} {:>6.3}   {}",
                name,
                all.mrr(),
                all.s1 / n,
                all.s10 / n,
                by_kind
                    .values()
                    .map(|s| format!("{:.2}", s.mrr()))
                    .collect::<Vec<_>>()
                    .join(" / ")
            );
        }
        if ranks {
            for q in &queries.query {
                let top = systems[0].1.top10(&q.q)?;
                let rank = top.iter().position(|id| q.relevant.contains(id));
                println!(
                    "    rank {corpus} [{}] {:?}: {}",
                    q.kind,
                    q.q,
                    rank.map_or("-".to_string(), |r| (r + 1).to_string())
                );
            }
        }
        if worse {
            // The queries where kooste ranks worse than a baseline, to learn from.
            let rank = |sys: &dyn System, q: &EvalQuery| -> Result<Option<usize>> {
                Ok(sys
                    .top10(&q.q)?
                    .iter()
                    .position(|id| q.relevant.contains(id)))
            };
            let kooste = &systems[0].1;
            for q in &queries.query {
                let k = rank(kooste.as_ref(), q)?;
                for (name, sys) in &systems[variants.len()..] {
                    let b = rank(sys.as_ref(), q)?;
                    if b.is_some() && (k.is_none() || k > b) {
                        println!(
                            "    worse than {name}: {:?} [{}] kooste {:?}, {name} {:?}",
                            q.q, q.kind, k, b
                        );
                    }
                }
            }
        }
        println!();
    }
    Ok(())
}
