//! The contract between learning algorithms and everything that uses them
//! (`eval`, `model`, `score`): a [`Learner`] fits a [`Classifier`] from a table's
//! training rows; the classifier carries its own preprocessing and answers for raw rows.
//!
//! This module sits below both the algorithms (`tree`, `bayes`) and their users, so
//! data flows one way: algorithms implement these traits, `eval` and `score` consume
//! them, and neither side knows the other.

use crate::data::Table;
use crate::error::Result;

/// One reason behind a prediction, in the user's column names and values.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Reason {
    /// The feature's column name.
    pub feature: String,
    /// The condition in the user's words, e.g. `Contract = Month-to-month` or
    /// `tenure in [0, 6)`.
    pub condition: String,
    /// How much this reason pushed toward churn: for a tree the information gain of the
    /// split (or the change in the churn probability along the path); for a Bayesian
    /// network the contribution to the log-odds of churned vs retained. Larger means
    /// more churn-ward; negative means it argues for staying.
    pub weight: f64,
}

/// Why a classifier predicted what it did for one row.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Explanation {
    /// The reasons, most important first (trees: in path order).
    pub reasons: Vec<Reason>,
    /// A one-line human summary (e.g. the tree path with the leaf's counts).
    pub summary: String,
}

/// A fitted model that gives class probabilities for raw rows of a [`Table`].
///
/// The table's features are matched to the model's by column name; categorical levels
/// by their text. Classes are in the order of [`Classifier::classes`], which equals
/// the training table's `schema().target.classes`.
pub trait Classifier: Send + Sync {
    /// A short name for reports, e.g. `id3-weighted` or `tan`.
    fn name(&self) -> String;

    /// The class names, in churn order.
    fn classes(&self) -> &[String];

    /// Class probabilities for `rows` of `table`, written row-major into `out`
    /// (`out.len() == rows.len() * classes().len()`). Implementations encode the
    /// rows once and must not allocate per row.
    fn predict_proba_into(&self, table: &Table, rows: &[usize], out: &mut [f64]) -> Result<()>;

    /// Class probabilities for one row.
    fn predict_proba(&self, table: &Table, row: usize) -> Result<Vec<f64>> {
        let mut out = vec![0.0; self.classes().len()];
        self.predict_proba_into(table, &[row], &mut out)?;
        Ok(out)
    }

    /// Why the model predicts what it does for `row`. The default explains nothing.
    fn explain(&self, table: &Table, row: usize) -> Result<Explanation> {
        let _ = (table, row);
        Ok(Explanation::default())
    }

    /// For each of `rows`, the `n` most churn-ward reasons of [`Classifier::explain`]:
    /// its reasons stably sorted by weight, descending (ties keep the explanation's
    /// order), then cut to `n` — exactly [`top_reasons`] of `explain`, without the
    /// summaries. The default explains row by row; implementations override it to
    /// encode the rows once and to render only the reasons kept (batch scoring calls
    /// this once per chunk of rows).
    fn explain_top(&self, table: &Table, rows: &[usize], n: usize) -> Result<Vec<Vec<Reason>>> {
        rows.iter()
            .map(|&r| Ok(top_reasons(self.explain(table, r)?.reasons, n)))
            .collect()
    }
}

/// The `n` most churn-ward reasons: sorted by weight, descending (a stable sort, so
/// ties keep the given order), then cut to `n`.
pub fn top_reasons(mut reasons: Vec<Reason>, n: usize) -> Vec<Reason> {
    reasons.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    reasons.truncate(n);
    reasons
}

/// Validated parameters of a learning algorithm: fits a [`Classifier`] from the
/// training rows of a table. The learner fits its own preprocessing (the discretizer)
/// on those rows only, so evaluation never leaks test rows into training.
pub trait Learner: Send + Sync {
    /// A short name for reports.
    fn name(&self) -> String;

    /// Fits on `rows` of `table`.
    fn fit(&self, table: &Table, rows: &[usize]) -> Result<Box<dyn Classifier>>;
}

/// Checks that `out` has room for `n_rows` rows of `n_classes` probabilities.
pub fn check_out_len(out: &[f64], n_rows: usize, n_classes: usize) -> Result<()> {
    if out.len() != n_rows * n_classes {
        return Err(crate::error::Error::param(
            "out.len()",
            out.len(),
            format!("expected {n_rows} rows × {n_classes} classes"),
        ));
    }
    Ok(())
}
