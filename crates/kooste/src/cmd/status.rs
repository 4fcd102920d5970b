//! `kooste status`: the workshop cycle(s) and what the corpus holds per voice and workshop.

use crate::Outcome;
use kooste_core::model::Voice;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;

pub(crate) fn run(project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    let ws = super::workspace(project)?;
    let project = ws.project();
    let kooste_workspace::Inspected {
        reads: docs,
        personal,
        problems,
    } = ws.inspect()?;
    let mut by_voice: BTreeMap<&str, (usize, usize)> =
        Voice::ALL.iter().map(|v| (v.as_str(), (0, 0))).collect();
    let mut by_workshop: BTreeMap<String, BTreeMap<&str, usize>> = BTreeMap::new();
    for r in &docs {
        let d = &r.document;
        by_voice.entry(d.meta.voice.as_str()).or_default().0 += 1;
        let w = d.meta.workshop.clone().unwrap_or_else(|| "-".into());
        for p in &d.passages {
            by_voice.entry(p.voice.as_str()).or_default().1 += 1;
            *by_workshop
                .entry(w.clone())
                .or_default()
                .entry(p.voice.as_str())
                .or_default() += 1;
        }
    }
    let passages: usize = docs.iter().map(|r| r.document.passages.len()).sum();
    let published = kooste_core::publish::load(project)?;
    let is_published = |id: &str| published.iter().any(|p| p.workshop == id);
    let workshops: Vec<_> = project
        .regions
        .iter()
        .flat_map(|r| {
            r.workshops.iter().map(move |w| {
                json!({
                    "id": format!("{}-{}", r.id, w.number), "region": r.id, "number": w.number,
                    "date": w.date.to_string(), "themes": w.themes,
                    "task": w.task.as_ref().map(super::task::task_json),
                    "digest_published": is_published(&format!("{}-{}", r.id, w.number)),
                })
            })
        })
        .collect();
    if json {
        outln!(
            "{}",
            json!({
                "project": project.config.project.name,
                "workshops": workshops,
                "documents": docs.len(),
                "passages": passages,
                "by_voice": by_voice.iter().map(|(v, (d, p))| (v.to_string(), json!({"documents": d, "passages": p}))).collect::<serde_json::Map<_, _>>(),
                "by_workshop": by_workshop,
                "problems": problems.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
                "personal_data": personal.iter().map(|(file, lines)| json!({
                    "file": file,
                    "lines": lines.iter().map(|f| json!({"line": f.line, "kinds": f.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>()})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        );
    } else {
        outln!("{}", project.config.project.name);
        for r in &project.regions {
            outln!("\n{} ({})", r.name, r.id);
            for w in &r.workshops {
                let id = format!("{}-{}", r.id, w.number);
                let published = if is_published(&id) {
                    "  (digest published)"
                } else {
                    ""
                };
                outln!("  {id}  {}  {}{published}", w.date, w.themes.join(", "));
                let counts = by_workshop.get(&id);
                let n: usize = counts.map(|m| m.values().sum()).unwrap_or(0);
                let per_voice: Vec<String> = Voice::ALL
                    .iter()
                    .map(|v| {
                        format!(
                            "{} {}",
                            v.as_str(),
                            counts.and_then(|m| m.get(v.as_str())).unwrap_or(&0)
                        )
                    })
                    .collect();
                outln!("      material: {n} passages ({})", per_voice.join(", "));
                if let Some(t) = &w.task {
                    let from: Vec<&str> = t.from.iter().map(|v| v.as_str()).collect();
                    let battery = t
                        .battery
                        .as_ref()
                        .map(|b| format!(", battery {b}"))
                        .unwrap_or_default();
                    let due = t.due.map(|d| format!(", due {d}")).unwrap_or_default();
                    outln!(
                        "      task: {} from {}{battery}{due}",
                        t.theme,
                        from.join(" and ")
                    );
                }
            }
        }
        outln!("\ncorpus: {} documents, {passages} passages", docs.len());
        for (v, (d, p)) in &by_voice {
            outln!("  {v:<11} {d:>4} documents {p:>5} passages");
        }
        if !personal.is_empty() {
            outln!(
                "\n{} corpus file(s) still hold personal data (kooste removes it from everything it shows, but the files themselves should be clean):",
                personal.len()
            );
            for (file, lines) in &personal {
                if lines.is_empty() {
                    outln!("  {file}");
                }
                for f in lines {
                    let kinds: Vec<&str> = f.kinds.iter().map(|k| k.as_str()).collect();
                    outln!("  {file}:{}: {}", f.line, kinds.join(", "));
                }
            }
            outln!(
                "Remove it with `kooste redact FILE...` (or `kooste redact --all`): each file is rewritten in place, redacted, and your edits to it are kept."
            );
        }
    }
    for p in &problems {
        errln!("{p}");
    }
    Ok(if problems.is_empty() {
        Outcome::Ok
    } else {
        Outcome::SomeRejected
    })
}
