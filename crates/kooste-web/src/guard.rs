//! What every request passes through before and after its page: the length of its address,
//! where it comes from (a state-changing request from another site is refused), its body
//! (read within a time and a size, line breaks in form fields normalised), and the security
//! headers and log line of every response.

use crate::app::{App, Shared};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request};
use axum::http::{Extensions, HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use kooste_core::model::Lang;
use std::net::{IpAddr, SocketAddr};

/// The longest request target (path and query) accepted, in bytes; longer ones get 414.
pub(crate) const MAX_URI: usize = 4096;

/// The middleware around every route.
pub(crate) async fn guard(app: Shared, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let mut res = match check(&app, req).await {
        Ok(req) => next.run(req).await,
        Err(res) => res,
    };
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.entry(k).or_insert(HeaderValue::from_static(v));
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::CACHE_CONTROL, "no-store");
    if app.config.https {
        set(h, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    if app.config.log {
        eprintln!(
            "{method} {path} {} {}ms",
            res.status().as_u16(),
            started.elapsed().as_millis()
        );
    }
    res
}

/// The request as the pages may see it, or the answer that refuses it.
// The error is the response to send as it is, as in `App::page`.
#[allow(clippy::result_large_err)]
async fn check(app: &App, req: Request) -> Result<Request, Response> {
    let lang = app.lang(req.headers());
    let path = req.uri().path().to_string();
    let refuse = |status, key: &str| Err(error_page(app, status, lang, &path, key));
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI {
        return refuse(StatusCode::URI_TOO_LONG, "uri_too_long");
    }
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes && cross_site(app, req.headers()) {
        return refuse(StatusCode::FORBIDDEN, "cross_site");
    }
    let limit = app.config.body_limit;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return closing(refuse(StatusCode::PAYLOAD_TOO_LARGE, "too_large"));
    }
    let (mut parts, body) = req.into_parts();
    let read =
        tokio::time::timeout(app.config.body_timeout, Limited::new(body, limit).collect()).await;
    let bytes = match read {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return closing(refuse(StatusCode::PAYLOAD_TOO_LARGE, "too_large"));
        }
        // The client went away mid-body: nobody reads this answer.
        Ok(Err(_)) => return Err(StatusCode::BAD_REQUEST.into_response()),
        Err(_) => return closing(refuse(StatusCode::REQUEST_TIMEOUT, "timeout")),
    };
    let form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let bytes = if form {
        normalize_form_newlines(bytes)
    } else {
        bytes
    };
    parts
        .headers
        .insert(header::CONTENT_LENGTH, bytes.len().into());
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The response, asking the client to close the connection (its body was not read whole).
#[allow(clippy::result_large_err)]
fn closing(res: Result<Request, Response>) -> Result<Request, Response> {
    res.map_err(|mut r| {
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        r
    })
}

/// A plain page for a request refused before any page saw it: `KEY_title` and `KEY_text`
/// of the wording, in the visitor's language.
pub(crate) fn error_page(
    app: &App,
    status: StatusCode,
    lang: Lang,
    path: &str,
    key: &str,
) -> Response {
    let view = crate::app::Message {
        title: app.pages.word(lang, &format!("{key}_title")),
        text: app.pages.word(lang, &format!("{key}_text")),
    };
    let base = app.base(lang, None, path);
    app.html(
        status,
        "message.html.j2",
        crate::render::with_view(base, &view),
    )
}

/// Whether the browser says that a request comes from another site: `Sec-Fetch-Site` is
/// `cross-site` or `same-site` (a sibling domain), or, from a browser that does not send
/// it, `Origin` names another host than the request's. A request with neither header does
/// not come from a browser form on another site (browsers send `Origin` on every
/// cross-origin post); the CSRF token still guards it.
pub(crate) fn cross_site(app: &App, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    headers
        .get(header::ORIGIN)
        .is_some_and(|o| !origin_is_ours(app, headers, o))
}

/// Whether the browser says that a request comes from one of the app's own pages: what a
/// form's text must show before it is carried across a new sign-in.
pub(crate) fn same_site(app: &App, headers: &HeaderMap) -> bool {
    match headers.get("sec-fetch-site") {
        Some(site) => site.as_bytes() == b"same-origin",
        None => headers
            .get(header::ORIGIN)
            .is_some_and(|o| origin_is_ours(app, headers, o)),
    }
}

fn origin_is_ours(app: &App, headers: &HeaderMap, origin: &HeaderValue) -> bool {
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let Some(host) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false; // "null": a sandboxed frame, a redirect from elsewhere, a file
    };
    let plain = |h: &str| {
        h.trim()
            .trim_end_matches(":443")
            .trim_end_matches(":80")
            .to_ascii_lowercase()
    };
    let host = plain(host);
    let mut ours = headers.get_all(header::HOST).iter().collect::<Vec<_>>();
    if app.config.proxy.is_some() {
        ours.extend(headers.get_all("x-forwarded-host"));
    }
    ours.iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|h| plain(h) == host)
}

/// The client's address, for counting failed sign-ins: the connection's, or, on a
/// connection from the configured reverse proxy, the last address in its header. An IPv6
/// address counts by its /64 network, which one client usually has whole.
pub(crate) fn client_address(app: &App, headers: &HeaderMap, ext: &Extensions) -> String {
    let peer = ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let mut ip = peer;
    if let (Some(proxy), Some(p)) = (&app.config.proxy, peer)
        && proxy.from.contains(&p)
    {
        ip = headers
            .get_all(proxy.header.as_str())
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
            .or(peer);
    }
    match ip {
        Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(IpAddr::V6(v6)) => v6.to_canonical().to_string(),
        Some(ip) => ip.to_string(),
        None => "unknown".to_string(),
    }
}

/// A urlencoded form body with every line break in its values as LF: `%0D%0A`, a raw CRLF
/// and a lone CR (`%0D` or raw) all become `%0A`, so that no page or reader after this
/// sees a CR.
pub(crate) fn normalize_form_newlines(body: Bytes) -> Bytes {
    fn token(b: &[u8], i: usize) -> Option<(u8, usize)> {
        if b.get(i) == Some(&b'%') {
            let hex = |c: u8| (c as char).to_digit(16);
            let hi = hex(*b.get(i + 1)?)?;
            let lo = hex(*b.get(i + 2)?)?;
            Some(((hi * 16 + lo) as u8, 3))
        } else {
            b.get(i).map(|&c| (c, 1))
        }
    }
    if !body.contains(&b'\r') && !body.windows(3).any(|w| w.eq_ignore_ascii_case(b"%0d")) {
        return body;
    }
    let b = &body[..];
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some((c, n)) = token(b, i) {
        if c == b'\r' {
            // A CR followed by LF is dropped (the LF follows); a lone one becomes LF.
            if token(b, i + n).is_none_or(|(next, _)| next != b'\n') {
                out.extend_from_slice(b"%0A");
            }
        } else {
            out.extend_from_slice(&b[i..i + n]);
        }
        i += n;
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_line_breaks_become_lf() {
        let n = |s: &str| {
            String::from_utf8(normalize_form_newlines(Bytes::from(s.to_string())).to_vec()).unwrap()
        };
        assert_eq!(n("a=1%0D%0A2&b=3%0d4%0D"), "a=1%0A2&b=3%0A4%0A");
        assert_eq!(n("a=1\r\n2\r3"), "a=1\n2%0A3");
        assert_eq!(n("a=%250D%0D%25"), "a=%250D%0A%25", "an encoded % is no CR");
        assert_eq!(n("a=plain+text"), "a=plain+text");
        assert_eq!(n("a=%0"), "a=%0");
    }
}
