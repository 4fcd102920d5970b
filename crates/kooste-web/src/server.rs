//! The HTTP server: accepts connections up to a cap (one more gets a plain 503), gives each
//! a time to send its request header and closes idle kept-alive connections (hyper's header
//! read timeout covers both), and shuts down gracefully. Body read times are the guard's
//! (`guard.rs`).

use crate::app::Web;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::Service;

/// What a connection over the cap is told, in both languages, before it is closed.
const BUSY: &str = "<!doctype html>\n<html lang=\"fi\"><head><meta charset=\"utf-8\"><title>Palvelu on ruuhkautunut – Tjänsten är överbelastad</title></head>\n<body><h1>Palvelu on juuri nyt ruuhkautunut</h1><p>Yritä hetken päästä uudelleen. Mitään ei ole kadonnut.</p>\n<h1 lang=\"sv\">Tjänsten är överbelastad just nu</h1><p lang=\"sv\">Försök igen om en stund. Ingenting har gått förlorat.</p></body></html>\n";

/// Connections being told [`BUSY`] at once (each for two seconds at most); beyond this,
/// extra connections are just closed, so that refusing never holds many descriptors.
const MAX_REFUSING: usize = 256;

/// Serves the app on a bound listener until Ctrl-C (or SIGTERM).
pub async fn serve(web: Web, listener: TcpListener) -> std::io::Result<()> {
    serve_until(web, listener, shutdown_signal()).await
}

/// Serves the app on a bound listener until `shutdown` completes; then stops accepting,
/// lets each connection finish its request and waits for them (at most 10 s).
pub async fn serve_until(
    web: Web,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let config = web.app().config.clone();
    let router = web.router();
    let open = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while tasks.try_join_next().is_some() {}
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors (or a connection reset before it was
                    // accepted): wait a little rather than spin.
                    if config.log {
                        eprintln!("kooste serve: accepting a connection: {e}");
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            if let Ok(r) = Arc::clone(&refusing).try_acquire_owned() {
                tokio::spawn(async move {
                    busy(stream).await;
                    drop(r);
                });
            }
            continue;
        };
        let router = router.clone();
        let mut stop = stop_rx.clone();
        let header_timeout = config.header_timeout;
        tasks.spawn(async move {
            let _permit = permit;
            let _ = stream.set_nodelay(true);
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                router.clone().call(req)
            });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .max_buf_size(64 * 1024);
            let conn = http.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = stop.wait_for(|s| *s) => conn.as_mut().graceful_shutdown(),
            }
            let _ = conn.await;
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    Ok(())
}

/// Answers a connection over the cap with a plain 503 and closes it, reading what the client
/// sent meanwhile so that the answer is not lost to a reset; two seconds at most.
async fn busy(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let head = format!(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nRetry-After: 10\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
            BUSY.len()
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(BUSY.as_bytes()).await?;
        stream.shutdown().await?;
        let mut buf = [0u8; 4096];
        while stream.read(&mut buf).await? > 0 {}
        Ok::<_, std::io::Error>(())
    })
    .await;
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Serves the app on `addr` on a runtime of its own until Ctrl-C (or SIGTERM), calling
/// `ready` with the bound address once requests are accepted. What `kooste serve` runs.
pub fn run(web: Web, addr: SocketAddr, ready: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(addr).await?;
        ready(listener.local_addr()?);
        serve(web, listener).await
    })
}
