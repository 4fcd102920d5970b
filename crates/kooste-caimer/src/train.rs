//! The learned part of the proposer: one logistic regression per dimension over the cue,
//! stem and prefix features of the decided passages. Each weight starts at its curated value
//! (a cue's weight for its dimension, zero for a word) and an L2 penalty pulls it back
//! there, so a few decisions adjust the lexicon instead of replacing it, and many decisions
//! can outweigh it.

use crate::propose::{DIMS, Proposer, Settings, dim_index};
use kooste_core::fingerprint::Fingerprint;
use kooste_core::model::Decision;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// The version of the model file; a file of another version is retrained.
pub const FORMAT: u32 = 3;

/// Learned weights: a bias per dimension and, for features seen in the decisions, one weight
/// per dimension. Features not in the model keep their curated weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub(crate) fingerprint: String,
    pub(crate) examples: usize,
    pub(crate) bias: [f32; 5],
    pub(crate) weights: HashMap<String, [f32; 5]>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    format: u32,
    fingerprint: String,
    examples: usize,
    bias: [f32; 5],
    weights: BTreeMap<String, [f32; 5]>,
}

impl Model {
    /// The model before any decision: the settings' biases, no learned weights.
    pub(crate) fn untrained(settings: &Settings) -> Model {
        Model {
            fingerprint: String::new(),
            examples: 0,
            bias: settings.bias,
            weights: HashMap::new(),
        }
    }

    /// The same biases without any learned weight: where a project's learning starts.
    pub(crate) fn without_weights(&self) -> Model {
        Model {
            fingerprint: String::new(),
            examples: 0,
            bias: self.bias,
            weights: HashMap::new(),
        }
    }

    /// The model with every weight rounded to three decimals (what the stored base model
    /// holds), dropping weights that round to their curated value.
    pub(crate) fn rounded(mut self) -> Model {
        let r = |x: f32| (x * 1000.0).round() / 1000.0;
        self.bias = self.bias.map(r);
        for w in self.weights.values_mut() {
            *w = w.map(r);
        }
        self.weights.retain(|_, w| w.iter().any(|x| *x != 0.0));
        self
    }

    /// The fingerprint of what it was trained on (see [`fingerprint`]); empty when untrained.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// How many features have a learned weight.
    pub fn weight_count(&self) -> usize {
        self.weights.len()
    }

    /// How many passages it was trained on.
    pub fn examples(&self) -> usize {
        self.examples
    }

    /// The learned weight of a feature, if it has one, in canonical dimension order.
    /// Features are `cue:LANG:GLOSS`, `w:STEM` and `p:PREFIX`.
    pub fn weight(&self, feature: &str) -> Option<[f32; 5]> {
        self.weights.get(feature).copied()
    }

    /// The model as JSON, with features sorted: the same model always gives the same bytes.
    pub fn to_json(&self) -> String {
        let stored = Stored {
            format: FORMAT,
            fingerprint: self.fingerprint.clone(),
            examples: self.examples,
            bias: self.bias,
            weights: self.weights.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        };
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// Reads a model written by [`Model::to_json`]; `None` when it is damaged or of another
    /// format.
    pub fn from_json(text: &str) -> Option<Model> {
        let s: Stored = serde_json::from_str(text).ok()?;
        let finite = |w: &[f32; 5]| w.iter().all(|x| x.is_finite());
        if s.format != FORMAT || !finite(&s.bias) || !s.weights.values().all(finite) {
            return None;
        }
        Some(Model {
            fingerprint: s.fingerprint,
            examples: s.examples,
            bias: s.bias,
            weights: s.weights.into_iter().collect(),
        })
    }
}

/// The decisions that count: the last one on each passage, sorted by passage id; a passage
/// whose last decision is a withdrawal has none.
pub fn effective(decisions: &[Decision]) -> Vec<&Decision> {
    let mut last: BTreeMap<&str, &Decision> = BTreeMap::new();
    for d in decisions {
        last.insert(d.passage.as_str(), d);
    }
    last.into_values().filter(|d| !d.withdrawn).collect()
}

/// The fingerprint of a training run: the model format, the lexicons, the settings and the
/// effective decisions (passage, language, text, labels). A stored model with another
/// fingerprint is stale.
pub fn fingerprint(proposer: &Proposer, decisions: &[Decision]) -> String {
    let mut f = Fingerprint::new();
    f.bytes(&FORMAT.to_le_bytes())
        .bytes(&proposer.lexicon().source_hash().to_le_bytes())
        .bytes(&serde_json::to_vec(proposer.settings()).unwrap_or_default())
        .bytes(proposer.base().fingerprint().as_bytes());
    for d in effective(decisions) {
        for part in [d.passage.as_str(), d.lang.as_str(), d.text.as_str()] {
            f.add(part);
        }
        for l in &d.labels {
            f.bytes(l.as_str().as_bytes()).bytes(&[1]);
        }
        f.bytes(&[2]);
    }
    f.hex()
}

/// Trains a model on the effective decisions, starting from `p`'s prior weights (its base
/// model, else the curated weights) and pulled back towards them with the L2 strengths
/// `[word, cue, bias]`; each decision counts `weight` times.
pub(crate) fn train(p: &Proposer, decisions: &[Decision], weight: f32, l2: [f32; 3]) -> Model {
    let weight = f64::from(weight);
    let examples = effective(decisions);
    // Feature 0 is the bias.
    let mut names: Vec<String> = vec![String::new()];
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut rows: Vec<Vec<u32>> = Vec::with_capacity(examples.len());
    for d in &examples {
        let f = p.features(&d.text, d.lang, &[]);
        let row = f
            .names
            .into_iter()
            .map(|n| {
                *ids.entry(n.clone()).or_insert_with(|| {
                    names.push(n);
                    (names.len() - 1) as u32
                })
            })
            .collect();
        rows.push(row);
    }
    let priors: Vec<[f32; 5]> = names.iter().map(|n| p.prior(n)).collect();
    let lambda: Vec<f64> = names
        .iter()
        .enumerate()
        .map(|(j, n)| {
            f64::from(if j == 0 {
                l2[2]
            } else if n.starts_with("cue:") || n.starts_with("hint:") || n.starts_with("form:") {
                l2[1]
            } else {
                l2[0]
            })
        })
        .collect();
    let mut learned: Vec<Vec<f64>> = Vec::with_capacity(5);
    for d in DIMS {
        let k = dim_index(d);
        let y: Vec<f64> = examples
            .iter()
            .map(|e| f64::from(u8::from(e.labels.contains(&d))))
            .collect();
        // A cue's weight for a dimension it does not speak for is learned like a word's.
        let lambda: Vec<f64> = lambda
            .iter()
            .zip(&priors)
            .zip(&names)
            .map(|((l, w), n)| {
                if n.starts_with("w:")
                    || n.starts_with("p:")
                    || n.starts_with("g:")
                    || n.is_empty()
                    || w[k] != 0.0
                {
                    *l
                } else {
                    f64::from(l2[0])
                }
            })
            .collect();
        let mut w0: Vec<f64> = priors.iter().map(|w| f64::from(w[k])).collect();
        w0[0] = f64::from(p.base().bias[k]);
        let objective = |w: &[f64], g: &mut [f64]| -> f64 {
            let mut fx = 0.0;
            for j in 0..w.len() {
                let diff = w[j] - w0[j];
                fx += 0.5 * lambda[j] * diff * diff;
                g[j] = lambda[j] * diff;
            }
            for (row, y) in rows.iter().zip(&y) {
                let z = w[0] + row.iter().map(|j| w[*j as usize]).sum::<f64>();
                fx += weight * (softplus(z) - y * z);
                let r = weight * (logistic(z) - y);
                g[0] += r;
                for j in row {
                    g[*j as usize] += r;
                }
            }
            fx
        };
        learned.push(lbfgs(w0.clone(), objective));
    }
    let mut weights = HashMap::new();
    for (j, name) in names.iter().enumerate().skip(1) {
        let w: [f32; 5] = std::array::from_fn(|k| learned[k][j] as f32);
        if w.iter().zip(&priors[j]).any(|(a, b)| (a - b).abs() > 1e-6) {
            weights.insert(name.clone(), w);
        }
    }
    Model {
        fingerprint: fingerprint(p, decisions),
        examples: examples.len(),
        bias: std::array::from_fn(|k| learned[k][0] as f32),
        weights,
    }
}

fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// `ln(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimises a smooth convex function with L-BFGS and a backtracking line search.
/// `fg(x, g)` returns the value at `x` and writes the gradient into `g`.
fn lbfgs(mut x: Vec<f64>, fg: impl Fn(&[f64], &mut [f64]) -> f64) -> Vec<f64> {
    const MEMORY: usize = 7;
    const MAX_ITER: usize = 200;
    let n = x.len();
    let mut g = vec![0.0; n];
    let mut fx = fg(&x, &mut g);
    let mut hist: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    let mut xn = vec![0.0; n];
    let mut gn = vec![0.0; n];
    for _ in 0..MAX_ITER {
        let gmax = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if gmax < 1e-6 {
            break;
        }
        // Two-loop recursion: d = -H g.
        let mut q = g.clone();
        let mut alpha = vec![0.0; hist.len()];
        for (i, (s, y, rho)) in hist.iter().enumerate().rev() {
            alpha[i] = rho * dot(s, &q);
            for (qj, yj) in q.iter_mut().zip(y) {
                *qj -= alpha[i] * yj;
            }
        }
        let gamma = match hist.back() {
            Some((s, y, _)) => dot(s, y) / dot(y, y),
            None => 1.0 / gmax.max(1.0),
        };
        for qj in &mut q {
            *qj *= gamma;
        }
        for (i, (s, y, rho)) in hist.iter().enumerate() {
            let beta = rho * dot(y, &q);
            for (qj, sj) in q.iter_mut().zip(s) {
                *qj += (alpha[i] - beta) * sj;
            }
        }
        let mut d: Vec<f64> = q.iter().map(|v| -v).collect();
        let mut gd = dot(&g, &d);
        if gd >= 0.0 {
            hist.clear();
            d = g.iter().map(|v| -v / gmax.max(1.0)).collect();
            gd = dot(&g, &d);
        }
        let mut t = 1.0;
        let fnew = loop {
            for j in 0..n {
                xn[j] = x[j] + t * d[j];
            }
            let f = fg(&xn, &mut gn);
            if f <= fx + 1e-4 * t * gd {
                break Some(f);
            }
            t *= 0.5;
            if t < 1e-12 {
                break None;
            }
        };
        let Some(fnew) = fnew else {
            break;
        };
        let s: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 {
            hist.push_back((s, y, 1.0 / sy));
            if hist.len() > MEMORY {
                hist.pop_front();
            }
        }
        let done = (fx - fnew).abs() <= 1e-10 * fx.abs().max(1.0);
        std::mem::swap(&mut x, &mut xn);
        std::mem::swap(&mut g, &mut gn);
        fx = fnew;
        if done {
            break;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lbfgs_finds_the_minimum_of_a_quadratic() {
        let x = lbfgs(vec![0.0, 0.0], |x, g| {
            g[0] = 2.0 * (x[0] - 3.0);
            g[1] = 4.0 * (x[1] + 1.0);
            (x[0] - 3.0).powi(2) + 2.0 * (x[1] + 1.0).powi(2)
        });
        assert!(
            (x[0] - 3.0).abs() < 1e-5 && (x[1] + 1.0).abs() < 1e-5,
            "{x:?}"
        );
    }

    #[test]
    fn softplus_is_stable() {
        assert!((softplus(0.0) - 2f64.ln()).abs() < 1e-12);
        assert!((softplus(800.0) - 800.0).abs() < 1e-9);
        assert!(softplus(-800.0) >= 0.0);
    }
}
