//! The search index over a small fixture project (`tests/fixtures/project/`): what the
//! analysis finds, filters, facets, snippets, incremental updates, and that no personal
//! data reaches the index.

mod finding;
mod narrowing;
mod privacy;
mod updating;

use kooste_core::model::{Dimension, Document, Passage};
use kooste_core::project::Project;
use kooste_index::{Filters, Labels, Results, SearchIndex, SearchRequest, SyncReport};
use std::path::{Path, PathBuf};

/// A copy of the fixture project in a temporary directory, indexed.
pub(crate) struct Fixture {
    _tmp: tempfile::TempDir,
    pub(crate) root: PathBuf,
    pub(crate) project: Project,
    pub(crate) ix: SearchIndex,
    pub(crate) report: SyncReport,
}

/// The labels the tests give: each passage's dimensions by its id.
pub(crate) fn labels(_: &Document, p: &Passage) -> Labels {
    let proposed = |dims: &[Dimension]| dims.iter().map(|d| (*d, 0.8)).collect();
    match p.id.as_str() {
        "asiakas#2" | "tyontekija#1" => Labels {
            proposed: proposed(&[Dimension::Interventions]),
            confirmed: None,
        },
        // A researcher's decision wins over the proposal.
        "asiakas#3" => Labels {
            proposed: proposed(&[Dimension::Interventions]),
            confirmed: Some(vec![Dimension::Mechanisms]),
        },
        "tyontekija#2" => Labels {
            proposed: proposed(&[Dimension::Context, Dimension::Actors]),
            confirmed: None,
        },
        _ => Labels::default(),
    }
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("project");
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/project"),
            &root,
        );
        let project = Project::load(&root).unwrap();
        let (ix, report, problems) = kooste_index::update(&project, false, "", labels).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        Fixture {
            _tmp: tmp,
            root,
            project,
            ix,
            report,
        }
    }

    /// Searches with filters.
    pub(crate) fn search_with(&self, query: &str, filters: Filters) -> Results {
        self.ix
            .search(&SearchRequest {
                query: query.into(),
                filters,
                limit: 20,
            })
            .unwrap()
    }

    /// Searches without filters.
    pub(crate) fn search(&self, query: &str) -> Results {
        self.search_with(query, Filters::default())
    }

    /// The passage ids found, best first.
    pub(crate) fn ids(&self, query: &str) -> Vec<String> {
        ids(&self.search(query))
    }

    /// Brings the index in line with the project's files again.
    pub(crate) fn update(&mut self, rebuild: bool) -> SyncReport {
        let (ix, report, problems) =
            kooste_index::update(&self.project, rebuild, "", labels).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        self.ix = ix;
        report
    }
}

pub(crate) fn ids(r: &Results) -> Vec<String> {
    r.hits.iter().map(|h| h.record.passage.clone()).collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}
