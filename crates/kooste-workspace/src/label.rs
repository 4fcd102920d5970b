//! How passages get their CAIMeR labels: the proposer's proposals, and a researcher's
//! decision where there is one (a decision always wins).

use kooste_caimer::Caimer;
use kooste_caimer::decisions::Confirmed;
use kooste_core::model::{Dimension, Document, Passage};
use kooste_core::{Project, record};
use kooste_index::{Labels, PassageRecord};
use std::collections::{BTreeMap, HashMap};

/// The decisions on a document's passages, aligned with its passages as they are now: a
/// form row's decisions follow its answers, wherever the row moved.
fn decided(confirmed: &Confirmed, d: &Document) -> HashMap<String, Vec<Dimension>> {
    let passages = d.passages.iter().map(|p| (p.id.as_str(), p.text.as_str()));
    if d.meta.row.is_some() {
        confirmed.of_row(&d.meta.id, passages)
    } else {
        confirmed.of_document(&d.meta.id, passages)
    }
}

fn labels(
    caimer: &Caimer,
    project: &Project,
    d: &Document,
    p: &Passage,
    confirmed: Option<Vec<Dimension>>,
) -> Labels {
    let lang = d.meta.lang.unwrap_or(project.config.project.lang);
    Labels {
        proposed: caimer.proposed(&p.text, lang, &p.hints),
        confirmed,
    }
}

/// The records of documents, labelled.
pub(crate) fn records(
    project: &Project,
    caimer: &Caimer,
    docs: &[&Document],
) -> BTreeMap<String, Vec<PassageRecord>> {
    let confirmed = caimer.confirmed();
    docs.iter()
        .map(|d| {
            let decided = decided(&confirmed, d);
            let label = |p: &Passage| labels(caimer, project, d, p, decided.get(&p.id).cloned());
            (d.meta.id.clone(), record::records(project, d, label))
        })
        .collect()
}

/// The labeller `kooste_index::update` calls for each passage of the files it reads, on
/// every core. Each thread keeps the decisions of the document at hand while it labels
/// that document's passages.
pub(crate) fn labeller<'a>(
    project: &'a Project,
    caimer: &'a Caimer,
) -> impl Fn(&Document, &Passage) -> Labels + Sync + 'a {
    /// The document at hand: its run, id and address.
    type At = (u64, String, usize);
    thread_local! {
        /// The document at hand and its decisions.
        static DECIDED: std::cell::RefCell<(At, HashMap<String, Vec<Dimension>>)> =
            std::cell::RefCell::default();
    }
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let confirmed = caimer.confirmed();
    move |d, p| {
        let confirmed = DECIDED.with(|cache| {
            let mut cache = cache.borrow_mut();
            // The key names this run too: a thread that labels again later (the web app's
            // watcher) must not take decisions aligned before they changed.
            let at = std::ptr::from_ref(d) as usize;
            let key = &cache.0;
            if !(key.0 == run && key.2 == at && key.1 == d.meta.id) {
                *cache = ((run, d.meta.id.clone(), at), decided(&confirmed, d));
            }
            cache.1.get(&p.id).cloned()
        });
        labels(caimer, project, d, p, confirmed)
    }
}
