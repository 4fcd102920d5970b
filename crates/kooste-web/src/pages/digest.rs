//! `/digest/WORKSHOP`: the digest presented at the start of a workshop (the previous
//! workshop's round), rendered by kooste-digest; view it, or download it as HTML or Markdown.
//!
//! Researchers see every digest; once a researcher has published one (`POST
//! /digest/WORKSHOP/publish`, or `kooste digest WORKSHOP --publish`), every role reads it and
//! may comment on it (`super::comments`), and shows it on a projector (`super::present`).

use crate::accounts::Role;
use crate::app::{App, Ctx, Shared};
use crate::extract::{Anyone, Post, PostRoute, Signed};
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Redirect;
use axum::response::{IntoResponse, Response};
use kooste_core::model::Lang;
use kooste_digest::{Digest, Error, Format, Round, Templates};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Params {
    #[serde(default)]
    format: String,
    #[serde(default)]
    download: String,
    #[serde(default)]
    lang: String,
}

/// The digest of `round` in `lang`, and how many passages its round has (see
/// `Workspace::digest`).
pub(crate) fn build(app: &App, round: &Round, lang: Lang) -> crate::Result<(Digest, usize)> {
    let digest = app.ws.digest(round, lang)?.digest;
    let passages = digest.received.passages;
    Ok((digest, passages))
}

/// Renders the digest of `round` in `lang`: (text, passages in the round). `web` is the
/// app's own view's extra (comment forms), none for a download.
fn render(
    app: &App,
    round: &Round,
    lang: Lang,
    format: Format,
    web: Option<WebView>,
    app_link: Option<&str>,
) -> crate::Result<(String, usize)> {
    let templates = Templates::load(&app.project().root.join("templates"))?;
    let (digest, passages) = build(app, round, lang)?;
    let web = match web {
        Some(w) => minijinja::Value::from(minijinja::value::Serde(super::comments::web_context(
            app, &digest, &w,
        )?)),
        None => minijinja::Value::from(()),
    };
    Ok((
        templates.render_web(&digest, format, web, app_link)?,
        passages,
    ))
}

/// The view model of a digest's page in the app (`digest.html.j2`): what the round holds
/// and the ways to read it.
#[derive(Default, Serialize)]
struct DigestPage {
    /// The workshop the digest is for, by name.
    workshop: String,
    /// The region's first workshop: nothing was collected before it.
    first: bool,
    /// The first workshop's page: the next workshop's id, if there is one.
    next: Option<String>,
    /// The workshop whose round of material the digest covers, by name.
    round: String,
    id: String,
    passages: usize,
    published: bool,
    can_publish: bool,
    researcher: bool,
    flash: Option<String>,
}

/// Who views a digest in the app, for its comment forms.
#[derive(Debug, Clone)]
pub(crate) struct WebView {
    pub(crate) workshop: String,
    pub(crate) csrf: String,
    pub(crate) can_comment: bool,
}

/// Whether the digest of `workshop` is published; an unreadable `published.toml` counts as
/// not published (and is logged).
pub(crate) fn published(app: &App, workshop: &str) -> bool {
    kooste_core::publish::is_published(app.project(), workshop).unwrap_or_else(|e| {
        eprintln!("kooste serve: {e}");
        false
    })
}

/// The address of the digest's page in the app, as the browser reached the app (its
/// `Host`), so that a digest opened from the app, or downloaded and opened later, links
/// back to it. `None` when the request names no usable host.
fn app_link(app: &App, headers: &HeaderMap, workshop: &str) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let plain = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !plain {
        return None;
    }
    let scheme = if app.config.https { "https" } else { "http" };
    Some(format!(
        "{scheme}://{host}/digest/{}",
        crate::app::encode(workshop)
    ))
}

/// `GET /digest/WORKSHOP` (`?format=html|md`, `&download=1`, `&lang=fi|sv`).
pub(crate) async fn page(
    app: Shared,
    Path(workshop): Path<String>,
    headers: HeaderMap,
    Query(p): Query<Params>,
    Signed { ctx, .. }: Signed<Anyone>,
) -> Response {
    let researcher = ctx.user.role.allows(Role::Researcher);
    let is_published = published(&app, &workshop);
    // Before publishing, only researchers see a digest.
    if !researcher && !is_published {
        return app.forbidden(&ctx, "digest_unpublished");
    }
    let lang = p.lang.parse().unwrap_or(ctx.lang);
    let base = app.base(ctx.lang, Some(&ctx.view), &ctx.path);
    let round = match Round::of(app.project(), &workshop) {
        Ok(r) => r,
        Err(Error::FirstWorkshop { next, .. }) => {
            let view = DigestPage {
                workshop: super::search::workshop_label(&app, &workshop, ctx.lang),
                first: true,
                next,
                ..DigestPage::default()
            };
            return app.html(
                StatusCode::NOT_FOUND,
                "digest.html.j2",
                crate::render::with_view(base, &view),
            );
        }
        Err(_) => {
            return app.not_found(&ctx);
        }
    };
    let format = match p.format.as_str() {
        "html" => Some(Format::Html),
        "md" => Some(Format::Md),
        _ => None,
    };
    // The app's own view of the digest carries the comment forms; a download does not.
    let web = (format == Some(Format::Html) && p.download != "1").then(|| WebView {
        workshop: round.workshop.clone(),
        csrf: ctx.view.csrf.clone(),
        can_comment: is_published,
    });
    let rendered = {
        let (app, round) = (Arc::clone(&app), round.clone());
        let link = app_link(&app, &headers, &round.workshop);
        tokio::task::spawn_blocking(move || {
            render(
                &app,
                &round,
                lang,
                format.unwrap_or(Format::Html),
                web,
                link.as_deref(),
            )
        })
        .await
    };
    let (text, passages) = match rendered {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return app.failure(&ctx, &e),
        Err(e) => return app.failure(&ctx, &e),
    };
    let Some(format) = format else {
        let view = DigestPage {
            workshop: super::search::workshop_label(&app, &round.workshop, ctx.lang),
            round: super::search::workshop_label(&app, &round.previous, ctx.lang),
            id: round.workshop.clone(),
            passages,
            published: is_published,
            can_publish: researcher && !is_published,
            researcher,
            flash: app.sessions.take_flash(&ctx.view.token),
            first: false,
            next: None,
        };
        return app.html(
            StatusCode::OK,
            "digest.html.j2",
            crate::render::with_view(base, &view),
        );
    };
    let (mime, ext) = match format {
        Format::Html => ("text/html; charset=utf-8", "html"),
        Format::Md => ("text/markdown; charset=utf-8", "md"),
    };
    let mut res = (StatusCode::OK, [(header::CONTENT_TYPE, mime)], text).into_response();
    let h = res.headers_mut();
    // The digest is one self-contained file: its styles are inline, its pictures inline SVG.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"),
    );
    if format == Format::Md || p.download == "1" {
        let name = format!("kooste-{}-{}.{ext}", round.workshop, lang.as_str());
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    res
}

/// `POST /digest/WORKSHOP/publish`: researchers; back to the digest's page.
pub(crate) struct PublishPost;

impl PostRoute for PublishPost {
    const ROLE: Role = Role::Researcher;

    fn back(path: &str, _fields: &super::Fields) -> String {
        path.strip_suffix("/publish").unwrap_or(path).to_string()
    }

    fn refused(app: &App, ctx: &Ctx, _fields: &super::Fields) -> Response {
        app.forbidden(ctx, "forbidden_text")
    }
}

/// `POST /digest/WORKSHOP/publish` (researcher, `csrf_token`): every role may read the
/// digest from now on. Recorded in the project's `published.toml`.
pub(crate) async fn publish(
    app: Shared,
    Path(workshop): Path<String>,
    Post { ctx, .. }: Post<PublishPost>,
) -> Response {
    let path = format!("/digest/{workshop}");
    if Round::of(app.project(), &workshop).is_err() {
        return app.not_found(&ctx);
    }
    let today = kooste_core::clock::today();
    if let Err(e) = kooste_core::publish::publish(app.project(), &workshop, today) {
        return app.failure(&ctx, &e);
    }
    app.sessions.set_flash(
        &ctx.view.token,
        app.pages.word(ctx.lang, "digest_published_now"),
    );
    Redirect::to(&path).into_response()
}
