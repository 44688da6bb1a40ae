//! The time-to-churn model trained beside the classifier (`train --duration COL`):
//! its held-out figures against Kaplan–Meier, and the clock-leakage warnings.

use serde::Serialize;

use super::leakage::{LeakageKind, LeakageWarning};
use super::pipeline::Validation;
use crate::data::{Table, stratified_holdout, stratified_kfold};
use crate::error::Result;
use crate::survival::metrics::{concordance_index, integrated_brier_score};
use crate::survival::{
    SurvivalCurve, SurvivalData, SurvivalLearner, clock_leakage, survival_matrix,
};

/// Number of times of the integrated Brier score's grid.
const IBS_TIMES: usize = 50;

/// How the time-to-churn model did on rows it did not see, against Kaplan–Meier on
/// the same training rows (the baseline: one curve for everybody, C-index 0.5).
///
/// The C-index is Harrell's ([`concordance_index`]) on the model's risk scores; the
/// integrated Brier score ([`integrated_brier_score`], inverse-probability-of-censoring
/// weights) is taken over 50 evenly spaced times from the 10th to the 80th percentile
/// of the held-out durations. With k-fold validation each figure is the mean over the
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

/// The `q`-th percentile (0..=100) of sorted values, linear interpolation.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// (C-index, IBS, KM C-index, KM IBS) of `learner` fitted on `train`, judged on `test`.
fn judge(
    learner: &SurvivalLearner,
    table: &Table,
    train: &[usize],
    test: &[usize],
) -> Result<[f64; 4]> {
    let model = learner.fit(table, train)?;
    let train_data = SurvivalData::from_table(table, &learner.duration, train)?;
    let test_data = SurvivalData::from_table(table, &learner.duration, test)?;
    let risk = model.risk_scores(table, test)?;
    let c = concordance_index(&test_data, &risk)?.c_index;
    let km_c = concordance_index(&test_data, &vec![0.0; test.len()])?.c_index;
    let mut sorted = test_data.durations().to_vec();
    sorted.sort_by(f64::total_cmp);
    let (lo, hi) = (percentile(&sorted, 10.0), percentile(&sorted, 80.0));
    let (ibs, km_ibs) = if hi > lo {
        let times: Vec<f64> = (0..IBS_TIMES)
            .map(|i| lo + (hi - lo) * i as f64 / (IBS_TIMES - 1) as f64)
            .collect();
        let s = model.survival_matrix(table, test, &times)?;
        let ibs = integrated_brier_score(&train_data, &test_data, &s, &times)?;
        let km = SurvivalCurve::kaplan_meier(&train_data);
        let km_s = survival_matrix(std::iter::repeat_n(&km, test.len()), &times);
        let km_ibs = integrated_brier_score(&train_data, &test_data, &km_s, &times)?;
        (ibs, km_ibs)
    } else {
        (f64::NAN, f64::NAN)
    };
    Ok([c, ibs, km_c, km_ibs])
}

/// Validates `learner` on `table` as the classifier is validated (the same holdout
/// split or stratified folds and seed); None without validation.
///
/// # Errors
/// The learner's, the metrics' and the splits'.
pub(crate) fn validate(
    learner: &SurvivalLearner,
    table: &Table,
    validation: Validation,
) -> Result<Option<SurvivalValidation>> {
    let (method, rows, figures) = match validation {
        Validation::Holdout { fraction, seed } => {
            let split = stratified_holdout(table.labels(), fraction, seed)?;
            let f = judge(learner, table, &split.train, &split.test)?;
            ("holdout", split.test.len(), f)
        }
        Validation::KFold { k, seed } => {
            let folds = stratified_kfold(table.labels(), k, seed)?;
            let mut sum = [0.0; 4];
            for fold in &folds {
                let f = judge(learner, table, &fold.train, &fold.test)?;
                sum.iter_mut().zip(f).for_each(|(s, x)| *s += x);
            }
            let mean = sum.map(|s| s / folds.len() as f64);
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
