//! Judging a model honestly: metrics, error estimates with their uncertainty, holdout
//! and cross-validation drivers, and side-by-side comparison with significance tests.
//! Everything here works through the [`Learner`](crate::Learner) and
//! [`Classifier`](crate::Classifier) traits only.

pub mod baseline;
pub mod drift;
pub mod drivers;
pub mod lift;
pub mod metrics;
pub mod proba;
pub mod profit;
pub mod report;
pub mod stats;

pub use baseline::{ZeroR, ZeroRModel};
pub use drift::{DriftReport, FeatureDrift, Stability, feature_drift, score_psi};
pub use drivers::{
    Comparison, CrossValidation, Execution, HoldoutComparison, HoldoutResult, MetricSummary,
    champion_challenger, compare, compare_holdout, compare_on, cross_validate, cross_validate_with,
    evaluate, holdout, predict_rows,
};
pub use lift::LiftTable;
pub use metrics::{Averages, ClassMetrics, ConfusionMatrix, argmax};
pub use profit::{Profit, ProfitParams, max_profit};
pub use report::{Metric, Report};
pub use stats::{
    CorrectedTTest, Interval, McNemar, corrected_resampled_t_test, mcnemar, mcnemar_test,
};
