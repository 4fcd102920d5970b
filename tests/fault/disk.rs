//! A full disk and a read-only corpus.
