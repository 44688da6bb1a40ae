//! # churnkit
//!
//! Customer-churn prediction for Rust pipelines: learn from a table of customers whose
//! status is known (retained, at-risk, churned), predict who is about to leave with
//! weighted-entropy ID3 trees or Bayesian networks, judge the model honestly, and say
//! what a rescue is worth.
//!
//! ## Quickstart
//!
//! Read customers, hold out 30 % of each class, fit weighted-entropy ID3 on the rest,
//! report it on the held-out customers, save it, load it back and score a customer:
//!
//! ```
//! use churnkit::data::{CsvOptions, read_csv, stratified_holdout};
//! use churnkit::eval::evaluate;
//! use churnkit::model::Model;
//! use churnkit::train::ModelBuilder;
//! use churnkit::score::Scorer;
//! use churnkit::tree::TreeLearner;
//!
//! # fn main() -> churnkit::Result<()> {
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");
//! // `status` is the label (retained / at_risk / churned); the id is never a feature.
//! let table = read_csv(path, &CsvOptions::new("status").id_column("customer_id"))?;
//! let split = stratified_holdout(table.labels(), 0.3, 42)?;
//!
//! // The learner fits its discretizer on the training rows only, then the tree.
//! let tree = TreeLearner::id3_weighted().fit_tree(&table, &split.train)?;
//! let report = evaluate(&tree, &table, &split.test)?;
//! println!("{report}"); // confusion matrix, error with its 95 % interval, AUC, lift, EMP
//! assert!(report.accuracy > 0.65);
//!
//! // A model file carries the schema, the discretizer, the tree and the policies.
//! let model = ModelBuilder::new(tree, &table, &split.train).build()?;
//! let file = std::env::temp_dir().join("churnkit-doc.model");
//! model.save(&file)?;
//! let model = Model::load(&file)?;
//!
//! let score = Scorer::new(&model).score_row(&table, split.test[0])?;
//! println!("{} P(churn) = {:.2}", score.tier, score.p_churn);
//! for reason in &score.reasons {
//!     println!("  because {}", reason.condition); // e.g. "contract = month-to-month"
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Map
//!
//! Data flows one way (the module map, its layers and the learner and counting
//! contracts are in the repository's `ARCHITECTURE.md`): [`data`] reads CSV into a
//! typed [`data::Table`],
//! a [`data::Discretizer`] fitted on training rows turns it into column-major
//! [`data::Encoded`] codes, [`count`] is the counting contract every count goes through
//! (in memory, or a distributed engine), the learners of [`tree`] and [`bayes`] fit
//! on those counts,
//! [`policy`] holds the decisions a model carries (tiers, calibration, retention
//! economics, input policy), [`eval`] judges any [`Learner`] / [`Classifier`],
//! [`model`] is the envelope that saves and loads fitted models safely (through
//! [`output`]'s atomic files), [`train`] is
//! the pipeline from a table to a model (validation, the final fit on all rows,
//! calibration and thresholds on out-of-sample predictions), and [`score`] turns a
//! model into tiers, signed reasons, churn drivers with strategies, lifecycle stages and
//! retention economics. [`survival`] says **when** a customer will leave: Kaplan–Meier
//! curves, a self-tuning survival tree on the same codes and counting seam, and the
//! time-to-churn metrics (C-index, IPCW Brier score, time-dependent AUC).
//! `report` (feature `report`, on by default) writes the
//! self-contained HTML report of a model on labeled data. [`synth`] generates realistic
//! data; [`registry`] maps algorithm names (as the `churnkit` CLI takes them) to the
//! learners' own builders, fits them through the one two-phase
//! [`learner::EncodedLearner`] contract, and defines the fitted [`model::ModelBody`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bayes;
pub mod count;
pub mod data;
pub mod error;
pub mod eval;
pub mod learner;
mod math;
pub mod model;
pub mod output;
pub mod policy;
pub mod registry;
#[cfg(feature = "report")]
pub mod report;
pub mod score;
pub mod survival;
pub mod synth;
pub mod train;
pub mod tree;

pub use error::{Error, Location, Result};
pub use learner::{Classifier, Explanation, Learner, Reason};

// The README's code blocks are compiled and run as doctests, so the snippet there
// stays true to the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
