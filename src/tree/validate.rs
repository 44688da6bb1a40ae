//! Structural checks of fitted trees read from untrusted bytes (a model file).
//!
//! The tree types deserialize field by field, so a crafted file can hold any numbers:
//! a child index past the arena, a feature the schema lacks, a slot block running off
//! the end, a cycle, class counts of the wrong length, a discretizer whose codes do not
//! match the tree's schema. Prediction and explanation index with those numbers
//! unchecked (they are the hot path), so a model loader calls `validate` once, and
//! after it succeeds no input row can make the tree panic or loop:
//!
//! - every child index lies inside the arena and is **greater** than its parent's
//!   index (the grower and the pruner's compaction write nodes depth-first, CART's copy
//!   pre-order), so every walk from the root ends;
//! - every node has at most one parent node (several slots of one parent may share a
//!   child — a binary numeric split — but two parents may not), so the tree is a tree
//!   and C4.5's fractional walk visits each node at most once per row;
//! - every internal node's feature exists and its block of `cardinality` slots lies
//!   inside the slot array;
//! - class counts and node weights are finite and non-negative, one count per class
//!   per node;
//! - no node is deeper than [`MAX_DEPTH`](super::MAX_DEPTH) (CART trees too);
//! - the classifier's discretizer is consistent
//!   ([`Discretizer::validate`](crate::data::Discretizer::validate)) and
//!   produces exactly the codes the tree was trained on (equal encoded schemas).

use super::cart::{CartClassifier, CartNode, CartTree};
use super::learner::TreeClassifier;
use super::node::{LEAF, MAX_DEPTH, NO_CHILD};
use super::tree::DecisionTree;
use crate::error::{Error, Result};

fn bad(message: impl Into<String>) -> Error {
    Error::Model {
        location: Default::default(),
        message: message.into(),
    }
}

/// Class counts: `n_nodes × k` finite, non-negative values.
fn check_counts(counts: &[f64], n_nodes: usize, k: usize) -> Result<()> {
    if k == 0 || n_nodes.checked_mul(k) != Some(counts.len()) {
        return Err(bad(format!(
            "the tree has {} class counts for {n_nodes} nodes × {k} classes",
            counts.len()
        )));
    }
    if counts.iter().any(|c| !c.is_finite() || *c < 0.0) {
        return Err(bad("the tree has a negative or non-finite class count"));
    }
    Ok(())
}

/// Records `child` as a child of `parent`: inside the arena, after its parent, with no
/// other parent, and at most [`MAX_DEPTH`] deep. `depth[parent]` is final when called:
/// nodes are linked in index order and a parent precedes its children.
fn link(parent_of: &mut [usize], depth: &mut [u32], parent: usize, child: usize) -> Result<()> {
    if child >= parent_of.len() || child <= parent {
        return Err(bad(format!(
            "node {parent} has child {child}: outside the arena or not after its parent"
        )));
    }
    match parent_of[child] {
        usize::MAX => parent_of[child] = parent,
        p if p == parent => {}
        p => {
            return Err(bad(format!(
                "node {child} has two parents ({p} and {parent})"
            )));
        }
    }
    depth[child] = depth[parent] + 1;
    if depth[child] as usize > MAX_DEPTH {
        return Err(bad(format!(
            "the tree is deeper than {MAX_DEPTH} levels (node {child}); \
             no grower makes such a tree"
        )));
    }
    Ok(())
}

impl DecisionTree {
    /// Checks the arena's structure: after this succeeds, prediction, paths and
    /// explanations cannot index out of range or loop. A model loader calls it once on
    /// a tree read from untrusted bytes (serde fills the fields with any numbers). It
    /// checks that:
    ///
    /// - every child index lies inside the arena and is **greater** than its parent's
    ///   index (the grower and the pruner's compaction write nodes depth-first), so
    ///   every walk from the root ends;
    /// - every node has at most one parent node (several slots of one parent may share
    ///   a child — a binary numeric split — but two parents may not), so C4.5's
    ///   fractional walk visits each node at most once per row;
    /// - every internal node's feature exists and its block of `cardinality` slots
    ///   lies inside the slot array;
    /// - class counts and node weights are finite and non-negative, one count per
    ///   class per node;
    /// - no node is deeper than [`MAX_DEPTH`], so the depth-first walks and renderings
    ///   stay small.
    pub fn validate(&self) -> Result<()> {
        let n = self.nodes.len();
        if n == 0 {
            return Err(bad("the tree has no nodes"));
        }
        if n > u32::MAX as usize - 1 {
            return Err(bad("the tree has too many nodes"));
        }
        check_counts(&self.counts, n, self.n_classes())?;
        if let super::tree::Smoothing::MEstimate(m) = self.smoothing
            && !(m.is_finite() && m > 0.0)
        {
            return Err(bad(format!("m-estimate smoothing with m = {m}")));
        }
        let features = &self.schema.features;
        let mut parent_of = vec![usize::MAX; n];
        let mut depth = vec![0u32; n];
        for (i, node) in self.nodes.iter().enumerate() {
            if !node.weight.is_finite() || node.weight < 0.0 || !node.gain.is_finite() {
                return Err(bad(format!("node {i} has a non-finite or negative weight")));
            }
            if node.feature == LEAF {
                continue;
            }
            let f = features.get(node.feature as usize).ok_or_else(|| {
                bad(format!(
                    "node {i} tests feature {} but the tree has {} features",
                    node.feature,
                    features.len()
                ))
            })?;
            let first = node.first_slot as usize;
            let block = self
                .slots
                .block(first, f.cardinality())
                .ok_or_else(|| bad(format!("node {i}'s child slots run past the slot array")))?;
            for c in block {
                if c != NO_CHILD {
                    link(&mut parent_of, &mut depth, i, c as usize)?;
                }
            }
        }
        Ok(())
    }
}

impl CartTree {
    /// Checks the arena's structure for rows of `n_features` features: children inside
    /// the arena, after their parent, one parent each, at most [`MAX_DEPTH`] deep;
    /// split features that exist;
    /// thresholds that are not NaN; counts as for [`DecisionTree::validate`].
    pub fn validate(&self, n_features: usize) -> Result<()> {
        let nodes = self.nodes();
        if nodes.is_empty() {
            return Err(bad("the CART tree has no nodes"));
        }
        check_counts(self.counts(), nodes.len(), self.n_classes())?;
        let mut parent_of = vec![usize::MAX; nodes.len()];
        let mut depth = vec![0u32; nodes.len()];
        for (i, node) in nodes.iter().enumerate() {
            if let CartNode::Split {
                feature,
                threshold,
                left,
                right,
            } = *node
            {
                if feature >= n_features || threshold.is_nan() {
                    return Err(bad(format!(
                        "CART node {i} splits on feature {feature} at {threshold}; \
                         the model has {n_features} features"
                    )));
                }
                if left == right {
                    return Err(bad(format!("CART node {i} has the same child twice")));
                }
                link(&mut parent_of, &mut depth, i, left)?;
                link(&mut parent_of, &mut depth, i, right)?;
            }
        }
        Ok(())
    }
}

impl TreeClassifier {
    /// Checks a classifier read from untrusted bytes: a consistent discretizer that
    /// produces the tree's codes (equal encoded schemas), a structurally sound tree
    /// ([`DecisionTree::validate`]) and naive-Bayes leaves that fit its schema
    /// ([`NaiveBayesLeaves::validate`](crate::tree::NaiveBayesLeaves::validate)).
    pub fn validate(&self) -> Result<()> {
        self.discretizer.validate()?;
        // A loaded classifier shares one schema (no comparison of every label).
        let (a, b) = (self.discretizer.schema(), self.tree.schema());
        if !std::sync::Arc::ptr_eq(a, b) && **a != **b {
            return Err(bad(
                "the tree's features or classes differ from its discretizer's",
            ));
        }
        self.tree.validate()?;
        if let Some(nb) = &self.leaves {
            nb.validate(self.tree.schema())?;
        }
        Ok(())
    }
}

impl CartClassifier {
    /// Checks a classifier read from untrusted bytes: a consistent discretizer, as many
    /// classes in the tree as in the discretizer, and a structurally sound tree.
    pub fn validate(&self) -> Result<()> {
        self.discretizer.validate()?;
        let schema = self.discretizer.schema();
        if self.tree.n_classes() != schema.n_classes() {
            return Err(bad(format!(
                "the CART tree has {} classes; its discretizer has {}",
                self.tree.n_classes(),
                schema.n_classes()
            )));
        }
        self.tree.validate(schema.features.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Table;
    use crate::synth::{SynthParams, generate};
    use crate::tree::{Cart, TreeLearner};

    fn table() -> Table {
        generate(&SynthParams {
            rows: 600,
            seed: 7,
            ..SynthParams::default()
        })
        .unwrap()
    }

    fn tree() -> TreeClassifier {
        let t = table();
        TreeLearner::id3_weighted()
            .fit_tree(&t, &t.all_rows())
            .unwrap()
    }

    fn cart() -> CartClassifier {
        let t = table();
        Cart::default().fit_cart(&t, &t.all_rows()).unwrap()
    }

    fn first_internal(t: &DecisionTree) -> usize {
        t.nodes.iter().position(|n| !n.is_leaf()).unwrap()
    }

    fn first_child_slot(t: &DecisionTree) -> usize {
        let i = first_internal(t);
        let first = t.nodes[i].first_slot as usize;
        first
            + t.slots
                .block(first, t.slots.len() - first)
                .unwrap()
                .position(|c| c != NO_CHILD)
                .unwrap()
    }

    #[test]
    fn fitted_trees_are_valid() {
        let t = tree();
        assert!(t.tree.n_nodes() > 3, "{}", t.tree.n_nodes());
        t.validate().unwrap();
        let c = cart();
        assert!(c.tree.n_nodes() > 3);
        c.validate().unwrap();
    }

    #[test]
    fn every_hostile_decision_tree_is_an_error() {
        let good = tree();
        type Spoil = Box<dyn Fn(&mut TreeClassifier)>;
        let cases: Vec<(&str, Spoil)> = vec![
            ("no nodes", Box::new(|c| c.tree.nodes.clear())),
            (
                "child past the arena",
                Box::new(|c| {
                    let s = first_child_slot(&c.tree);
                    let mut v = c.tree.slots.to_vec();
                    v[s] = c.tree.nodes.len() as u32;
                    c.tree.slots = v.into();
                }),
            ),
            (
                "cycle to the root",
                Box::new(|c| {
                    let s = first_child_slot(&c.tree);
                    let mut v = c.tree.slots.to_vec();
                    v[s] = 0;
                    c.tree.slots = v.into();
                }),
            ),
            (
                "two parents",
                Box::new(|c| {
                    // The last node has one parent; give it a second one.
                    let t = &mut c.tree;
                    let last = t.nodes.len() - 1;
                    let parent = (0..last)
                        .find(|&i| (0..256).any(|code| t.child(i, code) == Some(last)))
                        .unwrap();
                    let other = (0..last)
                        .find(|&i| i != parent && !t.nodes[i].is_leaf())
                        .unwrap();
                    let first = t.nodes[other].first_slot as usize;
                    let mut v = t.slots.to_vec();
                    v[first] = last as u32;
                    t.slots = v.into();
                }),
            ),
            (
                "feature out of range",
                Box::new(|c| {
                    let i = first_internal(&c.tree);
                    c.tree.nodes[i].feature = 1000;
                }),
            ),
            (
                "slot block past the end",
                Box::new(|c| {
                    let i = first_internal(&c.tree);
                    c.tree.nodes[i].first_slot = u32::MAX - 1;
                }),
            ),
            (
                "short counts",
                Box::new(|c| {
                    c.tree.counts.pop();
                }),
            ),
            ("NaN count", Box::new(|c| c.tree.counts[0] = f64::NAN)),
            ("negative count", Box::new(|c| c.tree.counts[1] = -1.0)),
            (
                "infinite weight",
                Box::new(|c| c.tree.nodes[0].weight = f64::INFINITY),
            ),
            (
                "tree schema differs from the discretizer's",
                Box::new(|c| {
                    let mut s = (**c.tree.schema()).clone();
                    let mut levels = s.features[0].levels.to_vec();
                    levels.push("extra".into());
                    s.features[0].levels = levels.into();
                    c.tree.schema = std::sync::Arc::new(s);
                }),
            ),
            (
                "tree classes differ",
                Box::new(|c| {
                    let mut s = (**c.tree.schema()).clone();
                    s.classes.pop();
                    c.tree.schema = std::sync::Arc::new(s);
                }),
            ),
        ];
        for (what, spoil) in cases {
            let mut c = good.clone();
            spoil(&mut c);
            assert!(c.validate().is_err(), "{what}");
        }
    }

    #[test]
    fn discretizer_schema_must_match_its_encoders() {
        let good = tree();
        // A file of format 1–3 stores the discretizer's schema: one with a level removed
        // (a crafted file) would make encoded codes exceed the tree's slots. (From
        // format 4 the schema is derived when read, so it cannot disagree.)
        let mut v = serde_json::to_value(&good.discretizer).unwrap();
        let mut schema = serde_json::to_value(good.discretizer.schema()).unwrap();
        let levels = schema["features"][0]["levels"].as_array_mut().unwrap();
        levels.pop();
        v.as_object_mut().unwrap().remove("classes");
        v["schema"] = schema;
        let d: crate::data::Discretizer = {
            let _old = crate::data::compat::LegacyLayout::enter();
            serde_json::from_value(v).unwrap()
        };
        assert!(d.validate().is_err());
        // Cut points out of order.
        let mut v = serde_json::to_value(&good.discretizer).unwrap();
        let enc = v["encoders"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|e| e.get("Numeric").is_some())
            .unwrap();
        let cuts = enc["Numeric"]["cuts"].as_array_mut().unwrap();
        assert!(cuts.len() >= 2);
        cuts.reverse();
        let d: crate::data::Discretizer = serde_json::from_value(v).unwrap();
        assert!(d.validate().is_err());
    }

    #[test]
    fn every_hostile_cart_tree_is_an_error() {
        let good = cart();
        let json = serde_json::to_value(&good).unwrap();
        let split = json["tree"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .position(|n| n.get("Split").is_some())
            .unwrap();
        let n_nodes = good.tree.n_nodes() as u64;
        let spoil = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = json.clone();
            f(&mut v);
            let c: CartClassifier = serde_json::from_value(v).unwrap();
            c.validate()
        };
        type Spoil = Box<dyn Fn(&mut serde_json::Value)>;
        let at = move |v: &mut serde_json::Value, key: &str, x: serde_json::Value| {
            v["tree"]["nodes"][split]["Split"][key] = x;
        };
        let cases: Vec<(&str, Spoil)> = vec![
            (
                "left child past the arena",
                Box::new(move |v| at(v, "left", n_nodes.into())),
            ),
            ("cycle", Box::new(move |v| at(v, "right", 0.into()))),
            (
                "same child twice",
                Box::new(move |v| {
                    let l = v["tree"]["nodes"][split]["Split"]["left"].clone();
                    at(v, "right", l);
                }),
            ),
            (
                "feature out of range",
                Box::new(move |v| at(v, "feature", 999.into())),
            ),
            (
                "short counts",
                Box::new(|v| {
                    v["tree"]["counts"].as_array_mut().unwrap().pop();
                }),
            ),
            (
                "wrong class count",
                Box::new(|v| v["tree"]["n_classes"] = 7.into()),
            ),
            (
                "no nodes",
                Box::new(|v| {
                    v["tree"]["nodes"] = serde_json::json!([]);
                    v["tree"]["counts"] = serde_json::json!([]);
                }),
            ),
        ];
        for (what, f) in cases {
            assert!(spoil(&*f).is_err(), "{what}");
        }
    }

    /// A chain `depth` levels deep: internal node `d` (index `2d`) tests the one
    /// feature; code 0 goes to a leaf, code 1 to the next level, missing nowhere.
    fn chain(depth: usize) -> DecisionTree {
        use crate::data::{EncodedFeature, EncodedSchema};
        let schema = std::sync::Arc::new(EncodedSchema {
            features: vec![EncodedFeature {
                name: "x".into(),
                levels: vec!["a".into(), "b".into()].into(),
                numeric: false,
            }],
            classes: vec!["no".into(), "yes".into()],
        });
        let mut nodes = Vec::new();
        let mut slots = Vec::new();
        let leaf = |d: usize| super::super::Node {
            feature: LEAF,
            first_slot: 0,
            depth: d as u32,
            gain: 0.0,
            weight: 2.0,
        };
        for d in 0..depth {
            nodes.push(super::super::Node {
                feature: 0,
                first_slot: slots.len() as u32,
                depth: d as u32,
                gain: 0.1,
                weight: 2.0,
            });
            slots.extend([2 * d as u32 + 1, 2 * d as u32 + 2, NO_CHILD]);
            nodes.push(leaf(d + 1));
        }
        nodes.push(leaf(depth));
        let counts = vec![1.0; 2 * nodes.len()];
        DecisionTree {
            schema,
            nodes,
            slots: slots.into(),
            counts,
            missing: super::super::MissingPolicy::Fractional,
            smoothing: Default::default(),
            criterion: "id3".into(),
            walker: Default::default(),
            proba: Default::default(),
        }
    }

    /// Runs `f` on a thread with the default 2 MiB stack.
    fn on_small_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn a_tree_deeper_than_the_limit_is_refused_and_walks_never_overflow_the_stack() {
        on_small_stack(|| {
            let deep = chain(100_000);
            let t0 = std::time::Instant::now();
            let err = deep.validate().unwrap_err().to_string();
            assert!(err.contains("deeper than 1000"), "{err}");
            assert!(t0.elapsed().as_secs() < 2);
            // The fractional walk is iterative: even the unvalidated chain scores.
            let enc = crate::data::Encoded::new(
                deep.schema.clone(),
                vec![crate::data::Codes::U8(vec![2, 1, 0])],
                vec![0, 0, 0],
                None,
            )
            .unwrap();
            let p = deep.predict_proba(&enc).unwrap();
            assert!(p.iter().all(|x| x.is_finite()));
            assert!((p[0] + p[1] - 1.0).abs() < 1e-9);
            // A chain at the limit loads, renders and scores.
            let ok = chain(MAX_DEPTH);
            ok.validate().unwrap();
            assert_eq!(ok.depth(), MAX_DEPTH);
            assert_eq!(ok.rules().len(), MAX_DEPTH + 1);
            assert_eq!(ok.to_text().lines().count(), 2 * MAX_DEPTH);
            let enc = crate::data::Encoded::new(
                ok.schema.clone(),
                vec![crate::data::Codes::U8(vec![2, 1])],
                vec![0, 0],
                None,
            )
            .unwrap();
            ok.predict_proba(&enc).unwrap();
            ok.predict(&enc).unwrap();
        });
    }
}
