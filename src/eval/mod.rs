//! Judging a model honestly: metrics, error estimates with their uncertainty, holdout
//! and cross-validation drivers, side-by-side comparison with significance tests,
//! retention economics (MP/EMP) and population drift (PSI).
//!
//! Everything here works through the [`Learner`](crate::Learner) and
//! [`Classifier`](crate::Classifier) traits only (time-to-churn learners through
//! [`SurvivalEstimator`] and [`SurvivalPredictor`]): a driver hands a learner the
//! training rows (it fits its own discretizer on them, so nothing leaks from the test
//! rows) and scores the test rows in one batch with `predict_proba_into`.
//!
//! | what | where |
//! |---|---|
//! | one value with every metric (text table + scikit-learn-named JSON) | [`Report`] |
//! | confusion matrix, accuracy ± Wilson interval, kappa, MCC, per-class P/R/F1 | [`ConfusionMatrix`], [`ClassMetrics`] |
//! | ROC AUC, average precision, log loss, Brier | [`roc_auc`], [`average_precision`], [`log_loss`], [`brier_score`] |
//! | gains and lift by decile, top-decile lift | [`LiftTable`] |
//! | maximum profit and expected maximum profit of a campaign | [`ProfitParams`], [`max_profit`] |
//! | PSI of features and scores, stable / watch / retrain | [`DriftReport`], [`feature_drift`], [`score_psi`] |
//! | holdout, k-fold CV, comparison, McNemar champion vs challenger | [`holdout`], [`cross_validate`], [`compare`], [`champion_challenger`] |
//! | Wilson interval, corrected resampled t-test, McNemar, paired bootstrap | [`Interval`], [`corrected_resampled_t_test`], [`mcnemar`], [`paired_bootstrap`] |
//! | time to churn: held-out C-index (bootstrap CI), IBS vs Kaplan–Meier, AUC at horizons, calibration by risk decile; holdout, k-fold, comparison of survival learners | [`evaluate_survival`], [`holdout_survival`], [`cross_validate_survival`], [`compare_survival`], [`compare_survival_holdout`], [`KaplanMeierBaseline`] |
//!
//! **Conventions.** The predicted class is the arg-max of the probabilities (ties go to
//! the lowest class index). Binary-style metrics treat `churned` as the positive class
//! (for three-state data: churned vs the rest); `roc_auc` for three classes is the
//! one-vs-rest macro average. When a table has sample weights, every metric is
//! weighted (confusion matrix, probabilities, lift, profit); PSI and McNemar count rows.
//!
//! # Example: cross-validate the baseline and compare learners
//!
//! ```
//! use std::sync::Arc;
//! use churnkit::data::{Column, Feature, FeatureKind, Schema, Table, Target};
//! use churnkit::eval::{Metric, ZeroR, compare, cross_validate};
//!
//! // 40 customers: month-to-month contracts churn more often.
//! let schema = Arc::new(Schema {
//!     features: vec![Feature {
//!         name: "Contract".into(),
//!         kind: FeatureKind::Categorical { levels: vec!["month".into(), "year".into()].into() },
//!     }],
//!     target: Target::binary("Churn"),
//!     id_column: None,
//!     weight_column: None,
//! });
//! let contract: Vec<u32> = (0..40).map(|i| (i % 2) as u32).collect();
//! let churned: Vec<u8> = (0..40).map(|i| u8::from(i % 2 == 0 && i % 3 != 0)).collect();
//! let table = Table::new(schema, vec![Column::Categorical(contract)], churned, None, None)?;
//!
//! // 5-fold stratified cross-validation, seeded; folds run in parallel.
//! let cv = cross_validate(&ZeroR, &table, 5, 42)?;
//! let acc = cv.summary_of(Metric::Accuracy).unwrap();
//! println!("accuracy {:.3} ± {:.3}", acc.mean, acc.sd);
//! println!("{}", cv.pooled);                  // aligned text table
//! let json = cv.pooled.to_json()?;           // "accuracy", "roc_auc", "log_loss", ...
//! assert!(json.contains("\"matthews_corrcoef\""));
//! // the floor: a constant score has AUC ½ in every fold
//! assert!(cv.folds.iter().all(|r| r.roc_auc == Some(0.5)));
//!
//! // Learners side by side on identical folds; the corrected resampled t-test of
//! // each against the first, as a Markdown table.
//! let cmp = compare(&[&ZeroR, &ZeroR], &table, 5, 42)?;
//! println!("{}", cmp.to_markdown());
//! assert!(!cmp.tests[1].unwrap().significant);
//! # Ok::<(), churnkit::Error>(())
//! ```

pub(crate) mod baseline;
pub(crate) mod drift;
pub(crate) mod drivers;
pub(crate) mod lift;
pub(crate) mod metrics;
pub(crate) mod proba;
pub(crate) mod profit;
pub(crate) mod report;
pub(crate) mod stats;
pub(crate) mod survival;

pub use baseline::{ZeroR, ZeroRModel};
pub use drift::{DriftReport, FeatureDrift, Stability, feature_drift, score_psi};
pub use drivers::{
    Comparison, CrossValidation, Execution, HoldoutComparison, HoldoutResult, MetricSummary,
    champion_challenger, compare, compare_holdout, compare_on, cross_validate, cross_validate_with,
    evaluate, holdout, predict_rows,
};
pub use lift::{DecileRow, LiftTable, lift_table};
pub use metrics::{Averages, ClassMetrics, ConfusionMatrix};
pub use proba::{average_precision, brier_score, log_loss, roc_auc};
pub use profit::{Profit, ProfitParams, max_profit};
pub use report::{Metric, Report};
pub use stats::{
    CorrectedTTest, Interval, McNemar, PairedBootstrap, corrected_resampled_t_test, mcnemar,
    mcnemar_test, paired_bootstrap,
};
pub use survival::{
    HorizonAuc, HorizonCalibration, KaplanMeierBaseline, SurvivalComparison,
    SurvivalCrossValidation, SurvivalEstimator, SurvivalEvalOptions, SurvivalHoldout,
    SurvivalHoldoutComparison, SurvivalPredictor, SurvivalReport, SurvivalSummary,
    compare_survival, compare_survival_holdout, cross_validate_survival, evaluate_survival,
    holdout_survival, ibs_grid,
};
