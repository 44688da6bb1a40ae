//! [`MissingTokens`]: which cell texts mean "no value". One definition shared by CSV
//! reading for training ([`CsvOptions::missing_tokens`](super::CsvOptions::missing_tokens))
//! and batch scoring (`score::BatchOptions::missing_tokens`), so a file is read the
//! same way by both.

/// The texts that mean "missing" in a cell: compared after trimming ASCII whitespace,
/// ignoring ASCII case. Empty and whitespace-only cells are always missing.
///
/// ```
/// use churnkit::data::MissingTokens;
/// let m = MissingTokens::default();
/// assert!(m.is_missing_str(" na ") && m.is_missing_str("") && m.is_missing_str("?"));
/// assert!(!m.is_missing_str("none"));
/// let custom = MissingTokens::new(["-", "none"]);
/// assert!(custom.is_missing_str("NONE") && !custom.is_missing_str("NA"));
/// assert_eq!(custom.tokens().collect::<Vec<_>>(), ["-", "none"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingTokens {
    /// Trimmed, lower-cased tokens.
    tokens: Vec<Vec<u8>>,
    /// The longest token's length (a longer cell is never a token).
    max_len: usize,
    /// The bytes a token starts with, in either ASCII case, as a 256-bit set (a cell
    /// starting with another byte, a digit for the default tokens, is never a token).
    first: [u64; 4],
}

impl MissingTokens {
    /// The default tokens: `NA`, `N/A`, `?`, `null`.
    pub const DEFAULT: [&'static str; 4] = ["NA", "N/A", "?", "null"];

    /// These tokens (replacing the defaults).
    pub fn new<I>(tokens: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let tokens: Vec<Vec<u8>> = tokens
            .into_iter()
            .map(|t| t.as_ref().trim().to_ascii_lowercase().into_bytes())
            .collect();
        let max_len = tokens.iter().map(Vec::len).max().unwrap_or(0);
        let mut first = [0u64; 4];
        for &b in tokens.iter().filter_map(|t| t.first()) {
            for c in [b.to_ascii_lowercase(), b.to_ascii_uppercase()] {
                first[usize::from(c >> 6)] |= 1 << (c & 63);
            }
        }
        MissingTokens {
            tokens,
            max_len,
            first,
        }
    }

    /// True when `cell` (trimmed of ASCII whitespace here) is empty or a token.
    #[inline]
    pub fn is_missing(&self, cell: &[u8]) -> bool {
        let cell = cell.trim_ascii();
        let Some(&b) = cell.first() else {
            return true;
        };
        cell.len() <= self.max_len
            && self.may_start(b)
            && self.tokens.iter().any(|t| t.eq_ignore_ascii_case(cell))
    }

    /// False when no token starts with the byte `b` (in either ASCII case): a trimmed
    /// cell starting with it is not missing unless empty.
    #[inline]
    pub(crate) fn may_start(&self, b: u8) -> bool {
        self.first[usize::from(b >> 6)] & (1 << (b & 63)) != 0
    }

    /// The tokens, trimmed and lower-cased, in the order given.
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        // Built from `&str` and ASCII-lower-cased, so always UTF-8.
        self.tokens
            .iter()
            .map(|t| std::str::from_utf8(t).unwrap_or_default())
    }

    /// [`is_missing`](Self::is_missing) for text.
    #[inline]
    pub fn is_missing_str(&self, cell: &str) -> bool {
        self.is_missing(cell.as_bytes())
    }
}

/// Stored (in model files) as the list of tokens, trimmed and lower-cased.
impl serde::Serialize for MissingTokens {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.tokens())
    }
}

impl<'de> serde::Deserialize<'de> for MissingTokens {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Vec::<String>::deserialize(d).map(MissingTokens::new)
    }
}

impl Default for MissingTokens {
    fn default() -> Self {
        MissingTokens::new(Self::DEFAULT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_keeps_the_tokens() {
        let m = MissingTokens::new([" - ", "None", "N/A"]);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"["-","none","n/a"]"#);
        let back: MissingTokens = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        assert!(back.is_missing_str("NONE") && !back.is_missing_str("NA"));
        let bytes = bincode::serialize(&MissingTokens::default()).unwrap();
        let back: MissingTokens = bincode::deserialize(&bytes).unwrap();
        assert_eq!(back, MissingTokens::default());
    }
}
