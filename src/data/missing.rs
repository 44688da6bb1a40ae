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
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingTokens {
    /// Trimmed, lower-cased tokens.
    tokens: Vec<Vec<u8>>,
    /// The longest token's length (a longer cell is never a token).
    max_len: usize,
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
        MissingTokens { tokens, max_len }
    }

    /// True when `cell` (trimmed of ASCII whitespace here) is empty or a token.
    #[inline]
    pub fn is_missing(&self, cell: &[u8]) -> bool {
        let cell = cell.trim_ascii();
        cell.is_empty()
            || (cell.len() <= self.max_len
                && self.tokens.iter().any(|t| t.eq_ignore_ascii_case(cell)))
    }

    /// [`is_missing`](Self::is_missing) for text.
    #[inline]
    pub fn is_missing_str(&self, cell: &str) -> bool {
        self.is_missing(cell.as_bytes())
    }
}

impl Default for MissingTokens {
    fn default() -> Self {
        MissingTokens::new(Self::DEFAULT)
    }
}
