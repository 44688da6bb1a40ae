//! [`Table`]: typed columns, missing values, labels, optional weights and ids.

use std::sync::Arc;

use super::schema::{Feature, FeatureKind, Schema};
use crate::error::{Error, Result};

/// The code of a missing cell in a categorical [`Column`].
pub const MISSING_LEVEL: u32 = u32::MAX;

/// One feature column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numeric values; a missing cell is NaN.
    Numeric(Vec<f64>),
    /// Indices into the feature's levels; a missing cell is [`MISSING_LEVEL`].
    Categorical(Vec<u32>),
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Numeric(v) => v.len(),
            Column::Categorical(v) => v.len(),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of missing cells.
    pub fn n_missing(&self) -> usize {
        match self {
            Column::Numeric(v) => v.iter().filter(|x| x.is_nan()).count(),
            Column::Categorical(v) => v.iter().filter(|&&x| x == MISSING_LEVEL).count(),
        }
    }

    fn select(&self, rows: &[usize]) -> Column {
        match self {
            Column::Numeric(v) => Column::Numeric(rows.iter().map(|&r| v[r]).collect()),
            Column::Categorical(v) => Column::Categorical(rows.iter().map(|&r| v[r]).collect()),
        }
    }
}

/// One cell of a table, as the user wrote it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// No value.
    Missing,
    /// A number.
    Num(f64),
    /// A categorical level.
    Cat(&'a str),
}

impl std::fmt::Display for Cell<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Missing => f.write_str("missing"),
            Cell::Num(x) => write!(f, "{x}"),
            Cell::Cat(s) => f.write_str(s),
        }
    }
}

/// A table of customers: one typed [`Column`] per feature, one label per row (an index
/// into `schema.target.classes`), optional sample weights and ids.
///
/// The schema is shared (`Arc`), so subsets made with [`Table::select`] do not copy it.
#[derive(Debug, Clone)]
pub struct Table {
    schema: Arc<Schema>,
    columns: Vec<Column>,
    labels: Vec<u8>,
    weights: Option<Vec<f64>>,
    ids: Option<Vec<String>>,
    labeled: bool,
}

impl Table {
    /// Builds a table of customers whose status is unknown (data to score): labels are
    /// all 0 and [`Table::is_labeled`] is false. Checks as [`Table::new`].
    pub fn new_unlabeled(
        schema: Arc<Schema>,
        columns: Vec<Column>,
        weights: Option<Vec<f64>>,
        ids: Option<Vec<String>>,
    ) -> Result<Self> {
        let n = columns.first().map_or(0, Column::len);
        let mut t = Table::new(schema, columns, vec![0; n], weights, ids)?;
        t.labeled = false;
        Ok(t)
    }

    /// False for a table of customers to score, whose labels are placeholders.
    pub fn is_labeled(&self) -> bool {
        self.labeled
    }

    /// Builds a table from parts, checking that every column, the labels, the weights
    /// and the ids have the same length, that column kinds match the schema, that
    /// categorical codes are in range and labels name a class, and that weights are
    /// finite and non-negative.
    pub fn new(
        schema: Arc<Schema>,
        columns: Vec<Column>,
        labels: Vec<u8>,
        weights: Option<Vec<f64>>,
        ids: Option<Vec<String>>,
    ) -> Result<Self> {
        let n = labels.len();
        if columns.len() != schema.features.len() {
            return Err(Error::schema(format!(
                "{} columns given for {} features",
                columns.len(),
                schema.features.len()
            )));
        }
        // Columns checked in parallel (a code range check is a pass over the column);
        // the error is the first column's, in order.
        use rayon::prelude::*;
        let checked: Vec<Result<()>> = columns
            .par_iter()
            .zip(&schema.features)
            .map(|(c, f)| Self::check_column(c, f, n))
            .collect();
        checked.into_iter().collect::<Result<Vec<()>>>()?;
        let k = schema.target.classes.len();
        if let Some(bad) = labels.iter().find(|&&l| l as usize >= k) {
            return Err(Error::schema(format!(
                "label {bad} out of range for {k} classes"
            )));
        }
        if let Some(w) = &weights {
            if w.len() != n {
                return Err(Error::schema(format!("{} weights for {n} rows", w.len())));
            }
            if let Some((i, x)) = w
                .iter()
                .enumerate()
                .find(|(_, x)| !x.is_finite() || **x < 0.0)
            {
                return Err(Error::schema(format!(
                    "weight {x} in row {i} is not a finite non-negative number"
                )));
            }
        }
        if let Some(ids) = &ids
            && ids.len() != n
        {
            return Err(Error::schema(format!("{} ids for {n} rows", ids.len())));
        }
        Ok(Table {
            schema,
            columns,
            labels,
            weights,
            ids,
            labeled: true,
        })
    }

    /// Checks column `c` of feature `f` for a table of `n` rows: its length, its kind,
    /// and (categorical) its codes in range.
    fn check_column(c: &Column, f: &Feature, n: usize) -> Result<()> {
        if c.len() != n {
            return Err(Error::schema(format!(
                "column '{}' has {} rows, labels have {n}",
                f.name,
                c.len()
            )));
        }
        match (c, &f.kind) {
            (Column::Numeric(_), FeatureKind::Numeric) => {}
            (Column::Categorical(codes), FeatureKind::Categorical { levels }) => {
                if let Some(bad) = codes
                    .iter()
                    .find(|&&x| x != MISSING_LEVEL && x as usize >= levels.len())
                {
                    return Err(Error::schema(format!(
                        "column '{}' has code {bad} but only {} levels",
                        f.name,
                        levels.len()
                    )));
                }
            }
            _ => {
                return Err(Error::schema(format!(
                    "column '{}' does not have the kind its schema says",
                    f.name
                )));
            }
        }
        Ok(())
    }

    /// The schema (shared).
    pub fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.labels.len()
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.columns.len()
    }

    /// The feature columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// One feature column.
    pub fn column(&self, feature: usize) -> &Column {
        &self.columns[feature]
    }

    /// Labels: indices into `schema().target.classes`.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// Sample weights, if the table has them.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    /// The weight of a row (1 without a weight column).
    pub fn weight(&self, row: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[row])
    }

    /// Ids, if the table has an id column.
    pub fn ids(&self) -> Option<&[String]> {
        self.ids.as_deref()
    }

    /// The cell at (`row`, `feature`), as the user wrote it.
    pub fn cell(&self, row: usize, feature: usize) -> Cell<'_> {
        match &self.columns[feature] {
            Column::Numeric(v) => {
                let x = v[row];
                if x.is_nan() {
                    Cell::Missing
                } else {
                    Cell::Num(x)
                }
            }
            Column::Categorical(v) => {
                let c = v[row];
                if c == MISSING_LEVEL {
                    Cell::Missing
                } else {
                    Cell::Cat(&self.schema.features[feature].levels()[c as usize])
                }
            }
        }
    }

    /// Weighted count of each class over `rows`.
    pub fn class_counts(&self, rows: &[usize]) -> Vec<f64> {
        let mut counts = vec![0.0; self.schema.target.classes.len()];
        for &r in rows {
            counts[self.labels[r] as usize] += self.weight(r);
        }
        counts
    }

    /// A new table holding `rows` (in that order; repeats allowed), sharing the schema.
    ///
    /// # Panics
    /// If a row index is out of range (indices come from this crate's splits, not from
    /// user input).
    pub fn select(&self, rows: &[usize]) -> Table {
        Table {
            schema: Arc::clone(&self.schema),
            columns: self.columns.iter().map(|c| c.select(rows)).collect(),
            labels: rows.iter().map(|&r| self.labels[r]).collect(),
            weights: self
                .weights
                .as_ref()
                .map(|w| rows.iter().map(|&r| w[r]).collect()),
            ids: self
                .ids
                .as_ref()
                .map(|ids| rows.iter().map(|&r| ids[r].clone()).collect()),
            labeled: self.labeled,
        }
    }

    /// The same table without the feature column `name` (e.g. a duration column that
    /// is a model's clock, not one of its features); the rows, labels, weights and ids
    /// are shared unchanged.
    ///
    /// # Errors
    /// [`Error::Schema`] naming the column when the table has no such feature.
    pub fn without_feature(&self, name: &str) -> Result<Table> {
        let j = self
            .schema
            .feature_index(name)
            .ok_or_else(|| Error::Schema {
                location: crate::error::Location::default().at_column(name),
                message: "no such feature column".into(),
            })?;
        let mut schema = (*self.schema).clone();
        schema.features.remove(j);
        let mut columns = self.columns.clone();
        columns.remove(j);
        Ok(Table {
            schema: Arc::new(schema),
            columns,
            labels: self.labels.clone(),
            weights: self.weights.clone(),
            ids: self.ids.clone(),
            labeled: self.labeled,
        })
    }

    /// All row indices `0..n_rows`.
    pub fn all_rows(&self) -> Vec<usize> {
        (0..self.n_rows()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Table {
        let schema = Schema::builder("churn")
            .categorical("contract", ["month", "year"])
            .numeric("tenure")
            .build()
            .unwrap();
        let schema = Arc::new(schema);
        Table::new(
            schema,
            vec![
                Column::Categorical(vec![0, 1, MISSING_LEVEL]),
                Column::Numeric(vec![1.0, f64::NAN, 30.0]),
            ],
            vec![1, 0, 0],
            None,
            None,
        )
        .unwrap()
    }

    #[test]
    fn cells_and_subsets() {
        let t = tiny();
        assert_eq!(t.cell(0, 0), Cell::Cat("month"));
        assert_eq!(t.cell(2, 0), Cell::Missing);
        assert_eq!(t.cell(1, 1), Cell::Missing);
        assert_eq!(t.cell(2, 1), Cell::Num(30.0));
        let s = t.select(&[2, 0]);
        assert!(Arc::ptr_eq(s.schema(), t.schema()));
        assert_eq!(s.labels(), &[0, 1]);
        assert_eq!(s.cell(1, 0), Cell::Cat("month"));
        assert_eq!(t.class_counts(&[0, 1, 2]), vec![2.0, 1.0]);
    }

    #[test]
    fn new_rejects_inconsistent_parts() {
        let t = tiny();
        let bad = Table::new(
            t.schema().clone(),
            t.columns().to_vec(),
            vec![0, 0],
            None,
            None,
        );
        assert!(bad.is_err());
        let bad_w = Table::new(
            t.schema().clone(),
            t.columns().to_vec(),
            t.labels().to_vec(),
            Some(vec![1.0, f64::NAN, 1.0]),
            None,
        );
        assert!(bad_w.is_err());
    }
}
