//! Training: from fitted learners to a [`Model`](crate::model::Model).
//!
//! [`ModelBuilder`] assembles a model from a body fitted elsewhere, its training rows
//! and validation rows or [`OutOfSample`] predictions, on which the calibration is
//! fitted, thresholds are chosen and the summary's metrics are computed.

mod builder;

pub use builder::{ModelBuilder, OutOfSample};
pub use crate::policy::tier::TierSpec;
