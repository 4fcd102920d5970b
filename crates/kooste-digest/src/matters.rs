//! The matter thesaurus: what a passage speaks about (substance use, housing, money, the
//! relationship with the worker, ...), whatever words its voice uses for it, in Finnish and
//! Swedish. A digest's findings group passages by matter, so that a client's "en pärjännyt
//! päivääkään ilman viinaa" and a researcher's "päihdepalvelut ovat pirstaloituneet" meet.
//!
//! The thesaurus is curated (`src/matters.toml`, compiled in; its header describes the
//! format) and a project can override it: a `matters.toml` at the project root replaces a
//! matter of the same id and adds new ones. Terms use the lexicon syntax of
//! [`kooste_text::terms`].

use crate::{Error, Result};
use kooste_core::model::Lang;
use kooste_core::project::Bilingual;
use kooste_text::analyze::{Word, words};
use kooste_text::terms::{TermHit, TermSet};
use serde::Deserialize;
use std::path::Path;

/// The thesaurus compiled into kooste.
pub const BUILTIN: &str = include_str!("matters.toml");

/// The file name of a project's own thesaurus, at the project root.
pub const PROJECT_FILE: &str = "matters.toml";

/// One matter: its id and its name as a finding's heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matter {
    /// The id, e.g. `asuminen`.
    pub id: String,
    /// The heading in plain Finnish and Swedish.
    pub name: Bilingual,
}

/// The matters and their terms, ready to match.
#[derive(Debug, Clone)]
pub struct Thesaurus {
    matters: Vec<Matter>,
    /// Each term is a concept of its own, so that a passage's matter can be weighed by how
    /// many of its different terms occur; `of_term[t]` is term `t`'s matter. The terms of
    /// one word are held apart from the phrases: whether one matches depends only on the
    /// word, so [`Thesaurus::scores_all`] matches a round's distinct words once each.
    single: TermSet,
    multi: TermSet,
    of_term: Vec<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    matter: Vec<MatterDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatterDef {
    id: String,
    fi: String,
    sv: String,
    #[serde(default)]
    terms_fi: Vec<String>,
    #[serde(default)]
    terms_sv: Vec<String>,
}

impl Thesaurus {
    /// The thesaurus compiled into kooste.
    pub fn builtin() -> Result<Thesaurus> {
        Thesaurus::parse(&[("matters.toml (built in)", BUILTIN)])
    }

    /// The built-in thesaurus with the project's own `matters.toml` over it, if it has one.
    pub fn of_project(root: &Path) -> Result<Thesaurus> {
        let path = root.join(PROJECT_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Thesaurus::parse(&[
                ("matters.toml (built in)", BUILTIN),
                (&path.to_string_lossy(), &text),
            ]),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Thesaurus::builtin(),
            Err(e) => Err(Error::Io {
                path: path.clone(),
                source: e,
            }),
        }
    }

    /// Parses thesaurus files, each given as (name for messages, TOML text); a later file's
    /// matter replaces an earlier one's of the same id.
    pub fn parse(files: &[(&str, &str)]) -> Result<Thesaurus> {
        let mut defs: Vec<MatterDef> = Vec::new();
        for (name, text) in files {
            let file: File = toml::from_str(text).map_err(|e| Error::Template {
                path: (*name).to_string(),
                line: e
                    .span()
                    .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                    .unwrap_or(0),
                message: format!("{}; fix the thesaurus file", e.message().trim()),
            })?;
            for def in file.matter {
                match defs.iter_mut().find(|d| d.id == def.id) {
                    Some(old) => *old = def,
                    None => defs.push(def),
                }
            }
        }
        let mut t = Thesaurus {
            matters: Vec::new(),
            single: TermSet::new(),
            multi: TermSet::new(),
            of_term: Vec::new(),
        };
        for def in defs {
            let m = t.matters.len();
            for (lang, terms) in [(Lang::Fi, &def.terms_fi), (Lang::Sv, &def.terms_sv)] {
                for raw in terms {
                    // `*velka*` and `*laki` also stand for the bare word (velka, laki), as
                    // the file's header says; the term matcher's infixes and suffixes need
                    // something around them.
                    let bare = raw.trim_start_matches('*').trim_end_matches('*');
                    let also = (raw.starts_with('*') && !bare.contains(' ')).then_some(bare);
                    for term in std::iter::once(raw.as_str()).chain(also) {
                        let part = if term.split_whitespace().count() == 1 {
                            &mut t.single
                        } else {
                            &mut t.multi
                        };
                        part.add(lang, t.of_term.len(), term).map_err(|message| {
                            Error::Template {
                                path: PROJECT_FILE.into(),
                                line: 0,
                                message: format!("matter '{}': {message}", def.id),
                            }
                        })?;
                        t.of_term.push(m);
                    }
                }
            }
            t.matters.push(Matter {
                id: def.id,
                name: Bilingual {
                    fi: def.fi,
                    sv: def.sv,
                },
            });
        }
        Ok(t)
    }

    /// Every matter, in file order.
    pub fn matters(&self) -> &[Matter] {
        &self.matters
    }

    /// How strongly a text speaks of each matter it speaks of at all: the number of its
    /// words that are terms of the matter (a word counts once), strongest first; on a tie,
    /// the matter with more different terms in the text, then the one named first.
    pub fn scores(&self, text: &str, lang: Lang) -> Vec<(usize, usize)> {
        score(&self.of_term, self.hits(&words(text), lang))
    }

    /// Every term the words match, each once at its first place, in the text's order.
    fn hits(&self, ws: &[Word], lang: Lang) -> Vec<TermHit> {
        let mut hits = self.multi.matches(ws, lang);
        hits.extend(self.single.matches(ws, lang));
        hits.sort_by_key(|h| (h.span.start, h.concept));
        hits
    }

    /// [`Thesaurus::scores`] of many texts, `(text, language)`, on every core: each
    /// distinct word of them is matched against the one-word terms once (a round of 55,000
    /// passages has some tens of thousands of distinct words in over a million), the
    /// phrases per text. The same scores as one by one.
    pub fn scores_all(&self, texts: &[(&str, Lang)]) -> Vec<Vec<(usize, usize)>> {
        use rayon::prelude::*;
        use std::collections::HashMap;
        let analysed: Vec<Vec<Word>> = texts.par_iter().map(|(t, _)| words(t)).collect();
        // The one-word terms a word matches depend on its forms alone.
        type Form<'w> = (Lang, &'w str, &'w str);
        let mut at: HashMap<Form<'_>, usize> = HashMap::new();
        let mut forms: Vec<(Lang, &Word)> = Vec::new();
        for (ws, (_, lang)) in analysed.iter().zip(texts) {
            for w in ws {
                at.entry((*lang, w.lower.as_str(), w.folded.as_str()))
                    .or_insert_with(|| {
                        forms.push((*lang, w));
                        forms.len() - 1
                    });
            }
        }
        let matched: Vec<Vec<usize>> = forms
            .par_iter()
            .map(|(lang, w)| {
                let one = [(*w).clone()];
                self.single
                    .matches(&one, *lang)
                    .into_iter()
                    .map(|h| h.concept)
                    .collect()
            })
            .collect();
        analysed
            .par_iter()
            .zip(texts)
            .map(|(ws, (_, lang))| {
                let mut hits = self.multi.matches(ws, *lang);
                let phrases = hits.len();
                for w in ws {
                    for &c in &matched[at[&(*lang, w.lower.as_str(), w.folded.as_str())]] {
                        // Each term once, at its first word.
                        if !hits[phrases..].iter().any(|h| h.concept == c) {
                            hits.push(TermHit {
                                concept: c,
                                span: w.span.clone(),
                            });
                        }
                    }
                }
                hits.sort_by_key(|h| (h.span.start, h.concept));
                score(&self.of_term, hits)
            })
            .collect()
    }

    /// The matched words of a text, each with its matter's index: why the text was given
    /// its matter.
    pub fn evidence(&self, text: &str, lang: Lang) -> Vec<(usize, String)> {
        self.hits(&words(text), lang)
            .into_iter()
            .map(|h| {
                let said = text.get(h.span.clone()).unwrap_or_default();
                (self.of_term[h.concept], said.to_string())
            })
            .collect()
    }

    /// The matter a text speaks of most, if any.
    pub fn matter_of(&self, text: &str, lang: Lang) -> Option<usize> {
        self.scores(text, lang).first().map(|(m, _)| *m)
    }
}

/// The scores of a text's term hits (in the text's order): per matter, the words and the
/// terms that speak of it, strongest first (see [`Thesaurus::scores`]).
fn score(of_term: &[usize], hits: Vec<TermHit>) -> Vec<(usize, usize)> {
    // matter, words, terms, first at
    let mut counts: Vec<(usize, usize, usize, usize)> = Vec::new();
    let mut seen: Vec<(usize, usize)> = Vec::new(); // matter, word start
    for hit in hits {
        let m = of_term[hit.concept];
        let new_word = !seen.contains(&(m, hit.span.start));
        seen.push((m, hit.span.start));
        match counts.iter_mut().find(|c| c.0 == m) {
            Some(c) => {
                c.1 += usize::from(new_word);
                c.2 += 1;
            }
            None => counts.push((m, 1, 1, hit.span.start)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.3.cmp(&b.3)));
    counts.into_iter().map(|(m, n, _, _)| (m, n)).collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn scores_of_many_texts_at_once_are_the_scores_one_by_one() {
        let t = Thesaurus::builtin().unwrap();
        let texts: Vec<(&str, Lang)> = vec![
            (
                "Asunto meni alta, kun vuokra jäi maksamatta ja velat kasvoivat.",
                Lang::Fi,
            ),
            (
                "Sain velkaneuvontaa ja toimeentulotukea; vuokrarästi maksettiin.",
                Lang::Fi,
            ),
            (
                "Jag fick hembesök av socialarbetaren och vi talade om skulder.",
                Lang::Sv,
            ),
            (
                "Kotikäynnillä näin, että asunto oli huonossa kunnossa.",
                Lang::Fi,
            ),
            (
                "Asunto meni alta, kun vuokra jäi maksamatta ja velat kasvoivat.",
                Lang::Fi,
            ),
            (
                "Vertaistuki ja kokemusasiantuntijat antoivat toivoa, sama työntekijä pysyi.",
                Lang::Fi,
            ),
            ("Ei mitään erityistä.", Lang::Fi),
            (
                "Housing first auttoi, vaikka lääkkeiden väärinkäyttö jatkui ja velat.",
                Lang::Fi,
            ),
            (
                "Jag bor ensam och har skulder, jag bor i en liten lägenhet.",
                Lang::Sv,
            ),
            ("", Lang::Sv),
        ];
        let all = t.scores_all(&texts);
        assert_eq!(all.len(), texts.len());
        for ((text, lang), got) in texts.iter().zip(&all) {
            assert_eq!(got, &t.scores(text, *lang), "{text}");
        }
        assert!(!all[0].is_empty() && !all[2].is_empty());
        // Phrases and one-word terms of one matter together.
        assert!(all[8].iter().any(|(_, n)| *n >= 2), "{:?}", all[8]);
    }

    use super::*;

    #[test]
    fn the_builtin_thesaurus_parses_and_names_every_matter_in_both_languages() {
        let t = Thesaurus::builtin().unwrap();
        assert!(t.matters().len() >= 10);
        for m in t.matters() {
            assert!(!m.name.fi.is_empty() && !m.name.sv.is_empty(), "{m:?}");
        }
    }

    #[test]
    fn a_project_overrides_a_matter_and_adds_one() {
        let own = "[[matter]]\nid = \"asuminen\"\nfi = \"Koti\"\nsv = \"Hem\"\nterms_fi = [\"koti*\"]\n\n[[matter]]\nid = \"luonto\"\nfi = \"Luonto\"\nsv = \"Natur\"\nterms_fi = [\"metsä*\"]\n";
        let t = Thesaurus::parse(&[("built in", BUILTIN), ("own", own)]).unwrap();
        let id = |text: &str| {
            t.matter_of(text, Lang::Fi)
                .map(|m| t.matters()[m].id.as_str())
        };
        assert_eq!(id("Kävin metsässä."), Some("luonto"));
        assert_eq!(id("Kotini on pieni."), Some("asuminen"));
        let named = t.matters().iter().find(|m| m.id == "asuminen").unwrap();
        assert_eq!(named.name.fi, "Koti");
        let bad = Thesaurus::parse(&[("own", "[[matter]]\nid = \"x\"\nfi = \"X\"\n")]);
        assert!(
            bad.unwrap_err().to_string().contains("own:"),
            "the file is named"
        );
    }
}
