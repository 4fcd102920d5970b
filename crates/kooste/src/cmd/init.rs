//! `kooste init DIR`: an empty project that every other command accepts.

use crate::Outcome;
use anyhow::Context;
use kooste_core::fsutil::write_atomic;
use kooste_core::project::ASP_PAIVA_TOML;
use kooste_core::steps::{EMPTY_STEPS_TOML, STEPS_FILE};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The directory to create (it may exist, but must not hold a kooste.toml).
    dir: PathBuf,
}

const KOOSTE_TOML: &str = r#"# kooste project settings.
[project]
name = "Uusi hanke"
lang = "fi"          # fi | sv: the default language of pages and digests

# Themes of the workshops and data collection: id = labels in Finnish and Swedish.
[themes.osallisuus]
fi = "Osallisuus"
sv = "Delaktighet"

[themes.ihanne]
fi = "Aikuissosiaalityön ihanne ja ydinsisältö"
sv = "Det vuxensociala arbetets ideal och kärninnehåll"

[themes.kehittamisaskeleet]
fi = "Kehittämisaskeleet"
sv = "Utvecklingssteg"

[themes.teoria]
fi = "Aikuissosiaalityön teoreettinen perusta"
sv = "Det vuxensociala arbetets teoretiska grund"
"#;

const PARTICIPANTS_TOML: &str = r#"# The participant register. It holds real names: kooste uses it only to replace them with
# pseudonyms at ingestion. It is never indexed, exported or shown. Keep it out of version
# control (it is listed in .gitignore).
#
# [[participant]]
# name = "Etunimi Sukunimi"
# pseudonym = "Asiakas A"
# role = "client"          # client | worker | researcher
# aliases = ["Lempinimi"]
"#;

/// A commented example of a region's workshop cycle, to copy and edit.
pub(crate) const EXAMPLE_REGION: &str = include_str!("example-region.toml");

const GITIGNORE: &str = "# Derived state: rebuilt from the project's files.\n.kooste/\n# Real names: never share the register.\nparticipants.toml\n# Web accounts (password hashes), and who saved which web submission.\nusers.toml\nweb-submissions.toml\n";

pub(crate) fn run(args: &Args, json: bool) -> anyhow::Result<Outcome> {
    let dir = &args.dir;
    if dir.join("kooste.toml").exists() {
        return Err(super::Usage(format!(
            "{}: already a kooste project (it has a kooste.toml); choose another directory",
            dir.display()
        ))
        .into());
    }
    for sub in ["corpus", "workshops/batteries", "templates"] {
        std::fs::create_dir_all(dir.join(sub))
            .with_context(|| format!("creating {}", dir.join(sub).display()))?;
    }
    let templates = kooste_digest::BUILTIN
        .iter()
        .map(|(name, text)| (format!("templates/{name}"), *text));
    let files = [
        ("kooste.toml".to_string(), KOOSTE_TOML),
        ("participants.toml".to_string(), PARTICIPANTS_TOML),
        (".gitignore".to_string(), GITIGNORE),
        (
            "workshops/batteries/asp-paiva.toml".to_string(),
            ASP_PAIVA_TOML,
        ),
        (STEPS_FILE.to_string(), EMPTY_STEPS_TOML),
        (
            "workshops/esimerkki-alue.toml.example".to_string(),
            EXAMPLE_REGION,
        ),
    ]
    .into_iter()
    .chain(templates);
    for (name, text) in files {
        let p = dir.join(&name);
        write_atomic(&p, text.as_bytes()).with_context(|| format!("writing {}", p.display()))?;
    }
    if json {
        outln!("{}", serde_json::json!({ "created": dir }));
    } else {
        outln!("created a kooste project in {}", dir.display());
        outln!(
            "next: describe the workshop cycle in {}/workshops/ (copy workshops/esimerkki-alue.toml.example to workshops/REGION.toml and edit it), then add material with `kooste --project {} ingest FILE`",
            dir.display(),
            dir.display()
        );
    }
    Ok(Outcome::Ok)
}
