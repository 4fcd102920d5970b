//! Web form bodies: the urlencoded body of `POST /forms/asp-paiva`, decoded by axum's `Form`
//! extractor exactly as the web app decodes it, then checked and read into redacted
//! documents (`kooste_web::read_form_post`, through to `kooste_ingest::read_submission`).
//! Must not panic, whatever the bytes; and no answer's text (whatever its line breaks: CRLF,
//! LF, a lone CR) may become another question's answer or keep a CR.
#![no_main]

use axum::body::Body;
use axum::extract::{Form, FromRequest};
use axum::http::{Request, header};
use kooste_core::Project;
use kooste_ingest::Redactor;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::LazyLock;

static PROJECT: LazyLock<Project> = LazyLock::new(|| Project::empty(Path::new("/fuzz")));
static REDACTOR: LazyLock<Redactor> = LazyLock::new(|| Redactor::new(&[]));
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
});

fuzz_target!(|data: &[u8]| {
    let req = Request::post("/forms/asp-paiva")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(data.to_vec()))
        .expect("a request");
    // A body the extractor rejects gets 400/422 from axum before any of kooste's code.
    let Ok(Form(fields)) =
        RUNTIME.block_on(Form::<Vec<(String, String)>>::from_request(req, &()))
    else {
        return;
    };
    let battery = &PROJECT.batteries["asp-paiva"];
    let Some(Ok(reads)) = kooste_web::read_form_post(&PROJECT, &REDACTOR, battery, &fields)
    else {
        return;
    };
    let answered = |q: &str| {
        fields.iter().any(|(k, v)| {
            k.strip_prefix('r')
                .and_then(|r| r.split_once('_'))
                .is_some_and(|(_, id)| id == q)
                && !v.trim().is_empty()
        })
    };
    for r in &reads {
        for p in &r.document.passages {
            assert!(!p.text.contains('\r'), "{:?}", p.text);
            if let Some(q) = &p.question {
                assert!(answered(q), "{q} was not answered: {fields:?}");
            }
        }
    }
});
