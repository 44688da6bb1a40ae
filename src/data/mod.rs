//! The data layer: schemas, typed tables read from CSV, the discretizer, the encoded
//! (column-major codes) form that learners read, and seeded splits.
//!
//! Data flows one way: CSV → [`Table`] → [`Discretizer`] (fitted on training rows) →
//! [`Encoded`]. Nothing here knows about models.
//!
//! The vocabulary is re-exported here; the files are private: `schema` ([`Schema`],
//! [`Feature`], [`Target`]), `table` ([`Table`], [`Column`]), `csv` ([`read_csv`],
//! [`CsvOptions`], [`CsvChunks`]), `cell` (the one parser of raw cell text, used by the
//! CSV reader, scoring and the discretizer), `missing` ([`MissingTokens`]),
//! `discretize` ([`Discretizer`], [`Binning`]), `encoded` ([`Encoded`]), `split`
//! ([`stratified_holdout`], [`stratified_kfold`]), `format` ([`DataFormat`],
//! [`read_table_report`]: CSV, Parquet or Arrow IPC by extension) and, with the
//! `arrow` feature, `arrow` (a [`Table`] from record batches,
//! Parquet and Arrow IPC files). Counting lives one layer up, in
//! [`count`](crate::count).

#[cfg(feature = "arrow")]
pub mod arrow;
pub(crate) mod cell;
pub mod compat;
mod csv;
mod discretize;
mod encoded;
mod format;
mod linfa;
mod missing;
mod read;
mod schema;
// Public only because `eval::drivers`' docs link to `data::split`; private once that
// link names `data::stratified_kfold` (outside this refactor's files).
pub mod split;
mod table;
mod target;

pub use csv::{
    BadCellPolicy, BadCells, BadLabelPolicy, CsvChunk, CsvChunks, CsvOptions,
    MAX_BAD_NUMERIC_SHARE, MAX_COLUMNS, MAX_PARALLEL_READ_BYTES, MAX_RECORD_BYTES, REPORTED_LINES,
    ReadReport, ReadSpec, binary_format, binary_input_error, closest_name, delimiter_name,
    detect_delimiter, detect_delimiter_hinted, read_csv, read_csv_from, read_csv_report,
    stream_options,
};
pub(crate) use csv::{RecordLimit, RecordStarts, io_error as csv_io_error};
pub(crate) use discretize::level_map;
pub use discretize::{
    Binning, Discretizer, EncodeReport, FeatureEncoder, equal_frequency_cuts,
    equal_frequency_cuts_grouped, group_sorted, mdl_accepts, mdl_cut_points,
};
pub use encoded::{Codes, Encoded, EncodedFeature, EncodedSchema, MAX_LEVELS};
pub use format::DataFormat;
pub(crate) use linfa::encoded_from_dataset;
pub use missing::MissingTokens;
pub use read::read_table_report;
pub use schema::{
    AT_RISK, CHURNED, Feature, FeatureKind, Levels, RETAINED, Schema, SchemaBuilder, Target,
};
pub use split::{Fold, Holdout, stratified_holdout, stratified_kfold};
pub use table::{Cell, Column, MISSING_LEVEL, Table};
