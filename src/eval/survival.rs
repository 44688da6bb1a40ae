//! Judging time-to-churn models honestly: held-out Harrell's C-index (with a bootstrap
//! interval), integrated Brier score against Kaplan–Meier, time-dependent AUC at the
//! asked horizons and calibration by risk decile; holdout and stratified k-fold drivers
//! for any survival learner, and their comparison with the significance machinery of
//! the classification drivers (the corrected resampled t-test over folds, a paired
//! bootstrap over held-out rows).
//!
//! The metrics themselves are [`survival::metrics`](crate::survival::metrics) (each
//! checked against scikit-survival); this file only decides which rows are judged by
//! which model, as the classification [`drivers`](super::drivers) do.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::drivers::check_labeled;
use super::stats::{
    CorrectedTTest, Interval, PairedBootstrap, corrected_resampled_t_test, paired_bootstrap,
    percentile, resamples,
};
use crate::data::{Fold, Table, stratified_holdout, stratified_kfold};
use crate::error::{Error, Result};
use crate::math::student_t_critical;
use crate::survival::metrics::{
    Concordance, SurvivalCalibrationBin, concordance_index, cumulative_dynamic_auc,
    integrated_brier_score, survival_calibration,
};
use crate::survival::{SurvivalCurve, SurvivalData, SurvivalLearner, SurvivalModel};

/// A time-to-churn learner the survival drivers can fit on training rows: the
/// survival tree ([`SurvivalLearner`]) and the Kaplan–Meier baseline
/// ([`KaplanMeierBaseline`]).
pub trait SurvivalEstimator: Sync {
    /// The name in reports.
    fn name(&self) -> String;
    /// The duration column (the clock) it reads.
    fn duration(&self) -> &str;
    /// Fits on `rows` of `table` (and on nothing else).
    ///
    /// # Errors
    /// The learner's.
    fn fit_rows(&self, table: &Table, rows: &[usize]) -> Result<Box<dyn SurvivalPredictor>>;
}

/// A fitted time-to-churn model as the metrics see it.
pub trait SurvivalPredictor: Send + Sync {
    /// The risk score of each of `rows` (higher = expected to churn sooner).
    ///
    /// # Errors
    /// The model's (e.g. a column it needs is missing).
    fn risk_scores(&self, table: &Table, rows: &[usize]) -> Result<Vec<f64>>;
    /// `Ŝ(t | x)` of each of `rows` at each of `times`, row-major
    /// (`rows.len() × times.len()`).
    ///
    /// # Errors
    /// The model's.
    fn survival_matrix(&self, table: &Table, rows: &[usize], times: &[f64]) -> Result<Vec<f64>>;
}

impl SurvivalEstimator for SurvivalLearner {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn duration(&self) -> &str {
        &self.duration
    }
    fn fit_rows(&self, table: &Table, rows: &[usize]) -> Result<Box<dyn SurvivalPredictor>> {
        Ok(Box::new(self.fit(table, rows)?))
    }
}

impl SurvivalPredictor for SurvivalModel {
    fn risk_scores(&self, table: &Table, rows: &[usize]) -> Result<Vec<f64>> {
        SurvivalModel::risk_scores(self, table, rows)
    }
    fn survival_matrix(&self, table: &Table, rows: &[usize], times: &[f64]) -> Result<Vec<f64>> {
        SurvivalModel::survival_matrix(self, table, rows, times)
    }
}

/// The baseline of time to churn, as ZeroR is for classification: one Kaplan–Meier
/// curve of the training rows for every customer. Its risk score is the same for
/// everybody, so its C-index is ½ and its time-dependent AUC ½ at every horizon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KaplanMeierBaseline {
    /// The duration column.
    pub duration: String,
}

impl KaplanMeierBaseline {
    /// The baseline with `duration` as the clock.
    pub fn new(duration: impl Into<String>) -> Self {
        KaplanMeierBaseline {
            duration: duration.into(),
        }
    }
}

impl SurvivalEstimator for KaplanMeierBaseline {
    fn name(&self) -> String {
        "kaplan-meier".into()
    }
    fn duration(&self) -> &str {
        &self.duration
    }
    fn fit_rows(&self, table: &Table, rows: &[usize]) -> Result<Box<dyn SurvivalPredictor>> {
        let data = SurvivalData::from_table(table, &self.duration, rows)?;
        Ok(Box::new(SurvivalCurve::kaplan_meier(&data)))
    }
}

/// One curve for everybody: risk 0 for each row, its `Ŝ(t)` for each row.
impl SurvivalPredictor for SurvivalCurve {
    fn risk_scores(&self, _table: &Table, rows: &[usize]) -> Result<Vec<f64>> {
        Ok(vec![0.0; rows.len()])
    }
    fn survival_matrix(&self, _table: &Table, rows: &[usize], times: &[f64]) -> Result<Vec<f64>> {
        Ok(crate::survival::survival_matrix(
            std::iter::repeat_n(self, rows.len()),
            times,
        ))
    }
}

/// What the survival evaluation computes besides the C-index and the integrated
/// Brier score. The defaults: horizons 3, 6 and 12 periods, risk deciles (10 groups),
/// 200 bootstrap resamples, seed 42, 50 times on the Brier score's grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalEvalOptions {
    /// Horizons of the time-dependent AUC and the calibration tables (strictly
    /// increasing, each `> 0`).
    pub horizons: Vec<f64>,
    /// Groups of the calibration tables (10: risk deciles).
    pub groups: usize,
    /// Bootstrap resamples of the held-out rows for the C-index interval and the
    /// paired holdout comparison (0: none; cross-validation summaries use the folds).
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Times of the integrated Brier score's grid (at least 2).
    pub ibs_times: usize,
}

impl Default for SurvivalEvalOptions {
    fn default() -> Self {
        SurvivalEvalOptions {
            horizons: vec![3.0, 6.0, 12.0],
            groups: 10,
            bootstrap: 200,
            seed: 42,
            ibs_times: 50,
        }
    }
}

impl SurvivalEvalOptions {
    /// Sets the horizons.
    pub fn horizons(mut self, h: Vec<f64>) -> Self {
        self.horizons = h;
        self
    }
    /// Sets the number of calibration groups.
    pub fn groups(mut self, g: usize) -> Self {
        self.groups = g;
        self
    }
    /// Sets the number of bootstrap resamples (0: no interval).
    pub fn bootstrap(mut self, b: usize) -> Self {
        self.bootstrap = b;
        self
    }
    /// Sets the bootstrap's seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    /// Checks the options.
    ///
    /// # Errors
    /// [`Error::Param`] for horizons that are not finite, `> 0` and strictly
    /// increasing, zero groups, or fewer than 2 Brier-score times.
    pub fn check(&self) -> Result<()> {
        if self.horizons.iter().any(|h| !(h.is_finite() && *h > 0.0))
            || self.horizons.windows(2).any(|w| w[1] <= w[0])
        {
            return Err(Error::param(
                "horizons",
                format!("{:?}", self.horizons),
                "horizons must be finite numbers > 0, strictly increasing",
            ));
        }
        if self.groups == 0 {
            return Err(Error::param("groups", 0, "need at least one group"));
        }
        if self.ibs_times < 2 {
            return Err(Error::param(
                "ibs_times",
                self.ibs_times,
                "the integrated Brier score needs at least 2 times",
            ));
        }
        Ok(())
    }
}

/// The time-dependent AUC at one horizon.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HorizonAuc {
    /// The horizon.
    pub horizon: f64,
    /// The cumulative/dynamic AUC there ([`cumulative_dynamic_auc`]); None when it is
    /// undefined (the horizon outside the held-out follow-up, no case or no control).
    pub auc: Option<f64>,
}

/// A calibration table at one horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonCalibration {
    /// The horizon.
    pub horizon: f64,
    /// Risk groups, lowest predicted churn first ([`survival_calibration`]): the mean
    /// predicted `1 − Ŝ(horizon | x)` against the group's Kaplan–Meier
    /// `1 − Ŝ(horizon)`.
    pub groups: Vec<SurvivalCalibrationBin>,
}

/// A time-to-churn model judged on held-out rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalReport {
    /// Rows judged.
    pub rows: usize,
    /// Of whom churned (events).
    pub events: usize,
    /// Harrell's concordance index of the model's risk scores and its pair counts.
    pub concordance: Concordance,
    /// The 95 % percentile-bootstrap interval of the C-index (None without
    /// resamples).
    pub c_index_ci95: Option<Interval>,
    /// The model's integrated Brier score (inverse-probability-of-censoring weights;
    /// lower is better); None when the held-out durations span no interval.
    pub integrated_brier_score: Option<f64>,
    /// The integrated Brier score of the reference Kaplan–Meier curve on the same
    /// rows and times: the figure to beat.
    pub km_integrated_brier_score: Option<f64>,
    /// The Brier score's grid: first and last time.
    pub ibs_span: Option<(f64, f64)>,
    /// The time-dependent AUC at each horizon.
    pub auc: Vec<HorizonAuc>,
    /// The calibration table at each horizon.
    pub calibration: Vec<HorizonCalibration>,
}

impl SurvivalReport {
    /// The C-index.
    pub fn c_index(&self) -> f64 {
        self.concordance.c_index
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), |v| format!("{v:.4}"))
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

impl std::fmt::Display for SurvivalReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "time to churn on {} customers ({} churned):",
            self.rows, self.events
        )?;
        let ci = self
            .c_index_ci95
            .map_or_else(String::new, |i| format!(" 95% CI {i}"));
        writeln!(
            f,
            "  C-index                  {:.4}{ci} (Kaplan–Meier 0.5000)",
            self.c_index()
        )?;
        let span = self.ibs_span.map_or_else(String::new, |(a, b)| {
            format!(" over [{}, {}]", num_short(a), num_short(b))
        });
        writeln!(
            f,
            "  integrated Brier score   {} (Kaplan–Meier {}){span}",
            opt(self.integrated_brier_score),
            opt(self.km_integrated_brier_score)
        )?;
        let aucs: Vec<String> = self
            .auc
            .iter()
            .map(|a| format!("{}: {}", num(a.horizon), opt(a.auc)))
            .collect();
        writeln!(f, "  time-dependent AUC       {}", aucs.join(", "))?;
        for c in &self.calibration {
            writeln!(
                f,
                "  calibration at {} by risk group: predicted vs Kaplan–Meier-observed churn",
                num(c.horizon)
            )?;
            writeln!(
                f,
                "    {:>5} {:>6} {:>7} {:>10} {:>9}  {:>17}",
                "group", "rows", "churned", "predicted", "observed", "95% CI"
            )?;
            for (g, b) in c.groups.iter().enumerate() {
                writeln!(
                    f,
                    "    {:>5} {:>6} {:>7} {:>10.4} {:>9.4}  [{:.4}, {:.4}]",
                    g + 1,
                    b.rows,
                    b.events,
                    b.predicted,
                    b.observed,
                    b.observed_low,
                    b.observed_high
                )?;
            }
        }
        Ok(())
    }
}

fn num_short(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The integrated Brier score's grid for held-out `durations`: `n` evenly spaced
/// times from their 10th to their 80th percentile (None when those are equal). The
/// same grid [`train`](crate::train)'s validation uses.
pub fn ibs_grid(durations: &[f64], n: usize) -> Option<Vec<f64>> {
    if durations.is_empty() || n < 2 {
        return None;
    }
    let mut sorted = durations.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (lo, hi) = (percentile(&sorted, 10.0), percentile(&sorted, 80.0));
    (hi > lo).then(|| {
        (0..n)
            .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
            .collect()
    })
}

/// Judges a fitted time-to-churn `model` on `rows` of a labeled `table` with
/// `duration` as the clock.
///
/// `reference` holds the durations the censoring distribution `Ĝ` of the Brier score
/// and the AUC is estimated from, and whose Kaplan–Meier curve is the baseline:
/// the model's **training** rows when they are known (the drivers), or else the judged
/// rows themselves (then the baseline has seen the answers, which makes beating it
/// harder, not easier). Computed:
///
/// - Harrell's C-index of the risk scores ([`concordance_index`]) and, with
///   `options.bootstrap = B > 0`, its 95 % percentile-bootstrap interval: the rows
///   resampled with replacement `B` times (seeded ChaCha8), the C-index of each
///   resample (resamples without a comparable pair skipped), the 2.5th and 97.5th
///   percentiles (Efron & Tibshirani 1993, ch. 13);
/// - the integrated Brier score of the model and of the reference Kaplan–Meier curve
///   on the grid of [`ibs_grid`] ([`integrated_brier_score`]);
/// - the cumulative/dynamic AUC at each horizon ([`cumulative_dynamic_auc`], one
///   horizon at a time so that one undefined horizon leaves the others; churn after
///   the horizon counted as censored there, which leaves `AUC(h)` as it is — cases
///   are churns by `h`, controls those still there after `h` — but spares it
///   scikit-survival's refusal when the training censoring curve is 0 at a later
///   churn's time);
/// - at each horizon, the calibration table by risk group of the predicted
///   `1 − Ŝ(horizon | x)` against Kaplan–Meier ([`survival_calibration`]; fewer
///   groups when there are fewer rows than groups).
///
/// # Errors
/// [`SurvivalEvalOptions::check`]'s; [`SurvivalData::from_table`]'s for the judged
/// rows (a missing or negative duration names the row; all rows censored); the
/// model's; [`concordance_index`]'s when no pair is comparable.
pub fn evaluate_survival(
    model: &dyn SurvivalPredictor,
    table: &Table,
    duration: &str,
    rows: &[usize],
    reference: &SurvivalData,
    options: &SurvivalEvalOptions,
) -> Result<SurvivalReport> {
    options.check()?;
    let test = SurvivalData::from_table(table, duration, rows)?;
    let risk = model.risk_scores(table, rows)?;
    let concordance = concordance_index(&test, &risk)?;
    let c_index_ci95 = if options.bootstrap > 0 {
        bootstrap_c_index(&test, &risk, options.bootstrap, options.seed)
    } else {
        None
    };
    let (integrated_brier_score, km_integrated_brier_score, ibs_span) =
        match ibs_grid(test.durations(), options.ibs_times) {
            Some(times) => {
                let s = model.survival_matrix(table, rows, &times)?;
                let ibs = integrated_brier_score(reference, &test, &s, &times)?;
                let km = SurvivalCurve::kaplan_meier(reference);
                let km_s = km.survival_matrix(table, rows, &times)?;
                let km_ibs = integrated_brier_score(reference, &test, &km_s, &times)?;
                (
                    Some(ibs),
                    Some(km_ibs),
                    Some((times[0], times[times.len() - 1])),
                )
            }
            None => (None, None, None),
        };
    let auc = options
        .horizons
        .iter()
        .map(|&h| {
            // AUC(h) reads the censoring weight of the cases by h only: churn after h
            // is set to censored, so that a churn at a time where the training
            // censoring curve is 0 does not void every horizon.
            let events: Vec<bool> = test
                .durations()
                .iter()
                .zip(test.events())
                .map(|(&t, &e)| e && t <= h)
                .collect();
            let by_h = SurvivalData::new(test.durations().to_vec(), events).ok();
            HorizonAuc {
                horizon: h,
                auc: by_h
                    .and_then(|d| cumulative_dynamic_auc(reference, &d, &risk, &[h]).ok())
                    .map(|a| a.auc[0]),
            }
        })
        .collect();
    let groups = options.groups.min(test.len());
    let calibration = if options.horizons.is_empty() {
        Vec::new()
    } else {
        let s = model.survival_matrix(table, rows, &options.horizons)?;
        let nh = options.horizons.len();
        options
            .horizons
            .iter()
            .enumerate()
            .map(|(k, &h)| {
                let predicted: Vec<f64> = (0..rows.len())
                    .map(|i| (1.0 - s[i * nh + k]).clamp(0.0, 1.0))
                    .collect();
                Ok(HorizonCalibration {
                    horizon: h,
                    groups: survival_calibration(&test, &predicted, h, groups)?,
                })
            })
            .collect::<Result<_>>()?
    };
    Ok(SurvivalReport {
        rows: rows.len(),
        events: test.events().iter().filter(|&&e| e).count(),
        concordance,
        c_index_ci95,
        integrated_brier_score,
        km_integrated_brier_score,
        ibs_span,
        auc,
        calibration,
    })
}

/// The 95 % percentile-bootstrap interval of the C-index of `risk` on `data`.
fn bootstrap_c_index(data: &SurvivalData, risk: &[f64], b: usize, seed: u64) -> Option<Interval> {
    let mut values: Vec<f64> = resamples(data.len(), b, seed)
        .par_iter()
        .filter_map(|idx| {
            let r: Vec<f64> = idx.iter().map(|&i| risk[i]).collect();
            concordance_index(&data.select(idx), &r)
                .ok()
                .map(|c| c.c_index)
        })
        .collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(Interval {
        low: percentile(&values, 2.5),
        high: percentile(&values, 97.5),
    })
}

/// A survival learner fitted on the training part of a holdout and judged on the rest.
pub struct SurvivalHoldout {
    /// The fitted model.
    pub model: Box<dyn SurvivalPredictor>,
    /// Its report on the held-out rows (censoring and baseline from the training
    /// rows).
    pub report: SurvivalReport,
    /// The row indices of both parts.
    pub split: crate::data::Holdout,
}

/// Holdout validation of a survival learner: the same stratified split as
/// [`holdout`](super::holdout) (by churned / not, `test_fraction` held out, seeded),
/// the learner fitted on the rest, [`evaluate_survival`] on the held-out rows with the
/// training rows as the reference.
///
/// # Errors
/// The split's, the learner's and [`evaluate_survival`]'s.
pub fn holdout_survival(
    learner: &dyn SurvivalEstimator,
    table: &Table,
    test_fraction: f64,
    seed: u64,
    options: &SurvivalEvalOptions,
) -> Result<SurvivalHoldout> {
    check_labeled(table)?;
    options.check()?;
    let split = stratified_holdout(table.labels(), test_fraction, seed)?;
    let (model, report) = judge(learner, table, &split.train, &split.test, options)?;
    Ok(SurvivalHoldout {
        model,
        report,
        split,
    })
}

fn judge(
    learner: &dyn SurvivalEstimator,
    table: &Table,
    train: &[usize],
    test: &[usize],
    options: &SurvivalEvalOptions,
) -> Result<(Box<dyn SurvivalPredictor>, SurvivalReport)> {
    let reference = SurvivalData::from_table(table, learner.duration(), train)?;
    let model = learner.fit_rows(table, train)?;
    let report = evaluate_survival(
        model.as_ref(),
        table,
        learner.duration(),
        test,
        &reference,
        options,
    )?;
    Ok((model, report))
}

/// Mean, standard deviation and interval of one survival metric over folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalSummary {
    /// The metric: `c_index`, `integrated_brier_score`, `km_integrated_brier_score` or
    /// `auc@H`.
    pub metric: String,
    /// Mean over the folds where it is defined.
    pub mean: f64,
    /// Sample standard deviation (`n − 1`; 0 for one fold).
    pub sd: f64,
    /// Folds where it is defined.
    pub folds: usize,
    /// The 95 % interval of the mean with the corrected resampled variance of
    /// Nadeau & Bengio (2003): `mean ± t_{0.975, k−1} · sqrt((1/k + n_test/n_train) ·
    /// sd²)` (the plain `sd/√k` ignores that the folds' training sets overlap),
    /// clipped to `[0, 1]` (the range of every metric here); the mean itself for one
    /// fold.
    pub ci95: Interval,
}

/// The result of k-fold cross-validation of a survival learner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalCrossValidation {
    /// The learner's name.
    pub learner: String,
    /// Number of folds.
    pub k: usize,
    /// The seed of the fold assignment.
    pub seed: u64,
    /// One report per fold, on its held-out rows (censoring and Kaplan–Meier baseline
    /// from its training rows; no bootstrap).
    pub folds: Vec<SurvivalReport>,
    /// `(training rows, test rows)` of each fold.
    pub fold_sizes: Vec<(usize, usize)>,
    /// Mean, sd and 95 % interval of each metric defined on at least one fold.
    pub summary: Vec<SurvivalSummary>,
}

impl SurvivalCrossValidation {
    /// The summary of `metric` (see [`SurvivalSummary::metric`]).
    pub fn summary_of(&self, metric: &str) -> Option<&SurvivalSummary> {
        self.summary.iter().find(|s| s.metric == metric)
    }

    /// The per-fold values of `metric` (None where undefined or unknown).
    pub fn fold_values(&self, metric: &str) -> Vec<Option<f64>> {
        self.folds.iter().map(|r| metric_of(r, metric)).collect()
    }
}

/// The value of a named metric in a report.
fn metric_of(r: &SurvivalReport, metric: &str) -> Option<f64> {
    match metric {
        "c_index" => Some(r.c_index()),
        "integrated_brier_score" => r.integrated_brier_score,
        "km_integrated_brier_score" => r.km_integrated_brier_score,
        m => {
            let h = m.strip_prefix("auc@")?;
            r.auc
                .iter()
                .find(|a| num(a.horizon) == h)
                .and_then(|a| a.auc)
        }
    }
}

impl std::fmt::Display for SurvivalCrossValidation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{}-fold cross-validation of {} (seed {}), time to churn",
            self.k, self.learner, self.seed
        )?;
        writeln!(
            f,
            "  {:<26} {:>8} {:>8}  {:>17}",
            "metric", "mean", "sd", "95% CI"
        )?;
        for s in &self.summary {
            writeln!(
                f,
                "  {:<26} {:>8.4} {:>8.4}  {}",
                s.metric, s.mean, s.sd, s.ci95
            )?;
        }
        Ok(())
    }
}

fn summarize(
    metric: &str,
    values: &[Option<f64>],
    n_test: f64,
    n_train: f64,
) -> Option<SurvivalSummary> {
    let v: Vec<f64> = values.iter().flatten().copied().collect();
    if v.is_empty() {
        return None;
    }
    let k = v.len() as f64;
    let mean = v.iter().sum::<f64>() / k;
    let (sd, ci95) = if v.len() > 1 {
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
        let half =
            student_t_critical(0.05, k - 1.0) * ((1.0 / k + n_test / n_train) * sd * sd).sqrt();
        (
            sd,
            Interval {
                low: (mean - half).max(0.0),
                high: (mean + half).min(1.0),
            },
        )
    } else {
        (
            0.0,
            Interval {
                low: mean,
                high: mean,
            },
        )
    };
    Some(SurvivalSummary {
        metric: metric.into(),
        mean,
        sd,
        folds: v.len(),
        ci95,
    })
}

/// The metric names of a cross-validation's summary, in order.
fn metric_names(options: &SurvivalEvalOptions) -> Vec<String> {
    let mut m: Vec<String> = [
        "c_index",
        "integrated_brier_score",
        "km_integrated_brier_score",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    m.extend(options.horizons.iter().map(|&h| format!("auc@{}", num(h))));
    m
}

/// Stratified k-fold cross-validation of a survival learner: the same folds as
/// [`cross_validate`](super::cross_validate) (stratified by churned / not, seeded),
/// each fold's model fitted on the other folds' rows only (self-tuning included) and
/// judged by [`evaluate_survival`] on its held-out rows, with its training rows as the
/// reference; folds in parallel, identical to serial. Per-fold reports and, per
/// metric, the mean, sd and corrected 95 % interval ([`SurvivalSummary`]).
///
/// # Errors
/// The folds', the learner's and [`evaluate_survival`]'s.
pub fn cross_validate_survival(
    learner: &dyn SurvivalEstimator,
    table: &Table,
    k: usize,
    seed: u64,
    options: &SurvivalEvalOptions,
) -> Result<SurvivalCrossValidation> {
    check_labeled(table)?;
    options.check()?;
    let folds = stratified_kfold(table.labels(), k, seed)?;
    cv_on_folds(learner, table, &folds, seed, options)
}

fn cv_on_folds(
    learner: &dyn SurvivalEstimator,
    table: &Table,
    folds: &[Fold],
    seed: u64,
    options: &SurvivalEvalOptions,
) -> Result<SurvivalCrossValidation> {
    let fold_options = options.clone().bootstrap(0);
    let reports: Vec<SurvivalReport> = folds
        .par_iter()
        .map(|f| Ok(judge(learner, table, &f.train, &f.test, &fold_options)?.1))
        .collect::<Result<_>>()?;
    let nf = folds.len() as f64;
    let n_test = folds.iter().map(|f| f.test.len()).sum::<usize>() as f64 / nf;
    let n_train = folds.iter().map(|f| f.train.len()).sum::<usize>() as f64 / nf;
    let summary = metric_names(options)
        .iter()
        .filter_map(|m| {
            let v: Vec<Option<f64>> = reports.iter().map(|r| metric_of(r, m)).collect();
            summarize(m, &v, n_test, n_train)
        })
        .collect();
    Ok(SurvivalCrossValidation {
        learner: learner.name(),
        k: folds.len(),
        seed,
        folds: reports,
        fold_sizes: folds
            .iter()
            .map(|f| (f.train.len(), f.test.len()))
            .collect(),
        summary,
    })
}

/// Survival learners cross-validated on identical folds, each against the first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalComparison {
    /// Each learner's cross-validation, in the order given.
    pub results: Vec<SurvivalCrossValidation>,
    /// The corrected resampled t-test of each learner's per-fold C-index against the
    /// first's (None for the first).
    pub c_index_tests: Vec<Option<CorrectedTTest>>,
    /// The same for the integrated Brier score (None for the first, or when a fold has
    /// none).
    pub ibs_tests: Vec<Option<CorrectedTTest>>,
}

impl SurvivalComparison {
    /// The comparison as a Markdown table.
    pub fn to_markdown(&self) -> String {
        let mut s = String::from(
            "| learner | C-index | 95% CI | p (C-index) | IBS | p (IBS) | significant at 5% (C-index / IBS) |\n|---|---:|---:|---:|---:|---:|---:|\n",
        );
        let p = |t: &Option<CorrectedTTest>| {
            t.as_ref()
                .map_or_else(|| "(reference)".into(), |t| fmt_p(t.p_value))
        };
        for (i, cv) in self.results.iter().enumerate() {
            let c = cv.summary_of("c_index");
            let ibs = cv.summary_of("integrated_brier_score");
            let sig = match (&self.c_index_tests[i], &self.ibs_tests[i]) {
                (None, _) if i == 0 => String::new(),
                (c, b) => {
                    let word = |t: &Option<CorrectedTTest>| match t {
                        Some(t) if t.significant => "yes",
                        Some(_) => "no",
                        None => "n/a",
                    };
                    format!("{} / {}", word(c), word(b))
                }
            };
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {sig} |\n",
                cv.learner,
                c.map_or_else(|| "n/a".into(), |c| format!("{:.4} ± {:.4}", c.mean, c.sd)),
                c.map_or_else(|| "n/a".into(), |c| c.ci95.to_string()),
                if i == 0 {
                    "(reference)".into()
                } else {
                    p(&self.c_index_tests[i])
                },
                ibs.map_or_else(|| "n/a".into(), |b| format!("{:.4}", b.mean)),
                if i == 0 {
                    "(reference)".into()
                } else {
                    p(&self.ibs_tests[i])
                },
            ));
        }
        s
    }
}

fn fmt_p(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

impl std::fmt::Display for SurvivalComparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_markdown())
    }
}

fn check_learners(learners: &[&dyn SurvivalEstimator]) -> Result<()> {
    if learners.is_empty() {
        return Err(Error::param("learners", 0, "need at least one learner"));
    }
    let d = learners[0].duration();
    if let Some(l) = learners.iter().find(|l| l.duration() != d) {
        return Err(Error::param(
            "learners",
            l.name(),
            format!(
                "reads the duration '{}' but the first learner reads '{d}': compared \
                 learners need the same clock",
                l.duration()
            ),
        ));
    }
    Ok(())
}

/// Survival learners side by side on the same stratified folds (as
/// [`compare`](super::compare) does for classifiers), with the corrected resampled
/// t-test ([`corrected_resampled_t_test`], Nadeau & Bengio 2003) of each learner's
/// per-fold C-index and integrated Brier score against the first's. Put the reference
/// (e.g. [`KaplanMeierBaseline`]) first.
///
/// # Errors
/// [`Error::Param`] for no learners or learners with different duration columns; and
/// [`cross_validate_survival`]'s.
pub fn compare_survival(
    learners: &[&dyn SurvivalEstimator],
    table: &Table,
    k: usize,
    seed: u64,
    options: &SurvivalEvalOptions,
) -> Result<SurvivalComparison> {
    check_learners(learners)?;
    check_labeled(table)?;
    options.check()?;
    let folds = stratified_kfold(table.labels(), k, seed)?;
    let results: Vec<SurvivalCrossValidation> = learners
        .iter()
        .map(|l| cv_on_folds(*l, table, &folds, seed, options))
        .collect::<Result<_>>()?;
    let nf = folds.len() as f64;
    let n_test = folds.iter().map(|f| f.test.len()).sum::<usize>() as f64 / nf;
    let n_train = folds.iter().map(|f| f.train.len()).sum::<usize>() as f64 / nf;
    let test_of = |metric: &str| -> Result<Vec<Option<CorrectedTTest>>> {
        let reference: Option<Vec<f64>> = results[0].fold_values(metric).into_iter().collect();
        let mut tests = vec![None];
        for cv in &results[1..] {
            let mine: Option<Vec<f64>> = cv.fold_values(metric).into_iter().collect();
            tests.push(match (&mine, &reference) {
                (Some(a), Some(b)) => Some(corrected_resampled_t_test(a, b, n_test, n_train)?),
                _ => None,
            });
        }
        Ok(tests)
    };
    Ok(SurvivalComparison {
        c_index_tests: test_of("c_index")?,
        ibs_tests: test_of("integrated_brier_score")?,
        results,
    })
}

/// Survival learners compared on one holdout split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalHoldoutComparison {
    /// The learners' names.
    pub learners: Vec<String>,
    /// Each learner's report on the same held-out rows.
    pub reports: Vec<SurvivalReport>,
    /// The paired bootstrap of each learner's C-index minus the first's over the
    /// held-out rows (None for the first).
    pub tests: Vec<Option<PairedBootstrap>>,
}

/// Survival learners fitted on the same training part of one stratified holdout and
/// judged on the same held-out rows, with the paired bootstrap
/// ([`paired_bootstrap`]) of the C-index difference of each against the first: the
/// held-out rows resampled `options.bootstrap` times (seeded), both models' C-index
/// on each resample.
///
/// # Errors
/// As [`compare_survival`], and [`Error::Param`] for `options.bootstrap = 0` with
/// more than one learner.
pub fn compare_survival_holdout(
    learners: &[&dyn SurvivalEstimator],
    table: &Table,
    test_fraction: f64,
    seed: u64,
    options: &SurvivalEvalOptions,
) -> Result<SurvivalHoldoutComparison> {
    check_learners(learners)?;
    check_labeled(table)?;
    options.check()?;
    if options.bootstrap == 0 && learners.len() > 1 {
        return Err(Error::param(
            "bootstrap",
            0,
            "the paired bootstrap needs at least one resample",
        ));
    }
    let split = stratified_holdout(table.labels(), test_fraction, seed)?;
    let fitted: Vec<(Vec<f64>, SurvivalReport)> = learners
        .iter()
        .map(|l| {
            let (model, report) = judge(*l, table, &split.train, &split.test, options)?;
            Ok((model.risk_scores(table, &split.test)?, report))
        })
        .collect::<Result<_>>()?;
    let test = SurvivalData::from_table(table, learners[0].duration(), &split.test)?;
    let c_of = |risk: &[f64], idx: &[usize]| -> Option<f64> {
        let r: Vec<f64> = idx.iter().map(|&i| risk[i]).collect();
        concordance_index(&test.select(idx), &r)
            .ok()
            .map(|c| c.c_index)
    };
    let first = &fitted[0].0;
    let mut tests = vec![None];
    for (risk, _) in &fitted[1..] {
        tests.push(Some(paired_bootstrap(
            split.test.len(),
            options.bootstrap,
            options.seed,
            |idx| Some(c_of(risk, idx)? - c_of(first, idx)?),
        )?));
    }
    Ok(SurvivalHoldoutComparison {
        learners: learners.iter().map(|l| l.name()).collect(),
        reports: fitted.into_iter().map(|(_, r)| r).collect(),
        tests,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survival::SurvivalTreeParams;
    use crate::survival::SurvivalTune;

    const DURATION: &str = "tenure_months";

    fn synthetic(rows: usize) -> Table {
        crate::synth::generate(&crate::synth::SynthParams {
            rows,
            seed: 11,
            ..crate::synth::SynthParams::default()
        })
        .unwrap()
    }

    fn tree() -> SurvivalLearner {
        SurvivalLearner::new(DURATION)
            .tune(SurvivalTune::Off)
            .params(SurvivalTreeParams::new().min_rows_leaf(30.0))
    }

    #[test]
    fn evaluate_reports_the_metrics_of_the_models_own_predictions() {
        let t = synthetic(1500);
        let rows = t.all_rows();
        let (train, test): (Vec<usize>, Vec<usize>) = rows.iter().partition(|&&r| r % 3 != 0);
        let model = tree().fit(&t, &train).unwrap();
        let reference = SurvivalData::from_table(&t, DURATION, &train).unwrap();
        let opts = SurvivalEvalOptions::default();
        let r = evaluate_survival(&model, &t, DURATION, &test, &reference, &opts).unwrap();
        let held = SurvivalData::from_table(&t, DURATION, &test).unwrap();
        let risk = model.risk_scores(&t, &test).unwrap();
        assert_eq!(r.concordance, concordance_index(&held, &risk).unwrap());
        assert_eq!(r.rows, test.len());
        assert_eq!(r.events, held.events().iter().filter(|&&e| e).count());
        let ci = r.c_index_ci95.unwrap();
        assert!(ci.low < r.c_index() && r.c_index() < ci.high, "{ci}");
        let times = ibs_grid(held.durations(), 50).unwrap();
        let s = model.survival_matrix(&t, &test, &times).unwrap();
        let ibs = integrated_brier_score(&reference, &held, &s, &times).unwrap();
        assert_eq!(r.integrated_brier_score, Some(ibs));
        assert_eq!(r.ibs_span, Some((times[0], times[49])));
        assert!(ibs < r.km_integrated_brier_score.unwrap());
        for (a, h) in r.auc.iter().zip([3.0, 6.0, 12.0]) {
            let want = cumulative_dynamic_auc(&reference, &held, &risk, &[h]).unwrap();
            assert_eq!((a.horizon, a.auc), (h, Some(want.auc[0])));
        }
        assert_eq!(r.calibration.len(), 3);
        for c in &r.calibration {
            assert_eq!(c.groups.len(), 10);
            assert_eq!(c.groups.iter().map(|g| g.rows).sum::<usize>(), test.len());
            assert!(
                c.groups
                    .windows(2)
                    .all(|w| w[0].predicted <= w[1].predicted)
            );
        }
        // The text names every part.
        let text = r.to_string();
        for part in [
            "C-index",
            "Kaplan–Meier",
            "time-dependent AUC",
            "calibration at 12",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        // Fixed by the seed; another seed resamples otherwise.
        let again = evaluate_survival(&model, &t, DURATION, &test, &reference, &opts).unwrap();
        assert_eq!(r, again);
        let other = opts.clone().seed(7);
        let r7 = evaluate_survival(&model, &t, DURATION, &test, &reference, &other).unwrap();
        assert_ne!(r.c_index_ci95, r7.c_index_ci95);
        // A horizon past the follow-up has no AUC; the others stay.
        let far = opts.clone().horizons(vec![6.0, 1e6]);
        let rf = evaluate_survival(&model, &t, DURATION, &test, &reference, &far).unwrap();
        assert!(rf.auc[0].auc.is_some() && rf.auc[1].auc.is_none());
        // Bad options.
        for bad in [vec![6.0, 3.0], vec![0.0], vec![f64::NAN]] {
            let o = opts.clone().horizons(bad);
            assert!(evaluate_survival(&model, &t, DURATION, &test, &reference, &o).is_err());
        }
        let o = opts.clone().groups(0);
        assert!(evaluate_survival(&model, &t, DURATION, &test, &reference, &o).is_err());
    }

    /// Fixed risks for rows 8.. of a table; every survival probability ½.
    struct Fixed(Vec<f64>);

    impl SurvivalPredictor for Fixed {
        fn risk_scores(&self, _: &Table, rows: &[usize]) -> Result<Vec<f64>> {
            Ok(rows.iter().map(|&r| self.0[r - 8]).collect())
        }
        fn survival_matrix(&self, _: &Table, rows: &[usize], times: &[f64]) -> Result<Vec<f64>> {
            Ok(vec![0.5; rows.len() * times.len()])
        }
    }

    #[test]
    fn a_late_churn_where_censoring_ends_leaves_earlier_aucs_alone() {
        use std::sync::Arc;

        use crate::data::{Column, Schema};
        // Rows 0..8 train (the last, at 8, censored: Ĝ(8) = 0), rows 8..15 test (a
        // churn at 8).
        let tenure = vec![
            1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 1.5, 2.5, 3.0, 4.5, 5.0, 6.5, 8.0,
        ];
        let labels = vec![1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1];
        let schema = Schema::builder("Churn").numeric("tenure").build().unwrap();
        let t = Table::new(
            Arc::new(schema),
            vec![Column::Numeric(tenure)],
            labels,
            None,
            None,
        )
        .unwrap();
        let train: Vec<usize> = (0..8).collect();
        let test: Vec<usize> = (8..15).collect();
        let reference = SurvivalData::from_table(&t, "tenure", &train).unwrap();
        let held = SurvivalData::from_table(&t, "tenure", &test).unwrap();
        let risk = vec![0.9, 0.2, 0.5, 0.4, 0.1, 0.6, 0.3];
        // scikit-survival 0.28 refuses the whole call ("censoring survival function is
        // zero at one or more time points"), as the metric does:
        assert!(cumulative_dynamic_auc(&reference, &held, &risk, &[4.0]).is_err());
        // With the churn after 4 counted as censored it answers
        //   cumulative_dynamic_auc(train, test with events & (t <= 4), risk, [4.0])
        //   = 0.8653846153846154
        let opts = SurvivalEvalOptions::default()
            .horizons(vec![4.0])
            .groups(2)
            .bootstrap(0);
        let r = evaluate_survival(&Fixed(risk), &t, "tenure", &test, &reference, &opts).unwrap();
        let auc = r.auc[0].auc.unwrap();
        assert!((auc - 0.865_384_615_384_615_4).abs() < 1e-12, "{auc}");
    }

    #[test]
    fn the_kaplan_meier_baseline_ranks_nobody() {
        let t = synthetic(900);
        let opts = SurvivalEvalOptions::default();
        let cv =
            cross_validate_survival(&KaplanMeierBaseline::new(DURATION), &t, 4, 3, &opts).unwrap();
        assert_eq!(cv.learner, "kaplan-meier");
        assert_eq!((cv.k, cv.folds.len(), cv.fold_sizes.len()), (4, 4, 4));
        for r in &cv.folds {
            assert_eq!(r.c_index(), 0.5);
            assert!(r.auc.iter().all(|a| a.auc == Some(0.5)));
            // Its IBS is the reference's: the same curve on the same rows.
            assert_eq!(r.integrated_brier_score, r.km_integrated_brier_score);
            assert!(r.c_index_ci95.is_none(), "folds are not bootstrapped");
        }
        let c = cv.summary_of("c_index").unwrap();
        assert_eq!((c.mean, c.sd, c.folds), (0.5, 0.0, 4));
        assert_eq!((c.ci95.low, c.ci95.high), (0.5, 0.5));
        assert!(cv.summary_of("auc@12").is_some());
    }

    #[test]
    fn cross_validation_is_fixed_by_the_seed_with_corrected_intervals() {
        let t = synthetic(1200);
        let opts = SurvivalEvalOptions::default();
        let a = cross_validate_survival(&tree(), &t, 5, 9, &opts).unwrap();
        let b = cross_validate_survival(&tree(), &t, 5, 9, &opts).unwrap();
        assert_eq!(a, b);
        let c = cross_validate_survival(&tree(), &t, 5, 10, &opts).unwrap();
        assert_ne!(a.fold_values("c_index"), c.fold_values("c_index"));
        assert_eq!(a.folds.len(), 5);
        assert_eq!(a.fold_values("c_index").len(), 5);
        // The interval by hand: mean ± t(0.975, 4) · sqrt((1/5 + 240/960) · sd²).
        let v: Vec<f64> = a.fold_values("c_index").into_iter().flatten().collect();
        let mean = v.iter().sum::<f64>() / 5.0;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 4.0).sqrt();
        let half = 2.776_445_105_197_793_4 * ((0.2 + 240.0 / 960.0) * sd * sd).sqrt();
        let s = a.summary_of("c_index").unwrap();
        assert!((s.mean - mean).abs() < 1e-12 && (s.sd - sd).abs() < 1e-12);
        assert!((s.ci95.low - (mean - half)).abs() < 1e-9);
        assert!((s.ci95.high - (mean + half)).abs() < 1e-9);
        assert!(s.mean > 0.6, "{s:?}");
        let names: Vec<&str> = a.summary.iter().map(|s| s.metric.as_str()).collect();
        assert_eq!(
            names,
            [
                "c_index",
                "integrated_brier_score",
                "km_integrated_brier_score",
                "auc@3",
                "auc@6",
                "auc@12"
            ]
        );
        assert!(a.to_string().contains("auc@6"));
    }

    #[test]
    fn comparisons_test_each_learner_against_the_first() {
        let t = synthetic(1200);
        let opts = SurvivalEvalOptions::default();
        let km = KaplanMeierBaseline::new(DURATION);
        let tr = tree();
        let cmp = compare_survival(&[&km, &tr, &km], &t, 5, 4, &opts).unwrap();
        assert_eq!(cmp.results.len(), 3);
        assert!(cmp.c_index_tests[0].is_none() && cmp.ibs_tests[0].is_none());
        let tree_test = cmp.c_index_tests[1].unwrap();
        assert!((0.0..=1.0).contains(&tree_test.p_value));
        assert!(tree_test.mean_difference > 0.0 && tree_test.significant);
        let ibs = cmp.ibs_tests[1].unwrap();
        assert!(ibs.mean_difference < 0.0, "{ibs:?}");
        // The baseline against itself: no difference, p = 1.
        let same = cmp.c_index_tests[2].unwrap();
        assert_eq!((same.mean_difference, same.p_value), (0.0, 1.0));
        // On identical folds: each learner's results are its own cross-validation.
        let alone = cross_validate_survival(&tr, &t, 5, 4, &opts).unwrap();
        assert_eq!(cmp.results[1], alone);
        let md = cmp.to_markdown();
        assert!(md.contains("| survival-tree |") && md.contains("(reference)"));
        assert!(md.contains(" | yes / "), "{md}");

        let h = compare_survival_holdout(&[&km, &tr], &t, 0.3, 4, &opts).unwrap();
        assert_eq!(h.learners, ["kaplan-meier", "survival-tree"]);
        assert!(h.tests[0].is_none());
        let b = h.tests[1].unwrap();
        let diff = h.reports[1].c_index() - h.reports[0].c_index();
        assert!((b.difference - diff).abs() < 1e-12);
        assert!((0.0..=1.0).contains(&b.p_value) && b.significant);
        assert!(b.ci95.low > 0.0);
        let one = holdout_survival(&tr, &t, 0.3, 4, &opts).unwrap();
        assert_eq!(one.report, h.reports[1]);
        assert_eq!(one.split.test.len(), h.reports[1].rows);

        // Learners need the same clock; the holdout comparison needs resamples.
        let other = KaplanMeierBaseline::new("monthly_charge");
        let e = compare_survival(&[&km, &other], &t, 5, 4, &opts).unwrap_err();
        assert!(e.to_string().contains("same clock"), "{e}");
        assert!(compare_survival(&[], &t, 5, 4, &opts).is_err());
        let none = opts.clone().bootstrap(0);
        assert!(compare_survival_holdout(&[&km, &tr], &t, 0.3, 4, &none).is_err());
    }
}
