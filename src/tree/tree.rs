//! [`DecisionTree`]: a fitted tree as a flat node arena (no `Box` per node).
//!
//! Node 0 is the root. An internal node tests one feature and owns a block of
//! `cardinality` child slots (one per code, missing included) in [`DecisionTree`]'s
//! `slots` array; a slot holds the child's node index or [`NO_CHILD`]. A row whose code
//! leads to [`NO_CHILD`] — a value this node never saw in training, missing where
//! training had no missing values, or a branch too small to grow — stops at that node
//! and gets the node's class distribution.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::node::{LEAF, NO_CHILD, Node, Slots};
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
    pub(crate) slots: Slots,
    /// Weighted training class counts, `n_classes` per node.
    pub(crate) counts: Vec<f64>,
    pub(crate) missing: MissingPolicy,
    /// How leaf probabilities are smoothed. Serialized under its old name `laplace`:
    /// the bytes of a tree without an m-estimate are those of the former `bool` (see
    /// [`Smoothing`]).
    #[serde(rename = "laplace")]
    pub(crate) smoothing: Smoothing,
    pub(crate) criterion: String,
    /// The compiled scoring layout (own-branch policy), built on first use.
    #[serde(skip)]
    pub(crate) walker: WalkerCache,
    /// The m-estimate probabilities of every node (built on first use when the
    /// smoothing is an m-estimate).
    #[serde(skip)]
    pub(crate) proba: ProbaCache,
}

/// A [`DecisionTree`] without its schema, as an owner that holds the schema elsewhere
/// (a [`TreeClassifier`](crate::tree::TreeClassifier)'s discretizer) stores it in model
/// files from format version 4: the same fields in the same order, minus the schema.
#[derive(Serialize)]
pub(crate) struct TreeArraysRef<'a> {
    nodes: &'a [Node],
    slots: &'a Slots,
    counts: &'a [f64],
    missing: &'a MissingPolicy,
    laplace: &'a Smoothing,
    criterion: &'a str,
}

/// The owned form of [`TreeArraysRef`], read back and joined with a schema by
/// [`DecisionTree::from_arrays`].
#[derive(Deserialize)]
pub(crate) struct TreeArrays {
    nodes: Vec<Node>,
    slots: Slots,
    counts: Vec<f64>,
    missing: MissingPolicy,
    laplace: Smoothing,
    criterion: String,
}

impl DecisionTree {
    /// The tree's arrays, without the schema (see [`TreeArraysRef`]).
    pub(crate) fn arrays(&self) -> TreeArraysRef<'_> {
        TreeArraysRef {
            nodes: &self.nodes,
            slots: &self.slots,
            counts: &self.counts,
            missing: &self.missing,
            laplace: &self.smoothing,
            criterion: &self.criterion,
        }
    }

    /// A tree from stored arrays and the schema its owner holds. Structure is checked
    /// by the owner's `validate` on load.
    pub(crate) fn from_arrays(schema: Arc<EncodedSchema>, a: TreeArrays) -> Self {
        DecisionTree {
            schema,
            nodes: a.nodes,
            slots: a.slots,
            counts: a.counts,
            missing: a.missing,
            smoothing: a.laplace,
            criterion: a.criterion,
            walker: WalkerCache::default(),
            proba: ProbaCache::default(),
        }
    }
}

/// How a node's class probabilities are computed from its training counts `n_k`
/// (total `N`, `K` classes).
///
/// Serialized in place of the former `laplace: bool`: in the binary format `None` and
/// `Laplace` are the bytes `0` and `1` (so such trees encode exactly as before) and an
/// m-estimate is the byte `2` followed by `m` (f64); in JSON `false`, `true` and the
/// number `m`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum Smoothing {
    /// `n_k / N` (uniform for a node without weight).
    #[default]
    None,
    /// Laplace: `(n_k + 1) / (N + K)`.
    Laplace,
    /// m-estimate toward the parent, recursively: `p_k = (n_k + m · q_k) / (N + m)`
    /// with `q` the parent's smoothed probabilities (the root's `q` is its own class
    /// frequencies, the prior). A 40/0 leaf and a 3/0 leaf no longer both say 1.0.
    MEstimate(f64),
}

impl Serialize for Smoothing {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        if s.is_human_readable() {
            return match *self {
                Smoothing::None => s.serialize_bool(false),
                Smoothing::Laplace => s.serialize_bool(true),
                Smoothing::MEstimate(m) => s.serialize_f64(m),
            };
        }
        match *self {
            Smoothing::None | Smoothing::Laplace => {
                let mut t = s.serialize_tuple(1)?;
                t.serialize_element(&u8::from(*self == Smoothing::Laplace))?;
                t.end()
            }
            Smoothing::MEstimate(m) => {
                let mut t = s.serialize_tuple(2)?;
                t.serialize_element(&2u8)?;
                t.serialize_element(&m)?;
                t.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Smoothing {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::{Error as _, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Smoothing;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a smoothing (false, true, or the m of an m-estimate)")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<Smoothing, E> {
                Ok(if v {
                    Smoothing::Laplace
                } else {
                    Smoothing::None
                })
            }
            fn visit_f64<E: serde::de::Error>(self, m: f64) -> std::result::Result<Smoothing, E> {
                Ok(Smoothing::MEstimate(m))
            }
            fn visit_u64<E: serde::de::Error>(self, m: u64) -> std::result::Result<Smoothing, E> {
                Ok(Smoothing::MEstimate(m as f64))
            }
            fn visit_i64<E: serde::de::Error>(self, m: i64) -> std::result::Result<Smoothing, E> {
                Ok(Smoothing::MEstimate(m as f64))
            }
            // Binary: a code byte, then `m` only for code 2 (the sequence is read no
            // further otherwise, so codes 0 and 1 are the bytes of the former bool).
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> std::result::Result<Smoothing, A::Error> {
                let code: u8 = a
                    .next_element()?
                    .ok_or_else(|| A::Error::custom("missing smoothing code"))?;
                match code {
                    0 => Ok(Smoothing::None),
                    1 => Ok(Smoothing::Laplace),
                    2 => {
                        let m: f64 = a
                            .next_element()?
                            .ok_or_else(|| A::Error::custom("missing m-estimate"))?;
                        Ok(Smoothing::MEstimate(m))
                    }
                    c => Err(A::Error::custom(format!("unknown smoothing code {c}"))),
                }
            }
        }
        if d.is_human_readable() {
            d.deserialize_any(V)
        } else {
            d.deserialize_tuple(2, V)
        }
    }
}

/// A tree's m-estimate node probabilities, computed on first use (skipped by serde;
/// clones start empty, equality ignores it, reset whenever the arena or the smoothing
/// changes).
#[derive(Default)]
pub(crate) struct ProbaCache(std::sync::OnceLock<Vec<f64>>);

impl Clone for ProbaCache {
    fn clone(&self) -> Self {
        ProbaCache::default()
    }
}

impl PartialEq for ProbaCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Up to this cardinality [`DecisionTree::branches`] finds a child's group by scanning
/// the groups found so far; beyond, by hashing (so a node of 65,535 levels stays linear).
const SCAN_CHILDREN: usize = 32;

/// m-estimate probabilities of every node of an arena (`n_classes` per node), from the
/// root down: `p = (n + m·q) / (N + m)` with `q` the parent's; the root's `q` is its own
/// class frequencies. Nodes unreachable from the root get their frequencies.
pub(crate) fn m_estimate_probas(
    nodes: &[Node],
    slots: &Slots,
    counts: &[f64],
    schema: &EncodedSchema,
    k: usize,
    m: f64,
) -> Vec<f64> {
    let mut p = vec![0.0; counts.len()];
    let freq = |c: &[f64], out: &mut [f64]| {
        let n: f64 = c.iter().sum();
        for (o, &x) in out.iter_mut().zip(c) {
            *o = if n > 0.0 { x / n } else { 1.0 / k as f64 };
        }
    };
    for i in 0..nodes.len() {
        freq(&counts[i * k..(i + 1) * k], &mut p[i * k..(i + 1) * k]);
    }
    if nodes.is_empty() {
        return p;
    }
    let mut seen = vec![false; nodes.len()];
    let mut stack = vec![0usize];
    seen[0] = true;
    let mut q = vec![0.0; k];
    while let Some(n) = stack.pop() {
        let node = nodes[n];
        if node.feature == LEAF {
            continue;
        }
        let Some(f) = schema.features.get(node.feature as usize) else {
            continue;
        };
        q.copy_from_slice(&p[n * k..(n + 1) * k]);
        let first = node.first_slot as usize;
        for c in slots.block(first, f.cardinality()).into_iter().flatten() {
            let c = c as usize;
            if c == NO_CHILD as usize || c >= nodes.len() || seen[c] {
                continue;
            }
            seen[c] = true;
            let cc = &counts[c * k..(c + 1) * k];
            let tot: f64 = cc.iter().sum();
            for j in 0..k {
                p[c * k + j] = (cc[j] + m * q[j]) / (tot + m);
            }
            stack.push(c);
        }
    }
    p
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
            .field("smoothing", &self.smoothing)
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
        self.smoothing == Smoothing::Laplace
    }

    /// Switches Laplace smoothing of leaf probabilities on or off:
    /// `p_k = (n_k + 1) / (N + K)` instead of `n_k / N` (replaces any m-estimate).
    pub fn set_laplace(&mut self, on: bool) {
        self.set_smoothing(if on {
            Smoothing::Laplace
        } else {
            Smoothing::None
        });
    }

    /// How node probabilities are smoothed.
    pub fn smoothing(&self) -> Smoothing {
        self.smoothing
    }

    /// Sets how node probabilities are smoothed (see [`Smoothing`]).
    pub fn set_smoothing(&mut self, s: Smoothing) {
        self.smoothing = s;
        self.proba = ProbaCache::default();
    }

    /// Weighted training class counts of a node.
    pub fn node_counts(&self, node: usize) -> &[f64] {
        let k = self.n_classes();
        &self.counts[node * k..(node + 1) * k]
    }

    /// The child of `node` for `code` (None for a leaf or an empty slot).
    #[inline]
    pub fn child(&self, node: usize, code: u16) -> Option<usize> {
        let n = &self.nodes[node];
        if n.is_leaf() {
            return None;
        }
        let card = self.schema.features[n.feature as usize].cardinality();
        if code as usize >= card {
            return None;
        }
        match self.slots.at(n.first_slot as usize + code as usize) {
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
        // Equal slots mostly come in runs (a binary split's codes on each side): a
        // slot equal to the previous one is not new; others are looked up in the few
        // children so far, or hashed beyond `SCAN_CHILDREN` of them.
        let mut seen: HashSet<usize> = HashSet::new();
        let mut last = NO_CHILD;
        let slots = self.slots.slice(n.first_slot as usize, card).unwrap_or(&[]);
        for (c, &ch) in slots.iter().enumerate() {
            if ch == NO_CHILD || ch == last {
                continue;
            }
            last = ch;
            let ch = ch as usize;
            let new = if out.len() < SCAN_CHILDREN {
                !out.iter().any(|&(_, x)| x == ch)
            } else {
                if seen.is_empty() {
                    seen.extend(out.iter().map(|&(_, x)| x));
                }
                seen.insert(ch)
            };
            if new {
                out.push((c as u16, ch));
            }
        }
        out
    }

    /// The distinct children of an internal node, each with the codes that lead to it
    /// (increasing), in the order of their first code; empty for a leaf. One pass over
    /// the node's slots: linear in the feature's cardinality.
    pub(crate) fn branches(&self, node: usize) -> Vec<(usize, Vec<u16>)> {
        let n = &self.nodes[node];
        if n.is_leaf() {
            return Vec::new();
        }
        let card = self.schema.features[n.feature as usize].cardinality();
        let mut out: Vec<(usize, Vec<u16>)> = Vec::new();
        // Where each child sits in `out`: a scan of the few groups so far for a small
        // feature (the usual case, on the fractional scoring path), hashed beyond.
        let mut at: HashMap<usize, usize> = HashMap::new();
        let slots = self.slots.slice(n.first_slot as usize, card).unwrap_or(&[]);
        for (c, &ch) in slots.iter().enumerate() {
            if ch == NO_CHILD {
                continue;
            }
            let (c, ch) = (c as u16, ch as usize);
            let found = if card <= SCAN_CHILDREN {
                out.iter().position(|(x, _)| *x == ch)
            } else {
                at.get(&ch).copied()
            };
            match found {
                Some(i) => out[i].1.push(c),
                None => {
                    if card > SCAN_CHILDREN {
                        at.insert(ch, out.len());
                    }
                    out.push((ch, vec![c]));
                }
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
    /// `(n_k + 1) / (N + K)`, or the m-estimate toward the parent (see [`Smoothing`]);
    /// uniform for a node with no weight.
    pub fn node_proba_into(&self, node: usize, out: &mut [f64]) {
        let c = self.node_counts(node);
        if let Smoothing::MEstimate(m) = self.smoothing {
            let kk = c.len();
            let p = self.proba.0.get_or_init(|| {
                m_estimate_probas(&self.nodes, &self.slots, &self.counts, &self.schema, kk, m)
            });
            out.copy_from_slice(&p[node * kk..(node + 1) * kk]);
            return;
        }
        let k = c.len() as f64;
        let n: f64 = c.iter().sum();
        for (o, &x) in out.iter_mut().zip(c) {
            *o = if self.smoothing == Smoothing::Laplace {
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
            + self.slots.heap_bytes()
            + self.counts.capacity() * 8
    }

    /// The majority class of a node (ties: lowest class index).
    pub fn node_class(&self, node: usize) -> usize {
        argmax(self.node_counts(node))
    }

    /// Checks that `enc` has the tree's features (names and cardinalities) and
    /// classes: `O(features)`, so callers walking many rows check once.
    pub(crate) fn check(&self, enc: &Encoded) -> Result<()> {
        if Arc::ptr_eq(enc.schema(), &self.schema) {
            return Ok(());
        }
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
            let next = self.slots.at(node.first_slot as usize + code);
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
        self.path_checked(enc, row)
    }

    /// [`DecisionTree::path`] for rows of an `enc` that passed [`DecisionTree::check`]
    /// (the check compares every feature: once per batch, not once per row).
    /// Marks in `on_path` (one flag per feature, set, never cleared) the features
    /// tested on `row`'s path, the steps of [`path_checked`](Self::path_checked)
    /// without collecting them. `row` must be a row of `enc`, which must have passed
    /// [`check`](Self::check).
    pub(crate) fn mark_path(&self, enc: &Encoded, row: usize, on_path: &mut [bool]) {
        let mut n = 0;
        while !self.nodes[n].is_leaf() {
            let f = self.nodes[n].feature as usize;
            let code = enc.code(row, f);
            on_path[f] = true;
            let spread = self.missing == MissingPolicy::Fractional
                && code == self.schema.features[f].missing_code();
            match if spread { None } else { self.child(n, code) } {
                Some(c) => n = c,
                None => break,
            }
        }
    }

    pub(crate) fn path_checked(&self, enc: &Encoded, row: usize) -> Result<Vec<Step>> {
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
        self.slots = Slots::plain(slots);
        self.counts = counts;
        self.walker.reset();
        self.proba = ProbaCache::default();
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
                let old = self.slots.at(self.nodes[n].first_slot as usize + c);
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::EncodedFeature;
    use crate::tree::Id3;

    /// `a = 0`: 40 churned; `a = 1`: 3 churned; `a = 2`: 40 retained.
    fn leaves_40_3() -> Encoded {
        let schema = Arc::new(EncodedSchema {
            features: vec![EncodedFeature {
                name: "a".into(),
                levels: vec!["x".into(), "y".into(), "z".into()].into(),
                numeric: false,
            }],
            classes: vec!["retained".into(), "churned".into()],
        });
        let mut a = vec![0u8; 40];
        a.extend([1u8; 3]);
        a.extend([2u8; 40]);
        let labels = a.iter().map(|&v| u8::from(v != 2)).collect();
        Encoded::new(schema, vec![Codes::U8(a)], labels, None).unwrap()
    }

    #[test]
    fn m_estimate_separates_40_0_from_3_0_and_sums_to_one() {
        let enc = leaves_40_3();
        let raw = Id3::params().fit(&enc).unwrap();
        let p = raw.predict_proba(&enc).unwrap();
        assert_eq!((p[1], p[41 * 2 + 1]), (1.0, 1.0), "unsmoothed: both 1.0");
        let t = Id3::params().m_estimate(2.0).fit(&enc).unwrap();
        assert_eq!(t.smoothing(), Smoothing::MEstimate(2.0));
        let p = t.predict_proba(&enc).unwrap();
        let q = 43.0 / 83.0; // the root's churn frequency
        let (big, small) = (p[1], p[41 * 2 + 1]);
        assert!((big - (40.0 + 2.0 * q) / 42.0).abs() < 1e-12);
        assert!((small - (3.0 + 2.0 * q) / 5.0).abs() < 1e-12);
        assert!(big > small && small > q);
        for row in p.chunks_exact(2) {
            assert!((row[0] + row[1] - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn smoothing_bytes_keep_the_former_bool_and_round_trip() {
        let enc = leaves_40_3();
        let mut t = Id3::params().fit(&enc).unwrap();
        for (s, b) in [(Smoothing::None, false), (Smoothing::Laplace, true)] {
            assert_eq!(
                bincode::serialize(&s).unwrap(),
                bincode::serialize(&b).unwrap()
            );
            assert_eq!(serde_json::to_string(&s).unwrap(), b.to_string());
        }
        t.set_smoothing(Smoothing::MEstimate(5.0));
        let before = t.predict_proba(&enc).unwrap();
        let bin: DecisionTree = bincode::deserialize(&bincode::serialize(&t).unwrap()).unwrap();
        let json: DecisionTree = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        for back in [bin, json] {
            assert_eq!(back, t);
            assert_eq!(back.smoothing(), Smoothing::MEstimate(5.0));
            assert_eq!(back.predict_proba(&enc).unwrap(), before);
        }
        // A Laplace tree's bytes are those of a tree written with the former bool.
        t.set_laplace(true);
        let b = bincode::serialize(&t).unwrap();
        let back: DecisionTree = bincode::deserialize(&b).unwrap();
        assert!(back.laplace());
        assert!(
            t.canonical_dump()
                .starts_with("criterion=id3 missing=OwnBranch laplace=true classes=2")
        );
    }
}
