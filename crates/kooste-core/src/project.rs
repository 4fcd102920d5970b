//! The project layout and its configuration: `kooste.toml`, the workshop cycles in
//! `workshops/`, the question batteries in `workshops/batteries/`, and the participant
//! register `participants.toml`.

use crate::model::{Date, Dimension, Lang, Voice, is_valid_id};
use crate::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The name of the project file.
pub const PROJECT_FILE: &str = "kooste.toml";
/// The participant register.
pub const REGISTER_FILE: &str = "participants.toml";
/// The built-in `asp-paiva` battery, used when a project does not define its own.
pub const ASP_PAIVA_TOML: &str = include_str!("asp-paiva.toml");

/// Text in Finnish and Swedish.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    /// Finnish.
    pub fi: String,
    /// Swedish.
    #[serde(default)]
    pub sv: String,
}

impl Bilingual {
    /// The text in `lang`, falling back to Finnish where a Swedish text is missing.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Sv if !self.sv.is_empty() => &self.sv,
            _ => &self.fi,
        }
    }
}

/// `kooste.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The `[project]` table.
    pub project: ProjectSettings,
    /// Theme id to labels.
    #[serde(default)]
    pub themes: BTreeMap<String, Bilingual>,
}

/// The `[project]` table of `kooste.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSettings {
    /// The project's name.
    pub name: String,
    /// The project's name in Swedish, when the name is in Finnish.
    #[serde(default)]
    pub name_sv: String,
    /// The default language.
    #[serde(default = "default_lang")]
    pub lang: Lang,
}

impl ProjectSettings {
    /// The project's name for pages and digests in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        if lang == Lang::Sv && !self.name_sv.trim().is_empty() {
            &self.name_sv
        } else {
            &self.name
        }
    }
}

fn default_lang() -> Lang {
    Lang::Fi
}

/// One region's workshop cycle (`workshops/<region>.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// Region id.
    pub id: String,
    /// Finnish name.
    pub name: String,
    /// Swedish name.
    #[serde(default)]
    pub name_sv: String,
    /// The workshops, numbered from 1.
    #[serde(rename = "workshop", default)]
    pub workshops: Vec<Workshop>,
}

/// One workshop day.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workshop {
    /// 1-based number within the cycle.
    pub number: u32,
    /// The day.
    pub date: Date,
    /// Theme ids.
    #[serde(default)]
    pub themes: Vec<String>,
    /// Working methods (Learning Café, fishbowl, ...).
    #[serde(default)]
    pub methods: Vec<String>,
    /// What the workshop did, in the project's language.
    #[serde(default)]
    pub summary: String,
    /// The summary in Swedish, when the project's language is Finnish.
    #[serde(default)]
    pub summary_sv: String,
    /// The between-workshop task agreed at its end.
    #[serde(default)]
    pub task: Option<Task>,
}

/// A between-workshop task (välitehtävä).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// Theme id.
    pub theme: String,
    /// Whose knowledge is collected.
    #[serde(default)]
    pub from: Vec<Voice>,
    /// How and by whom, in the project's language.
    #[serde(default)]
    pub how: String,
    /// How and by whom in Swedish, when the project's language is Finnish.
    #[serde(default)]
    pub how_sv: String,
    /// The question battery used.
    #[serde(default)]
    pub battery: Option<String>,
    /// When the material is due.
    #[serde(default)]
    pub due: Option<Date>,
}

/// A question battery (kysymyspatteristo).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Battery {
    /// Battery id, e.g. `asp-paiva`.
    pub id: String,
    /// Title.
    pub title: Bilingual,
    /// Instructions.
    #[serde(default)]
    pub intro: Bilingual,
    /// The questions, in order.
    #[serde(rename = "question")]
    pub questions: Vec<Question>,
}

/// One question of a battery.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Question id within the battery.
    pub id: String,
    /// Finnish wording.
    pub fi: String,
    /// Swedish wording.
    #[serde(default)]
    pub sv: String,
    /// Who answers it.
    pub voice: Voice,
    /// Dimension hints.
    #[serde(default)]
    pub hints: Vec<Dimension>,
}

impl Battery {
    /// Parses a battery from TOML text; `path` is used in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Battery> {
        let b: Battery = parse_toml(text, path)?;
        if !is_valid_id(&b.id) {
            return Err(config_error(
                path,
                0,
                format!(
                    "battery id '{}' may only hold letters, digits, '.', '_' and '-'",
                    b.id
                ),
            ));
        }
        if b.questions.is_empty() {
            return Err(config_error(
                path,
                0,
                "a battery needs at least one [[question]]".into(),
            ));
        }
        Ok(b)
    }

    /// The built-in `asp-paiva` battery.
    pub fn asp_paiva() -> Battery {
        Battery::parse(ASP_PAIVA_TOML, Path::new("asp-paiva.toml"))
            .expect("the built-in battery is valid")
    }

    /// Finds the question a form header or a Markdown heading names, tolerating case,
    /// punctuation, numbering ("1.", "q1)") and spacing, in Finnish or Swedish.
    pub fn match_question(&self, header: &str) -> Option<usize> {
        let h = normalize_question(header);
        if h.is_empty() {
            return None;
        }
        self.questions.iter().position(|q| {
            [&q.fi, &q.sv].iter().any(|w| {
                let w = normalize_question(w);
                !w.is_empty()
                    && (w == h
                        || (h.len() >= 15 && w.starts_with(&h))
                        || (w.len() >= 15 && h.starts_with(&w)))
            }) || normalize_question(&q.id) == h
        })
    }
}

/// Lower-cases, drops a leading number and all punctuation, and collapses spaces.
pub fn normalize_question(s: &str) -> String {
    let s = s.trim().to_lowercase();
    let s = s.trim_start_matches(|c: char| {
        c.is_ascii_digit() || c == '.' || c == ')' || c == ':' || c.is_whitespace()
    });
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One entry of the participant register.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participant {
    /// The full name as it may appear in text.
    pub name: String,
    /// What replaces it.
    pub pseudonym: String,
    /// The participant's role.
    pub role: Voice,
    /// Other forms of the name.
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Register {
    #[serde(default)]
    participant: Vec<Participant>,
}

/// Reads a participant register file.
pub fn read_register(path: &Path) -> Result<Vec<Participant>> {
    let r: Register = parse_toml(&read(path)?, path)?;
    Ok(r.participant)
}

/// A loaded project: its root and configuration.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project directory.
    pub root: PathBuf,
    /// `kooste.toml`.
    pub config: Config,
    /// The workshop cycles, by region id.
    pub regions: Vec<Region>,
    /// The question batteries by id (the built-in `asp-paiva` included).
    pub batteries: BTreeMap<String, Battery>,
}

impl Project {
    /// Finds the project: `dir` when given, else the current directory or its nearest
    /// parent holding a `kooste.toml`.
    pub fn discover(dir: Option<&Path>) -> Result<Project> {
        if let Some(dir) = dir {
            if !dir.join(PROJECT_FILE).is_file() {
                return Err(Error::NoProject(format!(
                    "{}: no {PROJECT_FILE} here; create a project with `kooste init {}`",
                    dir.display(),
                    dir.display()
                )));
            }
            return Project::load(dir);
        }
        let cwd = std::env::current_dir().map_err(|e| Error::Io {
            path: ".".into(),
            source: e,
        })?;
        for d in cwd.ancestors() {
            if d.join(PROJECT_FILE).is_file() {
                return Project::load(d);
            }
        }
        Err(Error::NoProject(format!(
            "no {PROJECT_FILE} in {} or its parents; give --project DIR or create one with `kooste init DIR`",
            cwd.display()
        )))
    }

    /// Loads the project at `root`.
    pub fn load(root: &Path) -> Result<Project> {
        let cfg_path = root.join(PROJECT_FILE);
        let config: Config = parse_toml(&read(&cfg_path)?, &cfg_path)?;
        let mut batteries = BTreeMap::new();
        batteries.insert("asp-paiva".to_string(), Battery::asp_paiva());
        let bdir = root.join("workshops").join("batteries");
        for path in toml_files(&bdir)? {
            let b = Battery::parse(&read(&path)?, &path)?;
            batteries.insert(b.id.clone(), b);
        }
        let mut regions = Vec::new();
        for path in toml_files(&root.join("workshops"))? {
            let r: Region = parse_toml(&read(&path)?, &path)?;
            validate_region(&r, &config, &batteries, &path)?;
            regions.push(r);
        }
        regions.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Project {
            root: root.to_path_buf(),
            config,
            regions,
            batteries,
        })
    }

    /// A project with no files behind it: default settings, no workshops, only the built-in
    /// battery. For tests and fuzzing.
    pub fn empty(root: &Path) -> Project {
        let config = Config {
            project: ProjectSettings {
                name: String::new(),
                name_sv: String::new(),
                lang: Lang::Fi,
            },
            themes: BTreeMap::new(),
        };
        let batteries = BTreeMap::from([("asp-paiva".to_string(), Battery::asp_paiva())]);
        Project {
            root: root.to_path_buf(),
            config,
            regions: Vec::new(),
            batteries,
        }
    }

    /// The corpus directory.
    pub fn corpus_dir(&self) -> PathBuf {
        self.root.join("corpus")
    }

    /// The derived-state directory.
    pub fn state_dir(&self) -> PathBuf {
        self.root.join(".kooste")
    }

    /// Reads the participant register. It holds real names: callers use it only to redact.
    pub fn participants(&self) -> Result<Vec<Participant>> {
        let path = self.root.join(REGISTER_FILE);
        if !path.exists() {
            return Ok(Vec::new());
        }
        read_register(&path)
    }

    /// Every workshop id (`region-number`), in cycle order.
    pub fn workshop_ids(&self) -> Vec<String> {
        self.regions
            .iter()
            .flat_map(|r| {
                r.workshops
                    .iter()
                    .map(move |w| format!("{}-{}", r.id, w.number))
            })
            .collect()
    }

    /// Looks a workshop up by id.
    pub fn workshop(&self, id: &str) -> Option<(&Region, &Workshop)> {
        self.regions
            .iter()
            .flat_map(|r| r.workshops.iter().map(move |w| (r, w)))
            .find(|(r, w)| format!("{}-{}", r.id, w.number) == id)
    }
}

fn validate_region(
    r: &Region,
    config: &Config,
    batteries: &BTreeMap<String, Battery>,
    path: &Path,
) -> Result<()> {
    let err = |m: String| Err(config_error(path, 0, m));
    if !is_valid_id(&r.id) {
        return err(format!(
            "region id '{}' may only hold letters, digits, '.', '_' and '-'",
            r.id
        ));
    }
    for (i, w) in r.workshops.iter().enumerate() {
        if w.number as usize != i + 1 {
            return err(format!(
                "workshop number {} is out of order; number the [[workshop]] tables 1, 2, 3, ...",
                w.number
            ));
        }
        let themes = w.themes.iter().chain(w.task.as_ref().map(|t| &t.theme));
        for t in themes {
            if !config.themes.is_empty() && !config.themes.contains_key(t) {
                return err(format!(
                    "workshop {}: unknown theme '{t}'; add it under [themes] in kooste.toml or use one of: {}",
                    w.number,
                    config.themes.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        }
        if let Some(b) = w.task.as_ref().and_then(|t| t.battery.as_ref())
            && !batteries.contains_key(b)
        {
            return err(format!(
                "workshop {}: unknown battery '{b}'; add workshops/batteries/{b}.toml or use one of: {}",
                w.number,
                batteries.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })
}

fn toml_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                source: e,
            });
        }
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_file() && p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

fn config_error(path: &Path, line: usize, message: String) -> Error {
    Error::Config {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// Parses TOML, turning errors into `path:line: message`.
pub fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        let msg = e.message().trim().replace('\n', "; ");
        config_error(
            path,
            line,
            format!("{msg}; fix the file and run the command again"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_tolerantly() {
        let b = Battery::asp_paiva();
        assert_eq!(
            b.match_question("1. Millaisiin tilanteisiin olet hakenut apua?"),
            Some(0)
        );
        assert_eq!(
            b.match_question("  MILLAISTA apua sait sosiaalityöstä "),
            Some(1)
        );
        assert_eq!(
            b.match_question("3) Vad gjorde socialarbetaren här"),
            Some(2)
        );
        assert_eq!(b.match_question("Päivämäärä"), None);
    }

    #[test]
    fn toml_errors_name_the_line() {
        let e = parse_toml::<Config>(
            "[project]\nname = \"x\"\nlangg = \"fi\"\n",
            Path::new("kooste.toml"),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("kooste.toml:3: unknown field `langg`"),
            "{e}"
        );
    }
}
