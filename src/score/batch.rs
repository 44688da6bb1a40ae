//! Batch scoring: a CSV of customers in, a CSV of scores out, streaming in chunks of
//! [`BatchOptions::chunk_rows`] rows (memory is bounded by the chunk, whatever the file
//! size), each chunk scored in parallel (rayon), rows written in input order.
//!
//! # Output columns (stable)
//!
//! | column | content |
//! |---|---|
//! | `id` | the id column's value ([`BatchOptions::id_column`], else the model schema's); without an id column, the 1-based data row number |
//! | `p_<class>` | one per class in the model's order, e.g. `p_retained`, `p_at_risk`, `p_churned` |
//! | `tier` | `retained`, `at_risk` or `churned` |
//! | `reason_1` .. `reason_3` | the top reasons as conditions, e.g. `Contract = Month-to-month` (empty when fewer) |
//! | `clv` | customer lifetime value (empty without a CLV in the economics) |
//! | `value_at_risk` | `p_churn × clv` |
//! | `spend_ceiling` | the most a rescue may cost |
//! | `rescue` | `yes` or `no` (empty without a CLV) |
//! | `warning` | every warning of the row joined by `; ` (empty when none) |
//!
//! Numbers are written in Rust's shortest round-trip form, so reading them back gives
//! the same `f64`. Every input row is accounted for in the [`BatchReport`]:
//! `rows_in = rows_out + rows_skipped`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use super::{N_REASONS, Score, Scorer};
use crate::error::{Error, Location, Result};

/// Options of [`score_csv`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOptions {
    /// Rows per chunk (default 8192): the memory bound and the unit of parallel work.
    pub chunk_rows: usize,
    /// The input's field delimiter (default `,`).
    pub delimiter: u8,
    /// The id column (default: the model schema's id column).
    pub id_column: Option<String>,
    /// Show a progress bar on stderr (default false).
    pub progress: bool,
    /// Skip rows that fail (a ragged record, or a value the input policy refuses)
    /// instead of stopping; they are counted and the first 100 errors kept in the
    /// report (default false: the first failing row stops the batch).
    pub skip_bad_rows: bool,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            chunk_rows: 8192,
            delimiter: b',',
            id_column: None,
            progress: false,
            skip_bad_rows: false,
        }
    }
}

/// What a batch did: every row in is either written out or skipped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchReport {
    /// Data rows read.
    pub rows_in: u64,
    /// Rows scored and written.
    pub rows_out: u64,
    /// Rows skipped (only with [`BatchOptions::skip_bad_rows`]).
    pub rows_skipped: u64,
    /// Rows written with at least one warning.
    pub rows_with_warnings: u64,
    /// Warnings about the header (absent or extra columns), also in every row's
    /// `warning` cell.
    pub column_warnings: Vec<String>,
    /// The first 100 errors of skipped rows.
    pub errors: Vec<String>,
}

const MAX_ERRORS: usize = 100;

/// The output header for a model's classes.
pub fn output_header(classes: &[String]) -> Vec<String> {
    let mut h = vec!["id".to_string()];
    h.extend(classes.iter().map(|c| format!("p_{c}")));
    h.push("tier".into());
    h.extend((1..=N_REASONS).map(|i| format!("reason_{i}")));
    for c in ["clv", "value_at_risk", "spend_ceiling", "rescue", "warning"] {
        h.push(c.into());
    }
    h
}

fn csv_err(location: &Location, e: csv::Error) -> Error {
    let mut loc = location.clone();
    if let Some(p) = e.position() {
        loc = loc.at_line(p.line());
    }
    match e.into_kind() {
        csv::ErrorKind::Io(source) => Error::Io {
            location: loc,
            source,
        },
        other => Error::Csv {
            location: loc,
            message: format!("{other:?}"),
        },
    }
}

fn write_score(
    w: &mut csv::Writer<impl Write>,
    s: &Score,
    row_number: u64,
    fields: &mut Vec<String>,
    location: &Location,
) -> Result<()> {
    fields.clear();
    fields.push(s.id.clone().unwrap_or_else(|| row_number.to_string()));
    fields.extend(s.probabilities.iter().map(|p| p.to_string()));
    fields.push(s.tier.as_str().to_string());
    for i in 0..N_REASONS {
        fields.push(
            s.reasons
                .get(i)
                .map_or(String::new(), |r| r.condition.clone()),
        );
    }
    match &s.retention {
        Some(r) => {
            fields.push(r.clv.to_string());
            fields.push(r.value_at_risk.to_string());
            fields.push(r.spend_ceiling.to_string());
            fields.push(if r.rescue { "yes" } else { "no" }.to_string());
        }
        None => fields.extend(std::iter::repeat_n(String::new(), 4)),
    }
    fields.push(s.warnings.join("; "));
    w.write_record(fields.iter())
        .map_err(|e| csv_err(location, e))
}

/// Scores a CSV from `input` to `output` (see the module docs for the columns).
pub fn score_csv<R: Read, W: Write>(
    scorer: &Scorer<'_>,
    input: R,
    output: W,
    opts: &BatchOptions,
) -> Result<BatchReport> {
    score_csv_inner(scorer, input, output, opts, None, &Location::default())
}

/// Scores the CSV file `input` into the CSV file `output` (written directly; on
/// error the output file holds the rows scored so far).
pub fn score_csv_file(
    scorer: &Scorer<'_>,
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    opts: &BatchOptions,
) -> Result<BatchReport> {
    let (inp, out) = (input.as_ref(), output.as_ref());
    let in_loc = Location::file(inp);
    let f = File::open(inp).map_err(|e| Error::Io {
        location: in_loc.clone(),
        source: e,
    })?;
    let total = f.metadata().ok().map(|m| m.len());
    let o = File::create(out).map_err(|e| Error::Io {
        location: Location::file(out),
        source: e,
    })?;
    score_csv_inner(
        scorer,
        BufReader::with_capacity(1 << 20, f),
        BufWriter::with_capacity(1 << 20, o),
        opts,
        total,
        &in_loc,
    )
}

fn score_csv_inner<R: Read, W: Write>(
    scorer: &Scorer<'_>,
    input: R,
    output: W,
    opts: &BatchOptions,
    total_bytes: Option<u64>,
    location: &Location,
) -> Result<BatchReport> {
    if opts.chunk_rows == 0 {
        return Err(Error::param("chunk_rows", 0, "must be at least 1"));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(opts.delimiter)
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_err(location, e))?
        .iter()
        .map(str::to_string)
        .collect();
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let plan = scorer.plan(&header_refs, opts.id_column.as_deref(), location.clone())?;
    let mut writer = csv::Writer::from_writer(output);
    writer
        .write_record(output_header(scorer.model().classes()))
        .map_err(|e| csv_err(location, e))?;
    let mut report = BatchReport {
        column_warnings: plan.column_warnings.clone(),
        ..BatchReport::default()
    };
    let bar = opts.progress.then(|| match total_bytes {
        Some(t) => {
            let b = ProgressBar::new(t);
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta} {msg}",
            ) {
                b.set_style(style);
            }
            b
        }
        None => ProgressBar::new_spinner(),
    });
    let mut records: Vec<csv::StringRecord> = Vec::with_capacity(opts.chunk_rows);
    let mut fields = Vec::new();
    let mut row_number: u64 = 0;
    loop {
        // Read one chunk (records reused across chunks).
        let mut filled = 0;
        let mut lines: Vec<Option<u64>> = Vec::with_capacity(opts.chunk_rows);
        let mut numbers: Vec<u64> = Vec::with_capacity(opts.chunk_rows);
        while filled < opts.chunk_rows {
            if records.len() <= filled {
                records.push(csv::StringRecord::new());
            }
            match reader.read_record(&mut records[filled]) {
                Ok(false) => break,
                Ok(true) => {
                    row_number += 1;
                    report.rows_in += 1;
                    lines.push(records[filled].position().map(|p| p.line()));
                    numbers.push(row_number);
                    filled += 1;
                }
                Err(e) => {
                    let ragged = matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. });
                    if ragged && opts.skip_bad_rows {
                        row_number += 1;
                        report.rows_in += 1;
                        report.rows_skipped += 1;
                        if report.errors.len() < MAX_ERRORS {
                            report.errors.push(csv_err(location, e).to_string());
                        }
                        continue;
                    }
                    return Err(csv_err(location, e));
                }
            }
        }
        if filled == 0 {
            break;
        }
        let chunk: Vec<&csv::StringRecord> = records[..filled].iter().collect();
        let scores: Vec<(u64, Score)> = match plan.convert(&chunk, &lines) {
            Ok(prepared) => numbers
                .iter()
                .copied()
                .zip(scorer.score_prepared(prepared)?)
                .collect(),
            Err(e) if !opts.skip_bad_rows => return Err(e),
            Err(_) => {
                // Isolate the failing rows one by one.
                let mut good = Vec::with_capacity(filled);
                for (i, rec) in chunk.iter().enumerate() {
                    match plan.convert(&[*rec], &lines[i..=i]) {
                        Ok(p) => {
                            let s = scorer.score_prepared(p)?;
                            good.extend(s.into_iter().map(|s| (numbers[i], s)));
                        }
                        Err(e) => {
                            report.rows_skipped += 1;
                            if report.errors.len() < MAX_ERRORS {
                                report.errors.push(e.to_string());
                            }
                        }
                    }
                }
                good
            }
        };
        for (n, s) in &scores {
            if !s.warnings.is_empty() {
                report.rows_with_warnings += 1;
            }
            write_score(&mut writer, s, *n, &mut fields, location)?;
            report.rows_out += 1;
        }
        if let Some(b) = &bar {
            match total_bytes {
                Some(_) => b.set_position(reader.position().byte()),
                None => b.set_message(format!("{} rows", report.rows_in)),
            }
            b.tick();
        }
    }
    writer.flush().map_err(|e| Error::Io {
        location: Location::default(),
        source: e,
    })?;
    if let Some(b) = bar {
        b.finish_with_message(format!("{} rows scored", report.rows_out));
    }
    Ok(report)
}
