//! Sessions, CSRF tokens and login rate limiting, all in memory: restarting the server signs
//! everyone out (a form being filled in is not lost: see the forms' re-login).

use crate::accounts::Role;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie.
pub(crate) const SESSION_COOKIE: &str = "kooste_session";
/// The language cookie.
pub(crate) const LANG_COOKIE: &str = "kooste_lang";

/// At most this many sessions are kept; beyond it, expired ones and then the oldest
/// anonymous ones (opened by a login page that was never used) are dropped.
const MAX_SESSIONS: usize = 10_000;
/// How long a login page's anonymous session lives.
const ANON_IDLE: Duration = Duration::from_secs(60 * 60);

/// A signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User {
    pub(crate) name: String,
    pub(crate) role: Role,
}

#[derive(Debug)]
struct Session {
    user: Option<User>,
    csrf: String,
    created: Instant,
    last: Instant,
    skipped: Vec<String>,
    flash: Option<String>,
}

/// A submission id given to a user, with the fingerprint of what was last saved under it.
type Issued = (String, Option<u64>);

/// What a request sees of its session.
#[derive(Debug, Clone)]
pub(crate) struct View {
    pub(crate) token: String,
    pub(crate) user: Option<User>,
    pub(crate) csrf: String,
    pub(crate) skipped: Vec<String>,
}

/// The session store.
#[derive(Debug)]
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Session>>,
    /// Form submission ids given to each user, with the fingerprint of what was last saved
    /// under each (`None` until saved). Kept per user, not per session, so that a form
    /// carried through a new sign-in still replaces its earlier save.
    issued: Mutex<HashMap<String, Vec<Issued>>>,
    idle: Duration,
    max_age: Duration,
}

impl Sessions {
    pub(crate) fn new(idle: Duration, max_age: Duration) -> Sessions {
        Sessions {
            map: Mutex::new(HashMap::new()),
            issued: Mutex::new(HashMap::new()),
            idle,
            max_age,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock leaves the map itself consistent.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn alive(&self, s: &Session, now: Instant) -> bool {
        let idle = if s.user.is_some() {
            self.idle
        } else {
            ANON_IDLE
        };
        now.duration_since(s.last) < idle && now.duration_since(s.created) < self.max_age
    }

    /// The live session of a token, touched; an expired one is removed.
    pub(crate) fn get(&self, token: &str) -> Option<View> {
        let now = Instant::now();
        let mut map = self.lock();
        let s = map.get_mut(token)?;
        if !self.alive(s, now) {
            map.remove(token);
            return None;
        }
        s.last = now;
        Some(View {
            token: token.to_string(),
            user: s.user.clone(),
            csrf: s.csrf.clone(),
            skipped: s.skipped.clone(),
        })
    }

    /// Opens a session, anonymous or signed in, with its own CSRF token.
    pub(crate) fn open(&self, user: Option<User>) -> View {
        let now = Instant::now();
        let token = random_token();
        let csrf = random_token();
        let mut map = self.lock();
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| self.alive(s, now));
        }
        if map.len() >= MAX_SESSIONS {
            let oldest = map
                .iter()
                .filter(|(_, s)| s.user.is_none())
                .min_by_key(|(_, s)| s.last)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
        map.insert(
            token.clone(),
            Session {
                user: user.clone(),
                csrf: csrf.clone(),
                created: now,
                last: now,
                skipped: Vec::new(),
                flash: None,
            },
        );
        View {
            token,
            user,
            csrf,
            skipped: Vec::new(),
        }
    }

    /// Ends a session.
    pub(crate) fn close(&self, token: &str) {
        self.lock().remove(token);
    }

    /// Forgets every session, as a restart does.
    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// Notes a passage the user skipped in review.
    pub(crate) fn skip(&self, token: &str, passage: &str) {
        if let Some(s) = self.lock().get_mut(token) {
            s.skipped.push(passage.to_string());
        }
    }

    /// The user signed in to a session.
    fn user_of(&self, token: &str) -> Option<String> {
        self.lock()
            .get(token)
            .and_then(|s| s.user.as_ref().map(|u| u.name.clone()))
    }

    fn issued(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Issued>>> {
        self.issued.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes a submission id given to this session's user: only such an id may be saved
    /// (again) by them, so nobody can overwrite another's submission by its id.
    pub(crate) fn issue(&self, token: &str, id: &str) {
        let Some(user) = self.user_of(token) else {
            return;
        };
        let mut issued = self.issued();
        let ids = issued.entry(user).or_default();
        if ids.len() >= 1000 {
            ids.remove(0);
        }
        ids.push((id.to_string(), None));
    }

    /// Whether this session's user was given this submission id: `None` if not, else what
    /// was saved under it (`Some(None)` when nothing yet).
    pub(crate) fn issued_content(&self, token: &str, id: &str) -> Option<Option<u64>> {
        let user = self.user_of(token)?;
        self.issued()
            .get(&user)?
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, c)| *c)
    }

    /// Notes what was saved under a submission id (a fingerprint of the form's content).
    pub(crate) fn saved(&self, token: &str, id: &str, content: u64) {
        let Some(user) = self.user_of(token) else {
            return;
        };
        if let Some(ids) = self.issued().get_mut(&user)
            && let Some(entry) = ids.iter_mut().find(|(i, _)| i == id)
        {
            entry.1 = Some(content);
        }
    }

    /// The submission id under which this session's user already saved this very content,
    /// if any: a form sent again after Back or Reload is the same submission.
    pub(crate) fn saved_as(&self, token: &str, content: u64) -> Option<String> {
        let user = self.user_of(token)?;
        self.issued()
            .get(&user)?
            .iter()
            .rev()
            .find(|(_, c)| *c == Some(content))
            .map(|(i, _)| i.clone())
    }

    /// Leaves a message for the next page.
    pub(crate) fn set_flash(&self, token: &str, message: String) {
        if let Some(s) = self.lock().get_mut(token) {
            s.flash = Some(message);
        }
    }

    /// Takes the message left for this page.
    pub(crate) fn take_flash(&self, token: &str) -> Option<String> {
        self.lock().get_mut(token).and_then(|s| s.flash.take())
    }
}

/// 32 random bytes from the operating system, as hex.
pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    // Without the operating system's random numbers no session can be safe: stop.
    getrandom::fill(&mut b).expect("the operating system gives random numbers");
    hex(&b)
}

/// `n` random bytes as hex.
pub(crate) fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).expect("the operating system gives random numbers");
    hex(&b)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Compares two secrets in time that does not depend on where they differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The value of a cookie in a request's `Cookie` headers.
pub(crate) fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Failed logins per user name and per client address within a window.
#[derive(Debug)]
pub(crate) struct Limiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
    window: Duration,
    per_user: usize,
    per_address: usize,
}

impl Limiter {
    pub(crate) fn new(window: Duration, per_user: usize, per_address: usize) -> Limiter {
        Limiter {
            failures: Mutex::new(HashMap::new()),
            window,
            per_user,
            per_address,
        }
    }

    fn keys(user: &str, address: &str) -> [String; 2] {
        [
            format!("user:{}", user.trim().to_lowercase()),
            format!("addr:{address}"),
        ]
    }

    /// Whether another try is allowed for this user name from this address.
    pub(crate) fn allowed(&self, user: &str, address: &str) -> bool {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let [u, a] = Limiter::keys(user, address);
        let mut count = |k: &str| {
            map.get_mut(k).map_or(0, |v| {
                v.retain(|t| now.duration_since(*t) < self.window);
                v.len()
            })
        };
        count(&u) < self.per_user && count(&a) < self.per_address
    }

    /// Notes a failed try.
    pub(crate) fn failed(&self, user: &str, address: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < self.window));
        }
        for k in Limiter::keys(user, address) {
            map.entry(k).or_default().push(now);
        }
    }

    /// A successful login clears the user name's failures (not the address's).
    pub(crate) fn succeeded(&self, user: &str) {
        let [u, _] = Limiter::keys(user, "");
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_compared_safely() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
        assert!(!same(&a, &a[..63]));
    }

    #[test]
    fn sessions_expire() {
        let s = Sessions::new(Duration::from_millis(0), Duration::from_secs(60));
        let user = Some(User {
            name: "t".into(),
            role: Role::Worker,
        });
        let v = s.open(user);
        assert!(s.get(&v.token).is_none(), "idle time 0: expired at once");
        let s = Sessions::new(Duration::from_secs(60), Duration::from_secs(60));
        let v = s.open(None);
        assert!(s.get(&v.token).is_some());
        s.clear();
        assert!(s.get(&v.token).is_none());
    }

    #[test]
    fn limiter_counts_per_user_and_per_address() {
        let l = Limiter::new(Duration::from_secs(60), 2, 3);
        l.failed("a", "1");
        assert!(l.allowed("a", "1"));
        l.failed("A", "1");
        assert!(
            !l.allowed("a", "2"),
            "the user name is limited from any address"
        );
        assert!(l.allowed("b", "1"));
        l.failed("b", "1");
        assert!(
            !l.allowed("c", "1"),
            "the address is limited for any user name"
        );
        l.succeeded("a");
        assert!(l.allowed("a", "2"));
    }

    #[test]
    fn cookies_are_found() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(
            axum::http::header::COOKIE,
            "a=1; kooste_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
