//! The curated cue lexicons: which words and phrases speak for which dimension, compiled in
//! from `src/cues/fi.toml` and `src/cues/sv.toml` (the format is described in `fi.toml`).

use crate::{Error, Result};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use kooste_core::model::{Dimension, Lang};
use kooste_core::project::Bilingual;
use kooste_text::analyze::Word;
use kooste_text::terms::{Kind, Pattern, TermSet};

use serde::Deserialize;

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
    /// The terms as `kooste_text` files them: the reference the automaton is tested against.
    terms: TermSet,
    /// The terms compiled into one automaton per language.
    compiled: [Compiled; 2],
    /// A hash of the files it was parsed from.
    source: kooste_core::fingerprint::Fingerprint,
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
            terms: TermSet::new(),
            compiled: [Compiled::default(), Compiled::default()],
            source: kooste_core::fingerprint::Fingerprint::new(),
        };
        let mut builders = [Builder::default(), Builder::default()];
        for (lang, name, text) in files {
            lex.source
                .bytes(lang.as_str().as_bytes())
                .bytes(text.as_bytes());
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
                    lex.terms
                        .add(*lang, cue, raw)
                        .map_err(|m| bad(format!("{m} (in '{}')", def.gloss)))?;
                    builders[slot(*lang)].add(cue, raw);
                }
            }
        }
        let [fi, sv] = builders;
        lex.compiled = [
            fi.build().map_err(bad_automaton)?,
            sv.build().map_err(bad_automaton)?,
        ];
        Ok(lex)
    }

    /// A hash of the cue files, part of a model's fingerprint: a changed lexicon makes a
    /// stored model stale.
    pub fn source_hash(&self) -> u64 {
        self.source.value()
    }

    /// Every cue, in file order (Finnish first).
    pub fn cues(&self) -> &[Cue] {
        &self.cues
    }

    /// The cues of `lang` that occur in a text split into `words` (see
    /// [`kooste_text::analyze::words`]), each once, at its first occurrence (the same as
    /// [`TermSet::matches`] gives, found with one pass of an automaton over all words).
    pub fn matches(&self, words: &[Word], lang: Lang) -> Vec<Hit> {
        let mut hits = Vec::new();
        self.compiled[slot(lang)].matches(words, &mut Scratch::default(), &mut hits);
        hits
    }

    /// [`Lexicon::matches`] with buffers the caller keeps between texts.
    pub(crate) fn matches_into(
        &self,
        words: &[Word],
        lang: Lang,
        scratch: &mut Scratch,
        hits: &mut Vec<Hit>,
    ) {
        hits.clear();
        self.compiled[slot(lang)].matches(words, scratch, hits);
    }

    /// The cues found the way `kooste_text`'s term lists find them, term by term: what
    /// the automaton is tested against.
    pub fn matches_reference(&self, words: &[Word], lang: Lang) -> Vec<Hit> {
        self.terms
            .matches(words, lang)
            .into_iter()
            .map(|h| Hit {
                cue: h.concept,
                span: h.span,
            })
            .collect()
    }
}

fn bad_automaton(e: aho_corasick::BuildError) -> Error {
    Error::Lexicon {
        file: "cues".into(),
        message: format!("the cue terms cannot be compiled: {e}"),
    }
}

fn slot(lang: Lang) -> usize {
    match lang {
        Lang::Fi => 0,
        Lang::Sv => 1,
    }
}

/// A term: one pattern per consecutive word.
#[derive(Debug, Clone)]
struct Term {
    concept: usize,
    patterns: Vec<Pattern>,
    /// The order in which terms are tried at one word: class, then file order.
    rank: (u8, u32),
}

/// What one string of the automaton stands for: the first pattern of a term, for words
/// with diacritics (`lower`), without (`folded`), or both.
#[derive(Debug, Clone, Copy)]
struct Entry {
    term: u32,
    kind: Kind,
    ascii: bool,
    non_ascii: bool,
}

/// Word boundaries in the automaton's haystack: every word is written between them.
const START: char = '\u{2}';
const END: char = '\u{3}';

#[derive(Default)]
struct Builder {
    terms: Vec<Term>,
    strings: Vec<String>,
    ids: std::collections::HashMap<String, usize>,
    entries: Vec<Vec<Entry>>,
}

impl Builder {
    /// Adds a term already checked by `TermSet::add` (a term with an empty word is skipped).
    fn add(&mut self, concept: usize, raw: &str) {
        let Some(patterns) = raw
            .split_whitespace()
            .map(Pattern::parse)
            .collect::<Option<Vec<Pattern>>>()
            .filter(|p| !p.is_empty())
        else {
            return;
        };
        let term = self.terms.len() as u32;
        let first = patterns[0].clone();
        self.terms.push(Term {
            concept,
            rank: (first.class(), term),
            patterns,
        });
        let same = first.lower == first.folded;
        let variants = if same {
            vec![(first.lower.clone(), true, true)]
        } else {
            vec![
                (first.folded.clone(), true, false),
                (first.lower.clone(), false, true),
            ]
        };
        for (s, ascii, non_ascii) in variants {
            let key = match first.kind {
                Kind::Exact => format!("{START}{s}{END}"),
                Kind::Prefix => format!("{START}{s}"),
                Kind::Suffix => format!("{s}{END}"),
                Kind::Contains => s,
            };
            let id = *self.ids.entry(key.clone()).or_insert_with(|| {
                self.strings.push(key);
                self.entries.push(Vec::new());
                self.strings.len() - 1
            });
            self.entries[id].push(Entry {
                term,
                kind: first.kind,
                ascii,
                non_ascii,
            });
        }
    }

    fn build(self) -> std::result::Result<Compiled, aho_corasick::BuildError> {
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&self.strings)?;
        Ok(Compiled {
            automaton: Some(automaton),
            terms: self.terms,
            entries: self.entries,
        })
    }
}

/// The terms of one language: one automaton over all first patterns.
#[derive(Debug, Clone, Default)]
struct Compiled {
    automaton: Option<AhoCorasick>,
    terms: Vec<Term>,
    entries: Vec<Vec<Entry>>,
}

/// Buffers kept between texts.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    haystack: String,
    /// Where each word starts in the haystack (after its [`START`]).
    starts: Vec<usize>,
    /// Each word's index among the plain (not joined) words.
    plain_at: Vec<usize>,
    plain: Vec<usize>,
    /// Candidate hits: (word, rank, term, end of the span).
    found: Vec<(usize, (u8, u32), u32, usize)>,
}

impl Compiled {
    fn matches(&self, words: &[Word], scratch: &mut Scratch, hits: &mut Vec<Hit>) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        let Scratch {
            haystack,
            starts,
            plain_at,
            plain,
            found,
        } = scratch;
        haystack.clear();
        starts.clear();
        plain_at.clear();
        plain.clear();
        found.clear();
        for (i, w) in words.iter().enumerate() {
            haystack.push(START);
            starts.push(haystack.len());
            // A word without diacritics is matched folded, which for ASCII is its lower
            // case; one with them as written.
            haystack.push_str(&w.lower);
            haystack.push(END);
            plain_at.push(plain.len());
            if !w.joined {
                plain.push(i);
            }
        }
        for m in automaton.find_overlapping_iter(haystack.as_str()) {
            // The word the match lies in: the last one starting at or before it (a match
            // that begins with START belongs to the word after it).
            let at = m.start() + usize::from(haystack.as_bytes()[m.start()] == START as u8);
            let i = starts.partition_point(|s| *s <= at) - 1;
            let w = &words[i];
            let ascii = w.lower.is_ascii();
            let word_start = starts[i];
            let word_end = word_start + w.lower.len();
            for e in &self.entries[m.pattern().as_usize()] {
                if !(if ascii { e.ascii } else { e.non_ascii }) {
                    continue;
                }
                // A suffix or an infix never matches the whole word.
                let whole = m.start() == word_start && m.end() == word_end;
                match e.kind {
                    Kind::Suffix if m.start() == word_start => continue,
                    Kind::Contains if whole => continue,
                    _ => {}
                }
                let term = &self.terms[e.term as usize];
                let end = if term.patterns.len() == 1 {
                    w.span.end
                } else {
                    if w.joined {
                        continue;
                    }
                    let at = plain_at[i];
                    let Some(run) = plain.get(at..at + term.patterns.len()) else {
                        continue;
                    };
                    if !term
                        .patterns
                        .iter()
                        .zip(run)
                        .skip(1)
                        .all(|(p, j)| p.matches(&words[*j]))
                    {
                        continue;
                    }
                    words[run[run.len() - 1]].span.end
                };
                found.push((i, term.rank, e.term, end));
            }
        }
        found.sort_unstable();
        for (i, _, term, end) in found.iter() {
            let concept = self.terms[*term as usize].concept;
            if hits.iter().any(|h| h.cue == concept) {
                continue;
            }
            hits.push(Hit {
                cue: concept,
                span: words[*i].span.start..*end,
            });
        }
        hits.sort_by_key(|h| (h.span.start, h.cue));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kooste_text::analyze::words;

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
