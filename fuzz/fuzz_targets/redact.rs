//! Redaction: `Redactor::redact` in both languages must not panic, and must be
//! idempotent: redacting already-redacted text changes nothing.
#![no_main]

use kooste_core::model::Lang;
use kooste_ingest::Redactor;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static REDACTOR: LazyLock<Redactor> = LazyLock::new(|| Redactor::new(&[]));

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for lang in [Lang::Fi, Lang::Sv] {
        let (once, _) = REDACTOR.redact(&text, lang);
        let (twice, again) = REDACTOR.redact(&once, lang);
        assert_eq!(
            once, twice,
            "redaction is not idempotent ({lang:?}); input {text:?}, second pass removed {again:?}"
        );
    }
});
