//! `/`: the start page, with what the user's role may do.

use crate::accounts::Role;
use crate::app::Shared;
use crate::extract::{Anyone, Signed};
use axum::http::StatusCode;
use axum::response::Response;
use kooste_core::model::Lang;
use kooste_workspace::Filters;
use minijinja::context;

/// `GET /`.
pub(crate) async fn page(app: Shared, Signed { ctx, .. }: Signed<Anyone>) -> Response {
    let lang = ctx.lang;
    let role = ctx.user.role;
    // A client participant answers the batteries' client questions themselves.
    let forms: Vec<_> = super::forms::fillable_batteries(&app, &ctx.user)
        .iter()
        .map(|b| context! { id => b.id.clone(), title => b.title.get(lang), intro => b.intro.get(lang) })
        .collect();
    let published = kooste_core::publish::load(&app.project).unwrap_or_else(|e| {
        eprintln!("kooste serve: {e}");
        Vec::new()
    });
    let is_published = |id: &str| published.iter().any(|p| p.workshop == id);
    let (digests, pending) = if role.allows(Role::Researcher) {
        let digests: Vec<_> = app
            .project
            .regions
            .iter()
            .flat_map(|r| {
                r.workshops.iter().filter(|w| w.number > 1).map(move |w| {
                    let name = if lang == Lang::Sv && !r.name_sv.is_empty() {
                        &r.name_sv
                    } else {
                        &r.name
                    };
                    let id = format!("{}-{}", r.id, w.number);
                    context! {
                        published => is_published(&id),
                        id => id,
                        label => format!("{name} {}", w.number),
                        date => w.date.to_string(),
                    }
                })
            })
            .collect();
        let pending = {
            app.ws
                .index()
                .and_then(|ix| Ok(ix.records(&Filters::default())?))
                .map(|r| r.iter().filter(|r| r.labels.confirmed.is_none()).count())
                .unwrap_or(0)
        };
        (digests, Some(pending))
    } else {
        // Everyone else: the published digests.
        let digests: Vec<_> = app
            .project
            .regions
            .iter()
            .flat_map(|r| r.workshops.iter().map(move |w| (r, w)))
            .filter(|(r, w)| is_published(&format!("{}-{}", r.id, w.number)))
            .map(|(r, w)| {
                let name = if lang == Lang::Sv && !r.name_sv.is_empty() {
                    &r.name_sv
                } else {
                    &r.name
                };
                context! {
                    id => format!("{}-{}", r.id, w.number),
                    label => format!("{name} {}", w.number),
                    date => w.date.to_string(),
                }
            })
            .collect();
        (digests, None)
    };
    // Example searches, in the page's language: a word, and questions that name a voice.
    let examples: Vec<_> = ["example_1", "example_2", "example_3"]
        .iter()
        .map(|k| app.pages.word(lang, k))
        .filter(|e| !e.trim().is_empty())
        .map(|e| context! { href => format!("/search?q={}", crate::app::encode(&e)), text => e })
        .collect();
    let flash = app.sessions.take_flash(&ctx.view.token);
    let base = app.base(lang, Some(&ctx.view), &ctx.path);
    app.html(
        StatusCode::OK,
        "home.html.j2",
        context! {
        role_label => app.pages.word(lang, &format!("role_{role}")),
        voice_missing => ctx.user.voice_missing,
        client_forms => !role.allows(Role::Worker),
        forms => forms,
        examples => examples,
        digests => digests,
        pending => pending,
        can_review => role.allows(Role::Researcher),
        flash => flash, ..base },
    )
}
