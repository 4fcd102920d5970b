//! Durable writes: every file kooste writes goes through [`write_atomic`] (or
//! [`write_private`] for files that hold secrets), and the one append-only log (the CAIMeR
//! decisions) through [`append_lines`].

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Writes `contents` to `path` so that, whatever happens, the file holds either its old
/// contents or the new ones, never a mix: write a temporary file in the same directory,
/// fsync it, rename it over the target, and fsync the directory.
///
/// A file that is replaced keeps its permissions; a new one gets those any program would
/// give it (read and write for all, less the process's umask, usually 0644).
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write(path, contents, false)
}

/// Like [`write_atomic`], but the file can be read and written by its owner only (0600 on
/// Unix), whatever it was before: for files that hold secrets, such as password hashes.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write(path, contents, true)
}

fn write(path: &Path, contents: &[u8], private: bool) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".kooste-tmp-")
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    // The temporary file was made 0600; give it the mode the file should have.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if private {
            0o600
        } else {
            match std::fs::metadata(path) {
                Ok(m) => m.permissions().mode() & 0o7777,
                Err(_) => 0o666 & !umask(),
            }
        };
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

/// Appends `lines` (each ending with a line end) to the file at `path`, creating it and its
/// directory when missing, and makes them durable: the file is fsynced, and its directory
/// too (and the directory's parent when the directory is new) when the file is new. A last
/// line left without its line end by an interrupted append is ended first, so that it
/// stays on a line of its own for the reader to report.
pub fn append_lines(path: &Path, lines: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let new_dir = !dir.exists();
    std::fs::create_dir_all(dir)?;
    let existed = path.exists();
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)?;
    let mut buf = Vec::with_capacity(lines.len() + 1);
    if file.metadata()?.len() > 0 {
        let mut last = [0u8];
        file.seek(SeekFrom::End(-1))?;
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            buf.push(b'\n');
        }
    }
    buf.extend_from_slice(lines);
    file.write_all(&buf)?;
    file.sync_all()?;
    if !existed {
        sync_dir(dir)?;
    }
    if new_dir && let Some(parent) = dir.parent() {
        sync_dir(if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        })?;
    }
    Ok(())
}

/// Removes a file and makes the removal durable.
pub fn remove_durable(path: &Path) -> std::io::Result<()> {
    std::fs::remove_file(path)?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Writes `contents` to `stage`, a new file beside `target`, with the permissions
/// [`write_atomic`] would give `target`, but without making it durable: for writing many
/// files at once, made durable together with [`sync_together`] before they are renamed
/// over their targets (`kooste-ingest`'s journal).
pub fn write_staged(stage: &Path, target: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = stage.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(stage)?;
    file.write_all(contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::metadata(target) {
            Ok(m) => m.permissions().mode() & 0o7777,
            Err(_) => 0o666 & !umask(),
        };
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = target;
    Ok(())
}

/// Makes files and directories durable (`fsync`), several at once: the file system commits
/// the `fsync`s that wait together in one journal commit, so a hundred small files take
/// about as long as a few, where one after the other each takes a commit of its own. The
/// result of each path, in order.
pub fn sync_together(paths: &[&Path]) -> Vec<std::io::Result<()>> {
    fn one(p: &Path) -> std::io::Result<()> {
        #[cfg(unix)]
        std::fs::File::open(p)?.sync_all()?;
        #[cfg(not(unix))]
        std::fs::OpenOptions::new()
            .write(true)
            .open(p)?
            .sync_all()?;
        Ok(())
    }
    const THREADS: usize = 16;
    if paths.len() <= 1 {
        return paths.iter().map(|p| one(p)).collect();
    }
    let chunk = paths.len().div_ceil(THREADS);
    std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(chunk)
            .map(|c| (c.len(), s.spawn(move || c.iter().map(|p| one(p)).collect())))
            .collect();
        handles
            .into_iter()
            .flat_map(|(n, h)| {
                h.join().unwrap_or_else(|_| {
                    (0..n)
                        .map(|_| Err(std::io::Error::other("a sync thread panicked")))
                        .collect::<Vec<_>>()
                })
            })
            .collect()
    })
}

/// The process's file-creation mask, from `/proc/self/status` (Linux); 022 where that
/// cannot be read.
#[cfg(unix)]
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

/// Makes the entries of a directory (files created, renamed or removed in it) durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    // Directories can be fsynced on Unix; elsewhere the rename is as durable as it gets.
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_contents_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.md");
        super::write_atomic(&p, b"one").unwrap();
        super::write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(dir.path().join("sub")).unwrap().count(),
            1
        );
    }

    #[cfg(unix)]
    #[test]
    fn new_files_follow_the_umask_replaced_ones_keep_their_mode_private_ones_are_0600() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("digest.html");
        super::write_atomic(&new, b"one").unwrap();
        assert_eq!(mode(&new), 0o666 & !super::umask());

        std::fs::set_permissions(&new, std::fs::Permissions::from_mode(0o640)).unwrap();
        super::write_atomic(&new, b"two").unwrap();
        assert_eq!(mode(&new), 0o640);

        let secret = dir.path().join("users.toml");
        super::write_atomic(&secret, b"open").unwrap();
        super::write_private(&secret, b"hash").unwrap();
        assert_eq!(mode(&secret), 0o600);
        assert_eq!(std::fs::read(&secret).unwrap(), b"hash");
    }
}

/// Which version of a file is on disk, to notice that it changed: its length, modification
/// time and, on Unix, inode change time and inode. No program can set the change time back,
/// unlike the modification time (`cp -p` or `touch -d` of another version with the same
/// length is still seen), and every [`write_atomic`] replaces the inode, so a change shows
/// even within the clock's resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileVersion {
    /// Length in bytes.
    pub len: u64,
    /// Modification time in nanoseconds since 1970; 0 when the file system has none.
    pub modified: u128,
    /// On Unix, the inode's change time in nanoseconds since 1970; 0 elsewhere.
    #[serde(default)]
    pub changed: i128,
    /// On Unix, the inode number; 0 elsewhere.
    #[serde(default)]
    pub inode: u64,
}

impl FileVersion {
    /// The version of the file at `path` now; `None` when there is none.
    pub fn of(path: &Path) -> Option<FileVersion> {
        let m = std::fs::metadata(path).ok()?;
        let modified = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        #[cfg(unix)]
        let (changed, inode) = {
            use std::os::unix::fs::MetadataExt;
            (
                i128::from(m.ctime()) * 1_000_000_000 + i128::from(m.ctime_nsec()),
                m.ino(),
            )
        };
        #[cfg(not(unix))]
        let (changed, inode) = (0, 0);
        Some(FileVersion {
            len: m.len(),
            modified,
            changed,
            inode,
        })
    }

    /// The modification time; `None` when the file system has none.
    pub fn modified_at(&self) -> Option<std::time::SystemTime> {
        let nanos = u64::try_from(self.modified).ok().filter(|n| *n > 0)?;
        Some(std::time::UNIX_EPOCH + std::time::Duration::from_nanos(nanos))
    }
}

/// The lock that keeps two kooste processes (say `kooste serve` and a `kooste ingest` run
/// beside it) from writing a project at the same time: the corpus journal, the index and
/// its manifest have one writer at a time. An advisory lock on `.kooste/write.lock`,
/// released when the value is dropped (or the process ends, however it ends).
///
/// Take it for a write, not for a whole session: others wait for it. It is reentrant
/// within a thread (an update that holds it can call a sync that takes it again), and
/// excludes other threads as it excludes other processes.
#[derive(Debug)]
pub struct WriteLock {
    key: std::path::PathBuf,
    _file: Option<std::fs::File>,
}

thread_local! {
    /// How many times this thread holds the lock of each state directory.
    static HELD: std::cell::RefCell<std::collections::HashMap<std::path::PathBuf, usize>> =
        std::cell::RefCell::default();
}

impl WriteLock {
    /// The file, in a project's state directory.
    pub const FILE: &'static str = "write.lock";

    /// Takes the lock of the project whose state directory (`.kooste/`) is `state_dir`,
    /// waiting while another process or thread holds it. Where the lock file cannot be made
    /// (a read-only or full disk) or locked (a file system without locks), it goes on
    /// without one: nothing can be written there then, and the write itself gives the error.
    pub fn take(state_dir: &Path) -> WriteLock {
        let key = state_dir.to_path_buf();
        let nested = HELD.with(|h| {
            let mut h = h.borrow_mut();
            let n = h.entry(key.clone()).or_default();
            *n += 1;
            *n > 1
        });
        if nested {
            return WriteLock { key, _file: None };
        }
        let file = std::fs::create_dir_all(state_dir)
            .and_then(|()| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(state_dir.join(Self::FILE))
            })
            .ok()
            .filter(|f| f.lock().is_ok());
        WriteLock { key, _file: file }
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        HELD.with(|h| {
            let mut h = h.borrow_mut();
            if let Some(n) = h.get_mut(&self.key) {
                *n -= 1;
                if *n == 0 {
                    h.remove(&self.key);
                }
            }
        });
    }
}

#[cfg(test)]
mod lock_tests {
    use super::WriteLock;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn the_write_lock_is_reentrant_in_a_thread_and_excludes_other_threads() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".kooste");
        let outer = WriteLock::take(&state);
        let inner = WriteLock::take(&state);
        let (tx, rx) = mpsc::channel();
        let other = {
            let state = state.clone();
            std::thread::spawn(move || {
                let _l = WriteLock::take(&state);
                tx.send(()).unwrap();
            })
        };
        drop(inner);
        assert!(
            rx.recv_timeout(Duration::from_millis(300)).is_err(),
            "another thread took the lock while this one held it"
        );
        drop(outer);
        rx.recv_timeout(Duration::from_secs(10))
            .expect("the other thread got the lock once it was free");
        other.join().unwrap();
        assert!(state.join(WriteLock::FILE).is_file());
    }
}
