//! Comments at the workshop on a published digest: `POST /digest/WORKSHOP/comments` with
//! `text`, `csrf_token` and, for a comment on one finding, `finding` (the finding's passage
//! ids, as its form gives them). Every signed-in role may comment once the digest is
//! published. A comment is workshop WORKSHOP's material: a corpus document written through
//! the corpus API and the redactor (`kooste_ingest::submit_comment`), in the commenter's
//! voice, indexed at once, and shown in the next digest beside what it commented on.
//!
//! Also the comments made so far under each finding of the app's own view of the digest
//! ([`web_context`]).

use super::digest::{WebView, build, published};
use super::{Fields, field};
use crate::accounts::Role;
use crate::app::{App, Ctx, Shared};
use crate::extract::{Post, PostRoute};
use crate::session::random_hex;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kooste_digest::{Digest, Finding, Round};
use kooste_ingest::Comment;
use kooste_workspace::{Filters, PassageRecord};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The longest comment accepted, in characters.
pub(crate) const MAX_COMMENT: usize = 2000;

/// Every finding of a digest with its theme id, in the digest's order.
fn findings(digest: &Digest) -> Vec<(&str, &Finding)> {
    digest
        .themes
        .iter()
        .flat_map(|th| th.all_findings().map(move |f| (th.theme.id.as_str(), f)))
        .collect()
}

/// A finding's key: its passage ids, as its comment form posts them.
fn key(f: &Finding) -> String {
    f.passages()
        .map(|q| q.passage.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The comments made so far on the digest of `workshop` (workshop `workshop`'s material
/// with `comment_on: workshop`), one item per comment document.
fn comments_on(app: &App, workshop: &str) -> crate::Result<Vec<(Vec<String>, CommentView)>> {
    let records = app.ws.index()?.records(&Filters {
        workshop: Some(workshop.to_string()),
        ..Filters::default()
    })?;
    let mut docs: Vec<(String, Vec<&PassageRecord>)> = Vec::new();
    for r in records
        .iter()
        .filter(|r| r.comment_on.as_deref() == Some(workshop))
    {
        match docs.iter_mut().find(|(d, _)| *d == r.doc) {
            Some((_, ps)) => ps.push(r),
            None => docs.push((r.doc.clone(), vec![r])),
        }
    }
    Ok(docs
        .into_iter()
        .map(|(_, ps)| {
            let first = ps[0];
            (
                first.comment_passages.clone(),
                CommentView {
                    paragraphs: ps.iter().map(|p| p.text.clone()).collect(),
                    voice: first.document_voice.as_str(),
                    lang: first.lang.as_str(),
                },
            )
        })
        .collect())
}

/// What the app's own view of a digest adds (`web` in `templates/comments.html.j2`): the
/// comment forms and, under each finding, the comments made on it so far. A comment belongs
/// under every finding that holds one of its passages, so it stays with its passages when a
/// curation moves them.
pub(crate) fn web_context(
    app: &App,
    digest: &Digest,
    view: &WebView,
) -> crate::Result<CommentsView> {
    let made = comments_on(app, &view.workshop)?;
    let mut by_finding = BTreeMap::new();
    for (i, (_, f)) in findings(digest).into_iter().enumerate() {
        let passages: BTreeSet<&str> = f.passages().map(|q| q.passage.as_str()).collect();
        let comments = made
            .iter()
            .filter(|(ps, _)| ps.iter().any(|p| passages.contains(p.as_str())))
            .map(|(_, v)| v.clone())
            .collect();
        by_finding.insert(
            key(f),
            FindingComments {
                anchor: format!("finding-{}", i + 1),
                comments,
            },
        );
    }
    let whole = made
        .iter()
        .filter(|(ps, _)| ps.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    Ok(CommentsView {
        workshop: view.workshop.clone(),
        csrf: view.csrf.clone(),
        can_comment: view.can_comment,
        max: MAX_COMMENT,
        findings: by_finding,
        whole,
    })
}

/// What the app's view of a digest adds for comments (`web` in the digest's templates).
#[derive(Serialize)]
pub(crate) struct CommentsView {
    workshop: String,
    csrf: String,
    can_comment: bool,
    /// The longest comment accepted, in characters.
    max: usize,
    /// The comment form and comments of each finding, by the finding's key (its passage
    /// ids, as its form posts them).
    findings: BTreeMap<String, FindingComments>,
    /// Comments on the digest as a whole.
    whole: Vec<CommentView>,
}

#[derive(Serialize)]
struct FindingComments {
    anchor: String,
    comments: Vec<CommentView>,
}

/// One comment made at the workshop.
#[derive(Clone, Serialize)]
struct CommentView {
    paragraphs: Vec<String>,
    voice: &'static str,
    lang: &'static str,
}

/// A new comment id: `WORKSHOP-kommentti-YYYYMMDD-xxxxxxxx` (the random part starts with a
/// letter, so it never reads as a phone number).
fn new_comment_id(workshop: &str) -> String {
    let day = kooste_core::clock::today().to_string().replace('-', "");
    let hex = random_hex(4);
    let first = char::from(b'a' + hex.as_bytes()[0] % 6);
    format!("{workshop}-kommentti-{day}-{first}{}", &hex[1..])
}

/// `POST /digest/WORKSHOP/comments`: every role, back to the app's view of the digest.
pub(crate) struct CommentPost;

impl PostRoute for CommentPost {
    const ROLE: Role = Role::Participant;

    /// Not signed in (any more): sign in and come back to the digest.
    fn back(path: &str, _fields: &Fields) -> String {
        format!(
            "{}?format=html",
            path.strip_suffix("/comments").unwrap_or(path)
        )
    }

    fn refused(app: &App, ctx: &Ctx, _fields: &Fields) -> Response {
        app.forbidden(ctx, "err_csrf")
    }
}

/// `POST /digest/WORKSHOP/comments`.
pub(crate) async fn post(
    app: Shared,
    Path(workshop): Path<String>,
    Post { ctx, fields, .. }: Post<CommentPost>,
) -> Response {
    let path = format!("/digest/{workshop}?format=html");
    let Ok(round) = Round::of(app.project(), &workshop) else {
        return app.not_found(&ctx);
    };
    // Every role, researchers too, once the digest is published.
    if !published(&app, &workshop) {
        return app.forbidden(&ctx, "digest_unpublished");
    }
    let text = field(&fields, "text").trim().to_string();
    if text.is_empty() {
        return app.message(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ctx,
            "comment_title",
            "err_comment_empty",
        );
    }
    if text.chars().count() > MAX_COMMENT {
        return app.message(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ctx,
            "comment_title",
            "err_comment_long",
        );
    }
    let passages: Vec<String> = field(&fields, "finding")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let saved = {
        let (app, ctx) = (Arc::clone(&app), ctx.clone());
        tokio::task::spawn_blocking(move || store(&app, &ctx, &round, passages, &text)).await
    };
    match saved {
        // The comment shows under what it commented on.
        Ok(Ok(anchor)) => Redirect::to(&format!("{path}#{anchor}")).into_response(),
        Ok(Err(Refused::NoSuchFinding)) => app.message(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ctx,
            "comment_title",
            "err_comment_finding",
        ),
        Ok(Err(Refused::Failed(e))) => app.failure(&ctx, &e),
        Err(e) => app.failure(&ctx, &e),
    }
}

/// Why a comment was not stored.
enum Refused {
    /// The posted passages are no finding of the digest (a stale page, a forged post).
    NoSuchFinding,
    /// Something that should not happen.
    Failed(String),
}

/// Stores a comment and reindexes it; returns the anchor of what it commented on.
fn store(
    app: &App,
    ctx: &Ctx,
    round: &Round,
    passages: Vec<String>,
    text: &str,
) -> Result<String, Refused> {
    let failed = |e: &dyn std::fmt::Display| Refused::Failed(e.to_string());
    let lang = app.project().config.project.lang;
    let (digest, _) = build(app, round, lang).map_err(|e| failed(&e))?;
    // The finding commented on: the one whose passages the form gave.
    let (anchor, heading, theme) = if passages.is_empty() {
        ("digest-comments".to_string(), None, None)
    } else {
        let wanted: BTreeSet<&str> = passages.iter().map(String::as_str).collect();
        let (i, (theme, f)) = findings(&digest)
            .into_iter()
            .enumerate()
            .find(|(_, (_, f))| {
                f.passages()
                    .map(|q| q.passage.as_str())
                    .collect::<BTreeSet<_>>()
                    == wanted
            })
            .ok_or(Refused::NoSuchFinding)?;
        (
            format!("finding-{}", i + 1),
            Some(f.heading.text.clone()),
            Some(theme.to_string()).filter(|t| !t.is_empty()),
        )
    };
    let comment = Comment {
        id: new_comment_id(&round.workshop),
        workshop: round.workshop.clone(),
        passages,
        heading,
        theme: theme.filter(|t| app.project().config.themes.contains_key(t)),
        text: text.to_string(),
        voice: ctx.user.voice,
        date: kooste_core::clock::today(),
        lang: kooste_caimer::detect_lang(text, ctx.lang),
    };
    app.ws.save_comment(&comment).map_err(|e| match e {
        kooste_workspace::Error::Refused(d) => Refused::Failed(
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        e => failed(&e),
    })?;
    Ok(anchor)
}
