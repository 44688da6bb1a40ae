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

mod builder;
mod leakage;
mod pipeline;
mod survival;

pub use crate::policy::tier::TierSpec;
pub use builder::{ModelBuilder, OutOfSample, TrainingFacts};
pub use leakage::{LeakageKind, LeakageWarning, MAX_ROWS as LEAKAGE_MAX_ROWS, leakage_warnings};
pub use pipeline::{
    FinalFit, Pipeline, Stage, TrainOptions, Trained, Validation, ValidationReport,
};
pub use survival::SurvivalValidation;
