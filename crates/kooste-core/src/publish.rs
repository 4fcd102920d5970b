//! Which workshops' digests are published: readable to every role in the web app, not only
//! to researchers. Kept in the project's file `published.toml` (a project file, not derived
//! state: `rm -rf .kooste` keeps it), one `[[digest]]` table per published digest.

use crate::fsutil::{WriteLock, write_atomic};
use crate::model::Date;
use crate::project::{Project, parse_toml};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The file, at the project root.
pub const PUBLISHED_FILE: &str = "published.toml";

/// One published digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    /// The workshop whose digest it is (`region-number`: the digest presented there).
    pub workshop: String,
    /// When it was published.
    pub date: Date,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "digest")]
    digests: Vec<Published>,
}

const HEADER: &str = "# Digests published to every role in the web app: `kooste digest WORKSHOP --publish`\n\
# or the button on the digest's page. Before that only researchers see a digest.\n\n";

/// Where the list is kept.
pub fn path(project: &Project) -> PathBuf {
    project.root.join(PUBLISHED_FILE)
}

/// The published digests; none when the file does not exist.
pub fn load(project: &Project) -> Result<Vec<Published>> {
    let path = path(project);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(parse_toml::<File>(&text, &path)?.digests),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(Error::Io { path, source: e }),
    }
}

/// Whether the digest of `workshop` is published.
pub fn is_published(project: &Project, workshop: &str) -> Result<bool> {
    Ok(load(project)?.iter().any(|p| p.workshop == workshop))
}

/// Publishes the digest of `workshop` on `date`; `Ok(false)` when it already was. The
/// caller checks that the workshop has a digest.
pub fn publish(project: &Project, workshop: &str, date: Date) -> Result<bool> {
    let _lock = WriteLock::take(&project.state_dir());
    let mut all = load(project)?;
    if all.iter().any(|p| p.workshop == workshop) {
        return Ok(false);
    }
    all.push(Published {
        workshop: workshop.to_string(),
        date,
    });
    let body = toml::to_string(&File { digests: all }).map_err(|e| Error::Config {
        path: path(project),
        line: 0,
        message: e.to_string(),
    })?;
    let path = path(project);
    write_atomic(&path, format!("{HEADER}{body}").as_bytes())
        .map_err(|e| Error::Io { path, source: e })?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishing_is_remembered_in_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let p = Project::empty(dir.path());
        assert!(!is_published(&p, "r-2").unwrap());
        let day: Date = "2018-03-01".parse().unwrap();
        assert!(publish(&p, "r-2", day).unwrap());
        assert!(!publish(&p, "r-2", day).unwrap(), "once is enough");
        assert!(is_published(&p, "r-2").unwrap());
        assert!(!is_published(&p, "r-3").unwrap());
        let text = std::fs::read_to_string(dir.path().join(PUBLISHED_FILE)).unwrap();
        assert!(
            text.contains("[[digest]]\nworkshop = \"r-2\"\ndate = \"2018-03-01\""),
            "{text}"
        );
        std::fs::write(
            dir.path().join(PUBLISHED_FILE),
            "[[digest]]\nworkshop = 3\n",
        )
        .unwrap();
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("published.toml:2"), "{e}");
    }
}
