//! The app's state, its router, and what every page shares: who is asking, in which
//! language, the common template context, and the security headers of every response.

use crate::accounts::Role;
use crate::pages;
use crate::render::Pages;
use crate::session::{
    self, LANG_COOKIE, Limiter, SESSION_COOKIE, Sessions, Signer, Throttle, User, View,
};
use crate::{Error, Result};
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use kooste_core::Project;
use kooste_core::model::Lang;
use kooste_workspace::Workspace;
use minijinja::Value;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What every page's template gets besides its own view model ([`App::base`]): the
/// wording, the language and the way to the other one, the user, the CSRF token, the
/// current path and the navigation for the user's role.
#[derive(Serialize)]
pub(crate) struct Layout {
    /// The wording in the page's language.
    t: Value,
    lang: &'static str,
    other_lang: &'static str,
    other_lang_name: String,
    lang_switch: String,
    user: Option<LayoutUser>,
    csrf: Option<String>,
    /// The current path, without the query.
    path: String,
    nav: Vec<NavLink>,
    project_name: String,
}

#[derive(Serialize)]
struct LayoutUser {
    name: String,
    role: &'static str,
}

#[derive(Serialize)]
struct NavLink {
    href: &'static str,
    label: String,
    /// The page shown.
    current: bool,
}

/// The view model of a page with a heading and one message (`message.html.j2`).
#[derive(Serialize)]
pub(crate) struct Message {
    pub(crate) title: String,
    pub(crate) text: String,
}

/// How the app runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mark the session cookie `Secure`. Browsers keep such cookies on `https://` and on
    /// `http://localhost` / `http://127.0.0.1`; turn it off only to reach the app over plain
    /// HTTP from another machine on a trusted network.
    pub secure_cookies: bool,
    /// A signed-in session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after signing in, whatever happens.
    pub session_max: Duration,
    /// The largest request body accepted, in bytes (larger ones get 413).
    pub body_limit: usize,
    /// Failed sign-ins are forgotten after this long without one; also the longest wait of
    /// a user name from one address.
    pub login_window: Duration,
    /// Failed sign-ins allowed freely for one user name from one client address; after
    /// that each try waits, 30 s and doubling up to `login_window`.
    pub login_per_user: u32,
    /// Failed sign-ins allowed freely from one client address, whatever the user names;
    /// after that each try waits, 1 s and doubling up to a minute, except from a browser
    /// that has signed in as that user before.
    pub login_per_address: u32,
    /// The first wait of an address past `login_per_address` (doubling up to a minute).
    pub login_address_wait: Duration,
    /// How the client's address is known behind a reverse proxy; `None`: the connection's
    /// own address.
    pub proxy: Option<Proxy>,
    /// The app is served to browsers over HTTPS (by a reverse proxy): every response says
    /// `Strict-Transport-Security`.
    pub https: bool,
    /// Password checks run at once (each holds about 19 MiB); 0: one per processor core,
    /// at most four.
    pub password_checks: usize,
    /// A request's header must arrive within this time, and an idle kept-alive connection
    /// is closed after it.
    pub header_timeout: Duration,
    /// A request's body must arrive within this time (else 408).
    pub body_timeout: Duration,
    /// Open connections at most; one more is answered with a plain 503 and closed.
    pub max_connections: usize,
    /// Print one line per request (method, path without its query, status, time) on stderr.
    /// Bodies, queries, passwords and form texts are never printed.
    pub log: bool,
    /// The day the app takes for today (which round a new form goes to); `None`: the
    /// system clock's (UTC). Set by tests and demonstrations.
    pub today: Option<kooste_core::model::Date>,
}

/// A reverse proxy in front of the app, and the header in which it gives the client's
/// address.
#[derive(Debug, Clone)]
pub struct Proxy {
    /// The header, e.g. `X-Forwarded-For` (its last address is taken: the one the proxy
    /// added) or `X-Real-IP`.
    pub header: String,
    /// The proxy's own addresses: the header is believed only on connections from these.
    pub from: Vec<std::net::IpAddr>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            secure_cookies: true,
            session_idle: Duration::from_secs(2 * 60 * 60),
            session_max: Duration::from_secs(12 * 60 * 60),
            body_limit: 256 * 1024,
            login_window: Duration::from_secs(15 * 60),
            login_per_user: 5,
            login_per_address: 50,
            login_address_wait: Duration::from_secs(1),
            proxy: None,
            https: false,
            password_checks: 0,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 512,
            log: false,
            today: None,
        }
    }
}

/// The web app over one project.
#[derive(Clone)]
pub struct Web {
    pub(crate) app: Arc<App>,
}

impl std::fmt::Debug for Web {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Web")
            .field("project", &self.app.project().root)
            .finish()
    }
}

/// Everything the handlers share.
pub(crate) struct App {
    pub(crate) config: Config,
    pub(crate) pages: Pages,
    pub(crate) sessions: Sessions,
    pub(crate) limiter: Limiter,
    /// Signs the login page's token and the "signed in here before" cookie.
    pub(crate) signer: Signer,
    /// The threads that check passwords, a few at a time.
    pub(crate) checks: Pool,
    /// The threads that search, one per core (at most four): a search's working memory
    /// (its matches, facet counts and records) is taken on a few threads and reused, where
    /// searches spread over tokio's blocking threads left each thread's memory held (at
    /// 100k passages, 8 connections searching took the server some 80 MB more).
    pub(crate) searches: Pool,
    /// The project's live state: its index, proposer, redactor and corpus writes.
    pub(crate) ws: Arc<Workspace>,
}

impl App {
    /// The project's settings, as the workspace opened them.
    pub(crate) fn project(&self) -> &Project {
        self.ws.project()
    }
}

/// The shared state as handlers receive it.
pub(crate) type Shared = State<Arc<App>>;

impl Web {
    /// Builds the app over a project's workspace. `kooste serve` brings its index up to
    /// date first and has it watch the corpus ([`Workspace::watch`]).
    pub fn new(ws: Arc<Workspace>, config: Config) -> Result<Web> {
        let project = ws.project();
        let pages = Pages::load(&project.root.join("templates").join("web"))?;
        // The app's own writes reach the index at once, and `kooste serve` watches the
        // corpus for the rest: requests do not check the index against the corpus.
        ws.trust_index();
        // A save is answered once it is on disk; a thread indexes saves as they come, and
        // every read of the index first takes those still waiting.
        ws.index_in_background();
        // Open them now, so that a broken register, decisions file or index shows at start.
        ws.redactor()?;
        ws.caimer()?;
        ws.index()?;
        // Read the accounts now, so a broken users.toml shows at start rather than at login.
        crate::accounts::Users::load(project)?;
        let app = App {
            sessions: Sessions::new(config.session_idle, config.session_max),
            limiter: Limiter::new(
                Throttle {
                    per_user: config.login_per_user,
                    user_wait: Duration::from_secs(30),
                    per_address: config.login_per_address,
                    address_wait: config.login_address_wait,
                    address_max_wait: config.login_address_wait.max(Duration::from_secs(60)),
                    window: config.login_window,
                },
                config.log,
            ),
            signer: Signer::new(),
            checks: Pool::new("password", threads(config.password_checks)),
            searches: Pool::new("search", threads(0)),
            config,
            pages,
            ws,
        };
        Ok(Web { app: Arc::new(app) })
    }

    /// The router: every page of the app.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(pages::home::page))
            .route("/login", get(pages::login::page).post(pages::login::submit))
            .route("/logout", axum::routing::post(pages::login::logout))
            .route("/lang/{lang}", get(pages::set_lang))
            .route("/static/web.css", get(pages::css))
            .route("/static/web.js", get(pages::js))
            .route(
                "/forms/{battery}",
                get(pages::forms::page).post(pages::forms::submit),
            )
            .route("/search", get(pages::search::page))
            .route("/documents/{id}", get(pages::document::page))
            .route("/passages/{id}/{n}", get(pages::document::passage))
            .route(
                "/review",
                get(pages::review::page).post(pages::review::decide),
            )
            .route("/digest/{workshop}", get(pages::digest::page))
            .route(
                "/digest/{workshop}/findings",
                get(pages::findings::page).post(pages::findings::change),
            )
            // The workshop loop (issue 21).
            .route(
                "/digest/{workshop}/publish",
                axum::routing::post(pages::digest::publish),
            )
            .route(
                "/digest/{workshop}/comments",
                axum::routing::post(pages::comments::post),
            )
            .route("/digest/{workshop}/present", get(pages::present::page))
            .route(
                "/workshops/{workshop}/task",
                get(pages::task::page).post(pages::task::save),
            )
            .route("/steps", get(pages::steps::page).post(pages::steps::save))
            .fallback(pages::not_found)
            .layer(DefaultBodyLimit::max(self.app.config.body_limit))
            .layer(middleware::from_fn_with_state(
                self.app.clone(),
                crate::guard::guard,
            ))
            .with_state(self.app.clone())
    }

    /// Signs everyone out, as restarting the server does.
    pub fn forget_sessions(&self) {
        self.app.sessions.clear();
    }

    /// The shared state (for the server loop).
    pub(crate) fn app(&self) -> &Arc<App> {
        &self.app
    }
}

/// A few threads of their own for work that needs much memory while it runs (password
/// checks, searches): each thread keeps what its jobs allocated for the next one, so the
/// work holds that much per thread and no more. A password check keeps Argon2's working
/// memory (about 19 MiB, `accounts::verify_hash`); checks spread over tokio's blocking
/// threads, each allocating afresh, took 60 simultaneous sign-ins to 337 MB even when only
/// two ran at once.
pub(crate) struct Pool {
    jobs: std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>,
}

impl Pool {
    fn new(what: &str, threads: usize) -> Pool {
        let (jobs, queue) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("kooste-{what}-{i}"))
                .spawn(move || {
                    loop {
                        // The queue ends when the app is dropped.
                        let job = match queue.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                            Ok(job) => job,
                            Err(_) => return,
                        };
                        // A job that panics fails its own request (its answer is dropped),
                        // not the thread.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                });
            if let Err(e) = spawned {
                eprintln!("kooste serve: starting a {what} thread: {e}");
            }
        }
        Pool { jobs }
    }

    /// Runs `f` on one of the checking threads, in turn; `None` if it could not run.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .ok()?;
        rx.await.ok()
    }
}

/// How many threads a pool has: `n`, or one per core (at most four) for 0.
fn threads(n: usize) -> usize {
    if n > 0 {
        return n;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// Who is asking, for a page that needs a signed-in user.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub(crate) view: View,
    pub(crate) user: User,
    pub(crate) lang: Lang,
    pub(crate) path: String,
}

impl App {
    /// Today, by the configured clock ([`Config::today`]) or the system's.
    pub(crate) fn today(&self) -> kooste_core::model::Date {
        self.config.today.unwrap_or_else(kooste_core::clock::today)
    }

    /// The interface language: the cookie's, else the project's.
    pub(crate) fn lang(&self, headers: &HeaderMap) -> Lang {
        session::cookie(headers, LANG_COOKIE)
            .and_then(|l| l.parse().ok())
            .unwrap_or(self.project().config.project.lang)
    }

    /// The request's live session, if any.
    pub(crate) fn session(&self, headers: &HeaderMap) -> Option<View> {
        session::cookie(headers, SESSION_COOKIE).and_then(|t| self.sessions.get(&t))
    }

    /// The context of a page that needs `need`: a signed-in user is let in when the role
    /// allows it, else gets 403; anybody else is sent to the login page, which brings them
    /// back here.
    // The error is the response to send as it is: boxing it would only add noise to
    // every handler.
    #[allow(clippy::result_large_err)]
    pub(crate) fn page(
        &self,
        headers: &HeaderMap,
        uri: &Uri,
        need: Role,
    ) -> std::result::Result<Ctx, Response> {
        let lang = self.lang(headers);
        let path = uri
            .path_and_query()
            .map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string());
        let Some(view) = self.session(headers) else {
            let to = format!("/login?next={}", encode(&path));
            return Err(Redirect::to(&to).into_response());
        };
        let Some(user) = view.user.clone() else {
            let to = format!("/login?next={}", encode(&path));
            return Err(Redirect::to(&to).into_response());
        };
        let ctx = Ctx {
            view,
            user,
            lang,
            path,
        };
        if !ctx.user.role.allows(need) {
            return Err(self.forbidden(&ctx, "forbidden_text"));
        }
        Ok(ctx)
    }

    /// What every template gets: the wording, the language and the other one, the user,
    /// the CSRF token, the current path and the navigation for the user's role.
    pub(crate) fn base(&self, lang: Lang, view: Option<&View>, path: &str) -> Layout {
        let user = view.and_then(|v| v.user.as_ref());
        let mut nav: Vec<(&str, &str)> = Vec::new();
        if let Some(u) = user {
            nav.push(("/", "nav_home"));
            nav.push(("/search", "nav_search"));
            nav.push(("/steps", "nav_steps"));
            if u.role.allows(Role::Researcher) {
                nav.push(("/review", "nav_review"));
            }
        }
        let other = match lang {
            Lang::Fi => Lang::Sv,
            Lang::Sv => Lang::Fi,
        };
        let path_only = path.split('?').next().unwrap_or("/");
        Layout {
            t: Value::from(minijinja::value::Serde(self.pages.text(lang))),
            lang: lang.as_str(),
            other_lang: other.as_str(),
            other_lang_name: self.pages.word(other, "lang_name"),
            lang_switch: format!("/lang/{}?next={}", other.as_str(), encode(path)),
            user: user.map(|u| LayoutUser {
                name: u.name.clone(),
                role: u.role.as_str(),
            }),
            csrf: view.map(|v| v.csrf.clone()),
            path: path_only.to_string(),
            nav: nav
                .iter()
                .map(|(href, key)| NavLink {
                    href,
                    label: self.pages.word(lang, key),
                    current: *href == path_only,
                })
                .collect(),
            project_name: self.project().config.project.name(lang).to_string(),
        }
    }

    /// Renders a template to an HTML response.
    pub(crate) fn html(&self, status: StatusCode, name: &str, ctx: Value) -> Response {
        match self.pages.render(name, ctx) {
            Ok(body) => (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body,
            )
                .into_response(),
            Err(e) => {
                eprintln!("kooste serve: {e}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    "The page could not be rendered; the server log says why.",
                )
                    .into_response()
            }
        }
    }

    /// A page with a heading and one message.
    pub(crate) fn message(
        &self,
        status: StatusCode,
        ctx: &Ctx,
        title: &str,
        text: &str,
    ) -> Response {
        let view = Message {
            title: self.pages.word(ctx.lang, title),
            text: self.pages.word(ctx.lang, text),
        };
        let base = self.base(ctx.lang, Some(&ctx.view), &ctx.path);
        self.html(
            status,
            "message.html.j2",
            crate::render::with_view(base, &view),
        )
    }

    /// 404 with the page that says so.
    pub(crate) fn not_found(&self, ctx: &Ctx) -> Response {
        self.message(
            StatusCode::NOT_FOUND,
            ctx,
            "not_found_title",
            "not_found_text",
        )
    }

    /// 403 with the page that says why (`text`, a wording key).
    pub(crate) fn forbidden(&self, ctx: &Ctx, text: &str) -> Response {
        self.message(StatusCode::FORBIDDEN, ctx, "forbidden_title", text)
    }

    /// An error that should not happen (a broken index, a full disk): logged in full, told
    /// to the user plainly.
    pub(crate) fn failure(&self, ctx: &Ctx, e: &dyn std::fmt::Display) -> Response {
        eprintln!("kooste serve: {e}");
        self.message(
            StatusCode::INTERNAL_SERVER_ERROR,
            ctx,
            "error_title",
            "error_text",
        )
    }

    /// The `Set-Cookie` value of a session cookie.
    pub(crate) fn session_cookie(&self, token: &str) -> HeaderValue {
        self.cookie(SESSION_COOKIE, token, "/", None)
    }

    /// The `Set-Cookie` value of an `HttpOnly; SameSite=Lax` cookie (`Secure` unless the
    /// operator turned it off); `max_age` `Some(0)` removes it, `None` keeps it until the
    /// browser closes.
    pub(crate) fn cookie(
        &self,
        name: &str,
        value: &str,
        path: &str,
        max_age: Option<u64>,
    ) -> HeaderValue {
        let mut c = cookie::Cookie::build((name.to_string(), value.to_string()))
            .path(path.to_string())
            .http_only(true)
            .same_site(cookie::SameSite::Lax)
            .secure(self.config.secure_cookies);
        if let Some(s) = max_age {
            c = c.max_age(cookie::time::Duration::seconds(
                i64::try_from(s).unwrap_or(i64::MAX),
            ));
        }
        HeaderValue::from_str(&c.build().to_string()).unwrap_or(HeaderValue::from_static(""))
    }
}

/// What [`encode`] leaves as it is: letters, digits, `-_.~` and `/`.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// Percent-encodes a query value.
pub(crate) fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

/// A local path to return to after signing in or switching the language; anything else
/// (another site, `//host`) becomes `/`.
pub(crate) fn local_path(next: &str) -> String {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(char::is_control)
    {
        next.to_string()
    } else {
        "/".to_string()
    }
}

impl From<Error> for Response {
    fn from(e: Error) -> Response {
        eprintln!("kooste serve: {e}");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::Pool;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn password_checks_run_a_few_at_a_time() {
        let checker = Arc::new(Pool::new("password", 2));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut all = tokio::task::JoinSet::new();
        for i in 0..12 {
            let (checker, running, most) = (checker.clone(), running.clone(), most.clone());
            all.spawn(async move {
                checker
                    .run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                        i
                    })
                    .await
            });
        }
        let mut done = Vec::new();
        while let Some(r) = all.join_next().await {
            done.push(r.unwrap().expect("every check runs"));
        }
        done.sort_unstable();
        assert_eq!(done, (0..12).collect::<Vec<_>>());
        let most = most.load(Ordering::SeqCst);
        assert!(
            (1..=2).contains(&most),
            "two threads, at most two at a time: {most}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_that_panics_fails_alone_and_its_thread_goes_on() {
        let searches = Pool::new("search", 1);
        let failed = searches
            .run(|| -> usize { panic!("a search that fails") })
            .await;
        assert_eq!(failed, None);
        // The one thread still takes the next jobs.
        for i in 0..3 {
            assert_eq!(searches.run(move || i * 2).await, Some(i * 2));
        }
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(super::local_path("/search?q=a"), "/search?q=a");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "", "x"] {
            assert_eq!(super::local_path(bad), "/", "{bad}");
        }
        assert_eq!(super::encode("/a?b=c d"), "/a%3Fb%3Dc%20d");
    }
}
