//! The peers of `bench/run`: the same passage texts indexed and searched by SQLite FTS5 and
//! by raw tantivy with its default tokenizer, and kooste's own search timed in-process
//! beside FTS5's on the same queries.
//!
//! ```text
//! bench_peers export PROJECT OUT.jsonl          # every passage of the project's index
//! bench_peers fts5-build OUT.jsonl DB           # one FTS5 table (unicode61) on disk
//! bench_peers tantivy-build OUT.jsonl DIR       # one TEXT field, default tokenizer
//! bench_peers search PROJECT DB QUERIES ROUNDS  # latencies of kooste and FTS5
//! bench_peers kooste-build PROJECT              # kooste's full build without CAIMeR proposals
//! ```
//!
//! `kooste-build` is `kooste index --rebuild` (reading, validation, redaction, analysis,
//! indexing) with every passage's labels left empty: beside the command's own figure it
//! shows what the CAIMeR proposer costs. It leaves an index without proposals, which the
//! next `kooste index` reads again from scratch (its inputs differ).
//!
//! Every command prints one JSON object on stdout. The passages are exported from kooste's
//! index after ingestion, so the peers see exactly the redacted texts kooste indexed.
//! QUERIES has one query a line: `KIND<TAB>QUERY[<TAB>voice=V][<TAB>workshop=W]`.

use anyhow::{Context, Result, bail};
use kooste_index::query::ParsedQuery;
use kooste_index::{Filters, SearchIndex, SearchRequest};
use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Instant;

/// The allocator the kooste binary uses, so that kooste's in-process build and raw tantivy
/// are timed as the command runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    // As the kooste binary runs (its `small_pages`): without transparent huge pages.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    match a.as_slice() {
        ["export", project, out] => export(Path::new(project), Path::new(out)),
        ["fts5-build", input, db] => fts5_build(Path::new(input), Path::new(db)),
        ["tantivy-build", input, dir] => tantivy_build(Path::new(input), Path::new(dir)),
        ["search", project, db, queries, rounds] => search(
            Path::new(project),
            Path::new(db),
            Path::new(queries),
            rounds.parse().context("ROUNDS is a number")?,
        ),
        ["kooste-build", project] => kooste_build(Path::new(project)),
        _ => bail!("usage: see the comment at the top of bench_peers.rs"),
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Passage {
    id: String,
    text: String,
    voice: String,
    workshop: String,
}

fn export(project: &Path, out: &Path) -> Result<()> {
    let ix = SearchIndex::open(&project.join(".kooste"), false)?;
    let records = ix.records(&Filters::default())?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    for r in &records {
        let p = Passage {
            id: r.passage.clone(),
            text: r.text.clone(),
            voice: r.voice.to_string(),
            workshop: r.workshop.clone().unwrap_or_default(),
        };
        serde_json::to_writer(&mut w, &p)?;
        w.write_all(b"\n")?;
    }
    w.flush()?;
    println!("{}", serde_json::json!({ "passages": records.len() }));
    Ok(())
}

fn kooste_build(project: &Path) -> Result<()> {
    let project = kooste_core::Project::load(project)?;
    let start = Instant::now();
    let (_, report, problems) =
        kooste_index::update(&project, true, "bench: no proposals", |_, _| {
            kooste_index::Labels::default()
        })?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({ "system": "kooste-no-proposals", "passages": report.passages, "problems": problems.len(), "seconds": secs })
    );
    Ok(())
}

fn read_passages(input: &Path) -> Result<Vec<Passage>> {
    let f = std::io::BufReader::new(std::fs::File::open(input)?);
    f.lines().map(|l| Ok(serde_json::from_str(&l?)?)).collect()
}

fn fts5_build(input: &Path, db: &Path) -> Result<()> {
    let passages = read_passages(input)?;
    let _ = std::fs::remove_file(db);
    let start = Instant::now();
    let mut conn = rusqlite::Connection::open(db)?;
    conn.execute_batch(
        "CREATE VIRTUAL TABLE p USING fts5(id UNINDEXED, voice UNINDEXED, workshop UNINDEXED, body)",
    )?;
    let tx = conn.transaction()?;
    {
        let mut insert =
            tx.prepare("INSERT INTO p (id, voice, workshop, body) VALUES (?1, ?2, ?3, ?4)")?;
        for p in &passages {
            insert.execute((&p.id, &p.voice, &p.workshop, &p.text))?;
        }
    }
    tx.commit()?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({ "system": "fts5", "passages": passages.len(), "seconds": secs })
    );
    Ok(())
}

fn tantivy_build(input: &Path, dir: &Path) -> Result<()> {
    use tantivy::schema::{STORED, STRING, Schema, TEXT};
    let passages = read_passages(input)?;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    let start = Instant::now();
    let mut schema = Schema::builder();
    let id = schema.add_text_field("id", STRING | STORED);
    let body = schema.add_text_field("body", TEXT | STORED);
    let index = tantivy::Index::create_in_dir(dir, schema.build())?;
    // The same memory budget as kooste's writer.
    let mut w: tantivy::IndexWriter = index.writer(50_000_000)?;
    for p in &passages {
        w.add_document(tantivy::doc!(id => p.id.as_str(), body => p.text.as_str()))?;
    }
    w.commit()?;
    w.wait_merging_threads()?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({ "system": "tantivy", "passages": passages.len(), "seconds": secs })
    );
    Ok(())
}

struct Query {
    kind: String,
    text: String,
    voice: Option<String>,
    workshop: Option<String>,
}

fn read_queries(path: &Path) -> Result<Vec<Query>> {
    let text = std::fs::read_to_string(path)?;
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let mut f = line.split('\t');
        let kind = f.next().unwrap_or_default().to_string();
        let text = f.next().unwrap_or_default().to_string();
        let mut q = Query {
            kind,
            text,
            voice: None,
            workshop: None,
        };
        for extra in f {
            match extra.split_once('=') {
                Some(("voice", v)) => q.voice = Some(v.to_string()),
                Some(("workshop", w)) => q.workshop = Some(w.to_string()),
                _ => bail!("{}: unknown filter {extra}", path.display()),
            }
        }
        out.push(q);
    }
    Ok(out)
}

/// The p-th percentile (0..=100) of sorted values, nearest rank.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn search(project: &Path, db: &Path, queries: &Path, rounds: usize) -> Result<()> {
    let queries = read_queries(queries)?;
    let ix = SearchIndex::open(&project.join(".kooste"), false)?;
    let conn = rusqlite::Connection::open(db)?;
    let mut kooste_ms = Vec::new();
    let mut fts_ms = Vec::new();
    let mut per_kind: std::collections::BTreeMap<String, (Vec<f64>, Vec<f64>)> = Default::default();
    let mut hits = (0usize, 0usize);
    for round in 0..=rounds {
        for q in &queries {
            let req = SearchRequest {
                query: q.text.clone(),
                filters: Filters {
                    voice: q
                        .voice
                        .as_deref()
                        .map(str::parse)
                        .transpose()
                        .ok()
                        .flatten(),
                    workshop: q.workshop.clone(),
                    ..Filters::default()
                },
                limit: 10,
            };
            let t = Instant::now();
            let r = ix.search(&req)?;
            let k = t.elapsed().as_secs_f64() * 1000.0;
            let t = Instant::now();
            let n = fts5_top10(&conn, q)?;
            let f = t.elapsed().as_secs_f64() * 1000.0;
            // Round 0 warms the caches and is not counted.
            if round > 0 {
                kooste_ms.push(k);
                fts_ms.push(f);
                let e = per_kind.entry(q.kind.clone()).or_default();
                e.0.push(k);
                e.1.push(f);
                hits.0 += r.hits.len();
                hits.1 += n;
            }
        }
    }
    let sort = |v: &mut Vec<f64>| v.sort_by(f64::total_cmp);
    sort(&mut kooste_ms);
    sort(&mut fts_ms);
    let kinds: serde_json::Map<String, serde_json::Value> = per_kind
        .into_iter()
        .map(|(kind, (mut k, mut f))| {
            sort(&mut k);
            sort(&mut f);
            (
                kind,
                serde_json::json!({ "kooste_p50": percentile(&k, 50.0), "fts5_p50": percentile(&f, 50.0) }),
            )
        })
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "queries": queries.len(),
            "rounds": rounds,
            "kooste": { "p50_ms": percentile(&kooste_ms, 50.0), "p99_ms": percentile(&kooste_ms, 99.0), "hits": hits.0 },
            "fts5": { "p50_ms": percentile(&fts_ms, 50.0), "p99_ms": percentile(&fts_ms, 99.0), "hits": hits.1 },
            "kinds": kinds,
        })
    );
    Ok(())
}

/// FTS5 as search_eval uses it: the query's words and phrases OR'ed, BM25 order, top ten,
/// with the same filters as kooste.
fn fts5_top10(conn: &rusqlite::Connection, q: &Query) -> Result<usize> {
    let parsed = ParsedQuery::parse(&q.text);
    let mut parts: Vec<String> = parsed.words.iter().map(|w| w.lower.clone()).collect();
    parts.extend(parsed.phrases.iter().map(|p| {
        p.iter()
            .map(|w| w.lower.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }));
    let expr: Vec<String> = parts
        .iter()
        .map(|p| format!("\"{}\"", p.replace('"', "")))
        .collect();
    if expr.is_empty() {
        return Ok(0);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM p WHERE p MATCH ?1 AND (?2 IS NULL OR voice = ?2) \
         AND (?3 IS NULL OR workshop = ?3) ORDER BY rank LIMIT 10",
    )?;
    let ids: Vec<String> = stmt
        .query_map((expr.join(" OR "), &q.voice, &q.workshop), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids.len())
}
