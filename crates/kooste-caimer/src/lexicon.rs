//! The curated cue lexicons: which words and phrases speak for which dimension, compiled in
//! from `src/cues/fi.toml` and `src/cues/sv.toml` (the format is described in `fi.toml`).

use crate::{Error, Result};
use kooste_core::model::{Dimension, Lang};
use kooste_core::project::Bilingual;
use kooste_index::analyze::{Word, fold};

use serde::Deserialize;
use std::collections::HashMap;

/// The Finnish cue file as compiled in.
pub const FI: &str = include_str!("cues/fi.toml");
/// The Swedish cue file as compiled in.
pub const SV: &str = include_str!("cues/sv.toml");

/// The dimensions a cue speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// One dimension.
    One(Dimension),
    /// Every dimension (used with a negative weight for talk about the research process).
    All,
}

impl Target {
    /// Whether the cue speaks for `d`.
    pub fn covers(self, d: Dimension) -> bool {
        match self {
            Target::One(x) => x == d,
            Target::All => true,
        }
    }
}

/// One concept of a lexicon: a group of terms with a gloss and a weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    /// The language of the lexicon it comes from.
    pub lang: Lang,
    /// The dimension(s) it speaks for.
    pub target: Target,
    /// A short English description, unique within its language: the concept's identity
    /// (its feature name, see [`Cue::feature`]) and its name in `why` lines.
    pub gloss: String,
    /// The concept in plain Finnish and plain Swedish, for people reviewing proposals
    /// (both always present).
    pub plain: Bilingual,
    /// What it adds to the log-odds of its dimension(s) before anything is learned.
    pub weight: f32,
}

impl Cue {
    /// The name of the cue as a feature of the learned model, e.g. `cue:fi:trust`.
    pub fn feature(&self) -> String {
        format!("cue:{}:{}", self.lang, self.gloss)
    }
}

/// How a pattern matches a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exact,
    Prefix,
    Suffix,
    Contains,
}

/// One piece of a term, matched against one word. A word written with diacritics is matched
/// as written (lowercased), because folding merges Swedish words such as `förstå` and
/// `första`, or `får` and `far`; a word without any is matched folded, so that text typed
/// without diacritics still matches.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    kind: Kind,
    lower: String,
    folded: String,
}

impl Pattern {
    fn parse(raw: &str) -> Option<Pattern> {
        let star_start = raw.starts_with('*');
        let star_end = raw.len() > 1 && raw.ends_with('*');
        // Hyphens and punctuation are not part of words (see `analyze::words`): a
        // hyphenated word is matched in its joined form.
        let lower: String = raw
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        if lower.is_empty() {
            return None;
        }
        let kind = match (star_start, star_end) {
            (false, false) => Kind::Exact,
            (false, true) => Kind::Prefix,
            (true, false) => Kind::Suffix,
            (true, true) => Kind::Contains,
        };
        Some(Pattern {
            kind,
            folded: fold(&lower),
            lower,
        })
    }

    fn matches(&self, w: &Word) -> bool {
        let (p, w) = if w.lower.is_ascii() {
            (self.folded.as_str(), w.folded.as_str())
        } else {
            (self.lower.as_str(), w.lower.as_str())
        };
        match self.kind {
            Kind::Exact => w == p,
            Kind::Prefix => w.starts_with(p),
            Kind::Suffix => w.ends_with(p) && w != p,
            Kind::Contains => w.contains(p) && w != p,
        }
    }

    /// The keys under which a term starting with this pattern is filed, for fast lookup:
    /// one for its written form and one for its folded form.
    fn keys(&self) -> Vec<Key> {
        let key = |s: &str| match self.kind {
            Kind::Exact => Key::Word(s.to_string()),
            Kind::Prefix if s.chars().count() >= PREFIX_KEY => {
                Key::Start(s.chars().take(PREFIX_KEY).collect())
            }
            _ => Key::Scan,
        };
        let mut keys = vec![key(&self.lower)];
        let folded = key(&self.folded);
        if folded != keys[0] {
            keys.push(folded);
        }
        keys
    }
}

/// How many leading letters file a prefix pattern; shorter prefixes are scanned.
const PREFIX_KEY: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Word(String),
    Start(String),
    Scan,
}

/// A term: one pattern per consecutive word.
#[derive(Debug, Clone)]
struct Term {
    cue: usize,
    patterns: Vec<Pattern>,
}

/// Where a cue occurred in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The index of the cue in [`Lexicon::cues`].
    pub cue: usize,
    /// The byte range of the matched words in the text.
    pub span: std::ops::Range<usize>,
}

/// The cues of both languages, ready to match.
#[derive(Debug, Clone)]
pub struct Lexicon {
    cues: Vec<Cue>,
    /// Per language: terms filed by the key of their first pattern.
    index: [HashMap<Key, Vec<Term>>; 2],
    /// A hash of the files it was parsed from.
    source: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    cue: Vec<CueDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CueDef {
    dim: String,
    gloss: String,
    plain: Option<Bilingual>,
    weight: f32,
    terms: Vec<String>,
}

fn slot(lang: Lang) -> usize {
    match lang {
        Lang::Fi => 0,
        Lang::Sv => 1,
    }
}

impl Lexicon {
    /// The lexicons compiled into kooste.
    pub fn builtin() -> Result<Lexicon> {
        Lexicon::parse(&[
            (Lang::Fi, "cues/fi.toml", FI),
            (Lang::Sv, "cues/sv.toml", SV),
        ])
    }

    /// Parses cue files, each given as (language, name for messages, TOML text).
    pub fn parse(files: &[(Lang, &str, &str)]) -> Result<Lexicon> {
        let mut lex = Lexicon {
            cues: Vec::new(),
            index: [HashMap::new(), HashMap::new()],
            source: 0xcbf2_9ce4_8422_2325,
        };
        for (lang, name, text) in files {
            lex.source = crate::train::fnv(lex.source, lang.as_str().as_bytes());
            lex.source = crate::train::fnv(lex.source, text.as_bytes());
            let bad = |message: String| Error::Lexicon {
                file: (*name).to_string(),
                message,
            };
            let file: File = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
            for def in file.cue {
                let target = if def.dim == "all" {
                    Target::All
                } else {
                    Target::One(def.dim.parse().map_err(bad)?)
                };
                if lex
                    .cues
                    .iter()
                    .any(|c| c.lang == *lang && c.gloss == def.gloss)
                {
                    return Err(bad(format!("the gloss '{}' is used twice", def.gloss)));
                }
                if !def.weight.is_finite() {
                    return Err(bad(format!(
                        "the weight of '{}' is not a number",
                        def.gloss
                    )));
                }
                let plain = match def.plain {
                    Some(p) if !p.fi.trim().is_empty() && !p.sv.trim().is_empty() => p,
                    _ => {
                        return Err(bad(format!(
                            "'{}' lacks its plain Finnish or Swedish text; add \
                             plain = {{ fi = \"...\", sv = \"...\" }}",
                            def.gloss
                        )));
                    }
                };
                let cue = lex.cues.len();
                lex.cues.push(Cue {
                    lang: *lang,
                    target,
                    gloss: def.gloss.clone(),
                    plain,
                    weight: def.weight,
                });
                for raw in &def.terms {
                    let patterns: Option<Vec<Pattern>> =
                        raw.split_whitespace().map(Pattern::parse).collect();
                    let patterns = match patterns {
                        Some(p) if !p.is_empty() => p,
                        _ => {
                            return Err(bad(format!(
                                "the term '{raw}' of '{}' has an empty word",
                                def.gloss
                            )));
                        }
                    };
                    for key in patterns[0].keys() {
                        lex.index[slot(*lang)].entry(key).or_default().push(Term {
                            cue,
                            patterns: patterns.clone(),
                        });
                    }
                }
            }
        }
        Ok(lex)
    }

    /// A hash of the cue files, part of a model's fingerprint: a changed lexicon makes a
    /// stored model stale.
    pub fn source_hash(&self) -> u64 {
        self.source
    }

    /// Every cue, in file order (Finnish first).
    pub fn cues(&self) -> &[Cue] {
        &self.cues
    }

    /// The cues of `lang` that occur in a text split into `words` (see
    /// [`kooste_index::analyze::words`]), each once, at its first occurrence.
    pub fn matches(&self, words: &[Word], lang: Lang) -> Vec<Hit> {
        let index = &self.index[slot(lang)];
        // Multi-word terms run over the plain words; the joined forms of hyphenations
        // and OCR splits stand in for single words only.
        let plain: Vec<&Word> = words.iter().filter(|w| !w.joined).collect();
        let mut hits: Vec<Hit> = Vec::new();
        let mut check = |term: &Term, at: usize, first: &Word| {
            if hits.iter().any(|h| h.cue == term.cue) {
                return;
            }
            let span = if term.patterns.len() == 1 {
                first.span.clone()
            } else {
                // A joined word never starts a phrase.
                if first.joined {
                    return;
                }
                let Some(run) = plain.get(at..at + term.patterns.len()) else {
                    return;
                };
                if !term.patterns.iter().zip(run).all(|(p, w)| p.matches(w)) {
                    return;
                }
                run[0].span.start..run[run.len() - 1].span.end
            };
            if term.patterns[0].matches(first) {
                hits.push(Hit {
                    cue: term.cue,
                    span,
                });
            }
        };
        let scan = index.get(&Key::Scan);
        let mut at = 0;
        for w in words {
            // Terms are filed under their written and their folded keys; a word looks up
            // the form it is matched in.
            let form = if w.lower.is_ascii() {
                &w.folded
            } else {
                &w.lower
            };
            let keys = [
                Some(Key::Word(form.clone())),
                (form.chars().count() >= PREFIX_KEY)
                    .then(|| Key::Start(form.chars().take(PREFIX_KEY).collect())),
            ];
            for terms in keys
                .into_iter()
                .flatten()
                .filter_map(|k| index.get(&k))
                .chain(scan)
            {
                for t in terms {
                    check(t, at, w);
                }
            }
            if !w.joined {
                at += 1;
            }
        }
        hits.sort_by_key(|h| (h.span.start, h.cue));
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kooste_index::analyze::words;

    fn glosses(text: &str, lang: Lang) -> Vec<String> {
        let lex = Lexicon::builtin().unwrap();
        lex.matches(&words(text), lang)
            .into_iter()
            .map(|h| lex.cues()[h.cue].gloss.clone())
            .collect()
    }

    #[test]
    fn the_builtin_lexicons_parse_and_cover_every_dimension() {
        let lex = Lexicon::builtin().unwrap();
        for lang in [Lang::Fi, Lang::Sv] {
            for d in Dimension::ALL {
                assert!(
                    lex.cues()
                        .iter()
                        .any(|c| c.lang == lang && c.target == Target::One(*d) && c.weight > 0.0),
                    "{lang} {d}"
                );
            }
        }
    }

    #[test]
    fn prefixes_phrases_and_compounds_match() {
        assert_eq!(glosses("Luottamus kasvoi.", Lang::Fi)[0], "trust");
        assert!(
            glosses("Tehtiin kotikäynti.", Lang::Fi).contains(&"home visits and outreach".into())
        );
        assert!(
            glosses("Sama työntekijä jatkoi.", Lang::Fi)
                .contains(&"continuity of the worker".into())
        );
        // Inside a compound.
        assert!(glosses("Vuokravelka kasvoi.", Lang::Fi).contains(&"debts".into()));
        // A hyphenated word matches in its joined form.
        assert!(
            glosses("Hon tog sms-lånen.", Lang::Sv).contains(&"debts".into()),
            "{:?}",
            glosses("Hon tog sms-lånen.", Lang::Sv)
        );
        // A phrase must be consecutive.
        assert!(
            !glosses("sama on työntekijä", Lang::Fi).contains(&"continuity of the worker".into())
        );
        // Each language has its own cues.
        assert!(!glosses("Luottamus kasvoi.", Lang::Sv).contains(&"trust".into()));
    }

    /// One concept in a cue file, with `plain` as given (a whole `plain = ...` line, or
    /// nothing).
    fn one_cue(dim: &str, plain: &str, terms: &str) -> String {
        format!("[[cue]]\ndim = \"{dim}\"\ngloss = \"a\"\n{plain}\nweight = 1.0\nterms = {terms}\n")
    }

    const PLAIN: &str = "plain = { fi = \"velat\", sv = \"skulder\" }";

    #[test]
    fn errors_name_the_file() {
        let e = Lexicon::parse(&[(Lang::Fi, "x.toml", &one_cue("kontext", PLAIN, "[\"*\"]"))])
            .unwrap_err();
        assert!(e.to_string().starts_with("x.toml: "), "{e}");
        assert!(e.to_string().contains("empty word"), "{e}");
        let e = Lexicon::parse(&[(Lang::Fi, "x.toml", &one_cue("ulottuvuus", PLAIN, "[]"))])
            .unwrap_err();
        assert!(e.to_string().contains("unknown dimension"), "{e}");
    }

    #[test]
    fn a_concept_needs_plain_finnish_and_swedish() {
        let ok = Lexicon::parse(&[(
            Lang::Fi,
            "x.toml",
            &one_cue("context", PLAIN, "[\"velka*\"]"),
        )])
        .unwrap();
        assert_eq!(ok.cues()[0].plain.get(Lang::Fi), "velat");
        assert_eq!(ok.cues()[0].plain.get(Lang::Sv), "skulder");
        for plain in [
            "",
            "plain = { fi = \"velat\" }",
            "plain = { fi = \"velat\", sv = \" \" }",
            "plain = { fi = \"\", sv = \"skulder\" }",
        ] {
            let e = Lexicon::parse(&[(
                Lang::Sv,
                "sv.toml",
                &one_cue("context", plain, "[\"skuld*\"]"),
            )])
            .unwrap_err()
            .to_string();
            assert!(e.starts_with("sv.toml: "), "{plain}: {e}");
            assert!(
                e.contains("'a' lacks its plain Finnish or Swedish text"),
                "{plain}: {e}"
            );
        }
        // A misspelt language is an error too, not a silent default.
        let e = Lexicon::parse(&[(
            Lang::Fi,
            "x.toml",
            &one_cue(
                "context",
                "plain = { fi = \"velat\", se = \"skulder\" }",
                "[]",
            ),
        )])
        .unwrap_err();
        assert!(e.to_string().contains("unknown field `se`"), "{e}");
    }

    #[test]
    fn a_concept_in_both_lexicons_reads_the_same_in_both() {
        let lex = Lexicon::builtin().unwrap();
        for fi in lex.cues().iter().filter(|c| c.lang == Lang::Fi) {
            if let Some(sv) = lex
                .cues()
                .iter()
                .find(|c| c.lang == Lang::Sv && c.gloss == fi.gloss)
            {
                assert_eq!(fi.plain, sv.plain, "{}", fi.gloss);
            }
        }
    }
}
