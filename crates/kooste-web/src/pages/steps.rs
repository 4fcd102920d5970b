//! `/steps`: the development needs and steps (`development-steps.toml`) with their status
//! and history, for every signed-in role; a researcher changes an entry's status or adds a
//! dated note there (`POST /steps`: `entry`, `status`, `text`, `csrf_token`), written by
//! `kooste_core::steps::add_note`, which keeps the file's comments and layout. Bad input is
//! shown again with its field's error (422) and nothing is written.

use super::field;
use crate::accounts::Role;
use crate::app::{App, Ctx, Shared};
use crate::extract::{Anyone, Post, PostRoute, Signed};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kooste_core::Project;
use kooste_core::model::Lang;
use kooste_core::steps::{Entry, Kind, MAX_NOTE, NewNote, NoteError, Status, StepsList, add_note};
use serde::Serialize;

/// The page's view model.
#[derive(Serialize)]
struct StepsView {
    needs: Vec<EntryView>,
    steps: Vec<EntryView>,
    /// A researcher: every entry has its form.
    can_edit: bool,
    /// The list could not be read: what to say.
    broken: Option<String>,
    errors: Vec<ErrorView>,
    notice: Option<String>,
    max: usize,
}

#[derive(Serialize)]
struct EntryView {
    id: String,
    title: String,
    description: Option<String>,
    /// The language the entry is written in, when it is not the page's.
    lang: Option<&'static str>,
    status: &'static str,
    /// The status's id, for its style.
    status_id: &'static str,
    /// The workshop where it was raised, and when (ISO).
    workshop: Option<String>,
    raised: Option<String>,
    voices: String,
    /// For a step: the needs it answers (id, title).
    answers: Vec<(String, String)>,
    notes: Vec<NoteView>,
    /// The statuses to choose from, the current one marked.
    statuses: Vec<StatusOption>,
    /// What was typed, shown again with an error.
    text: String,
    chosen: String,
    /// This entry's form has an error: its form is open, its fields marked.
    error: Option<String>,
    status_error: bool,
}

#[derive(Serialize)]
struct NoteView {
    date: String,
    text: String,
    status: Option<&'static str>,
}

#[derive(Serialize)]
struct StatusOption {
    id: &'static str,
    label: &'static str,
}

#[derive(Serialize)]
struct ErrorView {
    id: String,
    message: String,
}

/// What a post asked for, and what went wrong with it.
struct Posted<'a> {
    entry: &'a str,
    status: &'a str,
    text: &'a str,
    /// The field (`status`, `text`) and the wording key of the error.
    error: (&'static str, String),
}

fn entry_view(
    app: &App,
    lang: Lang,
    project: &Project,
    list: &StepsList,
    e: &Entry,
    posted: Option<&Posted>,
) -> EntryView {
    let mine = posted.filter(|p| p.entry == e.id);
    EntryView {
        id: e.id.clone(),
        title: e.title.clone(),
        description: e.description.clone(),
        lang: e.lang.filter(|l| *l != lang).map(Lang::as_str),
        status: e.status().label(lang),
        status_id: e.status().as_str(),
        workshop: e
            .workshop
            .as_deref()
            .map(|w| super::search::workshop_label(app, w, lang)),
        raised: e.raised(project).map(|d| d.to_string()),
        voices: e
            .voices
            .iter()
            .map(|v| app.pages.word(lang, &format!("voice_{v}")))
            .collect::<Vec<_>>()
            .join(", "),
        answers: e
            .needs
            .iter()
            .filter_map(|n| list.get(n).map(|x| (x.id.clone(), x.title.clone())))
            .collect(),
        notes: e
            .notes
            .iter()
            .map(|n| NoteView {
                date: n.date.to_string(),
                text: n.text.clone(),
                status: n.status.map(|s| s.label(lang)),
            })
            .collect(),
        statuses: Status::ALL
            .iter()
            .filter(|s| **s != e.status())
            .map(|s| StatusOption {
                id: s.as_str(),
                label: s.label(lang),
            })
            .collect(),
        text: mine.map(|p| p.text.to_string()).unwrap_or_default(),
        chosen: mine.map(|p| p.status.to_string()).unwrap_or_default(),
        error: mine.map(|p| p.error.1.clone()),
        status_error: mine.is_some_and(|p| p.error.0 == "status"),
    }
}

/// Renders the page; `posted` is a refused post, shown again with its error.
fn render(app: &App, ctx: &Ctx, posted: Option<&Posted>, status: StatusCode) -> Response {
    let lang = ctx.lang;
    let researcher = ctx.user.role.allows(Role::Researcher);
    // The files as they are now: a hand edit or `kooste steps` beside the app shows.
    let loaded = Project::load(&app.project().root)
        .map_err(|e| e.to_string())
        .and_then(|p| {
            StepsList::load(&p)
                .map(|l| (p, l))
                .map_err(|e| e.to_string())
        });
    let (view, status) = match loaded {
        Ok((project, list)) => {
            let of = |kind| {
                list.entries
                    .iter()
                    .filter(|e| e.kind == kind)
                    .map(|e| entry_view(app, lang, &project, &list, e, posted))
                    .collect::<Vec<_>>()
            };
            let errors = posted
                .map(|p| ErrorView {
                    // The field, or the top of the page for an entry no longer listed.
                    id: if list.get(p.entry).is_some() {
                        format!("f-{}-{}", p.entry, p.error.0)
                    } else {
                        "main".to_string()
                    },
                    message: p.error.1.clone(),
                })
                .into_iter()
                .collect();
            let view = StepsView {
                needs: of(Kind::Need),
                steps: of(Kind::Step),
                can_edit: researcher,
                broken: None,
                errors,
                notice: app.sessions.take_flash(&ctx.view.token),
                max: MAX_NOTE,
            };
            (view, status)
        }
        Err(e) => {
            eprintln!("kooste serve: {e}");
            let said = app.pages.word(lang, "steps_broken");
            let view = StepsView {
                needs: Vec::new(),
                steps: Vec::new(),
                can_edit: false,
                // The researchers keep the file: they are told where the error is.
                broken: Some(if researcher {
                    format!("{said} {e}")
                } else {
                    said
                }),
                errors: posted
                    .map(|p| ErrorView {
                        id: "main".to_string(),
                        message: p.error.1.clone(),
                    })
                    .into_iter()
                    .collect(),
                notice: None,
                max: MAX_NOTE,
            };
            // A post refused because of the file says so with its own status.
            let status = if posted.is_some() {
                status
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            (view, status)
        }
    };
    let base = app.base(lang, Some(&ctx.view), &ctx.path);
    app.html(
        status,
        "steps.html.j2",
        crate::render::with_view(base, &view),
    )
}

/// `GET /steps`.
pub(crate) async fn page(app: Shared, Signed { ctx, .. }: Signed<Anyone>) -> Response {
    render(&app, &ctx, None, StatusCode::OK)
}

/// `POST /steps`: researchers.
pub(crate) struct StepsPost;

impl PostRoute for StepsPost {
    const ROLE: Role = Role::Researcher;
}

/// `POST /steps`: `entry`, `status` (empty: no change), `text`, `csrf_token`; a note dated
/// today. Saved: 303 back to the entry with a notice.
pub(crate) async fn save(app: Shared, Post { ctx, fields, .. }: Post<StepsPost>) -> Response {
    let lang = ctx.lang;
    let entry = field(&fields, "entry").trim();
    let chosen = field(&fields, "status").trim();
    let text = field(&fields, "text").trim();
    let refuse = |f: &'static str, key: &str, extra: Option<String>, status: StatusCode| {
        let mut message = app.pages.word(lang, key);
        if let Some(x) = extra {
            message = format!("{message} {x}");
        }
        let posted = Posted {
            entry,
            status: chosen,
            text: field(&fields, "text"),
            error: (f, message),
        };
        render(&app, &ctx, Some(&posted), status)
    };
    let new_status = if chosen.is_empty() {
        None
    } else {
        match chosen.parse::<Status>() {
            Ok(s) => Some(s),
            Err(_) => {
                return refuse(
                    "status",
                    "err_steps_status",
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                );
            }
        }
    };
    if text.chars().count() > MAX_NOTE {
        return refuse(
            "text",
            "err_steps_long",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let project = app.project();
    let current = StepsList::load(project)
        .ok()
        .and_then(|l| l.get(entry).map(Entry::status));
    let Some(current) = current else {
        // No such entry, or a list that cannot be read: `add_note` says which below.
        return store(
            &app,
            &ctx,
            entry,
            NewNote {
                date: app.today(),
                text: text.to_string(),
                status: new_status,
            },
        )
        .await
        .unwrap_or_else(|(f, key, extra)| refuse(f, key, extra, StatusCode::UNPROCESSABLE_ENTITY));
    };
    let new_status = new_status.filter(|s| *s != current);
    let text = match (text.is_empty(), new_status) {
        (false, _) => text.to_string(),
        // Only the status changes: the note says so.
        (true, Some(s)) => app
            .pages
            .word(lang, "steps_status_note")
            .replace("{from}", current.label(lang))
            .replace("{to}", s.label(lang)),
        (true, None) => {
            return refuse(
                "text",
                "err_steps_empty",
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let note = NewNote {
        date: app.today(),
        text,
        status: new_status,
    };
    store(&app, &ctx, entry, note)
        .await
        .unwrap_or_else(|(f, key, extra)| refuse(f, key, extra, StatusCode::UNPROCESSABLE_ENTITY))
}

/// Writes the note; 303 back to the entry, or the field, wording key and detail of what
/// went wrong (nothing written).
async fn store(
    app: &Shared,
    ctx: &Ctx,
    entry: &str,
    note: NewNote,
) -> Result<Response, (&'static str, &'static str, Option<String>)> {
    let added = {
        let (project, id) = (app.project().clone(), entry.to_string());
        tokio::task::spawn_blocking(move || add_note(&project, &id, &note)).await
    };
    match added {
        Ok(Ok(e)) => {
            app.sessions
                .set_flash(&ctx.view.token, app.pages.word(ctx.lang, "steps_saved"));
            Ok(Redirect::to(&format!("/steps#entry-{}", e.id)).into_response())
        }
        Ok(Err(NoteError::Invalid(m))) if m.contains("no entry") => {
            Err(("text", "err_steps_entry", None))
        }
        Ok(Err(NoteError::Invalid(m))) => Err(("text", "err_steps_empty", Some(m))),
        // A broken file: the researchers keep it, so they are told what is wrong in it.
        Ok(Err(NoteError::Project(e))) => Err(("text", "err_steps_file", Some(e.to_string()))),
        Err(e) => Ok(app.failure(ctx, &e)),
    }
}
