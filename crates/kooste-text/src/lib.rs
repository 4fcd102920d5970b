//! kooste's text analysis for Finnish and Swedish, without any search engine: words (with
//! OCR repairs), folding, Snowball stemming, stop words, the parts that find compounds
//! (`trunc`, `grams`, `reversed`), and [`terms::TermSet`], the matcher of curated term
//! lists. The search index (`kooste-index`) builds its tantivy analyzers from these
//! functions; the CAIMeR proposer, the digest and the steps list use them directly.

pub mod analyze;
pub mod terms;
