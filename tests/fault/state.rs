//! Damaged or deleted derived state under `.kooste/`.
