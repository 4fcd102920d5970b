//! What kooste's codes and variables are called in a REFI-QDA project, in Finnish, Swedish
//! and English. Exports use the project's language; imports accept any of the three.

use kooste_core::model::{Dimension, Lang};

/// A document's metadata field, carried as a case variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Var {
    Id,
    Title,
    Voice,
    Via,
    Workshop,
    Theme,
    Battery,
    Date,
    Lang,
    Pseudonym,
    Row,
}

/// The REFI-QDA type of a variable's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarType {
    Text,
    Date,
    Integer,
}

impl Var {
    pub(crate) const ALL: &'static [Var] = &[
        Var::Id,
        Var::Title,
        Var::Voice,
        Var::Via,
        Var::Workshop,
        Var::Theme,
        Var::Battery,
        Var::Date,
        Var::Lang,
        Var::Pseudonym,
        Var::Row,
    ];

    /// English, Finnish and Swedish names.
    fn names(self) -> [&'static str; 3] {
        match self {
            Var::Id => ["id", "tunniste", "id"],
            Var::Title => ["title", "otsikko", "rubrik"],
            Var::Voice => ["voice", "ääni", "röst"],
            Var::Via => ["via", "välittäjä", "förmedlare"],
            Var::Workshop => ["workshop", "työpaja", "verkstad"],
            Var::Theme => ["theme", "teema", "tema"],
            Var::Battery => ["battery", "kysymyspatteristo", "frågebatteri"],
            Var::Date => ["date", "päivämäärä", "datum"],
            Var::Lang => ["lang", "kieli", "språk"],
            Var::Pseudonym => ["pseudonym", "pseudonyymi", "pseudonym"],
            Var::Row => ["row", "rivi", "rad"],
        }
    }

    /// The name in the project's language.
    pub(crate) fn name(self, lang: Lang) -> &'static str {
        let [_, fi, sv] = self.names();
        match lang {
            Lang::Fi => fi,
            Lang::Sv => sv,
        }
    }

    /// The variable a name means, in any of the three languages.
    pub(crate) fn from_name(name: &str) -> Option<Var> {
        let n = name.trim().to_lowercase();
        let n = n.strip_prefix("kooste:").unwrap_or(&n);
        Var::ALL
            .iter()
            .copied()
            .find(|v| v.names().contains(&n) || (*v == Var::Lang && n == "language"))
    }

    pub(crate) fn kind(self) -> VarType {
        match self {
            Var::Date => VarType::Date,
            Var::Row => VarType::Integer,
            _ => VarType::Text,
        }
    }

    /// The key of its GUID.
    pub(crate) fn key(self) -> &'static str {
        self.names()[0]
    }
}

const PROPOSAL_PREFIXES: &[&str] = &["ehdotus", "förslag", "proposal"];

/// The parent code of the proposals: not codable itself, so tools show it as a group.
pub(crate) fn proposals_group(lang: Lang) -> &'static str {
    match lang {
        Lang::Fi => "CAIMeR-ehdotukset (kooste)",
        Lang::Sv => "CAIMeR-förslag (kooste)",
    }
}

/// The code of an unconfirmed proposal of a dimension, e.g. `ehdotus: konteksti`.
pub(crate) fn proposal_code(d: Dimension, lang: Lang) -> String {
    let prefix = match lang {
        Lang::Fi => PROPOSAL_PREFIXES[0],
        Lang::Sv => PROPOSAL_PREFIXES[1],
    };
    format!("{prefix}: {}", d.label(lang))
}

/// What a code of a project means to kooste.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeKind {
    /// A CAIMeR dimension: its codings are researchers' decisions.
    Dimension(Dimension),
    /// A proposal (kooste's own, not confirmed): never imported as a decision.
    Proposal,
    /// Anything else.
    Other,
}

/// Classifies a code by its name and whether it sits under the proposals group.
pub(crate) fn classify(name: &str, under_proposals: bool) -> CodeKind {
    let lower = name.trim().to_lowercase();
    let is_proposal = under_proposals
        || PROPOSAL_PREFIXES.iter().any(|p| {
            lower
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with(':') || rest.starts_with(' '))
        })
        || [proposals_group(Lang::Fi), proposals_group(Lang::Sv)]
            .iter()
            .any(|g| g.to_lowercase() == lower);
    if is_proposal {
        return CodeKind::Proposal;
    }
    match lower.parse::<Dimension>() {
        Ok(d) => CodeKind::Dimension(d),
        Err(_) => CodeKind::Other,
    }
}

/// The colour of a dimension's code: one colour-blind-safe hue per dimension.
pub(crate) fn color(d: Dimension) -> &'static str {
    match d {
        Dimension::Context => "#4E79A7",
        Dimension::Actors => "#F28E2B",
        Dimension::Interventions => "#59A14F",
        Dimension::Mechanisms => "#E15759",
        Dimension::Results => "#B07AA1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_recognised_in_three_languages() {
        for (name, kind) in [
            ("konteksti", CodeKind::Dimension(Dimension::Context)),
            ("Kontext", CodeKind::Dimension(Dimension::Context)),
            ("context", CodeKind::Dimension(Dimension::Context)),
            (" Mekanismit ", CodeKind::Dimension(Dimension::Mechanisms)),
            ("aktörer", CodeKind::Dimension(Dimension::Actors)),
            ("ehdotus: konteksti", CodeKind::Proposal),
            ("förslag: kontext", CodeKind::Proposal),
            ("Proposal: results", CodeKind::Proposal),
            ("CAIMeR-ehdotukset (kooste)", CodeKind::Proposal),
            ("asuminen", CodeKind::Other),
            ("ehdotuksia", CodeKind::Other),
        ] {
            assert_eq!(classify(name, false), kind, "{name}");
        }
        assert_eq!(classify("konteksti", true), CodeKind::Proposal);
        assert_eq!(
            classify(&proposal_code(Dimension::Results, Lang::Sv), false),
            CodeKind::Proposal
        );
    }

    #[test]
    fn variables_by_any_name() {
        assert_eq!(Var::from_name("Ääni"), Some(Var::Voice));
        assert_eq!(Var::from_name("röst"), Some(Var::Voice));
        assert_eq!(Var::from_name("voice"), Some(Var::Voice));
        assert_eq!(Var::from_name("työpaja"), Some(Var::Workshop));
        assert_eq!(Var::from_name("ikä"), None);
        // Every variable kooste reads is listed with its treatment where every field is.
        use kooste_ingest::redact::fields::{FIELDS, Input};
        for v in Var::ALL {
            let name = format!("variable:{}", v.names()[0]);
            assert!(
                FIELDS
                    .iter()
                    .any(|(i, n, _)| *i == Input::Qdpx && *n == name),
                "the qdpx variable {name} is not in redact::fields::FIELDS"
            );
        }
        for v in Var::ALL {
            for lang in [Lang::Fi, Lang::Sv] {
                assert_eq!(Var::from_name(v.name(lang)), Some(*v));
            }
        }
    }
}
