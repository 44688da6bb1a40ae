//! The data layer: schemas, typed tables read from CSV, the discretizer, the encoded
//! (column-major codes) form that learners read, and seeded splits.
//!
//! Data flows one way: CSV → [`Table`] → [`Discretizer`] (fitted on training rows) →
//! [`Encoded`]. Nothing here knows about models.

pub(crate) mod cell;
pub mod class_tables;
pub mod counts;
mod csv;
pub mod discretize;
pub mod encoded;
pub mod missing;
pub mod schema;
pub mod split;
pub mod table;
mod target;

pub use class_tables::{ClassTable, ClassTables, class_tables};
pub use counts::{CountTable, Rows, Var, contingency};
pub use csv::{
    BadCellPolicy, BadCells, BadLabelPolicy, CsvChunk, CsvChunks, CsvOptions, REPORTED_LINES,
    ReadReport, read_csv, read_csv_from, read_csv_report,
};
pub use discretize::{Binning, Discretizer, EncodeReport, FeatureEncoder};
pub use encoded::{Codes, Encoded, EncodedFeature, EncodedSchema, MAX_LEVELS};
pub use missing::MissingTokens;
pub use schema::{AT_RISK, CHURNED, Feature, FeatureKind, RETAINED, Schema, SchemaBuilder, Target};
pub use split::{Fold, Holdout, stratified_holdout, stratified_kfold};
pub use table::{Cell, Column, MISSING_LEVEL, Table};
