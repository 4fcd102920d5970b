//! `/login` and `/logout`. The login form is itself protected by a CSRF token that the
//! server does not store: the page sets a cookie with a random nonce and its form carries
//! the nonce signed (`session::Signer`), so showing the page to any number of visitors keeps
//! nothing in memory and can push nobody's pending sign-in out. Signing in opens a session
//! with a new token, so a session id planted before login is worth nothing after it. Failed
//! sign-ins are counted before the password is checked (`session::Limiter`), and password
//! checks run a few at a time (`App::checks`).

use super::{Fields, field, forms};
use crate::accounts::Users;
use crate::app::{App, Ctx, Shared, local_path};
use crate::session::{
    KNOWN_COOKIE, LOGIN_COOKIE, SESSION_COOKIE, User, View, cookie, login_nonce_fresh,
    new_login_nonce, same,
};
use axum::extract::{Form, Query};
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kooste_core::model::Lang;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// What the login form shows again.
#[derive(Debug, Default)]
pub(crate) struct Login {
    pub(crate) username: String,
    pub(crate) next: String,
    /// Form input kept across a re-login (JSON), if a form was being filled in.
    pub(crate) carry: String,
    pub(crate) error: Option<&'static str>,
    pub(crate) notice: Option<&'static str>,
    /// How long the visitor must wait before the next try (with `err_rate_limited`).
    pub(crate) wait: Option<Duration>,
}

/// The login page's view model.
#[derive(Serialize)]
struct LoginView {
    username: String,
    /// Where to go once signed in.
    next: String,
    /// Form input kept across a re-login (JSON).
    carry: String,
    error: Option<String>,
    notice: Option<String>,
}

/// A wait as the wording says it: "30 sekunnin", "2 minuutin" / "30 sekunder", "2 minuter".
fn wait_words(app: &App, lang: Lang, wait: Duration) -> String {
    let secs = wait.as_millis().div_ceil(1000).max(1) as u64;
    let (n, key) = if secs < 60 {
        (
            secs,
            if secs == 1 {
                "wait_second"
            } else {
                "wait_seconds"
            },
        )
    } else {
        let m = secs.div_ceil(60);
        (
            m,
            if m == 1 {
                "wait_minute"
            } else {
                "wait_minutes"
            },
        )
    };
    app.pages.word(lang, key).replace("{n}", &n.to_string())
}

/// Renders the login form with a CSRF token: the login cookie's nonce signed. A request
/// without a fresh login cookie gets a new one; nothing is kept on the server.
pub(crate) fn render(app: &App, headers: &HeaderMap, status: StatusCode, login: Login) -> Response {
    let lang = app.lang(headers);
    let (nonce, new) = match cookie(headers, LOGIN_COOKIE) {
        Some(n) if login_nonce_fresh(&n) => (n, false),
        _ => (new_login_nonce(), true),
    };
    let view = View {
        token: String::new(),
        user: None,
        csrf: app.signer.sign("login", &nonce),
        skipped: Vec::new(),
    };
    let base = app.base(lang, Some(&view), "/login");
    let word = |k: Option<&str>| k.map(|k| app.pages.word(lang, k));
    let error = word(login.error).map(|e| match login.wait {
        Some(w) => e.replace("{wait}", &wait_words(app, lang, w)),
        None => e,
    });
    let page = LoginView {
        username: login.username,
        next: login.next,
        carry: login.carry,
        error,
        notice: word(login.notice),
    };
    let mut res = app.html(
        status,
        "login.html.j2",
        crate::render::with_view(base, &page),
    );
    if new {
        res.headers_mut().append(
            header::SET_COOKIE,
            app.cookie(LOGIN_COOKIE, &nonce, "/login", None),
        );
    }
    if let Some(w) = login.wait
        && let Ok(v) = w.as_millis().div_ceil(1000).max(1).to_string().parse()
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
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
/// and comes back once signed in, when the browser says the post came from the app's own
/// page (a post from elsewhere never gets here: `guard` refuses it; one without the
/// browser's word, from a program, is not carried either).
pub(crate) fn relogin(app: &App, headers: &HeaderMap, next: &str, carry: String) -> Response {
    let ours = crate::guard::same_site(app, headers);
    render(
        app,
        headers,
        StatusCode::UNAUTHORIZED,
        Login {
            next: next.to_string(),
            carry: if ours { carry } else { String::new() },
            notice: Some(if ours {
                "relogin_notice"
            } else {
                "relogin_plain_notice"
            }),
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
        wait: None,
    };
    let token_ok = cookie(&headers, LOGIN_COOKIE).is_some_and(|n| {
        login_nonce_fresh(&n) && app.signer.verify("login", &n, field(&f, "csrf_token"))
    });
    if !token_ok {
        // The login page was open too long (or came from elsewhere): show a fresh one.
        let headers = without_login_cookie(&headers);
        return render(
            &app,
            &headers,
            StatusCode::FORBIDDEN,
            keep("err_login_expired"),
        );
    }
    let address = crate::guard::client_address(&app, &headers, &ext);
    let lower = username.to_lowercase();
    let known =
        cookie(&headers, KNOWN_COOKIE).is_some_and(|k| app.signer.verify("known", &lower, &k));
    // Counted now, before the password is checked, so that simultaneous tries cannot slip
    // past the count.
    let attempt = match app.limiter.begin(&username, &address, known) {
        Ok(a) => a,
        Err(wait) => {
            return render(
                &app,
                &headers,
                StatusCode::TOO_MANY_REQUESTS,
                Login {
                    wait: Some(wait),
                    ..keep("err_rate_limited")
                },
            );
        }
    };
    // Each check holds about 19 MiB: a few at a time, on threads of their own
    // (`App::checks`); the rest wait their turn.
    let checked = {
        let (app, name) = (Arc::clone(&app), username.clone());
        app.clone()
            .checks
            .run(move || {
                Users::load(app.project()).map(|users| {
                    users.verify(&name, &password).map(|a| User {
                        name: a.name.clone(),
                        role: a.role,
                        voice: a.voice(),
                        voice_missing: a.voice_missing(),
                    })
                })
            })
            .await
    };
    let user = match checked {
        Some(Ok(Some(user))) => user,
        Some(Ok(None)) => {
            return render(&app, &headers, StatusCode::UNAUTHORIZED, keep("err_login"));
        }
        Some(Err(e)) => return Response::from(e),
        None => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    app.limiter.succeeded(attempt);
    if let Some(old) = app.session(&headers) {
        app.sessions.close(&old.token);
    }
    let view = app.sessions.open(user.clone());
    let carry = field(&f, "carry");
    let mut res = match forms::resume(&app, &headers, &view, carry).await {
        Some(res) => res,
        None => Redirect::to(&local_path(field(&f, "next"))).into_response(),
    };
    let h = res.headers_mut();
    h.append(header::SET_COOKIE, app.session_cookie(&view.token));
    h.append(
        header::SET_COOKIE,
        app.cookie(
            KNOWN_COOKIE,
            &app.signer.sign("known", &user.name.to_lowercase()),
            "/login",
            Some(365 * 24 * 60 * 60),
        ),
    );
    h.append(
        header::SET_COOKIE,
        app.cookie(LOGIN_COOKIE, "", "/login", Some(0)),
    );
    res
}

/// `POST /logout` (with `csrf_token`): ends the session and has the browser forget its
/// cookie.
pub(crate) async fn logout(app: Shared, headers: HeaderMap, Form(f): Form<Fields>) -> Response {
    if let Some(v) = app.session(&headers) {
        if !same(&v.csrf, field(&f, "csrf_token")) {
            let lang = app.lang(&headers);
            return crate::guard::error_page(
                &app,
                StatusCode::FORBIDDEN,
                lang,
                "/logout",
                "logout_failed",
            );
        }
        app.sessions.close(&v.token);
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        app.cookie(SESSION_COOKIE, "", "/", Some(0)),
    );
    res
}

/// The headers without the login cookie, so that the page is shown with a fresh one.
fn without_login_cookie(headers: &HeaderMap) -> HeaderMap {
    let mut h = headers.clone();
    h.remove(header::COOKIE);
    let kept: Vec<String> = crate::session::cookies(headers)
        .filter(|c| c.name() != LOGIN_COOKIE)
        .map(|c| c.stripped().to_string())
        .collect();
    if let Ok(v) = kept.join("; ").parse() {
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
