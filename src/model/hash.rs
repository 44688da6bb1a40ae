//! The two small hashes of the model file: CRC-32 (the file checksum) and FNV-1a 64
//! (the training-data fingerprint). Both are implemented here so the format depends on
//! no outside crate and can be checked with any standard tool.
//!
//! - **CRC-32** is the IEEE 802.3 / zlib / PNG CRC: reflected polynomial `0xEDB88320`,
//!   initial value `0xFFFFFFFF`, final XOR `0xFFFFFFFF`. `crc32(b"123456789") =
//!   0xCBF43926` (the standard check value; Python: `zlib.crc32(b"123456789")`). It
//!   detects every error burst of at most 32 bits, so every single-bit flip.
//! - **FNV-1a 64** (Fowler–Noll–Vo): `h = 0xcbf29ce484222325`, then for each byte
//!   `h = (h ^ byte) · 0x100000001b3 (mod 2^64)`. `fnv1a64(b"a") = 0xaf63dc4c8601ec8c`.
//!   Not cryptographic: it tells accidental differences in training data apart, it does
//!   not resist forgery.

/// The CRC-32 lookup table (IEEE polynomial, reflected), built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// An incremental CRC-32 (IEEE), so a checksum can be computed over data written in
/// pieces.
#[derive(Debug, Clone, Copy)]
pub struct Crc32(u32);

impl Default for Crc32 {
    fn default() -> Self {
        Crc32(0xFFFF_FFFF)
    }
}

impl Crc32 {
    /// A new checksum over no bytes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        let mut c = self.0;
        for &b in bytes {
            c = CRC_TABLE[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
        }
        self.0 = c;
    }

    /// The checksum of the bytes added so far.
    pub fn finish(&self) -> u32 {
        self.0 ^ 0xFFFF_FFFF
    }
}

/// CRC-32 (IEEE) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(bytes);
    c.finish()
}

/// An incremental FNV-1a 64-bit hash.
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a64(u64);

impl Default for Fnv1a64 {
    fn default() -> Self {
        Fnv1a64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a64 {
    /// A new hash over no bytes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes.
    #[inline]
    pub fn update(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        for &b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }

    /// Adds a `u64` as 8 little-endian bytes.
    pub fn u64(&mut self, x: u64) {
        self.update(&x.to_le_bytes());
    }

    /// Adds a string as its length (u64 LE) then its UTF-8 bytes, so that
    /// `("ab","c")` and `("a","bc")` hash differently.
    pub fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.update(s.as_bytes());
    }

    /// The hash of the bytes added so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// FNV-1a 64 of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h = Fnv1a64::new();
    h.update(bytes);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_standard_check_values() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        // zlib.crc32(b"The quick brown fox jumps over the lazy dog") == 0x414FA339
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
        let mut c = Crc32::new();
        c.update(b"12345");
        c.update(b"6789");
        assert_eq!(c.finish(), 0xCBF4_3926);
    }

    #[test]
    fn fnv1a64_reference_values() {
        // Reference values from the FNV specification's test suite.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
