//! Sessions, CSRF tokens and login rate limiting, all in memory: restarting the server signs
//! everyone out (a form being filled in is not lost: see the forms' re-login). Only signing
//! in opens a session; the login page's token is signed, not stored ([`Signer`]).

use crate::accounts::Role;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie.
pub(crate) const SESSION_COOKIE: &str = "kooste_session";
/// The language cookie.
pub(crate) const LANG_COOKIE: &str = "kooste_lang";

/// At most this many sessions are kept; beyond it, expired ones and then the least recently
/// used are dropped.
const MAX_SESSIONS: usize = 10_000;
/// At most this many sessions per user (browsers and devices); signing in once more ends
/// that user's least recently used one, so that one account cannot fill the store.
const PER_USER: usize = 20;

/// A signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User {
    pub(crate) name: String,
    pub(crate) role: Role,
    /// The voice of what the user writes (see `Account::voice`).
    pub(crate) voice: kooste_core::Voice,
    /// A participant account without a voice, taken for a client until it is set.
    pub(crate) voice_missing: bool,
}

impl User {
    /// A worker, as the fuzz target's form posts are read.
    pub(crate) fn worker() -> User {
        User {
            name: String::new(),
            role: Role::Worker,
            voice: kooste_core::Voice::Worker,
            voice_missing: false,
        }
    }

    /// A signed-in user with the voice of the role (a participant: a client).
    #[cfg(test)]
    pub(crate) fn new(name: &str, role: Role) -> User {
        User {
            name: name.to_string(),
            role,
            voice: crate::accounts::role_voice(role, None),
            voice_missing: false,
        }
    }
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
        now.duration_since(s.last) < self.idle && now.duration_since(s.created) < self.max_age
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

    /// Opens a session for a user who has just signed in, with its own CSRF token.
    pub(crate) fn open(&self, user: User) -> View {
        let now = Instant::now();
        let token = random_token();
        let csrf = random_token();
        let mut map = self.lock();
        let least_used = |map: &HashMap<String, Session>, of: Option<&str>| {
            map.iter()
                .filter(|(_, s)| of.is_none_or(|n| s.user.as_ref().is_some_and(|u| u.name == n)))
                .min_by_key(|(_, s)| s.last)
                .map(|(k, _)| k.clone())
        };
        let mine = map
            .values()
            .filter(|s| s.user.as_ref().is_some_and(|u| u.name == user.name))
            .count();
        if mine >= PER_USER
            && let Some(k) = least_used(&map, Some(&user.name))
        {
            map.remove(&k);
        }
        if map.len() >= MAX_SESSIONS {
            map.retain(|_, s| self.alive(s, now));
        }
        if map.len() >= MAX_SESSIONS
            && let Some(k) = least_used(&map, None)
        {
            map.remove(&k);
        }
        let user = Some(user);
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

/// Compares two secrets in time that does not depend on where they differ (`subtle`).
pub(crate) fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// The cookies of a request's `Cookie` headers, as the `cookie` crate reads them; a
/// malformed pair is skipped.
pub(crate) fn cookies(
    headers: &axum::http::HeaderMap,
) -> impl Iterator<Item = cookie::Cookie<'static>> + '_ {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| cookie::Cookie::split_parse(v.to_string()))
        .filter_map(Result::ok)
}

/// The value of a cookie in a request's `Cookie` headers.
pub(crate) fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    cookies(headers)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// Signs short values (the login page's CSRF token, a browser's "signed in here before"
/// cookie) with a key made at start: nothing is stored on the server, and a restart makes
/// every earlier signature worthless, as it ends every session.
pub(crate) struct Signer {
    key: [u8; 32],
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer")
    }
}

impl Signer {
    pub(crate) fn new() -> Signer {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the operating system gives random numbers");
        Signer { key }
    }

    /// A keyed BLAKE2b MAC of `value` for one purpose, as hex.
    pub(crate) fn sign(&self, purpose: &str, value: &str) -> String {
        use blake2::digest::Mac;
        use blake2::digest::consts::U32;
        let mut mac = <blake2::Blake2bMac<U32> as Mac>::new_from_slice(&self.key)
            .expect("a 32-byte key fits BLAKE2b");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// Whether `mac` is this signer's signature of `value` for `purpose`.
    pub(crate) fn verify(&self, purpose: &str, value: &str, mac: &str) -> bool {
        same(&self.sign(purpose, value), mac)
    }
}

/// The login page's cookie: when it was given and a random nonce. The page's CSRF token is
/// the cookie signed, so a login post must carry both, and the server keeps nothing.
pub(crate) const LOGIN_COOKIE: &str = "kooste_login";
/// The cookie of a browser that has signed in as a user before (signed user name): its
/// tries for that name are not held back by other people's failures from its address.
pub(crate) const KNOWN_COOKIE: &str = "kooste_known";
/// How long a login page may stay open before its token is refused (the page is then shown
/// again, with everything typed kept).
pub(crate) const LOGIN_PAGE_AGE: Duration = Duration::from_secs(3 * 60 * 60);

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A fresh login cookie value: `SECONDS.NONCE`.
pub(crate) fn new_login_nonce() -> String {
    format!("{}.{}", unix_now(), random_hex(16))
}

/// Whether a login cookie value is well formed and young enough.
pub(crate) fn login_nonce_fresh(nonce: &str) -> bool {
    let Some((secs, rest)) = nonce.split_once('.') else {
        return false;
    };
    let Ok(secs) = secs.parse::<u64>() else {
        return false;
    };
    rest.len() == 32
        && rest.bytes().all(|b| b.is_ascii_hexdigit())
        && unix_now().saturating_sub(secs) < LOGIN_PAGE_AGE.as_secs()
}

/// How failed sign-ins are held back. Tries are counted per client address and per client
/// address and user name, never per user name alone, so that nobody elsewhere can keep the
/// real user out by failing on purpose; and a browser that has signed in as the user before
/// is not held back by its address's count (an office behind one address). Each key allows
/// some failures freely; after that every further try waits, twice as long each time up to
/// a ceiling. A key is forgotten after `window` without tries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Throttle {
    /// Failures allowed freely for one user name from one address.
    pub(crate) per_user: u32,
    /// The first wait after those, doubling with each failure.
    pub(crate) user_wait: Duration,
    /// Failures allowed freely from one address, whatever the user names.
    pub(crate) per_address: u32,
    /// The first wait after those, doubling.
    pub(crate) address_wait: Duration,
    /// The longest wait of an address (that of a user name from an address is `window`).
    pub(crate) address_max_wait: Duration,
    /// Tries are forgotten after this long without any.
    pub(crate) window: Duration,
}

#[derive(Debug)]
struct Tries {
    count: u32,
    last: Instant,
}

/// Failed sign-ins, counted before the password is checked (see [`Throttle`]).
#[derive(Debug)]
pub(crate) struct Limiter {
    tries: Mutex<HashMap<String, Tries>>,
    throttle: Throttle,
    log: bool,
}

/// One try, counted; give it back with [`Limiter::succeeded`] when the password was right.
#[derive(Debug)]
pub(crate) struct Try {
    keys: Vec<String>,
}

impl Limiter {
    pub(crate) fn new(throttle: Throttle, log: bool) -> Limiter {
        Limiter {
            tries: Mutex::new(HashMap::new()),
            throttle,
            log,
        }
    }

    fn wait(&self, key: &str, count: u32) -> Duration {
        let t = &self.throttle;
        let (free, first, max) = if key.starts_with("addr:") {
            (t.per_address, t.address_wait, t.address_max_wait)
        } else {
            (t.per_user, t.user_wait, t.window)
        };
        if count < free {
            return Duration::ZERO;
        }
        first
            .saturating_mul(1u32 << (count - free).min(20))
            .min(max)
    }

    /// Counts a try of `user` from `address` before its password is checked, so that
    /// simultaneous tries cannot slip past the count. `known` is a browser that has signed
    /// in as this user before. `Err(wait)`: the try must wait this long first.
    pub(crate) fn begin(&self, user: &str, address: &str, known: bool) -> Result<Try, Duration> {
        let now = Instant::now();
        let mut keys = vec![format!("user:{address}:{}", user.trim().to_lowercase())];
        if !known {
            keys.push(format!("addr:{address}"));
        }
        let mut map = self.tries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            map.retain(|_, t| now.duration_since(t.last) < self.throttle.window);
        }
        let mut wait = Duration::ZERO;
        for k in &keys {
            if let Some(t) = map.get(k) {
                if now.duration_since(t.last) >= self.throttle.window {
                    map.remove(k);
                } else {
                    let until = t.last + self.wait(k, t.count);
                    wait = wait.max(until.saturating_duration_since(now));
                }
            }
        }
        if !wait.is_zero() {
            return Err(wait.max(Duration::from_secs(1)));
        }
        for k in &keys {
            let t = map.entry(k.clone()).or_insert(Tries {
                count: 0,
                last: now,
            });
            t.count += 1;
            t.last = now;
            if self.log && !self.wait(k, t.count).is_zero() && self.wait(k, t.count - 1).is_zero() {
                // Said once, when the key starts to wait; the user name is never logged (a
                // password is sometimes typed into its field).
                let what = if k.starts_with("addr:") {
                    "any user name"
                } else {
                    "one user name"
                };
                eprintln!(
                    "kooste serve: {} failed sign-ins from {address} for {what}; its further tries wait",
                    t.count
                );
            }
        }
        Ok(Try { keys })
    }

    /// The password was right: the user name's failures from this address are forgotten,
    /// and the try is not counted against the address.
    pub(crate) fn succeeded(&self, attempt: Try) {
        let mut map = self.tries.lock().unwrap_or_else(|e| e.into_inner());
        for k in attempt.keys {
            if k.starts_with("user:") {
                map.remove(&k);
            } else if let Some(t) = map.get_mut(&k) {
                t.count = t.count.saturating_sub(1);
            }
        }
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
        let user = User::new("t", Role::Worker);
        let v = s.open(user.clone());
        assert!(s.get(&v.token).is_none(), "idle time 0: expired at once");
        let s = Sessions::new(Duration::from_secs(60), Duration::from_secs(60));
        let v = s.open(user.clone());
        assert!(s.get(&v.token).is_some());
        s.clear();
        assert!(s.get(&v.token).is_none());
    }

    #[test]
    fn one_user_cannot_fill_the_store() {
        let s = Sessions::new(Duration::from_secs(60), Duration::from_secs(60));
        let user = |n: &str| User::new(n, Role::Worker);
        let other = s.open(user("b"));
        let first = s.open(user("a"));
        for _ in 0..PER_USER {
            s.open(user("a"));
        }
        assert!(
            s.get(&first.token).is_none(),
            "a's least recently used ended"
        );
        assert!(s.get(&other.token).is_some());
        assert_eq!(s.lock().len(), PER_USER + 1);
    }

    fn throttle() -> Throttle {
        Throttle {
            per_user: 2,
            user_wait: Duration::from_secs(30),
            per_address: 3,
            address_wait: Duration::from_secs(1),
            address_max_wait: Duration::from_secs(60),
            window: Duration::from_secs(900),
        }
    }

    #[test]
    fn limiter_counts_per_address_and_user_never_per_user_alone() {
        let l = Limiter::new(throttle(), false);
        assert!(l.begin("a", "1", false).is_ok());
        assert!(l.begin("A", "1", false).is_ok());
        let wait = l.begin("a", "1", false).unwrap_err();
        assert!(wait > Duration::from_secs(25), "{wait:?}");
        assert!(
            l.begin("a", "2", false).is_ok(),
            "another address is not held back"
        );
        assert!(l.begin("b", "1", false).is_ok());
        assert!(
            l.begin("c", "1", false).is_err(),
            "the address's third failure"
        );
        assert!(
            l.begin("c", "1", true).is_ok(),
            "a browser that signed in as c before is not held back by the address"
        );
    }

    #[test]
    fn a_right_password_gives_its_try_back() {
        let l = Limiter::new(throttle(), false);
        for _ in 0..10 {
            let t = l.begin("a", "1", false).unwrap();
            l.succeeded(t);
        }
        assert!(l.begin("b", "1", false).is_ok());
    }

    #[test]
    fn waits_double_up_to_a_ceiling() {
        let l = Limiter::new(throttle(), false);
        assert_eq!(l.wait("addr:1", 2), Duration::ZERO);
        assert_eq!(l.wait("addr:1", 3), Duration::from_secs(1));
        assert_eq!(l.wait("addr:1", 5), Duration::from_secs(4));
        assert_eq!(l.wait("addr:1", 60), Duration::from_secs(60));
        assert_eq!(l.wait("user:1:a", 3), Duration::from_secs(60));
        assert_eq!(l.wait("user:1:a", 40), Duration::from_secs(900));
    }

    #[test]
    fn signatures_and_login_cookies() {
        let s = Signer::new();
        let n = new_login_nonce();
        assert!(login_nonce_fresh(&n));
        assert!(
            !login_nonce_fresh("1.00112233445566778899aabbccddeeff"),
            "too old"
        );
        assert!(!login_nonce_fresh("x"));
        let mac = s.sign("login", &n);
        assert!(s.verify("login", &n, &mac));
        assert!(!s.verify("known", &n, &mac));
        assert!(!Signer::new().verify("login", &n, &mac), "another key");
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
