//! `kooste user add NAME --role R`: an account for the web app. The password is read from
//! the terminal without echo (twice), or from the first line of stdin when it is not a
//! terminal, and stored only as an argon2id hash in the project's `users.toml`.

use crate::Outcome;
use anyhow::{Context, bail};
use kooste_web::{Role, USERS_FILE};
use std::io::{BufRead, IsTerminal};
use std::path::Path;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// Add an account; the password comes from the terminal, or from stdin when it is not one.
    Add {
        /// The user name typed at login.
        name: String,
        /// researcher (everything), worker (forms and search) or participant (search).
        #[arg(long, value_parser = clap::value_parser!(Role))]
        role: Role,
    },
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    let project = super::project(project)?;
    match &args.action {
        Action::Add { name, role } => {
            let password = password(name)?;
            kooste_web::add_user(&project, name, *role, &password)?;
            if json {
                outln!(
                    "{}",
                    serde_json::json!({ "added": name, "role": role.as_str() })
                );
            } else {
                outln!("Added {name} ({role}) to {USERS_FILE}.");
            }
        }
    }
    Ok(Outcome::Ok)
}

fn password(name: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("Password for {name}: "))
            .context("reading the password")?;
        let again =
            rpassword::prompt_password("The same again: ").context("reading the password")?;
        if first != again {
            bail!("the two passwords differ; nothing was saved");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        Ok(line.trim_end_matches(['\n', '\r']).to_string())
    }
}
