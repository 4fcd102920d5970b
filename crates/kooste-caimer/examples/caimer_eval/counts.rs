//! Counting proposals against the labels, and the report's tables.

use super::*;

/// True positives, false positives and false negatives per dimension.
#[derive(Default, Clone, Copy)]
pub(super) struct Counts([[u32; 3]; 5]);

impl Counts {
    pub(super) fn add(&mut self, truth: &[Dimension], proposed: &[Dimension]) {
        for (i, d) in Dimension::ALL.iter().enumerate() {
            match (truth.contains(d), proposed.contains(d)) {
                (true, true) => self.0[i][0] += 1,
                (false, true) => self.0[i][1] += 1,
                (true, false) => self.0[i][2] += 1,
                (false, false) => {}
            }
        }
    }

    pub(super) fn merge(&mut self, o: &Counts) {
        for i in 0..5 {
            for j in 0..3 {
                self.0[i][j] += o.0[i][j];
            }
        }
    }

    pub(super) fn prf(&self, i: usize) -> (f64, f64, f64) {
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

    pub(super) fn macro_f1(&self) -> f64 {
        (0..5).map(|i| self.prf(i).2).sum::<f64>() / 5.0
    }
}

pub(super) fn decision(r: &Row) -> Decision {
    r.decision()
}

pub(super) fn test(p: &Proposer, rows: &[&Row]) -> Counts {
    let mut c = Counts::default();
    for r in rows {
        c.add(&r.labels, &p.propose(&r.text, r.lang, &[]).labels);
    }
    c
}

pub(super) fn table(title: &str, c: &Counts, seeds: Option<&[f64]>) {
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

pub(super) fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

pub(super) const STYLES: [&str; 6] = ["terse", "passive", "ocr", "report", "swedish", "prose"];

/// Per style: passages, macro-F1, the five F1s, and the share of passages whose gold
/// carries a dimension but that got no proposal.
pub(super) fn by_style(title: &str, p: &Proposer, rows: &[&Row]) -> f64 {
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

/// Lists passages whose proposal differs from the gold (in one dimension with `--dim=D`,
/// in one style with `--style=S`), proposed by a base model that did not see them.
pub(super) fn cross_errors(p: &Proposer, rows: &[&Row], only: Option<Dimension>) {
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
