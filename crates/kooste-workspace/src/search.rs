//! Searching, with the refresh policy of a process that does not watch the corpus.

use crate::{Refreshed, Result, Workspace};
use kooste_index::{Results, SearchRequest};

/// What a search found, and what was done to the index first.
#[derive(Debug)]
pub struct Searched {
    /// The hits, counts and suggestions.
    pub results: Results,
    /// The updates made before the results could be trusted (none when the index was in
    /// line with the corpus).
    pub refreshed: Vec<Refreshed>,
    /// The index could not be brought up to date (a read-only disk, say), and was searched
    /// as it is: why.
    pub stale: Option<String>,
}

impl Workspace {
    /// Searches the index. Searching does not read the corpus: the index records what the
    /// project looked like when it was last complete, and only when a directory of the
    /// corpus or a file that shapes the records has changed since is it brought up to date
    /// first (reading only the files that changed). Text a person has since removed from a
    /// corpus file is never shown: when a file of a hit changed after it was indexed, the
    /// index is brought up to date and searched again. A watched workspace
    /// ([`Workspace::watch`]) trusts its index. ARCHITECTURE.md, "Seeing hand edits".
    ///
    /// An empty query without filters is [`kooste_index::Error::EmptyQuery`].
    pub fn search(&self, req: &SearchRequest) -> Result<Searched> {
        let mut out = Searched {
            results: Results::default(),
            refreshed: Vec::new(),
            stale: None,
        };
        let watched = self.watched.load(std::sync::atomic::Ordering::Relaxed);
        if !watched {
            let stale =
                !self.has_index() || self.index()?.freshness(&self.project.root, false).is_some();
            if stale {
                self.refresh_or_keep(&mut out)?;
            }
        }
        // The hits' files are checked on the index that found them (one read guard,
        // dropped before a refresh takes the index for writing).
        let changed = {
            let ix = self.index()?;
            out.results = ix.search(req)?;
            !watched
                && !ix
                    .changed_files(
                        &self.project.root,
                        out.results.hits.iter().map(|h| h.record.file.as_str()),
                    )
                    .is_empty()
        };
        if changed {
            self.refresh_or_keep(&mut out)?;
            out.results = self.index()?.search(req)?;
        }
        Ok(out)
    }

    /// Refreshes the index, or, when that fails and there is an index, notes why and keeps
    /// it as it is.
    fn refresh_or_keep(&self, out: &mut Searched) -> Result<()> {
        match self.refresh(false) {
            Ok(r) => out.refreshed.push(r),
            Err(e) if self.has_index() => out.stale = Some(e.to_string()),
            Err(e) => return Err(e),
        }
        Ok(())
    }
}
