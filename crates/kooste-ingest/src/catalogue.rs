//! Where each document of the corpus is stored, with its source facts: what [`Corpus`]
//! keeps for storing (a save of the web app, an ingest), held compactly.
//!
//! `kooste serve` keeps the corpus opened for its saves, and a million passages are a
//! quarter of a million documents. Held as maps of owned strings (an id → its path, source
//! and keys; each key → its ids) that took about 150 MB; here every string is a range of one
//! buffer of bytes, a document is one fixed-size slot, and the lookups are hash tables of
//! slot numbers whose keys are read from the buffer. The documents of one group (the same
//! source key; without one, the same source; or the same content key) are a chain through
//! their slots, and the strings they share (the source and its keys) are stored once per
//! group. About a fifth of the memory.
//!
//! [`Corpus`]: crate::Corpus

use hashbrown::HashTable;
use std::collections::BTreeSet;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};

/// A stored document as the corpus reads it: where it is and its source facts as its front
/// matter gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) path: PathBuf,
    pub(crate) source: String,
    pub(crate) source_key: Option<String>,
    pub(crate) content_key: Option<String>,
}

/// A string of the buffer: `len == u32::MAX` for none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

const NONE: Span = Span {
    start: 0,
    len: u32::MAX,
};

/// The end of a chain.
const END: u32 = u32::MAX;

/// One document (or, when its `id` is [`NONE`], a free slot).
#[derive(Debug, Clone, Copy)]
struct Slot {
    id: Span,
    /// Relative to the corpus's folder when it is inside it, else the whole path.
    path: Span,
    source: Span,
    source_key: Span,
    content_key: Span,
    /// The next document of its group: the same source key, or without one the same source.
    next_group: u32,
    /// The next document with the same content key.
    next_content: u32,
}

/// Which of a slot's strings a table is keyed by (and the table's place in
/// [`Catalogue::tables`]).
#[derive(Clone, Copy)]
enum By {
    Id,
    Key,
    Legacy,
    Content,
}

impl By {
    const ALL: [By; 4] = [By::Id, By::Key, By::Legacy, By::Content];
}

impl Slot {
    fn key(&self, by: By) -> Span {
        match by {
            By::Id => self.id,
            By::Key => self.source_key,
            By::Legacy => self.source,
            By::Content => self.content_key,
        }
    }

    fn next(&mut self, by: By) -> &mut u32 {
        match by {
            By::Content => &mut self.next_content,
            _ => &mut self.next_group,
        }
    }
}

/// The documents of a corpus: see the module's documentation.
#[derive(Debug)]
pub(crate) struct Catalogue {
    /// The folder relative paths are relative to.
    dir: PathBuf,
    /// Every string, one after another.
    text: Vec<u8>,
    /// Bytes of `text` no slot refers to any more (documents forgotten).
    garbage: usize,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// One table per [`By`], in its order: id → slot; source key, source (of documents
    /// without a source key) and content key → the first slot of the group's chain.
    tables: [HashTable<u32>; 4],
    hasher: std::hash::RandomState,
}

fn bytes_of(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().into()
    }
    #[cfg(not(unix))]
    {
        match path.to_string_lossy() {
            std::borrow::Cow::Borrowed(s) => s.as_bytes().into(),
            std::borrow::Cow::Owned(s) => s.into_bytes().into(),
        }
    }
}

fn path_of(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

impl Catalogue {
    /// An empty catalogue of the corpus in `dir`.
    pub(crate) fn new(dir: &Path) -> Catalogue {
        Catalogue {
            dir: dir.to_path_buf(),
            text: Vec::new(),
            garbage: 0,
            slots: Vec::new(),
            free: Vec::new(),
            tables: Default::default(),
            hasher: std::hash::RandomState::new(),
        }
    }

    /// How many documents it has.
    pub(crate) fn len(&self) -> usize {
        self.table(By::Id).len()
    }

    fn str(text: &[u8], s: Span) -> Option<&[u8]> {
        (s.len != u32::MAX).then(|| &text[s.start as usize..(s.start + s.len) as usize])
    }

    fn push(&mut self, s: &[u8]) -> Span {
        // Offsets of 32 bits: 4 GB of ids and paths is far beyond a corpus (a million
        // passages take some 40 MB).
        let end = u32::try_from(self.text.len() + s.len())
            .ok()
            .filter(|&end| end < u32::MAX)
            .expect("the corpus's ids and paths fit in 4 GB");
        self.text.extend_from_slice(s);
        Span {
            start: end - s.len() as u32,
            len: s.len() as u32,
        }
    }

    fn next_of(&self, i: u32, by: By) -> u32 {
        let mut slot = self.slots[i as usize];
        *slot.next(by)
    }

    fn table(&self, by: By) -> &HashTable<u32> {
        &self.tables[by as usize]
    }

    /// The hash slot `i` is filed under in the table `by`.
    fn hash_of(
        hasher: &std::hash::RandomState,
        text: &[u8],
        slots: &[Slot],
        by: By,
        i: u32,
    ) -> u64 {
        hasher.hash_one(Catalogue::str(text, slots[i as usize].key(by)).unwrap_or_default())
    }

    /// The first slot keyed `key` in the table `by`.
    fn head(&self, by: By, key: &[u8]) -> Option<u32> {
        let hash = self.hasher.hash_one(key);
        let (text, slots) = (&self.text, &self.slots);
        self.table(by)
            .find(hash, |&i| {
                Catalogue::str(text, slots[i as usize].key(by)) == Some(key)
            })
            .copied()
    }

    /// The slots of a group, from its first.
    fn chain(&self, by: By, key: &[u8]) -> impl Iterator<Item = u32> + '_ {
        let mut at = self.head(by, key).unwrap_or(END);
        std::iter::from_fn(move || {
            (at != END).then(|| {
                let here = at;
                at = self.next_of(here, by);
                here
            })
        })
    }

    fn id_of(&self, i: u32) -> String {
        let id = Catalogue::str(&self.text, self.slots[i as usize].id).unwrap_or_default();
        String::from_utf8_lossy(id).into_owned()
    }

    fn entry_of(&self, i: u32) -> Entry {
        let s = self.slots[i as usize];
        let text = |span| {
            Catalogue::str(&self.text, span).map(|b| String::from_utf8_lossy(b).into_owned())
        };
        let path = path_of(Catalogue::str(&self.text, s.path).unwrap_or_default());
        Entry {
            path: if path.is_absolute() {
                path
            } else {
                self.dir.join(path)
            },
            source: text(s.source).unwrap_or_default(),
            source_key: text(s.source_key),
            content_key: text(s.content_key),
        }
    }

    /// The document with this id.
    pub(crate) fn get(&self, id: &str) -> Option<Entry> {
        self.head(By::Id, id.as_bytes()).map(|i| self.entry_of(i))
    }

    /// Whether it has a document with this id.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.head(By::Id, id.as_bytes()).is_some()
    }

    /// The source key of the document with this id (`Some(None)`: it has none).
    pub(crate) fn source_key_of(&self, id: &str) -> Option<Option<&str>> {
        self.head(By::Id, id.as_bytes()).map(|i| {
            Catalogue::str(&self.text, self.slots[i as usize].source_key)
                .map(|b| std::str::from_utf8(b).unwrap_or_default())
        })
    }

    /// The ids of the documents with this source key.
    pub(crate) fn ids_by_key(&self, key: &str) -> BTreeSet<String> {
        self.ids(By::Key, key)
    }

    /// The ids of the documents without a source key whose source is `source` (an older
    /// kooste's).
    pub(crate) fn ids_by_legacy(&self, source: &str) -> BTreeSet<String> {
        self.ids(By::Legacy, source)
    }

    fn ids(&self, by: By, key: &str) -> BTreeSet<String> {
        self.chain(by, key.as_bytes())
            .map(|i| self.id_of(i))
            .collect()
    }

    /// The documents with this content key.
    pub(crate) fn by_content(&self, content: &str) -> Vec<Entry> {
        self.chain(By::Content, content.as_bytes())
            .map(|i| self.entry_of(i))
            .collect()
    }

    /// The ids of the documents of the same group as `e` (the same source key, or without
    /// one the same source).
    pub(crate) fn group_of(&self, e: &Entry) -> BTreeSet<String> {
        match &e.source_key {
            Some(k) => self.ids_by_key(k),
            None => self.ids_by_legacy(&e.source),
        }
    }

    /// Notes where a document is, with its source facts (in place of what it had).
    pub(crate) fn insert(&mut self, id: &str, e: &Entry) {
        self.remove(id);
        let rel = e.path.strip_prefix(&self.dir).unwrap_or(&e.path);
        let id_span = self.push(id.as_bytes());
        let path = self.push(&bytes_of(rel));
        // The strings of a group are stored once: taken from its first document.
        let (group_by, group_key): (By, &[u8]) = match &e.source_key {
            Some(k) => (By::Key, k.as_bytes()),
            None => (By::Legacy, e.source.as_bytes()),
        };
        let group = self.head(group_by, group_key);
        let first = group.map(|g| self.slots[g as usize]);
        let source = match first {
            Some(f) if Catalogue::str(&self.text, f.source) == Some(e.source.as_bytes()) => {
                f.source
            }
            _ => self.push(e.source.as_bytes()),
        };
        let source_key = match (&e.source_key, first) {
            (None, _) => NONE,
            (Some(_), Some(f)) => f.source_key,
            (Some(k), None) => self.push(k.as_bytes()),
        };
        let same_content = e
            .content_key
            .as_ref()
            .and_then(|c| self.head(By::Content, c.as_bytes()));
        let content_key = match (&e.content_key, same_content) {
            (None, _) => NONE,
            (Some(_), Some(f)) => self.slots[f as usize].content_key,
            (Some(c), None) => self.push(c.as_bytes()),
        };
        let slot = Slot {
            id: id_span,
            path,
            source,
            source_key,
            content_key,
            next_group: END,
            next_content: END,
        };
        let at = match self.free.pop() {
            Some(at) => {
                self.slots[at as usize] = slot;
                at
            }
            None => {
                self.slots.push(slot);
                u32::try_from(self.slots.len() - 1).expect("fewer than 4 billion documents")
            }
        };
        self.link(By::Id, at, None);
        self.link(group_by, at, group);
        if e.content_key.is_some() {
            self.link(By::Content, at, same_content);
        }
    }

    /// Adds slot `at` to the table `by`: as the first of a new chain, or after `first`.
    fn link(&mut self, by: By, at: u32, first: Option<u32>) {
        match first {
            Some(first) => {
                let next = *self.slots[first as usize].next(by);
                *self.slots[at as usize].next(by) = next;
                *self.slots[first as usize].next(by) = at;
            }
            None => {
                let Catalogue {
                    text,
                    slots,
                    tables,
                    hasher,
                    ..
                } = self;
                let hash_of = |i: &u32| Catalogue::hash_of(hasher, text, slots, by, *i);
                tables[by as usize].insert_unique(hash_of(&at), at, hash_of);
            }
        }
    }

    /// Takes slot `at` out of the chain keyed `key` in the table `by`.
    fn unlink(&mut self, by: By, at: u32) {
        let Catalogue {
            text,
            slots,
            tables,
            hasher,
            ..
        } = self;
        let table = &mut tables[by as usize];
        let Some(key) = Catalogue::str(text, slots[at as usize].key(by)) else {
            return;
        };
        let hash = hasher.hash_one(key);
        let Ok(mut head) = table.find_entry(hash, |&i| {
            Catalogue::str(text, slots[i as usize].key(by)) == Some(key)
        }) else {
            return;
        };
        // Ids are unique: no chain.
        let next = match by {
            By::Id => END,
            _ => *slots[at as usize].next(by),
        };
        if *head.get() == at {
            if next == END {
                head.remove();
            } else {
                *head.get_mut() = next;
            }
        } else {
            let mut cur = *head.get();
            while cur != END {
                let after = *slots[cur as usize].next(by);
                if after == at {
                    *slots[cur as usize].next(by) = next;
                    break;
                }
                cur = after;
            }
        }
        if !matches!(by, By::Id) {
            *slots[at as usize].next(by) = END;
        }
    }

    /// Forgets a document.
    pub(crate) fn remove(&mut self, id: &str) {
        let Some(at) = self.head(By::Id, id.as_bytes()) else {
            return;
        };
        let slot = self.slots[at as usize];
        self.unlink(By::Id, at);
        if slot.source_key.len == u32::MAX {
            self.unlink(By::Legacy, at);
        } else {
            self.unlink(By::Key, at);
        }
        self.unlink(By::Content, at);
        self.garbage += (slot.id.len + slot.path.len) as usize;
        self.slots[at as usize] = Slot {
            id: NONE,
            path: NONE,
            source: NONE,
            source_key: NONE,
            content_key: NONE,
            next_group: END,
            next_content: END,
        };
        self.free.push(at);
        if self.garbage > 1 << 20 && self.garbage > self.text.len() / 2 {
            self.compact();
        }
    }

    /// Builds the catalogue again without the strings of forgotten documents.
    fn compact(&mut self) {
        let mut fresh = Catalogue::new(&self.dir);
        for (i, s) in self.slots.iter().enumerate() {
            if s.id.len != u32::MAX {
                fresh.insert(&self.id_of(i as u32), &self.entry_of(i as u32));
            }
        }
        fresh.shrink_to_fit();
        *self = fresh;
    }

    /// Gives back what the buffers hold beyond their contents (after opening a corpus).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.slots.shrink_to_fit();
        let Catalogue {
            text,
            slots,
            tables,
            hasher,
            ..
        } = self;
        for (table, by) in tables.iter_mut().zip(By::ALL) {
            table.shrink_to_fit(|i: &u32| Catalogue::hash_of(hasher, text, slots, by, *i));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// What the catalogue answers, computed from a plain map of every document.
    struct Model(BTreeMap<String, Entry>);

    impl Model {
        fn ids(&self, keep: impl Fn(&Entry) -> bool) -> BTreeSet<String> {
            self.0
                .iter()
                .filter(|(_, e)| keep(e))
                .map(|(id, _)| id.clone())
                .collect()
        }
    }

    fn check(c: &Catalogue, m: &Model, keys: &[String], sources: &[String]) {
        assert_eq!(c.len(), m.0.len());
        for (id, e) in &m.0 {
            assert_eq!(c.get(id).as_ref(), Some(e), "{id}");
            assert!(c.contains(id));
            assert_eq!(c.source_key_of(id), Some(e.source_key.as_deref()));
            let group = match &e.source_key {
                Some(k) => m.ids(|o| o.source_key.as_ref() == Some(k)),
                None => m.ids(|o| o.source_key.is_none() && o.source == e.source),
            };
            assert_eq!(c.group_of(e), group, "{id}");
        }
        for k in keys {
            assert_eq!(c.ids_by_key(k), m.ids(|o| o.source_key.as_ref() == Some(k)));
            let mut content = c.by_content(k);
            content.sort_by(|a, b| a.path.cmp(&b.path));
            let mut want: Vec<Entry> =
                m.0.values()
                    .filter(|o| o.content_key.as_ref() == Some(k))
                    .cloned()
                    .collect();
            want.sort_by(|a, b| a.path.cmp(&b.path));
            assert_eq!(content, want, "content {k}");
        }
        for s in sources {
            assert_eq!(
                c.ids_by_legacy(s),
                m.ids(|o| o.source_key.is_none() && &o.source == s)
            );
        }
        assert_eq!(c.get("no such id"), None);
        assert!(!c.contains("no such id"));
    }

    #[test]
    fn the_catalogue_answers_as_a_map_of_every_document_would() {
        let dir = Path::new("/p/corpus");
        let mut c = Catalogue::new(dir);
        let mut m = Model(BTreeMap::new());
        let keys: Vec<String> = (0..40).map(|k| format!("{k:032x}")).collect();
        let sources: Vec<String> = (0..30)
            .map(|s| format!("inbox/alue-{}/lomake {s}.csv", s % 4))
            .collect();
        // A small generator, so that the run is the same every time.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n) as usize
        };
        for round in 0..6000 {
            let id = format!("doc-{}-ä", next(700));
            match next(10) {
                0..=1 => {
                    c.remove(&id);
                    m.0.remove(&id);
                }
                _ => {
                    let path = match next(8) {
                        // Outside the corpus's folder: kept whole.
                        0 => PathBuf::from(format!("/elsewhere/{id}.md")),
                        _ => dir
                            .join(format!("alue-{}", next(4)))
                            .join(format!("{id}.md")),
                    };
                    let source_key = (next(4) != 0).then(|| keys[next(40)].clone());
                    let e = Entry {
                        path,
                        source: sources[next(30)].clone(),
                        source_key,
                        content_key: (next(3) != 0).then(|| keys[next(40)].clone()),
                    };
                    c.insert(&id, &e);
                    m.0.insert(id, e);
                }
            }
            if round % 500 == 0 {
                check(&c, &m, &keys, &sources);
            }
        }
        check(&c, &m, &keys, &sources);
        c.shrink_to_fit();
        check(&c, &m, &keys, &sources);
        // Forgetting most documents compacts the buffer; the answers stay.
        let before = c.text.len();
        for id in m.0.keys().cloned().collect::<Vec<_>>().into_iter().skip(20) {
            c.remove(&id);
            m.0.remove(&id);
        }
        c.compact();
        assert!(c.text.len() < before / 4, "{} of {before}", c.text.len());
        check(&c, &m, &keys, &sources);
    }
}
