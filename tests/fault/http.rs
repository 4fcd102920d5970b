//! Just enough of an HTTP client to use the web app the way a browser posting forms does:
//! HTTP/1.0 over a fresh connection per request, keeping the cookies it is given.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub(crate) struct Client {
    cookies: BTreeMap<String, String>,
}

#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) body: String,
}

impl Page {
    /// The CSRF token of the page's first form.
    pub(crate) fn csrf(&self) -> String {
        let key = "name=\"csrf_token\" value=\"";
        let at = self.body.find(key).expect("the page has a CSRF token") + key.len();
        let rest = &self.body[at..];
        rest[..rest.find('"').unwrap()].to_string()
    }

    /// The document ids listed on a "saved" page.
    pub(crate) fn saved_ids(&self) -> Vec<String> {
        let b = &self.body;
        b.match_indices("href=\"&#x2f;documents&#x2f;")
            .chain(b.match_indices("href=\"/documents/"))
            .map(|(i, m)| {
                let rest = &b[i + m.len()..];
                rest[..rest.find('"').unwrap()].to_string()
            })
            .collect()
    }
}

impl Client {
    pub(crate) fn get(&mut self, addr: &str, path: &str) -> std::io::Result<Page> {
        self.send(addr, "GET", path, None)
    }

    pub(crate) fn post(
        &mut self,
        addr: &str,
        path: &str,
        fields: &[(String, String)],
    ) -> std::io::Result<Page> {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(addr, "POST", path, Some(&body))
    }

    /// Signs in: the login form's CSRF token, then the credentials.
    pub(crate) fn login(&mut self, addr: &str, name: &str, password: &str) -> std::io::Result<()> {
        let csrf = self.get(addr, "/login")?.csrf();
        let fields = [
            ("username", name),
            ("password", password),
            ("csrf_token", &csrf),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let page = self.post(addr, "/login", &fields)?;
        assert_eq!(page.status, 303, "signing in: {}", page.body);
        Ok(())
    }

    /// One request. A response cut short (the server died while sending it) is an error,
    /// not a page.
    fn send(
        &mut self,
        addr: &str,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> std::io::Result<Page> {
        let mut s = TcpStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        let cookies = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\n");
        if !cookies.is_empty() {
            req.push_str(&format!("Cookie: {cookies}\r\n"));
        }
        if let Some(b) = body {
            req.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{b}",
                b.len()
            ));
        } else {
            req.push_str("\r\n");
        }
        s.write_all(req.as_bytes())?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)?;
        let cut = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "response cut short");
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").ok_or_else(cut)?;
        let mut lines = head.lines();
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|c| c.parse().ok())
            .ok_or_else(cut)?;
        let mut length = None;
        for l in lines {
            let Some((k, v)) = l.split_once(':') else {
                continue;
            };
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "set-cookie" {
                let kv = v.split(';').next().unwrap_or("");
                if let Some((name, value)) = kv.split_once('=') {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            } else if k == "content-length" {
                length = v.parse::<usize>().ok();
            }
        }
        if length.is_some_and(|n| body.len() < n) {
            return Err(cut());
        }
        Ok(Page {
            status,
            body: body.to_string(),
        })
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
