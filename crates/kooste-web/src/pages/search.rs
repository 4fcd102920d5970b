//! `/search`: the search of `kooste search`, with filters as a form and facets as links.

use crate::accounts::Role;
use crate::app::{App, Shared, encode};
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use kooste_core::model::{Date, Dimension, Lang, Voice};
use kooste_index::{Filters, SearchRequest};
use minijinja::{Value, context};
use serde::Deserialize;

/// The query string; every value is text, so a bad one is ignored or explained, never a 400.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct Params {
    #[serde(default)]
    q: String,
    #[serde(default)]
    voice: String,
    #[serde(default)]
    dimension: String,
    #[serde(default)]
    workshop: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    limit: String,
}

const FILTERS: &[&str] = &["voice", "dimension", "workshop", "theme", "from", "to"];

impl Params {
    fn get(&self, k: &str) -> &str {
        match k {
            "q" => &self.q,
            "voice" => &self.voice,
            "dimension" => &self.dimension,
            "workshop" => &self.workshop,
            "theme" => &self.theme,
            "from" => &self.from,
            "to" => &self.to,
            _ => "",
        }
    }

    /// `/search?...` with one value changed (an empty value drops the parameter).
    fn href(&self, change: &str, value: &str) -> String {
        let mut parts = Vec::new();
        for k in std::iter::once("q").chain(FILTERS.iter().copied()) {
            let v = if k == change { value } else { self.get(k) };
            if !v.is_empty() {
                parts.push(format!("{k}={}", encode(v)));
            }
        }
        format!("/search?{}", parts.join("&"))
    }
}

pub(crate) fn voice_label(app: &App, lang: Lang, v: Voice) -> String {
    app.pages.word(lang, &format!("voice_{v}"))
}

pub(crate) fn dimension_label(d: Dimension, lang: Lang) -> String {
    let l = d.label(lang);
    let mut c = l.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

pub(crate) fn workshop_label(app: &App, id: &str, lang: Lang) -> String {
    match app.project.workshop(id) {
        Some((r, w)) => {
            let name = if lang == Lang::Sv && !r.name_sv.is_empty() {
                &r.name_sv
            } else {
                &r.name
            };
            format!("{name} {}", w.number)
        }
        None => id.to_string(),
    }
}

pub(crate) fn theme_label(app: &App, id: &str, lang: Lang) -> String {
    app.project
        .config
        .themes
        .get(id)
        .map_or_else(|| id.to_string(), |t| t.get(lang).to_string())
}

fn label_of(app: &App, lang: Lang, facet: &str, value: &str) -> String {
    match facet {
        "voice" => value
            .parse()
            .map_or_else(|_| value.to_string(), |v| voice_label(app, lang, v)),
        "dimension" => value
            .parse()
            .map_or_else(|_| value.to_string(), |d| dimension_label(d, lang)),
        "workshop" => workshop_label(app, value, lang),
        "theme" => theme_label(app, value, lang),
        _ => value.to_string(),
    }
}

/// `GET /search?q=...&voice=...&dimension=...&workshop=...&theme=...&from=...&to=...`.
pub(crate) async fn page(
    app: Shared,
    headers: HeaderMap,
    uri: Uri,
    Query(p): Query<Params>,
) -> Response {
    let ctx = match app.page(&headers, &uri, Role::Participant) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let lang = ctx.lang;
    let mut errors: Vec<Value> = Vec::new();
    let mut date = |name: &str, v: &str| -> Option<Date> {
        if v.is_empty() {
            return None;
        }
        let d = v.parse().ok();
        if d.is_none() {
            errors.push(context! { id => format!("f-{name}"), field => name, message => app.pages.word(lang, "err_date") });
        }
        d
    };
    let filters = Filters {
        voice: p.voice.parse().ok(),
        dimension: p.dimension.parse().ok(),
        workshop: Some(p.workshop.clone()).filter(|w| !w.is_empty()),
        theme: Some(p.theme.clone()).filter(|t| !t.is_empty()),
        from: date("from", &p.from),
        to: date("to", &p.to),
    };
    let limit = p.limit.parse::<usize>().unwrap_or(20).clamp(1, 200);
    let asked = !p.q.trim().is_empty() || filters.any();
    let results = if asked && errors.is_empty() {
        let req = SearchRequest {
            query: p.q.clone(),
            filters: filters.clone(),
            limit,
        };
        let app2 = std::sync::Arc::clone(&app);
        let found = tokio::task::spawn_blocking(move || {
            let ix = app2.index();
            ix.search(&req)
        })
        .await;
        match found {
            Ok(Ok(r)) => Some(r),
            Ok(Err(kooste_index::Error::EmptyQuery)) => None,
            Ok(Err(e)) => return app.failure(&ctx, &e),
            Err(e) => return app.failure(&ctx, &e),
        }
    } else {
        None
    };
    let options = |name: &str, values: Vec<(String, String)>| -> Vec<Value> {
        values
            .into_iter()
            .map(|(v, l)| context! { selected => v == p.get(name), value => v, label => l })
            .collect()
    };
    let voices = options(
        "voice",
        Voice::ALL
            .iter()
            .map(|v| (v.as_str().to_string(), voice_label(&app, lang, *v)))
            .collect(),
    );
    let dimensions = options(
        "dimension",
        Dimension::ALL
            .iter()
            .map(|d| (d.as_str().to_string(), dimension_label(*d, lang)))
            .collect(),
    );
    let workshops = options(
        "workshop",
        app.project
            .workshop_ids()
            .into_iter()
            .map(|w| {
                let l = workshop_label(&app, &w, lang);
                (w, l)
            })
            .collect(),
    );
    let themes = options(
        "theme",
        app.project
            .config
            .themes
            .iter()
            .map(|(k, t)| (k.clone(), t.get(lang).to_string()))
            .collect(),
    );
    let active: Vec<Value> = FILTERS
        .iter()
        .filter(|k| !p.get(k).is_empty())
        .map(|k| {
            context! {
                name => app.pages.word(lang, &format!("filter_{k}")),
                label => label_of(&app, lang, k, p.get(k)),
                remove => p.href(k, ""),
            }
        })
        .collect();
    let results = results.map(|r| {
        let facet = |name: &str, counts: &kooste_index::FacetCounts| {
            context! {
                name => app.pages.word(lang, &format!("filter_{name}")),
                items => counts.iter().map(|(v, n)| context! {
                    label => label_of(&app, lang, name, v),
                    count => n,
                    href => p.href(name, v),
                    active => p.get(name) == v,
                }).collect::<Vec<_>>(),
            }
        };
        let researcher = ctx.user.role.allows(Role::Researcher);
        let hits: Vec<Value> = r
            .hits
            .iter()
            .map(|h| {
                let rec = &h.record;
                context! {
                    passage => rec.passage.clone(),
                    // Participants open the passage; whole documents are for workers and
                    // researchers (`document::may_read_whole`).
                    href => super::document::passage_href(&ctx, &rec.doc, &rec.passage),
                    title => rec.title.clone(),
                    question => rec.question_text.clone(),
                    snippet => Value::from_safe_string(h.snippet.html()),
                    voice => voice_label(&app, lang, rec.voice),
                    workshop => rec.workshop.as_deref().map(|w| workshop_label(&app, w, lang)),
                    theme => rec.theme.as_deref().map(|t| theme_label(&app, t, lang)),
                    date => rec.date.map(|d| d.to_string()),
                    dimensions => rec.labels.effective().iter().map(|d| dimension_label(*d, lang)).collect::<Vec<_>>(),
                    confirmed => rec.labels.confirmed.is_some(),
                    review => researcher.then(|| super::review::reopen_href(&rec.passage, &ctx.path)),
                }
            })
            .collect();
        context! {
            total => r.total,
            shown => r.hits.len(),
            more => (r.hits.len() < r.total && limit < 200).then(|| format!("{}&limit={}", p.href("", ""), (limit * 2).min(200))),
            hits => hits,
            facets => vec![
                facet("voice", &r.facets.voice),
                facet("dimension", &r.facets.dimension),
                facet("workshop", &r.facets.workshop),
                facet("theme", &r.facets.theme),
            ],
            suggestions => r.suggestions.iter().map(|s| context! { text => s, href => p.href("q", s) }).collect::<Vec<_>>(),
            loose_phrases => r.loose_phrases,
        }
    });
    let base = app.base(lang, Some(&ctx.view), &ctx.path);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    app.html(
        status,
        "search.html.j2",
        context! {
        q => p.q.clone(),
        from => p.from.clone(),
        to => p.to.clone(),
        voices => voices,
        dimensions => dimensions,
        workshops => workshops,
        themes => themes,
        active => active,
        asked => asked,
        results => results,
        errors => errors, ..base },
    )
}
