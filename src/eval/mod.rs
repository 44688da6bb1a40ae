//! Judging a model honestly: metrics, error estimates with their uncertainty, holdout
//! and cross-validation drivers, and side-by-side comparison with significance tests.
//! Everything here works through the [`Learner`](crate::Learner) and
//! [`Classifier`](crate::Classifier) traits only.

pub mod baseline;
pub mod drift;
pub mod lift;
pub mod metrics;
pub mod proba;
pub mod profit;
pub mod report;
pub mod stats;

pub use baseline::{ZeroR, ZeroRModel};
pub use metrics::{Averages, ClassMetrics, ConfusionMatrix, argmax};
pub use stats::{
    CorrectedTTest, Interval, McNemar, corrected_resampled_t_test, mcnemar, mcnemar_test,
};
