//! Grouping passages into findings: similar passages together, with a heading made of the
//! key terms they share.
//!
//! A passage is reduced to its content terms: the words of `kooste_index::analyze` that are
//! not function words, folded (ä→a) and stemmed by Snowball in the passage's language, so
//! that `kotikäynnit` and `kotikäynneistä` meet. Terms are weighted by how rare they are in
//! the round (inverse document frequency), so that words every passage uses (`asiakas`,
//! `sosiaalityö`) count for little. Two passages are as similar as the weight of the terms
//! they share is of the weight of all their terms (weighted Jaccard). Grouping is
//! agglomerative with average linkage: the two most similar groups are merged until no two
//! groups are similar enough. Ties go to the earlier passages, so the result depends only on
//! the input.

use kooste_core::model::Lang;
use kooste_index::analyze::{fold, is_stop, stem, words};
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
    idf: HashMap<String, f64>,
    df: HashMap<String, usize>,
    specific: BTreeSet<String>,
    surface: HashMap<String, String>,
}

impl Grouper {
    /// Learns the terms of every passage of the round: `(text, language)`, in corpus order.
    pub fn new<'a>(passages: impl IntoIterator<Item = (&'a str, Lang)>) -> Grouper {
        let mut sets = Vec::new();
        let mut df: HashMap<String, usize> = HashMap::new();
        let mut forms: HashMap<String, BTreeMap<String, usize>> = HashMap::new();
        for (text, lang) in passages {
            let mut set = BTreeSet::new();
            for (s, lower) in terms(text, lang) {
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
        let specific = df
            .iter()
            .filter(|(_, d)| **d <= most)
            .map(|(s, _)| s.clone())
            .collect();
        let idf = df
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
        Grouper {
            sets,
            idf,
            df,
            specific,
            surface,
        }
    }

    fn weight(&self, term: &str) -> f64 {
        self.idf.get(term).copied().unwrap_or(0.0)
    }

    /// How similar two passages of the round are, 0 to 1.
    pub fn similarity(&self, a: usize, b: usize) -> f64 {
        let (sa, sb) = (&self.sets[a], &self.sets[b]);
        let specific = sa
            .intersection(sb)
            .filter(|t| self.specific.contains(*t))
            .count();
        if specific < MIN_SHARED {
            return 0.0;
        }
        let shared: f64 = sa.intersection(sb).map(|t| self.weight(t)).sum();
        let all: f64 = sa.union(sb).map(|t| self.weight(t)).sum();
        if all == 0.0 { 0.0 } else { shared / all }
    }

    /// Groups some passages of the round (indices into the round, in corpus order). The groups
    /// come in the order of their first member; each group's members are positions in
    /// `passages`.
    pub fn group(&self, passages: &[usize], threshold: f64) -> Vec<Group> {
        let n = passages.len();
        let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
        let mut alive = vec![true; n];
        let mut sim = vec![vec![0.0; n]; n];
        for i in 0..n {
            for j in i + 1..n {
                let s = self.similarity(passages[i], passages[j]);
                sim[i][j] = s;
                sim[j][i] = s;
            }
        }
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
            // Average linkage (Lance-Williams): the merged group's similarity to another is
            // the size-weighted mean of its parts'.
            let (na, nb) = (members[a].len() as f64, members[b].len() as f64);
            for c in (0..n).filter(|&c| alive[c] && c != a && c != b) {
                let v = (na * sim[a][c] + nb * sim[b][c]) / (na + nb);
                sim[a][c] = v;
                sim[c][a] = v;
            }
            let moved = std::mem::take(&mut members[b]);
            members[a].extend(moved);
            members[a].sort_unstable();
            alive[b] = false;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn grouper(texts: &[&str]) -> Grouper {
        Grouper::new(texts.iter().map(|t| (*t, Lang::Fi)))
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
