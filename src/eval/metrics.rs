//! Metrics of predicted classes: the confusion matrix, accuracy and error rate with a

use serde::{Deserialize, Serialize};

use super::stats::{Interval, Z_95, wilson_interval};
use crate::error::{Error, Result};

use crate::math::argmax;

/// The [`argmax`] class of each row of row-major probabilities with `k` columns.
pub fn predicted_classes(proba: &[f64], k: usize) -> Vec<u8> {
    proba.chunks_exact(k).map(|row| argmax(row) as u8).collect()
}

/// Metrics of predicted classes: the confusion matrix, accuracy and error rate with a
/// 95% Wilson interval, Cohen's kappa, Matthews correlation, and per-class precision,
/// recall, F1 and support with macro and weighted averages.
///
/// **Weights.** Every count is a weighted count: a row adds its sample weight (1 when
/// the table has no weight column) to the confusion matrix, so all metrics here are
/// weighted exactly like scikit-learn's with `sample_weight=`. The Wilson interval
/// uses the Kish effective sample size `n_eff = (Σw)² / Σw²`, which equals the row
/// count when all weights are 1.
///
/// **Zero division.** A precision, recall or F1 whose denominator is 0 is reported as
/// 0 (scikit-learn's `zero_division=0`).
///
/// A K×K confusion matrix of weighted counts: `counts[true][predicted]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// The class names, in the order of rows and columns.
    pub classes: Vec<String>,
    /// `counts[i][j]` = total weight of rows of true class `i` predicted as `j`.
    pub counts: Vec<Vec<f64>>,
    /// Σw of all rows counted.
    pub total_weight: f64,
    /// Σw² of all rows counted (for the effective sample size).
    pub total_weight_sq: f64,
}

impl ConfusionMatrix {
    /// An empty matrix for these classes.
    pub fn new(classes: &[String]) -> Self {
        let k = classes.len();
        ConfusionMatrix {
            classes: classes.to_vec(),
            counts: vec![vec![0.0; k]; k],
            total_weight: 0.0,
            total_weight_sq: 0.0,
        }
    }

    /// Builds the matrix from true labels, predicted labels and optional weights.
    pub fn from_labels(
        classes: &[String],
        truth: &[u8],
        predicted: &[u8],
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        if truth.len() != predicted.len() || weights.is_some_and(|w| w.len() != truth.len()) {
            return Err(Error::param(
                "labels",
                format!("{} vs {}", truth.len(), predicted.len()),
                "truth, predictions and weights need the same length",
            ));
        }
        let k = classes.len();
        let mut m = Self::new(classes);
        for (i, (&t, &p)) in truth.iter().zip(predicted).enumerate() {
            if t as usize >= k || p as usize >= k {
                return Err(Error::param(
                    "label",
                    t.max(p),
                    format!("out of range for {k} classes"),
                ));
            }
            m.add(t as usize, p as usize, weights.map_or(1.0, |w| w[i]));
        }
        Ok(m)
    }

    /// Adds one row of true class `t`, predicted `p`, weight `w`.
    pub fn add(&mut self, t: usize, p: usize, w: f64) {
        self.counts[t][p] += w;
        self.total_weight += w;
        self.total_weight_sq += w * w;
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }

    /// Σw of rows whose true class is `c` (the support).
    pub fn support(&self, c: usize) -> f64 {
        self.counts[c].iter().sum()
    }

    /// Σw of rows predicted as `c`.
    pub fn predicted(&self, c: usize) -> f64 {
        self.counts.iter().map(|r| r[c]).sum()
    }

    /// The weight on the diagonal (correct predictions).
    pub fn correct(&self) -> f64 {
        (0..self.n_classes()).map(|c| self.counts[c][c]).sum()
    }

    /// Accuracy `Σ_c n_cc / n` (0 for an empty matrix).
    pub fn accuracy(&self) -> f64 {
        if self.total_weight > 0.0 {
            self.correct() / self.total_weight
        } else {
            0.0
        }
    }

    /// The Kish effective sample size `(Σw)² / Σw²` (= the row count when unweighted).
    pub fn effective_n(&self) -> f64 {
        if self.total_weight_sq > 0.0 {
            self.total_weight * self.total_weight / self.total_weight_sq
        } else {
            0.0
        }
    }

    /// The 95% Wilson interval of the accuracy, on the effective sample size.
    pub fn accuracy_interval(&self) -> Interval {
        wilson_interval(self.accuracy(), self.effective_n(), Z_95)
    }

    /// Cohen's kappa (Cohen 1960): `κ = (p_o − p_e) / (1 − p_e)`, with observed
    /// agreement `p_o = Σ_c n_cc / n` and chance agreement
    /// `p_e = Σ_c (n_c· / n)(n_·c / n)`. 0 when `p_e = 1` (scikit-learn's
    /// `cohen_kappa_score` returns NaN there; a constant classifier agreeing with a
    /// constant truth carries no information beyond chance).
    pub fn cohen_kappa(&self) -> f64 {
        let n = self.total_weight;
        if n <= 0.0 {
            return 0.0;
        }
        let po = self.correct() / n;
        let pe: f64 = (0..self.n_classes())
            .map(|c| self.support(c) / n * self.predicted(c) / n)
            .sum();
        if (1.0 - pe).abs() < 1e-15 {
            0.0
        } else {
            (po - pe) / (1.0 - pe)
        }
    }

    /// The Matthews correlation coefficient, in its multi-class form (Gorodkin 2004)
    /// as scikit-learn computes it: with `c` = correct, `s` = total, `t_k` true and
    /// `p_k` predicted totals of class `k`,
    ///
    /// ```text
    /// MCC = (c·s − Σ t_k p_k) / sqrt( (s² − Σ p_k²) (s² − Σ t_k²) )
    /// ```
    ///
    /// For two classes this is `(TP·TN − FP·FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN))`.
    /// 0 when the denominator is 0.
    pub fn matthews_corrcoef(&self) -> f64 {
        let k = self.n_classes();
        let s = self.total_weight;
        let c = self.correct();
        let tp: f64 = (0..k).map(|i| self.support(i) * self.predicted(i)).sum();
        let pp: f64 = (0..k).map(|i| self.predicted(i).powi(2)).sum();
        let tt: f64 = (0..k).map(|i| self.support(i).powi(2)).sum();
        let denom = ((s * s - pp) * (s * s - tt)).sqrt();
        if denom > 0.0 && denom.is_finite() {
            (c * s - tp) / denom
        } else {
            0.0
        }
    }

    /// Precision, recall, F1 and support of class `c`:
    /// `precision = n_cc / n_·c`, `recall = n_cc / n_c·`,
    /// `F1 = 2·precision·recall / (precision + recall)`.
    pub fn class_metrics(&self, c: usize) -> ClassMetrics {
        let tp = self.counts[c][c];
        let support = self.support(c);
        let predicted = self.predicted(c);
        let precision = ratio(tp, predicted);
        let recall = ratio(tp, support);
        let f1 = ratio(2.0 * tp, support + predicted);
        ClassMetrics {
            class: self.classes[c].clone(),
            precision,
            recall,
            f1,
            support,
            roc_auc: None,
            average_precision: None,
        }
    }

    /// Per-class metrics for every class, in class order.
    pub fn per_class(&self) -> Vec<ClassMetrics> {
        (0..self.n_classes())
            .map(|c| self.class_metrics(c))
            .collect()
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// Precision, recall, F1 and support of one class (one-vs-rest), plus its one-vs-rest
/// ROC AUC and average precision when probabilities were available.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// The class name.
    pub class: String,
    /// Of the rows predicted as this class, the share that are (weighted).
    pub precision: f64,
    /// Of the rows of this class, the share predicted as it (weighted).
    pub recall: f64,
    /// The harmonic mean of precision and recall, `2TP / (2TP + FP + FN)`.
    pub f1: f64,
    /// Σw of rows of this class.
    pub support: f64,
    /// One-vs-rest ROC AUC of this class's probability (None when the class or its
    /// complement has no rows).
    pub roc_auc: Option<f64>,
    /// One-vs-rest average precision of this class's probability (None when the
    /// class has no rows).
    pub average_precision: Option<f64>,
}

/// Averages of per-class precision, recall and F1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Averages {
    /// Averaged precision.
    pub precision: f64,
    /// Averaged recall.
    pub recall: f64,
    /// Averaged F1 (the average of the per-class F1s, as scikit-learn).
    pub f1: f64,
}

/// The unweighted mean over all classes (scikit-learn's `average='macro'`).
pub fn macro_average(per_class: &[ClassMetrics]) -> Averages {
    let k = per_class.len().max(1) as f64;
    Averages {
        precision: per_class.iter().map(|c| c.precision).sum::<f64>() / k,
        recall: per_class.iter().map(|c| c.recall).sum::<f64>() / k,
        f1: per_class.iter().map(|c| c.f1).sum::<f64>() / k,
    }
}

/// The mean over classes weighted by support (scikit-learn's `average='weighted'`).
pub fn weighted_average(per_class: &[ClassMetrics]) -> Averages {
    let total: f64 = per_class.iter().map(|c| c.support).sum();
    let w = |f: fn(&ClassMetrics) -> f64| {
        if total > 0.0 {
            per_class.iter().map(|c| f(c) * c.support).sum::<f64>() / total
        } else {
            0.0
        }
    };
    Averages {
        precision: w(|c| c.precision),
        recall: w(|c| c.recall),
        f1: w(|c| c.f1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    fn names(k: usize) -> Vec<String> {
        ["retained", "at_risk", "churned"][..k]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    // y_true = [0,0,0,0,1,1,1,2,2,2,2,2]
    // y_pred = [0,0,1,2,1,1,0,2,2,1,2,0]
    const T3: [u8; 12] = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2];
    const P3: [u8; 12] = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1, 2, 0];

    #[test]
    fn three_class_metrics_match_sklearn() {
        let m = ConfusionMatrix::from_labels(&names(3), &T3, &P3, None).unwrap();
        // by hand: rows true, columns predicted
        assert_eq!(
            m.counts,
            vec![
                vec![2.0, 1.0, 1.0],
                vec![1.0, 2.0, 0.0],
                vec![1.0, 1.0, 3.0]
            ]
        );
        close(m.accuracy(), 7.0 / 12.0);
        // from sklearn.metrics import *
        // cohen_kappa_score(t, p)  = 0.375
        // matthews_corrcoef(t, p)  = 0.37896836447993354
        close(m.cohen_kappa(), 0.375);
        close(m.matthews_corrcoef(), 0.378_968_364_479_933_54);
        // precision_recall_fscore_support(t, p):
        //   precision [0.5, 0.5, 0.75], recall [0.5, 0.6666666666666666, 0.6],
        //   f1 [0.5, 0.5714285714285715, 0.6666666666666666], support [4, 3, 5]
        let pc = m.per_class();
        let want = [
            (0.5, 0.5, 0.5, 4.0),
            (0.5, 2.0 / 3.0, 0.571_428_571_428_571_5, 3.0),
            (0.75, 0.6, 2.0 / 3.0, 5.0),
        ];
        for (c, w) in pc.iter().zip(want) {
            close(c.precision, w.0);
            close(c.recall, w.1);
            close(c.f1, w.2);
            close(c.support, w.3);
        }
        // precision_recall_fscore_support(t, p, average='macro')
        //   = (0.5833333333333334, 0.5888888888888889, 0.5793650793650794)
        let ma = macro_average(&pc);
        close(ma.precision, 0.583_333_333_333_333_4);
        close(ma.recall, 0.588_888_888_888_888_9);
        close(ma.f1, 0.579_365_079_365_079_4);
        // average='weighted' = (0.6041666666666666, 0.5833333333333334, 0.5873015873015873)
        let wa = weighted_average(&pc);
        close(wa.precision, 0.604_166_666_666_666_6);
        close(wa.recall, 0.583_333_333_333_333_4);
        close(wa.f1, 0.587_301_587_301_587_3);
    }

    #[test]
    fn weighted_binary_metrics_match_sklearn() {
        // t = [0,0,0,1,1,1]; p = [0,1,0,1,0,1]; w = [1,2,1,3,1,0.5]
        let t = [0, 0, 0, 1, 1, 1];
        let p = [0, 1, 0, 1, 0, 1];
        let w = [1.0, 2.0, 1.0, 3.0, 1.0, 0.5];
        let m = ConfusionMatrix::from_labels(&names(2), &t, &p, Some(&w)).unwrap();
        // accuracy_score(t, p, sample_weight=w) = 0.6470588235294118
        close(m.accuracy(), 0.647_058_823_529_411_8);
        // cohen_kappa_score(t, p, sample_weight=w) = 0.2816901408450705
        close(m.cohen_kappa(), 0.281_690_140_845_070_5);
        // matthews_corrcoef(t, p, sample_weight=w) = 0.29012942659282975
        close(m.matthews_corrcoef(), 0.290_129_426_592_829_75);
        // precision_recall_fscore_support(t, p, sample_weight=w, pos_label=1,
        //   average='binary') = (0.6363636363636364, 0.7777777777777778, 0.7)
        let c = m.class_metrics(1);
        close(c.precision, 0.636_363_636_363_636_4);
        close(c.recall, 0.777_777_777_777_777_8);
        close(c.f1, 0.7);
        // Kish n_eff = 8.5² / 16.25
        close(m.effective_n(), 72.25 / 16.25);
    }

    #[test]
    fn degenerate_matrices_do_not_divide_by_zero() {
        let m = ConfusionMatrix::from_labels(&names(2), &[0, 0, 0], &[0, 0, 0], None).unwrap();
        assert_eq!(m.accuracy(), 1.0);
        assert_eq!(m.cohen_kappa(), 0.0);
        assert_eq!(m.matthews_corrcoef(), 0.0);
        assert_eq!(m.class_metrics(1).precision, 0.0);
        let i = m.accuracy_interval();
        assert!(i.low < 1.0 && i.high == 1.0);
        let e = ConfusionMatrix::new(&names(2));
        assert_eq!(e.accuracy(), 0.0);
        assert!(ConfusionMatrix::from_labels(&names(2), &[0, 2], &[0, 0], None).is_err());
        assert!(ConfusionMatrix::from_labels(&names(2), &[0], &[0, 0], None).is_err());
    }
}
