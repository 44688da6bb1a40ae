//! Significance tests and intervals: the Wilson score interval, the corrected

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::math::{binomial_cdf, chi_square_sf, student_t_two_sided_p};

/// The 97.5% quantile of the standard normal distribution, for 95% intervals.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{:.4}, {:.4}]", self.low, self.high)
    }
}

/// The Wilson score interval (Wilson 1927) for a proportion `p̂` observed on `n` trials,
/// at the normal quantile `z` (use [`Z_95`] for 95%):
///
/// ```text
/// centre = (p̂ + z²/2n) / (1 + z²/n)
/// half   = z / (1 + z²/n) · sqrt( p̂(1−p̂)/n + z²/4n² )
/// ```
///
/// Unlike the normal (Wald) interval it stays inside `[0, 1]` and behaves at `p̂` = 0
/// or 1. `n` may be fractional (an effective sample size). Equals statsmodels'
/// `proportion_confint(count, n, method='wilson')`. For `n <= 0` the interval is
/// `[0, 1]`.
pub fn wilson_interval(p_hat: f64, n: f64, z: f64) -> Interval {
    if n <= 0.0 || !p_hat.is_finite() {
        return Interval {
            low: 0.0,
            high: 1.0,
        };
    }
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p_hat + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p_hat * (1.0 - p_hat) / n + z2 / (4.0 * n * n)).sqrt();
    Interval {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    }
}

/// The result of the corrected resampled t-test of one learner against another.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CorrectedTTest {
    /// Mean of the per-fold differences (this learner minus the reference).
    pub mean_difference: f64,
    /// The t statistic (0 when every difference is 0; ±∞ when the differences are
    /// all equal and non-zero).
    pub t: f64,
    /// Degrees of freedom, `k − 1`.
    pub df: f64,
    /// Two-sided p-value from Student's t distribution.
    pub p_value: f64,
    /// True when `p_value < 0.05`.
    pub significant: bool,
}

/// The corrected resampled t-test of Nadeau & Bengio (2003, *Inference for the
/// generalization error*, Machine Learning 52:239–281) for `k` paired per-fold scores
/// of two learners on the same folds.
///
/// With differences `d_j = a_j − b_j`, their mean `d̄` and sample variance
/// `σ̂² = Σ (d_j − d̄)² / (k − 1)`:
///
/// ```text
/// t = d̄ / sqrt( (1/k + n_test/n_train) · σ̂² ),   df = k − 1
/// ```
///
/// The term `n_test/n_train` corrects the variance for the overlap of the training
/// sets (the plain paired t-test uses `1/k` alone and is far too liberal). For k-fold
/// cross-validation `n_test/n_train = 1/(k−1)`. The p-value is two-sided.
pub fn corrected_resampled_t_test(
    a: &[f64],
    b: &[f64],
    n_test: f64,
    n_train: f64,
) -> Result<CorrectedTTest> {
    if a.len() != b.len() || a.len() < 2 {
        return Err(Error::param(
            "fold scores",
            format!("{} vs {}", a.len(), b.len()),
            "need the same number (at least 2) of paired fold scores",
        ));
    }
    if !(n_test > 0.0 && n_train > 0.0) {
        return Err(Error::param(
            "n_test/n_train",
            format!("{n_test}/{n_train}"),
            "both must be positive",
        ));
    }
    let k = a.len() as f64;
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let mean = d.iter().sum::<f64>() / k;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0);
    let se = ((1.0 / k + n_test / n_train) * var).sqrt();
    let df = k - 1.0;
    let t = if se > 1e-300 {
        mean / se
    } else if mean.abs() < 1e-15 {
        0.0
    } else {
        mean.signum() * f64::INFINITY
    };
    let p_value = if t == 0.0 {
        1.0
    } else {
        student_t_two_sided_p(t, df)
    };
    Ok(CorrectedTTest {
        mean_difference: mean,
        t,
        df,
        p_value,
        significant: p_value < 0.05,
    })
}

/// The result of McNemar's test on paired predictions of two classifiers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct McNemar {
    /// Rows the first classifier got right and the second wrong.
    pub only_first_correct: u64,
    /// Rows the second classifier got right and the first wrong.
    pub only_second_correct: u64,
    /// The statistic: `(|b − c| − 1)² / (b + c)` (chi-square, 1 df) or, for the exact
    /// test, `min(b, c)`.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// True when the exact binomial test was used (fewer than 25 discordant rows).
    pub exact: bool,
    /// True when `p_value < 0.05`.
    pub significant: bool,
}

/// Discordant counts below which [`mcnemar`] uses the exact binomial test.
pub const MCNEMAR_EXACT_BELOW: u64 = 25;

/// Significance tests and intervals: the Wilson score interval, the corrected
/// resampled t-test (Nadeau & Bengio 2003) and McNemar's test (1947), on the special
/// functions of the crate's `math` module (Student t, chi-square, binomial).
///
/// McNemar's test (McNemar 1947; Dietterich 1998 recommends it for a single holdout)
/// from the discordant counts `b` (only the first classifier right) and `c` (only the
/// second right). Under the null hypothesis both err equally often, so
/// `b ~ Binomial(b + c, ½)`.
///
/// - With `b + c >= 25`: the chi-square statistic with continuity correction,
///   `χ² = (|b − c| − 1)² / (b + c)`, and its 1-df p-value (statsmodels'
///   `mcnemar(table, exact=False, correction=True)`).
/// - With `b + c < 25`: the exact two-sided binomial p-value
///   `min(1, 2 · P(X <= min(b, c)))`, `X ~ Binomial(b + c, ½)` (statsmodels'
///   `mcnemar(table, exact=True)`).
/// - With `b + c = 0` the classifiers agree everywhere: p = 1.
pub fn mcnemar(b: u64, c: u64) -> McNemar {
    let n = b + c;
    let (statistic, p_value, exact) = if n == 0 {
        (0.0, 1.0, true)
    } else if n < MCNEMAR_EXACT_BELOW {
        let m = b.min(c);
        (m as f64, (2.0 * binomial_cdf(m, n, 0.5)).min(1.0), true)
    } else {
        let diff = (b as f64 - c as f64).abs() - 1.0;
        let diff = diff.max(0.0);
        let chi = diff * diff / n as f64;
        (chi, chi_square_sf(chi, 1.0), false)
    };
    McNemar {
        only_first_correct: b,
        only_second_correct: c,
        statistic,
        p_value,
        exact,
        significant: p_value < 0.05,
    }
}

/// McNemar's test on predicted classes of two classifiers for the same rows with true
/// labels `truth` (row counts; sample weights are not used, the test counts rows).
pub fn mcnemar_test(truth: &[u8], first: &[u8], second: &[u8]) -> Result<McNemar> {
    if truth.len() != first.len() || truth.len() != second.len() {
        return Err(Error::param(
            "predictions",
            format!("{}/{}/{}", truth.len(), first.len(), second.len()),
            "truth and both predictions need the same length",
        ));
    }
    let (mut b, mut c) = (0u64, 0u64);
    for ((t, p), q) in truth.iter().zip(first).zip(second) {
        match (p == t, q == t) {
            (true, false) => b += 1,
            (false, true) => c += 1,
            _ => {}
        }
    }
    Ok(mcnemar(b, c))
}

/// The result of a paired bootstrap of a difference between two models on the same
/// held-out rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairedBootstrap {
    /// The difference on the rows themselves (second model minus the first).
    pub difference: f64,
    /// The 95 % percentile interval of the resampled differences.
    pub ci95: Interval,
    /// Two-sided p-value: `min(1, 2 · min(share of resampled differences <= 0,
    /// share >= 0))`.
    pub p_value: f64,
    /// Resamples on which the difference was defined.
    pub resamples: usize,
    /// True when `p_value < 0.05`.
    pub significant: bool,
}

/// `b` bootstrap resamples of `n` positions (with replacement), drawn one after
/// another from ChaCha8 seeded with `seed`.
pub(crate) fn resamples(n: usize, b: usize, seed: u64) -> Vec<Vec<usize>> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..b)
        .map(|_| (0..n).map(|_| rng.random_range(0..n)).collect())
        .collect()
}

/// The `q`-th percentile (0..=100) of sorted values, linear interpolation (numpy's
/// default).
pub(crate) fn percentile(sorted: &[f64], q: f64) -> f64 {
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The paired bootstrap (Efron & Tibshirani 1993, ch. 16) of a difference
/// `difference(idx)` between two models scored on the same `n` held-out rows: the
/// rows are resampled with replacement `b` times (ChaCha8 seeded with `seed`, one
/// resample after another), the difference is computed on each resample with **both**
/// models on the same rows (so what the rows have in common cancels), and
///
/// ```text
/// p = min(1, 2 · min(#{d* <= 0}, #{d* >= 0}) / B)      CI = [d*_(2.5 %), d*_(97.5 %)]
/// ```
///
/// over the `B` resamples where `difference` is defined (returns `Some`). Equal
/// models give `d* = 0` everywhere and `p = 1`.
///
/// # Errors
/// [`Error::Param`] for `b = 0`, `n = 0`, no resample where the difference is defined,
/// or an undefined difference on the rows themselves.
pub fn paired_bootstrap<F>(n: usize, b: usize, seed: u64, difference: F) -> Result<PairedBootstrap>
where
    F: Fn(&[usize]) -> Option<f64> + Sync,
{
    use rayon::prelude::*;
    if n == 0 || b == 0 {
        return Err(Error::param(
            "bootstrap",
            format!("{b} resamples of {n} rows"),
            "needs rows and at least one resample",
        ));
    }
    let all: Vec<usize> = (0..n).collect();
    let observed = difference(&all)
        .ok_or_else(|| Error::param("bootstrap", n, "the difference is undefined on these rows"))?;
    let mut d: Vec<f64> = resamples(n, b, seed)
        .par_iter()
        .filter_map(|idx| difference(idx))
        .collect();
    if d.is_empty() {
        return Err(Error::param(
            "bootstrap",
            b,
            "the difference is undefined on every resample",
        ));
    }
    d.sort_by(f64::total_cmp);
    let m = d.len() as f64;
    let below = d.iter().filter(|&&x| x <= 0.0).count() as f64 / m;
    let above = d.iter().filter(|&&x| x >= 0.0).count() as f64 / m;
    let p_value = (2.0 * below.min(above)).min(1.0);
    Ok(PairedBootstrap {
        difference: observed,
        ci95: Interval {
            low: percentile(&d, 2.5),
            high: percentile(&d, 97.5),
        },
        p_value,
        resamples: d.len(),
        significant: p_value < 0.05,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::tests::close;

    #[test]
    fn wilson_matches_statsmodels() {
        // from statsmodels.stats.proportion import proportion_confint
        // proportion_confint(81, 100, method='wilson')
        //   = (0.7222115462093562, 0.8748524849023126)
        // proportion_confint(0, 10, method='wilson') = (0.0, 0.27753279986288926)
        let w = wilson_interval(0.81, 100.0, Z_95);
        close(w.low, 0.722_211_546_209_356_2, 1e-12);
        close(w.high, 0.874_852_484_902_312_6, 1e-12);
        let w = wilson_interval(0.0, 10.0, Z_95);
        close(w.low, 0.0, 1e-15);
        close(w.high, 0.277_532_799_862_889_2, 1e-12);
    }

    #[test]
    fn corrected_t_test_by_hand() {
        // d = [0.02, 0.03, 0.01, 0.04, 0.00] (k = 5), mean 0.02, var 0.00025,
        // n_test/n_train = 1/4: se = sqrt((0.2 + 0.25)·0.00025) = 0.010606601717798213,
        // t = 1.8856180831641267; scipy: 2*t.sf(1.8856180831641267, 4) = 0.1324189222202493
        let a = [0.82, 0.83, 0.81, 0.84, 0.80];
        let b = [0.80; 5];
        let r = corrected_resampled_t_test(&a, &b, 20.0, 80.0).unwrap();
        close(r.mean_difference, 0.02, 1e-12);
        close(r.t, 1.885_618_083_164_126_7, 1e-9);
        assert_eq!(r.df, 4.0);
        // 2*scipy.stats.t.sf(1.8856180831641267, 4) = 0.1324189222202493
        close(r.p_value, 0.132_418_922_220_249_3, 1e-8);
        assert!(!r.significant);
        let same = corrected_resampled_t_test(&b, &b, 20.0, 80.0).unwrap();
        assert_eq!((same.t, same.p_value), (0.0, 1.0));
        assert!(corrected_resampled_t_test(&a, &b[..3], 20.0, 80.0).is_err());
        assert!(corrected_resampled_t_test(&a, &b, 0.0, 80.0).is_err());
    }

    #[test]
    fn paired_bootstrap_by_hand() {
        // Equal models: every resampled difference is 0, p = 1.
        let same = paired_bootstrap(50, 100, 7, |_| Some(0.0)).unwrap();
        assert_eq!((same.difference, same.p_value), (0.0, 1.0));
        assert_eq!((same.ci95.low, same.ci95.high), (0.0, 0.0));
        assert!(!same.significant);
        // One row: every resample is that row, the difference is its value.
        let one = paired_bootstrap(1, 20, 7, |idx| Some(0.25 * idx.len() as f64)).unwrap();
        assert_eq!(
            (one.difference, one.p_value, one.resamples),
            (0.25, 0.0, 20)
        );
        assert_eq!((one.ci95.low, one.ci95.high), (0.25, 0.25));
        assert!(one.significant);
        // A difference that is the mean of per-row values: the interval holds the
        // observed mean, and the run is fixed by the seed.
        let x: Vec<f64> = (0..40).map(|i| f64::from(i % 5) - 1.5).collect();
        let mean = |idx: &[usize]| Some(idx.iter().map(|&i| x[i]).sum::<f64>() / idx.len() as f64);
        let a = paired_bootstrap(40, 500, 3, mean).unwrap();
        let b = paired_bootstrap(40, 500, 3, mean).unwrap();
        assert_eq!(a, b);
        assert!((a.difference - 0.5).abs() < 1e-12);
        assert!(a.ci95.low < a.difference && a.difference < a.ci95.high);
        assert!((0.0..=1.0).contains(&a.p_value));
        assert_ne!(a, paired_bootstrap(40, 500, 4, mean).unwrap());
        // Undefined differences are skipped; all undefined is an error.
        assert!(paired_bootstrap(10, 10, 1, |_| None).is_err());
        assert!(paired_bootstrap(0, 10, 1, |_| Some(0.0)).is_err());
        assert!(paired_bootstrap(10, 0, 1, |_| Some(0.0)).is_err());
    }

    #[test]
    fn mcnemar_matches_statsmodels() {
        // from statsmodels.stats.contingency_tables import mcnemar
        // mcnemar([[50, 30], [12, 8]], exact=False, correction=True)
        //   statistic = 6.880952380952381, pvalue = 0.008711912962379598
        let m = mcnemar(30, 12);
        assert!(!m.exact);
        close(m.statistic, 289.0 / 42.0, 1e-12);
        // chi2.sf(289/42, 1) = 0.008711912962379598
        close(m.p_value, 0.008_711_912_962_379_598, 1e-9);
        assert!(m.significant);
        // mcnemar([[50, 9], [3, 8]], exact=True): statistic = 3.0, pvalue = 0.14599609375
        let m = mcnemar(9, 3);
        assert!(m.exact);
        close(m.p_value, 0.145_996_093_75, 1e-12);
        assert_eq!(mcnemar(0, 0).p_value, 1.0);
        let m = mcnemar_test(&[0, 1, 1, 0], &[0, 1, 0, 0], &[1, 1, 1, 0]).unwrap();
        assert_eq!((m.only_first_correct, m.only_second_correct), (1, 1));
        assert!(mcnemar_test(&[0], &[0, 1], &[0]).is_err());
    }
}
