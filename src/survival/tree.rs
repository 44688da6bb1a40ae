//! The fitted [`SurvivalTree`]: a flat arena of binary splits on codes with a
//! survival curve at each leaf; prediction, explanation and structural checks.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::curve::SurvivalCurve;
use crate::data::{Codes, Encoded, EncodedSchema};
use crate::error::{Error, Result};
use crate::learner::{Explanation, Reason};
use crate::tree::group_condition;

/// `feature` of a leaf.
pub const SURVIVAL_LEAF: u32 = u32::MAX;

/// One node of a [`SurvivalTree`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SurvivalNode {
    /// The feature split on, or [`SURVIVAL_LEAF`].
    pub feature: u32,
    /// An internal node's branch of code `c` is `slots[first_slot + c]` (one slot per
    /// code of the feature, missing included; every slot holds a child).
    pub first_slot: u32,
    /// A leaf's curve: `curves[curve]` (0 for an internal node).
    pub curve: u32,
    /// Depth (the root is 0).
    pub depth: u32,
    /// Weighted number of training customers at the node.
    pub weight: f64,
    /// Weighted number of them who churned.
    pub events: f64,
    /// The statistic `χ²` of the node's split (0 at a leaf): the log-rank `χ²`, or
    /// `2 ·` the hazard-entropy gain ([`SurvivalCriterion`](super::SurvivalCriterion)).
    pub statistic: f64,
    /// The restricted mean lifetime of the node's training customers up to the tree's
    /// [`tau`](SurvivalTree::tau): `∫_0^τ Ŝ_node(u) du` from the node's own
    /// Kaplan–Meier (or Nelson–Aalen) curve — or from its hazards shrunk toward its
    /// ancestors' in a [shrunk](SurvivalTree::shrunk) tree.
    pub rmst: f64,
}

impl SurvivalNode {
    /// True for a leaf.
    pub fn is_leaf(&self) -> bool {
        self.feature == SURVIVAL_LEAF
    }
}

/// A survival tree: binary splits on the discretized codes chosen by the log-rank
/// statistic, a [`SurvivalCurve`] at each leaf (its training customers' exact
/// durations; with [`SurvivalTreeParams::shrinkage`](super::SurvivalTreeParams::shrinkage)
/// `m > 0` each node's hazard is shrunk toward its parent's, see
/// [`shrunk`](Self::shrunk)). Fitted by
/// [`SurvivalTreeParams::fit`](super::SurvivalTreeParams::fit).
///
/// Nodes are in depth-first pre-order (a node before its subtree, the left subtree
/// before the right), so a parent always precedes its children.
///
/// A customer's **risk** is the lifetime the tree expects them to lose within `τ`
/// (the largest training duration) compared with never churning:
/// `τ − RMST_leaf(τ)` — higher means churning sooner. It ranks customers for the
/// concordance index; each split on a customer's path changes it by
/// `RMST_parent − RMST_child`, the weight of that [`Reason`] (in the duration's unit:
/// "this condition costs 7 months of expected tenure"), so the reasons of a path sum
/// to the customer's risk minus the root's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalTree {
    pub(crate) schema: Arc<EncodedSchema>,
    pub(crate) nodes: Vec<SurvivalNode>,
    pub(crate) slots: Vec<u32>,
    pub(crate) curves: Vec<SurvivalCurve>,
    pub(crate) tau: f64,
    pub(crate) time_cuts: Vec<f64>,
}

/// A leaf of a [`SurvivalTree`] with its path and curve ([`SurvivalTree::leaf_summaries`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalLeaf {
    /// The leaf's node.
    pub node: usize,
    /// The conditions of its path from the root, in order.
    pub conditions: Vec<String>,
    /// Its training customers (weight).
    pub customers: f64,
    /// Of whom churned.
    pub churned: f64,
    /// The curve's median lifetime (None: beyond the data).
    pub median: Option<f64>,
    /// The times the curve steps at.
    pub times: Vec<f64>,
    /// `Ŝ(t)` at each of them.
    pub survival: Vec<f64>,
}

/// One step of a customer's path through a [`SurvivalTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurvivalStep {
    /// The node split at.
    pub node: usize,
    /// The feature split on.
    pub feature: usize,
    /// The customer's code of that feature.
    pub code: u16,
    /// The child the customer goes to.
    pub child: usize,
}

impl SurvivalTree {
    /// The meaning of the codes the tree reads.
    pub fn schema(&self) -> &Arc<EncodedSchema> {
        &self.schema
    }

    /// The nodes, depth-first.
    pub fn nodes(&self) -> &[SurvivalNode] {
        &self.nodes
    }

    /// The leaf curves (a leaf's is `curves()[node.curve]`).
    pub fn curves(&self) -> &[SurvivalCurve] {
        &self.curves
    }

    /// The horizon of the restricted means: the largest training duration.
    pub fn tau(&self) -> f64 {
        self.tau
    }

    /// The time bins' cut points the split criterion used.
    pub fn time_cuts(&self) -> &[f64] {
        &self.time_cuts
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.curves.len()
    }

    /// The depth of the deepest leaf.
    pub fn depth(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| n.depth as usize)
            .max()
            .unwrap_or(0)
    }

    /// The child of internal node `node` for `code`.
    #[inline]
    pub fn child(&self, node: usize, code: u16) -> usize {
        self.slots[self.nodes[node].first_slot as usize + code as usize] as usize
    }

    /// The node's risk: `τ − RMST(τ)`, the expected lifetime lost within `τ`.
    pub fn risk(&self, node: usize) -> f64 {
        self.tau - self.nodes[node].rmst
    }

    /// The curve of leaf `node`.
    ///
    /// # Panics
    /// If `node` is not a leaf.
    pub fn leaf_curve(&self, node: usize) -> &SurvivalCurve {
        let n = &self.nodes[node];
        assert!(n.is_leaf(), "node {node} is not a leaf");
        &self.curves[n.curve as usize]
    }

    /// Checks that `enc` has the tree's features (same names, same numbers of codes).
    pub(crate) fn check_codes(&self, enc: &Encoded) -> Result<()> {
        let want = &self.schema.features;
        let got = &enc.schema().features;
        if want.len() != got.len()
            || want
                .iter()
                .zip(got)
                .any(|(a, b)| a.name != b.name || a.cardinality() != b.cardinality())
        {
            return Err(Error::schema(
                "the encoded rows do not have the survival tree's features",
            ));
        }
        Ok(())
    }

    /// The leaf `row` of `enc` reaches.
    fn leaf_of(&self, cols: &[Codes], row: usize) -> usize {
        let mut n = 0;
        loop {
            let node = &self.nodes[n];
            if node.is_leaf() {
                return n;
            }
            n = self.child(n, cols[node.feature as usize].get(row));
        }
    }

    /// Marks in `on_path` the features tested on the path of `row` of `enc` (the
    /// codes already checked) and returns the leaf it ends in.
    pub(crate) fn mark_path(&self, enc: &Encoded, row: usize, on_path: &mut [bool]) -> usize {
        let cols = enc.columns();
        let mut n = 0;
        while !self.nodes[n].is_leaf() {
            let f = self.nodes[n].feature as usize;
            on_path[f] = true;
            n = self.child(n, cols[f].get(row));
        }
        n
    }

    /// The leaf each row of `enc` reaches.
    ///
    /// # Errors
    /// [`Error::Schema`] when `enc` does not have the tree's features.
    pub fn leaves(&self, enc: &Encoded) -> Result<Vec<usize>> {
        self.check_codes(enc)?;
        Ok((0..enc.n_rows())
            .map(|r| self.leaf_of(enc.columns(), r))
            .collect())
    }

    /// The path of `row` of `enc` from the root to its leaf.
    ///
    /// # Errors
    /// [`Error::Schema`] when `enc` does not have the tree's features;
    /// [`Error::Param`] when `row` is out of range.
    pub fn path(&self, enc: &Encoded, row: usize) -> Result<Vec<SurvivalStep>> {
        self.check_codes(enc)?;
        if row >= enc.n_rows() {
            return Err(Error::param("row", row, "out of range"));
        }
        let mut steps = Vec::new();
        let mut n = 0;
        while !self.nodes[n].is_leaf() {
            let feature = self.nodes[n].feature as usize;
            let code = enc.code(row, feature);
            let child = self.child(n, code);
            steps.push(SurvivalStep {
                node: n,
                feature,
                code,
                child,
            });
            n = child;
        }
        Ok(steps)
    }

    /// The codes of internal node `node`'s feature that lead to `child`.
    fn branch_codes(&self, node: usize, child: usize) -> Vec<u16> {
        let nd = &self.nodes[node];
        let card = self.schema.features[nd.feature as usize].cardinality();
        (0..card as u16)
            .filter(|&c| self.child(node, c) == child)
            .collect()
    }

    /// The condition of the branch from `node` to `child`, in the user's words
    /// (e.g. `tenure < 6`, `Contract in {One year, Two year}`).
    pub fn branch_condition(&self, node: usize, child: usize) -> String {
        let f = &self.schema.features[self.nodes[node].feature as usize];
        group_condition(f, &self.branch_codes(node, child))
    }

    /// Why the tree predicts what it does for `row` of `enc`: the conditions of its
    /// path, each weighted by the expected lifetime (within `τ`) it costs,
    /// `RMST_parent − RMST_child` (positive = churn-ward), in path order; the summary
    /// is the path with the leaf's customers, churners and median lifetime.
    ///
    /// # Errors
    /// As [`path`](Self::path).
    pub fn explain(&self, enc: &Encoded, row: usize) -> Result<Explanation> {
        let steps = self.path(enc, row)?;
        let reasons: Vec<Reason> = steps
            .iter()
            .map(|s| Reason {
                feature: self.schema.features[s.feature].name.clone(),
                condition: self.branch_condition(s.node, s.child),
                weight: self.nodes[s.node].rmst - self.nodes[s.child].rmst,
            })
            .collect();
        let leaf = steps.last().map_or(0, |s| s.child);
        let mut parts: Vec<String> = reasons.iter().map(|r| r.condition.clone()).collect();
        if parts.is_empty() {
            parts.push("(root)".into());
        }
        Ok(Explanation {
            summary: format!("{} ⇒ {}", parts.join(" → "), self.leaf_text(leaf)),
            reasons,
        })
    }

    /// A leaf in words: customers, churned, median lifetime.
    fn leaf_text(&self, leaf: usize) -> String {
        let n = &self.nodes[leaf];
        let median = match self.leaf_curve(leaf).median_remaining(0.0) {
            Some(m) => format!("median lifetime {}", fmt_num(m)),
            None => "median lifetime beyond the data".to_string(),
        };
        format!(
            "{} customers, {} churned, {median}",
            fmt_num(n.weight),
            fmt_num(n.events)
        )
    }

    /// The tree as indented text, one line per node: the branch condition, the
    /// customers and churners, the restricted mean lifetime and (leaves) the median
    /// and the survival at a few times.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.text_node(0, None, 0, &mut out);
        out
    }

    fn text_node(&self, n: usize, cond: Option<String>, indent: usize, out: &mut String) {
        use std::fmt::Write;
        let node = &self.nodes[n];
        let pad = "  ".repeat(indent);
        let head = cond.unwrap_or_else(|| "root".to_string());
        let _ = write!(
            out,
            "{pad}{head}: {} customers, {} churned, mean lifetime within {} = {}",
            fmt_num(node.weight),
            fmt_num(node.events),
            fmt_num(self.tau),
            fmt_num(node.rmst)
        );
        if node.is_leaf() {
            let c = self.leaf_curve(n);
            let median = c
                .median_remaining(0.0)
                .map_or("beyond the data".to_string(), fmt_num);
            let _ = write!(out, ", median {median}; S(t):");
            for q in [0.25, 0.5, 0.75, 1.0] {
                let t = q * self.tau;
                let _ = write!(out, " {}={:.3}", fmt_num(t), c.survival_at(t));
            }
            out.push('\n');
            return;
        }
        let _ = writeln!(out, " (split χ² {:.1})", node.statistic);
        let mut kids: Vec<usize> = Vec::new();
        for c in 0..self.schema.features[node.feature as usize].cardinality() as u16 {
            let k = self.child(n, c);
            if !kids.contains(&k) {
                kids.push(k);
            }
        }
        for k in kids {
            self.text_node(k, Some(self.branch_condition(n, k)), indent + 1, out);
        }
    }

    /// Every leaf with its path and its whole Kaplan–Meier (or Nelson–Aalen) curve,
    /// in node order (depth-first).
    pub fn leaf_summaries(&self) -> Vec<SurvivalLeaf> {
        let mut parent = vec![usize::MAX; self.nodes.len()];
        for (n, node) in self.nodes.iter().enumerate() {
            if node.is_leaf() {
                continue;
            }
            let card = self.schema.features[node.feature as usize].cardinality() as u16;
            for c in 0..card {
                let k = self.child(n, c);
                if k < parent.len() && parent[k] == usize::MAX && k != 0 {
                    parent[k] = n;
                }
            }
        }
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| node.is_leaf())
            .map(|(n, node)| {
                let mut conditions = Vec::new();
                let mut at = n;
                while at != 0 && parent[at] != usize::MAX {
                    conditions.push(self.branch_condition(parent[at], at));
                    at = parent[at];
                }
                conditions.reverse();
                let c = &self.curves[node.curve as usize];
                SurvivalLeaf {
                    node: n,
                    conditions,
                    customers: node.weight,
                    churned: node.events,
                    median: c.median_remaining(0.0),
                    times: c.times().to_vec(),
                    survival: c.survival().to_vec(),
                }
            })
            .collect()
    }

    /// Each leaf's survival curve as text: its path, customers and churners, median,
    /// and `t: Ŝ(t)` at every time the curve steps, six to a line.
    pub fn leaf_curves_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for (i, leaf) in self.leaf_summaries().iter().enumerate() {
            let path = if leaf.conditions.is_empty() {
                "all customers".to_string()
            } else {
                leaf.conditions.join("; ")
            };
            let median = leaf.median.map_or("beyond the data".to_string(), fmt_num);
            let _ = writeln!(
                out,
                "leaf {}: {path} ({} customers, {} churned, median {median})",
                i + 1,
                fmt_num(leaf.customers),
                fmt_num(leaf.churned)
            );
            if leaf.times.is_empty() {
                let _ = writeln!(out, "    S(t) = 1 at every time (nobody churned)");
            }
            for chunk in leaf
                .times
                .iter()
                .zip(&leaf.survival)
                .collect::<Vec<_>>()
                .chunks(6)
            {
                let cells: Vec<String> = chunk
                    .iter()
                    .map(|(t, s)| format!("{:>7}: {s:.4}", fmt_num(**t)))
                    .collect();
                let _ = writeln!(out, "  {}", cells.join(" "));
            }
        }
        out
    }

    /// Checks a tree read from untrusted bytes, so that walking it can neither
    /// panic nor loop: a non-empty node list; every internal node splits on a known
    /// feature with its slots in range, each slot naming a later node of depth one
    /// more; every node but the root reached exactly once; every leaf naming its own
    /// curve, each curve used once and itself valid; finite non-negative weights,
    /// statistics and restricted means within `[0, τ]`; `τ` finite and `>= 0`.
    ///
    /// # Errors
    /// [`Error::Model`] saying what is wrong.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| {
            Err(Error::Model {
                location: Default::default(),
                message: format!("survival tree: {m}"),
            })
        };
        let n = self.nodes.len();
        if n == 0 {
            return bad("no nodes".into());
        }
        if !(self.tau.is_finite() && self.tau >= 0.0) {
            return bad("τ is not a finite number >= 0".into());
        }
        if self.time_cuts.iter().any(|t| !t.is_finite()) {
            return bad("a time cut is not finite".into());
        }
        let nf = self.schema.features.len();
        let mut parents = vec![0u32; n];
        let mut curve_used = vec![false; self.curves.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            let ok = |x: f64| x.is_finite() && x >= 0.0;
            if !ok(node.weight) || !ok(node.events) || !ok(node.statistic) {
                return bad(format!("node {i} has a negative or non-finite count"));
            }
            if !(ok(node.rmst) && node.rmst <= self.tau * (1.0 + 1e-9) + 1e-9) {
                return bad(format!("node {i}'s restricted mean is outside [0, τ]"));
            }
            if i == 0 && node.depth != 0 {
                return bad("the root's depth is not 0".into());
            }
            // Renderers and path walks follow the depth; a crafted chain deeper than
            // any tree the grower makes is refused, as for the classification tree.
            if node.depth as usize > crate::tree::MAX_DEPTH {
                return bad(format!(
                    "node {i} is deeper than {}",
                    crate::tree::MAX_DEPTH
                ));
            }
            if node.is_leaf() {
                let c = node.curve as usize;
                if c >= self.curves.len() || curve_used[c] {
                    return bad(format!("leaf {i} names a missing or shared curve"));
                }
                curve_used[c] = true;
                continue;
            }
            let f = node.feature as usize;
            if f >= nf {
                return bad(format!("node {i} splits on unknown feature {f}"));
            }
            let card = self.schema.features[f].cardinality();
            let first = node.first_slot as usize;
            let Some(slots) = first
                .checked_add(card)
                .and_then(|end| self.slots.get(first..end))
            else {
                return bad(format!("node {i}'s slots are out of range"));
            };
            for &c in slots {
                let c = c as usize;
                if c <= i || c >= n {
                    return bad(format!("node {i} has a child {c} out of order"));
                }
                if self.nodes[c].depth != node.depth + 1 {
                    return bad(format!("node {c} is not one level below its parent {i}"));
                }
                if parents[c] != 0 && parents[c] != i as u32 + 1 {
                    return bad(format!("node {c} has two parents"));
                }
                parents[c] = i as u32 + 1;
            }
        }
        if let Some(i) = (1..n).find(|&i| parents[i] == 0) {
            return bad(format!("node {i} is not reachable"));
        }
        if curve_used.iter().any(|u| !u) {
            return bad("a curve belongs to no leaf".into());
        }
        for c in &self.curves {
            c.validate()?;
        }
        Ok(())
    }
}

/// A count or time compactly: integers without decimals, others with two.
pub(crate) fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x}")
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survival::SurvivalTreeParams;
    use crate::survival::grow::tests::synthetic;

    fn fitted() -> (SurvivalTree, Encoded) {
        let (enc, data) = synthetic(1500, 11);
        let t = SurvivalTreeParams::new()
            .min_rows_leaf(40.0)
            .fit(&enc, &data)
            .unwrap();
        (t, enc)
    }

    #[test]
    fn every_leaf_shows_its_path_and_whole_curve() {
        let (t, enc) = fitted();
        let leaves = t.leaf_summaries();
        assert_eq!(leaves.len(), t.n_leaves());
        let node_of = t.leaves(&enc).unwrap();
        for row in [0, 7, 99, 1234] {
            let leaf = leaves.iter().find(|l| l.node == node_of[row]).unwrap();
            let path: Vec<String> = t
                .path(&enc, row)
                .unwrap()
                .iter()
                .map(|s| t.branch_condition(s.node, s.child))
                .collect();
            assert_eq!(leaf.conditions, path);
            let c = t.leaf_curve(leaf.node);
            assert_eq!(
                (leaf.times.as_slice(), leaf.survival.as_slice()),
                (c.times(), c.survival())
            );
            assert_eq!(leaf.median, c.median_remaining(0.0));
            assert_eq!(leaf.customers, t.nodes()[leaf.node].weight);
        }
        let text = t.leaf_curves_text();
        assert!(text.starts_with("leaf 1: "), "{text}");
        assert!(text.contains(&format!("leaf {}: ", t.n_leaves())));
        // Every step of every curve is on a line: six to a line.
        let steps: usize = leaves.iter().map(|l| l.times.len()).sum();
        let lines = leaves
            .iter()
            .map(|l| l.times.len().div_ceil(6).max(1) + 1)
            .sum::<usize>();
        assert_eq!(text.lines().count(), lines);
        assert_eq!(
            text.matches(": 0.").count() + text.matches(": 1.").count(),
            steps
        );
    }

    /// A chain: internal node `2d` at depth `d` sends code 0 to a leaf and every other
    /// code down the chain; the last node is a leaf at depth `chain`.
    fn chain(t: &SurvivalTree, chain: usize) -> SurvivalTree {
        let card = t.schema.features[0].cardinality();
        let (mut nodes, mut slots, mut curves) = (Vec::new(), Vec::new(), Vec::new());
        let leaf = |depth: usize, curves: &mut Vec<SurvivalCurve>| {
            curves.push(t.curves[0].clone());
            SurvivalNode {
                feature: SURVIVAL_LEAF,
                first_slot: 0,
                curve: curves.len() as u32 - 1,
                depth: depth as u32,
                weight: 1.0,
                events: 1.0,
                statistic: 0.0,
                rmst: t.tau / 2.0,
            }
        };
        for d in 0..chain {
            let i = nodes.len() as u32;
            nodes.push(SurvivalNode {
                feature: 0,
                first_slot: slots.len() as u32,
                curve: 0,
                depth: d as u32,
                weight: 1.0,
                events: 1.0,
                statistic: 1.0,
                rmst: t.tau / 2.0,
            });
            slots.push(i + 1);
            slots.extend(std::iter::repeat_n(i + 2, card - 1));
            nodes.push(leaf(d + 1, &mut curves));
        }
        nodes.push(leaf(chain, &mut curves));
        SurvivalTree {
            schema: t.schema.clone(),
            nodes,
            slots,
            curves,
            tau: t.tau,
            time_cuts: t.time_cuts.clone(),
        }
    }

    #[test]
    fn a_crafted_chain_deeper_than_max_depth_is_refused() {
        let (t, _) = fitted();
        let ok = chain(&t, 50);
        ok.validate().unwrap();
        assert_eq!(ok.depth(), 50);
        assert!(ok.to_text().lines().count() > 100);
        let deep = chain(&t, crate::tree::MAX_DEPTH + 5);
        let err = deep.validate().unwrap_err().to_string();
        assert!(err.contains("deeper than 1000"), "{err}");
    }

    #[test]
    fn reasons_sum_to_the_customers_risk_over_the_roots() {
        let (t, enc) = fitted();
        assert!(t.depth() >= 2);
        for row in [0, 7, 99, 1234] {
            let e = t.explain(&enc, row).unwrap();
            let leaf = t.leaves(&enc).unwrap()[row];
            let total: f64 = e.reasons.iter().map(|r| r.weight).sum();
            assert!((total - (t.risk(leaf) - t.risk(0))).abs() < 1e-9);
            assert_eq!(e.reasons.len(), t.path(&enc, row).unwrap().len());
            assert!(
                e.summary.contains("customers") && e.summary.contains("⇒"),
                "{}",
                e.summary
            );
            for r in &e.reasons {
                assert!(r.condition.starts_with(&r.feature), "{r:?}");
            }
        }
        // The customer in the high-hazard level of `a` loses lifetime at the root.
        let row = (0..enc.n_rows()).find(|&r| enc.code(r, 0) == 0).unwrap();
        let e = t.explain(&enc, row).unwrap();
        assert_eq!(e.reasons[0].feature, "a");
        assert!(e.reasons[0].weight > 0.0);
    }

    #[test]
    fn text_lists_every_node() {
        let (t, _) = fitted();
        let text = t.to_text();
        assert_eq!(text.lines().count(), t.n_nodes());
        assert!(text.starts_with("root: 1500 customers"), "{text}");
        assert!(
            text.contains("split χ²") && text.contains("S(t):"),
            "{text}"
        );
    }

    #[test]
    fn serde_round_trips_and_validate_refuses_crafted_trees() {
        let (t, enc) = fitted();
        let json = serde_json::to_string(&t).unwrap();
        let back: SurvivalTree = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
        back.validate().unwrap();
        let bytes = bincode::serialize(&t).unwrap();
        let back: SurvivalTree = bincode::deserialize(&bytes).unwrap();
        assert_eq!(back, t);

        let internal = (0..t.n_nodes()).find(|&i| !t.nodes[i].is_leaf()).unwrap();
        let mut bad = t.clone();
        let s = bad.nodes[internal].first_slot as usize;
        bad.slots[s] = 0;
        assert!(bad.validate().is_err(), "a cycle back to the root");
        let mut bad = t.clone();
        bad.nodes[internal].first_slot = u32::MAX - 1;
        assert!(bad.validate().is_err(), "slots out of range");
        let mut bad = t.clone();
        bad.nodes[internal].feature = 99;
        assert!(bad.validate().is_err(), "unknown feature");
        let mut bad = t.clone();
        let leaf = (0..t.n_nodes()).find(|&i| t.nodes[i].is_leaf()).unwrap();
        bad.nodes[leaf].curve = 999;
        assert!(bad.validate().is_err(), "missing curve");
        let mut bad = t.clone();
        bad.curves.pop();
        assert!(bad.validate().is_err(), "a leaf without its curve");
        let mut bad = t.clone();
        bad.nodes[0].rmst = f64::NAN;
        assert!(bad.validate().is_err());
        let mut bad = t.clone();
        bad.tau = -1.0;
        assert!(bad.validate().is_err());
        let mut bad = t.clone();
        bad.nodes.clear();
        assert!(bad.validate().is_err());
        let mut bad = t;
        bad.nodes[1].depth = 5;
        assert!(bad.validate().is_err());
        // Codes of another table are refused.
        let other = enc.select(&[0]);
        let mut schema = (**other.schema()).clone();
        schema.features.pop();
        let wrong = Encoded::new(
            Arc::new(schema),
            other.columns()[..2].to_vec(),
            other.labels().to_vec(),
            None,
        )
        .unwrap();
        let (t, _) = fitted();
        assert!(t.leaves(&wrong).is_err());
        assert!(t.path(&enc, enc.n_rows()).is_err());
    }
}
