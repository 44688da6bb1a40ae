//! [`DecisionTree`]: a fitted tree as a flat node arena (no `Box` per node).
//!
//! Node 0 is the root. An internal node tests one feature and owns a block of
//! `cardinality` child slots (one per code, missing included) in [`DecisionTree`]'s
//! `slots` array; a slot holds the child's node index or [`NO_CHILD`]. A row whose code
//! leads to [`NO_CHILD`] — a value this node never saw in training, missing where
//! training had no missing values, or a branch too small to grow — stops at that node
//! and gets the node's class distribution.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::node::{LEAF, NO_CHILD, Node};
use super::walk::WalkerCache;
use crate::data::{Codes, Encoded, EncodedSchema};
use crate::error::{Error, Result};
use crate::math::argmax;

/// What to do with missing values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum MissingPolicy {
    /// Missing is a value of its own: a branch when the node's training rows had missing
    /// values. At prediction a value the node never saw in training (including missing
    /// where training had none) stops at that node and returns its class distribution.
    #[default]
    OwnBranch,
    /// C4.5's fractional instances (Quinlan 1993; as Weka's J48): the gain is computed
    /// on the rows whose value is known and multiplied by their fraction; a row with a
    /// missing value goes down every branch with weights proportional to the branches'
    /// sizes, in training and in prediction.
    Fractional,
}

/// One step of a row's path through the tree (see [`DecisionTree::path`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The node tested.
    pub node: usize,
    /// The feature tested.
    pub feature: usize,
    /// The row's code for it.
    pub code: u16,
    /// The child the row went to (None: the row stopped at `node`).
    pub child: Option<usize>,
}

/// A fitted decision tree over encoded features.
///
/// Its scoring layout (the `walk` module's flat array) is compiled on the first
/// prediction and kept with the tree; it is not serialized, not compared and not
/// cloned.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTree {
    pub(crate) schema: Arc<EncodedSchema>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) slots: Vec<u32>,
    /// Weighted training class counts, `n_classes` per node.
    pub(crate) counts: Vec<f64>,
    pub(crate) missing: MissingPolicy,
    pub(crate) laplace: bool,
    pub(crate) criterion: String,
    /// The compiled scoring layout (own-branch policy), built on first use.
    #[serde(skip)]
    pub(crate) walker: WalkerCache,
}

impl std::fmt::Debug for DecisionTree {
    /// As derived, without the scoring cache.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionTree")
            .field("schema", &self.schema)
            .field("nodes", &self.nodes)
            .field("slots", &self.slots)
            .field("counts", &self.counts)
            .field("missing", &self.missing)
            .field("laplace", &self.laplace)
            .field("criterion", &self.criterion)
            .finish()
    }
}

impl DecisionTree {
    /// The meaning of the codes the tree was trained on.
    pub fn schema(&self) -> &Arc<EncodedSchema> {
        &self.schema
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.schema.n_classes()
    }

    /// The nodes (root first, depth-first order).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.is_leaf()).count()
    }

    /// Depth of the deepest node.
    pub fn depth(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| n.depth as usize)
            .max()
            .unwrap_or(0)
    }

    /// The criterion's short name (`id3`, `id3-weighted`, `gain-ratio`).
    pub fn criterion(&self) -> &str {
        &self.criterion
    }

    /// The missing-value policy the tree was grown with.
    pub fn missing_policy(&self) -> MissingPolicy {
        self.missing
    }

    /// Whether probabilities use Laplace smoothing.
    pub fn laplace(&self) -> bool {
        self.laplace
    }

    /// Switches Laplace smoothing of leaf probabilities on or off:
    /// `p_k = (n_k + 1) / (N + K)` instead of `n_k / N`.
    pub fn set_laplace(&mut self, on: bool) {
        self.laplace = on;
    }

    /// Weighted training class counts of a node.
    pub fn node_counts(&self, node: usize) -> &[f64] {
        let k = self.n_classes();
        &self.counts[node * k..(node + 1) * k]
    }

    /// The child of `node` for `code` (None for a leaf or an empty slot).
    pub fn child(&self, node: usize, code: u16) -> Option<usize> {
        let n = &self.nodes[node];
        if n.is_leaf() {
            return None;
        }
        let card = self.schema.features[n.feature as usize].cardinality();
        if code as usize >= card {
            return None;
        }
        match self.slots[n.first_slot as usize + code as usize] {
            NO_CHILD => None,
            c => Some(c as usize),
        }
    }

    /// The distinct children of an internal node as `(first code, child)` pairs, in code
    /// order (a binary split of a numeric feature sends several codes to one child).
    pub fn children(&self, node: usize) -> Vec<(u16, usize)> {
        let n = &self.nodes[node];
        if n.is_leaf() {
            return Vec::new();
        }
        let card = self.schema.features[n.feature as usize].cardinality();
        let mut out: Vec<(u16, usize)> = Vec::new();
        for c in 0..card {
            if let Some(ch) = self.child(node, c as u16)
                && !out.iter().any(|&(_, x)| x == ch)
            {
                out.push((c as u16, ch));
            }
        }
        out
    }

    /// The codes of `node`'s feature that lead to the same child as `code` (just `code`
    /// when it leads nowhere).
    pub fn branch_codes(&self, node: usize, code: u16) -> Vec<u16> {
        let n = &self.nodes[node];
        let Some(target) = self.child(node, code) else {
            return vec![code];
        };
        let card = self.schema.features[n.feature as usize].cardinality();
        (0..card as u16)
            .filter(|&c| self.child(node, c) == Some(target))
            .collect()
    }

    /// The condition of the branch `code` takes at `node`, in the user's words:
    /// `Contract = Month-to-month`, `tenure in [0, 6)`, or for an ordered binary split
    /// `Total day minutes >= 264.4`.
    pub fn branch_condition(&self, node: usize, code: u16) -> String {
        let f = &self.schema.features[self.nodes[node].feature as usize];
        let codes = self.branch_codes(node, code);
        group_condition(f, &codes)
    }

    /// Class probabilities of a node: `n_k / N`, or with Laplace smoothing
    /// `(n_k + 1) / (N + K)`; uniform for a node with no weight.
    pub fn node_proba_into(&self, node: usize, out: &mut [f64]) {
        let c = self.node_counts(node);
        let k = c.len() as f64;
        let n: f64 = c.iter().sum();
        for (o, &x) in out.iter_mut().zip(c) {
            *o = if self.laplace {
                (x + 1.0) / (n + k)
            } else if n > 0.0 {
                x / n
            } else {
                1.0 / k
            };
        }
    }

    /// Bytes held by the tree's arrays (nodes, child slots, class counts), the schema
    /// excluded.
    pub fn heap_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.slots.capacity() * 4
            + self.counts.capacity() * 8
    }

    /// The majority class of a node (ties: lowest class index).
    pub fn node_class(&self, node: usize) -> usize {
        argmax(self.node_counts(node))
    }

    fn check(&self, enc: &Encoded) -> Result<()> {
        let a = &enc.schema().features;
        let b = &self.schema.features;
        if a.len() != b.len()
            || a.iter()
                .zip(b)
                .any(|(x, y)| x.name != y.name || x.cardinality() != y.cardinality())
            || enc.n_classes() != self.n_classes()
        {
            return Err(Error::schema(
                "the encoded rows do not have the features the tree was trained on \
                 (encode them with the same discretizer)",
            ));
        }
        Ok(())
    }

    /// The node where `row` of `enc` stops under the own-branch policy: follows the
    /// row's codes until a leaf or an empty slot.
    #[inline]
    pub(crate) fn stop_node(&self, cols: &[&Codes], row: usize) -> usize {
        let mut n = 0usize;
        loop {
            let node = &self.nodes[n];
            if node.feature == LEAF {
                return n;
            }
            let code = match cols[node.feature as usize] {
                Codes::U8(v) => v[row] as usize,
                Codes::U16(v) => v[row] as usize,
            };
            let next = self.slots[node.first_slot as usize + code];
            if next == NO_CHILD {
                return n;
            }
            n = next as usize;
        }
    }

    /// Adds the distribution for `row` into `out`; under C4.5's fractional policy a
    /// missing value at a node sends the row down every branch, weighted by the
    /// branches' training weights (as Weka's J48). Walks with an explicit stack
    /// (`stack`, reused across rows) in depth-first order, children in code order, so
    /// the sums are added in the same order as a recursive walk.
    fn dist_fractional(
        &self,
        cols: &[&Codes],
        row: usize,
        stack: &mut Vec<(usize, f64)>,
        out: &mut [f64],
    ) {
        let mut tmp = [0.0f64; 16];
        let k = self.n_classes();
        stack.clear();
        stack.push((0, 1.0));
        'nodes: while let Some((n, scale)) = stack.pop() {
            let node = &self.nodes[n];
            if node.feature != LEAF {
                let f = node.feature as usize;
                let code = cols[f].get(row);
                let missing = self.schema.features[f].missing_code();
                if code == missing {
                    let kids = self.children(n);
                    let total: f64 = kids.iter().map(|&(_, c)| self.nodes[c].weight).sum();
                    if total > 0.0 {
                        for &(_, c) in kids.iter().rev() {
                            stack.push((c, scale * self.nodes[c].weight / total));
                        }
                        continue 'nodes;
                    }
                } else if let Some(c) = self.child(n, code) {
                    stack.push((c, scale));
                    continue 'nodes;
                }
            }
            if k <= 16 {
                self.node_proba_into(n, &mut tmp[..k]);
                for (o, p) in out.iter_mut().zip(&tmp[..k]) {
                    *o += scale * p;
                }
            } else {
                let mut v = vec![0.0; k];
                self.node_proba_into(n, &mut v);
                for (o, p) in out.iter_mut().zip(&v) {
                    *o += scale * p;
                }
            }
        }
    }

    /// Class probabilities for every row of `enc`, row-major into `out`
    /// (`enc.n_rows() × n_classes`).
    pub fn predict_proba_into(&self, enc: &Encoded, out: &mut [f64]) -> Result<()> {
        self.check(enc)?;
        let k = self.n_classes();
        crate::learner::check_out_len(out, enc.n_rows(), k)?;
        let cols: Vec<&Codes> = enc.columns().iter().collect();
        match self.missing {
            MissingPolicy::OwnBranch => {
                match self.walker.get(&self.nodes, &self.slots, &self.schema) {
                    // The probabilities of every node a row can stop at, once; then one
                    // copy per row.
                    Some(wk) => {
                        let mut table = vec![0.0; wk.results.len() * k];
                        for (&n, t) in wk.results.iter().zip(table.chunks_exact_mut(k)) {
                            self.node_proba_into(n as usize, t);
                        }
                        wk.run(enc, |row, r| {
                            out[row * k..(row + 1) * k].copy_from_slice(&table[r * k..(r + 1) * k]);
                        });
                    }
                    None => {
                        let mut p = vec![0.0; k];
                        for (row, o) in out.chunks_exact_mut(k).enumerate() {
                            self.node_proba_into(self.stop_node(&cols, row), &mut p);
                            o.copy_from_slice(&p);
                        }
                    }
                }
            }
            MissingPolicy::Fractional => {
                let mut stack = Vec::new();
                for (row, o) in out.chunks_exact_mut(k).enumerate() {
                    o.fill(0.0);
                    self.dist_fractional(&cols, row, &mut stack, o);
                }
            }
        }
        Ok(())
    }

    /// Class probabilities for every row of `enc` (`n_rows × n_classes`, row-major).
    pub fn predict_proba(&self, enc: &Encoded) -> Result<Vec<f64>> {
        let mut out = vec![0.0; enc.n_rows() * self.n_classes()];
        self.predict_proba_into(enc, &mut out)?;
        Ok(out)
    }

    /// The most probable class of every row of `enc` (ties: lowest class index), into
    /// `out` (`enc.n_rows()` long).
    pub fn predict_into(&self, enc: &Encoded, out: &mut [u8]) -> Result<()> {
        self.check(enc)?;
        if out.len() != enc.n_rows() {
            return Err(Error::param(
                "out.len()",
                out.len(),
                format!("expected {} rows", enc.n_rows()),
            ));
        }
        let cols: Vec<&Codes> = enc.columns().iter().collect();
        match self.missing {
            MissingPolicy::OwnBranch => {
                match self.walker.get(&self.nodes, &self.slots, &self.schema) {
                    // The majority class of every node a row can stop at, once.
                    Some(wk) => {
                        let class: Vec<u8> = wk
                            .results
                            .iter()
                            .map(|&n| self.node_class(n as usize) as u8)
                            .collect();
                        wk.run(enc, |row, r| out[row] = class[r]);
                    }
                    None => {
                        for (row, o) in out.iter_mut().enumerate() {
                            *o = self.node_class(self.stop_node(&cols, row)) as u8;
                        }
                    }
                }
            }
            MissingPolicy::Fractional => {
                let k = self.n_classes();
                let mut d = vec![0.0; k];
                let mut stack = Vec::new();
                for (row, o) in out.iter_mut().enumerate() {
                    d.fill(0.0);
                    self.dist_fractional(&cols, row, &mut stack, &mut d);
                    *o = argmax(&d) as u8;
                }
            }
        }
        Ok(())
    }

    /// The most probable class of every row of `enc`.
    pub fn predict(&self, enc: &Encoded) -> Result<Vec<u8>> {
        let mut out = vec![0; enc.n_rows()];
        self.predict_into(enc, &mut out)?;
        Ok(out)
    }

    /// The path of `row` of `enc` from the root: one [`Step`] per internal node tested.
    /// Under the fractional policy the path ends at the first node whose feature is
    /// missing for the row (the row is spread over its branches there).
    pub fn path(&self, enc: &Encoded, row: usize) -> Result<Vec<Step>> {
        self.check(enc)?;
        if row >= enc.n_rows() {
            return Err(Error::param(
                "row",
                row,
                format!("the table has {} rows", enc.n_rows()),
            ));
        }
        let mut steps = Vec::new();
        let mut n = 0;
        while !self.nodes[n].is_leaf() {
            let f = self.nodes[n].feature as usize;
            let code = enc.code(row, f);
            let spread = self.missing == MissingPolicy::Fractional
                && code == self.schema.features[f].missing_code();
            let child = if spread { None } else { self.child(n, code) };
            steps.push(Step {
                node: n,
                feature: f,
                code,
                child,
            });
            match child {
                Some(c) => n = c,
                None => break,
            }
        }
        Ok(steps)
    }

    /// Explains the prediction for `row` of `enc`: the path's conditions in the user's
    /// column names and values, joined by `→`, and the final node's class counts, e.g.
    /// `Contract = Month-to-month → tenure in [0, 6) ⇒ retained 12, churned 31`.
    pub fn explain(&self, enc: &Encoded, row: usize) -> Result<String> {
        let steps = self.path(enc, row)?;
        let mut parts: Vec<String> = steps
            .iter()
            .map(|s| {
                let c = self.branch_condition(s.node, s.code);
                if s.child.is_none() {
                    format!("{c} (not seen here in training: stops)")
                } else {
                    c
                }
            })
            .collect();
        if parts.is_empty() {
            parts.push("(root)".into());
        }
        let last = steps.last().map_or(0, |s| s.child.unwrap_or(s.node));
        Ok(format!(
            "{} ⇒ {}",
            parts.join(" → "),
            self.counts_text(last)
        ))
    }

    /// A node's class counts as text: `retained 12, churned 31`.
    pub fn counts_text(&self, node: usize) -> String {
        self.schema
            .classes
            .iter()
            .zip(self.node_counts(node))
            .map(|(c, n)| format!("{c} {}", fmt_count(*n)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Attribute importance: the total gain each feature earned over the tree, each
    /// split weighted by the fraction of training weight reaching it
    /// (`Σ_{nodes on A} N_node/N_root · Gain`), normalised to sum to 1 (all zero for a
    /// single-leaf tree). One value per feature.
    pub fn importance(&self) -> Vec<f64> {
        let mut imp = vec![0.0; self.schema.features.len()];
        let root = self.nodes.first().map_or(0.0, |n| n.weight);
        if root <= 0.0 {
            return imp;
        }
        for n in &self.nodes {
            if !n.is_leaf() {
                imp[n.feature as usize] += n.weight / root * n.gain;
            }
        }
        let s: f64 = imp.iter().sum();
        if s > 0.0 {
            imp.iter_mut().for_each(|x| *x /= s);
        }
        imp
    }

    /// Drops nodes no longer reachable from the root (after pruning), keeping
    /// depth-first order.
    pub(crate) fn compact(&mut self) {
        let k = self.n_classes();
        let mut nodes = Vec::with_capacity(self.nodes.len());
        let mut slots = Vec::with_capacity(self.slots.len());
        let mut counts = Vec::with_capacity(self.counts.len());
        self.copy_subtree(0, k, &mut nodes, &mut slots, &mut counts);
        self.nodes = nodes;
        self.slots = slots;
        self.counts = counts;
        self.walker.reset();
    }

    fn copy_subtree(
        &self,
        n: usize,
        k: usize,
        nodes: &mut Vec<Node>,
        slots: &mut Vec<u32>,
        counts: &mut Vec<f64>,
    ) -> u32 {
        let idx = nodes.len();
        let mut node = self.nodes[n];
        nodes.push(node);
        counts.extend_from_slice(&self.counts[n * k..(n + 1) * k]);
        if !node.is_leaf() {
            let card = self.schema.features[node.feature as usize].cardinality();
            let first = slots.len();
            slots.extend(std::iter::repeat_n(NO_CHILD, card));
            node.first_slot = first as u32;
            let mut done: Vec<(u32, u32)> = Vec::new();
            for c in 0..card {
                let old = self.slots[self.nodes[n].first_slot as usize + c];
                if old == NO_CHILD {
                    continue;
                }
                slots[first + c] = match done.iter().find(|(o, _)| *o == old) {
                    Some(&(_, new)) => new,
                    None => {
                        let new = self.copy_subtree(old as usize, k, nodes, slots, counts);
                        done.push((old, new));
                        new
                    }
                };
            }
            nodes[idx] = node;
        }
        idx as u32
    }
}

/// Bounds `(lower, upper)` of a numeric level label: `< b`, `[a, b)`, `>= a`, `any`.
fn level_bounds(label: &str) -> (Option<&str>, Option<&str>) {
    if let Some(b) = label.strip_prefix("< ") {
        (None, Some(b))
    } else if let Some(a) = label.strip_prefix(">= ") {
        (Some(a), None)
    } else if let Some(inner) = label.strip_prefix('[').and_then(|x| x.strip_suffix(')')) {
        match inner.split_once(", ") {
            Some((a, b)) => (Some(a), Some(b)),
            None => (None, None),
        }
    } else {
        (None, None)
    }
}

/// The condition for a group of codes of one feature: one code reads as
/// [`EncodedFeature::condition`](crate::data::EncodedFeature::condition); a contiguous
/// run of numeric bins reads as `X < b`, `X >= a` or `X in [a, b)`; anything else as
/// `X in {l1, l2, …}`.
pub fn group_condition(f: &crate::data::EncodedFeature, codes: &[u16]) -> String {
    if codes.len() == 1 {
        return f.condition(codes[0]);
    }
    let missing = f.missing_code();
    let known: Vec<u16> = codes.iter().copied().filter(|&c| c != missing).collect();
    let with_missing = known.len() < codes.len();
    let contiguous = known.windows(2).all(|w| w[1] == w[0] + 1);
    let text = if f.numeric && contiguous && !known.is_empty() {
        let lo = level_bounds(&f.levels[known[0] as usize]).0;
        let hi = level_bounds(&f.levels[known[known.len() - 1] as usize]).1;
        match (lo, hi) {
            (None, Some(b)) => format!("{} < {b}", f.name),
            (Some(a), None) => format!("{} >= {a}", f.name),
            (Some(a), Some(b)) => format!("{} in [{a}, {b})", f.name),
            (None, None) => format!("{} is any value", f.name),
        }
    } else {
        let names: Vec<&str> = known
            .iter()
            .map(|&c| f.levels[c as usize].as_str())
            .collect();
        format!("{} in {{{}}}", f.name, names.join(", "))
    };
    if with_missing {
        format!("{text} or missing")
    } else {
        text
    }
}

pub(crate) fn fmt_count(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x}")
    } else {
        format!("{x:.2}")
    }
}
