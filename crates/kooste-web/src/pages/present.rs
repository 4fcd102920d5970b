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
fn screens(digest: &Digest, d: &BTreeMap<String, String>) -> Vec<Screen> {
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
    let quote = |q: &kooste_digest::Quote| ScreenQuote {
        text: q.text.clone(),
        who: who(q),
        lang: q.lang.as_str(),
        comment: false,
    };
    let mut out = vec![Screen::text(
        "cover",
        w("title").replace("{number}", &ws.number.to_string()),
        vec![
            digest.project.clone(),
            format!("{} · {}", ws.region_name, ws.date.local()),
        ],
    )];
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
        out.push(Screen::text("text", w("part_asked"), lines));
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
    out.push(Screen::text("text", w("part_received"), lines));
    for th in &digest.themes {
        for f in th.all_findings() {
            out.push(Screen {
                dimension: Some(
                    f.dimensions
                        .iter()
                        .map(|d| w(&format!("dim_{}", d.dimension)))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                multi: f.multi_voiced.then(|| w("multi_voiced")),
                voices: Some(voices(&f.voices)),
                more: f.count.saturating_sub(QUOTES),
                ..Screen::finding(
                    th.theme.label.clone(),
                    f.heading.text.clone(),
                    f.quotes.iter().take(QUOTES).map(quote).collect(),
                )
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
        let comments = g.comments.iter().map(|c| ScreenQuote {
            text: c.paragraphs.join(" "),
            who: w(&format!("voice_{}", c.voice)),
            lang: c.lang.as_str(),
            comment: true,
        });
        out.push(Screen::finding(
            w("comments_title"),
            heading,
            g.quotes.iter().map(quote).chain(comments).collect(),
        ));
    }
    if !digest.questions.is_empty() {
        out.push(Screen::finding(
            w("part_next"),
            w("researcher_questions"),
            digest.questions.iter().map(quote).collect(),
        ));
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
                lines.push(format!("{}: {}", w("due"), due.local()));
            }
            lines
        }
        None => vec![w("next_task_none")],
    };
    out.push(Screen::text("text", w("next_task"), next));
    out
}

/// One screen on the projector.
#[derive(Serialize)]
struct Screen {
    /// `cover`, `text` (lines) or `finding` (quotes).
    kind: &'static str,
    /// Above the heading: the theme (or the part) the screen belongs to.
    theme: Option<String>,
    /// The finding's dimensions, in words.
    dimension: Option<String>,
    heading: String,
    /// A finding that more than one voice supports, said in words.
    multi: Option<String>,
    voices: Option<String>,
    lines: Vec<String>,
    quotes: Vec<ScreenQuote>,
    /// Passages not shown on the screen.
    more: usize,
}

impl Screen {
    fn text(kind: &'static str, heading: String, lines: Vec<String>) -> Screen {
        Screen {
            kind,
            theme: None,
            dimension: None,
            heading,
            multi: None,
            voices: None,
            lines,
            quotes: Vec::new(),
            more: 0,
        }
    }

    fn finding(theme: String, heading: String, quotes: Vec<ScreenQuote>) -> Screen {
        Screen {
            theme: Some(theme),
            quotes,
            ..Screen::text("finding", heading, Vec::new())
        }
    }
}

#[derive(Serialize)]
struct ScreenQuote {
    text: String,
    who: String,
    lang: &'static str,
    /// A comment made at the workshop, not a passage of the material.
    comment: bool,
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
    let Ok(round) = Round::of(app.project(), &workshop) else {
        return app.not_found(&ctx);
    };
    let lang: Lang = p.lang.parse().unwrap_or(ctx.lang);
    let built = {
        let (app, round) = (Arc::clone(&app), round.clone());
        tokio::task::spawn_blocking(move || -> crate::Result<_> {
            let templates = Templates::load(&app.project().root.join("templates"))?;
            let (digest, _) = build(&app, &round, lang)?;
            Ok(screens(&digest, &templates.text(lang)))
        })
        .await
    };
    let mut screens = match built {
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
    let total = screens.len();
    let view = PresentView {
        screen: screens.swap_remove(n),
        number: n + 1,
        total,
        prev: (n > 0).then(|| link(n - 1)),
        next: (n + 1 < total).then(|| link(n + 1)),
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
    screen: Screen,
    number: usize,
    total: usize,
    prev: Option<String>,
    next: Option<String>,
    first: String,
    digest_page: String,
    /// This screen in the other language.
    other: String,
}
