//! Leakage for the duration: feature columns that encode the clock ([`clock_leakage`]).
//!
//! A time-to-churn model should learn *who* leaves early from what a customer is and
//! does, not read the customer's tenure back from a column that grows with it.
//! Telco's `TotalCharges` is the textbook case: it is about `Tenure × MonthlyCharges`,
//! so `TotalCharges / MonthlyCharges` *is* the tenure (Spearman 0.999 on the training
//! split) and `TotalCharges` alone correlates 0.89 with it. A tree splitting on it
//! predicts long lives for customers who have already lived long — true, and
//! useless for a customer whose tenure is the question. The check is meant to be
//! surfaced as a training warning (as the classification pipeline's
//! `train::leakage_warnings`), naming the column and the fix (`--drop COL`).

use serde::{Deserialize, Serialize};

use super::data::duration_column;
use crate::data::{Column, MISSING_LEVEL, Table};
use crate::error::Result;

/// A numeric feature whose Spearman rank correlation with the duration is at least
/// this (in absolute value) encodes the clock.
pub const CLOCK_CORRELATION: f64 = 0.8;
/// A numeric feature `x` (correlated at least 0.5 with the duration) for which
/// `x / y`, for another numeric feature `y`, has at least this Spearman correlation
/// with the duration is the duration times `y`.
pub const CLOCK_RATIO_CORRELATION: f64 = 0.95;
/// A categorical feature (with at most one level per 20 rows) whose levels explain
/// this much of the duration's ranks (the correlation ratio `η`) encodes it.
const CLOCK_ETA: f64 = 0.9;
/// At most this many rows are examined (an evenly spaced sample beyond).
const MAX_ROWS: usize = 20_000;
/// Fewer complete rows than this: no judgement.
const MIN_ROWS: usize = 20;

/// A feature column that encodes the duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockLeak {
    /// The column.
    pub column: String,
    /// Its Spearman rank correlation with the duration (numeric columns), or the
    /// correlation ratio `η` of the duration's ranks by its levels (categorical).
    pub correlation: f64,
    /// The numeric column `y` for which `column / y` tracks the duration best, when
    /// that ratio passes [`CLOCK_RATIO_CORRELATION`].
    pub ratio_with: Option<String>,
    /// The Spearman correlation of that ratio with the duration.
    pub ratio_correlation: Option<f64>,
    /// The evidence and the fix, in words.
    pub detail: String,
}

impl std::fmt::Display for ClockLeak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.column, self.detail)
    }
}

/// The feature columns of `table` that encode the duration column `duration`, judged
/// on `rows` (an evenly spaced sample of 20,000 when there are more; no judgement on
/// fewer than 20 complete rows):
///
/// - a numeric column whose Spearman correlation with the duration is at least
///   [`CLOCK_CORRELATION`] in absolute value;
/// - a numeric column `x` correlated at least 0.5 with it such that `x / y` for
///   another numeric column `y` correlates at least [`CLOCK_RATIO_CORRELATION`] with
///   the duration (`x ≈ duration × y`: a total accumulated over the tenure, like
///   `TotalCharges ≈ Tenure × MonthlyCharges`); only `x` is flagged, `y` is the rate;
/// - a categorical column with at most one level per 20 rows whose levels explain the
///   duration's ranks with a correlation ratio `η >= 0.9`.
///
/// The columns are in table order.
///
/// # Errors
/// [`duration_column`]'s (no such numeric column).
pub fn clock_leakage(table: &Table, duration: &str, rows: &[usize]) -> Result<Vec<ClockLeak>> {
    let jd = duration_column(table, duration)?;
    let sampled: Vec<usize>;
    let rows = if rows.len() > MAX_ROWS {
        let step = rows.len().div_ceil(MAX_ROWS);
        sampled = rows.iter().copied().step_by(step).collect();
        &sampled[..]
    } else {
        rows
    };
    let Column::Numeric(dv) = table.column(jd) else {
        return Ok(Vec::new());
    };
    let schema = table.schema();
    let d: Vec<f64> = rows.iter().map(|&r| dv[r]).collect();
    let mut out = Vec::new();
    let numeric: Vec<usize> = (0..table.n_features())
        .filter(|&j| j != jd && matches!(table.column(j), Column::Numeric(_)))
        .collect();
    for j in 0..table.n_features() {
        if j == jd {
            continue;
        }
        let name = &schema.features[j].name;
        match table.column(j) {
            Column::Numeric(xv) => {
                let x: Vec<f64> = rows.iter().map(|&r| xv[r]).collect();
                let Some(rho) = spearman(&x, &d) else {
                    continue;
                };
                let mut ratio: Option<(usize, f64)> = None;
                if rho.abs() >= 0.5 {
                    for &k in &numeric {
                        if k == j {
                            continue;
                        }
                        let Column::Numeric(yv) = table.column(k) else {
                            continue;
                        };
                        let q: Vec<f64> = rows
                            .iter()
                            .map(|&r| {
                                let y = yv[r];
                                if y != 0.0 { xv[r] / y } else { f64::NAN }
                            })
                            .collect();
                        if let Some(rq) = spearman(&q, &d)
                            && rq >= CLOCK_RATIO_CORRELATION
                            && ratio.is_none_or(|b| rq > b.1)
                        {
                            ratio = Some((k, rq));
                        }
                    }
                }
                if rho.abs() < CLOCK_CORRELATION && ratio.is_none() {
                    continue;
                }
                let mut detail =
                    format!("Spearman correlation {rho:.2} with the duration '{duration}'");
                if let Some((k, rq)) = ratio {
                    detail.push_str(&format!(
                        "; {name} / {} tracks '{duration}' (Spearman {rq:.3}), so {name} ≈ {duration} × {}",
                        schema.features[k].name, schema.features[k].name
                    ));
                }
                detail.push_str(&format!(
                    ": it encodes the clock; drop it (--drop {name}) unless it is known before the tenure it reflects"
                ));
                out.push(ClockLeak {
                    column: name.clone(),
                    correlation: rho,
                    ratio_with: ratio.map(|(k, _)| schema.features[k].name.clone()),
                    ratio_correlation: ratio.map(|(_, r)| r),
                    detail,
                });
            }
            Column::Categorical(cv) => {
                let levels = schema.features[j].levels().len();
                if levels == 0 || levels * 20 > rows.len() {
                    continue;
                }
                let c: Vec<u32> = rows.iter().map(|&r| cv[r]).collect();
                let Some(eta) = correlation_ratio(&c, levels, &d) else {
                    continue;
                };
                if eta >= CLOCK_ETA {
                    out.push(ClockLeak {
                        column: name.clone(),
                        correlation: eta,
                        ratio_with: None,
                        ratio_correlation: None,
                        detail: format!(
                            "its levels explain the duration '{duration}' (correlation ratio {eta:.2}): \
                             it encodes the clock; drop it (--drop {name})"
                        ),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Average ranks (1-based; ties share their mean rank) of `x`.
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && x[order[j]] == x[order[i]] {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0;
        for &k in &order[i..j] {
            r[k] = avg;
        }
        i = j;
    }
    r
}

/// Pearson correlation of `a` and `b` (None when either is constant).
fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
}

/// Spearman's rank correlation over the pairs where both are finite (None with fewer
/// than 20 such pairs, or a constant side).
fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    let (a, b): (Vec<f64>, Vec<f64>) = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .unzip();
    if a.len() < MIN_ROWS {
        return None;
    }
    pearson(&ranks(&a), &ranks(&b))
}

/// The correlation ratio `η = sqrt(Σ_g n_g (m_g − m)² / Σ_i (r_i − m)²)` of the
/// duration's ranks `r` by the levels `codes` (missing cells left out).
fn correlation_ratio(codes: &[u32], levels: usize, d: &[f64]) -> Option<f64> {
    let (c, dd): (Vec<u32>, Vec<f64>) = codes
        .iter()
        .zip(d)
        .filter(|(c, d)| **c != MISSING_LEVEL && d.is_finite())
        .map(|(c, d)| (*c, *d))
        .unzip();
    if c.len() < MIN_ROWS {
        return None;
    }
    let r = ranks(&dd);
    let m = r.iter().sum::<f64>() / r.len() as f64;
    let (mut sum, mut cnt) = (vec![0.0; levels], vec![0.0; levels]);
    for (&g, &x) in c.iter().zip(&r) {
        sum[g as usize] += x;
        cnt[g as usize] += 1.0;
    }
    let total: f64 = r.iter().map(|x| (x - m) * (x - m)).sum();
    if total <= 0.0 {
        return None;
    }
    let between: f64 = sum
        .iter()
        .zip(&cnt)
        .filter(|(_, n)| **n > 0.0)
        .map(|(s, n)| n * (s / n - m).powi(2))
        .sum();
    Some((between / total).sqrt())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::Schema;

    fn table() -> Table {
        let n = 200;
        let tenure: Vec<f64> = (0..n)
            .map(|i| f64::from((i * 37 % 72) as u32 + 1))
            .collect();
        let monthly: Vec<f64> = (0..n)
            .map(|i| 20.0 + f64::from((i * 13 % 90) as u32))
            .collect();
        let total: Vec<f64> = tenure
            .iter()
            .zip(&monthly)
            .enumerate()
            .map(|(i, (t, m))| if i == 3 { f64::NAN } else { t * m })
            .collect();
        let noise: Vec<f64> = (0..n).map(|i| f64::from((i * 7919 % 101) as u32)).collect();
        // A "tenure band" categorical: 3 levels cut on tenure.
        let band: Vec<u32> = tenure
            .iter()
            .map(|&t| {
                if t < 24.0 {
                    0
                } else if t < 48.0 {
                    1
                } else {
                    2
                }
            })
            .collect();
        let plan: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
        let schema = Schema::builder("Churn")
            .numeric("Tenure")
            .numeric("MonthlyCharges")
            .numeric("TotalCharges")
            .numeric("noise")
            .categorical("band", ["a", "b", "c"])
            .categorical("plan", ["x", "y"])
            .build()
            .unwrap();
        Table::new(
            Arc::new(schema),
            vec![
                Column::Numeric(tenure),
                Column::Numeric(monthly),
                Column::Numeric(total),
                Column::Numeric(noise),
                Column::Categorical(band),
                Column::Categorical(plan),
            ],
            (0..n).map(|i| (i % 3 == 0) as u8).collect(),
            None,
            None,
        )
        .unwrap()
    }

    #[test]
    fn a_total_accumulated_over_the_tenure_is_flagged_with_its_rate() {
        let t = table();
        let leaks = clock_leakage(&t, "Tenure", &t.all_rows()).unwrap();
        let names: Vec<&str> = leaks.iter().map(|l| l.column.as_str()).collect();
        assert_eq!(names, ["TotalCharges", "band"], "{leaks:?}");
        let total = &leaks[0];
        assert_eq!(total.ratio_with.as_deref(), Some("MonthlyCharges"));
        assert!(total.ratio_correlation.unwrap() > 0.999);
        assert!(
            total.detail.contains("--drop TotalCharges"),
            "{}",
            total.detail
        );
        assert!(total.to_string().starts_with("TotalCharges: "));
        assert!(leaks[1].correlation >= 0.9);
        // Too few rows: no judgement.
        assert!(clock_leakage(&t, "Tenure", &[0, 1, 2]).unwrap().is_empty());
        assert!(clock_leakage(&t, "nope", &[0]).is_err());
    }

    #[test]
    fn spearman_and_correlation_ratio_by_hand() {
        // Ranks of [10, 20, 20, 40] are [1, 2.5, 2.5, 4].
        assert_eq!(ranks(&[10.0, 20.0, 20.0, 40.0]), vec![1.0, 2.5, 2.5, 4.0]);
        let x: Vec<f64> = (0..30).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| v * v * v).collect();
        assert!((spearman(&x, &y).unwrap() - 1.0).abs() < 1e-12);
        let rev: Vec<f64> = x.iter().map(|v| -v).collect();
        assert!((spearman(&x, &rev).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(spearman(&x[..5], &y[..5]), None);
        // Two levels splitting 1..=40 at the middle: η² = between / total
        // = 40·(10)² / Σ(r − 20.5)² = 4000 / 5330.
        let codes: Vec<u32> = (0..40).map(|i| u32::from(i >= 20)).collect();
        let d: Vec<f64> = (1..=40).map(f64::from).collect();
        let eta = correlation_ratio(&codes, 2, &d).unwrap();
        assert!((eta - (4000.0f64 / 5330.0).sqrt()).abs() < 1e-12, "{eta}");
    }
}
