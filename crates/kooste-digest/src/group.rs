//! Grouping passages into findings: similar passages together, with a heading made of the
//! key terms they share.
//!
//! A passage is reduced to its content terms: the words of `kooste_text::analyze` that are
//! not function words, folded (ä→a) and stemmed by Snowball in the passage's language, so
//! that `kotikäynnit` and `kotikäynneistä` meet. Terms are weighted by how rare they are in
//! the round (inverse document frequency), so that words every passage uses (`asiakas`,
//! `sosiaalityö`) count for little. Two passages are as similar as the weight of the terms
//! they share is of the weight of all their terms (weighted Jaccard). Grouping is
//! agglomerative with average linkage: the two most similar groups are merged until no two
//! groups are similar enough. Ties go to the earlier passages, so the result depends only on
//! the input.

use kooste_core::model::Lang;
use kooste_text::analyze::{fold, is_stop, stem, words};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

/// How similar two groups must be, on average over their passages, to be merged.
pub const THRESHOLD: f64 = 0.07;

/// How many specific terms (used by at most an eighth of the round's passages, or three)
/// two passages must share to count as similar at all: one shared word is chance.
pub const MIN_SHARED: usize = 2;

/// How many terms a heading has at most.
pub const HEADING_TERMS: usize = 3;

/// Function words the index keeps (it wants them for phrases) but grouping does not.
const EXTRA_STOP: &str = include_str!("stop_words.txt");

fn is_function_word(lower: &str) -> bool {
    static EXTRA: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let extra = EXTRA.get_or_init(|| {
        EXTRA_STOP
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect()
    });
    is_stop(lower) || extra.contains(lower)
}

/// The content terms of a text: (stem, the word as written, lowercased). Placeholders left
/// by redaction (`[puhelin]`, `[namn]`) are not terms.
pub fn terms(text: &str, lang: Lang) -> Vec<(String, String)> {
    let mut plain = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '[' => depth += 1,
            ']' if depth > 0 => depth -= 1,
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
        if matches!(c, '[' | ']') {
            plain.push(' ');
        }
    }
    words(&plain)
        .into_iter()
        .filter(|w| !w.joined && !is_function_word(&w.lower))
        .filter(|w| w.folded.chars().count() >= 3 && !w.folded.chars().any(|c| c.is_numeric()))
        .filter_map(|w| {
            let s = stem(&fold(&w.lower), lang);
            (s.chars().count() >= 3).then_some((s, w.lower))
        })
        .collect()
}

/// A group of passages: indices into the slice given to [`Grouper::group`], in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The members, ascending.
    pub members: Vec<usize>,
    /// The key terms as written (the shortest form seen in the round), best first.
    pub terms: Vec<String>,
}

impl Group {
    /// The heading: the key terms, the first capitalised, joined with commas.
    pub fn heading(&self) -> String {
        let mut s = self.terms.join(", ");
        if let Some(c) = s.chars().next() {
            let upper: String = c.to_uppercase().collect();
            s.replace_range(..c.len_utf8(), &upper);
        }
        s
    }
}

/// Term statistics of a whole round, and grouping of any subset of its passages.
#[derive(Debug, Clone)]
pub struct Grouper {
    sets: Vec<BTreeSet<String>>,
    /// The same sets as term numbers, numbered in the terms' sorted order (so that walking
    /// two of them together meets the terms in the order the `BTreeSet`s would): comparing
    /// them is most of the work of grouping a large round.
    numbered: Vec<Vec<u32>>,
    /// By term number: its weight, and whether it is specific.
    by_number: Vec<(f64, bool)>,
    idf: HashMap<String, f64>,
    df: HashMap<String, usize>,
    surface: HashMap<String, String>,
}

impl Grouper {
    /// Learns the terms of every passage of the round: `(text, language)`, in corpus order.
    pub fn new<'a>(passages: impl IntoIterator<Item = (&'a str, Lang)>) -> Grouper {
        let mut sets = Vec::new();
        let mut df: HashMap<String, usize> = HashMap::new();
        let mut forms: HashMap<String, BTreeMap<String, usize>> = HashMap::new();
        // Analysing the texts is most of the work: on every core, taken in order.
        let analysed: Vec<Vec<(String, String)>> = {
            use rayon::prelude::*;
            let passages: Vec<(&str, Lang)> = passages.into_iter().collect();
            passages
                .par_iter()
                .map(|(text, lang)| terms(text, *lang))
                .collect()
        };
        for found in analysed {
            let mut set = BTreeSet::new();
            for (s, lower) in found {
                *forms
                    .entry(s.clone())
                    .or_default()
                    .entry(lower)
                    .or_default() += 1;
                set.insert(s);
            }
            for s in &set {
                *df.entry(s.clone()).or_default() += 1;
            }
            sets.push(set);
        }
        let n = sets.len().max(1) as f64;
        let most = (sets.len() / 8).max(3);
        let specific: BTreeSet<String> = df
            .iter()
            .filter(|(_, d)| **d <= most)
            .map(|(s, _)| s.clone())
            .collect();
        let idf: HashMap<String, f64> = df
            .iter()
            .map(|(s, d)| (s.clone(), (1.0 + n / *d as f64).ln()))
            .collect();
        // The shortest form tends to be the base form (nominative, indefinite); among equally
        // short ones the most frequent, then the first alphabetically.
        let surface = forms
            .into_iter()
            .map(|(s, f)| {
                let best = f
                    .iter()
                    .min_by(|a, b| {
                        (a.0.chars().count(), std::cmp::Reverse(a.1), a.0).cmp(&(
                            b.0.chars().count(),
                            std::cmp::Reverse(b.1),
                            b.0,
                        ))
                    })
                    .map(|(w, _)| w.clone())
                    .unwrap_or_default();
                (s, best)
            })
            .collect();
        let mut all_terms: Vec<&String> = df.keys().collect();
        all_terms.sort_unstable();
        let number: HashMap<&str, u32> = all_terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str(), i as u32))
            .collect();
        let by_number = all_terms
            .iter()
            .map(|t| (idf.get(*t).copied().unwrap_or(0.0), specific.contains(*t)))
            .collect();
        let numbered = sets
            .iter()
            .map(|set| set.iter().map(|t| number[t.as_str()]).collect())
            .collect();
        Grouper {
            sets,
            numbered,
            by_number,
            idf,
            df,
            surface,
        }
    }

    /// The numbers of the specific terms of a passage of the round (see [`MIN_SHARED`]):
    /// two passages that share fewer than [`MIN_SHARED`] of these are not similar at all,
    /// so an index over them finds every passage that can be similar to another.
    pub fn specific_terms(&self, passage: usize) -> impl Iterator<Item = u32> + '_ {
        self.numbered[passage]
            .iter()
            .copied()
            .filter(|t| self.by_number[*t as usize].1)
    }

    fn weight(&self, term: &str) -> f64 {
        self.idf.get(term).copied().unwrap_or(0.0)
    }

    /// How similar two passages of the round are, 0 to 1.
    pub fn similarity(&self, a: usize, b: usize) -> f64 {
        let (sa, sb) = (&self.numbered[a], &self.numbered[b]);
        // One walk over both sorted sets: the shared terms, and the weights of the shared
        // and of all terms, summed in the terms' order.
        let (mut i, mut j) = (0, 0);
        let (mut specific, mut shared, mut all) = (0usize, 0.0f64, 0.0f64);
        while i < sa.len() || j < sb.len() {
            let (t, both) = match (sa.get(i), sb.get(j)) {
                (Some(x), Some(y)) if x == y => {
                    i += 1;
                    j += 1;
                    (*x, true)
                }
                (Some(x), Some(y)) if x < y => {
                    i += 1;
                    (*x, false)
                }
                (Some(x), None) => {
                    i += 1;
                    (*x, false)
                }
                (_, Some(y)) => {
                    j += 1;
                    (*y, false)
                }
                (None, None) => break,
            };
            let (w, is_specific) = self.by_number[t as usize];
            all += w;
            if both {
                shared += w;
                specific += usize::from(is_specific);
            }
        }
        if specific < MIN_SHARED || all == 0.0 {
            return 0.0;
        }
        shared / all
    }

    /// The similarity of every pair of `passages` (indices into the round), as a matrix.
    fn similarities(&self, passages: &[usize]) -> Vec<Vec<f64>> {
        let n = passages.len();
        let mut sim = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in i + 1..n {
                let s = self.similarity(passages[i], passages[j]);
                sim[i][j] = s;
                sim[j][i] = s;
            }
        }
        sim
    }

    /// Groups some passages of the round (indices into the round, in corpus order). The groups
    /// come in the order of their first member; each group's members are positions in
    /// `passages`.
    pub fn group(&self, passages: &[usize], threshold: f64) -> Vec<Group> {
        let n = passages.len();
        let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
        let mut alive = vec![true; n];
        let mut sim = self.similarities(passages);
        // Each live group's most similar live group after it: the first of the most similar,
        // as a scan in order finds it. Keeping these per row makes a merge cost O(n) instead
        // of a rescan of every pair, and picks the same pair as that rescan would.
        let row_best = |i: usize, sim: &[Vec<f64>], alive: &[bool]| {
            let mut best: Option<(usize, f64)> = None;
            for j in (i + 1..n).filter(|&j| alive[j]) {
                if best.is_none_or(|(_, s)| sim[i][j] > s + 1e-12) {
                    best = Some((j, sim[i][j]));
                }
            }
            best
        };
        let mut rows: Vec<Option<(usize, f64)>> =
            (0..n).map(|i| row_best(i, &sim, &alive)).collect();
        loop {
            let mut best: Option<(usize, usize, f64)> = None;
            for i in (0..n).filter(|&i| alive[i]) {
                if let Some((j, s)) = rows[i]
                    && best.is_none_or(|(_, _, b)| s > b + 1e-12)
                {
                    best = Some((i, j, s));
                }
            }
            let Some((a, b, s)) = best else { break };
            if s < threshold {
                break;
            }
            merge(a, b, &mut sim, &mut members, &mut alive);
            rows[b] = None;
            // Rows whose best partner merged, and rows before `a` whose similarity to it
            // changed to (about) their best, are found again; the rest keep theirs, since a
            // mean of two values no larger than their best is no larger either.
            for i in (0..n).filter(|&i| alive[i]) {
                let again = match rows[i] {
                    _ if i == a => true,
                    Some((j, _)) if j == a || j == b => true,
                    Some((_, s)) => i < a && sim[i][a] >= s - 1e-12,
                    None => false,
                };
                if again {
                    rows[i] = row_best(i, &sim, &alive);
                }
            }
        }
        let mut groups: Vec<Group> = (0..n)
            .filter(|&i| alive[i])
            .map(|i| {
                let m = members[i].clone();
                let terms = self.key_terms(&m.iter().map(|&k| passages[k]).collect::<Vec<_>>());
                Group { members: m, terms }
            })
            .collect();
        groups.sort_by_key(|g| g.members[0]);
        groups
    }

    /// The key terms of a group of passages (indices into the round): terms that at least two
    /// of them share, by how many share them and how rare they are in the round. For a single
    /// passage (or when nothing is shared), its rarest terms that other passages of the round
    /// use too (words used only once count half), longer words first on ties.
    pub fn key_terms(&self, passages: &[usize]) -> Vec<String> {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for &p in passages {
            for t in &self.sets[p] {
                *count.entry(t.as_str()).or_default() += 1;
            }
        }
        let shared: Vec<(&str, usize)> = count
            .iter()
            .filter(|(_, c)| **c >= 2)
            .map(|(t, c)| (*t, *c))
            .collect();
        let alone = shared.is_empty();
        let pool = if alone {
            count.into_iter().collect()
        } else {
            shared
        };
        let mut scored: Vec<(f64, usize, String)> = pool
            .into_iter()
            .map(|(t, c)| {
                let form = self
                    .surface
                    .get(t)
                    .cloned()
                    .unwrap_or_else(|| t.to_string());
                let once = alone && self.df.get(t).is_none_or(|d| *d < 2);
                let w = c as f64 * self.weight(t) * if once { 0.5 } else { 1.0 };
                (w, form.chars().count(), form)
            })
            .collect();
        scored.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(b.1.cmp(&a.1))
                .then_with(|| a.2.cmp(&b.2))
        });
        let mut out: Vec<String> = Vec::new();
        for (_, _, form) in scored {
            if !out.contains(&form) {
                out.push(form);
            }
            if out.len() == HEADING_TERMS {
                break;
            }
        }
        out
    }
}

/// Merges group `b` into group `a` with average linkage (Lance-Williams): the merged
/// group's similarity to another is the size-weighted mean of its parts'.
fn merge(a: usize, b: usize, sim: &mut [Vec<f64>], members: &mut [Vec<usize>], alive: &mut [bool]) {
    let (na, nb) = (members[a].len() as f64, members[b].len() as f64);
    for c in (0..alive.len()).filter(|&c| alive[c] && c != a && c != b) {
        let v = (na * sim[a][c] + nb * sim[b][c]) / (na + nb);
        sim[a][c] = v;
        sim[c][a] = v;
    }
    let moved = std::mem::take(&mut members[b]);
    members[a].extend(moved);
    members[a].sort_unstable();
    alive[b] = false;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grouper(texts: &[&str]) -> Grouper {
        Grouper::new(texts.iter().map(|t| (*t, Lang::Fi)))
    }

    /// Grouping as first written: every merge rescans every pair. The kept row maxima must
    /// give exactly the same groups.
    fn group_by_rescanning(g: &Grouper, passages: &[usize], threshold: f64) -> Vec<Vec<usize>> {
        let n = passages.len();
        let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
        let mut alive = vec![true; n];
        let mut sim = g.similarities(passages);
        loop {
            let mut best: Option<(usize, usize, f64)> = None;
            for i in (0..n).filter(|&i| alive[i]) {
                for j in (i + 1..n).filter(|&j| alive[j]) {
                    if best.is_none_or(|(_, _, s)| sim[i][j] > s + 1e-12) {
                        best = Some((i, j, sim[i][j]));
                    }
                }
            }
            let Some((a, b, s)) = best else { break };
            if s < threshold {
                break;
            }
            merge(a, b, &mut sim, &mut members, &mut alive);
        }
        let mut out: Vec<Vec<usize>> = (0..n)
            .filter(|&i| alive[i])
            .map(|i| members[i].clone())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn grouping_matches_rescanning_every_pair() {
        // Texts from a small vocabulary of compounds, so that many pairs share specific
        // terms and many merges tie.
        let heads = [
            "koti", "velka", "vuokra", "luotto", "kuulo", "tuki", "päihde", "vertais", "asunto",
            "työ", "yksin", "kunto",
        ];
        let tails = ["käynti", "neuvonta", "ryhmä", "suunnitelma"];
        let vocab: Vec<String> = heads
            .iter()
            .flat_map(|h| tails.iter().map(move |t| format!("{h}{t}")))
            .collect();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |m: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % m as u64) as usize
        };
        let texts: Vec<String> = (0..120)
            .map(|_| {
                (0..2 + next(4))
                    .map(|_| vocab[next(vocab.len())].as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let g = Grouper::new(texts.iter().map(|t| (t.as_str(), Lang::Fi)));
        for (passages, threshold) in [
            ((0..120).collect::<Vec<_>>(), THRESHOLD),
            ((0..120).step_by(3).collect(), 0.2),
            ((10..70).collect(), 0.0),
        ] {
            let fast: Vec<Vec<usize>> = g
                .group(&passages, threshold)
                .into_iter()
                .map(|gr| gr.members)
                .collect();
            assert_eq!(fast, group_by_rescanning(&g, &passages, threshold));
            assert!(fast.len() < passages.len(), "some passages were grouped");
        }
    }

    #[test]
    fn inflected_forms_are_one_term_and_function_words_none() {
        let t: Vec<String> = terms(
            "Kotikäynnit auttoivat, koska kotikäynneillä nähtiin arki.",
            Lang::Fi,
        )
        .into_iter()
        .map(|(s, _)| s)
        .collect();
        assert!(!t.iter().any(|s| s == "koska"), "{t:?}");
        assert_eq!(
            t.iter().filter(|s| s.starts_with("kotikay")).count(),
            2,
            "{t:?}"
        );
    }

    #[test]
    fn similar_passages_go_together_and_the_rest_stay_apart() {
        let g = grouper(&[
            "Puhelinjonossa ei päässyt läpi, ja jonottaminen vei voimat.",
            "Kotikäynti auttoi, koska työntekijä näki arjen kotona.",
            "Puhelinjono on niin pitkä, ettei läpi pääse koskaan.",
            "Velkaneuvonta auttoi saamaan velat järjestykseen.",
            "Kotikäynnillä työntekijä näki, miten arki kotona sujuu.",
        ]);
        let groups = g.group(&[0, 1, 2, 3, 4], THRESHOLD);
        let members: Vec<Vec<usize>> = groups.iter().map(|g| g.members.clone()).collect();
        assert_eq!(members, [vec![0, 2], vec![1, 4], vec![3]]);
        assert!(
            groups[0].terms.contains(&"läpi".to_string()),
            "{:?}",
            groups[0].terms
        );
        assert!(groups[1].heading().starts_with(char::is_uppercase));
    }

    #[test]
    fn grouping_is_deterministic_and_ordered_by_first_member() {
        let texts = [
            "Luottamus syntyy, kun sama työntekijä jatkaa.",
            "Päätösten kieli on vaikeaa ymmärtää.",
            "Kun työntekijä vaihtuu, luottamus katoaa.",
            "Selkokielinen päätös auttaisi ymmärtämään.",
        ];
        let g = grouper(&texts);
        let a = g.group(&[0, 1, 2, 3], THRESHOLD);
        let b = g.group(&[0, 1, 2, 3], THRESHOLD);
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0].members[0] < w[1].members[0]));
    }

    #[test]
    fn a_single_passage_is_headed_by_the_words_it_shares_with_the_round() {
        let g = grouper(&[
            "Sain velkajärjestelyn ja asunnon.",
            "Asunnon sain.",
            "Kotikäynti auttoi.",
            "Kotikäynti oli hyvä.",
        ]);
        assert_eq!(g.key_terms(&[0]), ["asunnon", "velkajärjestelyn"]);
    }

    #[test]
    fn placeholders_of_redaction_are_not_terms() {
        let t: Vec<String> = terms("Soitin numeroon [puhelin] ja [sähköposti].", Lang::Fi)
            .into_iter()
            .map(|(_, w)| w)
            .collect();
        assert_eq!(t, ["soitin", "numeroon"]);
    }
}
