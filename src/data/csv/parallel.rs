//! Whole-file reads in parallel chunks: [`read`] over a file held in memory, for
//! `reader::read_bytes`.
//!
//! # The chunking rule
//!
//! After the header, the bytes are cut into `n` chunks of about equal size, each cut
//! just after the first LF at or after its target offset (so a CRLF is never split).
//! The physical line each chunk starts on is counted first (in parallel, one pass that
//! also tells whether the chunk holds a `"` or a CR: every LF and every CR not
//! followed by an LF, as the sequential reader counts). When no chunk holds either,
//! each is read on its own thread by [`Batch::read_plain`] straight into its rows of
//! the whole file's feature columns (as many rows as it has line feeds, the last chunk
//! one more), which are then joined in place ([`plain_rows`]: later chunks' codes
//! renumbered to first-seen order over the file, rows moved up over blank lines; the
//! labels, lines, ids and weights appended, tallies added, first lines kept).
//! Otherwise each chunk is parsed by the csv parser into the same [`Batch`] a
//! sequential read fills (column blocks, chunk-local categorical levels), and the
//! batches are appended in file order ([`Batch::append_all`]). Line numbers are
//! absolute.
//!
//! A cut is right when the LF before it ends a record, i.e. is not inside a quoted
//! field. Cuts are not guessed from quote parity: they are **verified**. Chunk 0
//! starts right after the header, a record start. A chunk holding no `"` has no
//! quoted field, so it ends between records. A chunk holding a `"` is read through a
//! [`RecordLimit`], whose scan of the csv grammar (the sequential reader's) must end
//! between records, not inside a quoted field. By induction every chunk then starts
//! at a record start and is parsed as the whole file would be. If a chunk fails the
//! check (a quoted field holding a line break across a cut), [`read`] answers None
//! and the caller reads the file with the sequential reader. Files without quoted
//! line breaks (most files) never fall back.
//!
//! # Kinds
//!
//! As the sequential reader decides them (a feature not declared is numeric unless
//! more than 5 % of its non-missing cells are not finite numbers), in fewer passes:
//! features that a sample of the first 64 KiB of rows shows to be text are read as
//! categorical from the first pass, and each level's text tells whether its cells
//! are numbers, so the same rule checks the guess over the whole file. A wrong guess
//! re-reads that column as numbers. A text column the sample did not show is re-read
//! as categorical, that column only (the sequential reader reads the whole file
//! again).
//!
//! # Errors
//!
//! When any chunk meets an error (a bad cell under
//! [`BadCellPolicy::Error`](super::BadCellPolicy::Error), a ragged row, non-UTF-8
//! bytes, a record near the size limit, ...), or the chunks' levels together pass
//! the level limit, [`read`] answers None and the caller reads the same bytes with
//! the sequential reader, so the first error is the one a sequential read reports
//! (same message, same line). Errors found after the pass (bad cells of inferred
//! columns, no data rows; then labels and one class, when the batch is finished)
//! come from the merged batch, as from a sequential pass. Bad cells read as missing,
//! skipped labels and the report's counts and first lines are merged, not re-read.

use rayon::prelude::*;

use ::csv::{ByteRecord, ReaderBuilder};

use super::batch::{Batch, Builder, is_text};
use super::direct::{Out, Plain};
use super::interner::Interner;
use super::options::{CsvOptions, MAX_RECORD_BYTES};
use super::plan::{Kind, Mode, Plan};
use super::source::{Lines, RecordLimit, count_line_ends, open_source};
use crate::data::encoded::MAX_LEVELS;
use crate::data::table::MISSING_LEVEL;
use crate::error::{Location, Result};

/// Chunks smaller than this are not worth a thread: a file is read in at most
/// `len / MIN_CHUNK_BYTES` chunks (so a file under 2 MiB is read sequentially).
pub(super) const MIN_CHUNK_BYTES: usize = 1 << 20;

/// How many chunks a whole-file read of `len` bytes uses: two per rayon thread (so a
/// slow chunk is not the whole wait), at most `len / MIN_CHUNK_BYTES`; 1 (one thread,
/// or a small file) means the sequential reader. The table read does not depend on it.
pub(super) fn chunk_count(len: usize) -> usize {
    match rayon::current_num_threads() {
        0 | 1 => 1,
        t => (t * 2).min(len / MIN_CHUNK_BYTES),
    }
}

/// How many bytes of data rows (at least; up to the next line feed) the first
/// pass samples to guess which features inferred numeric are text.
const SAMPLE_BYTES: usize = 64 << 10;

/// Reads `bytes` (a whole CSV file) in `n_chunks` chunks (see the module docs): the
/// plan (kinds settled) and the batch of every row, flushed and settled, ready to
/// finish; None when the caller must read sequentially. An error only when the header
/// fails, or for what the sequential reader finds after its pass (bad cells of
/// inferred columns, no data rows), with the same message.
///
/// Kinds as the sequential reader decides them, in fewer passes: a feature inferred
/// numeric that a sample of the first rows shows to be text is read as categorical
/// from the start, and each level's text tells whether its cells are numbers, so the
/// same rule ([`is_text`]) confirms the guess over the whole file; a wrong guess
/// re-reads that column as numbers. Features that turn out to be text without having
/// been guessed are re-read as categorical (as the sequential second pass does, for
/// those columns only).
pub(super) fn read(
    bytes: &[u8],
    location: &Location,
    opts: &CsvOptions,
    n_chunks: usize,
) -> Result<Option<(Plan, Batch)>> {
    let (plan, start) = header(bytes, location, opts)?;
    let guessed = guess_text(bytes, start, &plan, opts);
    let first = with_text(&plan, &guessed);
    let Some(mut batch) = rows(bytes, start, &first, opts, n_chunks) else {
        return Ok(None);
    };
    let wrong: Vec<bool> = (0..plan.features.len())
        .map(|j| {
            guessed[j]
                && batch
                    .level_number_counts(j)
                    .is_some_and(|(numbers, other)| !is_text(numbers, other))
        })
        .collect();
    if wrong.contains(&true) {
        let numbers = rows(bytes, start, &only(&plan, &wrong), opts, n_chunks);
        if numbers
            .and_then(|n| batch.replace_columns(&wrong, n))
            .is_none()
        {
            return Ok(None);
        }
    }
    // Guessed text and right: no tallies left, not switched.
    batch.settle_inference(&plan, opts.on_bad_cell)?;
    if batch.len() == 0 && !batch.any_switched {
        return Err(no_rows(&plan));
    }
    let switched = std::mem::take(&mut batch.switched);
    let text: Vec<bool> = (0..plan.features.len())
        .map(|j| switched[j] || (guessed[j] && !wrong[j]))
        .collect();
    let full = with_text(&plan, &text);
    batch.switched = vec![false; plan.features.len()];
    if batch.any_switched {
        batch.any_switched = false;
        let texts = rows(bytes, start, &only(&full, &switched), opts, n_chunks);
        if texts
            .and_then(|t| batch.replace_columns(&switched, t))
            .is_none()
        {
            return Ok(None);
        }
    }
    Ok(Some((full, batch)))
}

/// The error for a file with a header and no data rows.
pub(super) fn no_rows(plan: &Plan) -> crate::Error {
    crate::Error::Csv {
        location: plan.location.clone(),
        message: "the file has a header but no data rows".into(),
    }
}

/// The plan of the header of `bytes` (with no kinds forced to text) and the byte
/// where the data rows start.
pub(super) fn header(
    bytes: &[u8],
    location: &Location,
    opts: &CsvOptions,
) -> Result<(Plan, usize)> {
    let (mut reader, delimiter) =
        open_source(bytes, opts.delimiter, opts.delimiter_hint, location)?;
    let mut lines = Lines::of_source(&reader);
    let plan = Plan::new(
        &mut reader,
        delimiter,
        location,
        opts,
        Mode::Read,
        &[],
        &mut lines,
    )?;
    // Where the data starts: after the header record (the csv reader's offset is
    // counted after the byte-order mark), and after the LF of a CRLF it ends with.
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut start = (bom + reader.position().byte() as usize).min(bytes.len());
    if start > 0 && bytes[start - 1] == b'\r' && bytes.get(start) == Some(&b'\n') {
        start += 1;
    }
    Ok((plan, start))
}

/// The features inferred numeric that the first [`SAMPLE_BYTES`] of data rows show
/// to be text (by [`is_text`]); none when the sample cannot be read (the guess is only
/// a guess: every one is checked over the whole file).
fn guess_text(bytes: &[u8], start: usize, plan: &Plan, opts: &CsvOptions) -> Vec<bool> {
    let none = vec![false; plan.features.len()];
    let from = (start + SAMPLE_BYTES).min(bytes.len());
    let end = bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| from + i + 1);
    let Some(mut sample) = rows(&bytes[..end], start, plan, opts, 1) else {
        return none;
    };
    if sample
        .settle_inference(plan, super::options::BadCellPolicy::Missing)
        .is_err()
    {
        return none;
    }
    sample.switched
}

/// `plan` with the features marked in `text` categorical.
fn with_text(plan: &Plan, text: &[bool]) -> Plan {
    let mut p = plan.clone();
    for (f, &t) in p.features.iter_mut().zip(text) {
        if t {
            f.2 = Kind::Categorical;
        }
    }
    p
}

/// `plan` with only the features marked in `which` (as `plan` has them) and no
/// target, id or weight: the plan of a pass that re-reads those columns.
fn only(plan: &Plan, which: &[bool]) -> Plan {
    let mut p = plan.clone();
    p.features = plan
        .features
        .iter()
        .zip(which)
        .filter(|(_, w)| **w)
        .map(|(f, _)| f.clone())
        .collect();
    (p.target, p.id, p.weight) = (None, None, None);
    p
}

/// Parses the data rows (from byte `start`) in `n_chunks` chunks with `plan` into one
/// batch, flushed; None when the caller must read sequentially (a chunk met an
/// error, a cut fell inside a quoted field, the levels passed the limit).
pub(super) fn rows(
    bytes: &[u8],
    start: usize,
    plan: &Plan,
    opts: &CsvOptions,
    n_chunks: usize,
) -> Option<Batch> {
    let cuts = cuts(bytes, start, n_chunks);
    let pieces: Vec<&[u8]> = cuts.windows(2).map(|w| &bytes[w[0]..w[1]]).collect();
    // The physical line each chunk starts on.
    let header_lines = count_line_ends(&bytes[..start]);
    let (ends, plain): (Vec<u64>, Vec<bool>) = pieces.par_iter().map(|p| survey(p)).unzip();
    let mut first_lines = Vec::with_capacity(pieces.len());
    let mut line = 1 + header_lines;
    for e in &ends {
        first_lines.push(line);
        line += e;
    }
    if plain.iter().all(|&p| p) {
        return plain_rows(&pieces, &first_lines, &ends, plan, opts);
    }
    let last = pieces.len() - 1;
    let batches: Vec<Option<Batch>> = pieces
        .par_iter()
        .zip(&first_lines)
        .enumerate()
        .map(|(k, (piece, &line))| chunk(piece, plan, opts, (line, ends[k]), k == last))
        .collect();
    let mut batches = batches.into_iter().collect::<Option<Vec<Batch>>>()?;
    if batches.is_empty() {
        return None;
    }
    let mut batch = batches.remove(0);
    batch.append_all(batches)?;
    Some(batch)
}

/// [`rows`] when every chunk is plain (no `"`, no CR): each chunk is read by
/// [`Batch::read_plain`] straight into its rows of the whole file's feature columns
/// (chunk `k` may hold as many records as line feeds, plus one for the last chunk),
/// so the columns are not copied again: a categorical column's codes of each later
/// chunk are renumbered in place to the levels in file order, and the rows of chunks
/// that held fewer records (blank lines) are moved up. The rows' labels, lines, ids
/// and weights are appended as [`Batch::append_all`] does.
fn plain_rows(
    pieces: &[&[u8]],
    first_lines: &[u64],
    ends: &[u64],
    plan: &Plan,
    opts: &CsvOptions,
) -> Option<Batch> {
    let last = pieces.len().checked_sub(1)?;
    let caps: Vec<usize> = ends
        .iter()
        .enumerate()
        .map(|(k, &e)| e as usize + usize::from(k == last))
        .collect();
    let total: usize = caps.iter().sum();
    // Zeroed, so untouched until each chunk writes its rows.
    let mut cols: Vec<Builder> = plan
        .features
        .iter()
        .map(|(_, _, k)| match k {
            Kind::Numeric { .. } => Builder::Num(vec![0.0; total]),
            Kind::Categorical => Builder::Cat(vec![0; total], Box::default()),
        })
        .collect();
    let mut outs: Vec<Vec<Out>> = pieces.iter().map(|_| Vec::new()).collect();
    for col in &mut cols {
        match col {
            Builder::Num(v) => split_rows(v, &caps, &mut outs, Out::Num),
            Builder::Cat(v, _) => split_rows(v, &caps, &mut outs, Out::Cat),
        }
    }
    let batches: Vec<Option<Batch>> = pieces
        .par_iter()
        .zip(first_lines)
        .zip(outs)
        .zip(&caps)
        .map(|(((piece, &line), outs), &cap)| {
            let mut batch = Batch::new(plan, 0);
            batch.reserve_rows(cap);
            match batch.read_plain(plan, opts.on_bad_cell, (piece, line), outs, cap) {
                Plain::Read => Some(batch),
                Plain::Failed | Plain::Unfit => None,
            }
        })
        .collect();
    let mut batches = batches.into_iter().collect::<Option<Vec<Batch>>>()?;
    let rows: Vec<usize> = batches.iter().map(Batch::len).collect();
    // Each column's levels per chunk, in chunk order.
    let mut levels: Vec<Vec<Interner>> = cols.iter().map(|_| Vec::new()).collect();
    for b in &mut batches {
        for (j, c) in std::mem::take(&mut b.cols).into_iter().enumerate() {
            if let Builder::Cat(_, l) = c {
                levels.get_mut(j)?.push(*l);
            }
        }
    }
    let mut batches = batches.into_iter();
    let mut batch = batches.next()?;
    let (joined, appended) = rayon::join(
        || {
            cols.par_iter_mut()
                .zip(levels)
                .map(|(col, levels)| join_rows(col, levels, &caps, &rows))
                .collect::<Option<Vec<()>>>()
        },
        || batch.append_rows_of(batches.collect()),
    );
    joined?;
    appended?;
    batch.cols = cols;
    Some(batch)
}

/// Splits `v` into the rows of each chunk (`caps[k]` rows for chunk `k`), pushing
/// chunk `k`'s as `out(rows)` onto `outs[k]`.
fn split_rows<'o, T>(
    v: &'o mut [T],
    caps: &[usize],
    outs: &mut [Vec<Out<'o>>],
    out: fn(&'o mut [T]) -> Out<'o>,
) {
    let mut rest = v;
    for (&cap, o) in caps.iter().zip(outs) {
        let (mine, more) = rest.split_at_mut(cap.min(rest.len()));
        o.push(out(mine));
        rest = more;
    }
}

/// Joins a column whose chunk `k` wrote `rows[k]` of its `caps[k]` rows: categorical
/// codes renumbered to the levels absorbed in chunk order (`levels`: each chunk's),
/// then the rows moved up over the unused ones. None when the levels pass
/// [`MAX_LEVELS`] together.
fn join_rows(
    col: &mut Builder,
    levels: Vec<Interner>,
    caps: &[usize],
    rows: &[usize],
) -> Option<()> {
    match col {
        Builder::Num(v) => move_up(v, caps, rows),
        Builder::Cat(codes, all) => {
            let mut levels = levels.into_iter();
            **all = levels.next()?;
            let mut at = caps.first().copied()?;
            for ((theirs, &cap), &n) in levels.zip(&caps[1..]).zip(&rows[1..]) {
                let remap = all.absorb(&theirs, MAX_LEVELS)?;
                for c in codes.get_mut(at..at + n)? {
                    if *c != MISSING_LEVEL {
                        *c = *remap.get(*c as usize)?;
                    }
                }
                at += cap;
            }
            move_up(codes, caps, rows);
        }
    }
    Some(())
}

/// Moves the `rows[k]` rows at the start of each chunk's `caps[k]` up against the
/// rows before them, and drops the rest.
fn move_up<T: Copy>(v: &mut Vec<T>, caps: &[usize], rows: &[usize]) {
    let (mut from, mut to) = (0, 0);
    for (&cap, &n) in caps.iter().zip(rows) {
        if from != to {
            v.copy_within(from..from + n, to);
        }
        to += n;
        from += cap;
    }
    v.truncate(to);
}

/// The chunk boundaries: `start`, the cuts (each just after the first LF at or after
/// `start + k · len / n`, increasing), and `bytes.len()`.
fn cuts(bytes: &[u8], start: usize, n: usize) -> Vec<usize> {
    let len = bytes.len() - start;
    let mut cuts = vec![start];
    for k in 1..n.max(1) {
        let from = (start + k * (len / n)).max(*cuts.last().unwrap_or(&start));
        match bytes[from..].iter().position(|&b| b == b'\n') {
            Some(i) if from + i + 1 < bytes.len() => {
                if from + i + 1 > *cuts.last().unwrap_or(&start) {
                    cuts.push(from + i + 1);
                }
            }
            _ => break,
        }
    }
    cuts.push(bytes.len());
    cuts
}

/// The line ends of `piece` (as [`count_line_ends`] counts them) and whether it is
/// plain: no `"` and no CR (then its line ends are its LFs). One pass over plain
/// bytes, 64 at a time (so the tests vectorise).
fn survey(piece: &[u8]) -> (u64, bool) {
    let (mut lf, mut other) = (0u64, 0u8);
    let mut blocks = piece.chunks_exact(64);
    let mut count = |block: &[u8]| {
        let (mut n, mut o) = (0u8, 0u8);
        for &b in block {
            n += u8::from(b == b'\n');
            o |= u8::from(b == b'"') | u8::from(b == b'\r');
        }
        lf += u64::from(n);
        other |= o;
    };
    for block in &mut blocks {
        count(block);
    }
    count(blocks.remainder());
    if other == 0 {
        (lf, true)
    } else {
        (count_line_ends(piece), false)
    }
}

/// Parses one chunk starting on physical line `line`, holding `line_ends` line ends
/// (a chunk of a file that has quotes or CRs), into a flushed batch; None when it meets
/// an error or (not the last chunk) does not end between records.
fn chunk(
    piece: &[u8],
    plan: &Plan,
    opts: &CsvOptions,
    (line, line_ends): (u64, u64),
    last: bool,
) -> Option<Batch> {
    // A record per line end, plus an unterminated last one.
    let batch = Batch::for_text(plan, line_ends as usize + 1, piece);
    if has_quote(piece) {
        chunk_scanned(batch, piece, plan, opts, line, last)
    } else {
        chunk_unquoted(batch, piece, plan, opts, line)
    }
}

/// Whether `bytes` hold a `"` (in blocks, so the test vectorises).
fn has_quote(bytes: &[u8]) -> bool {
    bytes
        .chunks(64)
        .any(|c| c.iter().fold(false, |q, &b| q | (b == b'"')))
}

/// [`chunk`] for a chunk with quotes: through a [`RecordLimit`], whose scan of the
/// csv grammar gives each record's line and tells whether the chunk ends between
/// records.
fn chunk_scanned(
    mut batch: Batch,
    piece: &[u8],
    plan: &Plan,
    opts: &CsvOptions,
    line: u64,
    last: bool,
) -> Option<Batch> {
    let limit = RecordLimit::starting_at(piece, plan.delimiter, line);
    let mut lines = Lines::of_starts(limit.starts());
    let mut reader = ReaderBuilder::new()
        .delimiter(plan.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(limit);
    let mut rec = ByteRecord::new();
    let policy = opts.on_bad_cell;
    while reader.read_byte_record(&mut rec).ok()? {
        let line = lines.of(&rec);
        batch.push(plan, policy, &rec, line).ok()?;
    }
    batch.flush(plan, policy).ok()?;
    (last || reader.get_ref().at_record_start()).then_some(batch)
}

/// [`chunk`] for a chunk without quotes that holds a CR, through the csv parser: every line end in it ends a record (or a
/// blank line), so the chunk ends between records, a record's line is the chunk's
/// first line plus the line ends before the record's first byte, and a record's
/// length is its line's. A record near [`MAX_RECORD_BYTES`] (an error, or close to
/// one) gives None: the sequential reader decides.
fn chunk_unquoted(
    mut batch: Batch,
    piece: &[u8],
    plan: &Plan,
    opts: &CsvOptions,
    line: u64,
) -> Option<Batch> {
    let policy = opts.on_bad_cell;
    let mut reader = ReaderBuilder::new()
        .delimiter(plan.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(piece);
    let mut rec = ByteRecord::new();
    // The line of byte `counted` of the piece: a record's end (after its line end)
    // or its first byte (never a line end, so a CRLF is never split between two
    // counts). Each record's bytes are counted when they hold a line end that may not
    // be its terminator: a CR (lone, or of a CRLF).
    let has_cr = piece.contains(&b'\r');
    let (mut counted, mut at_line) = (0usize, line);
    while reader.read_byte_record(&mut rec).ok()? {
        let pos = rec.position()?.byte() as usize;
        // The parser's position is before the blank lines it skipped.
        let first = pos
            + piece[pos..]
                .iter()
                .position(|&b| b != b'\n' && b != b'\r')
                .unwrap_or(piece.len() - pos);
        at_line += count_line_ends(&piece[counted..first]);
        counted = first;
        let rec_line = at_line;
        if !has_cr {
            // One line: the record and its LF; the next count starts after them.
            let end = reader.position().byte() as usize;
            if end > first && piece[end - 1] == b'\n' {
                counted = end;
                at_line += 1;
            }
        }
        if rec.as_slice().len() + rec.len() >= MAX_RECORD_BYTES {
            return None;
        }
        batch.push(plan, policy, &rec, rec_line).ok()?;
    }
    batch.flush(plan, policy).ok()?;
    Some(batch)
}

#[cfg(test)]
mod tests {
    use super::super::options::{BadCellPolicy, BadLabelPolicy};
    use super::super::reader::read_bytes;
    use super::*;

    /// Chunk counts tried beside the sequential read (1): from two chunks to more
    /// chunks than most test files have rows.
    const CHUNKS: [usize; 6] = [2, 3, 4, 7, 16, 64];

    fn loc() -> Location {
        Location::file("t.csv")
    }

    /// The table and report, or the error, of a read in `n` chunks, as text (every
    /// field: schema, columns, labels, weights, ids, report; the error's message and
    /// location).
    fn read(bytes: &[u8], opts: &CsvOptions, n: usize) -> String {
        format!("{:?}", read_bytes(bytes, &loc(), opts, n))
    }

    /// Whether a read in `n` chunks parses them all in parallel: no fallback to the
    /// sequential reader (a table, or an error found after the parallel pass).
    fn parallel(bytes: &[u8], opts: &CsvOptions, n: usize) -> bool {
        !matches!(super::read(bytes, &loc(), opts, n), Ok(None))
    }

    /// Asserts that every chunking reads `bytes` as the sequential reader does; returns
    /// the sequential result (as text) and whether the parallel pass ran (did not fall
    /// back) in 4 chunks.
    fn same(bytes: &[u8], opts: &CsvOptions, what: &str) -> (String, bool) {
        let seq = read(bytes, opts, 1);
        for n in CHUNKS {
            assert_eq!(seq, read(bytes, opts, n), "{what}: {n} chunks");
        }
        (seq, parallel(bytes, opts, 4))
    }

    #[test]
    fn every_dataset_reads_as_sequentially_in_any_number_of_chunks() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets");
        let cases = [
            ("isp-train.csv", CsvOptions::new("churn").id_column("id")),
            ("isp-test.csv", CsvOptions::new("churn").id_column("id")),
            (
                "orange-telecom-churn-train.csv",
                CsvOptions::new("Churn").categorical(["Area code"]),
            ),
            ("orange-telecom-churn-test.csv", CsvOptions::new("Churn")),
            (
                "synthetic-churn.csv",
                CsvOptions::new("status").id_column("customer_id"),
            ),
            (
                "telco-customer-churn.csv",
                CsvOptions::new("Churn").id_column("customerID"),
            ),
            (
                "telco-train.csv",
                CsvOptions::new("Churn").id_column("customerID"),
            ),
            (
                "telco-test.csv",
                CsvOptions::new("Churn")
                    .drop_columns(["customerID"])
                    .on_bad_cell(BadCellPolicy::Missing),
            ),
        ];
        for (name, opts) in cases {
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let (seq, ran) = same(&bytes, &opts, name);
            assert!(seq.starts_with("Ok("), "{name}: {seq}");
            assert!(ran, "{name}: the parallel pass fell back");
        }
    }

    /// A file with columns `id`, `a` (categorical: 50 levels first seen all over the
    /// file), `b` (declared numeric), `c` (numeric by inference), `w` (weight), `churn`;
    /// `edit` changes row `r`'s cells. Lines end with LF.
    fn file(rows: usize, edit: impl Fn(usize, &mut Vec<String>)) -> String {
        let mut s = String::from("id,a,b,c,w,churn\n");
        for r in 0..rows {
            let mut cells = vec![
                format!("c{r}"),
                format!("L{}", (r * 7919 + r / 3) % 50),
                format!("{}", r % 17),
                format!("{}.5", r % 5),
                "1".to_string(),
                ["Yes", "No", "yes"][r % 3].to_string(),
            ];
            edit(r, &mut cells);
            s.push_str(&cells.join(","));
            s.push('\n');
        }
        s
    }

    fn opts() -> CsvOptions {
        CsvOptions::new("churn")
            .id_column("id")
            .numeric(["b"])
            .weight_column("w")
    }

    type Edit = Box<dyn Fn(usize, &mut Vec<String>)>;

    /// Cases whose cells every policy reads (no error under the lenient policies).
    fn awkward_cases() -> Vec<(&'static str, Edit)> {
        vec![
            ("clean", Box::new(|_, _| {})),
            (
                "quoted fields with delimiters and quotes",
                Box::new(|r, c| {
                    if r % 7 == 0 {
                        c[1] = "\"big, \"\"gold\"\" plan\"".into();
                    }
                }),
            ),
            (
                "missing values and tokens",
                Box::new(|r, c| match r % 11 {
                    0 => c[1] = "NA".into(),
                    3 => c[2] = " ".into(),
                    5 => c[3] = "?".into(),
                    _ => {}
                }),
            ),
            (
                "bad numeric cells in the declared and the inferred column",
                Box::new(|r, c| match r % 97 {
                    10 => c[2] = "oops".into(),
                    50 => c[3] = "n/a?".into(),
                    _ => {}
                }),
            ),
            (
                "an inferred column that is text (a second pass)",
                Box::new(|r, c| {
                    if r % 4 == 0 {
                        c[3] = format!("t{r}");
                    }
                }),
            ),
            (
                "missing and unknown labels",
                Box::new(|r, c| match r % 53 {
                    7 => c[5] = String::new(),
                    20 => c[5] = "maybe".into(),
                    30 => c[5] = "NA".into(),
                    _ => {}
                }),
            ),
            (
                "levels only in the last rows",
                Box::new(|r, c| {
                    if r % 10 == 9 {
                        c[1] = format!("late-{}", r % 3);
                    }
                }),
            ),
        ]
    }

    /// The line-end and framing variants of a file.
    fn variants(s: &str) -> Vec<(&'static str, Vec<u8>)> {
        let mut blank = String::new();
        for (k, l) in s.split_inclusive('\n').enumerate() {
            blank.push_str(l);
            if k % 9 == 4 {
                blank.push_str("\n\r\n");
            }
        }
        vec![
            ("LF", s.as_bytes().to_vec()),
            ("CRLF", s.replace('\n', "\r\n").into_bytes()),
            ("BOM", [b"\xEF\xBB\xBF".as_slice(), s.as_bytes()].concat()),
            (
                "BOM and CRLF",
                [
                    b"\xEF\xBB\xBF".as_slice(),
                    s.replace('\n', "\r\n").as_bytes(),
                ]
                .concat(),
            ),
            ("lone CR", s.replace('\n', "\r").into_bytes()),
            ("blank lines", blank.into_bytes()),
            ("no final line end", s.trim_end().as_bytes().to_vec()),
        ]
    }

    #[test]
    fn awkward_files_read_as_sequentially_under_every_policy() {
        let strict = opts();
        let lenient = opts()
            .on_bad_cell(BadCellPolicy::Missing)
            .on_bad_label(BadLabelPolicy::Skip);
        let mut read_ok = 0;
        for (what, edit) in &awkward_cases() {
            for rows in [1, 2, 3, 10, 500, 3000] {
                let s = file(rows, edit);
                for (framing, bytes) in variants(&s) {
                    for (p, o) in [("strict", &strict), ("lenient", &lenient)] {
                        let what = format!("{what}, {rows} rows, {framing}, {p}");
                        let (seq, ran) = same(&bytes, o, &what);
                        if seq.starts_with("Ok(") {
                            read_ok += 1;
                        }
                        // Lenient reads of these cases have no error: the chunks are
                        // parsed in parallel and merged (no fallback), except for
                        // the one chunk a file without LF has (read all the same).
                        if p == "lenient" && framing != "lone CR" && rows >= 500 {
                            assert!(ran, "{what}: fell back");
                            assert!(seq.starts_with("Ok("), "{what}: {seq}");
                        }
                    }
                }
            }
        }
        assert!(read_ok > 100, "{read_ok}");
    }

    /// Number texts of every shape: the plain ones the direct pass parses while
    /// splitting, their neighbours it hands to `cell::number`, and non-numbers.
    const NUMBER_TEXTS: [&str; 44] = [
        "0",
        "-0",
        "-0.0",
        "+1",
        ".5",
        "5.",
        "-.5",
        "-",
        "1e3",
        "1E-2",
        "-2.5e+3",
        "inf",
        "-inf",
        "NaN",
        "nan",
        "infinity",
        "1e309",
        "4.9e-324",
        "123456789012345",
        "1234567890123456",
        "99999999999999999999",
        "0.1234567890123456789",
        "12345678.9012345",
        "007.50",
        " 3.5",
        "3.5 ",
        "\t7",
        " ",
        "",
        "NA",
        "?",
        "null",
        "1.2.3",
        "--1",
        "1-",
        "0x10",
        "1_000",
        "12abc",
        "-999",
        "9",
        "2.675",
        "0.3",
        "-1.5",
        "\u{663}",
    ];

    /// Level texts around the 16 bytes a raw cell is looked up by, with whitespace,
    /// missing tokens and a NUL byte.
    const LEVEL_TEXTS: [&str; 14] = [
        "",
        " ",
        "NA",
        "na",
        "a",
        " a ",
        "a\0",
        "fifteen_bytes__",
        "sixteen_bytes___",
        " sixteen_bytes__",
        "seventeen_bytes__",
        "-999",
        "12",
        "\u{fc}n\u{ef}",
    ];

    #[test]
    fn plain_chunks_read_every_cell_form_as_the_csv_path_does() {
        // The declared column `b` holds every number text (bad ones read as missing
        // under the lenient policy, counted in the report); the inferred column `c` a
        // few, so it stays numeric; `a` every level text; `w` and the label plain.
        // With "-999" a missing token, a cell starting with '-' may be missing.
        let s = file(3000, |r, c| {
            c[1] = LEVEL_TEXTS[(r * 7) % LEVEL_TEXTS.len()].to_string();
            c[2] = NUMBER_TEXTS[r % NUMBER_TEXTS.len()].to_string();
            if r % 29 == 0 {
                c[3] = NUMBER_TEXTS[(r / 29) % NUMBER_TEXTS.len()].to_string();
            }
        });
        let lenient = opts()
            .on_bad_cell(BadCellPolicy::Missing)
            .on_bad_label(BadLabelPolicy::Skip);
        let tokens = lenient.clone().missing_tokens(["-999", "NA", "12"]);
        for (what, o) in [
            ("default tokens", &lenient),
            ("tokens -999, NA, 12", &tokens),
        ] {
            let (seq, ran) = same(s.as_bytes(), o, what);
            assert!(seq.starts_with("Ok("), "{what}: {seq}");
            assert!(ran, "{what}: the parallel pass fell back");
            let (t, r) = read_bytes(s.as_bytes(), &loc(), o, 4).unwrap();
            assert!(t.schema().features[1].is_numeric() && t.schema().features[2].is_numeric());
            assert!(r.bad_cells.iter().any(|b| b.column == "b"), "{what}");
        }
        // Under the error policy, the first bad cell of `b` (row 3, "+1" is a number;
        // ".5" too; row 7 "-": line 9) is the error, from the sequential reader.
        let (seq, _) = same(s.as_bytes(), &opts(), "strict");
        assert!(seq.starts_with("Err("), "{seq}");
        let e = read_bytes(s.as_bytes(), &loc(), &opts(), 4).unwrap_err();
        assert!(e.to_string().contains("line 9"), "{e}");
        assert!(seq.contains("value: \"-\""), "{seq}");
    }

    #[test]
    fn plain_chunks_read_numbers_bit_for_bit_as_the_csv_path_does() {
        // Random plain decimals (up to 17 digits, so both sides of the 15-digit fast
        // path) in the inferred column: the values are compared as bits.
        // SplitMix64 of the row: a fixed pseudo-random value per row.
        let mix = |r: usize| {
            let mut z = (r as u64)
                .wrapping_add(1)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let s = file(5000, |r, c| {
            let v = mix(r);
            let digits = (v % 17) as usize + 1;
            let mut t: String = (0..digits)
                .map(|k| char::from(b'0' + ((v >> (k * 3)) % 10) as u8))
                .collect();
            let dot = ((v >> 40) % (digits as u64 + 1)) as usize;
            if dot > 0 && dot < digits {
                t.insert(dot, '.');
            }
            if v >> 63 == 1 {
                t.insert(0, '-');
            }
            c[3] = t;
        });
        let (seq, ran) = same(s.as_bytes(), &opts(), "random decimals");
        assert!(ran && seq.starts_with("Ok("), "{seq}");
        let (a, _) = read_bytes(s.as_bytes(), &loc(), &opts(), 1).unwrap();
        let (b, _) = read_bytes(s.as_bytes(), &loc(), &opts(), 8).unwrap();
        let bits = |t: &crate::data::Table| -> Vec<u64> {
            match &t.columns()[2] {
                crate::data::Column::Numeric(v) => v.iter().map(|x| x.to_bits()).collect(),
                _ => Vec::new(),
            }
        };
        assert_eq!(bits(&a).len(), 5000);
        assert_eq!(bits(&a), bits(&b));
    }

    #[test]
    fn plain_chunks_with_blank_lines_move_their_rows_up() {
        // LF-only blank lines (plain chunks, each holding fewer records than line
        // feeds): the rows written after each chunk's gap are moved up, and the lines
        // of later rows count the blank ones. Also a file ending without a line feed,
        // and one ending with blank lines.
        let s = file(3000, |r, c| {
            if r % 101 == 7 {
                c[2] = "bad".into();
            }
        });
        let mut blank = String::new();
        for (k, l) in s.split_inclusive('\n').enumerate() {
            blank.push_str(l);
            if k % 13 == 5 || (1200..1300).contains(&k) {
                blank.push('\n');
            }
        }
        let lenient = opts()
            .on_bad_cell(BadCellPolicy::Missing)
            .on_bad_label(BadLabelPolicy::Skip);
        for (what, text) in [
            ("blank lines", blank.clone()),
            ("no final line feed", blank.trim_end().to_string()),
            ("blank lines at the end", format!("{blank}\n\n\n")),
        ] {
            let (seq, ran) = same(text.as_bytes(), &lenient, what);
            assert!(ran, "{what}: fell back: {seq}");
            // Strict: the first bad cell (an error: the sequential reader's).
            let (seq, _) = same(text.as_bytes(), &opts(), what);
            assert!(seq.contains("line: Some(10)"), "{what}: {seq}");
            let (t, r) = read_bytes(text.as_bytes(), &loc(), &lenient, 4).unwrap();
            assert_eq!(t.n_rows(), 3000, "{what}");
            // Row 7 is on line 10 (the header, rows 0-7, one blank line after row 4).
            assert_eq!(r.bad_cells[0].lines[0], 10, "{what}");
        }
    }

    #[test]
    fn plain_chunks_with_errors_fall_back_to_the_sequential_error() {
        // Each error the direct pass meets (the level limit, non-UTF-8 in a level, an
        // id or a label, a bad weight, too few or too many fields, a bad declared cell)
        // gives the sequential reader's error and line.
        type Edit = Box<dyn Fn(usize, &mut Vec<String>)>;
        let cases: Vec<(&str, Edit)> = vec![
            (
                "non-UTF-8 id",
                Box::new(|r, c| {
                    if r == 2100 {
                        c[0] = "~".into()
                    }
                }),
            ),
            (
                "non-UTF-8 label",
                Box::new(|r, c| {
                    if r == 2100 {
                        c[5] = "~".into()
                    }
                }),
            ),
            (
                "non-UTF-8 short level",
                Box::new(|r, c| {
                    if r == 2100 {
                        c[1] = "a~".into()
                    }
                }),
            ),
            (
                "a negative weight",
                Box::new(|r, c| {
                    if r == 2100 {
                        c[4] = "-1".into()
                    }
                }),
            ),
            (
                "a text weight",
                Box::new(|r, c| {
                    if r == 2100 {
                        c[4] = "w".into()
                    }
                }),
            ),
            (
                "too few fields",
                Box::new(|r, c| {
                    if r == 2100 {
                        c.pop();
                    }
                }),
            ),
            (
                "too many fields",
                Box::new(|r, c| {
                    if r == 2100 {
                        c.push("x".into())
                    }
                }),
            ),
            (
                "an empty last field too many",
                Box::new(|r, c| {
                    if r == 2100 {
                        c.push(String::new())
                    }
                }),
            ),
            (
                "a bad declared cell",
                Box::new(|r, c| {
                    if r == 2100 {
                        c[2] = "1e".into()
                    }
                }),
            ),
            (
                "inf in a declared cell",
                Box::new(|r, c| {
                    if r == 2100 {
                        c[2] = "inf".into()
                    }
                }),
            ),
        ];
        for (what, edit) in &cases {
            let s = file(3000, edit);
            let bytes: Vec<u8> = s
                .bytes()
                .map(|b| if b == b'~' { 0xff } else { b })
                .collect();
            let (seq, _) = same(&bytes, &opts(), what);
            assert!(seq.starts_with("Err("), "{what}: {seq}");
            assert!(seq.contains("line: Some(2102)"), "{what}: {seq}");
        }
    }

    #[test]
    fn reports_merge_counts_and_first_lines_across_chunks() {
        // Bad cells and bad labels all over the file: the report's counts add up over
        // the chunks and its first lines are the file's first ones (absolute lines).
        let s = file(3000, |r, c| {
            if r % 97 == 10 {
                c[2] = format!("bad{r}");
            }
            if r % 89 == 3 {
                c[5] = "maybe".into();
            }
        });
        let o = opts()
            .on_bad_cell(BadCellPolicy::Missing)
            .on_bad_label(BadLabelPolicy::Skip);
        let (_, report) = read_bytes(s.as_bytes(), &loc(), &o, 16).unwrap();
        let bad = &report.bad_cells[0];
        assert_eq!(bad.column, "b");
        assert_eq!(bad.count, (0..3000).filter(|r| r % 97 == 10).count());
        // Row r is on line r + 2.
        let first: Vec<u64> = (0..3000u64)
            .filter(|r| r % 97 == 10)
            .take(REPORTED)
            .map(|r| r + 2)
            .collect();
        assert_eq!(bad.lines, first);
        assert_eq!(bad.first_value, "bad10");
        assert_eq!(
            report.skipped_rows,
            (0..3000).filter(|r| r % 89 == 3).count()
        );
        assert_eq!(report.skipped_lines[..2], [5, 94]);
        assert_eq!(report.rows, 3000 - report.skipped_rows);
        assert!(parallel(s.as_bytes(), &o, 16));
    }

    const REPORTED: usize = super::super::options::REPORTED_LINES;

    #[test]
    fn hostile_inputs_give_the_sequential_error_at_the_same_line() {
        let strict = opts();
        let cases: Vec<(&str, Edit)> = vec![
            (
                "text in the declared column late in the file",
                Box::new(|r, c| {
                    if r == 2500 {
                        c[2] = "oops".into();
                    }
                }),
            ),
            (
                "a bad inferred cell (the error after the pass, from merged tallies)",
                Box::new(|r, c| {
                    if r == 2900 || r == 1200 {
                        c[3] = "zz".into();
                    }
                }),
            ),
            (
                "a ragged row",
                Box::new(|r, c| {
                    if r == 1700 {
                        c.push("extra".into());
                    }
                }),
            ),
            (
                "non-UTF-8 in a level",
                Box::new(|r, c| {
                    if r == 2222 {
                        c[1] = "~".into();
                    }
                }),
            ),
            (
                "a bad weight",
                Box::new(|r, c| {
                    if r == 1999 {
                        c[4] = "-2".into();
                    }
                }),
            ),
            (
                "an unknown label (after the pass, from the merged labels)",
                Box::new(|r, c| {
                    if r == 2800 {
                        c[5] = "maybe".into();
                    }
                }),
            ),
            (
                "a missing label",
                Box::new(|r, c| {
                    if r == 2801 {
                        c[5] = "?".into();
                    }
                }),
            ),
            (
                "errors in several chunks",
                Box::new(|r, c| match r {
                    900 => c[2] = "one".into(),
                    2000 => c.push("two".into()),
                    2700 => c[1] = "~".into(),
                    _ => {}
                }),
            ),
            ("one class only", Box::new(|_, c| c[5] = "No".into())),
            (
                "non-UTF-8 in an inferred column that is text (an error of the second pass)",
                Box::new(|r, c| match r {
                    2600 => c[3] = "~".into(),
                    _ if r % 4 == 0 => c[3] = format!("t{r}"),
                    _ => {}
                }),
            ),
        ];
        for (what, edit) in &cases {
            let s = file(3000, edit);
            let bytes: Vec<u8> = s
                .bytes()
                .map(|b| if b == b'~' { 0xff } else { b })
                .collect();
            for (framing, bytes) in [
                ("LF", bytes.clone()),
                ("CRLF", crlf(&bytes)),
                ("BOM", [b"\xEF\xBB\xBF".as_slice(), &bytes].concat()),
            ] {
                let (seq, _) = same(&bytes, &strict, &format!("{what}, {framing}"));
                assert!(seq.starts_with("Err("), "{what}: {seq}");
                // The line is the file's (the header is line 1, no blank lines).
                if let Err(e) = read_bytes(&bytes, &loc(), &strict, 7) {
                    assert!(e.to_string().contains("t.csv"), "{e}");
                }
            }
        }
        // The line of the first error, checked outright once.
        let s = file(3000, |r, c| {
            if r == 2500 {
                c[2] = "oops".into();
            }
        });
        let e = read_bytes(s.as_bytes(), &loc(), &strict, 16).unwrap_err();
        assert!(e.to_string().contains("line 2502"), "{e}");
        // Structural errors before the data: the sequential reader's.
        for bad in [
            &b""[..],
            b"id,a,b,c,w,churn\n",
            b"id,a,a,c,w,churn\nx,1,1,1,1,Yes\n",
            b"PAR1\x15\x04rest",
            b"id,a,b,c,w\n1,2,3,4,5\n",
        ] {
            let seq = read(bad, &strict, 1);
            assert!(seq.starts_with("Err("), "{seq}");
            for n in CHUNKS {
                assert_eq!(seq, read(bad, &strict, n));
            }
        }
    }

    fn crlf(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len() * 2);
        for &b in bytes {
            if b == b'\n' {
                out.push(b'\r');
            }
            out.push(b);
        }
        out
    }

    #[test]
    fn a_cut_inside_a_quoted_field_falls_back_and_reads_the_same() {
        // Every row's level spans three lines inside quotes: most cuts fall inside a
        // quoted field, which the chunk's own scan sees (it ends inside the quotes).
        let s = file(2000, |r, c| {
            c[1] = format!("\"level\n{}\nend, \"\"q\"\"\"", r % 5);
        });
        let (seq, ran) = same(s.as_bytes(), &opts(), "quoted line breaks");
        assert!(seq.starts_with("Ok("), "{seq}");
        assert!(!ran, "a cut inside quotes must fall back");
        // Quoted line breaks that no cut meets: read in parallel.
        let few = file(2000, |r, c| {
            if r == 0 {
                c[1] = "\"multi\nline\"".into();
            }
        });
        let (seq, ran) = same(few.as_bytes(), &opts(), "one quoted line break");
        assert!(seq.starts_with("Ok("), "{seq}");
        assert!(ran);
        // The lines after it are counted with it: a bad cell after it names its line
        // (row r on line r + 3).
        let late = file(2000, |r, c| match r {
            0 => c[1] = "\"multi\nline\"".into(),
            1500 => c[2] = "x".into(),
            _ => {}
        });
        let lenient = opts().on_bad_cell(BadCellPolicy::Missing);
        let (_, report) = read_bytes(late.as_bytes(), &loc(), &lenient, 8).unwrap();
        assert_eq!(report.bad_cells[0].lines, [1503]);
        assert!(parallel(late.as_bytes(), &lenient, 8));
    }

    #[test]
    fn kinds_guessed_from_a_sample_are_checked_over_the_whole_file() {
        // Column `c` (inferred): numbers in the sample, text later (switched: re-read
        // as text); column `a`: text in the sample, numbers later (a wrong guess:
        // re-read as numbers, its few text cells bad under each policy).
        let s = file(20_000, |r, c| {
            if r > 5000 && r % 4 == 0 {
                c[3] = format!("t{r}");
            }
            if r >= 600 {
                c[1] = if r % 500 == 0 {
                    "x".into()
                } else {
                    format!("{}", r % 7)
                };
            }
            if r % 101 == 7 {
                c[2] = "bad".into();
            }
        });
        let lenient = opts().on_bad_cell(BadCellPolicy::Missing);
        let (plan, start) = header(s.as_bytes(), &loc(), &lenient).unwrap();
        assert_eq!(
            guess_text(s.as_bytes(), start, &plan, &lenient),
            [true, false, false]
        );
        let (seq, ran) = same(s.as_bytes(), &lenient, "guesses, lenient");
        assert!(ran, "{seq}");
        let (t, r) = read_bytes(s.as_bytes(), &loc(), &lenient, 8).unwrap();
        assert!(t.schema().features[0].is_numeric(), "a: numbers after all");
        assert!(!t.schema().features[2].is_numeric(), "c: text after all");
        let bad: Vec<(&str, usize)> = r
            .bad_cells
            .iter()
            .map(|b| (b.column.as_str(), b.count))
            .collect();
        assert_eq!(bad, [("a", 600 + 38), ("b", 198)]);
        // Strict: the first bad cell of `b` (row 7, line 9), as sequentially.
        let (seq, _) = same(s.as_bytes(), &opts(), "guesses, strict");
        assert!(seq.contains("line: Some(9)"), "{seq}");
        // Strict, `b` clean: the first text cell of `a` (row 0, line 2), found after
        // the pass from the re-read column's tallies.
        let clean = s.replace(",bad,", ",1,");
        let (seq, ran) = same(clean.as_bytes(), &opts(), "guesses, strict, b clean");
        assert!(ran);
        assert!(seq.contains("line: Some(2)"), "{seq}");
    }

    #[test]
    fn a_header_spanning_lines_starts_the_data_where_the_sequential_reader_does() {
        // A quoted column name holding the delimiter, a quote and line breaks (LF, then
        // CRLF): the first data row is on line 4, after a BOM.
        let s = file(3000, |r, c| {
            if r == 1234 {
                c[2] = "oops".into();
            }
        });
        let body = s.split_once('\n').unwrap().1;
        for (eol, header) in [
            ("LF", "id,\"a, \"\"q\"\"\nz\ny\",b,c,w,churn\n"),
            ("CRLF", "id,\"a, \"\"q\"\"\r\nz\r\ny\",b,c,w,churn\r\n"),
        ] {
            let bytes = [
                b"\xEF\xBB\xBF".as_slice(),
                header.as_bytes(),
                body.as_bytes(),
            ]
            .concat();
            let lenient = opts().on_bad_cell(BadCellPolicy::Missing);
            let (seq, ran) = same(&bytes, &lenient, eol);
            assert!(ran && seq.starts_with("Ok("), "{eol}: {seq}");
            let (t, r) = read_bytes(&bytes, &loc(), &lenient, 8).unwrap();
            assert_eq!(
                t.schema().features[0].name,
                "a, \"q\"\nz\ny".replace('\n', if eol == "LF" { "\n" } else { "\r\n" })
            );
            // Row 1234 is on line 1234 + 4.
            assert_eq!(r.bad_cells[0].lines, [1238]);
        }
    }

    #[test]
    fn cuts_fall_after_line_feeds_and_increase() {
        let s = file(100, |_, _| {});
        let b = s.as_bytes();
        let start = s.find('\n').unwrap() + 1;
        for n in [1, 2, 5, 100, 1000] {
            let c = cuts(b, start, n);
            assert_eq!(c[0], start);
            assert_eq!(*c.last().unwrap(), b.len());
            assert!(c.len() - 1 <= n.max(1));
            assert!(c.windows(2).all(|w| w[0] < w[1]), "{n}: {c:?}");
            assert!(c[1..c.len() - 1].iter().all(|&k| b[k - 1] == b'\n'));
        }
        assert_eq!(cuts(b, start, 5).len(), 6);
        // No data: one empty chunk.
        assert_eq!(cuts(b"h\n", 2, 4), [2, 2]);
    }
}
