//! Ranking quality for retention campaigns: cumulative gains and lift by decile, and the

use serde::{Deserialize, Serialize};

use super::proba::{ScoreGroup, score_groups};

/// One decile of a gains/lift table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DecileRow {
    /// 1 = the top-scored tenth of customers.
    pub decile: usize,
    /// Fraction of customers targeted down to this decile (0.1, 0.2, …, 1.0).
    pub fraction: f64,
    /// Share of all churners found in the top `fraction`.
    pub cumulative_gain: f64,
    /// `cumulative_gain / fraction`.
    pub cumulative_lift: f64,
    /// Churn rate within this decile.
    pub response_rate: f64,
    /// `response_rate / overall churn rate`.
    pub lift: f64,
}

/// Ranking quality for retention campaigns: cumulative gains and lift by decile, and the
/// top-decile lift (the figure the Duke/Teradata churn modeling tournament ranked
/// models by; Neslin et al. 2006, *Defection detection*, J. Marketing Research 43(2)).
///
/// Customers are sorted by churn score, highest first, and the population (by weight)
/// is cut into ten equal parts. For the top fraction `f` of the population:
///
/// ```text
/// cumulative gain(f) = churners in the top f / all churners
/// cumulative lift(f) = gain(f) / f
/// decile lift(d)     = churn rate within decile d / overall churn rate
/// ```
///
/// **Ties.** When a decile boundary cuts through customers with equal scores, the tied
/// group's churners are shared pro rata (the expected value over random orderings of
/// the tie), so the result does not depend on row order — a constant score (ZeroR)
/// has lift exactly 1 in every decile.
///
/// Cumulative gains and lift by decile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiftTable {
    /// The overall churn rate (weighted).
    pub base_rate: f64,
    /// Ten rows, top decile first.
    pub deciles: Vec<DecileRow>,
    /// The lift of the top 10%: churn rate in the top decile / overall churn rate.
    pub top_decile_lift: f64,
}

/// Weighted count of positives among the top `x` weight of customers (ties shared).
fn positives_in_top(groups: &[ScoreGroup], x: f64) -> f64 {
    let (mut w_before, mut p_before) = (0.0, 0.0);
    for g in groups {
        let w = g.pos + g.neg;
        if w_before + w >= x {
            let share = if w > 0.0 { (x - w_before) / w } else { 0.0 };
            return p_before + g.pos * share.clamp(0.0, 1.0);
        }
        w_before += w;
        p_before += g.pos;
    }
    p_before
}

/// The gains/lift table of churn `scores` against `positive` (churned) flags. None when
/// there are no churners or no weight.
pub fn lift_table(scores: &[f64], positive: &[bool], weights: Option<&[f64]>) -> Option<LiftTable> {
    lift_table_of_groups(&score_groups(scores, positive, weights))
}

/// [`lift_table`] of rows already grouped by score (`score_groups`).
pub(crate) fn lift_table_of_groups(groups: &[ScoreGroup]) -> Option<LiftTable> {
    let p: f64 = groups.iter().map(|g| g.pos).sum();
    let w: f64 = groups.iter().map(|g| g.pos + g.neg).sum();
    if p <= 0.0 || w <= 0.0 {
        return None;
    }
    let base_rate = p / w;
    let mut deciles = Vec::with_capacity(10);
    let mut prev = 0.0;
    for d in 1..=10 {
        let fraction = d as f64 / 10.0;
        let found = if d == 10 {
            p
        } else {
            positives_in_top(groups, fraction * w)
        };
        let gain = found / p;
        let response_rate = (found - prev) / (w / 10.0);
        deciles.push(DecileRow {
            decile: d,
            fraction,
            cumulative_gain: gain,
            cumulative_lift: gain / fraction,
            response_rate,
            lift: response_rate / base_rate,
        });
        prev = found;
    }
    let top_decile_lift = deciles[0].lift;
    Some(LiftTable {
        base_rate,
        deciles,
        top_decile_lift,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn gains_and_lift_by_hand() {
        // 20 customers, 4 churners, scores 20..1 (distinct), churners ranked 1, 3, 6, 15.
        let scores: Vec<f64> = (0..20).map(|i| 20.0 - i as f64).collect();
        let pos: Vec<bool> = (0..20).map(|i| [0, 2, 5, 14].contains(&i)).collect();
        let t = lift_table(&scores, &pos, None).unwrap();
        close(t.base_rate, 0.2);
        // top 2 rows hold 1 churner: rate 0.5, lift 2.5
        close(t.top_decile_lift, 2.5);
        // top 4 rows: 2 churners → gain 0.5, cumulative lift 2.5
        close(t.deciles[1].cumulative_gain, 0.5);
        close(t.deciles[1].cumulative_lift, 2.5);
        // top 6 rows: 3 churners → gain 0.75; decile 3 holds 1 of 2 rows churned
        close(t.deciles[2].cumulative_gain, 0.75);
        close(t.deciles[2].lift, 2.5);
        // deciles 4..7 hold none; decile 8 (rows 15, 16) holds the last churner
        close(t.deciles[6].cumulative_gain, 0.75);
        close(t.deciles[7].cumulative_gain, 1.0);
        close(t.deciles[9].cumulative_lift, 1.0);
    }

    #[test]
    fn constant_scores_have_lift_one() {
        let scores = [0.3; 7];
        let pos = [true, false, false, true, false, false, false];
        let t = lift_table(&scores, &pos, None).unwrap();
        for d in &t.deciles {
            close(d.lift, 1.0);
            close(d.cumulative_lift, 1.0);
        }
    }

    #[test]
    fn ties_at_the_boundary_are_shared_and_weights_count() {
        // weights 1,1,2 on scores .9, .5, .5; churners: the .9 row and the weight-2 row.
        // Total weight 4, top 10% = 0.4 weight all from the .9 row → 0.4 churner.
        let t = lift_table(
            &[0.9, 0.5, 0.5],
            &[true, false, true],
            Some(&[1.0, 1.0, 2.0]),
        )
        .unwrap();
        close(t.base_rate, 0.75);
        close(t.deciles[0].cumulative_gain, 0.4 / 3.0);
        // top 40% = 1.6 weight: the .9 row (1 churner) + 0.6 of the tie (weight 3,
        // 2 churners) → 1 + 0.4 = 1.4
        close(t.deciles[3].cumulative_gain, 1.4 / 3.0);
        assert!(lift_table(&[0.1], &[false], None).is_none());
    }
}
