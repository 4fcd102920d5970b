//! The fast proposer (one automaton pass over the cue terms, weights looked up by number)
//! gives exactly what the straightforward reference gives: the same cues at the same words,
//! the same scores, labels, evidence and explanations, on every labelled passage of the
//! repository, cold and after learning.

use super::COLD;
use kooste_caimer::evalset::Sets;
use kooste_core::model::{Dimension, Lang};

fn sets() -> Sets {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Sets::read(&root).unwrap()
}

#[test]
fn the_automaton_finds_the_cues_the_term_lists_find() {
    let sets = sets();
    let lex = COLD.lexicon();
    let mut found = 0;
    for r in sets.shipped.iter().chain(&sets.real) {
        // Both languages, so that each lexicon meets text it was not written for too.
        for lang in [Lang::Fi, Lang::Sv] {
            let words = kooste_text::analyze::words(&r.text);
            let fast = lex.matches(&words, lang);
            assert_eq!(fast, lex.matches_reference(&words, lang), "{} {lang}", r.id);
            found += fast.len();
        }
    }
    assert!(found > 2000, "{found}");
}

#[test]
fn proposals_are_the_reference_proposals_cold_and_trained() {
    let sets = sets();
    let learned: Vec<_> = sets.real.iter().step_by(7).map(|r| r.decision()).collect();
    let trained = COLD.trained(&learned);
    let hints = [Dimension::Results, Dimension::Results, Dimension::Actors];
    for r in sets.shipped.iter().chain(&sets.real) {
        for p in [&*COLD, &trained] {
            let fast = p.propose(&r.text, r.lang, &[]);
            assert_eq!(fast, p.propose_reference(&r.text, r.lang, &[]), "{}", r.id);
            // What the index takes, without the evidence: the same labels and scores.
            assert_eq!(
                p.proposed(&r.text, r.lang, &[]),
                fast.proposed(),
                "{}",
                r.id
            );
            assert_eq!(
                p.proposed(&r.text, r.lang, &hints),
                p.propose(&r.text, r.lang, &hints).proposed(),
                "{} with hints",
                r.id
            );
            assert_eq!(
                fast.why(),
                p.propose_reference(&r.text, r.lang, &[]).why(),
                "{}",
                r.id
            );
        }
        assert_eq!(
            COLD.propose(&r.text, r.lang, &hints),
            COLD.propose_reference(&r.text, r.lang, &hints),
            "{} with hints",
            r.id
        );
    }
    // Text that is not a passage: empty, digits and punctuation only, OCR splits and
    // hyphenations.
    for text in [
        "",
        "123 -- 45",
        "Y hteiskehittäminen ja sosiaali- ja terveys-palvelut",
    ] {
        for lang in [Lang::Fi, Lang::Sv] {
            assert_eq!(
                COLD.propose(text, lang, &[]),
                COLD.propose_reference(text, lang, &[])
            );
        }
    }
}
