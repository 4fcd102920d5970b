//! The digest as data: what the templates see. Names of voices, dimensions, statuses and
//! other interface wording are not here but in `strings.toml`; what comes from the project's
//! files (theme labels, the region's name, a battery's questions) is given in the digest's
//! language where the files have it.

use kooste_core::model::{Date, Dimension, Lang, Voice};
use kooste_core::steps::{Kind, Status};
use serde::Serialize;

/// One workshop's digest.
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    /// The language of the digest.
    pub lang: Lang,
    /// The project's name.
    pub project: String,
    /// The workshop where the digest is presented.
    pub workshop: WorkshopInfo,
    /// The previous workshop: the round the digest covers.
    pub round: WorkshopInfo,
    /// Whether the round has no material at all.
    pub empty: bool,
    /// The between-workshop task agreed at the end of the previous workshop: what was
    /// collected.
    pub asked: Option<TaskInfo>,
    /// How much came in, from which voices.
    pub received: Received,
    /// Voices × CAIMeR dimensions.
    pub matrix: Matrix,
    /// The findings, theme by theme.
    pub themes: Vec<ThemeSection>,
    /// The research-knowledge part: the researchers' documents of the round.
    pub research: Vec<ResearchDoc>,
    /// Questions the researchers put to the workshop in their documents of the round.
    pub questions: Vec<Quote>,
    /// The development-steps list as it stood before the workshop.
    pub steps: StepsPart,
    /// The task of this workshop, agreed at its end and collected for the next one.
    pub next: Option<TaskInfo>,
    /// The workshop after this one, if the cycle has one.
    pub next_workshop: Option<WorkshopInfo>,
    /// What is wrong in the researchers' curation of the findings (`findings/WORKSHOP.toml`);
    /// the rest of it still holds.
    pub curation: Vec<crate::findings::Problem>,
    /// Passages in the appendix: those of the findings that are not quoted in the body.
    pub appendix: usize,
    /// Comments made on the previous digest at the round's workshop (see `comments`).
    pub comments: CommentsPart,
}

/// A workshop day.
#[derive(Debug, Clone, Serialize)]
pub struct WorkshopInfo {
    /// `region-number`.
    pub id: String,
    /// The region id.
    pub region: String,
    /// The region's name in the digest's language.
    pub region_name: String,
    /// Its number in the cycle.
    pub number: u32,
    /// How many workshops the cycle has.
    pub of: usize,
    /// The day.
    pub date: Date,
    /// Its themes.
    pub themes: Vec<Label>,
    /// Working methods, as the workshop file names them.
    pub methods: Vec<String>,
    /// What the workshop did, as the workshop file tells it.
    pub summary: Text,
}

/// An id with its label in the digest's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// The id.
    pub id: String,
    /// The label.
    pub label: String,
}

/// A text with the language it is written in, so that a template can say when a text
/// exists only in the other language.
#[derive(Debug, Clone, Serialize)]
pub struct Text {
    /// The text (may be empty).
    pub text: String,
    /// Its language.
    pub lang: Lang,
}

/// A between-workshop task (välitehtävä).
#[derive(Debug, Clone, Serialize)]
pub struct TaskInfo {
    /// The workshop where it was agreed.
    pub workshop: String,
    /// The theme.
    pub theme: Label,
    /// Whose knowledge is collected.
    pub from: Vec<Voice>,
    /// How and by whom.
    pub how: Text,
    /// The question battery.
    pub battery: Option<BatteryInfo>,
    /// When the material is due.
    pub due: Option<Date>,
}

/// A question battery in the digest's language.
#[derive(Debug, Clone, Serialize)]
pub struct BatteryInfo {
    /// The id.
    pub id: String,
    /// The title.
    pub title: String,
    /// The instructions.
    pub intro: String,
    /// The questions, in order.
    pub questions: Vec<QuestionInfo>,
}

/// One question of a battery.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionInfo {
    /// The question.
    pub text: String,
    /// Who answers it.
    pub voice: Voice,
}

/// How much came in.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Received {
    /// Documents in the round.
    pub documents: usize,
    /// Passages in the round.
    pub passages: usize,
    /// Passages whose labels a researcher confirmed (the decision may be "none of them").
    pub confirmed: usize,
    /// Passages whose labels are only the proposer's, checked by nobody yet.
    pub proposed: usize,
    /// Per voice, all three always present.
    pub voices: Vec<VoiceCount>,
    /// Documents per language.
    pub languages: Vec<LangCount>,
}

/// What one voice brought.
#[derive(Debug, Clone, Serialize)]
pub struct VoiceCount {
    /// The voice.
    pub voice: Voice,
    /// Documents whose voice it is.
    pub documents: usize,
    /// Passages in its voice (a form row mixes voices).
    pub passages: usize,
    /// Of its documents, those collected or written down by someone of another voice.
    pub relayed: usize,
}

/// Documents in one language.
#[derive(Debug, Clone, Serialize)]
pub struct LangCount {
    /// The language.
    pub lang: Lang,
    /// Documents in it.
    pub documents: usize,
}

/// The voices × dimensions picture.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Matrix {
    /// The dimensions, in CAIMeR order (the columns).
    pub dimensions: Vec<Dimension>,
    /// One row per voice.
    pub rows: Vec<MatrixRow>,
    /// Per dimension: passages of any voice (the bars).
    pub totals: Vec<Cell>,
    /// The largest cell.
    pub max: usize,
    /// The largest total.
    pub max_total: usize,
    /// Passages with no dimension yet.
    pub unclassified: usize,
}

/// One voice's row.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    /// The voice.
    pub voice: Voice,
    /// One cell per dimension, in the order of [`Matrix::dimensions`].
    pub cells: Vec<Cell>,
    /// Its passages with any dimension.
    pub classified: usize,
    /// Its passages with none.
    pub unclassified: usize,
}

/// A count with its place on a scale.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// The dimension.
    pub dimension: Dimension,
    /// Passages.
    pub count: usize,
    /// 0 for none, else 1 (few) to 4 (the most), for shading.
    pub level: u8,
    /// The count as a percentage of the largest, 0–100, for bar lengths.
    pub percent: usize,
}

/// One theme's findings.
#[derive(Debug, Clone, Serialize)]
pub struct ThemeSection {
    /// The theme (id `""` for passages with no theme and no task to take one from).
    pub theme: Label,
    /// Passages under the theme.
    pub passages: usize,
    /// The voices heard under it.
    pub voices: Vec<Voice>,
    /// Its findings of more than one passage, and curated ones: more voices first, then
    /// larger ones.
    pub findings: Vec<Finding>,
    /// Passages that stand alone (no matter, nothing like them): each a finding of one,
    /// shown together as a list.
    pub single: Vec<Finding>,
    /// How many of its findings are multi-voiced.
    pub multi_voiced: usize,
}

impl ThemeSection {
    /// Every finding of the theme: the larger ones, then the passages that stand alone.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().chain(&self.single)
    }

    /// The theme's findings as `Curation::apply` checks a change against them: each
    /// finding's id and its passage ids.
    pub fn members(&self) -> Vec<(String, Vec<String>)> {
        self.all_findings()
            .map(|f| {
                (
                    f.id.clone(),
                    f.passages().map(|q| q.passage.clone()).collect(),
                )
            })
            .collect()
    }
}

/// Passages about the same matter, from whichever voices.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Its id within the theme: a matter id (`asuminen`), an own id of the curation
    /// (`oma-1`), or for a passage that stands alone, the passage id.
    pub id: String,
    /// The theme id, for curation links.
    pub theme: String,
    /// An HTML anchor for it, unique in the digest.
    pub anchor: String,
    /// The heading: the curated one, else the matter's name, else a phrase of its most
    /// central passage.
    pub heading: Text,
    /// The researchers' one-sentence summary, if written.
    pub summary: Option<Text>,
    /// The matter id, when the finding is one matter's.
    pub matter: Option<String>,
    /// Whether a researcher has curated it (renamed, merged, moved passages, pinned).
    pub curated: bool,
    /// The voices heard in it.
    pub voices: Vec<Voice>,
    /// Whether more than one voice supports it.
    pub multi_voiced: bool,
    /// Its passages per CAIMeR dimension (dimensions with none left out), in CAIMeR order.
    pub dimensions: Vec<DimensionCount>,
    /// How many passages it has.
    pub count: usize,
    /// The representative quotes: pinned ones first, then one per voice, then the most
    /// central; two to four (all, when it has fewer).
    pub quotes: Vec<Quote>,
    /// Its other passages, in corpus order: the appendix (print) or one click away (web).
    pub rest: Vec<Quote>,
}

impl Finding {
    /// Every passage of the finding: the quoted ones, then the rest.
    pub fn passages(&self) -> impl Iterator<Item = &Quote> {
        self.quotes.iter().chain(&self.rest)
    }
}

/// Passages of one dimension.
#[derive(Debug, Clone, Serialize)]
pub struct DimensionCount {
    /// The dimension.
    pub dimension: Dimension,
    /// Passages.
    pub count: usize,
}

/// A link to a finding.
#[derive(Debug, Clone, Serialize)]
pub struct FindingRef {
    /// Its anchor.
    pub anchor: String,
    /// Its heading.
    pub heading: String,
    /// How many of the document's passages are in it.
    pub passages: usize,
}

/// A passage as quoted: redacted text, attributed by voice and pseudonym only.
#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    /// `DOCID#N`, for tracing it back; the default templates do not print it.
    pub passage: String,
    /// The redacted text, on one line.
    pub text: String,
    /// Whose knowledge it carries.
    pub voice: Voice,
    /// The pseudonym of the document, if it has one.
    pub pseudonym: Option<String>,
    /// Who collected or relayed it, if someone of another voice did.
    pub via: Option<Voice>,
    /// Its language.
    pub lang: Lang,
    /// The wording of the form question it answers, if any.
    pub question: Option<String>,
    /// Whose its labels are: a researcher's decision or the proposer's proposal.
    pub labels: LabelStatus,
}

/// Whose the labels of a passage are, shown beside every quote so that a proposal is never
/// taken for a researcher's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelStatus {
    /// A researcher decided (possibly that no dimension holds).
    Confirmed,
    /// The proposer proposed them; nobody has checked them yet.
    Proposed,
    /// No label at all.
    None,
}

impl LabelStatus {
    /// The status of a passage's labels.
    pub fn of(labels: &kooste_core::record::Labels) -> LabelStatus {
        match &labels.confirmed {
            Some(_) => LabelStatus::Confirmed,
            None if labels.proposed.is_empty() => LabelStatus::None,
            None => LabelStatus::Proposed,
        }
    }
}

/// A researcher's document of the round.
#[derive(Debug, Clone, Serialize)]
pub struct ResearchDoc {
    /// The document id.
    pub doc: String,
    /// Its title, if it has one.
    pub title: Option<String>,
    /// The pseudonym of its author, if given.
    pub pseudonym: Option<String>,
    /// Its date.
    pub date: Option<Date>,
    /// Its language.
    pub lang: Lang,
    /// How many passages it has.
    pub passages: usize,
    /// The findings its passages are in (its questions are in the questions part).
    pub findings: Vec<FindingRef>,
}

/// The development-steps list in a digest.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StepsPart {
    /// Changes are those dated after this day (the previous workshop).
    pub since: Option<Date>,
    /// The list as it stood before this day (the workshop).
    pub until: Option<Date>,
    /// The needs, in file order.
    pub needs: Vec<StepItem>,
    /// The steps, in file order.
    pub steps: Vec<StepItem>,
    /// Entries that changed since the previous workshop (new ones included).
    pub changed: usize,
}

/// One need or step.
#[derive(Debug, Clone, Serialize)]
pub struct StepItem {
    /// The id.
    pub id: String,
    /// Need or step.
    pub kind: Kind,
    /// The title.
    pub title: String,
    /// The description.
    pub description: Option<String>,
    /// The workshop where it was raised.
    pub workshop: Option<String>,
    /// The voices that raised it.
    pub voices: Vec<Voice>,
    /// Its status before the workshop.
    pub status: Status,
    /// Its status at the previous workshop, when it existed then and the status differs.
    pub status_was: Option<Status>,
    /// Raised since the previous workshop.
    pub new: bool,
    /// New, or has notes since the previous workshop.
    pub changed: bool,
    /// The notes dated since the previous workshop.
    pub notes: Vec<NoteItem>,
    /// For a step: the titles of the needs it answers.
    pub needs: Vec<String>,
    /// The language it is written in (the list's `lang`, else the project's).
    pub lang: Option<Lang>,
}

/// A dated note.
#[derive(Debug, Clone, Serialize)]
pub struct NoteItem {
    /// The day.
    pub date: Date,
    /// What happened.
    pub text: String,
    /// The status it set, if any.
    pub status: Option<Status>,
}

// ---- Comments made at a workshop on its digest (issue 21; see `comments`) ----

/// The comments made at the round's workshop on the digest presented there.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CommentsPart {
    /// How many comments.
    pub count: usize,
    /// The comments grouped by what they comment on.
    pub groups: Vec<CommentGroup>,
}

/// The comments on one finding (or on the digest as a whole).
#[derive(Debug, Clone, Serialize)]
pub struct CommentGroup {
    /// On the digest as a whole rather than one finding.
    pub whole: bool,
    /// The finding's heading when the comments were made.
    pub heading: Option<String>,
    /// How many passages the finding had.
    pub passages: usize,
    /// How many of them are no longer in the corpus.
    pub missing: usize,
    /// Up to three of the finding's passages as they are now.
    pub quotes: Vec<Quote>,
    /// The comments, in corpus order.
    pub comments: Vec<CommentItem>,
}

/// One comment.
#[derive(Debug, Clone, Serialize)]
pub struct CommentItem {
    /// Its document id.
    pub doc: String,
    /// Its paragraphs (redacted).
    pub paragraphs: Vec<String>,
    /// The commenter's voice.
    pub voice: Voice,
    /// The language it is written in.
    pub lang: Lang,
    /// When it was made.
    pub date: Option<Date>,
}
