//! [`Node`]: one node of a fitted tree's flat arena, and the arena's two sentinels.
//!
//! The bottom of the tree module: the arena ([`DecisionTree`](super::DecisionTree)),
//! its scoring layout (`walk`), the grower and the pruners all speak of nodes; nodes
//! know nothing of them.

use serde::{Deserialize, Serialize};

/// The `feature` of a leaf.
pub const LEAF: u32 = u32::MAX;
/// An empty child slot.
pub const NO_CHILD: u32 = u32::MAX;

/// The deepest node a tree may have (root = depth 0): the grower stops there whatever
/// `max_depth` says, and a model file whose tree is deeper is refused at load
/// ([`DecisionTree::validate`](super::DecisionTree::validate)). It bounds the stack of
/// the grower's recursion and the size of the text and rule renderings, whose lines
/// repeat the path (quadratic in depth); the renderers (text, rules, DOT) and the
/// scoring walks use explicit stacks, not recursion. Trees grown from real data are a
/// few dozen levels deep.
pub const MAX_DEPTH: usize = 1000;

/// One node of the arena.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The feature tested, or [`LEAF`].
    pub feature: u32,
    /// Index of this node's first child slot in the tree's `slots` (internal nodes).
    pub first_slot: u32,
    /// Depth (root = 0).
    pub depth: u32,
    /// Information gain of the node's split (class-weighted entropy, before any
    /// attribute weight; 0 for leaves).
    pub gain: f64,
    /// Total training weight at the node.
    pub weight: f64,
}

impl Node {
    /// True for a leaf.
    pub fn is_leaf(&self) -> bool {
        self.feature == LEAF
    }
}
