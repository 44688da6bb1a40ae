//! Judging a model honestly: metrics, error estimates with their uncertainty, holdout
//! and cross-validation drivers, and side-by-side comparison with significance tests.
//! Everything here works through the [`Learner`](crate::Learner) and
//! [`Classifier`](crate::Classifier) traits only.

pub mod baseline;

pub use baseline::{ZeroR, ZeroRModel};
