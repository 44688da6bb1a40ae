//! Tiers: the three states a scored customer is put in ([`Tier::Retained`],

use serde::{Deserialize, Serialize};

use crate::data::{AT_RISK, CHURNED, RETAINED};
use crate::error::{Error, Result};
use crate::math::argmax;

/// The state a scored customer is put in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tier {
    /// Expected to stay.
    Retained,
    /// Tending to leave: worth watching or an offer.
    AtRisk,
    /// Expected to leave (or gone).
    Churned,
}

impl Tier {
    /// The tier's name in outputs: `retained`, `at_risk`, `churned`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Retained => RETAINED,
            Tier::AtRisk => AT_RISK,
            Tier::Churned => CHURNED,
        }
    }

    /// The tier a class stands for: by its canonical name, else by position (first →
    /// Retained, last → Churned, any other → AtRisk).
    pub fn of_class(classes: &[String], class: usize) -> Tier {
        match classes.get(class).map(String::as_str) {
            Some(RETAINED) => Tier::Retained,
            Some(AT_RISK) => Tier::AtRisk,
            Some(CHURNED) => Tier::Churned,
            _ if class == 0 => Tier::Retained,
            _ if class + 1 >= classes.len() => Tier::Churned,
            _ => Tier::AtRisk,
        }
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tiers: the three states a scored customer is put in ([`Tier::Retained`],
/// [`Tier::AtRisk`], [`Tier::Churned`]) and the [`TierPolicy`] (stored in the model)
/// that decides them from the class probabilities.
///
/// - Three-state models: the most probable class ([`TierPolicy::MostProbable`]), or the
///   class of lowest expected cost ([`TierPolicy::MinExpectedCost`]):
///   `decide = argmin_d Σ_a P(a | x) · cost[a][d]` where `a` is the actual class and `d`
///   the decided one (Duda, Hart & Stork, *Pattern Classification*, §2.2).
/// - Binary models: two thresholds on the churn probability
///   ([`TierPolicy::Thresholds`]): `p ≥ churned` → Churned, else `p ≥ at_risk` →
///   AtRisk, else Retained. They are given, or chosen on validation rows by
///   [`choose_thresholds`] under a [`ThresholdRule`].
///
/// How a model's probabilities become a [`Tier`]. Stored in the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TierPolicy {
    /// The tier of the most probable class (ties go to the earlier, less churn-ward
    /// class). For a binary model this never gives AtRisk.
    MostProbable,
    /// The tier of the class with the lowest expected cost; `cost[a][d]` is the cost of
    /// deciding class `d` for a customer whose actual class is `a` (K × K, finite,
    /// non-negative). Ties go to the earlier class.
    MinExpectedCost {
        /// The cost matrix, rows = actual class, columns = decided class.
        cost: Vec<Vec<f64>>,
    },
    /// Two thresholds on the churn probability, `0 ≤ at_risk ≤ churned ≤ 1`.
    Thresholds {
        /// `p_churn ≥ at_risk` (and below `churned`) → AtRisk.
        at_risk: f64,
        /// `p_churn ≥ churned` → Churned.
        churned: f64,
    },
}

impl Default for TierPolicy {
    /// [`TierPolicy::MostProbable`].
    fn default() -> Self {
        TierPolicy::MostProbable
    }
}

impl TierPolicy {
    /// Checks the policy against a model with `n_classes` classes.
    pub fn validate(&self, n_classes: usize) -> Result<()> {
        match self {
            TierPolicy::MostProbable => Ok(()),
            TierPolicy::MinExpectedCost { cost } => {
                if cost.len() != n_classes || cost.iter().any(|r| r.len() != n_classes) {
                    return Err(Error::param(
                        "cost",
                        format!("{cost:?}"),
                        format!("must be a {n_classes} × {n_classes} matrix (actual × decided)"),
                    ));
                }
                if cost.iter().flatten().any(|c| !c.is_finite() || *c < 0.0) {
                    return Err(Error::param(
                        "cost",
                        format!("{cost:?}"),
                        "costs must be finite and non-negative",
                    ));
                }
                Ok(())
            }
            &TierPolicy::Thresholds { at_risk, churned } => {
                if !(0.0..=1.0).contains(&at_risk)
                    || !(0.0..=1.0).contains(&churned)
                    || at_risk > churned
                {
                    return Err(Error::param(
                        "thresholds",
                        format!("at_risk = {at_risk}, churned = {churned}"),
                        "need 0 ≤ at_risk ≤ churned ≤ 1",
                    ));
                }
                Ok(())
            }
        }
    }

    /// The tier for one customer's class probabilities `proba` (in `classes` order)
    /// and churn probability `p_churn`.
    pub fn tier(&self, classes: &[String], proba: &[f64], p_churn: f64) -> Tier {
        match self {
            TierPolicy::MostProbable => Tier::of_class(classes, argmax(proba)),
            TierPolicy::MinExpectedCost { cost } => {
                let k = proba.len();
                let expected: Vec<f64> = (0..k)
                    .map(|d| (0..k).map(|a| proba[a] * cost[a][d]).sum())
                    .collect();
                Tier::of_class(classes, argmin(&expected))
            }
            &TierPolicy::Thresholds { at_risk, churned } => {
                if p_churn >= churned {
                    Tier::Churned
                } else if p_churn >= at_risk {
                    Tier::AtRisk
                } else {
                    Tier::Retained
                }
            }
        }
    }
}

fn argmin(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x < v[best] {
            best = i;
        }
    }
    best
}

/// The rule that chooses the two thresholds of a binary model on validation rows.
///
/// - **churned**: the lowest threshold `t` (so the most churners caught) at which the
///   customers with `p_churn ≥ t` are churners with precision at least
///   `churned_precision`. If no threshold reaches it, `churned = 1`.
/// - **at_risk**: the highest threshold `t` at which the customers with `p_churn ≥ t`
///   include at least `at_risk_recall` of all churners (recall), capped at `churned`.
///
/// Candidate thresholds are the distinct validation probabilities; precision and recall
/// are weighted by the rows' sample weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThresholdRule {
    /// Target precision of the Churned tier (default 0.7).
    pub churned_precision: f64,
    /// Target recall of AtRisk ∪ Churned (default 0.8).
    pub at_risk_recall: f64,
}

impl Default for ThresholdRule {
    fn default() -> Self {
        ThresholdRule {
            churned_precision: 0.7,
            at_risk_recall: 0.8,
        }
    }
}

/// The thresholds [`choose_thresholds`] picked and what they achieve on the
/// validation rows (stored in the training summary).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThresholdReport {
    /// The rule applied.
    pub rule: ThresholdRule,
    /// Chosen at-risk threshold.
    pub at_risk: f64,
    /// Chosen churned threshold.
    pub churned: f64,
    /// Precision of `p ≥ churned` on validation rows (0 when nobody is flagged).
    pub churned_precision: f64,
    /// Recall of `p ≥ churned`.
    pub churned_recall: f64,
    /// Precision of `p ≥ at_risk`.
    pub at_risk_precision: f64,
    /// Recall of `p ≥ at_risk`.
    pub at_risk_recall: f64,
    /// Whether the precision target was reached.
    pub precision_reached: bool,
    /// Number of validation rows used.
    pub rows: u64,
}

/// Chooses the binary thresholds by `rule` from validation churn probabilities
/// `p_churn`, whether each row is a churner, and optional weights.
pub fn choose_thresholds(
    p_churn: &[f64],
    is_churn: &[bool],
    weights: Option<&[f64]>,
    rule: ThresholdRule,
) -> Result<ThresholdReport> {
    for (name, v) in [
        ("churned_precision", rule.churned_precision),
        ("at_risk_recall", rule.at_risk_recall),
    ] {
        if !(0.0..=1.0).contains(&v) {
            return Err(Error::param(name, v, "must be in [0, 1]"));
        }
    }
    let n = p_churn.len();
    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
    let positives: f64 = (0..n).filter(|&i| is_churn[i]).map(w).sum();
    if positives <= 0.0 {
        return Err(Error::schema(
            "choosing thresholds needs churners among the validation rows",
        ));
    }
    let steps = threshold_steps(p_churn, is_churn, &w);
    let prec = |tp: f64, fl: f64| if fl > 0.0 { tp / fl } else { 0.0 };
    let churned_step = steps
        .iter()
        .rev()
        .find(|s| s.2 > 0.0 && prec(s.1, s.2) >= rule.churned_precision);
    let precision_reached = churned_step.is_some();
    let churned = churned_step.map_or(1.0, |s| s.0);
    let at_risk = steps
        .iter()
        .find(|s| s.1 / positives >= rule.at_risk_recall)
        .map_or(0.0, |s| s.0)
        .min(churned);
    Ok(threshold_report(
        &steps,
        positives,
        rule,
        (at_risk, churned),
        precision_reached,
        n,
    ))
}

/// How a model's tier policy is set when it is built: given, or chosen on
/// out-of-sample predictions (see [`train`](crate::train)).
///
/// Parsed from the text of the CLI's `--tiers` ([`TierSpec::parse`]): `auto`,
/// `most-probable`, `thresholds:LO,HI`, `top:P1,P2` or `cost:ROW;ROW;…`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TierSpec {
    /// Use this policy as given.
    Given(TierPolicy),
    /// Binary models: choose thresholds on the validation rows (out-of-sample
    /// predictions) by this rule.
    Choose(ThresholdRule),
    /// The default of the training pipeline. Three-class (or wider) models keep their
    /// own labels as tiers ([`TierPolicy::MostProbable`]). Binary models get two
    /// thresholds chosen on the out-of-sample predictions by [`choose_auto`]:
    ///
    /// - **churned**: the lowest threshold at which the customers at or above it are
    ///   more likely to have left than stayed (precision ≥ 1/2,
    ///   [`AUTO_CHURNED_PRECISION`]) and, where churn is common (base rate `b` above
    ///   1/3), whose odds of leaving are at least twice the average customer's
    ///   (precision ≥ `2b / (1 + b)`, the rate at twice the base odds: 0.71 for
    ///   `b` = 0.55; without it, a base rate above 1/2 would meet the target at
    ///   threshold 0 and put everybody in Churned); nobody when no threshold reaches
    ///   it;
    /// - **at_risk**: the lowest threshold at which the customers at or above it
    ///   (at-risk and churned together) still leave at least twice as often as the
    ///   average customer (precision ≥ 2 × the base rate; when that is above the
    ///   midpoint of the base rate and the churned target, that midpoint, so the tier
    ///   is not empty on data where churn is common).
    ///
    /// Without out-of-sample predictions (no validation) it falls back to the most
    /// probable class.
    Auto,
    /// Binary models: the `churned` share of customers with the highest
    /// out-of-sample churn probabilities is Churned, the next `at_risk` share AtRisk
    /// (thresholds at those quantiles of the validation predictions).
    Top {
        /// Share of customers put in Churned, in (0, 1).
        churned: f64,
        /// Share of customers put in AtRisk, in [0, 1), `churned + at_risk ≤ 1`.
        at_risk: f64,
    },
}

impl TierSpec {
    /// Parses the CLI's `--tiers` text:
    ///
    /// - `auto` → [`TierSpec::Auto`];
    /// - `most-probable` → the most probable class;
    /// - `thresholds:LO,HI` → [`TierPolicy::Thresholds`] with `at_risk = LO`,
    ///   `churned = HI` (`0 ≤ LO ≤ HI ≤ 1`);
    /// - `top:P1,P2` → [`TierSpec::Top`]: the top `P1` of customers churned, the next
    ///   `P2` at risk (fractions, or percentages with `%`: `top:5%,15%`);
    /// - `cost:R1;R2;…` → [`TierPolicy::MinExpectedCost`], each row the costs of
    ///   deciding each class for a customer of that actual class, comma-separated
    ///   (e.g. `cost:0,1,1;5,0,1;10,2,0`).
    ///
    /// ```
    /// use churnkit::policy::{TierPolicy, TierSpec};
    /// assert_eq!(TierSpec::parse("auto").unwrap(), TierSpec::Auto);
    /// assert_eq!(
    ///     TierSpec::parse("thresholds:0.3,0.6").unwrap(),
    ///     TierSpec::Given(TierPolicy::Thresholds { at_risk: 0.3, churned: 0.6 })
    /// );
    /// assert!(TierSpec::parse("thresholds:0.6,0.3").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<TierSpec> {
        let t = text.trim();
        let bad = |why: &str| Error::param("tiers", t, why.to_string());
        let (kind, rest) = t.split_once(':').unwrap_or((t, ""));
        let numbers = |s: &str, percent_ok: bool| -> Result<Vec<f64>> {
            s.split(',')
                .map(|x| {
                    let x = x.trim();
                    let (x, scale) = match x.strip_suffix('%') {
                        Some(x) if percent_ok => (x.trim(), 0.01),
                        _ => (x, 1.0),
                    };
                    x.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .map(|v| v * scale)
                        .ok_or_else(|| bad("expected numbers separated by commas"))
                })
                .collect()
        };
        let spec = match kind.trim().to_ascii_lowercase().as_str() {
            "auto" if rest.is_empty() => TierSpec::Auto,
            "most-probable" | "most_probable" if rest.is_empty() => {
                TierSpec::Given(TierPolicy::MostProbable)
            }
            "thresholds" => match numbers(rest, false)?.as_slice() {
                &[at_risk, churned] => TierSpec::Given(TierPolicy::Thresholds { at_risk, churned }),
                _ => return Err(bad("thresholds:LO,HI takes two numbers")),
            },
            "top" => match numbers(rest, true)?.as_slice() {
                &[churned, at_risk] => TierSpec::Top { churned, at_risk },
                _ => return Err(bad("top:P1,P2 takes two shares")),
            },
            "cost" => {
                let cost = rest
                    .split(';')
                    .map(|row| numbers(row, false))
                    .collect::<Result<Vec<_>>>()?;
                TierSpec::Given(TierPolicy::MinExpectedCost { cost })
            }
            _ => {
                return Err(bad(
                    "expected auto, most-probable, thresholds:LO,HI, top:P1,P2 or cost:ROW;ROW;…",
                ));
            }
        };
        spec.check()?;
        Ok(spec)
    }

    /// Checks what can be checked without the data (thresholds in order, shares in
    /// range, a square cost matrix; its size is checked against the model's classes
    /// when the model is built).
    pub fn check(&self) -> Result<()> {
        match self {
            TierSpec::Given(p @ TierPolicy::Thresholds { .. }) => p.validate(2),
            TierSpec::Given(p @ TierPolicy::MinExpectedCost { cost }) => p.validate(cost.len()),
            &TierSpec::Top { churned, at_risk } => {
                let ok = churned > 0.0
                    && churned < 1.0
                    && (0.0..1.0).contains(&at_risk)
                    && churned + at_risk <= 1.0;
                if !ok {
                    return Err(Error::param(
                        "tiers",
                        format!("top:{churned},{at_risk}"),
                        "need 0 < P1 < 1, 0 ≤ P2 < 1 and P1 + P2 ≤ 1",
                    ));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Whether this spec must be decided on out-of-sample predictions (an error
    /// without them; [`TierSpec::Auto`] falls back instead).
    pub fn needs_out_of_sample(&self) -> bool {
        matches!(self, TierSpec::Choose(_) | TierSpec::Top { .. })
    }
}

/// The precision the Churned tier must reach under [`TierSpec::Auto`]: those
/// customers are more likely to have left than to have stayed.
pub const AUTO_CHURNED_PRECISION: f64 = 0.5;

/// (threshold, weighted true positives, weighted flagged) after including every row
/// with `p ≥ threshold`, from the highest threshold down.
fn threshold_steps(
    p_churn: &[f64],
    is_churn: &[bool],
    w: &dyn Fn(usize) -> f64,
) -> Vec<(f64, f64, f64)> {
    let n = p_churn.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| p_churn[b].total_cmp(&p_churn[a]));
    let mut steps: Vec<(f64, f64, f64)> = Vec::new();
    let (mut tp, mut flagged) = (0.0, 0.0);
    let mut i = 0;
    while i < n {
        let t = p_churn[order[i]];
        while i < n && p_churn[order[i]] == t {
            let r = order[i];
            flagged += w(r);
            if is_churn[r] {
                tp += w(r);
            }
            i += 1;
        }
        steps.push((t, tp, flagged));
    }
    steps
}

/// The report of thresholds `at_risk ≤ churned` on validation rows.
fn threshold_report(
    steps: &[(f64, f64, f64)],
    positives: f64,
    rule: ThresholdRule,
    (at_risk, churned): (f64, f64),
    precision_reached: bool,
    rows: usize,
) -> ThresholdReport {
    let prec = |tp: f64, fl: f64| if fl > 0.0 { tp / fl } else { 0.0 };
    let stats = |t: f64| {
        steps
            .iter()
            .rev()
            .find(|s| s.0 >= t)
            .map_or((0.0, 0.0), |s| (prec(s.1, s.2), s.1 / positives))
    };
    let (cp, cr) = stats(churned);
    let (ap, ar) = stats(at_risk);
    ThresholdReport {
        rule,
        at_risk,
        churned,
        churned_precision: cp,
        churned_recall: cr,
        at_risk_precision: ap,
        at_risk_recall: ar,
        precision_reached,
        rows: rows as u64,
    }
}

/// Chooses the thresholds of [`TierSpec::Auto`] from validation churn probabilities
/// (see there for the rule). The report's `rule` holds the Churned precision target
/// (1/2, or the rate at twice the base odds where churn is common) and the at-risk recall the chosen `at_risk` threshold achieved.
///
/// ```
/// use churnkit::policy::choose_auto;
/// // Base rate 0.3: churned needs precision ≥ 1/2; at-risk ∪ churned needs
/// // min(2 × 0.3, (0.3 + 0.5) / 2) = 0.4.
/// let p = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
/// let y = [true, true, false, false, false, true, false, false, false, false];
/// let r = choose_auto(&p, &y, None).unwrap();
/// assert_eq!(r.churned, 0.4); // 3 of 6 at or above 0.4 left
/// assert_eq!(r.at_risk, 0.3); // 3 of 7 at or above 0.3 left (0.43 ≥ 0.4)
/// ```
pub fn choose_auto(
    p_churn: &[f64],
    is_churn: &[bool],
    weights: Option<&[f64]>,
) -> Result<ThresholdReport> {
    let n = p_churn.len();
    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
    let positives: f64 = (0..n).filter(|&i| is_churn[i]).map(w).sum();
    let total: f64 = (0..n).map(w).sum();
    if positives <= 0.0 || total <= 0.0 {
        return Err(Error::Fit(
            "choosing tiers needs churners among the validation rows".into(),
        ));
    }
    let base = positives / total;
    // Twice the base odds, b / (1 − b), as a rate: 2b / (1 + b) (above 1/2 only when
    // b > 1/3, so data with rarer churn keeps the plain 1/2).
    let churned_target = AUTO_CHURNED_PRECISION.max(2.0 * base / (1.0 + base));
    let at_risk_target = (2.0 * base).min((base + churned_target) / 2.0);
    let steps = threshold_steps(p_churn, is_churn, &w);
    let prec = |s: &(f64, f64, f64)| if s.2 > 0.0 { s.1 / s.2 } else { 0.0 };
    let churned_at = steps
        .iter()
        .rposition(|s| s.2 > 0.0 && prec(s) >= churned_target);
    let precision_reached = churned_at.is_some();
    let churned = churned_at.map_or(1.0, |i| steps[i].0);
    let at_risk = steps
        .iter()
        .rposition(|s| s.2 > 0.0 && prec(s) >= at_risk_target)
        .map_or(churned, |i| steps[i].0)
        .min(churned);
    let recall = steps
        .iter()
        .rev()
        .find(|s| s.0 >= at_risk)
        .map_or(0.0, |s| s.1 / positives);
    let rule = ThresholdRule {
        churned_precision: churned_target,
        at_risk_recall: recall,
    };
    Ok(threshold_report(
        &steps,
        positives,
        rule,
        (at_risk, churned),
        precision_reached,
        n,
    ))
}

/// Thresholds putting the `churned` share of validation rows with the highest churn
/// probabilities in Churned and the next `at_risk` share in AtRisk (ties at a
/// threshold all go to the higher tier) — [`TierSpec::Top`].
pub fn choose_top(
    p_churn: &[f64],
    is_churn: &[bool],
    weights: Option<&[f64]>,
    churned: f64,
    at_risk: f64,
) -> Result<ThresholdReport> {
    TierSpec::Top { churned, at_risk }.check()?;
    let n = p_churn.len();
    if n == 0 {
        return Err(Error::Fit("choosing tiers needs validation rows".into()));
    }
    let w = |i: usize| weights.map_or(1.0, |w| w[i]);
    let positives: f64 = (0..n).filter(|&i| is_churn[i]).map(w).sum();
    let mut sorted: Vec<f64> = p_churn.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let at = |share: f64| {
        let k = ((share * n as f64).ceil() as usize).clamp(1, n);
        sorted[k - 1]
    };
    let t_churned = at(churned);
    let t_at_risk = if at_risk > 0.0 {
        at(churned + at_risk).min(t_churned)
    } else {
        t_churned
    };
    let steps = threshold_steps(p_churn, is_churn, &w);
    let rule = ThresholdRule {
        churned_precision: 0.0,
        at_risk_recall: 0.0,
    };
    Ok(threshold_report(
        &steps,
        positives.max(f64::MIN_POSITIVE),
        rule,
        (t_at_risk, t_churned),
        true,
        n,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Churn more common than not (base rate 0.6): the churned tier needs twice the
    /// base odds (precision ≥ 2·0.6 / 1.6 = 0.75), so it is not everybody; at-risk
    /// and churned together need the midpoint (0.675); the rest are retained.
    #[test]
    fn auto_keeps_three_tiers_when_most_customers_churn() {
        let p: Vec<f64> = (0..10).map(|i| 1.0 - 0.1 * i as f64).collect();
        let y = [
            true, true, true, true, true, false, true, false, false, false,
        ];
        let r = choose_auto(&p, &y, None).unwrap();
        assert!((r.rule.churned_precision - 0.75).abs() < 1e-12);
        // at or above 0.4: 6 of 7 churned (0.857 ≥ 0.75); at or above 0.3: 6 of 8 = 0.75
        assert!((r.churned - 0.3).abs() < 1e-12, "{r:?}");
        // at or above 0.2: 6 of 9 = 0.667 < 0.675, so at_risk stays at the churned cut
        assert!(r.at_risk <= r.churned && r.at_risk > 0.0, "{r:?}");
        // with rare churn the plain 1/2 target is unchanged
        let y = [
            true, false, true, false, false, false, false, false, false, false,
        ];
        let r = choose_auto(&p, &y, None).unwrap();
        assert_eq!(r.rule.churned_precision, AUTO_CHURNED_PRECISION);
    }

    fn classes3() -> Vec<String> {
        vec!["retained".into(), "at_risk".into(), "churned".into()]
    }

    #[test]
    fn most_probable_and_cost_matrix() {
        let c = classes3();
        let p = [0.5, 0.2, 0.3];
        assert_eq!(TierPolicy::MostProbable.tier(&c, &p, 0.3), Tier::Retained);
        // Missing a churner costs 10, a false alarm 1: expected costs are
        // retained 0.2·5+0.3·10 = 4, at_risk 0.5·1+0.3·2 = 1.1, churned 0.5·1+0.2·1 = 0.7.
        let cost = vec![
            vec![0.0, 1.0, 1.0],
            vec![5.0, 0.0, 1.0],
            vec![10.0, 2.0, 0.0],
        ];
        let pol = TierPolicy::MinExpectedCost { cost };
        pol.validate(3).unwrap();
        assert_eq!(pol.tier(&c, &p, 0.3), Tier::Churned);
        assert!(
            TierPolicy::MinExpectedCost {
                cost: vec![vec![0.0]]
            }
            .validate(3)
            .is_err()
        );
    }

    #[test]
    fn thresholds_cut_p_churn() {
        let c = vec!["retained".to_string(), "churned".to_string()];
        let pol = TierPolicy::Thresholds {
            at_risk: 0.3,
            churned: 0.6,
        };
        assert_eq!(pol.tier(&c, &[0.8, 0.2], 0.2), Tier::Retained);
        assert_eq!(pol.tier(&c, &[0.7, 0.3], 0.3), Tier::AtRisk);
        assert_eq!(pol.tier(&c, &[0.4, 0.6], 0.6), Tier::Churned);
        assert!(
            TierPolicy::Thresholds {
                at_risk: 0.7,
                churned: 0.6
            }
            .validate(2)
            .is_err()
        );
    }

    #[test]
    fn threshold_rule_on_hand_computed_example() {
        // p:     0.9 0.8 0.7 0.6 0.5 0.4 0.3 0.2 0.1 0.05
        // churn:  y   y   n   y   n   y   n   n   y   n     (5 churners)
        let p = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
        let y = [
            true, true, false, true, false, true, false, false, true, false,
        ];
        let rule = ThresholdRule {
            churned_precision: 0.75,
            at_risk_recall: 0.8,
        };
        let r = choose_thresholds(&p, &y, None, rule).unwrap();
        // Precision at t=0.6 is 3/4 = 0.75 (ok); at 0.5 3/5; at 0.4 4/6; lower never
        // reaches 0.75 again → churned = 0.6.
        assert_eq!(r.churned, 0.6);
        assert!((r.churned_precision - 0.75).abs() < 1e-12);
        assert!((r.churned_recall - 0.6).abs() < 1e-12);
        // Recall reaches 4/5 = 0.8 first at t = 0.4.
        assert_eq!(r.at_risk, 0.4);
        assert!((r.at_risk_recall - 0.8).abs() < 1e-12);
        assert!((r.at_risk_precision - 4.0 / 6.0).abs() < 1e-12);
        assert!(r.precision_reached);
        // Unreachable precision → churned = 1, at_risk capped.
        let r = choose_thresholds(
            &p,
            &y,
            None,
            ThresholdRule {
                churned_precision: 1.0,
                at_risk_recall: 0.8,
            },
        )
        .unwrap();
        assert_eq!(r.churned, 0.8);
        let none = [false; 10];
        assert!(choose_thresholds(&p, &none, None, rule).is_err());
    }
}

#[cfg(test)]
mod auto_tests {
    use super::*;

    #[test]
    fn auto_rule_on_hand_made_probabilities() {
        // 20 customers, 5 churners (base 0.25): churned needs precision ≥ 1/2, at-risk ∪
        // churned ≥ min(0.5, 0.375) = 0.375.
        let p: Vec<f64> = (0..20).map(|i| 1.0 - i as f64 * 0.05).collect();
        let mut y = [false; 20];
        for i in [0, 2, 7, 9, 16] {
            y[i] = true;
        }
        let r = choose_auto(&p, &y, None).unwrap();
        // Cumulative precision: 1, 1/2, 2/3, 2/4, 2/5, 2/6, 2/7, 3/8, 3/9, 4/10, 4/11 …
        assert!((r.churned - p[3]).abs() < 1e-12, "{r:?}");
        assert!((r.at_risk - p[9]).abs() < 1e-12, "{r:?}");
        assert!(r.precision_reached);
        let pol = TierPolicy::Thresholds {
            at_risk: r.at_risk,
            churned: r.churned,
        };
        let c = vec!["retained".to_string(), "churned".to_string()];
        let tiers: Vec<Tier> = p.iter().map(|&x| pol.tier(&c, &[1.0 - x, x], x)).collect();
        let rate = |t: Tier| {
            let rows: Vec<usize> = (0..20).filter(|&i| tiers[i] == t).collect();
            rows.iter().filter(|&&i| y[i]).count() as f64 / rows.len() as f64
        };
        assert!(rate(Tier::Retained) < rate(Tier::AtRisk));
        assert!(rate(Tier::AtRisk) < rate(Tier::Churned));
        // No churners: an error.
        assert!(choose_auto(&p, &[false; 20], None).is_err());
        // Weights count: without the top churner, 1 of 2 at p[2] left, 1 of 3 at p[3].
        let mut w = vec![1.0; 20];
        w[0] = 0.0;
        let r = choose_auto(&p, &y, Some(&w)).unwrap();
        assert_eq!(r.churned, p[2]);
    }

    #[test]
    fn top_shares_and_parsing() {
        let p: Vec<f64> = (0..100).map(|i| i as f64 / 100.0).collect();
        let y: Vec<bool> = (0..100).map(|i| i >= 80).collect();
        let r = choose_top(&p, &y, None, 0.05, 0.15).unwrap();
        assert_eq!(r.churned, 0.95);
        assert_eq!(r.at_risk, 0.80);
        assert_eq!(
            TierSpec::parse("top:5%,15%").unwrap(),
            TierSpec::Top {
                churned: 0.05,
                at_risk: 0.15
            }
        );
        assert_eq!(
            TierSpec::parse("most-probable").unwrap(),
            TierSpec::Given(TierPolicy::MostProbable)
        );
        assert!(matches!(
            TierSpec::parse("cost:0,1;5,0").unwrap(),
            TierSpec::Given(TierPolicy::MinExpectedCost { .. })
        ));
        for bad in [
            "top:0.9,0.2",
            "top:0,0.1",
            "thresholds:0.2",
            "thresholds:a,b",
            "cost:0,1;5",
            "cost:0,-1;1,0",
            "sometimes",
            "auto:1",
        ] {
            assert!(TierSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
