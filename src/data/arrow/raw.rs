//! The data side of training on Parquet files that are never read whole (feature
//! `parquet`; used by the raw-Parquet engine path, `count::parquet`): the files of a
//! path or glob, the column roles and kinds from the Parquet metadata (the same
//! [`plan`](super) as [`read_parquet`](super::read_parquet)), the text of a
//! categorical cell, the label texts in first-seen order, and the training table
//! streamed one feature column at a time (for the model's fingerprint).
//!
//! Everything here reads at most one record batch ([`STREAM_BATCH_ROWS`] rows of one
//! or two columns) at a time: memory does not grow with the number of rows.

use std::path::{Path, PathBuf};

use arrow_array::{Array, RecordBatch};
use arrow_schema::SchemaRef;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};

use super::cells::{Cells, type_kind};
use super::table::{plan_of_schema, present_text, unsupported_type};
use crate::data::csv::{BadCellPolicy, BadLabelPolicy, CsvOptions, Kind};
use crate::data::missing::MissingTokens;
use crate::data::table::Table;
use crate::error::{Error, Location, Result};

/// Rows per record batch of the streaming passes.
pub const STREAM_BATCH_ROWS: usize = 64 * 1024;

/// The Parquet files `pattern` names, in the order their rows form the table: a file;
/// a directory (its `*.parquet` files, not recursing, sorted by name); or a glob whose
/// last path component holds `*` (any characters) or `?` (one character), e.g.
/// `customers/*.parquet` (matching files sorted by name; wildcards in directory
/// components are not supported).
///
/// # Errors
/// An [`Error::Io`] naming the path when it does not exist, an [`Error::Schema`] when a
/// directory holds no `.parquet` file or no file matches the glob.
pub fn parquet_files(pattern: &str) -> Result<Vec<PathBuf>> {
    let path = Path::new(pattern);
    let wild = |s: &str| s.contains(['*', '?']);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if wild(&parent.to_string_lossy()) {
        return Err(Error::param(
            "data",
            pattern,
            "wildcards are supported in the file name only (e.g. dir/*.parquet), not in directories",
        ));
    }
    let (dir, glob) = if wild(name) {
        (parent.to_path_buf(), Some(name.to_string()))
    } else if path.is_dir() {
        (path.to_path_buf(), Some("*.parquet".to_string()))
    } else {
        std::fs::metadata(path).map_err(|source| Error::Io {
            location: Location::file(path),
            source,
        })?;
        return Ok(vec![path.to_path_buf()]);
    };
    let glob = glob.unwrap_or_default();
    let entries = std::fs::read_dir(&dir).map_err(|source| Error::Io {
        location: Location::file(&dir),
        source,
    })?;
    let mut files: Vec<PathBuf> = Vec::new();
    for e in entries {
        let e = e.map_err(|source| Error::Io {
            location: Location::file(&dir),
            source,
        })?;
        let n = e.file_name();
        if let Some(n) = n.to_str()
            && glob_match(glob.as_bytes(), n.as_bytes())
            && e.path().is_file()
        {
            files.push(e.path());
        }
    }
    if files.is_empty() {
        return Err(Error::Schema {
            location: Location::file(pattern),
            message: format!(
                "no file matches `{glob}` in {}: nothing to read",
                dir.display()
            ),
        });
    }
    files.sort();
    Ok(files)
}

/// `*` and `?` wildcards over bytes (`*`: any run, `?`: one byte).
fn glob_match(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// One feature of a raw Parquet table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFeature {
    /// The column's name.
    pub name: String,
    /// Its position in the files' schema.
    pub index: usize,
    /// Categorical (levels are the cells' texts) or numeric (the cells as `f64`).
    pub categorical: bool,
    /// A text column declared numeric: its cells are parsed as the reader parses them
    /// ([`cell_number`]), not cast by the engine.
    pub text_numeric: bool,
}

/// The columns of a table of Parquet files, planned as
/// [`read_parquet`](super::read_parquet) plans one file: roles by name (target, id,
/// weight, dropped), each feature's kind from its Arrow type (see the
/// [schema mapping](super)), unless declared.
#[derive(Debug, Clone)]
pub struct RawColumns {
    /// The files, in row order.
    pub files: Vec<PathBuf>,
    /// Their Arrow schema (from the first file's metadata; every file has the same).
    pub schema: SchemaRef,
    /// The features, in column order.
    pub features: Vec<RawFeature>,
    /// The target column's name and position.
    pub target: (String, usize),
    /// The id column, if any.
    pub id_column: Option<String>,
    /// The column of sample weights (a number column), its name and position, if any.
    pub weight: Option<(String, usize)>,
    /// The cell texts read as missing.
    pub missing: MissingTokens,
    /// Non-finite numbers read as missing (`--on-bad-cell missing`) rather than an
    /// error.
    pub bad_cells_missing: bool,
}

fn parquet_error(path: &Path, e: parquet::errors::ParquetError) -> Error {
    Error::Format {
        location: Location::file(path),
        message: format!("cannot read it as a Parquet file: {e}"),
    }
}

fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|source| Error::Io {
        location: Location::file(path),
        source,
    })
}

/// Plans the columns of `files` (see [`RawColumns`]) from their Parquet metadata only.
///
/// # Errors
/// A file that is not Parquet, a file whose schema differs from the first's (naming
/// both), a missing target / id / dropped column, an unsupported Arrow type in a
/// column that is read (naming the column and the type), and what this path does
/// not do: a weight column of text.
pub fn raw_columns(files: Vec<PathBuf>, opts: &CsvOptions) -> Result<RawColumns> {
    let Some(first) = files.first() else {
        return Err(Error::param("data", "", "no Parquet file to read"));
    };
    let schema = file_schema(first)?;
    for f in &files[1..] {
        let s = file_schema(f)?;
        if s.fields() != schema.fields() {
            return Err(Error::Schema {
                location: Location::file(f),
                message: format!(
                    "its columns or their types differ from those of {} (the files of one table must have the same schema)",
                    first.display()
                ),
            });
        }
    }
    let location = Location::file(first);
    let plan = plan_of_schema(&schema, &location, opts)?;
    let weight = match (plan.weight, &plan.weight_name) {
        (Some(i), Some(name)) => {
            if matches!(
                type_kind(schema.field(i).data_type()),
                Some(super::cells::TypeKind::Text) | None
            ) {
                return Err(Error::Schema {
                    location: location.clone().at_column(name),
                    message: format!(
                        "a {} column of sample weights: the raw-Parquet engine path reads weights from number columns only (store them as numbers, or train in memory)",
                        schema.field(i).data_type()
                    ),
                });
            }
            Some((name.clone(), i))
        }
        _ => None,
    };
    let Some(target) = plan.target else {
        return Err(Error::Schema {
            location: location.at_column(&plan.target_name),
            message: "no such column (given as the target)".into(),
        });
    };
    let mut features = Vec::with_capacity(plan.features.len());
    for (i, name, kind) in &plan.features {
        let text = matches!(
            type_kind(schema.field(*i).data_type()),
            Some(super::cells::TypeKind::Text)
        );
        let categorical = matches!(kind, Kind::Categorical);
        if type_kind(schema.field(*i).data_type()).is_none() {
            return Err(unsupported_type(&schema, &location, *i, name));
        }
        features.push(RawFeature {
            name: name.clone(),
            index: *i,
            categorical,
            text_numeric: text && !categorical,
        });
    }
    Ok(RawColumns {
        files,
        schema,
        features,
        target: (plan.target_name.clone(), target),
        id_column: plan.id_name.clone(),
        weight,
        missing: plan.missing.clone(),
        bad_cells_missing: opts.on_bad_cell == BadCellPolicy::Missing,
    })
}

fn file_schema(path: &Path) -> Result<SchemaRef> {
    let file = open(path)?;
    let meta =
        ArrowReaderMetadata::load(&file, Default::default()).map_err(|e| parquet_error(path, e))?;
    Ok(meta.schema().clone())
}

/// The text cell `row` of `array` (any supported Arrow type) is read as in a
/// categorical column or a label — trimmed, numbers and booleans written as text —
/// or None when it is missing (a null, an empty text, a missing token); an error for
/// an unsupported type.
pub fn cell_text(array: &dyn Array, row: usize, missing: &MissingTokens) -> Result<Option<String>> {
    let cells = Cells::of(array).ok_or_else(|| {
        Error::schema(format!(
            "the Arrow type {} is not supported",
            array.data_type()
        ))
    })?;
    let mut buf = String::new();
    Ok(present_text(cells.get(row), missing, &mut buf).map(str::to_string))
}

/// The number the reader reads from cell `row` of `array` in a column declared
/// numeric, as [`read_parquet`](super::read_parquet) reads it: a text trimmed, a
/// missing token or an empty text missing, else its value as a finite number; a
/// number as itself (NaN missing); a boolean 1 or 0; a null missing. None when missing
/// or bad (not a finite number: the reader's bad cell, which the raw path's streaming
/// passes report by the bad-cell policy).
pub fn cell_number(array: &dyn Array, row: usize, missing: &MissingTokens) -> Option<f64> {
    use super::cells::Value;
    use crate::data::cell::{self, Parsed};
    let v = Cells::of(array)?.get(row);
    match v {
        Value::Null => None,
        Value::Text(t) => match cell::number(t.as_bytes(), missing) {
            Parsed::Value(x) => Some(x),
            _ => None,
        },
        _ => v.number().filter(|x| x.is_finite()),
    }
}

/// Calls `f` with each record batch of columns `columns` (positions in the files'
/// schema) of every file, in row order, with the file it comes from and the number of
/// rows before it in that file.
fn stream(
    raw: &RawColumns,
    columns: &[usize],
    mut f: impl FnMut(&Path, usize, &RecordBatch) -> Result<()>,
) -> Result<()> {
    for path in &raw.files {
        let file = open(path)?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| parquet_error(path, e))?;
        let mask = ProjectionMask::roots(builder.parquet_schema(), columns.iter().copied());
        let reader = builder
            .with_projection(mask)
            .with_batch_size(STREAM_BATCH_ROWS)
            .build()
            .map_err(|e| parquet_error(path, e))?;
        let mut row0 = 0;
        for b in reader {
            let b = b.map_err(|e| Error::Format {
                location: Location::file(path),
                message: format!("cannot read it as a Parquet file: {e}"),
            })?;
            f(path, row0, &b)?;
            row0 += b.num_rows();
        }
    }
    Ok(())
}

/// The labels of a raw Parquet table, as the reader maps them.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelScan {
    /// The classes (churn order).
    pub classes: Vec<String>,
    /// The distinct non-missing label texts, in first-seen order.
    pub texts: Vec<String>,
    /// Each text's class index (None: a bad label, its rows skipped).
    pub class_of: Vec<Option<u8>>,
    /// How each label text was mapped (`text`, `class`), in first-seen order (the
    /// model's [`ReadSpec`](crate::data::ReadSpec)).
    pub label_map: Vec<(String, String)>,
    /// Rows in the files.
    pub rows_read: u64,
    /// Rows kept (with a label that maps to a class).
    pub rows_kept: u64,
    /// Rows kept of each class.
    pub class_rows: Vec<u64>,
}

impl LabelScan {
    /// The class of a label text (None when missing or bad).
    pub fn class_of_text(&self, text: Option<&str>) -> Option<u8> {
        let t = text?;
        let i = self.texts.iter().position(|x| x == t)?;
        self.class_of[i]
    }
}

/// Streams the target column of every file (one batch at a time) and maps its label
/// texts to classes with the rules of `opts`, as the reader does: the same classes,
/// the same label map; a missing or unknown label is an error naming its file, line
/// (data row 1 is line 2) and column, or its rows are skipped
/// ([`BadLabelPolicy::Skip`]); a target with one class only is an error.
pub fn scan_labels(raw: &RawColumns, opts: &CsvOptions) -> Result<LabelScan> {
    let (target, t) = (&raw.target.0, raw.target.1);
    let mut texts: Vec<String> = Vec::new();
    let mut first_at: Vec<(u64, PathBuf, u64)> = Vec::new();
    let mut counts: Vec<u64> = Vec::new();
    let mut first_missing: Option<(u64, PathBuf, u64)> = None;
    let mut index = std::collections::HashMap::<String, usize>::new();
    let mut global = 0u64;
    let mut buf = String::new();
    stream(raw, &[t], |path, row0, b| {
        let col = b.column(0);
        let cells = Cells::of(col.as_ref())
            .ok_or_else(|| unsupported_type(&raw.schema, &Location::file(path), t, target))?;
        for r in 0..b.num_rows() {
            let line = (row0 + r) as u64 + 2;
            match present_text(cells.get(r), &raw.missing, &mut buf) {
                None => {
                    if first_missing.is_none() {
                        first_missing = Some((global, path.to_path_buf(), line));
                    }
                }
                Some(text) => match index.get(text) {
                    Some(&i) => counts[i] += 1,
                    None => {
                        index.insert(text.to_string(), texts.len());
                        texts.push(text.to_string());
                        first_at.push((global, path.to_path_buf(), line));
                        counts.push(1);
                    }
                },
            }
            global += 1;
        }
        Ok(())
    })?;
    let rows_read = global;
    let (classes, idx) = opts.resolve_labels(&texts).map_err(|e| match e {
        Error::Label {
            location,
            value,
            message,
        } => {
            let first = value.split("', '").next().unwrap_or_default();
            let mut at = location;
            if let Some(i) = texts.iter().position(|x| x == first) {
                at.file = Some(first_at[i].1.clone());
                at.line = Some(first_at[i].2);
            }
            Error::Label {
                location: at,
                value,
                message,
            }
        }
        other => other,
    })?;
    let class_of: Vec<Option<u8>> = idx.iter().map(|r| r.as_ref().ok().copied()).collect();
    if opts.bad_label_policy() == BadLabelPolicy::Error {
        // The first bad row in file order: a missing label, or a text mapping to no
        // class.
        let mut bad: Option<(u64, PathBuf, u64, String, String)> =
            first_missing.as_ref().map(|(g, p, l)| {
                (
                    *g,
                    p.clone(),
                    *l,
                    String::new(),
                    "missing (the row has no label)".to_string(),
                )
            });
        for (i, r) in idx.iter().enumerate() {
            if let Err(why) = r
                && bad.as_ref().is_none_or(|b| first_at[i].0 < b.0)
            {
                bad = Some((
                    first_at[i].0,
                    first_at[i].1.clone(),
                    first_at[i].2,
                    texts[i].clone(),
                    why.clone(),
                ));
            }
        }
        if let Some((_, path, line, value, why)) = bad {
            return Err(Error::Label {
                location: Location::file(path).at_line(line).at_column(target),
                value,
                message: format!(
                    "{why} (fix the label, or skip rows with a missing or unknown label)"
                ),
            });
        }
    }
    let mut per_class = vec![0u64; classes.len()];
    for (c, n) in class_of.iter().zip(&counts) {
        if let Some(c) = c {
            per_class[*c as usize] += n;
        }
    }
    let rows_kept: u64 = per_class.iter().sum();
    if rows_kept == 0 {
        return Err(Error::Schema {
            location: Location::file(&raw.files[0]).at_column(target),
            message: format!(
                "no rows left: all {rows_read} rows had a missing or unknown label in column '{target}'"
            ),
        });
    }
    if per_class.iter().filter(|&&n| n > 0).count() < 2 {
        let only = per_class
            .iter()
            .position(|&n| n > 0)
            .map_or("", |c| classes[c].as_str());
        return Err(Error::Schema {
            location: Location::file(&raw.files[0]).at_column(target),
            message: format!(
                "the target has one class only ({only}: all {rows_kept} rows); a churn model needs customers who left and customers who stayed"
            ),
        });
    }
    let label_map = texts
        .iter()
        .zip(&class_of)
        .filter_map(|(t, c)| c.map(|c| (t.clone(), classes[c as usize].clone())))
        .collect();
    Ok(LabelScan {
        classes,
        texts,
        class_of,
        label_map,
        rows_read,
        rows_kept,
        class_rows: per_class,
    })
}

/// Streams the training table one record batch at a time, as tables of the target and
/// one feature (`feature`: its position in [`RawColumns::features`]; None: the target
/// and the sample weights, if any), read by the same reader as a whole file (the
/// classes fixed to `classes`), and hands each to `f`: a pass over one column of the
/// data in bounded memory. The reader's errors name the file and its line.
pub fn stream_tables(
    raw: &RawColumns,
    feature: Option<usize>,
    opts: &CsvOptions,
    classes: &[String],
    mut f: impl FnMut(&Table) -> Result<()>,
) -> Result<()> {
    let t = raw.target.1;
    let name = feature.map(|j| raw.features[j].name.as_str());
    let mut narrowed = opts.narrowed(name, classes);
    let mut cols = vec![t];
    if let Some(j) = feature {
        cols.push(raw.features[j].index);
    } else if let Some((w, i)) = &raw.weight {
        narrowed = narrowed.weight_column(w);
        cols.push(*i);
    }
    stream(raw, &cols, |path, row0, b| {
        if b.num_rows() == 0 {
            return Ok(());
        }
        let (table, _) = super::read_record_batches(
            std::slice::from_ref(b),
            &path.display().to_string(),
            &narrowed,
        )
        .map_err(|e| shift_lines(e, row0 as u64))?;
        f(&table)
    })
}

/// `e` with its line moved down `rows` rows (an error of a batch that starts `rows`
/// rows into its file).
fn shift_lines(mut e: Error, rows: u64) -> Error {
    if let Error::Value { location, .. }
    | Error::Label { location, .. }
    | Error::Schema { location, .. }
    | Error::Csv { location, .. } = &mut e
    {
        location.line = location.line.map(|l| l + rows);
    }
    e
}

/// The weight of each class over the rows kept, summed in row order as the in-memory
/// table's class counts are (one streaming pass over the target and weight columns,
/// [`stream_tables`]): each row's sample weight, or 1 without a weight column. A bad
/// weight (missing, negative, not finite) is the reader's error, naming the file,
/// line and column.
pub fn class_weights(raw: &RawColumns, opts: &CsvOptions, classes: &[String]) -> Result<Vec<f64>> {
    let mut counts = vec![0.0; classes.len()];
    stream_tables(raw, None, opts, classes, |t| {
        for (r, &l) in t.labels().iter().enumerate() {
            counts[l as usize] += t.weight(r);
        }
        Ok(())
    })?;
    Ok(counts)
}

/// Reads rows `rows` of the table — positions over all its files in row order (as
/// [`LabelScan::rows_read`] counts them), sorted, e.g. a seeded sample — into a
/// [`Table`] with the reader of a whole file, the classes fixed to `classes` (rows
/// with a bad label follow the label policy of `opts`). Only those rows are decoded
/// into batches (the Parquet reader's row selection): memory grows with `rows`, not
/// with the table.
///
/// # Errors
/// A file that cannot be read (naming it); the reader's errors on the rows read
/// (a bad cell, a bad weight), the line counted over the rows read.
pub fn read_rows(
    raw: &RawColumns,
    opts: &CsvOptions,
    classes: &[String],
    rows: &[u64],
) -> Result<(Table, crate::data::ReadReport)> {
    use parquet::arrow::arrow_reader::{RowSelection, RowSelector};
    let mut batches: Vec<RecordBatch> = Vec::new();
    let mut next = 0usize; // the first of `rows` not read yet
    let mut start = 0u64; // the first row of the file, over all files
    // Text columns that become levels or labels decoded as dictionaries, as
    // `read_parquet` decodes them (the id, weight and dropped columns stay text).
    let skip = |name: &str| {
        opts.id_column.as_deref() == Some(name)
            || opts.weight_column.as_deref() == Some(name)
            || opts.drop_columns.iter().any(|d| d == name)
    };
    for path in &raw.files {
        let meta = super::file::dictionary_metadata(path, &|name| !skip(name))?;
        let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(open(path)?, meta);
        let n = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let end = start + n;
        let mut selectors: Vec<RowSelector> = Vec::new();
        let mut at = start;
        let mut taken = 0usize;
        while next < rows.len() && rows[next] < end {
            let r = rows[next];
            if r > at {
                selectors.push(RowSelector::skip((r - at) as usize));
            }
            let mut run = 1;
            while next + run < rows.len()
                && rows[next + run] == r + run as u64
                && r + (run as u64) < end
            {
                run += 1;
            }
            selectors.push(RowSelector::select(run));
            at = r + run as u64;
            next += run;
            taken += run;
        }
        if taken > 0 {
            let mut builder = builder.with_batch_size(STREAM_BATCH_ROWS);
            if taken as u64 != n {
                if end > at {
                    selectors.push(RowSelector::skip((end - at) as usize));
                }
                builder = builder.with_row_selection(RowSelection::from(selectors));
            }
            let reader = builder.build().map_err(|e| parquet_error(path, e))?;
            for b in reader {
                batches.push(b.map_err(|e| Error::Format {
                    location: Location::file(path),
                    message: format!("cannot read it as a Parquet file: {e}"),
                })?);
            }
        }
        start = end;
    }
    let source = raw.files[0].display().to_string();
    super::read_record_batches(&batches, &source, &opts.clone().classes(classes.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_names() {
        assert!(glob_match(b"*.parquet", b"a.parquet"));
        assert!(glob_match(b"part-?.parquet", b"part-1.parquet"));
        assert!(!glob_match(b"part-?.parquet", b"part-12.parquet"));
        assert!(glob_match(b"*", b""));
        assert!(!glob_match(b"*.parquet", b"a.csv"));
        assert!(glob_match(b"a*b*c", b"aXXbYc"));
    }
}
