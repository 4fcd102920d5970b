//! `/digest/WORKSHOP`: the digest presented at the start of a workshop (the previous
//! workshop's round), rendered by kooste-digest; view it, or download it as HTML or Markdown.

use crate::accounts::Role;
use crate::app::{App, Shared};
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use kooste_core::model::Lang;
use kooste_core::steps::StepsList;
use kooste_digest::{Error, Format, Input, Round, Templates, assemble};
use kooste_index::Filters;
use minijinja::context;
use serde::Deserialize;
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

/// Renders the digest of `round` in `lang`, linking back to `app_link`: (text, passages in
/// the round).
fn render(
    app: &App,
    round: &Round,
    lang: Lang,
    format: Format,
    app_link: Option<&str>,
) -> crate::Result<(String, usize)> {
    let templates = Templates::load(&app.project.root.join("templates"))?;
    let steps = StepsList::load(&app.project)?;
    let records = {
        let ix = app.index();
        ix.records(&Filters {
            workshop: Some(round.previous.clone()),
            ..Filters::default()
        })?
    };
    let digest = assemble(
        &Input {
            project: &app.project,
            round,
            records: &records,
            steps: &steps,
        },
        lang,
    )?;
    Ok((
        templates.render_linked(&digest, format, app_link)?,
        records.len(),
    ))
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
    uri: Uri,
    Query(p): Query<Params>,
) -> Response {
    let ctx = match app.page(&headers, &uri, Role::Researcher) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = p.lang.parse().unwrap_or(ctx.lang);
    let base = app.base(ctx.lang, Some(&ctx.view), &ctx.path);
    let round = match Round::of(&app.project, &workshop) {
        Ok(r) => r,
        Err(Error::FirstWorkshop { next, .. }) => {
            return app.html(
                StatusCode::NOT_FOUND,
                "digest.html.j2",
                context! { workshop => super::search::workshop_label(&app, &workshop, ctx.lang), first => true, next => next, ..base },
            );
        }
        Err(_) => {
            return app.message(
                StatusCode::NOT_FOUND,
                &ctx,
                "not_found_title",
                "not_found_text",
            );
        }
    };
    let format = match p.format.as_str() {
        "html" => Some(Format::Html),
        "md" => Some(Format::Md),
        _ => None,
    };
    let rendered = {
        let (app, round) = (Arc::clone(&app), round.clone());
        let link = app_link(&app, &headers, &round.workshop);
        tokio::task::spawn_blocking(move || {
            render(
                &app,
                &round,
                lang,
                format.unwrap_or(Format::Html),
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
        return app.html(
            StatusCode::OK,
            "digest.html.j2",
            context! {
            workshop => super::search::workshop_label(&app, &round.workshop, ctx.lang),
            round => super::search::workshop_label(&app, &round.previous, ctx.lang),
            id => round.workshop.clone(),
            passages => passages,
            first => false, ..base },
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
