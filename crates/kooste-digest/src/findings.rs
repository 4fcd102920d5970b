//! Findings: the passages of a theme grouped by the matter they speak about, and the
//! researchers' curation of that grouping.
//!
//! A passage belongs to one finding per theme. [`propose`] puts it in the finding of the
//! matter the thesaurus ([`Thesaurus`]) finds it speaks of most; a passage that names no
//! matter joins the matter of the passage most like it (shared stems), else it stands alone.
//! [`Curation`] (`findings/WORKSHOP.toml`) is the researchers' word over the proposal:
//! headings and summaries, merges, passages moved (a move to a new finding is a split) and
//! pinned quotes. [`arrange`] applies it on every render, so that it keeps its place when
//! new material arrives: a new passage joins the finding its matter leads to, also when that
//! finding was renamed or merged into another.

use crate::group::{Grouper, MIN_SHARED};
use crate::matters::Thesaurus;
use kooste_core::fsutil::write_atomic;
use kooste_core::model::Lang;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The folder of curation files, at the project root.
pub const DIR: &str = "findings";

/// At most this many quotes are pinned or shown in a finding.
pub const MAX_QUOTES: usize = 4;

/// How many quotes a finding of `passages` passages from `voices` voices shows in a digest's
/// body (pinned quotes aside): one per voice and at least two, all when it has fewer.
pub fn quotes_wanted(passages: usize, voices: usize) -> usize {
    passages.min(voices.max(2))
}

/// A passage to group: its text and language, and the theme it is grouped within.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    /// The redacted text.
    pub text: &'a str,
    /// Its language.
    pub lang: Lang,
    /// Its theme id (`""` for none).
    pub theme: &'a str,
}

/// How a project's findings are grouped: its matter thesaurus and the researchers'
/// curation of one digest, with what was wrong in the curation file.
#[derive(Debug, Clone)]
pub struct Grouping {
    /// The built-in thesaurus with the project's `matters.toml` over it.
    pub thesaurus: Thesaurus,
    /// The curation of the digest (empty when it has none).
    pub curation: Curation,
    /// What was wrong in the curation file.
    pub problems: Vec<Problem>,
}

impl Grouping {
    /// Reads the project's thesaurus and the curation of the digest presented at `workshop`.
    /// A broken thesaurus is an error; a broken curation file is a problem the digest shows.
    pub fn load(root: &Path, workshop: &str) -> crate::Result<Grouping> {
        let thesaurus = Thesaurus::of_project(root)?;
        let (curation, problems) = Curation::load(root, workshop);
        Ok(Grouping {
            thesaurus,
            curation,
            problems,
        })
    }
}

/// The proposed finding of one passage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposed {
    /// The matter (an index into [`Thesaurus::matters`]), if the passage joins one.
    pub matter: Option<usize>,
    /// Whether the passage names the matter itself (else it joined a similar passage's).
    pub named: bool,
    /// How many different terms of the matter the passage has: how central it is.
    pub strength: usize,
}

/// Proposes a finding for each item: the matter it speaks of most, else the matter of the
/// item of the same theme that shares the most stems with it (if it shares any), else none
/// (the passage stands alone).
pub fn propose(thesaurus: &Thesaurus, items: &[Item<'_>]) -> Vec<Proposed> {
    let texts: Vec<(&str, Lang)> = items.iter().map(|i| (i.text, i.lang)).collect();
    let scores = thesaurus.scores_all(&texts);
    propose_scored(items, &scores)
}

/// [`propose`], with each item's [`Thesaurus::scores`] computed already (a digest needs
/// them again for its quotes).
pub fn propose_scored(items: &[Item<'_>], scores: &[Vec<(usize, usize)>]) -> Vec<Proposed> {
    let own: Vec<Option<(usize, usize)>> = scores.iter().map(|s| s.first().copied()).collect();
    let grouper = Grouper::new(items.iter().map(|i| (i.text, i.lang)));
    // The passages that name a matter, by theme and specific term: a passage can only be
    // similar to one that shares at least `MIN_SHARED` specific terms with it, so these
    // lists give every candidate without comparing each passage with every other.
    let mut theme_no: HashMap<&str, usize> = HashMap::new();
    let themes: Vec<usize> = items
        .iter()
        .map(|i| {
            let next = theme_no.len();
            *theme_no.entry(i.theme).or_insert(next)
        })
        .collect();
    let mut postings: HashMap<(usize, u32), Vec<usize>> = HashMap::new();
    for j in (0..items.len()).filter(|&j| own[j].is_some()) {
        for t in grouper.specific_terms(j) {
            postings.entry((themes[j], t)).or_default().push(j);
        }
    }
    use rayon::prelude::*;
    (0..items.len())
        .into_par_iter()
        .map_init(
            || (vec![0usize; items.len()], Vec::<usize>::new()),
            |(shared, touched), i| match own[i] {
                Some((m, n)) => Proposed {
                    matter: Some(m),
                    named: true,
                    strength: n,
                },
                None => {
                    for t in grouper.specific_terms(i) {
                        for &j in postings.get(&(themes[i], t)).into_iter().flatten() {
                            if shared[j] == 0 {
                                touched.push(j);
                            }
                            shared[j] += 1;
                        }
                    }
                    // The most similar (of equals, the first), as a scan of every passage of
                    // the theme would find it.
                    let near = touched
                        .iter()
                        .filter(|&&j| j != i && shared[j] >= MIN_SHARED)
                        .map(|&j| (grouper.similarity(i, j), j))
                        .filter(|(s, _)| *s > 0.0)
                        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
                    for j in touched.drain(..) {
                        shared[j] = 0;
                    }
                    Proposed {
                        matter: near.and_then(|(_, j)| own[j].map(|(m, _)| m)),
                        named: false,
                        strength: 0,
                    }
                }
            },
        )
        .collect()
}

/// One finding of a theme as arranged: its id and its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arranged {
    /// The finding's id within its theme: a matter id, a curated finding's own id, or for a
    /// passage that stands alone, the passage id.
    pub id: String,
    /// The matter, when the id is one.
    pub matter: Option<usize>,
    /// Its members, as indexes into the theme's passages, in corpus order.
    pub members: Vec<usize>,
}

/// Arranges a theme's passages into findings: the proposal, then the curation over it.
/// `passages` are the passage ids, `proposed` their proposals, both in corpus order.
/// Problems of the curation (a passage or finding it names that is not here) are added to
/// `problems`; the rest of the curation still holds.
pub fn arrange(
    thesaurus: &Thesaurus,
    theme: &str,
    passages: &[&str],
    proposed: &[Proposed],
    curation: &Curation,
    problems: &mut Vec<Problem>,
) -> Vec<Arranged> {
    let matter_id = |m: usize| thesaurus.matters()[m].id.clone();
    let base: Vec<String> = passages
        .iter()
        .zip(proposed)
        .map(|(p, pr)| pr.matter.map_or_else(|| (*p).to_string(), matter_id))
        .collect();
    let entries: Vec<&Entry> = curation
        .entries
        .iter()
        .filter(|e| e.theme == theme)
        .collect();
    // Merges: a finding merged into another sends its passages there, along a chain.
    let mut into: HashMap<&str, &str> = HashMap::new();
    for e in &entries {
        for m in &e.merged {
            if m != &e.id {
                into.insert(m.as_str(), e.id.as_str());
            }
        }
    }
    let follow = |id: &str| -> String {
        let mut at = id;
        for _ in 0..=into.len() {
            match into.get(at) {
                Some(next) => at = next,
                None => break,
            }
        }
        at.to_string()
    };
    let mut final_id: Vec<String> = base.iter().map(|b| follow(b)).collect();
    // Moves: a passage named in a finding's `passages` is there, whatever was proposed.
    let index: HashMap<&str, usize> = passages.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    for e in &entries {
        for p in &e.passages {
            match index.get(p.as_str()) {
                Some(&i) => final_id[i] = follow(&e.id),
                None => {
                    problems.push(curation.problem(e.line_of(p), ProblemKind::UnknownPassage, p))
                }
            }
        }
    }
    let mut out: Vec<Arranged> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (i, id) in final_id.iter().enumerate() {
        match at.get(id.as_str()) {
            Some(&k) => out[k].members.push(i),
            None => {
                at.insert(id, out.len());
                out.push(Arranged {
                    id: id.clone(),
                    matter: thesaurus.matters().iter().position(|m| &m.id == id),
                    members: vec![i],
                });
            }
        }
    }
    // What the curation names that is not here: merged findings that never had a passage,
    // and findings with wording or pins but no passages.
    let here: BTreeSet<&str> = base.iter().map(String::as_str).collect();
    for e in &entries {
        for m in &e.merged {
            if !here.contains(m.as_str()) && !is_matter(thesaurus, m) {
                problems.push(curation.problem(e.line_of(m), ProblemKind::UnknownFinding, m));
            }
        }
        let exists = out.iter().any(|a| a.id == e.id);
        if !exists && e.passages.is_empty() && !is_matter(thesaurus, &e.id) {
            problems.push(curation.problem(e.line, ProblemKind::UnknownFinding, &e.id));
        }
        if let Some(a) = out.iter().find(|a| a.id == e.id) {
            for p in &e.pinned {
                if !a.members.iter().any(|&i| passages[i] == p) {
                    problems.push(curation.problem(e.line_of(p), ProblemKind::NotMember, p));
                }
            }
        }
    }
    out
}

fn is_matter(thesaurus: &Thesaurus, id: &str) -> bool {
    thesaurus.matters().iter().any(|m| m.id == id)
}

/// The researchers' curation of one digest's findings: `findings/WORKSHOP.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Curation {
    /// The file, relative to the project (for messages).
    pub path: String,
    /// The findings it says something about, in file order.
    pub entries: Vec<Entry>,
}

/// What the curation says about one finding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The theme the finding is in (`""` for passages with no theme).
    pub theme: String,
    /// The finding's id within the theme: a matter id, an own id, or a passage id.
    pub id: String,
    /// Its heading in Finnish, if renamed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    /// Its heading in Swedish, if renamed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heading_sv: Option<String>,
    /// Its one-sentence summary in Finnish.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Its summary in Swedish.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary_sv: Option<String>,
    /// Findings merged into it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<String>,
    /// Passages moved into it (`DOCID#N`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub passages: Vec<String>,
    /// The quotes shown first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pinned: Vec<String>,
    /// The line of the entry in the file (0 when made in memory).
    #[serde(skip)]
    pub line: usize,
    /// Lines of the passage and finding ids it names.
    #[serde(skip)]
    pub lines: BTreeMap<String, usize>,
}

impl Entry {
    fn line_of(&self, passage: &str) -> usize {
        self.lines.get(passage).copied().unwrap_or(self.line)
    }

    /// The heading in `lang`, if curated, with the language it is in.
    pub fn heading(&self, lang: Lang) -> Option<(String, Lang)> {
        in_lang(&self.heading, &self.heading_sv, lang)
    }

    /// The summary in `lang`, if written, with the language it is in.
    pub fn summary(&self, lang: Lang) -> Option<(String, Lang)> {
        in_lang(&self.summary, &self.summary_sv, lang)
    }

    fn is_empty(&self) -> bool {
        self.heading.is_none()
            && self.heading_sv.is_none()
            && self.summary.is_none()
            && self.summary_sv.is_none()
            && self.merged.is_empty()
            && self.passages.is_empty()
            && self.pinned.is_empty()
    }
}

fn in_lang(fi: &Option<String>, sv: &Option<String>, lang: Lang) -> Option<(String, Lang)> {
    let fi = fi.as_ref().filter(|s| !s.trim().is_empty());
    let sv = sv.as_ref().filter(|s| !s.trim().is_empty());
    match (lang, fi, sv) {
        (Lang::Sv, _, Some(s)) => Some((s.trim().to_string(), Lang::Sv)),
        (_, Some(f), _) => Some((f.trim().to_string(), Lang::Fi)),
        (_, None, Some(s)) => Some((s.trim().to_string(), Lang::Sv)),
        _ => None,
    }
}

/// What is wrong in a curation file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The file is not valid TOML or has a wrong field: none of it was used.
    BadFile,
    /// It names a passage that is not in this theme of the digest's round.
    UnknownPassage,
    /// It names a finding that the theme does not have.
    UnknownFinding,
    /// It pins a passage that is not in the finding.
    NotMember,
}

/// A problem of a curation file: where, what, and about what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file, relative to the project.
    pub path: String,
    /// The 1-based line (0 when unknown).
    pub line: usize,
    /// What is wrong.
    pub kind: ProblemKind,
    /// The passage or finding named, or the parser's message for a bad file.
    pub subject: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            ProblemKind::BadFile => format!(
                "{}; the findings are shown as proposed until the file is fixed",
                self.subject
            ),
            ProblemKind::UnknownPassage => format!(
                "passage '{}' is not in this theme of the digest's round; it was left out of the curation",
                self.subject
            ),
            ProblemKind::UnknownFinding => format!(
                "finding '{}' is not in this theme of the digest; that part of the curation was left out",
                self.subject
            ),
            ProblemKind::NotMember => format!(
                "passage '{}' is pinned but is not in the finding; pin one of the finding's own passages",
                self.subject
            ),
        };
        if self.line > 0 {
            write!(f, "{}:{}: {what}", self.path, self.line)
        } else {
            write!(f, "{}: {what}", self.path)
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    #[serde(default)]
    finding: Vec<EntryDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryDef {
    #[serde(default)]
    theme: String,
    id: toml::Spanned<String>,
    heading: Option<String>,
    heading_sv: Option<String>,
    summary: Option<String>,
    summary_sv: Option<String>,
    #[serde(default)]
    merged: Vec<toml::Spanned<String>>,
    #[serde(default)]
    passages: Vec<toml::Spanned<String>>,
    #[serde(default)]
    pinned: Vec<toml::Spanned<String>>,
}

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Curation {
    /// The curation file of the digest presented at `workshop`, relative to the project.
    pub fn file(workshop: &str) -> String {
        format!("{DIR}/{workshop}.toml")
    }

    /// Reads the curation of the digest presented at `workshop`: none when the file does not
    /// exist; an empty curation and the problem when it cannot be read or parsed.
    pub fn load(root: &Path, workshop: &str) -> (Curation, Vec<Problem>) {
        let rel = Curation::file(workshop);
        match std::fs::read_to_string(root.join(&rel)) {
            Ok(text) => Curation::parse(&rel, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (
                Curation {
                    path: rel,
                    entries: Vec::new(),
                },
                Vec::new(),
            ),
            Err(e) => {
                let c = Curation {
                    path: rel,
                    entries: Vec::new(),
                };
                let p = c.problem(0, ProblemKind::BadFile, &format!("cannot read: {e}"));
                (c, vec![p])
            }
        }
    }

    /// Parses a curation file's text; `path` names it in messages.
    pub fn parse(path: &str, text: &str) -> (Curation, Vec<Problem>) {
        let mut c = Curation {
            path: path.to_string(),
            entries: Vec::new(),
        };
        let file: FileDef = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                let line = e.span().map(|s| line_at(text, s.start)).unwrap_or(0);
                let p = c.problem(
                    line,
                    ProblemKind::BadFile,
                    &format!("{}; fix the file", e.message().trim()),
                );
                return (c, vec![p]);
            }
        };
        for d in file.finding {
            let line = line_at(text, d.id.span().start);
            let mut lines = BTreeMap::new();
            let mut strings = |list: Vec<toml::Spanned<String>>| -> Vec<String> {
                list.into_iter()
                    .map(|s| {
                        lines.insert(s.get_ref().clone(), line_at(text, s.span().start));
                        s.into_inner()
                    })
                    .collect()
            };
            let merged = strings(d.merged);
            let passages = strings(d.passages);
            let pinned = strings(d.pinned);
            c.entries.push(Entry {
                theme: d.theme,
                id: d.id.into_inner(),
                heading: d.heading,
                heading_sv: d.heading_sv,
                summary: d.summary,
                summary_sv: d.summary_sv,
                merged,
                passages,
                pinned,
                line,
                lines,
            });
        }
        (c, Vec::new())
    }

    fn problem(&self, line: usize, kind: ProblemKind, subject: &str) -> Problem {
        Problem {
            path: self.path.clone(),
            line,
            kind,
            subject: subject.to_string(),
        }
    }

    /// What the curation says about finding `id` of `theme`.
    pub fn entry(&self, theme: &str, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.theme == theme && e.id == id)
    }

    fn entry_mut(&mut self, theme: &str, id: &str) -> &mut Entry {
        let at = match self
            .entries
            .iter()
            .position(|e| e.theme == theme && e.id == id)
        {
            Some(i) => i,
            None => {
                self.entries.push(Entry {
                    theme: theme.to_string(),
                    id: id.to_string(),
                    ..Entry::default()
                });
                self.entries.len() - 1
            }
        };
        &mut self.entries[at]
    }

    /// Applies one change. `findings` are the theme's findings as they stand now (id and
    /// member passage ids), to check what the change names; an error says what is wrong in
    /// plain words and changes nothing.
    pub fn apply(
        &mut self,
        change: &Change,
        findings: &[(String, Vec<String>)],
    ) -> Result<(), String> {
        let theme = change.theme();
        let members = |id: &str| findings.iter().find(|f| f.0 == id).map(|f| &f.1);
        let known = |id: &str| -> Result<(), String> {
            members(id)
                .map(|_| ())
                .ok_or_else(|| format!("the theme has no finding '{id}'"))
        };
        let tidy = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        match change {
            Change::Rename { id, lang, text, .. } | Change::Summary { id, lang, text, .. } => {
                known(id)?;
                let text = tidy(text);
                if text.chars().count() > 300 {
                    return Err("the text is longer than 300 characters; shorten it".into());
                }
                let value = (!text.is_empty()).then_some(text);
                let e = self.entry_mut(theme, id);
                let field = match (change, lang) {
                    (Change::Rename { .. }, Lang::Sv) => &mut e.heading_sv,
                    (Change::Rename { .. }, _) => &mut e.heading,
                    (_, Lang::Sv) => &mut e.summary_sv,
                    _ => &mut e.summary,
                };
                *field = value;
            }
            Change::Merge { from, into, .. } => {
                known(from)?;
                known(into)?;
                if from == into {
                    return Err("a finding cannot be merged into itself".into());
                }
                let old = self
                    .entries
                    .iter()
                    .position(|e| e.theme == theme && &e.id == from)
                    .map(|i| self.entries.remove(i));
                for e in self.entries.iter_mut().filter(|e| e.theme == theme) {
                    for m in e.merged.iter_mut().filter(|m| *m == from) {
                        *m = into.clone();
                    }
                }
                let target = self.entry_mut(theme, into);
                target.merged.push(from.clone());
                if let Some(old) = old {
                    target.merged.extend(old.merged);
                    target.passages.extend(old.passages);
                }
                target.merged.sort();
                target.merged.dedup();
                target.merged.retain(|m| m != into);
            }
            Change::Move {
                passages,
                to,
                heading,
                ..
            } => {
                if passages.is_empty() {
                    return Err("choose at least one passage to move".into());
                }
                for p in passages {
                    if !findings.iter().any(|f| f.1.contains(p)) {
                        return Err(format!("passage '{p}' is not in this theme"));
                    }
                }
                let to = match to {
                    Some(id) => {
                        known(id)?;
                        id.clone()
                    }
                    // A split: the passages make a finding of their own.
                    None => {
                        let n = (1..)
                            .find(|n| {
                                let id = format!("oma-{n}");
                                members(&id).is_none() && self.entry(theme, &id).is_none()
                            })
                            .unwrap_or(1);
                        format!("oma-{n}")
                    }
                };
                for e in self.entries.iter_mut().filter(|e| e.theme == theme) {
                    e.passages.retain(|p| !passages.contains(p));
                    e.pinned.retain(|p| !passages.contains(p));
                }
                let e = self.entry_mut(theme, &to);
                e.passages.extend(passages.iter().cloned());
                if let Some(h) = heading.as_deref().map(tidy).filter(|h| !h.is_empty()) {
                    e.heading = Some(h);
                }
            }
            Change::Pin { id, passages, .. } => {
                let m = members(id).ok_or_else(|| format!("the theme has no finding '{id}'"))?;
                if let Some(p) = passages.iter().find(|p| !m.contains(p)) {
                    return Err(format!("passage '{p}' is not in the finding"));
                }
                if passages.len() > MAX_QUOTES {
                    return Err(format!("pin at most {MAX_QUOTES} quotes"));
                }
                self.entry_mut(theme, id).pinned = passages.clone();
            }
        }
        self.entries.retain(|e| !e.is_empty());
        Ok(())
    }

    /// The file's text: a header that says what it is, then one `[[finding]]` per entry.
    pub fn to_toml(&self, workshop: &str) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            finding: Vec<&'a Entry>,
        }
        let body = toml::to_string(&Out {
            finding: self.entries.iter().collect(),
        })
        .unwrap_or_default();
        format!(
            "# The researchers' curation of the findings of the digest presented at {workshop}.\n\
             # kooste proposes findings (passages grouped by matter within a theme); what is\n\
             # written here is applied over the proposal on every render. Written by\n\
             # `kooste findings` and the web app; it can be edited by hand. Per finding:\n\
             # theme, id (a matter id such as \"asuminen\", an own id, or a passage id),\n\
             # heading/heading_sv, summary/summary_sv, merged (findings merged into it),\n\
             # passages (passages moved into it) and pinned (the quotes shown first).\n\n{body}"
        )
    }

    /// Writes the curation durably to `findings/WORKSHOP.toml` under `root`.
    pub fn save(&self, root: &Path, workshop: &str) -> std::io::Result<PathBuf> {
        let path = root.join(Curation::file(workshop));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_atomic(&path, self.to_toml(workshop).as_bytes())?;
        Ok(path)
    }
}

/// One change a researcher makes to a digest's findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new heading (empty: back to the proposed one).
    Rename {
        /// The theme.
        theme: String,
        /// The finding.
        id: String,
        /// The heading's language.
        lang: Lang,
        /// The heading.
        text: String,
    },
    /// A one-sentence summary (empty: none).
    Summary {
        /// The theme.
        theme: String,
        /// The finding.
        id: String,
        /// The summary's language.
        lang: Lang,
        /// The summary.
        text: String,
    },
    /// Finding `from` is merged into `into`.
    Merge {
        /// The theme.
        theme: String,
        /// The finding merged away.
        from: String,
        /// The finding that takes its passages.
        into: String,
    },
    /// Passages move to another finding, or (`to: None`) to a new one of their own: a split.
    Move {
        /// The theme.
        theme: String,
        /// The passages.
        passages: Vec<String>,
        /// The finding they move to; none for a new one.
        to: Option<String>,
        /// The new finding's heading (Finnish), for a split.
        heading: Option<String>,
    },
    /// The quotes shown first (empty: kooste chooses).
    Pin {
        /// The theme.
        theme: String,
        /// The finding.
        id: String,
        /// Its passages to show first, in order.
        passages: Vec<String>,
    },
}

impl Change {
    /// The theme the change is in.
    pub fn theme(&self) -> &str {
        match self {
            Change::Rename { theme, .. }
            | Change::Summary { theme, .. }
            | Change::Merge { theme, .. }
            | Change::Move { theme, .. }
            | Change::Pin { theme, .. } => theme,
        }
    }
}

/// A heading taken from a passage when its finding has no matter: its first clause, at most
/// eight words, without trailing punctuation.
pub fn phrase(text: &str) -> String {
    let first = text
        .split_inclusive(['.', '!', '?', ';', ':', '\n'])
        .map(str::trim)
        .find(|s| s.chars().any(char::is_alphabetic))
        .unwrap_or(text);
    let words: Vec<&str> = first
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    let cut = words.len() > 8;
    let mut s = words[..words.len().min(8)].join(" ");
    while s.ends_with(|c: char| !c.is_alphanumeric()) {
        s.pop();
    }
    s = s
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_string();
    if cut {
        s.push('…');
    }
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fi<'a>(text: &'a str, theme: &'a str) -> Item<'a> {
        Item {
            text,
            lang: Lang::Fi,
            theme,
        }
    }

    #[test]
    fn passages_of_one_matter_in_different_words_and_languages_share_a_finding() {
        let t = Thesaurus::builtin().unwrap();
        let items = [
            fi("En pärjännyt päivääkään ilman viinaa.", "a"),
            fi("Haimme hänelle paikkaa päihdekuntoutusyksiköstä.", "a"),
            Item {
                text: "Han drack varje dag, och missbruket förstörde allt.",
                lang: Lang::Sv,
                theme: "a",
            },
            fi("Vuokra-asunto löytyi vihdoin.", "a"),
        ];
        let p = propose(&t, &items);
        assert!(p[0].matter.is_some());
        assert_eq!(p[0].matter, p[1].matter);
        assert_eq!(p[1].matter, p[2].matter);
        assert_ne!(p[3].matter, p[0].matter);
    }

    #[test]
    fn a_phrase_heading_is_the_first_clause_in_at_most_eight_words() {
        assert_eq!(phrase("kävin ryhmässä. Se auttoi."), "Kävin ryhmässä");
        assert_eq!(
            phrase("- yksi kaksi kolme neljä viisi kuusi seitsemän kahdeksan yhdeksän"),
            "Yksi kaksi kolme neljä viisi kuusi seitsemän kahdeksan…"
        );
    }

    #[test]
    fn a_bad_file_names_its_line_and_is_not_used() {
        let (c, problems) =
            Curation::parse("findings/x.toml", "[[finding]]\ntheme = \"a\"\nid = 3\n");
        assert!(c.entries.is_empty());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 3, "{problems:?}");
        assert!(problems[0].to_string().starts_with("findings/x.toml:3: "));
    }

    #[test]
    fn changes_round_trip_through_the_file() {
        let findings = vec![
            (
                "asuminen".to_string(),
                vec!["d#1".to_string(), "d#2".to_string()],
            ),
            ("talous".to_string(), vec!["d#3".to_string()]),
        ];
        let mut c = Curation::default();
        let theme = "a".to_string();
        c.apply(
            &Change::Rename {
                theme: theme.clone(),
                id: "asuminen".into(),
                lang: Lang::Fi,
                text: " Oma  koti ".into(),
            },
            &findings,
        )
        .unwrap();
        c.apply(
            &Change::Merge {
                theme: theme.clone(),
                from: "talous".into(),
                into: "asuminen".into(),
            },
            &findings,
        )
        .unwrap();
        c.apply(
            &Change::Move {
                theme: theme.clone(),
                passages: vec!["d#2".into()],
                to: None,
                heading: Some("Häätö".into()),
            },
            &findings,
        )
        .unwrap();
        assert!(
            c.apply(
                &Change::Pin {
                    theme: theme.clone(),
                    id: "asuminen".into(),
                    passages: vec!["d#9".into()]
                },
                &findings
            )
            .is_err()
        );
        let text = c.to_toml("w-2");
        let (back, problems) = Curation::parse("f", &text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(back.entries.len(), 2);
        assert_eq!(back.entries[0].heading.as_deref(), Some("Oma koti"));
        assert_eq!(back.entries[0].merged, vec!["talous".to_string()]);
        assert_eq!(back.entries[1].id, "oma-1");
        assert_eq!(back.entries[1].passages, vec!["d#2".to_string()]);
        assert_eq!(back.entries[1].heading.as_deref(), Some("Häätö"));
    }
}
