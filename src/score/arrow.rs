//! Scoring record batches (feature `arrow`): customers in an Arrow [`RecordBatch`] (or
//! a Parquet / Arrow IPC file, streamed batch by batch) scored into a `RecordBatch` of
//! scores (or a Parquet / Arrow IPC file), through the same header plan, pieces and
//! report as CSV batch scoring; the score row is [`score_fields`]', written typed.

use std::sync::Arc;

use arrow_array::builder::{Float64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field as ArrowField, Schema as ArrowSchema, SchemaRef};
use rayon::prelude::*;

use super::Scorer;
use super::batch::{
    BatchOptions, BatchReport, Field, OutputFormat, PIECE_ROWS, Piece, Progress, Sink, Tally,
    batch_plan, fmt_num, score_fields, score_piece, start_report, survival_columns,
};
use crate::data::DataFormat;
use crate::data::arrow::{BatchReader, Cells, Value, type_kind};
use crate::error::{Error, Location, Result};
use crate::output::AtomicFile;
use crate::policy::input::Record;

/// Scores every customer of `batch` (features matched by column name, as in a CSV's
/// header; a label column is ignored) into a record batch of scores with the columns
/// of CSV batch scoring (see [`score_csv`](crate::score::score_csv)), typed as
/// [`OutputFormat::Parquet`] says, in input order; with the [`BatchReport`].
///
/// Cells are read as the CSV scorer reads text: numbers and booleans as their text,
/// a null as an empty cell (missing); the model's input policy and the
/// [`BatchOptions`] (id column, missing tokens, skip bad rows, precision) apply.
/// [`BatchOptions::format`] and `input_format` are not used. Errors name the column
/// and the row as the `line` of a CSV export (data row 1 is line 2).
///
/// See [`data::arrow`](crate::data::arrow) for an example.
pub fn score_record_batch(
    scorer: &Scorer<'_>,
    batch: &RecordBatch,
    opts: &BatchOptions,
) -> Result<(RecordBatch, BatchReport)> {
    let opts = BatchOptions {
        format: OutputFormat::Arrow,
        ..opts.clone()
    };
    let mut sink = BatchSink {
        columns: ScoreColumns::new(scorer, opts.precision),
        writer: Writer::Memory(None),
    };
    let schema = batch.schema();
    let report = score_batches(
        scorer,
        &schema,
        std::iter::once(Ok(batch.clone())),
        &mut sink,
        &opts,
        &Location::file("record batch"),
    )?;
    sink.finish()?;
    match sink.writer {
        Writer::Memory(Some(b)) => Ok((b, report)),
        _ => Err(Error::Fit("scoring a record batch gave no output".into())),
    }
}

/// Scores a Parquet or Arrow IPC file into `sink`, one batch of
/// [`BatchOptions::chunk_rows`] rows at a time.
pub(super) fn score_batch_file(
    scorer: &Scorer<'_>,
    path: &std::path::Path,
    format: DataFormat,
    sink: &mut dyn Sink,
    opts: &BatchOptions,
) -> Result<BatchReport> {
    let reader = BatchReader::open(path, format, opts.chunk_rows)?;
    let schema = reader.schema().clone();
    let location = reader.location().clone();
    score_batches(scorer, &schema, reader, sink, opts, &location)
}

/// The batch loop: plan the schema's columns once, then per chunk of rows the text
/// of the columns the plan reads, scored in parallel pieces.
fn score_batches(
    scorer: &Scorer<'_>,
    schema: &SchemaRef,
    batches: impl Iterator<Item = Result<RecordBatch>>,
    sink: &mut dyn Sink,
    opts: &BatchOptions,
    location: &Location,
) -> Result<BatchReport> {
    if opts.chunk_rows == 0 {
        return Err(Error::param("chunk_rows", 0, "must be at least 1"));
    }
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let plan = batch_plan(scorer, &names, opts, location)?;
    let needed = plan.needed_fields();
    for &i in &needed {
        let t = schema.field(i).data_type();
        if type_kind(t).is_none() {
            return Err(Error::Schema {
                location: location.clone().at_column(names[i]),
                message: format!(
                    "the Arrow type {t} is not supported: churnkit reads integers, floats, decimals, text, booleans and dictionaries of them"
                ),
            });
        }
    }
    sink.header(scorer)?;
    let mut tally = Tally::new(scorer, start_report(scorer, &plan));
    let progress = |rows_done: u64| {
        if let Some(f) = &opts.progress {
            (f.0)(Progress {
                rows_done,
                bytes_done: 0,
                bytes_total: None,
            });
        }
    };
    progress(0);
    let mut row0: u64 = 0;
    for batch in batches {
        let batch = batch?;
        let n = batch.num_rows();
        let mut offset = 0;
        while offset < n {
            let len = opts.chunk_rows.min(n - offset);
            let chunk = batch.slice(offset, len);
            offset += len;
            let cols = text_columns(&chunk, &needed);
            let rows: Vec<ArrowRow<'_>> =
                (0..len).map(|row| ArrowRow { cols: &cols, row }).collect();
            let refs: Vec<&ArrowRow<'_>> = rows.iter().collect();
            let lines: Vec<Option<u64>> = (0..len as u64).map(|r| Some(row0 + r + 2)).collect();
            let numbers: Vec<u64> = (0..len as u64).map(|r| row0 + r + 1).collect();
            tally.report.rows_in += len as u64;
            let pieces: Vec<Result<Piece>> = refs
                .par_chunks(PIECE_ROWS)
                .zip(lines.par_chunks(PIECE_ROWS))
                .zip(numbers.par_chunks(PIECE_ROWS))
                .map(|((recs, ls), ns)| score_piece(scorer, &plan, recs, ls, ns, opts))
                .collect();
            tally.chunk(pieces, sink)?;
            row0 += len as u64;
            progress(row0);
        }
    }
    Ok(tally.finish(scorer))
}

/// One column's cells as text: borrowed from a text column, else written once.
enum TextCol<'a> {
    Borrowed(Cells<'a>),
    Written { text: String, ends: Vec<usize> },
}

impl TextCol<'_> {
    fn get(&self, row: usize) -> &str {
        match self {
            TextCol::Borrowed(c) => match c.get(row) {
                Value::Text(t) => t,
                _ => "",
            },
            TextCol::Written { text, ends } => {
                let start = if row == 0 { 0 } else { ends[row - 1] };
                &text[start..ends[row]]
            }
        }
    }
}

fn is_text(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_text(v),
        _ => false,
    }
}

/// The needed columns of `batch` as text (others None).
fn text_columns<'a>(batch: &'a RecordBatch, needed: &[usize]) -> Vec<Option<TextCol<'a>>> {
    let mut cols: Vec<Option<TextCol<'a>>> = (0..batch.num_columns()).map(|_| None).collect();
    for &i in needed {
        let array = batch.column(i);
        // Types were checked against the schema when the plan was made.
        let Some(cells) = Cells::of(array.as_ref()) else {
            continue;
        };
        cols[i] = Some(if is_text(array.data_type()) {
            TextCol::Borrowed(cells)
        } else {
            let mut text = String::new();
            let mut ends = Vec::with_capacity(cells.len());
            let mut buf = String::new();
            for r in 0..cells.len() {
                text.push_str(cells.get(r).text(&mut buf));
                ends.push(text.len());
            }
            TextCol::Written { text, ends }
        });
    }
    cols
}

/// One row of a record batch, as a [`Record`] for the header plan.
struct ArrowRow<'a> {
    cols: &'a [Option<TextCol<'a>>],
    row: usize,
}

impl Record for ArrowRow<'_> {
    fn field(&self, i: usize) -> Option<&str> {
        self.cols.get(i)?.as_ref().map(|c| c.get(self.row))
    }
}

/// The output columns of scores, filled row by row from [`score_fields`].
struct ScoreColumns {
    schema: SchemaRef,
    cols: Vec<Col>,
    precision: Option<usize>,
    survival_columns: Option<usize>,
}

enum Col {
    Text(StringBuilder),
    Num(Float64Builder),
}

/// True for the output columns that hold numbers.
fn numeric_column(name: &str) -> bool {
    name.starts_with("p_")
        || name.starts_with("weight_")
        || matches!(
            name,
            "rescue_success"
                | "clv"
                | "value_at_risk"
                | "spend_ceiling"
                | "median_remaining"
                | "rmst"
        )
}

impl ScoreColumns {
    fn new(scorer: &Scorer<'_>, precision: Option<usize>) -> Self {
        let header = scorer.output_header();
        let fields: Vec<ArrowField> = header
            .iter()
            .map(|h| {
                let t = if numeric_column(h) {
                    DataType::Float64
                } else {
                    DataType::Utf8
                };
                ArrowField::new(h, t, true)
            })
            .collect();
        let cols = fields
            .iter()
            .map(|f| match f.data_type() {
                DataType::Float64 => Col::Num(Float64Builder::new()),
                _ => Col::Text(StringBuilder::new()),
            })
            .collect();
        ScoreColumns {
            schema: Arc::new(ArrowSchema::new(fields)),
            cols,
            precision,
            survival_columns: survival_columns(scorer),
        }
    }

    fn append(&mut self, score: &super::Score, row_number: u64) {
        let mut i = 0;
        let precision = self.precision;
        let cols = &mut self.cols;
        let mut num = String::new();
        let _ = score_fields::<std::convert::Infallible>(
            score,
            row_number,
            precision,
            self.survival_columns,
            &mut |f| {
                if let Some(col) = cols.get_mut(i) {
                    match (col, f) {
                        (Col::Text(b), Field::Text(t)) if !t.is_empty() => b.append_value(t),
                        (Col::Text(b), Field::Num(x) | Field::Signed(x)) => {
                            num.clear();
                            num.push_str(&x.to_string());
                            b.append_value(&num)
                        }
                        (Col::Text(b), _) => b.append_null(),
                        (Col::Num(b), Field::Num(x) | Field::Signed(x)) if x.is_finite() => {
                            // Rounded as the CSV writes it (`{:.4}`, a weight that
                            // would read as zero to 4 significant digits), so both
                            // outputs hold the same numbers.
                            let x = if precision.is_some() {
                                num.clear();
                                fmt_num(&mut num, x, precision, matches!(f, Field::Signed(_)));
                                num.parse().unwrap_or(x)
                            } else {
                                x
                            };
                            b.append_value(x)
                        }
                        (Col::Num(b), _) => b.append_null(),
                    }
                }
                i += 1;
                Ok(())
            },
        );
    }

    fn finish(&mut self) -> Result<RecordBatch> {
        let arrays: Vec<ArrayRef> = self
            .cols
            .iter_mut()
            .map(|c| match c {
                Col::Text(b) => Arc::new(b.finish()) as ArrayRef,
                Col::Num(b) => Arc::new(b.finish()) as ArrayRef,
            })
            .collect();
        RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| Error::Fit(format!("building the record batch of scores: {e}")))
    }
}

/// Where batches of scores go.
enum Writer<'w> {
    /// One batch in memory, made when the sink finishes.
    Memory(Option<RecordBatch>),
    #[cfg(feature = "parquet")]
    Parquet(Option<Box<parquet::arrow::ArrowWriter<&'w mut AtomicFile>>>),
    Ipc(Option<Box<arrow_ipc::writer::FileWriter<&'w mut AtomicFile>>>),
}

/// Scores into record batches: one per chunk into a file, one in all in memory.
struct BatchSink<'w> {
    columns: ScoreColumns,
    writer: Writer<'w>,
}

fn write_error(e: impl std::fmt::Display) -> Error {
    Error::Io {
        location: Location::default(),
        source: std::io::Error::other(e.to_string()),
    }
}

impl BatchSink<'_> {
    fn write_batch(&mut self) -> Result<()> {
        let batch = self.columns.finish()?;
        match &mut self.writer {
            Writer::Memory(b) => *b = Some(batch),
            #[cfg(feature = "parquet")]
            Writer::Parquet(Some(w)) => w.write(&batch).map_err(write_error)?,
            Writer::Ipc(Some(w)) => w.write(&batch).map_err(write_error)?,
            #[allow(unreachable_patterns)]
            _ => {}
        }
        Ok(())
    }
}

impl Sink for BatchSink<'_> {
    fn header(&mut self, _: &Scorer<'_>) -> Result<()> {
        Ok(())
    }

    fn piece(&mut self, piece: &mut Piece) -> Result<()> {
        for (n, s) in std::mem::take(&mut piece.scores) {
            self.columns.append(&s, n);
        }
        Ok(())
    }

    fn end_chunk(&mut self) -> Result<()> {
        match self.writer {
            Writer::Memory(_) => Ok(()),
            _ => self.write_batch(),
        }
    }

    fn finish(&mut self) -> Result<()> {
        if let Writer::Memory(_) = self.writer {
            return self.write_batch();
        }
        match &mut self.writer {
            #[cfg(feature = "parquet")]
            Writer::Parquet(w) => {
                if let Some(w) = w.take() {
                    w.close().map_err(write_error)?;
                }
            }
            Writer::Ipc(w) => {
                if let Some(mut w) = w.take() {
                    w.finish().map_err(write_error)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// A sink writing Parquet or Arrow IPC into `out` ([`BatchOptions::format`]).
pub(super) fn file_sink<'w>(
    scorer: &Scorer<'_>,
    out: &'w mut AtomicFile,
    opts: &BatchOptions,
) -> Result<Box<dyn Sink + 'w>> {
    let columns = ScoreColumns::new(scorer, opts.precision);
    let schema = columns.schema.clone();
    let writer = match opts.format {
        #[cfg(feature = "parquet")]
        OutputFormat::Parquet => {
            use parquet::basic::Compression;
            use parquet::file::properties::WriterProperties;
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .build();
            Writer::Parquet(Some(Box::new(
                parquet::arrow::ArrowWriter::try_new(out, schema, Some(props))
                    .map_err(write_error)?,
            )))
        }
        OutputFormat::Arrow => Writer::Ipc(Some(Box::new(
            arrow_ipc::writer::FileWriter::try_new(out, &schema).map_err(write_error)?,
        ))),
        other => {
            return Err(Error::param(
                "format",
                other.name(),
                "this build writes Parquet with the `parquet` feature only",
            ));
        }
    };
    Ok(Box::new(BatchSink { columns, writer }))
}
