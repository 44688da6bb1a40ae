//! What a table's columns are: features (categorical with levels, or numeric) and the
//! churn target (its classes).

use serde::{Deserialize, Serialize};

/// The canonical name of the class of customers who stay.
pub const RETAINED: &str = "retained";
/// The canonical name of the class of customers tending to leave.
pub const AT_RISK: &str = "at_risk";
/// The canonical name of the class of customers who left.
pub const CHURNED: &str = "churned";

/// The type of a feature column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FeatureKind {
    /// A categorical column and its levels, sorted (byte order) so the same data always
    /// gives the same codes whatever the row order.
    Categorical {
        /// The distinct non-missing values seen, sorted.
        levels: Vec<String>,
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

    /// Index of the feature with this name.
    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.features.iter().position(|f| f.name == name)
    }
}
