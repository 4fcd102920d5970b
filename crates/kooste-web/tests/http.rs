//! The web app over HTTP, through the router itself (tower `oneshot`): every route for every
//! role, redirects and status codes, CSRF, size limits, login rate limiting, sessions that
//! end while a form is being filled in, the whole form flow with redaction, concurrent
//! submissions, review decisions and digests.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use kooste_core::{Lang, Project};
use kooste_web::{Config, Role, Web, add_user};
use std::collections::HashMap;
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

const REGION: &str = r#"id = "r"
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

[[workshop]]
number = 3
date = 2018-05-24
themes = ["ihanne"]
"#;

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
    let (ix, _, problems) =
        kooste_index::update(&project, false, "", |_, p| kooste_index::hint_labels(p)).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let web = Web::new(project, ix, config).unwrap();
    let router = web.router();
    Site { dir, web, router }
}

fn site() -> Site {
    site_with(Config::default())
}

/// A browser: keeps the cookies it is given.
#[derive(Clone)]
struct Client {
    router: Router,
    cookies: HashMap<String, String>,
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
        Client {
            router: site.router.clone(),
            cookies: HashMap::new(),
        }
    }

    async fn send(&mut self, req: Request<Body>) -> Page {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (kv, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            self.cookies.insert(k.to_string(), val.to_string());
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
            p if p.starts_with("/forms") || p.starts_with("/documents") => Role::Worker,
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
        let unknown = if role.allows(Role::Worker) {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(c.get("/forms/nope").await.status, unknown, "{role}");
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
async fn logins_are_rate_limited_per_user_and_per_address() {
    let site = site_with(Config {
        login_per_user: 3,
        login_per_address: 5,
        ..Config::default()
    });
    let mut c = Client::new(&site);
    for _ in 0..3 {
        assert_eq!(
            c.login("tutkija", "wrong-one").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let p = c.login("tutkija", "tutkija-salasana").await;
    assert_eq!(
        p.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(p.body.contains("15"));
    // Another user from the same address may still try, until the address's limit.
    assert_eq!(
        c.login("tyontekija", "tyontekija-salasana").await.status,
        StatusCode::SEE_OTHER
    );
    let mut d = Client::new(&site);
    for _ in 0..2 {
        assert_eq!(
            d.login("osallistuja", "bad-one-here").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        d.login("osallistuja", "osallistuja-salasana").await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "5 failures from one address"
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
    let site = site();
    let mut c = Client::signed_in(&site, Role::Worker).await;
    let form = c.get("/forms/asp-paiva").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        form.body.matches("<fieldset class=\"situation\"").count(),
        3
    );
    assert!(
        form.body.contains("<option value=\"r-2\" selected>"),
        "the workshop whose task uses the battery"
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
        "id=\"f-r4-q1\" name=\"r4_q1\" rows=\"4\" aria-describedby=\"f-r4-q1-hint\" autofocus"
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
            "Poistettu henkilötietoja (suluissa mitä tekstiin jäi): puhelinnumero 1 ([puhelin])</p>"
        ),
        "{shown}"
    );
    assert!(
        shown.contains(
            "Korvattu osallistujan nimimerkillä, koska nimi on osallistujarekisterissä: Asiakas A 1"
        ),
        "{shown}"
    );
    assert!(
        unescape(shown).contains("Ohjasin velkaneuvontaan, naapuri [nimi] auttoi."),
        "{shown}"
    );
    assert!(
        unescape(shown)
            .contains("Poistettu henkilötietoja (suluissa mitä tekstiin jäi): nimi 1 ([nimi])"),
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
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
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
                ("date", "14.3.2018"),
                ("r2_q2", "Tämä jää talteen."),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Tämä jää talteen."));
    assert!(p.body.contains("value=\"14.3.2018\""));
    assert!(
        p.body
            .contains("aria-describedby=\"f-date-hint f-date-error\" aria-invalid=\"true\"")
    );
    assert!(
        p.body
            .contains("aria-invalid=\"true\" aria-describedby=\"f-workshop-error\"")
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
    assert!(r.body.contains("Osumia 20"), "exactly the twenty");
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
    assert!(r.body.contains("Osumia 0"));
    let r = c.get("/search?q=&workshop=r-2").await;
    assert!(r.body.contains("Osumia 2"), "a filter alone searches");
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

#[tokio::test]
async fn review_confirms_corrects_and_skips() {
    let site = site();
    let mut c = Client::signed_in(&site, Role::Researcher).await;
    let page = c.get("/review").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Luokittelua odottaa 2 kohtaa"),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"kotikaynti-1#1\""));
    assert!(page.body.contains("value=\"confirm\" autofocus"));
    let csrf = page.csrf();
    let p = c
        .post(
            "/review",
            &[
                ("csrf_token", &csrf),
                ("passage", "kotikaynti-1#1"),
                ("action", "confirm"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let decisions =
        std::fs::read_to_string(site.dir.path().join("decisions/decisions.jsonl")).unwrap();
    assert!(
        decisions.contains("\"passage\":\"kotikaynti-1#1\"")
            && decisions.contains("\"who\":\"tutkija\""),
        "{decisions}"
    );
    let page = c.get("/review").await;
    assert!(page.body.contains("Päätös tallennettu"));
    assert!(page.body.contains("Luokittelua odottaa 1 kohtaa"));
    let p = c
        .post(
            "/review",
            &[
                ("csrf_token", &csrf),
                ("passage", "kotikaynti-1#2"),
                ("action", "correct"),
                ("dim", "results"),
                ("dim", "mechanisms"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let decisions =
        std::fs::read_to_string(site.dir.path().join("decisions/decisions.jsonl")).unwrap();
    assert!(
        decisions
            .lines()
            .last()
            .unwrap()
            .contains("\"labels\":[\"mechanisms\",\"results\"]"),
        "{decisions}"
    );
    let page = c.get("/review").await;
    assert!(page.body.contains("Kaikki kohdat on luokiteltu"));
    // The index knows the decision at once.
    let doc = c.get("/documents/kotikaynti-1").await;
    assert!(
        doc.body.contains("Mekanismit, Tulokset</span>"),
        "{}",
        doc.body
    );
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
        if body.contains(&format!("({plain}, ")) {
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
                "“velkaneuvontaan” (velkaneuvonta on palvelu, ei velka, −2,0)",
                "“velkaneuvontaan” (velat, +2,2)",
            ],
        ),
        // A Swedish passage on a Finnish page is explained in Finnish.
        (
            &fi_courage,
            Lang::Fi,
            &[
                "“vågade” (toivo ja rohkeus, +2,4)",
                "“skulder” (velat, +2,2)",
            ],
        ),
        (
            &sv_debts,
            Lang::Sv,
            &[
                "“velkaneuvontaan” (skuldrådgivning är en tjänst, inte skulder, −2,0)",
                "“velkaneuvontaan” (skulder, +2,2)",
            ],
        ),
        (
            &sv_courage,
            Lang::Sv,
            &[
                "“vågade” (hopp och mod, +2,4)",
                "“samma arbetstagare” (samma arbetstagare eller en ny, +2,0)",
            ],
        ),
    ];
    // What holds a score down is listed apart, under its own words, after what pushed it.
    for (page, against, support, negative) in [
        (
            &fi_debts,
            "Vastaan puhuu:",
            "“velkaneuvontaan” (velat,",
            "(velkaneuvonta on palvelu",
        ),
        (
            &sv_debts,
            "Talar emot:",
            "“velkaneuvontaan” (skulder,",
            "(skuldrådgivning är en tjänst",
        ),
    ] {
        let at = |s: &str| page.body.find(s).unwrap_or_else(|| panic!("no {s}"));
        assert!(
            at(support) < at(against) && at(against) < at(negative),
            "{}",
            page.body
        );
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
        for english in ["cue", "learned", "hint", "form question", "+2.", "-2."] {
            assert!(!page.body.contains(english), "{lang}: {english}");
        }
    }
    // Learned evidence, after a decision, in the page's language too.
    let p = c
        .post(
            "/review",
            &[
                ("csrf_token", &sv_debts.csrf()),
                ("passage", "samtal-1#1"),
                ("action", "correct"),
                ("dim", "interventions"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let sv = c.get("/review?passage=samtal-1%232").await;
    assert!(sv.body.contains("(inlärt, "), "{}", sv.body);
    c.get("/lang/fi?next=/review").await;
    let fi = c.get("/review?passage=samtal-1%232").await;
    assert!(fi.body.contains("(opittu, "), "{}", fi.body);
    // The form question's hint quotes no words of the text.
    let form = c.get("/review?passage=lomake-1%231").await;
    let words = form.body.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("Perusteet: lomakkeen kysymys (+1,0) </p>"),
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
    let (ix, _, _) =
        kooste_index::update(&project, false, "", |_, p| kooste_index::hint_labels(p)).unwrap();
    let web = Web::new(project, ix, Config::default()).unwrap();
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
    assert!(none.body.contains("Osumia 0"), "{}", none.body);

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
    assert!(found.body.contains("Osumia 2"), "{}", found.body);
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
            .contains("Osumia 1")
    );
    assert!(
        c.get("/search?q=harmonikka")
            .await
            .body
            .contains("Osumia 2")
    );

    // A decision recorded with `kooste caimer learn` beside the app reaches its proposals.
    let before = c.get("/review?passage=naapuri-2%231").await;
    assert!(!before.body.contains("(opittu, "), "{}", before.body);
    let decision = kooste_core::model::Decision {
        passage: "naapuri#1".into(),
        text: "Naapuri soitti harmonikkaa pihalla, ja se piristi minua.".into(),
        lang: Lang::Fi,
        labels: vec![kooste_core::model::Dimension::Actors],
        who: "cli".into(),
        when: "2018-03-14T09:30:00Z".into(),
        note: None,
    };
    kooste_caimer::decisions::append(&root.join("decisions/decisions.jsonl"), &[decision]).unwrap();
    let after = c.get("/review?passage=naapuri-2%231").await;
    assert!(after.body.contains("(opittu, "), "{}", after.body);

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
