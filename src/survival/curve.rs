//! [`SurvivalCurve`]: the Kaplan–Meier and Nelson–Aalen estimators as a step
//! function, and what a churn warning reads off it (conditional churn within a
//! horizon, median and restricted mean remaining lifetime).

use serde::{Deserialize, Serialize};

use super::data::SurvivalData;
use crate::error::{Error, Result};

/// Which estimator a [`SurvivalCurve`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Estimator {
    /// Kaplan–Meier (1958): `Ŝ(t) = Π_{t_i ≤ t} (1 − d_i / n_i)`, with Greenwood's
    /// variance `Var Ŝ(t) = Ŝ(t)² Σ_{t_i ≤ t} d_i / (n_i (n_i − d_i))`.
    #[default]
    KaplanMeier,
    /// Nelson–Aalen: the cumulative hazard `Ĥ(t) = Σ_{t_i ≤ t} d_i / n_i`, survival
    /// `Ŝ(t) = exp(−Ĥ(t))` (Breslow / Fleming–Harrington), with
    /// `Var Ĥ(t) = Σ_{t_i ≤ t} d_i / n_i²` (and `Var Ŝ = Ŝ² Var Ĥ`, the delta method).
    NelsonAalen,
}

/// A survival curve `S(t) = P(T > t)` estimated from durations and events: a
/// right-continuous step function that starts at 1 and steps down at each distinct
/// event time `t_i` (where `d_i` customers churned out of the `n_i` still at risk,
/// i.e. with a duration `>= t_i`; weighted when the data are). Only the distinct event
/// times are stored (`times`, `survival` just after each, and the variance sums), so a
/// curve costs 24 bytes per event time however many customers it summarises.
///
/// Beyond the last event time the curve stays at its last value up to
/// [`horizon`](Self::horizon) (the largest duration seen, event or censored), and is
/// held there beyond it (there are no data beyond the horizon; see
/// [`median_remaining`](Self::median_remaining)).
///
/// ```
/// use churnkit::survival::{SurvivalCurve, SurvivalData};
///
/// // Six customers: churned at 1, 3, 3 and 6 months; still here at 2 and 8 months.
/// let data = SurvivalData::new(
///     vec![1.0, 2.0, 3.0, 3.0, 6.0, 8.0],
///     vec![true, false, true, true, true, false],
/// )?;
/// let km = SurvivalCurve::kaplan_meier(&data);
/// assert_eq!(km.times(), &[1.0, 3.0, 6.0]);
/// // S(3) = (1 − 1/6)(1 − 2/4) = 5/12.
/// assert!((km.survival_at(3.5) - 5.0 / 12.0).abs() < 1e-12);
/// // A customer who has stayed 2 months churns within the next 2 with
/// // probability 1 − S(4)/S(2) = 1 − (5/12)/(5/6) = 1/2.
/// assert!((km.churn_within(2.0, 2.0) - 0.5).abs() < 1e-12);
/// assert_eq!(km.median_remaining(0.0), Some(3.0));
/// # Ok::<(), churnkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalCurve {
    estimator: Estimator,
    /// Distinct event times, increasing.
    times: Vec<f64>,
    /// `Ŝ(t_i)` (just after each event time), non-increasing in `[0, 1]`.
    survival: Vec<f64>,
    /// Cumulative variance sums: Greenwood's `Σ d/(n(n−d))` (Kaplan–Meier) or
    /// `Σ d/n²` (Nelson–Aalen); `Var Ŝ(t) = Ŝ(t)² · sum(t)`.
    var_sum: Vec<f64>,
    /// The largest duration seen.
    horizon: f64,
    /// Total weight of the customers.
    n: f64,
    /// Total weight of the events.
    events: f64,
}

impl SurvivalCurve {
    /// The Kaplan–Meier estimate of `data` (see [`Estimator::KaplanMeier`]).
    pub fn kaplan_meier(data: &SurvivalData) -> SurvivalCurve {
        Self::fit(data, Estimator::KaplanMeier)
    }

    /// The Nelson–Aalen estimate of `data` (see [`Estimator::NelsonAalen`]).
    pub fn nelson_aalen(data: &SurvivalData) -> SurvivalCurve {
        Self::fit(data, Estimator::NelsonAalen)
    }

    /// The estimate of `data` by `estimator`.
    pub fn fit(data: &SurvivalData, estimator: Estimator) -> SurvivalCurve {
        let order = data.order_by_duration();
        let d = data.durations();
        let e = data.events();
        Self::from_sorted(
            estimator,
            order.iter().map(|&i| (d[i], e[i], data.weight(i))),
        )
    }

    /// The estimate from `(duration, event, weight)` items in ascending order of
    /// duration (the caller sorts).
    pub(crate) fn from_sorted(
        estimator: Estimator,
        items: impl Iterator<Item = (f64, bool, f64)> + Clone,
    ) -> SurvivalCurve {
        let (mut n, mut events, mut horizon) = (0.0, 0.0, 0.0f64);
        for (t, e, w) in items.clone() {
            n += w;
            if e {
                events += w;
            }
            horizon = horizon.max(t);
        }
        let mut c = SurvivalCurve {
            estimator,
            times: Vec::new(),
            survival: Vec::new(),
            var_sum: Vec::new(),
            horizon,
            n,
            events,
        };
        let (mut at_risk, mut s, mut h, mut v) = (n, 1.0, 0.0, 0.0);
        let mut it = items.peekable();
        while let Some((t, e, w)) = it.next() {
            let (mut d, mut gone) = (if e { w } else { 0.0 }, w);
            while let Some(&(t2, e2, w2)) = it.peek() {
                if t2 != t {
                    break;
                }
                if e2 {
                    d += w2;
                }
                gone += w2;
                it.next();
            }
            if d > 0.0 && at_risk > 0.0 {
                match estimator {
                    Estimator::KaplanMeier => {
                        s *= (1.0 - d / at_risk).max(0.0);
                        if at_risk > d {
                            v += d / (at_risk * (at_risk - d));
                        }
                    }
                    Estimator::NelsonAalen => {
                        h += d / at_risk;
                        s = (-h).exp();
                        v += d / (at_risk * at_risk);
                    }
                }
                c.times.push(t);
                c.survival.push(s);
                c.var_sum.push(v);
            }
            at_risk -= gone;
        }
        c
    }

    /// A curve from its parts (the caller keeps the invariants [`validate`](Self::validate)
    /// checks).
    pub(crate) fn from_parts(
        estimator: Estimator,
        times: Vec<f64>,
        survival: Vec<f64>,
        var_sum: Vec<f64>,
        horizon: f64,
        n: f64,
        events: f64,
    ) -> SurvivalCurve {
        SurvivalCurve {
            estimator,
            times,
            survival,
            var_sum,
            horizon,
            n,
            events,
        }
    }

    /// The estimator.
    pub fn estimator(&self) -> Estimator {
        self.estimator
    }

    /// The distinct event times, increasing.
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// `Ŝ` just after each of [`times`](Self::times).
    pub fn survival(&self) -> &[f64] {
        &self.survival
    }

    /// The largest duration of the data (event or censored): the curve says nothing
    /// beyond it.
    pub fn horizon(&self) -> f64 {
        self.horizon
    }

    /// Total weight of the customers the curve summarises.
    pub fn n(&self) -> f64 {
        self.n
    }

    /// Total weight of their events.
    pub fn events(&self) -> f64 {
        self.events
    }

    /// Number of steps (distinct event times).
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// True for a flat curve (no event).
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Index of the last event time `<= t`, if any.
    #[inline]
    fn step(&self, t: f64) -> Option<usize> {
        self.times.partition_point(|&x| x <= t).checked_sub(1)
    }

    /// `Ŝ(t) = P(T > t)`: 1 before the first event time, the value of the last step
    /// at or before `t` after it.
    pub fn survival_at(&self, t: f64) -> f64 {
        self.step(t).map_or(1.0, |i| self.survival[i])
    }

    /// The cumulative hazard `Ĥ(t) = −ln Ŝ(t)` (for Nelson–Aalen exactly its
    /// `Σ d_i / n_i`; infinite where a Kaplan–Meier curve reaches 0).
    pub fn cumulative_hazard_at(&self, t: f64) -> f64 {
        -self.survival_at(t).ln()
    }

    /// The estimated variance of `Ŝ(t)`: Greenwood's (Kaplan–Meier) or the delta
    /// method's `Ŝ² Var Ĥ` (Nelson–Aalen); 0 before the first event. (Greenwood's sum
    /// skips a time where every customer at risk churned, as scikit-survival does.)
    pub fn variance_at(&self, t: f64) -> f64 {
        self.step(t)
            .map_or(0.0, |i| self.survival[i].powi(2) * self.var_sum[i])
    }

    /// The pointwise confidence interval `(lower, upper)` of `Ŝ(t)` at `level` (e.g.
    /// 0.95) on the log(−log) scale, as lifelines reports it ("exponential
    /// Greenwood"): with `v = ln Ŝ(t)`, `σ² = ` the variance sum at `t` and `z` the
    /// normal quantile of `(1 + level)/2`, the bounds are
    /// `exp(−exp(ln(−v) ± z σ / v))`. It is `(1, 1)` before the first event and
    /// `(0, 0)` where `Ŝ = 0`.
    ///
    /// # Errors
    /// [`Error::Param`] unless `0 < level < 1`.
    pub fn confidence_interval(&self, t: f64, level: f64) -> Result<(f64, f64)> {
        if !(level > 0.0 && level < 1.0) {
            return Err(Error::param(
                "level",
                level,
                "must be strictly between 0 and 1",
            ));
        }
        let Some(i) = self.step(t) else {
            return Ok((1.0, 1.0));
        };
        let s = self.survival[i];
        if s <= 0.0 {
            return Ok((0.0, 0.0));
        }
        if s >= 1.0 {
            return Ok((1.0, 1.0));
        }
        let z = crate::math::normal_quantile(0.5 + level / 2.0);
        let v = s.ln();
        let sd = self.var_sum[i].sqrt();
        let bound = |sign: f64| (-((-v).ln() + sign * z * sd / v).exp()).exp();
        // v < 0: adding z σ / v lowers the inner exponent, which raises the bound.
        Ok((bound(-1.0), bound(1.0)))
    }

    /// `P(churn within h | stayed until t0) = 1 − Ŝ(t0 + h) / Ŝ(t0)` for a customer
    /// who has stayed `t0` so far. Where `Ŝ(t0) = 0` (every customer like this one
    /// churned by `t0` in the data) it is 1. (The hazard ratio 1 case of
    /// [`CustomerCurve::churn_within`], which holds the one implementation.)
    pub fn churn_within(&self, t0: f64, h: f64) -> f64 {
        CustomerCurve::of(self).churn_within(t0, h)
    }

    /// `Ŝ(t0 + t) / Ŝ(t0)`: the probability of still being a customer `t` periods from
    /// now, having stayed `t0` so far (0 where `Ŝ(t0) = 0`).
    pub fn retention(&self, t0: f64, t: f64) -> f64 {
        CustomerCurve::of(self).retention(t0, t)
    }

    /// The median remaining time of a customer who has stayed `t0`: the smallest
    /// `m > 0` with `Ŝ(t0 + m) <= Ŝ(t0) / 2` (at `t0 = 0` the usual median survival
    /// time, the first `t` with `Ŝ(t) <= 1/2`, as lifelines' `median_survival_time_`).
    /// `None` when the curve does not fall that far within the data — the median is
    /// beyond the data's horizon — or when `Ŝ(t0) = 0`.
    pub fn median_remaining(&self, t0: f64) -> Option<f64> {
        CustomerCurve::of(self).median_remaining(t0)
    }

    /// The restricted mean remaining lifetime over the next `tau` periods of a
    /// customer who has stayed `t0`: `∫_{t0}^{t0+τ} Ŝ(u) du / Ŝ(t0)`, the expected
    /// number of the next `τ` periods they stay (the step function integrated
    /// exactly; 0 where `Ŝ(t0) = 0`). At `t0 = 0` it is the restricted mean survival
    /// time (RMST).
    pub fn restricted_mean(&self, t0: f64, tau: f64) -> f64 {
        CustomerCurve::of(self).restricted_mean(t0, tau)
    }

    /// Checks a curve read from untrusted bytes: equal lengths, finite increasing
    /// times within `[0, horizon]`, survival in `[0, 1]` and non-increasing, variance
    /// sums finite, `>= 0` and non-decreasing, weights finite with `0 <= events <= n`.
    ///
    /// # Errors
    /// [`Error::Model`] saying what is wrong.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| {
            Err(Error::Model {
                location: Default::default(),
                message: format!("survival curve: {m}"),
            })
        };
        let k = self.times.len();
        if self.survival.len() != k || self.var_sum.len() != k {
            return bad("times, survival and variance have different lengths");
        }
        if !(self.horizon.is_finite() && self.horizon >= 0.0) {
            return bad("the horizon is not a finite number >= 0");
        }
        if !(self.n.is_finite() && self.events.is_finite())
            || self.events < 0.0
            || self.events > self.n * (1.0 + 1e-9)
        {
            return bad("the customer and event weights are inconsistent");
        }
        let mut prev = (f64::NEG_INFINITY, 1.0, 0.0);
        for i in 0..k {
            let (t, s, v) = (self.times[i], self.survival[i], self.var_sum[i]);
            if !(t.is_finite() && t >= 0.0 && t > prev.0 && t <= self.horizon) {
                return bad("event times must increase within [0, horizon]");
            }
            if !(0.0..=1.0).contains(&s) || s > prev.1 {
                return bad("survival must be in [0, 1] and non-increasing");
            }
            if !(v.is_finite() && v >= prev.2) {
                return bad("variance sums must be finite and non-decreasing");
            }
            prev = (t, s, v);
        }
        Ok(())
    }
}

/// A customer's survival curve: a leaf's [`SurvivalCurve`] under a proportional
/// hazard ratio `r`, `Ŝ(t | x) = Ŝ_ℓ(t)^r` (Cox 1972: the leaf's hazard multiplied by
/// `r` at every time; see [`HazardLeaves`](super::HazardLeaves)). With `r = 1` every
/// answer is the leaf curve's own, bit for bit. The conditional answers given the
/// tenure `t0` are those of [`SurvivalCurve`] with `Ŝ` replaced by `Ŝ^r`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerCurve<'a> {
    /// The leaf's curve.
    pub curve: &'a SurvivalCurve,
    /// The customer's hazard ratio `r > 0` to the leaf.
    pub hazard_ratio: f64,
}

impl<'a> From<&'a SurvivalCurve> for CustomerCurve<'a> {
    fn from(curve: &'a SurvivalCurve) -> Self {
        CustomerCurve::of(curve)
    }
}

impl<'a> CustomerCurve<'a> {
    /// The curve itself (`r = 1`).
    pub fn of(curve: &'a SurvivalCurve) -> Self {
        CustomerCurve {
            curve,
            hazard_ratio: 1.0,
        }
    }

    fn pow(&self, s: f64) -> f64 {
        if self.hazard_ratio == 1.0 {
            s
        } else {
            s.powf(self.hazard_ratio)
        }
    }

    /// The customer's risk `τ − RMST(τ)` of their curve, given their leaf's own
    /// (`leaf_risk`, what a ratio of 1 gives).
    pub fn risk(&self, tau: f64, leaf_risk: f64) -> f64 {
        if self.hazard_ratio == 1.0 {
            leaf_risk
        } else {
            tau - self.restricted_mean(0.0, tau)
        }
    }

    /// `Ŝ(t | x) = Ŝ_ℓ(t)^r`.
    pub fn survival_at(&self, t: f64) -> f64 {
        self.pow(self.curve.survival_at(t))
    }

    /// `1 − Ŝ(t0 + h | x) / Ŝ(t0 | x)`, 1 where `Ŝ(t0 | x) = 0`
    /// ([`SurvivalCurve::churn_within`] is the `r = 1` case).
    pub fn churn_within(&self, t0: f64, h: f64) -> f64 {
        let s0 = self.survival_at(t0);
        if s0 <= 0.0 {
            return 1.0;
        }
        (1.0 - self.survival_at(t0 + h) / s0).clamp(0.0, 1.0)
    }

    /// `Ŝ(t0 + t | x) / Ŝ(t0 | x)`, 0 where `Ŝ(t0 | x) = 0`
    /// ([`SurvivalCurve::retention`] is the `r = 1` case).
    pub fn retention(&self, t0: f64, t: f64) -> f64 {
        let s0 = self.survival_at(t0);
        if s0 <= 0.0 {
            0.0
        } else {
            (self.survival_at(t0 + t) / s0).clamp(0.0, 1.0)
        }
    }

    /// The median remaining time ([`SurvivalCurve::median_remaining`]) of `Ŝ^r`.
    pub fn median_remaining(&self, t0: f64) -> Option<f64> {
        let s0 = self.survival_at(t0);
        if s0 <= 0.0 {
            return None;
        }
        // `Ŝ_i^r <= s0 / 2` is `Ŝ_i <= (s0 / 2)^(1/r)` (r > 0): one power, not one
        // per step.
        let q = if self.hazard_ratio == 1.0 {
            0.5 * s0
        } else {
            (0.5 * s0).powf(1.0 / self.hazard_ratio)
        };
        let times = self.curve.times();
        let from = times.partition_point(|&x| x <= t0);
        (from..times.len())
            .find(|&i| self.curve.survival()[i] <= q)
            .map(|i| times[i] - t0)
    }

    /// The restricted mean remaining lifetime ([`SurvivalCurve::restricted_mean`]) of
    /// `Ŝ^r`: `∫_{t0}^{t0+τ} Ŝ(u | x) du / Ŝ(t0 | x)`.
    pub fn restricted_mean(&self, t0: f64, tau: f64) -> f64 {
        let s0 = self.survival_at(t0);
        if s0 <= 0.0 || tau <= 0.0 {
            return 0.0;
        }
        let end = t0 + tau;
        let times = self.curve.times();
        let (mut a, mut s, mut area) = (t0, s0, 0.0);
        let from = times.partition_point(|&x| x <= t0);
        for (i, &t) in times.iter().enumerate().skip(from) {
            if t >= end {
                break;
            }
            area += s * (t - a);
            a = t;
            s = self.pow(self.curve.survival()[i]);
        }
        area += s * (end - a);
        area / s0
    }
}

/// `Ŝ(t)` of each curve at each of `times`, row-major (`curves.len() × times.len()`):
/// the survival matrix the [metrics](super::metrics) take. The curves are
/// [`SurvivalCurve`]s (e.g. Kaplan–Meier repeated per customer) or customers'
/// [`CustomerCurve`]s.
pub fn survival_matrix<'a, C: Into<CustomerCurve<'a>>>(
    curves: impl IntoIterator<Item = C>,
    times: &[f64],
) -> Vec<f64> {
    let mut out = Vec::new();
    for c in curves {
        let c = c.into();
        out.extend(times.iter().map(|&t| c.survival_at(t)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lifelines / scikit-survival cross-check data: 12 customers with tied
    /// times, an event and a censoring at the same time, and a last censored row.
    pub(crate) fn sample() -> SurvivalData {
        SurvivalData::new(
            vec![1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
            vec![
                true, true, false, true, true, true, false, true, false, true, false, false,
            ],
        )
        .unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn kaplan_meier_matches_lifelines_and_scikit_survival() {
        // lifelines 0.30.3:
        //   kmf = KaplanMeierFitter().fit(T, E)
        //   kmf.survival_function_ at 1, 2, 3, 4, 6, 8
        //   kmf.confidence_interval_ (alpha 0.05)
        //   kmf.median_survival_time_
        // scikit-survival 0.28.0's kaplan_meier_estimator gives the same survival.
        let km = SurvivalCurve::kaplan_meier(&sample());
        assert_eq!(km.times(), &[1.0, 2.0, 3.0, 4.0, 6.0, 8.0]);
        let want = [
            0.9166666666666667,
            0.8333333333333335,
            0.7407407407407406,
            0.5555555555555555,
            0.4444444444444444,
            0.2962962962962962,
        ];
        for (s, w) in km.survival().iter().zip(want) {
            assert!(close(*s, w), "{s} vs {w}");
        }
        assert_eq!(km.survival_at(0.5), 1.0);
        assert!(close(km.survival_at(5.5), 0.5555555555555555));
        assert!(close(km.survival_at(100.0), 0.2962962962962962));
        assert_eq!(km.median_remaining(0.0), Some(6.0));
        assert_eq!((km.n(), km.events(), km.horizon()), (12.0, 7.0, 10.0));
        // 95 % log(−log) interval at t = 4 and t = 8 (lifelines).
        let (lo, hi) = km.confidence_interval(4.0, 0.95).unwrap();
        assert!((lo - 0.23690020773318007).abs() < 1e-9, "{lo}");
        assert!((hi - 0.7867014663875915).abs() < 1e-9, "{hi}");
        let (lo, hi) = km.confidence_interval(8.0, 0.95).unwrap();
        assert!((lo - 0.055467552106673514).abs() < 1e-9, "{lo}");
        assert!((hi - 0.5995164102502499).abs() < 1e-9, "{hi}");
        assert!(km.confidence_interval(4.0, 1.0).is_err());
        assert_eq!(km.confidence_interval(0.5, 0.95).unwrap(), (1.0, 1.0));
        // Greenwood variance at t = 4 by hand: d/(n(n−d)) over the first four
        // event times = 1/(12·11) + 1/(11·10) + 1/(9·8) + 2/(8·6).
        let g = 1.0 / 132.0 + 1.0 / 110.0 + 1.0 / 72.0 + 2.0 / 48.0;
        assert!(close(
            km.variance_at(4.0),
            0.5555555555555555f64.powi(2) * g
        ));
        km.validate().unwrap();
    }

    #[test]
    fn nelson_aalen_matches_lifelines() {
        // lifelines: NelsonAalenFitter().fit(T, E).cumulative_hazard_ (nelson_aalen
        // smoothing of ties off: naf = NelsonAalenFitter(nelson_aalen_smoothing=False)).
        let na = SurvivalCurve::nelson_aalen(&sample());
        let want = [
            0.08333333333333333,
            0.17424242424242425,
            0.28535353535353536,
            0.5353535353535354,
            0.7353535353535354,
            1.0686868686868687,
        ];
        for (t, w) in na.times().iter().zip(want) {
            assert!(close(na.cumulative_hazard_at(*t), w));
        }
        assert!(close(na.survival_at(4.5), (-0.5353535353535354f64).exp()));
        // Var Ĥ(4) = Σ d/n² = 1/12² + 1/11² + 1/9² + 2/8².
        let v = 1.0 / 144.0 + 1.0 / 121.0 + 1.0 / 81.0 + 2.0 / 64.0;
        assert!(close(na.variance_at(4.0), na.survival_at(4.0).powi(2) * v));
        na.validate().unwrap();
    }

    #[test]
    fn conditional_quantities_by_hand() {
        let km = SurvivalCurve::kaplan_meier(&sample());
        // Stayed 2: S(2) = 5/6; within 2 more, S(4) = 5/9: 1 − (5/9)/(5/6) = 1/3.
        assert!(close(km.churn_within(2.0, 2.0), 1.0 / 3.0));
        assert!(close(km.retention(2.0, 2.0), 2.0 / 3.0));
        // Median remaining after 3: S(3)/2 = 10/27 = 0.370; S(4) = 0.556 and S(6) =
        // 0.444 are above it, S(8) = 0.296 is not: 8 − 3 = 5.
        assert_eq!(km.median_remaining(3.0), Some(5.0));
        // After 4 (S/2 = 0.278) the curve never falls that far within the data.
        assert_eq!(km.median_remaining(4.0), None);
        // RMST over 5 from 0: 1 + 11/12 + 5/6 + 20/27 + 5/9 (one period each).
        let rmst = 1.0 + 11.0 / 12.0 + 5.0 / 6.0 + 20.0 / 27.0 + 5.0 / 9.0;
        assert!(close(km.restricted_mean(0.0, 5.0), rmst));
        // Restricted mean over 3 after 4: (5/9 · 2 + 4/9 · 1) / (5/9) = 2.8.
        assert!(close(km.restricted_mean(4.0, 3.0), 2.8));
        assert_eq!(km.restricted_mean(4.0, 0.0), 0.0);
        // A curve that reaches 0.
        let all = SurvivalData::new(vec![1.0, 2.0], vec![true, true]).unwrap();
        let z = SurvivalCurve::kaplan_meier(&all);
        assert_eq!(z.survival_at(2.0), 0.0);
        assert_eq!(z.churn_within(3.0, 1.0), 1.0);
        assert_eq!(z.retention(3.0, 1.0), 0.0);
        assert_eq!(z.median_remaining(3.0), None);
        assert_eq!(z.restricted_mean(3.0, 2.0), 0.0);
        assert_eq!(z.confidence_interval(2.0, 0.9).unwrap(), (0.0, 0.0));
        assert_eq!(z.variance_at(2.0), 0.0);
    }

    /// A customer curve under hazard ratio 2 squares the survival: the same
    /// quantities as `conditional_quantities_by_hand`, by hand again; ratio 1 is the
    /// curve itself.
    #[test]
    fn a_hazard_ratio_powers_the_curve() {
        let km = SurvivalCurve::kaplan_meier(&sample());
        let one = CustomerCurve::of(&km);
        for t in [0.0, 1.0, 2.5, 4.0, 9.0, 20.0] {
            assert_eq!(one.survival_at(t), km.survival_at(t));
            assert_eq!(one.churn_within(t, 2.0), km.churn_within(t, 2.0));
            assert_eq!(one.median_remaining(t), km.median_remaining(t));
            assert_eq!(one.restricted_mean(t, 5.0), km.restricted_mean(t, 5.0));
        }
        let two = CustomerCurve {
            curve: &km,
            hazard_ratio: 2.0,
        };
        let sq = |x: f64| x * x;
        assert!(close(two.survival_at(2.0), sq(5.0 / 6.0)));
        // 1 − ((5/9)/(5/6))² = 5/9.
        assert!(close(two.churn_within(2.0, 2.0), 5.0 / 9.0));
        assert!(close(two.retention(2.0, 2.0), 4.0 / 9.0));
        // After 3: S(3)²/2 = 0.274; S(4)² = 0.309 is above, S(6)² = 0.198 is not.
        assert_eq!(two.median_remaining(3.0), Some(3.0));
        let rmst = 1.0 + sq(11.0 / 12.0) + sq(5.0 / 6.0) + sq(20.0 / 27.0) + sq(5.0 / 9.0);
        assert!(close(two.restricted_mean(0.0, 5.0), rmst));
        // ((5/9)² · 2 + (4/9)² · 1) / (5/9)² = 2 + 16/25.
        assert!(close(two.restricted_mean(4.0, 3.0), 2.64));
        // A smaller ratio churns less: the curves of one leaf never cross.
        let half = CustomerCurve {
            curve: &km,
            hazard_ratio: 0.5,
        };
        for t in [1.0, 3.0, 7.0] {
            assert!(half.survival_at(t) > one.survival_at(t));
            assert!(one.survival_at(t) > two.survival_at(t));
        }
    }

    #[test]
    fn weights_count_as_repeated_rows() {
        let w = SurvivalData::new(vec![1.0, 2.0, 3.0], vec![true, false, true])
            .unwrap()
            .with_weights(vec![2.0, 1.0, 3.0])
            .unwrap();
        let r = SurvivalData::new(
            vec![1.0, 1.0, 2.0, 3.0, 3.0, 3.0],
            vec![true, true, false, true, true, true],
        )
        .unwrap();
        for e in [Estimator::KaplanMeier, Estimator::NelsonAalen] {
            let (a, b) = (SurvivalCurve::fit(&w, e), SurvivalCurve::fit(&r, e));
            assert_eq!(a.times(), b.times());
            for (x, y) in a.survival().iter().zip(b.survival()) {
                assert!(close(*x, *y));
            }
        }
    }

    #[test]
    fn validate_refuses_broken_curves() {
        let km = SurvivalCurve::kaplan_meier(&sample());
        let mut c = km.clone();
        c.survival[2] = 0.95;
        assert!(c.validate().is_err());
        let mut c = km.clone();
        c.times[1] = 0.5;
        assert!(c.validate().is_err());
        let mut c = km.clone();
        c.var_sum.pop();
        assert!(c.validate().is_err());
        let mut c = km.clone();
        c.horizon = f64::NAN;
        assert!(c.validate().is_err());
        let mut c = km.clone();
        c.var_sum[0] = -1.0;
        assert!(c.validate().is_err());
        let mut c = km;
        c.events = 20.0;
        assert!(c.validate().is_err());
    }

    #[test]
    fn survival_matrix_is_row_major() {
        let km = SurvivalCurve::kaplan_meier(&sample());
        let one = SurvivalCurve::kaplan_meier(&SurvivalData::new(vec![5.0], vec![true]).unwrap());
        let m = survival_matrix([&km, &one], &[1.0, 5.0]);
        assert_eq!(m.len(), 4);
        assert!(close(m[0], 11.0 / 12.0) && close(m[1], 5.0 / 9.0));
        assert_eq!((m[2], m[3]), (1.0, 0.0));
    }
}
