//! Opening a CSV source: byte-order mark, delimiter detection, the csv reader, physical
//! line numbers, and the I/O and parse errors.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Chain, Cursor, Read};
use std::sync::{Arc, Mutex};

use ::csv::{ByteRecord, ReaderBuilder};

use super::options::MAX_RECORD_BYTES;
use crate::error::{Error, Location, Result};

/// A record longer than [`MAX_RECORD_BYTES`], starting on `line`: the I/O error a
/// [`RecordLimit`] returns, turned into an [`Error::Csv`] by [`io_error`].
#[derive(Debug)]
struct RecordTooLong {
    line: u64,
}

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a record longer than {MAX_RECORD_BYTES} bytes starts on line {}",
            self.line
        )
    }
}

impl std::error::Error for RecordTooLong {}

/// The record starts a [`RecordLimit`] has seen and the parser has not yet asked for:
/// `(byte offset, physical line)` of each record's first byte, oldest first. Shared
/// with the [`Lines`] of the same source; holds at most the records of the bytes read
/// ahead of the parser.
#[derive(Clone, Default)]
pub(crate) struct RecordStarts(Arc<Mutex<VecDeque<(u64, u64)>>>);

impl RecordStarts {
    /// The physical line of the record the parser says starts at byte `byte`: the
    /// first record start at or after it (blank lines before a record are skipped by
    /// the parser, not by its position).
    pub(crate) fn line_of(&self, byte: u64) -> Option<u64> {
        let mut q = self.0.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(&(at, line)) = q.front() {
            q.pop_front();
            if at >= byte {
                return Some(line);
            }
        }
        None
    }

    fn push(&self, byte: u64, line: u64) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back((byte, line));
    }
}

/// Where a [`RecordLimit`] is in the CSV grammar (as the csv parser with its default
/// quoting: `"` opens a quoted field only at the start of a field, `""` inside one is
/// a quote).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    /// Between records (also on blank lines).
    RecordStart,
    FieldStart,
    Field,
    Quoted,
    /// A `"` inside a quoted field: the field's end, or the first of `""`.
    QuoteInQuoted,
}

/// A reader that fails with [`RecordTooLong`] once one record — the bytes between two
/// line ends (LF, CRLF or a lone CR) outside quoted fields — passes
/// [`MAX_RECORD_BYTES`], so a file with no line breaks is refused after reading that
/// much of it, not held whole in memory. It also notes where each record starts and
/// on which physical line ([`RecordStarts`]), counting every line end, also inside
/// quoted fields and lone CRs, which the csv parser's own line count misses.
pub(crate) struct RecordLimit<R> {
    inner: R,
    delimiter: u8,
    scan: Scan,
    /// Bytes of the current record so far.
    len: usize,
    last_cr: bool,
    /// Byte offset of the next byte, and its 1-based physical line.
    offset: u64,
    line: u64,
    starts: RecordStarts,
}

impl<R> RecordLimit<R> {
    /// Limits `inner`, a CSV with this delimiter.
    pub(crate) fn new(inner: R, delimiter: u8) -> Self {
        RecordLimit {
            inner,
            delimiter,
            scan: Scan::RecordStart,
            len: 0,
            last_cr: false,
            offset: 0,
            line: 1,
            starts: RecordStarts::default(),
        }
    }

    /// Limits `inner`, a piece of a CSV that starts at a record start on physical line
    /// `line` (a chunk of a whole file read in parallel): its records' lines are the
    /// file's, their byte offsets the piece's.
    pub(super) fn starting_at(inner: R, delimiter: u8, line: u64) -> Self {
        RecordLimit {
            line,
            ..RecordLimit::new(inner, delimiter)
        }
    }

    /// Whether the bytes read so far end between records (not inside a record or a
    /// quoted field).
    pub(super) fn at_record_start(&self) -> bool {
        self.scan == Scan::RecordStart
    }

    /// The record starts, for [`Lines`].
    pub(crate) fn starts(&self) -> RecordStarts {
        self.starts.clone()
    }
}

/// The physical line ends in `bytes` as [`RecordLimit`] counts them: every LF, and
/// every CR not followed by an LF (a CR as the last byte counts: a piece given here
/// never ends between the CR and the LF of a CRLF).
pub(super) fn count_line_ends(bytes: &[u8]) -> u64 {
    // LFs and CRs counted in one pass, eight bytes at a time.
    let mut words = bytes.chunks_exact(8);
    let (mut lf, mut cr) = (0u64, 0u64);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().unwrap_or([0; 8]));
        lf += byte_mask(w, b'\n').count_ones() as u64;
        cr += byte_mask(w, b'\r').count_ones() as u64;
    }
    for &b in words.remainder() {
        lf += (b == b'\n') as u64;
        cr += (b == b'\r') as u64;
    }
    if cr == 0 {
        return lf;
    }
    let crlf = bytes.windows(2).filter(|w| w == b"\r\n").count() as u64;
    lf + cr - crlf
}

/// The high bit of each byte of `word` that equals `byte` (exact: no false
/// positives, unlike the shorter `(x - 0x01..) & !x & 0x80..` test), the others
/// clear: SWAR ("SIMD within a register") byte search, eight bytes per step.
#[inline]
pub(super) fn byte_mask(word: u64, byte: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ (0x0101_0101_0101_0101 * byte as u64);
    // A byte of x is zero iff adding 0x7f to its low 7 bits leaves the high bit
    // clear and its own high bit is clear.
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

impl<R: Read> Read for RecordLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let bytes = &buf[..n];
        let delimiter = self.delimiter;
        let mut i = 0;
        while i < n {
            // Fast path: a run of bytes that leave the scan where it is (inside an
            // unquoted field: all but line ends and the delimiter; inside a quoted
            // field: all but quotes and line ends) only moves the offset and the
            // record's length.
            let run = match self.scan {
                Scan::Field => bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n' || b == b'\r' || b == delimiter),
                Scan::Quoted => bytes[i..]
                    .iter()
                    .position(|&b| b == b'"' || b == b'\n' || b == b'\r'),
                _ => Some(0),
            }
            .unwrap_or(n - i);
            if run > 0 {
                self.last_cr = false;
                self.offset += run as u64;
                self.len += run;
                i += run;
                if self.len > MAX_RECORD_BYTES {
                    return Err(self.too_long());
                }
                continue;
            }
            let b = bytes[i];
            i += 1;
            let eol = b == b'\n' || b == b'\r';
            if eol && !(b == b'\n' && self.last_cr) {
                self.line += 1;
            }
            self.last_cr = b == b'\r';
            self.scan = match (self.scan, b) {
                (Scan::Quoted, b'"') => Scan::QuoteInQuoted,
                (Scan::Quoted, _) => Scan::Quoted,
                (Scan::QuoteInQuoted, b'"') => Scan::Quoted,
                (Scan::RecordStart, _) if eol => Scan::RecordStart,
                (_, _) if eol => {
                    self.len = 0;
                    Scan::RecordStart
                }
                (s, _) => {
                    if s == Scan::RecordStart {
                        self.starts.push(self.offset, self.line);
                    }
                    match (s, b) {
                        (_, d) if d == self.delimiter => Scan::FieldStart,
                        (Scan::RecordStart | Scan::FieldStart, b'"') => Scan::Quoted,
                        _ => Scan::Field,
                    }
                }
            };
            self.offset += 1;
            if self.scan != Scan::RecordStart {
                self.len += 1;
                if self.len > MAX_RECORD_BYTES {
                    return Err(self.too_long());
                }
            }
        }
        Ok(n)
    }
}

impl<R> RecordLimit<R> {
    /// The error for the record being read, past [`MAX_RECORD_BYTES`].
    #[cold]
    fn too_long(&self) -> std::io::Error {
        let line = self
            .starts
            .0
            .lock()
            .map_or(0, |q| q.back().map_or(0, |s| s.1));
        std::io::Error::new(std::io::ErrorKind::InvalidData, RecordTooLong { line })
    }
}

pub(super) fn non_utf8(location: Location, bytes: &[u8]) -> Error {
    Error::Csv {
        location,
        message: format!(
            "cell '{}' is not valid UTF-8 (re-save the file as UTF-8)",
            String::from_utf8_lossy(bytes)
        ),
    }
}

// ---------------------------------------------------------------------------------
// Opening: BOM, delimiter detection, the csv reader.

pub(super) type Source<R> = ::csv::Reader<RecordLimit<Chain<Cursor<Vec<u8>>, BufReader<R>>>>;

/// Physical line numbers of records, from the [`RecordStarts`] of their source (the
/// csv parser's own count misses line breaks inside quoted fields and lone CRs).
#[derive(Clone, Default)]
pub(super) struct Lines {
    starts: Option<RecordStarts>,
}

impl Lines {
    /// The lines of the records of `source`.
    pub(super) fn of_source<R: Read>(source: &Source<R>) -> Lines {
        Lines {
            starts: Some(source.get_ref().starts()),
        }
    }

    /// The lines of the records a [`RecordLimit`] with these starts reads.
    pub(super) fn of_starts(starts: RecordStarts) -> Lines {
        Lines {
            starts: Some(starts),
        }
    }

    /// The 1-based line on which `rec` starts (call once per record, in order).
    pub(super) fn of(&mut self, rec: &ByteRecord) -> u64 {
        let pos = rec.position();
        self.starts
            .as_ref()
            .zip(pos)
            .and_then(|(s, p)| s.line_of(p.byte()))
            .or(pos.map(|p| p.line()))
            .unwrap_or(0)
    }
}

/// The delimiter among `,`, `;`, tab that occurs most often outside quotes in the
/// header line (`,` on a tie or when none occurs). The CSV readers use it when no
/// delimiter is given; batch scoring callers can use it on the first line too.
///
/// ```
/// assert_eq!(churnkit::data::detect_delimiter(b"id;age;plan\n"), b';');
/// ```
pub fn detect_delimiter(line: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
    [b',', b';', b'\t'][best]
}

/// The delimiter of a header line: `hint` when the line contains it outside quotes,
/// else [`detect_delimiter`]'s choice. Files read for a model prefer the delimiter its
/// training file had ([`ReadSpec`](crate::data::ReadSpec)).
///
/// ```
/// use churnkit::data::detect_delimiter_hinted;
/// assert_eq!(detect_delimiter_hinted(b"id|age|plan", Some(b'|')), b'|');
/// assert_eq!(detect_delimiter_hinted(b"id;age;plan", Some(b'|')), b';');
/// ```
pub fn detect_delimiter_hinted(line: &[u8], hint: Option<u8>) -> u8 {
    if let Some(h) = hint {
        let mut quoted = false;
        for &b in line {
            if b == b'"' {
                quoted = !quoted;
            } else if b == h && !quoted {
                return h;
            }
        }
    }
    detect_delimiter(line)
}

/// What a file that is not text is, from its first bytes: `Some("gzip-compressed")`,
/// `Some("a Parquet file")`, `Some("an Arrow file")`, `Some("a ZIP archive (an
/// Excel .xlsx?)")`; None for anything else (text, or an unknown binary).
///
/// ```
/// assert_eq!(churnkit::data::binary_format(b"PAR1\x15\x04"), Some("a Parquet file"));
/// assert_eq!(churnkit::data::binary_format(b"id,age\n"), None);
/// ```
pub fn binary_format(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0x1f, 0x8b]) {
        Some("gzip-compressed")
    } else if head.starts_with(b"PAR1") {
        Some("a Parquet file")
    } else if head.starts_with(b"ARROW1") {
        Some("an Arrow file")
    } else if head.starts_with(b"PK\x03\x04") {
        Some("a ZIP archive (an Excel .xlsx?)")
    } else {
        None
    }
}

/// The error for an input that [`binary_format`] recognises (None for text).
pub fn binary_input_error(location: &Location, head: &[u8]) -> Option<Error> {
    let what = binary_format(head)?;
    let hint = if what.starts_with("gzip") {
        "decompress it first (e.g. `gunzip -k FILE`) and read the .csv"
    } else if what.contains("ZIP") {
        "export the sheet as CSV"
    } else if what.contains("Parquet") {
        if cfg!(feature = "parquet") {
            "name it .parquet or give --format parquet"
        } else {
            "build churnkit with `--features parquet` to read it (and name it .parquet), or export the table as CSV"
        }
    } else if cfg!(feature = "arrow") {
        "name it .arrow or give --format arrow"
    } else {
        "build churnkit with `--features arrow` to read it (and name it .arrow), or export the table as CSV"
    };
    Some(Error::Csv {
        location: location.clone(),
        message: format!("the file is {what}, not a CSV text: {hint}"),
    })
}

/// The name in `names` closest to `name`, for a "did you mean": the same name in
/// another case, else the nearest within an edit distance of 2 (None when none is).
///
/// ```
/// let header = ["CustomerId", "Exited", "Age"];
/// assert_eq!(churnkit::data::closest_name("exited", &header), Some("Exited"));
/// assert_eq!(churnkit::data::closest_name("Exitd", &header), Some("Exited"));
/// assert_eq!(churnkit::data::closest_name("balance", &header), None);
/// ```
pub fn closest_name<'a, S: AsRef<str>>(name: &str, names: &'a [S]) -> Option<&'a str> {
    let names = names.iter().map(AsRef::as_ref);
    if let Some(n) = names.clone().find(|n| n.eq_ignore_ascii_case(name)) {
        return Some(n);
    }
    let wanted = name.to_lowercase();
    let wanted_chars = wanted.chars().count();
    names
        .filter_map(|n| {
            let n_lower = n.to_lowercase();
            // The distance is at least the difference in length: skip the quadratic
            // edit distance for names that cannot be within 2 (a long header stays
            // linear in its size).
            (n_lower.chars().count().abs_diff(wanted_chars) <= 2)
                .then(|| (edit_distance(&wanted, &n_lower), n))
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A delimiter as people name it: `','`, `';'`, `tab`.
pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".to_string(),
        _ => format!("'{}'", d as char),
    }
}

/// An I/O error at `location`; a record over [`MAX_RECORD_BYTES`] becomes an
/// [`Error::Csv`] naming the line it starts on.
pub(crate) fn io_error(location: &Location, source: std::io::Error) -> Error {
    if let Some(t) = source
        .get_ref()
        .and_then(|e| e.downcast_ref::<RecordTooLong>())
    {
        return Error::Csv {
            location: location.clone().at_line(t.line),
            message: format!(
                "the line is longer than {MAX_RECORD_BYTES} bytes (with the lines a quoted \
                 field spans): not a CSV file, a missing line break or an unbalanced quote"
            ),
        };
    }
    Error::Io {
        location: location.clone(),
        source,
    }
}

pub(super) fn csv_error(location: &Location, e: ::csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let mut location = location.clone();
    location.line = line;
    match e.into_kind() {
        ::csv::ErrorKind::Io(source) => io_error(&location, source),
        other => Error::Csv {
            location,
            message: format!("{other:?}"),
        },
    }
}

pub(super) fn open_source<R: Read>(
    reader: R,
    delimiter: Option<u8>,
    hint: Option<u8>,
    location: &Location,
) -> Result<(Source<R>, u8)> {
    // The csv reader buffers 8 KiB at a time; with the same capacity here, its reads
    // pass straight through this buffer once the header line is consumed.
    let mut buffered = BufReader::with_capacity(8 * 1024, reader);
    let head = buffered.fill_buf().map_err(|e| io_error(location, e))?;
    if let Some(e) = binary_input_error(location, head) {
        return Err(e);
    }
    let mut first = first_line(&mut buffered).map_err(|e| io_error(location, e))?;
    if first.starts_with(b"\xEF\xBB\xBF") {
        first.drain(..3);
    }
    let delimiter = delimiter.unwrap_or_else(|| detect_delimiter_hinted(&first, hint));
    let reader = ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(RecordLimit::new(
            Cursor::new(first).chain(buffered),
            delimiter,
        ));
    Ok((reader, delimiter))
}

/// The bytes up to and including the first line end (LF or CR), at most
/// [`MAX_RECORD_BYTES`] of them (else a [`RecordTooLong`] error on line 1).
fn first_line<R: BufRead>(r: &mut R) -> std::io::Result<Vec<u8>> {
    let mut first = Vec::new();
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(first);
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        first.extend_from_slice(&buf[..take]);
        r.consume(take);
        if first.len() > MAX_RECORD_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                RecordTooLong { line: 1 },
            ));
        }
        if done {
            return Ok(first);
        }
    }
}
