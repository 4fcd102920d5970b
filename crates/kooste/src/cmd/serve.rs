//! `kooste serve [--addr 127.0.0.1:8080]`: the web app over the project, with an index
//! brought up to date (and CAIMeR labels) first.

use crate::Outcome;
use anyhow::Context;
use kooste_web::{Config, Users, Web};
use std::net::SocketAddr;
use std::path::Path;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Where to listen. The default is reachable only from this computer; give e.g. 0.0.0.0:8080 to open it to the network (put HTTPS in front).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Send the session cookie without `Secure`, so that it also travels over plain HTTP to another address than localhost. Only on a trusted network.
    #[arg(long)]
    insecure_cookies: bool,
}

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    let project = super::project(project)?;
    let (ix, report, problems) = super::index::refresh(&project, false)?;
    for p in &problems {
        errln!("{p}");
    }
    errln!("{}", super::index::summary(&report));
    let users = Users::load(&project).context("reading the accounts")?;
    if users.accounts().is_empty() {
        errln!(
            "No accounts yet: nobody can sign in. Create one with `kooste user add NAME --role researcher`."
        );
    }
    let config = Config {
        secure_cookies: !args.insecure_cookies,
        log: true,
        ..Config::default()
    };
    let name = project.config.project.name.clone();
    let web = Web::new(project, ix, config).context("starting the web app")?;
    kooste_web::run(web, args.addr, |addr| {
        if json {
            outln!(
                "{}",
                serde_json::json!({ "url": format!("http://{addr}/") })
            );
        } else {
            outln!("kooste serves {name} at http://{addr}/ (Ctrl-C stops it)");
        }
    })
    .with_context(|| format!("serving on {}", args.addr))?;
    Ok(Outcome::Ok)
}
