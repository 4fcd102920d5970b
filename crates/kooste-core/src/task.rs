//! Setting the between-workshop task agreed at the end of a workshop: written into the
//! region's file in `workshops/` as a `[workshop.task]` table, keeping the file's comments,
//! order and layout (toml_edit), durably (`fsutil::write_atomic`, under the project's write
//! lock). Bad input (an unknown theme or battery, a due date before the workshop) is an
//! error and nothing is written.

use crate::fsutil::{WriteLock, write_atomic};
use crate::model::{Date, Voice};
use crate::project::{Project, Region, Task, parse_toml, validate_region};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use toml_edit::{Array, DocumentMut, Item, Table, value};

/// What to change in a workshop's task; `None` keeps what the file says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskChange {
    /// The theme id (from `kooste.toml`).
    pub theme: Option<String>,
    /// Whose knowledge is collected.
    pub from: Option<Vec<Voice>>,
    /// How and by whom, in the project's language.
    pub how: Option<String>,
    /// The same in Swedish.
    pub how_sv: Option<String>,
    /// The question battery (an empty id removes it).
    pub battery: Option<String>,
    /// When the material is due.
    pub due: Option<Date>,
}

impl TaskChange {
    /// Whether it changes nothing (then `kooste task W` only shows the task).
    pub fn is_empty(&self) -> bool {
        *self == TaskChange::default()
    }
}

/// Why a task could not be set: the input is wrong (say so to the user, nothing written), or
/// the files could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// The input names something the project does not have, or a date out of order.
    #[error("{0}")]
    Invalid(String),
    /// The project's files.
    #[error(transparent)]
    Project(#[from] Error),
}

/// The file of a region in `workshops/`.
pub fn region_file(project: &Project, region: &str) -> Result<PathBuf> {
    for path in crate::project::toml_files(&project.root.join("workshops"))? {
        let text = std::fs::read_to_string(&path).map_err(|e| Error::Io {
            path: path.clone(),
            source: e,
        })?;
        if let Ok(r) = parse_toml::<Region>(&text, &path)
            && r.id == region
        {
            return Ok(path);
        }
    }
    Err(Error::NoProject(format!(
        "no file in workshops/ holds the region '{region}'"
    )))
}

/// Checks a change against the project and the workshop, with messages that say what to do.
fn check(
    project: &Project,
    workshop: &str,
    change: &TaskChange,
) -> std::result::Result<(), TaskError> {
    let bad = |m: String| Err(TaskError::Invalid(m));
    let Some((_, w)) = project.workshop(workshop) else {
        return bad(format!(
            "unknown workshop '{workshop}'; the project's workshops are: {}",
            project.workshop_ids().join(", ")
        ));
    };
    if let Some(t) = &change.theme
        && !project.config.themes.contains_key(t)
    {
        return bad(format!(
            "unknown theme '{t}'; use one of: {} (or add it under [themes] in kooste.toml)",
            project
                .config
                .themes
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(b) = change.battery.as_deref().filter(|b| !b.is_empty())
        && !project.batteries.contains_key(b)
    {
        return bad(format!(
            "unknown battery '{b}'; use one of: {} (or add workshops/batteries/{b}.toml)",
            project.battery_ids()
        ));
    }
    if let Some(due) = change.due
        && due < w.date
    {
        return bad(format!(
            "the due date {due} is before the workshop itself ({}); the material is collected after it, so give a later date",
            w.date
        ));
    }
    if w.task.is_none() && change.theme.is_none() {
        return bad(format!(
            "workshop {workshop} has no task yet; give its theme (--theme) with the rest"
        ));
    }
    if change
        .how
        .as_ref()
        .is_some_and(|h| h.chars().count() > 4000)
        || change
            .how_sv
            .as_ref()
            .is_some_and(|h| h.chars().count() > 4000)
    {
        return bad("the description of how is too long; keep it under 4000 characters".into());
    }
    Ok(())
}

/// Sets the task agreed at the end of `workshop` (`region-number`) and returns it as it now
/// stands. The region file keeps its comments and layout; it is checked as a whole before it
/// is written, so nothing is written unless the project reads it back.
pub fn set_task(
    project: &Project,
    workshop: &str,
    change: &TaskChange,
) -> std::result::Result<Task, TaskError> {
    check(project, workshop, change)?;
    let (region, w) = project.workshop(workshop).expect("checked above");
    let (region, number) = (region.id.clone(), w.number);
    let _lock = WriteLock::take(&project.state_dir());
    let path = region_file(project, &region)?;
    let text = std::fs::read_to_string(&path).map_err(|e| Error::Io {
        path: path.clone(),
        source: e,
    })?;
    let edited = edit(&text, &path, number, change)?;
    // The whole file as the project would read it.
    let r: Region = parse_toml(&edited, &path)?;
    validate_region(&r, &project.config, &project.batteries, &path, &edited)?;
    let task = r
        .workshops
        .iter()
        .find(|x| x.number == number)
        .and_then(|x| x.task.clone())
        .ok_or_else(|| TaskError::Invalid(format!("workshop {workshop} has no task")))?;
    write_atomic(&path, edited.as_bytes()).map_err(|e| Error::Io {
        path: path.clone(),
        source: e,
    })?;
    Ok(task)
}

/// The region file's text with the change made to workshop `number`'s task.
fn edit(text: &str, path: &Path, number: u32, change: &TaskChange) -> Result<String> {
    let config = |line: usize, message: String| Error::Config {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| config(1, e.message().to_string()))?;
    let workshops = doc
        .get_mut("workshop")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or_else(|| config(1, "the file has no [[workshop]] tables".into()))?;
    let w = workshops
        .iter_mut()
        .find(|t| t.get("number").and_then(Item::as_integer) == Some(i64::from(number)))
        .ok_or_else(|| config(1, format!("no [[workshop]] with number = {number}")))?;
    if !w.contains_key("task") {
        let mut t = Table::new();
        t.set_implicit(false);
        w.insert("task", Item::Table(t));
    }
    let task = w
        .get_mut("task")
        .and_then(Item::as_table_mut)
        .ok_or_else(|| {
            config(
                1,
                format!("workshop {number}: `task` must be a [workshop.task] table"),
            )
        })?;
    if let Some(theme) = &change.theme {
        task["theme"] = value(theme.as_str());
    }
    if let Some(from) = &change.from {
        let mut a = Array::new();
        for v in from {
            a.push(v.as_str());
        }
        task["from"] = value(a);
    }
    if let Some(how) = &change.how {
        set_or_remove(task, "how", how);
    }
    if let Some(how) = &change.how_sv {
        set_or_remove(task, "how_sv", how);
    }
    if let Some(b) = &change.battery {
        set_or_remove(task, "battery", b);
    }
    if let Some(due) = change.due {
        let d: toml_edit::Datetime = due
            .to_string()
            .parse()
            .map_err(|_| config(1, format!("'{due}' is not a date")))?;
        task["due"] = value(d);
    }
    Ok(doc.to_string())
}

fn set_or_remove(table: &mut Table, key: &str, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        table.remove(key);
    } else {
        table[key] = value(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KOOSTE: &str =
        "[project]\nname = \"T\"\n\n[themes.a]\nfi = \"A\"\n\n[themes.b]\nfi = \"B\"\n";
    const REGION: &str = "# The coast's cycle.\nid = \"r\"\nname = \"R\"\n\n[[workshop]]\nnumber = 1\ndate = 2018-01-10\nthemes = [\"a\"] # first\n\n# The second day.\n[[workshop]]\nnumber = 2\ndate = 2018-03-01\n\n[workshop.task]\ntheme = \"a\"   # agreed at the end\nfrom = [\"client\"]\n";

    fn project() -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kooste.toml"), KOOSTE).unwrap();
        std::fs::create_dir_all(dir.path().join("workshops")).unwrap();
        std::fs::write(dir.path().join("workshops/r.toml"), REGION).unwrap();
        let p = Project::load(dir.path()).unwrap();
        (dir, p)
    }

    #[test]
    fn a_new_task_is_added_and_comments_stay() {
        let (dir, p) = project();
        let change = TaskChange {
            theme: Some("b".into()),
            from: Some(vec![Voice::Client, Voice::Worker]),
            how: Some("Kysytään.".into()),
            battery: Some("asp-paiva".into()),
            due: Some("2018-02-01".parse().unwrap()),
            ..TaskChange::default()
        };
        let t = set_task(&p, "r-1", &change).unwrap();
        assert_eq!(t.theme, "b");
        let text = std::fs::read_to_string(dir.path().join("workshops/r.toml")).unwrap();
        assert!(text.starts_with("# The coast's cycle.\n"), "{text}");
        assert!(text.contains("themes = [\"a\"] # first"), "{text}");
        assert!(
            text.contains("theme = \"a\"   # agreed at the end"),
            "{text}"
        );
        assert!(
            text.contains("# The second day.\n[[workshop]]\nnumber = 2"),
            "{text}"
        );
        let first = &text[..text.find("# The second day.").unwrap()];
        assert!(first.contains("[workshop.task]\ntheme = \"b\""), "{first}");
        assert!(first.contains("due = 2018-02-01"), "{first}");
        let p = Project::load(dir.path()).unwrap();
        let task = p.workshop("r-1").unwrap().1.task.clone().unwrap();
        assert_eq!(task.battery.as_deref(), Some("asp-paiva"));
        assert_eq!(task.from, [Voice::Client, Voice::Worker]);
    }

    #[test]
    fn bad_input_writes_nothing() {
        let (dir, p) = project();
        let file = dir.path().join("workshops/r.toml");
        let cases = [
            (
                TaskChange {
                    theme: Some("x".into()),
                    ..TaskChange::default()
                },
                "r-2",
                "unknown theme 'x'",
            ),
            (
                TaskChange {
                    battery: Some("ei".into()),
                    ..TaskChange::default()
                },
                "r-2",
                "unknown battery 'ei'",
            ),
            (
                TaskChange {
                    due: Some("2018-02-28".parse().unwrap()),
                    ..TaskChange::default()
                },
                "r-2",
                "before the workshop",
            ),
            (
                TaskChange {
                    how: Some("x".into()),
                    ..TaskChange::default()
                },
                "r-1",
                "give its theme",
            ),
            (TaskChange::default(), "r-9", "unknown workshop 'r-9'"),
        ];
        for (change, w, says) in cases {
            let e = set_task(&p, w, &change).unwrap_err();
            assert!(matches!(e, TaskError::Invalid(_)), "{e}");
            assert!(e.to_string().contains(says), "{e}");
            assert_eq!(std::fs::read_to_string(&file).unwrap(), REGION);
        }
    }
}
