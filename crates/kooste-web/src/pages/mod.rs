//! The pages, one module per path of the design's table, and the small routes every page
//! uses (language switch, style sheet, not found).

pub(crate) mod comments;
pub(crate) mod digest;
pub(crate) mod document;
pub(crate) mod findings;
pub(crate) mod forms;
pub(crate) mod home;
pub(crate) mod login;
pub(crate) mod present;
pub(crate) mod review;
pub(crate) mod search;
pub(crate) mod steps;
pub(crate) mod task;

use crate::app::{Shared, local_path};
use crate::extract::{Anyone, Signed};
use crate::session::LANG_COOKIE;
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use kooste_core::model::Lang;
use serde::Deserialize;

/// Wording keys that the code picks (checked against `strings.toml` by a test).
#[cfg(test)]
pub(crate) const KEYS_USED_IN_CODE: &[&str] = &[
    "nav_home",
    "nav_search",
    "nav_review",
    "lang_name",
    "forbidden_title",
    "forbidden_text",
    "error_title",
    "error_text",
    "not_found_title",
    "not_found_text",
    "err_date",
    "err_workshop",
    "err_theme",
    "err_no_answers",
    "err_too_long",
    "err_csrf",
    "err_login",
    "err_login_expired",
    "err_rate_limited",
    "relogin_notice",
    "relogin_plain_notice",
    "wait_second",
    "wait_seconds",
    "wait_minute",
    "wait_minutes",
    "too_large_title",
    "too_large_text",
    "uri_too_long_title",
    "uri_too_long_text",
    "timeout_title",
    "timeout_text",
    "cross_site_title",
    "cross_site_text",
    "logout_failed_title",
    "logout_failed_text",
    "relogged_notice",
    "review_saved",
    "review_skipped",
    "review_kept",
    "review_withdrawn",
    "review_labels_none",
    "review_no_proposal",
    "evidence_learned",
    "evidence_hint",
    "evidence_decided",
    "role_participant",
    "role_worker",
    "role_researcher",
    // The workshop loop (issue 21).
    "comment_title",
    "err_comment_empty",
    "err_comment_long",
    "err_comment_finding",
    "digest_unpublished",
    "digest_published_now",
    "voice_missing_notice",
    "task_saved",
    "nav_steps",
    "steps_broken",
    "steps_saved",
    "steps_status_note",
    "err_steps_empty",
    "err_steps_long",
    "err_steps_status",
    "err_steps_entry",
    "err_steps_file",
];

#[derive(Deserialize)]
pub(crate) struct Next {
    #[serde(default)]
    next: String,
}

/// `GET /lang/fi?next=/path`: remembers the language in a cookie and goes back. It changes
/// nothing but a preference, so a plain link does it, on every page, without JavaScript.
pub(crate) async fn set_lang(Path(lang): Path<String>, Query(q): Query<Next>) -> Response {
    let lang = lang.parse::<Lang>().unwrap_or(Lang::Fi);
    let mut res = Redirect::to(&local_path(&q.next)).into_response();
    let c = cookie::Cookie::build((LANG_COOKIE, lang.as_str()))
        .path("/")
        .max_age(cookie::time::Duration::days(365))
        .same_site(cookie::SameSite::Lax)
        .build();
    if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// `GET /static/web.css`.
pub(crate) async fn css(app: Shared) -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        app.pages.css().to_string(),
    )
        .into_response()
}

/// `GET /static/web.js`: small enhancements (a live character count); no page needs it.
pub(crate) async fn js(app: Shared) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        app.pages.js().to_string(),
    )
        .into_response()
}

/// Any other path: the login page for strangers, 404 for users.
pub(crate) async fn not_found(app: Shared, Signed { ctx, .. }: Signed<Anyone>) -> Response {
    app.not_found(&ctx)
}

/// A form's fields as posted, in order; a name given twice keeps both.
pub(crate) type Fields = Vec<(String, String)>;

/// The first value of a field.
pub(crate) fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// A date as a person gives it: `2018-03-14` (what the browser's date control sends) or
/// `14.3.2018` (what a browser without one leaves to be typed).
pub(crate) fn parse_date(s: &str) -> Option<kooste_core::model::Date> {
    let s = s.trim();
    if let Ok(d) = s.parse() {
        return Some(d);
    }
    let mut it = s.split('.');
    let (d, m, y) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some()
        || y.len() != 4
        || d.is_empty()
        || m.is_empty()
        || d.len() > 2
        || m.len() > 2
    {
        return None;
    }
    format!("{y}-{m:0>2}-{d:0>2}").parse().ok()
}
