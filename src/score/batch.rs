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
//! | `reason_1` .. `reason_3` | the top risk factors (toward churn) as conditions, e.g. `Contract = Month-to-month` (empty when fewer) |
//! | `weight_1` .. `weight_3` | each risk factor's signed weight, e.g. `+0.19` |
//! | `protective` | up to three protective factors (toward staying) with their weights, `cond (-0.05); …` |
//! | `stage` | the lifecycle stage from the tenure column (`trial`, `formation`, `stable`, `decline`; empty without one) |
//! | `driver` | the dominant churn driver among the risk factors (playbook); `unmapped` when none of them is in the playbook, `none` without risk factors |
//! | `reason_class` | the driver's reason class (`natural`, `changed_needs`, `competitor`, `disappointed`), or `unknown` |
//! | `strategy` | what to do about it (playbook text) |
//! | `rescue_success` | λ, the probability a rescue succeeds for this customer (per stage) |
//! | `clv` | customer lifetime value (empty without a CLV in the economics) |
//! | `value_at_risk` | `p_churn × clv` |
//! | `spend_ceiling` | the most a rescue may cost (0 when the reason class is not worth a rescue) |
//! | `rescue` | `yes` or `no` (empty without a CLV) |
//! | `p_churn_within_H` | only with a time-to-churn model ([`Model::survival`](crate::model::Model::survival)): one per horizon `H` of [`Scorer::within`], `P(churn within H | stayed until now)`, conditional on the customer's current tenure (empty when it is missing) |
//! | `median_remaining` | only with a time-to-churn model: the median remaining time (empty when beyond the data's horizon) |
//! | `rmst` | only with a time-to-churn model: the restricted mean remaining lifetime over the CLV horizon (the largest `H` without a CLV); with one, `clv` follows the customer's survival curve ([`Economics::retention_given`](crate::policy::Economics::retention_given)) |
//! | `warning` | the row's own warnings (an unseen category, a text in a numeric column) joined by `; ` (empty when none); column-wide facts (extra or absent columns) are in the [`BatchReport`] only |
//!
//! # Why batch scoring has its own record loop
//!
//! It shares the data layer's definition of a missing cell
//! ([`MissingTokens`], see [`BatchOptions::missing_tokens`]) but not its reader
//! ([`data::read_csv_from`](crate::data::read_csv_from) /
//! [`CsvChunks`](crate::data::CsvChunks)): scoring decides per row and per cell under
//! the model's [`InputPolicy`](super::InputPolicy) (an unseen category or a text in a
//! numeric column becomes a warning in *that row's* output, or an error naming its
//! line), skips and counts ragged rows one by one, carries the id and the economics
//! columns, and takes its kinds and levels from the model's schema rather than
//! inferring or interning them — none of which the training reader's whole-file
//! report can express.
//!
//! Numbers are written in Rust's shortest round-trip form, so reading them back gives
//! the same `f64`, unless [`BatchOptions::precision`] rounds them (the CLI rounds to 4
//! decimals by default). [`BatchOptions::format`] writes JSON Lines instead: one
//! object per customer with the same content ([`OutputFormat::JsonLines`]). Every input row is accounted for in the [`BatchReport`]:
//! `rows_in = rows_out + rows_skipped`.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{N_REASONS, Score, Scorer};
use crate::data::{DataFormat, MissingTokens, RecordLimit, RecordStarts, csv_io_error};
use crate::error::{Error, Location, Result};
use crate::output::AtomicFile;
use crate::policy::input::{FeatureTally, HeaderPlan, Record};

/// Options of [`score_csv`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOptions {
    /// Rows per chunk (default 8192): the memory bound and the unit of parallel work.
    /// A chunk also ends once its records hold [`CHUNK_BYTES`] of cell text, so a
    /// very wide file is still scored in bounded memory.
    pub chunk_rows: usize,
    /// The input's field delimiter (default `,`).
    pub delimiter: u8,
    /// The id column (default: the model schema's id column).
    pub id_column: Option<String>,
    /// Called as the batch advances (default None); see [`BatchOptions::on_progress`].
    pub progress: Option<ProgressCallback>,
    /// Overrides the texts read as missing (default None: the scorer's, which are the
    /// model's, i.e. those the training data was read with, unless set with
    /// [`Scorer::missing_tokens`]).
    pub missing_tokens: Option<MissingTokens>,
    /// Skip rows that fail (a ragged record, or a value the input policy refuses)
    /// instead of stopping; they are counted and the first 100 errors kept in the
    /// report (default false: the first failing row stops the batch).
    pub skip_bad_rows: bool,
    /// Refuse the batch when more than this percentage of a feature column's values
    /// is unusable (never seen in training, not a number, or missing), e.g. `Some(50)`:
    /// [`score_csv_file`] then fails before replacing the output (default None: no
    /// limit; the [`BatchReport::columns`] summary says what was found).
    pub max_unusable_percent: Option<u8>,
    /// Decimal places of probabilities, weights and amounts (default None: Rust's
    /// shortest round-trip form). A reason's weight that so many decimals would show
    /// as `+0.0000` is written with as many significant digits instead (`+2.134e-5`).
    pub precision: Option<usize>,
    /// CSV (default), JSON Lines, Parquet or Arrow IPC (the last two to a file,
    /// [`score_file`]).
    pub format: OutputFormat,
    /// The input's format for [`score_file`] (default None: by the input's
    /// extension, [`DataFormat::from_path`]).
    pub input_format: Option<DataFormat>,
}

/// The output format of batch scoring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OutputFormat {
    /// A CSV with the columns of the module docs (default).
    #[default]
    Csv,
    /// One JSON object per customer and line: `id`, `probabilities` (class → p),
    /// `p_churn`, `tier`, `reasons` and `protective` (`[{feature, condition,
    /// weight}]`), `stage`, `driver`, `reason_class`, `worth_rescue`, `strategy`,
    /// `rescue_success`, `clv`, `value_at_risk`, `spend_ceiling`, `rescue`,
    /// `warnings`.
    JsonLines,
    /// A Parquet file (feature `parquet`; [`score_file`] only) with the CSV's columns,
    /// typed: text columns `Utf8`, probabilities, weights and amounts `Float64` (with
    /// [`BatchOptions::precision`], the number the CSV cell writes); an empty CSV cell
    /// is a null. Compressed with snappy.
    Parquet,
    /// An Arrow IPC file (feature `arrow`; [`score_file`] only) with the columns of
    /// [`OutputFormat::Parquet`].
    Arrow,
}

impl OutputFormat {
    /// The format an output file's extension says: `.parquet` / `.pq` Parquet,
    /// `.arrow` / `.feather` / `.ipc` Arrow, `.jsonl` / `.ndjson` JSON Lines, else CSV.
    ///
    /// ```
    /// use std::path::Path;
    /// use churnkit::score::OutputFormat;
    /// assert_eq!(OutputFormat::from_path(Path::new("scores.parquet")), OutputFormat::Parquet);
    /// assert_eq!(OutputFormat::from_path(Path::new("scores.csv")), OutputFormat::Csv);
    /// ```
    pub fn from_path(path: &Path) -> OutputFormat {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("jsonl" | "ndjson") => OutputFormat::JsonLines,
            _ => match DataFormat::from_path(path) {
                DataFormat::Parquet => OutputFormat::Parquet,
                DataFormat::Arrow => OutputFormat::Arrow,
                _ => OutputFormat::Csv,
            },
        }
    }

    /// `csv`, `jsonl`, `parquet` or `arrow`.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::JsonLines => "jsonl",
            OutputFormat::Parquet => "parquet",
            OutputFormat::Arrow => "arrow",
        }
    }
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            chunk_rows: 8192,
            delimiter: b',',
            id_column: None,
            progress: None,
            missing_tokens: None,
            skip_bad_rows: false,
            precision: None,
            format: OutputFormat::Csv,
            input_format: None,
            max_unusable_percent: None,
        }
    }
}

impl BatchOptions {
    /// Calls `f` as the batch advances: once when the header has been read, then
    /// after every chunk of [`chunk_rows`](Self::chunk_rows) rows is written. The
    /// library draws nothing; a caller renders the [`Progress`] (the `churnkit`
    /// binary draws a progress bar on stderr).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use std::sync::Arc;
    /// use churnkit::score::BatchOptions;
    ///
    /// let rows = Arc::new(AtomicU64::new(0));
    /// let seen = Arc::clone(&rows);
    /// let opts = BatchOptions::default()
    ///     .on_progress(move |p| seen.store(p.rows_done, Ordering::Relaxed));
    /// assert!(opts.progress.is_some());
    /// ```
    pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(ProgressCallback(Arc::new(f)));
        self
    }
}

/// How far a batch has got, passed to the [`BatchOptions::on_progress`] callback.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Data rows read so far (scored, or skipped).
    pub rows_done: u64,
    /// Bytes of the input read so far.
    pub bytes_done: u64,
    /// The input's size in bytes, when known ([`score_csv_file`]; None for
    /// [`score_csv`], which reads from any reader).
    pub bytes_total: Option<u64>,
}

/// A progress callback of [`BatchOptions`], shared by its clones. Two callbacks are
/// equal when they are the same closure (the same allocation).
#[derive(Clone)]
pub struct ProgressCallback(pub Arc<dyn Fn(Progress) + Send + Sync>);

impl ProgressCallback {
    fn call(&self, progress: Progress) {
        (self.0)(progress)
    }
}

impl std::fmt::Debug for ProgressCallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressCallback(..)")
    }
}

impl PartialEq for ProgressCallback {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ProgressCallback {}

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
    /// Warnings about the header: the model's columns the input lacks (scored as
    /// missing). Not repeated in the rows' `warning` cells.
    pub column_warnings: Vec<String>,
    /// The input's columns the model does not use (ignored; no row warns of them),
    /// except those dropped on purpose at training.
    #[serde(default)]
    pub ignored_columns: Vec<String>,
    /// The input's columns dropped on purpose at training
    /// ([`Model::dropped_columns`](crate::model::Model::dropped_columns)): ignored
    /// silently.
    #[serde(default)]
    pub dropped_columns: Vec<String>,
    /// What the model could not use, per feature column and kind, with counts and
    /// examples (columns in the model's order; missing values only where they are a
    /// problem: the column has other unusable values, or more than half is missing).
    #[serde(default)]
    pub columns: Vec<ColumnSummary>,
    /// The first 100 errors of skipped rows.
    pub errors: Vec<String>,
}

const MAX_ERRORS: usize = 100;

/// How many column summaries the error of [`BatchOptions::max_unusable_percent`]
/// lists before "… and N more".
const LISTED_SUMMARIES: usize = 30;

/// What kind of value a model could not use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ValueIssue {
    /// A category never seen in training (scored as missing).
    Unseen,
    /// Text in a numeric column (scored as missing).
    NotANumber,
    /// Empty, a missing-value token, or the column is absent.
    Missing,
}

/// One feature column's count of one kind of unusable value in a batch.
///
/// ```
/// use churnkit::score::{ColumnSummary, ValueIssue};
///
/// let c = ColumnSummary {
///     column: "Gender".into(),
///     kind: ValueIssue::Unseen,
///     count: 2997,
///     of: 3000,
///     examples: vec!["M".into()],
/// };
/// assert_eq!(
///     c.to_string(),
///     "Gender: 2,997 of 3,000 values never seen in training, e.g. 'M'"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSummary {
    /// The column.
    pub column: String,
    /// The kind of value.
    pub kind: ValueIssue,
    /// How many values of the column were of this kind.
    pub count: u64,
    /// How many values the column had (the rows scored).
    pub of: u64,
    /// Up to three example texts (for unseen and non-number values).
    pub examples: Vec<String>,
}

impl std::fmt::Display for ColumnSummary {
    /// `Gender: 2,997 of 3,000 values never seen in training, e.g. 'M'`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            ValueIssue::Unseen => "never seen in training",
            ValueIssue::NotANumber => "not a number",
            ValueIssue::Missing => "missing",
        };
        write!(
            f,
            "{}: {} of {} values {what}",
            self.column,
            thousands(self.count),
            thousands(self.of)
        )?;
        if !self.examples.is_empty() {
            let e: Vec<String> = self.examples.iter().map(|e| format!("'{e}'")).collect();
            write!(f, ", e.g. {}", e.join(", "))?;
        }
        Ok(())
    }
}

/// `2997` as `2,997`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The per-column summaries of a batch's tallies (see [`BatchReport::columns`]).
fn column_summaries(names: &[String], tallies: &[FeatureTally], rows: u64) -> Vec<ColumnSummary> {
    let mut out = Vec::new();
    for (name, t) in names.iter().zip(tallies) {
        let summary = |kind, count, examples: &[String]| ColumnSummary {
            column: name.clone(),
            kind,
            count,
            of: rows,
            examples: examples.to_vec(),
        };
        if t.unseen > 0 {
            out.push(summary(ValueIssue::Unseen, t.unseen, &t.examples));
        }
        if t.not_a_number > 0 {
            out.push(summary(ValueIssue::NotANumber, t.not_a_number, &t.examples));
        }
        let bad = t.unseen + t.not_a_number;
        if t.missing > 0 && (bad > 0 || 2 * t.missing > rows) {
            out.push(summary(ValueIssue::Missing, t.missing, &[]));
        }
    }
    out
}

impl BatchReport {
    /// The columns more than `share` of whose values the model could not use
    /// (unseen, not a number or missing, summed), with that share.
    pub fn unusable_columns(&self, share: f64) -> Vec<(&str, f64)> {
        let mut out: Vec<(&str, f64)> = Vec::new();
        // Where each column sits in `out` (hashed: linear in the number of columns).
        let mut at: HashMap<&str, usize> = HashMap::new();
        for c in &self.columns {
            let share = c.count as f64 / c.of.max(1) as f64;
            match at.get(c.column.as_str()) {
                Some(&i) => out[i].1 += share,
                None => {
                    at.insert(&c.column, out.len());
                    out.push((&c.column, share));
                }
            }
        }
        out.retain(|(_, s)| *s > share);
        out
    }
}

/// The output header for a model's classes.
pub fn output_header(classes: &[String]) -> Vec<String> {
    let mut h = vec!["id".to_string()];
    h.extend(classes.iter().map(|c| format!("p_{c}")));
    h.push("tier".into());
    for i in 1..=N_REASONS {
        h.push(format!("reason_{i}"));
        h.push(format!("weight_{i}"));
    }
    for c in [
        "protective",
        "stage",
        "driver",
        "reason_class",
        "strategy",
        "rescue_success",
        "clv",
        "value_at_risk",
        "spend_ceiling",
        "rescue",
        "warning",
    ] {
        h.push(c.into());
    }
    h
}

/// A number with `precision` decimals (None: shortest round-trip form), appended to
/// `out`. A `signed` number (a reason's weight) never reads as zero when it is not:
/// one that `precision` decimals would round to `±0.0…0` is written with `precision`
/// significant digits in scientific form instead (`+2.134e-5` for 4), so a listed
/// reason always shows its sign and size.
pub(crate) fn fmt_num(out: &mut String, x: f64, precision: Option<usize>, signed: bool) {
    use std::fmt::Write as _;
    let start = out.len();
    // Writing to a String cannot fail.
    let _ = match (precision, signed) {
        (Some(p), true) => write!(out, "{x:+.p$}"),
        (Some(p), false) => write!(out, "{x:.p$}"),
        (None, true) => write!(out, "{x:+}"),
        (None, false) => write!(out, "{x}"),
    };
    if let (Some(p), true) = (precision, signed)
        && x != 0.0
        && x.is_finite()
        && !out[start..].bytes().any(|b| (b'1'..=b'9').contains(&b))
    {
        out.truncate(start);
        let digits = p.max(1) - 1;
        let _ = write!(out, "{x:+.digits$e}");
    }
}

/// A reason's weight as batch scoring writes it with `decimals` decimal places: signed,
/// and never `+0.00…` when it is not zero (then `decimals` significant digits in
/// scientific form), for programs that print reasons themselves.
///
/// ```
/// use churnkit::score::format_weight;
/// assert_eq!(format_weight(0.1302, 2), "+0.13");
/// assert_eq!(format_weight(-0.2135, 2), "-0.21");
/// assert_eq!(format_weight(2.134e-5, 2), "+2.1e-5");
/// ```
pub fn format_weight(weight: f64, decimals: usize) -> String {
    let mut s = String::new();
    fmt_num(&mut s, weight, Some(decimals), true);
    s
}

/// A signed number (a reason's weight) as [`fmt_num`] writes it, read back: `x`
/// rounded to `precision` decimals, or to `precision` significant digits where the
/// decimals would make it zero (unchanged without a precision).
pub(crate) fn round_signed(x: f64, precision: Option<usize>) -> f64 {
    if precision.is_none() || !x.is_finite() {
        return x;
    }
    let mut s = String::new();
    fmt_num(&mut s, x, precision, true);
    s.parse().unwrap_or(x)
}

/// `x` rounded to `precision` decimals (unchanged without one).
fn round(x: f64, precision: Option<usize>) -> f64 {
    match precision {
        Some(p) if x.is_finite() => {
            let f = 10f64.powi(p.min(15) as i32);
            (x * f).round() / f
        }
        _ => x,
    }
}

/// One score as a JSON object (see [`OutputFormat::JsonLines`]).
pub fn score_json(
    s: &Score,
    classes: &[String],
    row_number: u64,
    precision: Option<usize>,
) -> serde_json::Value {
    use serde_json::json;
    let num = |x: f64| {
        let x = round(x, precision);
        if x.is_finite() {
            json!(x)
        } else {
            serde_json::Value::Null
        }
    };
    let reasons = |rs: &[crate::learner::Reason]| {
        rs.iter()
            .map(|r| json!({"feature": r.feature, "condition": r.condition, "weight": round_signed(r.weight, precision)}))
            .collect::<Vec<_>>()
    };
    let probabilities: serde_json::Map<String, serde_json::Value> = classes
        .iter()
        .zip(&s.probabilities)
        .map(|(c, &p)| (c.clone(), num(p)))
        .collect();
    let call = s.driver.as_ref();
    let ret = s.retention.as_ref();
    let mut v = json!({
        "id": s.id.clone().unwrap_or_else(|| row_number.to_string()),
        "probabilities": probabilities,
        "p_churn": num(s.p_churn),
        "tier": s.tier.as_str(),
        "reasons": reasons(&s.reasons),
        "protective": reasons(&s.protective),
        "stage": s.stage.map(|x| x.as_str()),
        "driver": call.map(|c| c.driver_name()),
        "reason_class": call.and_then(|c| c.reason_class).map(|c| c.as_str()),
        "worth_rescue": call.map(|c| c.worth_rescue),
        "strategy": call.map(|c| c.strategy.as_str()),
        "rescue_success": num(s.rescue_success),
        "clv": ret.map(|r| num(r.clv)),
        "value_at_risk": ret.map(|r| num(r.value_at_risk)),
        "spend_ceiling": ret.map(|r| num(r.spend_ceiling)),
        "rescue": ret.map(|r| r.rescue),
        "warnings": s.warnings,
    });
    if let Some(x) = &s.survival {
        v["survival"] = json!({
            "t0": num(x.t0),
            "churn_within": x.churn_within.iter().map(|&p| num(p)).collect::<Vec<_>>(),
            "median_remaining": x.median_remaining.map(num),
            "rmst": num(x.rmst),
        });
    }
    v
}

/// A CSV error as a message for people: the file, the physical line (from `starts`
/// when known; the csv parser's own count misses line breaks inside quoted fields and
/// lone CRs), the column (a cell that is not UTF-8, named from `header`) and what is
/// wrong.
fn csv_err(
    location: &Location,
    e: csv::Error,
    header: &[String],
    starts: Option<&RecordStarts>,
) -> Error {
    let mut loc = location.clone();
    if let Some(p) = e.position() {
        let line = starts.and_then(|s| s.line_of(p.byte()));
        loc = loc.at_line(line.unwrap_or(p.line()));
    }
    match e.into_kind() {
        csv::ErrorKind::Io(source) => csv_io_error(&loc, source),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Error::Csv {
            location: loc,
            message: format!(
                "the row has {len} fields but the header has {expected_len} \
                 (a ragged row: check quoting and delimiters)"
            ),
        },
        csv::ErrorKind::Utf8 { err, .. } => {
            let column = match header.get(err.field()) {
                Some(name) => name.clone(),
                None => format!("#{}", err.field() + 1),
            };
            Error::Csv {
                location: loc.at_column(column),
                message: "the cell is not valid UTF-8 (re-save the file as UTF-8)".into(),
            }
        }
        other => Error::Csv {
            location: loc,
            message: format!("{other:?}"),
        },
    }
}

/// One output field of a score row, before it is written as a CSV cell, JSON or an
/// Arrow value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Field<'a> {
    /// Text (the empty text is an empty cell).
    Text(&'a str),
    /// A number.
    Num(f64),
    /// A number written with its sign (a reason's weight).
    Signed(f64),
    /// An empty cell (no value).
    Empty,
}

/// The fields of one score row, in the order of [`Scorer::output_header`], handed to
/// `emit` one by one: the one definition of a score row that the CSV and the Arrow
/// outputs write.
pub(crate) fn score_fields<E>(
    s: &Score,
    row_number: u64,
    precision: Option<usize>,
    survival_columns: Option<usize>,
    emit: &mut impl FnMut(Field<'_>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    match &s.id {
        Some(id) => emit(Field::Text(id))?,
        None => emit(Field::Text(&row_number.to_string()))?,
    }
    for &p in &s.probabilities {
        emit(Field::Num(p))?;
    }
    emit(Field::Text(s.tier.as_str()))?;
    for i in 0..N_REASONS {
        match s.reasons.get(i) {
            Some(r) => {
                emit(Field::Text(r.condition.as_str()))?;
                emit(Field::Signed(r.weight))?;
            }
            None => {
                emit(Field::Empty)?;
                emit(Field::Empty)?;
            }
        }
    }
    let protective: Vec<String> = s
        .protective
        .iter()
        .map(|r| {
            let mut x = String::new();
            fmt_num(&mut x, r.weight, precision, true);
            format!("{} ({x})", r.condition)
        })
        .collect();
    emit(Field::Text(&protective.join("; ")))?;
    emit(Field::Text(s.stage.map_or("", |x| x.as_str())))?;
    match &s.driver {
        Some(c) => {
            emit(Field::Text(c.driver_name()))?;
            emit(Field::Text(c.reason_class_name()))?;
            emit(Field::Text(&c.strategy))?;
        }
        None => {
            for _ in 0..3 {
                emit(Field::Empty)?;
            }
        }
    }
    emit(Field::Num(s.rescue_success))?;
    match &s.retention {
        Some(r) => {
            emit(Field::Num(r.clv))?;
            emit(Field::Num(r.value_at_risk))?;
            emit(Field::Num(r.spend_ceiling))?;
            emit(Field::Text(if r.rescue { "yes" } else { "no" }))?;
        }
        None => {
            for _ in 0..4 {
                emit(Field::Empty)?;
            }
        }
    }
    if let Some(n) = survival_columns {
        match &s.survival {
            Some(x) => {
                for &p in &x.churn_within {
                    emit(Field::Num(p))?;
                }
                match x.median_remaining {
                    Some(m) => emit(Field::Num(m))?,
                    None => emit(Field::Empty)?,
                }
                emit(Field::Num(x.rmst))?;
            }
            None => {
                for _ in 0..n + 2 {
                    emit(Field::Empty)?;
                }
            }
        }
    }
    match s.warnings.as_slice() {
        [] => emit(Field::Empty),
        [one] => emit(Field::Text(one)),
        many => emit(Field::Text(&many.join("; "))),
    }
}

/// Appends one score as a CSV record to `w`. Numbers are rendered into the reused
/// `num` buffer (no `String` per field).
fn write_score(
    w: &mut csv::Writer<Vec<u8>>,
    s: &Score,
    row_number: u64,
    num: &mut String,
    precision: Option<usize>,
    survival_columns: Option<usize>,
) -> std::result::Result<(), csv::Error> {
    score_fields(
        s,
        row_number,
        precision,
        survival_columns,
        &mut |f| match f {
            Field::Text(t) => w.write_field(t),
            Field::Empty => w.write_field(""),
            Field::Num(x) | Field::Signed(x) => {
                num.clear();
                fmt_num(num, x, precision, matches!(f, Field::Signed(_)));
                w.write_field(num.as_bytes())
            }
        },
    )?;
    w.write_record(None::<&[u8]>)
}

/// The most cell text (bytes) a chunk of [`score_csv`] holds before it is scored:
/// 64 MiB (plus one record, itself at most
/// [`MAX_RECORD_BYTES`](crate::data::MAX_RECORD_BYTES)).
pub const CHUNK_BYTES: usize = 64 << 20;

/// Rows per piece of a chunk: the unit of parallel work (convert, predict, explain,
/// format), written out in input order.
pub(super) const PIECE_ROWS: usize = 1024;

/// The output of one piece of a chunk (formatted bytes, or the scores themselves for
/// a record-batch output) and what happened to its rows.
#[derive(Default)]
pub(super) struct Piece {
    pub(super) bytes: Vec<u8>,
    /// The scores with their data-row numbers, for a record-batch output.
    pub(super) scores: Vec<(u64, Score)>,
    rows_out: u64,
    rows_with_warnings: u64,
    rows_skipped: u64,
    errors: Vec<String>,
    tallies: Vec<FeatureTally>,
}

/// Converts, scores and formats one piece of a chunk (records with their line and
/// data-row numbers).
pub(super) fn score_piece<R: Record + ?Sized>(
    scorer: &Scorer<'_>,
    plan: &HeaderPlan,
    chunk: &[&R],
    lines: &[Option<u64>],
    numbers: &[u64],
    opts: &BatchOptions,
) -> Result<Piece> {
    let skip_bad_rows = opts.skip_bad_rows;
    let n_features = scorer.input_schema().features.len();
    let mut piece = Piece::default();
    let scores: Vec<(u64, Score)> = match plan.convert(chunk, lines) {
        Ok(mut prepared) => {
            // The piece's tallies are those of its one conversion (moved, not merged
            // into zeros: a wide model has one tally per column).
            piece.tallies = std::mem::take(&mut prepared.tallies);
            numbers
                .iter()
                .copied()
                .zip(scorer.score_prepared(prepared)?)
                .collect()
        }
        Err(e) if !skip_bad_rows => return Err(e),
        Err(_) => {
            piece.tallies = vec![FeatureTally::default(); n_features];
            let mut tally = |tallies: &[FeatureTally]| {
                for (a, b) in piece.tallies.iter_mut().zip(tallies) {
                    a.merge(b);
                }
            };
            // Isolate the failing rows one by one.
            let mut good = Vec::with_capacity(chunk.len());
            for (i, rec) in chunk.iter().enumerate() {
                match plan.convert(&[*rec], &lines[i..=i]) {
                    Ok(p) => {
                        tally(&p.tallies);
                        let s = scorer.score_prepared(p)?;
                        good.extend(s.into_iter().map(|s| (numbers[i], s)));
                    }
                    Err(e) => {
                        piece.rows_skipped += 1;
                        if piece.errors.len() < MAX_ERRORS {
                            piece.errors.push(e.to_string());
                        }
                    }
                }
            }
            good
        }
    };
    piece.rows_out = scores.len() as u64;
    piece.rows_with_warnings = scores
        .iter()
        .filter(|(_, s)| !s.warnings.is_empty())
        .count() as u64;
    match opts.format {
        OutputFormat::JsonLines => {
            let classes = scorer.model().classes();
            let mut out = Vec::with_capacity(scores.len() * 400);
            for (n, s) in &scores {
                serde_json::to_writer(&mut out, &score_json(s, classes, *n, opts.precision))
                    .map_err(|e| Error::Fit(format!("score as JSON: {e}")))?;
                out.push(b'\n');
            }
            piece.bytes = out;
        }
        OutputFormat::Csv => {
            let survival_columns = survival_columns(scorer);
            let mut w = csv::Writer::from_writer(Vec::with_capacity(scores.len() * 240));
            let mut num = String::new();
            for (n, s) in &scores {
                write_score(&mut w, s, *n, &mut num, opts.precision, survival_columns)
                    .map_err(|e| csv_err(&Location::default(), e, &[], None))?;
            }
            piece.bytes = w.into_inner().map_err(|e| Error::Io {
                location: Location::default(),
                source: e.into_error(),
            })?;
        }
        OutputFormat::Parquet | OutputFormat::Arrow => piece.scores = scores,
    }
    Ok(piece)
}

/// With a time-to-churn model, the number of `p_churn_within_H` columns.
pub(super) fn survival_columns(scorer: &Scorer<'_>) -> Option<usize> {
    scorer
        .model()
        .survival()
        .map(|_| scorer.within_in_force().len())
}

/// Where the pieces of a batch go, in input order.
pub(super) trait Sink {
    /// Before the first piece: the output header, if the format has one.
    fn header(&mut self, scorer: &Scorer<'_>) -> Result<()>;
    /// One piece's output.
    fn piece(&mut self, piece: &mut Piece) -> Result<()>;
    /// After each chunk (a record-batch output writes a batch).
    fn end_chunk(&mut self) -> Result<()>;
    /// After the last chunk: flush, write a footer.
    fn finish(&mut self) -> Result<()>;
}

fn io_err(e: std::io::Error) -> Error {
    Error::Io {
        location: Location::default(),
        source: e,
    }
}

/// CSV or JSON Lines bytes into a writer.
struct ByteSink<W: Write> {
    out: W,
    format: OutputFormat,
}

impl<W: Write> Sink for ByteSink<W> {
    fn header(&mut self, scorer: &Scorer<'_>) -> Result<()> {
        if self.format == OutputFormat::Csv {
            let mut header = csv::Writer::from_writer(Vec::new());
            header
                .write_record(scorer.output_header())
                .map_err(|e| csv_err(&Location::default(), e, &[], None))?;
            let bytes = header.into_inner().map_err(|e| io_err(e.into_error()))?;
            self.out.write_all(&bytes).map_err(io_err)?;
        }
        Ok(())
    }

    fn piece(&mut self, piece: &mut Piece) -> Result<()> {
        self.out.write_all(&piece.bytes).map_err(io_err)
    }

    fn end_chunk(&mut self) -> Result<()> {
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.out.flush().map_err(io_err)
    }
}

/// The header plan of an input for batch scoring (id column, missing tokens, column
/// warnings once).
pub(super) fn batch_plan(
    scorer: &Scorer<'_>,
    header: &[&str],
    opts: &BatchOptions,
    location: &Location,
) -> Result<HeaderPlan> {
    let mut plan = scorer.plan(header, opts.id_column.as_deref(), location.clone())?;
    if let Some(m) = &opts.missing_tokens {
        plan = plan.with_missing_tokens(m.clone());
    }
    Ok(plan.column_warnings_once())
}

/// What a batch knows once its header is planned: the absent, ignored and dropped
/// columns.
pub(super) fn start_report(scorer: &Scorer<'_>, plan: &HeaderPlan) -> BatchReport {
    let dropped: HashSet<&str> = scorer
        .model()
        .dropped_columns()
        .iter()
        .map(String::as_str)
        .collect();
    BatchReport {
        column_warnings: plan
            .absent_columns
            .iter()
            .map(|c| format!("column '{c}' is absent: scored as missing"))
            .collect(),
        ignored_columns: plan
            .ignored_columns
            .iter()
            .filter(|c| !dropped.contains(c.as_str()))
            .cloned()
            .collect(),
        dropped_columns: plan
            .ignored_columns
            .iter()
            .filter(|c| dropped.contains(c.as_str()))
            .cloned()
            .collect(),
        ..BatchReport::default()
    }
}

/// Counts the pieces of a batch, in order, and sends them to the sink.
pub(super) struct Tally {
    pub(super) report: BatchReport,
    /// The column tallies so far: the first piece's, moved; later pieces merged in
    /// (zeros only if no piece came).
    tallies: Option<Vec<FeatureTally>>,
    n_features: usize,
}

impl Tally {
    pub(super) fn new(scorer: &Scorer<'_>, report: BatchReport) -> Self {
        Tally {
            report,
            tallies: None,
            n_features: scorer.input_schema().features.len(),
        }
    }

    /// Sends the pieces of one chunk to `sink` and counts them.
    pub(super) fn chunk(&mut self, pieces: Vec<Result<Piece>>, sink: &mut dyn Sink) -> Result<()> {
        for piece in pieces {
            let mut piece = piece?;
            sink.piece(&mut piece)?;
            let report = &mut self.report;
            report.rows_out += piece.rows_out;
            report.rows_with_warnings += piece.rows_with_warnings;
            report.rows_skipped += piece.rows_skipped;
            match &mut self.tallies {
                None => self.tallies = Some(std::mem::take(&mut piece.tallies)),
                Some(t) => {
                    for (a, b) in t.iter_mut().zip(&piece.tallies) {
                        a.merge(b);
                    }
                }
            }
            for e in piece.errors {
                if report.errors.len() < MAX_ERRORS {
                    report.errors.push(e);
                }
            }
        }
        sink.end_chunk()
    }

    /// The report, with the per-column summaries.
    pub(super) fn finish(mut self, scorer: &Scorer<'_>) -> BatchReport {
        let names: Vec<String> = scorer
            .input_schema()
            .features
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let tallies = self
            .tallies
            .take()
            .unwrap_or_else(|| vec![FeatureTally::default(); self.n_features]);
        self.report.columns = column_summaries(&names, &tallies, self.report.rows_out);
        self.report
    }
}

/// Scores a CSV from `input` to `output` (see the module docs for the columns), as CSV
/// or JSON Lines ([`BatchOptions::format`]; Parquet and Arrow output go to a file:
/// [`score_file`]).
pub fn score_csv<R: Read, W: Write>(
    scorer: &Scorer<'_>,
    input: R,
    output: W,
    opts: &BatchOptions,
) -> Result<BatchReport> {
    if matches!(opts.format, OutputFormat::Parquet | OutputFormat::Arrow) {
        return Err(Error::param(
            "format",
            opts.format.name(),
            "Parquet and Arrow output is written to a file: use score_file",
        ));
    }
    let mut sink = ByteSink {
        out: output,
        format: opts.format,
    };
    score_csv_inner(scorer, input, &mut sink, opts, None, &Location::default())
}

/// Scores the CSV file `input` into the file `output` (CSV, JSON Lines, Parquet or
/// Arrow as [`BatchOptions::format`] says), written through an [`AtomicFile`]: the
/// output is replaced only when the whole batch succeeds; on any error (a bad row, a
/// full disk) an existing output is left as it was and no partial file remains. The
/// paths are not checked against each other: see
/// [`check_output_path`](crate::output::check_output_path).
pub fn score_csv_file(
    scorer: &Scorer<'_>,
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    opts: &BatchOptions,
) -> Result<BatchReport> {
    score_file_as(
        scorer,
        input.as_ref(),
        DataFormat::Csv,
        output.as_ref(),
        opts,
    )
}

/// Scores the file `input` — CSV, Parquet or Arrow IPC, as [`BatchOptions::input_format`]
/// says, else as its extension says ([`DataFormat::from_path`]) — into the file
/// `output` as [`BatchOptions::format`] says (see [`OutputFormat::from_path`]),
/// atomically as [`score_csv_file`]. A Parquet or Arrow input is streamed one record
/// batch ([`BatchOptions::chunk_rows`] rows) at a time.
///
/// # Errors
/// Those of [`score_csv_file`]; an [`Error::Format`] when this build lacks the
/// feature an input or output format needs (`parquet`, `arrow`).
pub fn score_file(
    scorer: &Scorer<'_>,
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    opts: &BatchOptions,
) -> Result<BatchReport> {
    let input = input.as_ref();
    let format = opts
        .input_format
        .unwrap_or_else(|| DataFormat::from_path(input));
    score_file_as(scorer, input, format, output.as_ref(), opts)
}

fn score_file_as(
    scorer: &Scorer<'_>,
    inp: &Path,
    in_format: DataFormat,
    out: &Path,
    opts: &BatchOptions,
) -> Result<BatchReport> {
    let in_loc = Location::file(inp);
    in_format.check_available(&in_loc)?;
    match opts.format {
        OutputFormat::Parquet => DataFormat::Parquet.check_available(&Location::file(out))?,
        OutputFormat::Arrow => DataFormat::Arrow.check_available(&Location::file(out))?,
        _ => {}
    }
    let mut o = AtomicFile::create(out)?;
    let result = {
        let mut sink: Box<dyn Sink + '_> = match opts.format {
            OutputFormat::Csv | OutputFormat::JsonLines => Box::new(ByteSink {
                out: &mut o,
                format: opts.format,
            }),
            #[cfg(feature = "arrow")]
            OutputFormat::Parquet | OutputFormat::Arrow => {
                super::arrow::file_sink(scorer, &mut o, opts)?
            }
            #[allow(unreachable_patterns)]
            other => return Err(format_unavailable(out, other.name())),
        };
        let report = match in_format {
            DataFormat::Csv => {
                let f = File::open(inp).map_err(|e| Error::Io {
                    location: in_loc.clone(),
                    source: e,
                })?;
                let total = f.metadata().ok().map(|m| m.len());
                score_csv_inner(
                    scorer,
                    BufReader::with_capacity(1 << 20, f),
                    sink.as_mut(),
                    opts,
                    total,
                    &in_loc,
                )
            }
            #[cfg(feature = "arrow")]
            _ => super::arrow::score_batch_file(scorer, inp, in_format, sink.as_mut(), opts),
            #[cfg(not(feature = "arrow"))]
            _ => Err(format_unavailable(inp, in_format.name())),
        };
        report.and_then(|r| sink.finish().map(|()| r))
    };
    let report = result.map_err(|e| match e {
        // A failed write names the output file.
        Error::Io { location, source } if location == Location::default() => Error::Io {
            location: Location::file(out),
            source,
        },
        other => other,
    })?;
    check_unusable(&report, opts, &in_loc)?;
    o.commit()?;
    Ok(report)
}

/// A format this build cannot read or write (`check_available` refuses it first).
#[allow(dead_code)]
fn format_unavailable(path: &Path, format: &str) -> Error {
    Error::Format {
        location: Location::file(path),
        message: format!("this build cannot read or write {format} files"),
    }
}

/// With [`BatchOptions::max_unusable_percent`], the error for columns too much of
/// which the model could not use (dropping the output file keeps the old output).
fn check_unusable(report: &BatchReport, opts: &BatchOptions, in_loc: &Location) -> Result<()> {
    let Some(percent) = opts.max_unusable_percent else {
        return Ok(());
    };
    let share = f64::from(percent) / 100.0;
    let bad = report.unusable_columns(share);
    if bad.is_empty() {
        return Ok(());
    }
    let bad: HashSet<&str> = bad.into_iter().map(|(n, _)| n).collect();
    let found: Vec<&ColumnSummary> = report
        .columns
        .iter()
        .filter(|c| bad.contains(c.column.as_str()))
        .collect();
    // A short message however many columns are unusable.
    let mut listed: Vec<String> = found
        .iter()
        .take(LISTED_SUMMARIES)
        .map(|c| c.to_string())
        .collect();
    if found.len() > LISTED_SUMMARIES {
        listed.push(format!("… and {} more", found.len() - LISTED_SUMMARIES));
    }
    Err(Error::Schema {
        location: in_loc.clone(),
        message: format!(
            "{}: more than {percent} % of the column cannot be used (recoded or \
             renamed since training?); the output was not written",
            listed.join("; "),
        ),
    })
}

fn score_csv_inner<R: Read>(
    scorer: &Scorer<'_>,
    input: R,
    sink: &mut dyn Sink,
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
        .from_reader(RecordLimit::new(input, opts.delimiter));
    let starts = reader.get_ref().starts();
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_err(location, e, &[], Some(&starts)))?
        .iter()
        .map(str::to_string)
        .collect();
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let plan = batch_plan(scorer, &header_refs, opts, location)?;
    sink.header(scorer)?;
    let mut tally = Tally::new(scorer, start_report(scorer, &plan));
    let progress = |rows_done: u64, bytes_done: u64| {
        if let Some(f) = &opts.progress {
            f.call(Progress {
                rows_done,
                bytes_done,
                bytes_total: total_bytes,
            });
        }
    };
    progress(0, reader.position().byte());
    let mut records: Vec<csv::StringRecord> = Vec::with_capacity(opts.chunk_rows);
    let mut row_number: u64 = 0;
    loop {
        // Read one chunk (records reused across chunks).
        let mut filled = 0;
        let mut lines: Vec<Option<u64>> = Vec::with_capacity(opts.chunk_rows);
        let mut numbers: Vec<u64> = Vec::with_capacity(opts.chunk_rows);
        let mut chunk_bytes = 0;
        let report = &mut tally.report;
        while filled < opts.chunk_rows && chunk_bytes < CHUNK_BYTES {
            if records.len() <= filled {
                records.push(csv::StringRecord::new());
            }
            match reader.read_record(&mut records[filled]) {
                Ok(false) => break,
                Ok(true) => {
                    chunk_bytes += records[filled].as_slice().len();
                    row_number += 1;
                    report.rows_in += 1;
                    lines.push(
                        records[filled]
                            .position()
                            .map(|p| starts.line_of(p.byte()).unwrap_or(p.line())),
                    );
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
                            report
                                .errors
                                .push(csv_err(location, e, &header, Some(&starts)).to_string());
                        }
                        continue;
                    }
                    return Err(csv_err(location, e, &header, Some(&starts)));
                }
            }
        }
        if filled == 0 {
            break;
        }
        let refs: Vec<&csv::StringRecord> = records[..filled].iter().collect();
        let pieces: Vec<Result<Piece>> = refs
            .par_chunks(PIECE_ROWS)
            .zip(lines.par_chunks(PIECE_ROWS))
            .zip(numbers.par_chunks(PIECE_ROWS))
            .map(|((recs, ls), ns)| score_piece(scorer, &plan, recs, ls, ns, opts))
            .collect();
        tally.chunk(pieces, sink)?;
        progress(tally.report.rows_in, reader.position().byte());
    }
    Ok(tally.finish(scorer))
}

#[cfg(test)]
mod tests {
    use super::{fmt_num, round_signed};

    fn fmt(x: f64, precision: Option<usize>, signed: bool) -> String {
        let mut s = String::from("kept|");
        fmt_num(&mut s, x, precision, signed);
        s
    }

    #[test]
    fn a_weight_never_reads_as_zero_unless_it_is() {
        assert_eq!(fmt(0.01304, Some(4), true), "kept|+0.0130");
        assert_eq!(fmt(-0.2135, Some(4), true), "kept|-0.2135");
        // Four decimals would write +0.0000 / -0.0000: four significant digits instead.
        assert_eq!(fmt(2.1344e-5, Some(4), true), "kept|+2.134e-5");
        assert_eq!(fmt(-3.0e-9, Some(4), true), "kept|-3.000e-9");
        assert_eq!(fmt(4.0e-7, Some(0), true), "kept|+4e-7");
        assert_eq!(fmt(0.0, Some(4), true), "kept|+0.0000");
        // Unsigned numbers (probabilities, amounts) keep their decimals.
        assert_eq!(fmt(2.1e-5, Some(4), false), "kept|0.0000");
        assert_eq!(fmt(2.1e-5, None, true), "kept|+0.000021");
        assert_eq!(round_signed(2.1344e-5, Some(4)), 2.134e-5);
        assert_eq!(round_signed(0.01304, Some(4)), 0.013);
        assert_eq!(round_signed(2.1344e-5, None), 2.1344e-5);
        assert!(round_signed(f64::NAN, Some(4)).is_nan());
    }
}
