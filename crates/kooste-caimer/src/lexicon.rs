//! The curated cue lexicons: which words and phrases speak for which dimension, compiled in
//! from `src/cues/fi.toml` and `src/cues/sv.toml` (the format is described in `fi.toml`).

use crate::{Error, Result};
use kooste_core::model::{Dimension, Lang};
use kooste_core::project::Bilingual;
use kooste_text::analyze::Word;
use kooste_text::terms::TermSet;

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
    terms: TermSet,
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
            source: kooste_core::fingerprint::Fingerprint::new(),
        };
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
                }
            }
        }
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
    /// [`kooste_text::analyze::words`]), each once, at its first occurrence.
    pub fn matches(&self, words: &[Word], lang: Lang) -> Vec<Hit> {
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
