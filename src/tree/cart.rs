//! linfa-trees' CART (binary splits, Gini or entropy) wrapped as a [`Learner`], so every
//! comparison and bench can include the reference implementation.
//!
//! linfa-trees' fitted tree keeps only each leaf's majority class, so after fitting it
//! is copied into a small flat tree ([`CartTree`]) whose leaves keep the weighted class
//! counts of the training rows that reach them (needed for probabilities and ROC AUC).
//! That copy is what [`CartClassifier`] serializes (serde), so no linfa-trees `serde`
//! feature is needed.
//!
//! linfa-trees reads `f64` features without missing values, so CART gets the same
//! discretized codes as the ID3 family (as ordinal numbers; a feature's missing code is
//! its largest code).
//!
//! **Not bit-deterministic.** linfa-trees 0.8 sums class frequencies in `f32` while
//! iterating a `std::collections::HashMap` (randomly seeded per process), so two runs
//! on the same data can break near-ties between splits differently; we have seen the
//! fourth decimal of a cross-validated log loss move. churnkit's own learners are
//! deterministic; CART is here as the external baseline, as linfa ships it.

use linfa::prelude::*;
use linfa_trees::{DecisionTree as LinfaTree, SplitQuality};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::node::MAX_DEPTH;
use crate::data::{Binning, Discretizer, Encoded, Table};
use crate::error::{Error, Result};
use crate::learner::{Classifier, EncodedLearner, Encoding, FitInput, check_out_len};

/// linfa-trees' CART with its parameters and the binning of numerics.
///
/// CART gets the same discretized codes as the ID3 family (as ordinal numbers; a
/// feature's missing code is its largest code), and its fitted tree is copied into a
/// [`CartTree`] whose leaves keep the weighted class counts.
///
/// **Not bit-deterministic.** linfa-trees 0.8 sums class frequencies in `f32` while
/// iterating a `std::collections::HashMap` (randomly seeded per process), so two runs
/// on the same data can break near-ties between splits differently. churnkit's own
/// learners are deterministic; CART is here as the external baseline, as linfa ships it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cart {
    /// Gini (default) or entropy.
    pub split_quality: SplitQuality,
    /// Maximum depth (None: [`MAX_DEPTH`](super::MAX_DEPTH), as any larger value).
    /// Default 8.
    pub max_depth: Option<usize>,
    /// Minimum weight of a leaf (linfa-trees' `min_weight_leaf`). Default 5.
    pub min_weight_leaf: f32,
    /// Minimum weight to split (linfa-trees' `min_weight_split`). Default 10.
    pub min_weight_split: f32,
    /// How numerics are binned before CART sees them. Default 16 equal-frequency bins.
    pub binning: Binning,
}

impl Default for Cart {
    fn default() -> Self {
        Cart {
            split_quality: SplitQuality::Gini,
            max_depth: Some(8),
            min_weight_leaf: 5.0,
            min_weight_split: 10.0,
            binning: Binning::EqualFrequency { bins: 16 },
        }
    }
}

impl Cart {
    /// CART with the Gini index.
    pub fn gini() -> Self {
        Cart::default()
    }

    /// CART with entropy.
    pub fn entropy() -> Self {
        Cart {
            split_quality: SplitQuality::Entropy,
            ..Cart::default()
        }
    }

    /// Sets the maximum depth.
    pub fn max_depth(mut self, d: Option<usize>) -> Self {
        self.max_depth = d;
        self
    }

    /// Fits linfa-trees' CART on encoded rows and copies it into a [`CartTree`].
    pub fn fit_encoded(&self, enc: &Encoded) -> Result<CartTree> {
        if enc.n_rows() == 0 {
            return Err(Error::Fit("cannot fit CART on zero rows".into()));
        }
        let x = codes_matrix(enc);
        let y: Array1<usize> = enc.labels().iter().map(|&l| l as usize).collect();
        let ds = Dataset::new(x.clone(), y);
        let model = LinfaTree::params()
            .split_quality(self.split_quality)
            .max_depth(Some(self.max_depth.map_or(MAX_DEPTH, |d| d.min(MAX_DEPTH))))
            .min_weight_leaf(self.min_weight_leaf)
            .min_weight_split(self.min_weight_split)
            .fit(&ds)
            .map_err(|e| Error::Fit(format!("linfa-trees: {e}")))?;
        let mut t = CartTree {
            nodes: Vec::new(),
            counts: Vec::new(),
            n_classes: enc.n_classes(),
        };
        t.copy(model.root_node());
        let k = t.n_classes;
        t.counts = vec![0.0; t.nodes.len() * k];
        for (r, row) in x.rows().into_iter().enumerate() {
            let leaf = t.leaf(row.as_slice().unwrap_or(&row.to_vec()));
            t.counts[leaf * k + enc.labels()[r] as usize] += enc.weight(r);
        }
        Ok(t)
    }

    /// Fits the discretizer on `rows` of `table`, then CART on the codes; returns the
    /// concrete classifier (e.g. to put in a [`Model`](crate::model::Model)).
    pub fn fit_cart(&self, table: &Table, rows: &[usize]) -> Result<CartClassifier> {
        Ok(self.fit_timed(table, rows)?.fitted)
    }

    fn name(&self) -> String {
        match self.split_quality {
            SplitQuality::Gini => "cart-gini".into(),
            SplitQuality::Entropy => "cart-entropy".into(),
        }
    }
}

/// The encoded codes as an `f64` matrix (rows × features), as linfa-trees reads them.
pub(crate) fn codes_matrix(enc: &Encoded) -> Array2<f64> {
    let mut x = Array2::zeros((enc.n_rows(), enc.n_features()));
    for (j, col) in enc.columns().iter().enumerate() {
        for (r, v) in x.column_mut(j).iter_mut().enumerate() {
            *v = f64::from(col.get(r));
        }
    }
    x
}

/// One node of a [`CartTree`]: a leaf, or a test `x[feature] < threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum CartNode {
    /// A leaf; its counts are in the tree's `counts`.
    Leaf,
    /// Go left when `x[feature] < threshold`, else right.
    Split {
        /// Feature index.
        feature: usize,
        /// Threshold.
        threshold: f64,
        /// Left child.
        left: usize,
        /// Right child.
        right: usize,
    },
}

/// linfa-trees' CART copied into a flat arena, with class counts at the leaves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartTree {
    nodes: Vec<CartNode>,
    counts: Vec<f64>,
    n_classes: usize,
}

impl CartTree {
    fn copy(&mut self, n: &linfa_trees::TreeNode<f64, usize>) -> usize {
        let idx = self.nodes.len();
        self.nodes.push(CartNode::Leaf);
        if !n.is_leaf() {
            let (feature, threshold, _) = n.split();
            let kids = n.children();
            if let (Some(l), Some(r)) = (kids[0].as_deref(), kids[1].as_deref()) {
                let left = self.copy(l);
                let right = self.copy(r);
                self.nodes[idx] = CartNode::Split {
                    feature,
                    threshold,
                    left,
                    right,
                };
            }
        }
        idx
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// The nodes (root first, pre-order: a split's children come after it).
    pub fn nodes(&self) -> &[CartNode] {
        &self.nodes
    }

    /// Weighted training class counts, `n_classes` per node (zero for internal nodes).
    pub fn counts(&self) -> &[f64] {
        &self.counts
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// The leaf a row of features reaches.
    pub fn leaf(&self, x: &[f64]) -> usize {
        let mut n = 0;
        while let CartNode::Split {
            feature,
            threshold,
            left,
            right,
        } = self.nodes[n]
        {
            n = if x.get(feature).copied().unwrap_or(f64::INFINITY) < threshold {
                left
            } else {
                right
            };
        }
        n
    }

    /// Class probabilities of a leaf (its training class frequencies).
    pub fn leaf_proba_into(&self, leaf: usize, out: &mut [f64]) {
        let k = self.n_classes;
        let c = &self.counts[leaf * k..(leaf + 1) * k];
        let n: f64 = c.iter().sum();
        for (o, x) in out.iter_mut().zip(c) {
            *o = if n > 0.0 { x / n } else { 1.0 / k as f64 };
        }
    }
}

/// A fitted CART with its discretizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartClassifier {
    /// The preprocessing fitted on the training rows.
    pub discretizer: Discretizer,
    /// The tree.
    pub tree: CartTree,
    /// The name in reports.
    pub name: String,
}

/// Phase 1 is [`Cart::binning`]; phase 2 fits linfa-trees' CART on the codes
/// ([`Cart::fit_encoded`]).
impl EncodedLearner for Cart {
    type Fitted = CartClassifier;

    fn name(&self) -> String {
        Cart::name(self)
    }

    fn binning(&self) -> Option<&Binning> {
        Some(&self.binning)
    }

    fn fit_codes(&self, mut input: FitInput<'_>) -> Result<CartClassifier> {
        let Encoding {
            discretizer,
            encoded,
        } = input.take_encoding()?;
        let tree = self.fit_encoded(&encoded)?;
        Ok(CartClassifier {
            discretizer,
            tree,
            name: input.name,
        })
    }
}

impl Classifier for CartClassifier {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn classes(&self) -> &[String] {
        &self.discretizer.schema().classes
    }

    fn predict_proba_into(&self, table: &Table, rows: &[usize], out: &mut [f64]) -> Result<()> {
        let k = self.classes().len();
        check_out_len(out, rows.len(), k)?;
        let (enc, _) = self.discretizer.encode_rows(table, rows)?;
        let mut x = vec![0.0; enc.n_features()];
        for (r, o) in out.chunks_exact_mut(k).enumerate() {
            for (j, v) in x.iter_mut().enumerate() {
                *v = f64::from(enc.code(r, j));
            }
            self.tree.leaf_proba_into(self.tree.leaf(&x), o);
        }
        Ok(())
    }
}
