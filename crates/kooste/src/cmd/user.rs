//! `kooste user add NAME --role R`: an account for the web app. The password is read from
//! the terminal without echo (twice), or from the first line of stdin when it is not a
//! terminal, and stored only as an argon2id hash in the project's `users.toml`.

use crate::Outcome;
use anyhow::{Context, bail};
use kooste_core::Voice;
use kooste_web::{Role, USERS_FILE, Users};
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
        /// researcher (everything), worker (forms and search) or participant (search,
        /// published digests, a client's own answers).
        #[arg(long, value_parser = clap::value_parser!(Role))]
        role: Role,
        /// A participant's voice: client or worker (needed for participants; workers and
        /// researchers speak with their role's voice).
        #[arg(long, value_parser = clap::value_parser!(Voice))]
        voice: Option<Voice>,
    },
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    let project = super::project(project)?;
    match &args.action {
        Action::Add { name, role, voice } => {
            let mut users = Users::load(&project)?;
            // A participant from before voices: this sets the voice, nothing else.
            if let (Role::Participant, Some(v)) = (role, voice)
                && users.set_missing_voice(name, *v)?
            {
                users.save(&project)?;
                if json {
                    outln!(
                        "{}",
                        serde_json::json!({ "voice_set": name, "voice": v.as_str() })
                    );
                } else {
                    outln!("Set the voice of {name} to {v} in {USERS_FILE}.");
                }
                missing_voices(&project)?;
                return Ok(Outcome::Ok);
            }
            if *role == Role::Participant && voice.is_none() {
                bail!(
                    "a participant account needs a voice: add --voice client (a client taking part) or --voice worker (a worker taking part); nothing was saved"
                );
            }
            if users.get(name).is_some() {
                // Checked before the password is asked for; `add` checks it again.
                bail!(
                    "a user '{}' already exists; choose another name",
                    name.trim()
                );
            }
            let password = password(name)?;
            users.add_with_voice(name, *role, *voice, &password)?;
            users.save(&project)?;
            let voice = kooste_web::role_voice(*role, *voice);
            if json {
                outln!(
                    "{}",
                    serde_json::json!({ "added": name, "role": role.as_str(), "voice": voice.as_str() })
                );
            } else {
                outln!("Added {name} ({role}, voice {voice}) to {USERS_FILE}.");
            }
            missing_voices(&project)?;
        }
    }
    Ok(Outcome::Ok)
}

/// Names, on stderr, the participants whose voice was never set.
fn missing_voices(project: &kooste_core::Project) -> anyhow::Result<()> {
    let users = Users::load(project)?;
    for a in users.without_voice() {
        let name = &a.name;
        eprintln!(
            "note: participant {name} has no voice and counts as a client until it is set: kooste user add {name} --role participant --voice client|worker"
        );
    }
    Ok(())
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
