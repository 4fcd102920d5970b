//! How good are the CAIMeR proposals? This example measures them on the hand-labelled set
//! `eval/caimer/labelled.jsonl` (see `eval/caimer/GUIDE.md`) and prints per-dimension
//! precision, recall and F1, and the macro-F1 (the mean of the five F1s):
//!
//! 1. cold start, the lexicons alone: on the whole set, on the held-out third and on the
//!    tuning two thirds;
//! 2. after learning from k = 20, 50 and 100 corrections: the set is shuffled with a fixed
//!    seed, the proposer learns the first k passages as decisions and is tested on all the
//!    others, never on what it learned; ten seeds, with the counts of all seeds pooled for
//!    the per-dimension figures and the macro-F1 averaged over the seeds;
//! 3. the same with the k passages learned from the tuning part and the test always on the
//!    held-out third;
//! 4. how long training from scratch on 3,000 decisions takes.
//!
//! The held-out third (the passages whose id hashes to 0 modulo 3 with FNV-1a) was fixed
//! before the lexicons and settings were written, and was not looked at while tuning them.
//! The tuning tools below only ever see the tuning part:
//!
//! ```text
//! cargo run --release -p kooste-caimer --example caimer_eval                 # the report
//! cargo run --release -p kooste-caimer --example caimer_eval -- --tuning     # tuning part only
//! cargo run --release -p kooste-caimer --example caimer_eval -- --errors [--dim=results]
//! cargo run --release -p kooste-caimer --example caimer_eval -- --grid       # the settings
//! cargo run --release -p kooste-caimer --example caimer_eval -- --words-only # no lexicon
//! ```

use kooste_caimer::{Lexicon, Proposer, Settings};
use kooste_core::model::{Decision, Dimension, Lang};
use serde::Deserialize;
use std::time::Instant;

/// One labelled passage; the file's `voice` is not used (labels follow the text alone).
#[derive(Deserialize)]
struct Row {
    id: String,
    lang: Lang,
    text: String,
    labels: Vec<Dimension>,
}

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

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// SplitMix64, so that the shuffles are the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

const SEEDS: u64 = 10;

fn decision(r: &Row) -> Decision {
    Decision {
        passage: r.id.clone(),
        text: r.text.clone(),
        lang: r.lang,
        labels: r.labels.clone(),
        who: "eval".into(),
        when: "2024-01-01T00:00:00Z".into(),
        note: None,
        withdrawn: false,
    }
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
        Rng(seed).shuffle(&mut order);
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

/// Lists the tuning passages whose proposal differs from the labels (in one dimension, with
/// `--dim=D`), with scores and reasons.
fn errors(cold: &Proposer, tuning: &[&Row], only: Option<Dimension>) {
    for r in tuning {
        let p = cold.propose(&r.text, r.lang, &[]);
        let differs = match only {
            Some(d) => p.labels.contains(&d) != r.labels.contains(&d),
            None => p.labels != r.labels,
        };
        if !differs {
            continue;
        }
        let names = |l: &[Dimension]| l.iter().map(|d| d.as_str()).collect::<Vec<_>>();
        let scores: Vec<String> = p
            .scores
            .iter()
            .map(|(d, s)| format!("{}={s:.2}", &d.as_str()[..3]))
            .collect();
        println!("\n{} [{}]", r.id, r.lang);
        println!("  truth {:?}", names(&r.labels));
        println!("  got   {:?}  {}", names(&p.labels), scores.join(" "));
        println!("  {}", r.text);
        for w in p.why() {
            println!("  why {w}");
        }
    }
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../eval/caimer/labelled.jsonl"
    );
    let text = std::fs::read_to_string(path)?;
    let rows: Vec<Row> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let all: Vec<&Row> = rows.iter().collect();
    let (held_out, tuning): (Vec<&Row>, Vec<&Row>) =
        all.iter().partition(|r| fnv(&r.id).is_multiple_of(3));
    let cold = Proposer::cold()?;

    if flag("--errors") {
        let only = args
            .iter()
            .find_map(|a| a.strip_prefix("--dim="))
            .map(str::parse)
            .transpose()?;
        errors(&cold, &tuning, only);
        return Ok(());
    }
    if flag("--grid") {
        return grid(&tuning);
    }
    if flag("--words-only") {
        // What learning alone can do: no cues, only stems and prefixes, within the tuning
        // part.
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
        println!("tuning part only: {} passages", tuning.len());
        table("cold start, tuning part", &test(&cold, &tuning), None);
        for k in [20, 50, 100] {
            let (c, m) = learning(&cold, &tuning, None, k, SEEDS);
            table(
                &format!("after learning {k} corrections, within the tuning part"),
                &c,
                Some(&m),
            );
        }
        return Ok(());
    }

    println!(
        "eval/caimer/labelled.jsonl: {} passages; held-out third {}, tuning part {}",
        all.len(),
        held_out.len(),
        tuning.len()
    );
    table("cold start, all passages", &test(&cold, &all), None);
    table(
        "cold start, held-out third (not looked at while tuning)",
        &test(&cold, &held_out),
        None,
    );
    table("cold start, tuning part", &test(&cold, &tuning), None);
    for k in [20, 50, 100] {
        let (c, m) = learning(&cold, &all, None, k, SEEDS);
        table(
            &format!(
                "after learning {k} corrections (random splits of all passages; tested on the other {})",
                all.len() - k
            ),
            &c,
            Some(&m),
        );
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
    // The baseline for the two tables above: the cold proposer on exactly the same test rows.
    let same_rows: Vec<String> = [20, 50, 100]
        .iter()
        .map(|k| {
            let m: Vec<f64> = (0..SEEDS)
                .map(|seed| {
                    let mut order = all.clone();
                    Rng(seed).shuffle(&mut order);
                    test(&cold, &order[*k..]).macro_f1()
                })
                .collect();
            format!("k={k} {:.3}", mean(&m))
        })
        .collect();
    println!(
        "\ncold start on the same test rows as the random splits: {}",
        same_rows.join(", ")
    );

    // Training time on a few thousand decisions: the set repeated under new ids.
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
        "training from scratch on {} decisions ({} distinct texts): {} ms",
        many.len(),
        all.len(),
        t.elapsed().as_millis(),
    );
    assert_eq!(p.model().examples(), many.len());
    Ok(())
}
