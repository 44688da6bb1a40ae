//! The two-sample log-rank test (Mantel 1966; Peto & Peto 1972): the split criterion
//! of the [survival tree](super::SurvivalTree).
//!
//! At each distinct event time `t_j` of the pooled data, `N_j` customers are at risk
//! (duration `>= t_j`) and `D_j` churn; `n_j` of those at risk and `d_j` of those
//! churning are in group A. Under the null hypothesis that both groups share one
//! survival curve, `d_j` is hypergeometric with mean `D_j n_j / N_j` and variance
//! `D_j (n_j / N_j)(1 − n_j / N_j)(N_j − D_j)/(N_j − 1)`. Summed over the event
//! times:
//!
//! ```text
//! O = Σ_j d_j,   E = Σ_j D_j n_j / N_j,
//! V = Σ_j D_j (n_j / N_j)(1 − n_j / N_j)(N_j − D_j) / (N_j − 1)   (terms with N_j <= 1 are 0)
//! χ² = (O − E)² / V   ~ χ²₁ under the null
//! ```
//!
//! The statistic is symmetric in the two groups. Weighted data use weighted counts.

use super::data::SurvivalData;
use crate::math::chi_square_sf;

/// The result of a two-sample log-rank test: `O`, `E`, `V` and `χ² = (O − E)² / V`
/// summed over the distinct event times (the formula is in [`logrank_test`]'s docs).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogRank {
    /// Events observed in group A (`O`).
    pub observed: f64,
    /// Events expected in group A under the null (`E`).
    pub expected: f64,
    /// The variance `V` of `O − E`.
    pub variance: f64,
    /// `(O − E)² / V` (0 when `V = 0`).
    pub statistic: f64,
    /// `P(χ²₁ >= statistic)`.
    pub p_value: f64,
}

impl LogRank {
    /// The test from its sums.
    pub(crate) fn from_sums(observed: f64, expected: f64, variance: f64) -> LogRank {
        let statistic = if variance > 0.0 {
            (observed - expected).powi(2) / variance
        } else {
            0.0
        };
        LogRank {
            observed,
            expected,
            variance,
            statistic,
            p_value: chi_square_sf(statistic, 1.0),
        }
    }
}

/// The log-rank test of `a` against `b` (`a` is group A), on their exact durations
/// (Mantel 1966; Peto & Peto 1972). At each distinct event time `t_j` of the pooled
/// data, `N_j` customers are at risk and `D_j` churn, `n_j` and `d_j` of them in A:
///
/// ```text
/// O = Σ_j d_j,   E = Σ_j D_j n_j / N_j,
/// V = Σ_j D_j (n_j / N_j)(1 − n_j / N_j)(N_j − D_j) / (N_j − 1)   (0 when N_j <= 1)
/// χ² = (O − E)² / V   ~ χ²₁ under equal survival curves
/// ```
pub fn logrank_test(a: &SurvivalData, b: &SurvivalData) -> LogRank {
    // Pooled items (duration, event, weight, in A), sorted by duration.
    let mut items: Vec<(f64, bool, f64, bool)> = Vec::with_capacity(a.len() + b.len());
    for (g, data) in [(true, a), (false, b)] {
        for i in 0..data.len() {
            items.push((data.durations()[i], data.events()[i], data.weight(i), g));
        }
    }
    items.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut big_n: f64 = items.iter().map(|x| x.2).sum();
    let mut small_n: f64 = items.iter().filter(|x| x.3).map(|x| x.2).sum();
    let (mut o, mut e, mut v) = (0.0, 0.0, 0.0);
    let mut i = 0;
    while i < items.len() {
        let t = items[i].0;
        let (mut dd, mut d, mut gone, mut gone_a) = (0.0, 0.0, 0.0, 0.0);
        while i < items.len() && items[i].0 == t {
            let (_, ev, w, g) = items[i];
            if ev {
                dd += w;
                if g {
                    d += w;
                }
            }
            gone += w;
            if g {
                gone_a += w;
            }
            i += 1;
        }
        if dd > 0.0 && big_n > 0.0 {
            let p = small_n / big_n;
            o += d;
            e += dd * p;
            if big_n > 1.0 {
                v += dd * p * (1.0 - p) * (big_n - dd) / (big_n - 1.0);
            }
        }
        big_n -= gone;
        small_n -= gone_a;
    }
    LogRank::from_sums(o, e, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logrank_matches_lifelines() {
        // lifelines 0.30.3: logrank_test(Ta, Tb, Ea, Eb) → test_statistic, p_value.
        let a = SurvivalData::new(
            vec![1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0, 6.0],
            vec![true, true, false, true, true, true, false, true],
        )
        .unwrap();
        let b = SurvivalData::new(
            vec![2.0, 3.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 4.0],
            vec![true, false, true, false, true, true, false, false, false],
        )
        .unwrap();
        let r = logrank_test(&a, &b);
        assert!((r.statistic - 5.788_104_957_064_485).abs() < 1e-9, "{r:?}");
        assert!(
            (r.p_value - 0.016_134_973_140_271_364).abs() < 1e-9,
            "{r:?}"
        );
        assert_eq!(r.observed, 6.0);
        // Symmetric.
        let s = logrank_test(&b, &a);
        assert!((s.statistic - r.statistic).abs() < 1e-12);
        // Identical groups: no evidence.
        let same = logrank_test(&a, &a);
        assert!(same.statistic < 1e-12 && same.p_value > 0.999);
    }
}
