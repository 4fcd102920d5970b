//! `/workshops/WORKSHOP/task` (researcher, GET and POST): the between-workshop task agreed
//! at the end of WORKSHOP (theme, from whom, how in Finnish and Swedish, battery, due
//! date), written into the region's file in `workshops/` by `kooste_core::task::set_task`,
//! which keeps the file's comments and layout. Bad input is shown again with its fields'
//! errors (422) and nothing is written.

use super::{Fields, field};
use crate::accounts::Role;
use crate::app::{App, Ctx, Shared};
use crate::extract::{Post, PostRoute, Researcher, Signed};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kooste_core::model::{Date, Voice};
use kooste_core::task::{TaskChange, TaskError, set_task};
use kooste_core::{Project, Task};
use serde::Serialize;

/// What the form shows.
#[derive(Debug, Default)]
struct Shown {
    theme: String,
    from: Vec<Voice>,
    how: String,
    how_sv: String,
    battery: String,
    due: String,
}

impl Shown {
    fn of(task: Option<&Task>) -> Shown {
        match task {
            Some(t) => Shown {
                theme: t.theme.clone(),
                from: t.from.clone(),
                how: t.how.clone(),
                how_sv: t.how_sv.clone(),
                battery: t.battery.clone().unwrap_or_default(),
                due: t.due.map(|d| d.to_string()).unwrap_or_default(),
            },
            None => Shown::default(),
        }
    }

    fn parse(fields: &Fields) -> Shown {
        Shown {
            theme: field(fields, "theme").trim().to_string(),
            from: fields
                .iter()
                .filter(|(k, _)| k == "from")
                .filter_map(|(_, v)| v.parse().ok())
                .collect(),
            how: field(fields, "how").trim().to_string(),
            how_sv: field(fields, "how_sv").trim().to_string(),
            battery: field(fields, "battery").trim().to_string(),
            due: field(fields, "due").trim().to_string(),
        }
    }
}

fn render(
    app: &App,
    ctx: &Ctx,
    project: &Project,
    id: &str,
    shown: &Shown,
    errors: &[(String, &'static str)],
    status: StatusCode,
) -> Response {
    let lang = ctx.lang;
    let Some((_, w)) = project.workshop(id) else {
        return app.not_found(ctx);
    };
    let error_of = |f: &str| {
        errors
            .iter()
            .find(|(x, _)| x == f)
            .map(|(_, k)| app.pages.word(lang, k))
    };
    let choice = |id: &str, label: &str, on: bool| Choice {
        id: id.to_string(),
        label: label.to_string(),
        on,
    };
    let view = TaskView {
        id: id.to_string(),
        workshop: super::search::workshop_label(app, id, lang),
        date: w.date.to_string(),
        themes: project
            .config
            .themes
            .iter()
            .map(|(k, t)| choice(k, t.get(lang), *k == shown.theme))
            .collect(),
        voices: Voice::ALL
            .iter()
            .map(|v| {
                let label = app.pages.word(lang, &format!("voice_{v}"));
                choice(v.as_str(), &label, shown.from.contains(v))
            })
            .collect(),
        how: shown.how.clone(),
        how_sv: shown.how_sv.clone(),
        batteries: project
            .batteries
            .values()
            .map(|b| choice(&b.id, b.title.get(lang), b.id == shown.battery))
            .collect(),
        due: shown.due.clone(),
        errors: errors
            .iter()
            .map(|(id, k)| FieldError {
                id: id.clone(),
                message: app.pages.word(lang, k),
            })
            .collect(),
        field_errors: FieldErrors {
            theme: error_of("f-theme"),
            battery: error_of("f-battery"),
            due: error_of("f-due"),
        },
        notice: app.sessions.take_flash(&ctx.view.token),
    };
    let base = app.base(lang, Some(&ctx.view), &ctx.path);
    app.html(
        status,
        "task.html.j2",
        crate::render::with_view(base, &view),
    )
}

/// The task page's view model.
#[derive(Serialize)]
struct TaskView {
    id: String,
    workshop: String,
    date: String,
    themes: Vec<Choice>,
    voices: Vec<Choice>,
    how: String,
    how_sv: String,
    batteries: Vec<Choice>,
    due: String,
    errors: Vec<FieldError>,
    field_errors: FieldErrors,
    notice: Option<String>,
}

/// An option of a list or a box: chosen (`selected`, `checked`) or not.
#[derive(Serialize)]
struct Choice {
    id: String,
    label: String,
    #[serde(rename = "selected")]
    on: bool,
}

#[derive(Serialize)]
struct FieldError {
    id: String,
    message: String,
}

#[derive(Serialize)]
struct FieldErrors {
    theme: Option<String>,
    battery: Option<String>,
    due: Option<String>,
}

/// The project as its files are now (a task set by `kooste task` beside the app shows).
// The error is the response to send as it is, as in `App::page`.
#[allow(clippy::result_large_err)]
fn fresh(app: &App, ctx: &Ctx) -> Result<Project, Response> {
    Project::load(&app.project().root).map_err(|e| app.failure(ctx, &e))
}

/// `GET /workshops/WORKSHOP/task`.
pub(crate) async fn page(
    app: Shared,
    Path(workshop): Path<String>,
    Signed { ctx, .. }: Signed<Researcher>,
) -> Response {
    let project = match fresh(&app, &ctx) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let task = project
        .workshop(&workshop)
        .and_then(|(_, w)| w.task.as_ref());
    let shown = Shown::of(task);
    render(&app, &ctx, &project, &workshop, &shown, &[], StatusCode::OK)
}

/// `POST /workshops/WORKSHOP/task`.
pub(crate) struct TaskPost;

impl PostRoute for TaskPost {
    const ROLE: Role = Role::Researcher;

    /// The form again, with what was typed and the error.
    fn refused(app: &App, ctx: &Ctx, fields: &Fields) -> Response {
        let workshop = ctx
            .path
            .strip_prefix("/workshops/")
            .and_then(|p| p.strip_suffix("/task"))
            .unwrap_or_default();
        match fresh(app, ctx) {
            Ok(project) => render(
                app,
                ctx,
                &project,
                workshop,
                &Shown::parse(fields),
                &[("f-theme".to_string(), "err_csrf")],
                StatusCode::FORBIDDEN,
            ),
            Err(r) => r,
        }
    }
}

/// `POST /workshops/WORKSHOP/task`: `theme`, `from` (repeated), `how`, `how_sv`, `battery`,
/// `due`, `csrf_token`.
pub(crate) async fn save(
    app: Shared,
    Path(workshop): Path<String>,
    Post { ctx, fields, .. }: Post<TaskPost>,
) -> Response {
    let path = format!("/workshops/{workshop}/task");
    let project = match fresh(&app, &ctx) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let shown = Shown::parse(&fields);
    let Some((_, w)) = project.workshop(&workshop) else {
        return app.not_found(&ctx);
    };
    // Each field's own error first, so that the form says which one is wrong.
    let mut errors: Vec<(String, &'static str)> = Vec::new();
    if !project.config.themes.contains_key(&shown.theme) {
        errors.push(("f-theme".into(), "err_task_theme"));
    }
    if !shown.battery.is_empty() && !project.batteries.contains_key(&shown.battery) {
        errors.push(("f-battery".into(), "err_task_battery"));
    }
    let due = if shown.due.is_empty() {
        None
    } else {
        match shown.due.parse::<Date>() {
            Ok(d) if d >= w.date => Some(d),
            _ => {
                errors.push(("f-due".into(), "err_task_due"));
                None
            }
        }
    };
    // The form again, with what was typed and each field's error.
    let refuse = |errors: &[(String, &'static str)]| {
        render(
            &app,
            &ctx,
            &project,
            &workshop,
            &shown,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    if !errors.is_empty() {
        return refuse(&errors);
    }
    let change = TaskChange {
        theme: Some(shown.theme.clone()),
        from: Some(shown.from.clone()),
        how: Some(shown.how.clone()),
        how_sv: Some(shown.how_sv.clone()),
        battery: Some(shown.battery.clone()),
        due,
    };
    let set = {
        let root = project.clone();
        let workshop = workshop.clone();
        tokio::task::spawn_blocking(move || set_task(&root, &workshop, &change)).await
    };
    match set {
        Ok(Ok(_)) => {
            app.sessions
                .set_flash(&ctx.view.token, app.pages.word(ctx.lang, "task_saved"));
            Redirect::to(&path).into_response()
        }
        Ok(Err(TaskError::Invalid(m))) => {
            eprintln!("kooste serve: a task was not set: {m}");
            refuse(&[("f-theme".to_string(), "err_task_theme")])
        }
        Ok(Err(TaskError::Project(e))) => app.failure(&ctx, &e),
        Err(e) => app.failure(&ctx, &e),
    }
}
