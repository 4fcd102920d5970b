//! `kooste task WORKSHOP [--theme T] [--from V,V] [--how TEXT] [--how-sv TEXT] [--battery B]
//! [--due D]`: shows the between-workshop task agreed at the end of WORKSHOP, or sets what
//! is given. It is written into the region's file in `workshops/`, keeping the file's
//! comments and layout; bad input (an unknown theme or battery, a due date before the
//! workshop) is a usage error and nothing is written.

use crate::Outcome;
use kooste_core::model::{Date, Voice};
use kooste_core::task::{TaskChange, TaskError, set_task};
use kooste_core::{Project, Task};
use std::path::Path;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The workshop at whose end the task was agreed, e.g. rannikko-3.
    workshop: String,
    /// The theme id (from kooste.toml).
    #[arg(long)]
    theme: Option<String>,
    /// Whose knowledge is collected: client, worker, researcher, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(Voice))]
    from: Option<Vec<Voice>>,
    /// How and by whom, in the project's language.
    #[arg(long)]
    how: Option<String>,
    /// How and by whom in Swedish.
    #[arg(long = "how-sv")]
    how_sv: Option<String>,
    /// The question battery used (an empty value removes it).
    #[arg(long)]
    battery: Option<String>,
    /// When the material is due, YYYY-MM-DD (not before the workshop).
    #[arg(long, value_parser = clap::value_parser!(Date))]
    due: Option<Date>,
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    let project = super::project(project)?;
    let change = TaskChange {
        theme: args.theme.clone(),
        from: args.from.clone(),
        how: args.how.clone(),
        how_sv: args.how_sv.clone(),
        battery: args.battery.clone(),
        due: args.due,
    };
    let Some((_, w)) = project.workshop(&args.workshop) else {
        return Err(super::Usage(format!(
            "unknown workshop '{}'; the project's workshops are: {}",
            args.workshop,
            project.workshop_ids().join(", ")
        ))
        .into());
    };
    let (task, set) = if change.is_empty() {
        (w.task.clone(), false)
    } else {
        match set_task(&project, &args.workshop, &change) {
            Ok(t) => (Some(t), true),
            Err(TaskError::Invalid(m)) => {
                return Err(super::Usage(format!("{m}; nothing was written")).into());
            }
            Err(TaskError::Project(e)) => return Err(e.into()),
        }
    };
    if json {
        outln!(
            "{}",
            serde_json::json!({ "workshop": args.workshop, "set": set, "task": task.as_ref().map(task_json) })
        );
    } else {
        show(&project, &args.workshop, task.as_ref(), set);
    }
    Ok(Outcome::Ok)
}

/// The task as JSON (also `kooste status --json`).
pub(crate) fn task_json(t: &Task) -> serde_json::Value {
    serde_json::json!({
        "theme": t.theme,
        "from": t.from.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
        "how": t.how,
        "how_sv": t.how_sv,
        "battery": t.battery,
        "due": t.due.map(|d| d.to_string()),
    })
}

fn show(project: &Project, workshop: &str, task: Option<&Task>, set: bool) {
    let Some(t) = task else {
        outln!(
            "Workshop {workshop} has no between-workshop task yet; set one with kooste task {workshop} --theme T --from client,worker --how TEXT --battery B --due YYYY-MM-DD"
        );
        return;
    };
    if set {
        outln!("Set the task agreed at the end of {workshop}:");
    } else {
        outln!("The task agreed at the end of {workshop}:");
    }
    let theme = project
        .config
        .themes
        .get(&t.theme)
        .map_or(t.theme.clone(), |l| format!("{} ({})", t.theme, l.fi));
    outln!("  theme:   {theme}");
    let from: Vec<&str> = t.from.iter().map(|v| v.as_str()).collect();
    outln!("  from:    {}", from.join(", "));
    if !t.how.is_empty() {
        outln!("  how:     {}", t.how);
    }
    if !t.how_sv.is_empty() {
        outln!("  how (sv): {}", t.how_sv);
    }
    if let Some(b) = &t.battery {
        outln!("  battery: {b}");
    }
    if let Some(d) = t.due {
        outln!("  due:     {d}");
    }
}
