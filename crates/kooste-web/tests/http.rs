//! The web app over HTTP, through the router itself (tower `oneshot`): every route for every
//! role, redirects and status codes, CSRF, size limits, login rate limiting, sessions that
//! end while a form is being filled in, the whole form flow with redaction, concurrent
//! submissions, review decisions and digests.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use kooste_core::{Lang, Project};
use kooste_web::{Config, Proxy, Role, Web, add_user};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;
use tower::ServiceExt;

const KOOSTE_TOML: &str = r#"[project]
name = "Testihanke"
lang = "fi"

[themes.ihanne]
fi = "Ihanne"
sv = "Ideal"

[themes.osallisuus]
fi = "Osallisuus"
sv = "Delaktighet"
"#;

/// The coast's first three workshops (a macro, so that [`LOOP_REGION`] can extend it), with
/// comments of the kind people write in a region's file.
macro_rules! region {
    () => {
        r#"id = "r"
name = "Rannikko"
name_sv = "Kusten"

[[workshop]]
number = 1
date = 2018-01-10
themes = ["osallisuus"]

[[workshop]]
number = 2
date = 2018-03-01
themes = ["ihanne"]
[workshop.task]
theme = "ihanne"
from = ["client", "worker"]
battery = "asp-paiva"

# The third day: the digest of the second round is presented and commented on.
[[workshop]]
number = 3 # agreed in advance
date = 2018-05-24
themes = ["ihanne"]
"#
    };
}

const REGION: &str = region!();

const PARTICIPANTS: &str = r#"[[participant]]
name = "Maija Virtanen"
pseudonym = "Asiakas A"
role = "client"
"#;

const DOC: &str = "---
id: kotikaynti-1
voice: worker
workshop: r-2
theme: ihanne
date: 2018-03-05
lang: fi
---
Tehtiin kotikäynti, ja asiakas kertoi tilanteestaan rauhassa omassa kodissaan.

Asiakas pääsi velkaneuvontaan ja sai maksusuunnitelman.
";

const PASSWORDS: &[(&str, Role, &str)] = &[
    ("tutkija", Role::Researcher, "tutkija-salasana"),
    ("tyontekija", Role::Worker, "tyontekija-salasana"),
    ("osallistuja", Role::Participant, "osallistuja-salasana"),
];

struct Site {
    dir: tempfile::TempDir,
    web: Web,
    router: Router,
}

fn project_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("kooste.toml"), KOOSTE_TOML).unwrap();
    std::fs::create_dir_all(p.join("workshops")).unwrap();
    std::fs::write(p.join("workshops/r.toml"), REGION).unwrap();
    std::fs::write(p.join("participants.toml"), PARTICIPANTS).unwrap();
    std::fs::create_dir_all(p.join("corpus/r-2")).unwrap();
    std::fs::write(p.join("corpus/r-2/kotikaynti-1.md"), DOC).unwrap();
    dir
}

fn site_with(config: Config) -> Site {
    site_in(project_dir(), config)
}

fn site_in(dir: tempfile::TempDir, config: Config) -> Site {
    let project = Project::load(dir.path()).unwrap();
    for (name, role, pw) in PASSWORDS {
        add_user(&project, name, *role, pw).unwrap();
    }
    let (_, _, problems) =
        kooste_index::update(&project, false, "", |_, p| kooste_index::hint_labels(p)).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let web = Web::new(
        std::sync::Arc::new(kooste_workspace::Workspace::new(project)),
        config,
    )
    .unwrap();
    let router = web.router();
    Site { dir, web, router }
}

fn site() -> Site {
    site_with(Config::default())
}

/// A browser: keeps the cookies it is given, says where its requests come from
/// (`Sec-Fetch-Site: same-origin`, as a browser does for the app's own forms) and has a
/// network address.
#[derive(Clone)]
struct Client {
    router: Router,
    cookies: HashMap<String, String>,
    headers: Vec<(&'static str, String)>,
    addr: SocketAddr,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The CSRF token of the page's first form.
    fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf_token\" value=\"")
            .expect("the page has a CSRF token");
        let rest = &self.body[at + 25..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Client {
    fn new(site: &Site) -> Client {
        Client::from(site, "192.0.2.1")
    }

    /// A browser at another address.
    fn from(site: &Site, ip: &str) -> Client {
        Client {
            router: site.router.clone(),
            cookies: HashMap::new(),
            headers: vec![("sec-fetch-site", "same-origin".to_string())],
            addr: SocketAddr::new(ip.parse().unwrap(), 40000),
        }
    }

    async fn send(&mut self, mut req: Request<Body>) -> Page {
        for (k, v) in &self.headers {
            req.headers_mut().insert(*k, v.parse().unwrap());
        }
        req.extensions_mut().insert(ConnectInfo(self.addr));
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (kv, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(req).await
    }

    async fn post_raw(&mut self, path: &str, body: String) -> Page {
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_raw(path, form_body(fields)).await
    }

    async fn login(&mut self, name: &str, password: &str) -> Page {
        let page = self.get("/login").await;
        let csrf = page.csrf();
        self.post(
            "/login",
            &[
                ("username", name),
                ("password", password),
                ("csrf_token", &csrf),
            ],
        )
        .await
    }

    async fn signed_in(site: &Site, role: Role) -> Client {
        let (name, _, pw) = PASSWORDS.iter().find(|(_, r, _)| *r == role).unwrap();
        let mut c = Client::new(site);
        let p = c.login(name, pw).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        c
    }
}

const PAGES: &[&str] = &[
    "/",
    "/search?q=kotik%C3%A4ynti",
    "/forms/asp-paiva",
    "/review",
    "/digest/r-2",
    "/documents/kotikaynti-1",
    "/passages/kotikaynti-1/2",
];

#[tokio::test]
async fn strangers_see_only_the_login_page() {
    let site = site();
    let mut c = Client::new(&site);
    for path in PAGES.iter().chain(&["/nope"]) {
        let p = c.get(path).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            p.location().starts_with("/login?next=/"),
            "{path}: {}",
            p.location()
        );
        assert!(!p.body.contains("kotikäynti"), "{path}");
    }
    let p = c.get("/login").await;
    assert_eq!(p.status, StatusCode::OK);
    for needle in [
        "name=\"username\"",
        "name=\"password\"",
        "name=\"csrf_token\"",
        "<html lang=\"fi\">",
        "href=\"#main\"",
    ] {
        assert!(p.body.contains(needle), "{needle}");
    }
    let cookie = p.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    // State-changing requests without a session: 401, never a redirect that drops a body.
    for path in ["/forms/asp-paiva", "/review"] {
        let p = c.post(path, &[("action", "preview")]).await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(c.get("/static/web.css").await.status, StatusCode::OK);
}

#[tokio::test]
async fn each_role_gets_what_the_design_table_allows() {
    let site = site();
    let expect = |role: Role, path: &str| -> StatusCode {
        let need = match path {
            // The participant of these accounts is a client (an account from before voices),
            // who answers a battery's client questions.
            p if p.starts_with("/forms") => Role::Participant,
            p if p.starts_with("/documents") => Role::Worker,
            p if p.starts_with("/review") || p.starts_with("/digest") => Role::Researcher,
            _ => Role::Participant,
        };
        if role.allows(need) {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        }
    };
    for role in Role::ALL {
        let mut c = Client::signed_in(&site, *role).await;
        for path in PAGES {
            let p = c.get(path).await;
            assert_eq!(p.status, expect(*role, path), "{role} {path}");
        }
        // POSTs are checked as well as pages.
        let p = c.get("/search").await;
        let csrf = p.csrf();
        let forms = c
            .post(
                "/forms/asp-paiva",
                &[("csrf_token", &csrf), ("action", "edit")],
            )
            .await;
        assert_eq!(forms.status, expect(*role, "/forms"), "{role} POST /forms");
        let review = c
            .post(
                "/review",
                &[
                    ("csrf_token", &csrf),
                    ("action", "skip"),
                    ("passage", "x#1"),
                ],
            )
            .await;
        let want = if role.allows(Role::Researcher) {
            StatusCode::SEE_OTHER
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(review.status, want, "{role} POST /review");
        assert_eq!(c.get("/nope").await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            c.get("/forms/nope").await.status,
            StatusCode::NOT_FOUND,
            "{role}"
        );
    }
}

#[tokio::test]
async fn login_logout_and_csrf_on_login() {
    let site = site();
    let mut c = Client::new(&site);
    let p = c.login("tutkija", "wrong-password").await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert!(p.body.contains("aria-describedby=\"login-error\""));
    assert!(
        p.body.contains("value=\"tutkija\""),
        "the user name is kept"
    );
    // A login without the page's CSRF token is refused, even with the right password.
    let mut other = Client::new(&site);
    let p = other
        .post(
            "/login",
            &[("username", "tutkija"), ("password", "tutkija-salasana")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = c.login("TUTKIJA", "tutkija-salasana").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/");
    // Coming back to a page after signing in.
    let mut d = Client::new(&site);
    let page = d.get("/login?next=/search%3Fq%3Dvelka").await;
    let csrf = page.csrf();
    let p = d
        .post(
            "/login",
            &[
                ("username", "osallistuja"),
                ("password", "osallistuja-salasana"),
                ("csrf_token", &csrf),
                ("next", "/search?q=velka"),
            ],
        )
        .await;
    assert_eq!(p.location(), "/search?q=velka");
    let p = d
        .post("/login", &[("next", "//evil.example"), ("csrf_token", "x")])
        .await;
    assert!(
        !p.body.contains("evil.example"),
        "foreign targets are dropped"
    );
    // Logging out needs the token too.
    let home = c.get("/").await;
    assert_eq!(
        c.post("/logout", &[("csrf_token", "nope")]).await.status,
        StatusCode::FORBIDDEN
    );
    let p = c.post("/logout", &[("csrf_token", &home.csrf())]).await;
    assert_eq!(p.location(), "/login");
    assert_eq!(c.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn failed_logins_wait_per_address_and_user_name_and_never_lock_out_the_right_password() {
    let site = site_with(Config {
        login_per_user: 3,
        login_per_address: 5,
        login_address_wait: Duration::from_secs(60),
        ..Config::default()
    });
    // Someone at one address fails for tutkija again and again.
    let mut stranger = Client::from(&site, "198.51.100.7");
    for _ in 0..3 {
        assert_eq!(
            stranger.login("tutkija", "wrong-one").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let p = stranger.login("tutkija", "tutkija-salasana").await;
    assert_eq!(
        p.status,
        StatusCode::TOO_MANY_REQUESTS,
        "from the failing address even the right password waits"
    );
    assert!(p.body.contains("sekunnin kuluttua"), "{}", p.body);
    let retry: u64 = p.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    // The real user, elsewhere, is not held back at all.
    let mut real = Client::from(&site, "203.0.113.20");
    assert_eq!(
        real.login("tutkija", "tutkija-salasana").await.status,
        StatusCode::SEE_OTHER
    );
    // Another user name from the failing address still has its own tries, until the
    // address's count is full.
    assert_eq!(
        stranger.login("tyontekija", "bad-one-here").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        stranger
            .login("osallistuja", "osallistuja-salasana")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let csrf = stranger.get("/").await.csrf();
    let out = stranger.post("/logout", &[("csrf_token", &csrf)]).await;
    assert_eq!(out.location(), "/login");
    assert_eq!(
        stranger.login("tyontekija", "bad-one-again").await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut office = Client::from(&site, "198.51.100.7");
    let p = office.login("tyontekija", "tyontekija-salasana").await;
    assert_eq!(
        p.status,
        StatusCode::TOO_MANY_REQUESTS,
        "five failures from one address: a new browser there waits"
    );
    // A browser there that has signed in as osallistuja before is not held back by the
    // address's failures.
    let mut sv = Client::from(&site, "198.51.100.7");
    sv.cookies.insert("kooste_lang".into(), "sv".into());
    let p = sv.login("x", "y").await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.body.contains("Du kan försöka igen om "), "{}", p.body);
    assert_eq!(
        stranger
            .login("osallistuja", "osallistuja-salasana")
            .await
            .status,
        StatusCode::SEE_OTHER,
        "{:?}",
        stranger.cookies
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_wrong_passwords_are_counted_before_any_is_checked() {
    let site = site_with(Config {
        login_per_user: 5,
        ..Config::default()
    });
    let mut c = Client::new(&site);
    let csrf = c.get("/login").await.csrf();
    let mut tries = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let mut c = c.clone();
        let csrf = csrf.clone();
        tries.spawn(async move {
            c.post(
                "/login",
                &[
                    ("username", "tutkija"),
                    ("password", "wrong-password"),
                    ("csrf_token", &csrf),
                ],
            )
            .await
            .status
        });
    }
    let mut checked = 0;
    while let Some(status) = tries.join_next().await {
        match status.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(checked, 5, "only the free tries had their password checked");
}

#[tokio::test]
async fn behind_a_proxy_the_client_address_comes_from_its_header_only() {
    let site = site_with(Config {
        login_per_user: 2,
        proxy: Some(Proxy {
            header: "X-Forwarded-For".into(),
            from: vec!["127.0.0.1".parse().unwrap()],
        }),
        ..Config::default()
    });
    let via = |ip: &str| {
        let mut c = Client::from(&site, "127.0.0.1");
        c.headers
            .push(("x-forwarded-for", format!("10.9.9.9, {ip}")));
        c
    };
    let mut a = via("198.51.100.1");
    for _ in 0..2 {
        assert_eq!(
            a.login("tutkija", "wrong-one").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        a.login("tutkija", "tutkija-salasana").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is another address: the proxy's last entry.
    let mut b = via("198.51.100.2");
    assert_eq!(
        b.login("tutkija", "tutkija-salasana").await.status,
        StatusCode::SEE_OTHER
    );
    // A connection from elsewhere cannot choose its address with the header.
    let mut direct = Client::from(&site, "203.0.113.5");
    direct
        .headers
        .push(("x-forwarded-for", "198.51.100.99".into()));
    for _ in 0..2 {
        direct.login("tutkija", "wrong-one").await;
    }
    direct.headers.pop();
    direct
        .headers
        .push(("x-forwarded-for", "198.51.100.100".into()));
    assert_eq!(
        direct.login("tutkija", "tutkija-salasana").await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "counted by its own address"
    );
}

#[tokio::test]
async fn csrf_is_checked_on_every_state_changing_request_and_input_is_kept() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let p = c
        .post(
            "/forms/asp-paiva",
            &[
                ("csrf_token", "forged"),
                ("action", "save"),
                ("workshop", "r-2"),
                ("date", "2018-03-14"),
                ("r1_q1", "Häätöuhka ja velat"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(
        p.body.contains("Häätöuhka ja velat"),
        "what was typed comes back"
    );
    assert!(
        p.body.contains("href=\"#f-save\""),
        "the error is in the summary"
    );
    assert_eq!(saved_files(&site).len(), 0);
    let p = c
        .post(
            "/review",
            &[
                ("csrf_token", "forged"),
                ("action", "confirm"),
                ("passage", "kotikaynti-1#1"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(!site.dir.path().join("decisions/decisions.jsonl").exists());
}

#[tokio::test]
async fn bodies_over_the_limit_get_413() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Worker).await;
    let csrf = c.get("/forms/asp-paiva").await.csrf();
    let big = "a".repeat(300 * 1024);
    let p = c
        .post(
            "/forms/asp-paiva",
            &[
                ("csrf_token", &csrf),
                ("action", "preview"),
                ("r1_q1", &big),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE);
    let mut s = Client::new(&site);
    let p = s
        .post("/login", &[("username", &big), ("password", "x")])
        .await;
    assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE);
}

fn saved_files(site: &Site) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let corpus = site.dir.path().join("corpus");
    for dir in std::fs::read_dir(&corpus).unwrap().flatten() {
        if dir.path().is_dir() {
            for f in std::fs::read_dir(dir.path()).unwrap().flatten() {
                if f.file_name().to_string_lossy().contains("-web-") {
                    out.push(f.path());
                }
            }
        }
    }
    out.sort();
    out
}

/// The document ids listed on a "saved" page.
fn saved_ids(body: &str) -> Vec<String> {
    body.match_indices("href=\"&#x2f;documents&#x2f;")
        .chain(body.match_indices("href=\"/documents/"))
        .map(|(i, m)| {
            let rest = &body[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_form_with_two_rows_is_previewed_without_personal_data_then_saved_and_found() {
    let site = site_with(Config {
        today: Some("2018-03-14".parse().unwrap()),
        ..Config::default()
    });
    let mut c = Client::signed_in(&site, Role::Worker).await;
    let form = c.get("/forms/asp-paiva").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        form.body.matches("<fieldset class=\"situation\"").count(),
        3
    );
    assert!(
        form.body.contains("<option value=\"r-2\" data-round=\"Vastaukset kuuluvat työpajan Rannikko 2 (1.3.2018) jälkeiseen kierrokseen, ja ne esitellään seuraavan työpajan (Rannikko 3 (24.5.2018)) koosteessa.\" selected>"),
        "the workshop whose round is open today, with its round in words: {}",
        form.body
    );
    assert!(
        form.body
            .contains("<label for=\"f-r1-q1\">Millaisiin tilanteisiin olet hakenut apua?</label>")
    );
    let csrf = form.csrf();
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("workshop", "r-2"),
        ("date", "2018-03-14"),
        ("theme", "ihanne"),
        ("text_lang", "fi"),
        ("rows", "3"),
        (
            "r1_q1",
            "Maija Virtanen sai häätöilmoituksen, soita 040 123 4567.",
        ),
        ("r1_q2", "Sain täydentävää toimeentulotukea."),
        ("r1_q3", "Soitin vuokranantajalle."),
        ("r2_q1", "Velkakierre ja ulosotto."),
        (
            "r2_q3",
            "Ohjasin velkaneuvontaan, naapuri Pekka Virtanen auttoi.",
        ),
    ];
    // Adding a row keeps everything and gives one more.
    let mut add = fields.to_vec();
    add.push(("action", "add_row"));
    let p = c.post("/forms/asp-paiva", &add).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.body.matches("<fieldset class=\"situation\"").count(), 4);
    assert!(p.body.contains("Velkakierre ja ulosotto."));
    assert!(p.body.contains(
        "id=\"f-r4-q1\" name=\"r4_q1\" rows=\"4\" data-max=\"10000\" aria-describedby=\"f-r4-q1-hint\" autofocus"
    ));
    // Preview: the text as stored, personal data removed.
    let mut prev = fields.to_vec();
    prev.push(("action", "preview"));
    let p = c.post("/forms/asp-paiva", &prev).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let shown = &p.body[..p
        .body
        .find("<form method=\"post\" action=\"/forms/")
        .unwrap()];
    assert!(
        shown.contains("Asiakas A sai häätöilmoituksen, soita [puhelin]."),
        "{shown}"
    );
    assert!(!shown.contains("040 123 4567") && !shown.contains("Virtanen"));
    // What was removed and what was replaced by a pseudonym, row by row: the neighbour who
    // shares the participant's surname is removed, not given her pseudonym.
    assert!(
        unescape(shown).contains(
            "Poistettu henkilötietoja (suluissa mitä tekstiin jäi): 1 puhelinnumero ([puhelin])</p>"
        ),
        "{shown}"
    );
    assert!(
        shown.contains(
            "Korvattu osallistujan nimimerkillä, koska nimi on osallistujarekisterissä: Asiakas A (1 kerta)"
        ),
        "{shown}"
    );
    assert!(
        unescape(shown).contains("Ohjasin velkaneuvontaan, naapuri [nimi] auttoi."),
        "{shown}"
    );
    assert!(
        unescape(shown)
            .contains("Poistettu henkilötietoja (suluissa mitä tekstiin jäi): 1 nimi ([nimi])"),
        "{shown}"
    );
    assert_eq!(
        shown.matches("Korvattu osallistujan nimimerkillä").count(),
        1
    );
    assert!(!shown.contains("Pekka"));
    assert!(shown.contains("Tilanne 2"));
    let submission = field_value(&p.body, "submission");
    assert!(submission.starts_with("asp-paiva-web-"), "{submission}");
    // Edit goes back with everything.
    let mut edit = hidden_fields(&p.body);
    edit.push(("action".into(), "edit".into()));
    let e = c.post_raw("/forms/asp-paiva", owned_body(&edit)).await;
    assert!(
        e.body.contains("040 123 4567"),
        "the typed text is back for editing"
    );
    // Save.
    let mut save = hidden_fields(&p.body);
    save.push(("action".into(), "save".into()));
    let s = c.post_raw("/forms/asp-paiva", owned_body(&save)).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    assert!(s.body.contains("role=\"status\""));
    let ids = saved_ids(&s.body);
    assert_eq!(ids, [format!("{submission}-1"), format!("{submission}-2")]);
    // The saved page names each answer by its first words as stored, never by its id.
    let words = unescape(&s.body);
    assert!(
        words.contains("Vastaukset on tallennettu (2 tilannetta)"),
        "{words}"
    );
    assert!(
        words.contains(">Tilanne 1: “Asiakas A sai häätöilmoituksen, soita [puhelin].”</a>"),
        "{words}"
    );
    assert!(
        words.contains(">Tilanne 2: “Velkakierre ja ulosotto.”</a>"),
        "{words}"
    );
    assert!(!words.contains(&format!(">{submission}")), "{words}");
    let files = saved_files(&site);
    assert_eq!(files.len(), 2);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        text.contains("Asiakas A sai häätöilmoituksen") && !text.contains("4567"),
        "{text}"
    );
    assert!(
        text.contains("via: worker") && text.contains("voice: client"),
        "{text}"
    );
    // Saving the same preview again replaces, never duplicates.
    let again = c.post_raw("/forms/asp-paiva", owned_body(&save)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(saved_files(&site).len(), 2);
    // Indexed at once.
    let r = c.get("/search?q=velkaneuvontaan").await;
    assert!(r.body.contains(&format!("{submission}-2")), "{}", r.body);
    let doc = c.get(&format!("/documents/{submission}-1")).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(
        doc.body.contains(&format!("id=\"{submission}-1-3\"")),
        "passage anchors"
    );
    assert!(!doc.body.contains("4567"));
}

fn field_value(body: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = body.find(&key).unwrap() + key.len();
    body[at..at + body[at..].find('"').unwrap()].to_string()
}

/// The hidden fields of a page, HTML entities decoded (as a browser posts them).
fn hidden_fields(body: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, _) in body.match_indices("<input type=\"hidden\" name=\"") {
        let rest = &body[i + 27..];
        let name = &rest[..rest.find('"').unwrap()];
        let v = &rest[rest.find("value=\"").unwrap() + 7..];
        let value = &v[..v.find('"').unwrap()];
        out.push((name.to_string(), unescape(value)));
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn owned_body(fields: &[(String, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    form_body(&borrowed)
}

#[tokio::test]
async fn validation_errors_keep_the_input_and_are_tied_to_their_fields() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Worker).await;
    let csrf = c.get("/forms/asp-paiva").await.csrf();
    let p = c
        .post(
            "/forms/asp-paiva",
            &[
                ("csrf_token", &csrf),
                ("workshop", "r-9"),
                ("date", "31.2.2018"),
                ("r2_q2", "Tämä jää talteen."),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Tämä jää talteen."));
    assert!(p.body.contains("value=\"31.2.2018\""));
    assert!(
        p.body
            .contains("aria-describedby=\"f-date-hint f-date-error\" aria-invalid=\"true\"")
    );
    assert!(
        p.body.contains(
            "aria-describedby=\"f-workshop-round f-workshop-error\" aria-invalid=\"true\""
        )
    );
    for id in ["#f-workshop", "#f-date"] {
        assert!(
            p.body.contains(&format!("href=\"{id}\"")),
            "{id} in the summary"
        );
    }
    let p = c
        .post(
            "/forms/asp-paiva",
            &[
                ("csrf_token", &csrf),
                ("workshop", "r-2"),
                ("date", "2018-03-14"),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body.contains("href=\"#f-r1-q1\""),
        "no answers: the first question"
    );
    assert!(
        p.body
            .contains("aria-describedby=\"f-r1-q1-hint f-r1-q1-error\"")
    );
}

#[tokio::test]
async fn an_ended_session_keeps_the_form_through_a_new_login() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Worker).await;
    let csrf = c.get("/forms/asp-paiva").await.csrf();
    site.web.forget_sessions();
    let p = c
        .post(
            "/forms/asp-paiva",
            &[
                ("csrf_token", &csrf),
                ("workshop", "r-2"),
                ("date", "2018-03-14"),
                ("r1_q1", "Pitkä vastaus, jota ei saa hukata."),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert!(p.body.contains("name=\"password\""));
    assert!(
        p.body.contains("Pitkä vastaus, jota ei saa hukata."),
        "carried in the login form"
    );
    assert_eq!(saved_files(&site).len(), 0);
    let mut login = hidden_fields(&p.body);
    login.push(("username".into(), "tyontekija".into()));
    login.push(("password".into(), "tyontekija-salasana".into()));
    let back = c.post_raw("/login", owned_body(&login)).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert!(
        back.body
            .contains(">Pitkä vastaus, jota ei saa hukata.</textarea>")
    );
    assert!(
        back.body.contains("role=\"status\""),
        "a notice says what happened"
    );
    // And the form can be saved from there.
    let csrf = back.csrf();
    let p = c
        .post(
            "/forms/asp-paiva",
            &[
                ("csrf_token", &csrf),
                ("workshop", "r-2"),
                ("date", "2018-03-14"),
                ("r1_q1", "Pitkä vastaus, jota ei saa hukata."),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(saved_files(&site).len(), 1);
}

/// Issue 23: save, browser Back, Reload, then "Tallenna" stored the same form twice.
#[tokio::test]
async fn a_form_is_stored_once_however_the_person_navigates() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Worker).await;
    let form = c.get("/forms/asp-paiva").await;
    // The submission id comes with the form itself, so the first preview carries it.
    let first_id = field_value(&form.body, "submission");
    assert!(first_id.starts_with("asp-paiva-web-"), "{first_id}");
    let csrf = form.csrf();
    let typed = |submission: &str, action: &str| -> Vec<(String, String)> {
        [
            ("csrf_token", csrf.as_str()),
            ("workshop", "r-2"),
            ("date", "2018-03-14"),
            ("theme", "ihanne"),
            ("text_lang", "fi"),
            ("rows", "3"),
            ("submission", submission),
            ("r1_q1", "Vuokrarästit ja häätöuhka."),
            ("r1_q3", "Ohjasin asumisneuvontaan."),
            ("action", action),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let save_from = |preview: &Page| {
        let mut f = hidden_fields(&preview.body);
        f.push(("action".into(), "save".into()));
        owned_body(&f)
    };
    let preview = c
        .post_raw("/forms/asp-paiva", owned_body(&typed(&first_id, "preview")))
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert_eq!(field_value(&preview.body, "submission"), first_id);
    let saved = c.post_raw("/forms/asp-paiva", save_from(&preview)).await;
    assert_eq!(saved.status, StatusCode::OK);
    let ids = saved_ids(&saved.body);
    assert_eq!(ids.len(), 1);
    assert_eq!(saved_files(&site).len(), 1);
    // Back to the preview and Reload: the browser sends the preview again, as it was.
    let again = c
        .post_raw("/forms/asp-paiva", owned_body(&typed(&first_id, "preview")))
        .await;
    assert_eq!(field_value(&again.body, "submission"), first_id);
    let resaved = c.post_raw("/forms/asp-paiva", save_from(&again)).await;
    assert_eq!(saved_ids(&resaved.body), ids);
    assert_eq!(saved_files(&site).len(), 1, "saved again, not twice");
    // Back to the form page, which the browser loads anew (another id) with the typed
    // text restored: the same content is the same submission.
    let reloaded = c.get("/forms/asp-paiva").await;
    let other_id = field_value(&reloaded.body, "submission");
    assert_ne!(other_id, first_id);
    let preview = c
        .post_raw("/forms/asp-paiva", owned_body(&typed(&other_id, "preview")))
        .await;
    assert_eq!(field_value(&preview.body, "submission"), first_id);
    let resaved = c.post_raw("/forms/asp-paiva", save_from(&preview)).await;
    assert_eq!(saved_ids(&resaved.body), ids);
    // And without any id at all (a form page kept from before).
    let direct = c
        .post_raw("/forms/asp-paiva", owned_body(&typed("", "save")))
        .await;
    assert_eq!(saved_ids(&direct.body), ids);
    assert_eq!(saved_files(&site).len(), 1);
    // Edited after Back and saved under its id: it replaces.
    let mut edited = typed(&first_id, "save");
    edited.push(("r2_q1".into(), "Toinen tilanne: velat.".into()));
    let p = c.post_raw("/forms/asp-paiva", owned_body(&edited)).await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(saved_files(&site).len(), 2, "one more row, same submission");
    assert!(saved_ids(&p.body).iter().all(|i| i.starts_with(&first_id)));
    // Another form is another submission.
    let mut other = typed(&other_id, "save");
    other[7].1 = "Aivan eri asia: työttömyys.".into();
    let p = c.post_raw("/forms/asp-paiva", owned_body(&other)).await;
    assert!(
        saved_ids(&p.body).iter().all(|i| i.starts_with(&other_id)),
        "{}",
        p.body
    );
    assert_eq!(saved_files(&site).len(), 3);
    // Someone else cannot overwrite it by its id.
    let mut r = Client::signed_in(&site, Role::Researcher).await;
    let csrf_r = r.get("/forms/asp-paiva").await.csrf();
    let mut foreign = typed(&first_id, "save");
    foreign[0].1 = csrf_r;
    foreign[7].1 = "Tutkijan oma rivi.".into();
    let p = r.post_raw("/forms/asp-paiva", owned_body(&foreign)).await;
    assert!(
        !saved_ids(&p.body).iter().any(|i| i.starts_with(&first_id)),
        "{}",
        p.body
    );
    assert_eq!(saved_files(&site).len(), 4);
}

#[tokio::test]
async fn a_form_saved_again_after_a_new_sign_in_replaces_its_first_save() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Worker).await;
    let form = c.get("/forms/asp-paiva").await;
    let id = field_value(&form.body, "submission");
    let fields = |csrf: &str, text: &str| {
        [
            ("csrf_token", csrf.to_string()),
            ("workshop", "r-2".to_string()),
            ("date", "2018-03-14".to_string()),
            ("submission", id.clone()),
            ("r1_q1", text.to_string()),
            ("action", "save".to_string()),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect::<Vec<_>>()
    };
    let p = c
        .post_raw(
            "/forms/asp-paiva",
            owned_body(&fields(&form.csrf(), "Ensimmäinen versio.")),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(saved_files(&site).len(), 1);
    site.web.forget_sessions();
    let p = c
        .post_raw(
            "/forms/asp-paiva",
            owned_body(&fields(&form.csrf(), "Korjattu versio.")),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    let mut login = hidden_fields(&p.body);
    login.push(("username".into(), "tyontekija".into()));
    login.push(("password".into(), "tyontekija-salasana".into()));
    let back = c.post_raw("/login", owned_body(&login)).await;
    assert_eq!(
        field_value(&back.body, "submission"),
        id,
        "the id came back"
    );
    let p = c
        .post_raw(
            "/forms/asp-paiva",
            owned_body(&fields(&back.csrf(), "Korjattu versio.")),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(saved_ids(&p.body).iter().all(|i| i.starts_with(&id)));
    let files = saved_files(&site);
    assert_eq!(files.len(), 1, "replaced, not stored twice");
    assert!(
        std::fs::read_to_string(&files[0])
            .unwrap()
            .contains("Korjattu versio.")
    );
}

#[tokio::test]
async fn twenty_concurrent_submissions_are_all_saved_and_searchable() {
    let site = site();
    let c = Client::signed_in(&site, Role::Worker).await;
    let mut c2 = c.clone();
    let csrf = c2.get("/forms/asp-paiva").await.csrf();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let mut c = c.clone();
        let csrf = csrf.clone();
        tasks.push(tokio::spawn(async move {
            let text = format!("Rinnakkainen tallennus numero kvarkki{i} velkaneuvonnasta.");
            let p = c
                .post(
                    "/forms/asp-paiva",
                    &[
                        ("csrf_token", &csrf),
                        ("workshop", "r-2"),
                        ("date", "2018-03-14"),
                        ("r1_q1", &text),
                        ("action", "save"),
                    ],
                )
                .await;
            assert_eq!(p.status, StatusCode::OK, "{}", p.body);
            saved_ids(&p.body)
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.extend(t.await.unwrap());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    assert_eq!(saved_files(&site).len(), 20);
    let mut c = c;
    let r = c.get("/search?q=rinnakkainen&limit=50").await;
    for id in &ids {
        assert!(
            r.body.contains(&format!("/documents/{id}#"))
                || r.body.contains(&format!("&#x2f;documents&#x2f;{id}#")),
            "{id} is searchable"
        );
    }
    assert!(r.body.contains("20 osumaa"), "exactly the twenty");
}

#[tokio::test]
async fn search_has_filters_facets_snippets_and_links_to_passages() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Participant).await;
    let r = c.get("/search?q=kotik%C3%A4ynti").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<mark>kotikäynti</mark>"), "{}", r.body);
    assert!(
        unescape(&r.body).contains("href=\"/passages/kotikaynti-1/1\""),
        "a participant's link goes to the passage"
    );
    assert!(r.body.contains("voice=worker"), "facets are links");
    let r = c.get("/search?q=kotik%C3%A4ynti&voice=client").await;
    assert!(r.body.contains("0 osumaa"));
    let r = c.get("/search?q=&workshop=r-2").await;
    assert!(r.body.contains("2 osumaa"), "a filter alone searches");
    let r = c.get("/search?from=2018-13-01").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("aria-describedby=\"f-from-error\""));
    let mut w = Client::signed_in(&site, Role::Worker).await;
    let r = w.get("/search?q=kotik%C3%A4ynti").await;
    assert!(
        r.body.contains("kotikaynti-1#kotikaynti-1-1"),
        "a worker's link goes to the passage in its document"
    );
    let doc = w.get("/documents/kotikaynti-1").await;
    assert!(doc.body.contains("id=\"kotikaynti-1-2\""));
    assert_eq!(
        w.get("/documents/none-such").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Participants see passages, not whole documents: at a workshop people know who is behind
/// a pseudonym, and a worker's memo about one client says far more than a passage.
#[tokio::test]
async fn participants_see_passages_and_whole_documents_are_for_workers_and_researchers() {
    let site = site();
    for role in Role::ALL {
        let mut c = Client::signed_in(&site, *role).await;
        let whole = c.get("/documents/kotikaynti-1").await;
        let passage = c.get("/passages/kotikaynti-1/2").await;
        assert_eq!(passage.status, StatusCode::OK, "{role}");
        assert!(
            passage
                .body
                .contains("Asiakas pääsi velkaneuvontaan ja sai maksusuunnitelman."),
            "{role}: {}",
            passage.body
        );
        assert!(
            !passage.body.contains("Tehtiin kotikäynti"),
            "{role}: only the one passage"
        );
        assert_eq!(
            c.get("/passages/kotikaynti-1/9").await.status,
            StatusCode::NOT_FOUND
        );
        if role.allows(Role::Worker) {
            assert_eq!(whole.status, StatusCode::OK, "{role}");
            assert!(whole.body.contains("Tehtiin kotikäynti"));
            assert!(
                unescape(&passage.body).contains("href=\"/documents/kotikaynti-1#kotikaynti-1-2\""),
                "{role}: a link to the whole document"
            );
        } else {
            assert_eq!(whole.status, StatusCode::FORBIDDEN, "{role}");
            assert!(
                whole
                    .body
                    .contains("näet otteet, et kokonaisia asiakirjoja")
            );
            assert!(!whole.body.contains("Tehtiin kotikäynti"));
            assert!(
                !unescape(&passage.body).contains("href=\"/documents/"),
                "{role}"
            );
            assert!(
                passage
                    .body
                    .contains("Kokonaisia asiakirjoja lukevat työntekijät ja tutkijat.")
            );
        }
    }
}

#[tokio::test]
async fn the_language_switch_is_remembered() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Participant).await;
    let p = c.get("/lang/sv?next=/search").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/search");
    let s = c.get("/search?q=velka").await;
    assert!(s.body.contains("<html lang=\"sv\">"));
    assert!(s.body.contains("Sök med ord"));
    assert!(s.body.contains("lang=\"fi\""), "the switch back to Finnish");
    let p = c.get("/lang/fi?next=https://evil.example").await;
    assert_eq!(p.location(), "/");
}

/// The fields a browser posts from a review page: its hidden fields (each once), the boxes
/// given as checked, and the button pressed.
fn review_post(page: &Page, action: &str, dims: &[&str]) -> String {
    let mut fields: Vec<(String, String)> = Vec::new();
    for (k, v) in hidden_fields(&page.body) {
        if !fields.iter().any(|(n, _)| *n == k) {
            fields.push((k, v));
        }
    }
    fields.extend(dims.iter().map(|d| ("dim".to_string(), d.to_string())));
    fields.push(("action".into(), action.into()));
    owned_body(&fields)
}

/// The boxes a review page shows checked.
fn checked_boxes(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in body.match_indices("<input type=\"checkbox\"") {
        let tag = &body[i..i + body[i..].find('>').unwrap()];
        if tag.contains(" checked") {
            let v = &tag[tag.find("value=\"").unwrap() + 7..];
            out.push(v[..v.find('"').unwrap()].to_string());
        }
    }
    out
}

fn decisions_of(site: &Site) -> Vec<serde_json::Value> {
    std::fs::read_to_string(site.dir.path().join("decisions/decisions.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn review_stores_the_labels_on_the_screen_for_confirm_and_correct() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let page = c.get("/review").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Luokittelua odottaa 2 kohtaa"),
        "{}",
        page.body
    );
    // The boxes come first, the first one focused; "save these labels" is the form's first
    // button, so Enter in a box saves what is checked.
    let form = &page.body[page
        .body
        .find("method=\"post\" action=\"/review\"")
        .unwrap()..];
    let first_box = form.find("type=\"checkbox\"").unwrap();
    let first_button = form.find("<button type=\"submit\"").unwrap();
    assert!(first_box < first_button);
    assert!(form[first_button..].starts_with(
        "<button type=\"submit\" name=\"action\" value=\"save\">Tallenna nämä luokat</button>"
    ));
    assert!(form.contains("autofocus aria-describedby=\"why-context\""));
    let passage = field_value(&page.body, "passage");
    // Confirm: the proposal, as checked on the screen, is what is stored.
    let shown = checked_boxes(&page.body);
    let refs: Vec<&str> = shown.iter().map(String::as_str).collect();
    let p = c
        .post_raw("/review", review_post(&page, "save", &refs))
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let d = decisions_of(&site);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["passage"], passage.replace("&#x23;", "#").as_str());
    assert_eq!(d[0]["who"], "tutkija");
    assert_eq!(d[0]["labels"], serde_json::json!(shown));
    let page = c.get("/review").await;
    assert!(page.body.contains("Päätös tallennettu"));
    assert!(page.body.contains("Luokittelua odottaa 1 kohta."));
    // Correct: other boxes, and exactly those are stored, whatever was proposed.
    let p = c
        .post_raw(
            "/review",
            review_post(&page, "save", &["results", "mechanisms"]),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let d = decisions_of(&site);
    assert_eq!(d[1]["labels"], serde_json::json!(["mechanisms", "results"]));
    // No box checked is a decision too: none of them.
    let page = c.get("/review").await;
    assert!(page.body.contains("Kaikki kohdat on luokiteltu"));
    // The index knows the decision at once.
    let doc = c.get("/documents/kotikaynti-1").await;
    assert!(
        doc.body.contains("Mekanismit, Tulokset</span>"),
        "{}",
        doc.body
    );
    // A post without the version of what was shown (an old page) is not trusted.
    let csrf = page.csrf();
    let old = c
        .post(
            "/review",
            &[
                ("csrf_token", &csrf),
                ("passage", "kotikaynti-1#1"),
                ("action", "confirm"),
            ],
        )
        .await;
    assert_eq!(old.status, StatusCode::CONFLICT);
    assert_eq!(decisions_of(&site).len(), 2);
}

#[tokio::test]
async fn a_proposal_that_changed_meanwhile_is_shown_again_not_stored() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let page = c.get("/review?passage=kotikaynti-1%232").await;
    let shown = checked_boxes(&page.body);
    // Meanwhile, decisions recorded beside the app (`kooste caimer learn`) teach the
    // proposer that such passages are about the context only.
    let taught: Vec<kooste_core::model::Decision> = (0..6)
        .map(|i| kooste_core::model::Decision {
            passage: format!("muu-{i}#1"),
            text: format!("Asiakas pääsi velkaneuvontaan ja sai maksusuunnitelman {i}."),
            lang: Lang::Fi,
            labels: vec![kooste_core::model::Dimension::Context],
            who: "cli".into(),
            when: "2018-03-14T09:30:00Z".into(),
            note: None,
            withdrawn: false,
        })
        .collect();
    kooste_caimer::decisions::append(&site.dir.path().join("decisions/decisions.jsonl"), &taught)
        .unwrap();
    let now = c.get("/review?passage=kotikaynti-1%232").await;
    assert_ne!(
        field_value(&now.body, "proposal"),
        field_value(&page.body, "proposal"),
        "the proposal did change"
    );
    let refs: Vec<&str> = shown.iter().map(String::as_str).collect();
    let p = c
        .post_raw("/review", review_post(&page, "save", &refs))
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.body.contains("Ehdotus muuttui: ennen "), "{}", p.body);
    assert!(p.body.contains("role=\"alert\""));
    assert_eq!(
        checked_boxes(&p.body),
        shown,
        "the researcher's boxes are kept"
    );
    assert_eq!(decisions_of(&site).len(), 6, "nothing stored");
    // Saved from the page that says what changed, it is stored.
    let again = c.post_raw("/review", review_post(&p, "save", &refs)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let d = decisions_of(&site);
    assert_eq!(d.len(), 7);
    assert_eq!(d[6]["labels"], serde_json::json!(shown));
    assert_eq!(d[6]["who"], "tutkija");
}

#[tokio::test]
async fn a_passage_decided_by_someone_else_meanwhile_is_shown_as_decided() {
    let site = site();
    let project = Project::load(site.dir.path()).unwrap();
    add_user(&project, "toinen", Role::Researcher, "toinen-salasana").unwrap();
    let mut a = Client::signed_in(&site, Role::Researcher).await;
    let mut b = Client::new(&site);
    assert_eq!(
        b.login("toinen", "toinen-salasana").await.status,
        StatusCode::SEE_OTHER
    );
    let pa = a.get("/review?passage=kotikaynti-1%231").await;
    let pb = b.get("/review?passage=kotikaynti-1%231").await;
    let p = b
        .post_raw("/review", review_post(&pb, "save", &["results"]))
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    // A's click does not silently win: the passage is shown as decided, by whom, when, what.
    let p = a
        .post_raw("/review", review_post(&pa, "save", &["context"]))
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.body.contains("toinen päätti kohdan "), "{}", p.body);
    assert!(p.body.contains(": Tulokset."), "{}", p.body);
    assert_eq!(
        checked_boxes(&p.body),
        ["context"],
        "A's own choice is kept"
    );
    assert!(p.body.contains("value=\"keep\""));
    assert_eq!(decisions_of(&site).len(), 1);
    // Keep theirs: nothing is stored.
    let kept = a
        .post_raw("/review", review_post(&p, "keep", &["context"]))
        .await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER);
    assert_eq!(decisions_of(&site).len(), 1);
    // Or replace it: both stay in the history.
    let p = a
        .post_raw("/review", review_post(&pa, "save", &["context"]))
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    let replaced = a
        .post_raw("/review", review_post(&p, "save", &["context"]))
        .await;
    assert_eq!(replaced.status, StatusCode::SEE_OTHER);
    let d = decisions_of(&site);
    assert_eq!(d.len(), 2);
    assert_eq!(
        (d[0]["who"].as_str(), d[1]["who"].as_str()),
        (Some("toinen"), Some("tutkija"))
    );
    let page = a.get("/review?passage=kotikaynti-1%231").await;
    assert!(page.body.contains("Päätöshistoria"));
    assert!(page.body.contains("toinen: Tulokset"), "{}", page.body);
    assert!(page.body.contains("tutkija: Konteksti"), "{}", page.body);
}

#[tokio::test]
async fn a_decision_is_reopened_changed_and_withdrawn_everywhere() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let page = c.get("/review?passage=kotikaynti-1%232").await;
    let p = c
        .post_raw("/review", review_post(&page, "save", &["results"]))
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    // The document page and search link to it for researchers only.
    let doc = c.get("/documents/kotikaynti-1").await;
    let link = "/review?passage=kotikaynti-1%232&back=/documents/kotikaynti-1%23kotikaynti-1-2";
    assert!(unescape(&doc.body).contains(link), "{}", doc.body);
    let hits = c.get("/search?q=velkaneuvonta").await;
    assert!(
        unescape(&hits.body)
            .contains("/review?passage=kotikaynti-1%232&back=/search%3Fq%3Dvelkaneuvonta"),
        "{}",
        hits.body
    );
    assert!(hits.body.contains("Tulokset</span>"), "{}", hits.body);
    let mut w = Client::signed_in(&site, Role::Worker).await;
    assert!(
        !w.get("/documents/kotikaynti-1")
            .await
            .body
            .contains("/review?")
    );
    // Reopened, it shows the decision with its boxes; changed, it goes back where it came from.
    let open = c
        .get("/review?passage=kotikaynti-1%232&back=/documents/kotikaynti-1%23kotikaynti-1-2")
        .await;
    assert_eq!(open.status, StatusCode::OK);
    assert!(
        open.body.contains("Päätetty: Tulokset (tutkija, "),
        "{}",
        open.body
    );
    assert_eq!(checked_boxes(&open.body), ["results"]);
    let p = c
        .post_raw(
            "/review",
            review_post(&open, "save", &["interventions", "results"]),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/documents/kotikaynti-1#kotikaynti-1-2");
    let digest = c.get("/digest/r-3?format=md").await;
    assert!(
        digest
            .body
            .contains("maksusuunnitelman.” — _työntekijä_ · **✓ vahvistettu**"),
        "{}",
        digest.body
    );
    let hits = c.get("/search?q=velkaneuvonta").await;
    assert!(
        hits.body.contains("Interventiot, Tulokset</span>"),
        "{}",
        hits.body
    );
    // Withdrawn: back in the queue, proposals again in search, the history kept.
    let open = c.get("/review?passage=kotikaynti-1%232").await;
    assert!(open.body.contains("value=\"withdraw\""));
    let p = c
        .post_raw("/review", review_post(&open, "withdraw", &[]))
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let d = decisions_of(&site);
    assert_eq!(d.len(), 3);
    assert_eq!(d[2]["withdrawn"], true);
    let hits = c.get("/search?q=velkaneuvonta").await;
    assert!(hits.body.contains("(ehdotus)"), "{}", hits.body);
    let digest = c.get("/digest/r-3?format=md").await;
    assert!(
        !digest.body.contains("✓ vahvistettu**\n") && digest.body.contains("◇ ehdotus"),
        "{}",
        digest.body
    );
    let queue = c.get("/review").await;
    assert!(queue.body.contains("Päätös peruttu"), "{}", queue.body);
    assert!(
        queue.body.contains("Luokittelua odottaa 2 kohtaa"),
        "{}",
        queue.body
    );
    let open = c.get("/review?passage=kotikaynti-1%232").await;
    assert!(open.body.contains("päätös peruttu"), "{}", open.body);
    assert!(!open.body.contains("value=\"withdraw\""));
    // The proposer forgot it: the withdrawn decision trains nothing.
    let caimer = kooste_caimer::Caimer::open(&Project::load(site.dir.path()).unwrap()).unwrap();
    assert_eq!(caimer.confirmed().len(), 0);
    assert_eq!(caimer.proposer().model().examples(), 0);
}

const OLDER: &str = "---
id: vanha-1
voice: client
workshop: r-1
theme: osallisuus
date: 2018-01-20
lang: fi
---
Kävin ryhmässä ja sain puhua omista asioistani.

Työntekijä soitti minulle joka viikko.
";

#[tokio::test]
async fn the_queue_puts_the_next_digests_round_first_filters_and_keeps_skipped_ones_last() {
    let dir = project_dir();
    std::fs::create_dir_all(dir.path().join("corpus/r-1")).unwrap();
    std::fs::write(dir.path().join("corpus/r-1/vanha-1.md"), OLDER).unwrap();
    std::fs::write(dir.path().join("corpus/r-2/samtal-1.md"), DOC_SV).unwrap();
    let site = site_in(dir, Config::default());
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    // Walk the queue by skipping: every passage once, r-2 (the latest round: every
    // workshop of the example lies in the past) before r-1, though r-1 comes first in the
    // corpus; within a round, the most uncertain proposal first.
    let mut order = Vec::new();
    let mut page = c.get("/review").await;
    assert!(
        page.body.contains("Luokittelua odottaa 6 kohtaa"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Ensin tulevat seuraavan koosteen aineiston kohdat: Rannikko 2"),
        "{}",
        page.body
    );
    for _ in 0..6 {
        let passage = unescape(&field_value(&page.body, "passage"));
        order.push(passage);
        let p = c.post_raw("/review", review_post(&page, "skip", &[])).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        page = c.get("/review").await;
    }
    let rounds: Vec<bool> = order.iter().map(|p| p.starts_with("vanha-1")).collect();
    assert_eq!(
        rounds,
        [false, false, false, false, true, true],
        "{order:?}"
    );
    let cold = kooste_caimer::Proposer::cold().unwrap();
    let texts = [
        (
            "kotikaynti-1#1",
            "Tehtiin kotikäynti, ja asiakas kertoi tilanteestaan rauhassa omassa kodissaan.",
            Lang::Fi,
        ),
        (
            "kotikaynti-1#2",
            "Asiakas pääsi velkaneuvontaan ja sai maksusuunnitelman.",
            Lang::Fi,
        ),
        (
            "samtal-1#1",
            "Jag vågade berätta om mina skulder, eftersom samma arbetstagare fortsatte.",
            Lang::Sv,
        ),
        (
            "samtal-1#2",
            "Vi fick skuld- och budgetrådgivning.",
            Lang::Sv,
        ),
    ];
    let margin = |id: &str| {
        let (_, t, l) = texts.iter().find(|(i, _, _)| *i == id).unwrap();
        cold.propose(t, *l, &[])
            .scores
            .iter()
            .map(|(_, s)| (s - 0.35f32).abs())
            .fold(f32::INFINITY, f32::min)
    };
    let margins: Vec<f32> = order[..4].iter().map(|p| margin(p)).collect();
    assert!(
        margins.windows(2).all(|w| w[0] <= w[1]),
        "{order:?} {margins:?}"
    );
    // Skipped passages stay in the queue, at its end, in the order skipped.
    assert!(page.body.contains("Luokittelua odottaa 6 kohtaa"));
    assert_eq!(unescape(&field_value(&page.body, "passage")), order[0]);
    assert!(page.body.contains("Ohitit tämän kohdan aiemmin."));
    // Filters: by voice, workshop and theme; a decision returns to the filtered queue.
    let clients = c.get("/review?voice=client").await;
    assert!(
        clients.body.contains("Luokittelua odottaa 4 kohtaa"),
        "{}",
        clients.body
    );
    let first = unescape(&field_value(&clients.body, "passage"));
    assert!(
        first.starts_with("samtal-1") || first.starts_with("vanha-1"),
        "{first}"
    );
    assert!(
        c.get("/review?workshop=r-1")
            .await
            .body
            .contains("Luokittelua odottaa 2 kohtaa")
    );
    let themed = c.get("/review?theme=osallisuus&voice=client").await;
    assert!(
        themed.body.contains("Luokittelua odottaa 2 kohtaa"),
        "{}",
        themed.body
    );
    let p = c
        .post_raw("/review", review_post(&themed, "save", &["mechanisms"]))
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/review?voice=client&theme=osallisuus");
}

#[tokio::test]
async fn the_round_before_the_next_workshop_comes_first() {
    let dir = project_dir();
    // Workshop 2 lies ahead: its digest is made of round 1, which comes first although
    // round 2 already has material and comes later in no order but the corpus's.
    let region = REGION
        .replace("date = 2018-03-01", "date = 2099-03-01")
        .replace("date = 2018-05-24", "date = 2099-05-24");
    std::fs::write(dir.path().join("workshops/r.toml"), region).unwrap();
    std::fs::create_dir_all(dir.path().join("corpus/r-1")).unwrap();
    std::fs::write(dir.path().join("corpus/r-1/vanha-1.md"), OLDER).unwrap();
    let site = site_in(dir, Config::default());
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let page = c.get("/review").await;
    assert!(
        page.body
            .contains("Ensin tulevat seuraavan koosteen aineiston kohdat: Rannikko 1"),
        "{}",
        page.body
    );
    assert!(unescape(&field_value(&page.body, "passage")).starts_with("vanha-1#"));
}

#[tokio::test]
async fn a_review_form_comes_back_as_it_was_left_after_a_new_sign_in() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let page = c.get("/review?passage=kotikaynti-1%231").await;
    site.web.forget_sessions();
    let p = c
        .post_raw(
            "/review",
            review_post(&page, "save", &["actors", "results"]),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert!(p.body.contains("name=\"password\""));
    assert!(!site.dir.path().join("decisions/decisions.jsonl").exists());
    let mut login = hidden_fields(&p.body);
    login.push(("username".into(), "tutkija".into()));
    login.push(("password".into(), "tutkija-salasana".into()));
    let back = c.post_raw("/login", owned_body(&login)).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert!(
        back.body.contains("value=\"kotikaynti-1#1\""),
        "{}",
        back.body
    );
    assert_eq!(checked_boxes(&back.body), ["actors", "results"]);
    assert!(back.body.contains("Kirjauduit uudelleen"));
    let p = c
        .post_raw(
            "/review",
            review_post(&back, "save", &["actors", "results"]),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let d = decisions_of(&site);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["labels"], serde_json::json!(["actors", "results"]));
}

const DOC_SV: &str = "---
id: samtal-1
voice: client
workshop: r-2
theme: ihanne
date: 2018-03-06
lang: sv
---
Jag vågade berätta om mina skulder, eftersom samma arbetstagare fortsatte.

Vi fick skuld- och budgetrådgivning.
";

const FORM_FI: &str = "---
id: lomake-1
voice: client
battery: asp-paiva
workshop: r-2
date: 2018-03-07
lang: fi
---
## Millaista apua sait sosiaalityöstä?

Se oli iso juttu minulle.
";

/// The concepts of the built-in lexicons whose gloss (English: the concept's identity) or
/// whose plain text in the other language `other` shows as evidence on a page.
fn foreign_explanations(body: &str, other: Lang) -> Vec<String> {
    let lex = kooste_caimer::Lexicon::builtin().unwrap();
    let mut shown = Vec::new();
    for c in lex.cues() {
        let escaped = c.gloss.replace('\'', "&#x27;");
        if body.contains(&c.gloss) || body.contains(&escaped) {
            shown.push(c.gloss.clone());
        }
        let plain = c.plain.get(other);
        if [
            format!("({plain}, "),
            format!("({plain} "),
            format!("; {plain} "),
        ]
        .iter()
        .any(|p| body.contains(p.as_str()))
        {
            shown.push(plain.to_string());
        }
    }
    shown
}

#[tokio::test]
async fn review_explains_the_evidence_in_the_pages_language() {
    let dir = project_dir();
    std::fs::write(dir.path().join("corpus/r-2/samtal-1.md"), DOC_SV).unwrap();
    std::fs::write(dir.path().join("corpus/r-2/lomake-1.md"), FORM_FI).unwrap();
    let site = site_in(dir, Config::default());
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let fi_debts = c.get("/review?passage=kotikaynti-1%232").await;
    let fi_courage = c.get("/review?passage=samtal-1%231").await;
    c.get("/lang/sv?next=/review").await;
    let sv_debts = c.get("/review?passage=kotikaynti-1%232").await;
    let sv_courage = c.get("/review?passage=samtal-1%231").await;
    let cases: [(&Page, Lang, &[&str]); 4] = [
        // A negative concept reads as what it is; weights are written as in Finnish.
        (
            &fi_debts,
            Lang::Fi,
            &[
                "“velkaneuvontaan” (velat +2,4;",
                "velkaneuvonta on palvelu, ei velka −2,1)",
            ],
        ),
        // A Swedish passage on a Finnish page is explained in Finnish.
        (
            &fi_courage,
            Lang::Fi,
            &["“vågade” (toivo ja rohkeus +3,2", "“skulder” (velat, +1,7)"],
        ),
        (
            &sv_debts,
            Lang::Sv,
            &[
                "“velkaneuvontaan” (skulder +2,4;",
                "skuldrådgivning är en tjänst, inte skulder −2,1)",
            ],
        ),
        (
            &sv_courage,
            Lang::Sv,
            &[
                "“vågade” (hopp och mod +3,2",
                "“samma arbetstagare” (samma arbetstagare eller en ny, +2,7)",
            ],
        ),
    ];
    // A word is named once per dimension, with every reason behind it: the cue that speaks
    // for the dimension and the one that holds it down together, listed by what they add
    // up to.
    for page in [&fi_debts, &fi_courage, &sv_debts, &sv_courage] {
        let text = unescape(&page.body);
        for why in text.split("<p class=\"why\"").skip(1) {
            let why = &why[..why.find("</p>").unwrap()];
            let quoted: Vec<&str> = why
                .split('“')
                .skip(1)
                .map(|q| &q[..q.find('”').unwrap()])
                .collect();
            let mut unique = quoted.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), quoted.len(), "a word named twice: {why}");
        }
    }
    for (page, lang, want) in cases {
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&format!("<html lang=\"{lang}\">")));
        for w in want {
            assert!(page.body.contains(w), "{lang}: no {w} in\n{}", page.body);
        }
        let other = if lang == Lang::Fi { Lang::Sv } else { Lang::Fi };
        assert_eq!(
            foreign_explanations(&page.body, other),
            Vec::<String>::new(),
            "{lang}"
        );
        // English words of the proposer, as words ("vähintään" holds "hint").
        let words: Vec<&str> = page.body.split(|c: char| !c.is_alphanumeric()).collect();
        for english in ["cue", "learned", "hint"] {
            assert!(!words.contains(&english), "{lang}: {english}");
        }
        for english in ["form question", "+2.", "-2."] {
            assert!(!page.body.contains(english), "{lang}: {english}");
        }
    }
    // Learned evidence, after a decision, in the page's language too.
    let p = c
        .post_raw(
            "/review",
            review_post(&sv_courage, "save", &["interventions"]),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let sv = c.get("/review?passage=samtal-1%232").await;
    let learned = |body: &str, word: &str| {
        [
            format!("({word}, "),
            format!("{word} +"),
            format!("{word} −"),
        ]
        .iter()
        .any(|p| body.contains(p.as_str()))
    };
    assert!(learned(&sv.body, "inlärt"), "{}", sv.body);
    c.get("/lang/fi?next=/review").await;
    let fi = c.get("/review?passage=samtal-1%232").await;
    assert!(learned(&fi.body, "opittu"), "{}", fi.body);
    // The form question's hint quotes no words of the text.
    let form = c.get("/review?passage=lomake-1%231").await;
    let words = form.body.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        // (Since the base model, learned words may follow it in the same list.)
        words.contains("lomakkeen kysymys (+1,0)") && !words.contains("” (lomakkeen kysymys"),
        "{}",
        form.body
    );
}

#[tokio::test]
async fn review_skip_moves_on() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let page = c.get("/review").await;
    let p = c
        .post(
            "/review",
            &[
                ("csrf_token", &page.csrf()),
                ("passage", "kotikaynti-1#1"),
                ("action", "skip"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let page = c.get("/review").await;
    assert!(page.body.contains("value=\"kotikaynti-1#2\""));
    assert!(!site.dir.path().join("decisions/decisions.jsonl").exists());
}

#[tokio::test]
async fn digests_render_and_download() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let p = c.get("/digest/r-3").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("format=md"));
    let md = c.get("/digest/r-3?format=md").await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(
        md.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/markdown")
    );
    assert!(
        md.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("kooste-r-3-fi.md")
    );
    assert!(md.body.contains("kotikäynti"), "{}", md.body);
    let html = c.get("/digest/r-3?format=html&download=1&lang=sv").await;
    assert!(
        html.body.contains("<html lang=\"sv\""),
        "{}",
        &html.body[..200.min(html.body.len())]
    );
    assert!(
        html.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(".html")
    );
    assert_eq!(
        c.get("/digest/r-1").await.status,
        StatusCode::NOT_FOUND,
        "no round before the first"
    );
    assert_eq!(c.get("/digest/x-9").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn sessions_end_after_their_idle_time() {
    let site = site_with(Config {
        session_idle: Duration::from_millis(300),
        ..Config::default()
    });
    let mut c = Client::signed_in(&site, Role::Participant).await;
    assert_eq!(c.get("/").await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(c.get("/").await.status, StatusCode::SEE_OTHER);
}

#[test]
fn templates_are_overridden_by_the_project() {
    let dir = project_dir();
    std::fs::create_dir_all(dir.path().join("templates/web")).unwrap();
    std::fs::write(
        dir.path().join("templates/web/web.css"),
        "body { color: black }",
    )
    .unwrap();
    let project = Project::load(dir.path()).unwrap();
    let _ = kooste_index::update(&project, false, "", |_, p| kooste_index::hint_labels(p)).unwrap();
    let web = Web::new(
        std::sync::Arc::new(kooste_workspace::Workspace::new(project)),
        Config::default(),
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let res = rt.block_on(async {
        let res = web
            .router()
            .oneshot(Request::get("/static/web.css").body(Body::empty()).unwrap())
            .await
            .unwrap();
        axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
    });
    assert_eq!(&res[..], b"body { color: black }");
}

#[tokio::test]
async fn what_other_processes_write_beside_the_app_reaches_its_pages() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let none = c.get("/search?q=harmonikka").await;
    assert!(none.body.contains("0 osumaa"), "{}", none.body);

    // `kooste ingest` beside the app: a document stored and indexed by someone else.
    let root = site.dir.path();
    std::fs::write(
        root.join("corpus/r-2/naapuri.md"),
        "---\nid: naapuri\nvoice: client\nworkshop: r-2\nlang: fi\n---\n\
         Naapuri soitti harmonikkaa pihalla, ja se piristi minua.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("corpus/r-2/naapuri-2.md"),
        "---\nid: naapuri-2\nvoice: client\nworkshop: r-2\nlang: fi\n---\n\
         Naapuri soitti harmonikkaa taas illalla.\n",
    )
    .unwrap();
    let project = Project::load(root).unwrap();
    let (_, report, _) =
        kooste_index::update(&project, false, "", |_, p| kooste_index::hint_labels(p)).unwrap();
    assert_eq!(report.added, 2);
    let found = c.get("/search?q=harmonikka").await;
    assert!(found.body.contains("2 osumaa"), "{}", found.body);
    assert_eq!(
        c.get("/documents/naapuri").await.status,
        StatusCode::OK,
        "its page opens too"
    );

    // A form saved now lands beside it, and both stay in the index.
    let csrf = c.get("/forms/asp-paiva").await.csrf();
    let saved = c
        .post(
            "/forms/asp-paiva",
            &[
                ("csrf_token", &csrf),
                ("action", "save"),
                ("workshop", "r-2"),
                ("date", "2018-03-14"),
                (
                    "r1_q1",
                    "Asiakkaalla oli kontrabasso myytävänä velkojen vuoksi.",
                ),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(
        c.get("/search?q=kontrabasso")
            .await
            .body
            .contains("1 osuma<")
    );
    assert!(
        c.get("/search?q=harmonikka")
            .await
            .body
            .contains("2 osumaa")
    );

    // A decision recorded with `kooste caimer learn` beside the app reaches its proposals.
    // (The base model's words show as learned from the start; the decided passage's
    // "harmonikkaa" is learned only from the decision.)
    let before = c.get("/review?passage=naapuri-2%231").await;
    assert!(
        !before.body.contains("“harmonikkaa” (opittu, "),
        "{}",
        before.body
    );
    let decision = kooste_core::model::Decision {
        passage: "naapuri#1".into(),
        text: "Naapuri soitti harmonikkaa pihalla, ja se piristi minua.".into(),
        lang: Lang::Fi,
        labels: vec![kooste_core::model::Dimension::Actors],
        who: "cli".into(),
        when: "2018-03-14T09:30:00Z".into(),
        note: None,
        withdrawn: false,
    };
    kooste_caimer::decisions::append(&root.join("decisions/decisions.jsonl"), &[decision]).unwrap();
    let after = c.get("/review?passage=naapuri-2%231").await;
    assert!(
        after.body.contains("“harmonikkaa” (opittu, +"),
        "{}",
        after.body
    );
    // The decided passage itself is a reason too, named in plain words.
    assert!(
        after.body.contains(
            "“Naapuri soitti harmonikkaa pihalla, ja se piristi minua.” \
             (samanlainen kohta, josta olette jo päättäneet, +"
        ),
        "{}",
        after.body
    );
    assert!(
        !before.body.contains("samanlainen kohta"),
        "{}",
        before.body
    );

    // A participant added to the register while the app runs is removed from what is
    // typed next.
    let mut register = std::fs::read_to_string(root.join("participants.toml")).unwrap();
    register.push_str(
        "\n[[participant]]\nname = \"Veikko Ylikorpi\"\npseudonym = \"Asiakas N\"\nrole = \"client\"\n",
    );
    std::fs::write(root.join("participants.toml"), register).unwrap();
    let csrf = c.get("/forms/asp-paiva").await.csrf();
    let preview = c
        .post(
            "/forms/asp-paiva",
            &[
                ("csrf_token", &csrf),
                ("action", "preview"),
                ("workshop", "r-2"),
                ("date", "2018-03-14"),
                ("r1_q1", "Veikko Ylikorpi tuli tapaamiseen poikansa kanssa."),
            ],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    // What will be saved shows the pseudonym; only the hidden field keeps what was typed,
    // for going back to edit.
    assert!(
        preview
            .body
            .contains("<p class=\"answer\">Asiakas N tuli tapaamiseen"),
        "{}",
        preview.body
    );
}

// ---------------------------------------------------------------------------------------
// Hardening (issue 17): each test below fails on the app as it was before.

/// The app on a real socket, for what only a connection shows (timeouts, the cap).
async fn served(config: Config) -> (Site, SocketAddr) {
    let site = site_with(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(kooste_web::serve_until(
        site.web.clone(),
        listener,
        std::future::pending(),
    ));
    (site, addr)
}

/// Everything the server sends until it closes the connection. The 30 s bound only keeps a
/// server that never closes from hanging the test; the timeouts under test are 1 s.
async fn until_closed(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut out)).await;
    assert!(read.is_ok(), "the server kept the connection open");
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed() {
    use tokio::io::AsyncWriteExt;
    let (_site, addr) = served(Config {
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        ..Config::default()
    })
    .await;
    // Half a request header, then nothing.
    let mut half = tokio::net::TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET /login HTTP/1.1\r\nHost: kooste\r\nX-Slow: ")
        .await
        .unwrap();
    until_closed(&mut half).await;
    // A body that never comes whole: 408 with a page in Finnish.
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"POST /login HTTP/1.1\r\nHost: kooste\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=a")
        .await
        .unwrap();
    let got = until_closed(&mut slow).await;
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(got.contains("Lähetys kesti liian kauan"), "{got}");
    // A kept-alive connection left idle after its answer.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /static/web.css HTTP/1.1\r\nHost: kooste\r\n\r\n")
        .await
        .unwrap();
    let got = until_closed(&mut idle).await;
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
}

#[tokio::test]
async fn connections_over_the_cap_get_a_plain_503() {
    use tokio::io::AsyncWriteExt;
    let (_site, addr) = served(Config {
        max_connections: 2,
        ..Config::default()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        // A request answered proves the connection is being served (and counted).
        s.write_all(b"GET /static/web.css HTTP/1.1\r\nHost: kooste\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 12];
        tokio::io::AsyncReadExt::read_exact(&mut s, &mut buf)
            .await
            .unwrap();
        assert_eq!(&buf, b"HTTP/1.1 200");
        held.push(s);
    }
    let mut third = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _ = third
        .write_all(b"GET / HTTP/1.1\r\nHost: kooste\r\n\r\n")
        .await;
    let got = until_closed(&mut third).await;
    assert!(got.starts_with("HTTP/1.1 503"), "{got}");
    assert!(got.contains("Yritä hetken päästä uudelleen"), "{got}");
    assert!(got.contains("Försök igen om en stund"), "{got}");
    // One closed, one place free again.
    drop(held.pop());
    let mut again = None;
    for _ in 0..50 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /static/web.css HTTP/1.1\r\nHost: kooste\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let got = until_closed(&mut s).await;
        if got.starts_with("HTTP/1.1 200") {
            again = Some(got);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(again.is_some(), "a freed place is served again");
}

#[tokio::test]
async fn no_number_of_login_pages_pushes_out_a_pending_sign_in() {
    let site = site();
    let mut c = Client::new(&site);
    let page = c.get("/login").await;
    assert!(
        !page
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("kooste_session=")),
        "an anonymous visitor gets no session"
    );
    let csrf = page.csrf();
    // More login pages than the session store could ever hold.
    for _ in 0..10_050 {
        let req = Request::get("/login").body(Body::empty()).unwrap();
        let res = site.router.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let p = c
        .post(
            "/login",
            &[
                ("username", "tutkija"),
                ("password", "tutkija-salasana"),
                ("csrf_token", &csrf),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    // The token is bound to its cookie: another browser's token does not do.
    let mut other = Client::new(&site);
    other.get("/login").await;
    let p = other
        .post(
            "/login",
            &[
                ("username", "tutkija"),
                ("password", "tutkija-salasana"),
                ("csrf_token", &csrf),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_post_from_another_site_is_refused_and_carries_nothing_across_a_sign_in() {
    let site = site();
    let mut worker = Client::signed_in(&site, Role::Worker).await;
    let session = worker.cookies["kooste_session"].clone();
    let evil = [
        ("action", "preview"),
        ("workshop", "r-2"),
        ("date", "2018-03-14"),
        ("r1_q1", "Toisen sivuston teksti"),
    ];
    // The browser sends no session cookie with a cross-site post (SameSite=Lax).
    for headers in [
        vec![
            ("sec-fetch-site", "cross-site".to_string()),
            ("origin", "https://evil.example".to_string()),
        ],
        vec![("origin", "https://evil.example".to_string())],
        vec![("sec-fetch-site", "same-site".to_string())],
        vec![("origin", "null".to_string())],
    ] {
        let mut attacker = Client::new(&site);
        attacker.headers = headers;
        let p = attacker.post("/forms/asp-paiva", &evil).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{:?}", attacker.headers);
        assert!(
            p.body.contains("Pyyntö tuli toiselta sivustolta"),
            "{}",
            p.body
        );
        assert!(!p.body.contains("Toisen sivuston teksti"));
        assert!(
            p.headers.get(header::SET_COOKIE).is_none(),
            "no cookie is replaced"
        );
    }
    // A program's post without a browser's word on where it comes from is not carried.
    let mut program = Client::new(&site);
    program.headers.clear();
    let p = program.post("/forms/asp-paiva", &evil).await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert!(!p.body.contains("Toisen sivuston teksti"));
    assert!(!p.body.contains("name=\"carry\""));
    // The worker's session is untouched, and the app's own origin is welcome.
    assert_eq!(worker.cookies["kooste_session"], session);
    let csrf = worker.get("/forms/asp-paiva").await.csrf();
    worker.headers = vec![("origin", "http://kooste.example".to_string())];
    let req = Request::post("/forms/asp-paiva")
        .header(header::HOST, "kooste.example")
        .header(header::COOKIE, worker.cookie_header())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form_body(&[
            ("csrf_token", &csrf),
            ("action", "add_row"),
            ("r1_q1", "Oma teksti"),
        ])))
        .unwrap();
    let p = worker.send(req).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("Oma teksti"));
}

#[tokio::test]
async fn a_carriage_return_in_an_answer_stays_in_its_answer() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Worker).await;
    let csrf = c.get("/forms/asp-paiva").await.csrf();
    let p = c
        .post(
            "/forms/asp-paiva",
            &[
                ("csrf_token", &csrf),
                ("action", "save"),
                ("workshop", "r-2"),
                ("date", "2018-03-14"),
                ("r1_q1", "eka\r## Mitä sosiaalityöntekijä teki tässä?\r\rX"),
                ("r1_q2", "toka\r\n---\r\n<!--\r\nY"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let files = saved_files(&site);
    assert_eq!(files.len(), 1);
    let stored = std::fs::read_to_string(&files[0]).unwrap();
    assert!(!stored.contains('\r'), "{stored:?}");
    let project = Project::load(site.dir.path()).unwrap();
    let rel = files[0].strip_prefix(site.dir.path()).unwrap();
    let docs = kooste_ingest::read_input(
        &project,
        &kooste_ingest::Redactor::new(&[]),
        rel,
        stored.as_bytes(),
        &kooste_ingest::IngestOptions::default(),
    )
    .unwrap();
    let passages: Vec<(Option<&str>, &str)> = docs[0]
        .document
        .passages
        .iter()
        .map(|p| (p.question.as_deref(), p.text.as_str()))
        .collect();
    assert!(
        passages.iter().all(|(q, _)| matches!(q, Some("q1" | "q2"))),
        "nothing became an answer to q3: {passages:?}"
    );
    let q1: String = passages
        .iter()
        .filter(|(q, _)| *q == Some("q1"))
        .map(|(_, t)| *t)
        .collect();
    assert!(
        q1.contains("## Mitä sosiaalityöntekijä teki tässä?") && q1.contains('X'),
        "{passages:?}"
    );
    let q2: String = passages
        .iter()
        .filter(|(q, _)| *q == Some("q2"))
        .map(|(_, t)| *t)
        .collect();
    assert!(q2.contains("<!--") && q2.contains('Y'), "{passages:?}");
}

#[tokio::test]
async fn a_link_in_an_answer_is_no_link_in_the_markdown_digest() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let csrf = c.get("/forms/asp-paiva").await.csrf();
    let p = c
        .post(
            "/forms/asp-paiva",
            &[
                ("csrf_token", &csrf),
                ("action", "save"),
                ("workshop", "r-2"),
                ("theme", "ihanne"),
                ("date", "2018-03-14"),
                (
                    "r1_q1",
                    "Sain apua velkaneuvonnasta, katso [tästä](javascript:alert(1)) ja ![kuva](http://evil.example/x.png)",
                ),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let md = c.get("/digest/r-3?format=md").await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(
        md.body.contains("javascript:alert(1)"),
        "the text is kept: {}",
        md.body
    );
    for e in pulldown_cmark::Parser::new_ext(&md.body, pulldown_cmark::Options::all()) {
        if let pulldown_cmark::Event::Start(
            t @ (pulldown_cmark::Tag::Link { .. } | pulldown_cmark::Tag::Image { .. }),
        ) = &e
        {
            panic!("{t:?} in the digest");
        }
        if let pulldown_cmark::Event::Html(h) | pulldown_cmark::Event::InlineHtml(h) = &e {
            panic!("HTML {h:?} in the digest");
        }
    }
}

#[tokio::test]
async fn refusals_are_pages_in_finnish_and_swedish() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Worker).await;
    let csrf = c.get("/forms/asp-paiva").await.csrf();
    let big = "a".repeat(300 * 1024);
    for (lang, large, long) in [
        (
            "fi",
            "Liian paljon tekstiä kerralla",
            "Osoite on liian pitkä",
        ),
        ("sv", "För mycket text på en gång", "Adressen är för lång"),
    ] {
        c.cookies.insert("kooste_lang".into(), lang.into());
        let p = c
            .post(
                "/forms/asp-paiva",
                &[
                    ("csrf_token", &csrf),
                    ("action", "preview"),
                    ("r1_q1", &big),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(p.body.contains(large), "{}", p.body);
        assert!(p.body.contains(&format!("<html lang=\"{lang}\"")));
        let p = c.get(&format!("/search?q={}", "a".repeat(5000))).await;
        assert_eq!(p.status, StatusCode::URI_TOO_LONG);
        assert!(p.body.contains(long), "{}", p.body);
    }
}

#[tokio::test]
async fn logout_expires_the_cookie_and_https_brings_hsts() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Participant).await;
    let home = c.get("/").await;
    assert!(
        home.headers
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_none()
    );
    let p = c.post("/logout", &[("csrf_token", &home.csrf())]).await;
    let expired = p
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("kooste_session="))
        .expect("the session cookie is set again");
    assert!(
        expired.starts_with("kooste_session=;") && expired.contains("Max-Age=0"),
        "{expired}"
    );
    let site = site_with(Config {
        https: true,
        ..Config::default()
    });
    let p = Client::new(&site).get("/login").await;
    assert_eq!(
        p.headers[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000"
    );
}

/// Issue 18: researchers curate a digest's findings in the app; the curation is the
/// project's file and every render applies it.
#[tokio::test]
async fn researchers_rename_merge_split_and_pin_findings_and_the_digest_follows() {
    let site = site();
    let file = site.dir.path().join("findings/r-3.toml");
    let mut worker = Client::signed_in(&site, Role::Worker).await;
    assert_eq!(
        worker.get("/digest/r-3/findings").await.status,
        StatusCode::FORBIDDEN
    );
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let p = c.get("/digest/r-3/findings").await;
    assert_eq!(p.status, StatusCode::OK);
    for needle in [
        "<h3 id=\"f-ihanne--kotikaynnit-h\">Kotikäynnit</h3>",
        "<h3 id=\"f-ihanne--raha-h\">Raha, velat ja etuudet</h3>",
        "name=\"passage\" value=\"kotikaynti-1#2\"",
        "<label for=\"f-ihanne--kotikaynnit-hfi\">Otsikko suomeksi</label>",
    ] {
        assert!(p.body.contains(needle), "no {needle} in {}", p.body);
    }
    assert!(
        c.get("/digest/r-3")
            .await
            .body
            .contains("/digest/r-3/findings")
    );
    let csrf = p.csrf();
    let curate = |fields: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = vec![("theme", "ihanne")];
        f.extend_from_slice(fields);
        f
    };
    // Without the token nothing is written.
    let mut f = curate(&[("op", "text"), ("finding", "kotikaynnit"), ("heading", "X")]);
    f.push(("csrf_token", "väärä"));
    assert_eq!(
        c.post("/digest/r-3/findings", &f).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!file.exists());
    // Rename, in both languages, with a summary.
    let mut f = curate(&[
        ("op", "text"),
        ("finding", "kotikaynnit"),
        ("heading", "Kotona tapaaminen"),
        ("heading_sv", "Att träffas hemma"),
        ("summary", "Kotona asiakas kertoo tilanteestaan rauhassa."),
    ]);
    f.push(("csrf_token", &csrf));
    let r = c.post("/digest/r-3/findings", &f).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/digest/r-3/findings#f-ihanne--kotikaynnit");
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("heading = \"Kotona tapaaminen\""), "{saved}");
    let md = c.get("/digest/r-3?format=md").await.body;
    assert!(md.contains("#### Kotona tapaaminen\n"), "{md}");
    assert!(
        md.contains("Kotona asiakas kertoo tilanteestaan rauhassa."),
        "{md}"
    );
    let sv = c.get("/digest/r-3?format=md&lang=sv").await.body;
    assert!(sv.contains("#### Att träffas hemma\n"), "{sv}");
    // Merge the money finding into it: one finding of two passages.
    let mut f = curate(&[
        ("op", "merge"),
        ("finding", "raha"),
        ("into", "kotikaynnit"),
    ]);
    f.push(("csrf_token", &csrf));
    assert_eq!(
        c.post("/digest/r-3/findings", &f).await.status,
        StatusCode::SEE_OTHER
    );
    let md = c.get("/digest/r-3?format=md").await.body;
    assert!(md.contains("#### Kotona tapaaminen\n"), "{md}");
    assert!(!md.contains("#### Raha, velat ja etuudet"), "{md}");
    assert!(md.contains("Työntekijät · 2 katkelmaa"), "{md}");
    // Pinning a passage that is not the finding's is refused, and nothing is written.
    let before = std::fs::read_to_string(&file).unwrap();
    let mut f = curate(&[
        ("op", "pin"),
        ("finding", "kotikaynnit"),
        ("passage", "muu-1#1"),
    ]);
    f.push(("csrf_token", &csrf));
    let r = c.post("/digest/r-3/findings", &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Muutosta ei tallennettu"), "{}", r.body);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    // Split the money passage off again into a finding of its own.
    let mut f = curate(&[
        ("op", "move"),
        ("finding", "kotikaynnit"),
        ("passage", "kotikaynti-1#2"),
        ("to", "new"),
        ("new_heading", "Velkaneuvonta"),
    ]);
    f.push(("csrf_token", &csrf));
    assert_eq!(
        c.post("/digest/r-3/findings", &f).await.status,
        StatusCode::SEE_OTHER
    );
    let md = c.get("/digest/r-3?format=md").await.body;
    assert!(md.contains("#### Velkaneuvonta\n"), "{md}");
    assert!(md.contains("#### Kotona tapaaminen\n"), "{md}");
    assert!(std::fs::read_to_string(&file).unwrap().contains("oma-1"));
    // A curation file broken by hand is not overwritten: what is in it would be lost.
    let broken = "[[finding]\ntheme = \"ihanne\"\n";
    std::fs::write(&file, broken).unwrap();
    let mut f = curate(&[("op", "text"), ("finding", "kotikaynnit"), ("heading", "Y")]);
    f.push(("csrf_token", &csrf));
    let r = c.post("/digest/r-3/findings", &f).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
}

// ---- The workshop loop (issue 21): accounts' voices, clients' own answers, published
// digests, comments, presenting, the next task ----

/// The region with a fourth workshop (whose digest covers the third's round, where the
/// comments made on the third's digest go).
const LOOP_REGION: &str = concat!(
    "# The coast's cycle, for the tests of the workshop loop.\n",
    region!(),
    r#"
[[workshop]]
number = 4
date = 2018-09-20
themes = ["osallisuus"]
"#
);

/// A site with four workshops and, besides the accounts of every site (whose participant
/// has no voice: an account from before voices), a client and a worker taking part.
fn loop_site() -> Site {
    let dir = project_dir();
    std::fs::write(dir.path().join("workshops/r.toml"), LOOP_REGION).unwrap();
    let project = Project::load(dir.path()).unwrap();
    kooste_web::add_account(
        &project,
        "asiakas",
        Role::Participant,
        Some(kooste_core::Voice::Client),
        "asiakas-salasana",
    )
    .unwrap();
    kooste_web::add_account(
        &project,
        "kehittaja",
        Role::Participant,
        Some(kooste_core::Voice::Worker),
        "kehittaja-salasana",
    )
    .unwrap();
    site_in(dir, Config::default())
}

async fn as_user(site: &Site, name: &str, password: &str) -> Client {
    let mut c = Client::new(site);
    let p = c.login(name, password).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    c
}

/// The value of the first `name="finding"` field of a page.
fn first_finding(body: &str) -> String {
    let at = body
        .find("name=\"finding\" value=\"")
        .expect("a comment form on a finding");
    let rest = &body[at + 22..];
    unescape(&rest[..rest.find('"').unwrap()])
}

#[tokio::test]
async fn a_digest_is_for_researchers_until_published_then_for_every_role() {
    let site = loop_site();
    let mut stranger = Client::new(&site);
    let mut researcher = Client::signed_in(&site, Role::Researcher).await;
    let mut worker = Client::signed_in(&site, Role::Worker).await;
    let mut client = as_user(&site, "asiakas", "asiakas-salasana").await;
    let csrf = |p: &Page| p.csrf();
    // Before publishing: researchers only.
    for path in [
        "/digest/r-3",
        "/digest/r-3?format=html",
        "/digest/r-3/present",
    ] {
        assert_eq!(researcher.get(path).await.status, StatusCode::OK, "{path}");
        assert_eq!(
            worker.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(
            client.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(
            stranger.get(path).await.status,
            StatusCode::SEE_OTHER,
            "{path}"
        );
    }
    let page = researcher.get("/digest/r-3").await;
    assert!(
        page.body.contains("action=\"/digest/r-3/publish\""),
        "a button"
    );
    assert!(page.body.contains("Vain tutkijat näkevät sen"));
    // Nobody comments on an unpublished digest, researchers neither.
    let html = researcher.get("/digest/r-3?format=html").await;
    assert!(
        !html.body.contains("name=\"finding\""),
        "no comment forms yet"
    );
    let c = researcher
        .post(
            "/digest/r-3/comments",
            &[("csrf_token", &csrf(&page)), ("text", "Hyvä.")],
        )
        .await;
    assert_eq!(c.status, StatusCode::FORBIDDEN);
    // Only a researcher publishes, with the session's CSRF token.
    let wp = worker.get("/").await;
    let p = worker
        .post("/digest/r-3/publish", &[("csrf_token", &csrf(&wp))])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let cp = client.get("/").await;
    let p = client
        .post("/digest/r-3/publish", &[("csrf_token", &csrf(&cp))])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = stranger
        .post("/digest/r-3/publish", &[("csrf_token", "x")])
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    let p = researcher
        .post("/digest/r-3/publish", &[("csrf_token", "wrong")])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(!site.dir.path().join("published.toml").exists());
    let p = researcher
        .post("/digest/r-3/publish", &[("csrf_token", &csrf(&page))])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/digest/r-3");
    let text = std::fs::read_to_string(site.dir.path().join("published.toml")).unwrap();
    assert!(text.contains("workshop = \"r-3\""), "{text}");
    let page = researcher.get("/digest/r-3").await;
    assert!(page.body.contains("Kooste julkaistiin"), "the flash");
    assert!(!page.body.contains("action=\"/digest/r-3/publish\""));
    // Published: every role reads it, in Finnish and Swedish, and comments on it.
    for c in [&mut worker, &mut client, &mut researcher] {
        assert_eq!(c.get("/digest/r-3").await.status, StatusCode::OK);
        let fi = c.get("/digest/r-3?format=html").await;
        assert_eq!(fi.status, StatusCode::OK);
        assert!(fi.body.contains("<html lang=\"fi\""));
        assert!(
            fi.body.contains("name=\"finding\""),
            "a form under each finding"
        );
        assert!(
            fi.body.contains("id=\"digest-comment-text\""),
            "and one for all"
        );
        let sv = c.get("/digest/r-3?format=html&lang=sv").await;
        assert!(sv.body.contains("<html lang=\"sv\"") && sv.body.contains("Kommentera"));
        let present = c.get("/digest/r-3/present?lang=sv").await;
        assert_eq!(present.status, StatusCode::OK);
        assert!(present.body.contains("<html lang=\"sv\""));
    }
    // Participants see the published digests on their start page.
    let home = client.get("/").await;
    assert!(
        home.body.contains("href=\"/digest/r-3?format=html\""),
        "{}",
        home.body
    );
    assert!(!home.body.contains("href=\"/digest/r-2"), "unpublished");
    // A download carries no forms.
    let file = researcher.get("/digest/r-3?format=html&download=1").await;
    assert!(!file.body.contains("<form"));
    assert_eq!(
        stranger.get("/digest/r-3").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_comment_is_workshop_material_redacted_searchable_and_in_the_next_digest() {
    let site = loop_site();
    let mut researcher = Client::signed_in(&site, Role::Researcher).await;
    let page = researcher.get("/digest/r-3").await;
    let p = researcher
        .post("/digest/r-3/publish", &[("csrf_token", &page.csrf())])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);

    // A client comments on a finding, naming a participant and a phone number.
    let mut client = as_user(&site, "asiakas", "asiakas-salasana").await;
    let digest = client.get("/digest/r-3?format=html").await;
    let finding = first_finding(&digest.body);
    assert!(finding.starts_with("kotikaynti-1#"), "{finding}");
    let csrf = client.get("/").await.csrf();
    let p = client
        .post(
            "/digest/r-3/comments",
            &[
                ("csrf_token", &csrf),
                ("finding", &finding),
                (
                    "text",
                    "Maija Virtanen sanoi, että kotikäynti rauhoitti kaikkia. Soita 040 123 4567.",
                ),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), "/digest/r-3?format=html#finding-1");
    // A worker taking part comments on the digest as a whole.
    let mut developer = as_user(&site, "kehittaja", "kehittaja-salasana").await;
    let csrf2 = developer.get("/").await.csrf();
    let p = developer
        .post(
            "/digest/r-3/comments",
            &[
                ("csrf_token", &csrf2),
                ("text", "Koosteesta puuttuu velkaneuvonnan jonotus."),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location(), "/digest/r-3?format=html#digest-comments");
    // Refused: no text, a finding that is none of the digest's, another site's token.
    for (fields, status) in [
        (
            vec![("csrf_token", csrf.as_str()), ("text", "  ")],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            vec![
                ("csrf_token", csrf.as_str()),
                ("finding", "x#1"),
                ("text", "Hyvä."),
            ],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            vec![("csrf_token", "x"), ("text", "Hyvä.")],
            StatusCode::FORBIDDEN,
        ),
    ] {
        let p = client.post("/digest/r-3/comments", &fields).await;
        assert_eq!(p.status, status, "{fields:?}");
    }
    let long = "a".repeat(2001);
    let p = client
        .post(
            "/digest/r-3/comments",
            &[("csrf_token", &csrf), ("text", &long)],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Stored as workshop r-3's material, redacted, in the commenter's voice, no `via`.
    let dir = site.dir.path().join("corpus/r-3");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    files.sort_by_key(|t| t.contains("velkaneuvonnan"));
    assert_eq!(files.len(), 2, "{files:?}");
    let on_finding = &files[0];
    for needle in [
        "voice: client\n",
        "workshop: r-3\n",
        "comment_on: r-3\n",
        "comment_passages:\n- kotikaynti-1#",
        "Asiakas A sanoi, että kotikäynti rauhoitti kaikkia. Soita [puhelin].",
    ] {
        assert!(on_finding.contains(needle), "{needle}: {on_finding}");
    }
    assert!(!on_finding.contains("Virtanen") && !on_finding.contains("040"));
    assert!(!on_finding.contains("via:"), "{on_finding}");
    assert!(files[1].contains("voice: worker\n") && !files[1].contains("comment_passages"));

    // Searchable at once, by every role.
    let hits = client.get("/search?q=rauhoitti").await;
    assert!(
        unescape(&hits.body).contains("/passages/r-3-kommentti-"),
        "{}",
        hits.body
    );
    // Shown under its finding in the digest it commented on.
    let digest = client.get("/digest/r-3?format=html").await;
    assert!(
        digest
            .body
            .contains("Asiakas A sanoi, että kotikäynti rauhoitti kaikkia.")
    );
    assert!(
        digest
            .body
            .contains("Koosteesta puuttuu velkaneuvonnan jonotus.")
    );

    // More material in round r-2 regroups its findings: the comment still finds its
    // passages, by their ids.
    std::fs::write(
        site.dir.path().join("corpus/r-2/kotikaynti-2.md"),
        "---\nid: kotikaynti-2\nvoice: client\nworkshop: r-2\ntheme: ihanne\nlang: fi\n---\nKotikäynti teki tilanteesta rauhallisen, ja asiakas kertoi omassa kodissaan enemmän.\n",
    )
    .unwrap();
    let project = Project::load(site.dir.path()).unwrap();
    kooste_index::update(&project, false, "", |_, p| kooste_index::hint_labels(p)).unwrap();
    let digest = client.get("/digest/r-3?format=html").await;
    assert!(
        digest
            .body
            .contains("Asiakas A sanoi, että kotikäynti rauhoitti kaikkia."),
        "under the finding that now holds its passages"
    );

    // The next digest (r-4, of round r-3) shows them in a section of their own, beside the
    // passages commented on, and not among its findings.
    let md = researcher.get("/digest/r-4?format=md").await;
    assert_eq!(md.status, StatusCode::OK);
    let at = md
        .body
        .find("### Kommentit edellisessä työpajassa")
        .expect(&md.body);
    let end = md.body[at..].find("## 5.").unwrap() + at;
    let today = kooste_core::clock::today();
    let today = format!("{}.{}.{}", today.day, today.month, today.year);
    let section = md.body[at..end].replace(&today, "DATE");
    insta::assert_snapshot!("comments_in_the_next_digest", section);
    let findings = &md.body[md.body.find("## 4.").unwrap()..at];
    assert!(!findings.contains("rauhoitti kaikkia"), "{findings}");
    let sv = researcher.get("/digest/r-4?format=html&lang=sv").await;
    assert!(sv.body.contains("Kommentarer vid föregående verkstad"));
}

#[tokio::test]
async fn a_client_answers_only_the_client_questions_in_their_own_voice() {
    let site = loop_site();
    let mut client = as_user(&site, "asiakas", "asiakas-salasana").await;
    let home = client.get("/").await;
    assert!(
        home.body.contains("href=\"/forms/asp-paiva\""),
        "{}",
        home.body
    );
    let form = client.get("/forms/asp-paiva").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"r1_q1\"") && form.body.contains("name=\"r1_q2\""));
    assert!(
        !form.body.contains("name=\"r1_q3\""),
        "the worker's question is not asked"
    );
    assert_eq!(
        form.body.matches("<fieldset class=\"situation\"").count(),
        1
    );
    assert!(
        form.body
            .contains("Tässä ovat vain asiakkaille tarkoitetut kysymykset")
    );
    let csrf = form.csrf();
    let submission = field_value(&form.body, "submission");
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("submission", submission.as_str()),
        ("workshop", "r-2"),
        ("date", "2018-03-14"),
        ("theme", "ihanne"),
        ("text_lang", "fi"),
        ("rows", "1"),
        ("r1_q1", "Hain apua, kun Maija Virtanen jäi ilman asuntoa."),
        ("r1_q2", "Sain ajan sosiaalityöntekijälle."),
        // A worker's answer posted anyway is not read.
        ("r1_q3", "Työntekijän vastaus."),
    ];
    let mut preview = fields.to_vec();
    preview.push(("action", "preview"));
    let p = client.post("/forms/asp-paiva", &preview).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.body
            .contains("Hain apua, kun Asiakas A jäi ilman asuntoa.")
    );
    assert!(!p.body.contains("Työntekijän vastaus"));
    let mut save = fields.to_vec();
    save.push(("action", "save"));
    let p = client.post("/forms/asp-paiva", &save).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let stored = saved_files(&site);
    assert_eq!(stored.len(), 1, "{stored:?}");
    let text = std::fs::read_to_string(&stored[0]).unwrap();
    assert!(text.contains("voice: client\n"), "{text}");
    assert!(!text.contains("via:"), "the client's own voice: {text}");
    assert!(
        !text.contains("Työntekijän vastaus") && !text.contains("Virtanen"),
        "{text}"
    );
    // The client reads their own submission whole, also after the server restarts (who
    // saved what is kept in the project, not only in the session), and nobody else does.
    let id = saved_ids(&p.body);
    assert_eq!(
        client.get(&format!("/documents/{}", id[0])).await.status,
        StatusCode::OK
    );
    site.web.forget_sessions();
    let mut again = as_user(&site, "asiakas", "asiakas-salasana").await;
    assert_eq!(
        again.get(&format!("/documents/{}", id[0])).await.status,
        StatusCode::OK
    );
    let mut other = Client::signed_in(&site, Role::Participant).await;
    assert_eq!(
        other.get(&format!("/documents/{}", id[0])).await.status,
        StatusCode::FORBIDDEN
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let owners = site.dir.path().join(kooste_web::accounts::OWNERS_FILE);
        let mode = std::fs::metadata(&owners).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "private, like users.toml");
    }
    // A worker taking part fills in forms with a worker's account, not as a participant.
    let mut developer = as_user(&site, "kehittaja", "kehittaja-salasana").await;
    assert_eq!(
        developer.get("/forms/asp-paiva").await.status,
        StatusCode::FORBIDDEN
    );
    // Workers still fill in the whole battery with a client.
    let mut worker = Client::signed_in(&site, Role::Worker).await;
    let form = worker.get("/forms/asp-paiva").await;
    assert!(form.body.contains("name=\"r1_q3\""));
    assert!(!form.body.contains("Tässä ovat vain asiakkaille"));
}

#[tokio::test]
async fn a_participant_of_an_old_users_toml_counts_as_a_client_with_a_notice() {
    // `osallistuja` is added without a voice, as every account was before voices.
    let site = loop_site();
    let users = std::fs::read_to_string(site.dir.path().join("users.toml")).unwrap();
    let old = &users[users.find("name = \"osallistuja\"").unwrap()..];
    let old = &old[..old.find("[[user]]").unwrap_or(old.len())];
    assert!(!old.contains("voice"), "{old}");
    let mut c = Client::signed_in(&site, Role::Participant).await;
    let home = c.get("/").await;
    assert!(
        home.body.contains("lasketaan asiakkaan ääneksi"),
        "{}",
        home.body
    );
    assert_eq!(c.get("/forms/asp-paiva").await.status, StatusCode::OK);
    // Accounts with a voice see no notice.
    let mut client = as_user(&site, "asiakas", "asiakas-salasana").await;
    assert!(
        !client
            .get("/")
            .await
            .body
            .contains("lasketaan asiakkaan ääneksi")
    );
}

#[tokio::test]
async fn the_next_task_is_recorded_in_the_workshop_file_keeping_its_comments() {
    let site = loop_site();
    let file = site.dir.path().join("workshops/r.toml");
    let mut worker = Client::signed_in(&site, Role::Worker).await;
    assert_eq!(
        worker.get("/workshops/r-3/task").await.status,
        StatusCode::FORBIDDEN
    );
    let mut client = as_user(&site, "asiakas", "asiakas-salasana").await;
    assert_eq!(
        client.get("/workshops/r-3/task").await.status,
        StatusCode::FORBIDDEN
    );
    let mut stranger = Client::new(&site);
    assert_eq!(
        stranger.get("/workshops/r-3/task").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        stranger
            .post("/workshops/r-3/task", &[("theme", "ihanne")])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let wcsrf = worker.get("/").await.csrf();
    assert_eq!(
        worker
            .post(
                "/workshops/r-3/task",
                &[("csrf_token", &wcsrf), ("theme", "ihanne")]
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut r = Client::signed_in(&site, Role::Researcher).await;
    assert_eq!(
        r.get("/workshops/r-9/task").await.status,
        StatusCode::NOT_FOUND
    );
    let page = r.get("/workshops/r-3/task").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<label for=\"f-due\">"));
    let csrf = page.csrf();
    // Bad input: each field says what is wrong, and nothing is written.
    for (field, value, id) in [
        ("theme", "ei-teema", "f-theme-error"),
        ("battery", "ei-ole", "f-battery-error"),
        ("due", "2018-05-23", "f-due-error"),
        ("due", "23.5.2018", "f-due-error"),
    ] {
        let mut fields = vec![
            ("csrf_token", csrf.as_str()),
            ("theme", "osallisuus"),
            ("from", "client"),
            ("battery", "asp-paiva"),
            ("due", "2018-08-31"),
        ];
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value));
        let p = r.post("/workshops/r-3/task", &fields).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(
            p.body.contains(&format!("id=\"{id}\"")),
            "{field}: {}",
            p.body
        );
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            LOOP_REGION,
            "{field}"
        );
    }
    let p = r
        .post(
            "/workshops/r-3/task",
            &[
                ("csrf_token", &csrf),
                ("theme", "osallisuus"),
                ("from", "client"),
                ("from", "worker"),
                ("how", "Asiakkaat kertovat, milloin tulivat kuulluiksi."),
                ("how_sv", "Klienterna berättar när de blev hörda."),
                ("battery", "asp-paiva"),
                ("due", "2018-08-31"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), "/workshops/r-3/task");
    let text = std::fs::read_to_string(&file).unwrap();
    insta::assert_snapshot!("task_written_by_the_web_app", text);
    let page = r.get("/workshops/r-3/task").await;
    assert!(page.body.contains("Välitehtävä tallennettiin"));
    assert!(page.body.contains("value=\"2018-08-31\""));
    // The next digest shows what was asked.
    let md = r.get("/digest/r-4?format=md").await;
    assert!(
        md.body
            .contains("Asiakkaat kertovat, milloin tulivat kuulluiksi."),
        "{}",
        md.body
    );
}

#[tokio::test]
async fn the_projector_shows_one_screen_at_a_time_with_links() {
    let site = loop_site();
    let mut r = Client::signed_in(&site, Role::Researcher).await;
    let mut first = r.get("/digest/r-3/present").await;
    first.body = unescape(&first.body);
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first.body.contains("<h1>Kooste työpajaan 3</h1>"),
        "{}",
        first.body
    );
    assert!(
        first
            .body
            .contains("rel=\"next\" href=\"/digest/r-3/present?screen=1&lang=fi\"")
    );
    assert!(!first.body.contains("rel=\"prev\""));
    // Only the app's own script, which adds the arrow keys; the links work without it.
    assert_eq!(first.body.matches("<script").count(), 1);
    assert!(
        first
            .body
            .contains("<script src=\"/static/web.js\" defer></script>")
    );
    let total: usize = {
        let at = first.body.find("1 / ").unwrap();
        let rest = &first.body[at + 4..];
        rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap()]
            .parse()
            .unwrap()
    };
    assert!(
        total >= 4,
        "cover, asked, received, findings, next: {total}"
    );
    let mut findings = 0;
    for i in 1..total {
        let p = r.get(&format!("/digest/r-3/present?screen={i}")).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("rel=\"prev\""), "{i}");
        assert_eq!(p.body.contains("rel=\"next\""), i + 1 < total, "{i}");
        if p.body.contains("present-quotes") {
            findings += 1;
        }
    }
    assert!(findings >= 1);
    let last = r.get("/digest/r-3/present?screen=999").await;
    assert!(
        last.body.contains("Seuraava välitehtävä"),
        "past the end: the last screen"
    );
    let sv = r.get("/digest/r-3/present?lang=sv").await;
    assert!(
        sv.body.contains("<h1>Sammanställning till verkstad 3</h1>"),
        "{}",
        sv.body
    );
}

// ---- Plain and obvious for each role (issue 27) ----

/// A client's and a Swedish client's passages beside the worker's memo, for voice questions.
fn voices_project() -> tempfile::TempDir {
    let dir = project_dir();
    std::fs::write(
        dir.path().join("corpus/r-2/asiakas-1.md"),
        "---\nid: asiakas-1\nvoice: client\nworkshop: r-2\ntheme: ihanne\ndate: 2018-03-06\nlang: fi\n---\nKotikäynnit tuntuivat turvallisilta, kun työntekijä tuli kotiin.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("corpus/r-2/klient-1.md"),
        "---\nid: klient-1\nvoice: client\nworkshop: r-2\nlang: sv\n---\nHembesöken kändes trygga när arbetstagaren kom hem till mig.\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("corpus/r-2/arbetstagare-1.md"),
        "---\nid: arbetstagare-1\nvoice: worker\nworkshop: r-2\nlang: sv\n---\nHembesök ger mycket information om klientens vardag.\n",
    )
    .unwrap();
    dir
}

/// The page's `<main>`, for snapshots: the frame around it holds the session's token.
fn main_of(body: &str) -> String {
    let start = body.find("<main").expect("a main element");
    let end = body.find("</main>").expect("a main element") + 7;
    body[start..end].to_string()
}

#[tokio::test]
async fn the_search_page_per_role_in_finnish_and_swedish() {
    let site = site_in(voices_project(), Config::default());
    let mut shown = String::new();
    for role in [Role::Participant, Role::Worker, Role::Researcher] {
        let mut c = Client::signed_in(&site, role).await;
        for lang in ["fi", "sv"] {
            c.get(&format!("/lang/{lang}?next=/")).await;
            let q = if lang == "fi" {
                "kotik%C3%A4ynti"
            } else {
                "hembes%C3%B6k"
            };
            let p = c.get(&format!("/search?q={q}")).await;
            assert_eq!(p.status, StatusCode::OK);
            let main = main_of(&p.body);
            // Every filter has its visible "all" option.
            let any = if lang == "fi" { "Kaikki" } else { "Alla" };
            assert_eq!(
                main.matches(&format!("<option value=\"\">{any}</option>"))
                    .count(),
                4,
                "{role:?} {lang}: {main}"
            );
            assert!(!main.contains("<option value=\"\"></option>"));
            // What a person reads: the text between the tags.
            let words: String = unescape(&main)
                .split('<')
                .map(|part| part.split_once('>').map_or(part, |(_, text)| text))
                .collect::<Vec<_>>()
                .join(" ");
            if role == Role::Researcher {
                assert!(words.contains("CAIMeR"), "{words}");
            } else {
                // No CAIMeR jargon, and participants see no passage ids.
                assert!(!words.contains("CAIMeR"), "{role:?} {lang}: {words}");
                assert!(!words.contains("ulottuvuus") && !words.contains("dimension"));
            }
            if role == Role::Participant {
                assert!(!words.contains("#1") && !words.contains("#2"), "{words}");
            }
            shown.push_str(&format!("==== {role:?} {lang}\n{main}\n"));
        }
    }
    insta::assert_snapshot!(shown);
}

#[tokio::test]
async fn a_question_that_names_a_voice_filters_by_it() {
    let site = site_in(voices_project(), Config::default());
    let mut c = Client::signed_in(&site, Role::Participant).await;
    // The words as typed find the worker's memo too.
    let all = unescape(&c.get("/search?q=kotik%C3%A4ynneist%C3%A4").await.body);
    assert!(all.contains("/passages/kotikaynti-1/1"), "{all}");
    assert!(all.contains("/passages/asiakas-1/1"), "{all}");
    assert!(!all.contains("class=\"chip\""));
    // A question that names the clients: only theirs, with a removable voice filter.
    let q = "/search?q=mit%C3%A4%20asiakkaat%20sanoivat%20kotik%C3%A4ynneist%C3%A4";
    let p = c.get(q).await;
    assert_eq!(p.status, StatusCode::OK);
    let words = unescape(&p.body);
    assert!(words.contains("/passages/asiakas-1/1"), "{words}");
    assert!(!words.contains("/passages/kotikaynti-1/"), "{words}");
    assert!(words.contains("1 osuma<"), "{words}");
    assert!(
        words.contains("Kysymyksesi nimeää äänen, joten näytetään vain asiakkaiden tekstit. Haettiin sanoilla: kotikäynneistä."),
        "{words}"
    );
    assert!(
        words.contains("class=\"chip\">Kenen ääni: Asiakas"),
        "{words}"
    );
    assert!(words.contains("<option value=\"client\" selected>Asiakas</option>"));
    // Removing the filter searches the words as typed, in every text.
    let at = words.find("class=\"chip\"").unwrap();
    let href = &words[..at];
    let href = &href[href.rfind("href=\"").unwrap() + 6..];
    let href = &href[..href.find('"').unwrap()];
    assert!(href.contains("literal="), "{href}");
    let back = c.get(href).await;
    let back_words = unescape(&back.body);
    assert!(!back_words.contains("class=\"chip\""), "{back_words}");
    assert!(
        back_words.contains("/passages/kotikaynti-1/1"),
        "{back_words}"
    );
    // Swedish, on a Swedish page.
    c.get("/lang/sv?next=/").await;
    let sv = c
        .get("/search?q=vad%20sa%20klienterna%20om%20hembes%C3%B6k")
        .await;
    let sv = unescape(&sv.body);
    assert!(sv.contains("/passages/klient-1/1"), "{sv}");
    assert!(!sv.contains("/passages/arbetstagare-1/"), "{sv}");
    assert!(sv.contains("class=\"chip\">Vems röst: Klient"), "{sv}");
    assert!(sv.contains("bara klienternas texter visas"), "{sv}");
    // Workers, named in an inflected form.
    let w = c.get("/search?q=arbetstagarnas%20hembes%C3%B6k").await;
    let w = unescape(&w.body);
    assert!(w.contains("/passages/arbetstagare-1/1"), "{w}");
    assert!(!w.contains("/passages/klient-1/"), "{w}");
}

#[tokio::test]
async fn the_start_page_says_what_can_be_found_with_example_searches() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Participant).await;
    for (lang, intro, example) in [
        (
            "fi",
            "Täältä löydät, mitä asiakkaat, työntekijät ja tutkijat ovat kertoneet",
            "<a href=\"/search?q=mit%C3%A4%20asiakkaat%20sanoivat%20kotik%C3%A4ynneist%C3%A4\">mitä asiakkaat sanoivat kotikäynneistä</a>",
        ),
        (
            "sv",
            "Här hittar du vad klienter, arbetstagare och forskare har berättat",
            "<a href=\"/search?q=vad%20sa%20klienterna%20om%20hembes%C3%B6k\">vad sa klienterna om hembesök</a>",
        ),
    ] {
        c.get(&format!("/lang/{lang}?next=/")).await;
        let home = unescape(&c.get("/").await.body);
        assert!(home.contains(intro), "{home}");
        assert!(home.contains(example), "{home}");
        assert_eq!(home.matches("<a href=\"/search?q=").count(), 3, "{home}");
    }
}

#[tokio::test]
async fn the_form_defaults_to_the_round_open_on_the_day() {
    for (today, selected, round) in [
        // Before the cycle: the first workshop.
        (
            "2017-12-01",
            "r-1",
            "esitellään seuraavan työpajan (Rannikko 2 (1.3.2018)) koosteessa",
        ),
        // Its task is open until the next workshop.
        (
            "2018-04-30",
            "r-2",
            "esitellään seuraavan työpajan (Rannikko 3 (24.5.2018)) koosteessa",
        ),
        // After the cycle: its last workshop, which no digest follows.
        ("2026-12-06", "r-3", "Sen jälkeen ei ole enää työpajaa"),
    ] {
        let site = site_with(Config {
            today: Some(today.parse().unwrap()),
            ..Config::default()
        });
        let mut c = Client::signed_in(&site, Role::Worker).await;
        let form = unescape(&c.get("/forms/asp-paiva").await.body);
        let at = form
            .find(&format!("<option value=\"{selected}\" data-round="))
            .unwrap_or_else(|| panic!("{today}: {form}"));
        assert!(
            form[at..form[at..].find('>').unwrap() + at].ends_with(" selected"),
            "{today}: {selected}"
        );
        assert_eq!(
            form.matches("data-round=").count(),
            3,
            "{today}: every workshop's round in words"
        );
        let hint = &form[form.find("id=\"f-workshop-round\"").unwrap()..];
        let hint = &hint[..hint.find("</p>").unwrap()];
        assert!(hint.contains(round), "{today}: {hint}");
        // Today's date, in the browser's date control, with no format hint of its own.
        assert!(form.contains(&format!("type=\"date\" value=\"{today}\"")));
        assert!(!form.contains("VVVV"));
    }
}

#[tokio::test]
async fn a_battery_not_about_situations_asks_for_answers() {
    let dir = project_dir();
    std::fs::create_dir_all(dir.path().join("workshops/batteries")).unwrap();
    std::fs::write(
        dir.path().join("workshops/batteries/palaute.toml"),
        "id = \"palaute\"\ntitle = { fi = \"Palaute\", sv = \"Respons\" }\nintro = { fi = \"Vastaa niin lyhyesti kuin haluat.\", sv = \"Svara så kort du vill.\" }\n\n[[question]]\nid = \"q1\"\nfi = \"Mikä muuttui?\"\nsv = \"Vad förändrades?\"\nvoice = \"client\"\n",
    )
    .unwrap();
    let site = site_in(dir, Config::default());
    let mut c = Client::signed_in(&site, Role::Worker).await;
    let form = unescape(&c.get("/forms/palaute").await.body);
    assert!(form.contains("<legend>Vastaus 1</legend>"), "{form}");
    assert!(form.contains(">Lisää vastaus</button>"), "{form}");
    assert!(!form.contains("ilanne"), "no situations: {form}");
    // The limit in text, for pages without JavaScript; the count where it runs.
    assert!(form.contains("Asiakas vastaa. <span class=\"limit\" data-count=\"{n} / 10\u{a0}000 merkkiä\">Enintään 10\u{a0}000 merkkiä.</span>"), "{form}");
    assert!(form.contains("<script src=\"/static/web.js\" defer></script>"));
    let csrf = c.get("/forms/palaute").await.csrf();
    let p = c
        .post(
            "/forms/palaute",
            &[
                ("csrf_token", &csrf),
                ("workshop", "r-2"),
                ("date", "14.3.2018"),
                ("text_lang", "fi"),
                ("r1_q1", "Sain vihdoin oman asunnon ja rauhan."),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(
        p.status,
        StatusCode::OK,
        "a date as people write it: {}",
        p.body
    );
    let mut save = hidden_fields(&p.body);
    save.push(("action".into(), "save".into()));
    let s = unescape(&c.post_raw("/forms/palaute", owned_body(&save)).await.body);
    assert!(s.contains("Vastaukset on tallennettu (1 vastaus)"), "{s}");
    assert!(
        s.contains(">Vastaus 1: “Sain vihdoin oman asunnon ja rauhan.”</a>"),
        "{s}"
    );
    // The situations of asp-paiva stay situations, in Swedish too.
    c.get("/lang/sv?next=/").await;
    let asp = unescape(&c.get("/forms/asp-paiva").await.body);
    assert!(asp.contains("<legend>Situation 1</legend>"), "{asp}");
    assert!(asp.contains("Högst 10\u{a0}000 tecken."), "{asp}");
    let js = c.get("/static/web.js").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(
        js.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let csp = js.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
}

#[tokio::test]
async fn the_review_page_says_what_its_numbers_mean() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let fi = unescape(&c.get("/review?passage=kotikaynti-1%232").await.body);
    assert!(
        fi.contains("kooste ehdottaa ulottuvuutta, kun sen pisteet ovat vähintään 30\u{a0}%."),
        "{fi}"
    );
    assert!(
        fi.contains("plus nostaa pisteitä, miinus laskee niitä"),
        "{fi}"
    );
    c.get("/lang/sv?next=/review").await;
    let sv = unescape(&c.get("/review?passage=kotikaynti-1%232").await.body);
    assert!(sv.contains("när dess poäng är minst 30\u{a0}%."), "{sv}");
    assert!(sv.contains("plus höjer poängen, minus sänker den"), "{sv}");
}

#[tokio::test]
async fn a_served_digest_links_back_to_its_page() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let plain = c.get("/digest/r-3?format=html").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(
        !plain.body.contains("class=\"app-link\""),
        "no host, no link"
    );
    c.headers.push(("host", "kooste.example:8080".to_string()));
    for path in [
        "/digest/r-3?format=html",
        "/digest/r-3?format=html&download=1",
    ] {
        let d = c.get(path).await;
        assert!(
            unescape(&d.body).contains(
                "<p class=\"app-link\"><a href=\"http://kooste.example:8080/digest/r-3\">Avaa tämän koosteen sivu kooste-sovelluksessa</a></p>"
            ),
            "{path}: {}",
            d.body
        );
    }
    let sv = c.get("/digest/r-3?format=html&lang=sv").await;
    assert!(
        sv.body
            .contains("Öppna sidan för den här sammanställningen i kooste-appen")
    );
}

/// A development-steps list with a comment, a need with a note and a step that answers it.
const STEPS: &str = r#"# The list, kept by hand and in the app.

# --- Needs ---
[[entry]]
id = "yhteydenotto"
kind = "tarve"
title = "Yhteydenotto on liian vaikeaa"
description = "Puhelinjonossa ei pääse läpi."
workshop = "r-2"
voices = ["asiakas", "työntekijä"]

[[entry.note]]
date = 2018-03-01
text = "Tarve nousi esiin pienryhmissä."

# --- Steps ---
[[entry]]
id = "takaisinsoitto"
kind = "askel"
title = "Takaisinsoitto saman päivän aikana"
workshop = "r-3"
voices = ["worker"]
status = "agreed"   # agreed at the third workshop
needs = ["yhteydenotto"]
"#;

/// Posts a note on a development step: `entry`, `status`, `text`.
async fn post_note(c: &mut Client, csrf: &str, entry: &str, status: &str, text: &str) -> Page {
    c.post(
        "/steps",
        &[
            ("csrf_token", csrf),
            ("entry", entry),
            ("status", status),
            ("text", text),
        ],
    )
    .await
}

/// The loop site with the list above, on a fixed day.
fn steps_site() -> Site {
    let dir = project_dir();
    std::fs::write(dir.path().join("workshops/r.toml"), LOOP_REGION).unwrap();
    std::fs::write(dir.path().join("development-steps.toml"), STEPS).unwrap();
    site_in(
        dir,
        Config {
            today: Some("2018-06-04".parse().unwrap()),
            ..Config::default()
        },
    )
}

#[tokio::test]
async fn every_role_reads_the_development_steps_with_status_and_history() {
    let site = steps_site();
    let mut stranger = Client::new(&site);
    let page = stranger.get("/steps").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?next=/steps");
    for role in [Role::Participant, Role::Worker, Role::Researcher] {
        let mut c = Client::signed_in(&site, role).await;
        let page = c.get("/").await;
        assert!(
            unescape(&page.body).contains("<a href=\"/steps\">Kehittämislista</a>"),
            "{role:?}: the navigation links to the list"
        );
        let page = c.get("/steps").await;
        assert_eq!(page.status, StatusCode::OK, "{role:?}");
        let body = unescape(&page.body);
        for text in [
            "<h1>Kehittämistarpeet ja -askeleet</h1>",
            "<h2 id=\"steps-needs\">Kehittämistarpeet</h2>",
            "<h2 id=\"steps-steps\">Kehittämisaskeleet</h2>",
            "Yhteydenotto on liian vaikeaa",
            "Puhelinjonossa ei pääse läpi.",
            "<span class=\"status status-proposed\">ehdotettu</span>",
            "<span class=\"status status-agreed\">sovittu</span>",
            "Asiakas, Työntekijä",
            "1.3.2018",
            "Tarve nousi esiin pienryhmissä.",
            "<a href=\"#entry-yhteydenotto\">Yhteydenotto on liian vaikeaa</a>",
            "Ei merkintöjä vielä.",
        ] {
            assert!(body.contains(text), "{role:?}: {text}\n{body}");
        }
        let forms = body.matches("action=\"/steps\"").count();
        let want = if role == Role::Researcher { 2 } else { 0 };
        assert_eq!(
            forms, want,
            "{role:?}: a form per entry for researchers only"
        );
        assert!(!body.contains("<script"), "{role:?}: no script needed");
        // In Swedish.
        c.get("/lang/sv?next=/steps").await;
        let sv = unescape(&c.get("/steps").await.body);
        for text in [
            "<h1>Utvecklingsbehov och utvecklingssteg</h1>",
            "<span class=\"status status-agreed\">överenskommen</span>",
            "Klient, Arbetstagare",
        ] {
            assert!(sv.contains(text), "{role:?} sv: {text}\n{sv}");
        }
    }
}

#[tokio::test]
async fn a_researcher_changes_a_status_and_adds_notes_kept_in_the_file_with_its_comments() {
    let site = steps_site();
    let file = site.dir.path().join("development-steps.toml");
    let mut r = Client::signed_in(&site, Role::Researcher).await;
    let page = r.get("/steps").await;
    let csrf = page.csrf();
    assert!(
        page.body
            .contains("<label for=\"f-takaisinsoitto-status\">Uusi tila</label>")
    );
    assert!(
        page.body
            .contains("<option value=\"\">Ei muutosta (sovittu)</option>")
    );
    // A new status and what happened.
    let p = post_note(
        &mut r,
        &csrf,
        "takaisinsoitto",
        "in-trial",
        "Kokeilu alkoi kahdessa tiimissä.",
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), "/steps#entry-takaisinsoitto");
    // Only the status: the note says what changed. Only a note: the status stays.
    for (entry, status, text) in [
        ("yhteydenotto", "sovittu", ""),
        ("yhteydenotto", "", "Puhelinjono lyheni."),
    ] {
        let p = post_note(&mut r, &csrf, entry, status, text).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    }
    let written = std::fs::read_to_string(&file).unwrap();
    let want = STEPS
        .replace(
            "text = \"Tarve nousi esiin pienryhmissä.\"\n",
            "text = \"Tarve nousi esiin pienryhmissä.\"\n\n[[entry.note]]\ndate = 2018-06-04\ntext = \"Tila muuttui: ehdotettu → sovittu.\"\nstatus = \"agreed\"\n\n[[entry.note]]\ndate = 2018-06-04\ntext = \"Puhelinjono lyheni.\"\n",
        )
        + "\n[[entry.note]]\ndate = 2018-06-04\ntext = \"Kokeilu alkoi kahdessa tiimissä.\"\nstatus = \"in-trial\"\n";
    assert_eq!(written, want, "{written}");
    let page = unescape(&r.get("/steps").await.body);
    assert!(page.contains("Merkintä tallennettiin."), "{page}");
    assert!(page.contains("<span class=\"status status-in-trial\">kokeilussa</span>"));
    assert!(
        page.contains("Kokeilu alkoi kahdessa tiimissä.</span> <strong>Tila: kokeilussa</strong>")
    );
    // The command line reads what the app wrote.
    let project = Project::load(site.dir.path()).unwrap();
    let list = kooste_core::steps::StepsList::load(&project).unwrap();
    assert_eq!(
        list.get("yhteydenotto").unwrap().status(),
        kooste_core::steps::Status::Agreed
    );
}

#[tokio::test]
async fn bad_steps_input_is_a_clear_error_and_nothing_is_written() {
    let site = steps_site();
    let file = site.dir.path().join("development-steps.toml");
    let mut r = Client::signed_in(&site, Role::Researcher).await;
    let csrf = r.get("/steps").await.csrf();
    let long = "sana ".repeat(1000);
    for (entry, status, text, error, message) in [
        (
            "yhteydenotto",
            "",
            "  ",
            "f-yhteydenotto-text-error",
            "Valitse uusi tila tai kirjoita, mitä tapahtui.",
        ),
        (
            "yhteydenotto",
            "ehdotettu",
            "",
            "f-yhteydenotto-text-error",
            "Valitse uusi tila tai kirjoita, mitä tapahtui.",
        ),
        (
            "yhteydenotto",
            "valmis-ehkä",
            "Teksti.",
            "f-yhteydenotto-status-error",
            "Valitse tila luettelosta.",
        ),
        (
            "yhteydenotto",
            "",
            long.as_str(),
            "f-yhteydenotto-text-error",
            "Merkintä on liian pitkä",
        ),
        (
            "ei-ole",
            "",
            "Teksti.",
            "href=\"#main\"",
            "Tätä kohtaa ei enää ole listalla.",
        ),
    ] {
        let p = post_note(&mut r, &csrf, entry, status, text).await;
        assert_eq!(
            p.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{entry} {status}"
        );
        let body = unescape(&p.body);
        assert!(body.contains(error), "{entry} {status}: {body}");
        assert!(body.contains(message), "{entry} {status}: {body}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), STEPS);
    }
    // What was typed comes back, the entry's form open and its field marked.
    let p = post_note(&mut r, &csrf, "yhteydenotto", "valmis-ehkä", "Teksti jää.").await;
    assert!(p.body.contains("<details class=\"step-edit\" open>"));
    assert!(p.body.contains(">Teksti jää.</textarea>"));
    assert!(
        p.body
            .contains("aria-describedby=\"f-yhteydenotto-status-error\"")
    );
    // Other roles, a stale token, strangers: nothing written.
    for role in [Role::Participant, Role::Worker] {
        let mut c = Client::signed_in(&site, role).await;
        let csrf = c.get("/steps").await.csrf();
        let p = post_note(&mut c, &csrf, "yhteydenotto", "", "x").await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{role:?}");
    }
    let p = post_note(&mut r, "vanha", "yhteydenotto", "", "x").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = Client::new(&site)
        .post("/steps", &[("entry", "yhteydenotto"), ("text", "x")])
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), STEPS);
    // A file broken by hand: the researchers are told where; it is never overwritten.
    let broken = STEPS.replace("kind = \"askel\"", "kind = \"idea\"");
    std::fs::write(&file, &broken).unwrap();
    let page = r.get("/steps").await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        page.body.contains("development-steps.toml"),
        "{}",
        page.body
    );
    let mut p = Client::signed_in(&site, Role::Participant).await;
    let page = p.get("/steps").await;
    assert!(page.body.contains("Tutkijat korjaavat sen."));
    assert!(!page.body.contains("development-steps.toml"));
    let p = post_note(&mut r, &csrf, "yhteydenotto", "", "x").await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("development-steps.toml"), "{}", p.body);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
}
