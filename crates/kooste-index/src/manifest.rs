//! The index manifest (`.kooste/index/manifest`): what the index holds, by document, the
//! stamp of every corpus file it was read from, and the watch (ARCHITECTURE.md, "Seeing
//! hand edits").
//!
//! A search needs only the small head (the `inputs` fingerprint and the watch) and the stamps
//! of the few files its hits come from; an update needs all of it. So the file is a head of
//! one JSON line, then one line per corpus file sorted by path, then one line per document:
//!
//! ```text
//! kooste-index-manifest
//! {"format":4,"inputs":"…","watch":{…},"files_bytes":123456}
//! corpus/rannikko-3/a.md\t412\t1733500000000000000\t1733500000000000000\t81234\tdoc-a doc-b
//! …
//! doc-a\t3f2a…
//! …
//! ```
//!
//! Opening reads the file (one `read`) and parses only the head; a file's stamp is found by
//! a binary search of its sorted lines, and the rest is parsed the first time an update
//! needs it. Paths and ids are written with `%`, tab, line feed, carriage return and (in
//! ids) space escaped as `%XX`. The file is written whole with `write_atomic`.
//!
//! Small changes (the web app's saves: a few documents and files at a time) are not worth
//! writing the whole file (about 4 MB at 100k passages, 40 MB at a million): they are
//! appended to `manifest.log` beside it and made durable with one `fsync`, one line per
//! change (`f` a file's stamp, `F` a file without one, `d` a document's fingerprint, `D` a
//! document gone, `h` the head), after a first line naming the manifest's generation. Reading
//! applies the log over the manifest; a whole write counts the generation up and removes the
//! log, so a log left behind by a kill in between is of an older generation and ignored. A
//! line cut by a kill (no line feed) is ignored and cut off before the next append.

use crate::watch::Watch;
use crate::{Error, Result};
use kooste_core::fsutil::FileVersion;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The first line.
const MAGIC: &str = "kooste-index-manifest";

/// The head: what every open needs.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Head {
    pub(crate) format: u32,
    /// The fingerprint of everything besides the corpus files that shapes the records (see
    /// [`crate::SearchIndex::stamps`]).
    #[serde(default)]
    pub(crate) inputs: String,
    /// The project's watched paths when the index was last brought fully in line with the
    /// project (see [`crate::watch`]); `None` when it is not known to be.
    #[serde(default)]
    pub(crate) watch: Option<Watch>,
    /// The length of the files' section in bytes (where the documents' section starts).
    #[serde(default)]
    pub(crate) files_bytes: usize,
    /// Counts the manifest's whole writes: a log of changes applies to the manifest of its
    /// generation only.
    #[serde(default)]
    pub(crate) generation: u64,
}

/// The rest: what updates need.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Body {
    /// Document id → fingerprint of its records.
    pub(crate) docs: BTreeMap<String, String>,
    /// Corpus file (relative to the project) → what it was when its documents were indexed.
    pub(crate) files: BTreeMap<String, FileStamp>,
}

/// A corpus file as it was when its documents were indexed. While the file keeps this
/// version, and nothing else that shapes the records changed, its documents are in the
/// index as they would be indexed now, and the file need not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileStamp {
    /// The file's version when it was read.
    pub(crate) version: FileVersion,
    /// The ids of the documents read from it.
    pub(crate) docs: Vec<String>,
}

/// A manifest as read: the head parsed, the body kept as bytes until it is needed.
#[derive(Debug)]
pub(crate) struct Raw {
    /// The file mapped into memory (tens of megabytes for a million passages): a search
    /// touches only the pages of the head and of the stamps it looks up.
    bytes: tantivy::directory::OwnedBytes,
    /// Where the files' and the documents' sections are in `bytes`.
    files: std::ops::Range<usize>,
    docs: std::ops::Range<usize>,
}

impl Default for Raw {
    fn default() -> Raw {
        Raw {
            bytes: tantivy::directory::OwnedBytes::empty(),
            files: 0..0,
            docs: 0..0,
        }
    }
}

/// A file mapped into memory (through tantivy's directory, which keeps the mapping safe to
/// hold); `None` when it cannot be opened. The manifest is only ever replaced by a rename,
/// never written in place, so the mapping keeps the version it was opened with.
fn map(path: &Path) -> Option<tantivy::directory::OwnedBytes> {
    use tantivy::directory::{Directory, MmapDirectory};
    let dir = path.parent()?;
    let name = path.file_name()?;
    let slice = MmapDirectory::open(dir)
        .ok()?
        .open_read(Path::new(name))
        .ok()?;
    slice.read_bytes().ok()
}

fn escape(s: &str, space: bool) -> std::borrow::Cow<'_, str> {
    let special = |b: u8| matches!(b, b'%' | b'\t' | b'\n' | b'\r') || (space && b == b' ');
    if !s.bytes().any(special) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '%' | '\t' | '\n' | '\r' => {
                let _ = write!(out, "%{:02X}", c as u32);
            }
            ' ' if space => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out.into()
}

fn unescape(s: &[u8]) -> Option<String> {
    if !s.contains(&b'%') {
        return String::from_utf8(s.to_vec()).ok();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hex = std::str::from_utf8(s.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Writes a manifest.
pub(crate) fn encode(head: &Head, body: &Body) -> Result<Vec<u8>> {
    let mut files: Vec<(std::borrow::Cow<'_, str>, (&String, &FileStamp))> = body
        .files
        .iter()
        .map(|(p, s)| (escape(p, false), (p, s)))
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut section = String::with_capacity(files.len() * 96);
    // Sorted by the escaped path, as the binary search compares.
    for (_, (path, stamp)) in files {
        stamp_line(&mut section, path, stamp);
        section.push('\n');
    }
    let head = Head {
        files_bytes: section.len(),
        ..head.clone()
    };
    let mut out = String::with_capacity(section.len() + body.docs.len() * 64 + 4096);
    out.push_str(MAGIC);
    out.push('\n');
    out.push_str(&serde_json::to_string(&head).map_err(|e| Error::Index(e.to_string()))?);
    out.push('\n');
    out.push_str(&section);
    for (id, print) in &body.docs {
        let _ = writeln!(out, "{}\t{}", escape(id, true), escape(print, true));
    }
    Ok(out.into_bytes())
}

/// Reads a manifest's head; `None` when there is no manifest or it is of another format.
/// The body stays unparsed in the returned [`Raw`].
pub(crate) fn read(path: &Path, format: u32) -> Result<Option<(Head, Raw)>> {
    let Some(bytes) = map(path) else {
        return Ok(None);
    };
    let bad = |what: &str| Error::Index(format!("{}: {what}", path.display()));
    let Some(rest) = bytes
        .as_slice()
        .strip_prefix(MAGIC.as_bytes())
        .and_then(|r| r.strip_prefix(b"\n"))
    else {
        // An older kooste's manifest (JSON) or something else: another format.
        return Ok(None);
    };
    let start = bytes.len() - rest.len();
    let end = rest
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| bad("the manifest ends in its first lines"))?;
    let head: Head = serde_json::from_slice(&rest[..end]).map_err(|e| bad(&e.to_string()))?;
    if head.format != format {
        return Ok(None);
    }
    let files_start = start + end + 1;
    let docs_start = files_start + head.files_bytes;
    if docs_start > bytes.len() || (docs_start > files_start && bytes[docs_start - 1] != b'\n') {
        return Err(bad("the manifest is cut short"));
    }
    let docs = docs_start..bytes.len();
    Ok(Some((
        head,
        Raw {
            files: files_start..docs_start,
            docs,
            bytes,
        },
    )))
}

/// One change recorded in the log.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    /// A corpus file's stamp (`None`: it has none any more).
    File(String, Option<FileStamp>),
    /// A document's fingerprint (`None`: it left the index).
    Doc(String, Option<String>),
}

/// The log's changes as read, to apply over the manifest.
#[derive(Debug, Default)]
pub(crate) struct Log {
    /// The head as last logged, if it was.
    pub(crate) head: Option<Head>,
    pub(crate) files: BTreeMap<String, Option<FileStamp>>,
    pub(crate) docs: BTreeMap<String, Option<String>>,
    /// The log's length in bytes.
    pub(crate) bytes: u64,
}

impl Log {
    /// Applies the log over a parsed body.
    pub(crate) fn apply(&self, body: &mut Body) {
        for (f, s) in &self.files {
            match s {
                Some(s) => body.files.insert(f.clone(), s.clone()),
                None => body.files.remove(f),
            };
        }
        for (d, p) in &self.docs {
            match p {
                Some(p) => body.docs.insert(d.clone(), p.clone()),
                None => body.docs.remove(d),
            };
        }
    }
}

fn stamp_line(out: &mut String, path: &str, stamp: &FileStamp) {
    let v = stamp.version;
    let _ = write!(
        out,
        "{}\t{}\t{}\t{}\t{}\t",
        escape(path, false),
        v.len,
        v.modified,
        v.changed,
        v.inode
    );
    for (i, d) in stamp.docs.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&escape(d, true));
    }
}

/// Appends changes (and the head) to the log of the manifest of `head.generation`, starting
/// it when there is none or it is of another generation; returns the log's new length.
/// Called under the write lock.
pub(crate) fn append(path: &Path, head: &Head, changes: &[Change]) -> std::io::Result<u64> {
    use std::io::{Read as _, Seek as _, Write as _};
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    let mut existing = Vec::new();
    f.read_to_end(&mut existing)?;
    let first = format!("g\t{}\n", head.generation);
    let mut keep = if existing.starts_with(first.as_bytes()) {
        // Up to the last whole line (a kill may have cut the last one).
        existing
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
    } else {
        0
    };
    if keep == 0 {
        f.set_len(0)?;
    } else if keep < existing.len() {
        f.set_len(keep as u64)?;
    }
    let mut out = String::new();
    if keep == 0 {
        out.push_str(&first);
    }
    for c in changes {
        match c {
            Change::File(p, Some(s)) => {
                out.push_str("f\t");
                stamp_line(&mut out, p, s);
            }
            Change::File(p, None) => {
                let _ = write!(out, "F\t{}", escape(p, false));
            }
            Change::Doc(id, Some(print)) => {
                let _ = write!(out, "d\t{}\t{}", escape(id, true), escape(print, true));
            }
            Change::Doc(id, None) => {
                let _ = write!(out, "D\t{}", escape(id, true));
            }
        }
        out.push('\n');
    }
    out.push_str("h\t");
    out.push_str(&serde_json::to_string(head).map_err(std::io::Error::other)?);
    out.push('\n');
    f.seek(std::io::SeekFrom::Start(keep as u64))?;
    f.write_all(out.as_bytes())?;
    f.sync_data()?;
    keep += out.len();
    Ok(keep as u64)
}

/// Reads the log of the manifest of generation `generation`; an empty log when there is
/// none, or it is of another generation.
pub(crate) fn read_log(path: &Path, generation: u64) -> Result<Log> {
    let mut log = Log::default();
    let Ok(bytes) = std::fs::read(path) else {
        return Ok(log);
    };
    let first = format!("g\t{generation}\n");
    if !bytes.starts_with(first.as_bytes()) {
        return Ok(log);
    }
    let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    log.bytes = whole as u64;
    let bad = |n: usize| Error::Index(format!("{}: line {} is damaged", path.display(), n + 1));
    for (n, line) in bytes[first.len()..whole]
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
    {
        let (kind, rest) = (line[0], line.get(2..).unwrap_or_default());
        match kind {
            b'f' => {
                let (p, s) = stamp_of(rest).ok_or_else(|| bad(n + 1))?;
                log.files.insert(p, Some(s));
            }
            b'F' => {
                log.files
                    .insert(unescape(rest).ok_or_else(|| bad(n + 1))?, None);
            }
            b'd' => {
                let mut parts = rest.splitn(2, |&b| b == b'\t');
                let id = parts.next().and_then(unescape).ok_or_else(|| bad(n + 1))?;
                let print = parts.next().and_then(unescape).ok_or_else(|| bad(n + 1))?;
                log.docs.insert(id, Some(print));
            }
            b'D' => {
                log.docs
                    .insert(unescape(rest).ok_or_else(|| bad(n + 1))?, None);
            }
            b'h' => {
                log.head = Some(serde_json::from_slice(rest).map_err(|_| bad(n + 1))?);
            }
            _ => return Err(bad(n + 1)),
        }
    }
    Ok(log)
}

fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty())
}

fn stamp_of(line: &[u8]) -> Option<(String, FileStamp)> {
    let mut parts = line.split(|&b| b == b'\t');
    let path = unescape(parts.next()?)?;
    let mut num = || std::str::from_utf8(parts.next()?).ok();
    let len = num()?.parse().ok()?;
    let modified = num()?.parse().ok()?;
    let changed = num()?.parse().ok()?;
    let inode = num()?.parse().ok()?;
    let docs = parts.next()?;
    let docs = if docs.is_empty() {
        Vec::new()
    } else {
        // Sized exactly: collected from a split, a vector of one id (most files) would
        // take room for four.
        let mut ids = Vec::with_capacity(docs.iter().filter(|&&b| b == b' ').count() + 1);
        for id in docs.split(|&b| b == b' ') {
            ids.push(unescape(id)?);
        }
        ids
    };
    Some((
        path,
        FileStamp {
            version: FileVersion {
                len,
                modified,
                changed,
                inode,
            },
            docs,
        },
    ))
}

impl Raw {
    /// The manifest's length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Parses the whole body.
    pub(crate) fn body(&self, path: &Path) -> Result<Body> {
        let bad = |n: usize, what: &str| {
            Error::Index(format!("{}: {what} (entry {})", path.display(), n + 1))
        };
        // Collected whole rather than inserted one by one: a map built from all its
        // entries at once fills its nodes, where entries inserted in order leave every
        // node about half empty (at a million passages some 30 MB of the server's memory).
        let files = lines(&self.bytes[self.files.clone()])
            .enumerate()
            .map(|(n, line)| stamp_of(line).ok_or_else(|| bad(n, "a file's stamp is damaged")))
            .collect::<Result<BTreeMap<_, _>>>()?;
        let docs = lines(&self.bytes[self.docs.clone()])
            .enumerate()
            .map(|(n, line)| {
                let mut parts = line.splitn(2, |&b| b == b'\t');
                let id = parts.next().and_then(unescape);
                let print = parts.next().and_then(unescape);
                match (id, print) {
                    (Some(id), Some(print)) => Ok((id, print)),
                    _ => Err(bad(n, "a document's fingerprint is damaged")),
                }
            })
            .collect::<Result<BTreeMap<_, _>>>()?;
        Ok(Body { docs, files })
    }

    /// The stamp of one corpus file, found by a binary search of the sorted lines without
    /// parsing (or even splitting) the others; `None` when it has none (or its line is
    /// damaged).
    pub(crate) fn stamp(&self, file: &str) -> Option<FileStamp> {
        let key = escape(file, false);
        let key = key.as_bytes();
        let section = &self.bytes[self.files.clone()];
        // Byte offsets; `lo` is always at the start of a line.
        let (mut lo, mut hi) = (0, section.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let start = section[lo..mid]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(lo, |i| lo + i + 1);
            let end = section[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(section.len(), |i| start + i);
            let line = &section[start..end];
            let path = &line[..line.iter().position(|&b| b == b'\t').unwrap_or(line.len())];
            match path.cmp(key) {
                std::cmp::Ordering::Less => lo = end + 1,
                std::cmp::Ordering::Greater => hi = start,
                std::cmp::Ordering::Equal => return stamp_of(line).map(|(_, s)| s),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(n: u64, docs: &[&str]) -> FileStamp {
        FileStamp {
            version: FileVersion {
                len: n,
                modified: u128::from(n) * 1_000_000_007,
                changed: -i128::from(n),
                inode: n + 1,
            },
            docs: docs.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn a_manifest_reads_back_whole_and_finds_each_stamp_alone() {
        let mut body = Body::default();
        let names = [
            "corpus/a.md",
            "corpus/b b.md",
            "corpus/tab\there.md",
            "corpus/100%.md",
            "corpus/ä/ö.md",
            "corpus/z.md",
            "corpus/empty.md",
        ];
        for (n, name) in names.iter().enumerate() {
            let docs: &[&str] = if n == 6 { &[] } else { &["doc one", "d-2"] };
            body.files.insert(name.to_string(), stamp(n as u64, docs));
        }
        for n in 0..500 {
            body.files
                .insert(format!("corpus/w-{n:04}.md"), stamp(n, &["x"]));
            body.docs.insert(format!("doc-{n}"), format!("{n:016x}"));
        }
        body.docs.insert("odd id%\t".into(), "p".into());
        let head = Head {
            format: 7,
            inputs: "in".into(),
            watch: None,
            files_bytes: 0,
            generation: 1,
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest");
        std::fs::write(&path, encode(&head, &body).unwrap()).unwrap();
        assert!(read(&path, 8).unwrap().is_none(), "another format");
        let (read_head, raw) = read(&path, 7).unwrap().unwrap();
        assert_eq!(read_head.inputs, "in");
        assert_eq!(raw.body(&path).unwrap(), body);
        for (name, s) in &body.files {
            assert_eq!(raw.stamp(name).as_ref(), Some(s), "{name}");
        }
        for missing in ["corpus/", "corpus/a.m", "corpus/zz.md", "", "zzz"] {
            assert_eq!(raw.stamp(missing), None, "{missing}");
        }
        // An empty manifest, and the JSON of an older kooste (another format).
        std::fs::write(&path, encode(&head, &Body::default()).unwrap()).unwrap();
        let (_, raw) = read(&path, 7).unwrap().unwrap();
        assert_eq!(raw.stamp("corpus/a.md"), None);
        assert_eq!(raw.body(&path).unwrap(), Body::default());
        std::fs::write(&path, br#"{"format":3,"docs":{}}"#).unwrap();
        assert!(read(&path, 7).unwrap().is_none());
        // Cut short: an error, not a silently smaller manifest.
        let bytes = encode(&head, &body).unwrap();
        std::fs::write(&path, &bytes[..200]).unwrap();
        assert!(read(&path, 7).is_err());
    }
}

#[cfg(test)]
mod log_tests {
    use super::*;

    #[test]
    fn a_log_applies_over_its_generation_only_and_a_cut_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.log");
        let mut head = Head {
            format: 4,
            inputs: "a".into(),
            generation: 3,
            ..Head::default()
        };
        let stamp = FileStamp {
            version: FileVersion {
                len: 1,
                modified: 2,
                changed: 3,
                inode: 4,
            },
            docs: vec!["x y".into()],
        };
        append(
            &path,
            &head,
            &[
                Change::File("corpus/a b.md".into(), Some(stamp.clone())),
                Change::Doc("x y".into(), Some(String::new())),
            ],
        )
        .unwrap();
        head.inputs = "b".into();
        let n = append(
            &path,
            &head,
            &[
                Change::Doc("x y".into(), Some("0123".into())),
                Change::Doc("gone".into(), None),
                Change::File("corpus/old.md".into(), None),
            ],
        )
        .unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), n);
        // A kill in the middle of an append leaves part of a line: it is not read, and the
        // next append cuts it off.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(b"d\tcut");
        std::fs::write(&path, &bytes).unwrap();
        let log = read_log(&path, 3).unwrap();
        assert_eq!(log.head.as_ref().map(|h| h.inputs.as_str()), Some("b"));
        assert_eq!(log.files["corpus/a b.md"], Some(stamp.clone()));
        assert_eq!(log.files["corpus/old.md"], None);
        assert_eq!(log.docs["x y"].as_deref(), Some("0123"));
        assert_eq!(log.docs["gone"], None);
        assert!(!log.docs.contains_key("cut"));
        append(&path, &head, &[Change::Doc("z".into(), Some("9".into()))]).unwrap();
        let log = read_log(&path, 3).unwrap();
        assert_eq!(log.docs["z"].as_deref(), Some("9"));
        assert_eq!(log.docs.len(), 3);
        let mut body = Body::default();
        body.docs.insert("gone".into(), "1".into());
        body.files.insert("corpus/old.md".into(), stamp.clone());
        log.apply(&mut body);
        assert_eq!(body.docs.keys().collect::<Vec<_>>(), ["x y", "z"]);
        assert_eq!(body.files.keys().collect::<Vec<_>>(), ["corpus/a b.md"]);
        // Another generation's log is not applied, and an append starts it over.
        assert!(read_log(&path, 4).unwrap().docs.is_empty());
        head.generation = 4;
        append(&path, &head, &[]).unwrap();
        assert!(read_log(&path, 4).unwrap().docs.is_empty());
        assert!(read_log(&path, 3).unwrap().docs.is_empty());
    }
}
