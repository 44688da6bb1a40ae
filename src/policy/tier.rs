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
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| p_churn[b].total_cmp(&p_churn[a]));
    // (threshold, tp, flagged) after including every row with p ≥ threshold.
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
    let prec = |tp: f64, fl: f64| if fl > 0.0 { tp / fl } else { 0.0 };
    let stats = |t: f64| {
        steps
            .iter()
            .rev()
            .find(|s| s.0 >= t)
            .map_or((0.0, 0.0), |s| (prec(s.1, s.2), s.1 / positives))
    };
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
    let (cp, cr) = stats(churned);
    let (ap, ar) = stats(at_risk);
    Ok(ThresholdReport {
        rule,
        at_risk,
        churned,
        churned_precision: cp,
        churned_recall: cr,
        at_risk_precision: ap,
        at_risk_recall: ar,
        precision_reached,
        rows: n as u64,
    })
}

/// How a model's tier policy is set when it is built: given, or chosen on
/// out-of-sample predictions (see [`train`](crate::train)).
#[derive(Debug, Clone, PartialEq)]
pub enum TierSpec {
    /// Use this policy as given.
    Given(TierPolicy),
    /// Binary models: choose thresholds on the validation rows (out-of-sample
    /// predictions) by this rule.
    Choose(ThresholdRule),
}

#[cfg(test)]
mod tests {
    use super::*;

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
