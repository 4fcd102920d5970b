//! `/digest/WORKSHOP/findings`: the researchers curate a digest's findings — rename one,
//! write its summary, merge two, move passages to another finding or to a new one of their
//! own (a split), pin the quotes shown. Each change is checked against the findings as they
//! stand, written durably to `findings/WORKSHOP.toml` and applied on every render.

use super::{Fields, field};
use crate::accounts::Role;
use crate::app::{App, Ctx, Shared};
use crate::extract::{Post, PostRoute, Researcher, Signed};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kooste_core::model::Lang;
use kooste_digest::findings::{Change, Curation, ProblemKind};
use kooste_digest::{Digest, Finding, Round};
use kooste_workspace::Unchanged;
use serde::Serialize;
use std::sync::Arc;

fn path_of(workshop: &str) -> String {
    format!("/digest/{workshop}/findings")
}

/// The digest's data in `lang`, for listing its findings.
async fn digest(app: &Shared, round: &Round, lang: Lang) -> Result<Digest, String> {
    let (app, round) = (Arc::clone(app), round.clone());
    match tokio::task::spawn_blocking(move || {
        super::digest::build(&app, &round, lang).map(|(d, _)| d)
    })
    .await
    {
        Ok(Ok(d)) => Ok(d),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

fn quote_view(app: &App, lang: Lang, q: &kooste_digest::Quote, pinned: bool) -> QuoteView {
    QuoteView {
        passage: q.passage.clone(),
        text: q.text.clone(),
        lang: q.lang.as_str(),
        who: app.pages.word(lang, &format!("voice_{}", q.voice.as_str())),
        pinned,
    }
}

fn finding_view(
    app: &App,
    lang: Lang,
    f: &Finding,
    others: &[&Finding],
    curation: &Curation,
) -> FindingView {
    let entry = curation.entry(&f.theme, &f.id);
    let pinned: Vec<&str> =
        entry.map_or_else(Vec::new, |e| e.pinned.iter().map(String::as_str).collect());
    let own = |field: fn(&kooste_digest::findings::Entry) -> &Option<String>| {
        entry.and_then(|e| field(e).clone()).unwrap_or_default()
    };
    FindingView {
        id: f.id.clone(),
        theme: f.theme.clone(),
        anchor: f.anchor.clone(),
        heading: f.heading.text.clone(),
        curated: f.curated,
        count: f.count,
        voices: f
            .voices
            .iter()
            .map(|v| app.pages.word(lang, &format!("voice_{}", v.as_str())))
            .collect::<Vec<_>>()
            .join(", "),
        own_heading: own(|e| &e.heading),
        own_heading_sv: own(|e| &e.heading_sv),
        summary: own(|e| &e.summary),
        summary_sv: own(|e| &e.summary_sv),
        passages: f
            .passages()
            .map(|q| quote_view(app, lang, q, pinned.contains(&q.passage.as_str())))
            .collect(),
        others: others
            .iter()
            .filter(|o| o.id != f.id)
            .map(|o| OtherFinding {
                id: o.id.clone(),
                heading: o.heading.text.clone(),
            })
            .collect(),
    }
}

/// The view model of the findings page.
#[derive(Serialize)]
struct FindingsPage {
    workshop: String,
    round: String,
    /// The curation file, relative to the project.
    file: String,
    themes: Vec<ThemeView>,
    /// What in the curation file no longer fits the findings.
    problems: Vec<String>,
    /// The curation file cannot be read: changes are refused until it is fixed.
    broken: bool,
    /// Why the change just posted was not made.
    error: Option<String>,
    flash: Option<String>,
}

#[derive(Serialize)]
struct ThemeView {
    id: String,
    label: String,
    findings: Vec<FindingView>,
}

#[derive(Serialize)]
struct FindingView {
    id: String,
    theme: String,
    anchor: String,
    heading: String,
    curated: bool,
    count: usize,
    /// The voices behind it, in words.
    voices: String,
    own_heading: String,
    own_heading_sv: String,
    summary: String,
    summary_sv: String,
    passages: Vec<QuoteView>,
    /// The theme's other findings, to merge or move into.
    others: Vec<OtherFinding>,
}

#[derive(Serialize)]
struct QuoteView {
    passage: String,
    text: String,
    lang: &'static str,
    who: String,
    pinned: bool,
}

#[derive(Serialize)]
struct OtherFinding {
    id: String,
    heading: String,
}

/// `GET /digest/WORKSHOP/findings`.
pub(crate) async fn page(
    app: Shared,
    Path(workshop): Path<String>,
    Signed { ctx, .. }: Signed<Researcher>,
) -> Response {
    let Ok(round) = Round::of(app.project(), &workshop) else {
        return app.not_found(&ctx);
    };
    render(&app, &ctx, &round, StatusCode::OK, None).await
}

async fn render(
    app: &Shared,
    ctx: &Ctx,
    round: &Round,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    let d = match digest(app, round, ctx.lang).await {
        Ok(d) => d,
        Err(e) => return app.failure(ctx, &e),
    };
    let (curation, _) = Curation::load(&app.project().root, &round.workshop);
    let base = app.base(ctx.lang, Some(&ctx.view), &ctx.path);
    let themes = d
        .themes
        .iter()
        .map(|t| {
            let all: Vec<&Finding> = t.all_findings().collect();
            ThemeView {
                id: t.theme.id.clone(),
                label: t.theme.label.clone(),
                findings: all
                    .iter()
                    .map(|f| finding_view(app, ctx.lang, f, &all, &curation))
                    .collect(),
            }
        })
        .collect();
    let view = FindingsPage {
        workshop: round.workshop.clone(),
        round: round.previous.clone(),
        file: Curation::file(&round.workshop),
        themes,
        problems: d.curation.iter().map(ToString::to_string).collect(),
        broken: d.curation.iter().any(|p| p.kind == ProblemKind::BadFile),
        error,
        flash: app.sessions.take_flash(&ctx.view.token),
    };
    app.html(
        status,
        "findings.html.j2",
        crate::render::with_view(base, &view),
    )
}

/// The change a posted form asks for: `op` is `text` (headings and summaries), `merge`
/// (`into`), `pin` or `move` (`passage` fields; `to` a finding or `new` with `new_heading`).
fn changes(f: &Fields) -> Result<Vec<Change>, &'static str> {
    let theme = field(f, "theme").to_string();
    let id = field(f, "finding").to_string();
    let chosen: Vec<String> = f
        .iter()
        .filter(|(k, _)| k == "passage")
        .map(|(_, v)| v.clone())
        .collect();
    Ok(match field(f, "op") {
        "text" => vec![
            Change::Rename {
                theme: theme.clone(),
                id: id.clone(),
                lang: Lang::Fi,
                text: field(f, "heading").to_string(),
            },
            Change::Rename {
                theme: theme.clone(),
                id: id.clone(),
                lang: Lang::Sv,
                text: field(f, "heading_sv").to_string(),
            },
            Change::Summary {
                theme: theme.clone(),
                id: id.clone(),
                lang: Lang::Fi,
                text: field(f, "summary").to_string(),
            },
            Change::Summary {
                theme,
                id,
                lang: Lang::Sv,
                text: field(f, "summary_sv").to_string(),
            },
        ],
        "merge" => vec![Change::Merge {
            theme,
            from: id,
            into: field(f, "into").to_string(),
        }],
        "pin" => vec![Change::Pin {
            theme,
            id,
            passages: chosen,
        }],
        "move" => {
            if chosen.is_empty() {
                return Err("findings_choose_passages");
            }
            let to = field(f, "to");
            vec![Change::Move {
                theme,
                passages: chosen,
                to: (to != "new" && !to.is_empty()).then(|| to.to_string()),
                heading: Some(field(f, "new_heading").to_string()),
            }]
        }
        _ => return Err("findings_unknown_change"),
    })
}

/// `POST /digest/WORKSHOP/findings`.
pub(crate) struct FindingsPost;

impl PostRoute for FindingsPost {
    const ROLE: Role = Role::Researcher;
}

/// `POST /digest/WORKSHOP/findings`: one change, then back to the page at the finding.
pub(crate) async fn change(
    app: Shared,
    Path(workshop): Path<String>,
    Post { ctx, fields: f, .. }: Post<FindingsPost>,
) -> Response {
    let here = path_of(&workshop);
    let Ok(round) = Round::of(app.project(), &workshop) else {
        return app.not_found(&ctx);
    };
    // The page again, saying why the change was not made.
    let refuse = |msg: String| {
        render(
            &app,
            &ctx,
            &round,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(msg),
        )
    };
    let wanted = match changes(&f) {
        Ok(c) => c,
        Err(key) => {
            let msg = app.pages.word(ctx.lang, key);
            return refuse(msg).await;
        }
    };
    let d = match digest(&app, &round, ctx.lang).await {
        Ok(d) => d,
        Err(e) => return app.failure(&ctx, &e),
    };
    let theme = wanted[0].theme().to_string();
    let saved = {
        let (app, round) = (Arc::clone(&app), round.clone());
        tokio::task::spawn_blocking(move || app.ws.curate(&round, &d, &wanted).map(|r| (r, d)))
            .await
    };
    let d = match saved {
        Ok(Ok((Ok(_), d))) => d,
        Ok(Ok((Err(Unchanged::BrokenFile(_)), _))) => {
            // A file that cannot be read is not overwritten: what is in it would be lost.
            let msg = app.pages.word(ctx.lang, "findings_file_broken");
            return render(&app, &ctx, &round, StatusCode::CONFLICT, Some(msg)).await;
        }
        Ok(Ok((Err(Unchanged::UnknownTheme(_)), _))) => {
            let msg = app.pages.word(ctx.lang, "findings_unknown_change");
            return refuse(msg).await;
        }
        Ok(Ok((Err(Unchanged::Refused(e)), _))) => {
            let msg = format!("{} ({e})", app.pages.word(ctx.lang, "findings_not_saved"));
            return refuse(msg).await;
        }
        Ok(Err(e)) => return app.failure(&ctx, &e),
        Err(e) => return app.failure(&ctx, &e),
    };
    app.sessions
        .set_flash(&ctx.view.token, app.pages.word(ctx.lang, "findings_saved"));
    let anchor = d
        .themes
        .iter()
        .filter(|t| t.theme.id == theme)
        .flat_map(|t| t.all_findings())
        .find(|x| x.id == field(&f, "finding") || x.id == field(&f, "into"))
        .map(|x| format!("#{}", x.anchor))
        .unwrap_or_default();
    Redirect::to(&format!("{here}{anchor}")).into_response()
}
