//! Probability calibration, fitted on validation rows and stored in the model, so that

use serde::{Deserialize, Serialize};

use super::reliability::{
    CalibrationBin, brier_score_binary, calibration_table, expected_calibration_error,
};
use crate::error::{Error, Result};

/// Which calibration to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum CalibrationMethod {
    /// Platt's sigmoid.
    Platt,
    /// Isotonic regression (PAV).
    Isotonic,
}

/// A fitted one-dimensional calibration map from a model probability to a calibrated
/// one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Calibrator {
    /// `p' = 1 / (1 + exp(a·s + b))`.
    Platt {
        /// Slope (negative when the model ranks well).
        a: f64,
        /// Intercept.
        b: f64,
    },
    /// Piecewise-linear through `(x[i], y[i])`, `x` increasing, `y` non-decreasing,
    /// clipped outside `[x[0], x[last]]`.
    Isotonic {
        /// Knots (model probabilities).
        x: Vec<f64>,
        /// Calibrated values at the knots.
        y: Vec<f64>,
    },
}

impl Calibrator {
    /// Fits Platt's sigmoid to scores `s`, outcomes `y` and optional weights.
    pub fn fit_platt(s: &[f64], y: &[bool], w: Option<&[f64]>) -> Result<Calibrator> {
        let n = s.len();
        let wt = |i: usize| w.map_or(1.0, |w| w[i]);
        let prior1: f64 = (0..n).filter(|&i| y[i]).map(wt).sum();
        let prior0: f64 = (0..n).filter(|&i| !y[i]).map(wt).sum();
        if prior1 <= 0.0 || prior0 <= 0.0 {
            return Err(Error::schema(
                "Platt scaling needs both classes among the validation rows",
            ));
        }
        let hi = (prior1 + 1.0) / (prior1 + 2.0);
        let lo = 1.0 / (prior0 + 2.0);
        let t: Vec<f64> = y.iter().map(|&p| if p { hi } else { lo }).collect();
        // Negative log-likelihood, written stably (Lin, Lin & Weng 2007, Algorithm 1).
        let objective = |a: f64, b: f64| -> f64 {
            (0..n)
                .map(|i| {
                    let f = s[i] * a + b;
                    let l = if f >= 0.0 {
                        t[i] * f + (1.0 + (-f).exp()).ln()
                    } else {
                        (t[i] - 1.0) * f + (1.0 + f.exp()).ln()
                    };
                    wt(i) * l
                })
                .sum()
        };
        let (mut a, mut b) = (0.0, ((prior0 + 1.0) / (prior1 + 1.0)).ln());
        let mut fval = objective(a, b);
        const SIGMA: f64 = 1e-12;
        for _ in 0..100 {
            // Gradient and Hessian (plus SIGMA on the diagonal).
            let (mut h11, mut h22, mut h21, mut g1, mut g2) = (SIGMA, SIGMA, 0.0, 0.0, 0.0);
            for i in 0..n {
                let f = s[i] * a + b;
                let (p, q) = if f >= 0.0 {
                    let e = (-f).exp();
                    (e / (1.0 + e), 1.0 / (1.0 + e))
                } else {
                    let e = f.exp();
                    (1.0 / (1.0 + e), e / (1.0 + e))
                };
                let d2 = wt(i) * p * q;
                h11 += s[i] * s[i] * d2;
                h22 += d2;
                h21 += s[i] * d2;
                let d1 = wt(i) * (t[i] - p);
                g1 += s[i] * d1;
                g2 += d1;
            }
            if g1.abs() < 1e-5 && g2.abs() < 1e-5 {
                break;
            }
            let det = h11 * h22 - h21 * h21;
            if det.abs() < f64::MIN_POSITIVE {
                break;
            }
            let da = -(h22 * g1 - h21 * g2) / det;
            let db = -(-h21 * g1 + h11 * g2) / det;
            let gd = g1 * da + g2 * db;
            let mut step = 1.0;
            let mut moved = false;
            while step >= 1e-10 {
                let (na, nb) = (a + step * da, b + step * db);
                let nf = objective(na, nb);
                if nf < fval + 1e-4 * step * gd {
                    a = na;
                    b = nb;
                    fval = nf;
                    moved = true;
                    break;
                }
                step /= 2.0;
            }
            if !moved {
                break;
            }
        }
        if !a.is_finite() || !b.is_finite() {
            return Err(Error::Fit("Platt scaling diverged".into()));
        }
        Ok(Calibrator::Platt { a, b })
    }

    /// Fits an isotonic (non-decreasing) map from scores `s` to outcomes `y` by PAV.
    pub fn fit_isotonic(s: &[f64], y: &[bool], w: Option<&[f64]>) -> Result<Calibrator> {
        let n = s.len();
        if n == 0 {
            return Err(Error::Fit(
                "isotonic calibration needs validation rows".into(),
            ));
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| s[i].total_cmp(&s[j]));
        // Blocks: (x_min, x_max, weighted sum of y, weight). Tied x are pooled first.
        let mut blocks: Vec<(f64, f64, f64, f64)> = Vec::new();
        for &i in &order {
            let wi = w.map_or(1.0, |w| w[i]);
            if wi <= 0.0 {
                continue;
            }
            let yi = if y[i] { wi } else { 0.0 };
            match blocks.last_mut() {
                Some(last) if last.1 == s[i] => {
                    last.2 += yi;
                    last.3 += wi;
                }
                _ => blocks.push((s[i], s[i], yi, wi)),
            }
            // Pool while the last two blocks violate monotonicity.
            while blocks.len() >= 2 {
                let m = blocks.len();
                let (prev, last) = (blocks[m - 2], blocks[m - 1]);
                if prev.2 / prev.3 >= last.2 / last.3 {
                    blocks[m - 2] = (prev.0, last.1, prev.2 + last.2, prev.3 + last.3);
                    blocks.pop();
                } else {
                    break;
                }
            }
        }
        if blocks.is_empty() {
            return Err(Error::Fit(
                "isotonic calibration: all weights are zero".into(),
            ));
        }
        let (mut x, mut yv) = (Vec::new(), Vec::new());
        for &(lo, hi, sy, sw) in &blocks {
            let v = sy / sw;
            x.push(lo);
            yv.push(v);
            if hi > lo {
                x.push(hi);
                yv.push(v);
            }
        }
        Ok(Calibrator::Isotonic { x, y: yv })
    }

    /// Fits by `method`.
    pub fn fit(
        method: CalibrationMethod,
        s: &[f64],
        y: &[bool],
        w: Option<&[f64]>,
    ) -> Result<Calibrator> {
        match method {
            CalibrationMethod::Platt => Self::fit_platt(s, y, w),
            CalibrationMethod::Isotonic => Self::fit_isotonic(s, y, w),
        }
    }

    /// The calibrated value of score `s`.
    pub fn apply(&self, s: f64) -> f64 {
        match self {
            &Calibrator::Platt { a, b } => {
                let f = a * s + b;
                if f >= 0.0 {
                    let e = (-f).exp();
                    e / (1.0 + e)
                } else {
                    1.0 / (1.0 + f.exp())
                }
            }
            Calibrator::Isotonic { x, y } => {
                let m = x.len();
                if m == 0 || s.is_nan() {
                    return s;
                }
                if s <= x[0] {
                    return y[0];
                }
                if s >= x[m - 1] {
                    return y[m - 1];
                }
                let j = x.partition_point(|&k| k <= s); // x[j-1] <= s < x[j]
                let (x0, x1, y0, y1) = (x[j - 1], x[j], y[j - 1], y[j]);
                if x1 > x0 {
                    y0 + (y1 - y0) * (s - x0) / (x1 - x0)
                } else {
                    y1
                }
            }
        }
    }

    /// Checks a loaded calibrator (finite parameters, knots increasing, values in
    /// [0, 1]), so a tampered file cannot make scoring produce nonsense.
    pub fn validate(&self) -> Result<()> {
        let ok = match self {
            Calibrator::Platt { a, b } => a.is_finite() && b.is_finite(),
            Calibrator::Isotonic { x, y } => {
                !x.is_empty()
                    && x.len() == y.len()
                    && x.windows(2).all(|w| w[0] <= w[1])
                    && x.iter().all(|v| v.is_finite())
                    && y.iter().all(|v| (0.0..=1.0).contains(v))
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Error::Model {
                location: Default::default(),
                message: "calibration parameters are invalid".into(),
            })
        }
    }
}

/// Probability calibration, fitted on validation rows and stored in the model, so that
/// a predicted churn probability of 0.3 means three in ten such customers leave — the
/// lifetime-value arithmetic in [`Economics`](super::Economics) depends on it.
///
/// - **Platt scaling** (Platt 1999, with the Newton method and safeguards of Lin, Lin &
///   Weng 2007, "A note on Platt's probabilistic outputs for support vector machines"):
///   `p' = 1 / (1 + exp(A·s + B))` where `s` is the model's probability. `A, B`
///   minimise the weighted cross-entropy against Platt's smoothed targets
///   `t₊ = (N₊ + 1)/(N₊ + 2)` for positives and `t₋ = 1/(N₋ + 2)` for negatives
///   (which keeps a model that is always right from being fitted to probabilities of
///   exactly 0 and 1).
/// - **Isotonic regression** (Zadrozny & Elkan 2002): the non-decreasing step function
///   of `s` closest (weighted least squares) to the 0/1 labels, found by the
///   pool-adjacent-violators algorithm (PAV). Between the fitted points it is linearly
///   interpolated and beyond them clipped, as in scikit-learn's `IsotonicRegression`.
///
/// Binary models calibrate the churn class and set the other to `1 − p'`; models with
/// more classes calibrate each class one-vs-rest and renormalise the row to sum 1
/// (uniform if every calibrated value is 0), as scikit-learn's `CalibratedClassifierCV`.
///
/// The fitted calibration of a model: for binary models one calibrator for the churn
/// class; otherwise one per class (one-vs-rest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The method fitted.
    pub method: CalibrationMethod,
    /// The class the single calibrator of a binary model applies to.
    pub churn_class: usize,
    /// Binary: one calibrator (churn class). Otherwise one per class.
    pub calibrators: Vec<Calibrator>,
}

impl Calibration {
    /// Fits on validation probabilities `proba` (row-major, `k` per row), labels
    /// (class indices) and optional weights.
    pub fn fit(
        method: CalibrationMethod,
        proba: &[f64],
        k: usize,
        labels: &[u8],
        weights: Option<&[f64]>,
        churn_class: usize,
    ) -> Result<Self> {
        let classes: Vec<usize> = if k == 2 {
            vec![churn_class]
        } else {
            (0..k).collect()
        };
        let mut calibrators = Vec::with_capacity(classes.len());
        for c in classes {
            let s: Vec<f64> = proba.chunks_exact(k).map(|r| r[c]).collect();
            let y: Vec<bool> = labels.iter().map(|&l| l as usize == c).collect();
            calibrators.push(Calibrator::fit(method, &s, &y, weights)?);
        }
        Ok(Calibration {
            method,
            churn_class,
            calibrators,
        })
    }

    /// Calibrates one row of probabilities in place.
    pub fn apply(&self, row: &mut [f64]) {
        let k = row.len();
        if k == 2 && self.calibrators.len() == 1 {
            let c = self.churn_class.min(1);
            let p = self.calibrators[0].apply(row[c]).clamp(0.0, 1.0);
            row[c] = p;
            row[1 - c] = 1.0 - p;
            return;
        }
        for (v, cal) in row.iter_mut().zip(&self.calibrators) {
            *v = cal.apply(*v).clamp(0.0, 1.0);
        }
        let sum: f64 = row.iter().sum();
        if sum > 0.0 {
            row.iter_mut().for_each(|v| *v /= sum);
        } else {
            row.iter_mut().for_each(|v| *v = 1.0 / k as f64);
        }
    }

    /// Checks the calibration fits a model with `k` classes.
    pub fn validate(&self, k: usize) -> Result<()> {
        let expect = if k == 2 { 1 } else { k };
        if self.calibrators.len() != expect || self.churn_class >= k {
            return Err(Error::Model {
                location: Default::default(),
                message: format!(
                    "calibration has {} calibrators for {k} classes",
                    self.calibrators.len()
                ),
            });
        }
        self.calibrators.iter().try_for_each(Calibrator::validate)
    }
}

/// The calibration table of the training summary: reliability bins of the churn
/// probability on the validation rows before and after calibration (10 equal-width
/// bins, [`reliability::calibration_table`](super::reliability::calibration_table)),
/// with the expected calibration error
/// `ECE = Σ_b (w_b / W)·|observed_b − mean_predicted_b|` and the Brier score
/// `Σ w (p − y)² / W` of each.
///
/// Both are measured on the rows the calibration was fitted on, so "after" is
/// optimistic; judge it on a separate test set with `eval`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationTable {
    /// Bins of the uncalibrated churn probability.
    pub before: Vec<CalibrationBin>,
    /// Bins of the calibrated churn probability.
    pub after: Vec<CalibrationBin>,
    /// ECE before.
    pub ece_before: f64,
    /// ECE after.
    pub ece_after: f64,
    /// Brier score of the churn probability before.
    pub brier_before: f64,
    /// Brier score after.
    pub brier_after: f64,
}

impl CalibrationTable {
    /// The table for churn probabilities `before` and `after` calibration against the
    /// outcomes `is_churn`.
    pub fn new(before: &[f64], after: &[f64], is_churn: &[bool], w: Option<&[f64]>) -> Self {
        let b = calibration_table(before, is_churn, w, 10);
        let a = calibration_table(after, is_churn, w, 10);
        CalibrationTable {
            ece_before: expected_calibration_error(&b),
            ece_after: expected_calibration_error(&a),
            brier_before: brier_score_binary(before, is_churn, w),
            brier_after: brier_score_binary(after, is_churn, w),
            before: b,
            after: a,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pav_on_hand_computed_example() {
        // s: 0.1 0.2 0.3 0.4 0.5, y: 0 1 0 1 1 → PAV pools (0.2, 0.3) to 0.5.
        // scikit-learn's IsotonicRegression(out_of_bounds="clip") predicts
        // [0, 0.25, 0.5, 0.75, 1] at [0, 0.15, 0.25, 0.35, 0.9], as here.
        let s = [0.1, 0.2, 0.3, 0.4, 0.5];
        let y = [false, true, false, true, true];
        let c = Calibrator::fit_isotonic(&s, &y, None).unwrap();
        match &c {
            Calibrator::Isotonic { x, y } => {
                assert_eq!(x, &vec![0.1, 0.2, 0.3, 0.4, 0.5]);
                assert_eq!(y, &vec![0.0, 0.5, 0.5, 1.0, 1.0]);
            }
            _ => unreachable!(),
        }
        assert_eq!(c.apply(0.0), 0.0);
        assert_eq!(c.apply(0.25), 0.5);
        assert!((c.apply(0.35) - 0.75).abs() < 1e-12);
        assert!((c.apply(0.15) - 0.25).abs() < 1e-12);
        assert_eq!(c.apply(0.9), 1.0);
    }

    #[test]
    fn platt_matches_reference_fit() {
        // The fit must satisfy the first-order conditions of the smoothed-target
        // cross-entropy (gradient zero), whatever optimiser reached it.
        let s = [
            0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.35, 0.65, 0.55,
        ];
        let y = [
            false, false, false, true, false, true, true, true, true, false, false, true,
        ];
        let c = Calibrator::fit_platt(&s, &y, None).unwrap();
        let Calibrator::Platt { a, b } = c else {
            unreachable!()
        };
        // Gradient at the optimum is ~0: check the first-order conditions directly.
        let n1 = y.iter().filter(|&&v| v).count() as f64;
        let n0 = y.len() as f64 - n1;
        let (hi, lo) = ((n1 + 1.0) / (n1 + 2.0), 1.0 / (n0 + 2.0));
        let (mut g1, mut g2) = (0.0, 0.0);
        for i in 0..s.len() {
            let p = 1.0 / (1.0 + (a * s[i] + b).exp());
            let t = if y[i] { hi } else { lo };
            g1 += s[i] * (t - p);
            g2 += t - p;
        }
        assert!(g1.abs() < 1e-5 && g2.abs() < 1e-5, "{g1} {g2}");
        // scikit-learn 1.9.1 `calibration._sigmoid_calibration(s, y)` on the same data
        // gives a = -5.283980379, b = 2.671186481 (scipy BFGS agrees to 1e-7).
        assert!((a + 5.283980379).abs() < 1e-5, "{a}");
        assert!((b - 2.671186481).abs() < 1e-5, "{b}");
        let p_hi = c.apply(0.9);
        let p_lo = c.apply(0.1);
        assert!(p_hi > 0.8 && p_lo < 0.2, "{p_lo} {p_hi}");
    }

    #[test]
    fn platt_needs_both_classes() {
        assert!(Calibrator::fit_platt(&[0.1, 0.2], &[true, true], None).is_err());
    }

    #[test]
    fn multiclass_rows_are_renormalised() {
        let proba = [0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.3, 0.4, 0.3, 0.2, 0.2, 0.6];
        let labels = [0u8, 2, 1, 2];
        let cal =
            Calibration::fit(CalibrationMethod::Isotonic, &proba, 3, &labels, None, 2).unwrap();
        cal.validate(3).unwrap();
        let mut row = [0.5, 0.3, 0.2];
        cal.apply(&mut row);
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}
