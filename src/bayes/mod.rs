//! Bayesian-network churn predictors: naive Bayes, tree-augmented naive Bayes (TAN),
//! score-based structure learning (hill climbing with BIC/BDeu), Dirichlet-smoothed
//! CPTs, exact inference by variable elimination with partial evidence, BIF and
//! Graphviz interchange.
//!
//! Laid out like pgmpy, in private files whose vocabulary is re-exported here:
//!
//! - model — [`BayesNet`] (a DAG of [`Variable`]s with CPTs);
//! - estimators — [`NaiveBayes`], [`Tan`], [`HillClimb`] (scored by a
//!   [`StructureScore`]), all sharing [`BayesSettings`] (binning, [`Prior`]);
//!   [`fit_parameters`], [`structure_score`], [`conditional_mutual_information`];
//! - inference — [`query`] (exact variable elimination to a [`Factor`]) and
//!   [`ForestPosterior`] (exact message passing when the attributes form a forest given
//!   the class: naive Bayes, TAN);
//! - readwrite — [`read_bif`], [`write_bif`], [`read_bif_file`], [`write_bif_file`]
//!   (the Bayesian Interchange Format) and [`to_dot`] (Graphviz);
//! - [`BayesClassifier`] joins a learned network to the discretizer that feeds it and
//!   implements [`Classifier`](crate::Classifier); the learners also implement linfa's
//!   `Fit` / `Predict` on matrices of codes.
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

mod bif;
mod classifier;
mod compiled;
mod forest;
mod importance;
pub use importance::class_mutual_information;
mod infer;
mod learn;
mod linfa_traits;
mod network;

pub use bif::{
    read as read_bif, read_file as read_bif_file, to_dot, write as write_bif,
    write_file as write_bif_file,
};
pub use classifier::BayesClassifier;
pub use forest::{ForestPosterior, ForestScratch, UNOBSERVED};
pub use infer::{Factor, MAX_FACTOR_ENTRIES, query};
pub use learn::{
    BayesSettings, EdgeWeight, HillClimb, NaiveBayes, Prior, Start, StructureScore, Tan,
    conditional_mutual_information, conditional_mutual_information_with, fit_parameters,
    fit_parameters_with, structure_score,
};
pub use network::{BayesNet, Variable};
