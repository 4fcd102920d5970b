//! `/digest/WORKSHOP`: the digest presented at the start of a workshop (the previous
//! workshop's round), rendered by kooste-digest; view it, or download it as HTML or Markdown.

use crate::accounts::Role;
use crate::app::{App, Shared};
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use kooste_core::model::Lang;
use kooste_core::steps::StepsList;
use kooste_digest::{Digest, Error, Format, Grouping, Input, Round, Templates, assemble};
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

/// The digest of `round` in `lang`, as data.
pub(crate) fn assemble_digest(app: &App, round: &Round, lang: Lang) -> crate::Result<Digest> {
    let steps = StepsList::load(&app.project)?;
    let grouping = Grouping::load(&app.project.root, &round.workshop)?;
    let records = {
        let ix = app.index();
        ix.records(&Filters {
            workshop: Some(round.previous.clone()),
            ..Filters::default()
        })?
    };
    Ok(assemble(
        &Input {
            project: &app.project,
            round,
            records: &records,
            steps: &steps,
            grouping: &grouping,
        },
        lang,
    )?)
}

/// Renders the digest of `round` in `lang`: (text, passages in the round).
fn render(app: &App, round: &Round, lang: Lang, format: Format) -> crate::Result<(String, usize)> {
    let templates = Templates::load(&app.project.root.join("templates"))?;
    let digest = assemble_digest(app, round, lang)?;
    Ok((templates.render(&digest, format)?, digest.received.passages))
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
        tokio::task::spawn_blocking(move || {
            render(&app, &round, lang, format.unwrap_or(Format::Html))
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
