//! The learned model is derived state under `.kooste/caimer/`: rebuilt when missing, stale or
//! damaged, always the same for the same decisions.

use crate::{TempProject, decision};
use kooste_caimer::{Caimer, MODEL_FILE, decisions};
use kooste_core::model::Dimension::*;
use kooste_core::model::Lang::{Fi, Sv};

fn record_some(p: &TempProject) -> Caimer {
    let mut caimer = Caimer::open(&p.project).unwrap();
    caimer
        .record_all(vec![
            decision(
                "doc#1",
                "Kävin keramiikkapajassa ja tein savikulhon.",
                Fi,
                &[Results],
            ),
            decision(
                "doc#2",
                "Jag vågade berätta om skulderna.",
                Sv,
                &[Context, Mechanisms],
            ),
        ])
        .unwrap();
    caimer
}

#[test]
fn the_model_is_rebuilt_the_same_after_deleting_the_state_directory() {
    let p = TempProject::new();
    let caimer = record_some(&p);
    let model_path = p.project.state_dir().join(MODEL_FILE);
    let before = std::fs::read(&model_path).unwrap();
    let proposal = caimer.propose("Keramiikkapajassa tein savikulhon.", Fi, &[]);
    std::fs::remove_dir_all(p.project.state_dir()).unwrap();
    let again = Caimer::open(&p.project).unwrap();
    assert_eq!(std::fs::read(&model_path).unwrap(), before);
    assert_eq!(
        again.propose("Keramiikkapajassa tein savikulhon.", Fi, &[]),
        proposal
    );
    // The memory of decided passages is rebuilt too: a passage like a decided one is
    // explained by it whether the model came from the cache or was trained again.
    let like = "Jag vågade berätta om mina skulder.";
    let decided = |c: &Caimer| {
        c.propose(like, Sv, &[])
            .evidence
            .into_iter()
            .filter(|e| e.source == kooste_caimer::Source::Decided)
            .collect::<Vec<_>>()
    };
    let from_cache = Caimer::open(&p.project).unwrap();
    assert!(!decided(&from_cache).is_empty());
    assert_eq!(decided(&from_cache), decided(&again));
    assert_eq!(
        from_cache.propose(like, Sv, &[]),
        again.propose(like, Sv, &[])
    );
}

#[test]
fn a_damaged_or_stale_model_is_retrained() {
    let p = TempProject::new();
    record_some(&p);
    let model_path = p.project.state_dir().join(MODEL_FILE);
    let good = std::fs::read(&model_path).unwrap();
    std::fs::write(&model_path, b"{\"format\": 1, \"fingerpr").unwrap();
    Caimer::open(&p.project).unwrap();
    assert_eq!(std::fs::read(&model_path).unwrap(), good);
    // A decision added behind the proposer's back (another program appending to the file)
    // makes the cached model stale.
    decisions::append(
        &decisions::path(&p.project),
        &[decision(
            "doc#3",
            "Tehtiin kotikäynti.",
            Fi,
            &[Interventions],
        )],
    )
    .unwrap();
    let caimer = Caimer::open(&p.project).unwrap();
    assert_eq!(caimer.proposer().model().examples(), 3);
    assert_ne!(std::fs::read(&model_path).unwrap(), good);
}

#[test]
fn without_decisions_nothing_is_written() {
    let p = TempProject::new();
    let caimer = Caimer::open(&p.project).unwrap();
    assert_eq!(caimer.proposer().model().examples(), 0);
    assert!(!p.project.state_dir().exists());
}
