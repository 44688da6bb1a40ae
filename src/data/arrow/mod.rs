//! Arrow and Parquet in: a [`Table`] straight from arrow-rs [`RecordBatch`]es (so from
//! polars, DataFusion or DuckDB results) or from Parquet and Arrow IPC files, with no
//! CSV in between (feature `arrow`; Parquet files with feature `parquet`). Scores go
//! back out as a `RecordBatch` with
//! [`score::score_record_batch`](crate::score::score_record_batch) (or into a Parquet
//! file with [`score::score_file`](crate::score::score_file)).
//!
//! The reader is the CSV reader's: the same [`CsvOptions`] (target, label rules, id,
//! weight and dropped columns, declared kinds, missing tokens, bad-cell and bad-label
//! policies), the same plan of column roles, the same label mapping, the same sorted
//! levels and the same [`ReadReport`]; so the same data gives the same table (schema,
//! codes, labels) from a CSV or from Arrow.
//!
//! # Schema mapping
//!
//! | Arrow type | read as |
//! |---|---|
//! | `Int8`…`Int64`, `UInt8`…`UInt64`, `Float32`, `Float64`, `Decimal128` | a **numeric** feature; NaN is missing; ±∞ is a bad cell ([`CsvOptions::on_bad_cell`]: an error naming the column and row by default) |
//! | `Utf8`, `LargeUtf8`, `Utf8View` | a **categorical** feature; cells are trimmed, and a missing token (`NA`, `?`, … [`CsvOptions::missing_tokens`]) or an empty text is missing, as in a CSV |
//! | `Boolean` | a **categorical** feature with levels `false`, `true` |
//! | `Dictionary(integer key, any of the above)` | as its values (a dictionary of text: **categorical**); each distinct value is converted once |
//! | `Null` (a column of nulls only) | a numeric feature, all missing |
//! | a null in any column | **missing** (a missing label: a bad label) |
//! | anything else: lists, structs, maps, binary, dates, timestamps, durations, intervals, `Decimal256`, `Float16` | an [`Error::Schema`] naming the column and its Arrow type, unless the column is dropped ([`CsvOptions::drop_columns`]) |
//!
//! The Arrow type is the declaration: a text column is never turned into numbers by
//! looking at its cells. [`CsvOptions::numeric`] / [`CsvOptions::categorical`] and a
//! model's kinds ([`CsvOptions::with_schema_kinds`]) still override it: a text column
//! declared numeric is parsed cell by cell (a non-number follows the bad-cell policy),
//! a number column declared categorical has levels written as text (integers in full,
//! floats in Rust's shortest form, `2.0` as `2`; decimals with their scale's digits,
//! `12.50`). The target column may be text, a number (`1`/`0`), a boolean
//! (`true`/`false`) or a dictionary; its values go through the label rules of
//! [`CsvOptions`]. The id column may hold text or numbers; the weight column numbers
//! (or numeric text), finite and `>= 0`, never null.
//!
//! Errors name the column and the row as the `line` of a CSV export with a header:
//! data row 1 is line 2.
//!
//! # Example: a `RecordBatch` in, a `RecordBatch` of scores out
//!
//! ```
//! use std::sync::Arc;
//! use churnkit::data::arrow::arrow_array::{
//!     Array, Float64Array, RecordBatch, StringArray, cast::AsArray,
//! };
//! use churnkit::data::arrow::read_record_batch;
//! use churnkit::data::CsvOptions;
//! use churnkit::score::{BatchOptions, Scorer, score_record_batch};
//! use churnkit::registry::{AlgoOptions, Algorithm};
//! use churnkit::train::{Pipeline, Validation};
//!
//! let months: Vec<f64> = (0..40).map(|i| f64::from(i % 20)).collect();
//! let contract: Vec<&str> = (0..40).map(|i| if i % 3 == 0 { "year" } else { "month" }).collect();
//! let churn: Vec<&str> = (0..40).map(|i| if i % 20 < 6 && i % 3 != 0 { "Yes" } else { "No" }).collect();
//! let ids: Vec<String> = (0..40).map(|i| format!("c{i}")).collect();
//! let batch = RecordBatch::try_from_iter([
//!     ("id", Arc::new(StringArray::from(ids)) as Arc<dyn Array>),
//!     ("tenure", Arc::new(Float64Array::from(months))),
//!     ("contract", Arc::new(StringArray::from(contract))),
//!     ("churn", Arc::new(StringArray::from(churn))),
//! ])?;
//!
//! // RecordBatch → Table: numbers are numeric, text categorical, Yes/No the label.
//! let table = read_record_batch(&batch, &CsvOptions::new("churn").id_column("id"))?;
//! assert!(table.schema().features[0].is_numeric());
//! assert_eq!(table.schema().features[1].levels(), ["month", "year"]);
//!
//! // Train, then score the batch (its label column is ignored) into a RecordBatch.
//! let model = Pipeline::new(Algorithm::Id3Weighted, AlgoOptions::default())
//!     .validation(Validation::None)
//!     .fit(&table)?
//!     .model;
//! let scorer = Scorer::new(&model);
//! let (scores, report) = score_record_batch(&scorer, &batch, &BatchOptions::default())?;
//! assert_eq!(report.rows_out, 40);
//! assert_eq!(scores.num_rows(), 40);
//! assert_eq!(scores.schema().field(0).name(), "id");
//! assert_eq!(scores.column(0).as_string::<i32>().value(3), "c3");
//! let p_churned = scores.column_by_name("p_churned").unwrap().as_primitive::<
//!     churnkit::data::arrow::arrow_array::types::Float64Type>();
//! assert!(p_churned.values().iter().all(|p| (0.0..=1.0).contains(p)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cells;
mod file;
#[cfg(feature = "parquet")]
pub mod raw;
mod table;

use std::path::Path;

pub use arrow_array::{self, RecordBatch};
pub use arrow_schema::{self, SchemaRef};
pub use file::BatchReader;

pub(crate) use cells::{Cells, Value, type_kind};

use super::csv::{CsvOptions, ReadReport};
use super::table::Table;
use crate::error::{Error, Location, Result};

/// Reads record batches (all with the same schema) into a [`Table`], with the
/// [`ReadReport`] a CSV read gives; `source_name` names the input in errors. See the
/// module docs for the schema mapping.
///
/// # Errors
/// As [`read_csv`](crate::data::read_csv) (a missing target column, an unknown label,
/// a bad weight, a target with one class, …), an unsupported Arrow type (naming the
/// column and the type), batches with different schemas, no rows.
pub fn read_record_batches(
    batches: &[RecordBatch],
    source_name: &str,
    opts: &CsvOptions,
) -> Result<(Table, ReadReport)> {
    let location = Location::file(source_name);
    let Some(first) = batches.first() else {
        return Err(Error::Schema {
            location,
            message: "no record batches: nothing to read".into(),
        });
    };
    read_with_schema(&first.schema(), batches, &location, opts)
}

/// Reads one record batch into a [`Table`] (see [`read_record_batches`]).
pub fn read_record_batch(batch: &RecordBatch, opts: &CsvOptions) -> Result<Table> {
    read_record_batches(std::slice::from_ref(batch), "record batch", opts).map(|(t, _)| t)
}

fn read_with_schema(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    location: &Location,
    opts: &CsvOptions,
) -> Result<(Table, ReadReport)> {
    if batches.iter().all(|b| b.num_rows() == 0) {
        return Err(Error::Schema {
            location: location.clone(),
            message: "the input has columns but no data rows".into(),
        });
    }
    table::read_batches(schema, batches, location, opts)
}

/// Reads a Parquet file into a [`Table`] (its row groups decoded in parallel), with
/// the [`ReadReport`]. Files compressed with snappy or zstd, or not compressed, are
/// read; another codec is an [`Error::Format`] naming the file.
#[cfg(feature = "parquet")]
pub fn read_parquet(path: impl AsRef<Path>, opts: &CsvOptions) -> Result<(Table, ReadReport)> {
    let path = path.as_ref();
    // Text columns that become levels or labels are decoded as dictionaries; the id
    // column (a distinct text per row) and the columns not read stay text.
    let skip = |name: &str| {
        opts.id_column.as_deref() == Some(name)
            || opts.weight_column.as_deref() == Some(name)
            || opts.drop_columns.iter().any(|d| d == name)
    };
    let (schema, batches) = file::parquet_batches(path, &|name| !skip(name))?;
    read_with_schema(&schema, &batches, &Location::file(path), opts)
}

/// Reads an Arrow IPC file (Feather v2; `ARROW1` magic) or an Arrow IPC stream into a
/// [`Table`], with the [`ReadReport`].
pub fn read_ipc(path: impl AsRef<Path>, opts: &CsvOptions) -> Result<(Table, ReadReport)> {
    let path = path.as_ref();
    let (schema, batches) = file::ipc_batches(path)?;
    read_with_schema(&schema, &batches, &Location::file(path), opts)
}
