//! `/digest/WORKSHOP/present`: the digest on a projector, one section or finding per
//! screen in large type, with the previous and next screen as plain links (`?screen=N`,
//! `&lang=fi|sv`), so it needs no JavaScript. Who may see it: as `/digest/WORKSHOP`.

use super::digest::{build, published};
use crate::accounts::Role;
use crate::app::Shared;
use crate::extract::{Anyone, Signed};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use kooste_core::model::Lang;
use kooste_digest::{Digest, Round, Templates};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Params {
    #[serde(default)]
    screen: usize,
    #[serde(default)]
    lang: String,
}

/// The most quotes one finding's screen shows.
const QUOTES: usize = 4;

/// The screens of a digest, in order; `d` is the digest's wording in its language.
fn screens(digest: &Digest, d: &BTreeMap<String, String>) -> Vec<Value> {
    let w = |k: &str| d.get(k).cloned().unwrap_or_else(|| k.to_string());
    let voices = |vs: &[kooste_core::Voice]| {
        vs.iter()
            .map(|v| w(&format!("voices_{v}")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let who = |q: &kooste_digest::Quote| match &q.pseudonym {
        Some(p) => format!("{p}, {}", w(&format!("voice_{}", q.voice))),
        None => w(&format!("voice_{}", q.voice)),
    };
    let ws = &digest.workshop;
    let mut out = vec![context! {
        kind => "cover",
        heading => w("title").replace("{number}", &ws.number.to_string()),
        lines => vec![
            digest.project.clone(),
            format!("{} · {}", ws.region_name, ws.date),
        ],
    }];
    if let Some(a) = &digest.asked {
        let mut lines = vec![
            format!("{}: {}", w("theme"), a.theme.label),
            format!(
                "{}: {}",
                w("from"),
                a.from
                    .iter()
                    .map(|v| w(&format!("from_{v}")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ];
        if !a.how.text.is_empty() {
            lines.push(a.how.text.clone());
        }
        out.push(context! { kind => "text", heading => w("part_asked"), lines => lines });
    }
    let r = &digest.received;
    let mut lines: Vec<String> = r
        .voices
        .iter()
        .map(|v| {
            format!(
                "{}: {} / {}",
                w(&format!("voices_{}", v.voice)),
                v.documents,
                v.passages
            )
        })
        .collect();
    lines.insert(0, format!("{} / {}", w("documents"), w("passages")));
    out.push(context! { kind => "text", heading => w("part_received"), lines => lines });
    for th in &digest.themes {
        for f in th.all_findings() {
            out.push(context! {
                kind => "finding",
                theme => th.theme.label.clone(),
                dimension => f.dimensions.iter().map(|d| w(&format!("dim_{}", d.dimension))).collect::<Vec<_>>().join(", "),
                heading => f.heading.text.clone(),
                multi => f.multi_voiced.then(|| w("multi_voiced")),
                voices => voices(&f.voices),
                quotes => f.quotes.iter().take(QUOTES).map(|q| context! {
                    text => q.text.clone(), who => who(q), lang => q.lang.as_str(),
                }).collect::<Vec<_>>(),
                more => f.count.saturating_sub(QUOTES),
            });
        }
    }
    for g in &digest.comments.groups {
        let heading = if g.whole {
            w("comments_whole")
        } else {
            match &g.heading {
                Some(h) => format!("{}: {h}", w("comments_on_finding")),
                None => w("comments_on_finding"),
            }
        };
        out.push(context! {
            kind => "finding",
            theme => w("comments_title"),
            heading => heading,
            quotes => g.quotes.iter().map(|q| context! {
                text => q.text.clone(), who => who(q), lang => q.lang.as_str(),
            }).chain(g.comments.iter().map(|c| context! {
                text => c.paragraphs.join(" "),
                who => w(&format!("voice_{}", c.voice)),
                lang => c.lang.as_str(),
                comment => true,
            })).collect::<Vec<_>>(),
            more => 0,
        });
    }
    if !digest.questions.is_empty() {
        out.push(context! {
            kind => "finding",
            theme => w("part_next"),
            heading => w("researcher_questions"),
            quotes => digest.questions.iter().map(|q| context! {
                text => q.text.clone(), who => who(q), lang => q.lang.as_str(),
            }).collect::<Vec<_>>(),
            more => 0,
        });
    }
    let next = match &digest.next {
        Some(t) => {
            let mut lines = vec![format!("{}: {}", w("theme"), t.theme.label)];
            if !t.how.text.is_empty() {
                lines.push(t.how.text.clone());
            }
            if let Some(b) = &t.battery {
                lines.push(format!("{}: {}", w("questions"), b.title));
            }
            if let Some(due) = t.due {
                lines.push(format!("{}: {due}", w("due")));
            }
            lines
        }
        None => vec![w("next_task_none")],
    };
    out.push(context! { kind => "text", heading => w("next_task"), lines => next });
    out
}

/// `GET /digest/WORKSHOP/present?screen=N&lang=fi|sv`.
pub(crate) async fn page(
    app: Shared,
    Path(workshop): Path<String>,
    Query(p): Query<Params>,
    Signed { ctx, .. }: Signed<Anyone>,
) -> Response {
    if !ctx.user.role.allows(Role::Researcher) && !published(&app, &workshop) {
        return app.forbidden(&ctx, "digest_unpublished");
    }
    let Ok(round) = Round::of(&app.project, &workshop) else {
        return app.not_found(&ctx);
    };
    let lang: Lang = p.lang.parse().unwrap_or(ctx.lang);
    let built = {
        let (app, round) = (Arc::clone(&app), round.clone());
        tokio::task::spawn_blocking(move || -> crate::Result<_> {
            let templates = Templates::load(&app.project.root.join("templates"))?;
            let (digest, _) = build(&app, &round, lang)?;
            Ok(screens(&digest, &templates.text(lang)))
        })
        .await
    };
    let screens = match built {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return app.failure(&ctx, &e),
        Err(e) => return app.failure(&ctx, &e),
    };
    let n = p.screen.min(screens.len() - 1);
    let link = |i: usize| {
        format!(
            "/digest/{workshop}/present?screen={i}&lang={}",
            lang.as_str()
        )
    };
    let view = PresentView {
        screen: screens[n].clone(),
        number: n + 1,
        total: screens.len(),
        prev: (n > 0).then(|| link(n - 1)),
        next: (n + 1 < screens.len()).then(|| link(n + 1)),
        first: link(0),
        digest_page: format!("/digest/{workshop}"),
        other: link(n).replace(
            &format!("lang={}", lang.as_str()),
            &format!(
                "lang={}",
                match lang {
                    Lang::Fi => "sv",
                    Lang::Sv => "fi",
                }
            ),
        ),
    };
    let base = app.base(lang, Some(&ctx.view), &ctx.path);
    app.html(
        StatusCode::OK,
        "present.html.j2",
        crate::render::with_view(base, &view),
    )
}

/// The projector page's view model: one screen, where it is among them, and the links.
#[derive(Serialize)]
struct PresentView {
    screen: Value,
    number: usize,
    total: usize,
    prev: Option<String>,
    next: Option<String>,
    first: String,
    digest_page: String,
    /// This screen in the other language.
    other: String,
}
