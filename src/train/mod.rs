//! The library training pipeline: from a labelled table to a [`Model`](crate::model::Model)
//! and its honest report.
//!
//! [`Pipeline::fit`] validates the learner (a stratified holdout or k-fold
//! cross-validation, [`Validation`]), fits the final model (by default on **all**
//! labelled rows, [`FinalFit`]), fits the calibration and chooses the tier thresholds
//! on the **out-of-sample** predictions of the validation, and assembles the model.
//! The shipped model is fitted on all the labelled rows; the reported figures
//! ([`Trained::validation`]) estimate that model on rows it did not see.
//!
//! [`leakage_warnings`] names columns that look like identifiers or leaks (unique per
//! row, monotone with the row order, near-constant, too many levels, label-like); the
//! pipeline returns them in [`Trained::warnings`].
//!
//! [`StreamSample`] and [`Pipeline::fit_stream`] train on a CSV too large to hold as a
//! table, in two passes over the file with validation, tuning and binning on a seeded
//! sample (see *Streaming training* below); [`Pipeline::fit_sampled`] is the step
//! they share with the distributed engines (see *Training from a sample* below).
//!
//! [`ModelBuilder`] is the last step on its own: a model from a body fitted elsewhere,
//! its training rows and validation rows or [`OutOfSample`] predictions.
//!
//! ```
//! use churnkit::data::{CsvOptions, read_csv};
//! use churnkit::registry::{AlgoOptions, Algorithm};
//! use churnkit::policy::CalibrationMethod;
//! use churnkit::train::{Pipeline, Validation};
//!
//! # fn main() -> churnkit::Result<()> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");
//! let table = read_csv(path, &CsvOptions::new("status").id_column("customer_id"))?;
//! let trained = Pipeline::new(Algorithm::NaiveBayes, AlgoOptions::default())
//!     .validation(Validation::Holdout { fraction: 0.3, seed: 7 })
//!     .calibrate(CalibrationMethod::Platt)
//!     .fit(&table)?;
//! assert_eq!(trained.train_rows.len(), table.n_rows()); // refitted on all rows
//! assert!(trained.model.calibration().is_some());       // fitted on held-out rows
//! # Ok(())
//! # }
//! ```
//!
//! # Streaming training
//!
//! A CSV too large to hold as a [`Table`](crate::data::Table) is trained in two passes
//! over the file, in memory bounded by the codes of its rows.
//!
//! The in-memory [`Pipeline::fit`] holds the whole table (numbers as `f64`, levels as
//! `u32`, ids as strings: about 200 bytes a row for 20 features, and the file's bytes
//! for the parallel reader) and then its codes. Streaming never holds a table of all
//! rows:
//!
//! 1. **Pass 1** ([`StreamSample::read`]): the column kinds and classes are fixed from
//!    the file's first [`StreamOptions::head_rows`] rows ([`stream_options`](crate::data::stream_options): the
//!    whole-file reader's rules on the head), then the file is read as a
//!    [`CsvChunks`](crate::data::CsvChunks) stream, keeping a seeded uniform sample of
//!    [`StreamOptions::sample_rows`] rows (reservoir sampling, Vitter's Algorithm R:
//!    row `i ≥ S` replaces slot `j ~ U{0..i}` when `j < S`; the sample is then put
//!    back in file order), every categorical level of every row, the weighted class
//!    counts of all rows (summed in row order), the training-data fingerprint of all
//!    rows ([`Fingerprinter`](crate::model::Fingerprinter), chunk by chunk) and the read report of the whole file
//!    ([`ReadReport::absorb`](crate::data::ReadReport::absorb)).
//! 2. **On the sample** ([`Pipeline::fit_stream`]): leakage warnings, validation
//!    (holdout or k-fold, as [`TrainOptions::validation`] says), and one fit of the
//!    learner on the whole sample, which self-tunes where the learner does (a large
//!    sample keeps the hold-out fit's tuned setting, as in memory:
//!    [`registry::refit_tuned`](crate::registry::refit_tuned)) and fits
//!    the discretizer (cut points of numeric columns from the sample; the categorical
//!    encoders then get every level of the file, so a level too rare to be sampled
//!    is still its own code).
//! 3. **Pass 2**: every chunk is encoded with that discretizer and appended to column
//!    buffers sized for all rows ([`Encoded::with_capacity`](crate::data::Encoded::with_capacity)): one byte per cell for
//!    features of at most 255 levels.
//! 4. **Final fit** on all the codes ([`registry::fit_on_codes`](crate::registry::fit_on_codes)) with the settings
//!    chosen on the sample (no re-tuning): a tuned tree's minimum leaf is carried
//!    over as the same *fraction* of the rows (`max(2, round(f · N))`), as the
//!    in-memory tuning already does from its CV sample to all rows. The model is
//!    assembled as in memory: its summary counts all `N` rows, their class counts and
//!    fingerprint, and its schema every level seen.
//!
//! **What the reported figures estimate.** With `S < N` the validation runs on the
//! sample: the out-of-sample figures (and the calibration and tier thresholds chosen
//! on them) are those of models fitted on (part of) `S` rows, a conservative estimate
//! of the shipped model fitted on all `N`; the summary's parameters record it under
//! `stream` (`rows`, `sample_rows`, `sample_seed`). With `S ≥ N` the sample is every
//! row in file order and the model is byte for byte the one [`Pipeline::fit`] gives
//! on the table [`read_csv`](crate::data::read_csv) reads (tested).
//!
//! **Sample size.** [`DEFAULT_SAMPLE_ROWS`] = 500,000 rows: validation and tuning at
//! that size take seconds (1.3 s and 4.4 s with the final fit, on 10M generated rows,
//! README *Performance*); the sample's table holds at most 8 bytes a cell (80 MB for
//! 20 features) and is dropped before pass 2; an equal-frequency cut point taken from
//! `S` sampled values sits at a population quantile level within `4·√(p(1−p)/S)` ≤
//! 0.3 % of its target `p` (four standard deviations of a sample quantile's level).
//! The precedent is LightGBM, which bins on a sample of `bin_construct_sample_cnt` =
//! 200,000 rows.
//!
//! **When.** The CLI streams CSV files larger than [`STREAM_AUTO_BYTES`] (512 MiB,
//! about 4M rows of 20 features, where the in-memory path passes 1.5 GB) unless told
//! otherwise (`churnkit train --stream auto|on|off`); see [`streams_by_default`].
//! Streaming fits the learners [`registry::STREAMED`](crate::registry::STREAMED) lists; it fits no survival
//! model and ships no holdout training-part model (errors, checked before reading).
//!
//! ```
//! use churnkit::data::CsvOptions;
//! use churnkit::registry::{AlgoOptions, Algorithm};
//! use churnkit::train::{Pipeline, StreamOptions, StreamSample, Validation};
//!
//! # fn main() -> churnkit::Result<()> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");
//! let opts = CsvOptions::new("status").id_column("customer_id");
//! let sample = StreamSample::read(path, &opts, &StreamOptions::default().sample_rows(500))?;
//! assert_eq!(sample.table.n_rows(), 500); // the sample; `sample.rows` counts them all
//! let trained = Pipeline::new(Algorithm::NaiveBayes, AlgoOptions::default())
//!     .validation(Validation::Holdout { fraction: 0.3, seed: 7 })
//!     .fit_stream(sample)?;
//! assert_eq!(trained.model.summary().rows as usize, trained.rows);
//! # Ok(())
//! # }
//! ```
//!
//! # Training from a sample
//!
//! [`Pipeline::fit_sampled`] is the step streaming and the distributed engines
//! (`churnkit train --engine datafusion|ballista`, feature `distributed`) share:
//! given a seeded sample of the rows as a [`Table`](crate::data::Table) and a closure
//! that fits the final model on **every** row, it runs the leakage warnings, the
//! validation (holdout or k-fold, [`TrainOptions::validation`], the in-memory
//! defaults) and one fit of the learner on the whole sample — the code
//! [`Pipeline::fit`] runs, so self-tuning chooses the setting — then drops the
//! sample's rows and hands the sample's body to the closure, and assembles the model
//! (tier thresholds and calibration on the sample's out-of-sample predictions). The
//! sample is drawn by [`sample_row_indices`] (the reservoir of *Streaming training*:
//! the same rows for the same row count and seed, whatever reads them); with fewer
//! sample rows than rows the summary's parameters record it (`stream` for streaming,
//! `sample` for the engines: `rows`, `sample_rows`, `sample_seed`).
//!
//! The engines' closure fits with [`registry::level_wise_for`](crate::registry::level_wise_for):
//! the tuned setting of a tree (its minimum leaf carried over as a fraction of all
//! the rows, as [`registry::fit_on_codes`](crate::registry::fit_on_codes) does for
//! streaming), naive Bayes and TAN with their own settings; the discretizer is fitted
//! on **every** row with the tuned binning (in memory from the table for a CSV;
//! exact cut points by queries for raw Parquet, `count::parquet`), and the counts are
//! the engine's aggregate queries. So with a sample of at least every row (the
//! default [`DEFAULT_SAMPLE_ROWS`] covers tables up to 500,000 rows) the engine's
//! model is byte for byte the in-memory one, tuned and validated (tested on the Telco
//! data, CSV and raw Parquet, with and without sample weights); with a smaller sample
//! the reported figures estimate the shipped model as streaming's do (above). Raw
//! Parquet reads only the sample's rows into memory
//! (`data::arrow::raw::read_rows`, feature `parquet`: the Parquet reader's row
//! selection).

mod builder;
mod leakage;
mod pipeline;
mod stream;
mod survival;

pub use crate::policy::tier::TierSpec;
pub use builder::{ModelBuilder, OutOfSample, TrainingData};
pub use leakage::{LeakageKind, LeakageWarning, MAX_ROWS as LEAKAGE_MAX_ROWS, leakage_warnings};
pub use pipeline::{
    FinalFit, Pipeline, Stage, TrainOptions, Trained, Validation, ValidationReport,
};
pub use stream::{
    DEFAULT_SAMPLE_ROWS, RowsFit, STREAM_AUTO_BYTES, Sample, StreamOptions, StreamSample,
    StreamTrained, sample_row_indices, streams_by_default,
};
pub use survival::SurvivalValidation;
