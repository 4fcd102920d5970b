//! Learning from decisions: curves, cross-validation within the tune part, the experiments
//! of issue 19's third round, and issue 8's grid.

use super::*;

/// Learns k passages of `pool` (shuffled per seed) and tests on `test_rows`, or on the rest
/// of the pool when `test_rows` is `None`. Returns the pooled counts and each seed's
/// macro-F1.
pub(super) fn learning(
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

/// The settings grid the defaults were chosen from, on the tuning part only: per-dimension
/// biases at threshold 0.5 first, then threshold and regularisation for learning.
pub(super) fn grid(tuning: &[&Row]) -> Result<(), Box<dyn std::error::Error>> {
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

thread_local! {
    /// Experiment: the base's own training set, for learning by rehearsal.
    pub(super) static REHEARSAL: std::cell::RefCell<Option<(Proposer, Vec<Decision>)>> =
        const { std::cell::RefCell::new(None) };
}

/// A project's proposer after `d`: `base.trained(d)`, or (experiment, `REHEARSE=1`) the
/// base retrained with the decisions added at the decision weight.
pub(super) fn learn(base: &Proposer, d: &[Decision]) -> Proposer {
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
pub(super) fn calibrated(base: &Proposer, p: Proposer, d: &[Decision], n0: f64) -> Proposer {
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

/// How a project picks the passages it decides.
#[derive(Clone, Copy)]
pub(super) enum Order {
    /// A random order (seeded).
    Random(u64),
    /// The most uncertain proposal first (`Proposal::margin`), re-ranked after every ten
    /// decisions.
    Uncertain,
}

/// A learning curve: decisions on passages of `pool` picked in `order`, macro-F1 on `test`
/// (never learned) after each k of `ks`.
pub(super) fn curve(
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
pub(super) fn curves(
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
pub(super) fn learning_gain<'a>(
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

pub(super) fn halves<'a>(rows: &[&'a Row]) -> (Vec<&'a Row>, Vec<&'a Row>) {
    rows.iter()
        .copied()
        .partition(|r| evalset::fnv(&format!("half:{}", r.id)).is_multiple_of(2))
}

/// Experiment (`REHEARSE=1`): the base's own training set, the shipped passages and
/// `tune`, is rehearsed with a project's decisions (see [`REHEARSAL`]).
pub(super) fn rehearse_with(plain: &Proposer, shipped: &[&Row], tune: &[&Row]) {
    if std::env::var("REHEARSE").is_ok() {
        let d: Vec<Decision> = shipped.iter().chain(tune).map(|r| decision(r)).collect();
        REHEARSAL.with(|r| *r.borrow_mut() = Some((plain.clone(), d)));
    }
}

pub(super) fn base_from(plain: &Proposer, shipped: &[&Row], tune: &[&Row]) -> Proposer {
    let d: Vec<Decision> = shipped.iter().chain(tune).map(|r| decision(r)).collect();
    plain.with_base(plain.train_base(&d))
}

/// The cross-validation fold (of three) a row of the tune part falls in.
pub(super) fn fold_of(r: &Row) -> u64 {
    evalset::fnv(&format!("cv:{}", r.id)) % 3
}

/// The rows of `tune` whose fold `keep` accepts.
pub(super) fn in_folds<'a>(tune: &[&'a Row], keep: impl Fn(u64) -> bool) -> Vec<&'a Row> {
    tune.iter().copied().filter(|r| keep(fold_of(r))).collect()
}

/// The tuning proxy for the held-out learning curve, on the tune part only: three folds;
/// per fold a base from the shipped tuning part and the two other folds, and the fold split
/// in halves within each style (the decided pool, the test half), as the held-out part is.
/// Prints the curves (random order, 3 seeds; uncertainty order) per fold and their mean,
/// and how much a base gains from a third more of the same material (trained on one fold
/// instead of two): what more passages of the same kind can teach.
pub(super) fn learn_cv(plain: &Proposer, shipped_tuning: &[&Row], real_tune: &[Row]) {
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
pub(super) fn learn_style(
    plain: &Proposer,
    shipped_tuning: &[&Row],
    real_tune: &[Row],
) -> [f64; 3] {
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
pub(super) fn new_style_curves(
    plain: &Proposer,
    shipped_tuning: &[&Row],
    real_tune: &[Row],
    held: &[&Row],
) {
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

/// `--tuning`: settings to try, from the environment, measured on the tune part only (see
/// the example's header): three-fold cross-validation within the tune part (`--cv` stops
/// there), then `--learn-style`, `--learn-cv`, or the cross-writer figures and learning
/// curves (without them when `--fast`).
pub(super) fn tuning_report(
    flag: &dyn Fn(&str) -> bool,
    tuning: &[&Row],
    real_tune: &[Row],
) -> Result<(), Box<dyn std::error::Error>> {
    let tune_of = |w: &str| {
        real_tune
            .iter()
            .filter(|r| r.writer == w)
            .collect::<Vec<&Row>>()
    };
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
            bases.push(base_from(&plain, tuning, &in_folds(&tune, |f| f != fold)));
            for r in in_folds(&tune, |f| f == fold) {
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
        learn_style(&plain, tuning, real_tune);
        return Ok(());
    }
    if flag("--learn-cv") {
        learn_cv(&plain, tuning, real_tune);
        return Ok(());
    }
    let mut sum = 0.0;
    for (train_w, test_w) in [("A", "B"), ("B", "A")] {
        let p = base_from(&plain, tuning, &tune_of(train_w));
        let rows = tune_of(test_w);
        sum += by_style(
            &format!("tune part: base from shipped + writer {train_w}, tested on writer {test_w}"),
            &p,
            &rows,
        );
        by_style("  the lexicons alone, same rows", &plain, &rows);
        rehearse_with(&plain, tuning, &tune_of(train_w));
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
    Ok(())
}
