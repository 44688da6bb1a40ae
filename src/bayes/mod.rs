//! Bayesian-network churn predictors: naive Bayes, tree-augmented naive Bayes (TAN),
//! score-based structure learning (hill climbing with BIC/BDeu), Dirichlet-smoothed
//! CPTs, exact inference by variable elimination with partial evidence, BIF and
//! Graphviz interchange.
//!
//! Laid out like pgmpy: the model ([`network`]), estimators ([`learn`]), inference
//! ([`infer`]) and readwrite ([`bif`]); [`classifier`] joins a network to the
//! discretizer that feeds it and implements [`Classifier`](crate::Classifier);
//! [`forest`] scores rows with missing attributes exactly without variable elimination
//! when the attributes form a forest given the class (naive Bayes, TAN);
//! [`linfa_traits`] gives the learners linfa's `Fit` / `Predict` on matrices of codes.
//!
//! Unlike a tree, a network reasons properly when some of a customer's attributes are
//! unknown: they are summed out of the joint, not imputed.
//!
//! ```no_run
//! use churnkit::bayes::Tan;
//! use churnkit::Learner;
//! # fn demo(table: &churnkit::data::Table) -> churnkit::Result<()> {
//! let model = Tan::new().fit(table, &table.all_rows())?;
//! let p = model.predict_proba(table, 0)?; // P(retained), P(churned)
//! let why = model.explain(table, 0)?;     // log-odds contributions
//! # let _ = (p, why); Ok(()) }
//! ```

pub mod bif;
pub mod classifier;
pub mod forest;
pub mod infer;
pub mod learn;
pub mod linfa_traits;
pub mod network;

pub use classifier::BayesClassifier;
pub use learn::{
    BayesSettings, EdgeWeight, HillClimb, NaiveBayes, Prior, Start, StructureScore, Tan,
};
pub use network::{BayesNet, Variable};
