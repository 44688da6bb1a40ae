//! Profit of a retention campaign: the maximum profit (MP) and expected maximum profit

use serde::{Deserialize, Serialize};

use super::proba::{ScoreGroup, score_groups};
use crate::error::{Error, Result};
use crate::math::reg_inc_beta;

/// Profit of a retention campaign: the maximum profit (MP) and expected maximum profit
/// (EMP) measures for customer churn of Verbraken, Verbeke & Baesens (*A novel profit
/// maximizing metric for measuring classification performance of customer churn
/// prediction models*, IEEE TKDE 25(5):961–973, 2013).
///
/// ## The model
///
/// A campaign contacts the customers whose churn score is at least `t` and offers them
/// an incentive. With
///
/// - `CLV` the customer lifetime value, `d` the cost of the offer, `f` the cost of a
///   contact (`δ = d/CLV`, `φ = f/CLV`),
/// - `γ` the probability that a would-be churner accepts the offer and stays,
/// - `π₀` the share of churners, `π₁ = 1 − π₀`,
/// - `F₀(t)` the share of churners targeted (true-positive rate) and `F₁(t)` the share
///   of non-churners targeted (false-positive rate),
///
/// the profit per customer of the whole base is (a targeted churner who accepts is worth
/// `CLV − d − f`, one who declines costs `f`; a targeted non-churner takes the offer and
/// costs `d + f`):
///
/// ```text
/// P(t; γ) = CLV · [ (γ(1 − δ) − φ) · π₀ F₀(t)  −  (δ + φ) · π₁ F₁(t) ]
/// ```
///
/// and the fraction targeted is `η(t) = π₀ F₀(t) + π₁ F₁(t)`.
///
/// - **MP** = `max_t P(t; E[γ])`, the best profit at the mean acceptance rate
///   `E[γ] = α/(α+β)`, with its fraction `η_mp`.
/// - **EMP** = `∫₀¹ P(T(γ); γ) h(γ) dγ`, where `T(γ)` is the optimal threshold for each
///   `γ` and `h` the Beta(α, β) density of the acceptance rate; its fraction is
///   `η_emp = ∫₀¹ η(T(γ)) h(γ) dγ`.
///
/// Defaults as in the paper: `CLV = 200`, `d = 10`, `f = 1`, `γ ~ Beta(6, 14)`.
///
/// ## How the integral is computed (exactly)
///
/// Each threshold (each distinct score; ties move together) is a point `(F₀, F₁)` of
/// the ROC curve, and `P(t; γ) = A_t γ + B_t` is a line in `γ` with
/// `A_t = CLV(1 − δ) π₀ F₀(t)` and `B_t = −CLV(φ π₀ F₀(t) + (δ + φ) π₁ F₁(t))`. The
/// optimal profit `max_t P(t; γ)` is the upper envelope of these lines — a convex
/// piecewise-linear function of `γ` whose pieces belong to points of the ROC convex
/// hull (the paper's closed form). On a piece `[γ_a, γ_b]` where threshold `t` wins,
///
/// ```text
/// ∫ (A γ + B) h(γ) dγ = A · α/(α+β) · [I_{γ_b}(α+1, β) − I_{γ_a}(α+1, β)]
///                     + B · [I_{γ_b}(α, β) − I_{γ_a}(α, β)]
/// ```
///
/// with `I` the regularized incomplete beta function (Numerical Recipes §6.4), so EMP is a
/// finite sum with no quadrature error. (The tests check it against a fine Simpson
/// rule over the Beta density.)
///
/// Costs and benefits of a retention campaign.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProfitParams {
    /// Customer lifetime value (default 200).
    pub clv: f64,
    /// Cost of the retention offer, `d` (default 10).
    pub offer_cost: f64,
    /// Cost of contacting a customer, `f` (default 1).
    pub contact_cost: f64,
    /// α of the Beta distribution of the acceptance rate γ (default 6).
    pub alpha: f64,
    /// β of the Beta distribution of the acceptance rate γ (default 14).
    pub beta: f64,
}

impl Default for ProfitParams {
    /// The paper's defaults: CLV 200, offer 10, contact 1, γ ~ Beta(6, 14).
    fn default() -> Self {
        ProfitParams {
            clv: 200.0,
            offer_cost: 10.0,
            contact_cost: 1.0,
            alpha: 6.0,
            beta: 14.0,
        }
    }
}

impl ProfitParams {
    /// Checks that `clv > 0`, costs are finite and non-negative, `α, β > 0`.
    pub fn validate(&self) -> Result<()> {
        if !(self.clv.is_finite() && self.clv > 0.0) {
            return Err(Error::param("clv", self.clv, "must be a positive number"));
        }
        for (name, v) in [
            ("offer_cost", self.offer_cost),
            ("contact_cost", self.contact_cost),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::param(name, v, "must be a finite number >= 0"));
            }
        }
        for (name, v) in [("alpha", self.alpha), ("beta", self.beta)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::param(name, v, "must be a positive number"));
            }
        }
        Ok(())
    }

    /// The mean acceptance rate `α / (α + β)`.
    pub fn mean_acceptance(&self) -> f64 {
        self.alpha / (self.alpha + self.beta)
    }
}

/// MP and EMP of a churn model, per customer of the scored base.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Profit {
    /// The maximum profit per customer at the mean acceptance rate.
    pub mp: f64,
    /// The fraction of customers to target for MP.
    pub mp_fraction: f64,
    /// The expected maximum profit per customer over γ ~ Beta(α, β).
    pub emp: f64,
    /// The expected profit-maximising fraction of customers to target.
    pub emp_fraction: f64,
    /// The parameters used.
    pub params: ProfitParams,
}

/// One candidate threshold as a line in γ.
#[derive(Debug, Clone, Copy)]
struct Line {
    slope: f64,
    intercept: f64,
    fraction: f64,
}

impl Line {
    fn at(&self, g: f64) -> f64 {
        self.slope * g + self.intercept
    }
}

/// The lines of all thresholds: targeting nobody, then each tie group in turn.
fn lines(groups: &[ScoreGroup], p: &ProfitParams) -> Option<Vec<Line>> {
    let n0: f64 = groups.iter().map(|g| g.pos).sum();
    let n1: f64 = groups.iter().map(|g| g.neg).sum();
    let n = n0 + n1;
    if n0 <= 0.0 || n1 <= 0.0 {
        return None;
    }
    let (pi0, pi1) = (n0 / n, n1 / n);
    let (d, f) = (p.offer_cost, p.contact_cost);
    let make = |tp: f64, fp: f64| {
        let (f0, f1) = (tp / n0, fp / n1);
        Line {
            slope: (p.clv - d) * pi0 * f0,
            intercept: -(f * pi0 * f0 + (d + f) * pi1 * f1),
            fraction: pi0 * f0 + pi1 * f1,
        }
    };
    let mut out = vec![make(0.0, 0.0)];
    let (mut tp, mut fp) = (0.0, 0.0);
    for g in groups {
        tp += g.pos;
        fp += g.neg;
        out.push(make(tp, fp));
    }
    Some(out)
}

/// The best line at `g`: highest value, then (going right) the larger slope, then the
/// smaller fraction.
fn best_at(lines: &[Line], g: f64) -> usize {
    let mut best = 0;
    for (i, l) in lines.iter().enumerate().skip(1) {
        let (v, b) = (l.at(g), lines[best].at(g));
        let tol = 1e-12 * (1.0 + v.abs().max(b.abs()));
        if v > b + tol
            || ((v - b).abs() <= tol
                && (l.slope > lines[best].slope
                    || (l.slope == lines[best].slope && l.fraction < lines[best].fraction)))
        {
            best = i;
        }
    }
    best
}

/// The upper envelope of `lines` over `[0, 1]`: pieces `(γ_a, γ_b, line index)`.
fn envelope(lines: &[Line]) -> Vec<(f64, f64, usize)> {
    let mut pieces = Vec::new();
    let mut g = 0.0;
    let mut cur = best_at(lines, 0.0);
    loop {
        // the earliest crossing by a steeper line
        let mut next: Option<(f64, usize)> = None;
        for (i, l) in lines.iter().enumerate() {
            let c = &lines[cur];
            if l.slope <= c.slope {
                continue;
            }
            let x = (c.intercept - l.intercept) / (l.slope - c.slope);
            if x < g || x >= 1.0 {
                continue;
            }
            let better = match next {
                None => true,
                Some((bx, bi)) => x < bx || (x == bx && l.slope > lines[bi].slope),
            };
            if better {
                next = Some((x, i));
            }
        }
        match next {
            Some((x, i)) => {
                if x > g {
                    pieces.push((g, x, cur));
                }
                g = x;
                cur = i;
            }
            None => {
                pieces.push((g, 1.0, cur));
                return pieces;
            }
        }
    }
}

/// MP and EMP of churn `scores` (higher = more likely to churn) against `positive`
/// (churned) flags, with optional sample weights (customers count by weight in `π₀`,
/// `F₀`, `F₁`). `Ok(None)` when there are no churners or no non-churners.
pub fn max_profit(
    scores: &[f64],
    positive: &[bool],
    weights: Option<&[f64]>,
    params: &ProfitParams,
) -> Result<Option<Profit>> {
    max_profit_of_groups(&score_groups(scores, positive, weights), params)
}

/// [`max_profit`] of rows already grouped by score (`score_groups`).
pub(crate) fn max_profit_of_groups(
    groups: &[ScoreGroup],
    params: &ProfitParams,
) -> Result<Option<Profit>> {
    params.validate()?;
    let Some(lines) = lines(groups, params) else {
        return Ok(None);
    };
    let (a, b) = (params.alpha, params.beta);
    let mean = params.mean_acceptance();
    let best = best_at_min_fraction(&lines, mean);
    let (mp, mp_fraction) = (lines[best].at(mean), lines[best].fraction);
    let (mut emp, mut emp_fraction) = (0.0, 0.0);
    for (ga, gb, i) in envelope(&lines) {
        let l = &lines[i];
        let mass = reg_inc_beta(a, b, gb) - reg_inc_beta(a, b, ga);
        let first = mean * (reg_inc_beta(a + 1.0, b, gb) - reg_inc_beta(a + 1.0, b, ga));
        emp += l.slope * first + l.intercept * mass;
        emp_fraction += l.fraction * mass;
    }
    Ok(Some(Profit {
        mp,
        mp_fraction,
        emp,
        emp_fraction,
        params: *params,
    }))
}

/// The best line at `g`, ties going to the smallest fraction (the cheaper campaign).
fn best_at_min_fraction(lines: &[Line], g: f64) -> usize {
    let mut best = 0;
    for (i, l) in lines.iter().enumerate().skip(1) {
        let (v, b) = (l.at(g), lines[best].at(g));
        let tol = 1e-12 * (1.0 + v.abs().max(b.abs()));
        if v > b + tol || ((v - b).abs() <= tol && l.fraction < lines[best].fraction) {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::ln_gamma;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() < tol, "{a} != {b}");
    }

    #[test]
    fn hand_computed_small_case() {
        // churners score .9 and .3, non-churners .5 and .1; π₀ = π₁ = ½.
        // ROC points (F₀, F₁): (0,0) (½,0) (½,½) (1,½) (1,1). Lines (CLV 200, d 10, f 1):
        //   (½,0): 47.5γ − 0.25;  (1,½): 95γ − 3.25;  the others are dominated.
        // MP at γ = 0.3: max(0, 14, 25.25) = 25.25, targeting η = ½ + ½·½ = 0.75.
        // EMP = ∫_{0.25/47.5}^{3/47.5} (47.5γ − 0.25) h + ∫_{3/47.5}^1 (95γ − 3.25) h
        //   scipy.integrate.quad with scipy.stats.beta(6, 14).pdf: 25.250395612245132
        // η_emp = ¼ (B(3/47.5) − B(.25/47.5)) + ¾ (1 − B(3/47.5)) = 0.7495800508085078
        //   (B = scipy.stats.beta(6, 14).cdf; the piece (½,0) targets η = ½·½ = ¼)
        let s = [0.9, 0.3, 0.5, 0.1];
        let y = [true, true, false, false];
        let p = max_profit(&s, &y, None, &ProfitParams::default())
            .unwrap()
            .unwrap();
        close(p.mp, 25.25, 1e-12);
        close(p.mp_fraction, 0.75, 1e-12);
        close(p.emp, 25.250_395_612_245_132, 1e-10);
        close(p.emp_fraction, 0.749_580_050_808_507_8, 1e-10);
    }

    /// Simpson's rule over the Beta density of the brute-force optimum at each γ.
    fn emp_by_simpson(s: &[f64], y: &[bool], p: &ProfitParams) -> f64 {
        let lines = lines(&score_groups(s, y, None), p).unwrap();
        let ln_b = ln_gamma(p.alpha) + ln_gamma(p.beta) - ln_gamma(p.alpha + p.beta);
        let h = |g: f64| {
            if g <= 0.0 || g >= 1.0 {
                0.0
            } else {
                ((p.alpha - 1.0) * g.ln() + (p.beta - 1.0) * (1.0 - g).ln() - ln_b).exp()
            }
        };
        let f = |g: f64| lines.iter().map(|l| l.at(g)).fold(f64::MIN, f64::max) * h(g);
        let n = 200_000;
        let step = 1.0 / n as f64;
        let mut sum = f(0.0) + f(1.0);
        for i in 1..n {
            sum += if i % 2 == 1 { 4.0 } else { 2.0 } * f(i as f64 * step);
        }
        sum * step / 3.0
    }

    #[test]
    fn closed_form_equals_quadrature_on_a_larger_case() {
        // 60 customers with a deterministic pseudo-random score/label pattern
        let s: Vec<f64> = (0..60).map(|i| ((i * 37 % 61) as f64) / 61.0).collect();
        let y: Vec<bool> = (0..60)
            .map(|i| (i * 37 % 61) % 3 == 0 || i % 7 == 0)
            .collect();
        for params in [
            ProfitParams::default(),
            ProfitParams {
                clv: 50.0,
                offer_cost: 8.0,
                contact_cost: 2.0,
                alpha: 2.0,
                beta: 3.0,
            },
        ] {
            let p = max_profit(&s, &y, None, &params).unwrap().unwrap();
            close(p.emp, emp_by_simpson(&s, &y, &params), 1e-7);
            assert!(p.emp >= p.mp - 1e-9, "EMP of a convex envelope >= MP");
        }
    }

    #[test]
    fn useless_model_targets_nobody_and_bad_params_fail() {
        // constant score: the only choices are nobody or everybody
        let s = [0.5; 10];
        let y: Vec<bool> = (0..10).map(|i| i < 2).collect();
        let p = max_profit(&s, &y, None, &ProfitParams::default())
            .unwrap()
            .unwrap();
        // everybody at γ = .3: 200·(.3·.95 − .005)·.2 − 200·.055·.8 = 11.2 − 8.8 = 2.4
        close(p.mp, 2.4, 1e-12);
        close(p.mp_fraction, 1.0, 1e-12);
        assert!(
            max_profit(&s, &[false; 10], None, &ProfitParams::default())
                .unwrap()
                .is_none()
        );
        let bad = ProfitParams {
            clv: -1.0,
            ..ProfitParams::default()
        };
        assert!(max_profit(&s, &y, None, &bad).is_err());
        let bad = ProfitParams {
            alpha: 0.0,
            ..ProfitParams::default()
        };
        assert!(bad.validate().is_err());
    }
}
