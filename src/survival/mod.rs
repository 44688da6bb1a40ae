//! Time to churn: **when** a customer will leave, learned from customers who have not
//! all left yet.
//!
//! Every churn table has a clock in it — Telco's `Tenure`, Orange's `Account length`,
//! the ISP data's `subscription_age`. A customer who churned has an *event* at their
//! duration; one still here is *censored* at it (they stayed at least that long). A
//! classifier confuses "has not left yet" with "will not leave"; the estimators here
//! use the censored customers for exactly what they tell.
//!
//! | what | where |
//! |---|---|
//! | durations and events from a table, checked | [`SurvivalData`] |
//! | Kaplan–Meier and Nelson–Aalen curves; conditional churn within `h`, median and restricted mean remaining lifetime given the tenure `t0` | [`SurvivalCurve`] |
//! | the two-sample log-rank test | [`logrank_test`] |
//! | the survival tree: log-rank splits on codes, curves at the leaves, path reasons | [`SurvivalTreeParams`], [`SurvivalTree`] |
//! | hierarchical shrinkage of each node's hazard toward its parent's (m-estimate) | [`SurvivalTree::shrunk`], [`SurvivalTreeParams::shrinkage`] |
//! | proportional-hazards leaves: a customer's curve from their leaf's and the features off their path | [`HazardLeaves`], [`CustomerCurve`] |
//! | self-tuning by CV on the C-index (one-SE rule) | [`SurvivalTune`], [`SurvivalTuneReport`] |
//! | the learner over raw tables and its fitted model | [`SurvivalLearner`], [`SurvivalModel`] |
//! | Harrell's C, IPCW Brier score and its integral, time-dependent AUC, calibration by risk group | [`metrics`] |
//! | columns that encode the clock (leakage for the duration) | [`clock_leakage`] |
//! | holdout, k-fold and comparison of survival learners against Kaplan–Meier | [`eval::cross_validate_survival`](crate::eval::cross_validate_survival) and its siblings in [`eval`](crate::eval) |
//!
//! Kaplan–Meier on the whole table ([`SurvivalCurve::kaplan_meier`]) is the baseline
//! (C-index 0.5), as ZeroR is for classification. Survival-based lifetime value lives
//! with the rest of the economics: [`policy::survival_clv`](crate::policy::survival_clv)
//! takes any curve's `Ŝ(t)`.
//!
//! # Layers
//!
//! This module sits beside [`tree`](crate::tree) and [`bayes`](crate::bayes) (layer 3)
//! and imports `data`, `count` (the per-node tallies), `learner` (reasons), `math` and
//! `tree` (condition text and the depth limit). Inside: `data` ← `curve` ← `logrank`,
//! `metrics`; `params` ← `grow` → `tree`; `shrink` → `tree`, `curve`; `hazleaf` → `tree`,
//! `curve`, `data`; `tune` → `data`, `grow`, `shrink`, `hazleaf`, `metrics`;
//! `learner` → `tune`, `hazleaf`; `leakage` → `data`.

mod curve;
mod data;
mod grow;
mod hazleaf;
mod leakage;
mod learner;
mod logrank;
pub mod metrics;
mod params;
mod prune;
mod shrink;
mod tree;
mod tune;

pub use curve::{CustomerCurve, Estimator, SurvivalCurve, survival_matrix};
pub use data::{SurvivalData, duration_column};
pub use hazleaf::{HAZARD_ALPHAS, HazardLeaves};
pub use leakage::{CLOCK_CORRELATION, CLOCK_RATIO_CORRELATION, ClockLeak, clock_leakage};
pub use learner::{SurvivalLearner, SurvivalModel, SurvivalPrediction};
pub use logrank::{LogRank, logrank_test};
pub use params::{MAX_TIME_BINS, SplitSelection, SurvivalCriterion, SurvivalTreeParams};
pub use prune::collapse_alphas;
pub use tree::{SURVIVAL_LEAF, SurvivalLeaf, SurvivalNode, SurvivalStep, SurvivalTree};
pub use tune::{
    ONE_SE, PRUNING_FRACTIONS, SHRINKAGE, SurvivalCvPoint, SurvivalGrid, SurvivalSetting,
    SurvivalTune, SurvivalTuneReport,
};
