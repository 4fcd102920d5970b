//! The researchers' review of CAIMeR proposals: the queue, a passage as it stands now, and
//! decisions stored only when they were made on what the passage still is.
//!
//! What is stored is exactly what the researcher saw: a review page carries the version
//! of what it showed ([`Seen`]: the labels proposed, a hash of the text, how many decisions
//! the passage had). When any of that changed before the click (another researcher decided
//! the passage, or a decision elsewhere retrained the proposer into another proposal),
//! [`Workspace::review`] stores nothing and says what changed ([`Changed`]).

use crate::{Filters, PassageRecord, Result, Workspace};
use kooste_caimer::Proposal;
use kooste_core::model::{Decision, Dimension};
use std::collections::{BTreeSet, HashMap};

/// The review queue: passages without a decision under the filters, the next digest's
/// round first, then the most uncertain proposals (the decisions that teach the proposer
/// most, [`Proposal::margin`]), then corpus order; skipped ones at the end, in the order
/// skipped.
#[derive(Debug)]
pub struct Queue {
    /// The passages to decide, in order.
    pub passages: Vec<PassageRecord>,
    /// The rounds that feed the next digest ([`Workspace::next_rounds`]).
    pub rounds: BTreeSet<String>,
    /// The records of every passage under the filters, decided or not (to open one).
    pub all: Vec<PassageRecord>,
}

/// A passage as it stands now: its record, the proposal, its decisions.
#[derive(Debug)]
pub struct PassageState {
    /// The passage's record in the index.
    pub rec: PassageRecord,
    /// What the proposer proposes for it now, with the evidence.
    pub proposal: Proposal,
    /// The fingerprint of the model that proposed it.
    pub model: String,
    /// Every decision made on the passage, oldest first.
    pub history: Vec<Decision>,
    /// The score from which the proposer proposes a dimension.
    pub threshold: f32,
}

impl PassageState {
    /// The decision that holds: the last one, unless it withdrew the earlier ones.
    pub fn decision(&self) -> Option<&Decision> {
        self.history.last().filter(|d| !d.withdrawn)
    }

    /// What a page showing the passage now shows.
    pub fn seen(&self) -> Seen {
        Seen {
            proposal: self.proposal.labels.clone(),
            text: text_hash(&self.rec.text),
            basis: self.history.len(),
        }
    }
}

/// What a review page showed of a passage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// The labels proposed. (Only a change of the labels counts, not of the model's
    /// fingerprint: a model retrained into the same proposal changed nothing the researcher
    /// saw.)
    pub proposal: Vec<Dimension>,
    /// The hash of the text ([`text_hash`]).
    pub text: String,
    /// How many decisions the passage had.
    pub basis: usize,
}

/// What changed between what a page showed and now.
#[derive(Debug, Default)]
pub struct Changed {
    /// Decisions made on the passage since (by someone else, or in another tab).
    pub decided: Vec<Decision>,
    /// The proposal shown, when the proposer now proposes other labels.
    pub proposal_was: Option<Vec<Dimension>>,
    /// The text was edited since.
    pub text: bool,
}

impl Changed {
    /// What changed between `seen` and `now`. A page that cannot say what it showed
    /// (`basis` beyond the history: an old form without its version fields) counts every
    /// decision and the proposal as new.
    pub fn between(seen: &Seen, now: &PassageState) -> Changed {
        if seen.basis > now.history.len() {
            return Changed {
                decided: now.history.clone(),
                proposal_was: Some(seen.proposal.clone()),
                text: seen.text != text_hash(&now.rec.text),
            };
        }
        Changed {
            decided: now.history.iter().skip(seen.basis).cloned().collect(),
            proposal_was: (seen.proposal != now.proposal.labels).then(|| seen.proposal.clone()),
            text: seen.text != text_hash(&now.rec.text),
        }
    }

    /// Whether anything changed.
    pub fn any(&self) -> bool {
        !self.decided.is_empty() || self.proposal_was.is_some() || self.text
    }
}

/// The hash of a passage's text as a researcher saw it (whitespace aside), as 16 hex digits.
pub fn text_hash(text: &str) -> String {
    let mut f = kooste_core::fingerprint::Fingerprint::new();
    f.add(text.split_whitespace().collect::<Vec<_>>().join(" "));
    format!("{:016x}", f.value())
}

/// A researcher's decision on a passage, as the review page posts it.
#[derive(Debug, Clone)]
pub struct Review {
    /// The passage id.
    pub passage: String,
    /// The dimensions checked (ignored when withdrawing).
    pub labels: Vec<Dimension>,
    /// Withdraw the decision that holds, instead of deciding.
    pub withdraw: bool,
    /// What the page showed.
    pub seen: Seen,
    /// Who decides.
    pub who: String,
}

/// What [`Workspace::review`] did.
#[derive(Debug)]
pub enum Reviewed {
    /// Stored (or nothing to withdraw: withdrawn meanwhile).
    Stored,
    /// The passage is no longer in the index or its file.
    Gone,
    /// The passage changed since the page was shown: nothing was stored.
    Changed(Box<Changed>),
}

/// Margins already computed, by a key over the model's fingerprint, the language, the
/// hints and the text: a proposal depends on nothing else, so the queue is not proposed
/// again in full on every page.
#[derive(Default)]
pub(crate) struct Margins(std::sync::Mutex<HashMap<u64, f32>>);

impl Workspace {
    /// The form question's dimension hints for a passage.
    pub fn hints(&self, rec: &PassageRecord) -> Vec<Dimension> {
        rec.battery
            .as_deref()
            .and_then(|b| self.project.batteries.get(b))
            .and_then(|b| {
                b.questions
                    .iter()
                    .find(|q| Some(&q.id) == rec.question.as_ref())
            })
            .map(|q| q.hints.clone())
            .unwrap_or_default()
    }

    /// The rounds that feed the next digest: in each region, the workshop before the first
    /// one dated today or later. When no workshop lies ahead (a cycle that has ended, or an
    /// example project), the latest round that has material in `waiting`.
    pub fn next_rounds(&self, waiting: &[PassageRecord]) -> BTreeSet<String> {
        let today = kooste_core::clock::today();
        let mut rounds = BTreeSet::new();
        for r in &self.project.regions {
            let upcoming = r
                .workshops
                .iter()
                .filter(|w| w.date >= today)
                .min_by_key(|w| w.date);
            if let Some(next) = upcoming
                && let Some(prev) = r.workshops.iter().find(|w| w.number + 1 == next.number)
            {
                rounds.insert(format!("{}-{}", r.id, prev.number));
            }
        }
        if rounds.is_empty() {
            let latest = waiting
                .iter()
                .filter_map(|r| r.workshop.as_deref())
                .filter_map(|w| self.project.workshop(w).map(|(_, ws)| (ws.date, w)))
                .max();
            if let Some((_, w)) = latest {
                rounds.insert(w.to_string());
            }
        }
        rounds
    }

    /// The review queue under `filters`; `skipped` are the passages skipped so far, in
    /// order.
    pub fn review_queue(&self, filters: &Filters, skipped: &[String]) -> Result<Queue> {
        let all = self.index()?.records(filters)?;
        let waiting: Vec<PassageRecord> = all
            .iter()
            .filter(|r| r.labels.confirmed.is_none())
            .cloned()
            .collect();
        let rounds = self.next_rounds(&waiting);
        let caimer = self.caimer()?;
        let fp = caimer.proposer().model().fingerprint().to_string();
        let threshold = caimer.proposer().settings().threshold;
        let mut margins = self.margins.0.lock().unwrap_or_else(|e| e.into_inner());
        if margins.len() > 500_000 {
            margins.clear();
        }
        let mut keyed: Vec<(Option<usize>, bool, f32, usize, PassageRecord)> = waiting
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let hints = self.hints(&r);
                let mut key = kooste_core::fingerprint::Fingerprint::new();
                for part in [&fp, r.lang.as_str(), &labels_value(&hints), &r.text] {
                    key.add(part);
                }
                let m = *margins
                    .entry(key.value())
                    .or_insert_with(|| caimer.propose(&r.text, r.lang, &hints).margin(threshold));
                let skip = skipped.iter().position(|s| *s == r.passage);
                let in_round = r.workshop.as_ref().is_some_and(|w| rounds.contains(w));
                (skip, !in_round, m, i, r)
            })
            .collect();
        keyed.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.cmp(&b.1))
                .then(a.2.total_cmp(&b.2))
                .then(a.3.cmp(&b.3))
        });
        Ok(Queue {
            passages: keyed.into_iter().map(|k| k.4).collect(),
            rounds,
            all,
        })
    }

    /// A passage from its record: the proposal now, and its decisions.
    pub fn passage_state(&self, rec: PassageRecord) -> Result<PassageState> {
        let caimer = self.caimer()?;
        let proposal = caimer.propose(&rec.text, rec.lang, &self.hints(&rec));
        let history = kooste_caimer::decisions::history(caimer.decisions(), &rec.passage)
            .into_iter()
            .cloned()
            .collect();
        Ok(PassageState {
            threshold: caimer.proposer().settings().threshold,
            model: caimer.proposer().model().fingerprint().to_string(),
            rec,
            proposal,
            history,
        })
    }

    /// The passage with this id (`DOCID#N`) as it stands now; `None` when the index has no
    /// such passage.
    pub fn passage(&self, passage: &str) -> Result<Option<PassageState>> {
        let doc = passage.rsplit_once('#').map_or("", |(d, _)| d);
        let rec = self
            .index()?
            .document(doc)?
            .into_iter()
            .find(|r| r.passage == passage);
        rec.map(|r| self.passage_state(r)).transpose()
    }

    /// Records a researcher's decision (or withdrawal) on a passage, when the passage is
    /// still what the page showed; reindexes its document so that searches and digests see
    /// the decision. The check and the write happen under the workspace's writer lock, so
    /// no other write of this process comes between them.
    pub fn review(&self, review: Review) -> Result<Reviewed> {
        let not_stored = self.decide(|ws| -> Result<std::result::Result<_, Reviewed>> {
            let Some(now) = ws.passage(&review.passage)? else {
                return Ok(Err(Reviewed::Gone));
            };
            let changed = Changed::between(&review.seen, &now);
            if changed.any() {
                return Ok(Err(Reviewed::Changed(Box::new(changed))));
            }
            if review.withdraw && now.decision().is_none() {
                // Nothing to withdraw (withdrawn meanwhile in another tab): nothing to do.
                return Ok(Err(Reviewed::Stored));
            }
            let Some((doc, _)) = ws.document(&now.rec.doc)? else {
                return Ok(Err(Reviewed::Gone));
            };
            let decision = Decision {
                passage: review.passage.clone(),
                text: now.rec.text.clone(),
                lang: now.rec.lang,
                labels: if review.withdraw {
                    Vec::new()
                } else {
                    review.labels.clone()
                },
                who: review.who.clone(),
                when: kooste_core::clock::now(),
                note: None,
                withdrawn: review.withdraw,
            };
            Ok(Ok((decision, doc)))
        })?;
        Ok(not_stored.unwrap_or(Reviewed::Stored))
    }
}

/// Dimensions as one text, `actors,results` (a review form's value, a cache key's part).
pub fn labels_value(hints: &[Dimension]) -> String {
    hints
        .iter()
        .map(|d| d.as_str())
        .collect::<Vec<_>>()
        .join(",")
}
