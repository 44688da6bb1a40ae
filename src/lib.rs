//! # churnkit
//!
//! Customer-churn prediction for Rust pipelines: learn from a table of customers whose
//! status is known (retained, at-risk, churned), predict who is about to leave with
//! weighted-entropy ID3 trees or Bayesian networks, judge the model honestly, and say
//! what a rescue is worth.

#![warn(missing_docs)]

pub mod bayes;
pub mod data;
pub mod error;
pub mod eval;
pub mod learner;
pub mod learners;
pub mod model;
pub mod score;
pub mod synth;
pub mod tree;

pub use error::{Error, Location, Result};
pub use learner::{Classifier, Explanation, Learner, Reason};

// The README's code blocks are compiled and run as doctests, so the snippet there
// stays true to the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
