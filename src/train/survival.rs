//! The time-to-churn model trained beside the classifier (`train --duration COL`):
//! its held-out figures against Kaplan–Meier, and the clock-leakage warnings.

use serde::Serialize;

use super::leakage::{LeakageKind, LeakageWarning};
use super::pipeline::Validation;
use crate::data::Table;
use crate::error::Result;
use crate::eval::{SurvivalEvalOptions, SurvivalReport, cross_validate_survival, holdout_survival};
use crate::survival::{SurvivalLearner, clock_leakage};

/// How the time-to-churn model did on rows it did not see, against Kaplan–Meier on
/// the same training rows (the baseline: one curve for everybody, C-index 0.5).
///
/// The C-index is Harrell's
/// ([`concordance_index`](crate::survival::metrics::concordance_index)) on the model's
/// risk scores; the integrated Brier score
/// ([`integrated_brier_score`](crate::survival::metrics::integrated_brier_score),
/// inverse-probability-of-censoring weights) is taken over 50 evenly spaced times from
/// the 10th to the 80th percentile of the held-out durations
/// ([`ibs_grid`](crate::eval::ibs_grid)). With k-fold validation each figure is the mean over the
/// folds (each fold's model fitted, tuned included, on the other folds' rows).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalValidation {
    /// `holdout` or `cross-validation`.
    pub method: String,
    /// Rows judged (every fold's held-out rows together for cross-validation).
    pub rows: usize,
    /// Harrell's C-index of the survival tree.
    pub c_index: f64,
    /// Its integrated Brier score (lower is better).
    pub integrated_brier_score: f64,
    /// Kaplan–Meier's C-index (0.5: it ranks nobody).
    pub km_c_index: f64,
    /// Kaplan–Meier's integrated Brier score.
    pub km_integrated_brier_score: f64,
}

impl std::fmt::Display for SurvivalValidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "time to churn ({}, {} rows): C-index {:.4} (Kaplan–Meier {:.4}), \
             integrated Brier score {:.4} (Kaplan–Meier {:.4})",
            self.method,
            self.rows,
            self.c_index,
            self.km_c_index,
            self.integrated_brier_score,
            self.km_integrated_brier_score
        )
    }
}

/// Validates `learner` on `table` as the classifier is validated (the same holdout
/// split or stratified folds and seed) through the survival drivers of
/// [`eval`](crate::eval) ([`holdout_survival`], [`cross_validate_survival`]: C-index
/// and integrated Brier score only, no bootstrap); None without validation.
///
/// # Errors
/// The learner's, the metrics' and the splits'.
pub(crate) fn validate(
    learner: &SurvivalLearner,
    table: &Table,
    validation: Validation,
) -> Result<Option<SurvivalValidation>> {
    let opts = SurvivalEvalOptions::default()
        .horizons(Vec::new())
        .bootstrap(0);
    let figures = |r: &SurvivalReport| {
        [
            r.c_index(),
            r.integrated_brier_score.unwrap_or(f64::NAN),
            0.5,
            r.km_integrated_brier_score.unwrap_or(f64::NAN),
        ]
    };
    let (method, rows, figures) = match validation {
        Validation::Holdout { fraction, seed } => {
            let h = holdout_survival(learner, table, fraction, seed, &opts)?;
            ("holdout", h.split.test.len(), figures(&h.report))
        }
        Validation::KFold { k, seed } => {
            let cv = cross_validate_survival(learner, table, k, seed, &opts)?;
            let mut sum = [0.0; 4];
            for r in &cv.folds {
                sum.iter_mut().zip(figures(r)).for_each(|(s, x)| *s += x);
            }
            let mean = sum.map(|s| s / cv.folds.len() as f64);
            ("cross-validation", table.n_rows(), mean)
        }
        _ => return Ok(None),
    };
    let [c_index, ibs, km_c, km_ibs] = figures;
    Ok(Some(SurvivalValidation {
        method: method.into(),
        rows,
        c_index,
        integrated_brier_score: ibs,
        km_c_index: km_c,
        km_integrated_brier_score: km_ibs,
    }))
}

/// The columns of `table` that encode the clock `duration` ([`clock_leakage`]) as
/// training warnings, each with a `--drop` hint (the detail says when to drop it).
///
/// # Errors
/// [`clock_leakage`]'s (no such numeric column).
pub(crate) fn clock_warnings(
    table: &Table,
    duration: &str,
    rows: &[usize],
) -> Result<Vec<LeakageWarning>> {
    Ok(clock_leakage(table, duration, rows)?
        .into_iter()
        .map(|leak| LeakageWarning {
            kind: LeakageKind::EncodesTheClock,
            hint: format!("train with --drop {} if it is", leak.column),
            column: leak.column,
            detail: leak.detail,
        })
        .collect())
}
