//! Where a document came from: the input file (or web submission) it was read from, named
//! without personal data, and two keyed fingerprints that tell one sender's file from
//! another's when both are called `kertomus.md`.
//!
//! A document's id is made from its file name, and file names repeat: every team calls its
//! form `lomake.xlsx`. So a document remembers its source three ways, all in its front
//! matter: `source` (the path, redacted: a folder or file can be named after a person),
//! `source_key` (a keyed fingerprint of the full path: the same file ingested again is an
//! update, any other file never is) and `content_key` (a keyed fingerprint of the file's
//! bytes: a file moved and ingested again is the same material). The key is the project's
//! own secret ([`SourceKey`]), so a fingerprint cannot be reversed by guessing names.

use crate::redact::Redactor;
use crate::slug;
use blake2::Blake2bMac;
use blake2::digest::Mac;
use blake2::digest::consts::U16;
use kooste_core::fsutil::{WriteLock, write_private};
use kooste_core::model::Lang;
use kooste_core::project::Project;
use std::path::{Component, Path, PathBuf};

/// The project's secret for source fingerprints: 32 random bytes in hex in
/// [`SourceKey::FILE`] at the project root, made by the first ingest that needs it.
#[derive(Clone)]
pub struct SourceKey([u8; 32]);

impl std::fmt::Debug for SourceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SourceKey(..)")
    }
}

impl SourceKey {
    /// The key file, relative to the project root. `kooste init` lists it in `.gitignore`.
    pub const FILE: &'static str = ".kooste-key";

    /// Reads the project's key, making one when there is none yet. Two processes that both
    /// find none take turns through the project's write lock, so they agree on one key.
    /// `root` is the project's directory, `state` its `.kooste/` (where the lock lives).
    pub fn load_or_create(root: &Path, state: &Path) -> std::io::Result<SourceKey> {
        let path = root.join(Self::FILE);
        if let Some(k) = Self::read(&path)? {
            return Ok(k);
        }
        let _lock = WriteLock::take(state);
        if let Some(k) = Self::read(&path)? {
            return Ok(k);
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        let text = format!(
            "# kooste's secret for source fingerprints; keep it with the project, never share it\n{}\n",
            hex(&bytes)
        );
        write_private(&path, text.as_bytes())?;
        Ok(SourceKey(bytes))
    }

    fn read(path: &Path) -> std::io::Result<Option<SourceKey>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or("");
        let mut bytes = [0u8; 32];
        let ok = line.len() == 64
            && (0..32).all(|i| match u8::from_str_radix(&line[2 * i..2 * i + 2], 16) {
                Ok(b) => {
                    bytes[i] = b;
                    true
                }
                Err(_) => false,
            });
        if ok {
            Ok(Some(SourceKey(bytes)))
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} is not a kooste key (64 hexadecimal digits); delete it and kooste makes a new one (files ingested before are then recognised by their contents)",
                    path.display()
                ),
            ))
        }
    }

    /// A keyed fingerprint (BLAKE2b, 128 bits, hex) of `data` in its `domain`.
    pub fn fingerprint(&self, domain: &str, data: &[u8]) -> String {
        let mut mac = Blake2bMac::<U16>::new_from_slice(&self.0).expect("a 32-byte key");
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        hex(&mac.finalize().into_bytes())
    }

    /// A key for tests and tools that need no secret.
    pub fn fixed(byte: u8) -> SourceKey {
        SourceKey([byte; 32])
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One input as the corpus knows it: see the module documentation.
#[derive(Debug, Clone)]
pub struct Source {
    /// The name shown and stored as `source`, redacted.
    pub name: String,
    /// The keyed fingerprint of the full path (or of `web/ID`).
    pub key: String,
    /// The keyed fingerprint of the contents, for files.
    pub content: Option<String>,
    /// The `source` an older kooste stored for this very file (its path relative to the
    /// project): documents with it and no `source_key` are this file's.
    pub(crate) legacy: Option<String>,
    /// The bare file name an older kooste stored for a file outside the project: it cannot
    /// tell two senders apart, so such documents are this file's only when equal to it.
    pub(crate) loose: Option<String>,
    /// Redacted slugs of the folders the file lies in, innermost first: what tells this
    /// file's documents apart when another source already has their ids.
    pub(crate) folders: Vec<String>,
}

impl Source {
    /// The source of an input file with these contents.
    pub fn file(
        project: &Project,
        key: &SourceKey,
        redactor: &Redactor,
        path: &Path,
        bytes: &[u8],
    ) -> Source {
        let lang = project.config.project.lang;
        let abs = std::fs::canonicalize(path).unwrap_or_else(|_| absolute(path));
        let root = std::fs::canonicalize(&project.root).unwrap_or_else(|_| absolute(&project.root));
        let inside = abs.strip_prefix(&root).ok().map(Path::to_path_buf);
        let shown: PathBuf = match &inside {
            Some(rel) => rel.clone(),
            None => {
                let cwd = std::env::current_dir()
                    .ok()
                    .and_then(|c| std::fs::canonicalize(c).ok());
                match cwd.as_deref().and_then(|c| abs.strip_prefix(c).ok()) {
                    Some(rel) => rel.to_path_buf(),
                    // Far away: the file and its two folders, never a home directory.
                    None => {
                        let parts: Vec<_> = abs.components().collect();
                        parts[parts.len().saturating_sub(3)..].iter().collect()
                    }
                }
            }
        };
        let identity = match &inside {
            Some(rel) => format!("project:{}", slashed(rel)),
            None => format!("path:{}", abs.to_string_lossy()),
        };
        let name = shown
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => {
                    Some(redact_file_name(redactor, lang, &s.to_string_lossy()))
                }
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("/");
        let file_name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let folders = abs
            .parent()
            .map(|p| {
                p.components()
                    .rev()
                    .filter_map(|c| match c {
                        Component::Normal(s) => Some(slug(&redact_file_name(
                            redactor,
                            lang,
                            &s.to_string_lossy(),
                        ))),
                        _ => None,
                    })
                    .take(2)
                    .collect()
            })
            .unwrap_or_default();
        Source {
            name,
            key: key.fingerprint("path", identity.as_bytes()),
            content: Some(key.fingerprint("content", bytes)),
            legacy: inside.as_deref().map(slashed),
            loose: inside.is_none().then_some(file_name),
            folders,
        }
    }

    /// The source of a web submission, `web/ID`.
    pub fn web(key: &SourceKey, id: &str) -> Source {
        let name = format!("web/{id}");
        Source {
            key: key.fingerprint("path", format!("web:{name}").as_bytes()),
            content: None,
            legacy: Some(name.clone()),
            loose: None,
            folders: vec!["web".into()],
            name,
        }
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn slashed(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// A file or folder name as words, the way a person would write them: `_`, and `-` or `.`
/// between letters, separate words, and each word starts with a capital, so that the
/// redactor sees `10 Marjatta Korhonen 131052-308T` in `10_marjatta-korhonen_131052-308t`.
fn as_words(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for (i, &c) in chars.iter().enumerate() {
        let between_letters = i > 0
            && i + 1 < chars.len()
            && chars[i - 1].is_alphabetic()
            && chars[i + 1].is_alphabetic();
        if c == '_' || c.is_whitespace() || ((c == '-' || c == '.') && between_letters) {
            out.push(' ');
            start = true;
        } else {
            if start && c.is_alphabetic() {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
            start = false;
        }
    }
    out
}

/// A file or folder name without personal data: unchanged when the redactor finds none in
/// it, else its words with what was found replaced (`[nimi] [hetu].md`).
pub fn redact_file_name(redactor: &Redactor, lang: Lang, name: &str) -> String {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e))
            if !s.is_empty()
                && !e.is_empty()
                && e.len() <= 5
                && e.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            (s, Some(e))
        }
        _ => (name, None),
    };
    let (redacted, removals) = redactor.redact(&as_words(stem), lang);
    if removals.is_empty() {
        return name.to_string();
    }
    match ext {
        Some(e) => format!("{redacted}.{e}"),
        None => redacted,
    }
}

/// Splits an id or file name into what a person may have written and the sequence a
/// program numbered it with: after one of the project's workshop ids (`rannikko-6`),
/// optionally one word (a voice, `client`), a sequence number of at most seven digits and
/// optionally a row number of at most three (`asp-paiva-rannikko-6-0014252-6`,
/// `rannikko-6-client-0123456`). Such a sequence is a counter, not a phone number, even
/// when its digits could be read as one (`0014252-6`, `0123456`): the redactor reads only
/// the first part. Anything else is all first part, so a phone number written after a
/// workshop id (`rannikko-6-0401234567`, `rannikko-6-040-1234567`) is still read.
pub fn split_sequence<'a>(name: &'a str, workshops: &[String]) -> (&'a str, &'a str) {
    let whole = (name, "");
    let is_sep = |c: char| c == '-' || c == '_';
    let digits = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    // The start of the sequence: the last one or two segments, when they are digits.
    let Some(last_sep) = name.rfind(is_sep) else {
        return whole;
    };
    let last = &name[last_sep + 1..];
    let mut start = last_sep;
    if digits(last, 3)
        && let Some(prev_sep) = name[..last_sep].rfind(is_sep)
        && digits(&name[prev_sep + 1..last_sep], 7)
    {
        start = prev_sep;
    }
    if start == last_sep && !digits(last, 7) {
        return whole;
    }
    let head = &name[..start];
    let ends_with_workshop = |h: &str| {
        workshops.iter().any(|w| {
            h.len() >= w.len()
                && h.is_char_boundary(h.len() - w.len())
                && h[h.len() - w.len()..].eq_ignore_ascii_case(w)
                && h[..h.len() - w.len()]
                    .chars()
                    .next_back()
                    .is_none_or(is_sep)
        })
    };
    let after_word = head
        .rfind(is_sep)
        .filter(|&i| {
            let word = &head[i + 1..];
            !word.is_empty() && word.chars().all(char::is_alphabetic)
        })
        .map(|i| &head[..i]);
    if ends_with_workshop(head) || after_word.is_some_and(ends_with_workshop) {
        (head, &name[start..])
    } else {
        whole
    }
}

/// The id kooste makes from a file name: its slug, after personal data was taken out (a
/// program's sequence number after a workshop id is kept, `split_sequence`).
pub fn file_id(redactor: &Redactor, lang: Lang, workshops: &[String], stem: &str) -> String {
    let (head, tail) = split_sequence(stem, workshops);
    let (redacted, removals) = redactor.redact(&as_words(head), lang);
    if removals.is_empty() {
        slug(stem)
    } else {
        slug(&format!("{redacted}{tail}"))
    }
}

/// Whether an id given by a person holds personal data (a name, an identity code, a phone
/// number), read as the words of a file name; a program's sequence number after a
/// workshop id is not (`split_sequence`).
pub fn id_has_personal_data(
    redactor: &Redactor,
    lang: Lang,
    workshops: &[String],
    id: &str,
) -> bool {
    let (head, _) = split_sequence(id, workshops);
    !redactor.redact(&as_words(head), lang).1.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kooste_core::project::Participant;

    fn redactor() -> Redactor {
        Redactor::new(&[Participant {
            name: "Sanna Laaksonen".into(),
            pseudonym: "Asiakas A".into(),
            role: kooste_core::model::Voice::Client,
            aliases: vec![],
        }])
    }

    #[test]
    fn file_names_lose_names_and_identity_codes() {
        let r = redactor();
        assert_eq!(
            file_id(&r, Lang::Fi, &[], "10 Marjatta Korhonen 131052-308T"),
            "10-nimi-hetu"
        );
        assert_eq!(
            file_id(&r, Lang::Fi, &[], "haastattelu_sanna_laaksonen"),
            "haastattelu-asiakas-a"
        );
        assert_eq!(
            file_id(&r, Lang::Fi, &[], "asiakkaan-kertomus"),
            "asiakkaan-kertomus"
        );
        assert_eq!(
            redact_file_name(&r, Lang::Fi, "Marjatta Korhonen.docx"),
            "[nimi].docx"
        );
        assert_eq!(redact_file_name(&r, Lang::Fi, "tiimi-a"), "tiimi-a");
        assert!(id_has_personal_data(
            &r,
            Lang::Fi,
            &[],
            "sanna-laaksonen-2018"
        ));
        assert!(!id_has_personal_data(
            &r,
            Lang::Fi,
            &[],
            "vaasa-2018-03-asiakas-07"
        ));
    }

    #[test]
    fn a_programs_sequence_after_a_workshop_id_is_no_phone_number() {
        let r = redactor();
        let ws = ["rannikko-6".to_string(), "kaupunki-1".to_string()];
        // Generated and exported ids: a battery, a workshop, a sequence, a row.
        for id in [
            "asp-paiva-rannikko-6-0014252-6",
            "asp-paiva-rannikko-6-0123456",
            "rannikko-6-client-0104257",
            "Kaupunki-1_worker_0999999",
        ] {
            assert!(!id_has_personal_data(&r, Lang::Fi, &ws, id), "{id}");
            assert_eq!(file_id(&r, Lang::Fi, &ws, id), slug(id), "{id}");
        }
        // Without the workshop id (or with another) the digits are read as before.
        assert!(id_has_personal_data(
            &r,
            Lang::Fi,
            &[],
            "asp-paiva-rannikko-6-0014252-6"
        ));
        assert!(id_has_personal_data(
            &r,
            Lang::Fi,
            &ws,
            "asp-paiva-vaasa-6-0123456"
        ));
        // A phone number after a workshop id is still a phone number, and so are names.
        for id in [
            "rannikko-6-0401234567",
            "rannikko-6-040-1234567",
            "asp-paiva-rannikko-6-040-1234567-2",
            "rannikko-6-client-+358401234567",
            "rannikko-6-sanna-laaksonen-0012345",
            "0401234567-rannikko-6-0012345",
        ] {
            assert!(id_has_personal_data(&r, Lang::Fi, &ws, id), "{id}");
        }
        assert_eq!(
            file_id(&r, Lang::Fi, &ws, "sanna_laaksonen_rannikko-6-0012345-2"),
            "asiakas-a-rannikko-6-0012345-2"
        );
    }

    #[test]
    fn fingerprints_are_keyed_and_stable() {
        let (a, b) = (SourceKey::fixed(1), SourceKey::fixed(2));
        assert_eq!(a.fingerprint("path", b"x"), a.fingerprint("path", b"x"));
        assert_ne!(a.fingerprint("path", b"x"), b.fingerprint("path", b"x"));
        assert_ne!(a.fingerprint("path", b"x"), a.fingerprint("content", b"x"));
        assert_eq!(a.fingerprint("path", b"x").len(), 32);
    }
}
