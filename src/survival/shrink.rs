//! Hierarchical shrinkage of a grown [`SurvivalTree`]'s hazards: each node's
//! discrete hazard is an m-estimate with its parent's (already shrunk) hazard as the
//! prior.
//!
//! At every time `t` where the node or one of its ancestors has an event, with `d(t)`
//! the node's (weighted) events at `t`, `n(t)` its customers at risk (duration
//! `>= t`) and `h_parent(t)` the parent's shrunk hazard there (0 where it has none),
//!
//! `d'(t) = d(t) + m · h_parent(t)`, `n'(t) = n(t) + m`, `h(t) = d'(t) / n'(t)`
//!
//! — the m-estimate of a proportion (Cestnik 1990, "Estimating probabilities: a
//! crucial task in machine learning", ECAI), applied recursively from the root down
//! as in hierarchical shrinkage (Agrawal et al. 2022, "Hierarchical Shrinkage:
//! improving the accuracy and interpretability of tree-based methods", ICML). The
//! root keeps its own Kaplan–Meier (Nelson–Aalen) hazard `d / n`. The node's curve is
//! then the estimator's over the pseudo-counts: Kaplan–Meier
//! `Ŝ(t) = Π_{t_i <= t} (1 − d'_i / n'_i)` with Greenwood's sum
//! `Σ d'_i / (n'_i (n'_i − d'_i))`, or Nelson–Aalen `Ĥ(t) = Σ d'_i / n'_i` with
//! `Σ d'_i / n'_i²` (the variance of an estimate from `n'` pseudo-customers, an
//! approximation: the prior's own uncertainty is not propagated). A node with few
//! customers at risk at `t` follows its parent there; one with none left (beyond its
//! largest duration) follows it exactly, so with `m > 0` a curve reaches the
//! root's horizon `τ`. `m` is in customers: the parent's hazard counts as `m` extra
//! customers at risk.
//!
//! `m = 0` is the grown tree itself: `d' = d`, `n' = n`, the same steps computed by
//! the same expressions, bit for bit. A node's shrunk hazard depends on its ancestors
//! only, never on its descendants, so a depth cut or a pruned subtree of a shrunk
//! tree is the shrunk cut — the self-tuning scores every `m` on the trees it grew.

use super::curve::{Estimator, SurvivalCurve};
use super::data::SurvivalData;
use super::tree::SurvivalTree;
use crate::data::Encoded;
use crate::error::{Error, Result};

/// A training customer `(duration, event, weight)`.
type Item = (f64, bool, f64);

/// A node's shrunk curve and the hazard steps `(t, h(t))` its children shrink toward.
struct Shrunk {
    curve: SurvivalCurve,
    steps: Vec<(f64, f64)>,
}

/// The shrunk curve of one node: `items` are its training customers
/// `(duration, event, weight)` in ascending order of duration (as the grower keeps
/// them), `parent` the parent's steps (None at the root), `parent_horizon` its
/// horizon.
fn shrink_node(
    estimator: Estimator,
    items: &[Item],
    parent: Option<(&[(f64, f64)], f64)>,
    m: f64,
) -> Shrunk {
    let (mut n, mut events, mut horizon) = (0.0, 0.0, 0.0f64);
    for &(t, e, w) in items {
        n += w;
        if e {
            events += w;
        }
        horizon = horizon.max(t);
    }
    let (prior, m) = match parent {
        Some((steps, h)) => {
            if m > 0.0 {
                horizon = horizon.max(h);
            }
            (steps, m)
        }
        None => (&[][..], 0.0),
    };
    let mut times = Vec::new();
    let mut survival = Vec::new();
    let mut var_sum = Vec::new();
    let mut steps = Vec::new();
    let (mut at_risk, mut s, mut hz, mut v) = (n, 1.0, 0.0, 0.0);
    let mut step = |t: f64, d: f64, at_risk: f64, hp: f64| {
        let (d, nn) = (d + m * hp, at_risk + m);
        if d > 0.0 && nn > 0.0 {
            match estimator {
                Estimator::KaplanMeier => {
                    s *= (1.0 - d / nn).max(0.0);
                    if nn > d {
                        v += d / (nn * (nn - d));
                    }
                }
                Estimator::NelsonAalen => {
                    hz += d / nn;
                    s = (-hz).exp();
                    v += d / (nn * nn);
                }
            }
            times.push(t);
            survival.push(s);
            var_sum.push(v);
            steps.push((t, d / nn));
        }
    };
    let (mut i, mut p) = (0, 0);
    while i < items.len() {
        let t = items[i].0;
        // The parent's steps before this time: the node has no event there.
        while p < prior.len() && prior[p].0 < t {
            step(prior[p].0, 0.0, at_risk.max(0.0), prior[p].1);
            p += 1;
        }
        let hp = if p < prior.len() && prior[p].0 == t {
            p += 1;
            prior[p - 1].1
        } else {
            0.0
        };
        let (mut d, mut gone) = (0.0, 0.0);
        let first = i;
        while i < items.len() && items[i].0 == t {
            let (_, e, w) = items[i];
            if i == first {
                d = if e { w } else { 0.0 };
                gone = w;
            } else {
                if e {
                    d += w;
                }
                gone += w;
            }
            i += 1;
        }
        step(t, d, at_risk, hp);
        at_risk -= gone;
    }
    while p < prior.len() {
        step(prior[p].0, 0.0, at_risk.max(0.0), prior[p].1);
        p += 1;
    }
    Shrunk {
        curve: SurvivalCurve::from_parts(estimator, times, survival, var_sum, horizon, n, events),
        steps,
    }
}

/// Each node's training customers `(duration, event, weight)` in ascending order of
/// duration (ties in the order of `rows` sorted stably by duration, the grower's
/// order), and each node's parent (`usize::MAX` for the root).
fn node_items(
    tree: &SurvivalTree,
    enc: &Encoded,
    data: &SurvivalData,
    rows: &[usize],
) -> Result<(Vec<Vec<Item>>, Vec<usize>)> {
    if data.len() != enc.n_rows() {
        return Err(Error::schema(format!(
            "{} durations for {} encoded rows",
            data.len(),
            enc.n_rows()
        )));
    }
    tree.leaves(enc)?; // checks the codes
    if rows.iter().any(|&r| r >= enc.n_rows()) {
        return Err(Error::param("rows", "index", "a row index is out of range"));
    }
    let (d, e) = (data.durations(), data.events());
    let mut order = rows.to_vec();
    order.sort_by(|&a, &b| d[a].total_cmp(&d[b]));
    let nodes = tree.nodes();
    let mut items: Vec<Vec<Item>> = vec![Vec::new(); nodes.len()];
    let mut parent = vec![usize::MAX; nodes.len()];
    for &r in &order {
        let mut n = 0;
        loop {
            items[n].push((d[r], e[r], data.weight(r)));
            if nodes[n].is_leaf() {
                break;
            }
            let k = tree.child(n, enc.code(r, nodes[n].feature as usize));
            parent[k] = n;
            n = k;
        }
    }
    Ok((items, parent))
}

/// The shrunk curve of every node (None for a node no training row reaches, which
/// keeps its grown values).
fn shrink_all(
    tree: &SurvivalTree,
    items: &[Vec<Item>],
    parent: &[usize],
    m: f64,
) -> Vec<Option<SurvivalCurve>> {
    let estimator = tree
        .curves()
        .first()
        .map_or(Estimator::KaplanMeier, |c| c.estimator());
    let n = tree.nodes().len();
    let mut shrunk: Vec<Option<Shrunk>> = (0..n).map(|_| None).collect();
    // Pre-order: a parent is done before its children.
    for i in 0..n {
        if items[i].is_empty() {
            continue;
        }
        let prior = (parent[i] != usize::MAX)
            .then(|| shrunk[parent[i]].as_ref())
            .flatten()
            .map(|s| (s.steps.as_slice(), s.curve.horizon()));
        shrunk[i] = Some(shrink_node(estimator, &items[i], prior, m));
    }
    shrunk.into_iter().map(|s| s.map(|s| s.curve)).collect()
}

/// Each node's risk `τ − RMST(τ)` under each shrinkage strength of `ms` (outer:
/// `ms`), from the training `rows` of `enc` / `data` the tree was grown on.
pub(crate) fn shrunk_risks(
    tree: &SurvivalTree,
    enc: &Encoded,
    data: &SurvivalData,
    rows: &[usize],
    ms: &[f64],
) -> Result<Vec<Vec<f64>>> {
    let (items, parent) = node_items(tree, enc, data, rows)?;
    let tau = tree.tau();
    Ok(ms
        .iter()
        .map(|&m| {
            shrink_all(tree, &items, &parent, m)
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    c.as_ref()
                        .map_or(tree.risk(i), |c| tau - c.restricted_mean(0.0, tau))
                })
                .collect()
        })
        .collect())
}

impl SurvivalTree {
    /// The tree with every node's hazard shrunk toward its parent's with strength
    /// `m` — hierarchical shrinkage of the discrete hazards by m-estimates (Cestnik
    /// 1990, "Estimating probabilities: a crucial task in machine learning", ECAI;
    /// recursively from the root as in Agrawal et al. 2022, "Hierarchical Shrinkage:
    /// improving the accuracy and interpretability of tree-based methods", ICML).
    ///
    /// At every time `t` where the node or an ancestor has an event, with `d(t)` the
    /// node's (weighted) events at `t`, `n(t)` its customers at risk (duration
    /// `>= t`) and `h_parent(t)` the parent's shrunk hazard there (0 where it has
    /// none), the node's hazard is
    ///
    /// `h(t) = d'(t) / n'(t)`, `d'(t) = d(t) + m · h_parent(t)`, `n'(t) = n(t) + m`
    ///
    /// (the root keeps its own `d / n`), and its curve is the estimator's over these
    /// pseudo-counts: Kaplan–Meier `Ŝ(t) = Π_{t_i <= t} (1 − d'_i / n'_i)` with
    /// Greenwood's sum `Σ d'_i / (n'_i (n'_i − d'_i))`, or Nelson–Aalen
    /// `Ĥ(t) = Σ d'_i / n'_i` with `Σ d'_i / n'_i²` (the variance of `n'`
    /// pseudo-customers, an approximation that ignores the prior's own uncertainty).
    /// A node with few customers at risk at `t` follows its parent there; with none
    /// left (beyond its largest duration) it follows it exactly, so for `m > 0` every
    /// curve reaches the root's horizon `τ`. The leaves' curves and every node's
    /// restricted mean (so its risk and the path reasons) become those of the shrunk
    /// hazards, re-estimated from the training customers — `rows` of `enc` and
    /// `data`, the rows the tree was grown on; the structure and the counts are
    /// unchanged. `m = 0` gives the tree as grown, bit for bit.
    ///
    /// Worked example: a leaf with 4 customers at risk and 1 churning at `t`, whose
    /// parent's hazard there is 1/8, gets `(1 + 2 · 1/8) / (4 + 2) = 5/24` with
    /// `m = 2` (its own estimate is 1/4).
    ///
    /// # Errors
    /// [`Error::Param`] for a negative or non-finite `m` or a row out of range;
    /// [`Error::Schema`] when `enc` does not have the tree's features or `data` is
    /// not aligned with it.
    pub fn shrunk(
        &self,
        m: f64,
        enc: &Encoded,
        data: &SurvivalData,
        rows: &[usize],
    ) -> Result<SurvivalTree> {
        if !(m.is_finite() && m >= 0.0) {
            return Err(Error::param("shrinkage", m, "must be a finite number >= 0"));
        }
        let (items, parent) = node_items(self, enc, data, rows)?;
        let curves = shrink_all(self, &items, &parent, m);
        let mut out = self.clone();
        for (i, c) in curves.into_iter().enumerate() {
            let Some(c) = c else { continue };
            let node = &mut out.nodes[i];
            node.rmst = c.restricted_mean(0.0, self.tau);
            if node.is_leaf() {
                out.curves[node.curve as usize] = c;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::data::{Codes, EncodedSchema};
    use crate::survival::SurvivalTreeParams;
    use crate::survival::grow::tests::{feature, synthetic};

    /// Eight customers, one binary feature: code 0 churned at 1, 2 and 4 (censored at
    /// 3), code 1 churned at 5 and 6 (censored at 2 and 6).
    fn two_groups() -> (Encoded, SurvivalData) {
        let schema = Arc::new(EncodedSchema {
            features: vec![feature("g", 2, false)],
            classes: vec!["retained".into(), "churned".into()],
        });
        let ev = vec![true, true, false, true, false, true, true, false];
        let enc = Encoded::new(
            schema,
            vec![Codes::U8(vec![0, 0, 0, 0, 1, 1, 1, 1])],
            ev.iter().map(|&e| u8::from(e)).collect(),
            None,
        )
        .unwrap();
        let data = SurvivalData::new(vec![1.0, 2.0, 3.0, 4.0, 2.0, 5.0, 6.0, 6.0], ev).unwrap();
        (enc, data)
    }

    #[test]
    fn shrunk_hazards_match_hand_computed_numbers() {
        let (enc, data) = two_groups();
        let rows: Vec<usize> = (0..8).collect();
        let t = SurvivalTreeParams::new()
            .min_rows_leaf(2.0)
            .max_depth(Some(1))
            .fit(&enc, &data)
            .unwrap();
        assert_eq!(t.n_leaves(), 2);
        let s = t.shrunk(2.0, &enc, &data, &rows).unwrap();
        // Root hazards (its own): 1/8, 1/7, 1/4, 1/3, 1/2 at 1, 2, 4, 5, 6.
        // Code 0 (at risk 4, 3, 1, 0, 0; churned at 1, 2, 4), m = 2:
        // (1 + 2/8)/6, (1 + 2/7)/5, (1 + 2/4)/3, (0 + 2/3)/2, (0 + 2/2)/2.
        let a = [5.0 / 24.0, 9.0 / 35.0, 0.5, 1.0 / 3.0, 0.5];
        // Code 1 (at risk 4, 4, 3, 3, 2; churned at 5, 6):
        // (2/8)/6, (2/7)/6, (2/4)/5, (1 + 2/3)/5, (1 + 2/2)/4.
        let b = [1.0 / 24.0, 1.0 / 21.0, 0.1, 1.0 / 3.0, 0.5];
        let times = [1.0, 2.0, 4.0, 5.0, 6.0];
        let leaf = |code: u16| t.child(0, code);
        for (code, h) in [(0u16, a), (1, b)] {
            let c = s.leaf_curve(leaf(code));
            assert_eq!(c.times(), &times);
            let mut sv = 1.0;
            for (i, h) in h.iter().enumerate() {
                sv *= 1.0 - h;
                assert!((c.survival()[i] - sv).abs() < 1e-12, "code {code} at {i}");
            }
            // Both reach the root's horizon; the counts stay the leaf's own.
            assert_eq!(c.horizon(), 6.0);
            assert_eq!(
                (c.n(), c.events()),
                (4.0, if code == 0 { 3.0 } else { 2.0 })
            );
            let rmst = c.restricted_mean(0.0, 6.0);
            assert!((s.nodes()[leaf(code)].rmst - rmst).abs() < 1e-12);
            assert!((s.risk(leaf(code)) - (6.0 - rmst)).abs() < 1e-12);
        }
        // S at 6 by hand: code 0 (19/24)(26/35)(1/2)(2/3)(1/2), code 1
        // (23/24)(20/21)(9/10)(2/3)(1/2).
        let s0 = 19.0 / 24.0 * 26.0 / 35.0 * 0.5 * 2.0 / 3.0 * 0.5;
        let s1 = 23.0 / 24.0 * 20.0 / 21.0 * 0.9 * 2.0 / 3.0 * 0.5;
        assert!((s.leaf_curve(leaf(0)).survival_at(6.0) - s0).abs() < 1e-12);
        assert!((s.leaf_curve(leaf(1)).survival_at(6.0) - s1).abs() < 1e-12);
        // The root is its own Kaplan–Meier curve whatever m.
        assert_eq!(s.nodes()[0], t.nodes()[0]);
        // Shrinkage pulls the leaves' risks together: the gap narrows.
        let gap = |x: &SurvivalTree| (x.risk(leaf(0)) - x.risk(leaf(1))).abs();
        assert!(gap(&s) < gap(&t));
        // Through the parameters, and the per-node risks the tuning reads.
        let p = SurvivalTreeParams::new()
            .min_rows_leaf(2.0)
            .max_depth(Some(1))
            .shrinkage(2.0)
            .fit(&enc, &data)
            .unwrap();
        assert_eq!(p, s);
        let r = shrunk_risks(&t, &enc, &data, &rows, &[0.0, 2.0]).unwrap();
        assert_eq!(r[1], (0..3).map(|n| s.risk(n)).collect::<Vec<_>>());
        assert!(s.validate().is_ok());
        // Bad strengths are refused.
        for m in [-1.0, f64::NAN, f64::INFINITY] {
            let err = t.shrunk(m, &enc, &data, &rows).unwrap_err().to_string();
            assert!(err.contains("shrinkage"), "{err}");
        }
        let err = t
            .shrunk(1.0, &enc, &data, &[0, 99])
            .unwrap_err()
            .to_string();
        assert!(err.contains("out of range"), "{err}");
    }

    #[test]
    fn shrinkage_is_deterministic_and_a_large_m_follows_the_parent() {
        let (enc, data) = synthetic(1200, 4);
        let rows: Vec<usize> = (0..enc.n_rows()).collect();
        let t = SurvivalTreeParams::new()
            .min_rows_leaf(20.0)
            .fit(&enc, &data)
            .unwrap();
        let a = t.shrunk(10.0, &enc, &data, &rows).unwrap();
        assert_eq!(a, t.shrunk(10.0, &enc, &data, &rows).unwrap());
        assert_ne!(a, t);
        assert!(a.validate().is_ok());
        // As m grows every node's risk tends to the root's.
        let spread = |x: &SurvivalTree| {
            (0..x.n_nodes())
                .map(|n| (x.risk(n) - x.risk(0)).abs())
                .fold(0.0, f64::max)
        };
        let huge = t.shrunk(1e9, &enc, &data, &rows).unwrap();
        assert!(spread(&a) < spread(&t));
        assert!(spread(&huge) < 1e-3 * spread(&t), "{}", spread(&huge));
    }

    #[test]
    fn zero_shrinkage_reproduces_the_grown_tree_exactly() {
        let (enc, data) = synthetic(1500, 11);
        let rows: Vec<usize> = (0..enc.n_rows()).filter(|r| r % 5 != 0).collect();
        for est in [Estimator::KaplanMeier, Estimator::NelsonAalen] {
            let t = SurvivalTreeParams::new()
                .min_rows_leaf(30.0)
                .estimator(est)
                .fit_rows(&enc, &data, &rows)
                .unwrap();
            assert!(t.n_leaves() > 4);
            let s = t.shrunk(0.0, &enc, &data, &rows).unwrap();
            assert_eq!(s, t, "{est:?}");
            let risks = shrunk_risks(&t, &enc, &data, &rows, &[0.0]).unwrap();
            let grown: Vec<f64> = (0..t.n_nodes()).map(|n| t.risk(n)).collect();
            assert_eq!(risks[0], grown);
        }
    }
}
