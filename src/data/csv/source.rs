//! Opening a CSV source: byte-order mark, delimiter detection, the csv reader, physical
//! line numbers, and the I/O and parse errors.

use std::io::{BufRead, BufReader, Chain, Cursor, Read};

use ::csv::{ByteRecord, ReaderBuilder};

use crate::error::{Error, Location, Result};

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

pub(super) type Source<R> = ::csv::Reader<Chain<Cursor<Vec<u8>>, BufReader<R>>>;

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

pub(super) fn io_error(location: &Location, source: std::io::Error) -> Error {
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
        ::csv::ErrorKind::Io(source) => Error::Io { location, source },
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
    let mut buffered = BufReader::with_capacity(8 * 1024, reader);
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
