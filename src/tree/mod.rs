//! Decision trees: ID3 and its variants as one grower with a pluggable split criterion.
//!
//! The layout follows scikit-learn's tree package, one small idea per file, each
//! replaceable and none knowing more than it must (the modules are private; this module
//! re-exports their vocabulary):
//!
//! - `criterion`: the impurity of a count table and the score of a split
//!   ([`Criterion`]: information gain (ID3), weighted entropy (attribute and class
//!   weights) and C4.5's gain ratio; the [`SplitCriterion`] trait they implement);
//! - `counts`: the per-node (value × class) count tables, the hot path, counted
//!   through the counting contract ([`count::Counter`](crate::count::Counter));
//! - `splitter`: the best split of one node from its count tables, generic over the
//!   [`SplitCriterion`] — every split the builder takes is scored through that trait,
//!   the integer-count fast path included ([`SplitCriterion::candidate_counts`], which
//!   [`Resolved`] implements directly on `u32` cells), and the splitter is
//!   monomorphised for it, so the trait costs nothing on the fit hot path;
//! - `params`: the parameters of the ID3 family ([`Id3`], [`Id3Params`], [`Pruning`],
//!   [`NumericSplits`]);
//! - `grow`: the builder — depth-first growth under the pre-pruning limits, the
//!   missing-value policies, the in-place row partition and parallel children
//!   ([`Id3ValidParams::fit`]);
//! - `node` and `tree`: the fitted [`DecisionTree`], a flat arena of [`Node`]s, with
//!   prediction, explanation and attribute importance; it knows nothing of growing or
//!   pruning;
//! - `walk`: the tree compiled into one flat array for scoring, built once per tree
//!   and kept with it;
//! - `prune`: reduced-error and pessimistic post-pruning ([`Pruning`],
//!   [`estimated_errors`]); `export`: text, [`Rule`]s, Graphviz and
//!   [`DecisionTree::canonical_dump`]; `validate`: structural checks of trees read from
//!   untrusted bytes ([`DecisionTree::validate`]).
//!
//! - `tune`: self-tuning ([`Tune`], [`TuneReport`]): binning, depth, leaf size,
//!   pessimistic pruning and smoothing ([`Smoothing`]) chosen by stratified k-fold CV
//!   on the training rows, the pruning path read off one grown tree per fold.
//!
//! Dependencies run one way: `node` ← `walk` ← `tree` ← `prune` ← `grow` → `splitter`
//! → `criterion`, `counts` (and `grow` → `params` → `criterion`, `tree`; `learner` → `tune` → `grow`,
//! `prune`, `params`); `forest` → `grow`, `params`, `tree`, `walk`.
//!
//! - `nbleaf`: naive-Bayes leaves ([`LeafModel`], [`NaiveBayesLeaves`]): a leaf's
//!   probabilities refined per row by a tempered naive Bayes over the features its path
//!   did not test (NBTree, Kohavi 1996), the temper chosen by CV with the tuning;
//!   weighted leaves give each feature its own exponent, discriminatively fitted
//!   weights of the root's naive Bayes ([`fit_leaf_weights`], WANBIA).
//!
//! - `forest`: the churn forest ([`Forest`], [`ForestClassifier`]): bagged trees
//!   grown by `grow` on bootstrap samples with a random feature subset per node,
//!   out-of-bag estimates ([`Oob`]), averaged path contributions as reasons.
//!
//! [`TreeLearner`] / [`TreeClassifier`] plug the tree into the crate's
//! [`Learner`](crate::Learner) / [`Classifier`](crate::Classifier) traits; [`Cart`]
//! wraps linfa-trees' CART the same way for comparisons.

mod cart;
mod counts;
mod criterion;
pub mod distill;
mod export;
mod forest;
mod grow;
mod learner;
mod level;
mod nbleaf;
mod node;
mod params;
mod prune;
mod splitter;
#[allow(clippy::module_inception)]
mod tree;
mod tune;
mod validate;
mod walk;

pub use cart::{Cart, CartClassifier, CartNode, CartTree};
pub use criterion::{
    AttributeWeights, Candidate, ClassWeights, Criterion, NLogN, Resolved, SplitCriterion,
    WeightedEntropy,
};
pub use distill::{
    DISTILL_EXTRA_DEPTH, DISTILL_LEAF_DIVISOR, soft_labels, student_params, teacher,
};
pub use export::Rule;
pub use forest::{
    Forest, ForestCandidate, ForestClassifier, ForestGrid, ForestTune, ForestTuneReport, Oob,
    bootstrap,
};
pub use learner::{TreeClassifier, TreeLearner};
pub use level::LevelProgress;
pub use nbleaf::{
    LEAF_ALPHAS, LEAF_WEIGHT_LAMBDA, LEAF_WEIGHT_MAX_ROWS, LeafModel, NaiveBayesLeaves,
    TUNED_LEAF_LAMBDA, WEIGHTED_LEAF_ALPHAS, fit_leaf_weights,
};
pub use node::{LEAF, MAX_DEPTH, NO_CHILD, Node};
pub use params::{Id3, Id3Params, Id3ValidParams, NumericSplits, Pruning};
pub use prune::{
    add_errs, cost_complexity, estimated_errors, leaf_estimate, pessimistic, reduced_error,
};
pub use tree::{DecisionTree, MissingPolicy, Smoothing, Step, group_condition};
pub use tune::{CurvePoint, Grid, SMALL_TABLE, Tune, TuneReport, TuneScore, TunedSetting};
