//! Metrics of predicted probabilities: ROC AUC, average precision, log loss, Brier

pub use crate::policy::reliability::{
    CalibrationBin, brier_score_binary, calibration_table, expected_calibration_error,
};

pub(crate) use crate::math::{ScoreGroup, score_groups};

/// Metrics of predicted probabilities: ROC AUC, average precision, log loss, Brier
/// score and a calibration table.
///
/// Binary metrics take a score per row (higher = more likely positive), a positive flag
/// per row and optional sample weights; every sum is weighted as scikit-learn's
/// `sample_weight=`. Rows with equal scores form one group (a tie): the ROC curve and
/// the precision–recall curve move through a tie in one step, exactly as scikit-learn's
/// `roc_curve` / `precision_recall_curve` with `drop_intermediate=False`.
///
/// The area under the ROC curve of a binary problem, with ties counted as scikit-learn's
/// `roc_auc_score` (the trapezoid through each tied group), which equals the
/// Mann–Whitney probability
///
/// ```text
/// AUC = Σ_{i pos} Σ_{j neg} w_i w_j ( [s_i > s_j] + ½ [s_i = s_j] ) / (W₊ W₋)
/// ```
///
/// None when either class has zero weight (the AUC is undefined).
pub fn roc_auc(scores: &[f64], positive: &[bool], weights: Option<&[f64]>) -> Option<f64> {
    crate::math::roc_auc(scores, positive, weights)
}

/// Average precision as scikit-learn's `average_precision_score`: the step-wise sum
/// over the distinct thresholds `t_1 > t_2 > …` (ties move together)
///
/// ```text
/// AP = Σ_n (R_n − R_{n−1}) · P_n,   R_0 = 0
/// ```
///
/// with `P_n`, `R_n` the precision and recall when rows scoring at least `t_n` are
/// called positive. No interpolation (unlike the trapezoid PR AUC, which is
/// optimistic). None when there are no positive rows.
pub fn average_precision(
    scores: &[f64],
    positive: &[bool],
    weights: Option<&[f64]>,
) -> Option<f64> {
    average_precision_of_groups(&score_groups(scores, positive, weights))
}

/// [`average_precision`] of rows already grouped by score (`score_groups`).
pub(crate) fn average_precision_of_groups(groups: &[ScoreGroup]) -> Option<f64> {
    let p: f64 = groups.iter().map(|g| g.pos).sum();
    if p <= 0.0 {
        return None;
    }
    let (mut tp, mut fp, mut ap) = (0.0, 0.0, 0.0);
    for g in groups {
        tp += g.pos;
        fp += g.neg;
        if g.pos > 0.0 {
            ap += g.pos / p * (tp / (tp + fp));
        }
    }
    Some(ap)
}

/// The clipping bound of [`log_loss`]: machine epsilon for f64, as scikit-learn
/// (`np.finfo(float64).eps`).
pub const LOG_LOSS_EPS: f64 = f64::EPSILON;

/// Log loss (cross-entropy) as scikit-learn's `log_loss`: probabilities are clipped to
/// `[ε, 1 − ε]` with `ε` = `f64::EPSILON` (as scikit-learn: `np.finfo(float64).eps`), then
///
/// ```text
/// L = − Σ_i w_i ln p_{i, y_i} / Σ_i w_i
/// ```
///
/// `proba` is row-major with `k` columns. 0 for no rows.
pub fn log_loss(proba: &[f64], k: usize, labels: &[u8], weights: Option<&[f64]>) -> f64 {
    let (mut sum, mut total) = (0.0, 0.0);
    for (i, &y) in labels.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        let p = proba[i * k + y as usize].clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
        sum -= w * p.ln();
        total += w;
    }
    if total > 0.0 { sum / total } else { 0.0 }
}

/// The Brier score in Brier's original multi-class form (Brier 1950): the weighted mean
/// over rows of the squared distance between the probability vector and the one-hot
/// truth,
///
/// ```text
/// BS = Σ_i w_i Σ_c (p_ic − [y_i = c])² / Σ_i w_i        (range 0 … 2)
/// ```
///
/// This is scikit-learn's `brier_score_loss(y, proba, scale_by_half=False)`. For two
/// classes it is twice the one-column score of [`brier_score_binary`].
pub fn brier_score(proba: &[f64], k: usize, labels: &[u8], weights: Option<&[f64]>) -> f64 {
    let (mut sum, mut total) = (0.0, 0.0);
    for (i, &y) in labels.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        let row = &proba[i * k..(i + 1) * k];
        let se: f64 = row
            .iter()
            .enumerate()
            .map(|(c, &p)| {
                let o = if c == y as usize { 1.0 } else { 0.0 };
                (p - o).powi(2)
            })
            .sum();
        sum += w * se;
        total += w;
    }
    if total > 0.0 { sum / total } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    // y = [0,0,1,1,0,1,0,1,1,0]; s = [0.1,0.4,0.35,0.8,0.4,0.4,0.2,0.9,0.35,0.6]
    const Y: [u8; 10] = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0];
    const S: [f64; 10] = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.2, 0.9, 0.35, 0.6];
    const W: [f64; 10] = [1.0, 2.0, 0.5, 1.0, 1.0, 3.0, 1.0, 2.0, 1.0, 0.5];

    fn pos() -> Vec<bool> {
        Y.iter().map(|&y| y == 1).collect()
    }

    #[test]
    fn auc_with_ties_matches_sklearn() {
        // roc_auc_score(y, s) = 0.68
        close(roc_auc(&S, &pos(), None).unwrap(), 0.68);
        // roc_auc_score(y, s, sample_weight=w) = 0.7272727272727273
        close(
            roc_auc(&S, &pos(), Some(&W)).unwrap(),
            0.727_272_727_272_727_3,
        );
        // by hand: all scores tied → 0.5
        close(
            roc_auc(&[0.3; 4], &[true, false, true, false], None).unwrap(),
            0.5,
        );
        assert!(roc_auc(&[0.1, 0.2], &[true, true], None).is_none());
    }

    #[test]
    fn average_precision_matches_sklearn() {
        // average_precision_score(y, s) = 0.75
        close(average_precision(&S, &pos(), None).unwrap(), 0.75);
        // average_precision_score(y, s, sample_weight=w) = 0.7889952153110047
        close(
            average_precision(&S, &pos(), Some(&W)).unwrap(),
            0.788_995_215_311_004_7,
        );
        assert!(average_precision(&[0.1], &[false], None).is_none());
    }

    #[test]
    fn log_loss_and_brier_match_sklearn() {
        // three classes, rows: p = [[.7,.2,.1],[.1,.3,.6],[.2,.5,.3],[0,0,1],[1,0,0]]
        // y = [0, 2, 2, 1, 0]
        let p = [
            0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.2, 0.5, 0.3, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0,
        ];
        let y = [0, 2, 2, 1, 0];
        // log_loss(y, p, labels=[0,1,2]) = 7.623025352229563 (row 3 clipped at eps)
        assert!((log_loss(&p, 3, &y, None) - 7.623_025_352_229_563).abs() < 1e-10);
        // log_loss(y, p, labels=[0,1,2], sample_weight=[1,2,1,.5,1]) = 3.746204670973677
        let w = [1.0, 2.0, 1.0, 0.5, 1.0];
        assert!((log_loss(&p, 3, &y, Some(&w)) - 3.746_204_670_973_677).abs() < 1e-10);
        // brier_score_loss(y, p, scale_by_half=False) = 0.636
        close(brier_score(&p, 3, &y, None), 0.636);
        // binary: brier_score_loss(y, s) = 0.19850000000000004
        let yb: Vec<bool> = pos();
        close(brier_score_binary(&S, &yb, None), 0.1985);
        let two: Vec<f64> = S.iter().flat_map(|&s| [1.0 - s, s]).collect();
        close(brier_score(&two, 2, &Y, None), 2.0 * 0.1985);
    }

    #[test]
    fn calibration_bins_match_sklearn() {
        // calibration_curve(y, s, n_bins=10)
        //   prob_true = [0, 0, 0.6, 0, 1, 1], prob_pred = [0.1, 0.2, 0.38, 0.6, 0.8, 0.9]
        let t = calibration_table(&S, &pos(), None, 10);
        assert_eq!(t.len(), 10);
        let filled: Vec<(f64, f64)> = t
            .iter()
            .filter_map(|b| Some((b.observed?, b.mean_predicted?)))
            .collect();
        let want = [
            (0.0, 0.1),
            (0.0, 0.2),
            (0.6, 0.38),
            (0.0, 0.6),
            (1.0, 0.8),
            (1.0, 0.9),
        ];
        assert_eq!(filled.len(), want.len());
        for (a, b) in filled.iter().zip(want) {
            close(a.0, b.0);
            close(a.1, b.1);
        }
        // 0.1 is the upper edge of the first bin (searchsorted side='left'); the bin
        // (0.3, 0.4] holds 0.35, 0.35, 0.4, 0.4, 0.4
        assert_eq!(t[0].weight, 1.0);
        assert_eq!(t[3].weight, 5.0);
        // ECE by hand: (0.1 + 0.2 + 5·|0.6 − 0.38| + 0.6 + 0.2 + 0.1) / 10 = 0.23
        close(expected_calibration_error(&t), 0.23);
    }
}
