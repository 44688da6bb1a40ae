//! Honest evaluation of time-to-churn predictions on held-out customers: Harrell's
//! concordance index, the Brier score and its integral with inverse-probability-of-
//! censoring weights, the cumulative/dynamic time-dependent AUC, and a calibration
//! table of predicted against Kaplan–Meier-observed churn by risk group.
//!
//! Every function follows scikit-survival 0.28's definitions (`sksurv.metrics`), tie
//! rules included, and is checked against it on fixed inputs in the tests. Row
//! weights of [`SurvivalData`] are ignored here (as there). Where scikit-survival
//! refuses an input these functions may answer instead, as said per function.
//!
//! Predictions are passed as plain numbers so that any model can be judged: a risk
//! score per customer (higher = churns sooner), or a survival matrix — `Ŝ(t_k | x_i)`
//! row-major, one row per customer and one column per time (see
//! [`survival_matrix`](super::survival_matrix)).

use serde::{Deserialize, Serialize};

use super::curve::SurvivalCurve;
use super::data::SurvivalData;
use crate::error::{Error, Result};

/// Risk scores within this distance of each other are tied (scikit-survival's
/// `tied_tol`).
pub const TIED_TOL: f64 = 1e-8;

/// Harrell's concordance index and its pair counts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Concordance {
    /// `(concordant + tied_risk / 2) / (concordant + discordant + tied_risk)`.
    pub c_index: f64,
    /// Comparable pairs where the customer who churned first had the higher risk.
    pub concordant: u64,
    /// Comparable pairs ordered the wrong way.
    pub discordant: u64,
    /// Comparable pairs with tied risks (count ½).
    pub tied_risk: u64,
    /// Comparable pairs of an event and a censoring at the same time.
    pub tied_time: u64,
}

/// Harrell's concordance index of `risk` (higher = expected to churn sooner) on
/// `data`: the share of comparable pairs the risk orders correctly.
///
/// A pair `(i, j)` is comparable when `i` churned (`δ_i = 1`) and `j` stayed longer,
/// `T_j > T_i`, or was censored at the same time, `T_j = T_i` with `δ_j = 0` (two
/// events at the same time, or a pair whose earlier member is censored, are not).
/// It is concordant when `risk_i > risk_j`, tied when `|risk_i − risk_j| <=`
/// [`TIED_TOL`] (counted ½) — scikit-survival's `concordance_index_censored` and
/// lifelines' `concordance_index` (which takes `−risk`). Computed in
/// `O(n log n)` (a Fenwick tree over risk ranks; risks are grouped into tie classes
/// when consecutive sorted values differ by at most `TIED_TOL`).
///
/// # Errors
/// [`Error::Param`] when `risk` does not have one finite value per row;
/// [`Error::Fit`] when no pair is comparable (no event, or only events at the
/// largest time).
pub fn concordance_index(data: &SurvivalData, risk: &[f64]) -> Result<Concordance> {
    check_scores("risk", risk, data.len())?;
    let n = data.len();
    let ranks = tie_ranks(risk);
    let n_ranks = ranks.iter().copied().max().map_or(0, |r| r + 1);
    let mut fen = Fenwick::new(n_ranks);
    let t = data.durations();
    let e = data.events();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| t[a].total_cmp(&t[b]));
    let (mut conc, mut disc, mut tied, mut tied_time) = (0u64, 0u64, 0u64, 0u64);
    let mut end = n;
    while end > 0 {
        let time = t[order[end - 1]];
        let mut start = end - 1;
        while start > 0 && t[order[start - 1]] == time {
            start -= 1;
        }
        let group = &order[start..end];
        let censored = group.iter().filter(|&&i| !e[i]).count() as u64;
        for &i in group.iter().filter(|&&i| !e[i]) {
            fen.add(ranks[i], 1);
        }
        let total = fen.total();
        for &i in group.iter().filter(|&&i| e[i]) {
            let below = fen.prefix(ranks[i]);
            let at = fen.prefix(ranks[i] + 1) - below;
            conc += below;
            tied += at;
            disc += total - below - at;
            tied_time += censored;
        }
        for &i in group.iter().filter(|&&i| e[i]) {
            fen.add(ranks[i], 1);
        }
        end = start;
    }
    let pairs = conc + disc + tied;
    if pairs == 0 {
        return Err(Error::Fit(
            "no comparable pairs: the concordance index needs a churned customer with \
             someone who stayed longer"
                .into(),
        ));
    }
    Ok(Concordance {
        c_index: (conc as f64 + 0.5 * tied as f64) / pairs as f64,
        concordant: conc,
        discordant: disc,
        tied_risk: tied,
        tied_time,
    })
}

/// The Kaplan–Meier estimate of the censoring distribution `G(t) = P(C > t)` of
/// `data` (censoring as the event; at a tied time events are taken to happen first,
/// so `G(t) = Π_{t_k <= t} (1 − c_k / (n_k − d_k))`), unweighted — scikit-survival's
/// `CensoringDistributionEstimator`. Used for the inverse-probability-of-censoring
/// weights of [`brier_scores`] and [`cumulative_dynamic_auc`].
#[derive(Debug, Clone, PartialEq)]
pub struct CensoringCurve {
    times: Vec<f64>,
    g: Vec<f64>,
}

impl CensoringCurve {
    /// The censoring distribution of `data` (row weights ignored).
    pub fn fit(data: &SurvivalData) -> CensoringCurve {
        let order = data.order_by_duration();
        let (t, e) = (data.durations(), data.events());
        let mut at_risk = data.len() as f64;
        let (mut times, mut g) = (Vec::new(), Vec::new());
        let mut s = 1.0;
        let mut i = 0;
        while i < order.len() {
            let time = t[order[i]];
            let (mut d, mut c) = (0.0, 0.0);
            while i < order.len() && t[order[i]] == time {
                if e[order[i]] {
                    d += 1.0;
                } else {
                    c += 1.0;
                }
                i += 1;
            }
            if c > 0.0 && at_risk - d > 0.0 {
                s *= 1.0 - c / (at_risk - d);
            }
            times.push(time);
            g.push(s);
            at_risk -= d + c;
        }
        CensoringCurve { times, g }
    }

    /// `Ĝ(t)`: 1 before the first time; beyond the last time it keeps the last value
    /// (scikit-survival refuses such a `t` unless `Ĝ` reached 0 there).
    pub fn at(&self, t: f64) -> f64 {
        match self.times.partition_point(|&x| x <= t) {
            0 => 1.0,
            i => self.g[i - 1],
        }
    }
}

/// The time-dependent Brier score with inverse-probability-of-censoring weights (Graf
/// et al. 1999), at each of `times` (increasing):
///
/// ```text
/// BS(t) = 1/n Σ_i [ 1(T_i <= t, δ_i = 1) Ŝ(t | x_i)² / Ĝ(T_i)
///                 + 1(T_i > t) (1 − Ŝ(t | x_i))² / Ĝ(t) ]
/// ```
///
/// with `Ĝ` the [censoring distribution](CensoringCurve) of the **training** data
/// (`train`) and the sum over the `n` test customers; a term whose `Ĝ` is 0 counts 0.
/// `survival` is the test customers' survival matrix (`n × times.len()`, row-major).
/// scikit-survival's `brier_score`.
///
/// # Errors
/// [`Error::Param`] when `times` is empty, not strictly increasing, or outside the
/// test data's follow-up `[min T, max T)` (as scikit-survival), or `survival` does
/// not have one finite value per customer and time.
pub fn brier_scores(
    train: &SurvivalData,
    test: &SurvivalData,
    survival: &[f64],
    times: &[f64],
) -> Result<Vec<f64>> {
    check_times(times, test)?;
    check_scores("survival", survival, test.len() * times.len())?;
    let g = CensoringCurve::fit(train);
    let inv = |x: f64| if x > 0.0 { 1.0 / x } else { 0.0 };
    let g_y: Vec<f64> = test.durations().iter().map(|&y| inv(g.at(y))).collect();
    let nt = times.len();
    let n = test.len() as f64;
    Ok(times
        .iter()
        .enumerate()
        .map(|(k, &t)| {
            let g_t = inv(g.at(t));
            let mut sum = 0.0;
            for i in 0..test.len() {
                let (y, ev) = (test.durations()[i], test.events()[i]);
                let s = survival[i * nt + k];
                if y <= t && ev {
                    sum += s * s * g_y[i];
                } else if y > t {
                    sum += (1.0 - s) * (1.0 - s) * g_t;
                }
            }
            sum / n
        })
        .collect())
}

/// The integrated Brier score: the [`brier_scores`] at `times` integrated by the
/// trapezoid rule and divided by the span, `∫ BS(t) dt / (t_last − t_first)` —
/// scikit-survival's `integrated_brier_score`. Lower is better; a model that knows
/// nothing beyond the training Kaplan–Meier curve is the baseline.
///
/// # Errors
/// Those of [`brier_scores`], and [`Error::Param`] for fewer than two times.
pub fn integrated_brier_score(
    train: &SurvivalData,
    test: &SurvivalData,
    survival: &[f64],
    times: &[f64],
) -> Result<f64> {
    if times.len() < 2 {
        return Err(Error::param(
            "times",
            times.len(),
            "the integrated Brier score needs at least two time points",
        ));
    }
    let bs = brier_scores(train, test, survival, times)?;
    let area: f64 = times
        .windows(2)
        .zip(bs.windows(2))
        .map(|(t, b)| (t[1] - t[0]) * (b[0] + b[1]) / 2.0)
        .sum();
    Ok(area / (times[times.len() - 1] - times[0]))
}

/// Time-dependent AUCs at several horizons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeAuc {
    /// The horizons.
    pub times: Vec<f64>,
    /// The cumulative/dynamic AUC at each.
    pub auc: Vec<f64>,
    /// Their mean weighted by the test Kaplan–Meier curve's drop over each horizon:
    /// `Σ_k AUC(t_k) (Ŝ(t_{k−1}) − Ŝ(t_k)) / (1 − Ŝ(t_last))` (`Ŝ(t_0) = 1`); the
    /// AUC itself for one horizon.
    pub mean_auc: f64,
}

/// The cumulative/dynamic AUC at each of `times` (Uno et al. 2007; Hung & Chiang
/// 2010): how well the risk separates the customers who churned by `t` (cases,
/// `T_i <= t` with `δ_i = 1`, each weighted by `1 / Ĝ(T_i)` from the training
/// [censoring distribution](CensoringCurve)) from those still there after `t`
/// (controls, `T_j > t`):
///
/// ```text
/// AUC(t) = Σ_i Σ_j w_i [1(r_i > r_j) + ½ 1(r_i ≈ r_j)] / (Σ_i w_i · #controls)
/// ```
///
/// (`≈`: tied within [`TIED_TOL`], ties grouped like the sorted-risk ROC curve of
/// scikit-survival's `cumulative_dynamic_auc`, which this equals). `risk` holds one
/// score per customer (used at every time) or one per customer and time
/// (row-major, `n × times.len()`).
///
/// # Errors
/// [`Error::Param`] as [`brier_scores`] for `times`, when `risk` has another length
/// or a non-finite value; [`Error::Fit`] when a time has no case or no control, or
/// the training censoring distribution is 0 at a case's time.
pub fn cumulative_dynamic_auc(
    train: &SurvivalData,
    test: &SurvivalData,
    risk: &[f64],
    times: &[f64],
) -> Result<TimeAuc> {
    check_times(times, test)?;
    let n = test.len();
    let nt = times.len();
    let per_time = if risk.len() == n * nt && nt > 1 {
        true
    } else {
        check_scores("risk", risk, n)?;
        false
    };
    check_scores("risk", risk, risk.len())?;
    let g = CensoringCurve::fit(train);
    let (y, ev) = (test.durations(), test.events());
    let mut w = vec![0.0; n];
    for i in 0..n {
        if ev[i] {
            let gi = g.at(y[i]);
            if gi <= 0.0 {
                return Err(Error::Fit(format!(
                    "the training censoring distribution is 0 at time {}: no weight for \
                     the case churned then",
                    y[i]
                )));
            }
            w[i] = 1.0 / gi;
        }
    }
    let mut auc = Vec::with_capacity(nt);
    let mut order: Vec<usize> = (0..n).collect();
    for (k, &t) in times.iter().enumerate() {
        let r = |i: usize| if per_time { risk[i * nt + k] } else { risk[i] };
        order.sort_by(|&a, &b| r(a).total_cmp(&r(b)));
        let (mut below, mut area, mut cases, mut controls) = (0.0, 0.0, 0.0, 0.0);
        let mut i = 0;
        while i < n {
            let (mut wc, mut cc) = (0.0, 0.0);
            let mut j = i;
            loop {
                let row = order[j];
                if y[row] <= t && ev[row] {
                    wc += w[row];
                } else if y[row] > t {
                    cc += 1.0;
                }
                j += 1;
                if j == n || r(order[j]) - r(order[j - 1]) > TIED_TOL {
                    break;
                }
            }
            area += wc * (below + 0.5 * cc);
            below += cc;
            cases += wc;
            controls += cc;
            i = j;
        }
        if cases <= 0.0 || controls <= 0.0 {
            return Err(Error::Fit(format!(
                "no {} at time {t}: the AUC there is undefined",
                if cases <= 0.0 {
                    "churned customer (case)"
                } else {
                    "customer still there (control)"
                }
            )));
        }
        auc.push(area / (cases * controls));
    }
    let mean_auc = if nt == 1 {
        auc[0]
    } else {
        let km = SurvivalCurve::kaplan_meier(&unweighted(test));
        let (mut prev, mut sum) = (1.0, 0.0);
        for (a, &t) in auc.iter().zip(times) {
            let s = km.survival_at(t);
            sum += a * (prev - s);
            prev = s;
        }
        if prev >= 1.0 {
            return Err(Error::Fit(
                "no test customer churned by the last time: the mean AUC is undefined".into(),
            ));
        }
        sum / (1.0 - prev)
    };
    Ok(TimeAuc {
        times: times.to_vec(),
        auc,
        mean_auc,
    })
}

/// One risk group of a [`survival_calibration`] table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalCalibrationBin {
    /// Customers in the group.
    pub rows: usize,
    /// Of whom churned (at any time).
    pub events: usize,
    /// Their mean predicted probability of churning by the horizon.
    pub predicted: f64,
    /// `1 − Ŝ_KM(horizon)` of the group's own Kaplan–Meier curve: the share that
    /// churned by the horizon, censoring accounted for.
    pub observed: f64,
    /// The 95 % interval of `observed` (from the Kaplan–Meier log(−log) interval).
    pub observed_low: f64,
    /// Its upper end.
    pub observed_high: f64,
}

/// A calibration table at `horizon`: the test customers sorted by their predicted
/// probability of churning by `horizon` (`predicted`, one per customer), cut into
/// `groups` groups of (nearly) equal size by rank (10 = risk deciles; group `g` holds
/// ranks `⌊g n / groups⌋ ..< ⌊(g+1) n / groups⌋`, ties in prediction order by
/// position), and in each the mean prediction against the group's Kaplan–Meier
/// estimate `1 − Ŝ(horizon)`. A calibrated model has them equal within the interval.
///
/// # Errors
/// [`Error::Param`] when `predicted` does not hold one probability per customer, the
/// horizon is not a finite number `> 0`, or `groups` is 0 or more than the customers.
pub fn survival_calibration(
    test: &SurvivalData,
    predicted: &[f64],
    horizon: f64,
    groups: usize,
) -> Result<Vec<SurvivalCalibrationBin>> {
    check_scores("predicted", predicted, test.len())?;
    if predicted.iter().any(|p| !(0.0..=1.0).contains(p)) {
        return Err(Error::param(
            "predicted",
            "out of range",
            "probabilities must be in [0, 1]",
        ));
    }
    if !(horizon.is_finite() && horizon > 0.0) {
        return Err(Error::param(
            "horizon",
            horizon,
            "must be a finite number > 0",
        ));
    }
    let n = test.len();
    if groups == 0 || groups > n {
        return Err(Error::param(
            "groups",
            groups,
            format!("must be between 1 and the {n} customers"),
        ));
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| predicted[a].total_cmp(&predicted[b]));
    let data = unweighted(test);
    (0..groups)
        .map(|g| {
            let part = &order[g * n / groups..(g + 1) * n / groups];
            let sub = data.select(part);
            let km = SurvivalCurve::kaplan_meier(&sub);
            let s = km.survival_at(horizon);
            let (lo, hi) = km.confidence_interval(horizon, 0.95)?;
            Ok(SurvivalCalibrationBin {
                rows: part.len(),
                events: sub.events().iter().filter(|&&e| e).count(),
                predicted: part.iter().map(|&i| predicted[i]).sum::<f64>() / part.len() as f64,
                observed: 1.0 - s,
                observed_low: 1.0 - hi,
                observed_high: 1.0 - lo,
            })
        })
        .collect()
}

/// `data` without its row weights.
fn unweighted(data: &SurvivalData) -> SurvivalData {
    if data.weights().is_none() {
        return data.clone();
    }
    let all: Vec<usize> = (0..data.len()).collect();
    let mut d = data.select(&all);
    d.clear_weights();
    d
}

fn check_scores(name: &str, x: &[f64], n: usize) -> Result<()> {
    if x.len() != n {
        return Err(Error::param(
            name,
            x.len(),
            format!("expected {n} values (one per customer, times per time point)"),
        ));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::param(
            name,
            x[i],
            format!("value {i} is not a finite number"),
        ));
    }
    Ok(())
}

fn check_times(times: &[f64], test: &SurvivalData) -> Result<()> {
    if times.is_empty() {
        return Err(Error::param(
            "times",
            "[]",
            "at least one time point is needed",
        ));
    }
    if times.iter().any(|t| !t.is_finite()) || times.windows(2).any(|w| w[1] <= w[0]) {
        return Err(Error::param(
            "times",
            format!("{times:?}"),
            "time points must be finite and strictly increasing",
        ));
    }
    let lo = test
        .durations()
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let hi = test.max_duration();
    if times[0] < lo || times[times.len() - 1] >= hi {
        return Err(Error::param(
            "times",
            format!("{times:?}"),
            format!("time points must lie within the test data's follow-up [{lo}, {hi})"),
        ));
    }
    Ok(())
}

/// Dense tie-class ranks of `x`: sorted values whose consecutive differences are at
/// most [`TIED_TOL`] share a rank.
fn tie_ranks(x: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut ranks = vec![0; x.len()];
    let mut rank = 0;
    for k in 0..order.len() {
        if k > 0 && x[order[k]] - x[order[k - 1]] > TIED_TOL {
            rank += 1;
        }
        ranks[order[k]] = rank;
    }
    ranks
}

/// A Fenwick (binary indexed) tree of counts.
struct Fenwick {
    tree: Vec<u64>,
    total: u64,
}

impl Fenwick {
    fn new(n: usize) -> Self {
        Fenwick {
            tree: vec![0; n + 1],
            total: 0,
        }
    }

    fn add(&mut self, i: usize, v: u64) {
        self.total += v;
        let mut i = i + 1;
        while i < self.tree.len() {
            self.tree[i] += v;
            i += i & i.wrapping_neg();
        }
    }

    /// The count of positions `< i`.
    fn prefix(&self, i: usize) -> u64 {
        let mut s = 0;
        let mut i = i;
        while i > 0 {
            s += self.tree[i];
            i -= i & i.wrapping_neg();
        }
        s
    }

    fn total(&self) -> u64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cross-check data: the expected numbers below come from scikit-survival
    /// 0.28.0 and lifelines 0.30.3 on these arrays (the calls are in each test's
    /// comment; `y_train = Surv.from_arrays(E, T)` of `train()`, `y_test` of
    /// `test_data()`).
    fn train() -> SurvivalData {
        SurvivalData::new(
            vec![
                2.0, 3.0, 3.0, 5.0, 6.0, 7.0, 7.0, 8.0, 10.0, 11.0, 12.0, 14.0, 15.0, 16.0, 18.0,
                20.0,
            ],
            vec![
                true, false, true, true, false, true, true, false, true, false, true, false, true,
                false, true, false,
            ],
        )
        .unwrap()
    }

    fn test_data() -> SurvivalData {
        SurvivalData::new(
            vec![1.0, 2.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0, 6.0, 7.0, 9.0, 12.0],
            vec![
                true, true, false, true, true, false, true, true, false, false, true, false,
            ],
        )
        .unwrap()
    }

    fn risk() -> Vec<f64> {
        vec![5.0, 4.0, 4.0, 3.0, 4.0, 1.0, 2.0, 2.0, 1.0, 0.5, 0.7, 3.0]
    }

    /// A survival matrix: `exp(−0.05 · risk · t)` at each of `times`.
    fn survival(times: &[f64]) -> Vec<f64> {
        let mut m = Vec::new();
        for r in risk() {
            for &t in times {
                m.push((-0.05 * r * t).exp());
            }
        }
        m
    }

    fn naive_c(data: &SurvivalData, risk: &[f64]) -> (f64, u64, u64, u64, u64) {
        let (t, e) = (data.durations(), data.events());
        let (mut c, mut d, mut tr, mut tt) = (0u64, 0u64, 0u64, 0u64);
        for i in 0..t.len() {
            if !e[i] {
                continue;
            }
            for j in 0..t.len() {
                let comparable = t[j] > t[i] || (t[j] == t[i] && !e[j]);
                if !comparable {
                    continue;
                }
                if t[j] == t[i] {
                    tt += 1;
                }
                if (risk[i] - risk[j]).abs() <= TIED_TOL {
                    tr += 1;
                } else if risk[i] > risk[j] {
                    c += 1;
                } else {
                    d += 1;
                }
            }
        }
        let idx = (c as f64 + 0.5 * tr as f64) / (c + d + tr) as f64;
        (idx, c, d, tr, tt)
    }

    #[test]
    fn concordance_matches_scikit_survival_and_lifelines() {
        // sksurv.metrics.concordance_index_censored(E, T, risk)
        //   → (0.8970588235294118, 29, 2, 3, 3) on these ten customers;
        // lifelines.utils.concordance_index(T, −risk, E) → 0.8970588235294118.
        let d = SurvivalData::new(
            vec![1.0, 2.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0, 6.0, 7.0],
            vec![
                true, true, false, true, true, false, true, true, false, false,
            ],
        )
        .unwrap();
        let r = [5.0, 4.0, 4.0, 3.0, 4.0, 1.0, 2.0, 2.0, 1.0, 0.5];
        let c = concordance_index(&d, &r).unwrap();
        assert!((c.c_index - 0.8970588235294118).abs() < 1e-12, "{c:?}");
        assert_eq!(
            (c.concordant, c.discordant, c.tied_risk, c.tied_time),
            (29, 2, 3, 3)
        );
        // Twelve customers: sksurv gives (0.851063829787234, 38, 5, 4, 3).
        let c = concordance_index(&test_data(), &risk()).unwrap();
        assert!((c.c_index - 0.851063829787234).abs() < 1e-12, "{c:?}");
        assert_eq!(
            (c.concordant, c.discordant, c.tied_risk, c.tied_time),
            (38, 5, 4, 3)
        );
    }

    #[test]
    fn concordance_equals_the_pairwise_definition_on_random_data() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for n in [2usize, 5, 30, 200] {
            let t: Vec<f64> = (0..n)
                .map(|_| f64::from(rng.random_range(0..12u8)))
                .collect();
            let mut e: Vec<bool> = (0..n).map(|_| rng.random_bool(0.6)).collect();
            e[0] = true;
            let r: Vec<f64> = (0..n)
                .map(|_| f64::from(rng.random_range(0..6u8)) / 2.0)
                .collect();
            let d = SurvivalData::new(t, e).unwrap();
            let (idx, c, dd, tr, tt) = naive_c(&d, &r);
            match concordance_index(&d, &r) {
                Ok(got) => {
                    assert!((got.c_index - idx).abs() < 1e-12);
                    assert_eq!(
                        (got.concordant, got.discordant, got.tied_risk, got.tied_time),
                        (c, dd, tr, tt)
                    );
                }
                Err(_) => assert_eq!(c + dd + tr, 0),
            }
        }
    }

    #[test]
    fn concordance_refuses_bad_input() {
        let d = test_data();
        assert!(concordance_index(&d, &[1.0]).is_err());
        let mut r = risk();
        r[3] = f64::NAN;
        assert!(concordance_index(&d, &r).is_err());
        // Only one event, at the largest time: nothing comparable.
        let one = SurvivalData::new(vec![1.0, 5.0], vec![false, true]).unwrap();
        assert!(matches!(
            concordance_index(&one, &[0.0, 1.0]),
            Err(Error::Fit(_))
        ));
    }

    #[test]
    fn censoring_distribution_matches_scikit_survival() {
        // CensoringDistributionEstimator().fit(y_train).predict_proba(
        //   [1, 2, 3, 5, 8, 9, 16, 19.5])
        let g = CensoringCurve::fit(&train());
        let want = [
            1.0,
            1.0,
            0.9285714285714286,
            0.9285714285714286,
            0.7566137566137565,
            0.7566137566137565,
            0.3458805744520031,
            0.3458805744520031,
        ];
        for (t, w) in [1.0, 2.0, 3.0, 5.0, 8.0, 9.0, 16.0, 19.5].iter().zip(want) {
            assert!((g.at(*t) - w).abs() < 1e-12, "G({t}) = {} vs {w}", g.at(*t));
        }
    }

    #[test]
    fn brier_scores_match_scikit_survival() {
        // sksurv.metrics.brier_score(y_train, y_test, S, [2, 4, 6, 8]) and
        // integrated_brier_score(...) with S = exp(−0.05 · risk · t).
        let times = [2.0, 4.0, 6.0, 8.0];
        let bs = brier_scores(&train(), &test_data(), &survival(&times), &times).unwrap();
        let want = [
            0.13605518221267845,
            0.14496202865914495,
            0.12757476038184512,
            0.1127324275474662,
        ];
        for (b, w) in bs.iter().zip(want) {
            assert!((b - w).abs() < 1e-12, "{bs:?}");
        }
        let ibs =
            integrated_brier_score(&train(), &test_data(), &survival(&times), &times).unwrap();
        assert!((ibs - 0.13231019797368748).abs() < 1e-12, "{ibs}");
    }

    #[test]
    fn brier_scores_refuse_bad_input() {
        let (tr, te) = (train(), test_data());
        let t = [2.0, 4.0];
        let s = survival(&t);
        assert!(brier_scores(&tr, &te, &s, &[]).is_err());
        assert!(brier_scores(&tr, &te, &s, &[4.0, 2.0]).is_err());
        assert!(brier_scores(&tr, &te, &s[1..], &t).is_err());
        // Outside the follow-up [1, 12).
        assert!(brier_scores(&tr, &te, &s, &[0.5, 4.0]).is_err());
        assert!(brier_scores(&tr, &te, &s, &[2.0, 12.0]).is_err());
        assert!(integrated_brier_score(&tr, &te, &s[..te.len()], &[2.0]).is_err());
        let mut bad = s.clone();
        bad[0] = f64::NAN;
        assert!(brier_scores(&tr, &te, &bad, &t).is_err());
    }

    #[test]
    fn time_dependent_auc_matches_scikit_survival() {
        // sksurv.metrics.cumulative_dynamic_auc(y_train, y_test, risk, [2, 4, 6, 8])
        let times = [2.0, 4.0, 6.0, 8.0];
        let a = cumulative_dynamic_auc(&train(), &test_data(), &risk(), &times).unwrap();
        let want = [
            0.9166666666666666,
            0.917910447761194,
            0.8580246913580247,
            0.787037037037037,
        ];
        for (x, w) in a.auc.iter().zip(want) {
            assert!((x - w).abs() < 1e-12, "{:?}", a.auc);
        }
        assert!(
            (a.mean_auc - 0.9050957334539423).abs() < 1e-12,
            "{}",
            a.mean_auc
        );
        // A risk per customer and time: −S(t) ranks like the risk itself here.
        let s = survival(&times);
        let neg: Vec<f64> = s.iter().map(|x| -x).collect();
        let b = cumulative_dynamic_auc(&train(), &test_data(), &neg, &times).unwrap();
        for (x, y) in a.auc.iter().zip(&b.auc) {
            assert!((x - y).abs() < 1e-12);
        }
        // One time: the mean is the AUC.
        let one = cumulative_dynamic_auc(&train(), &test_data(), &risk(), &[4.0]).unwrap();
        assert_eq!(one.mean_auc, one.auc[0]);
        assert!(cumulative_dynamic_auc(&train(), &test_data(), &risk()[1..], &times).is_err());
    }

    #[test]
    fn calibration_by_group_matches_lifelines() {
        // Two groups of six by predicted churn (risk / 6); lifelines
        // KaplanMeierFitter on each group's (T, E): 1 − S(4.5) and 1 − its 95 %
        // interval (confidence_interval_survival_function_).
        let p: Vec<f64> = risk().iter().map(|r| r / 6.0).collect();
        let t = survival_calibration(&test_data(), &p, 4.5, 2).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].rows, t[1].rows), (6, 6));
        // Low group: rows 9, 10, 5, 8, 6, 7 (risks 0.5, 0.7, 1, 1, 2, 2).
        let want = [
            (
                3,
                0.2,
                0.16666666666666674,
                0.02528757330910658,
                0.726877150071644,
            ),
            (
                4,
                0.6388888888888888,
                0.75,
                0.35405146260189924,
                0.9876904835249896,
            ),
        ];
        for (g, (events, pred, obs, lo, hi)) in t.iter().zip(want) {
            assert_eq!(g.events, events);
            assert!((g.predicted - pred).abs() < 1e-12, "{g:?}");
            assert!((g.observed - obs).abs() < 1e-12, "{g:?}");
            assert!((g.observed_low - lo).abs() < 1e-9, "{g:?}");
            assert!((g.observed_high - hi).abs() < 1e-9, "{g:?}");
        }
        assert!(survival_calibration(&test_data(), &p, 0.0, 2).is_err());
        assert!(survival_calibration(&test_data(), &p, 5.0, 0).is_err());
        assert!(survival_calibration(&test_data(), &p, 5.0, 13).is_err());
        assert!(survival_calibration(&test_data(), &p[1..], 5.0, 2).is_err());
        let mut q = p.clone();
        q[0] = 1.5;
        assert!(survival_calibration(&test_data(), &q, 5.0, 2).is_err());
    }
}
