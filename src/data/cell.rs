//! The one parser of raw cell text, shared by every reader: the training CSV reader
//! (`data::csv`), the scoring reader (`score::input`) and the discretizer.
//!
//! A raw cell goes through the same steps everywhere:
//!
//! 1. **trim** — [`trim`] (bytes, ASCII whitespace, as the CSV reader sees them) or
//!    [`trim_text`] (text handed in by a caller, Unicode whitespace, as scoring has
//!    always trimmed);
//! 2. **missing** — empty or one of the [`MissingTokens`] (the policy, passed in);
//! 3. **number** — [`parse_number`]: a finite `f64` in Rust's float syntax, else a bad
//!    number; or **level** — [`level_code`]: the position of the text in sorted levels,
//!    else an unseen level.
//!
//! What a reader does with a bad cell (an error, a warning, a missing value counted in a
//! report) is its own policy: these functions report [`Parsed::Bad`] and leave the
//! message to the caller, which knows the file, line and column. Nothing here
//! allocates.

use super::missing::MissingTokens;

/// What a raw cell holds once trimmed, checked for missing tokens and parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Parsed<'a, T, S: ?Sized = str> {
    /// Empty, or one of the missing tokens.
    Missing,
    /// A value of the expected kind.
    Value(T),
    /// Present but not of the expected kind (not a finite number, not a known level):
    /// the trimmed cell, for the caller's error or warning.
    Bad(&'a S),
}

/// A cell's bytes without surrounding ASCII whitespace (how the CSV reader trims).
#[inline]
pub(crate) fn trim(cell: &[u8]) -> &[u8] {
    cell.trim_ascii()
}

/// A text cell without surrounding whitespace (Unicode, as `str::trim`; how values
/// handed to the scoring reader are trimmed).
#[inline]
pub(crate) fn trim_text(cell: &str) -> &str {
    cell.trim()
}

/// The trimmed bytes of `cell`, or `None` when it is missing under `missing`.
#[inline]
pub(crate) fn present<'a>(cell: &'a [u8], missing: &MissingTokens) -> Option<&'a [u8]> {
    let cell = trim(cell);
    (!missing.is_missing(cell)).then_some(cell)
}

/// A finite number from (already trimmed) bytes: UTF-8 in Rust's `f64` syntax
/// (`3`, `-0.5`, `1e3`, `inf` is rejected as not finite).
#[inline]
pub(crate) fn parse_number(cell: &[u8]) -> Option<f64> {
    if let Some(x) = plain_decimal(cell) {
        return Some(x);
    }
    parse_number_text(std::str::from_utf8(cell).ok()?)
}

/// Powers of ten exactly representable as `f64`.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// The common cell `-?d+(.d+)?` with at most 15 digits, parsed without going through
/// `str::parse` and with the same result: the digits as an integer below 2^53 and a
/// power of ten up to 10^15 are both exact in `f64`, so their quotient is the
/// correctly rounded value, as `str::parse` gives (Clinger's fast path). None for any
/// other text (the caller then parses it the general way).
#[inline]
fn plain_decimal(cell: &[u8]) -> Option<f64> {
    plain_prefix(cell).and_then(|(x, len)| (len == cell.len()).then_some(x))
}

/// The longest prefix of `bytes` of the form `-?d+(.d+)?`, when it has at most 15
/// digits: its value (as [`plain_decimal`] reads it) and its length. None when the
/// bytes do not start so, or the prefix has more digits, or a `.` follows the integer
/// digits without a digit after it.
#[inline]
fn plain_prefix(bytes: &[u8]) -> Option<(f64, usize)> {
    let negative = bytes.first() == Some(&b'-');
    // The digits from `from`: how many, added to `int` (wrapping: a prefix of more
    // than 15 digits is refused below).
    let digits = |from: usize, int: &mut u64| {
        let mut n = 0;
        for &b in bytes.get(from..).unwrap_or_default() {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            *int = int.wrapping_mul(10).wrapping_add(u64::from(d));
            n += 1;
        }
        n
    };
    let mut int = 0u64;
    let start = usize::from(negative);
    let n_int = digits(start, &mut int);
    if n_int == 0 {
        return None;
    }
    let mut end = start + n_int;
    let mut scale = 0;
    if bytes.get(end) == Some(&b'.') {
        scale = digits(end + 1, &mut int);
        if scale == 0 {
            return None;
        }
        end += 1 + scale;
    }
    if n_int + scale > 15 {
        return None;
    }
    // Below 10^15, so exact as i64 and as f64 (one conversion instruction, where
    // u64's takes several).
    let x = int as i64 as f64 / POW10[scale];
    Some((if negative { -x } else { x }, end))
}

/// The number a cell starting `bytes` holds when it ends where its leading
/// `-?d+(.d+)?` ends (the caller checks that a delimiter, a line end or the end of the
/// text follows): the value and the cell's length, exactly what [`number`] gives for
/// that cell (no whitespace to trim, not a missing token). None when the cell may be
/// anything else: the caller then finds the cell's end and calls [`number`].
#[inline]
pub(crate) fn leading_number(bytes: &[u8], missing: &MissingTokens) -> Option<(f64, usize)> {
    if missing.may_start(*bytes.first()?) {
        return None;
    }
    plain_prefix(bytes)
}

/// [`parse_number`] for text (not trimmed here).
#[inline]
pub(crate) fn parse_number_text(cell: &str) -> Option<f64> {
    let x: f64 = cell.parse().ok()?;
    x.is_finite().then_some(x)
}

/// The number a categorical level's text reads as, finite or not (`str::parse`): the
/// discretizer matches levels against a column that was read as numbers by it.
#[inline]
pub(crate) fn level_as_number(level: &str) -> Option<f64> {
    level.parse().ok()
}

/// True when the raw bytes (trimmed first) are missing, or parse as a finite number:
/// what a cell of a numeric column holds.
#[cfg(test)]
pub(crate) fn fits_numeric(cell: &[u8], missing: &MissingTokens) -> bool {
    present(cell, missing).is_none_or(|c| parse_number(c).is_some())
}

/// A raw numeric cell given as bytes: trimmed, missing under `missing`, else a finite
/// number, else bad (with the trimmed bytes, which may not be UTF-8).
#[inline]
pub(crate) fn number<'a>(cell: &'a [u8], missing: &MissingTokens) -> Parsed<'a, f64, [u8]> {
    match present(cell, missing) {
        None => Parsed::Missing,
        Some(c) => match parse_number(c) {
            Some(x) => Parsed::Value(x),
            None => Parsed::Bad(c),
        },
    }
}

/// A raw numeric cell given as text: missing under `missing` (ASCII-trimmed check),
/// else its whitespace-trimmed text parsed as a finite number, else bad (with the
/// trimmed text).
#[inline]
pub(crate) fn number_text<'a>(cell: &'a str, missing: &MissingTokens) -> Parsed<'a, f64> {
    if missing.is_missing_str(cell) {
        return Parsed::Missing;
    }
    let t = trim_text(cell);
    match parse_number_text(t) {
        Some(x) => Parsed::Value(x),
        None => Parsed::Bad(t),
    }
}

/// The code of `text` among `levels` (sorted in byte order, as a schema keeps them).
#[inline]
pub(crate) fn level_code(levels: &[String], text: &str) -> Option<u32> {
    levels
        .binary_search_by(|l| l.as_str().cmp(text))
        .ok()
        .map(|c| c as u32)
}

/// A raw categorical cell given as text: missing under `missing`, else the code of its
/// trimmed text among the sorted `levels`, else bad (an unseen level, with the trimmed
/// text).
#[inline]
pub(crate) fn level<'a>(
    cell: &'a str,
    missing: &MissingTokens,
    levels: &[String],
) -> Parsed<'a, u32> {
    if missing.is_missing_str(cell) {
        return Parsed::Missing;
    }
    let t = trim_text(cell);
    match level_code(levels, t) {
        Some(c) => Parsed::Value(c),
        None => Parsed::Bad(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_finite_and_trimmed_bytes_parse() {
        let m = MissingTokens::default();
        assert_eq!(number(b" 3.5 ", &m), Parsed::Value(3.5));
        assert_eq!(number(b"  ", &m), Parsed::Missing);
        assert_eq!(number(b"na", &m), Parsed::Missing);
        assert_eq!(number(b"inf", &m), Parsed::Bad(&b"inf"[..]));
        assert_eq!(number(b" x1 ", &m), Parsed::Bad(&b"x1"[..]));
        assert_eq!(number(b"\xff", &m), Parsed::Bad(&b"\xff"[..]));
        assert_eq!(parse_number(b"1e3"), Some(1000.0));
        assert_eq!(parse_number(b"NaN"), None);
        assert!(fits_numeric(b" ? ", &m) && fits_numeric(b"-2", &m));
        assert!(!fits_numeric(b"two", &m));
        assert_eq!(present(b" a ", &m), Some(&b"a"[..]));
        assert_eq!(present(b"NULL", &m), None);
    }

    #[test]
    fn a_leading_number_is_what_number_reads_of_the_cell_it_ends() {
        // For every text and what may follow it in a line: when `leading_number` gives
        // a value and a field end follows, `number` reads the same bits from the cell.
        let default = MissingTokens::default();
        let digits = MissingTokens::new(["-1", "7", "0.5"]);
        let mut cells: Vec<String> = [
            "0",
            "-0",
            "-0.0",
            "+1",
            ".5",
            "5.",
            "-.5",
            "-",
            "1e3",
            "1.5e3",
            "inf",
            "NaN",
            "123456789012345",
            "1234567890123456",
            "-123456789012345",
            "0.000000000000001",
            "99999999999999999999",
            "007.50",
            "1.2.3",
            "--1",
            "1-",
            "0x10",
            "-1",
            "7",
            "0.5",
            "-10",
            "70",
            "0.50",
            "3 ",
            " 3",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..5_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = (x % 19) as usize + 1;
            let mut s: String = (0..n)
                .map(|k| char::from(b'0' + ((x >> (k * 3)) % 10) as u8))
                .collect();
            let dot = ((x >> 40) % (n as u64 + 2)) as usize;
            if dot <= n {
                s.insert(dot, '.');
            }
            if x >> 63 == 1 {
                s.insert(0, '-');
            }
            cells.push(s);
        }
        let mut fast = 0;
        for c in &cells {
            for tail in ["", ",", "\n", ",9", ".", "e5", " "] {
                let line = format!("{c}{tail}");
                let bytes = line.as_bytes();
                for missing in [&default, &digits] {
                    let Some((v, len)) = leading_number(bytes, missing) else {
                        continue;
                    };
                    if !matches!(bytes.get(len), None | Some(b',' | b'\n')) {
                        continue;
                    }
                    fast += 1;
                    match number(&bytes[..len], missing) {
                        Parsed::Value(w) => assert_eq!(v.to_bits(), w.to_bits(), "{line:?}"),
                        other => panic!("{line:?}: {other:?} where {v} was read"),
                    }
                }
            }
        }
        assert!(fast > 10_000, "{fast}");
        // A cell that may be a missing token is never read here.
        assert_eq!(leading_number(b"-1,", &digits), None);
        assert_eq!(leading_number(b"7", &digits), None);
        assert_eq!(leading_number(b"-1,", &default), Some((-1.0, 2)));
    }

    #[test]
    fn plain_decimals_parse_as_str_parse_does() {
        // Every shape the fast path takes, and its neighbours it leaves to `str::parse`.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut cells: Vec<String> = [
            "0",
            "-0",
            "0.0",
            "-0.0",
            "1",
            "10",
            "0.1",
            "0.3",
            "2.675",
            "-1.5",
            "007.50",
            "123456789012345",
            "1234567.89012345",
            "0.000000000000001",
            "999999999999999",
            "1234567890123456",
            "-",
            ".5",
            "5.",
            "1.2.3",
            "1e3",
            "+1",
            "--1",
            "1-",
            "",
            "1 ",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 17) as usize + 1;
            let mut s: String = (0..digits)
                .map(|k| char::from(b'0' + ((x >> (k * 3)) % 10) as u8))
                .collect();
            let dot = ((x >> 40) % (digits as u64 + 2)) as usize;
            if dot > 0 && dot < digits {
                s.insert(dot, '.');
            }
            if x >> 63 == 1 {
                s.insert(0, '-');
            }
            cells.push(s);
        }
        for c in &cells {
            let fast = plain_decimal(c.as_bytes());
            let slow = parse_number_text(c);
            if let Some(v) = fast {
                assert_eq!(Some(v.to_bits()), slow.map(f64::to_bits), "{c}");
            }
            assert_eq!(
                parse_number(c.as_bytes()).map(f64::to_bits),
                slow.map(f64::to_bits),
                "{c}"
            );
        }
        assert!(plain_decimal(b"28.43").is_some() && plain_decimal(b"1e3").is_none());
    }

    #[test]
    fn text_cells_use_the_same_rules() {
        let m = MissingTokens::new(["-"]);
        assert_eq!(number_text(" 7 ", &m), Parsed::Value(7.0));
        assert_eq!(number_text(" - ", &m), Parsed::Missing);
        assert_eq!(number_text("NA", &m), Parsed::Bad("NA"));
        let levels = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(level(" b ", &m, &levels), Parsed::Value(1));
        assert_eq!(level("", &m, &levels), Parsed::Missing);
        assert_eq!(level(" d ", &m, &levels), Parsed::Bad("d"));
        assert_eq!(level_as_number("inf"), Some(f64::INFINITY));
        assert_eq!(level_as_number("x"), None);
    }
}
