//! Whole-file reading: [`read_csv`], [`read_csv_report`], [`read_csv_from`].

use std::fs::File;
use std::io::Read;
use std::path::Path;

use ::csv::ByteRecord;

use super::batch::Batch;
use super::options::{CsvOptions, MAX_RECORD_BYTES, ReadReport};
use super::parallel;
use super::plan::{Mode, Plan};
use super::source::{Lines, csv_error, io_error, open_source};
use crate::data::table::Table;
use crate::error::{Error, Location, Result};

fn read_all<R: Read>(
    mut open: impl FnMut() -> Result<R>,
    location: &Location,
    opts: &CsvOptions,
) -> Result<(Table, ReadReport)> {
    opts.validate()?;
    let mut forced_text: Vec<String> = Vec::new();
    // The first pass infers kinds while building; if a column inferred numeric holds
    // too much text (more than MAX_BAD_NUMERIC_SHARE of its cells), a second pass builds
    // it as categorical. A third attempt means the file changed while being read.
    for _ in 0..3 {
        let (mut reader, delimiter) =
            open_source(open()?, opts.delimiter, opts.delimiter_hint, location)?;
        let mut lines = Lines::of_source(&reader);
        let plan = Plan::new(
            &mut reader,
            delimiter,
            location,
            opts,
            Mode::Read,
            &forced_text,
            &mut lines,
        )?;
        let mut batch = Batch::new(&plan, 1024);
        let mut rec = ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return batch.fail(&plan, opts.on_bad_cell, csv_error(location, e)),
            }
            let line = lines.of(&rec);
            batch.push(&plan, opts.on_bad_cell, &rec, line)?;
        }
        if let Some(read) = settle(&plan, batch, opts, &mut forced_text)? {
            return Ok(read);
        }
    }
    Err(changed(location))
}

fn changed(location: &Location) -> Error {
    Error::Csv {
        location: location.clone(),
        message: "the file changed while it was being read".into(),
    }
}

/// Ends a pass over the whole file: settles the inferred kinds, then finishes the
/// table, or (None) notes the features that turned out to be text in `forced_text`
/// for another pass.
fn settle(
    plan: &Plan,
    mut batch: Batch,
    opts: &CsvOptions,
    forced_text: &mut Vec<String>,
) -> Result<Option<(Table, ReadReport)>> {
    batch.settle_inference(plan, opts.on_bad_cell)?;
    if batch.len() == 0 && !batch.any_switched {
        return Err(parallel::no_rows(plan));
    }
    if batch.any_switched {
        for (j, (_, name, _)) in plan.features.iter().enumerate() {
            if batch.switched[j] {
                forced_text.push(name.clone());
            }
        }
        return Ok(None);
    }
    batch
        .finish(plan, opts, Mode::Read)
        .map(|(t, r, _)| Some((t, r)))
}

/// Reads a whole CSV held in memory in `n_chunks` parallel chunks (see
/// `parallel`'s module docs for the chunking rule and when it falls back to the
/// sequential reader); 0 or 1 chunk reads it sequentially. The table, the report and
/// the errors are the sequential reader's, whatever `n_chunks`.
pub(super) fn read_bytes(
    bytes: &[u8],
    location: &Location,
    opts: &CsvOptions,
    n_chunks: usize,
) -> Result<(Table, ReadReport)> {
    if n_chunks <= 1 {
        return read_all(|| Ok(bytes), location, opts);
    }
    opts.validate()?;
    match parallel::read(bytes, location, opts, n_chunks)? {
        Some((plan, batch)) => batch
            .finish(&plan, opts, Mode::Read)
            .map(|(t, r, _)| (t, r)),
        None => read_all(|| Ok(bytes), location, opts),
    }
}

/// [`read_bytes`] for bytes read for it: once the parallel pass is done, they are
/// freed while the table is finished.
fn read_owned(
    bytes: Vec<u8>,
    location: &Location,
    opts: &CsvOptions,
    n_chunks: usize,
) -> Result<(Table, ReadReport)> {
    opts.validate()?;
    match parallel::read(&bytes, location, opts, n_chunks)? {
        Some((plan, batch)) => {
            let finish = || batch.finish(&plan, opts, Mode::Read);
            let ((), read) = rayon::join(move || drop(bytes), finish);
            read.map(|(t, r, _)| (t, r))
        }
        None => read_all(|| Ok(&bytes[..]), location, opts),
    }
}

/// Files up to this size are read whole into memory and parsed in parallel chunks;
/// larger ones are streamed through the sequential reader (so memory does not grow by
/// the file's size on top of the table).
pub const MAX_PARALLEL_READ_BYTES: u64 = 1 << 30;

/// Reading churn tables from CSV files as real exports write them.
///
/// [`read_csv`] reads a whole file into a [`Table`]; [`read_csv_report`] also returns
/// a [`ReadReport`] (skipped rows, cells treated as missing, how labels were mapped);
/// [`read_csv_from`] reads from any reader (bytes in memory, a pipe); [`CsvChunks`](crate::data::CsvChunks)
/// streams a large file as tables of at most `chunk_rows` rows in constant memory.
///
/// # Quirks handled
///
/// - A header row names the columns (a UTF-8 byte-order mark before it is dropped;
///   names are trimmed and must be unique).
/// - The delimiter is `,`, `;` or tab, detected from the header line (the one that
///   occurs most often outside quotes; `,` when none does) or given with
///   [`CsvOptions::delimiter`].
/// - CRLF or LF line ends; quoted fields (with `""` escapes and embedded line breaks);
///   blank lines are skipped.
/// - Cells are trimmed. A cell is missing when it is empty (so also whitespace-only) or
///   equals a missing token, ignoring ASCII case (default `NA`, `N/A`, `?`, `null`).
/// - A feature column is numeric when at least 95 % of its non-missing cells parse as
///   finite numbers ([`MAX_BAD_NUMERIC_SHARE`](crate::data::MAX_BAD_NUMERIC_SHARE)),
///   else categorical; in a numeric column a cell that is not a finite number (`inf`,
///   `NaN`, `1e309`, text) follows [`CsvOptions::on_bad_cell`] (an error naming the
///   file, line, column and cell by default). [`CsvOptions::numeric`] /
///   [`CsvOptions::categorical`] override the inference (a code like `Area code` may be forced categorical). Categorical
///   levels are sorted in byte order, so the same data gives the same codes.
/// - Columns can be dropped (identifiers, leaking columns); one may be kept as the id
///   column ([`Table::ids`]) and one as the sample-weight column (finite, `>= 0`);
///   neither is ever a feature. The cells of dropped columns are not read at all.
/// - The target's labels map to churn classes (see [`CsvOptions::positive_label`],
///   [`CsvOptions::class_map`] and the label rules on [`CsvOptions`]): Yes/No,
///   True/False, 1/0 and the canonical `retained`/`at_risk`/`churned` are recognised.
///
/// # Speed
///
/// A file of at least 2 MiB and at most
/// [`MAX_PARALLEL_READ_BYTES`](crate::data::MAX_PARALLEL_READ_BYTES) is read into
/// memory and parsed in parallel chunks on the rayon pool (cut after line feeds; a cut
/// inside a quoted field, or any error, reads the file again with one thread), with
/// the same table, report and errors as a sequential read; see the `data::csv` module
/// docs. In a one-thread rayon pool the file is streamed by one thread.
///
/// # Errors
///
/// Every problem is an [`Error`] naming the file, the line (1-based, the header is
/// line 1), the column and the value: an empty file, a header with no rows, a ragged
/// row, duplicate column names, an unknown target/id/weight/dropped column, non-UTF-8
/// bytes, text in a column declared numeric, a bad weight, a label that maps to no class
/// (or, with [`BadLabelPolicy::Skip`](crate::data::BadLabelPolicy::Skip), a skipped row counted in the report), a target
/// with one class only, a categorical feature with more than 65,535 levels. Nothing is
/// dropped silently.
///
/// # Example
///
/// ```
/// use churnkit::data::{CsvOptions, read_csv_from};
///
/// let csv = "id;tenure;contract;churn\r\n\
///            a;1;monthly;Yes\r\n\
///            b;30;yearly;No\r\n\
///            c; ;monthly;yes\r\n";
/// let opts = CsvOptions::new("churn").id_column("id");
/// let (table, report) = read_csv_from(csv.as_bytes(), "inline.csv", &opts)?;
/// assert_eq!(table.n_rows(), 3);
/// assert_eq!(report.delimiter, b';');
/// assert!(table.schema().features[0].is_numeric());          // tenure
/// assert_eq!(table.schema().features[1].levels(), ["monthly", "yearly"]);
/// assert_eq!(table.labels(), [1, 0, 1]);                     // churned = 1
/// assert_eq!(table.ids().unwrap()[2], "c");
/// # Ok::<(), churnkit::Error>(())
/// ```
///
/// This function reads a file into a [`Table`]; [`CsvOptions`] holds the options.
pub fn read_csv(path: impl AsRef<Path>, opts: &CsvOptions) -> Result<Table> {
    read_csv_report(path, opts).map(|(t, _)| t)
}

/// Reads a churn CSV file into a [`Table`], with a [`ReadReport`] of what was
/// skipped or treated as missing (at the caller's request) and how labels mapped.
pub fn read_csv_report(path: impl AsRef<Path>, opts: &CsvOptions) -> Result<(Table, ReadReport)> {
    let path = path.as_ref();
    let location = Location::file(path);
    let open = || File::open(path).map_err(|e| io_error(&location, e));
    let mut file = open()?;
    let len = file.metadata().map_or(u64::MAX, |m| m.len());
    let n_chunks = parallel::chunk_count(usize::try_from(len).unwrap_or(usize::MAX));
    if n_chunks <= 1 || len > MAX_PARALLEL_READ_BYTES {
        return read_all(open, &location, opts);
    }
    let whole = match read_parts(&file, len, n_chunks, &location)? {
        Some(bytes) => Some(bytes),
        None => read_whole(&mut file, len, &location)?,
    };
    match whole {
        Some(bytes) => read_owned(bytes, &location, opts, n_chunks),
        None => read_all(open, &location, opts),
    }
}

/// Line ends in a part of a file read by [`read_parts`]: where the first and the
/// last are (None: the part has none), and the part's length.
type PartEnds = (Option<usize>, Option<usize>, usize);

/// The whole file of `len` bytes read in `n` parts at once (each part on its own
/// rayon thread: the kernel's copies, and the page faults of the buffer, are shared
/// out), with [`read_whole`]'s limit and a stricter one: None as soon as a part holds
/// more than half [`MAX_RECORD_BYTES`] bytes without a line end (then every part
/// stops, so a file without line breaks is not held whole: the parts running at once
/// read at most that much each), or the parts together hold more than
/// [`MAX_RECORD_BYTES`]; and None when the file is not `len` bytes long after all (it
/// changed). On None the caller reads the file the sequential way ([`read_whole`]),
/// which decides about long lines as it always has. Not on every platform (None
/// there).
#[cfg(unix)]
fn read_parts(file: &File, len: u64, n: usize, location: &Location) -> Result<Option<Vec<u8>>> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;
    const BLOCK: usize = 1 << 20;
    let Ok(len) = usize::try_from(len) else {
        return Ok(None);
    };
    let mut bytes = vec![0u8; len];
    let part = len.div_ceil(n.max(1)).max(1);
    let eol = |b: &u8| *b == b'\n' || *b == b'\r';
    // Set when a part gives up: the others stop at their next block.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let give_up = || {
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(None)
    };
    // Each part in blocks, the gap since the part's start or last line end checked
    // after each.
    let read_part = |(k, buf): (usize, &mut [u8])| -> Result<Option<PartEnds>> {
        let offset = (k * part) as u64;
        let (mut at, mut first, mut last) = (0usize, None, None);
        while at < buf.len() {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                return Ok(None);
            }
            let end = (at + BLOCK).min(buf.len());
            let n = file
                .read_at(&mut buf[at..end], offset + at as u64)
                .map_err(|e| io_error(location, e))?;
            if n == 0 {
                // Shorter than `len`: changed.
                return give_up();
            }
            let block = &buf[at..at + n];
            if let Some(i) = block.iter().rposition(eol) {
                first = first.or_else(|| block.iter().position(eol).map(|f| at + f));
                last = Some(at + i);
            }
            at += n;
            if at - last.map_or(0, |l| l + 1) > MAX_RECORD_BYTES / 2 {
                return give_up();
            }
        }
        Ok(Some((first, last, buf.len())))
    };
    let parts: Vec<Option<PartEnds>> = bytes
        .par_chunks_mut(part)
        .enumerate()
        .map(read_part)
        .collect::<Result<_>>()?;
    // The gaps across parts.
    let mut gap = 0usize;
    for p in parts {
        let Some((first, last, n)) = p else {
            return Ok(None);
        };
        match (first, last) {
            (Some(f), Some(l)) if gap + f <= MAX_RECORD_BYTES => gap = n - 1 - l,
            (None, _) if gap + n <= MAX_RECORD_BYTES => gap += n,
            _ => return Ok(None),
        }
    }
    // Longer than `len`: changed.
    let mut more = [0u8; 1];
    if file
        .read_at(&mut more, len as u64)
        .map_err(|e| io_error(location, e))?
        != 0
    {
        return Ok(None);
    }
    Ok(Some(bytes))
}

/// [`read_parts`] where files cannot be read at an offset: None (the caller reads the
/// file in one pass).
#[cfg(not(unix))]
fn read_parts(_: &File, _: u64, _: usize, _: &Location) -> Result<Option<Vec<u8>>> {
    Ok(None)
}

/// The whole file (of about `len` bytes), or None as soon as more than
/// [`MAX_RECORD_BYTES`] bytes pass without a line end: such a file (no line breaks) is
/// left to the sequential reader, which refuses it after reading that much, so it is
/// never held whole in memory.
fn read_whole(file: &mut File, len: u64, location: &Location) -> Result<Option<Vec<u8>>> {
    const BLOCK: usize = 1 << 20;
    let mut bytes: Vec<u8> = Vec::with_capacity(len as usize + 1);
    // Bytes since the last line end.
    let mut gap = 0usize;
    loop {
        let at = bytes.len();
        let n = file
            .by_ref()
            .take(BLOCK as u64)
            .read_to_end(&mut bytes)
            .map_err(|e| io_error(location, e))?;
        if n == 0 {
            return Ok(Some(bytes));
        }
        let block = &bytes[at..];
        let eol = |b: &u8| *b == b'\n' || *b == b'\r';
        match block.iter().position(eol) {
            Some(first) if gap + first <= MAX_RECORD_BYTES => {
                gap = block.len() - 1 - block.iter().rposition(eol).unwrap_or(0);
            }
            None if gap + n <= MAX_RECORD_BYTES => gap += n,
            _ => return Ok(None),
        }
    }
}

/// Reads a churn CSV from a reader (bytes in memory, a pipe, a decompressor);
/// `source_name` names it in errors. The input is held in memory while reading (a
/// second pass may be needed to settle column kinds); stream large inputs with
/// [`CsvChunks`](crate::data::CsvChunks).
pub fn read_csv_from<R: Read>(
    mut reader: R,
    source_name: &str,
    opts: &CsvOptions,
) -> Result<(Table, ReadReport)> {
    let location = Location::file(source_name);
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(&location, e))?;
    read_bytes(&bytes, &location, opts, parallel::chunk_count(bytes.len()))
}
