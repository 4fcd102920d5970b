//! `/login` and `/logout`. The login form is itself protected by a CSRF token, held by an
//! anonymous session that signing in replaces (a new token, so a session id planted before
//! login is worth nothing after it).

use super::{Fields, field, forms};
use crate::accounts::Users;
use crate::app::{App, Ctx, Shared, local_path};
use crate::session::{User, View, same};
use axum::extract::{ConnectInfo, Form, Query};
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kooste_core::model::Lang;
use minijinja::context;
use std::net::SocketAddr;
use std::sync::Arc;

/// What the login form shows again.
#[derive(Debug, Default)]
pub(crate) struct Login {
    pub(crate) username: String,
    pub(crate) next: String,
    /// Form input kept across a re-login (JSON), if a form was being filled in.
    pub(crate) carry: String,
    pub(crate) error: Option<&'static str>,
    pub(crate) notice: Option<&'static str>,
}

/// Renders the login form, opening an anonymous session for its CSRF token when the
/// request has none.
pub(crate) fn render(app: &App, headers: &HeaderMap, status: StatusCode, login: Login) -> Response {
    let lang = app.lang(headers);
    let (view, new) = match app.session(headers) {
        Some(v) if v.user.is_none() => (v, false),
        _ => (app.sessions.open(None), true),
    };
    let base = app.base(lang, Some(&view), "/login");
    let word = |k: Option<&str>| k.map(|k| app.pages.word(lang, k));
    let mut res = app.html(
        status,
        "login.html.j2",
        context! {
        username => login.username,
        next => login.next,
        carry => login.carry,
        error => word(login.error),
        notice => word(login.notice), ..base },
    );
    if new {
        res.headers_mut()
            .append(header::SET_COOKIE, app.session_cookie(&view.token));
    }
    res
}

#[derive(serde::Deserialize)]
pub(crate) struct LoginQuery {
    #[serde(default)]
    next: String,
}

/// `GET /login`.
pub(crate) async fn page(app: Shared, headers: HeaderMap, Query(q): Query<LoginQuery>) -> Response {
    if app.session(&headers).is_some_and(|v| v.user.is_some()) {
        return Redirect::to(&local_path(&q.next)).into_response();
    }
    render(
        &app,
        &headers,
        StatusCode::OK,
        Login {
            next: local_path(&q.next),
            ..Login::default()
        },
    )
}

/// The login form shown instead of a form whose session ended: what was typed rides along
/// and comes back once signed in.
pub(crate) fn relogin(app: &App, headers: &HeaderMap, next: &str, carry: String) -> Response {
    render(
        app,
        headers,
        StatusCode::UNAUTHORIZED,
        Login {
            next: next.to_string(),
            carry,
            notice: Some("relogin_notice"),
            ..Login::default()
        },
    )
}

/// `POST /login`: `username`, `password`, `csrf_token` (and `next`, `carry`).
pub(crate) async fn submit(
    app: Shared,
    headers: HeaderMap,
    ext: Extensions,
    Form(f): Form<Fields>,
) -> Response {
    let username = field(&f, "username").trim().to_string();
    let password = field(&f, "password").to_string();
    let keep = |error| Login {
        username: username.clone(),
        next: local_path(field(&f, "next")),
        carry: field(&f, "carry").to_string(),
        error: Some(error),
        notice: None,
    };
    let view = app.session(&headers);
    if !view
        .as_ref()
        .is_some_and(|v| same(&v.csrf, field(&f, "csrf_token")))
    {
        // The login page was open too long (or came from elsewhere): show a fresh one.
        let headers = without_session(&headers);
        return render(
            &app,
            &headers,
            StatusCode::FORBIDDEN,
            keep("err_login_expired"),
        );
    }
    let address = ext
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string());
    if !app.limiter.allowed(&username, &address) {
        return render(
            &app,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            keep("err_rate_limited"),
        );
    }
    let checked = {
        let (app, name) = (Arc::clone(&app), username.clone());
        tokio::task::spawn_blocking(move || {
            Users::load(&app.project).map(|users| {
                users.verify(&name, &password).map(|a| User {
                    name: a.name.clone(),
                    role: a.role,
                })
            })
        })
        .await
    };
    let user = match checked {
        Ok(Ok(Some(user))) => user,
        Ok(Ok(None)) => {
            app.limiter.failed(&username, &address);
            return render(&app, &headers, StatusCode::UNAUTHORIZED, keep("err_login"));
        }
        Ok(Err(e)) => return Response::from(e),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    app.limiter.succeeded(&username);
    if let Some(old) = &view {
        app.sessions.close(&old.token);
    }
    let view = app.sessions.open(Some(user.clone()));
    let carry = field(&f, "carry");
    let mut res = match forms::resume(&app, &headers, &view, carry).await {
        Some(res) => res,
        None => Redirect::to(&local_path(field(&f, "next"))).into_response(),
    };
    res.headers_mut()
        .append(header::SET_COOKIE, app.session_cookie(&view.token));
    res
}

/// `POST /logout` (with `csrf_token`).
pub(crate) async fn logout(app: Shared, headers: HeaderMap, Form(f): Form<Fields>) -> Response {
    if let Some(v) = app.session(&headers) {
        if !same(&v.csrf, field(&f, "csrf_token")) {
            return StatusCode::FORBIDDEN.into_response();
        }
        app.sessions.close(&v.token);
    }
    Redirect::to("/login").into_response()
}

/// The headers without the session cookie, so that a fresh anonymous session is opened.
fn without_session(headers: &HeaderMap) -> HeaderMap {
    let mut h = headers.clone();
    h.remove(header::COOKIE);
    if let Some(lang) = crate::session::cookie(headers, crate::session::LANG_COOKIE)
        && let Ok(v) = format!("{}={lang}", crate::session::LANG_COOKIE).parse()
    {
        h.insert(header::COOKIE, v);
    }
    h
}

/// A signed-in context built right after login (for resuming a form).
pub(crate) fn ctx_after_login(
    app: &App,
    headers: &HeaderMap,
    view: &View,
    path: &str,
) -> Option<Ctx> {
    let lang: Lang = app.lang(headers);
    Some(Ctx {
        view: view.clone(),
        user: view.user.clone()?,
        lang,
        path: path.to_string(),
    })
}
