//! Opening a CSV source: byte-order mark, delimiter detection, the csv reader, physical
//! line numbers, and the I/O and parse errors.

use std::io::{BufRead, BufReader, Chain, Cursor, Read};

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

/// A reader that fails with [`RecordTooLong`] once one record — the bytes between two
/// line ends outside double quotes (LF, CRLF or a lone CR) — passes
/// [`MAX_RECORD_BYTES`], so a file with no line breaks is refused after reading that
/// much of it, not held whole in memory. It also counts physical lines.
pub(crate) struct RecordLimit<R> {
    inner: R,
    /// Bytes of the current record so far.
    len: usize,
    quoted: bool,
    last_cr: bool,
    /// 1-based physical line of the byte being read, and of the current record's start.
    line: u64,
    start: u64,
}

impl<R> RecordLimit<R> {
    /// Limits `inner`.
    pub(crate) fn new(inner: R) -> Self {
        RecordLimit {
            inner,
            len: 0,
            quoted: false,
            last_cr: false,
            line: 1,
            start: 1,
        }
    }
}

impl<R: Read> Read for RecordLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            match b {
                b'"' => self.quoted = !self.quoted,
                b'\n' | b'\r' => {
                    if !(b == b'\n' && self.last_cr) {
                        self.line += 1;
                    }
                    if !self.quoted {
                        self.len = 0;
                        self.start = self.line;
                    }
                }
                _ => {}
            }
            self.last_cr = b == b'\r';
            self.len += 1;
            if self.len > MAX_RECORD_BYTES {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    RecordTooLong { line: self.start },
                ));
            }
        }
        Ok(n)
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

pub(super) type Source<R> = ::csv::Reader<Chain<Cursor<Vec<u8>>, BufReader<RecordLimit<R>>>>;

/// Physical line numbers of records. The csv parser counts a record's line without
/// the line breaks inside quoted fields before it; this adds them back.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Lines {
    extra: u64,
}

impl Lines {
    /// The 1-based line on which `rec` starts (call once per record, in order).
    pub(super) fn of(&mut self, rec: &ByteRecord) -> u64 {
        let line = rec.position().map_or(0, |p| p.line()) + self.extra;
        self.extra += rec.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
        line
    }
}

/// The delimiter among `,`, `;`, tab that occurs most often outside quotes in the
/// header line (`,` on a tie or when none occurs).
pub(super) fn detect_delimiter(line: &[u8]) -> u8 {
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
    location: &Location,
) -> Result<(Source<R>, u8)> {
    // The csv reader buffers 8 KiB at a time; with the same capacity here, its reads
    // pass straight through this buffer once the header line is consumed.
    let mut buffered = BufReader::with_capacity(8 * 1024, RecordLimit::new(reader));
    let mut first = Vec::new();
    buffered
        .read_until(b'\n', &mut first)
        .map_err(|e| io_error(location, e))?;
    if first.starts_with(b"\xEF\xBB\xBF") {
        first.drain(..3);
    }
    let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(&first));
    let reader = ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(Cursor::new(first).chain(buffered));
    Ok((reader, delimiter))
}
