//! `/search`: the search of `kooste search`, with filters as a form and facets as links.

use crate::accounts::Role;
use crate::app::{App, Shared, encode};
use crate::extract::{Anyone, Signed};
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use kooste_core::model::{Date, Dimension, Lang, Voice};
use kooste_workspace::{Filters, PassageRecord, SearchRequest};
use minijinja::Value;
use serde::{Deserialize, Serialize};

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
    /// A query to search as typed even when it names a voice (the way back from a voice
    /// filter that a question gave): it holds while `q` is this query.
    #[serde(default)]
    literal: String,
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
            "literal" => &self.literal,
            _ => "",
        }
    }

    /// `/search?...` with one value changed (an empty value drops the parameter).
    fn href(&self, change: &str, value: &str) -> String {
        let mut parts = Vec::new();
        for k in std::iter::once("q")
            .chain(FILTERS.iter().copied())
            .chain(["literal"])
        {
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

/// A dimension in everyday words ("Mitä tehtiin"), for those who do not work with CAIMeR:
/// everyone but researchers.
pub(crate) fn plain_dimension_label(app: &App, lang: Lang, d: Dimension) -> String {
    app.pages.word(lang, &format!("dim_plain_{d}"))
}

/// A dimension as the signed-in role reads it: CAIMeR's name for researchers, everyday
/// words for the others.
pub(crate) fn dimension_for(app: &App, lang: Lang, plain: bool, d: Dimension) -> String {
    if plain {
        plain_dimension_label(app, lang, d)
    } else {
        dimension_label(d, lang)
    }
}

pub(crate) fn dimension_label(d: Dimension, lang: Lang) -> String {
    let l = d.label(lang);
    let mut c = l.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

pub(crate) fn workshop_label(app: &App, id: &str, lang: Lang) -> String {
    match app.project().workshop(id) {
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
    app.project()
        .config
        .themes
        .get(id)
        .map_or_else(|| id.to_string(), |t| t.get(lang).to_string())
}

fn label_of(app: &App, lang: Lang, plain: bool, facet: &str, value: &str) -> String {
    match facet {
        "voice" => value
            .parse()
            .map_or_else(|_| value.to_string(), |v| voice_label(app, lang, v)),
        "dimension" => value.parse().map_or_else(
            |_| value.to_string(),
            |d| dimension_for(app, lang, plain, d),
        ),
        "workshop" => workshop_label(app, value, lang),
        "theme" => theme_label(app, value, lang),
        _ => value.to_string(),
    }
}

/// `GET /search?q=...&voice=...&dimension=...&workshop=...&theme=...&from=...&to=...`.
pub(crate) async fn page(
    app: Shared,
    Query(p): Query<Params>,
    Signed { ctx, .. }: Signed<Anyone>,
) -> Response {
    let lang = ctx.lang;
    // Participants and workers read the dimensions in everyday words.
    let plain = !ctx.user.role.allows(Role::Researcher);
    // A question that names a voice ("mitä asiakkaat sanoivat…") filters by it, unless the
    // person asked for the words as typed.
    let question = if p.literal.trim() != p.q.trim() || p.q.trim().is_empty() {
        crate::voice_query::parse(&p.q)
    } else {
        None
    };
    let voice: Option<Voice> = p.voice.parse().ok().or(question.as_ref().map(|v| v.voice));
    let query = question
        .as_ref()
        .map_or_else(|| p.q.clone(), |v| v.rest.clone());
    let mut errors: Vec<FieldError> = Vec::new();
    let mut date = |name: &str, v: &str| -> Option<Date> {
        if v.is_empty() {
            return None;
        }
        let d = super::parse_date(v);
        if d.is_none() {
            errors.push(FieldError {
                id: format!("f-{name}"),
                field: name.to_string(),
                message: app.pages.word(lang, "err_date"),
            });
        }
        d
    };
    let filters = Filters {
        voice,
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
            query: query.clone(),
            filters: filters.clone(),
            limit,
        };
        let app2 = std::sync::Arc::clone(&app);
        let found = app.searches.run(move || app2.ws.search(&req)).await;
        match found {
            Some(Ok(r)) => Some(r.results),
            Some(Err(kooste_workspace::Error::Index(kooste_workspace::IndexError::EmptyQuery))) => {
                None
            }
            Some(Err(e)) => return app.failure(&ctx, &e),
            None => return app.failure(&ctx, &"the search failed (see the error above)"),
        }
    } else {
        None
    };
    let voice_value = voice.map_or("", |v| v.as_str());
    let options = |name: &str, values: Vec<(String, String)>| -> Vec<Choice> {
        let chosen = if name == "voice" {
            voice_value
        } else {
            p.get(name)
        };
        values
            .into_iter()
            .map(|(value, label)| Choice {
                selected: value == chosen,
                value,
                label,
            })
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
            .map(|d| (d.as_str().to_string(), dimension_for(&app, lang, plain, *d)))
            .collect(),
    );
    let workshops = options(
        "workshop",
        app.project()
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
        app.project()
            .config
            .themes
            .iter()
            .map(|(k, t)| (k.clone(), t.get(lang).to_string()))
            .collect(),
    );
    let filter_name = |k: &str| {
        if k == "dimension" && plain {
            app.pages.word(lang, "filter_dimension_plain")
        } else {
            app.pages.word(lang, &format!("filter_{k}"))
        }
    };
    // Removing a voice filter while the question names a voice searches the words as
    // typed; otherwise the question would bring the filter straight back.
    let literal = {
        let mut l = p.clone();
        l.literal = p.q.clone();
        l
    };
    let active: Vec<ActiveFilter> = FILTERS
        .iter()
        .filter_map(|k| {
            let value = if *k == "voice" { voice_value } else { p.get(k) };
            (!value.is_empty()).then(|| {
                let remove = if *k == "voice" && question.is_some() {
                    literal.href("voice", "")
                } else {
                    p.href(k, "")
                };
                ActiveFilter {
                    name: filter_name(k),
                    label: label_of(&app, lang, plain, k, value),
                    remove,
                }
            })
        })
        .collect();
    let from_question = question
        .as_ref()
        .filter(|_| p.voice.is_empty())
        .map(|v| FromQuestion {
            texts: app.pages.word(lang, &format!("voice_texts_{}", v.voice)),
            words: v.rest.clone(),
            undo: literal.href("voice", ""),
        });
    let results = results.map(|r| {
        let facet = |name: &str, counts: &kooste_workspace::FacetCounts| Facet {
            name: filter_name(name),
            items: counts
                .iter()
                .map(|(v, n)| FacetItem {
                    label: label_of(&app, lang, plain, name, v),
                    count: *n,
                    href: p.href(name, v),
                    active: p.get(name) == v,
                })
                .collect(),
        };
        let researcher = ctx.user.role.allows(Role::Researcher);
        let hits = r
            .hits
            .iter()
            .map(|h| {
                let rec = &h.record;
                HitView {
                    passage: rec.passage.clone(),
                    // Participants open the passage; whole documents are for workers and
                    // researchers (`document::may_read_whole`).
                    href: super::document::passage_href(&ctx, &rec.doc, &rec.passage),
                    title: rec.title.clone(),
                    question: rec.question_text.clone(),
                    snippet: Value::from_safe_string(h.snippet.html()),
                    facts: PassageFacts::of(&app, lang, plain, rec),
                    review: researcher.then(|| super::review::reopen_href(&rec.passage, &ctx.path)),
                }
            })
            .collect();
        ResultsView {
            total: r.total,
            shown: r.hits.len(),
            more: (r.hits.len() < r.total && limit < 200)
                .then(|| format!("{}&limit={}", p.href("", ""), (limit * 2).min(200))),
            hits,
            facets: vec![
                facet("voice", &r.facets.voice),
                facet("dimension", &r.facets.dimension),
                facet("workshop", &r.facets.workshop),
                facet("theme", &r.facets.theme),
            ],
            suggestions: r
                .suggestions
                .iter()
                .map(|s| Suggestion {
                    text: s.clone(),
                    href: p.href("q", s),
                })
                .collect(),
            loose_phrases: r.loose_phrases,
        }
    });
    let base = app.base(lang, Some(&ctx.view), &ctx.path);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = SearchView {
        q: p.q.clone(),
        from: p.from.clone(),
        to: p.to.clone(),
        voices,
        dimensions,
        plain,
        participant: !ctx.user.role.allows(Role::Worker),
        from_question,
        literal: p.literal.clone(),
        workshops,
        themes,
        active,
        asked,
        results,
        errors,
    };
    app.html(
        status,
        "search.html.j2",
        crate::render::with_view(base, &view),
    )
}

/// The search page's view model.
#[derive(Serialize)]
struct SearchView {
    q: String,
    from: String,
    to: String,
    voices: Vec<Choice>,
    dimensions: Vec<Choice>,
    /// Dimensions in everyday words (everyone but researchers).
    plain: bool,
    participant: bool,
    /// The voice that a question named, and how to search its words as typed.
    from_question: Option<FromQuestion>,
    literal: String,
    workshops: Vec<Choice>,
    themes: Vec<Choice>,
    active: Vec<ActiveFilter>,
    /// A query or a filter was given.
    asked: bool,
    results: Option<ResultsView>,
    errors: Vec<FieldError>,
}

/// One option of a filter's list.
#[derive(Serialize)]
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

/// A field whose value could not be read, and why.
#[derive(Serialize)]
pub(crate) struct FieldError {
    /// The id of the form control, for the error summary's link.
    pub(crate) id: String,
    pub(crate) field: String,
    pub(crate) message: String,
}

#[derive(Serialize)]
struct ActiveFilter {
    name: String,
    label: String,
    /// The same search without this filter.
    remove: String,
}

#[derive(Serialize)]
struct FromQuestion {
    texts: String,
    words: String,
    undo: String,
}

#[derive(Serialize)]
struct ResultsView {
    total: usize,
    shown: usize,
    more: Option<String>,
    hits: Vec<HitView>,
    facets: Vec<Facet>,
    suggestions: Vec<Suggestion>,
    loose_phrases: bool,
}

#[derive(Serialize)]
struct HitView {
    passage: String,
    href: String,
    title: Option<String>,
    question: Option<String>,
    /// Highlighted HTML, escaped by the snippet builder.
    snippet: Value,
    #[serde(flatten)]
    facts: PassageFacts,
    review: Option<String>,
}

/// What a hit and a passage's page both say of a passage besides its words: whose voice,
/// when and where, and its dimensions as the reader's role names them.
#[derive(Serialize)]
pub(crate) struct PassageFacts {
    voice: String,
    workshop: Option<String>,
    theme: Option<String>,
    date: Option<String>,
    /// A researcher's decision where there is one, else the proposal.
    dimensions: Vec<String>,
    /// The dimensions are a researcher's decision.
    confirmed: bool,
}

/// A passage's dimensions as the reader's role names them: a researcher's decision where
/// there is one, else the proposal.
pub(crate) fn dimensions_of(
    app: &App,
    lang: Lang,
    plain: bool,
    rec: &PassageRecord,
) -> Vec<String> {
    rec.labels
        .effective()
        .iter()
        .map(|d| dimension_for(app, lang, plain, *d))
        .collect()
}

impl PassageFacts {
    pub(crate) fn of(app: &App, lang: Lang, plain: bool, rec: &PassageRecord) -> PassageFacts {
        PassageFacts {
            voice: voice_label(app, lang, rec.voice),
            workshop: rec
                .workshop
                .as_deref()
                .map(|w| workshop_label(app, w, lang)),
            theme: rec.theme.as_deref().map(|t| theme_label(app, t, lang)),
            date: rec.date.map(|d| d.to_string()),
            dimensions: dimensions_of(app, lang, plain, rec),
            confirmed: rec.labels.confirmed.is_some(),
        }
    }
}

#[derive(Serialize)]
struct Facet {
    name: String,
    items: Vec<FacetItem>,
}

#[derive(Serialize)]
struct FacetItem {
    label: String,
    count: u64,
    href: String,
    active: bool,
}

#[derive(Serialize)]
struct Suggestion {
    text: String,
    href: String,
}
