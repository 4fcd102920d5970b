//! `/review`: a researcher decides which CAIMeR dimensions hold for a passage, one passage
//! at a time, with the proposer's scores and the evidence behind them.
//!
//! What is stored is exactly what was on the screen: the form posts the labels checked,
//! together with the version of what the page showed (the proposer's model fingerprint, the
//! labels it proposed, a hash of the passage's text, and how many decisions the passage had).
//! When any of that changed before the click (another researcher decided the passage, or a
//! decision elsewhere retrained the proposer into another proposal), nothing is stored: the
//! passage is shown again with what changed and the researcher's own choices, to keep or
//! to save. Any passage can be opened again (`?passage=ID`, linked from the document page
//! and search) and its decision changed or withdrawn; the decisions file keeps the history.
//!
//! The queue puts first the passages of the round that feeds the next digest, then those
//! whose decision teaches the proposer most (scores nearest the threshold,
//! [`kooste_caimer::Proposal::margin`]; `caimer_eval` shows this order's learning curve
//! beside random order); skipped
//! passages come back at the end. It can be filtered by workshop, voice and theme.

use super::document;
use super::search::{dimension_label, theme_label, voice_label, workshop_label};
use super::{Fields, field, login};
use crate::accounts::Role;
use crate::app::{App, Ctx, Shared, encode, local_path};
use crate::extract::{Post, PostRoute, Researcher, Signed};
use crate::session::View;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kooste_caimer::{Proposal, Source};
use kooste_core::model::{Decision, Dimension, Lang, Voice};
use kooste_workspace::{Filters, PassageRecord};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

/// `GET /review` parameters; the filters also travel in the form as hidden fields.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct Params {
    #[serde(default)]
    passage: String,
    #[serde(default)]
    workshop: String,
    #[serde(default)]
    voice: String,
    #[serde(default)]
    theme: String,
    /// A local path to go back to after deciding (the document page or search).
    #[serde(default)]
    back: String,
}

impl Params {
    fn from_fields(f: &Fields) -> Params {
        Params {
            passage: field(f, "passage").to_string(),
            workshop: field(f, "workshop").to_string(),
            voice: field(f, "voice").to_string(),
            theme: field(f, "theme").to_string(),
            back: field(f, "back").to_string(),
        }
    }

    fn filters(&self) -> Filters {
        Filters {
            voice: self.voice.parse::<Voice>().ok(),
            workshop: Some(self.workshop.clone()).filter(|w| !w.is_empty()),
            theme: Some(self.theme.clone()).filter(|t| !t.is_empty()),
            ..Filters::default()
        }
    }

    /// The queue's address with these filters.
    fn queue_path(&self) -> String {
        let q: Vec<String> = [
            ("workshop", &self.workshop),
            ("voice", &self.voice),
            ("theme", &self.theme),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
        if q.is_empty() {
            "/review".to_string()
        } else {
            format!("/review?{}", q.join("&"))
        }
    }

    /// Where to go after a decision: back where the passage was opened from, else the queue.
    fn after(&self) -> String {
        if self.back.is_empty() {
            self.queue_path()
        } else {
            local_path(&self.back)
        }
    }
}

/// The review page of one passage, decided or not, returning to `back` after the decision:
/// what the document page and search link to for researchers.
pub(crate) fn reopen_href(passage: &str, back: &str) -> String {
    format!("/review?passage={}&back={}", encode(passage), encode(back))
}

fn hints(app: &App, r: &PassageRecord) -> Vec<Dimension> {
    r.battery
        .as_deref()
        .and_then(|b| app.project.batteries.get(b))
        .and_then(|b| {
            b.questions
                .iter()
                .find(|q| Some(&q.id) == r.question.as_ref())
        })
        .map(|q| q.hints.clone())
        .unwrap_or_default()
}

/// A 64-bit FNV-1a hash, for the version fields of the form.
fn fnv(parts: &[&str]) -> u64 {
    let mut f = kooste_core::fingerprint::Fingerprint::new();
    for p in parts {
        f.add(p);
    }
    f.value()
}

/// The hash of a passage's text as the researcher saw it (whitespace aside).
fn text_hash(text: &str) -> String {
    format!(
        "{:016x}",
        fnv(&[&text.split_whitespace().collect::<Vec<_>>().join(" ")])
    )
}

/// Labels as a form value: `actors,results` in canonical order.
fn labels_value(labels: &[Dimension]) -> String {
    labels
        .iter()
        .map(|d| d.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_labels(s: &str) -> Vec<Dimension> {
    let mut l: Vec<Dimension> = s.split(',').filter_map(|d| d.trim().parse().ok()).collect();
    l.sort_unstable();
    l.dedup();
    l
}

/// Margins already computed, by model fingerprint, language, hints and text: a proposal
/// depends on nothing else, so the queue is not proposed again in full on every page.
static MARGINS: LazyLock<Mutex<HashMap<u64, f32>>> = LazyLock::new(Mutex::default);

/// The rounds that feed the next digest: in each region, the workshop before the first one
/// dated today or later. When no workshop lies ahead (a cycle that has ended, or an
/// example project), the latest round that has material awaiting a decision.
fn next_rounds(app: &App, waiting: &[PassageRecord]) -> BTreeSet<String> {
    let today = Some(kooste_core::clock::today());
    let mut rounds = BTreeSet::new();
    for r in &app.project.regions {
        let upcoming = r
            .workshops
            .iter()
            .filter(|w| today.is_some_and(|t| w.date >= t))
            .min_by_key(|w| w.date);
        if let Some(next) = upcoming
            && let Some(prev) = r.workshops.iter().find(|w| w.number + 1 == next.number)
        {
            rounds.insert(format!("{}-{}", r.id, prev.number));
        }
    }
    if rounds.is_empty() {
        let latest = waiting
            .iter()
            .filter_map(|r| r.workshop.as_deref())
            .filter_map(|w| app.project.workshop(w).map(|(_, ws)| (ws.date, w)))
            .max();
        if let Some((_, w)) = latest {
            rounds.insert(w.to_string());
        }
    }
    rounds
}

/// The queue: passages without a decision under the filters, the next digest's round
/// first, then the most uncertain proposals, then corpus order; skipped ones at the end,
/// in the order skipped.
struct Queue {
    passages: Vec<PassageRecord>,
    rounds: BTreeSet<String>,
    /// The records of every passage under the filters, decided or not (to open one).
    all: Vec<PassageRecord>,
}

fn queue(app: &App, params: &Params, skipped: &[String]) -> Result<Queue, String> {
    let all = app
        .ws
        .index()
        .and_then(|ix| Ok(ix.records(&params.filters())?))
        .map_err(|e| e.to_string())?;
    let waiting: Vec<PassageRecord> = all
        .iter()
        .filter(|r| r.labels.confirmed.is_none())
        .cloned()
        .collect();
    let rounds = next_rounds(app, &waiting);
    let caimer = app.ws.caimer().map_err(|e| e.to_string())?;
    let fp = caimer.proposer().model().fingerprint().to_string();
    let threshold = caimer.proposer().settings().threshold;
    let mut margins = MARGINS.lock().unwrap_or_else(|e| e.into_inner());
    if margins.len() > 500_000 {
        margins.clear();
    }
    let mut keyed: Vec<(Option<usize>, bool, f32, usize, PassageRecord)> = waiting
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let h = hints(app, &r);
            let hint_names = labels_value(&h);
            let key = fnv(&[&fp, r.lang.as_str(), &hint_names, &r.text]);
            let m = *margins
                .entry(key)
                .or_insert_with(|| caimer.propose(&r.text, r.lang, &h).margin(threshold));
            let skip = skipped.iter().position(|s| *s == r.passage);
            let in_round = r.workshop.as_ref().is_some_and(|w| rounds.contains(w));
            (skip, !in_round, m, i, r)
        })
        .collect();
    keyed.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.cmp(&b.1))
            .then(a.2.total_cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    Ok(Queue {
        passages: keyed.into_iter().map(|k| k.4).collect(),
        rounds,
        all,
    })
}

/// A weight as Finnish and Swedish write it: a sign (a true minus), one decimal, a decimal
/// comma (`+2,4`, `−1,2`).
fn weight(w: f32) -> String {
    format!("{w:+.1}")
        .replace('.', ",")
        .replace('-', "\u{2212}")
}

/// An RFC 3339 time as people read it: `14.3.2018 09:30 UTC`.
fn when_label(when: &str) -> String {
    let part = |r: std::ops::Range<usize>| when.get(r).and_then(|s| s.parse::<u32>().ok());
    match (part(0..4), part(5..7), part(8..10), when.get(11..16)) {
        (Some(y), Some(m), Some(d), Some(hm)) => format!("{d}.{m}.{y} {hm} UTC"),
        _ => when.to_string(),
    }
}

/// What the version fields of a review form say the page showed.
#[derive(Debug, Clone, Default)]
struct Seen {
    /// The labels proposed. (The form also carries the fingerprint of the model that
    /// proposed them, `model`, but only a change of the labels counts: a model retrained
    /// into the same proposal changed nothing the researcher saw.)
    proposal: Vec<Dimension>,
    /// The hash of the text.
    text: String,
    /// How many decisions the passage had.
    basis: usize,
}

impl Seen {
    fn from_fields(f: &Fields) -> Option<Seen> {
        Some(Seen {
            proposal: parse_labels(field(f, "proposal")),
            text: Some(field(f, "seen"))
                .filter(|s| !s.is_empty())?
                .to_string(),
            basis: field(f, "basis").parse().ok()?,
        })
    }
}

/// The passage as it stands now: its record, the proposal, its decisions.
struct Now {
    rec: PassageRecord,
    proposal: Proposal,
    model: String,
    history: Vec<Decision>,
    /// The score from which the proposer proposes a dimension.
    threshold: f32,
}

impl Now {
    fn of(app: &App, rec: PassageRecord) -> Result<Now, String> {
        let caimer = app.ws.caimer().map_err(|e| e.to_string())?;
        let proposal = caimer.propose(&rec.text, rec.lang, &hints(app, &rec));
        let history = kooste_caimer::decisions::history(caimer.decisions(), &rec.passage)
            .into_iter()
            .cloned()
            .collect();
        Ok(Now {
            threshold: caimer.proposer().settings().threshold,
            model: caimer.proposer().model().fingerprint().to_string(),
            rec,
            proposal,
            history,
        })
    }

    /// The decision that holds: the last one, unless it withdrew the earlier ones.
    fn decision(&self) -> Option<&Decision> {
        self.history.last().filter(|d| !d.withdrawn)
    }

    fn seen(&self) -> Seen {
        Seen {
            proposal: self.proposal.labels.clone(),
            text: text_hash(&self.rec.text),
            basis: self.history.len(),
        }
    }
}

/// What changed between what a page showed and now.
#[derive(Debug, Default)]
struct Changed {
    /// Decisions made on the passage since (by someone else, or in another tab).
    decided: Vec<Decision>,
    /// The proposal shown, when the proposer now proposes other labels.
    proposal_was: Option<Vec<Dimension>>,
    /// The text was edited since.
    text: bool,
}

impl Changed {
    fn between(seen: &Seen, now: &Now) -> Changed {
        Changed {
            decided: now.history.iter().skip(seen.basis).cloned().collect(),
            proposal_was: (seen.proposal != now.proposal.labels).then(|| seen.proposal.clone()),
            text: seen.text != text_hash(&now.rec.text),
        }
    }

    fn any(&self) -> bool {
        !self.decided.is_empty() || self.proposal_was.is_some() || self.text
    }
}

/// How the page is shown besides the passage.
#[derive(Default)]
struct Shown {
    /// The boxes as the researcher left them (after a change, or a new sign-in).
    checked: Option<Vec<Dimension>>,
    changed: Option<Changed>,
    notice: Option<String>,
}

/// One reason on the review page: the words of the text (none for a form question's hint),
/// and each source behind them with its weight, a word's cue and what was learned of it
/// together, so that no word is named twice.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reason {
    pub(crate) feature: Option<String>,
    /// (what it is, in the page's language, or empty when that would only repeat the
    /// words; its weight).
    pub(crate) parts: Vec<(String, f32)>,
}

impl Reason {
    fn net(&self) -> f32 {
        self.parts.iter().map(|(_, w)| w).sum()
    }

    /// `toivo ja rohkeus, +2,4`, `velat +2,0; opittu +0,3`, `+2,0`, and for a hint
    /// `lomakkeen kysymys (+1,0)`.
    fn detail(&self) -> String {
        if let (None, [(what, w)]) = (&self.feature, self.parts.as_slice()) {
            return format!("{what} ({})", weight(*w));
        }
        let one = |(what, w): &(String, f32)| {
            if what.is_empty() {
                weight(*w)
            } else if self.parts.len() == 1 {
                format!("{what}, {}", weight(*w))
            } else {
                format!("{what} {}", weight(*w))
            }
        };
        self.parts.iter().map(one).collect::<Vec<_>>().join("; ")
    }
}

/// The evidence of one dimension as reasons: grouped by the words of the text (a cue and
/// a learned weight of the same word are one reason), a cue's plain name left out where it
/// is the word itself (`“velat” (+2,0)`, not `“velat” (velat, +2,0)`), strongest first.
pub(crate) fn reasons(
    app: &App,
    lang: Lang,
    evidence: &[kooste_caimer::Evidence],
    d: Dimension,
) -> Vec<Reason> {
    let mut out: Vec<Reason> = Vec::new();
    for e in evidence.iter().filter(|e| e.dimension == d) {
        // A cue is explained in the page's language, whatever the passage's; a hint has no
        // words of the text to quote.
        let (feature, what) = match &e.source {
            Source::Cue { plain, .. } => (Some(e.feature.clone()), plain.get(lang).to_string()),
            Source::Learned => (
                Some(e.feature.clone()),
                app.pages.word(lang, "evidence_learned"),
            ),
            Source::Hint => (None, app.pages.word(lang, "evidence_hint")),
            Source::Decided => (
                Some(e.feature.clone()),
                app.pages.word(lang, "evidence_decided"),
            ),
        };
        let what = match &feature {
            Some(f) if f.to_lowercase() == what.to_lowercase() => String::new(),
            _ => what,
        };
        let same = |r: &Reason| match (&r.feature, &feature) {
            (Some(a), Some(b)) => a.to_lowercase() == b.to_lowercase(),
            (None, None) => true,
            _ => false,
        };
        match out.iter_mut().find(|r| same(r)) {
            Some(r) => match r.parts.iter_mut().find(|(w, _)| *w == what) {
                Some(p) => p.1 += e.weight,
                None => r.parts.push((what, e.weight)),
            },
            None => out.push(Reason {
                feature,
                parts: vec![(what, e.weight)],
            }),
        }
    }
    for r in &mut out {
        // A part that rounds to nothing says nothing (`skulder −0,0`), and beside a strong
        // reason the base model's many small weights only hide it.
        if r.parts.len() > 1 {
            r.parts.retain(|(_, w)| w.abs() >= 0.15);
        }
    }
    out.retain(|r| !r.parts.is_empty() && r.net().abs() > 0.05);
    out.sort_by(|a, b| b.net().abs().total_cmp(&a.net().abs()));
    out.truncate(4);
    out
}

fn dims_view(app: &App, lang: Lang, proposal: &Proposal, checked: &[Dimension]) -> Vec<Value> {
    Dimension::ALL
        .iter()
        .map(|d| {
            // What pushed the score up and what held it down, in separate lists: a
            // reader (or a screen reader) should not have to tell them apart by style.
            let (support, against): (Vec<_>, Vec<_>) = reasons(app, lang, &proposal.evidence, *d)
                .into_iter()
                .partition(|r| r.net() > 0.0);
            let explain = |r: &Reason| {
                context! {
                    feature => r.feature.clone(),
                    detail => r.detail(),
                }
            };
            let support: Vec<Value> = support.iter().map(explain).collect();
            let against: Vec<Value> = against.iter().map(explain).collect();
            let score = proposal.score(*d);
            context! {
                value => d.as_str(),
                label => dimension_label(*d, lang),
                score => format!("{:.0}\u{a0}%", score * 100.0),
                percent => (score * 100.0).round() as u32,
                proposed => proposal.labels.contains(d),
                checked => checked.contains(d),
                support => support,
                against => against,
            }
        })
        .collect()
}

fn labels_text(labels: &[Dimension], lang: Lang, none: &str) -> String {
    if labels.is_empty() {
        none.to_string()
    } else {
        labels
            .iter()
            .map(|d| dimension_label(*d, lang))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn decision_view(app: &App, lang: Lang, d: &Decision) -> Value {
    context! {
        who => d.who.clone(),
        when => when_label(&d.when),
        withdrawn => d.withdrawn,
        labels => labels_text(&d.labels, lang, &app.pages.word(lang, "review_labels_none")),
    }
}

/// The select options of the filters.
fn filter_options(app: &App, lang: Lang, p: &Params) -> Value {
    let workshops: Vec<Value> = app
        .project
        .workshop_ids()
        .into_iter()
        .map(|id| context! { label => workshop_label(app, &id, lang), selected => id == p.workshop, id => id })
        .collect();
    let voices: Vec<Value> = Voice::ALL
        .iter()
        .map(|v| context! { id => v.as_str(), label => voice_label(app, lang, *v), selected => v.as_str() == p.voice })
        .collect();
    let themes: Vec<Value> = app
        .project
        .config
        .themes
        .keys()
        .map(|id| context! { label => theme_label(app, id, lang), selected => *id == p.theme, id => id })
        .collect();
    context! { workshops => workshops, voices => voices, themes => themes, any => p.filters().any() }
}

/// Renders the review page: the passage `params.passage` (decided or not), else the head
/// of the queue.
async fn render(
    app: &Shared,
    ctx: &Ctx,
    params: Params,
    shown: Shown,
    status: StatusCode,
) -> Response {
    let lang = ctx.lang;
    let skipped = ctx.view.skipped.clone();
    let built = {
        let app = Arc::clone(app);
        let params = params.clone();
        tokio::task::spawn_blocking(move || -> Result<(Queue, Option<Now>), String> {
            let q = queue(&app, &params, &skipped)?;
            let rec = if params.passage.is_empty() {
                q.passages.first().cloned()
            } else {
                let doc = params.passage.rsplit_once('#').map_or("", |(d, _)| d);
                match q.all.iter().find(|r| r.passage == params.passage) {
                    Some(r) => Some(r.clone()),
                    // Outside the filters: opened from a document or a search.
                    None => app
                        .ws
                        .index()
                        .and_then(|ix| Ok(ix.document(doc)?))
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .find(|r| r.passage == params.passage),
                }
            };
            let now = rec.map(|r| Now::of(&app, r)).transpose()?;
            Ok((q, now))
        })
        .await
    };
    let (q, now) = match built {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return app.failure(ctx, &e),
        Err(e) => return app.failure(ctx, &e),
    };
    if now.is_none() && !params.passage.is_empty() {
        return app.not_found(ctx);
    }
    let none = app.pages.word(lang, "review_labels_none");
    let item = now.as_ref().map(|now| {
        let r = &now.rec;
        let decided = now.decision();
        // The boxes: as the researcher left them, else the decision, else the proposal.
        let checked = shown.checked.clone().unwrap_or_else(|| match decided {
            Some(d) => d.labels.clone(),
            None => r
                .labels
                .confirmed
                .clone()
                .unwrap_or_else(|| now.proposal.labels.clone()),
        });
        let seen = now.seen();
        let n = r.passage.rsplit('#').next().unwrap_or("1");
        let changed = shown.changed.as_ref().map(|c| {
            context! {
                decided => c.decided.iter().map(|d| decision_view(app, lang, d)).collect::<Vec<_>>(),
                proposal_was => c.proposal_was.as_ref().map(|p| labels_text(p, lang, &none)),
                proposal_now => labels_text(&now.proposal.labels, lang, &none),
                text => c.text,
            }
        });
        context! {
            passage => r.passage.clone(),
            href => format!("/documents/{}#{}-{n}", encode(&r.doc), r.doc),
            text => r.text.clone(),
            question => r.question_text.clone(),
            voice => voice_label(app, lang, r.voice),
            workshop => r.workshop.as_deref().map(|w| workshop_label(app, w, lang)),
            in_round => r.workshop.as_ref().is_some_and(|w| q.rounds.contains(w)),
            proposed => labels_text(&now.proposal.labels, lang, &app.pages.word(lang, "review_no_proposal")),
            decided => decided.map(|d| decision_view(app, lang, d)),
            // A passage aligned with a decision made under another id (its document was
            // edited): decided, by whom the history of this id does not say.
            decided_elsewhere => r.labels.confirmed.as_ref().filter(|_| decided.is_none()).map(|l| labels_text(l, lang, &none)),
            history => now.history.iter().map(|d| decision_view(app, lang, d)).collect::<Vec<_>>(),
            skipped => ctx.view.skipped.contains(&r.passage),
            changed => changed,
            dims => dims_view(app, lang, &now.proposal, &checked),
            threshold => format!("{:.0}\u{a0}%", now.threshold * 100.0),
            version => context! {
                model => now.model.clone(),
                proposal => labels_value(&seen.proposal),
                seen => seen.text,
                basis => seen.basis,
            },
        }
    });
    let flash = app.sessions.take_flash(&ctx.view.token);
    let base = app.base(lang, Some(&ctx.view), &ctx.path);
    let rounds: Vec<String> = q
        .rounds
        .iter()
        .map(|w| workshop_label(app, w, lang))
        .collect();
    app.html(
        status,
        "review.html.j2",
        context! {
            remaining => q.passages.len(),
            skipped => ctx.view.skipped.len(),
            rounds => rounds,
            item => item,
            filters => filter_options(app, lang, &params),
            params => context! {
                workshop => params.workshop,
                voice => params.voice,
                theme => params.theme,
                // Only a path of this site, never a link elsewhere.
                back => (!params.back.is_empty()).then(|| local_path(&params.back)),
            },
            notice => shown.notice,
            flash => flash,
            ..base
        },
    )
}

/// `GET /review` (`?passage=ID` opens one, decided or not; `workshop`, `voice`, `theme`
/// filter the queue; `back` is where to return after deciding).
pub(crate) async fn page(
    app: Shared,
    Query(p): Query<Params>,
    Signed { ctx, .. }: Signed<Researcher>,
) -> Response {
    render(&app, &ctx, p, Shown::default(), StatusCode::OK).await
}

/// The review form kept across a new sign-in, as the `carry` of the login form:
/// `{"review": [[name, value], ...]}` (everything but the CSRF token).
fn carry(fields: &Fields) -> String {
    let kept: Fields = fields
        .iter()
        .filter(|(k, _)| k != "csrf_token")
        .cloned()
        .collect();
    serde_json::json!({ "review": kept }).to_string()
}

/// After signing in again: the passage that was being decided, with the boxes as they were
/// left. What changed since the page before the sign-in (a decision by someone else, another
/// proposal) is said at once, as a save would say it.
pub(crate) async fn resume(
    app: &Shared,
    headers: &HeaderMap,
    view: &View,
    carried: &serde_json::Value,
) -> Option<Response> {
    let fields: Fields = serde_json::from_value(carried.clone()).ok()?;
    let params = Params::from_fields(&fields);
    let ctx = login::ctx_after_login(app, headers, view, &params.queue_path())?;
    if !ctx.user.role.allows(Role::Researcher) {
        return None;
    }
    let changed = match Seen::from_fields(&fields) {
        Some(seen) => {
            let (app, passage) = (Arc::clone(app), params.passage.clone());
            tokio::task::spawn_blocking(move || current(&app, &passage))
                .await
                .ok()
                .and_then(Result::ok)
                .flatten()
                .map(|now| Changed::between(&seen, &now))
                .filter(Changed::any)
        }
        None => None,
    };
    let shown = Shown {
        checked: Some(chosen(&fields)),
        notice: Some(app.pages.word(ctx.lang, "relogged_notice")),
        changed,
    };
    Some(render(app, &ctx, params, shown, StatusCode::OK).await)
}

/// The dimensions checked in a posted form.
fn chosen(f: &Fields) -> Vec<Dimension> {
    let mut c: Vec<Dimension> = f
        .iter()
        .filter(|(k, _)| k == "dim")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    c.sort_unstable();
    c.dedup();
    c
}

/// The passage with this id as it stands now, `None` when it is gone.
fn current(app: &App, passage: &str) -> Result<Option<Now>, String> {
    let doc = passage.rsplit_once('#').map_or("", |(d, _)| d);
    let rec = app
        .ws
        .index()
        .and_then(|ix| Ok(ix.document(doc)?))
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|r| r.passage == passage);
    rec.map(|r| Now::of(app, r)).transpose()
}

/// Why a decision could not be stored, as the log tells it.
struct Failed(String);

impl From<String> for Failed {
    fn from(e: String) -> Failed {
        Failed(e)
    }
}

impl From<kooste_workspace::Error> for Failed {
    fn from(e: kooste_workspace::Error) -> Failed {
        Failed(e.to_string())
    }
}

/// What a decision request did.
enum Outcome {
    Stored,
    Gone,
    Changed(Box<Changed>),
}

/// `POST /review`: `passage`, `action` (`save` the labels checked in `dim`; `withdraw` the
/// decision; `keep` someone else's decision; `skip`), the version fields `model`,
/// `proposal`, `seen` and `basis`, the filters, `back` and `csrf_token`. `confirm` and
/// `POST /review`: researchers; an ended session comes back to the queue with the boxes
/// as they were left.
pub(crate) struct ReviewPost;

impl PostRoute for ReviewPost {
    const ROLE: Role = Role::Researcher;

    fn back(_path: &str, fields: &Fields) -> String {
        Params::from_fields(fields).queue_path()
    }

    fn carry(_app: &App, _path: &str, fields: &Fields) -> String {
        carry(fields)
    }
}

/// `correct`, the actions of earlier pages, save the labels checked like `save`.
pub(crate) async fn decide(app: Shared, Post { ctx, fields: f, .. }: Post<ReviewPost>) -> Response {
    let params = Params::from_fields(&f);
    let view = &ctx.view;
    let passage = params.passage.clone();
    let action = field(&f, "action").to_string();
    match action.as_str() {
        "skip" => {
            app.sessions.skip(&view.token, &passage);
            app.sessions
                .set_flash(&view.token, app.pages.word(ctx.lang, "review_skipped"));
            return Redirect::to(&params.queue_path()).into_response();
        }
        "keep" => {
            app.sessions
                .set_flash(&view.token, app.pages.word(ctx.lang, "review_kept"));
            return Redirect::to(&params.after()).into_response();
        }
        "save" | "confirm" | "correct" | "withdraw" => {}
        _ => {
            return render(
                &app,
                &ctx,
                params,
                Shown::default(),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
    }
    let withdraw = action == "withdraw";
    let labels = chosen(&f);
    // A form without its version fields (an old page) cannot say what it showed: it is
    // shown again rather than trusted.
    let seen = Seen::from_fields(&f).unwrap_or_else(|| Seen {
        basis: usize::MAX,
        ..Seen::default()
    });
    let who = ctx.user.name.clone();
    let done = {
        let app = Arc::clone(&app);
        let labels = labels.clone();
        tokio::task::spawn_blocking(move || -> Result<Outcome, String> {
            let ws = Arc::clone(&app.ws);
            let not_stored = ws
                .decide(|_| -> Result<Result<_, Outcome>, Failed> {
                    let Some(now) = current(&app, &passage)? else {
                        return Ok(Err(Outcome::Gone));
                    };
                    let mut changed = Changed::between(&seen, &now);
                    if seen.basis > now.history.len() {
                        // The version fields were missing: everything on the passage counts as new.
                        changed.decided = now.history.clone();
                        changed.proposal_was = Some(seen.proposal.clone());
                    }
                    if changed.any() {
                        return Ok(Err(Outcome::Changed(Box::new(changed))));
                    }
                    if withdraw && now.decision().is_none() {
                        // Nothing to withdraw (withdrawn meanwhile in another tab): nothing to do.
                        return Ok(Err(Outcome::Stored));
                    }
                    let Some((doc, _)) = document::find(&app, &now.rec.doc) else {
                        return Ok(Err(Outcome::Gone));
                    };
                    let decision = Decision {
                        passage: passage.clone(),
                        text: now.rec.text.clone(),
                        lang: now.rec.lang,
                        labels: if withdraw { Vec::new() } else { labels },
                        who,
                        when: kooste_core::clock::now(),
                        note: None,
                        withdrawn: withdraw,
                    };
                    Ok(Ok((decision, doc)))
                })
                .map_err(|f| f.0)?;
            Ok(not_stored.unwrap_or(Outcome::Stored))
        })
        .await
    };
    match done {
        Ok(Ok(Outcome::Stored)) => {
            let key = if withdraw {
                "review_withdrawn"
            } else {
                "review_saved"
            };
            app.sessions
                .set_flash(&view.token, app.pages.word(ctx.lang, key));
            Redirect::to(&params.after()).into_response()
        }
        Ok(Ok(Outcome::Changed(changed))) => {
            render(
                &app,
                &ctx,
                params,
                Shown {
                    checked: Some(labels),
                    changed: Some(*changed),
                    notice: None,
                },
                StatusCode::CONFLICT,
            )
            .await
        }
        Ok(Ok(Outcome::Gone)) => app.not_found(&ctx),
        Ok(Err(e)) => app.failure(&ctx, &e),
        Err(e) => app.failure(&ctx, &e),
    }
}
