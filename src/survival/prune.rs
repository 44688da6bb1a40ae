//! Split-complexity pruning of a grown [`SurvivalTree`] (LeBlanc & Crowley 1993,
//! "Survival trees by goodness of split", JASA 88(422): 457–467).
//!
//! A survival tree's splits are chosen by the log-rank statistic, so its natural
//! "cost" is not an impurity but the statistics of its splits. For a tree `T` with
//! internal nodes `S(T)` and split statistics `G(h)` (the log-rank `χ²`), the
//! **split complexity** is
//!
//! `G_α(T) = Σ_{h ∈ S(T)} G(h) − α · |S(T)|`,
//!
//! and pruning keeps, for each `α ≥ 0`, the subtree maximising it. As in CART's
//! cost-complexity pruning the optimal subtrees are nested and found by weakest-link
//! cutting: for every internal node `h` of the current tree let
//! `g(h) = G(T_h) / |S(T_h)|` — the mean statistic of the splits in the branch below
//! (and at) `h`; the branch with the smallest `g` is cut first (turned into a leaf),
//! at `α = g(h)`; repeat on the pruned tree. [`collapse_alphas`] returns for each
//! internal node the `α` at which it becomes a leaf; the subtree `T(α)` keeps
//! exactly the internal nodes whose value exceeds `α`.
//!
//! The self-tuning chooses `α` as a fraction of the root's statistic (statistics grow
//! with the number of rows, so a fraction chosen on CV folds carries over to the
//! final fit on all rows) by cross-validated C-index, beside depth cuts.

use super::curve::{Estimator, SurvivalCurve};
use super::data::SurvivalData;
use super::tree::{SURVIVAL_LEAF, SurvivalNode, SurvivalTree};
use crate::data::Encoded;
use crate::error::{Error, Result};

/// The distinct children of internal node `n`, in slot order.
pub(crate) fn children(tree: &SurvivalTree, n: usize) -> Vec<usize> {
    let node = &tree.nodes[n];
    let card = tree.schema.features[node.feature as usize].cardinality();
    let mut kids: Vec<usize> = Vec::with_capacity(2);
    for c in 0..card as u16 {
        let k = tree.child(n, c);
        if !kids.contains(&k) {
            kids.push(k);
        }
    }
    kids
}

/// For each node, the split-complexity `α` at which weakest-link pruning turns it
/// into a leaf (see the module docs): `+∞` for a leaf (it never is a split), and
/// non-increasing from a node to its descendants, so `T(α)` — the internal nodes
/// whose value exceeds `α` — is a subtree containing the root whenever it contains
/// any node.
///
/// Each weakest-link step costs one pass over the nodes; a tree with `k` internal
/// nodes takes at most `k` steps (`O(k · n)` in all; self-tuned trees have a few
/// hundred nodes).
pub fn collapse_alphas(tree: &SurvivalTree) -> Vec<f64> {
    let n = tree.nodes.len();
    let kids: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            if tree.nodes[i].is_leaf() {
                Vec::new()
            } else {
                children(tree, i)
            }
        })
        .collect();
    // Nodes are in pre-order: a node's subtree is the range i..end[i].
    let mut end = vec![0usize; n];
    for i in (0..n).rev() {
        end[i] = kids[i].iter().map(|&k| end[k]).max().unwrap_or(i + 1);
    }
    let mut alive: Vec<bool> = tree.nodes.iter().map(|x| !x.is_leaf()).collect();
    let mut collapse = vec![f64::INFINITY; n];
    let (mut sum, mut count) = (vec![0.0f64; n], vec![0usize; n]);
    let mut level = 0.0f64;
    loop {
        // Branch sums over the live internal nodes, children before parents.
        let mut weakest: Option<(f64, usize)> = None;
        for i in (0..n).rev() {
            if !alive[i] {
                continue;
            }
            let (mut s, mut c) = (tree.nodes[i].statistic, 1usize);
            for &k in &kids[i] {
                if alive[k] {
                    s += sum[k];
                    c += count[k];
                }
            }
            sum[i] = s;
            count[i] = c;
            let g = s / c as f64;
            if weakest.is_none_or(|(w, _)| g < w) {
                weakest = Some((g, i));
            }
        }
        let Some((g, _)) = weakest else { break };
        // The sequence of α is non-decreasing (cutting a weakest link cannot lower
        // the remaining branches' means below it, up to rounding).
        level = level.max(g);
        let tied: Vec<usize> = (0..n)
            .filter(|&i| alive[i] && sum[i] / count[i] as f64 <= g * (1.0 + 1e-12))
            .collect();
        for h in tied {
            for j in h..end[h] {
                if alive[j] {
                    alive[j] = false;
                    collapse[j] = level;
                }
            }
        }
    }
    collapse
}

/// The node row `r` of `enc` ends at in `T(α)`: its path stops at the first node that
/// is a leaf or collapses at or below `alpha`.
#[inline]
pub(crate) fn node_at(
    tree: &SurvivalTree,
    collapse: &[f64],
    enc: &Encoded,
    r: usize,
    alpha: f64,
) -> usize {
    let mut n = 0;
    while !tree.nodes[n].is_leaf() && collapse[n] > alpha {
        n = tree.child(n, enc.code(r, tree.nodes[n].feature as usize));
    }
    n
}

/// The number of leaves of `T(α)`.
pub(crate) fn leaves_at(tree: &SurvivalTree, collapse: &[f64], alpha: f64) -> usize {
    // Internal nodes kept; in a tree whose every split has 2 children a tree with k
    // kept internal nodes has k + 1 leaves, but count exactly for any arity.
    let mut leaves = 0;
    let mut stack = vec![0usize];
    while let Some(n) = stack.pop() {
        if tree.nodes[n].is_leaf() || collapse[n] <= alpha {
            leaves += 1;
        } else {
            stack.extend(children(tree, n));
        }
    }
    leaves
}

impl SurvivalTree {
    /// The subtree `T(α)` of split-complexity pruning (see [`collapse_alphas`]): the
    /// internal nodes whose collapse value exceeds `alpha` are kept, the others'
    /// branches become leaves whose curves are re-estimated (with `estimator`) from
    /// the training customers reaching them — `rows` of `enc` and `data`, the rows the
    /// tree was grown on — so every leaf's curve and restricted mean are those of its
    /// own customers, as in a grown tree. `alpha = 0` keeps every split whose branch
    /// has a positive statistic.
    ///
    /// # Errors
    /// [`Error::Param`] for a negative or non-finite `alpha`; [`Error::Schema`] when
    /// `enc` does not have the tree's features or `data` is not aligned with it.
    pub fn pruned(
        &self,
        alpha: f64,
        enc: &Encoded,
        data: &SurvivalData,
        rows: &[usize],
        estimator: Estimator,
    ) -> Result<SurvivalTree> {
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(Error::param("alpha", alpha, "must be a finite number >= 0"));
        }
        if data.len() != enc.n_rows() {
            return Err(Error::schema(format!(
                "{} durations for {} encoded rows",
                data.len(),
                enc.n_rows()
            )));
        }
        self.leaves(enc)?; // checks the codes
        if rows.iter().any(|&r| r >= enc.n_rows()) {
            return Err(Error::param("rows", "index", "a row index is out of range"));
        }
        let collapse = collapse_alphas(self);
        // Each old node's new index (kept internal nodes and the new leaves), pre-order.
        let n = self.nodes.len();
        let mut new_index = vec![u32::MAX; n];
        let mut nodes: Vec<SurvivalNode> = Vec::new();
        let mut slots: Vec<u32> = Vec::new();
        let mut curves: Vec<SurvivalCurve> = Vec::new();
        // Items of each new leaf whose curve is re-estimated: (old node, rows).
        let mut refit: Vec<(usize, Vec<usize>)> = Vec::new();
        let mut refit_of = vec![usize::MAX; n];
        let mut stack = vec![0usize];
        while let Some(i) = stack.pop() {
            let old = self.nodes[i];
            new_index[i] = nodes.len() as u32;
            if old.is_leaf() {
                let mut node = old;
                node.curve = curves.len() as u32;
                curves.push(self.curves[old.curve as usize].clone());
                nodes.push(node);
            } else if collapse[i] <= alpha {
                let mut node = old;
                node.feature = SURVIVAL_LEAF;
                node.first_slot = 0;
                node.statistic = 0.0;
                node.curve = curves.len() as u32;
                refit_of[i] = refit.len();
                refit.push((curves.len(), Vec::new()));
                curves.push(SurvivalCurve::from_sorted(estimator, std::iter::empty()));
                nodes.push(node);
            } else {
                let card = self.schema.features[old.feature as usize].cardinality();
                let mut node = old;
                node.first_slot = slots.len() as u32;
                // Old child indices for now; renumbered below.
                for c in 0..card as u16 {
                    slots.push(self.child(i, c) as u32);
                }
                nodes.push(node);
                // Children in their old order (ascending indices), so an unpruned
                // tree keeps its node order.
                let mut kids = children(self, i);
                kids.sort_unstable();
                stack.extend(kids.into_iter().rev());
            }
        }
        for s in &mut slots {
            *s = new_index[*s as usize];
        }
        // Route the training rows to the collapsed nodes they end at.
        for &r in rows {
            let at = node_at(self, &collapse, enc, r, alpha);
            if refit_of[at] != usize::MAX {
                refit[refit_of[at]].1.push(r);
            }
        }
        let (d, e) = (data.durations(), data.events());
        for (curve, mut members) in refit {
            members.sort_by(|&a, &b| d[a].total_cmp(&d[b]).then(a.cmp(&b)));
            curves[curve] = SurvivalCurve::from_sorted(
                estimator,
                members.iter().map(|&r| (d[r], e[r], data.weight(r))),
            );
        }
        Ok(SurvivalTree {
            schema: self.schema.clone(),
            nodes,
            slots,
            curves,
            tau: self.tau,
            time_cuts: self.time_cuts.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survival::SurvivalTreeParams;
    use crate::survival::grow::tests::synthetic;

    fn deep(n: usize, seed: u64) -> (SurvivalTree, Encoded, SurvivalData) {
        let (enc, data) = synthetic(n, seed);
        let tree = SurvivalTreeParams::new()
            .max_depth(None)
            .min_rows_leaf(10.0)
            .fit(&enc, &data)
            .unwrap();
        assert!(tree.n_leaves() >= 6, "{} leaves", tree.n_leaves());
        (tree, enc, data)
    }

    /// The subtree maximising `Σ G(h) − α |S|` by dynamic programming over the nodes
    /// (a node is kept iff `G(h) − α + Σ value(children) > 0`): the definition the
    /// weakest-link sequence must reproduce.
    fn optimal_kept(tree: &SurvivalTree, alpha: f64) -> Vec<bool> {
        let n = tree.nodes.len();
        let mut value = vec![0.0; n];
        let mut keep = vec![false; n];
        for i in (0..n).rev() {
            if tree.nodes[i].is_leaf() {
                continue;
            }
            let v = tree.nodes[i].statistic - alpha
                + children(tree, i).iter().map(|&k| value[k]).sum::<f64>();
            if v > 0.0 {
                value[i] = v;
                keep[i] = true;
            }
        }
        // A node is in the subtree only if its ancestors are.
        let mut kept = vec![false; n];
        let mut stack = vec![0];
        while let Some(i) = stack.pop() {
            if keep[i] {
                kept[i] = true;
                stack.extend(children(tree, i));
            }
        }
        kept
    }

    #[test]
    fn weakest_link_subtrees_are_the_optimal_split_complexity_subtrees() {
        for seed in [1, 2, 3] {
            let (tree, _, _) = deep(3000, seed);
            let collapse = collapse_alphas(&tree);
            // Leaves never split; a node collapses no later than its parent.
            for i in 0..tree.n_nodes() {
                if tree.nodes[i].is_leaf() {
                    assert_eq!(collapse[i], f64::INFINITY);
                } else {
                    assert!(collapse[i].is_finite() && collapse[i] >= 0.0);
                    for k in children(&tree, i) {
                        if !tree.nodes[k].is_leaf() {
                            assert!(collapse[k] <= collapse[i], "{k} under {i}");
                        }
                    }
                }
            }
            // Between consecutive critical values, T(α) is the DP optimum.
            let mut levels: Vec<f64> = collapse.iter().copied().filter(|a| a.is_finite()).collect();
            levels.sort_by(f64::total_cmp);
            levels.dedup();
            let mut probes = vec![0.0];
            probes.extend(levels.windows(2).map(|w| (w[0] + w[1]) / 2.0));
            probes.push(levels[levels.len() - 1] * 2.0);
            for alpha in probes {
                let ours: Vec<bool> = (0..tree.n_nodes())
                    .map(|i| !tree.nodes[i].is_leaf() && collapse[i] > alpha)
                    .collect();
                assert_eq!(ours, optimal_kept(&tree, alpha), "seed {seed}, α {alpha}");
            }
        }
    }

    #[test]
    fn a_pruned_tree_is_a_valid_tree_of_its_customers() {
        let (tree, enc, data) = deep(3000, 4);
        let rows: Vec<usize> = (0..enc.n_rows()).collect();
        let km = SurvivalCurve::from_sorted(Estimator::KaplanMeier, {
            let order = data.order_by_duration();
            order
                .into_iter()
                .map(|r| (data.durations()[r], data.events()[r], data.weight(r)))
                .collect::<Vec<_>>()
                .into_iter()
        });
        // α = 0 keeps every split (all statistics are positive).
        let same = tree
            .pruned(0.0, &enc, &data, &rows, Estimator::KaplanMeier)
            .unwrap();
        assert_eq!(same.n_nodes(), tree.n_nodes());
        for i in 0..tree.n_nodes() {
            assert_eq!(same.nodes()[i], tree.nodes()[i], "node {i}");
        }
        assert_eq!(same.slots, tree.slots);
        assert!(same.curves() == tree.curves());
        // A huge α leaves the root alone: the Kaplan–Meier curve of every customer.
        let root = tree
            .pruned(1e300, &enc, &data, &rows, Estimator::KaplanMeier)
            .unwrap();
        assert_eq!(root.n_nodes(), 1);
        root.validate().unwrap();
        assert_eq!(root.curves()[0], km);
        assert!((root.nodes()[0].rmst - km.restricted_mean(0.0, tree.tau())).abs() < 1e-9);
        // In between: valid, nested, its leaf curves those of its leaves' customers,
        // and the held-out risks those the tuning reads off the grown tree.
        let collapse = collapse_alphas(&tree);
        let mut mid: Vec<f64> = collapse.iter().copied().filter(|a| a.is_finite()).collect();
        mid.sort_by(f64::total_cmp);
        let alpha = mid[mid.len() / 2];
        let p = tree
            .pruned(alpha, &enc, &data, &rows, Estimator::KaplanMeier)
            .unwrap();
        p.validate().unwrap();
        assert!(p.n_leaves() < tree.n_leaves() && p.n_leaves() > 1);
        assert_eq!(p.n_leaves(), leaves_at(&tree, &collapse, alpha));
        let leaves = p.leaves(&enc).unwrap();
        for (l, &leaf) in leaves.iter().enumerate().take(500) {
            let at = node_at(&tree, &collapse, &enc, l, alpha);
            assert_eq!(p.risk(leaf), tree.risk(at));
            assert_eq!(p.nodes()[leaf].weight, tree.nodes()[at].weight);
        }
        for leaf in (0..p.n_nodes()).filter(|&i| p.nodes()[i].is_leaf()) {
            let members: Vec<usize> = (0..enc.n_rows()).filter(|&r| leaves[r] == leaf).collect();
            let sub = data.select(&members);
            let curve = SurvivalCurve::kaplan_meier(&sub);
            assert_eq!(p.leaf_curve(leaf).times(), curve.times());
            for (a, b) in p.leaf_curve(leaf).survival().iter().zip(curve.survival()) {
                assert!((a - b).abs() < 1e-12);
            }
            let rmst = curve.restricted_mean(0.0, p.tau());
            assert!((p.nodes()[leaf].rmst - rmst).abs() < 1e-9);
        }
        // Fitting with prune_alpha gives the same tree.
        let root_stat = tree.nodes()[0].statistic;
        let fitted = SurvivalTreeParams::new()
            .max_depth(None)
            .min_rows_leaf(10.0)
            .prune_alpha(Some(alpha / root_stat))
            .fit(&enc, &data)
            .unwrap();
        assert_eq!(fitted.n_leaves(), p.n_leaves());
        assert!(
            tree.pruned(-1.0, &enc, &data, &rows, Estimator::KaplanMeier)
                .is_err()
        );
        assert!(
            SurvivalTreeParams::new()
                .prune_alpha(Some(f64::NAN))
                .check()
                .is_err()
        );
    }
}
