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
use kooste_workspace::Filters;
use kooste_workspace::review::{
    Changed, PassageState, Queue, Review, Reviewed, Seen, labels_value,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

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

fn parse_labels(s: &str) -> Vec<Dimension> {
    let mut l: Vec<Dimension> = s.split(',').filter_map(|d| d.trim().parse().ok()).collect();
    l.sort_unstable();
    l.dedup();
    l
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

/// What the version fields of a review form say the page showed (the form also carries
/// the fingerprint of the model, `model`, which does not count: see [`Seen`]).
fn seen_in(f: &Fields) -> Option<Seen> {
    Some(Seen {
        proposal: parse_labels(field(f, "proposal")),
        text: Some(field(f, "seen"))
            .filter(|s| !s.is_empty())?
            .to_string(),
        basis: field(f, "basis").parse().ok()?,
    })
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

fn dims_view(
    app: &App,
    lang: Lang,
    proposal: &Proposal,
    checked: &[Dimension],
) -> Vec<DimensionView> {
    Dimension::ALL
        .iter()
        .map(|d| {
            // What pushed the score up and what held it down, in separate lists: a
            // reader (or a screen reader) should not have to tell them apart by style.
            let (support, against): (Vec<_>, Vec<_>) = reasons(app, lang, &proposal.evidence, *d)
                .into_iter()
                .partition(|r| r.net() > 0.0);
            let explain = |r: &Reason| Explained {
                feature: r.feature.clone(),
                detail: r.detail(),
            };
            let score = proposal.score(*d);
            DimensionView {
                value: d.as_str(),
                label: dimension_label(*d, lang),
                score: format!("{:.0}\u{a0}%", score * 100.0),
                percent: (score * 100.0).round() as u32,
                proposed: proposal.labels.contains(d),
                checked: checked.contains(d),
                support: support.iter().map(explain).collect(),
                against: against.iter().map(explain).collect(),
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

fn decision_view(app: &App, lang: Lang, d: &Decision) -> DecisionView {
    DecisionView {
        who: d.who.clone(),
        when: when_label(&d.when),
        withdrawn: d.withdrawn,
        labels: labels_text(&d.labels, lang, &app.pages.word(lang, "review_labels_none")),
    }
}

/// The select options of the filters.
fn filter_options(app: &App, lang: Lang, p: &Params) -> FilterOptions {
    let workshops = app
        .project()
        .workshop_ids()
        .into_iter()
        .map(|id| Choice {
            label: workshop_label(app, &id, lang),
            selected: id == p.workshop,
            id,
        })
        .collect();
    let voices = Voice::ALL
        .iter()
        .map(|v| Choice {
            id: v.as_str().to_string(),
            label: voice_label(app, lang, *v),
            selected: v.as_str() == p.voice,
        })
        .collect();
    let themes = app
        .project()
        .config
        .themes
        .keys()
        .map(|id| Choice {
            label: theme_label(app, id, lang),
            selected: *id == p.theme,
            id: id.clone(),
        })
        .collect();
    FilterOptions {
        workshops,
        voices,
        themes,
        any: p.filters().any(),
    }
}

/// The review page's view model (`review.html.j2`).
#[derive(Serialize)]
struct ReviewPage {
    /// Passages left in the queue.
    remaining: usize,
    /// Passages skipped in this session.
    skipped: usize,
    /// The rounds being collected, by name (their passages come first).
    rounds: Vec<String>,
    /// The passage to decide; none when the queue is empty.
    item: Option<ItemView>,
    filters: FilterOptions,
    params: ParamsView,
    notice: Option<String>,
    flash: Option<String>,
}

/// The passage on the review page.
#[derive(Serialize)]
struct ItemView {
    passage: String,
    /// The passage in its document.
    href: String,
    text: String,
    question: Option<String>,
    voice: String,
    workshop: Option<String>,
    /// The passage belongs to a round being collected.
    in_round: bool,
    /// The labels proposed, in words.
    proposed: String,
    decided: Option<DecisionView>,
    /// Decided under another id (its document was edited): the labels, in words.
    decided_elsewhere: Option<String>,
    history: Vec<DecisionView>,
    skipped: bool,
    changed: Option<ChangedView>,
    dims: Vec<DimensionView>,
    /// The score from which a dimension is proposed, as a percentage.
    threshold: String,
    version: VersionView,
}

/// What changed since the researcher's page was shown.
#[derive(Serialize)]
struct ChangedView {
    decided: Vec<DecisionView>,
    proposal_was: Option<String>,
    proposal_now: String,
    text: bool,
}

/// What the page showed, carried in the form to tell what changed before a save.
#[derive(Serialize)]
struct VersionView {
    model: String,
    proposal: String,
    seen: String,
    basis: usize,
}

#[derive(Serialize)]
struct DimensionView {
    value: &'static str,
    label: String,
    score: String,
    percent: u32,
    proposed: bool,
    checked: bool,
    /// What pushed the score up.
    support: Vec<Explained>,
    /// What held it down.
    against: Vec<Explained>,
}

#[derive(Serialize)]
struct Explained {
    feature: Option<String>,
    detail: String,
}

#[derive(Serialize)]
struct DecisionView {
    who: String,
    when: String,
    withdrawn: bool,
    labels: String,
}

#[derive(Serialize)]
struct FilterOptions {
    workshops: Vec<Choice>,
    voices: Vec<Choice>,
    themes: Vec<Choice>,
    any: bool,
}

#[derive(Serialize)]
struct Choice {
    id: String,
    label: String,
    selected: bool,
}

/// The queue's filters as given, carried in the form.
#[derive(Serialize)]
struct ParamsView {
    workshop: String,
    voice: String,
    theme: String,
    /// Where to return after deciding: only a path of this site.
    back: Option<String>,
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
        tokio::task::spawn_blocking(
            move || -> kooste_workspace::Result<(Queue, Option<PassageState>)> {
                let q = app.ws.review_queue(&params.filters(), &skipped)?;
                let now = if params.passage.is_empty() {
                    let first = q.passages.first().cloned();
                    first.map(|r| app.ws.passage_state(r)).transpose()?
                } else {
                    match q.all.iter().find(|r| r.passage == params.passage) {
                        Some(r) => Some(app.ws.passage_state(r.clone())?),
                        // Outside the filters: opened from a document or a search.
                        None => app.ws.passage(&params.passage)?,
                    }
                };
                Ok((q, now))
            },
        )
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
        let changed = shown.changed.as_ref().map(|c| ChangedView {
            decided: c
                .decided
                .iter()
                .map(|d| decision_view(app, lang, d))
                .collect(),
            proposal_was: c.proposal_was.as_ref().map(|p| labels_text(p, lang, &none)),
            proposal_now: labels_text(&now.proposal.labels, lang, &none),
            text: c.text,
        });
        ItemView {
            passage: r.passage.clone(),
            href: format!("/documents/{}#{}-{n}", encode(&r.doc), r.doc),
            text: r.text.clone(),
            question: r.question_text.clone(),
            voice: voice_label(app, lang, r.voice),
            workshop: r.workshop.as_deref().map(|w| workshop_label(app, w, lang)),
            in_round: r.workshop.as_ref().is_some_and(|w| q.rounds.contains(w)),
            proposed: labels_text(
                &now.proposal.labels,
                lang,
                &app.pages.word(lang, "review_no_proposal"),
            ),
            decided: decided.map(|d| decision_view(app, lang, d)),
            // A passage aligned with a decision made under another id (its document was
            // edited): decided, by whom the history of this id does not say.
            decided_elsewhere: r
                .labels
                .confirmed
                .as_ref()
                .filter(|_| decided.is_none())
                .map(|l| labels_text(l, lang, &none)),
            history: now
                .history
                .iter()
                .map(|d| decision_view(app, lang, d))
                .collect(),
            skipped: ctx.view.skipped.contains(&r.passage),
            changed,
            dims: dims_view(app, lang, &now.proposal, &checked),
            threshold: format!("{:.0}\u{a0}%", now.threshold * 100.0),
            version: VersionView {
                model: now.model.clone(),
                proposal: labels_value(&seen.proposal),
                seen: seen.text,
                basis: seen.basis,
            },
        }
    });
    let flash = app.sessions.take_flash(&ctx.view.token);
    let base = app.base(lang, Some(&ctx.view), &ctx.path);
    let view = ReviewPage {
        remaining: q.passages.len(),
        skipped: ctx.view.skipped.len(),
        rounds: q
            .rounds
            .iter()
            .map(|w| workshop_label(app, w, lang))
            .collect(),
        item,
        filters: filter_options(app, lang, &params),
        params: ParamsView {
            workshop: params.workshop,
            voice: params.voice,
            theme: params.theme,
            back: (!params.back.is_empty()).then(|| local_path(&params.back)),
        },
        notice: shown.notice,
        flash,
    };
    app.html(
        status,
        "review.html.j2",
        crate::render::with_view(base, &view),
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
    let changed = match seen_in(&fields) {
        Some(seen) => {
            let (app, passage) = (Arc::clone(app), params.passage.clone());
            tokio::task::spawn_blocking(move || app.ws.passage(&passage))
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
    let review = Review {
        passage,
        labels: labels.clone(),
        withdraw,
        seen: seen_in(&f).unwrap_or_else(|| Seen {
            basis: usize::MAX,
            ..Seen::default()
        }),
        who: ctx.user.name.clone(),
    };
    let done = {
        let app = Arc::clone(&app);
        tokio::task::spawn_blocking(move || app.ws.review(review)).await
    };
    match done {
        Ok(Ok(Reviewed::Stored)) => {
            let key = if withdraw {
                "review_withdrawn"
            } else {
                "review_saved"
            };
            app.sessions
                .set_flash(&view.token, app.pages.word(ctx.lang, key));
            Redirect::to(&params.after()).into_response()
        }
        Ok(Ok(Reviewed::Changed(changed))) => {
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
        Ok(Ok(Reviewed::Gone)) => app.not_found(&ctx),
        Ok(Err(e)) => app.failure(&ctx, &e),
        Err(e) => app.failure(&ctx, &e),
    }
}
