//! The CAIMeR proposer from the outside: typical phrasing of each dimension in Finnish and
//! Swedish, passages with several dimensions, the explanations, learning from decisions, the
//! decisions file and the cached model. The passages are invented or taken from the domain
//! description, never from the evaluation set.

mod decisions;
mod explanation;
mod learning;
mod model;
mod multi_label;
mod phrasing;
mod speed;
mod styles;

use kooste_caimer::{Proposal, Proposer};
use kooste_core::model::{Decision, Dimension, Lang};
use std::sync::LazyLock;

/// The cold proposer, built once for all tests.
pub(crate) static COLD: LazyLock<Proposer> = LazyLock::new(|| Proposer::cold().unwrap());

/// Proposes with the cold proposer and no form question.
pub(crate) fn propose(text: &str, lang: Lang) -> Proposal {
    COLD.propose(text, lang, &[])
}

/// Asserts that the cold proposer proposes `expect` for `text`, and nothing else when
/// `exact`.
pub(crate) fn check(text: &str, lang: Lang, expect: &[Dimension], exact: bool) {
    let p = propose(text, lang);
    for d in expect {
        assert!(
            p.labels.contains(d),
            "{text}\n  expected {d} among {:?}\n  scores {:?}\n  why {:?}",
            p.labels,
            p.scores,
            p.why()
        );
    }
    if exact {
        assert_eq!(p.labels, expect, "{text}\n  why {:?}", p.why());
    }
}

/// A decision as a researcher would record it.
pub(crate) fn decision(id: &str, text: &str, lang: Lang, labels: &[Dimension]) -> Decision {
    Decision {
        passage: id.into(),
        text: text.into(),
        lang,
        labels: labels.to_vec(),
        who: "tutkija".into(),
        when: "2018-03-14T09:30:00Z".into(),
        note: None,
        withdrawn: false,
    }
}

/// A project directory with a participant register, in a temporary directory.
pub(crate) struct TempProject {
    _dir: tempfile::TempDir,
    pub(crate) project: kooste_core::Project,
}

impl TempProject {
    pub(crate) fn new() -> TempProject {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("participants.toml"),
            "[[participant]]\nname = \"Maija Virtanen\"\npseudonym = \"Asiakas A\"\nrole = \"client\"\n",
        )
        .unwrap();
        let project = kooste_core::Project::empty(dir.path());
        TempProject { _dir: dir, project }
    }

    pub(crate) fn path(&self, rel: &str) -> std::path::PathBuf {
        self.project.root.join(rel)
    }
}
