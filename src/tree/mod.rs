//! Decision trees: ID3 and its variants as one grower with a pluggable split criterion.
//!
//! Four small ideas, each replaceable (after scikit-learn's tree package):
//!
//! - [`criterion`]: the impurity of a count table and the score of a split —
//!   information gain (ID3), weighted entropy (attribute and class weights) and
//!   C4.5's gain ratio;
//! - [`counts`]: the per-node (value × class) count tables, the hot path, counted
//!   through [`data::counts::contingency`](crate::data::counts::contingency);
//! - [`grow`]: the depth-first grower with its pre-pruning limits and missing-value
//!   policies ([`Id3`], [`Id3Params`]);
//! - [`tree`](mod@tree): the fitted [`DecisionTree`], a flat node arena, with prediction,
//!   explanation and attribute importance; [`prune`] (reduced-error and pessimistic
//!   post-pruning) and [`export`] (text, rules, Graphviz).
//!
//! [`TreeLearner`] / [`TreeClassifier`] plug the tree into the crate's
//! [`Learner`](crate::Learner) / [`Classifier`](crate::Classifier) traits; [`Cart`]
//! wraps linfa-trees' CART the same way for comparisons.

pub mod cart;
pub mod counts;
pub mod criterion;
pub mod export;
pub mod grow;
pub mod learner;
mod node;
pub mod prune;
mod splitter;
#[allow(clippy::module_inception)]
pub mod tree;
pub mod validate;
mod walk;

pub use cart::{Cart, CartClassifier, CartTree};
pub use criterion::{AttributeWeights, ClassWeights, Criterion, SplitCriterion, WeightedEntropy};
pub use export::Rule;
pub use grow::{Id3, Id3Params, Id3ValidParams, NumericSplits, Pruning};
pub use learner::{TreeClassifier, TreeLearner};
pub use node::{LEAF, NO_CHILD, Node};
pub use tree::{DecisionTree, MissingPolicy, Step};
