//! Reliability of predicted probabilities: the binary Brier score and the calibration

use serde::{Deserialize, Serialize};

/// The binary Brier score of one class's probability, scikit-learn's
/// `brier_score_loss(y == pos, p_pos)`: `Σ_i w_i (s_i − [i positive])² / Σ_i w_i`
/// (range 0 … 1).
pub fn brier_score_binary(scores: &[f64], positive: &[bool], weights: Option<&[f64]>) -> f64 {
    let (mut sum, mut total) = (0.0, 0.0);
    for (i, (&s, &pos)) in scores.iter().zip(positive).enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        let o = if pos { 1.0 } else { 0.0 };
        sum += w * (s - o).powi(2);
        total += w;
    }
    if total > 0.0 { sum / total } else { 0.0 }
}

/// One bin of a calibration table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge of the bin (exclusive, except 0 for the first bin).
    pub low: f64,
    /// Upper edge (inclusive).
    pub high: f64,
    /// Σw of rows whose score falls in the bin.
    pub weight: f64,
    /// Weighted mean predicted probability in the bin (None for an empty bin).
    pub mean_predicted: Option<f64>,
    /// Weighted share of positive rows in the bin (None for an empty bin).
    pub observed: Option<f64>,
}

/// Reliability of predicted probabilities: the binary Brier score and the calibration
/// (reliability) table with its expected calibration error. They live here, below
/// [`eval`](crate::eval), because a [`CalibrationTable`](super::calibrate::CalibrationTable)
/// is part of a model's policy; `eval::proba` re-exports them.
///
/// A reliability (calibration) table with `n_bins` equal-width bins over `[0, 1]`,
/// binned as scikit-learn's `calibration_curve(strategy='uniform')`: edges
/// `e_j = j · (1/n_bins)`, and a score `s` goes to the bin `j` with
/// `e_j < s <= e_{j+1}` (0 goes to the first bin). A calibrated model has
/// `mean_predicted ≈ observed` in every bin. Empty bins are kept (with None), so the
/// table always has `n_bins` rows.
pub fn calibration_table(
    scores: &[f64],
    positive: &[bool],
    weights: Option<&[f64]>,
    n_bins: usize,
) -> Vec<CalibrationBin> {
    let n_bins = n_bins.max(1);
    let step = 1.0 / n_bins as f64;
    let edges: Vec<f64> = (0..=n_bins).map(|j| j as f64 * step).collect();
    let inner = &edges[1..n_bins];
    let mut sum_w = vec![0.0; n_bins];
    let mut sum_p = vec![0.0; n_bins];
    let mut sum_y = vec![0.0; n_bins];
    for (i, (&s, &pos)) in scores.iter().zip(positive).enumerate() {
        // searchsorted(inner, s, side='left'): number of inner edges < s
        let b = inner.partition_point(|&e| e < s);
        let w = weights.map_or(1.0, |w| w[i]);
        sum_w[b] += w;
        sum_p[b] += w * s;
        if pos {
            sum_y[b] += w;
        }
    }
    (0..n_bins)
        .map(|b| CalibrationBin {
            low: edges[b],
            high: edges[b + 1],
            weight: sum_w[b],
            mean_predicted: (sum_w[b] > 0.0).then(|| sum_p[b] / sum_w[b]),
            observed: (sum_w[b] > 0.0).then(|| sum_y[b] / sum_w[b]),
        })
        .collect()
}

/// The expected calibration error of a calibration table:
/// `ECE = Σ_b (W_b / W) · |observed_b − mean_predicted_b|`.
pub fn expected_calibration_error(table: &[CalibrationBin]) -> f64 {
    let total: f64 = table.iter().map(|b| b.weight).sum();
    if total <= 0.0 {
        return 0.0;
    }
    table
        .iter()
        .filter_map(|b| Some(b.weight / total * (b.observed? - b.mean_predicted?).abs()))
        .sum()
}
