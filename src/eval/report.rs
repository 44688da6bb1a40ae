//! [`Report`]: every metric of one evaluation in one value — `Display` renders an

use serde::{Deserialize, Serialize};

use super::lift::{LiftTable, lift_table_of_groups};
use super::metrics::{
    Averages, ClassMetrics, ConfusionMatrix, macro_average, predicted_classes, weighted_average,
};
use super::proba::{
    CalibrationBin, average_precision, average_precision_of_groups, brier_score,
    brier_score_binary, calibration_table, expected_calibration_error, log_loss, roc_auc,
    score_groups,
};
use super::profit::{Profit, ProfitParams, max_profit_of_groups};
use super::stats::Interval;
use crate::error::{Error, Result};
use crate::math::roc_auc_of_groups;

/// Number of bins of the calibration table.
pub const CALIBRATION_BINS: usize = 10;

/// [`Report`]: every metric of one evaluation in one value — `Display` renders an
/// aligned text table for a terminal, serde gives JSON whose field names follow
/// scikit-learn's metric names (`accuracy`, `precision`, `recall`, `f1`, `roc_auc`,
/// `average_precision`, `log_loss`, `brier_score`, `cohen_kappa`, `matthews_corrcoef`).
///
/// Conventions:
/// - the predicted class of a row is the arg-max of its probabilities, ties going to
///   the lowest class index (as [`TierPolicy::MostProbable`](crate::policy::TierPolicy::MostProbable) does);
/// - the *positive* class of binary-style metrics (the top-level `precision`, `recall`,
///   `f1`, `average_precision`, the lift table, the calibration table and the profit)
///   is the churned class (`Target::churn_class`), scored by its probability — for
///   three-state data that is churned vs the rest;
/// - `roc_auc` is churned vs rest for two classes and the one-vs-rest macro average
///   over all classes for three (scikit-learn's `multi_class='ovr', average='macro'`);
/// - weights: when the table has sample weights every metric is weighted (see
///   [`ConfusionMatrix`](super::ConfusionMatrix)); otherwise each row counts 1.
///
/// All metrics of one evaluation (a holdout, a fold, or pooled out-of-fold
/// predictions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The classes, in churn order.
    pub classes: Vec<String>,
    /// The positive (churned) class's name.
    pub churn_class: String,
    /// Number of rows evaluated.
    pub n_rows: usize,
    /// Σw of the rows (= `n_rows` without weights).
    pub total_weight: f64,
    /// True when sample weights were used.
    pub weighted: bool,
    /// `confusion_matrix[true][predicted]`, weighted counts.
    pub confusion_matrix: Vec<Vec<f64>>,
    /// Share of (weighted) rows predicted right.
    pub accuracy: f64,
    /// 95% Wilson interval of the accuracy (on the effective sample size).
    pub accuracy_ci95: Interval,
    /// `1 − accuracy`: the error estimate.
    pub error_rate: f64,
    /// 95% Wilson interval of the error rate.
    pub error_rate_ci95: Interval,
    /// Cohen's kappa.
    pub cohen_kappa: f64,
    /// Matthews correlation coefficient (multi-class form).
    pub matthews_corrcoef: f64,
    /// Precision of the churned class.
    pub precision: f64,
    /// Recall of the churned class.
    pub recall: f64,
    /// F1 of the churned class.
    pub f1: f64,
    /// Hit rate, the churn practitioners' name for the churned class's precision.
    pub hit_rate: f64,
    /// Coverage, the churn practitioners' name for the churned class's recall.
    pub coverage: f64,
    /// Per-class precision, recall, F1, support, one-vs-rest AUC and average precision.
    pub per_class: Vec<ClassMetrics>,
    /// Unweighted mean over classes (sklearn's "macro avg").
    pub macro_avg: Averages,
    /// Support-weighted mean over classes (sklearn's "weighted avg").
    pub weighted_avg: Averages,
    /// ROC AUC: churned vs rest (binary) or one-vs-rest macro (three classes). None
    /// when a class has no rows.
    pub roc_auc: Option<f64>,
    /// Average precision of the churned class's probability (churned vs rest).
    pub average_precision: Option<f64>,
    /// Log loss (natural log, probabilities clipped at machine epsilon).
    pub log_loss: f64,
    /// Brier score, Brier's multi-class form `mean Σ_c (p_c − y_c)²` (range 0…2;
    /// sklearn's `brier_score_loss(..., scale_by_half=False)`).
    pub brier_score: f64,
    /// Binary Brier score of the churned class's probability, `mean (p − y)²` (sklearn's
    /// `brier_score_loss(y == churned, p_churned)`).
    pub brier_score_churn: f64,
    /// Reliability table of the churned probability, 10 equal-width bins.
    pub calibration: Vec<CalibrationBin>,
    /// Expected calibration error of that table.
    pub expected_calibration_error: f64,
    /// Cumulative gains and lift by decile of the churned probability (None without
    /// churners).
    pub lift: Option<LiftTable>,
    /// Top-decile lift (None without churners).
    pub top_decile_lift: Option<f64>,
    /// MP and EMP of a retention campaign (None without churners or non-churners).
    pub profit: Option<Profit>,
}

impl Report {
    /// Computes every metric from true `labels`, optional `weights` and predicted
    /// probabilities `proba` (row-major, `labels.len() × classes.len()`), with the
    /// default profit parameters.
    pub fn from_proba(
        classes: &[String],
        labels: &[u8],
        weights: Option<&[f64]>,
        proba: &[f64],
    ) -> Result<Self> {
        Self::from_proba_with(classes, labels, weights, proba, &ProfitParams::default())
    }

    /// As [`Report::from_proba`], with the campaign's profit parameters.
    pub fn from_proba_with(
        classes: &[String],
        labels: &[u8],
        weights: Option<&[f64]>,
        proba: &[f64],
        profit: &ProfitParams,
    ) -> Result<Self> {
        let k = classes.len();
        let n = labels.len();
        if k < 2 {
            return Err(Error::param("classes", k, "need at least 2 classes"));
        }
        if n == 0 {
            return Err(Error::Fit("nothing to evaluate: no rows".into()));
        }
        if proba.len() != n * k {
            return Err(Error::param(
                "proba.len()",
                proba.len(),
                format!("expected {n} rows × {k} classes"),
            ));
        }
        if weights.is_some_and(|w| w.len() != n) {
            return Err(Error::param("weights", "length", "one weight per row"));
        }
        if let Some(i) = proba
            .iter()
            .position(|p| !p.is_finite() || *p < -1e-9 || *p > 1.0 + 1e-9)
        {
            return Err(Error::Fit(format!(
                "probability {} for row {} class '{}' is not in [0, 1]",
                proba[i],
                i / k,
                classes[i % k]
            )));
        }
        let churn = classes
            .iter()
            .position(|c| c == crate::data::CHURNED)
            .unwrap_or(k - 1);
        let predicted = predicted_classes(proba, k);
        let cm = ConfusionMatrix::from_labels(classes, labels, &predicted, weights)?;
        let mut per_class = cm.per_class();
        // The churn class's column is sorted into tie groups ONCE, shared by its ROC
        // AUC, average precision, lift table and profit curve; every other class's
        // one-vs-rest curves sort its own column. All independent passes run in
        // parallel.
        let column: Vec<f64> = proba.iter().skip(churn).step_by(k).copied().collect();
        let is_class: Vec<bool> = labels.iter().map(|&l| l as usize == churn).collect();
        let groups = score_groups(&column, &is_class, weights);
        {
            use rayon::prelude::*;
            per_class.par_iter_mut().enumerate().for_each(|(c, m)| {
                if c == churn {
                    m.roc_auc = roc_auc_of_groups(&groups);
                    m.average_precision = average_precision_of_groups(&groups);
                    return;
                }
                let column: Vec<f64> = proba.iter().skip(c).step_by(k).copied().collect();
                let is_class: Vec<bool> = labels.iter().map(|&l| l as usize == c).collect();
                (m.roc_auc, m.average_precision) = rayon::join(
                    || roc_auc(&column, &is_class, weights),
                    || average_precision(&column, &is_class, weights),
                );
            });
        }
        let roc = if k == 2 {
            per_class[churn].roc_auc
        } else {
            per_class
                .iter()
                .map(|m| m.roc_auc)
                .sum::<Option<f64>>()
                .map(|s| s / k as f64)
        };
        let ((calibration, lift), ((log_loss, brier_score), profit)) = rayon::join(
            || {
                rayon::join(
                    || calibration_table(&column, &is_class, weights, CALIBRATION_BINS),
                    || lift_table_of_groups(&groups),
                )
            },
            || {
                rayon::join(
                    || {
                        (
                            log_loss(proba, k, labels, weights),
                            brier_score(proba, k, labels, weights),
                        )
                    },
                    || max_profit_of_groups(&groups, profit),
                )
            },
        );
        let accuracy = cm.accuracy();
        let acc_ci = cm.accuracy_interval();
        let churn_m = &per_class[churn];
        Ok(Report {
            classes: classes.to_vec(),
            churn_class: classes[churn].clone(),
            n_rows: n,
            total_weight: cm.total_weight,
            weighted: weights.is_some(),
            accuracy,
            accuracy_ci95: acc_ci,
            error_rate: 1.0 - accuracy,
            error_rate_ci95: Interval {
                low: 1.0 - acc_ci.high,
                high: 1.0 - acc_ci.low,
            },
            cohen_kappa: cm.cohen_kappa(),
            matthews_corrcoef: cm.matthews_corrcoef(),
            precision: churn_m.precision,
            recall: churn_m.recall,
            f1: churn_m.f1,
            hit_rate: churn_m.precision,
            coverage: churn_m.recall,
            average_precision: churn_m.average_precision,
            macro_avg: macro_average(&per_class),
            weighted_avg: weighted_average(&per_class),
            roc_auc: roc,
            log_loss,
            brier_score,
            brier_score_churn: brier_score_binary(&column, &is_class, weights),
            expected_calibration_error: expected_calibration_error(&calibration),
            calibration,
            top_decile_lift: lift.as_ref().map(|l| l.top_decile_lift),
            lift,
            profit: profit?,
            per_class,
            confusion_matrix: cm.counts,
        })
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| Error::Fit(format!("cannot render the report as JSON: {e}")))
    }

    /// The value of one metric.
    pub fn metric(&self, m: Metric) -> Option<f64> {
        m.of(self)
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".into(), |v| format!("{v:.4}"))
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "evaluation on {} rows{}",
            self.n_rows,
            if self.weighted {
                format!(" (weighted, Σw = {:.1})", self.total_weight)
            } else {
                String::new()
            }
        )?;
        let lines: Vec<(&str, String)> = vec![
            (
                "accuracy",
                format!("{:.4}  95% CI {}", self.accuracy, self.accuracy_ci95),
            ),
            (
                "error rate",
                format!("{:.4}  95% CI {}", self.error_rate, self.error_rate_ci95),
            ),
            ("cohen kappa", format!("{:.4}", self.cohen_kappa)),
            (
                "matthews corrcoef",
                format!("{:.4}", self.matthews_corrcoef),
            ),
            ("roc auc", opt(self.roc_auc)),
            (
                "average precision",
                format!("{} ({})", opt(self.average_precision), self.churn_class),
            ),
            ("log loss", format!("{:.4}", self.log_loss)),
            (
                "brier score",
                format!(
                    "{:.4} (multi-class), {:.4} ({})",
                    self.brier_score, self.brier_score_churn, self.churn_class
                ),
            ),
            (
                "hit rate (precision)",
                format!("{:.4} ({})", self.hit_rate, self.churn_class),
            ),
            (
                "coverage (recall)",
                format!("{:.4} ({})", self.coverage, self.churn_class),
            ),
            ("top-decile lift", opt(self.top_decile_lift)),
        ];
        for (k, v) in &lines {
            writeln!(f, "  {k:<22}{v}")?;
        }
        if let Some(p) = &self.profit {
            writeln!(
                f,
                "  {:<22}MP {:.3} per customer (target {:.1}%), EMP {:.3} (target {:.1}%)",
                "profit",
                p.mp,
                100.0 * p.mp_fraction,
                p.emp,
                100.0 * p.emp_fraction
            )?;
        }
        let cw = self
            .classes
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(8)
            .max(12);
        writeln!(f)?;
        writeln!(
            f,
            "  {:<cw$} {:>9} {:>9} {:>9} {:>10} {:>9} {:>9}",
            "class", "precision", "recall", "f1", "support", "roc_auc", "avg_prec"
        )?;
        for m in &self.per_class {
            writeln!(
                f,
                "  {:<cw$} {:>9.4} {:>9.4} {:>9.4} {:>10.1} {:>9} {:>9}",
                m.class,
                m.precision,
                m.recall,
                m.f1,
                m.support,
                opt(m.roc_auc),
                opt(m.average_precision)
            )?;
        }
        for (name, a) in [
            ("macro avg", &self.macro_avg),
            ("weighted avg", &self.weighted_avg),
        ] {
            writeln!(
                f,
                "  {:<cw$} {:>9.4} {:>9.4} {:>9.4} {:>10.1}",
                name, a.precision, a.recall, a.f1, self.total_weight
            )?;
        }
        writeln!(f)?;
        writeln!(f, "  confusion matrix (rows: true, columns: predicted)")?;
        write!(f, "  {:<cw$}", "")?;
        for c in &self.classes {
            write!(f, " {c:>cw$}")?;
        }
        writeln!(f)?;
        for (c, row) in self.classes.iter().zip(&self.confusion_matrix) {
            write!(f, "  {c:<cw$}")?;
            for x in row {
                write!(f, " {x:>cw$.1}")?;
            }
            writeln!(f)?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "  calibration of P({}) (expected calibration error {:.4})",
            self.churn_class, self.expected_calibration_error
        )?;
        writeln!(
            f,
            "  {:<12} {:>14} {:>13} {:>10}",
            "bin", "mean predicted", "observed rate", "count"
        )?;
        for b in &self.calibration {
            writeln!(
                f,
                "  {:<12} {:>14} {:>13} {:>10.1}",
                format!("({:.1}, {:.1}]", b.low, b.high),
                opt(b.mean_predicted),
                opt(b.observed),
                b.weight
            )?;
        }
        if let Some(l) = &self.lift {
            writeln!(f)?;
            writeln!(
                f,
                "  {:<7} {:>8} {:>10} {:>9} {:>9}",
                "decile", "gain", "cum. lift", "rate", "lift"
            )?;
            for d in &l.deciles {
                writeln!(
                    f,
                    "  {:<7} {:>8.4} {:>10.3} {:>9.4} {:>9.3}",
                    d.decile, d.cumulative_gain, d.cumulative_lift, d.response_rate, d.lift
                )?;
            }
        }
        Ok(())
    }
}

/// A scalar metric of a [`Report`], for summaries and comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Metric {
    /// `accuracy`.
    Accuracy,
    /// `error_rate`.
    ErrorRate,
    /// `precision` (churned class).
    Precision,
    /// `recall` (churned class).
    Recall,
    /// `f1` (churned class).
    F1,
    /// `f1_macro`.
    F1Macro,
    /// `roc_auc`.
    RocAuc,
    /// `average_precision`.
    AveragePrecision,
    /// `log_loss`.
    LogLoss,
    /// `brier_score`.
    BrierScore,
    /// `cohen_kappa`.
    CohenKappa,
    /// `matthews_corrcoef`.
    MatthewsCorrcoef,
    /// `top_decile_lift`.
    TopDecileLift,
    /// `emp` (expected maximum profit per customer).
    Emp,
}

impl Metric {
    /// Every metric, in display order.
    pub const ALL: [Metric; 14] = [
        Metric::Accuracy,
        Metric::ErrorRate,
        Metric::Precision,
        Metric::Recall,
        Metric::F1,
        Metric::F1Macro,
        Metric::RocAuc,
        Metric::AveragePrecision,
        Metric::LogLoss,
        Metric::BrierScore,
        Metric::CohenKappa,
        Metric::MatthewsCorrcoef,
        Metric::TopDecileLift,
        Metric::Emp,
    ];

    /// The metric's name (scikit-learn's where one exists).
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::ErrorRate => "error_rate",
            Metric::Precision => "precision",
            Metric::Recall => "recall",
            Metric::F1 => "f1",
            Metric::F1Macro => "f1_macro",
            Metric::RocAuc => "roc_auc",
            Metric::AveragePrecision => "average_precision",
            Metric::LogLoss => "log_loss",
            Metric::BrierScore => "brier_score",
            Metric::CohenKappa => "cohen_kappa",
            Metric::MatthewsCorrcoef => "matthews_corrcoef",
            Metric::TopDecileLift => "top_decile_lift",
            Metric::Emp => "emp",
        }
    }

    /// False for losses (error rate, log loss, Brier), where lower is better.
    pub fn higher_is_better(self) -> bool {
        !matches!(
            self,
            Metric::ErrorRate | Metric::LogLoss | Metric::BrierScore
        )
    }

    /// The metric's value in `r` (None when undefined there).
    pub fn of(self, r: &Report) -> Option<f64> {
        match self {
            Metric::Accuracy => Some(r.accuracy),
            Metric::ErrorRate => Some(r.error_rate),
            Metric::Precision => Some(r.precision),
            Metric::Recall => Some(r.recall),
            Metric::F1 => Some(r.f1),
            Metric::F1Macro => Some(r.macro_avg.f1),
            Metric::RocAuc => r.roc_auc,
            Metric::AveragePrecision => r.average_precision,
            Metric::LogLoss => Some(r.log_loss),
            Metric::BrierScore => Some(r.brier_score),
            Metric::CohenKappa => Some(r.cohen_kappa),
            Metric::MatthewsCorrcoef => Some(r.matthews_corrcoef),
            Metric::TopDecileLift => r.top_decile_lift,
            Metric::Emp => r.profit.map(|p| p.emp),
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    // Three classes, 8 rows:
    // y = [0, 0, 1, 2, 2, 1, 0, 2]
    // P = [[.6,.3,.1],[.2,.5,.3],[.3,.4,.3],[.1,.2,.7],[.4,.4,.2],[.3,.3,.4],[.5,.25,.25],[.2,.3,.5]]
    const Y: [u8; 8] = [0, 0, 1, 2, 2, 1, 0, 2];
    const P: [f64; 24] = [
        0.6, 0.3, 0.1, 0.2, 0.5, 0.3, 0.3, 0.4, 0.3, 0.1, 0.2, 0.7, 0.4, 0.4, 0.2, 0.3, 0.3, 0.4,
        0.5, 0.25, 0.25, 0.2, 0.3, 0.5,
    ];

    #[test]
    fn three_class_report_matches_sklearn() {
        let r =
            Report::from_proba(&names(&["retained", "at_risk", "churned"]), &Y, None, &P).unwrap();
        // predicted (argmax, ties low): [0, 1, 1, 2, 0, 2, 0, 2] (row 4 ties .4/.4 → 0)
        // accuracy_score(y, pred) = 0.625
        close(r.accuracy, 0.625);
        // roc_auc_score(y, P, multi_class='ovr') = 0.7083333333333334
        close(r.roc_auc.unwrap(), 0.708_333_333_333_333_4);
        // log_loss(y, P) = 0.9491167862366132
        close(r.log_loss, 0.949_116_786_236_613_2);
        // brier_score_loss(y, P, scale_by_half=False) = 0.546875
        close(r.brier_score, 0.546_875);
        // brier_score_loss(y == 2, P[:, 2]) = 0.17406250000000004
        close(r.brier_score_churn, 0.174_062_5);
        // average_precision_score(y == 2, P[:, 2]) = 0.8095238095238095
        close(r.average_precision.unwrap(), 0.809_523_809_523_809_5);
        // precision_recall_fscore_support(y, pred, labels=[2], average=None)
        //   churned: precision 0.6666666666666666, recall 0.6666666666666666
        close(r.precision, 2.0 / 3.0);
        close(r.recall, 2.0 / 3.0);
        assert_eq!(r.hit_rate, r.precision);
        assert_eq!(r.coverage, r.recall);
        // cohen_kappa_score(y, pred) = 0.4285714285714286
        close(r.cohen_kappa, 0.428_571_428_571_428_6);
        // matthews_corrcoef(y, pred) = 0.42857142857142855
        close(r.matthews_corrcoef, 0.428_571_428_571_428_55);
        assert_eq!(r.churn_class, "churned");
        assert_eq!(r.calibration.len(), 10);
        let wilson_low = r.accuracy_ci95.low;
        close(r.error_rate_ci95.high, 1.0 - wilson_low);
        assert!(r.metric(Metric::Emp).is_some());
    }

    #[test]
    fn weighted_three_class_report_matches_sklearn() {
        // w = [1, 2, 1, .5, 3, 1, 1, 2], same y and P, pred = P.argmax(1)
        let w = [1.0, 2.0, 1.0, 0.5, 3.0, 1.0, 1.0, 2.0];
        let r = Report::from_proba(
            &names(&["retained", "at_risk", "churned"]),
            &Y,
            Some(&w),
            &P,
        )
        .unwrap();
        assert!(r.weighted);
        // accuracy_score(y, pred, sample_weight=w) = 0.4782608695652174
        close(r.accuracy, 0.478_260_869_565_217_4);
        // roc_auc_score(y, P, multi_class='ovr', sample_weight=w) = 0.539712918660287
        close(r.roc_auc.unwrap(), 0.539_712_918_660_287);
        // log_loss(y, P, sample_weight=w) = 1.1248745857205031
        close(r.log_loss, 1.124_874_585_720_503_1);
        // brier_score_loss(y, P, scale_by_half=False, sample_weight=w) = 0.6595652173913045
        close(r.brier_score, 0.659_565_217_391_304_5);
        // average_precision_score(y == 2, P[:, 2], sample_weight=w) = 0.7402597402597403
        close(r.average_precision.unwrap(), 0.740_259_740_259_740_3);
        // f1_score(y, pred, average='macro', sample_weight=w) = 0.4666666666666666
        close(r.macro_avg.f1, 0.466_666_666_666_666_6);
    }

    #[test]
    fn json_uses_sklearn_names_and_display_is_a_table() {
        let r =
            Report::from_proba(&names(&["retained", "at_risk", "churned"]), &Y, None, &P).unwrap();
        let json = r.to_json().unwrap();
        for key in [
            "\"accuracy\"",
            "\"precision\"",
            "\"recall\"",
            "\"f1\"",
            "\"roc_auc\"",
            "\"average_precision\"",
            "\"log_loss\"",
            "\"brier_score\"",
            "\"cohen_kappa\"",
            "\"matthews_corrcoef\"",
        ] {
            assert!(json.contains(key), "{key} missing");
        }
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(back.accuracy, r.accuracy);
        let text = r.to_string();
        assert!(text.contains("confusion matrix"));
        assert!(text.contains("macro avg"));
        assert!(text.contains("at_risk"));
        assert!(text.contains("calibration of P(churned)"), "{text}");
        assert!(text.contains("mean predicted") && text.contains("observed rate"));
        assert_eq!(text.matches("(0.9, 1.0]").count(), 1, "{text}");
    }

    #[test]
    fn bad_probabilities_are_errors() {
        let c = names(&["retained", "churned"]);
        assert!(Report::from_proba(&c, &[0, 1], None, &[0.5, 0.5, f64::NAN, 1.0]).is_err());
        assert!(Report::from_proba(&c, &[0, 1], None, &[0.5, 0.5]).is_err());
        assert!(Report::from_proba(&c, &[], None, &[]).is_err());
        assert!(Report::from_proba(&c, &[0, 1], None, &[1.5, -0.5, 0.0, 1.0]).is_err());
    }
}
