//! `kooste serve [--addr 127.0.0.1:8080] [--https] [--proxy-header H [--proxy-addr IP]...]`:
//! the web app over the project, with an index
//! brought up to date (and CAIMeR labels) first when it is not.

use crate::Outcome;
use anyhow::Context;
use kooste_web::{Config, Proxy, Users, Web};
use std::net::SocketAddr;
use std::path::Path;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Where to listen. The default is reachable only from this computer; give e.g. 0.0.0.0:8080 to open it to the network (put HTTPS in front).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Send the session cookie without `Secure`, so that it also travels over plain HTTP to another address than localhost. Only on a trusted network.
    #[arg(long, conflicts_with = "https")]
    insecure_cookies: bool,
    /// Browsers reach the app over HTTPS (a reverse proxy in front of it): every page tells them to use only HTTPS from now on (Strict-Transport-Security).
    #[arg(long)]
    https: bool,
    /// The reverse proxy gives the client's address in this header (e.g. X-Forwarded-For or X-Real-IP). Believed only on connections from --proxy-addr. Without it, failed sign-ins are counted per the proxy's address.
    #[arg(long, value_name = "HEADER")]
    proxy_header: Option<String>,
    /// The reverse proxy's address (repeatable); the default is this computer (127.0.0.1 and ::1).
    #[arg(long, value_name = "IP", requires = "proxy_header")]
    proxy_addr: Vec<std::net::IpAddr>,
    /// Open connections at most; one more is answered "busy, try again" (503).
    #[arg(long, default_value_t = 512, value_name = "N")]
    max_connections: usize,
}

/// The allocator's setting `kooste serve` runs with: memory freed is given back to the
/// system at once rather than after a delay that, for threads gone idle (the start's
/// update, opening the corpus), never ends. mimalloc reads its settings from the
/// environment when the process starts, so the server starts itself again with it set.
const PURGE_AT_ONCE: (&str, &str) = ("MIMALLOC_PURGE_DELAY", "0");

pub(crate) fn run(args: &Args, project: Option<&Path>, json: bool) -> anyhow::Result<Outcome> {
    #[cfg(unix)]
    if std::env::var_os(PURGE_AT_ONCE.0).is_none()
        && let Ok(exe) = std::env::current_exe()
    {
        use std::os::unix::process::CommandExt;
        // Returns only when it could not start; then the server runs as it is.
        let _ = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env(PURGE_AT_ONCE.0, PURGE_AT_ONCE.1)
            .exec();
    }
    let ws = super::workspace(project)?;
    match ws.refresh_if_stale()? {
        Some(done) => {
            for p in &done.problems {
                errln!("{p}");
            }
            errln!("{}", done.summary());
        }
        None => errln!("The index is up to date with the corpus."),
    }
    let project = ws.project();
    let users = Users::load(project).context("reading the accounts")?;
    if users.accounts().is_empty() {
        errln!(
            "No accounts yet: nobody can sign in. Create one with `kooste user add NAME --role researcher`."
        );
    }
    for a in users.without_voice() {
        errln!(
            "note: participant {} has no voice and counts as a client until it is set: kooste user add {} --role participant --voice client|worker",
            a.name,
            a.name
        );
    }
    let proxy = args.proxy_header.as_ref().map(|header| Proxy {
        header: header.clone(),
        from: if args.proxy_addr.is_empty() {
            vec![
                std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::Ipv6Addr::LOCALHOST.into(),
            ]
        } else {
            args.proxy_addr.clone()
        },
    });
    let config = Config {
        secure_cookies: !args.insecure_cookies,
        https: args.https,
        proxy,
        max_connections: args.max_connections.max(1),
        log: true,
        ..Config::default()
    };
    let name = project.config.project.name.clone();
    let ws = std::sync::Arc::new(ws);
    // Hand edits of the corpus reach the index while the app runs (ARCHITECTURE.md,
    // "Seeing hand edits").
    ws.watch();
    let web = Web::new(ws, config).context("starting the web app")?;
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
