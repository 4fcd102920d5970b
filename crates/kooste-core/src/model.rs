//! Domain types. Nothing here touches the filesystem.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Declares a closed vocabulary whose values are accepted in English, Finnish or Swedish
/// (and in the optional alternative spellings in brackets) and always written back in
/// English. Input is matched case-insensitively, with spaces and underscores read as
/// hyphens.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $what:literal, { $($(#[$vdoc:meta])* $variant:ident = $en:literal, $fi:literal, $sv:literal $(, [$($alt:literal),*])?;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in canonical order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical (English) name used in files and JSON.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $en,)+ }
            }

            /// The name in the given language.
            pub fn label(self, lang: $crate::model::Lang) -> &'static str {
                use $crate::model::Lang;
                match (self, lang) {
                    $(($name::$variant, Lang::Fi) => $fi, ($name::$variant, Lang::Sv) => $sv,)+
                }
            }

            /// The valid spellings, for error messages.
            pub fn valid_values() -> String {
                [$(concat!($en, " (", $fi, ", ", $sv, ")")),+].join(", ")
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> std::result::Result<Self, String> {
                let given = s.trim().to_lowercase();
                let s = given.replace(['_', ' '], "-");
                $(if s == $en || s == $fi.replace(' ', "-") || s == $sv.replace(' ', "-") $($(|| s == $alt)*)? {
                    return Ok($name::$variant);
                })+
                Err(format!("unknown {} '{}'; valid values are {}", $what, given, Self::valid_values()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary!(
    /// Whose knowledge a document or passage carries (the three parties of the TIPS model).
    Voice, "voice", {
        /// Experiential knowledge (kokemustieto).
        Client = "client", "asiakas", "klient";
        /// Professional knowledge (ammattitieto).
        Worker = "worker", "työntekijä", "arbetstagare";
        /// Research knowledge (tutkimustieto).
        Researcher = "researcher", "tutkija", "forskare";
    }
);

vocabulary!(
    /// A CAIMeR dimension (Blom & Morén 2010).
    Dimension, "dimension", {
        /// Circumstances: life situation, organisation, resources, legislation.
        Context = "context", "konteksti", "kontext";
        /// Who takes part and what they bring.
        Actors = "actors", "toimijat", "aktörer";
        /// What the worker or service does.
        Interventions = "interventions", "interventiot", "interventioner";
        /// What happens in and between people that makes change possible.
        Mechanisms = "mechanisms", "mekanismit", "mekanismer";
        /// Outcomes in the client's life, in services, in the organisation.
        Results = "results", "tulokset", "resultat";
    }
);

vocabulary!(
    /// A language of the material and of the interface.
    Lang, "language", {
        /// Finnish.
        Fi = "fi", "suomi", "finska";
        /// Swedish.
        Sv = "sv", "ruotsi", "svenska";
    }
);

/// A calendar date, `YYYY-MM-DD`, checked to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: u16,
    /// Month, 1-12.
    pub month: u8,
    /// Day, 1-31.
    pub day: u8,
}

impl Date {
    /// Builds a date if it exists in the Gregorian calendar.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let m = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(i32::from(year), m, day).ok()?;
        Some(Date { year, month, day })
    }

    /// The date as Finnish and Swedish write it: `1.3.2018`.
    pub fn local(&self) -> String {
        format!("{}.{}.{}", self.day, self.month, self.year)
    }
}

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Date, String> {
        let bad = || format!("'{s}' is not a date; write it as YYYY-MM-DD, for example 2018-03-14");
        let mut parts = s.trim().splitn(3, '-');
        let mut next = |len: usize| -> Result<u16, String> {
            let p = parts.next().ok_or_else(bad)?;
            if p.len() != len || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            p.parse().map_err(|_| bad())
        };
        let (y, m, d) = (next(4)?, next(2)?, next(2)?);
        Date::new(y, m as u8, d as u8).ok_or_else(bad)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // TOML has a native date type; YAML and JSON give strings. Accept both.
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date YYYY-MM-DD")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Date, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Date, A::Error> {
                // toml's datetime arrives as a one-entry map holding its string form.
                let (_, v): (String, String) = map
                    .next_entry()?
                    .ok_or_else(|| serde::de::Error::custom("empty date"))?;
                v.parse().map_err(serde::de::Error::custom)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Checks an id: `[A-Za-z0-9._-]+`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

/// Metadata of one document: its front matter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentMeta {
    /// Stable id, `[A-Za-z0-9._-]+`.
    pub id: String,
    /// A short title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Whose knowledge this is.
    pub voice: Voice,
    /// Who collected or relayed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Voice>,
    /// The workshop round it belongs to, e.g. `rannikko-3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workshop: Option<String>,
    /// A theme id from `kooste.toml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// The question battery it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery: Option<String>,
    /// When it was written or collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// Its language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// The pseudonym of the person it comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pseudonym: Option<String>,
    /// The file it was ingested from, redacted: a path relative to the project when the
    /// file lay inside it, else relative to where `kooste ingest` was run (at most its two
    /// innermost folders), or `web/SUBMISSION` for a web form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// A keyed fingerprint of the source's full path (see `kooste_ingest::source`): the same
    /// file ingested again updates its documents, another file never does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_key: Option<String>,
    /// A keyed fingerprint of the source's contents: a file moved elsewhere and ingested
    /// again is recognised as the same material.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_key: Option<String>,
    /// The row of a form file it was ingested from (1 = the first row after the header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// A comment made at a workshop on its digest: the workshop whose digest it comments on
    /// (the document's own `workshop` is where it was said, the same workshop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_on: Option<String>,
    /// The passages (`DOCID#N`) of the finding a comment comments on; none for a comment on
    /// the digest as a whole. Ids rather than a finding's number, so that the comment finds
    /// its passages whatever a later curation does to the findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comment_passages: Vec<String>,
}

impl DocumentMeta {
    /// The metadata of a document with only its id and voice: every other field empty.
    pub fn new(id: impl Into<String>, voice: Voice) -> DocumentMeta {
        DocumentMeta {
            id: id.into(),
            title: None,
            voice,
            via: None,
            workshop: None,
            theme: None,
            battery: None,
            date: None,
            lang: None,
            pseudonym: None,
            source: None,
            source_key: None,
            content_key: None,
            row: None,
            comment_on: None,
            comment_passages: Vec::new(),
        }
    }
}

/// Whether `id` is a passage id, `DOCID#N`.
pub fn is_passage_id(id: &str) -> bool {
    id.rsplit_once('#').is_some_and(|(doc, n)| {
        is_valid_id(doc) && !n.is_empty() && n.len() <= 6 && n.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Where a passage stands in the project's files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The file, relative to the project directory.
    pub file: String,
    /// The 1-based line where the passage starts.
    pub line: usize,
}

/// The unit that is searched, coded and quoted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    /// `DOCID#N`, N from 1 in document order.
    pub id: String,
    /// Whose knowledge it carries.
    pub voice: Voice,
    /// The text, already redacted.
    pub text: String,
    /// The form question it answers, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// Dimension hints from the form question.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<Dimension>,
    /// Where it stands.
    pub provenance: Provenance,
}

/// One submission: metadata, the Markdown body, and its passages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// The front matter.
    pub meta: DocumentMeta,
    /// The body as stored (redacted).
    pub body: String,
    /// The passages, in document order.
    pub passages: Vec<Passage>,
}

/// A researcher's confirmation or correction of a passage's CAIMeR dimensions. Decisions
/// are data: they are stored in the project's files, replayed into the index and used to
/// train the proposer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The passage decided on, normally `DOCID#N`.
    pub passage: String,
    /// The passage's text as the researcher saw it, redacted.
    pub text: String,
    /// The language the text is written in.
    pub lang: Lang,
    /// The dimensions that hold, in canonical order; empty means "none of them".
    pub labels: Vec<Dimension>,
    /// Who decided: a user name, or `cli` for `kooste caimer learn`.
    pub who: String,
    /// When, as an RFC 3339 date-time such as `2018-03-14T09:30:00Z`.
    pub when: String,
    /// A free-text note, redacted like the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Whether this decision withdraws the earlier ones on the passage: it goes back to
    /// review, and its labels (kept empty) count for nothing. Written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub withdrawn: bool,
}

impl Decision {
    /// Checks what a decision must hold, saying what is wrong: a passage id of the form
    /// `[A-Za-z0-9._#-]+` (such as `DOCID#N`), a text, a `who`, an RFC 3339 `when`, and no
    /// label twice.
    pub fn check(&self) -> Result<(), String> {
        let id_ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'#');
        if self.passage.is_empty() || self.passage.len() > 300 || !self.passage.bytes().all(id_ok) {
            return Err(format!(
                "'{}' is not a passage id; use the id kooste gave the passage, such as DOCID#3 (letters a-z, digits, . _ - #)",
                self.passage.chars().take(80).collect::<String>()
            ));
        }
        if self.text.trim().is_empty() {
            return Err(format!("the text of '{}' is empty", self.passage));
        }
        if self.who.trim().is_empty() {
            return Err(format!(
                "the decision on '{}' says nobody made it",
                self.passage
            ));
        }
        if !is_date_time(&self.when) {
            return Err(format!(
                "'{}' is not a date-time; write it as RFC 3339, for example 2018-03-14T09:30:00Z",
                self.when
            ));
        }
        if self.withdrawn && !self.labels.is_empty() {
            return Err(format!(
                "the withdrawal of the decision on '{}' gives labels; a withdrawal has none",
                self.passage
            ));
        }
        let mut seen = self.labels.clone();
        seen.sort_unstable();
        seen.dedup();
        if seen.len() != self.labels.len() {
            return Err(format!("a label is given twice for '{}'", self.passage));
        }
        Ok(())
    }
}

/// Whether `s` is an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS` (or a space for the `T`),
/// optional fraction, and `Z` or an offset `+HH:MM`.
pub fn is_date_time(s: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    let mut s = s.to_string();
    if s.as_bytes().get(10) == Some(&b' ') {
        s.replace_range(10..11, "T");
    }
    // A leap second (`:60`) is a valid RFC 3339 time that `time` takes only on the last
    // day of June or December; any day will do here.
    if s.get(16..19) == Some(":60") {
        s.replace_range(17..19, "59");
    }
    time::OffsetDateTime::parse(&s, &Rfc3339).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voices_in_three_languages() {
        for (s, v) in [
            ("asiakas", Voice::Client),
            ("Klient", Voice::Client),
            ("työntekijä", Voice::Worker),
            ("forskare", Voice::Researcher),
            (" worker ", Voice::Worker),
        ] {
            assert_eq!(s.parse::<Voice>().unwrap(), v);
        }
        let err = "manager".parse::<Voice>().unwrap_err();
        assert!(err.contains("client (asiakas, klient)"), "{err}");
    }

    #[test]
    fn dates_are_checked() {
        assert_eq!(
            "2018-03-14".parse::<Date>().unwrap().to_string(),
            "2018-03-14"
        );
        assert!("2018-02-30".parse::<Date>().is_err());
        assert!("2020-02-29".parse::<Date>().is_ok());
        assert!("14.3.2018".parse::<Date>().is_err());
        assert!("2018-3-14".parse::<Date>().is_err());
    }
    #[test]
    fn decision_times_are_rfc3339() {
        for ok in [
            "2018-03-14T09:30:00Z",
            "2018-03-14T09:30:00.123Z",
            "2018-03-14T23:59:60+02:00",
            "2018-03-14 09:30:00-05:30",
        ] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in [
            "2018-03-14",
            "2018-03-14T09:30Z",
            "2018-03-14T24:00:00Z",
            "2018-02-30T09:30:00Z",
            "2018-03-14T09:30:00",
            "2018-03-14T09:30:00.Z",
            "2018-03-14T09:30:00+2:00",
            "2018-03-14T09:30:00Zx",
            "ä018-03-14T09:30:00Z",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn decisions_are_checked() {
        let d = Decision {
            passage: "doc#1".into(),
            text: "Tehtiin kotikäynti.".into(),
            lang: Lang::Fi,
            labels: vec![Dimension::Interventions],
            who: "cli".into(),
            when: "2018-03-14T09:30:00Z".into(),
            note: None,
            withdrawn: false,
        };
        assert_eq!(d.check(), Ok(()));
        let spaced = Decision {
            passage: "Maija Virtanen".into(),
            ..d.clone()
        };
        assert!(spaced.check().unwrap_err().contains("not a passage id"));
        let twice = Decision {
            labels: vec![Dimension::Results, Dimension::Results],
            ..d.clone()
        };
        assert!(twice.check().unwrap_err().contains("twice"));
        let late = Decision {
            when: "yesterday".into(),
            ..d
        };
        assert!(late.check().unwrap_err().contains("RFC 3339"));
    }
}
