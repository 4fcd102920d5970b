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
    /// Signs the login page's token and the "signed in here before" cookie.
    pub(crate) signer: Signer,
    /// The threads that check passwords, a few at a time.
    pub(crate) checks: Checker,
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
    /// Saved forms whose documents wait for the index (see [`App::index_saved`]).
    queue: Mutex<Queue>,
    /// Held by the one request that indexes what the queue holds; what it did.
    indexed: Mutex<Indexed>,
    /// Wakes the indexer thread when a save is queued (paired with `queue`).
    saved: std::sync::Condvar,
}

/// Saved documents that wait to be indexed, in the order they were saved.
#[derive(Default)]
struct Queue {
    /// The ticket of the last save queued.
    last: u64,
    /// The first ticket whose documents are in `records`.
    first: u64,
    records: BTreeMap<String, Vec<kooste_index::PassageRecord>>,
    /// The corpus files written, with the ids of their documents.
    files: Vec<(String, Vec<String>)>,
}

/// What the indexing of queued saves did.
#[derive(Default)]
struct Indexed {
    /// Saves up to this ticket have been indexed (or failed to be).
    done: u64,
    /// Tickets whose indexing failed, with why (the last few).
    failed: Vec<(std::ops::RangeInclusive<u64>, String)>,
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
            checks: Checker::new(password_checks(config.password_checks)),
            project,
            config,
            pages,
            index: RwLock::new(index),
            caimer: Mutex::new(caimer),
            decisions_seen: Mutex::new(decisions),
            writer: Mutex::new(None),
            register: Mutex::new((register, redactor)),
            queue: Mutex::new(Queue::default()),
            indexed: Mutex::new(Indexed::default()),
            saved: std::sync::Condvar::new(),
        };
        let app = Arc::new(app);
        App::start_indexer(&app);
        Ok(Web { app })
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

    /// Watches the project's files while the app runs, so that a hand edit of the corpus
    /// (a passage taken out, a file added or removed) or of the settings, register or
    /// decisions reaches the index within about two seconds: a thread checks every second
    /// (or, when a check takes long, ten times as long as it took) whether the index is
    /// behind the files ([`SearchIndex::freshness`], `deep`: every corpus file's version
    /// against its stamp; no file is read), and when it is, calls `refresh` (the caller's
    /// full update with CAIMeR labels, as `kooste index`), with the writer lock held so that
    /// no save runs meanwhile. The thread ends when the app is dropped.
    pub fn watch(
        &self,
        refresh: impl Fn() -> std::result::Result<(), String> + Send + 'static,
    ) -> std::thread::JoinHandle<()> {
        let app = Arc::downgrade(&self.app);
        std::thread::spawn(move || {
            let mut wait = Duration::from_secs(1);
            loop {
                std::thread::sleep(wait);
                let Some(app) = app.upgrade() else {
                    return;
                };
                let started = std::time::Instant::now();
                let stale = app.index().freshness(&app.project.root, true);
                if stale.is_some() {
                    let mut writing = app.writer.lock().unwrap_or_else(|e| e.into_inner());
                    // The app's own saves stored but not yet indexed are no hand edits: with
                    // no save storing meanwhile, index them and look again (else every
                    // save under load looked like a hand edit, and each brought a full
                    // update and a fresh `Corpus::open`).
                    let last = app.queue.lock().unwrap_or_else(|e| e.into_inner()).last;
                    let _ = app.index_through(last);
                    let Some(why) = app.index().freshness(&app.project.root, true) else {
                        drop(writing);
                        wait = (started.elapsed() * 10).max(Duration::from_secs(1));
                        continue;
                    };
                    // The corpus changed under the app: open it afresh at the next save,
                    // unless the update found nothing to write (the index was complete but
                    // not yet known to be: the app's own saves kept the corpus from
                    // standing still for two seconds).
                    let kept = writing.take();
                    if let Err(e) = refresh() {
                        eprintln!("kooste serve: bringing the index up to date ({why}): {e}");
                    }
                    let moved = app
                        .index
                        .read()
                        .map(|ix| ix.behind())
                        .unwrap_or_else(|e| e.into_inner().behind());
                    if !moved {
                        *writing = kept;
                    }
                    drop(writing);
                    // Read what the refresh wrote.
                    drop(app.index());
                }
                wait = (started.elapsed() * 10).max(Duration::from_secs(1));
            }
        })
    }
}

/// Password checks, on a few threads of their own, each keeping Argon2's working memory
/// (about 19 MiB) for reuse (`accounts::verify_hash`): the checks hold that much per thread
/// and no more. Checks spread over tokio's blocking threads, each allocating afresh, took
/// 60 simultaneous sign-ins to 337 MB even when only two ran at once.
pub(crate) struct Checker {
    jobs: std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>,
}

impl Checker {
    fn new(threads: usize) -> Checker {
        let (jobs, queue) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("kooste-password-{i}"))
                .spawn(move || {
                    loop {
                        // The queue ends when the app is dropped.
                        let job = match queue.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                            Ok(job) => job,
                            Err(_) => return,
                        };
                        job();
                    }
                });
            if let Err(e) = spawned {
                eprintln!("kooste serve: starting a password-check thread: {e}");
            }
        }
        Checker { jobs }
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

/// How many password checks run at once: `n`, or one per core (at most four) for 0.
fn password_checks(n: usize) -> usize {
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
        self.config.today.unwrap_or_else(|| {
            kooste_caimer::now()[..10]
                .parse()
                .unwrap_or(kooste_core::model::Date {
                    year: 1970,
                    month: 1,
                    day: 1,
                })
        })
    }

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
                let passages = d.passages.iter().map(|p| (p.id.as_str(), p.text.as_str()));
                let decided = if d.meta.row.is_some() {
                    confirmed.of_row(&d.meta.id, passages)
                } else {
                    confirmed.of_document(&d.meta.id, passages)
                };
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

    /// The index for reading, with every save queued so far indexed, and brought up to what
    /// another process (a `kooste ingest` or `kooste index` run beside the app) has written
    /// since.
    pub(crate) fn index(&self) -> std::sync::RwLockReadGuard<'_, SearchIndex> {
        // Saves the page has called saved are searchable before anything is read.
        let last = self.queue.lock().unwrap_or_else(|e| e.into_inner()).last;
        let done = self.indexed.lock().unwrap_or_else(|e| e.into_inner()).done;
        if done < last
            && let Err(e) = self.index_through(last)
        {
            eprintln!("kooste serve: indexing saved forms: {e}");
        }
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

    /// Whether another process has written the index since the app last read it (then it
    /// may have stored documents the app's opened corpus does not know). Does not wait
    /// while the app's own indexer writes the index (that is no other process): a save
    /// would otherwise wait for every commit.
    pub(crate) fn written_beside(&self) -> bool {
        self.index.try_read().is_ok_and(|ix| ix.behind())
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

    /// Queues the documents of a form just saved (`files`: the corpus files written, with
    /// the ids of their documents) for the index, with their CAIMeR labels; returns the
    /// save's ticket for [`App::index_saved`]. Called with the writer lock held, so that
    /// saves are queued in the order they were stored.
    pub(crate) fn queue_saved(
        &self,
        docs: &[&Document],
        files: Vec<(String, Vec<String>)>,
    ) -> Result<u64> {
        let records = self.labels(docs)?;
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.last += 1;
        if q.records.is_empty() && q.files.is_empty() {
            q.first = q.last;
        }
        q.records.extend(records);
        q.files.extend(files);
        Ok(q.last)
    }

    /// Hands the save with `ticket` to the indexer: it is on disk already, and is in the
    /// index before any later read of the index (`App::index` first indexes every save
    /// queued, `App::index_through`), so a search made after the page said "saved" finds
    /// it. The indexer thread (`App::start_indexer`) takes everything queued so far into
    /// one tantivy commit and one append to the manifest's log, while the next saves store
    /// theirs: under load a group holds as many saves as were stored during the previous
    /// commit, however few connections there are. A commit that fails is logged; the files
    /// are on disk, and the watcher's next check (they are not noted as kooste's writes)
    /// brings the index up to date.
    pub(crate) fn index_saved(&self, ticket: u64) -> std::result::Result<(), String> {
        let _ = ticket;
        self.saved.notify_one();
        Ok(())
    }

    /// Indexes queued saves on a thread of its own, as they come (see
    /// [`App::index_saved`]), after opening the corpus for the first save. The thread ends
    /// when the app is dropped.
    fn start_indexer(app: &Arc<App>) {
        let app = Arc::downgrade(app);
        std::thread::spawn(move || {
            // Opens the corpus for the first save now (it reads every corpus file's front
            // matter: seconds at 100k passages), not while that save's page waits.
            if let Some(app) = app.upgrade() {
                let mut writing = app.writer.lock().unwrap_or_else(|e| e.into_inner());
                if writing.is_none() {
                    *writing = Corpus::open(&app.project).ok().map(|(c, _)| c);
                }
            }
            loop {
                let Some(app) = app.upgrade() else {
                    return;
                };
                let last = {
                    let q = app.queue.lock().unwrap_or_else(|e| e.into_inner());
                    let q = if q.records.is_empty() && q.files.is_empty() {
                        app.saved
                            .wait_timeout(q, Duration::from_millis(200))
                            .map(|(q, _)| q)
                            .unwrap_or_else(|e| e.into_inner().0)
                    } else {
                        q
                    };
                    (!q.records.is_empty() || !q.files.is_empty()).then_some(q.last)
                };
                if let Some(last) = last
                    && let Err(e) = app.index_through(last)
                {
                    eprintln!("kooste serve: indexing saved forms: {e}");
                }
            }
        });
    }

    /// Indexes every save queued up to `ticket` (at least), now. Saves are indexed in
    /// groups (a group commit): the first caller to get here indexes everything queued so
    /// far in one tantivy commit and one append to the manifest's log, while the others
    /// wait; a caller whose save a group has already taken only waits for that group. Its
    /// corpus files are recorded as kooste's own writes (`SearchIndex::note_written`), so
    /// that they do not count as hand edits.
    pub(crate) fn index_through(&self, ticket: u64) -> std::result::Result<(), String> {
        let mut indexed = self.indexed.lock().unwrap_or_else(|e| e.into_inner());
        if indexed.done < ticket {
            let (range, records, files) = {
                let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                let range = q.first..=q.last;
                q.first = q.last + 1;
                (
                    range,
                    std::mem::take(&mut q.records),
                    std::mem::take(&mut q.files),
                )
            };
            let written = (|| -> Result<()> {
                let _lock = kooste_core::fsutil::WriteLock::take(&self.project.state_dir());
                let mut ix = self.index.write().unwrap_or_else(|e| e.into_inner());
                ix.sync(&records, &std::collections::BTreeSet::new(), false)?;
                ix.note_written(&self.project, &files)?;
                Ok(())
            })();
            indexed.done = *range.end();
            if let Err(e) = written {
                if indexed.failed.len() >= 16 {
                    indexed.failed.remove(0);
                }
                indexed.failed.push((range, e.to_string()));
            }
        }
        match indexed.failed.iter().find(|(r, _)| r.contains(&ticket)) {
            Some((_, e)) => Err(e.clone()),
            None => Ok(()),
        }
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
        let secure = if self.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let age = max_age.map_or_else(String::new, |s| format!("; Max-Age={s}"));
        HeaderValue::from_str(&format!(
            "{name}={value}; Path={path}{age}; HttpOnly; SameSite=Lax{secure}"
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
    use super::Checker;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn password_checks_run_a_few_at_a_time() {
        let checker = Arc::new(Checker::new(2));
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

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(super::local_path("/search?q=a"), "/search?q=a");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "", "x"] {
            assert_eq!(super::local_path(bad), "/", "{bad}");
        }
        assert_eq!(super::encode("/a?b=c d"), "/a%3Fb%3Dc%20d");
    }
}
