//! `/documents/DOCID`: one redacted corpus document, each passage with an anchor
//! (`#DOCID-N`) that search results link to; and `/passages/DOCID/N`: one passage.
//!
//! Who reads what: participants read passages (in search results and here, one at a
//! time) and their own submissions whole; other whole documents are for workers and
//! researchers. At a workshop people know who is behind a pseudonym, and a whole document
//! (a worker's memo about one client) tells far more than a passage. [`may_read_whole`] is
//! the rule.

use super::search::{PassageFacts, dimensions_of, theme_label, voice_label, workshop_label};
use crate::accounts::Role;
use crate::app::{App, Ctx, Shared};
use crate::extract::{Anyone, Signed};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use kooste_core::model::Document;
use kooste_workspace::PassageRecord;
use serde::Serialize;
use std::collections::HashMap;

/// The document with this id as a reader sees it ([`kooste_workspace::Workspace::document`]),
/// with the index's records of its passages by passage id.
pub(crate) fn find(app: &App, id: &str) -> Option<(Document, HashMap<String, PassageRecord>)> {
    let (doc, records) = app.ws.document(id).unwrap_or_else(|e| {
        eprintln!("kooste serve: document {id}: {e}");
        None
    })?;
    let records = records
        .into_iter()
        .map(|r| (r.passage.clone(), r))
        .collect();
    Some((doc, records))
}

/// Whether the signed-in user may read this whole document: workers and researchers
/// always; a participant only their own submission (a form issued to them).
pub(crate) fn may_read_whole(app: &App, ctx: &Ctx, doc: &Document) -> bool {
    if ctx.user.role.allows(Role::Worker) {
        return true;
    }
    doc.meta
        .source
        .as_deref()
        .and_then(|s| s.strip_prefix("web/"))
        .is_some_and(|id| {
            app.sessions.issued_content(&ctx.view.token, id).is_some()
                // Saved in an earlier session, before a restart.
                || crate::accounts::owns(app.project(), id, &ctx.user.name)
        })
}

/// Where a search hit links to: the passage in its document for those who may read whole
/// documents, else the passage on its own.
pub(crate) fn passage_href(ctx: &Ctx, doc: &str, passage: &str) -> String {
    let n = passage.rsplit('#').next().unwrap_or("1");
    let doc_enc = crate::app::encode(doc);
    if ctx.user.role.allows(Role::Worker) {
        format!("/documents/{doc_enc}#{doc}-{n}")
    } else {
        format!("/passages/{doc_enc}/{n}")
    }
}

/// [`find`], off the async threads.
async fn found(app: &Shared, id: &str) -> Option<(Document, HashMap<String, PassageRecord>)> {
    let (app, id) = (std::sync::Arc::clone(app), id.to_string());
    tokio::task::spawn_blocking(move || find(&app, &id))
        .await
        .ok()
        .flatten()
}

/// `GET /passages/DOCID/N`: one passage, for every role.
pub(crate) async fn passage(
    app: Shared,
    Path((id, n)): Path<(String, String)>,
    Signed { ctx, .. }: Signed<Anyone>,
) -> Response {
    let lang = ctx.lang;
    let pid = format!("{id}#{n}");
    let Some((doc, records, p)) = found(&app, &id).await.and_then(|(doc, records)| {
        let p = doc.passages.iter().find(|p| p.id == pid)?.clone();
        Some((doc, records, p))
    }) else {
        return app.not_found(&ctx);
    };
    let m = &doc.meta;
    let Some(rec) = records.get(&p.id) else {
        // In the file but not yet in the index (added by hand a moment ago).
        return app.not_found(&ctx);
    };
    let plain = !ctx.user.role.allows(Role::Researcher);
    let whole = may_read_whole(&app, &ctx, &doc)
        .then(|| format!("/documents/{}#{}-{n}", crate::app::encode(&m.id), m.id));
    let view = PassagePage {
        passage: PassageView {
            id: p.id.clone(),
            title: m.title.clone(),
            question: rec.question_text.clone(),
            text: p.text.clone(),
            facts: PassageFacts::of(&app, lang, plain, rec),
        },
        whole,
        plain,
    };
    let base = app.base(lang, Some(&ctx.view), &ctx.path);
    app.html(
        StatusCode::OK,
        "passage.html.j2",
        crate::render::with_view(base, &view),
    )
}

/// The view model of `/passages/DOCID/N`.
#[derive(Serialize)]
struct PassagePage {
    passage: PassageView,
    /// The passage in its whole document, for those who may read it.
    whole: Option<String>,
    /// Dimensions in everyday words (everyone but researchers).
    plain: bool,
}

#[derive(Serialize)]
struct PassageView {
    id: String,
    title: Option<String>,
    question: Option<String>,
    text: String,
    #[serde(flatten)]
    facts: PassageFacts,
}

/// `GET /documents/DOCID`.
pub(crate) async fn page(
    app: Shared,
    Path(id): Path<String>,
    Signed { ctx, .. }: Signed<Anyone>,
) -> Response {
    let lang = ctx.lang;
    let Some((doc, records)) = found(&app, &id).await else {
        return app.not_found(&ctx);
    };
    if !may_read_whole(&app, &ctx, &doc) {
        return app.forbidden(&ctx, "whole_document_forbidden");
    }
    let m = &doc.meta;
    let researcher = ctx.user.role.allows(Role::Researcher);
    let plain = !researcher;
    let passages = doc
        .passages
        .iter()
        .map(|p| {
            let rec = records.get(&p.id);
            let n = p.id.rsplit('#').next().unwrap_or("1");
            let here = format!("/documents/{}#{}-{n}", crate::app::encode(&m.id), m.id);
            DocumentPassage {
                anchor: format!("{}-{n}", m.id),
                id: p.id.clone(),
                question: rec.and_then(|r| r.question_text.clone()),
                voice: voice_label(&app, lang, p.voice),
                text: p.text.clone(),
                dimensions: rec
                    .map(|r| dimensions_of(&app, lang, plain, r))
                    .unwrap_or_default(),
                confirmed: rec.is_some_and(|r| r.labels.confirmed.is_some()),
                review: researcher.then(|| super::review::reopen_href(&p.id, &here)),
            }
        })
        .collect();
    let view = DocumentPage {
        doc: DocumentView {
            id: m.id.clone(),
            title: m.title.clone(),
            voice: voice_label(&app, lang, m.voice),
            via: m.via.map(|v| voice_label(&app, lang, v)),
            workshop: m.workshop.as_deref().map(|w| workshop_label(&app, w, lang)),
            theme: m.theme.as_deref().map(|t| theme_label(&app, t, lang)),
            battery: m
                .battery
                .as_deref()
                .and_then(|b| app.project().batteries.get(b))
                .map(|b| b.title.get(lang).to_string()),
            date: m.date.map(|d| d.to_string()),
            pseudonym: m.pseudonym.clone(),
        },
        passages,
        plain,
    };
    let base = app.base(lang, Some(&ctx.view), &ctx.path);
    app.html(
        StatusCode::OK,
        "document.html.j2",
        crate::render::with_view(base, &view),
    )
}

/// The view model of `/documents/DOCID`.
#[derive(Serialize)]
struct DocumentPage {
    doc: DocumentView,
    passages: Vec<DocumentPassage>,
    /// Dimensions in everyday words (everyone but researchers).
    plain: bool,
}

#[derive(Serialize)]
struct DocumentView {
    id: String,
    title: Option<String>,
    voice: String,
    /// Whose words a worker wrote down, when not their own.
    via: Option<String>,
    workshop: Option<String>,
    theme: Option<String>,
    battery: Option<String>,
    date: Option<String>,
    pseudonym: Option<String>,
}

#[derive(Serialize)]
struct DocumentPassage {
    /// The passage's anchor in the page (`DOCID-N`).
    anchor: String,
    id: String,
    question: Option<String>,
    voice: String,
    text: String,
    dimensions: Vec<String>,
    confirmed: bool,
    /// The passage on the review page (researchers).
    review: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::User;
    use kooste_core::Project;

    /// A participant reads their own web submission whole, and nobody else's document.
    #[test]
    fn a_participant_reads_their_own_submission_whole() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("kooste.toml"), "[project]\nname = \"t\"\n").unwrap();
        std::fs::create_dir_all(root.join("corpus/muut")).unwrap();
        std::fs::write(
            root.join("corpus/muut/oma-1.md"),
            "---\nid: oma-1\nvoice: client\nsource: web/oma\n---\nOma vastaus.\n",
        )
        .unwrap();
        std::fs::write(
            root.join("corpus/muut/muistio.md"),
            "---\nid: muistio\nvoice: worker\n---\nTyöntekijän muistio.\n",
        )
        .unwrap();
        let project = Project::load(root).unwrap();
        let (_, _, problems) =
            kooste_index::update(&project, false, "", |_, p| kooste_index::hint_labels(p)).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let web = crate::Web::new(
            std::sync::Arc::new(kooste_workspace::Workspace::new(project)),
            crate::Config::default(),
        )
        .unwrap();
        let app = &web.app;
        let ctx = |role: Role, name: &str| {
            let user = User::new(name, role);
            let view = app.sessions.open(user.clone());
            Ctx {
                view,
                user,
                lang: kooste_core::Lang::Fi,
                path: "/".into(),
            }
        };
        let (own, _) = find(app, "oma-1").unwrap();
        let (memo, _) = find(app, "muistio").unwrap();
        let participant = ctx(Role::Participant, "osallistuja");
        assert!(
            !may_read_whole(app, &participant, &own),
            "not issued to this user"
        );
        app.sessions.issue(&participant.view.token, "oma");
        assert!(may_read_whole(app, &participant, &own));
        assert!(!may_read_whole(app, &participant, &memo));
        let other = ctx(Role::Participant, "toinen");
        assert!(
            !may_read_whole(app, &other, &own),
            "another participant's submission"
        );
        for role in [Role::Worker, Role::Researcher] {
            assert!(may_read_whole(app, &ctx(role, "tyontekija"), &memo));
        }
    }
}
