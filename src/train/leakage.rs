//! Leakage and identifier warnings at training time ([`leakage_warnings`]): columns
//! that identify rows, follow the row order, say almost nothing, have a level per
//! couple of rows, or predict the label on their own almost perfectly. Each warning
//! names the column and the `--id COL` / `--drop COL` that would fix it, so a user who
//! forgot `--id` does not silently get a model that splits on an identifier.

use serde::Serialize;

use crate::data::{Column, MISSING_LEVEL, Table};
use crate::eval::roc_auc;

/// What a [`LeakageWarning`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum LeakageKind {
    /// A different value in every row (categorical, or integer-valued numeric): an
    /// identifier.
    UniquePerRow,
    /// Numeric values that only rise (or only fall) with the row order, with many
    /// distinct values: a row number, a timestamp or a sequence.
    MonotoneWithRowOrder,
    /// One value in at least 99 % of the rows.
    NearConstant,
    /// A categorical column with more levels than half the rows.
    HighCardinality,
    /// The column alone ranks churners above the others with ROC AUC > 0.98: a copy
    /// of the label or information from after the churn.
    LabelLike,
    /// The column tracks the duration column of a time-to-churn model (`--duration`),
    /// alone or divided by another column (Telco's `TotalCharges` ≈ `Tenure` ×
    /// `MonthlyCharges`): leakage for the duration
    /// ([`survival::clock_leakage`](crate::survival::clock_leakage)).
    EncodesTheClock,
}

impl LeakageKind {
    /// The kind's name (as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            LeakageKind::UniquePerRow => "unique-per-row",
            LeakageKind::MonotoneWithRowOrder => "monotone-with-row-order",
            LeakageKind::NearConstant => "near-constant",
            LeakageKind::HighCardinality => "high-cardinality",
            LeakageKind::LabelLike => "label-like",
            LeakageKind::EncodesTheClock => "encodes-the-clock",
        }
    }
}

/// One suspicious column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeakageWarning {
    /// What is suspicious.
    pub kind: LeakageKind,
    /// The column's name.
    pub column: String,
    /// The evidence, e.g. `7043 distinct values in 7043 rows`.
    pub detail: String,
    /// What to do, naming `--id COL` or `--drop COL`.
    pub hint: String,
}

impl std::fmt::Display for LeakageWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {} — {}",
            self.column,
            self.kind.name(),
            self.detail,
            self.hint
        )
    }
}

/// At most this many rows are examined: larger tables are checked on every
/// `⌈n / MAX_ROWS⌉`-th row (in row order), so the checks cost a few tens of
/// milliseconds a column whatever the table's size.
pub const MAX_ROWS: usize = 100_000;
/// Rows below this are too few to judge (no warnings).
const MIN_ROWS: usize = 20;
/// Share of the most frequent value that makes a column near-constant.
const NEAR_CONSTANT: f64 = 0.99;
/// Single-column ROC AUC above this is label-like.
const LABEL_AUC: f64 = 0.98;

/// The leakage and identifier warnings of `table`'s feature columns over `rows` (in
/// row order): at most one identifier-like warning per column (unique per row, else
/// high cardinality, else monotone with row order), plus near-constant and label-like
/// warnings. Columns declared as the id or weight column are not features and are
/// never warned about. Fewer than 20 rows: no warnings; more than [`MAX_ROWS`]: the
/// checks run on an evenly spaced sample of that many rows (the counts in the details
/// are then the sample's).
pub fn leakage_warnings(table: &Table, rows: &[usize]) -> Vec<LeakageWarning> {
    let sampled: Vec<usize>;
    let rows = if rows.len() > MAX_ROWS {
        let step = rows.len().div_ceil(MAX_ROWS);
        sampled = rows.iter().copied().step_by(step).collect();
        &sampled[..]
    } else {
        rows
    };
    let n = rows.len();
    if n < MIN_ROWS {
        return Vec::new();
    }
    let schema = table.schema();
    let churn = schema.target.churn_class();
    let labeled = table.is_labeled();
    let positive: Vec<bool> = if labeled {
        rows.iter()
            .map(|&r| table.labels()[r] as usize == churn)
            .collect()
    } else {
        Vec::new()
    };
    // Columns are independent: checked in parallel, warnings kept in column order.
    use rayon::prelude::*;
    let per_column = |(j, feature): (usize, &crate::data::Feature)| -> Vec<LeakageWarning> {
        let mut out = Vec::new();
        let name = &feature.name;
        let warn = |kind, detail: String, hint: String| LeakageWarning {
            kind,
            column: name.clone(),
            detail,
            hint,
        };
        let id_hint = format!("pass --id {name} if it identifies customers, else --drop {name}");
        let drop_hint = format!("pass --drop {name}");
        // Value keys (numeric bits, `-0` as `0`, or level codes), missing included
        // as a value: the number of distinct present values and the largest count of
        // one value (missing included), from the sorted keys.
        let (keys, present, integers): (Vec<u64>, usize, bool) = match table.column(j) {
            Column::Numeric(v) => {
                let keys = rows
                    .iter()
                    .map(|&r| {
                        let x = v[r];
                        if x.is_nan() {
                            u64::MAX
                        } else {
                            (x + 0.0).to_bits()
                        }
                    })
                    .collect();
                let present = rows.iter().filter(|&&r| !v[r].is_nan()).count();
                let ints = rows.iter().all(|&r| v[r].is_nan() || v[r].fract() == 0.0);
                (keys, present, ints)
            }
            Column::Categorical(v) => {
                let keys = rows.iter().map(|&r| v[r] as u64).collect();
                let present = rows.iter().filter(|&&r| v[r] != MISSING_LEVEL).count();
                (keys, present, true)
            }
        };
        let missing_key = match table.column(j) {
            Column::Numeric(_) => u64::MAX,
            Column::Categorical(_) => MISSING_LEVEL as u64,
        };
        let (distinct, top) = {
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            let (mut distinct, mut top) = (0usize, 0usize);
            for run in sorted.chunk_by(|a, b| a == b) {
                top = top.max(run.len());
                distinct += usize::from(run[0] != missing_key);
            }
            (distinct, top)
        };
        let numeric = feature.is_numeric();
        let mut id_like = false;
        if present >= MIN_ROWS && distinct == present && integers {
            id_like = true;
            out.push(warn(
                LeakageKind::UniquePerRow,
                format!("{distinct} distinct values in {present} rows"),
                id_hint.clone(),
            ));
        } else if !numeric && distinct * 2 > n {
            id_like = true;
            out.push(warn(
                LeakageKind::HighCardinality,
                format!("{distinct} levels in {n} rows"),
                id_hint.clone(),
            ));
        }
        if let Column::Numeric(v) = table.column(j) {
            let vals: Vec<f64> = rows.iter().map(|&r| v[r]).filter(|x| !x.is_nan()).collect();
            let up = vals.windows(2).all(|w| w[0] <= w[1]);
            let down = vals.windows(2).all(|w| w[0] >= w[1]);
            if vals.len() >= MIN_ROWS && distinct * 2 > vals.len() && (up || down) {
                let hint = if id_like {
                    id_hint.clone()
                } else {
                    drop_hint.clone()
                };
                out.push(warn(
                    LeakageKind::MonotoneWithRowOrder,
                    format!(
                        "{} with the row order over {} rows",
                        if up { "rises" } else { "falls" },
                        vals.len()
                    ),
                    hint,
                ));
                id_like = true;
            }
        }
        if top as f64 >= NEAR_CONSTANT * n as f64 {
            out.push(warn(
                LeakageKind::NearConstant,
                format!(
                    "one value in {top} of {n} rows ({:.1} %)",
                    100.0 * top as f64 / n as f64
                ),
                drop_hint.clone(),
            ));
            return out;
        }
        if !labeled || id_like {
            return out;
        }
        // The column alone as a score: numeric values as they are (missing lowest);
        // categorical levels by their churn rate.
        let scores: Vec<f64> = match table.column(j) {
            Column::Numeric(v) => rows
                .iter()
                .map(|&r| if v[r].is_nan() { f64::MIN } else { v[r] })
                .collect(),
            Column::Categorical(_) => {
                // Churners and rows per level (missing last).
                let n_levels = feature.levels().len();
                let slot = |k: u64| {
                    if k == missing_key {
                        n_levels
                    } else {
                        k as usize
                    }
                };
                let mut rate = vec![(0.0f64, 0.0f64); n_levels + 1];
                for (&k, &p) in keys.iter().zip(&positive) {
                    let e = &mut rate[slot(k)];
                    e.0 += f64::from(u8::from(p));
                    e.1 += 1.0;
                }
                keys.iter()
                    .map(|&k| {
                        let (p, c) = rate[slot(k)];
                        p / c
                    })
                    .collect()
            }
        };
        if let Some(auc) = roc_auc(&scores, &positive, None) {
            let auc = auc.max(1.0 - auc);
            if auc > LABEL_AUC {
                out.push(warn(
                    LeakageKind::LabelLike,
                    format!("ROC AUC {auc:.4} on its own"),
                    format!(
                        "{drop_hint} if it is a copy of the label or known only after the churn"
                    ),
                ));
            }
        }
        out
    };
    schema
        .features
        .par_iter()
        .enumerate()
        .flat_map_iter(per_column)
        .collect()
}
