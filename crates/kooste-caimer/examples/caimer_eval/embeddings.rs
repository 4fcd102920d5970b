//! The meaning-model experiment (`EMB=FILE`): sentence embeddings beside the proposer.

use super::*;

/// Experiment (`EMB=FILE`): sentence embeddings of the passages (one JSON line per passage,
/// `{"id", "v"}`, from `eval/caimer/embed.py`), centred on the mean of the passages that
/// are not held out and normalised again.
pub(super) static EMB: std::sync::OnceLock<HashMap<String, Vec<f32>>> = std::sync::OnceLock::new();

use std::collections::HashMap;

pub(super) fn load_emb(
    path: &str,
    allowed: &std::collections::HashSet<&str>,
) -> HashMap<String, Vec<f32>> {
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

pub(super) fn env_f(k: &str, default: f32) -> f32 {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub(super) fn logit(s: f32) -> f32 {
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
pub(super) fn test_emb(base: &Proposer, p: &Proposer, d: &[Decision], rows: &[&Row]) -> Counts {
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
pub(super) fn emb_counts(
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
