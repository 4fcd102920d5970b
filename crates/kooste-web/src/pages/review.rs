//! `/review`: the queue of passages no researcher has decided on, one at a time, with the
//! proposer's scores and the evidence behind them; confirm, correct or skip. Each decision
//! is recorded through kooste-caimer (which retrains at once) and the passage's document is
//! reindexed.

use super::document;
use super::search::{dimension_label, voice_label, workshop_label};
use super::{Fields, field, login};
use crate::accounts::Role;
use crate::app::{App, Shared, encode};
use crate::session::same;
use axum::extract::{Form, Query};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use kooste_caimer::Source;
use kooste_core::model::{Decision, Dimension};
use kooste_index::{Filters, PassageRecord};
use minijinja::{Value, context};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Params {
    #[serde(default)]
    passage: String,
}

/// The passages awaiting a decision, in corpus order, without the ones skipped.
fn queue(app: &App, skipped: &[String]) -> kooste_index::Result<Vec<PassageRecord>> {
    let ix = app.index();
    Ok(ix
        .records(&Filters::default())?
        .into_iter()
        .filter(|r| r.labels.confirmed.is_none() && !skipped.contains(&r.passage))
        .collect())
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

/// A weight as Finnish and Swedish write it: a sign (a true minus), one decimal, a decimal
/// comma (`+2,4`, `−1,2`).
fn weight(w: f32) -> String {
    format!("{w:+.1}")
        .replace('.', ",")
        .replace('-', "\u{2212}")
}

/// `GET /review` (optionally `?passage=ID`).
pub(crate) async fn page(
    app: Shared,
    headers: HeaderMap,
    uri: Uri,
    Query(p): Query<Params>,
) -> Response {
    let ctx = match app.page(&headers, &uri, Role::Researcher) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = ctx.lang;
    let skipped = ctx.view.skipped.clone();
    let queued = {
        let app = Arc::clone(&app);
        tokio::task::spawn_blocking(move || queue(&app, &skipped)).await
    };
    let queued = match queued {
        Ok(Ok(q)) => q,
        Ok(Err(e)) => return app.failure(&ctx, &e),
        Err(e) => return app.failure(&ctx, &e),
    };
    let current = queued
        .iter()
        .find(|r| r.passage == p.passage)
        .or_else(|| queued.first());
    let proposal = current
        .map(|r| {
            app.caimer()
                .map(|c| c.propose(&r.text, r.lang, &hints(&app, r)))
        })
        .transpose();
    let proposal = match proposal {
        Ok(p) => p,
        Err(e) => return app.failure(&ctx, &e),
    };
    let item = current.zip(proposal).map(|(r, proposal)| {
        let dims: Vec<Value> = Dimension::ALL
            .iter()
            .map(|d| {
                let shown = proposal
                    .evidence
                    .iter()
                    .filter(|e| e.dimension == *d && e.weight.abs() > 0.05)
                    .take(4);
                // What pushed the score up and what held it down, in separate lists: a
                // reader (or a screen reader) should not have to tell them apart by style.
                let (support, against): (Vec<_>, Vec<_>) = shown.partition(|e| e.weight > 0.0);
                let explain = |e: &&kooste_caimer::Evidence| {
                        // A cue is explained in the page's language, whatever the
                        // passage's; a hint has no words of the text to quote.
                        let (feature, source) = match &e.source {
                            Source::Cue { plain, .. } => {
                                (Some(e.feature.clone()), plain.get(lang).to_string())
                            }
                            Source::Learned => (
                                Some(e.feature.clone()),
                                app.pages.word(lang, "evidence_learned"),
                            ),
                            Source::Hint => (None, app.pages.word(lang, "evidence_hint")),
                        };
                        context! {
                            feature => feature,
                            source => source,
                            weight => weight(e.weight),
                        }
                };
                let support: Vec<Value> = support.iter().map(explain).collect();
                let against: Vec<Value> = against.iter().map(explain).collect();
                let score = proposal.score(*d);
                context! {
                    value => d.as_str(),
                    label => dimension_label(*d, lang),
                    score => format!("{:.0} %", score * 100.0),
                    percent => (score * 100.0).round() as u32,
                    proposed => proposal.labels.contains(d),
                    support => support,
                    against => against,
                }
            })
            .collect();
        let n = r.passage.rsplit('#').next().unwrap_or("1");
        context! {
            passage => r.passage.clone(),
            href => format!("/documents/{}#{}-{n}", encode(&r.doc), r.doc),
            text => r.text.clone(),
            question => r.question_text.clone(),
            voice => voice_label(&app, lang, r.voice),
            workshop => r.workshop.as_deref().map(|w| workshop_label(&app, w, lang)),
            proposed => proposal.labels.iter().map(|d| dimension_label(*d, lang)).collect::<Vec<_>>(),
            dims => dims,
        }
    });
    let flash = app.sessions.take_flash(&ctx.view.token);
    let base = app.base(lang, Some(&ctx.view), &ctx.path);
    app.html(
        StatusCode::OK,
        "review.html.j2",
        context! {
        remaining => queued.len(),
        skipped => ctx.view.skipped.len(),
        item => item,
        flash => flash, ..base },
    )
}

/// `POST /review`: `passage`, `action` (`confirm`, `correct`, `skip`), `dim` (any number of
/// dimensions, for `correct`) and `csrf_token`.
pub(crate) async fn decide(app: Shared, headers: HeaderMap, Form(f): Form<Fields>) -> Response {
    let Some(view) = app.session(&headers).filter(|v| v.user.is_some()) else {
        return login::relogin(&app, &headers, "/review", String::new());
    };
    let Some(ctx) = login::ctx_after_login(&app, &headers, &view, "/review") else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if !ctx.user.role.allows(Role::Researcher) {
        return app.message(
            StatusCode::FORBIDDEN,
            &ctx,
            "forbidden_title",
            "forbidden_text",
        );
    }
    if !same(&view.csrf, field(&f, "csrf_token")) {
        return app.message(StatusCode::FORBIDDEN, &ctx, "err_csrf_title", "err_csrf");
    }
    let passage = field(&f, "passage").to_string();
    let action = field(&f, "action").to_string();
    if action == "skip" {
        app.sessions.skip(&view.token, &passage);
        app.sessions
            .set_flash(&view.token, app.pages.word(ctx.lang, "review_skipped"));
        return Redirect::to("/review").into_response();
    }
    let chosen: Vec<Dimension> = f
        .iter()
        .filter(|(k, _)| k == "dim")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let who = ctx.user.name.clone();
    let done = {
        let app = Arc::clone(&app);
        tokio::task::spawn_blocking(move || -> Result<bool, String> {
            let _writing = app.writer.lock().unwrap_or_else(|e| e.into_inner());
            let doc_id = passage.rsplit_once('#').map_or("", |(d, _)| d).to_string();
            let Some((doc, records)) = document::find(&app, &doc_id) else {
                return Ok(false);
            };
            let Some(rec) = records.get(&passage) else {
                return Ok(false);
            };
            let labels = if action == "confirm" {
                app.caimer()
                    .map_err(|e| e.to_string())?
                    .propose(&rec.text, rec.lang, &hints(&app, rec))
                    .labels
            } else {
                chosen
            };
            let decision = Decision {
                passage: passage.clone(),
                text: rec.text.clone(),
                lang: rec.lang,
                labels,
                who,
                when: kooste_caimer::now(),
                note: None,
            };
            app.caimer()
                .map_err(|e| e.to_string())?
                .record(decision)
                .map_err(|e| e.to_string())?;
            app.reindex(&[&doc]).map_err(|e| e.to_string())?;
            Ok(true)
        })
        .await
    };
    match done {
        Ok(Ok(true)) => {
            app.sessions
                .set_flash(&view.token, app.pages.word(ctx.lang, "review_saved"));
            Redirect::to("/review").into_response()
        }
        Ok(Ok(false)) => app.message(
            StatusCode::NOT_FOUND,
            &ctx,
            "not_found_title",
            "not_found_text",
        ),
        Ok(Err(e)) => app.failure(&ctx, &e),
        Err(e) => app.failure(&ctx, &e),
    }
}
