//! The proposer: cue lexicons, the form question's hints and the learned weights, added up
//! per dimension into a score with the evidence behind it.

use crate::lexicon::Lexicon;
use crate::memory::{Memory, is_memory_feature};
use crate::train::{self, Model};
use kooste_core::model::{Decision, Dimension, Lang};
use kooste_core::project::Bilingual;
use kooste_text::analyze::{self, Word};
use rustc_hash::FxBuildHasher;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// The five dimensions, in canonical order; indexes of score arrays follow it.
pub(crate) const DIMS: [Dimension; 5] = [
    Dimension::Context,
    Dimension::Actors,
    Dimension::Interventions,
    Dimension::Mechanisms,
    Dimension::Results,
];

/// The index of `d` in [`DIMS`].
pub(crate) fn dim_index(d: Dimension) -> usize {
    DIMS.iter().position(|x| *x == d).unwrap_or(0)
}

/// The knobs of the proposer. The defaults are what the evaluation in `eval/caimer/` was
/// tuned with; they are part of the model's fingerprint.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Settings {
    /// Each dimension's log-odds before any evidence, in canonical order.
    pub bias: [f32; 5],
    /// What a form question's hint adds to its dimension's log-odds.
    pub hint: f32,
    /// The score from which a dimension is proposed.
    pub threshold: f32,
    /// How strongly learning keeps a cue's weight at its curated value.
    pub l2_cue: f32,
    /// How strongly learning keeps a word's weight at zero.
    pub l2_word: f32,
    /// How strongly learning keeps a dimension's bias at its starting value.
    pub l2_bias: f32,
    /// Whether the first letters of each word (`kooste_text::analyze::trunc`) are features
    /// besides its stem.
    pub prefixes: bool,
    /// Whether the character trigrams of each word are features.
    pub grams: bool,
    /// Whether the forms of `morph` (first-person past, a thing done, causal
    /// connectives, "because of" a problem) are features.
    pub forms: bool,
    /// Whether the last letters of long stems (compound heads: `vuokrarästi` → `rasti`)
    /// are features.
    pub tails: bool,
    /// When no dimension reaches the threshold, the best one is still proposed if its
    /// score reaches this and a single piece of evidence speaks for it clearly.
    pub floor: f32,
    /// How much one of the project's decisions weighs in learning, against one passage of
    /// the shipped set in the base model: a project's decisions count above the base.
    pub decision_weight: f32,
    /// L2 strength towards the lexicon for cue and form weights in the base model.
    pub base_l2_cue: f32,
    /// L2 strength towards zero for word weights in the base model.
    pub base_l2_word: f32,
    /// How strongly a decided passage votes for its decision on a passage like it: the
    /// log-odds one identical passage adds (for its labels) or takes away (for the
    /// others), times the similarity. Zero: no memory.
    pub memory: f32,
    /// How many of the nearest decided passages vote.
    pub memory_k: usize,
    /// The similarity (cosine, 0..1) from which a decided passage votes.
    pub memory_min: f32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            // The starting biases of the base model, which learns its own (`l2_bias`
            // keeps them near these). Chosen on the tuning part of `eval/caimer/`; the
            // rest on the tune part of `eval/caimer-real/` (three-fold cross-validation
            // and cross-writer learning curves; `caimer_eval --tuning`).
            bias: [-2.0, -1.8, -1.4, -1.6, -1.6],
            hint: 1.0,
            threshold: 0.3,
            l2_cue: 3.0,
            l2_word: 2.0,
            l2_bias: 10.0,
            prefixes: true,
            grams: false,
            forms: true,
            // Compound heads measured no gain (cross-validated macro-F1 0.693 with, 0.695
            // without), so they are off.
            tails: false,
            floor: 0.2,
            decision_weight: 2.0,
            base_l2_cue: 1.0,
            base_l2_word: 3.0,
            // The memory measured neutral on the tune part (learning curves within a fold
            // and across writers, within +-0.005 of no memory at k = 20, 50, 100): the
            // material has few passages alike; it is kept for the recurring phrasings of
            // real projects, where a passage like a decided one should follow it.
            memory: 2.0,
            memory_k: 3,
            memory_min: 0.5,
        }
    }
}

/// Where a feature of a text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A cue (index into the lexicon) matched these bytes.
    Cue(usize, Range<usize>),
    /// A word of the text.
    Word(Range<usize>),
    /// The form question's hint.
    Hint,
    /// A form of [`crate::morph`] showed in these bytes.
    Form(crate::morph::Form, Range<usize>),
}

/// The features of one text: names, each once, with where each first came from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Features {
    pub(crate) names: Vec<String>,
    pub(crate) origins: Vec<Origin>,
}

impl Features {
    fn push(&mut self, name: String, origin: Origin, seen: &mut std::collections::HashSet<String>) {
        if seen.insert(name.clone()) {
            self.names.push(name);
            self.origins.push(origin);
        }
    }
}

/// The feature name of a form question's hint.
pub(crate) fn hint_feature(d: Dimension) -> String {
    format!("hint:{d}")
}

/// Analyzes a text into its features.
pub(crate) fn features(
    lexicon: &Lexicon,
    settings: &Settings,
    text: &str,
    lang: Lang,
    hints: &[Dimension],
) -> Features {
    let words: Vec<Word> = analyze::words(text);
    let mut out = Features::default();
    let mut seen = std::collections::HashSet::new();
    let mut problem = false;
    for hit in lexicon.matches(&words, lang) {
        let cue = &lexicon.cues()[hit.cue];
        problem |=
            cue.target == crate::lexicon::Target::One(Dimension::Context) && cue.weight > 0.0;
        out.push(cue.feature(), Origin::Cue(hit.cue, hit.span), &mut seen);
    }
    if settings.forms {
        for (form, span) in crate::morph::forms(text, &words, lang, problem) {
            out.push(form.feature(lang), Origin::Form(form, span), &mut seen);
        }
    }
    for d in hints {
        out.push(hint_feature(*d), Origin::Hint, &mut seen);
    }
    for w in &words {
        if !is_content_word(w, lang) {
            continue;
        }
        let span = || Origin::Word(w.span.clone());
        let stem = analyze::stem(&w.folded, lang);
        if settings.tails && stem.chars().count() >= TAIL + 4 {
            let skip = stem.chars().count() - TAIL;
            out.push(
                format!("t:{}", stem.chars().skip(skip).collect::<String>()),
                span(),
                &mut seen,
            );
        }
        out.push(format!("w:{stem}"), span(), &mut seen);
        if settings.prefixes
            && let Some(t) = analyze::trunc(&w.folded)
        {
            out.push(format!("p:{t}"), span(), &mut seen);
        }
        if settings.grams {
            for g in analyze::grams(&w.folded) {
                out.push(format!("g:{g}"), span(), &mut seen);
            }
        }
    }
    out
}

/// How many last letters of a long stem are its compound-head feature.
const TAIL: usize = 5;

/// Words that never become learned evidence: pronouns, the verb to be and modal verbs,
/// reporting verbs, role words and the form's own wording (`not_evidence.txt`), by their
/// written form and by their stem in each language.
struct NotEvidence {
    words: HashSet<String>,
    /// Per language (Finnish, Swedish).
    stems: [HashSet<String>; 2],
}

fn lang_slot(lang: Lang) -> usize {
    match lang {
        Lang::Fi => 0,
        Lang::Sv => 1,
    }
}

fn not_evidence() -> &'static NotEvidence {
    static LIST: OnceLock<NotEvidence> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut list = NotEvidence {
            words: HashSet::new(),
            stems: [HashSet::new(), HashSet::new()],
        };
        let mut lang = Lang::Fi;
        for line in include_str!("not_evidence.txt").lines() {
            let line = line.split('#').next().unwrap_or_default().trim();
            match line {
                "[fi]" => lang = Lang::Fi,
                "[sv]" => lang = Lang::Sv,
                _ => {
                    for w in analyze::words(line) {
                        list.stems[lang_slot(lang)].insert(analyze::stem(&w.folded, lang));
                        list.words.insert(w.lower);
                    }
                }
            }
        }
        list
    })
}

/// Whether a word of a passage in `lang` may become learned evidence: not a function word
/// (of search's list or of `not_evidence.txt`, in any form of the same stem), at least two
/// letters, no digits.
pub fn is_content_word(w: &Word, lang: Lang) -> bool {
    is_content(w, lang, &analyze::stem(&w.folded, lang))
}

/// [`is_content_word`] for a word whose stem is known.
fn is_content(w: &Word, lang: Lang, stem: &str) -> bool {
    let list = not_evidence();
    !(analyze::is_stop(&w.lower)
        || w.folded.chars().nth(1).is_none()
        || w.folded.bytes().any(|c| c.is_ascii_digit())
        || list.words.contains(&w.lower)
        || list.stems[lang_slot(lang)].contains(stem))
}

/// Where a piece of evidence comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A curated cue; its weight may have been adjusted by learning.
    Cue {
        /// The concept's gloss: its identity, and its name in `why` lines.
        gloss: Arc<str>,
        /// The concept in plain Finnish and Swedish, for people reviewing proposals.
        plain: Arc<Bilingual>,
    },
    /// Weights learned from decisions for the words of the text.
    Learned,
    /// A decided passage like this one: its decision leans the proposal its way. The
    /// evidence's feature is the decided text (shortened).
    Decided,
    /// The form question's dimension hint.
    Hint,
}

/// One reason behind a dimension's score.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The dimension it counts for (or against).
    pub dimension: Dimension,
    /// What in the text it is: the words as written (`uskalsin`, `sama työntekijä`), or
    /// `form question` for a hint.
    pub feature: String,
    /// What it adds to the dimension's log-odds (negative: against).
    pub weight: f32,
    /// Where it comes from.
    pub source: Source,
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Cue { gloss, .. } => {
                write!(f, "'{}' (cue: {gloss} {:+.1})", self.feature, self.weight)
            }
            Source::Learned => write!(f, "'{}' (learned {:+.1})", self.feature, self.weight),
            Source::Decided => write!(
                f,
                "'{}' (a passage decided like this {:+.1})",
                self.feature, self.weight
            ),
            Source::Hint => write!(f, "{} hint ({:+.1})", self.feature, self.weight),
        }
    }
}

/// What the proposer says about one passage.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// Every dimension's score (0..1), in canonical order.
    pub scores: Vec<(Dimension, f32)>,
    /// The proposed dimensions (score at or above the threshold), in canonical order.
    pub labels: Vec<Dimension>,
    /// The evidence for and against each dimension, by dimension in canonical order and
    /// within it strongest first.
    pub evidence: Vec<Evidence>,
}

/// How many pieces of evidence a `why` line names.
const WHY_ITEMS: usize = 4;

/// The weight of the strongest evidence a dimension needs to be proposed below the
/// threshold (see [`Settings::floor`]): it is never proposed without a reason to name.
const FLOOR_EVIDENCE: f32 = 0.5;

/// The smallest weight a `why` line names.
const WHY_MIN: f32 = 0.2;

impl Proposal {
    /// The proposed dimensions with their scores, best first: what the index stores.
    pub fn proposed(&self) -> Vec<(Dimension, f32)> {
        let mut p: Vec<(Dimension, f32)> = self
            .scores
            .iter()
            .filter(|(d, _)| self.labels.contains(d))
            .copied()
            .collect();
        p.sort_by(|a, b| b.1.total_cmp(&a.1));
        p
    }

    /// How far the proposal is from changing its mind: the smallest distance of a score
    /// from `threshold`. The nearer, the more a decision on the passage teaches the
    /// proposer: the review queue offers the smallest margins first.
    pub fn margin(&self, threshold: f32) -> f32 {
        self.scores
            .iter()
            .map(|(_, s)| (s - threshold).abs())
            .fold(f32::INFINITY, f32::min)
    }

    /// The score of one dimension.
    pub fn score(&self, d: Dimension) -> f32 {
        self.scores
            .iter()
            .find(|(x, _)| *x == d)
            .map_or(0.0, |(_, s)| *s)
    }

    /// One line per proposed dimension naming the evidence that pushed it, e.g.
    /// `mechanisms: 'uskalsin' (cue: hope and courage +2.4), 'luottamus' (learned +1.3)`.
    pub fn why(&self) -> Vec<String> {
        self.labels
            .iter()
            .map(|d| {
                let items: Vec<String> = self
                    .evidence
                    .iter()
                    .filter(|e| e.dimension == *d && e.weight >= WHY_MIN)
                    .take(WHY_ITEMS)
                    .map(ToString::to_string)
                    .collect();
                if items.is_empty() {
                    format!("{d}: no single word; the dimension is common in the decisions")
                } else {
                    format!("{d}: {}", items.join(", "))
                }
            })
            .collect()
    }
}

/// Proposes CAIMeR dimensions for passages and explains them. Built once (cold, or trained
/// on decisions) and then used for any number of passages.
///
/// Weights come in three layers, each starting from the one below: the curated weights of
/// the lexicons and forms; the base model learned from the shipped labelled set (compiled
/// in, see [`Proposer::cold`]); and the model learned from a project's decisions, which
/// weigh more than the shipped passages ([`Settings::decision_weight`]).
#[derive(Debug, Clone)]
pub struct Proposer {
    lexicon: Lexicon,
    settings: Settings,
    /// The curated weights of cue, form and hint features.
    curated: HashMap<String, [f32; 5]>,
    /// The base model learned from the shipped labelled set.
    base: Model,
    model: Model,
    /// Every feature's weights as the proposer uses them (the model's, else the base's,
    /// else the curated), for proposing without building feature names.
    table: Arc<Table>,
    /// The project's decided passages (see [`crate::memory`]).
    memory: Arc<Memory>,
}

/// The effective weights of every feature that has one, by name, and of the cues, forms
/// and hints by number.
#[derive(Debug, Default)]
struct Table {
    /// A number no other table of this process has: what a thread's memo of words is
    /// keyed by ([`WordMemo`]).
    id: u64,
    index: HashMap<Box<str>, u32, FxBuildHasher>,
    weights: Vec<[f32; 5]>,
    /// Per cue of the lexicon: its entry.
    cues: Vec<Option<u32>>,
    /// Per language and form (`Form::ALL` order): its entry.
    forms: [[Option<u32>; 5]; 2],
    /// Per dimension: the entry of its hint.
    hints: [Option<u32>; 5],
    /// Per cue and per form: the source its evidence names.
    cue_sources: Vec<Source>,
    form_sources: Vec<Source>,
    /// Per entry: its number in the memory, or `NONE`.
    memory_id: Vec<u32>,
    /// Per entry: whether the memory compares it ([`is_memory_feature`]).
    memory_kind: Vec<bool>,
}

const NONE: u32 = u32::MAX;

impl Table {
    fn build(p: &Proposer) -> Table {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let mut t = Table {
            id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            ..Table::default()
        };
        let layers = [&p.model.weights, &p.base.weights, &p.curated];
        for layer in layers {
            for name in layer.keys() {
                if !t.index.contains_key(name.as_str()) {
                    let w = p
                        .model
                        .weights
                        .get(name)
                        .copied()
                        .unwrap_or_else(|| p.prior(name));
                    t.index.insert(name.as_str().into(), t.weights.len() as u32);
                    t.weights.push(w);
                }
            }
        }
        for name in &p.memory.names {
            if !t.index.contains_key(name.as_str()) {
                t.index.insert(name.as_str().into(), t.weights.len() as u32);
                t.weights.push([0.0; 5]);
            }
        }
        t.memory_id = vec![NONE; t.weights.len()];
        t.memory_kind = vec![false; t.weights.len()];
        for (name, e) in &t.index {
            t.memory_kind[*e as usize] = is_memory_feature(name);
        }
        for (m, name) in p.memory.names.iter().enumerate() {
            if let Some(e) = t.get(name) {
                t.memory_id[e as usize] = m as u32;
            }
        }
        t.cues = p
            .lexicon
            .cues()
            .iter()
            .map(|c| t.get(&c.feature()))
            .collect();
        t.cue_sources = p
            .lexicon
            .cues()
            .iter()
            .map(|c| Source::Cue {
                gloss: c.gloss.as_str().into(),
                plain: Arc::new(c.plain.clone()),
            })
            .collect();
        t.form_sources = crate::morph::Form::ALL
            .iter()
            .map(|f| Source::Cue {
                gloss: f.gloss().into(),
                plain: Arc::new(f.plain()),
            })
            .collect();
        for lang in [Lang::Fi, Lang::Sv] {
            for (k, form) in crate::morph::Form::ALL.iter().enumerate() {
                t.forms[lang_slot(lang)][k] = t.get(&form.feature(lang));
            }
        }
        for (k, d) in DIMS.iter().enumerate() {
            t.hints[k] = t.get(&hint_feature(*d));
        }
        t
    }

    fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }
}

/// What the proposer makes of one word of a passage in one language, for one table: whether
/// it is a content word, and its stem's (`w:`) and prefix's (`p:`) table entries, or the
/// hashes of their names when they have none (the memory counts those). A thread keeps
/// these for the words it has seen, since an index build meets the same words millions of
/// times and each would otherwise be stemmed, checked against the lists of function words
/// and looked up by a name built for it.
#[derive(Debug, Clone, Copy)]
struct WordFeatures {
    content: bool,
    stem: Option<u32>,
    stem_hash: u64,
    /// `None` when the word gives no prefix feature (too short, or with digits).
    prefix: Option<(Option<u32>, u64)>,
}

/// A thread's [`WordFeatures`] by language and word (`lang`, the lower-case word, a NUL, the
/// folded word), for the table `table`.
#[derive(Default)]
struct WordMemo {
    table: u64,
    words: HashMap<Box<str>, WordFeatures, FxBuildHasher>,
    key: String,
}

/// At most this many words are kept per thread (about 6 MB); then the memo starts over.
const MEMO_WORDS: usize = 100_000;

impl WordMemo {
    fn features(&mut self, t: &Table, w: &Word, lang: Lang, name: &mut String) -> WordFeatures {
        if self.table != t.id || self.words.len() >= MEMO_WORDS {
            self.words.clear();
            self.table = t.id;
        }
        self.key.clear();
        self.key.push(char::from(lang_slot(lang) as u8 + b'0'));
        self.key.push_str(&w.lower);
        self.key.push('\0');
        self.key.push_str(&w.folded);
        if let Some(f) = self.words.get(self.key.as_str()) {
            return *f;
        }
        let stem = analyze::stem(&w.folded, lang);
        name.clear();
        name.push_str("w:");
        name.push_str(&stem);
        let f = WordFeatures {
            content: is_content(w, lang, &stem),
            stem: t.get(name),
            stem_hash: kooste_core::fingerprint::of(name.as_bytes()),
            prefix: (w.folded.chars().nth(analyze::TRUNC).is_some()
                && !w.folded.bytes().any(|c| c.is_ascii_digit()))
            .then(|| {
                name.clear();
                name.push_str("p:");
                name.extend(w.folded.chars().take(analyze::TRUNC));
                (t.get(name), kooste_core::fingerprint::of(name.as_bytes()))
            }),
        };
        self.words.insert(self.key.as_str().into(), f);
        f
    }
}

/// Buffers a thread keeps between proposals.
#[derive(Default)]
struct Scratch {
    memo: WordMemo,
    lexicon: crate::lexicon::Scratch,
    hits: Vec<crate::lexicon::Hit>,
    name: String,
    /// Per table entry: the proposal that last saw it (so that a feature counts once).
    seen: Vec<u32>,
    stamp: u32,
    /// The features of the passage that have a weight: (entry, where it came from).
    features: Vec<(u32, Origin)>,
    learned: Vec<(usize, usize, usize, f32)>,
    /// Hashes of the passage's memory features that have no entry.
    unknown: Vec<u64>,
    known: Vec<u32>,
    dot: Vec<f32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// The base model as generated by `cargo run --release -p kooste-caimer --example
/// caimer_eval -- --write-base` from the shipped labelled set.
pub const BASE: &str = include_str!("base.json");

impl Proposer {
    /// A proposer that has learned nothing from the project yet: the built-in lexicons,
    /// the default settings and the base model trained on the shipped labelled set.
    pub fn cold() -> crate::Result<Proposer> {
        let plain = Proposer::new(Lexicon::builtin()?, Settings::default());
        let base = Model::from_json(BASE).ok_or_else(|| crate::Error::Lexicon {
            file: "src/base.json".into(),
            message: "the base model cannot be read; regenerate it with `cargo run --release -p kooste-caimer --example caimer_eval -- --write-base`".into(),
        })?;
        Ok(plain.with_base(base))
    }

    /// A proposer with the given lexicon and settings that has learned nothing, not even a
    /// base model: the curated weights alone.
    pub fn new(lexicon: Lexicon, settings: Settings) -> Proposer {
        let mut curated = HashMap::new();
        for c in lexicon.cues() {
            let w = DIMS.map(|d| if c.target.covers(d) { c.weight } else { 0.0 });
            curated.insert(c.feature(), w);
        }
        for d in DIMS {
            let mut w = [0.0; 5];
            w[dim_index(d)] = settings.hint;
            curated.insert(hint_feature(d), w);
        }
        for lang in [Lang::Fi, Lang::Sv] {
            for form in crate::morph::Form::ALL {
                let (d, w) = form.curated();
                let mut ws = [0.0; 5];
                ws[dim_index(d)] = w;
                curated.insert(form.feature(lang), ws);
            }
        }
        let base = Model::untrained(&settings);
        Proposer {
            lexicon,
            settings,
            curated,
            model: base.clone(),
            base,
            table: Arc::default(),
            memory: Arc::default(),
        }
        .tabled()
    }

    /// The proposer with its table of effective weights rebuilt.
    fn tabled(mut self) -> Proposer {
        self.table = Arc::new(Table::build(&self));
        self
    }

    /// This proposer with `base` as its base model (see [`Proposer::train_base`]) and
    /// nothing learned from a project.
    pub fn with_base(&self, base: Model) -> Proposer {
        Proposer {
            model: base.without_weights(),
            base,
            memory: Arc::default(),
            ..self.clone()
        }
        .tabled()
    }

    /// A base model trained on `examples` (the shipped labelled set) from this proposer's
    /// curated weights; deterministic, weights rounded to three decimals so that the stored
    /// file gives exactly the same proposals.
    pub fn train_base(&self, examples: &[Decision]) -> Model {
        let plain = Proposer::new(self.lexicon.clone(), self.settings.clone());
        let s = &self.settings;
        train::train(
            &plain,
            examples,
            1.0,
            [s.base_l2_word, s.base_l2_cue, s.l2_bias],
        )
        .rounded()
    }

    /// The base model.
    pub fn base(&self) -> &Model {
        &self.base
    }

    /// This proposer's lexicon, settings and base model trained on `decisions` (the later
    /// decision on a passage overrides earlier ones). Training starts from the base model
    /// every time, so the same decisions always give the same model.
    pub fn trained(&self, decisions: &[Decision]) -> Proposer {
        let p = self.with_base(self.base.clone());
        let s = &self.settings;
        let model = train::train(
            &p,
            decisions,
            s.decision_weight,
            [s.l2_word, s.l2_cue, s.l2_bias],
        );
        p.with_model(model).remembering(decisions)
    }

    /// The proposer with the memory of `decisions` (their effective ones; see
    /// `memory.rs`); with [`Settings::memory`] zero, none.
    pub fn remembering(&self, decisions: &[Decision]) -> Proposer {
        let memory = if self.settings.memory == 0.0 {
            Memory::default()
        } else {
            Memory::build(&train::effective(decisions), |d| {
                self.features(&d.text, d.lang, &[]).names
            })
        };
        Proposer {
            memory: Arc::new(memory),
            ..self.clone()
        }
        .tabled()
    }

    /// The proposer with a model that was trained earlier (see [`Proposer::model`]).
    pub fn with_model(&self, model: Model) -> Proposer {
        Proposer {
            model,
            ..self.clone()
        }
        .tabled()
    }

    /// The model learned from the project's decisions before any decision: the base
    /// model's biases, nothing else.
    pub fn untrained(&self) -> Model {
        self.base.without_weights()
    }

    /// The learned model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The lexicon.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// A feature's weights before the project's decisions: the base model's, else the
    /// curated ones, else none.
    pub(crate) fn prior(&self, feature: &str) -> [f32; 5] {
        self.base
            .weights
            .get(feature)
            .or_else(|| self.curated.get(feature))
            .copied()
            .unwrap_or([0.0; 5])
    }

    pub(crate) fn features(&self, text: &str, lang: Lang, hints: &[Dimension]) -> Features {
        features(&self.lexicon, &self.settings, text, lang, hints)
    }

    /// Scores every dimension of a passage written in `lang`, with the form question's
    /// dimension hints (empty when it answers no form question), and proposes those at or
    /// above the threshold.
    pub fn propose(&self, text: &str, lang: Lang, hints: &[Dimension]) -> Proposal {
        if self.settings.tails || self.settings.grams {
            return self.propose_reference(text, lang, hints);
        }
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut s) => self.propose_fast(&mut s, text, lang, hints, true),
            Err(_) => self.propose_fast(&mut Scratch::default(), text, lang, hints, true),
        })
    }

    /// The proposed dimensions with their scores, best first: what
    /// `propose(text, lang, hints).proposed()` gives (a test holds them equal), without
    /// building the evidence (its texts and their order), which only the review page shows.
    /// The index labels every passage this way.
    pub fn proposed(&self, text: &str, lang: Lang, hints: &[Dimension]) -> Vec<(Dimension, f32)> {
        if self.settings.tails || self.settings.grams {
            return self.propose_reference(text, lang, hints).proposed();
        }
        SCRATCH
            .with(|s| match s.try_borrow_mut() {
                Ok(mut s) => self.propose_fast(&mut s, text, lang, hints, false),
                Err(_) => self.propose_fast(&mut Scratch::default(), text, lang, hints, false),
            })
            .proposed()
    }

    /// [`Proposer::propose`] without feature names: the weights looked up by number (cues,
    /// forms, hints) or with one reused buffer (words), each feature counted once by a
    /// stamp, no allocation but the words and the proposal itself.
    fn propose_fast(
        &self,
        s: &mut Scratch,
        text: &str,
        lang: Lang,
        hints: &[Dimension],
        explain: bool,
    ) -> Proposal {
        let t = &*self.table;
        // Without `explain`: per dimension, the greatest weight of the evidence that would
        // have been named (what the label from the floor asks), and no evidence.
        let mut best = [f32::NEG_INFINITY; 5];
        let words: Vec<Word> = analyze::words(text);
        if s.seen.len() < t.weights.len() {
            s.seen.resize(t.weights.len(), 0);
        }
        s.stamp = s.stamp.wrapping_add(1);
        if s.stamp == 0 {
            s.seen.iter_mut().for_each(|x| *x = 0);
            s.stamp = 1;
        }
        let stamp = s.stamp;
        s.features.clear();
        let Scratch {
            memo,
            lexicon,
            hits,
            name,
            seen,
            features,
            learned,
            unknown,
            known,
            dot,
            ..
        } = s;
        let remember = !self.memory.is_empty();
        unknown.clear();
        let mut add = |entry: Option<u32>, origin: Origin| {
            if let Some(e) = entry
                && seen[e as usize] != stamp
            {
                seen[e as usize] = stamp;
                features.push((e, origin));
            }
        };
        self.lexicon.matches_into(&words, lang, lexicon, hits);
        let mut problem = false;
        for hit in hits.iter() {
            let cue = &self.lexicon.cues()[hit.cue];
            problem |=
                cue.target == crate::lexicon::Target::One(Dimension::Context) && cue.weight > 0.0;
            add(t.cues[hit.cue], Origin::Cue(hit.cue, hit.span.clone()));
        }
        if self.settings.forms {
            for (form, span) in crate::morph::forms(text, &words, lang, problem) {
                add(
                    t.forms[lang_slot(lang)][form.number()],
                    Origin::Form(form, span),
                );
            }
        }
        for d in hints {
            add(t.hints[dim_index(*d)], Origin::Hint);
        }
        for w in &words {
            let f = memo.features(t, w, lang, name);
            if !f.content {
                continue;
            }
            if f.stem.is_none() && remember {
                unknown.push(f.stem_hash);
            }
            add(f.stem, Origin::Word(w.span.clone()));
            if self.settings.prefixes
                && let Some((e, hash)) = f.prefix
            {
                if e.is_none() && remember {
                    unknown.push(hash);
                }
                add(e, Origin::Word(w.span.clone()));
            }
        }
        let mut unknown_count = 0;
        if remember {
            unknown.sort_unstable();
            unknown.dedup();
            unknown_count = unknown.len();
            known.clear();
            for (e, _) in features.iter() {
                let m = t.memory_id[*e as usize];
                if m != NONE {
                    known.push(m);
                } else if t.memory_kind[*e as usize] {
                    unknown_count += 1;
                }
            }
        }
        let mut z = self.model.bias;
        let mut evidence: Vec<Evidence> =
            Vec::with_capacity(if explain { 4 * features.len() } else { 0 });
        learned.clear();
        // Without `explain`: the learned weights of the word being summed (a word's
        // features follow one another), per dimension, as the sums below make them.
        let mut word: Option<(Range<usize>, [Option<f32>; 5])> = None;
        let flush = |sums: &[Option<f32>; 5], best: &mut [f32; 5]| {
            for (i, w) in sums.iter().enumerate() {
                if let Some(w) = *w
                    && w.abs() >= 0.05
                {
                    best[i] = best[i].max(w);
                }
            }
        };
        for (e, origin) in features.iter() {
            let w = t.weights[*e as usize];
            if !explain && let Origin::Word(span) = origin {
                if word.as_ref().is_some_and(|(s, _)| s != span)
                    && let Some((_, sums)) = word.take()
                {
                    flush(&sums, &mut best);
                }
                let (_, sums) = word.get_or_insert_with(|| (span.clone(), [None; 5]));
                for i in 0..DIMS.len() {
                    z[i] += w[i];
                    if w[i] != 0.0 {
                        sums[i] = Some(sums[i].unwrap_or(0.0) + w[i]);
                    }
                }
                continue;
            }
            for (i, d) in DIMS.iter().enumerate() {
                z[i] += w[i];
                if w[i] == 0.0 {
                    continue;
                }
                if !explain {
                    best[i] = best[i].max(w[i]);
                    continue;
                }
                match origin {
                    Origin::Cue(c, span) => evidence.push(Evidence {
                        dimension: *d,
                        feature: text.get(span.clone()).unwrap_or_default().to_string(),
                        weight: w[i],
                        source: t.cue_sources[*c].clone(),
                    }),
                    Origin::Form(form, span) => evidence.push(Evidence {
                        dimension: *d,
                        feature: text.get(span.clone()).unwrap_or_default().to_string(),
                        weight: w[i],
                        source: t.form_sources[form.number()].clone(),
                    }),
                    Origin::Hint => evidence.push(Evidence {
                        dimension: *d,
                        feature: "form question".into(),
                        weight: w[i],
                        source: Source::Hint,
                    }),
                    Origin::Word(span) => learned.push((i, span.start, span.end, w[i])),
                }
            }
        }
        if let Some((_, sums)) = word {
            flush(&sums, &mut best);
        }
        // Learned weights summed per word in the order they came (as the reference sums
        // them), then by dimension and position.
        learned.sort_by_key(|(i, a, b, _)| (*i, *a, *b));
        let mut k = 0;
        while k < learned.len() {
            let (i, a, b, _) = learned[k];
            let mut w = 0.0f32;
            while k < learned.len() && (learned[k].0, learned[k].1, learned[k].2) == (i, a, b) {
                w += learned[k].3;
                k += 1;
            }
            if w.abs() >= 0.05 {
                if !explain {
                    best[i] = best[i].max(w);
                    continue;
                }
                evidence.push(Evidence {
                    dimension: DIMS[i],
                    feature: text.get(a..b).unwrap_or_default().to_string(),
                    weight: w,
                    source: Source::Learned,
                });
            }
        }
        if remember {
            let named = if explain { None } else { Some(&mut best) };
            self.vote(known, unknown_count, dot, &mut z, &mut evidence, named);
        }
        if !explain {
            let (scores, labels) = self.decide(z, |d| best[dim_index(d)] >= FLOOR_EVIDENCE);
            return Proposal {
                scores,
                labels,
                evidence: Vec::new(),
            };
        }
        self.finish(z, evidence)
    }

    /// The votes of the nearest decided passages, added to `z` and named as evidence.
    fn vote(
        &self,
        known: &[u32],
        unknown: usize,
        dot: &mut Vec<f32>,
        z: &mut [f32; 5],
        evidence: &mut Vec<Evidence>,
        mut best: Option<&mut [f32; 5]>,
    ) {
        let s = &self.settings;
        for (p, sim) in self
            .memory
            .nearest(known, unknown, s.memory_k, s.memory_min, dot)
        {
            let r = &self.memory.passages[p];
            let feature = if best.is_some() {
                String::new()
            } else {
                shorten(&r.text)
            };
            for (i, d) in DIMS.iter().enumerate() {
                let v = s.memory * sim * if r.labels[i] { 1.0 } else { -1.0 };
                z[i] += v;
                if let Some(best) = best.as_deref_mut() {
                    best[i] = best[i].max(v);
                    continue;
                }
                evidence.push(Evidence {
                    dimension: *d,
                    feature: feature.clone(),
                    weight: v,
                    source: Source::Decided,
                });
            }
        }
    }

    /// The proposal as the straightforward reference computes it: feature names first,
    /// then their weights. [`Proposer::propose`] gives exactly the same (a test checks it
    /// on every labelled passage).
    pub fn propose_reference(&self, text: &str, lang: Lang, hints: &[Dimension]) -> Proposal {
        let f = self.features(text, lang, hints);
        let mut z = self.model.bias;
        // Per dimension: evidence by (source, feature), summed over a word's features.
        let mut evidence: Vec<Evidence> = Vec::new();
        let mut learned: HashMap<(usize, Range<usize>), f32> = HashMap::new();
        for (name, origin) in f.names.iter().zip(&f.origins) {
            let w = self
                .model
                .weights
                .get(name)
                .copied()
                .unwrap_or_else(|| self.prior(name));
            for (i, d) in DIMS.iter().enumerate() {
                z[i] += w[i];
                if w[i] == 0.0 {
                    continue;
                }
                match origin {
                    Origin::Cue(c, span) => {
                        let cue = &self.lexicon.cues()[*c];
                        evidence.push(Evidence {
                            dimension: *d,
                            feature: text.get(span.clone()).unwrap_or_default().to_string(),
                            weight: w[i],
                            source: Source::Cue {
                                gloss: cue.gloss.as_str().into(),
                                plain: Arc::new(cue.plain.clone()),
                            },
                        });
                    }
                    Origin::Form(form, span) => evidence.push(Evidence {
                        dimension: *d,
                        feature: text.get(span.clone()).unwrap_or_default().to_string(),
                        weight: w[i],
                        source: Source::Cue {
                            gloss: form.gloss().into(),
                            plain: Arc::new(form.plain()),
                        },
                    }),
                    Origin::Hint => evidence.push(Evidence {
                        dimension: *d,
                        feature: "form question".into(),
                        weight: w[i],
                        source: Source::Hint,
                    }),
                    Origin::Word(span) => *learned.entry((i, span.clone())).or_default() += w[i],
                }
            }
        }
        let mut learned: Vec<_> = learned.into_iter().collect();
        learned.sort_by_key(|((i, span), _)| (*i, span.start, span.end));
        for ((i, span), w) in learned {
            if w.abs() >= 0.05 {
                evidence.push(Evidence {
                    dimension: DIMS[i],
                    feature: text.get(span).unwrap_or_default().to_string(),
                    weight: w,
                    source: Source::Learned,
                });
            }
        }
        if !self.memory.is_empty() {
            let t = &*self.table;
            let mut known = Vec::new();
            let mut unknown = 0;
            for name in f.names.iter().filter(|n| is_memory_feature(n)) {
                match t.get(name).map(|e| t.memory_id[e as usize]) {
                    Some(m) if m != NONE => known.push(m),
                    _ => unknown += 1,
                }
            }
            self.vote(
                &known,
                unknown,
                &mut Vec::new(),
                &mut z,
                &mut evidence,
                None,
            );
        }
        self.finish(z, evidence)
    }

    /// Sorts the evidence and turns the log-odds into scores and labels.
    fn finish(&self, z: [f32; 5], mut evidence: Vec<Evidence>) -> Proposal {
        evidence.sort_by(|a, b| {
            dim_index(a.dimension)
                .cmp(&dim_index(b.dimension))
                .then(b.weight.total_cmp(&a.weight))
        });
        let (scores, labels) = self.decide(z, |d| {
            evidence
                .iter()
                .any(|e| e.dimension == d && e.weight >= FLOOR_EVIDENCE)
        });
        Proposal {
            scores,
            labels,
            evidence,
        }
    }

    /// The scores of the log-odds, and the labels: those at or above the threshold, or when
    /// none is, the best dimension from the floor if `strong` evidence speaks for it.
    fn decide(
        &self,
        z: [f32; 5],
        strong: impl Fn(Dimension) -> bool,
    ) -> (Vec<(Dimension, f32)>, Vec<Dimension>) {
        let scores: Vec<(Dimension, f32)> =
            DIMS.iter().zip(z).map(|(d, z)| (*d, sigmoid(z))).collect();
        let mut labels: Vec<Dimension> = scores
            .iter()
            .filter(|(_, s)| *s >= self.settings.threshold)
            .map(|(d, _)| *d)
            .collect();
        if labels.is_empty()
            && let Some((d, s)) = scores.iter().max_by(|a, b| a.1.total_cmp(&b.1))
            && *s >= self.settings.floor
            && strong(*d)
        {
            labels.push(*d);
        }
        (scores, labels)
    }
}

/// How many characters of a decided passage its evidence shows.
const SHORT: usize = 80;

/// A decided text as its evidence names it: whole, or its first words and "…".
fn shorten(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= SHORT {
        return text.to_string();
    }
    let cut: String = text.chars().take(SHORT).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':']))
}

/// The logistic function.
pub(crate) fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}
