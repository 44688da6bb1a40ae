//! Reading churn tables from CSV files as real exports write them: see [`read_csv`]
//! for the quirks handled and the errors, [`CsvOptions`] for the options and the label
//! rules, [`CsvChunks`] for streaming.
//!
//! By concept: `options` (what to read and the policies),
//! `source` (opening, delimiter, lines), `plan` (the role and kind of each column),
//! `interner` (categorical levels), `batch` (rows being read, finished into a table),
//! `reader` (whole files), `parallel` (whole files in memory parsed in parallel
//! chunks), `direct` (chunks without quotes or CRs parsed straight from their bytes)
//! and `chunks` (streams), `head` (a stream's kinds and classes from the first rows;
//! chunk reports added up). Raw cell text is parsed by `data::cell`.
//!
//! Whole-file reads ([`read_csv`], [`read_csv_report`] on files up to
//! [`MAX_PARALLEL_READ_BYTES`], [`read_csv_from`]) of at least 2 MiB, with more than
//! one rayon thread, hold the bytes in memory (a file is read in parts at once) and
//! parse them in chunks in parallel: the data after the header is cut just after a
//! line feed near each `len / n`; a chunk without quotes or CRs is parsed straight
//! from its bytes into its rows of the file's columns (`direct`), any other by the
//! csv parser into the sequential reader's column blocks, each with chunk-local
//! levels from its absolute line; the chunks are joined in file order (level codes
//! remapped to first-seen order, report tallies added, first lines kept). A cut is verified, not guessed: a chunk without `"` has no
//! quoted field; a chunk with one must end between records by the sequential
//! reader's record scan. Kinds are guessed from the first 64 KiB of rows and checked
//! over the whole file by the same 5 % rule (a wrong guess re-reads that column).
//! When a cut falls inside a quoted field, when any chunk meets an error, or when the
//! levels of a column pass the level limit only together, the bytes are read again by
//! the sequential reader, so tables, reports and errors (message and line) are the
//! sequential reader's whatever the number of threads. See `parallel.rs`.

mod batch;
mod chunks;
mod direct;
mod head;
mod interner;
mod options;
mod parallel;
mod plan;
mod reader;
mod source;
mod spec;

pub use chunks::{CsvChunk, CsvChunks};
pub use head::stream_options;
pub use options::{
    BadCellPolicy, BadCells, BadLabelPolicy, CsvOptions, MAX_BAD_NUMERIC_SHARE, MAX_COLUMNS,
    MAX_RECORD_BYTES, REPORTED_LINES, ReadReport,
};
pub use reader::{MAX_PARALLEL_READ_BYTES, read_csv, read_csv_from, read_csv_report};
pub(crate) use source::{RecordLimit, RecordStarts, io_error};
pub use source::{
    binary_format, binary_input_error, closest_name, delimiter_name, detect_delimiter,
    detect_delimiter_hinted,
};
pub use spec::ReadSpec;
// The Arrow reader (`data::arrow`) fills the same batch through the same plan, so a
// table read from Arrow is finished (labels mapped, levels sorted) as a CSV's is.
#[cfg(feature = "arrow")]
pub(in crate::data) use batch::{Batch, Builder, NO_LABEL, bad_number};
#[cfg(feature = "arrow")]
pub(in crate::data) use interner::Interner;
#[cfg(feature = "arrow")]
pub(in crate::data) use plan::{Kind, Mode, Plan};
