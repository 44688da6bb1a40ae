//! Reading churn tables from CSV files as real exports write them: see [`read_csv`]
//! for the quirks handled and the errors, [`CsvOptions`] for the options and the label
//! rules, [`CsvChunks`] for streaming.

use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufRead, BufReader, Chain, Cursor, Read};
use std::path::Path;
use std::sync::Arc;

use ::csv::{ByteRecord, ReaderBuilder};

use super::cell::{self, Parsed};
use super::encoded::MAX_LEVELS;
use super::missing::MissingTokens;
use super::schema::{CHURNED, Feature, FeatureKind, RETAINED, Schema, Target};
use super::table::{Column, MISSING_LEVEL, Table};
use super::target::LabelRule;
use crate::error::{Error, Location, Result};

/// How many line numbers a [`ReadReport`] keeps per kind of problem.
pub const REPORTED_LINES: usize = 10;

/// What to do with a row whose label is missing or maps to no class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BadLabelPolicy {
    /// Stop with an error naming the line (the default).
    #[default]
    Error,
    /// Skip the row and count it (with the first few line numbers) in the
    /// [`ReadReport`].
    Skip,
}

/// What to do with a cell that is not a number in a column declared numeric (with
/// [`CsvOptions::numeric`] or [`CsvOptions::with_schema_kinds`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BadCellPolicy {
    /// Stop with an error naming the line, column and value (the default).
    #[default]
    Error,
    /// Treat the cell as missing and count it in the [`ReadReport`].
    Missing,
}

/// How to read a churn CSV: the target column and the file's quirks.
///
/// A builder; every setter returns the options. Defaults: delimiter detected from the
/// header; missing tokens `NA`, `N/A`, `?`, `null` (plus empty cells); no dropped, id
/// or weight column; kinds inferred; labels recognised (Yes/No, True/False, 1/0,
/// retained/at_risk/churned); bad labels and bad cells are errors; the target must be
/// present.
///
/// # Labels
///
/// The rules, in order (the first that applies decides):
///
/// 1. **A class map** ([`CsvOptions::class_map`](crate::data::CsvOptions::class_map)):
///    each label text is looked up (exactly, then ignoring ASCII case) and mapped to
///    `retained`, `at_risk` or `churned`. The schema's classes are the mapped-to classes,
///    in churn order. A label the map does not name is a bad label.
/// 2. **A positive label** ([`CsvOptions::positive_label`](crate::data::CsvOptions::positive_label)):
///    that text (ignoring case) is `churned`; the negative text is the one given with
///    [`CsvOptions::negative_label`](crate::data::CsvOptions::negative_label), else the
///    partner of a recognised pair (`Yes`/`No`, `Y`/`N`, `True`/`False`, `1`/`0`), else
///    the only other text in the data. Anything else is a bad label.
/// 3. **Recognised labels**: ignoring case, `yes`, `y`, `true` and `1` (also `1.0`) are
///    `churned`; `no`, `n`, `false` and `0` (also `0.0`) are `retained`; the canonical names
///    `retained`, `at_risk` (or `at-risk`) and `churned` map to themselves. When no text
///    is recognised the reader cannot guess and asks for a positive label or a class map;
///    when some are, the others are bad labels.
///
/// A bad or missing label is an error naming its line, or (with
/// [`BadLabelPolicy::Skip`](crate::data::BadLabelPolicy::Skip)) a skipped row counted
/// in the [`ReadReport`](crate::data::ReadReport).
///
/// # Example
///
/// ```
/// use churnkit::data::{BadLabelPolicy, CsvOptions};
///
/// // IBM Telco: Yes/No labels are recognised; the id is kept for output.
/// let telco = CsvOptions::new("Churn").id_column("customerID");
/// // Orange: True/False labels; `Area code` is a code, not a quantity.
/// let orange = CsvOptions::new("Churn").categorical(&["Area code"]);
/// // Three-state data with house labels, skipping rows with unknown labels.
/// let custom = CsvOptions::new("status")
///     .class_map(&[("active", "retained"), ("warned", "at_risk"), ("closed", "churned")])
///     .on_bad_label(BadLabelPolicy::Skip);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOptions {
    target: String,
    delimiter: Option<u8>,
    missing_tokens: Vec<String>,
    drop_columns: Vec<String>,
    id_column: Option<String>,
    weight_column: Option<String>,
    numeric: Vec<String>,
    categorical: Vec<String>,
    schema_kinds: Vec<(String, bool)>,
    classes: Option<Vec<String>>,
    labels: LabelRule,
    on_bad_label: BadLabelPolicy,
    on_bad_cell: BadCellPolicy,
    target_optional: bool,
}

fn strings<I>(items: I) -> Vec<String>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    items.into_iter().map(|s| s.as_ref().to_string()).collect()
}

impl CsvOptions {
    /// Options for a file whose churn label is in column `target`.
    pub fn new(target: impl Into<String>) -> Self {
        CsvOptions {
            target: target.into(),
            delimiter: None,
            missing_tokens: strings(MissingTokens::DEFAULT),
            drop_columns: Vec::new(),
            id_column: None,
            weight_column: None,
            numeric: Vec::new(),
            categorical: Vec::new(),
            schema_kinds: Vec::new(),
            classes: None,
            labels: LabelRule::default(),
            on_bad_label: BadLabelPolicy::Error,
            on_bad_cell: BadCellPolicy::Error,
            target_optional: false,
        }
    }

    /// The target column's name.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The field delimiter (instead of detecting `,`, `;` or tab from the header).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = Some(delimiter);
        self
    }

    /// The texts that mean "missing" (replacing the defaults; compared after trimming,
    /// ignoring ASCII case). Empty and whitespace-only cells are always missing.
    pub fn missing_tokens<I>(mut self, tokens: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.missing_tokens = strings(tokens);
        self
    }

    /// The missing tokens in force, as the shared [`MissingTokens`] (give it to
    /// batch scoring so scored files are read like training files).
    pub fn missing(&self) -> MissingTokens {
        MissingTokens::new(&self.missing_tokens)
    }

    /// Columns to ignore (identifiers, columns that leak the label). Each must exist.
    pub fn drop_columns<I>(mut self, columns: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.drop_columns.extend(strings(columns));
        self
    }

    /// A column of customer ids, kept in [`Table::ids`] for output, never a feature.
    pub fn id_column(mut self, column: impl Into<String>) -> Self {
        self.id_column = Some(column.into());
        self
    }

    /// A column of sample weights (finite numbers `>= 0`), never a feature.
    pub fn weight_column(mut self, column: impl Into<String>) -> Self {
        self.weight_column = Some(column.into());
        self
    }

    /// Columns to read as numbers whatever they hold; a cell that is not a number is
    /// then an error (or missing, see [`CsvOptions::on_bad_cell`]).
    pub fn numeric<I>(mut self, columns: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.numeric.extend(strings(columns));
        self
    }

    /// Columns to read as categories even when every cell is a number (codes such as
    /// area codes or zip codes).
    pub fn categorical<I>(mut self, columns: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.categorical.extend(strings(columns));
        self
    }

    /// Fixes column kinds and classes from a training schema, so data read later (to
    /// test or score) has the same kinds: the schema's numeric features are read as
    /// numbers, its categorical features as text, and labels map into its classes.
    /// Schema features absent from the file are not an error here (the discretizer
    /// reports them when encoding). Explicit [`CsvOptions::numeric`] /
    /// [`CsvOptions::categorical`] still take precedence.
    pub fn with_schema_kinds(mut self, schema: &Schema) -> Self {
        self.schema_kinds = schema
            .features
            .iter()
            .map(|f| (f.name.clone(), f.is_numeric()))
            .collect();
        self.classes = Some(schema.target.classes.clone());
        self
    }

    /// Fixes the target's classes (canonical names in churn order, e.g.
    /// `["retained", "churned"]`) instead of deriving them from the labels.
    pub fn classes<I>(mut self, classes: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.classes = Some(strings(classes));
        self
    }

    /// The label meaning `churned` in a binary target (compared ignoring ASCII case).
    /// The other label is the recognised partner (`Yes`→`No`, `True`→`False`, `1`→`0`),
    /// the one given with [`CsvOptions::negative_label`], or the only other label.
    pub fn positive_label(mut self, label: impl Into<String>) -> Self {
        self.labels.positive = Some(label.into());
        self
    }

    /// The label meaning `retained` in a binary target (with
    /// [`CsvOptions::positive_label`]).
    pub fn negative_label(mut self, label: impl Into<String>) -> Self {
        self.labels.negative = Some(label.into());
        self
    }

    /// Maps label texts to churn classes (`retained`, `at_risk`, `churned`), e.g.
    /// `&[("active", "retained"), ("warned", "at_risk"), ("closed", "churned")]`. The
    /// table's classes are the mapped-to classes, in churn order.
    pub fn class_map(mut self, map: &[(&str, &str)]) -> Self {
        self.labels.class_map = map
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        self
    }

    /// What to do with a row whose label is missing or maps to no class.
    pub fn on_bad_label(mut self, policy: BadLabelPolicy) -> Self {
        self.on_bad_label = policy;
        self
    }

    /// What to do with a non-number in a column declared numeric.
    pub fn on_bad_cell(mut self, policy: BadCellPolicy) -> Self {
        self.on_bad_cell = policy;
        self
    }

    /// When true, a file without the target column is read as data to score
    /// ([`Table::new_unlabeled`]); its classes are those fixed by
    /// [`CsvOptions::with_schema_kinds`] / [`CsvOptions::classes`], else the class
    /// map's, else `retained`, `churned`.
    pub fn target_optional(mut self, optional: bool) -> Self {
        self.target_optional = optional;
        self
    }

    fn validate(&self) -> Result<()> {
        self.labels.validate()?;
        if let Some(name) = self.numeric.iter().find(|n| self.categorical.contains(n)) {
            return Err(Error::param(
                "numeric/categorical",
                name,
                "a column cannot be declared both numeric and categorical",
            ));
        }
        for (what, col) in [
            ("id_column", &self.id_column),
            ("weight_column", &self.weight_column),
        ] {
            if col.as_deref() == Some(self.target.as_str()) {
                return Err(Error::param(what, &self.target, "is the target column"));
            }
        }
        if self.id_column.is_some() && self.id_column == self.weight_column {
            return Err(Error::param(
                "weight_column",
                self.weight_column.as_deref().unwrap_or_default(),
                "is also the id column",
            ));
        }
        if self.drop_columns.contains(&self.target) {
            return Err(Error::param(
                "drop_columns",
                &self.target,
                "the target column cannot be dropped",
            ));
        }
        if let Some(classes) = &self.classes {
            let order = super::target::CHURN_ORDER;
            let ok = classes.len() >= 2
                && classes.iter().all(|c| order.contains(&c.as_str()))
                && classes.windows(2).all(|w| {
                    order.iter().position(|c| *c == w[0]) < order.iter().position(|c| *c == w[1])
                });
            if !ok {
                return Err(Error::param(
                    "classes",
                    format!("{classes:?}"),
                    "must be two or three of retained, at_risk, churned, in that order",
                ));
            }
        }
        Ok(())
    }

    fn unlabeled_classes(&self) -> Vec<String> {
        if let Some(c) = &self.classes {
            return c.clone();
        }
        let mapped: Vec<&str> = super::target::CHURN_ORDER
            .iter()
            .copied()
            .filter(|c| self.labels.class_map.iter().any(|(_, to)| to == c))
            .collect();
        if mapped.len() >= 2 {
            mapped.into_iter().map(String::from).collect()
        } else {
            vec![RETAINED.into(), CHURNED.into()]
        }
    }
}

/// Cells of one column that were not numbers in a column declared numeric and were
/// read as missing ([`BadCellPolicy::Missing`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadCells {
    /// The column.
    pub column: String,
    /// How many cells.
    pub count: usize,
    /// Lines of the first few (at most [`REPORTED_LINES`]).
    pub lines: Vec<u64>,
    /// The first offending value, as read.
    pub first_value: String,
}

/// What reading a CSV found besides the table: what was skipped or treated as missing
/// (only ever at the caller's request) and how labels were mapped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadReport {
    /// The source (file path or the name given to [`read_csv_from`]).
    pub source: String,
    /// The delimiter used.
    pub delimiter: u8,
    /// Data rows read (including skipped ones).
    pub rows_read: usize,
    /// Rows in the table.
    pub rows: usize,
    /// Rows skipped because their label was missing or maps to no class
    /// ([`BadLabelPolicy::Skip`]).
    pub skipped_rows: usize,
    /// Lines of the first few skipped rows (at most [`REPORTED_LINES`]).
    pub skipped_lines: Vec<u64>,
    /// Non-numbers in declared-numeric columns read as missing
    /// ([`BadCellPolicy::Missing`]), per column.
    pub bad_cells: Vec<BadCells>,
    /// Missing cells per feature (features with none are left out).
    pub missing: Vec<(String, usize)>,
    /// How each distinct label text was mapped (`text`, `class`), in first-seen order.
    pub label_map: Vec<(String, String)>,
}

// ---------------------------------------------------------------------------------
// Hashing: a small FxHash-style hasher for interning cell texts (the inputs are the
// user's own files, so hash flooding is not a concern; speed is).

#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

const FX_K: u64 = 0xf135_7aea_2e62_a9c5;

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(a)).wrapping_mul(FX_K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut a = [0u8; 8];
            a[..rest.len()].copy_from_slice(rest);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(a) ^ rest.len() as u64).wrapping_mul(FX_K);
        }
        self.0 = h;
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(FX_K);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits depending on the low input bytes only (the
        // first characters of a text, often shared); mix high bits down (MurmurHash3's
        // 64-bit finaliser) so the table's bucket bits see the whole text.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

type FxMap<V> = HashMap<Box<[u8]>, V, BuildHasherDefault<FxHasher>>;

/// Distinct texts of a column, numbered in first-seen order.
#[derive(Default)]
struct Interner {
    map: FxMap<u32>,
    texts: Vec<String>,
    first_lines: Vec<u64>,
}

impl Interner {
    /// The number of `bytes`, adding it (after checking UTF-8 and the level limit).
    #[inline]
    fn intern(
        &mut self,
        bytes: &[u8],
        line: u64,
        at: &dyn Fn() -> Location,
        limit: usize,
    ) -> Result<u32> {
        if let Some(&c) = self.map.get(bytes) {
            return Ok(c);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| non_utf8(at(), bytes))?;
        if self.texts.len() >= limit {
            return Err(Error::Schema {
                location: at(),
                message: format!(
                    "more than {limit} distinct values; a categorical feature may have at most {MAX_LEVELS} levels (drop the column, make it the id column, or declare it numeric)"
                ),
            });
        }
        let c = self.texts.len() as u32;
        self.map.insert(bytes.into(), c);
        self.texts.push(text.to_string());
        self.first_lines.push(line);
        Ok(c)
    }
}

fn non_utf8(location: Location, bytes: &[u8]) -> Error {
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

type Source<R> = ::csv::Reader<Chain<Cursor<Vec<u8>>, BufReader<R>>>;

/// Physical line numbers of records. The csv parser counts a record's line without
/// the line breaks inside quoted fields before it; this adds them back.
#[derive(Debug, Default, Clone, Copy)]
struct Lines {
    extra: u64,
}

impl Lines {
    /// The 1-based line on which `rec` starts (call once per record, in order).
    fn of(&mut self, rec: &ByteRecord) -> u64 {
        let line = rec.position().map_or(0, |p| p.line()) + self.extra;
        self.extra += rec.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
        line
    }
}

/// The delimiter among `,`, `;`, tab that occurs most often outside quotes in the
/// header line (`,` on a tie or when none occurs).
fn detect_delimiter(line: &[u8]) -> u8 {
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

fn io_error(location: &Location, source: std::io::Error) -> Error {
    Error::Io {
        location: location.clone(),
        source,
    }
}

fn csv_error(location: &Location, e: ::csv::Error) -> Error {
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

fn open_source<R: Read>(
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

// ---------------------------------------------------------------------------------
// The plan: what each CSV column is.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Numbers; `declared` when the user (or a schema) said so, else inferred so far.
    Numeric { declared: bool },
    /// Text levels.
    Categorical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A whole file, kinds inferred, classes checked.
    Read,
    /// A chunk of a stream: kinds fixed up front, no class-count check.
    Stream,
}

#[derive(Debug, Clone)]
struct Plan {
    location: Location,
    delimiter: u8,
    n_fields: usize,
    /// (CSV field index, name, kind) per feature.
    features: Vec<(usize, String, Kind)>,
    target: Option<usize>,
    target_name: String,
    id_name: Option<String>,
    weight_name: Option<String>,
    id: Option<usize>,
    weight: Option<usize>,
    missing: MissingTokens,
}

impl Plan {
    fn new<R: Read>(
        reader: &mut Source<R>,
        delimiter: u8,
        location: &Location,
        opts: &CsvOptions,
        mode: Mode,
        forced_text: &[String],
        lines: &mut Lines,
    ) -> Result<Plan> {
        let mut header = ByteRecord::new();
        if !reader
            .read_byte_record(&mut header)
            .map_err(|e| csv_error(location, e))?
        {
            return Err(Error::Csv {
                location: location.clone(),
                message: "the file is empty: expected a header row naming the columns".into(),
            });
        }
        let at1 = location.clone().at_line(1);
        let mut names: Vec<String> = Vec::with_capacity(header.len());
        lines.of(&header);
        for field in header.iter().map(cell::trim) {
            let name = std::str::from_utf8(field).map_err(|_| non_utf8(at1.clone(), field))?;
            if names.iter().any(|n| n == name) {
                return Err(Error::Schema {
                    location: at1.clone().at_column(name),
                    message: "duplicate column name in the header (rename one of them)".into(),
                });
            }
            names.push(name.to_string());
        }
        let no_such = |what: &str, name: &str| Error::Schema {
            location: at1.clone().at_column(name),
            message: format!(
                "no such column (given as {what}); the header has: {}",
                names.join(", ")
            ),
        };
        let find = |what: &str, name: &str| -> Result<usize> {
            names
                .iter()
                .position(|n| n == name)
                .ok_or_else(|| no_such(what, name))
        };
        let target = match names.iter().position(|n| *n == opts.target) {
            Some(t) => Some(t),
            None if opts.target_optional => None,
            None => return Err(no_such("the target", &opts.target)),
        };
        let id = opts
            .id_column
            .as_deref()
            .map(|c| find("the id column", c))
            .transpose()?;
        let weight = opts
            .weight_column
            .as_deref()
            .map(|c| find("the weight column", c))
            .transpose()?;
        let mut dropped = vec![false; names.len()];
        for c in &opts.drop_columns {
            dropped[find("a column to drop", c)?] = true;
        }
        for c in opts.numeric.iter().chain(&opts.categorical) {
            find("a numeric/categorical override", c)?;
        }
        let mut features = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if dropped[i] || Some(i) == target || Some(i) == id || Some(i) == weight {
                continue;
            }
            let from_schema = opts
                .schema_kinds
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, num)| *num);
            let kind = if opts.numeric.contains(name) {
                Kind::Numeric { declared: true }
            } else if opts.categorical.contains(name) || forced_text.contains(name) {
                Kind::Categorical
            } else {
                match (from_schema, mode) {
                    (Some(true), _) => Kind::Numeric { declared: true },
                    (Some(false), _) | (None, Mode::Stream) => Kind::Categorical,
                    (None, Mode::Read) => Kind::Numeric { declared: false },
                }
            };
            features.push((i, name.clone(), kind));
        }
        let missing = opts.missing();
        Ok(Plan {
            location: location.clone(),
            delimiter,
            n_fields: names.len(),
            features,
            target,
            target_name: opts.target.clone(),
            id_name: opts.id_column.clone(),
            weight_name: opts.weight_column.clone(),
            id,
            weight,
            missing,
        })
    }

    fn at(&self, line: u64, column: &str) -> Location {
        self.location.clone().at_line(line).at_column(column)
    }
}

fn opts_name(name: &Option<String>) -> &str {
    name.as_deref().unwrap_or_default()
}

/// A bad cell in a declared-numeric column under `policy`: an error naming the line,
/// column and value, or (read as missing) counted in the column's [`BadCells`].
#[cold]
fn bad_number(
    bad: &mut Option<BadCells>,
    plan: &Plan,
    policy: BadCellPolicy,
    name: &str,
    cell: &[u8],
    line: u64,
) -> Result<()> {
    if std::str::from_utf8(cell).is_err() {
        return Err(non_utf8(plan.at(line, name), cell));
    }
    let value = String::from_utf8_lossy(cell).into_owned();
    match policy {
        BadCellPolicy::Error => Err(Error::Value {
            location: plan.at(line, name),
            value,
            message: "not a number, and the column is numeric (fix the cell, list it as a missing token, or read bad cells as missing: BadCellPolicy::Missing, CLI --on-bad-cell missing)".into(),
        }),
        BadCellPolicy::Missing => {
            let b = bad.get_or_insert_with(|| BadCells {
                column: name.to_string(),
                first_value: value,
                ..BadCells::default()
            });
            b.count += 1;
            if b.lines.len() < REPORTED_LINES {
                b.lines.push(line);
            }
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------------
// A batch of rows being read.

enum Builder {
    Num(Vec<f64>),
    Cat(Vec<u32>, Interner),
}

struct Batch {
    cols: Vec<Builder>,
    labels: Vec<u32>,
    label_texts: Interner,
    lines: Vec<u64>,
    ids: Option<Vec<String>>,
    weights: Option<Vec<f64>>,
    bad_cells: Vec<Option<BadCells>>,
    /// Features inferred numeric that turned out to hold text (a re-read is needed).
    switched: Vec<bool>,
    any_switched: bool,
}

const NO_LABEL: u32 = u32::MAX;

impl Batch {
    fn new(plan: &Plan, capacity: usize) -> Batch {
        let cols = plan
            .features
            .iter()
            .map(|(_, _, k)| match k {
                Kind::Numeric { .. } => Builder::Num(Vec::with_capacity(capacity)),
                Kind::Categorical => {
                    Builder::Cat(Vec::with_capacity(capacity), Interner::default())
                }
            })
            .collect();
        Batch {
            cols,
            labels: Vec::with_capacity(capacity),
            label_texts: Interner::default(),
            lines: Vec::with_capacity(capacity),
            ids: plan.id.map(|_| Vec::with_capacity(capacity)),
            weights: plan.weight.map(|_| Vec::with_capacity(capacity)),
            bad_cells: vec![None; plan.features.len()],
            switched: vec![false; plan.features.len()],
            any_switched: false,
        }
    }

    fn len(&self) -> usize {
        self.lines.len()
    }

    fn push(
        &mut self,
        plan: &Plan,
        policy: BadCellPolicy,
        rec: &ByteRecord,
        line: u64,
    ) -> Result<()> {
        if rec.len() != plan.n_fields {
            return Err(Error::Csv {
                location: plan.location.clone().at_line(line),
                message: format!(
                    "the row has {} fields but the header has {} (a ragged row: check quoting and delimiters)",
                    rec.len(),
                    plan.n_fields
                ),
            });
        }
        if self.any_switched {
            // Only finishing the kind inference; the file is read again.
            for (j, (i, _, kind)) in plan.features.iter().enumerate() {
                if *kind == (Kind::Numeric { declared: false })
                    && !self.switched[j]
                    && !cell::fits_numeric(&rec[*i], &plan.missing)
                {
                    self.switched[j] = true;
                }
            }
            return Ok(());
        }
        for (j, (i, name, kind)) in plan.features.iter().enumerate() {
            match &mut self.cols[j] {
                Builder::Num(values) => match cell::number(&rec[*i], &plan.missing) {
                    Parsed::Missing => values.push(f64::NAN),
                    Parsed::Value(x) => values.push(x),
                    Parsed::Bad(_) if *kind == (Kind::Numeric { declared: false }) => {
                        self.switched[j] = true;
                        self.any_switched = true;
                        // Finish inference for the other columns on this same row.
                        return self.push(plan, policy, rec, line);
                    }
                    Parsed::Bad(cell) => {
                        bad_number(&mut self.bad_cells[j], plan, policy, name, cell, line)?;
                        values.push(f64::NAN);
                    }
                },
                Builder::Cat(codes, levels) => match cell::present(&rec[*i], &plan.missing) {
                    None => codes.push(MISSING_LEVEL),
                    Some(cell) => {
                        let c = levels.intern(cell, line, &|| plan.at(line, name), MAX_LEVELS)?;
                        codes.push(c);
                    }
                },
            }
        }
        if let Some(t) = plan.target {
            let label = match cell::present(&rec[t], &plan.missing) {
                None => NO_LABEL,
                Some(cell) => self.label_texts.intern(
                    cell,
                    line,
                    &|| plan.at(line, &plan.target_name),
                    usize::MAX,
                )?,
            };
            self.labels.push(label);
        }
        if let (Some(i), Some(ids)) = (plan.id, &mut self.ids) {
            let cell = cell::trim(&rec[i]);
            let id = std::str::from_utf8(cell)
                .map_err(|_| non_utf8(plan.at(line, opts_name(&plan.id_name)), cell))?;
            ids.push(id.to_string());
        }
        if let (Some(i), Some(weights)) = (plan.weight, &mut self.weights) {
            let cell = cell::trim(&rec[i]);
            let w = cell::parse_number(cell)
                .filter(|w| *w >= 0.0)
                .ok_or_else(|| Error::Value {
                    location: plan.at(line, opts_name(&plan.weight_name)),
                    value: String::from_utf8_lossy(cell).into_owned(),
                    message: "a sample weight must be a finite number >= 0".into(),
                })?;
            weights.push(w);
        }
        self.lines.push(line);
        Ok(())
    }

    /// Builds the table: sorts levels, maps labels, applies the bad-label policy.
    /// Also returns the file line of each kept row.
    fn finish(
        self,
        plan: &Plan,
        opts: &CsvOptions,
        mode: Mode,
    ) -> Result<(Table, ReadReport, Vec<u64>)> {
        let Batch {
            cols,
            labels,
            label_texts,
            lines,
            mut ids,
            mut weights,
            bad_cells,
            ..
        } = self;
        let rows_read = lines.len();
        let mut report = ReadReport {
            source: plan
                .location
                .file
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_default(),
            delimiter: plan.delimiter,
            rows_read,
            bad_cells: bad_cells.into_iter().flatten().collect(),
            ..ReadReport::default()
        };
        // Labels.
        let (classes, label_codes, keep) = match plan.target {
            None => (opts.unlabeled_classes(), vec![0u8; rows_read], None),
            Some(_) => {
                let fixed = match mode {
                    Mode::Stream => Some(
                        opts.classes
                            .clone()
                            .unwrap_or_else(|| opts.unlabeled_classes()),
                    ),
                    Mode::Read => opts.classes.clone(),
                };
                let (classes, index) =
                    opts.labels
                        .resolve(&opts.target, &label_texts.texts, fixed.as_deref())?;
                report.label_map = label_texts
                    .texts
                    .iter()
                    .zip(&index)
                    .filter_map(|(t, i)| {
                        i.as_ref()
                            .ok()
                            .map(|&i| (t.clone(), classes[i as usize].clone()))
                    })
                    .collect();
                let mut codes = Vec::with_capacity(rows_read);
                let mut keep: Option<Vec<bool>> = None;
                for (r, &l) in labels.iter().enumerate() {
                    let mapped = if l == NO_LABEL {
                        Err("missing (the row has no label)".to_string())
                    } else {
                        index[l as usize].clone()
                    };
                    match mapped {
                        Ok(c) => codes.push(c),
                        Err(why) => match opts.on_bad_label {
                            BadLabelPolicy::Error => {
                                let value = if l == NO_LABEL {
                                    String::new()
                                } else {
                                    label_texts.texts[l as usize].clone()
                                };
                                return Err(Error::Label {
                                    location: plan.at(lines[r], &opts.target),
                                    value,
                                    message: format!(
                                        "{why} (fix the label, or read with BadLabelPolicy::Skip to skip such rows)"
                                    ),
                                });
                            }
                            BadLabelPolicy::Skip => {
                                codes.push(0);
                                keep.get_or_insert_with(|| vec![true; rows_read])[r] = false;
                                report.skipped_rows += 1;
                                if report.skipped_lines.len() < REPORTED_LINES {
                                    report.skipped_lines.push(lines[r]);
                                }
                            }
                        },
                    }
                }
                (classes, codes, keep)
            }
        };
        let n_kept = keep
            .as_ref()
            .map_or(rows_read, |k| k.iter().filter(|x| **x).count());
        if n_kept == 0 && mode == Mode::Read {
            return Err(Error::Csv {
                location: plan.location.clone(),
                message: format!(
                    "no rows left: all {rows_read} rows had a missing or unknown label in column '{}'",
                    opts.target
                ),
            });
        }
        fn retain<T: Copy>(v: &mut Vec<T>, keep: &[bool]) {
            let mut i = 0;
            v.retain(|_| {
                i += 1;
                keep[i - 1]
            });
        }
        let mut label_codes = label_codes;
        let mut lines = lines;
        if let Some(k) = &keep {
            retain(&mut label_codes, k);
            retain(&mut lines, k);
            if let Some(w) = &mut weights {
                retain(w, k);
            }
            if let Some(ids) = &mut ids {
                let mut i = 0;
                ids.retain(|_| {
                    i += 1;
                    k[i - 1]
                });
            }
        }
        if plan.target.is_some() && mode == Mode::Read && opts.classes.is_none() {
            let mut seen = vec![0usize; classes.len()];
            for &c in &label_codes {
                seen[c as usize] += 1;
            }
            if seen.iter().filter(|&&n| n > 0).count() < 2 {
                let only = seen
                    .iter()
                    .position(|&n| n > 0)
                    .map_or("", |c| classes[c].as_str());
                return Err(Error::Schema {
                    location: plan.location.clone().at_column(&opts.target),
                    message: format!(
                        "the target has one class only ({only}: all {n_kept} rows); a churn model needs customers who left and customers who stayed"
                    ),
                });
            }
        }
        // Features.
        let mut features = Vec::with_capacity(cols.len());
        let mut columns = Vec::with_capacity(cols.len());
        for ((_, name, _), col) in plan.features.iter().zip(cols) {
            let (kind, column) = match col {
                Builder::Num(mut v) => {
                    if let Some(k) = &keep {
                        retain(&mut v, k);
                    }
                    (FeatureKind::Numeric, Column::Numeric(v))
                }
                Builder::Cat(mut codes, interner) => {
                    if let Some(k) = &keep {
                        retain(&mut codes, k);
                    }
                    let (levels, codes) = sort_levels(interner.texts, codes);
                    (
                        FeatureKind::Categorical { levels },
                        Column::Categorical(codes),
                    )
                }
            };
            let n_missing = column.n_missing();
            if n_missing > 0 {
                report.missing.push((name.clone(), n_missing));
            }
            features.push(Feature {
                name: name.clone(),
                kind,
            });
            columns.push(column);
        }
        report.rows = n_kept;
        let schema = Arc::new(Schema {
            features,
            target: Target {
                name: opts.target.clone(),
                classes,
            },
            id_column: opts.id_column.clone(),
            weight_column: opts.weight_column.clone(),
        });
        let table = match plan.target {
            Some(_) => Table::new(schema, columns, label_codes, weights, ids)?,
            None => Table::new_unlabeled(schema, columns, weights, ids)?,
        };
        Ok((table, report, lines))
    }
}

/// Sorts levels in byte order, drops levels no row uses, and renumbers the codes.
fn sort_levels(texts: Vec<String>, mut codes: Vec<u32>) -> (Vec<String>, Vec<u32>) {
    let mut used = vec![false; texts.len()];
    for &c in &codes {
        if c != MISSING_LEVEL {
            used[c as usize] = true;
        }
    }
    let mut order: Vec<u32> = (0..texts.len() as u32)
        .filter(|&c| used[c as usize])
        .collect();
    order.sort_unstable_by(|&a, &b| texts[a as usize].cmp(&texts[b as usize]));
    let mut remap = vec![MISSING_LEVEL; texts.len()];
    for (new, &old) in order.iter().enumerate() {
        remap[old as usize] = new as u32;
    }
    for c in &mut codes {
        if *c != MISSING_LEVEL {
            *c = remap[*c as usize];
        }
    }
    let mut texts: Vec<Option<String>> = texts.into_iter().map(Some).collect();
    let levels = order
        .iter()
        .map(|&o| texts[o as usize].take().unwrap_or_default())
        .collect();
    (levels, codes)
}

// ---------------------------------------------------------------------------------
// Whole-file reading.

fn read_all<R: Read>(
    mut open: impl FnMut() -> Result<R>,
    location: &Location,
    opts: &CsvOptions,
) -> Result<(Table, ReadReport)> {
    opts.validate()?;
    let mut forced_text: Vec<String> = Vec::new();
    // The first pass infers kinds while building; if a column inferred numeric meets
    // text, the pass only finishes inference and a second pass builds with the final
    // kinds. A third attempt means the file changed while being read.
    for _ in 0..3 {
        let (mut reader, delimiter) = open_source(open()?, opts.delimiter, location)?;
        let mut lines = Lines::default();
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
        while reader
            .read_byte_record(&mut rec)
            .map_err(|e| csv_error(location, e))?
        {
            let line = lines.of(&rec);
            batch.push(&plan, opts.on_bad_cell, &rec, line)?;
        }
        if batch.len() == 0 && !batch.any_switched {
            return Err(Error::Csv {
                location: location.clone(),
                message: "the file has a header but no data rows".into(),
            });
        }
        if batch.any_switched {
            for (j, (_, name, _)) in plan.features.iter().enumerate() {
                if batch.switched[j] {
                    forced_text.push(name.clone());
                }
            }
            continue;
        }
        return batch
            .finish(&plan, opts, Mode::Read)
            .map(|(t, r, _)| (t, r));
    }
    Err(Error::Csv {
        location: location.clone(),
        message: "the file changed while it was being read".into(),
    })
}

/// Reading churn tables from CSV files as real exports write them.
///
/// [`read_csv`] reads a whole file into a [`Table`]; [`read_csv_report`] also returns
/// a [`ReadReport`] (skipped rows, cells treated as missing, how labels were mapped);
/// [`read_csv_from`] reads from any reader (bytes in memory, a pipe); [`CsvChunks`]
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
/// - A feature column is numeric when every non-missing cell parses as a finite number,
///   else categorical; [`CsvOptions::numeric`] / [`CsvOptions::categorical`] override
///   the inference (a code like `Area code` may be forced categorical). Categorical
///   levels are sorted in byte order, so the same data gives the same codes.
/// - Columns can be dropped (identifiers, leaking columns); one may be kept as the id
///   column ([`Table::ids`]) and one as the sample-weight column (finite, `>= 0`);
///   neither is ever a feature. The cells of dropped columns are not read at all.
/// - The target's labels map to churn classes (see [`CsvOptions::positive_label`],
///   [`CsvOptions::class_map`] and the label rules on [`CsvOptions`]): Yes/No,
///   True/False, 1/0 and the canonical `retained`/`at_risk`/`churned` are recognised.
///
/// # Errors
///
/// Every problem is an [`Error`] naming the file, the line (1-based, the header is
/// line 1), the column and the value: an empty file, a header with no rows, a ragged
/// row, duplicate column names, an unknown target/id/weight/dropped column, non-UTF-8
/// bytes, text in a column declared numeric, a bad weight, a label that maps to no class
/// (or, with [`BadLabelPolicy::Skip`], a skipped row counted in the report), a target
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
    read_all(
        || File::open(path).map_err(|e| io_error(&location, e)),
        &location,
        opts,
    )
}

/// Reads a churn CSV from a reader (bytes in memory, a pipe, a decompressor);
/// `source_name` names it in errors. The input is held in memory while reading (a
/// second pass may be needed to settle column kinds); stream large inputs with
/// [`CsvChunks`].
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
    read_all(|| Ok(&bytes[..]), &location, opts)
}

// ---------------------------------------------------------------------------------
// Streaming.

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
        let (mut reader, delimiter) = open_source(reader, opts.delimiter, &location)?;
        let mut lines = Lines::default();
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
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(&self.plan.location, e))?;
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
