//! Streaming a large CSV as chunks of rows: [`CsvChunks`].

use std::fs::File;
use std::io::Read;
use std::path::Path;

use ::csv::ByteRecord;

use super::batch::Batch;
use super::options::{CsvOptions, ReadReport};
use super::plan::{Kind, Mode, Plan};
use super::source::{Lines, Source, csv_error, io_error, open_source};
use crate::data::table::Table;
use crate::error::{Error, Location, Result};

/// One chunk of a [`CsvChunks`] stream: a table of at most `chunk_rows` rows, the file
/// line of each row, and what reading it found.
#[derive(Debug, Clone)]
pub struct CsvChunk {
    /// The rows (none when every row of the chunk was skipped for a bad label). Its
    /// categorical levels are the ones this chunk holds (a discretizer
    /// matches levels by text, so chunks encode consistently).
    pub table: Table,
    /// The 1-based file line of each row of `table`.
    pub lines: Vec<u64>,
    /// Skipped rows and cells read as missing in this chunk.
    pub report: ReadReport,
}

impl CsvChunk {
    /// The file line of the chunk's first row.
    pub fn first_line(&self) -> u64 {
        self.lines.first().copied().unwrap_or(0)
    }
}

/// A large CSV read as a stream of tables of at most `chunk_rows` rows each, in
/// constant memory (one chunk at a time).
///
/// Column kinds cannot be inferred from a stream, so they are fixed up front: columns
/// declared with [`CsvOptions::numeric`] or numeric in the schema given to
/// [`CsvOptions::with_schema_kinds`] are numbers, every other feature column is text.
/// The target's classes are fixed the same way (the schema's, [`CsvOptions::classes`],
/// the class map's, else `retained`, `churned`), so chunks with one class are fine.
/// A file without the target column (with [`CsvOptions::target_optional`]) gives
/// unlabeled chunks, ready to score.
///
/// ```no_run
/// use churnkit::data::{BadCellPolicy, CsvChunks, CsvOptions, read_csv};
///
/// let train = read_csv("train.csv", &CsvOptions::new("Churn"))?;
/// let opts = CsvOptions::new("Churn")
///     .with_schema_kinds(train.schema())
///     .target_optional(true)
///     .on_bad_cell(BadCellPolicy::Missing);
/// for chunk in CsvChunks::open("to_score.csv", &opts, 100_000)? {
///     let chunk = chunk?;
///     println!("{} rows from line {}", chunk.table.n_rows(), chunk.first_line());
/// }
/// # Ok::<(), churnkit::Error>(())
/// ```
pub struct CsvChunks {
    reader: Source<Box<dyn Read + Send>>,
    plan: Plan,
    opts: CsvOptions,
    chunk_rows: usize,
    record: ByteRecord,
    lines: Lines,
    rows_seen: usize,
    done: bool,
}

impl std::fmt::Debug for CsvChunks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvChunks")
            .field("source", &self.plan.location)
            .field("chunk_rows", &self.chunk_rows)
            .field("rows_seen", &self.rows_seen)
            .finish()
    }
}

impl CsvChunks {
    /// Opens a file as a stream of chunks of at most `chunk_rows` rows.
    pub fn open(path: impl AsRef<Path>, opts: &CsvOptions, chunk_rows: usize) -> Result<Self> {
        let path = path.as_ref();
        let location = Location::file(path);
        let file = File::open(path).map_err(|e| io_error(&location, e))?;
        Self::start(Box::new(file), location, opts, chunk_rows)
    }

    /// Reads a stream of chunks from any reader; `source_name` names it in errors.
    pub fn from_reader<R: Read + Send + 'static>(
        reader: R,
        source_name: &str,
        opts: &CsvOptions,
        chunk_rows: usize,
    ) -> Result<Self> {
        Self::start(
            Box::new(reader),
            Location::file(source_name),
            opts,
            chunk_rows,
        )
    }

    fn start(
        reader: Box<dyn Read + Send>,
        location: Location,
        opts: &CsvOptions,
        chunk_rows: usize,
    ) -> Result<Self> {
        opts.validate()?;
        if chunk_rows == 0 {
            return Err(Error::param("chunk_rows", 0, "must be at least 1"));
        }
        let (mut reader, delimiter) =
            open_source(reader, opts.delimiter, opts.delimiter_hint, &location)?;
        let mut lines = Lines::of_source(&reader);
        let plan = Plan::new(
            &mut reader,
            delimiter,
            &location,
            opts,
            Mode::Stream,
            &[],
            &mut lines,
        )?;
        Ok(CsvChunks {
            reader,
            plan,
            lines,
            opts: opts.clone(),
            chunk_rows,
            record: ByteRecord::new(),
            rows_seen: 0,
            done: false,
        })
    }

    /// The feature columns' names and whether each is read as numbers.
    pub fn feature_kinds(&self) -> Vec<(&str, bool)> {
        self.plan
            .features
            .iter()
            .map(|(_, n, k)| (n.as_str(), matches!(k, Kind::Numeric { .. })))
            .collect()
    }

    fn next_chunk(&mut self) -> Result<Option<CsvChunk>> {
        let mut batch = Batch::new(&self.plan, self.chunk_rows.min(1 << 16));
        while batch.len() < self.chunk_rows {
            let more = match self.reader.read_byte_record(&mut self.record) {
                Ok(more) => more,
                Err(e) => {
                    let e = csv_error(&self.plan.location, e);
                    return batch.fail(&self.plan, self.opts.on_bad_cell, e);
                }
            };
            if !more {
                self.done = true;
                break;
            }
            let line = self.lines.of(&self.record);
            batch.push(&self.plan, self.opts.on_bad_cell, &self.record, line)?;
        }
        if batch.len() == 0 {
            if self.rows_seen == 0 {
                return Err(Error::Csv {
                    location: self.plan.location.clone(),
                    message: "the file has a header but no data rows".into(),
                });
            }
            return Ok(None);
        }
        self.rows_seen += batch.len();
        let (table, report, lines) = batch.finish(&self.plan, &self.opts, Mode::Stream)?;
        Ok(Some(CsvChunk {
            table,
            lines,
            report,
        }))
    }
}

impl Iterator for CsvChunks {
    type Item = Result<CsvChunk>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_chunk() {
            Ok(Some(c)) => Some(Ok(c)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
