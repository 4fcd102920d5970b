//! `/`: the start page, with what the user's role may do.

use crate::accounts::Role;
use crate::app::Shared;
use crate::extract::{Anyone, Signed};
use axum::http::StatusCode;
use axum::response::Response;
use kooste_workspace::Filters;
use serde::Serialize;

/// The start page's view model.
#[derive(Serialize)]
struct HomeView {
    role_label: String,
    voice_missing: bool,
    /// A client participant: the batteries' client questions.
    client_forms: bool,
    forms: Vec<FormLink>,
    examples: Vec<Example>,
    digests: Vec<DigestLink>,
    /// Passages without a decision (researchers).
    pending: Option<usize>,
    can_review: bool,
    flash: Option<String>,
}

#[derive(Serialize)]
struct FormLink {
    id: String,
    title: String,
    intro: String,
}

#[derive(Serialize)]
struct Example {
    href: String,
    text: String,
}

#[derive(Serialize)]
struct DigestLink {
    id: String,
    label: String,
    date: String,
    published: bool,
}

/// `GET /`.
pub(crate) async fn page(app: Shared, Signed { ctx, .. }: Signed<Anyone>) -> Response {
    let lang = ctx.lang;
    let role = ctx.user.role;
    let researcher = role.allows(Role::Researcher);
    // A client participant answers the batteries' client questions themselves.
    let forms = super::forms::fillable_batteries(&app, &ctx.user)
        .iter()
        .map(|b| FormLink {
            id: b.id.clone(),
            title: b.title.get(lang).to_string(),
            intro: b.intro.get(lang).to_string(),
        })
        .collect();
    let published = kooste_core::publish::load(app.project()).unwrap_or_else(|e| {
        eprintln!("kooste serve: {e}");
        Vec::new()
    });
    // Researchers: every digest (from the second workshop on), marked published or not;
    // everyone else: the published ones.
    let digests = app
        .project()
        .regions
        .iter()
        .flat_map(|r| r.workshops.iter().map(move |w| (r, w)))
        .filter_map(|(r, w)| {
            let id = format!("{}-{}", r.id, w.number);
            let is_published = published.iter().any(|p| p.workshop == id);
            let shown = if researcher {
                w.number > 1
            } else {
                is_published
            };
            shown.then(|| DigestLink {
                label: super::search::workshop_label(&app, &id, lang),
                date: w.date.to_string(),
                published: is_published,
                id,
            })
        })
        .collect();
    let pending = researcher.then(|| {
        app.ws
            .index()
            .and_then(|ix| Ok(ix.records(&Filters::default())?))
            .map(|r| r.iter().filter(|r| r.labels.confirmed.is_none()).count())
            .unwrap_or(0)
    });
    // Example searches, in the page's language: a word, and questions that name a voice.
    let examples = ["example_1", "example_2", "example_3"]
        .iter()
        .map(|k| app.pages.word(lang, k))
        .filter(|e| !e.trim().is_empty())
        .map(|e| Example {
            href: format!("/search?q={}", crate::app::encode(&e)),
            text: e,
        })
        .collect();
    let view = HomeView {
        role_label: app.pages.word(lang, &format!("role_{role}")),
        voice_missing: ctx.user.voice_missing,
        client_forms: !role.allows(Role::Worker),
        forms,
        examples,
        digests,
        pending,
        can_review: researcher,
        flash: app.sessions.take_flash(&ctx.view.token),
    };
    let base = app.base(lang, Some(&ctx.view), &ctx.path);
    app.html(
        StatusCode::OK,
        "home.html.j2",
        crate::render::with_view(base, &view),
    )
}
