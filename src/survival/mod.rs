//! Time to churn: when a customer will leave, with censoring.
//!
//! (Work in progress: module docs are completed with the tree.)

mod curve;
mod data;
mod logrank;
pub mod metrics;

pub use curve::{Estimator, SurvivalCurve, survival_matrix};
pub use data::{SurvivalData, duration_column};
pub use logrank::{LogRank, logrank_test};
mod grow;
mod params;
mod tree;
pub use params::{MAX_TIME_BINS, SurvivalTreeParams};
pub use tree::{SURVIVAL_LEAF, SurvivalNode, SurvivalStep, SurvivalTree};
