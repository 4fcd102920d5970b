//! Assembling a digest from the project, the round's passage records and the
//! development-steps list. No IO: the caller reads the index, the corpus metadata and the
//! steps file.

use crate::findings::{
    Arranged, Curation, Grouping, Item, MAX_QUOTES, Problem, arrange, phrase, propose_scored,
    quotes_wanted,
};
use crate::matters::Thesaurus;
use crate::model::*;
use crate::{Error, Result};
use kooste_core::model::{Dimension, Lang, Voice};
use kooste_core::project::{Project, Region, Workshop};
use kooste_core::record::PassageRecord;
use kooste_core::steps::{Kind, StepsList};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The workshop a digest is presented at and the round it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    /// The workshop where the digest is presented, `region-number`.
    pub workshop: String,
    /// The previous workshop, whose round the digest covers.
    pub previous: String,
}

impl Round {
    /// The round presented at `workshop`: the previous workshop's. An unknown workshop and
    /// the first workshop of a cycle are errors that say what to do.
    pub fn of(project: &Project, workshop: &str) -> Result<Round> {
        let (region, w) = project
            .workshop(workshop)
            .ok_or_else(|| Error::UnknownWorkshop {
                id: workshop.to_string(),
                known: if project.regions.is_empty() {
                    "none yet (describe the cycle in workshops/<region>.toml)".to_string()
                } else {
                    project.workshop_ids().join(", ")
                },
            })?;
        if w.number <= 1 {
            return Err(Error::FirstWorkshop {
                id: workshop.to_string(),
                region: region.name.clone(),
                next: region
                    .workshops
                    .iter()
                    .find(|x| x.number == w.number + 1)
                    .map(|x| format!("{}-{}", region.id, x.number)),
            });
        }
        Ok(Round {
            workshop: workshop.to_string(),
            previous: format!("{}-{}", region.id, w.number - 1),
        })
    }
}

/// What a digest is made of.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The project.
    pub project: &'a Project,
    /// The workshop and its round.
    pub round: &'a Round,
    /// The round's passage records, in corpus order (others are ignored).
    pub records: &'a [PassageRecord],
    /// The development-steps list.
    pub steps: &'a StepsList,
    /// How findings are grouped: the thesaurus and the researchers' curation.
    pub grouping: &'a Grouping,
}

/// Assembles the digest of `input.round` in `lang`.
pub fn assemble(input: &Input<'_>, lang: Lang) -> Result<Digest> {
    let project = input.project;
    let (region, workshop) = lookup(project, &input.round.workshop)?;
    let (_, previous) = lookup(project, &input.round.previous)?;
    let data_lang = project.config.project.lang;
    let info = |w: &Workshop| workshop_info(project, region, w, lang, data_lang);
    let records: Vec<&PassageRecord> = input
        .records
        .iter()
        .filter(|r| r.workshop.as_deref() == Some(input.round.previous.as_str()))
        // Comments on the previous digest have a section of their own.
        .filter(|r| !crate::comments::is_comment(r))
        .collect();
    let asked = previous
        .task
        .as_ref()
        .map(|t| task_info(project, &input.round.previous, t, lang, data_lang));
    let default_theme = previous.task.as_ref().map(|t| t.theme.clone());
    let mut problems = input.grouping.problems.clone();
    let themes = themes(
        &Context {
            project,
            thesaurus: &input.grouping.thesaurus,
            curation: &input.grouping.curation,
            lang,
        },
        &records,
        default_theme.as_deref(),
        previous,
        &mut problems,
    );
    let appendix = themes
        .iter()
        .flat_map(|t| &t.findings)
        .map(|f| f.rest.len())
        .sum();
    Ok(Digest {
        lang,
        project: project.config.project.name(lang).to_string(),
        workshop: info(workshop),
        round: info(previous),
        empty: records.is_empty(),
        asked,
        received: received(&records),
        matrix: matrix(&records),
        research: research(&records, &themes),
        themes,
        questions: records
            .iter()
            .filter(|r| is_question(r))
            .map(|r| quote(r))
            .collect(),
        steps: steps(
            project,
            input.steps,
            &input.round.previous,
            previous,
            workshop,
        ),
        next: workshop.task.as_ref().map(|t| {
            let id = format!("{}-{}", region.id, workshop.number);
            task_info(project, &id, t, lang, data_lang)
        }),
        next_workshop: region
            .workshops
            .iter()
            .find(|w| w.number == workshop.number + 1)
            .map(info),
        curation: problems,
        appendix,
        comments: crate::comments::section(input.records, &input.round.previous, lang),
    })
}

fn lookup<'p>(project: &'p Project, id: &str) -> Result<(&'p Region, &'p Workshop)> {
    project.workshop(id).ok_or_else(|| Error::UnknownWorkshop {
        id: id.to_string(),
        known: project.workshop_ids().join(", "),
    })
}

fn theme_label(project: &Project, id: &str, lang: Lang) -> Label {
    Label {
        id: id.to_string(),
        label: project
            .config
            .themes
            .get(id)
            .map(|b| b.get(lang).to_string())
            .unwrap_or_else(|| id.to_string()),
    }
}

fn workshop_info(
    project: &Project,
    region: &Region,
    w: &Workshop,
    lang: Lang,
    data_lang: Lang,
) -> WorkshopInfo {
    WorkshopInfo {
        id: format!("{}-{}", region.id, w.number),
        region: region.id.clone(),
        region_name: match lang {
            Lang::Sv if !region.name_sv.is_empty() => region.name_sv.clone(),
            _ => region.name.clone(),
        },
        number: w.number,
        of: region.workshops.len(),
        date: w.date,
        themes: w
            .themes
            .iter()
            .map(|t| theme_label(project, t, lang))
            .collect(),
        methods: w.methods.clone(),
        summary: text(&w.summary, &w.summary_sv, lang, data_lang),
    }
}

/// A text of the project's files in the digest's language when it has a Swedish version,
/// else in the project's language (which the templates mark when it is not the digest's).
fn text(own: &str, sv: &str, lang: Lang, data_lang: Lang) -> Text {
    if lang == Lang::Sv && !sv.trim().is_empty() {
        Text {
            text: sv.trim().to_string(),
            lang: Lang::Sv,
        }
    } else {
        Text {
            text: own.trim().to_string(),
            lang: data_lang,
        }
    }
}

fn task_info(
    project: &Project,
    workshop: &str,
    t: &kooste_core::Task,
    lang: Lang,
    data_lang: Lang,
) -> TaskInfo {
    TaskInfo {
        workshop: workshop.to_string(),
        theme: theme_label(project, &t.theme, lang),
        from: t.from.clone(),
        how: text(&t.how, &t.how_sv, lang, data_lang),
        battery: t
            .battery
            .as_ref()
            .and_then(|b| project.batteries.get(b))
            .map(|b| BatteryInfo {
                id: b.id.clone(),
                title: b.title.get(lang).to_string(),
                intro: b.intro.get(lang).to_string(),
                questions: b
                    .questions
                    .iter()
                    .map(|q| QuestionInfo {
                        text: match lang {
                            Lang::Sv if !q.sv.is_empty() => q.sv.clone(),
                            _ => q.fi.clone(),
                        },
                        voice: q.voice,
                    })
                    .collect(),
            }),
        due: t.due,
    }
}

/// The documents of the records, in corpus order.
fn doc_order<'r>(records: &[&'r PassageRecord]) -> Vec<&'r str> {
    let mut seen = BTreeSet::new();
    records
        .iter()
        .filter(|r| seen.insert(r.doc.as_str()))
        .map(|r| r.doc.as_str())
        .collect()
}

fn received(records: &[&PassageRecord]) -> Received {
    let order = doc_order(records);
    let mut firsts: HashMap<&str, &PassageRecord> = HashMap::new();
    for r in records {
        firsts.entry(r.doc.as_str()).or_insert(r);
    }
    let first_of = |d: &str| firsts.get(d).copied();
    let mut voices: Vec<VoiceCount> = Voice::ALL
        .iter()
        .map(|v| VoiceCount {
            voice: *v,
            documents: 0,
            passages: 0,
            relayed: 0,
        })
        .collect();
    let mut langs: BTreeMap<Lang, usize> = BTreeMap::new();
    for d in &order {
        let Some(first) = first_of(d) else { continue };
        let voice = first.document_voice;
        let vc = &mut voices[Voice::ALL.iter().position(|v| *v == voice).unwrap_or(0)];
        vc.documents += 1;
        if first.via.is_some_and(|via| via != voice) {
            vc.relayed += 1;
        }
        *langs.entry(first.lang).or_default() += 1;
    }
    for r in records {
        if let Some(vc) = voices.iter_mut().find(|v| v.voice == r.voice) {
            vc.passages += 1;
        }
    }
    let status = |want| {
        records
            .iter()
            .filter(|r| LabelStatus::of(&r.labels) == want)
            .count()
    };
    Received {
        documents: order.len(),
        passages: records.len(),
        confirmed: status(LabelStatus::Confirmed),
        proposed: status(LabelStatus::Proposed),
        voices,
        languages: langs
            .into_iter()
            .map(|(lang, documents)| LangCount { lang, documents })
            .collect(),
    }
}

fn level(count: usize, max: usize) -> u8 {
    if count == 0 || max == 0 {
        0
    } else {
        (count * 4).div_ceil(max).clamp(1, 4) as u8
    }
}

fn cell(dimension: Dimension, count: usize, max: usize) -> Cell {
    Cell {
        dimension,
        count,
        level: level(count, max),
        percent: (count * 100 + max / 2).checked_div(max).unwrap_or(0),
    }
}

fn matrix(records: &[&PassageRecord]) -> Matrix {
    let mut counts: BTreeMap<(Voice, Dimension), usize> = BTreeMap::new();
    let mut unclassified: BTreeMap<Voice, usize> = BTreeMap::new();
    let mut classified: BTreeMap<Voice, usize> = BTreeMap::new();
    let mut totals: BTreeMap<Dimension, usize> = BTreeMap::new();
    for r in records {
        let dims = r.labels.effective();
        if dims.is_empty() {
            *unclassified.entry(r.voice).or_default() += 1;
        } else {
            *classified.entry(r.voice).or_default() += 1;
        }
        for d in dims.into_iter().collect::<BTreeSet<_>>() {
            *counts.entry((r.voice, d)).or_default() += 1;
            *totals.entry(d).or_default() += 1;
        }
    }
    let max = counts.values().copied().max().unwrap_or(0);
    let max_total = totals.values().copied().max().unwrap_or(0);
    Matrix {
        dimensions: Dimension::ALL.to_vec(),
        rows: Voice::ALL
            .iter()
            .map(|v| MatrixRow {
                voice: *v,
                cells: Dimension::ALL
                    .iter()
                    .map(|d| cell(*d, counts.get(&(*v, *d)).copied().unwrap_or(0), max))
                    .collect(),
                classified: classified.get(v).copied().unwrap_or(0),
                unclassified: unclassified.get(v).copied().unwrap_or(0),
            })
            .collect(),
        totals: Dimension::ALL
            .iter()
            .map(|d| cell(*d, totals.get(d).copied().unwrap_or(0), max_total))
            .collect(),
        max,
        max_total,
        unclassified: unclassified.values().sum(),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of a quote: on one line, without the quotation marks of a passage that is itself
/// a quotation (the templates add their own).
fn quoted(text: &str) -> String {
    let t = one_line(text);
    let inner = t
        .strip_prefix(['"', '”', '“', '»'])
        .and_then(|s| s.strip_suffix(['"', '”', '“', '«']));
    match inner {
        Some(s) if !s.contains(['"', '”', '“']) => s.trim().to_string(),
        _ => t,
    }
}

pub(crate) fn quote(r: &PassageRecord) -> Quote {
    Quote {
        passage: r.passage.clone(),
        text: quoted(&r.text),
        voice: r.voice,
        pseudonym: r
            .pseudonym
            .as_deref()
            .map(one_line)
            .filter(|p| !p.is_empty()),
        via: r.via.filter(|v| *v != r.voice),
        lang: r.lang,
        question: r.question_text.as_deref().map(one_line),
        labels: LabelStatus::of(&r.labels),
    }
}

/// A researcher's question to the workshop: shown in its own part, not among the findings.
fn is_question(r: &PassageRecord) -> bool {
    r.voice == Voice::Researcher && r.text.contains('?')
}

struct Context<'a> {
    project: &'a Project,
    thesaurus: &'a Thesaurus,
    curation: &'a Curation,
    lang: Lang,
}

fn themes(
    cx: &Context<'_>,
    records: &[&PassageRecord],
    default_theme: Option<&str>,
    round: &Workshop,
    problems: &mut Vec<Problem>,
) -> Vec<ThemeSection> {
    // A passage without a theme was collected for the round's task, so it takes the task's.
    let theme_of = |r: &PassageRecord| -> String {
        r.theme
            .clone()
            .or_else(|| default_theme.map(str::to_string))
            .unwrap_or_default()
    };
    let records: Vec<&PassageRecord> = records
        .iter()
        .copied()
        .filter(|r| !is_question(r))
        .collect();
    let themes: Vec<String> = records.iter().map(|r| theme_of(r)).collect();
    let items: Vec<Item<'_>> = records
        .iter()
        .zip(&themes)
        .map(|(r, t)| Item {
            text: &r.text,
            lang: r.lang,
            theme: t,
        })
        .collect();
    // Matching the thesaurus is most of a large round's time: each distinct word once.
    let texts: Vec<(&str, Lang)> = records.iter().map(|r| (r.text.as_str(), r.lang)).collect();
    let scores = cx.thesaurus.scores_all(&texts);
    let proposed = propose_scored(&items, &scores);
    let mut order: Vec<String> = Vec::new();
    let mut push = |t: &str| {
        if !order.iter().any(|o| o == t) {
            order.push(t.to_string());
        }
    };
    if let Some(t) = default_theme {
        push(t);
    }
    for t in &round.themes {
        push(t);
    }
    let mut rest = themes.clone();
    rest.sort_by_key(|t| (t.is_empty(), t.clone()));
    for t in &rest {
        push(t);
    }
    let mut out = Vec::new();
    for theme in order {
        let idx: Vec<usize> = (0..records.len()).filter(|&i| themes[i] == theme).collect();
        if idx.is_empty() {
            continue;
        }
        let ids: Vec<&str> = idx.iter().map(|&i| records[i].passage.as_str()).collect();
        let props: Vec<_> = idx.iter().map(|&i| proposed[i].clone()).collect();
        let arranged = arrange(cx.thesaurus, &theme, &ids, &props, cx.curation, problems);
        let mut findings: Vec<(usize, Finding)> = arranged
            .iter()
            .map(|a| {
                let rs: Vec<&PassageRecord> = a.members.iter().map(|&m| records[idx[m]]).collect();
                let ss: Vec<&[(usize, usize)]> = a
                    .members
                    .iter()
                    .map(|&m| scores[idx[m]].as_slice())
                    .collect();
                (a.members[0], finding(cx, &theme, a, &rs, &ss))
            })
            .collect();
        // Multi-voiced first (more voices first), then larger findings, then corpus order.
        findings.sort_by_key(|(first, f)| {
            (
                std::cmp::Reverse(f.voices.len()),
                std::cmp::Reverse(f.count),
                *first,
            )
        });
        let (findings, single): (Vec<Finding>, Vec<Finding>) = findings
            .into_iter()
            .map(|(_, f)| f)
            .partition(|f| f.count > 1 || f.curated || f.matter.is_some());
        out.push(ThemeSection {
            theme: if theme.is_empty() {
                Label {
                    id: String::new(),
                    label: String::new(),
                }
            } else {
                theme_label(cx.project, &theme, cx.lang)
            },
            passages: idx.len(),
            voices: Voice::ALL
                .iter()
                .copied()
                .filter(|v| idx.iter().any(|&i| records[i].voice == *v))
                .collect(),
            multi_voiced: findings.iter().filter(|f| f.multi_voiced).count(),
            findings,
            single,
        });
    }
    out
}

/// An HTML anchor made of a theme and a finding id: letters, digits and hyphens.
fn anchor(theme: &str, id: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect()
    };
    format!("f-{}--{}", clean(theme), clean(id))
}

fn finding(
    cx: &Context<'_>,
    theme: &str,
    a: &Arranged,
    rs: &[&PassageRecord],
    scores: &[&[(usize, usize)]],
) -> Finding {
    let entry = cx.curation.entry(theme, &a.id);
    let voices: Vec<Voice> = Voice::ALL
        .iter()
        .copied()
        .filter(|v| rs.iter().any(|r| r.voice == *v))
        .collect();
    // How central each passage is: the terms of the finding's matter it has.
    let strength: Vec<usize> = scores
        .iter()
        .map(|s| match a.matter {
            Some(m) => s.iter().find(|(x, _)| *x == m).map_or(0, |(_, n)| *n),
            None => 0,
        })
        .collect();
    let shown = quotes_shown(rs, &strength, &voices, entry.map_or(&[][..], |e| &e.pinned));
    let heading = match entry.and_then(|e| e.heading(cx.lang)) {
        Some((text, lang)) => Text { text, lang },
        None => match a.matter {
            Some(m) => Text {
                text: cx.thesaurus.matters()[m].name.get(cx.lang).to_string(),
                lang: cx.lang,
            },
            None => {
                let central = shown.first().map_or(rs[0], |&i| rs[i]);
                Text {
                    text: phrase(&one_line(&central.text)),
                    lang: central.lang,
                }
            }
        },
    };
    let mut dims: BTreeMap<Dimension, usize> = BTreeMap::new();
    for r in rs {
        for d in r.labels.effective().into_iter().collect::<BTreeSet<_>>() {
            *dims.entry(d).or_default() += 1;
        }
    }
    Finding {
        id: a.id.clone(),
        theme: theme.to_string(),
        anchor: anchor(theme, &a.id),
        heading,
        summary: entry
            .and_then(|e| e.summary(cx.lang))
            .map(|(text, lang)| Text { text, lang }),
        matter: a.matter.map(|m| cx.thesaurus.matters()[m].id.clone()),
        curated: entry.is_some(),
        multi_voiced: voices.len() > 1,
        voices,
        dimensions: Dimension::ALL
            .iter()
            .filter_map(|d| {
                dims.get(d).map(|&count| DimensionCount {
                    dimension: *d,
                    count,
                })
            })
            .collect(),
        count: rs.len(),
        quotes: shown.iter().map(|&i| quote(rs[i])).collect(),
        rest: (0..rs.len())
            .filter(|i| !shown.contains(i))
            .map(|i| quote(rs[i]))
            .collect(),
    }
}

/// Which passages a finding quotes, in order: the pinned ones, then the most central
/// passage of each voice, then the most central of the rest: one per voice and at least two
/// (all, when it has fewer). Pinned quotes (up to four) replace the choice.
fn quotes_shown(
    rs: &[&PassageRecord],
    strength: &[usize],
    voices: &[Voice],
    pinned: &[String],
) -> Vec<usize> {
    let want = quotes_wanted(rs.len(), voices.len());
    // Most central first; of equals, one of a readable length, then the earlier.
    let fit = |i: usize| {
        let len = rs[i].text.chars().count();
        (std::cmp::Reverse(strength[i]), len.abs_diff(160) / 80, i)
    };
    let mut by_fit: Vec<usize> = (0..rs.len()).collect();
    by_fit.sort_by_key(|&i| fit(i));
    let mut shown: Vec<usize> = pinned
        .iter()
        .filter_map(|p| rs.iter().position(|r| &r.passage == p))
        .take(MAX_QUOTES)
        .collect();
    if !shown.is_empty() {
        // The researcher chose the quotes: exactly those are shown.
        return shown;
    }
    let mut per_voice: Vec<usize> = voices
        .iter()
        .filter_map(|v| by_fit.iter().copied().find(|&i| rs[i].voice == *v))
        .collect();
    per_voice.sort_by_key(|&i| fit(i));
    for i in per_voice.into_iter().chain(by_fit) {
        if shown.len() >= want {
            break;
        }
        if !shown.contains(&i) {
            shown.push(i);
        }
    }
    shown
}

fn research(records: &[&PassageRecord], themes: &[ThemeSection]) -> Vec<ResearchDoc> {
    let mut finding_of: BTreeMap<&str, &Finding> = BTreeMap::new();
    for th in themes {
        for f in th.all_findings() {
            for q in f.passages() {
                finding_of.insert(q.passage.as_str(), f);
            }
        }
    }
    let mut of_doc: HashMap<&str, Vec<&PassageRecord>> = HashMap::new();
    for r in records {
        of_doc.entry(r.doc.as_str()).or_default().push(r);
    }
    doc_order(records)
        .into_iter()
        .filter_map(|d| {
            let rs: &[&PassageRecord] = of_doc.get(d).map_or(&[][..], Vec::as_slice);
            let first = rs.first()?;
            let mut findings: Vec<FindingRef> = Vec::new();
            for r in rs {
                let Some(f) = finding_of.get(r.passage.as_str()) else {
                    continue;
                };
                match findings.iter_mut().find(|x| x.anchor == f.anchor) {
                    Some(x) => x.passages += 1,
                    None => findings.push(FindingRef {
                        anchor: f.anchor.clone(),
                        heading: f.heading.text.clone(),
                        passages: 1,
                    }),
                }
            }
            (first.document_voice == Voice::Researcher).then(|| ResearchDoc {
                doc: d.to_string(),
                title: first
                    .title
                    .as_deref()
                    .map(one_line)
                    .filter(|t| !t.is_empty()),
                pseudonym: first
                    .pseudonym
                    .as_deref()
                    .map(one_line)
                    .filter(|p| !p.is_empty()),
                date: first.date,
                lang: first.lang,
                passages: rs.len(),
                findings,
            })
        })
        .collect()
}

fn steps(
    project: &Project,
    list: &StepsList,
    previous_id: &str,
    previous: &Workshop,
    workshop: &Workshop,
) -> StepsPart {
    let (since, until) = (previous.date, workshop.date);
    let mut part = StepsPart {
        since: Some(since),
        until: Some(until),
        ..StepsPart::default()
    };
    for e in &list.entries {
        // The list as it stood the day before the workshop: what was raised later is left out.
        if e.raised(project).is_some_and(|d| d >= until) {
            continue;
        }
        let new = e.workshop.as_deref() == Some(previous_id);
        let status = e.status_before(until);
        let was = e.status_on(since);
        let notes: Vec<NoteItem> = e
            .notes_between(Some(since), until)
            .into_iter()
            .map(|n| NoteItem {
                date: n.date,
                text: n.text.clone(),
                status: n.status,
            })
            .collect();
        let item = StepItem {
            id: e.id.clone(),
            kind: e.kind,
            title: e.title.clone(),
            description: e.description.clone(),
            workshop: e.workshop.clone(),
            voices: e.voices.clone(),
            status,
            status_was: (!new && was != status).then_some(was),
            new,
            changed: new || !notes.is_empty(),
            notes,
            needs: e
                .needs
                .iter()
                .filter_map(|n| list.get(n).map(|x| x.title.clone()))
                .collect(),
            lang: Some(e.lang.unwrap_or(project.config.project.lang)),
        };
        if item.changed {
            part.changed += 1;
        }
        match e.kind {
            Kind::Need => part.needs.push(item),
            Kind::Step => part.steps.push(item),
        }
    }
    part
}
