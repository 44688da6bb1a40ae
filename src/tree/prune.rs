//! Post-pruning: reduced-error pruning on held-out rows, and C4.5's pessimistic
//! (error-based) pruning.
//!
//! Both work bottom-up and replace a subtree by a leaf (the subtree's root, keeping its
//! training counts) when that does not make things worse by their measure:
//!
//! - **Reduced error** (Quinlan 1987, "Simplifying decision trees"): the weighted number
//!   of misclassified held-out rows. Because a subtree is replaced only when its leaf
//!   errs no more than the (already pruned) subtree, pruning never raises the error on
//!   the held-out rows.
//! - **Pessimistic** (Quinlan 1993, C4.5 §4.2): a node with `N` training rows and `E`
//!   errors is charged `E + U_CF(E, N)` errors, with `U_CF` the upper limit of the
//!   binomial confidence interval at confidence `CF` (normal approximation with the
//!   continuity correction, and C4.5's exact forms for `E < 1` and `E + 0.5 ≥ N`, as in
//!   Weka's `Stats.addErrs`). A subtree is replaced when its leaf's charge is no more
//!   than the sum over its leaves + 0.1. The pruned tree's estimated error is never above
//!   the unpruned tree's.

use super::node::LEAF;
use super::tree::{DecisionTree, MissingPolicy};
use crate::data::Encoded;
use crate::error::Result;
use crate::math::{argmax, normal_quantile};

/// Reduced-error pruning of `tree` against `rows` of `enc` (the held-out rows).
pub fn reduced_error(tree: &mut DecisionTree, enc: &Encoded, rows: &[u32]) -> Result<()> {
    let k = tree.n_classes();
    let n = tree.nodes.len();
    // val[node]: held-out class weights reaching the node; stop[node]: those that stop
    // there (unseen value) or arrive spread over branches.
    let mut val = vec![0.0; n * k];
    let mut stop = vec![0.0; n * k];
    for &r in rows {
        let r = r as usize;
        route(tree, enc, r, 0, enc.weight(r), &mut val, &mut stop);
    }
    rep(tree, 0, &val, &stop);
    tree.compact();
    Ok(())
}

/// Weighted error of the held-out rows at `node` if it were a leaf.
fn leaf_err(tree: &DecisionTree, node: usize, val: &[f64]) -> f64 {
    let k = tree.n_classes();
    let v = &val[node * k..(node + 1) * k];
    let total: f64 = v.iter().sum();
    total - v[tree.node_class(node)]
}

fn rep(tree: &mut DecisionTree, node: usize, val: &[f64], stop: &[f64]) -> f64 {
    let here = leaf_err(tree, node, val);
    if tree.nodes[node].is_leaf() {
        return here;
    }
    let mut sub = leaf_err(tree, node, stop);
    for (_, c) in tree.children(node) {
        sub += rep(tree, c, val, stop);
    }
    if here <= sub {
        tree.nodes[node].feature = LEAF;
        here
    } else {
        sub
    }
}

/// Sends held-out row `r` down from `node` with weight `w`, adding its label's weight to
/// every node it reaches.
fn route(
    tree: &DecisionTree,
    enc: &Encoded,
    r: usize,
    node: usize,
    w: f64,
    val: &mut [f64],
    stop: &mut [f64],
) {
    let k = tree.n_classes();
    let label = enc.labels()[r] as usize;
    val[node * k + label] += w;
    let nd = tree.nodes[node];
    if nd.is_leaf() {
        return;
    }
    let f = nd.feature as usize;
    let code = enc.code(r, f);
    if tree.missing == MissingPolicy::Fractional && code == tree.schema.features[f].missing_code() {
        let kids = tree.children(node);
        let total: f64 = kids.iter().map(|&(_, c)| tree.nodes[c].weight).sum();
        if total > 0.0 {
            for (_, c) in kids {
                route(tree, enc, r, c, w * tree.nodes[c].weight / total, val, stop);
            }
            return;
        }
    }
    match tree.child(node, code) {
        Some(c) => route(tree, enc, r, c, w, val, stop),
        None => stop[node * k + label] += w,
    }
}

/// The estimated errors a leaf with `n` rows and `e` errors adds at confidence `cf`
/// (C4.5's `AddErrs`; Weka's `Stats.addErrs`).
pub fn add_errs(n: f64, e: f64, cf: f64) -> f64 {
    if n <= 0.0 {
        return 0.0;
    }
    if e < 1.0 {
        let base = n * (1.0 - cf.powf(1.0 / n));
        if e <= 0.0 {
            return base;
        }
        return base + e * (add_errs(n, 1.0, cf) - base);
    }
    if e + 0.5 >= n {
        return (n - e).max(0.0);
    }
    let z = normal_quantile(1.0 - cf);
    let f = (e + 0.5) / n;
    let r = (f + z * z / (2.0 * n) + z * (f / n - f * f / n + z * z / (4.0 * n * n)).sqrt())
        / (1.0 + z * z / n);
    r * n - e
}

/// C4.5's estimated errors of a node treated as a leaf: `E + U_CF(E, N)`.
pub fn leaf_estimate(counts: &[f64], cf: f64) -> f64 {
    let n: f64 = counts.iter().sum();
    let e = n - counts[argmax(counts)];
    e + add_errs(n, e, cf)
}

/// C4.5's estimated errors of the whole tree (the sum over the rows' final nodes:
/// leaves, plus the rows that stop at internal nodes).
pub fn estimated_errors(tree: &DecisionTree, cf: f64) -> f64 {
    est(tree, 0, cf)
}

fn est(tree: &DecisionTree, node: usize, cf: f64) -> f64 {
    if tree.nodes[node].is_leaf() {
        return leaf_estimate(tree.node_counts(node), cf);
    }
    let kids = tree.children(node);
    stopped_estimate_of(tree, node, &kids, cf)
        + kids.iter().map(|&(_, c)| est(tree, c, cf)).sum::<f64>()
}

/// Rows of an internal node that were not grown into a child (branches below
/// `min_rows_leaf`) stay at the node: their estimated errors.
/// `kids` are the node's children (as [`DecisionTree::children`]).
fn stopped_estimate_of(tree: &DecisionTree, node: usize, kids: &[(u16, usize)], cf: f64) -> f64 {
    let k = tree.n_classes();
    let mut rest = tree.node_counts(node).to_vec();
    for &(_, c) in kids {
        for (r, x) in rest.iter_mut().zip(tree.node_counts(c)) {
            *r -= x;
        }
    }
    let n: f64 = rest.iter().map(|x| x.max(0.0)).sum();
    if n < 1e-9 {
        return 0.0;
    }
    let cls = tree.node_class(node);
    let e = n - rest[cls].max(0.0);
    debug_assert!(rest.len() == k);
    e + add_errs(n, e, cf)
}

/// Pessimistic pruning of `tree` at confidence `cf`.
pub fn pessimistic(tree: &mut DecisionTree, cf: f64) {
    pess(tree, 0, cf);
    tree.compact();
}

/// Cost-complexity (weakest-link) pruning, as CART (Breiman et al. 1984, ch. 3): the
/// subtree minimizing `R(T) + α·W·|leaves(T)|`, with `R` the weighted training errors
/// (the majority class of each final node), `W` the root's weight and `α` the price of
/// a leaf as a fraction of the rows. Computed bottom-up: a node becomes a leaf when its
/// own cost is no more than its subtree's (ties prune), which gives the smallest
/// minimizing subtree; the trees for growing `α` are nested.
pub fn cost_complexity(tree: &mut DecisionTree, alpha: f64) {
    let a = alpha * tree.nodes[0].weight;
    ccp(tree, 0, a);
    tree.compact();
}

/// Cost-complexity pruning that only marks the pruned nodes as leaves (see
/// [`pessimistic_marks`]).
pub(crate) fn cost_complexity_marks(tree: &mut DecisionTree, alpha: f64) {
    let a = alpha * tree.nodes[0].weight;
    ccp(tree, 0, a);
}

fn ccp(tree: &mut DecisionTree, node: usize, a: f64) -> f64 {
    let c = tree.node_counts(node);
    let leaf = c.iter().sum::<f64>() - c[argmax(c)] + a;
    if tree.nodes[node].is_leaf() {
        return leaf;
    }
    // Rows not grown into a child stay at the node (no leaf of their own).
    let k = tree.n_classes();
    let mut rest = c.to_vec();
    let kids = tree.children(node);
    for &(_, ch) in &kids {
        for (r, x) in rest.iter_mut().zip(tree.node_counts(ch)) {
            *r -= x;
        }
    }
    let cls = tree.node_class(node);
    debug_assert!(rest.len() == k);
    let mut sub = (rest.iter().map(|x| x.max(0.0)).sum::<f64>() - rest[cls].max(0.0)).max(0.0);
    for (_, ch) in kids {
        sub += ccp(tree, ch, a);
    }
    if leaf <= sub {
        tree.nodes[node].feature = LEAF;
        leaf
    } else {
        sub
    }
}

/// Pessimistic pruning that only marks the pruned nodes as leaves (their subtrees stay
/// in the arena, unreachable): the cross-validation of `tune` reads a pruning path
/// off one grown tree this way.
pub(crate) fn pessimistic_marks(tree: &mut DecisionTree, cf: f64) {
    pess(tree, 0, cf);
}

fn pess(tree: &mut DecisionTree, node: usize, cf: f64) -> f64 {
    let leaf = leaf_estimate(tree.node_counts(node), cf);
    if tree.nodes[node].is_leaf() {
        return leaf;
    }
    let kids = tree.children(node);
    let mut sub = stopped_estimate_of(tree, node, &kids, cf);
    for (_, c) in kids {
        sub += pess(tree, c, cf);
    }
    if leaf <= sub + 0.1 {
        tree.nodes[node].feature = LEAF;
        leaf
    } else {
        sub
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_complexity_path_is_nested_and_shrinks_to_the_root() {
        use crate::tree::Id3;
        let t = crate::synth::generate(&crate::synth::SynthParams {
            rows: 3000,
            seed: 4,
            ..crate::synth::SynthParams::default()
        })
        .unwrap();
        let rows = t.all_rows();
        let d = crate::data::Discretizer::fit(
            &t,
            &rows,
            &crate::data::Binning::EqualFrequency { bins: 8 },
        )
        .unwrap();
        let enc = d.encode_rows(&t, &rows).unwrap().0;
        let full = Id3::weighted()
            .pruning(super::super::Pruning::None)
            .max_depth(Some(8))
            .fit(&enc)
            .unwrap();
        // Internal nodes as (feature, depth, counts) paths are compared through the
        // set of split paths: the rules of a more pruned tree are a prefix-closed
        // subset of the less pruned one's.
        let splits = |tree: &DecisionTree| -> Vec<String> {
            let mut out = Vec::new();
            let mut stack = vec![(0usize, String::new())];
            while let Some((n, path)) = stack.pop() {
                if tree.nodes[n].is_leaf() {
                    continue;
                }
                out.push(path.clone());
                for (code, ch) in tree.children(n) {
                    stack.push((ch, format!("{path}/{}={code}", tree.nodes[n].feature)));
                }
            }
            out.sort();
            out
        };
        let mut prev = splits(&full);
        let mut prev_leaves = full.n_leaves();
        for alpha in [0.0, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 1.0] {
            let mut tree = full.clone();
            cost_complexity(&mut tree, alpha);
            let now = splits(&tree);
            assert!(
                now.iter().all(|p| prev.contains(p)),
                "alpha {alpha}: not nested"
            );
            assert!(tree.n_leaves() <= prev_leaves);
            prev_leaves = tree.n_leaves();
            prev = now;
        }
        assert_eq!(
            prev_leaves, 1,
            "a leaf price above every gain prunes to the root"
        );
    }

    #[test]
    fn add_errs_matches_c45() {
        // C4.5 book, §4.2: a leaf with N = 6, E = 0 at CF 0.25 is charged 6 × 0.206.
        assert!((add_errs(6.0, 0.0, 0.25) - 6.0 * 0.206).abs() < 0.01);
        // N = 9, E = 0: 9 × 0.143; N = 1: 0.750.
        assert!((add_errs(9.0, 0.0, 0.25) - 9.0 * 0.143).abs() < 0.01);
        assert!((add_errs(1.0, 0.0, 0.25) - 0.75).abs() < 1e-9);
        // Monotone in E.
        assert!(add_errs(20.0, 3.0, 0.25) + 3.0 < add_errs(20.0, 4.0, 0.25) + 4.0);
    }
}
