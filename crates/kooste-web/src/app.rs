//! The app's state, its router, and what every page shares: who is asking, in which
//! language, the common template context, and the security headers of every response.

use crate::accounts::Role;
use crate::pages;
use crate::render::Pages;
use crate::session::{self, LANG_COOKIE, Limiter, SESSION_COOKIE, Sessions, User, View};
use crate::{Error, Result};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use kooste_caimer::Caimer;
use kooste_core::Project;
use kooste_core::fsutil::FileVersion;
use kooste_core::model::{Document, Lang, Passage};
use kooste_core::project::REGISTER_FILE;
use kooste_index::{Labels, SearchIndex};
use kooste_ingest::Corpus;
use kooste_ingest::Redactor;
use minijinja::{Value, context};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

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
    /// Failed logins are counted over this window.
    pub login_window: Duration,
    /// Failed logins allowed per user name within the window.
    pub login_per_user: usize,
    /// Failed logins allowed per client address within the window.
    pub login_per_address: usize,
    /// Print one line per request (method, path without its query, status, time) on stderr.
    /// Bodies, queries, passwords and form texts are never printed.
    pub log: bool,
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
            login_per_address: 20,
            log: false,
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
            .field("project", &self.app.project.root)
            .finish()
    }
}

/// Everything the handlers share.
pub(crate) struct App {
    pub(crate) project: Project,
    pub(crate) config: Config,
    pub(crate) pages: Pages,
    pub(crate) sessions: Sessions,
    pub(crate) limiter: Limiter,
    /// Searches read it; saving a form or a decision updates it.
    pub(crate) index: RwLock<SearchIndex>,
    /// The proposer (see [`App::caimer`]).
    caimer: Mutex<Caimer>,
    /// The version of the decisions file the proposer was opened with.
    decisions_seen: Mutex<Option<FileVersion>>,
    /// Held while the corpus is written: one writer at a time, so that the corpus journal
    /// and the index are never written by two requests at once. It keeps the opened
    /// corpus (where each document lives), so that a save does not read every corpus file
    /// again; `None` until the first save, and again after a failed one, so that the next
    /// save opens the corpus afresh (finishing or sweeping what the failure left).
    pub(crate) writer: Mutex<Option<Corpus>>,
    /// The redactor built from the register, with the register file's version it was built
    /// from: rebuilt when `participants.toml` changes while the app runs (see
    /// [`App::redactor`]).
    register: Mutex<(Option<FileVersion>, Arc<Redactor>)>,
}

/// The shared state as handlers receive it.
pub(crate) type Shared = State<Arc<App>>;

impl Web {
    /// Builds the app over a project and its index, which the caller has brought up to date
    /// (`kooste serve` does it with the CAIMeR labels, as `kooste index` does).
    pub fn new(project: Project, index: SearchIndex, config: Config) -> Result<Web> {
        let pages = Pages::load(&project.root.join("templates").join("web"))?;
        let register = FileVersion::of(&project.root.join(REGISTER_FILE));
        let redactor = Arc::new(Redactor::new(&project.participants()?));
        let decisions = FileVersion::of(&kooste_caimer::decisions::path(&project));
        let caimer = Caimer::open(&project)?;
        // Read the accounts now, so a broken users.toml shows at start rather than at login.
        crate::accounts::Users::load(&project)?;
        let app = App {
            sessions: Sessions::new(config.session_idle, config.session_max),
            limiter: Limiter::new(
                config.login_window,
                config.login_per_user,
                config.login_per_address,
            ),
            project,
            config,
            pages,
            index: RwLock::new(index),
            caimer: Mutex::new(caimer),
            decisions_seen: Mutex::new(decisions),
            writer: Mutex::new(None),
            register: Mutex::new((register, redactor)),
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
            .fallback(pages::not_found)
            .layer(DefaultBodyLimit::max(self.app.config.body_limit))
            .layer(middleware::from_fn_with_state(self.app.clone(), headers))
            .with_state(self.app.clone())
    }

    /// Signs everyone out, as restarting the server does.
    pub fn forget_sessions(&self) {
        self.app.sessions.clear();
    }
}

/// Serves the app on a bound listener until Ctrl-C (or SIGTERM).
pub async fn serve(web: Web, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let router = web.router();
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => {
                        let _ = ctrl_c.await;
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {},
                _ = term.recv() => {},
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
    })
    .await
}

/// Serves the app on `addr` on a runtime of its own until Ctrl-C (or SIGTERM), calling
/// `ready` with the bound address once requests are accepted. What `kooste serve` runs.
pub fn run(web: Web, addr: SocketAddr, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        ready(listener.local_addr()?);
        serve(web, listener).await
    })
}

/// Security headers on every response, no caching of pages that may hold sensitive data,
/// and the request log.
async fn headers(State(app): Shared, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::CACHE_CONTROL, "no-store");
    if app.config.log {
        eprintln!(
            "{method} {path} {} {}ms",
            res.status().as_u16(),
            started.elapsed().as_millis()
        );
    }
    res
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
    /// The interface language: the cookie's, else the project's.
    pub(crate) fn lang(&self, headers: &HeaderMap) -> Lang {
        session::cookie(headers, LANG_COOKIE)
            .and_then(|l| l.parse().ok())
            .unwrap_or(self.project.config.project.lang)
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
            return Err(self.message(
                StatusCode::FORBIDDEN,
                &ctx,
                "forbidden_title",
                "forbidden_text",
            ));
        }
        Ok(ctx)
    }

    /// What every template gets: the wording, the language and the other one, the user,
    /// the CSRF token, the current path and the navigation for the user's role.
    pub(crate) fn base(&self, lang: Lang, view: Option<&View>, path: &str) -> Value {
        let user = view.and_then(|v| v.user.as_ref());
        let mut nav: Vec<(&str, &str)> = Vec::new();
        if let Some(u) = user {
            nav.push(("/", "nav_home"));
            nav.push(("/search", "nav_search"));
            if u.role.allows(Role::Researcher) {
                nav.push(("/review", "nav_review"));
            }
        }
        let other = match lang {
            Lang::Fi => Lang::Sv,
            Lang::Sv => Lang::Fi,
        };
        let path_only = path.split('?').next().unwrap_or("/");
        context! {
            t => Value::from(minijinja::value::Serde(self.pages.text(lang))),
            lang => lang.as_str(),
            other_lang => other.as_str(),
            other_lang_name => self.pages.word(other, "lang_name"),
            lang_switch => format!("/lang/{}?next={}", other.as_str(), encode(path)),
            user => user.map(|u| context! { name => u.name.clone(), role => u.role.as_str() }),
            csrf => view.map(|v| v.csrf.clone()),
            path => path_only,
            nav => nav.iter().map(|(href, key)| context! {
                href => *href,
                label => self.pages.word(lang, key),
                current => *href == path_only,
            }).collect::<Vec<_>>(),
            project_name => self.project.config.project.name(lang).to_string(),
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
        let base = self.base(ctx.lang, Some(&ctx.view), &ctx.path);
        self.html(
            status,
            "message.html.j2",
            context! { title => self.pages.word(ctx.lang, title), text => self.pages.word(ctx.lang, text), ..base },
        )
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

    /// The CAIMeR labels of a document's passages, as `kooste index` gives them: the
    /// proposer's proposals, and a researcher's decision where there is one.
    pub(crate) fn labels(
        &self,
        docs: &[&Document],
    ) -> Result<BTreeMap<String, Vec<kooste_index::PassageRecord>>> {
        let caimer = self.caimer()?;
        let confirmed = caimer.confirmed();
        let records = docs
            .iter()
            .map(|d| {
                let lang = d.meta.lang.unwrap_or(self.project.config.project.lang);
                let decided = confirmed.of_document(
                    &d.meta.id,
                    d.passages.iter().map(|p| (p.id.as_str(), p.text.as_str())),
                );
                let label = |p: &Passage| Labels {
                    proposed: caimer.propose(&p.text, lang, &p.hints).proposed(),
                    confirmed: decided.get(&p.id).cloned(),
                };
                (
                    d.meta.id.clone(),
                    kooste_index::records(&self.project, d, label),
                )
            })
            .collect();
        Ok(records)
    }

    /// The index for reading, first brought up to what another process (a `kooste ingest`
    /// or `kooste index` run beside the app) has written since.
    pub(crate) fn index(&self) -> std::sync::RwLockReadGuard<'_, SearchIndex> {
        let behind = self
            .index
            .read()
            .map(|ix| ix.behind())
            .unwrap_or_else(|e| e.into_inner().behind());
        if behind {
            let mut ix = self.index.write().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = ix.catch_up() {
                eprintln!("kooste serve: reading what was indexed beside the app: {e}");
            }
        }
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The redactor of the project's register as it is now: a name added to
    /// `participants.toml` while the app runs is removed from the next form saved.
    pub(crate) fn redactor(&self) -> Result<Arc<Redactor>> {
        let path = self.project.root.join(REGISTER_FILE);
        let now = FileVersion::of(&path);
        let mut register = self.register.lock().unwrap_or_else(|e| e.into_inner());
        if register.0 != now {
            *register = (now, Arc::new(Redactor::new(&self.project.participants()?)));
        }
        Ok(Arc::clone(&register.1))
    }

    /// The CAIMeR proposer, trained on the decisions as they are now: opened again when the
    /// decisions file changed since (`kooste caimer learn` beside the app, or the app's own
    /// decisions, whose model it then finds stored and does not train again).
    pub(crate) fn caimer(&self) -> Result<std::sync::MutexGuard<'_, Caimer>> {
        let mut caimer = self.caimer.lock().unwrap_or_else(|e| e.into_inner());
        let now = FileVersion::of(&kooste_caimer::decisions::path(&self.project));
        let mut seen = self
            .decisions_seen
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if *seen != now {
            *caimer = Caimer::open(&self.project)?;
            *seen = now;
        }
        Ok(caimer)
    }

    /// Reindexes the given documents now.
    pub(crate) fn reindex(&self, docs: &[&Document]) -> Result<()> {
        let records = self.labels(docs)?;
        // Wait for another process's write (a `kooste index` beside the app) before taking
        // the index from the searches, so that they go on meanwhile.
        let _lock = kooste_core::fsutil::WriteLock::take(&self.project.state_dir());
        let mut ix = self.index.write().unwrap_or_else(|e| e.into_inner());
        ix.sync(&records, &std::collections::BTreeSet::new(), false)?;
        Ok(())
    }

    /// The `Set-Cookie` value of a session cookie.
    pub(crate) fn session_cookie(&self, token: &str) -> HeaderValue {
        let secure = if self.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}"
        ))
        .unwrap_or(HeaderValue::from_static(""))
    }
}

/// Percent-encodes a query value.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
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
    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(super::local_path("/search?q=a"), "/search?q=a");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "", "x"] {
            assert_eq!(super::local_path(bad), "/", "{bad}");
        }
        assert_eq!(super::encode("/a?b=c d"), "/a%3Fb%3Dc%20d");
    }
}
