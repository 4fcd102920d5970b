//! `/forms/BATTERY`: a question battery as a form, one fieldset per row (situation). The
//! same POST route previews, adds a row, goes back to editing and saves (`action`), so that
//! everything works without JavaScript and nothing typed is ever dropped: a validation
//! error, a failed CSRF check or an ended session shows the form again with its input.

use super::{Fields, field, login};
use crate::accounts::Role;
use crate::app::{App, Ctx, Shared};
use crate::extract::{Anyone, Post, PostRoute, Signed};
use crate::session::{User, View, random_hex};
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kooste_core::model::{Date, Lang};
use kooste_core::project::{Battery, Project};
use kooste_ingest::redact::Removal;
use kooste_ingest::{Diagnostic, Read, Redactor, Submission, read_submission, render_document};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The most rows one submission may have.
pub(crate) const MAX_ROWS: usize = 20;
/// The longest answer accepted, in characters.
pub(crate) const MAX_ANSWER: usize = 10_000;

/// What the form holds.
#[derive(Debug, Clone, Default)]
struct Input {
    workshop: String,
    date: String,
    theme: String,
    text_lang: String,
    /// Answers by question id, one map per row.
    rows: Vec<BTreeMap<String, String>>,
    submission: String,
}

impl Input {
    /// A new form on `today`: the workshop whose round is open
    /// ([`kooste_core::round::open_round`]); today's date; the task's theme; the interface
    /// language.
    fn new(project: &Project, battery: &Battery, lang: Lang, today: Date) -> Input {
        let pick = kooste_core::round::open_round(project, today);
        let rows = if battery.id == "asp-paiva" { 3 } else { 1 };
        Input {
            workshop: pick.map_or_else(String::new, |(r, w)| format!("{}-{}", r.id, w.number)),
            date: today.to_string(),
            theme: pick
                .and_then(|(_, w)| w.task.as_ref().map(|t| t.theme.clone()))
                .unwrap_or_default(),
            text_lang: lang.as_str().to_string(),
            rows: vec![BTreeMap::new(); rows],
            submission: String::new(),
        }
    }

    fn parse(fields: &Fields, battery: &Battery) -> Input {
        let mut n: usize = field(fields, "rows").parse().unwrap_or(1);
        for (k, _) in fields {
            if let Some(i) = k
                .strip_prefix('r')
                .and_then(|r| r.split_once('_'))
                .and_then(|(i, _)| i.parse::<usize>().ok())
            {
                n = n.max(i);
            }
        }
        let n = n.clamp(1, MAX_ROWS);
        let rows = (1..=n)
            .map(|i| {
                battery
                    .questions
                    .iter()
                    .map(|q| {
                        (
                            q.id.clone(),
                            field(fields, &format!("r{i}_{}", q.id)).to_string(),
                        )
                    })
                    .filter(|(_, a)| !a.is_empty())
                    .collect()
            })
            .collect();
        Input {
            workshop: field(fields, "workshop").to_string(),
            date: field(fields, "date").trim().to_string(),
            theme: field(fields, "theme").to_string(),
            text_lang: field(fields, "text_lang").to_string(),
            rows,
            submission: field(fields, "submission").to_string(),
        }
    }

    /// The fields that carry this input through a preview or a re-login.
    fn fields(&self) -> Fields {
        let mut f = vec![
            ("workshop".to_string(), self.workshop.clone()),
            ("date".to_string(), self.date.clone()),
            ("theme".to_string(), self.theme.clone()),
            ("text_lang".to_string(), self.text_lang.clone()),
            ("rows".to_string(), self.rows.len().to_string()),
            ("submission".to_string(), self.submission.clone()),
        ];
        for (i, row) in self.rows.iter().enumerate() {
            for (q, a) in row {
                f.push((format!("r{}_{q}", i + 1), a.clone()));
            }
        }
        f
    }

    /// A fingerprint of what the form holds, its submission id aside (FNV-1a).
    fn fingerprint(&self) -> u64 {
        let mut f = kooste_core::fingerprint::Fingerprint::new();
        for (k, v) in self.fields() {
            if k != "submission" {
                f.add(k).bytes(v.as_bytes()).bytes(&[1]);
            }
        }
        f.value()
    }

    fn lang(&self) -> Lang {
        self.text_lang.parse().unwrap_or(Lang::Fi)
    }

    /// Problems as (field id, wording key).
    fn validate(&self, project: &Project, battery: &Battery) -> Vec<(String, &'static str)> {
        let mut errors = Vec::new();
        if !project.regions.is_empty() && project.workshop(&self.workshop).is_none() {
            errors.push(("f-workshop".to_string(), "err_workshop"));
        }
        if super::parse_date(&self.date).is_none() {
            errors.push(("f-date".to_string(), "err_date"));
        }
        if !self.theme.is_empty() && !project.config.themes.contains_key(&self.theme) {
            errors.push(("f-theme".to_string(), "err_theme"));
        }
        for (i, row) in self.rows.iter().enumerate() {
            for (q, a) in row {
                if a.chars().count() > MAX_ANSWER {
                    errors.push((format!("f-r{}-{q}", i + 1), "err_too_long"));
                }
            }
        }
        if self
            .rows
            .iter()
            .all(|r| r.values().all(|a| a.trim().is_empty()))
        {
            errors.push((
                format!("f-r1-{}", battery.questions[0].id),
                "err_no_answers",
            ));
        }
        errors
    }

    fn submission(&self, battery: &Battery, user: &User) -> Submission {
        let role = user.role;
        Submission {
            id: self.submission.clone(),
            battery: battery.id.clone(),
            rows: self
                .rows
                .iter()
                .map(|r| r.iter().map(|(q, a)| (q.clone(), a.clone())).collect())
                .collect(),
            workshop: Some(self.workshop.clone()).filter(|w| !w.is_empty()),
            theme: Some(self.theme.clone()).filter(|t| !t.is_empty()),
            date: super::parse_date(&self.date),
            lang: self.lang(),
            // Whoever is signed in wrote the answers down: a worker filling in a client's
            // answers makes them the client's voice via the worker.
            via: match role {
                Role::Researcher => Some(kooste_core::Voice::Researcher),
                Role::Worker => Some(kooste_core::Voice::Worker),
                // A client answering for themselves: their own voice, relayed by nobody.
                Role::Participant => None,
            },
            voice: (role == Role::Participant).then_some(user.voice),
        }
    }
}

/// What a form post with `action=save` would store: `fields` are the body as the `Form`
/// extractor decodes it, checked as `POST /forms/BATTERY` checks them. `None` when the form
/// would be shown again with errors; else what [`read_submission`] reads (redacted documents,
/// or why they cannot be). No session, nothing written: this is the web form parser on its
/// own, for the fuzz target `web_form` (`fuzz/`).
pub fn read_form_post(
    project: &Project,
    redactor: &Redactor,
    battery: &Battery,
    fields: &[(String, String)],
) -> Option<Result<Vec<Read>, Vec<Diagnostic>>> {
    let mut input = Input::parse(&fields.to_vec(), battery);
    if !input.validate(project, battery).is_empty() {
        return None;
    }
    // The session issues the id; it always has this shape.
    input.submission = format!("{}-web-20180314-0000abcd", battery.id);
    Some(read_submission(
        project,
        redactor,
        &input.submission(battery, &User::worker()),
    ))
}

// ---- Clients' own answers (issue 21) ----

/// The battery as `user` fills it in: whole for workers and researchers; for a client
/// participant only the questions addressed to clients (`None` when it has none); `None`
/// for a participant who speaks as a worker (workers fill in forms with worker accounts).
fn fillable(user: &User, battery: &Battery) -> Option<Battery> {
    if user.role.allows(Role::Worker) {
        return Some(battery.clone());
    }
    if user.voice != kooste_core::Voice::Client {
        return None;
    }
    let questions: Vec<_> = battery
        .questions
        .iter()
        .filter(|q| q.voice == kooste_core::Voice::Client)
        .cloned()
        .collect();
    (!questions.is_empty()).then(|| Battery {
        questions,
        ..battery.clone()
    })
}

/// The batteries `user` may fill in, for the start page.
pub(crate) fn fillable_batteries(app: &App, user: &User) -> Vec<Battery> {
    app.project()
        .batteries
        .values()
        .filter_map(|b| fillable(user, b))
        .collect()
}

/// Whether `user` answers only the client questions of a battery.
fn client_only(user: &User) -> bool {
    !user.role.allows(Role::Worker)
}

// ---- end of clients' own answers ----

/// A new submission id: `BATTERY-web-YYYYMMDD-xxxxxxxx`.
fn new_submission_id(battery: &Battery) -> String {
    let day = kooste_core::clock::today().to_string().replace('-', "");
    // The random part starts with a letter: eight random digits starting with 0 read like a
    // phone number, and an id that looks like personal data is refused.
    let hex = random_hex(4);
    let first = char::from(b'a' + hex.as_bytes()[0] % 6);
    format!("{}-web-{day}-{first}{}", battery.id, &hex[1..])
}

/// A workshop as the form names it: its name and number (as search names it) and its day.
fn workshop_label(app: &App, id: &str, lang: Lang) -> String {
    match app.project().workshop(id) {
        Some((_, w)) => {
            let d = w.date;
            let name = super::search::workshop_label(app, id, lang);
            format!("{name} ({}.{}.{})", d.day, d.month, d.year)
        }
        None => id.to_string(),
    }
}

/// Whether a battery's rows are situations, as its own wording says ("Kuvatkaa yksi
/// tilanne kerrallaan", "en rad för varje situation"); otherwise each row is one answer
/// (one person's feedback, one view of the ideal).
fn rows_are_situations(battery: &Battery) -> bool {
    [
        &battery.title.fi,
        &battery.title.sv,
        &battery.intro.fi,
        &battery.intro.sv,
    ]
    .iter()
    .any(|t| {
        t.split(|c: char| !c.is_alphanumeric()).any(|w| {
            let w = w.to_lowercase();
            w.starts_with("tilanne") || w.starts_with("tilante") || w.starts_with("situation")
        })
    })
}

/// How one row of a battery's form is named: "Tilanne 1" or "Vastaus 1".
pub(crate) fn row_label(app: &App, lang: Lang, battery: &Battery, n: usize) -> String {
    let key = if rows_are_situations(battery) {
        "situation"
    } else {
        "row_answer"
    };
    app.pages.word(lang, key).replace("{n}", &n.to_string())
}

/// How many rows were saved, in words: "1 tilanne", "2 vastausta".
fn rows_count(app: &App, lang: Lang, battery: &Battery, n: usize) -> String {
    let key = if rows_are_situations(battery) {
        "situations_n"
    } else {
        "answers_n"
    };
    crate::render::plural(&app.pages.word(lang, key), n as i64)
}

/// Which round material filed under workshop `id` goes to, in words: the round after it,
/// presented at the next workshop, and when its task is due (or was, on `today`).
pub(crate) fn round_text(app: &App, id: &str, lang: Lang, today: Date) -> String {
    let Some((region, w)) = app.project().workshop(id) else {
        return String::new();
    };
    let label = |n: u32| workshop_label(app, &format!("{}-{n}", region.id), lang);
    let mut text = match kooste_core::round::next_workshop(region, w) {
        Some(next) => app
            .pages
            .word(lang, "round_next")
            .replace("{workshop}", &label(w.number))
            .replace("{next}", &label(next.number)),
        None => app
            .pages
            .word(lang, "round_last")
            .replace("{workshop}", &label(w.number)),
    };
    if let Some(due) = w.task.as_ref().and_then(|t| t.due) {
        let key = if due >= today {
            "round_due"
        } else {
            "round_past_due"
        };
        text.push(' ');
        text.push_str(
            &app.pages
                .word(lang, key)
                .replace("{due}", &format!("{}.{}.{}", due.day, due.month, due.year)),
        );
    }
    text
}

fn theme_label(app: &App, id: &str, lang: Lang) -> String {
    app.project()
        .config
        .themes
        .get(id)
        .map_or_else(|| id.to_string(), |t| t.get(lang).to_string())
}

fn question_text(q: &kooste_core::Question, lang: Lang) -> &str {
    if lang == Lang::Sv && !q.sv.is_empty() {
        &q.sv
    } else {
        &q.fi
    }
}

/// How the form is shown besides its input.
struct Shown<'a> {
    errors: &'a [(String, &'static str)],
    notice: Option<&'a str>,
    /// The row whose first field gets the focus (a row just added).
    focus_row: Option<usize>,
    status: StatusCode,
}

impl Shown<'_> {
    fn plain(status: StatusCode) -> Shown<'static> {
        Shown {
            errors: &[],
            notice: None,
            focus_row: None,
            status,
        }
    }
}

/// Renders the form with its input, errors and a notice.
fn render_form(
    app: &App,
    ctx: &Ctx,
    battery: &Battery,
    input: &Input,
    shown: Shown<'_>,
) -> Response {
    let Shown {
        errors,
        notice,
        focus_row,
        status,
    } = shown;
    let lang = ctx.lang;
    let base = app.base(lang, Some(&ctx.view), &format!("/forms/{}", battery.id));
    let error_of = |id: &str| {
        errors
            .iter()
            .find(|(f, _)| f == id)
            .map(|(_, k)| app.pages.word(lang, k))
    };
    let today = app.today();
    let workshops = app
        .project()
        .workshop_ids()
        .into_iter()
        .map(|id| WorkshopChoice {
            label: workshop_label(app, &id, lang),
            selected: id == input.workshop,
            round: round_text(app, &id, lang, today),
            id,
        })
        .collect();
    let themes = app
        .project()
        .config
        .themes
        .iter()
        .map(|(id, t)| ThemeChoice {
            id: id.clone(),
            label: t.get(lang).to_string(),
            selected: *id == input.theme,
        })
        .collect();
    let rows = input
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let n = i + 1;
            let questions = battery
                .questions
                .iter()
                .enumerate()
                .map(|(qi, q)| {
                    let id = format!("f-r{n}-{}", q.id);
                    QuestionField {
                        name: format!("r{n}_{}", q.id),
                        error: error_of(&id),
                        id,
                        label: question_text(q, lang).to_string(),
                        voice: app.pages.word(lang, &format!("answered_by_{}", q.voice)),
                        value: row.get(&q.id).cloned().unwrap_or_default(),
                        autofocus: focus_row == Some(n) && qi == 0,
                    }
                })
                .collect();
            RowView {
                n,
                label: row_label(app, lang, battery, n),
                questions,
            }
        })
        .collect();
    let view = FormPage {
        battery: BatteryView::of(battery, lang),
        workshops,
        round: round_text(app, &input.workshop, lang, today),
        situations: rows_are_situations(battery),
        max_answer: crate::render::number(MAX_ANSWER as i64),
        max_chars: MAX_ANSWER,
        themes,
        date: input.date.clone(),
        text_lang: input.lang().as_str(),
        row_count: input.rows.len(),
        can_add_row: input.rows.len() < MAX_ROWS,
        rows,
        submission: input.submission.clone(),
        errors: errors
            .iter()
            .map(|(id, k)| FormError {
                id: id.clone(),
                message: app.pages.word(lang, k),
            })
            .collect(),
        field_errors: FieldErrors {
            workshop: error_of("f-workshop"),
            date: error_of("f-date"),
            theme: error_of("f-theme"),
            save: error_of("f-save"),
        },
        client_only: client_only(&ctx.user),
        notice: notice.map(str::to_string),
    };
    app.html(
        status,
        "form.html.j2",
        crate::render::with_view(base, &view),
    )
}

/// The form page's view model (`form.html.j2`).
#[derive(Serialize)]
struct FormPage {
    battery: BatteryView,
    workshops: Vec<WorkshopChoice>,
    /// Which round the chosen workshop collects for, in words.
    round: String,
    /// The rows are situations ("day of adult social work"), not persons.
    situations: bool,
    /// The longest answer, as a number is written.
    max_answer: String,
    max_chars: usize,
    themes: Vec<ThemeChoice>,
    date: String,
    text_lang: &'static str,
    row_count: usize,
    can_add_row: bool,
    rows: Vec<RowView>,
    submission: String,
    /// The error summary, each linking to its field.
    errors: Vec<FormError>,
    field_errors: FieldErrors,
    /// A client answering the client questions themselves.
    client_only: bool,
    notice: Option<String>,
}

#[derive(Serialize)]
struct BatteryView {
    id: String,
    title: String,
    intro: String,
}

impl BatteryView {
    fn of(battery: &Battery, lang: Lang) -> BatteryView {
        BatteryView {
            id: battery.id.clone(),
            title: battery.title.get(lang).to_string(),
            intro: battery.intro.get(lang).to_string(),
        }
    }
}

#[derive(Serialize)]
struct WorkshopChoice {
    id: String,
    label: String,
    selected: bool,
    round: String,
}

#[derive(Serialize)]
struct ThemeChoice {
    id: String,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct RowView {
    n: usize,
    label: String,
    questions: Vec<QuestionField>,
}

#[derive(Serialize)]
struct QuestionField {
    /// The field's name in the posted form (`rN_QUESTION`).
    name: String,
    /// The control's id (`f-rN-QUESTION`).
    id: String,
    label: String,
    /// Who answers it, in words.
    voice: String,
    value: String,
    error: Option<String>,
    autofocus: bool,
}

#[derive(Serialize)]
struct FormError {
    id: String,
    message: String,
}

/// The errors of the fields outside the rows.
#[derive(Serialize)]
struct FieldErrors {
    workshop: Option<String>,
    date: Option<String>,
    theme: Option<String>,
    save: Option<String>,
}

/// `GET /forms/BATTERY`.
pub(crate) async fn page(
    app: Shared,
    Path(battery): Path<String>,
    Signed { ctx, .. }: Signed<Anyone>,
) -> Response {
    let Some(battery) = app.project().batteries.get(&battery) else {
        return app.not_found(&ctx);
    };
    let Some(battery) = fillable(&ctx.user, battery) else {
        return app.forbidden(&ctx, "forbidden_text");
    };
    let battery = &battery;
    let mut input = Input::new(app.project(), battery, ctx.lang, app.today());
    if client_only(&ctx.user) {
        // A client writes about their own situation: one at a time.
        input.rows.truncate(1);
    }
    // The id is given with the form itself, so that the first preview already carries it:
    // a preview sent again (Back, Reload) is the same submission.
    input.submission = new_submission_id(battery);
    app.sessions.issue(&ctx.view.token, &input.submission);
    render_form(&app, &ctx, battery, &input, Shown::plain(StatusCode::OK))
}

/// The input kept across a re-login, as JSON: `{"battery": ID, "fields": [[name, value], ...]}`.
fn carry(battery: &Battery, input: &Input) -> String {
    serde_json::json!({ "battery": battery.id, "fields": input.fields() }).to_string()
}

/// After signing in again, the form that was being filled in, with everything typed: a
/// battery's form, or a review decision (`{"review": ...}`, see [`super::review::resume`]).
pub(crate) async fn resume(
    app: &Shared,
    headers: &HeaderMap,
    view: &View,
    carry: &str,
) -> Option<Response> {
    let v: serde_json::Value = serde_json::from_str(carry).ok()?;
    if let Some(review) = v.get("review") {
        return super::review::resume(app, headers, view, review).await;
    }
    let battery = app.project().batteries.get(v.get("battery")?.as_str()?)?;
    let fields: Fields = serde_json::from_value(v.get("fields")?.clone()).ok()?;
    let path = format!("/forms/{}", battery.id);
    let ctx = login::ctx_after_login(app, headers, view, &path)?;
    let battery = &fillable(&ctx.user, battery)?;
    let input = Input::parse(&fields, battery);
    let notice = app.pages.word(ctx.lang, "relogged_notice");
    Some(render_form(
        app,
        &ctx,
        battery,
        &input,
        Shown {
            notice: Some(&notice),
            ..Shown::plain(StatusCode::OK)
        },
    ))
}

/// `POST /forms/BATTERY`: every role (a client participant fills in the battery's client
/// questions, [`fillable`]). What was typed rides across a new sign-in and comes back with a
/// refused CSRF token.
pub(crate) struct FormPost;

impl PostRoute for FormPost {
    const ROLE: Role = Role::Participant;

    fn carry(app: &App, path: &str, fields: &Fields) -> String {
        let id = path.strip_prefix("/forms/").unwrap_or_default();
        match app.project().batteries.get(id) {
            // Whose form this is is not known without a session: every question is read (a
            // client's form carries only client questions anyway).
            Some(battery) => carry(battery, &Input::parse(fields, battery)),
            None => String::new(),
        }
    }

    fn refused(app: &App, ctx: &Ctx, fields: &Fields) -> Response {
        let id = ctx.path.strip_prefix("/forms/").unwrap_or_default();
        match posted(app, ctx, id, fields) {
            Ok((battery, input)) => {
                let errors = [("f-save".to_string(), "err_csrf")];
                render_form(
                    app,
                    ctx,
                    &battery,
                    &input,
                    Shown {
                        errors: &errors,
                        notice: None,
                        focus_row: None,
                        status: StatusCode::FORBIDDEN,
                    },
                )
            }
            Err(r) => r,
        }
    }
}

/// The battery posted to, as the signed-in user fills it in, and what was posted; a battery
/// that does not exist is 404, one the user may not fill in 403.
// The error is the response to send as it is, as in `App::page`.
#[allow(clippy::result_large_err)]
fn posted(app: &App, ctx: &Ctx, id: &str, fields: &Fields) -> Result<(Battery, Input), Response> {
    let Some(battery) = app.project().batteries.get(id) else {
        return Err(app.not_found(ctx));
    };
    let Some(fillable) = fillable(&ctx.user, battery) else {
        return Err(app.forbidden(ctx, "forbidden_text"));
    };
    // A client's form: only the client questions are read from what was posted.
    let input = Input::parse(fields, &fillable);
    Ok((fillable, input))
}

/// `POST /forms/BATTERY` with `action` = `preview`, `add_row`, `edit` or `save`.
pub(crate) async fn submit(
    app: Shared,
    Path(battery_id): Path<String>,
    Post { ctx, fields, .. }: Post<FormPost>,
) -> Response {
    let (battery, mut input) = match posted(&app, &ctx, &battery_id, &fields) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let battery = &battery;
    let view = &ctx.view;
    let render = |input: &Input, errors: &[(String, &'static str)], focus, status| {
        render_form(
            &app,
            &ctx,
            battery,
            input,
            Shown {
                errors,
                notice: None,
                focus_row: focus,
                status,
            },
        )
    };
    // Which submission this is. The id travels in every page of the form (the form, the
    // preview, the login form of an ended session); a save under it replaces what was
    // saved under it before. A form sent again without it, or with a new one (the form
    // page loaded again after Back or Reload, the typed text restored by the browser), is
    // recognised by its content: the same content already saved is the same submission.
    match app.sessions.issued_content(&view.token, &input.submission) {
        Some(Some(_)) => {}
        state => {
            if let Some(id) = app.sessions.saved_as(&view.token, input.fingerprint()) {
                input.submission = id;
            } else if state.is_none() {
                input.submission = new_submission_id(battery);
                app.sessions.issue(&view.token, &input.submission);
            }
        }
    }
    match field(&fields, "action") {
        "add_row" => {
            if input.rows.len() < MAX_ROWS {
                input.rows.push(BTreeMap::new());
            }
            let n = input.rows.len();
            render(&input, &[], Some(n), StatusCode::OK)
        }
        "preview" | "save" => {
            let errors = input.validate(app.project(), battery);
            if !errors.is_empty() {
                return render(&input, &errors, None, StatusCode::UNPROCESSABLE_ENTITY);
            }
            let sub = input.submission(battery, &ctx.user);
            if field(&fields, "action") == "preview" {
                preview(&app, &ctx, battery, &input, &sub)
            } else {
                save(&app, &ctx, battery, &input, sub).await
            }
        }
        _ => render(&input, &[], None, StatusCode::OK),
    }
}

/// What the preview says was done to one row's answers, without quoting what was typed:
/// each kind removed with how many and the placeholder left for it, and each pseudonym a
/// participant's name was replaced by (only when the first name or alias and the register
/// agree; any other name is removed, not linked to a participant).
/// What the redactor did to a row's answers, in words: what was removed (how many, and
/// what stands in its place) and the pseudonyms put in for participants' names.
fn what_was_done(app: &App, lang: Lang, removals: &[Removal]) -> (Vec<String>, Vec<String>) {
    let mut removed: BTreeMap<kooste_ingest::Kind, (usize, &str)> = BTreeMap::new();
    let mut pseudonyms: BTreeMap<&str, usize> = BTreeMap::new();
    for r in removals {
        if r.kind == kooste_ingest::Kind::Participant {
            *pseudonyms.entry(&r.replacement).or_default() += 1;
        } else {
            removed.entry(r.kind).or_insert((0, &r.replacement)).0 += 1;
        }
    }
    let count = |key: &str, n: usize| crate::render::plural(&app.pages.word(lang, key), n as i64);
    let removed = removed
        .into_iter()
        .map(|(k, (n, with))| format!("{} ({with})", count(&format!("removed_{}", k.as_str()), n)))
        .collect();
    let pseudonyms = pseudonyms
        .into_iter()
        .map(|(p, n)| format!("{p} ({})", count("times_n", n)))
        .collect();
    (removed, pseudonyms)
}

fn preview(app: &App, ctx: &Ctx, battery: &Battery, input: &Input, sub: &Submission) -> Response {
    let lang = ctx.lang;
    let previewed = match app.ws.preview_form(sub) {
        Ok(Ok(p)) => p,
        Ok(Err(d)) => return app.failure(ctx, &joined(&d)),
        Err(e) => return app.failure(ctx, &e),
    };
    let text_lang = input.lang();
    let docs = previewed
        .iter()
        .map(|p| {
            let (removed, pseudonyms) = what_was_done(app, lang, &p.removals);
            let d = &p.read.document;
            let passages = d
                .passages
                .iter()
                .map(|p| {
                    let q = battery
                        .questions
                        .iter()
                        .find(|q| Some(&q.id) == p.question.as_ref());
                    PreviewPassage {
                        question: q.map(|q| question_text(q, text_lang).to_string()),
                        voice: app.pages.word(lang, &format!("voice_{}", p.voice)),
                        text: p.text.clone(),
                    }
                })
                .collect();
            PreviewDocument {
                row: d.meta.row,
                label: d.meta.row.map(|n| row_label(app, lang, battery, n)),
                passages,
                removed,
                pseudonyms,
                stored: render_document(&d.meta, &d.body),
            }
        })
        .collect();
    let view = PreviewPage {
        battery: BatteryView::of(battery, lang),
        workshop: workshop_label(app, &input.workshop, lang),
        round: round_text(app, &input.workshop, lang, app.today()),
        date: super::parse_date(&input.date).map(|d| d.to_string()),
        theme: (!input.theme.is_empty()).then(|| theme_label(app, &input.theme, lang)),
        text_lang: app
            .pages
            .word(lang, &format!("lang_{}", text_lang.as_str())),
        docs,
        hidden: input
            .fields()
            .into_iter()
            .map(|(name, value)| Hidden { name, value })
            .collect(),
    };
    let base = app.base(lang, Some(&ctx.view), &format!("/forms/{}", battery.id));
    app.html(
        StatusCode::OK,
        "preview.html.j2",
        crate::render::with_view(base, &view),
    )
}

/// The view model of the page that shows what saving would store (`preview.html.j2`).
#[derive(Serialize)]
struct PreviewPage {
    battery: BatteryView,
    workshop: String,
    round: String,
    date: Option<String>,
    theme: Option<String>,
    /// The answers' language, in words.
    text_lang: String,
    docs: Vec<PreviewDocument>,
    /// The form's input, carried to the save button.
    hidden: Vec<Hidden>,
}

#[derive(Serialize)]
struct PreviewDocument {
    row: Option<usize>,
    label: Option<String>,
    passages: Vec<PreviewPassage>,
    removed: Vec<String>,
    pseudonyms: Vec<String>,
    /// The corpus file as it would be stored.
    stored: String,
}

#[derive(Serialize)]
struct PreviewPassage {
    question: Option<String>,
    voice: String,
    text: String,
}

#[derive(Serialize)]
struct Hidden {
    name: String,
    value: String,
}

/// The first `n` words of a text (as stored, personal data removed), with "…" when there
/// is more: how a saved answer is recognised on the saved page.
pub(crate) fn first_words(text: &str, n: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() > n {
        format!("{} …", words[..n].join(" "))
    } else {
        words.join(" ")
    }
}

/// Diagnostics as one line, for a log.
fn joined(d: &[kooste_ingest::Diagnostic]) -> String {
    d.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

async fn save(
    app: &Arc<App>,
    ctx: &Ctx,
    battery: &Battery,
    input: &Input,
    sub: Submission,
) -> Response {
    let saved = {
        let app = Arc::clone(app);
        let owner = ctx.user.clone();
        tokio::task::spawn_blocking(move || -> Result<Vec<kooste_ingest::Read>, String> {
            let stored = app.ws.save_form(&sub).map_err(|e| e.to_string())?;
            // A participant reads their own submission whole, also after a restart.
            if owner.role == Role::Participant {
                crate::accounts::record_owner(app.project(), &sub.id, &owner.name)
                    .map_err(|e| format!("noting who saved it: {e}"))?;
            }
            Ok(stored)
        })
        .await
    };
    let stored = match saved {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            eprintln!("kooste serve: saving a form: {e}");
            let errors = [("f-save".to_string(), "err_save")];
            return render_form(
                app,
                ctx,
                battery,
                input,
                Shown {
                    errors: &errors,
                    ..Shown::plain(StatusCode::INTERNAL_SERVER_ERROR)
                },
            );
        }
        Err(e) => return app.failure(ctx, &e),
    };
    app.sessions
        .saved(&ctx.view.token, &input.submission, input.fingerprint());
    let lang = ctx.lang;
    let base = app.base(lang, Some(&ctx.view), &format!("/forms/{}", battery.id));
    let view = SavedPage {
        battery: BatteryView::of(battery, lang),
        count: rows_count(app, lang, battery, stored.len()),
        workshop: (!input.workshop.is_empty()).then(|| workshop_label(app, &input.workshop, lang)),
        round: round_text(app, &input.workshop, lang, app.today()),
        docs: stored
            .iter()
            .map(|r| SavedDocument {
                href: format!("/documents/{}", crate::app::encode(&r.document.meta.id)),
                label: r
                    .document
                    .meta
                    .row
                    .map(|n| row_label(app, lang, battery, n)),
                first_words: first_words(
                    r.document.passages.first().map_or("", |p| p.text.as_str()),
                    12,
                ),
            })
            .collect(),
    };
    app.html(
        StatusCode::OK,
        "saved.html.j2",
        crate::render::with_view(base, &view),
    )
}

/// The view model of the page that says a form was saved (`saved.html.j2`).
#[derive(Serialize)]
struct SavedPage {
    battery: BatteryView,
    /// How many documents were saved, in words.
    count: String,
    workshop: Option<String>,
    round: String,
    docs: Vec<SavedDocument>,
}

#[derive(Serialize)]
struct SavedDocument {
    href: String,
    label: Option<String>,
    /// How the saved answer is recognised: its first words (as stored).
    first_words: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_submission_id_never_ends_in_digits_only() {
        let battery = Battery::asp_paiva();
        for _ in 0..300 {
            let id = new_submission_id(&battery);
            let random = id.rsplit('-').next().unwrap();
            assert_eq!(random.len(), 8, "{id}");
            assert!(random.as_bytes()[0].is_ascii_lowercase(), "{id}");
        }
    }
}
