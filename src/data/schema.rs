//! What a table's columns are: features (categorical with levels, or numeric) and the
//! churn target (its classes).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result};

/// The canonical name of the class of customers who stay.
pub const RETAINED: &str = "retained";
/// The canonical name of the class of customers tending to leave.
pub const AT_RISK: &str = "at_risk";
/// The canonical name of the class of customers who left.
pub const CHURNED: &str = "churned";

/// A list of level names (a categorical feature's levels, a network variable's
/// states), shared: cloning it shares the one allocation, so the levels a model
/// holds in its schema, its discretizer's encoders, the encoded schema and a
/// network's variables are one copy in memory, as they are one copy in the file.
///
/// Reads as a slice (`Deref<Target = [String]>`: `len`, `iter`, indexing) and
/// (de)serializes as a plain sequence of strings, exactly as a `Vec<String>`.
///
/// ```
/// use churnkit::data::Levels;
///
/// let a = Levels::from(vec!["month".to_string(), "year".to_string()]);
/// let b = a.clone();
/// assert!(Levels::ptr_eq(&a, &b));
/// assert_eq!(b[1], "year");
/// assert_eq!(a, ["month", "year"]);
/// ```
#[derive(Clone, Default)]
pub struct Levels(Arc<Vec<String>>);

impl Levels {
    /// True when both share one allocation (clones of one list).
    pub fn ptr_eq(a: &Levels, b: &Levels) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    /// The levels as a slice.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

impl std::ops::Deref for Levels {
    type Target = [String];
    fn deref(&self) -> &[String] {
        &self.0
    }
}

impl AsRef<[String]> for Levels {
    fn as_ref(&self) -> &[String] {
        &self.0
    }
}

impl std::fmt::Debug for Levels {
    /// As the list of levels.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Vec<String>> for Levels {
    fn from(mut v: Vec<String>) -> Self {
        v.shrink_to_fit();
        Levels(Arc::new(v))
    }
}

impl From<&[String]> for Levels {
    fn from(v: &[String]) -> Self {
        Levels::from(v.to_vec())
    }
}

impl<const N: usize> From<[&str; N]> for Levels {
    fn from(v: [&str; N]) -> Self {
        v.into_iter().map(String::from).collect()
    }
}

impl FromIterator<String> for Levels {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        Levels::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl<'a> IntoIterator for &'a Levels {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl PartialEq for Levels {
    fn eq(&self, other: &Levels) -> bool {
        Levels::ptr_eq(self, other) || self.0 == other.0
    }
}

impl Eq for Levels {}

impl PartialEq<[String]> for Levels {
    fn eq(&self, other: &[String]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<Vec<String>> for Levels {
    fn eq(&self, other: &Vec<String>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<const N: usize> PartialEq<[&str; N]> for Levels {
    fn eq(&self, other: &[&str; N]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<Levels> for Vec<String> {
    fn eq(&self, other: &Levels) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Serialize for Levels {
    /// As a sequence of strings (the bytes of a `Vec<String>`).
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Levels {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Vec::<String>::deserialize(d).map(Levels::from)
    }
}

/// The type of a feature column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FeatureKind {
    /// A categorical column and its levels, sorted (byte order) so the same data always
    /// gives the same codes whatever the row order.
    Categorical {
        /// The distinct non-missing values seen, sorted.
        levels: Levels,
    },
    /// A numeric column (f64; missing cells are NaN in the table).
    Numeric,
}

/// One feature column: its name and its kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    /// The column's name, as in the CSV header.
    pub name: String,
    /// Categorical (with levels) or numeric.
    pub kind: FeatureKind,
}

impl Feature {
    /// True for a numeric feature.
    pub fn is_numeric(&self) -> bool {
        matches!(self.kind, FeatureKind::Numeric)
    }

    /// The levels of a categorical feature (empty for a numeric one).
    pub fn levels(&self) -> &[String] {
        match &self.kind {
            FeatureKind::Categorical { levels } => levels,
            FeatureKind::Numeric => &[],
        }
    }
}

/// The target column and its churn classes.
///
/// Classes are always in churn order: `retained` first, then `at_risk` for three-state
/// data, and `churned` last. Labels in a [`Table`](crate::data::Table) are indices
/// into `classes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The target column's name in the source data.
    pub name: String,
    /// Class names, in churn order.
    pub classes: Vec<String>,
}

impl Target {
    /// A binary target: `retained`, `churned`.
    pub fn binary(name: impl Into<String>) -> Self {
        Target {
            name: name.into(),
            classes: vec![RETAINED.into(), CHURNED.into()],
        }
    }

    /// A three-state target: `retained`, `at_risk`, `churned`.
    pub fn three_state(name: impl Into<String>) -> Self {
        Target {
            name: name.into(),
            classes: vec![RETAINED.into(), AT_RISK.into(), CHURNED.into()],
        }
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }

    /// Index of the `churned` class (the positive class in binary metrics), falling
    /// back to the last class.
    pub fn churn_class(&self) -> usize {
        self.classes
            .iter()
            .position(|c| c == CHURNED)
            .unwrap_or(self.classes.len().saturating_sub(1))
    }
}

/// The columns of a [`Table`](crate::data::Table): features, target, and the optional
/// id and weight columns (which are never features).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// The feature columns, in file order.
    pub features: Vec<Feature>,
    /// The churn target.
    pub target: Target,
    /// The id column kept for output, if any.
    pub id_column: Option<String>,
    /// The sample-weight column, if any.
    pub weight_column: Option<String>,
}

impl Schema {
    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.features.len()
    }

    /// Index of the feature with this name (a linear search: to look up many names,
    /// build [`Schema::name_index`] once).
    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.features.iter().position(|f| f.name == name)
    }

    /// Index of the feature with this name, trying position `hint` first (where a
    /// table typed by a model's schema has it): constant time when the columns are in
    /// the model's order, a linear search otherwise.
    pub fn feature_index_near(&self, name: &str, hint: usize) -> Option<usize> {
        match self.features.get(hint) {
            Some(f) if f.name == name => Some(hint),
            _ => self.feature_index(name),
        }
    }

    /// Every feature's index by name, built in one pass (the first feature of a name
    /// wins, as with [`Schema::feature_index`]). Looking up all of a model's features
    /// in a table through it is linear in the number of columns.
    pub fn name_index(&self) -> HashMap<&str, usize> {
        let mut index = HashMap::with_capacity(self.features.len());
        for (j, f) in self.features.iter().enumerate() {
            index.entry(f.name.as_str()).or_insert(j);
        }
        index
    }
}

impl Schema {
    /// A [`SchemaBuilder`] for a schema whose (binary) target is column `target`:
    /// add features in column order, then [`build`](SchemaBuilder::build).
    ///
    /// ```
    /// use churnkit::data::Schema;
    ///
    /// let schema = Schema::builder("Churn")
    ///     .categorical("contract", ["month", "two-year", "year"])
    ///     .numeric("tenure")
    ///     .id_column("customerID")
    ///     .build()?;
    /// assert_eq!(schema.n_features(), 2);
    /// assert_eq!(schema.features[0].levels(), ["month", "two-year", "year"]);
    /// assert_eq!(schema.target.classes, ["retained", "churned"]);
    /// assert!(Schema::builder("Churn").numeric("a").numeric("a").build().is_err());
    /// # Ok::<(), churnkit::Error>(())
    /// ```
    pub fn builder(target: impl Into<String>) -> SchemaBuilder {
        SchemaBuilder {
            features: Vec::new(),
            target: Target::binary(target),
            id_column: None,
            weight_column: None,
        }
    }
}

/// Builds a [`Schema`] by hand (tests, tables assembled in code); see
/// [`Schema::builder`]. The CSV reader builds its own schemas from the file.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "call build() to get the schema"]
pub struct SchemaBuilder {
    features: Vec<Feature>,
    target: Target,
    id_column: Option<String>,
    weight_column: Option<String>,
}

impl SchemaBuilder {
    /// Adds a numeric feature.
    pub fn numeric(mut self, name: impl Into<String>) -> Self {
        self.features.push(Feature {
            name: name.into(),
            kind: FeatureKind::Numeric,
        });
        self
    }

    /// Adds a categorical feature with these levels, kept in the order given (level
    /// `i` is code `i`). The CSV reader sorts levels in byte order; give them sorted
    /// to match what it would read.
    pub fn categorical<I>(mut self, name: impl Into<String>, levels: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.features.push(Feature {
            name: name.into(),
            kind: FeatureKind::Categorical {
                levels: levels.into_iter().map(Into::into).collect::<Levels>(),
            },
        });
        self
    }

    /// Adds a feature as given.
    pub fn feature(mut self, feature: Feature) -> Self {
        self.features.push(feature);
        self
    }

    /// Makes the target three-state: `retained`, `at_risk`, `churned`.
    pub fn three_state(mut self) -> Self {
        self.target = Target::three_state(std::mem::take(&mut self.target.name));
        self
    }

    /// Names the id column (kept for output, never a feature).
    pub fn id_column(mut self, name: impl Into<String>) -> Self {
        self.id_column = Some(name.into());
        self
    }

    /// Names the sample-weight column (never a feature).
    pub fn weight_column(mut self, name: impl Into<String>) -> Self {
        self.weight_column = Some(name.into());
        self
    }

    /// The schema.
    ///
    /// # Errors
    ///
    /// [`Error::Schema`] naming the column when a feature name is empty or repeated,
    /// is also the target, id or weight column, or a categorical feature repeats a
    /// level.
    pub fn build(self) -> Result<Schema> {
        let bad = |name: &str, message: &str| Error::Schema {
            location: Location::default().at_column(name),
            message: message.into(),
        };
        let reserved = [
            Some(self.target.name.as_str()),
            self.id_column.as_deref(),
            self.weight_column.as_deref(),
        ];
        let mut names = HashSet::with_capacity(self.features.len());
        for f in &self.features {
            if f.name.is_empty() {
                return Err(bad(&f.name, "a feature needs a name"));
            }
            if !names.insert(f.name.as_str()) {
                return Err(bad(&f.name, "duplicate feature name"));
            }
            if reserved.contains(&Some(f.name.as_str())) {
                return Err(bad(
                    &f.name,
                    "the target, id and weight columns are never features",
                ));
            }
            let mut seen = HashSet::new();
            if !f.levels().iter().all(|l| seen.insert(l)) {
                return Err(bad(&f.name, "a categorical feature repeats a level"));
            }
        }
        Ok(Schema {
            features: self.features,
            target: self.target,
            id_column: self.id_column,
            weight_column: self.weight_column,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_keeps_order_and_refuses_clashes() {
        let s = Schema::builder("status")
            .numeric("tenure")
            .categorical("plan", ["b", "a"])
            .three_state()
            .weight_column("w")
            .build()
            .unwrap();
        assert_eq!(s.feature_index("plan"), Some(1));
        assert_eq!(s.features[1].levels(), ["b", "a"]);
        assert_eq!(s.target, Target::three_state("status"));
        assert_eq!(s.weight_column.as_deref(), Some("w"));
        let column = |e: Error| match e {
            Error::Schema { location, .. } => location.column,
            other => panic!("{other:?}"),
        };
        let dup = Schema::builder("c").numeric("x").categorical("x", ["a"]);
        assert_eq!(column(dup.build().unwrap_err()).as_deref(), Some("x"));
        let target = Schema::builder("c").numeric("c").build().unwrap_err();
        assert_eq!(column(target).as_deref(), Some("c"));
        let id = Schema::builder("c").numeric("id").id_column("id").build();
        assert!(id.is_err());
        let level = Schema::builder("c")
            .categorical("p", ["a", "b", "a"])
            .build();
        assert_eq!(column(level.unwrap_err()).as_deref(), Some("p"));
    }
}
