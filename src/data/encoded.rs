//! [`Encoded`]: every feature as small integer codes, column-major. This is what
//! learners read; the training hot path touches nothing else.
//!
//! A feature with `n` levels (categories, or bins of a discretized numeric) has codes
//! `0..n` and its missing code is `n` (missing is a value of its own). Codes are `u8`
//! when `n + 1 <= 256`, else `u16`, so 1M rows × 20 features take 20 MB of codes plus
//! 1 MB of labels.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::schema::Levels;
use crate::error::{Error, Result};

/// The largest number of levels (excluding missing) a feature may have.
pub const MAX_LEVELS: usize = u16::MAX as usize;

/// One feature's codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Codes {
    /// One byte per row (features with at most 255 levels).
    U8(Vec<u8>),
    /// Two bytes per row (features with 256 to 65,535 levels).
    U16(Vec<u16>),
}

impl Codes {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Codes::U8(v) => v.len(),
            Codes::U16(v) => v.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The code of a row.
    #[inline]
    pub fn get(&self, row: usize) -> u16 {
        match self {
            Codes::U8(v) => v[row] as u16,
            Codes::U16(v) => v[row],
        }
    }

    /// Whether a feature of `cardinality` codes (missing included) is stored in `u8`:
    /// `cardinality <= 256`.
    pub fn fits_u8(cardinality: usize) -> bool {
        cardinality <= 256
    }

    /// Codes from `u16` values, stored in `u8` when [`fits_u8`](Self::fits_u8).
    pub fn from_u16(values: Vec<u16>, cardinality: usize) -> Codes {
        if Self::fits_u8(cardinality) {
            Codes::U8(values.into_iter().map(|v| v as u8).collect())
        } else {
            Codes::U16(values)
        }
    }

    /// Bytes of code storage.
    pub fn bytes(&self) -> usize {
        match self {
            Codes::U8(v) => v.len(),
            Codes::U16(v) => v.len() * 2,
        }
    }

    fn select(&self, rows: &[usize]) -> Codes {
        match self {
            Codes::U8(v) => Codes::U8(rows.iter().map(|&r| v[r]).collect()),
            Codes::U16(v) => Codes::U16(rows.iter().map(|&r| v[r]).collect()),
        }
    }
}

/// What an encoded feature is: its name and what each code means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncodedFeature {
    /// The column's name in the user's data.
    pub name: String,
    /// One label per code: the category, or for a discretized numeric the interval,
    /// e.g. `[0, 6)`, `< 6` or `>= 70.5` (a categorical feature's levels are shared
    /// with its encoder, see [`Levels`]).
    pub levels: Levels,
    /// True when the feature was numeric and the levels are intervals.
    pub numeric: bool,
}

impl EncodedFeature {
    /// Number of levels, not counting missing.
    pub fn n_levels(&self) -> usize {
        self.levels.len()
    }

    /// The code that means "missing" (= `n_levels()`).
    pub fn missing_code(&self) -> u16 {
        self.levels.len() as u16
    }

    /// Number of distinct codes including missing (`n_levels() + 1`): the row count
    /// of this feature's count table.
    pub fn cardinality(&self) -> usize {
        self.levels.len() + 1
    }

    /// A condition in the user's words: `Contract = Month-to-month`, `tenure < 6`,
    /// `tenure in [6, 20)`,
    /// `TotalCharges is missing`.
    pub fn condition(&self, code: u16) -> String {
        match self.levels.get(code as usize) {
            None => format!("{} is missing", self.name),
            // End bins read as comparisons ("tenure < 6", "tenure >= 20"), inner bins
            // as intervals ("tenure in [6, 20)"), a single bin as "tenure any".
            Some(level) if self.numeric && level == "any" => {
                format!("{} is not missing", self.name)
            }
            Some(level) if self.numeric && level.starts_with(['<', '>']) => {
                format!("{} {level}", self.name)
            }
            Some(level) if self.numeric => format!("{} in {level}", self.name),
            Some(level) => format!("{} = {level}", self.name),
        }
    }
}

/// The meaning of an [`Encoded`] table's codes: features and class names. Shared
/// (`Arc`) between a fitted discretizer, the tables it encodes and their subsets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncodedSchema {
    /// The features, in order.
    pub features: Vec<EncodedFeature>,
    /// The class names (churn order: retained, then at_risk when present, then churned).
    pub classes: Vec<String>,
}

impl EncodedSchema {
    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }

    /// Index of the `churned` class, falling back to the last.
    pub fn churn_class(&self) -> usize {
        self.classes
            .iter()
            .position(|c| c == super::schema::CHURNED)
            .unwrap_or(self.classes.len().saturating_sub(1))
    }
}

/// All features as column-major integer codes, labels as `u8`, optional weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    schema: Arc<EncodedSchema>,
    columns: Vec<Codes>,
    labels: Vec<u8>,
    weights: Option<Vec<f64>>,
}

impl Encoded {
    /// Builds an encoded table, checking lengths, code ranges (a code may be at most the
    /// feature's missing code), labels and weights.
    pub fn new(
        schema: Arc<EncodedSchema>,
        columns: Vec<Codes>,
        labels: Vec<u8>,
        weights: Option<Vec<f64>>,
    ) -> Result<Self> {
        let n = labels.len();
        if columns.len() != schema.features.len() {
            return Err(Error::schema(format!(
                "{} code columns for {} features",
                columns.len(),
                schema.features.len()
            )));
        }
        // Each column checked on its own (in parallel: a pass over every code); the
        // first failing column in schema order gives the error.
        use rayon::prelude::*;
        let checks: Vec<Result<()>> = columns
            .par_iter()
            .zip(schema.features.par_iter())
            .map(|(c, f)| {
                if f.n_levels() > MAX_LEVELS {
                    return Err(Error::schema(format!(
                        "feature '{}' has {} levels; at most {MAX_LEVELS} are supported",
                        f.name,
                        f.n_levels()
                    )));
                }
                if c.len() != n {
                    return Err(Error::schema(format!(
                        "feature '{}' has {} codes for {n} labels",
                        f.name,
                        c.len()
                    )));
                }
                let max = f.missing_code();
                let bad = match c {
                    Codes::U8(v) => v.iter().any(|&x| x as u16 > max),
                    Codes::U16(v) => v.iter().any(|&x| x > max),
                };
                if bad {
                    return Err(Error::schema(format!(
                        "feature '{}' has a code above its missing code {max}",
                        f.name
                    )));
                }
                Ok(())
            })
            .collect();
        checks.into_iter().collect::<Result<()>>()?;
        let k = schema.classes.len();
        if k < 2 || k > u8::MAX as usize {
            return Err(Error::schema(format!("{k} classes; need 2 to 255")));
        }
        if labels.iter().any(|&l| l as usize >= k) {
            return Err(Error::schema(format!(
                "a label is out of range for {k} classes"
            )));
        }
        if let Some(w) = &weights
            && (w.len() != n || w.iter().any(|x| !x.is_finite() || *x < 0.0))
        {
            return Err(Error::schema(
                "weights must be one finite non-negative number per row",
            ));
        }
        Ok(Encoded {
            schema,
            columns,
            labels,
            weights,
        })
    }

    /// The meaning of the codes (shared).
    pub fn schema(&self) -> &Arc<EncodedSchema> {
        &self.schema
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.labels.len()
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.columns.len()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.schema.classes.len()
    }

    /// All feature columns.
    pub fn columns(&self) -> &[Codes] {
        &self.columns
    }

    /// One feature's codes.
    pub fn column(&self, feature: usize) -> &Codes {
        &self.columns[feature]
    }

    /// The code at (`row`, `feature`).
    #[inline]
    pub fn code(&self, row: usize, feature: usize) -> u16 {
        self.columns[feature].get(row)
    }

    /// Labels (indices into `schema().classes`).
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// Sample weights, if any.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    /// The weight of a row (1 without weights).
    #[inline]
    pub fn weight(&self, row: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[row])
    }

    /// A new encoded table of `rows` (in that order), sharing the schema.
    ///
    /// # Panics
    /// If a row index is out of range.
    pub fn select(&self, rows: &[usize]) -> Encoded {
        Encoded {
            schema: Arc::clone(&self.schema),
            columns: self.columns.iter().map(|c| c.select(rows)).collect(),
            labels: rows.iter().map(|&r| self.labels[r]).collect(),
            weights: self
                .weights
                .as_ref()
                .map(|w| rows.iter().map(|&r| w[r]).collect()),
        }
    }

    /// An encoded table of `schema` with no rows yet and room for `rows` rows in every
    /// column (weights too when `weighted`), to [`append`](Self::append) the codes of
    /// data read in pieces (a file streamed in chunks) without regrowing the buffers.
    pub fn with_capacity(schema: Arc<EncodedSchema>, rows: usize, weighted: bool) -> Encoded {
        let columns = schema
            .features
            .iter()
            .map(|f| {
                if Codes::fits_u8(f.cardinality()) {
                    Codes::U8(Vec::with_capacity(rows))
                } else {
                    Codes::U16(Vec::with_capacity(rows))
                }
            })
            .collect();
        Encoded {
            schema,
            columns,
            labels: Vec::with_capacity(rows),
            weights: weighted.then(|| Vec::with_capacity(rows)),
        }
    }

    /// Appends the rows of `other`, encoded with the same schema (e.g. by the same
    /// [`Discretizer`](crate::data::Discretizer)).
    ///
    /// # Errors
    /// [`Error::Schema`] when the schemas, the code widths or the weighting differ.
    pub fn append(&mut self, other: &Encoded) -> Result<()> {
        if !Arc::ptr_eq(&self.schema, &other.schema) && self.schema != other.schema {
            return Err(Error::schema(
                "appended codes were encoded with another schema",
            ));
        }
        if self.weights.is_some() != other.weights.is_some() {
            return Err(Error::schema(
                "appended codes are weighted where these are not, or the other way round",
            ));
        }
        for (mine, theirs) in self.columns.iter_mut().zip(&other.columns) {
            match (mine, theirs) {
                (Codes::U8(a), Codes::U8(b)) => a.extend_from_slice(b),
                (Codes::U16(a), Codes::U16(b)) => a.extend_from_slice(b),
                _ => return Err(Error::schema("appended codes have another width")),
            }
        }
        self.labels.extend_from_slice(&other.labels);
        if let (Some(a), Some(b)) = (&mut self.weights, &other.weights) {
            a.extend_from_slice(b);
        }
        Ok(())
    }

    /// Bytes held by codes, labels and weights (the schema excluded).
    pub fn heap_bytes(&self) -> usize {
        self.columns.iter().map(Codes::bytes).sum::<usize>()
            + self.labels.len()
            + self.weights.as_ref().map_or(0, |w| w.len() * 8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_for_a_million_rows_by_twenty_features_is_about_21_mb() {
        let n = 1_000_000;
        let schema = Arc::new(EncodedSchema {
            features: (0..20)
                .map(|j| EncodedFeature {
                    name: format!("f{j}"),
                    levels: (0..16).map(|l| l.to_string()).collect(),
                    numeric: false,
                })
                .collect(),
            classes: vec!["retained".into(), "at_risk".into(), "churned".into()],
        });
        let columns = (0..20)
            .map(|j| Codes::U8((0..n).map(|i| ((i * 7 + j) % 17) as u8).collect()))
            .collect();
        let labels = (0..n).map(|i| (i % 3) as u8).collect();
        let e = Encoded::new(schema, columns, labels, None).unwrap();
        let bytes = e.heap_bytes();
        assert_eq!(bytes, 21_000_000);
        assert!(e.columns().iter().all(|c| matches!(c, Codes::U8(_))));
    }

    fn schema_of(levels: usize) -> Arc<EncodedSchema> {
        Arc::new(EncodedSchema {
            features: vec![EncodedFeature {
                name: "f".into(),
                levels: (0..levels).map(|l| l.to_string()).collect(),
                numeric: false,
            }],
            classes: vec!["retained".into(), "churned".into()],
        })
    }

    #[test]
    fn appending_pieces_gives_the_whole() {
        let schema = schema_of(3);
        let whole = Encoded::new(
            Arc::clone(&schema),
            vec![Codes::U8(vec![0, 1, 2, 3, 1])],
            vec![0, 1, 1, 0, 1],
            Some(vec![1.0, 2.0, 0.5, 1.0, 3.0]),
        )
        .unwrap();
        let mut built = Encoded::with_capacity(Arc::clone(&schema), 5, true);
        built.append(&whole.select(&[0, 1])).unwrap();
        built.append(&whole.select(&[2, 3, 4])).unwrap();
        assert_eq!(built, whole);
        // Another schema, another weighting: refused.
        let other = Encoded::new(schema_of(2), vec![Codes::U8(vec![0])], vec![0], None).unwrap();
        let e = built.append(&other).unwrap_err();
        assert!(e.to_string().contains("another schema"), "{e}");
        let unweighted = Encoded::new(schema, vec![Codes::U8(vec![0])], vec![0], None).unwrap();
        let e = built.append(&unweighted).unwrap_err();
        assert!(e.to_string().contains("weighted"), "{e}");
        assert_eq!(built.n_rows(), 5);
        // Wide features get u16 buffers.
        let wide = Encoded::with_capacity(schema_of(300), 1, false);
        assert!(matches!(wide.column(0), Codes::U16(_)));
    }

    #[test]
    fn codes_pick_their_width() {
        assert!(matches!(Codes::from_u16(vec![1, 2], 256), Codes::U8(_)));
        assert!(matches!(Codes::from_u16(vec![1, 300], 301), Codes::U16(_)));
    }

    #[test]
    fn conditions_read_like_the_users_data() {
        let f = EncodedFeature {
            name: "tenure".into(),
            levels: vec!["< 6".into(), "[6, 20)".into(), ">= 20".into()].into(),
            numeric: true,
        };
        assert_eq!(f.condition(0), "tenure < 6");
        assert_eq!(f.condition(1), "tenure in [6, 20)");
        assert_eq!(f.condition(2), "tenure >= 20");
        assert_eq!(f.condition(3), "tenure is missing");
        let c = EncodedFeature {
            name: "Contract".into(),
            levels: vec!["Month-to-month".into()].into(),
            numeric: false,
        };
        assert_eq!(c.condition(0), "Contract = Month-to-month");
    }
}
