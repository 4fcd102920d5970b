//! Rounds: the material collected between two workshops. The round of workshop W is what
//! its between-workshop task gathers; the digest at workshop W+1 presents it.

use crate::model::Date;
use crate::project::{Project, Region, Workshop};

/// The workshop after `w` in its region's cycle, if any.
pub fn next_workshop<'a>(region: &'a Region, w: &Workshop) -> Option<&'a Workshop> {
    region.workshops.iter().find(|n| n.number == w.number + 1)
}

/// The last day material is gathered for `w`'s round: its task's due date, else the day of
/// the next workshop; `None` when neither is known (the round stays open).
pub fn round_closes(region: &Region, w: &Workshop) -> Option<Date> {
    w.task
        .as_ref()
        .and_then(|t| t.due)
        .or_else(|| next_workshop(region, w).map(|n| n.date))
}

/// The workshop whose round new material goes to on `today`: the latest workshop on or
/// before today that set a task which is not past due; else the next workshop to come;
/// else (the cycles are over) the latest workshop. `None` only for a project without
/// workshops.
pub fn open_round(project: &Project, today: Date) -> Option<(&Region, &Workshop)> {
    let all: Vec<(&Region, &Workshop)> = project
        .regions
        .iter()
        .flat_map(|r| r.workshops.iter().map(move |w| (r, w)))
        .collect();
    let open = all
        .iter()
        .filter(|(r, w)| {
            w.date <= today
                && w.task.is_some()
                && round_closes(r, w).is_none_or(|closes| today <= closes)
        })
        .max_by_key(|(_, w)| w.date);
    let next = || {
        all.iter()
            .filter(|(_, w)| w.date > today)
            .min_by_key(|(_, w)| w.date)
    };
    let latest = || all.iter().max_by_key(|(_, w)| w.date);
    open.or_else(next).or_else(latest).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(workshops: &str) -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("kooste.toml"),
            "[project]\nname = \"t\"\n\n[themes.a]\nfi = \"A\"\nsv = \"A\"\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("workshops")).unwrap();
        std::fs::write(
            dir.path().join("workshops/r.toml"),
            format!("id = \"r\"\nname = \"R\"\n{workshops}"),
        )
        .unwrap();
        let p = Project::load(dir.path()).unwrap();
        (dir, p)
    }

    fn id(p: &Project, today: &str) -> String {
        let (r, w) = open_round(p, today.parse().unwrap()).unwrap();
        format!("{}-{}", r.id, w.number)
    }

    const CYCLE: &str = r#"
[[workshop]]
number = 1
date = 2018-01-10
[workshop.task]
theme = "a"
due = 2018-02-20

[[workshop]]
number = 2
date = 2018-03-01
[workshop.task]
theme = "a"

[[workshop]]
number = 3
date = 2018-05-24
[workshop.task]
theme = "a"
due = 2018-08-31

[[workshop]]
number = 4
date = 2018-10-01
"#;

    #[test]
    fn the_open_round_follows_the_calendar() {
        let (_d, p) = project(CYCLE);
        // Before the first workshop: the next one.
        assert_eq!(id(&p, "2017-12-01"), "r-1");
        // On the day and while its task is not due.
        assert_eq!(id(&p, "2018-01-10"), "r-1");
        assert_eq!(id(&p, "2018-02-20"), "r-1");
        // Past the task's due date, before the next workshop: the next one.
        assert_eq!(id(&p, "2018-02-21"), "r-2");
        // A task without a due date is open until the next workshop.
        assert_eq!(id(&p, "2018-04-15"), "r-2");
        assert_eq!(id(&p, "2018-05-24"), "r-3");
        // The last workshop set no task: after the cycle, its latest workshop.
        assert_eq!(id(&p, "2018-09-15"), "r-4");
        assert_eq!(id(&p, "2026-12-06"), "r-4");
    }
}
