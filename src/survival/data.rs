//! [`SurvivalData`]: what a time-to-churn model learns from and is judged on — one
//! duration (the clock) and one event flag (churned or censored) per customer.

use crate::data::{Binning, Column, Discretizer, FeatureEncoder, Table, closest_name};
use crate::error::{Error, Location, Result};

/// Durations and event flags of some customers (one entry per row, in row order),
/// with optional row weights.
///
/// A customer who churned has an **event** at their duration; one who has not (yet)
/// left is **censored** at it: all we know is that they stayed at least that long.
/// Durations are finite numbers `>= 0` in the table's own unit (months, days,
/// years).
///
/// Built checked by [`SurvivalData::new`] or [`SurvivalData::from_table`] (at least
/// one event among the rows); [`SurvivalData::select`] takes any subset unchecked (a
/// held-out fold may have no event).
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalData {
    durations: Vec<f64>,
    events: Vec<bool>,
    weights: Option<Vec<f64>>,
}

impl SurvivalData {
    /// Durations and event flags given directly.
    ///
    /// # Errors
    /// [`Error::Schema`] when the lengths differ or there are no rows;
    /// [`Error::Value`] naming the position of a negative, infinite or NaN duration;
    /// [`Error::Fit`] when every row is censored (no event to learn from).
    pub fn new(durations: Vec<f64>, events: Vec<bool>) -> Result<Self> {
        if durations.len() != events.len() {
            return Err(Error::schema(format!(
                "{} durations for {} event flags",
                durations.len(),
                events.len()
            )));
        }
        for (i, (&d, &e)) in durations.iter().zip(&events).enumerate() {
            check_duration(d, e, &Location::default(), &format!("position {i}"))?;
        }
        let data = SurvivalData {
            durations,
            events,
            weights: None,
        };
        data.check_events("")?;
        Ok(data)
    }

    /// The same data with row weights (finite, `>= 0`, one per row).
    ///
    /// # Errors
    /// [`Error::Schema`] when the length differs or a weight is negative or not
    /// finite.
    pub fn with_weights(mut self, weights: Vec<f64>) -> Result<Self> {
        if weights.len() != self.len() {
            return Err(Error::schema(format!(
                "{} weights for {} rows",
                weights.len(),
                self.len()
            )));
        }
        if let Some((i, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !w.is_finite() || **w < 0.0)
        {
            return Err(Error::schema(format!(
                "weight {w} at position {i} is not a finite number >= 0"
            )));
        }
        self.weights = Some(weights);
        Ok(self)
    }

    /// The durations and events of `rows` of a labeled `table`: the numeric feature
    /// column `duration` is the clock, and a row is an event when its label is the
    /// churn class ([`Target::churn_class`](crate::data::Target::churn_class); on
    /// three-state data `at_risk` customers have not left, so they are censored). The
    /// table's row weights, if any, come along.
    ///
    /// The duration column stays in the table; learners of this module leave it out
    /// of their features (it is the time axis, not a predictor).
    ///
    /// # Errors
    /// - [`Error::Schema`] naming the column when the table has no such feature column
    ///   (with the closest name, when one is close), the column holds text, the table
    ///   has no labels, or `rows` is empty;
    /// - [`Error::Value`] naming the column, the row (0-based position in the table,
    ///   and the customer's id when the table has ids) and the value when a duration
    ///   is negative or missing — a churned customer without a duration says so;
    /// - [`Error::Schema`] naming the label column when every row is censored.
    pub fn from_table(table: &Table, duration: &str, rows: &[usize]) -> Result<Self> {
        let schema = table.schema();
        let at = Location::default().at_column(duration);
        let j = duration_column(table, duration)?;
        if !table.is_labeled() {
            return Err(Error::Schema {
                location: at,
                message: "time to churn needs the churn label of every row (the event); \
                          this table has none"
                    .into(),
            });
        }
        if rows.is_empty() {
            return Err(Error::Schema {
                location: at,
                message: "no rows to take durations from".into(),
            });
        }
        let Column::Numeric(values) = table.column(j) else {
            // `duration_column` has checked the kind.
            return Err(Error::schema("duration column is not numeric"));
        };
        let churn = schema.target.churn_class();
        let mut durations = Vec::with_capacity(rows.len());
        let mut events = Vec::with_capacity(rows.len());
        for &r in rows {
            if r >= table.n_rows() {
                return Err(Error::param("rows", r, "a row index is out of range"));
            }
            let d = values[r];
            let e = table.labels()[r] as usize == churn;
            let row = match table.ids() {
                Some(ids) => format!("row {r} (id {})", ids[r]),
                None => format!("row {r}"),
            };
            check_duration(d, e, &at, &row)?;
            durations.push(d);
            events.push(e);
        }
        let weights = table
            .weights()
            .map(|w| rows.iter().map(|&r| w[r]).collect());
        let data = SurvivalData {
            durations,
            events,
            weights,
        };
        // Input the user can fix, not a failed fit: a schema error at the label column.
        data.check_events(&format!(" (label '{}')", schema.target.name))
            .map_err(|e| match e {
                Error::Fit(message) => Error::Schema {
                    location: Location::default().at_column(&schema.target.name),
                    message,
                },
                e => e,
            })?;
        Ok(data)
    }

    fn check_events(&self, label: &str) -> Result<()> {
        if self.is_empty() {
            return Err(Error::schema("no rows: survival data needs at least one"));
        }
        if self.n_events() <= 0.0 {
            return Err(Error::Fit(format!(
                "all {} rows are censored{label}: time to churn needs at least one churned \
                 customer (with positive weight)",
                self.len()
            )));
        }
        Ok(())
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.durations.len()
    }

    /// True without rows (only a [`select`](Self::select) of nothing).
    pub fn is_empty(&self) -> bool {
        self.durations.is_empty()
    }

    /// The durations, in row order.
    pub fn durations(&self) -> &[f64] {
        &self.durations
    }

    /// The event flags (true = churned at the duration, false = censored).
    pub fn events(&self) -> &[bool] {
        &self.events
    }

    /// The row weights, if any.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    /// The weight of row `i` (1 without weights).
    #[inline]
    pub fn weight(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[i])
    }

    /// Weighted number of events.
    pub fn n_events(&self) -> f64 {
        (0..self.len())
            .filter(|&i| self.events[i])
            .map(|i| self.weight(i))
            .sum()
    }

    /// The largest duration (0 without rows).
    pub fn max_duration(&self) -> f64 {
        self.durations.iter().copied().fold(0.0, f64::max)
    }

    /// The rows at positions `idx` (in that order; repeats allowed), unchecked: the
    /// subset may have no event.
    ///
    /// # Panics
    /// If a position is out of range.
    pub fn select(&self, idx: &[usize]) -> SurvivalData {
        SurvivalData {
            durations: idx.iter().map(|&i| self.durations[i]).collect(),
            events: idx.iter().map(|&i| self.events[i]).collect(),
            weights: self
                .weights
                .as_ref()
                .map(|w| idx.iter().map(|&i| w[i]).collect()),
        }
    }

    /// Drops the row weights.
    pub(crate) fn clear_weights(&mut self) {
        self.weights = None;
    }

    /// Positions `0..len` in ascending order of duration (ties keep their order).
    pub(crate) fn order_by_duration(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| self.durations[a].total_cmp(&self.durations[b]));
        order
    }
}

/// The index of the numeric feature column `duration` of `table`.
///
/// # Errors
/// [`Error::Schema`] naming the column when there is none (suggesting the closest
/// feature name), when it is the label, or when it holds text.
pub fn duration_column(table: &Table, duration: &str) -> Result<usize> {
    let schema = table.schema();
    let at = Location::default().at_column(duration);
    let Some(j) = schema.feature_index(duration) else {
        let names: Vec<&str> = schema.features.iter().map(|f| f.name.as_str()).collect();
        let message = if duration == schema.target.name {
            "this is the churn label; the duration is another column (e.g. tenure)".to_string()
        } else if schema.id_column.as_deref() == Some(duration)
            || schema.weight_column.as_deref() == Some(duration)
        {
            "this is the id or weight column, not a duration".to_string()
        } else {
            match closest_name(duration, &names) {
                Some(near) => format!("no such column; did you mean '{near}'?"),
                None => "no such column among the features".to_string(),
            }
        };
        return Err(Error::Schema {
            location: at,
            message,
        });
    };
    if let Column::Categorical(codes) = table.column(j) {
        let example = codes
            .iter()
            .find(|&&c| c != crate::data::MISSING_LEVEL)
            .and_then(|&c| schema.features[j].levels().get(c as usize))
            .map_or(String::new(), |l| format!(" (e.g. '{l}')"));
        return Err(Error::Schema {
            location: at,
            message: format!(
                "a duration must be numeric, but this column holds text{example}; \
                 fix the cells or choose another column"
            ),
        });
    }
    Ok(j)
}

/// The discretizer of `table`'s features except the `duration` column, fitted on
/// `rows`.
pub(crate) fn fit_discretizer(
    table: &Table,
    rows: &[usize],
    binning: &Binning,
    duration: &str,
) -> Result<Discretizer> {
    let d = Discretizer::fit(table, rows, binning)?;
    let encoders: Vec<FeatureEncoder> = d
        .encoders()
        .iter()
        .filter(|e| e.name() != duration)
        .cloned()
        .collect();
    Ok(Discretizer::from_encoders(
        encoders,
        binning.clone(),
        d.schema().classes.clone(),
    ))
}

/// A duration must be a finite number `>= 0`.
fn check_duration(d: f64, event: bool, at: &Location, row: &str) -> Result<()> {
    let bad = |message: String| Error::Value {
        location: at.clone(),
        value: if d.is_nan() {
            String::new()
        } else {
            d.to_string()
        },
        message,
    };
    if d.is_nan() {
        return Err(bad(if event {
            format!("{row}: a churned customer has no duration (the time to churn is missing)")
        } else {
            format!("{row}: the duration is missing")
        }));
    }
    if d.is_infinite() {
        return Err(bad(format!("{row}: a duration must be a finite number")));
    }
    if d < 0.0 {
        return Err(bad(format!(
            "{row}: a duration must be >= 0 (a negative time as a customer)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::{MISSING_LEVEL, Schema};

    fn table(tenure: Vec<f64>, labels: Vec<u8>) -> Table {
        let n = labels.len();
        let schema = Schema::builder("Churn")
            .numeric("tenure")
            .categorical("plan", ["a", "b"])
            .id_column("id")
            .build()
            .unwrap();
        Table::new(
            Arc::new(schema),
            vec![Column::Numeric(tenure), Column::Categorical(vec![0; n])],
            labels,
            None,
            Some((0..n).map(|i| format!("C{i}")).collect()),
        )
        .unwrap()
    }

    fn message(e: Error) -> String {
        e.to_string()
    }

    #[test]
    fn from_table_takes_durations_and_the_churn_class_as_event() {
        let t = table(vec![3.0, 0.0, 12.5, 7.0], vec![1, 0, 0, 1]);
        let s = SurvivalData::from_table(&t, "tenure", &[3, 0, 1]).unwrap();
        assert_eq!(s.durations(), &[7.0, 3.0, 0.0]);
        assert_eq!(s.events(), &[true, true, false]);
        assert_eq!((s.len(), s.n_events(), s.max_duration()), (3, 2.0, 7.0));
        assert_eq!(s.order_by_duration(), vec![2, 1, 0]);
        let sub = s.select(&[2]);
        assert_eq!(sub.n_events(), 0.0, "a selection may be all censored");
    }

    #[test]
    fn bad_durations_are_named_by_column_row_id_and_value() {
        let t = table(vec![3.0, -2.0, 1.0], vec![1, 0, 0]);
        let e = SurvivalData::from_table(&t, "tenure", &t.all_rows()).unwrap_err();
        let m = message(e);
        assert!(m.contains("'tenure'") && m.contains("row 1 (id C1)"), "{m}");
        assert!(m.contains("'-2'") && m.contains(">= 0"), "{m}");

        let t = table(vec![3.0, f64::NAN], vec![0, 1]);
        let m = message(SurvivalData::from_table(&t, "tenure", &[0, 1]).unwrap_err());
        assert!(
            m.contains("row 1") && m.contains("churned customer has no duration"),
            "{m}"
        );
        let t = table(vec![f64::NAN, 1.0], vec![0, 1]);
        let m = message(SurvivalData::from_table(&t, "tenure", &[0, 1]).unwrap_err());
        assert!(
            m.contains("row 0") && m.contains("duration is missing"),
            "{m}"
        );
        let t = table(vec![f64::INFINITY, 1.0], vec![0, 1]);
        let m = message(SurvivalData::from_table(&t, "tenure", &[0, 1]).unwrap_err());
        assert!(m.contains("finite"), "{m}");
    }

    #[test]
    fn all_censored_rows_are_refused() {
        let t = table(vec![3.0, 4.0], vec![0, 0]);
        let e = SurvivalData::from_table(&t, "tenure", &[0, 1]).unwrap_err();
        assert!(matches!(e, Error::Schema { .. }));
        assert!(e.to_string().contains("'Churn'"), "{e}");
        assert!(message(e).contains("all 2 rows are censored"));
        assert!(matches!(
            SurvivalData::new(vec![1.0, 2.0], vec![false, false]),
            Err(Error::Fit(_))
        ));
    }

    #[test]
    fn the_duration_column_must_exist_and_be_numeric() {
        let t = table(vec![3.0, 4.0], vec![0, 1]);
        let m = message(SurvivalData::from_table(&t, "tenur", &[0, 1]).unwrap_err());
        assert!(m.contains("did you mean 'tenure'"), "{m}");
        let m = message(SurvivalData::from_table(&t, "Churn", &[0, 1]).unwrap_err());
        assert!(m.contains("churn label"), "{m}");
        let m = message(SurvivalData::from_table(&t, "id", &[0, 1]).unwrap_err());
        assert!(m.contains("id or weight"), "{m}");
        let m = message(SurvivalData::from_table(&t, "plan", &[0, 1]).unwrap_err());
        assert!(m.contains("numeric") && m.contains("'a'"), "{m}");
        let e = SurvivalData::from_table(&t, "tenure", &[]).unwrap_err();
        assert!(message(e).contains("no rows"));
        let e = SurvivalData::from_table(&t, "tenure", &[5]).unwrap_err();
        assert!(matches!(e, Error::Param { .. }));
        let u = Table::new_unlabeled(
            t.schema().clone(),
            vec![
                Column::Numeric(vec![1.0]),
                Column::Categorical(vec![MISSING_LEVEL]),
            ],
            None,
            None,
        )
        .unwrap();
        let m = message(SurvivalData::from_table(&u, "tenure", &[0]).unwrap_err());
        assert!(m.contains("label"), "{m}");
    }

    #[test]
    fn new_checks_lengths_values_and_weights() {
        assert!(SurvivalData::new(vec![1.0], vec![true, false]).is_err());
        assert!(SurvivalData::new(vec![], vec![]).is_err());
        let m = message(SurvivalData::new(vec![1.0, -0.5], vec![true, false]).unwrap_err());
        assert!(m.contains("position 1"), "{m}");
        let s = SurvivalData::new(vec![1.0, 2.0], vec![true, false]).unwrap();
        assert!(s.clone().with_weights(vec![1.0]).is_err());
        assert!(s.clone().with_weights(vec![1.0, f64::NAN]).is_err());
        let w = s.with_weights(vec![0.5, 2.0]).unwrap();
        assert_eq!((w.weight(0), w.n_events()), (0.5, 0.5));
    }
}
