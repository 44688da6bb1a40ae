//! The grower (scikit-learn's `Builder`): one depth-first builder for every tree
//! variant, with the split criterion as a parameter ([`Id3Params`]).
//!
//! The builder owns the limits (depth, node size), the missing-value policies, the rows
//! of each node and the order nodes are written in; it asks the `splitter` for each
//! node's best split (scored through [`SplitCriterion`](super::SplitCriterion)) and
//! hands the grown tree to `prune`.
//!
//! Splits are multiway on an attribute's codes (discretized numerics included); an
//! attribute is used at most once on a path. The rows of the node being grown are a
//! slice of one `u32` index buffer for the whole tree, partitioned in place (stably, by
//! a counting sort through one scratch buffer), so every child's rows stay ascending and
//! column reads stay sequential.

use std::sync::Arc;

use super::counts::{Derived, NodeTables};
use super::criterion::{Candidate, NLogN};
use super::node::{LEAF, NO_CHILD, Node, Slots};
use super::params::{Id3Params, Id3ValidParams, NumericSplits, Pruning};
use super::prune;
use super::splitter::{SplitBuffers, SplitRules, Splitter, fill_groups_of, groups};
use super::tree::{DecisionTree, MissingPolicy};
use crate::count::{ClassTable, ClassTables, CountTable, Counter, InMemory, Rows, Var};
use crate::data::{Codes, Encoded, EncodedSchema, stratified_holdout};
use crate::error::{Error, Result};

impl Id3ValidParams {
    /// Fits a tree on every row of `enc`.
    pub fn fit(&self, enc: &Encoded) -> Result<DecisionTree> {
        let rows: Vec<u32> = (0..enc.n_rows() as u32).collect();
        self.fit_rows(enc, rows)
    }

    /// Fits a tree on `rows` of `enc` (row indices; the buffer is reordered).
    pub fn fit_rows(&self, enc: &Encoded, rows: Vec<u32>) -> Result<DecisionTree> {
        self.fit_rows_inner(enc, &InMemory::new(enc), true, rows, None)
    }

    /// Fits a tree on `rows` of `enc` (row indices, repeats allowed — a bootstrap
    /// sample — the buffer is reordered) choosing each node's split among a random
    /// subset of `max_features` of the features still available on its path (a random
    /// forest's tree). The subset of a node is drawn from a generator seeded by `seed`
    /// and the node's position in the tree (its path of branch indices from the root),
    /// so the tree is the same whatever the number of threads.
    /// `max_features` ≥ the number of features grows the tree of [`fit_rows`](Self::fit_rows).
    pub fn fit_rows_subsampled(
        &self,
        enc: &Encoded,
        rows: Vec<u32>,
        max_features: usize,
        seed: u64,
    ) -> Result<DecisionTree> {
        let sub = FeatureSample {
            max_features: max_features.max(1),
            seed,
        };
        self.fit_rows_inner(enc, &InMemory::new(enc), true, rows, Some(sub))
    }

    /// Fits a tree on every row of `enc`, taking every count through `counter`, which
    /// must count `enc` (the grower reads `enc`'s schema and codes only to route rows
    /// to children). With [`InMemory`] this is [`Id3ValidParams::fit`]; the tree is the
    /// same for any counter that honours the [`Counter`] contract.
    pub fn fit_with<C: Counter>(&self, enc: &Encoded, counter: &C) -> Result<DecisionTree> {
        let rows: Vec<u32> = (0..enc.n_rows() as u32).collect();
        self.fit_rows_inner(enc, counter, false, rows, None)
    }

    /// [`Id3ValidParams::fit_rows`] through `counter`; `local`: large subtrees may
    /// grow on an in-memory local copy of their rows (only when `counter` is the
    /// [`InMemory`] counter of `enc`).
    fn fit_rows_inner<C: Counter>(
        &self,
        enc: &Encoded,
        counter: &C,
        local: bool,
        rows: Vec<u32>,
        sample: Option<FeatureSample>,
    ) -> Result<DecisionTree> {
        let p = &self.0;
        if enc.n_rows() > u32::MAX as usize {
            return Err(Error::Fit("more than 2^32 − 1 rows".into()));
        }
        if rows.is_empty() {
            return Err(Error::Fit("cannot fit a tree on zero rows".into()));
        }
        if rows.iter().any(|&r| r as usize >= enc.n_rows()) {
            return Err(Error::param("rows", "index", "a row index is out of range"));
        }
        let (grow_rows, prune_rows) = match p.pruning {
            Pruning::ReducedError { fraction } => {
                let labels: Vec<u8> = rows.iter().map(|&r| enc.labels()[r as usize]).collect();
                let h = stratified_holdout(&labels, fraction, p.seed)?;
                if h.train.is_empty() {
                    return Err(Error::Fit(
                        "no rows left to grow on after the hold-out".into(),
                    ));
                }
                let g: Vec<u32> = h.train.iter().map(|&i| rows[i]).collect();
                let v: Vec<u32> = h.test.iter().map(|&i| rows[i]).collect();
                (g, v)
            }
            _ => (rows, Vec::new()),
        };
        let mut tree = grow(p, enc, counter, local, grow_rows, sample)?;
        match p.pruning {
            Pruning::None => {}
            Pruning::ReducedError { .. } => prune::reduced_error(&mut tree, enc, &prune_rows)?,
            Pruning::Pessimistic { confidence } => prune::pessimistic(&mut tree, confidence),
            Pruning::CostComplexity { alpha } => prune::cost_complexity(&mut tree, alpha),
        }
        Ok(tree)
    }
}

/// Nodes with more rows than this, in a table with more rows than this, split in the
/// shared row buffer and grow their children in parallel (rayon), each child into its
/// own arena, appended in code order (so the node numbering is the same depth-first
/// pre-order as a sequential grower's). Such a child gets a compact copy of its rows
/// (`Encoded::select`) when it has at most this many rows — about 21 bytes a row for
/// 20 features, at most ~0.7 MB, cache-resident; its whole subtree then grows
/// sequentially on the copy — or at most 1/[`LOCAL_COPY_SHRINK`] of its table's rows
/// (a large child of a binary split would otherwise read every cache line of every
/// column of the table at each level, for a fraction of the rows; its copy is then
/// split the same way). Copies along one path shrink geometrically, so the copies
/// alive at once stay a small fraction of the data.
pub(crate) const LOCAL_COPY_MAX_ROWS: usize = 1 << 15;
/// A child with at most 1/`LOCAL_COPY_SHRINK` of its table's rows gets its own copy.
pub(crate) const LOCAL_COPY_SHRINK: usize = 8;
/// The smallest child that gets its own copy (smaller ones read the shared table).
pub(crate) const LOCAL_COPY_MIN_CHILD: usize = 256;

/// A random subset of the candidate features per node (random forests).
#[derive(Debug, Clone, Copy)]
pub(super) struct FeatureSample {
    /// How many of the available features each node considers.
    max_features: usize,
    /// The tree's seed; each node mixes in its path.
    seed: u64,
}

/// Mixes `x` into `h` (splitmix64's finaliser): the key of a child from its parent's.
pub(crate) fn mix(h: u64, x: u64) -> u64 {
    let mut z = h ^ x
        .wrapping_add(0x9E37_79B9_7F4A_7C15)
        .wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A child grown in parallel: its group, its rows and scratch slices, and the tables
/// its parent derived for it.
type ChildJob<'a> = (usize, &'a mut [u32], &'a mut [u32], Option<&'a Derived>);

/// What every task of one fit shares (read-only).
pub(super) struct Ctx<'a> {
    pub(super) p: &'a Id3Params,
    pub(super) split: Splitter,
    pub(super) k: usize,
    /// Large subtrees may grow on an in-memory local copy of their rows (counted by
    /// an [`InMemory`] counter over the copy).
    pub(super) local: bool,
    /// A random subset of the features per node, or all of them.
    pub(super) sample: Option<FeatureSample>,
    /// Histogram subtraction on (see `Ctx::derive`); off only in the tests that
    /// check it changes nothing.
    pub(super) subtract: bool,
}

#[cfg(test)]
thread_local! {
    /// Turns histogram subtraction off for fits on this thread (tests only).
    static SUBTRACT_OFF: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a fit starting on this thread subtracts histograms (always, outside tests).
fn subtract_on() -> bool {
    #[cfg(test)]
    if SUBTRACT_OFF.with(std::cell::Cell::get) {
        return false;
    }
    true
}

/// Per-task reusable buffers.
pub(super) struct Work {
    split: SplitBuffers,
    /// The features used up on the current path (multiway splits).
    pub(super) used: Vec<bool>,
    /// Per-node buffers, one frame per node on the current path (popped on entry,
    /// pushed back on exit), so a node allocates nothing once the path has been seen.
    frames: Vec<Frame>,
    /// The current node's key (its path from the root), for per-node feature samples.
    key: u64,
    /// The features a node may not split on (used up, or not in its sample).
    mask: Vec<bool>,
    /// The features available at a node (feature sampling).
    avail: Vec<usize>,
    /// A node's children's count tables while they are subtracted (see
    /// `Ctx::derive`).
    sub_tables: ClassTables,
}

/// One node's split bookkeeping.
#[derive(Default)]
pub(super) struct Frame {
    /// Child group of each code.
    pub(super) group: Vec<usize>,
    /// Class counts per group (`n_groups × k`).
    child_counts: Vec<f64>,
    /// Bucket boundaries of the partitioned rows (`n_groups + 1`).
    bounds: Vec<usize>,
    /// Write cursors of the partition.
    next: Vec<usize>,
    /// Arena index of each group's child.
    child_of: Vec<u32>,
}

impl Frame {
    /// The class counts of group `g` (`k` classes).
    pub(super) fn counts(&self, g: usize, k: usize) -> &[f64] {
        &self.child_counts[g * k..(g + 1) * k]
    }
}

impl Work {
    pub(super) fn new(nf: usize, used: Vec<bool>) -> Self {
        Work {
            split: SplitBuffers::new(nf),
            used,
            frames: Vec::new(),
            key: 0,
            mask: Vec::new(),
            avail: Vec::new(),
            sub_tables: ClassTables::default(),
        }
    }
}

/// A (sub)tree under construction: node 0 is its root.
#[derive(Default)]
pub(super) struct Arena {
    nodes: Vec<Node>,
    pub(super) slots: Vec<u32>,
    counts: Vec<f64>,
}

impl Arena {
    pub(super) fn push_leaf(&mut self, class_counts: &[f64], depth: usize) -> usize {
        let idx = self.nodes.len();
        self.nodes.push(Node {
            feature: LEAF,
            first_slot: 0,
            depth: depth as u32,
            gain: 0.0,
            weight: class_counts.iter().sum(),
        });
        self.counts.extend_from_slice(class_counts);
        idx
    }

    pub(super) fn open_internal(
        &mut self,
        c: &Candidate,
        card: usize,
        class_counts: &[f64],
        depth: usize,
    ) -> (usize, usize) {
        let idx = self.nodes.len();
        let first = self.slots.len();
        self.slots.extend(std::iter::repeat_n(NO_CHILD, card));
        self.nodes.push(Node {
            feature: c.feature as u32,
            first_slot: first as u32,
            depth: depth as u32,
            gain: c.gain,
            weight: class_counts.iter().sum(),
        });
        self.counts.extend_from_slice(class_counts);
        (idx, first)
    }

    /// Appends a finished subtree; returns the index of its root here. Grows the
    /// arrays by exactly the subtree (large blocks are then extended in place by the
    /// allocator, without a doubled copy), and frees the subtree's.
    fn append(&mut self, sub: Arena) -> usize {
        let off = self.nodes.len() as u32;
        let soff = self.slots.len() as u32;
        // One array at a time, each freed as soon as it is copied: the transient is
        // the largest array of the subtree, not the whole subtree.
        self.nodes.reserve_exact(sub.nodes.len());
        self.nodes.extend(sub.nodes.into_iter().map(|mut n| {
            if !n.is_leaf() {
                n.first_slot += soff;
            }
            n
        }));
        self.slots.reserve_exact(sub.slots.len());
        self.slots.extend(
            sub.slots
                .into_iter()
                .map(|c| if c == NO_CHILD { c } else { c + off }),
        );
        self.counts.reserve_exact(sub.counts.len());
        self.counts.extend(sub.counts);
        off as usize
    }
}

fn grow<C: Counter>(
    p: &Id3Params,
    enc: &Encoded,
    cn: &C,
    local: bool,
    mut rows: Vec<u32>,
    sample: Option<FeatureSample>,
) -> Result<DecisionTree> {
    let k = enc.n_classes();
    let mut root = CountTable::default();
    cn.contingency(Rows::Subset(&rows), &[Var::Class], &mut root);
    if root.total() <= 0.0 {
        return Err(Error::Fit(
            "the training rows have zero total weight".into(),
        ));
    }
    let ctx = Ctx {
        p,
        split: splitter(p, enc.schema(), root.counts(), rows.len())?,
        k,
        local,
        sample,
        subtract: subtract_on(),
    };
    let nf = enc.n_features();
    let mut w = Work::new(nf, vec![false; nf]);
    let mut arena = Arena::default();
    match p.missing {
        MissingPolicy::OwnBranch => {
            let mut scratch = vec![0; rows.len()];
            let (rows, scratch) = (&mut rows[..], &mut scratch[..]);
            ctx.grow_own(
                cn,
                &mut w,
                &mut arena,
                enc,
                rows,
                scratch,
                root.counts(),
                0,
                None,
            );
        }
        MissingPolicy::Fractional => {
            let wt = vec![1.0; rows.len()];
            ctx.grow_frac(cn, &mut w, &mut arena, enc, rows, wt, root.counts(), 0);
        }
    }
    Ok(finish(p, enc.schema(), arena))
}

/// The tree of a finished arena (node 0 its root), as every grower returns it.
pub(super) fn finish(p: &Id3Params, schema: &Arc<EncodedSchema>, mut arena: Arena) -> DecisionTree {
    arena.nodes.shrink_to_fit();
    arena.counts.shrink_to_fit();
    DecisionTree {
        schema: schema.clone(),
        nodes: arena.nodes,
        slots: Slots::plain(arena.slots),
        counts: arena.counts,
        missing: p.missing,
        smoothing: p.smoothing(),
        criterion: p.criterion.name().to_string(),
        walker: Default::default(),
        proba: Default::default(),
    }
}

/// The splitter of a fit: `p`'s criterion resolved against the root's class counts,
/// `n_rows` sizing the `n log n` table.
pub(super) fn splitter(
    p: &Id3Params,
    schema: &EncodedSchema,
    root_counts: &[f64],
    n_rows: usize,
) -> Result<Splitter> {
    Ok(Splitter {
        crit: p.criterion.resolve(schema, root_counts)?,
        lg: NLogN::new(n_rows + 1),
        k: schema.classes.len(),
        rules: SplitRules {
            min_rows_leaf: p.min_rows_leaf,
            min_gain: p.min_gain,
            binary_numeric: p.numeric == NumericSplits::Binary,
            fractional: p.missing == MissingPolicy::Fractional,
        },
    })
}

impl Ctx<'_> {
    /// Picks the split of a node, or None for a leaf. Leaves the chosen feature's table
    /// in `w.split.tables`.
    #[allow(clippy::too_many_arguments)]
    fn choose<C: Counter>(
        &self,
        cn: &C,
        w: &mut Work,
        enc: &Encoded,
        rows: Rows<'_>,
        class_counts: &[f64],
        depth: usize,
        derived: Option<&Derived>,
    ) -> Option<Candidate> {
        self.decide(
            w,
            enc.schema(),
            class_counts,
            depth,
            |t, cands| match derived {
                Some(d) => t.load_derived(d, cands),
                None => t.count(cn, rows, cands),
            },
        )
    }

    /// The decision at one node, shared by the depth-first grower (whose `count`
    /// counts the node's rows) and the level-wise one (whose `count` hands over the
    /// tables its level query counted): None for a leaf (the stop rules, or no
    /// admissible split among the features not used on the path — a random sample of
    /// them for a forest's tree), else the split. `count` fills the node's tables of
    /// the candidate features it is given; the chosen feature's table is left in
    /// `w.split.tables`.
    pub(crate) fn decide(
        &self,
        w: &mut Work,
        schema: &EncodedSchema,
        class_counts: &[f64],
        depth: usize,
        count: impl FnOnce(&mut NodeTables, &[usize]),
    ) -> Option<Candidate> {
        if self.stops(class_counts, depth) {
            return None;
        }
        let Some(s) = self.sample else {
            return self
                .split
                .best_split_with(&mut w.split, schema, &w.used, count);
        };
        // A random `max_features` of the available features (partial Fisher–Yates
        // from the node's own generator); the others are masked like used ones.
        w.avail.clear();
        w.avail.extend((0..w.used.len()).filter(|&j| !w.used[j]));
        if w.avail.len() <= s.max_features {
            return self
                .split
                .best_split_with(&mut w.split, schema, &w.used, count);
        }
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(mix(s.seed, w.key));
        for i in 0..s.max_features {
            let j = rng.random_range(i..w.avail.len());
            w.avail.swap(i, j);
        }
        w.mask.clear();
        w.mask.resize(w.used.len(), true);
        for &j in &w.avail[..s.max_features] {
            w.mask[j] = false;
        }
        self.split
            .best_split_with(&mut w.split, schema, &w.mask, count)
    }

    /// Fills `fr.group` (the child group of each code of the split feature) and
    /// `fr.child_counts` (the class counts of each group: the chosen table's rows
    /// summed per group) for split `c`, whose table is in `w.split.tables`; returns
    /// the number of groups.
    pub(crate) fn children(
        &self,
        w: &mut Work,
        schema: &EncodedSchema,
        c: &Candidate,
        fr: &mut Frame,
    ) -> usize {
        let k = self.k;
        let card = schema.features[c.feature].cardinality();
        let ng = fill_groups_of(schema, c, &mut fr.group);
        w.split.tables.table(c.feature).to_f64(&mut w.split.fbuf);
        let table = &w.split.fbuf;
        fr.child_counts.clear();
        fr.child_counts.resize(ng * k, 0.0);
        for v in 0..card {
            for kk in 0..k {
                fr.child_counts[fr.group[v] * k + kk] += table[v * k + kk];
            }
        }
        ng
    }

    /// A child with these class counts is grown (gets a node) when it holds
    /// `min_rows_leaf` (weights are ≥ 0, so it then has rows).
    pub(crate) fn child_grown(&self, class_counts: &[f64]) -> bool {
        class_counts.iter().sum::<f64>() >= self.p.min_rows_leaf
    }

    /// A child at `depth` with these class counts may split (needs its rows): it is
    /// grown and no stop rule makes it a leaf whatever its rows.
    pub(crate) fn child_splits(&self, class_counts: &[f64], depth: usize) -> bool {
        self.child_grown(class_counts) && !self.stops(class_counts, depth)
    }

    /// True when a node with these class counts at this depth is a leaf whatever its
    /// rows: pure, too small to split, or at the depth limit (`max_depth`, and always
    /// [`MAX_DEPTH`](super::MAX_DEPTH)) (a split needs two
    /// branches of `min_rows_leaf` rows each).
    pub(super) fn stops(&self, class_counts: &[f64], depth: usize) -> bool {
        let weight: f64 = class_counts.iter().sum();
        let pure = class_counts.iter().filter(|&&c| c > 0.0).count() <= 1;
        pure || weight < self.p.min_rows_split
            || weight < 2.0 * self.p.min_rows_leaf
            || self.p.max_depth.is_some_and(|d| depth >= d)
            || depth >= super::node::MAX_DEPTH
    }

    /// Grows the node holding `rows` of `enc` (its slice of the row buffer, with a
    /// `scratch` slice as long) and its subtree into `arena`; returns its index.
    #[allow(clippy::too_many_arguments)]
    fn grow_own<C: Counter>(
        &self,
        cn: &C,
        w: &mut Work,
        arena: &mut Arena,
        enc: &Encoded,
        rows: &mut [u32],
        scratch: &mut [u32],
        class_counts: &[f64],
        depth: usize,
        derived: Option<&Derived>,
    ) -> usize {
        let Some(c) = self.choose(cn, w, enc, Rows::Subset(rows), class_counts, depth, derived)
        else {
            return arena.push_leaf(class_counts, depth);
        };
        let f = c.feature;
        let k = self.k;
        let card = enc.schema().features[f].cardinality();
        let mut fr = w.frames.pop().unwrap_or_default();
        let ng = self.children(w, enc.schema(), &c, &mut fr);
        let (idx, first) = arena.open_internal(&c, card, class_counts, depth);
        // A child needs its rows only when it may split. Children that are leaves
        // whatever their rows (pure, small, at the depth limit) are made from their
        // counts alone, and when every child is such a leaf the rows are not moved.
        let grown = |fr: &Frame, g: usize| self.child_grown(fr.counts(g, k));
        let splits = |fr: &Frame, g: usize| self.child_splits(fr.counts(g, k), depth + 1);
        let any_split = (0..ng).any(|g| splits(&fr, g));
        if any_split {
            partition(enc.column(f), rows, scratch, &mut fr, ng);
        }
        let derived = if any_split {
            self.derive(cn, w, enc, &c, &fr, ng, rows, depth)
        } else {
            Vec::new()
        };
        let derived_of = |g: usize| derived.get(g).and_then(Option::as_ref);
        // A multiway split uses the feature up on this path; a binary one does not.
        let was_used = w.used[f];
        w.used[f] = c.threshold == 0 || was_used;
        fr.child_of.clear();
        fr.child_of.resize(ng, NO_CHILD);
        let shared = enc.n_rows() > LOCAL_COPY_MAX_ROWS;
        if any_split && shared && rows.len() > LOCAL_COPY_MAX_ROWS {
            // A large node of the shared table: children grow in parallel.
            let mut jobs: Vec<ChildJob<'_>> = Vec::new();
            let (mut rest_r, mut rest_s) = (rows, scratch);
            for g in 0..ng {
                let len = fr.bounds[g + 1] - fr.bounds[g];
                let (r, rr) = std::mem::take(&mut rest_r).split_at_mut(len);
                let (s, ss) = std::mem::take(&mut rest_s).split_at_mut(len);
                (rest_r, rest_s) = (rr, ss);
                if splits(&fr, g) {
                    jobs.push((g, r, s, derived_of(g)));
                }
            }
            let used = w.used.clone();
            let key = w.key;
            let frr = &fr;
            use rayon::prelude::*;
            let done: Vec<(usize, Arena)> = jobs
                .into_par_iter()
                .with_max_len(1)
                .map(|(g, r, s, d)| {
                    let mut sw = Work::new(used.len(), used.clone());
                    sw.key = mix(key, g as u64);
                    let mut sa = Arena::default();
                    let cc = frr.counts(g, k);
                    let small = r.len() <= LOCAL_COPY_MAX_ROWS
                        || r.len() * LOCAL_COPY_SHRINK <= enc.n_rows();
                    if self.local && small && r.len() >= LOCAL_COPY_MIN_CHILD {
                        let part: Vec<usize> = r.iter().map(|&x| x as usize).collect();
                        let sub = enc.select(&part);
                        drop(part);
                        let mut sr: Vec<u32> = (0..sub.n_rows() as u32).collect();
                        let mut ss = vec![0; sr.len()];
                        let sc = InMemory::new(&sub);
                        self.grow_own(
                            &sc,
                            &mut sw,
                            &mut sa,
                            &sub,
                            &mut sr,
                            &mut ss,
                            cc,
                            depth + 1,
                            d,
                        );
                    } else {
                        self.grow_own(cn, &mut sw, &mut sa, enc, r, s, cc, depth + 1, d);
                    }
                    // Held until every sibling is done: no spare capacity meanwhile.
                    sa.nodes.shrink_to_fit();
                    sa.slots.shrink_to_fit();
                    sa.counts.shrink_to_fit();
                    (g, sa)
                })
                .collect();
            let mut done = done.into_iter().peekable();
            for g in 0..ng {
                if !grown(&fr, g) {
                    continue;
                }
                let child = match done.next_if(|(dg, _)| *dg == g) {
                    Some((_, sub)) => arena.append(sub),
                    None => {
                        // Exact growth here too: a doubling after a large append would
                        // leave the arena with up to twice the room it needs.
                        arena.nodes.reserve_exact(1);
                        arena.counts.reserve_exact(k);
                        arena.push_leaf(fr.counts(g, k), depth + 1)
                    }
                };
                fr.child_of[g] = child as u32;
            }
        } else {
            for g in 0..ng {
                if !grown(&fr, g) {
                    continue;
                }
                let child = if splits(&fr, g) {
                    let (a, b) = (fr.bounds[g], fr.bounds[g + 1]);
                    let (r, s) = (&mut rows[a..b], &mut scratch[a..b]);
                    let key = w.key;
                    w.key = mix(key, g as u64);
                    let counts = fr.counts(g, k);
                    let child =
                        self.grow_own(cn, w, arena, enc, r, s, counts, depth + 1, derived_of(g));
                    w.key = key;
                    child
                } else {
                    arena.push_leaf(fr.counts(g, k), depth + 1)
                };
                fr.child_of[g] = child as u32;
            }
        }
        for v in 0..card {
            arena.slots[first + v] = fr.child_of[fr.group[v]];
        }
        w.used[f] = was_used;
        w.frames.push(fr);
        idx
    }

    /// Histogram subtraction (LightGBM's, Ke et al. 2017; exact here): the count
    /// tables of the largest child that will split are its parent's minus those of
    /// its siblings, `T_big = T_parent − Σ_{g ≠ big} T_g`, so its rows are never
    /// counted. The siblings are counted once here (the ones that split take their
    /// tables with them) — worth it when the largest child's rows outnumber the rows
    /// of the siblings that are leaves (counted only for the subtraction) plus the
    /// table cells copied. Exact integer row counts only: unweighted rows, all
    /// features a candidate (no per-node feature sample). Returns each child's derived
    /// tables (None: it counts its own rows), or nothing when not worth it.
    #[allow(clippy::too_many_arguments)]
    fn derive<C: Counter>(
        &self,
        cn: &C,
        w: &mut Work,
        enc: &Encoded,
        c: &Candidate,
        fr: &Frame,
        ng: usize,
        rows: &[u32],
        depth: usize,
    ) -> Vec<Option<Derived>> {
        if !self.subtract || self.sample.is_some() || enc.weights().is_some() {
            return Vec::new();
        }
        let k = self.k;
        let size = |g: usize| fr.bounds[g + 1] - fr.bounds[g];
        let splits = |g: usize| self.child_splits(fr.counts(g, k), depth + 1);
        let Some(big) = (0..ng)
            .filter(|&g| splits(g))
            .max_by_key(|&g| (size(g), std::cmp::Reverse(g)))
        else {
            return Vec::new();
        };
        // The children's candidates: the node's, less a multiway split's feature.
        let nf = w.used.len();
        let cands: Vec<usize> = (0..nf)
            .filter(|&j| !(w.used[j] || (j == c.feature && c.threshold == 0)))
            .collect();
        let schema = enc.schema();
        let cells: usize = cands
            .iter()
            .map(|&j| schema.features[j].cardinality() * k)
            .sum();
        let leaf_rows: usize = (0..ng).filter(|&g| g != big && !splits(g)).map(size).sum();
        if cands.is_empty() || size(big) * cands.len() <= leaf_rows * cands.len() + (ng + 2) * cells
        {
            return Vec::new();
        }
        // Starts as the node's own tables (counted for its split), minus each sibling.
        let mut big_tables = Derived::new(nf);
        for &j in &cands {
            match w.split.tables.table(j) {
                ClassTable::Ints(t) => big_tables.push(j, t.iter().copied()),
                ClassTable::Floats(t) => big_tables.push(j, t.iter().map(|&x| x as u32)),
            }
        }
        let mut out: Vec<Option<Derived>> = vec![None; ng];
        for (g, slot) in out.iter_mut().enumerate() {
            if g == big || size(g) == 0 {
                continue;
            }
            let r = &rows[fr.bounds[g]..fr.bounds[g + 1]];
            cn.class_tables(Rows::Subset(r), &cands, &mut w.sub_tables);
            let mut own = splits(g).then(|| Derived::new(nf));
            for (i, &j) in cands.iter().enumerate() {
                let rest = big_tables.table_mut(j);
                match w.sub_tables.table(i) {
                    ClassTable::Ints(t) => {
                        for (a, &b) in rest.iter_mut().zip(t) {
                            *a -= b;
                        }
                        if let Some(d) = own.as_mut() {
                            d.push(j, t.iter().copied());
                        }
                    }
                    ClassTable::Floats(t) => {
                        for (a, &b) in rest.iter_mut().zip(t) {
                            *a -= b as u32;
                        }
                        if let Some(d) = own.as_mut() {
                            d.push(j, t.iter().map(|&x| x as u32));
                        }
                    }
                }
            }
            *slot = own;
        }
        out[big] = Some(big_tables);
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn grow_frac<C: Counter>(
        &self,
        cn: &C,
        w: &mut Work,
        arena: &mut Arena,
        enc: &Encoded,
        rows: Vec<u32>,
        wt: Vec<f64>,
        class_counts: &[f64],
        depth: usize,
    ) -> usize {
        let Some(c) = self.choose(
            cn,
            w,
            enc,
            Rows::Weighted(&rows, &wt),
            class_counts,
            depth,
            None,
        ) else {
            return arena.push_leaf(class_counts, depth);
        };
        let f = c.feature;
        let k = self.k;
        let card = enc.schema().features[f].cardinality();
        let missing = enc.schema().features[f].missing_code() as usize;
        let (group, ng) = groups(enc, &c);
        let mg = group[missing];
        w.split.tables.table(f).to_f64(&mut w.split.fbuf);
        let table = &w.split.fbuf;
        let mut gt = vec![0.0; ng * k];
        for v in 0..card {
            for kk in 0..k {
                gt[group[v] * k + kk] += table[v * k + kk];
            }
        }
        let (idx, first) = arena.open_internal(&c, card, class_counts, depth);
        let sizes: Vec<f64> = gt.chunks_exact(k).map(|r| r.iter().sum()).collect();
        let known: f64 = (0..ng).filter(|&g| g != mg).map(|g| sizes[g]).sum();
        let grown: Vec<bool> = (0..ng)
            .map(|g| g != mg && sizes[g] >= self.p.min_rows_leaf && sizes[g] > 0.0)
            .collect();
        // Rows with a missing value go down every grown branch, weight × N_g / N_known.
        let col = enc.column(f);
        let mut parts: Vec<(Vec<u32>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); ng];
        for (&r, &x) in rows.iter().zip(&wt) {
            let g = group[col.get(r as usize) as usize];
            if g == mg {
                for u in 0..ng {
                    if grown[u] {
                        parts[u].0.push(r);
                        parts[u].1.push(x * sizes[u] / known);
                    }
                }
            } else if grown[g] {
                parts[g].0.push(r);
                parts[g].1.push(x);
            }
        }
        drop(rows);
        drop(wt);
        let was_used = w.used[f];
        w.used[f] = c.threshold == 0 || was_used;
        let mut cc = vec![0.0; k];
        let mut child_of = vec![NO_CHILD; ng];
        for (g, (r, x)) in parts.into_iter().enumerate() {
            if !grown[g] {
                continue;
            }
            // Child class counts: its known rows plus its share of the missing rows.
            for (kk, o) in cc.iter_mut().enumerate() {
                *o = gt[g * k + kk] + gt[mg * k + kk] * sizes[g] / known;
            }
            let key = w.key;
            w.key = mix(key, g as u64);
            child_of[g] = self.grow_frac(cn, w, arena, enc, r, x, &cc, depth + 1) as u32;
            w.key = key;
        }
        for v in 0..card {
            if v != missing {
                arena.slots[first + v] = child_of[group[v]];
            }
        }
        w.used[f] = was_used;
        idx
    }
}

/// Stable in-place partition of `rows` by the group of their code in `col` (counting
/// sort through `scratch`), grouping by `fr.group`; leaves the `n_groups + 1` bucket
/// boundaries in `fr.bounds`.
fn partition(col: &Codes, rows: &mut [u32], scratch: &mut [u32], fr: &mut Frame, n_groups: usize) {
    let Frame {
        group,
        bounds,
        next,
        ..
    } = fr;
    bounds.clear();
    bounds.resize(n_groups + 1, 0);
    macro_rules! run {
        ($v:expr) => {{
            let v = $v;
            for &r in rows.iter() {
                bounds[group[v[r as usize] as usize] + 1] += 1;
            }
            for i in 0..n_groups {
                bounds[i + 1] += bounds[i];
            }
            next.clear();
            next.extend_from_slice(bounds);
            let out = &mut scratch[..rows.len()];
            for &r in rows.iter() {
                let g = group[v[r as usize] as usize];
                out[next[g]] = r;
                next[g] += 1;
            }
            rows.copy_from_slice(out);
        }};
    }
    match col {
        Codes::U8(v) => run!(v),
        Codes::U16(v) => run!(v),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::{EncodedFeature, EncodedSchema};
    use crate::tree::Id3;

    fn feature(name: &str, levels: usize) -> EncodedFeature {
        EncodedFeature {
            name: name.into(),
            levels: (0..levels).map(|l| format!("{name}{l}")).collect(),
            numeric: false,
        }
    }

    /// 24 rows, three categorical features: `a` (3 levels) decides the class unless
    /// `a = 2`, where `b` (2 levels) decides it; `c` (4 levels) is noise.
    fn table() -> Encoded {
        let schema = Arc::new(EncodedSchema {
            features: vec![feature("a", 3), feature("b", 2), feature("c", 4)],
            classes: vec!["retained".into(), "churned".into()],
        });
        let a: Vec<u8> = (0..24).map(|i| (i % 3) as u8).collect();
        let b: Vec<u8> = (0..24).map(|i| ((i / 3) % 2) as u8).collect();
        let c: Vec<u8> = (0..24).map(|i| ((i * 7) % 4) as u8).collect();
        let labels = (0..24)
            .map(|i| match a[i] {
                0 => 0,
                1 => 1,
                _ => b[i],
            })
            .collect();
        Encoded::new(
            schema,
            vec![Codes::U8(a), Codes::U8(b), Codes::U8(c)],
            labels,
            None,
        )
        .unwrap()
    }

    /// Histogram subtraction changes no tree: multiway and binary splits, with and
    /// without depth and leaf limits, on a table large enough for the parallel
    /// branch and the local copies (the test panics on a negative derived count in
    /// debug builds).
    #[test]
    fn subtracted_tables_grow_the_trees_counted_ones_do() {
        use crate::tree::{Criterion, NumericSplits};
        let n = 40_000usize;
        let cards = [3usize, 5, 9, 17, 33, 2];
        let schema = Arc::new(EncodedSchema {
            features: cards
                .iter()
                .enumerate()
                .map(|(j, &c)| EncodedFeature {
                    numeric: j % 2 == 1,
                    ..feature(&format!("f{j}"), c - 1)
                })
                .collect(),
            classes: vec!["retained".into(), "churned".into()],
        });
        let mut h = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            h = mix(h, 1);
            h
        };
        let cols: Vec<Vec<u8>> = cards
            .iter()
            .map(|&c| (0..n).map(|_| (next() % c as u64) as u8).collect())
            .collect();
        // A few rules on f0, f3 and f4, 10 % of the labels flipped.
        let labels: Vec<u8> = (0..n)
            .map(|i| {
                let rule = (cols[0][i] == 1 && cols[3][i] < 8) || cols[4][i] > 25;
                u8::from(rule != (next() % 10 == 0))
            })
            .collect();
        let enc = Encoded::new(
            schema,
            cols.into_iter().map(Codes::U8).collect(),
            labels,
            None,
        )
        .unwrap();
        let variants = [
            Id3::weighted().pruning(Pruning::None),
            Id3::weighted().max_depth(Some(4)).min_rows_leaf(40.0),
            Id3::params().min_rows_leaf(3.0),
            Id3::params()
                .criterion(Criterion::GainRatio)
                .numeric_splits(NumericSplits::Binary),
        ];
        for p in variants {
            let with = p.clone().fit(&enc).unwrap();
            SUBTRACT_OFF.with(|c| c.set(true));
            let without = p.fit(&enc).unwrap();
            SUBTRACT_OFF.with(|c| c.set(false));
            assert!(
                with.n_nodes() > 50,
                "a tree worth comparing: {}",
                with.n_nodes()
            );
            assert_eq!(with.canonical_dump(), without.canonical_dump());
            assert!(with == without);
        }
    }

    #[test]
    fn partition_keeps_every_row_once_grouped_by_child_in_row_order() {
        let codes: Vec<u16> = (0..50u16).map(|i| (i * 7 + i / 5) % 5).collect();
        for col in [
            Codes::U8(codes.iter().map(|&c| c as u8).collect()),
            Codes::U16(codes.clone()),
        ] {
            // Codes 0 and 3 go to group 0, 1 to group 1, 2 and 4 to group 2.
            let mut fr = Frame {
                group: vec![0, 1, 2, 0, 2],
                ..Frame::default()
            };
            let before: Vec<u32> = (0..50).filter(|r| r % 4 != 1).collect();
            let mut rows = before.clone();
            let mut scratch = vec![0; rows.len()];
            partition(&col, &mut rows, &mut scratch, &mut fr, 3);
            let mut sorted = rows.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, before, "every row exactly once");
            assert_eq!(fr.bounds.len(), 4);
            assert_eq!((fr.bounds[0], fr.bounds[3]), (0, rows.len()));
            for g in 0..3 {
                let part = &rows[fr.bounds[g]..fr.bounds[g + 1]];
                let want: Vec<u32> = before
                    .iter()
                    .copied()
                    .filter(|&r| fr.group[codes[r as usize] as usize] == g)
                    .collect();
                assert_eq!(part, &want[..], "group {g}: its rows, ascending");
            }
        }
    }

    #[test]
    fn builder_grows_the_hand_made_tree() {
        let enc = table();
        let t = Id3::params().fit(&enc).unwrap();
        // Root on `a`; `a = 2` splits on `b`; everything else is pure.
        assert_eq!(t.nodes()[0].feature, 0);
        assert_eq!(t.n_nodes(), 6);
        assert_eq!(t.n_leaves(), 4);
        assert_eq!(t.depth(), 2);
        let b = t.child(0, 2).unwrap();
        assert_eq!(t.nodes()[b].feature, 1);
        assert_eq!(t.predict(&enc).unwrap(), enc.labels());
        assert_eq!(t.node_counts(0), &[12.0, 12.0]);
    }

    #[test]
    fn builder_respects_max_depth() {
        let enc = table();
        for d in 0..3 {
            let t = Id3::params().max_depth(Some(d)).fit(&enc).unwrap();
            assert!(t.depth() <= d, "max_depth {d}: depth {}", t.depth());
            assert!(t.nodes().iter().all(|n| n.depth as usize <= d));
        }
        let t = Id3::params().max_depth(Some(0)).fit(&enc).unwrap();
        assert_eq!(t.n_nodes(), 1);
        let t = Id3::params().max_depth(Some(1)).fit(&enc).unwrap();
        assert_eq!((t.n_nodes(), t.depth()), (4, 1));
    }

    #[test]
    fn builder_respects_min_rows_leaf() {
        let enc = table();
        // `a = 2` holds 8 rows, 4 per value of `b`: a leaf of 5 forbids that split.
        let t = Id3::params().min_rows_leaf(5.0).fit(&enc).unwrap();
        assert_eq!((t.n_nodes(), t.depth()), (4, 1));
        for n in 1..t.n_nodes() {
            assert!(t.nodes()[n].weight >= 5.0, "node {n}");
        }
        // A leaf of 9 rules `a` (8 rows a value) and `c` (6) out at the root: only `b`
        // (12 rows a value) is admissible, and its children are too small to split.
        let t = Id3::params().min_rows_leaf(9.0).fit(&enc).unwrap();
        assert_eq!((t.n_nodes(), t.nodes()[0].feature), (3, 1));
        // A leaf of 13 rules every split out.
        let t = Id3::params().min_rows_leaf(13.0).fit(&enc).unwrap();
        assert_eq!(t.n_nodes(), 1);
    }

    #[test]
    fn fit_rows_equals_a_fit_on_the_selected_rows() {
        let enc = table();
        let rows: Vec<u32> = (0..24).filter(|r| r % 5 != 0).collect();
        let part: Vec<usize> = rows.iter().map(|&r| r as usize).collect();
        let p = Id3::params().check().unwrap();
        let a = p.fit_rows(&enc, rows).unwrap();
        let b = p.fit(&enc.select(&part)).unwrap();
        assert_eq!(a.nodes(), b.nodes());
        assert_eq!(a.slots, b.slots);
        assert_eq!(a.counts, b.counts);
    }
}
