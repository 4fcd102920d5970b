//! Accounts: the project's `users.toml`, each user with a role and an argon2id hash of the
//! password. The file never holds a password, but it is still kept out of version control.

use crate::{Error, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use kooste_core::fsutil::write_private;
use kooste_core::{Project, Voice};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The accounts file, in the project directory.
pub const USERS_FILE: &str = "users.toml";

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// What a user may do. Each role may do everything the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Searches earlier findings (clients, workers, managers taking part).
    Participant,
    /// Submits forms with clients, and searches.
    Worker,
    /// Everything: forms, search, review, digests.
    Researcher,
}

impl Role {
    /// Every role, least privileged first.
    pub const ALL: &'static [Role] = &[Role::Participant, Role::Worker, Role::Researcher];

    /// The canonical name used in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Participant => "participant",
            Role::Worker => "worker",
            Role::Researcher => "researcher",
        }
    }

    /// Whether this role may do what `need` may.
    pub fn allows(self, need: Role) -> bool {
        self >= need
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Role, String> {
        match s.trim().to_lowercase().as_str() {
            "participant" | "osallistuja" | "deltagare" => Ok(Role::Participant),
            "worker" | "työntekijä" | "arbetstagare" => Ok(Role::Worker),
            "researcher" | "tutkija" | "forskare" => Ok(Role::Researcher),
            other => Err(format!(
                "unknown role '{other}'; valid roles are researcher, worker, participant"
            )),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The user name typed at login.
    pub name: String,
    /// What the user may do.
    pub role: Role,
    /// The argon2id hash of the password, in PHC string format.
    pub hash: String,
    /// Whose knowledge a participant speaks for: `client` or `worker`. Workers and
    /// researchers speak with their role's voice and need none. A participant of an older
    /// `users.toml` without one is taken for a client until it is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<Voice>,
}

impl Account {
    /// The voice of what this user writes in the web app (a client's own answers, a
    /// comment on a digest).
    pub fn voice(&self) -> Voice {
        role_voice(self.role, self.voice)
    }

    /// A participant whose voice was never set (an account from before voices).
    pub fn voice_missing(&self) -> bool {
        self.role == Role::Participant && self.voice.is_none()
    }
}

/// The voice of a role: a participant's own (a client when not set), a worker's and a
/// researcher's their role's.
pub fn role_voice(role: Role, voice: Option<Voice>) -> Voice {
    match role {
        Role::Participant => voice.unwrap_or(Voice::Client),
        Role::Worker => Voice::Worker,
        Role::Researcher => Voice::Researcher,
    }
}

/// Checks the voice given for an account of `role`: a participant speaks as a client or a
/// worker; a worker or researcher only with their role's voice (which is implied).
fn check_voice(name: &str, role: Role, voice: Option<Voice>) -> Result<Option<Voice>> {
    match (role, voice) {
        (Role::Participant, Some(v @ (Voice::Client | Voice::Worker))) => Ok(Some(v)),
        (Role::Participant, Some(Voice::Researcher)) => Err(Error::Users(format!(
            "a participant speaks as a client or a worker; give '{name}' --voice client or --voice worker, or --role researcher"
        ))),
        (Role::Participant, None) => Ok(None),
        (role, Some(v)) if v != role_voice(role, None) => Err(Error::Users(format!(
            "a {role} account speaks with the voice {}; leave out --voice {v}",
            role_voice(role, None)
        ))),
        _ => Ok(None),
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "user")]
    users: Vec<Account>,
}

/// The accounts of a project.
#[derive(Debug, Default)]
pub struct Users {
    accounts: Vec<Account>,
}

const HEADER: &str = "# kooste web accounts, made with `kooste user add NAME --role R`.\n\
# Passwords are stored only as argon2id hashes. Keep this file out of version control.\n\n";

impl Users {
    /// Where a project's accounts are kept.
    pub fn path(project: &Project) -> PathBuf {
        project.root.join(USERS_FILE)
    }

    /// Reads a project's accounts; none when the file does not exist.
    pub fn load(project: &Project) -> Result<Users> {
        let path = Users::path(project);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Users::default()),
            Err(e) => return Err(Error::Io(kooste_core::FileError::new(path, e))),
        };
        let file: File = kooste_core::project::parse_toml(&text, &path)?;
        Ok(Users {
            accounts: file.users,
        })
    }

    /// Writes the accounts back, atomically, readable by the owner only (they hold password
    /// hashes).
    pub fn save(&self, project: &Project) -> Result<()> {
        let path = Users::path(project);
        let body = toml::to_string(&File {
            users: self.accounts.clone(),
        })
        .map_err(|e| Error::Users(e.to_string()))?;
        write_private(&path, format!("{HEADER}{body}").as_bytes())
            .map_err(|e| Error::Io(kooste_core::FileError::new(path, e)))
    }

    /// The account with this name (names are compared without regard to case).
    pub fn get(&self, name: &str) -> Option<&Account> {
        let name = name.trim().to_lowercase();
        self.accounts.iter().find(|a| a.name.to_lowercase() == name)
    }

    /// Every account.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// Adds an account. The name must be new and plain, the password long enough.
    pub fn add(&mut self, name: &str, role: Role, password: &str) -> Result<()> {
        self.add_with_voice(name, role, None, password)
    }

    /// Participants whose voice was never set (accounts from before voices).
    pub fn without_voice(&self) -> Vec<&Account> {
        self.accounts.iter().filter(|a| a.voice_missing()).collect()
    }

    /// Sets the voice of a participant whose voice was never set. `Ok(false)` when there
    /// is no such participant (the caller then adds an account).
    pub fn set_missing_voice(&mut self, name: &str, voice: Voice) -> Result<bool> {
        let key = name.trim().to_lowercase();
        let Some(a) = self
            .accounts
            .iter_mut()
            .find(|a| a.name.to_lowercase() == key && a.voice_missing())
        else {
            return Ok(false);
        };
        a.voice = check_voice(name, Role::Participant, Some(voice))?;
        Ok(true)
    }

    /// Adds an account with the voice of what it writes (see [`Account::voice`]).
    pub fn add_with_voice(
        &mut self,
        name: &str,
        role: Role,
        voice: Option<Voice>,
        password: &str,
    ) -> Result<()> {
        let voice = check_voice(name, role, voice)?;
        let name = name.trim();
        let plain = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
        if name.is_empty() || name.chars().count() > 64 || !name.chars().all(plain) {
            return Err(Error::Users(format!(
                "user name '{name}' must be 1-64 letters, digits, '.', '_', '-' or '@'"
            )));
        }
        if self.get(name).is_some() {
            return Err(Error::Users(format!(
                "a user '{name}' already exists; choose another name"
            )));
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(Error::Users(format!(
                "the password is too short; use at least {MIN_PASSWORD_CHARS} characters"
            )));
        }
        self.accounts.push(Account {
            name: name.to_string(),
            role,
            hash: hash_password(password)?,
            voice,
        });
        Ok(())
    }

    /// The account whose password this is, if any. An unknown name costs as much time as a
    /// wrong password, so timing does not tell which names exist.
    pub fn verify(&self, name: &str, password: &str) -> Option<&Account> {
        match self.get(name) {
            Some(a) if verify_hash(&a.hash, password) => Some(a),
            Some(_) => None,
            None => {
                let _ = verify_hash(dummy_hash(), password);
                None
            }
        }
    }
}

/// Adds an account to a project's `users.toml` (see [`Users::add`]).
pub fn add_user(project: &Project, name: &str, role: Role, password: &str) -> Result<()> {
    let mut users = Users::load(project)?;
    users.add(name, role, password)?;
    users.save(project)
}

/// Adds an account with a voice to a project's `users.toml` (see [`Users::add_with_voice`]).
pub fn add_account(
    project: &Project,
    name: &str,
    role: Role,
    voice: Option<Voice>,
    password: &str,
) -> Result<()> {
    let mut users = Users::load(project)?;
    users.add_with_voice(name, role, voice, password)?;
    users.save(project)
}

// ---- Who saved which web submission (issue 21) ----

/// The file that remembers which participant saved which web submission, so that they can
/// read it whole after the server restarts (sessions are kept in memory). Private and kept
/// out of version control like `users.toml`: it links user names to documents.
pub const OWNERS_FILE: &str = "web-submissions.toml";

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Owners {
    #[serde(default, rename = "submission")]
    submissions: Vec<Owned>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Owned {
    id: String,
    user: String,
}

fn load_owners(project: &Project) -> Result<Owners> {
    let path = project.root.join(OWNERS_FILE);
    match std::fs::read_to_string(&path) {
        Ok(t) => Ok(kooste_core::project::parse_toml(&t, &path)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Owners::default()),
        Err(e) => Err(Error::Io(kooste_core::FileError::new(path, e))),
    }
}

/// Records that `user` saved the web submission `id` (durably; the caller holds the app's
/// writer lock, so two saves do not interleave).
pub fn record_owner(project: &Project, id: &str, user: &str) -> Result<()> {
    let mut owners = load_owners(project)?;
    if owners
        .submissions
        .iter()
        .any(|o| o.id == id && o.user.eq_ignore_ascii_case(user))
    {
        return Ok(());
    }
    owners.submissions.push(Owned {
        id: id.to_string(),
        user: user.to_string(),
    });
    let path = project.root.join(OWNERS_FILE);
    let body = toml::to_string(&owners).map_err(|e| Error::Users(e.to_string()))?;
    let header = "# Which participant saved which web submission (kooste serve). Keep this file out of\n# version control: it links user names to documents.\n\n";
    write_private(&path, format!("{header}{body}").as_bytes())
        .map_err(|e| Error::Io(kooste_core::FileError::new(path, e)))
}

/// Whether `user` saved the web submission `id` (an unreadable file: no).
pub fn owns(project: &Project, id: &str, user: &str) -> bool {
    match load_owners(project) {
        Ok(o) => o
            .submissions
            .iter()
            .any(|s| s.id == id && s.user.eq_ignore_ascii_case(user)),
        Err(e) => {
            eprintln!("kooste serve: {e}");
            false
        }
    }
}

// ---- end of who saved which web submission ----

/// An argon2id hash of a password with a random salt, in PHC string format.
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::Users(format!("no random numbers: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Users(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Users(e.to_string()))
}

std::thread_local! {
    /// Argon2's working memory (about 19 MiB with the default parameters), kept by each
    /// thread that checks passwords and reused: allocated per check, the allocator kept
    /// freed blocks around in per-thread arenas, and 60 sign-ins took the server to over
    /// 200 MB even with two checks at a time.
    static MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether `password` matches a PHC argon2 hash, computed in this thread's reused memory
/// (as `PasswordVerifier::verify_password` does, with the same constant-time comparison).
fn verify_hash(hash: &str, password: &str) -> bool {
    let Ok(h) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (h.hash, h.salt) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        argon2::Algorithm::try_from(h.algorithm),
        argon2::Params::try_from(&h),
    ) else {
        return false;
    };
    let version = match h.version.map(argon2::Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let done = MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < blocks {
            m.resize(blocks, argon2::Block::default());
        }
        argon
            .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut m[..blocks])
            .is_ok()
    });
    done && argon2::password_hash::Output::new(&out).is_ok_and(|o| o == expected)
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_read_in_three_languages() {
        assert!(Role::Researcher.allows(Role::Worker));
        assert!(Role::Worker.allows(Role::Participant));
        assert!(!Role::Participant.allows(Role::Worker));
        assert_eq!("tutkija".parse::<Role>(), Ok(Role::Researcher));
        assert_eq!("Arbetstagare".parse::<Role>(), Ok(Role::Worker));
        assert!("admin".parse::<Role>().unwrap_err().contains("researcher"));
    }

    #[test]
    fn accounts_round_trip_and_verify() {
        let dir = tempfile::tempdir().unwrap();
        let project = Project::empty(dir.path());
        add_user(&project, "tutkija", Role::Researcher, "salasana-123").unwrap();
        let text = std::fs::read_to_string(dir.path().join(USERS_FILE)).unwrap();
        assert!(
            text.contains("$argon2id$") && !text.contains("salasana-123"),
            "{text}"
        );
        let users = Users::load(&project).unwrap();
        assert_eq!(
            users.verify("Tutkija", "salasana-123").map(|a| a.role),
            Some(Role::Researcher)
        );
        assert!(users.verify("tutkija", "wrong-password").is_none());
        assert!(users.verify("nobody", "salasana-123").is_none());
        let e = add_user(&project, "TUTKIJA", Role::Worker, "salasana-456").unwrap_err();
        assert!(e.to_string().contains("already exists"), "{e}");
        let e = add_user(&project, "a b", Role::Worker, "salasana-456").unwrap_err();
        assert!(e.to_string().contains("user name"), "{e}");
        let e = add_user(&project, "lyhyt", Role::Worker, "short").unwrap_err();
        assert!(e.to_string().contains("too short"), "{e}");
    }

    #[test]
    fn participants_have_a_voice_and_old_files_keep_working() {
        let dir = tempfile::tempdir().unwrap();
        let project = Project::empty(dir.path());
        // A users.toml from before voices: a participant without one.
        add_user(&project, "vanha", Role::Participant, "salasana-123").unwrap();
        add_account(
            &project,
            "asiakas",
            Role::Participant,
            Some(Voice::Client),
            "salasana-123",
        )
        .unwrap();
        add_account(
            &project,
            "kehittaja",
            Role::Participant,
            Some(Voice::Worker),
            "salasana-123",
        )
        .unwrap();
        add_account(&project, "tyontekija", Role::Worker, None, "salasana-123").unwrap();
        let e = add_account(
            &project,
            "x",
            Role::Participant,
            Some(Voice::Researcher),
            "salasana-123",
        )
        .unwrap_err();
        assert!(e.to_string().contains("--voice client"), "{e}");
        let e = add_account(
            &project,
            "y",
            Role::Worker,
            Some(Voice::Client),
            "salasana-123",
        )
        .unwrap_err();
        assert!(e.to_string().contains("leave out --voice"), "{e}");
        let text = std::fs::read_to_string(dir.path().join(USERS_FILE)).unwrap();
        assert_eq!(text.matches("voice = ").count(), 2, "{text}");
        let mut users = Users::load(&project).unwrap();
        let voice = |u: &Users, n: &str| u.get(n).map(Account::voice);
        assert_eq!(voice(&users, "vanha"), Some(Voice::Client));
        assert_eq!(voice(&users, "asiakas"), Some(Voice::Client));
        assert_eq!(voice(&users, "kehittaja"), Some(Voice::Worker));
        assert_eq!(voice(&users, "tyontekija"), Some(Voice::Worker));
        let missing: Vec<_> = users
            .without_voice()
            .iter()
            .map(|a| a.name.clone())
            .collect();
        assert_eq!(missing, ["vanha"]);
        assert!(users.set_missing_voice("VANHA", Voice::Worker).unwrap());
        assert!(
            !users.set_missing_voice("asiakas", Voice::Worker).unwrap(),
            "a set voice stays"
        );
        users.save(&project).unwrap();
        let users = Users::load(&project).unwrap();
        assert_eq!(voice(&users, "vanha"), Some(Voice::Worker));
        assert!(
            users.verify("vanha", "salasana-123").is_some(),
            "the password is kept"
        );
    }
}
