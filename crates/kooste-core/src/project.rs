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
                key_line_after(text, 0, "id").unwrap_or(1),
                format!(
                    "battery id '{}' may only hold letters, digits, '.', '_' and '-'; write it like asp-paiva",
                    b.id
                ),
            ));
        }
        if b.questions.is_empty() {
            return Err(config_error(
                path,
                text.lines().count().max(1),
                "a battery needs at least one [[question]] table with id, fi, sv and voice; add one at the end of the file".into(),
            ));
        }
        let mut ids = BTreeMap::new();
        for (i, q) in b.questions.iter().enumerate() {
            if let Some(first) = ids.insert(q.id.as_str(), i) {
                return Err(config_error(
                    path,
                    table_key_line(text, "[[question]]", i, "id").unwrap_or(1),
                    format!(
                        "the question id '{}' is also the id of question {}; give each question its own id",
                        q.id,
                        first + 1
                    ),
                ));
            }
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
        let mut regions: Vec<Region> = Vec::new();
        let mut region_files: BTreeMap<String, PathBuf> = BTreeMap::new();
        for path in toml_files(&root.join("workshops"))? {
            let text = read(&path)?;
            let r: Region = parse_toml(&text, &path)?;
            validate_region(&r, &config, &batteries, &path, &text)?;
            if let Some(other) = region_files.insert(r.id.clone(), path.clone()) {
                return Err(config_error(
                    &path,
                    key_line_after(&text, 0, "id").unwrap_or(1),
                    format!(
                        "the region id '{}' is also the id of {}; give each region file its own id",
                        r.id,
                        other.display()
                    ),
                ));
            }
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

    /// The ids of the project's batteries, for messages: `a, b, c`.
    pub fn battery_ids(&self) -> String {
        self.batteries
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The project's own files that shape what is made of the corpus: `kooste.toml`, the
    /// batteries and region files in `workshops/`, and the register of participants, in
    /// a stable order (a file that is missing is listed all the same).
    pub fn files(&self) -> Result<Vec<PathBuf>> {
        let mut files = vec![self.root.join(PROJECT_FILE)];
        files.extend(toml_files(&self.root.join("workshops").join("batteries"))?);
        files.extend(toml_files(&self.root.join("workshops"))?);
        files.push(self.root.join(REGISTER_FILE));
        Ok(files)
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

    /// Looks a workshop up by id (`REGION-NUMBER`, as [`Project::workshop_ids`] writes it).
    pub fn workshop(&self, id: &str) -> Option<(&Region, &Workshop)> {
        let (region, number) = split_workshop_id(id)?;
        self.regions
            .iter()
            .filter(|r| r.id == region)
            .flat_map(|r| r.workshops.iter().map(move |w| (r, w)))
            .find(|(_, w)| w.number == number)
    }

    /// The id of the workshop `id` names when written in other case or with spaces around
    /// it (`Rannikko-3 ` for `rannikko-3`), as [`Project::workshop_ids`] writes it.
    pub fn workshop_id_like(&self, id: &str) -> Option<String> {
        let wanted = id.trim().to_lowercase();
        let (region, number) = split_workshop_id(&wanted)?;
        self.regions
            .iter()
            .filter(|r| r.id.to_lowercase() == region)
            .find_map(|r| {
                r.workshops
                    .iter()
                    .find(|w| w.number == number)
                    .map(|w| format!("{}-{}", r.id, w.number))
            })
    }
}

/// A workshop id's region and number; `None` unless the number is written as kooste writes
/// numbers (digits, no leading zero), so that only the id [`Project::workshop_ids`] writes
/// names a workshop.
fn split_workshop_id(id: &str) -> Option<(&str, u32)> {
    let (region, number) = id.rsplit_once('-')?;
    let plain = !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && (number == "0" || !number.starts_with('0'));
    if !plain {
        return None;
    }
    Some((region, number.parse().ok()?))
}

pub(crate) fn validate_region(
    r: &Region,
    config: &Config,
    batteries: &BTreeMap<String, Battery>,
    path: &Path,
    text: &str,
) -> Result<()> {
    let err = |line: Option<usize>, m: String| Err(config_error(path, line.unwrap_or(1), m));
    if !is_valid_id(&r.id) {
        return err(
            key_line_after(text, 0, "id"),
            format!(
                "region id '{}' may only hold letters, digits, '.', '_' and '-'; write it like rannikko or pohjoinen-2",
                r.id
            ),
        );
    }
    let mut seen: BTreeMap<u32, usize> = BTreeMap::new();
    for (i, w) in r.workshops.iter().enumerate() {
        let at = |key: &str| table_key_line(text, "[[workshop]]", i, key);
        let task_at = |key: &str| {
            table_key_line(text, "[[workshop]]", i, "[workshop.task]")
                .and_then(|from| key_line_after(text, from, key))
                .or_else(|| at(key))
        };
        if let Some(first) = seen.insert(w.number, i) {
            return err(
                at("number"),
                format!(
                    "workshop number {} appears twice (also in the [[workshop]] table number {} of this file); give each [[workshop]] its own number, 1, 2, 3, ... in order",
                    w.number,
                    first + 1
                ),
            );
        }
        if w.number as usize != i + 1 {
            return err(
                at("number"),
                format!(
                    "this is the [[workshop]] table number {} of the file but it says number = {}; number the tables 1, 2, 3, ... in order",
                    i + 1,
                    w.number
                ),
            );
        }
        let known = |t: &str| config.themes.is_empty() || config.themes.contains_key(t);
        let theme_list = || config.themes.keys().cloned().collect::<Vec<_>>().join(", ");
        for t in &w.themes {
            if !known(t) {
                return err(
                    at("themes"),
                    format!(
                        "workshop {}: unknown theme '{t}'; add it under [themes] in kooste.toml or use one of: {}",
                        w.number,
                        theme_list()
                    ),
                );
            }
        }
        if let Some(task) = &w.task {
            if !known(&task.theme) {
                return err(
                    task_at("theme"),
                    format!(
                        "workshop {}: the task's theme '{}' is unknown; add it under [themes] in kooste.toml or use one of: {}",
                        w.number,
                        task.theme,
                        theme_list()
                    ),
                );
            }
            if let Some(b) = &task.battery
                && !batteries.contains_key(b)
            {
                return err(
                    task_at("battery"),
                    format!(
                        "workshop {}: unknown battery '{b}'; add workshops/batteries/{b}.toml or use one of: {}",
                        w.number,
                        batteries.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                );
            }
            if let Some(due) = task.due
                && due < w.date
            {
                return err(
                    task_at("due"),
                    format!(
                        "workshop {}: the task is due {due}, before the workshop itself ({}); the material is collected after the workshop, so give a later date",
                        w.number, w.date
                    ),
                );
            }
        }
    }
    Ok(())
}

/// The 1-based line of `key = ...` in the `index`-th table headed `header` (`[[workshop]]`),
/// or of the line `key` itself when `key` is a table header (`[workshop.task]`).
fn table_key_line(text: &str, header: &str, index: usize, key: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim() == header)
        .nth(index)?
        .0;
    let end = lines
        .iter()
        .enumerate()
        .skip(start + 1)
        .find(|(_, l)| l.trim() == header)
        .map_or(lines.len(), |(i, _)| i);
    (start..end)
        .find(|&i| {
            let l = lines[i].trim();
            l == key
                || l.strip_prefix(key)
                    .is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// The 1-based line of `key = ...` at or after line `from`, before the next table header.
fn key_line_after(text: &str, from: usize, key: &str) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from)
        .take_while(|(_, l)| !l.trim_start().starts_with('['))
        .find(|(_, l)| {
            l.trim()
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map(|(i, _)| i + 1)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })
}

pub(crate) fn toml_files(dir: &Path) -> Result<Vec<PathBuf>> {
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
        // The key on the line the error points at: dates get a message of their own, since
        // TOML reads an unquoted 1.3.2018 as a broken number.
        let key = text
            .lines()
            .nth(line.saturating_sub(1))
            .and_then(|l| l.split_once('='))
            .map(|(k, _)| k.trim().to_string())
            .unwrap_or_default();
        let msg = if ["date", "due"].contains(&key.as_str()) && !msg.contains("unknown field") {
            format!(
                "`{key}` must be a date written year-month-day, like {key} = 2018-03-01 (without quotes)"
            )
        } else {
            format!("{msg}; fix the file and run the command again")
        };
        config_error(path, line, msg)
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

    /// A project of one region, `toml` its workshop file, loaded.
    fn with_region(toml: &str) -> Result<Project> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(PROJECT_FILE),
            "[project]\nname = \"x\"\n[themes.osallisuus]\nfi = \"Osallisuus\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("workshops")).unwrap();
        std::fs::write(dir.path().join("workshops/alue.toml"), toml).unwrap();
        Project::load(dir.path())
    }

    fn region_error(toml: &str) -> (usize, String) {
        match with_region(toml) {
            Err(Error::Config { line, message, .. }) => (line, message),
            other => panic!("expected a configuration error: {other:?}"),
        }
    }

    #[test]
    fn a_workshop_is_found_by_the_id_kooste_writes_for_it() {
        let mut toml = "id = \"Pohjoinen-2\"\nname = \"Pohjoinen\"\n\n".to_string();
        for (n, date) in [(1, "2018-03-01"), (2, "2018-05-01"), (3, "2018-09-01")] {
            toml += &format!("[[workshop]]\nnumber = {n}\ndate = {date}\nthemes = []\n\n");
        }
        let p = with_region(&toml).unwrap();
        for id in p.workshop_ids() {
            let (r, w) = p.workshop(&id).unwrap();
            assert_eq!(format!("{}-{}", r.id, w.number), id);
        }
        assert_eq!(p.workshop("Pohjoinen-2-2").unwrap().1.number, 2);
        for other in [
            "Pohjoinen-2-02",
            "Pohjoinen-2-+2",
            "Pohjoinen-2-4",
            "pohjoinen-2-2",
            "Pohjoinen-2",
            "Pohjoinen-2-",
            "-2",
            "",
        ] {
            assert!(p.workshop(other).is_none(), "{other}");
        }
        assert_eq!(
            p.workshop_id_like(" pohjoinen-2-3 ").as_deref(),
            Some("Pohjoinen-2-3")
        );
        assert_eq!(p.workshop_id_like("POHJOINEN-2-03"), None);
        assert_eq!(p.workshop_id_like("pohjoinen-2-4"), None);
    }

    const HEAD: &str = "id = \"alue\"\nname = \"Alue\"\n\n";

    #[test]
    fn workshop_file_errors_name_the_real_line_in_plain_words() {
        let w = |n: u32, date: &str| {
            format!("[[workshop]]\nnumber = {n}\ndate = {date}\nthemes = [\"osallisuus\"]\n\n")
        };
        // An unquoted Finnish date.
        let (line, m) = region_error(&format!("{HEAD}{}", w(1, "1.3.2018")));
        assert_eq!(line, 6, "{m}");
        assert!(
            m.contains("`date` must be a date written year-month-day"),
            "{m}"
        );
        // The same number twice, and a number out of order.
        let (line, m) = region_error(&format!(
            "{HEAD}{}{}",
            w(1, "2018-03-01"),
            w(1, "2018-05-01")
        ));
        assert_eq!(line, 10, "{m}");
        assert!(m.contains("workshop number 1 appears twice"), "{m}");
        let (line, m) = region_error(&format!(
            "{HEAD}{}{}",
            w(1, "2018-03-01"),
            w(3, "2018-05-01")
        ));
        assert_eq!(line, 10, "{m}");
        assert!(m.contains("says number = 3"), "{m}");
        // An unknown theme, an unknown battery and a due date before the workshop.
        let (line, m) = region_error(&format!(
            "{HEAD}[[workshop]]\nnumber = 1\ndate = 2018-03-01\nthemes = [\"Osallisuus2\"]\n"
        ));
        assert_eq!(line, 7, "{m}");
        assert!(m.contains("unknown theme 'Osallisuus2'"), "{m}");
        let task = |body: &str| {
            format!(
                "{HEAD}{}[workshop.task]\ntheme = \"osallisuus\"\n{body}",
                w(1, "2018-03-01")
            )
        };
        let (line, m) = region_error(&task("battery = \"ei-ole\"\n"));
        assert_eq!(line, 11, "{m}");
        assert!(m.contains("unknown battery 'ei-ole'"), "{m}");
        let (line, m) = region_error(&task("due = 2018-01-01\n"));
        assert_eq!(line, 11, "{m}");
        assert!(m.contains("before the workshop itself"), "{m}");
    }

    #[test]
    fn two_regions_with_one_id_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(PROJECT_FILE), "[project]\nname = \"x\"\n").unwrap();
        std::fs::create_dir_all(dir.path().join("workshops")).unwrap();
        for f in ["a.toml", "b.toml"] {
            std::fs::write(dir.path().join("workshops").join(f), HEAD).unwrap();
        }
        let e = Project::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("the region id 'alue' is also the id of"), "{e}");
        assert!(e.contains("b.toml:1:"), "{e}");
    }
}
