//! The one stable fingerprint: 64-bit FNV-1a over bytes, the same on every platform and
//! with every Rust version (unlike `std`'s `DefaultHasher`), so that a fingerprint stored
//! on disk or in a form still means the same after an upgrade.

/// A running FNV-1a hash. Each [`Fingerprint::add`] ends its part with a separator, so
/// that `("ab", "c")` and `("a", "bc")` differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(u64);

const START: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0100_0000_01b3;

impl Default for Fingerprint {
    fn default() -> Fingerprint {
        Fingerprint::new()
    }
}

impl Fingerprint {
    /// The fingerprint of nothing yet.
    pub fn new() -> Fingerprint {
        Fingerprint(START)
    }

    /// Adds bytes as they are, without a separator.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Fingerprint {
        self.0 = bytes
            .iter()
            .fold(self.0, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME));
        self
    }

    /// Adds one part (a string, or anything that is bytes), then a separator.
    pub fn add(&mut self, part: impl AsRef<[u8]>) -> &mut Fingerprint {
        self.bytes(part.as_ref()).bytes(&[0])
    }

    /// The fingerprint as a number.
    pub fn value(&self) -> u64 {
        self.0
    }

    /// The fingerprint as 16 hexadecimal digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The FNV-1a hash of `bytes` alone (no separator).
pub fn of(bytes: &[u8]) -> u64 {
    Fingerprint::new().bytes(bytes).value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_do_not_change() {
        // FNV-1a test vectors: a stored fingerprint must mean the same forever.
        assert_eq!(of(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(of(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(of(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(
            Fingerprint::new().add("a").hex(),
            format!("{:016x}", of(b"a\0"))
        );
    }

    #[test]
    fn parts_are_kept_apart() {
        let mut a = Fingerprint::new();
        a.add("ab").add("c");
        let mut b = Fingerprint::new();
        b.add("a").add("bc");
        assert_ne!(a, b);
    }
}
