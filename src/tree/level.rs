//! The level-wise grower: the same tree as the depth-first builder (`grow`), grown one
//! level at a time so that an engine counting over files (DataFusion, Ballista)
//! answers **one** aggregate query per level ([`LevelCounter`]) instead of one per
//! node.
//!
//! Each level: the splits so far become a [`Route`] (the open nodes numbered), the
//! counter returns every open node's split tables, and each node is decided by the
//! builder's own [`decide`](super::grow) (stop rules, split choice) and
//! [`children`](super::grow) (the children's class counts) — the code the
//! depth-first builder runs, so the decisions are the same. The nodes are written in
//! the builder's depth-first pre-order at the end, so the arena is the same too.

use std::sync::Arc;

use super::criterion::Candidate;
use super::grow::{Arena, Ctx, Frame, Work, finish, splitter};
use super::node::NO_CHILD;
use super::params::{Id3ValidParams, Pruning};
use super::prune;
use super::tree::{DecisionTree, MissingPolicy};
use crate::count::{ClassTables, CountTable, LevelCounter, Route, Var};
use crate::data::EncodedSchema;
use crate::error::{Error, Result};

/// One level of a level-wise fit, as reported to its progress callback before the
/// level is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelProgress {
    /// The depth of the level's nodes (0: the root).
    pub depth: usize,
    /// How many open nodes the level's query counts.
    pub open_nodes: usize,
    /// Nodes of the tree so far (open ones included).
    pub nodes: usize,
}

/// A node of the tree under construction.
struct PNode {
    depth: usize,
    counts: Vec<f64>,
    /// The features used up on the node's path.
    used: Vec<bool>,
    /// The split and the node of each group (`None`: no child), or `None` for a leaf
    /// (or a node still open).
    split: Option<(Candidate, Vec<usize>, Vec<Option<usize>>)>,
}

impl Id3ValidParams {
    /// Fits a tree on every row `counter` counts, level by level: all open nodes of a
    /// level are counted in one [`LevelCounter::level_class_tables`] call. The tree is
    /// the one [`fit`](Self::fit) grows on the same rows (same splits, counts, node
    /// order), for any counter that honours the counting contract; `schema` is the
    /// encoded schema of the counted codes.
    ///
    /// Supported: the own-branch missing policy and post-pruning none, pessimistic or
    /// cost-complexity. Fractional missing values (rows sent down several branches)
    /// and reduced-error pruning (a hold-out routed through the tree in memory) are
    /// an [`Error::Param`].
    pub fn fit_level_wise<C: LevelCounter>(
        &self,
        schema: &Arc<EncodedSchema>,
        counter: &C,
    ) -> Result<DecisionTree> {
        self.fit_level_wise_with_progress(schema, counter, |_| {})
    }

    /// [`fit_level_wise`](Self::fit_level_wise), calling `on_level` before each
    /// level's query.
    pub fn fit_level_wise_with_progress<C: LevelCounter>(
        &self,
        schema: &Arc<EncodedSchema>,
        counter: &C,
        mut on_level: impl FnMut(LevelProgress),
    ) -> Result<DecisionTree> {
        let p = &self.0;
        if p.missing != MissingPolicy::OwnBranch {
            return Err(Error::param(
                "missing",
                "fractional",
                "the level-wise grower sends each row down one branch; use the own-branch missing policy",
            ));
        }
        if let Pruning::ReducedError { .. } = p.pruning {
            return Err(Error::param(
                "pruning",
                "reduced-error",
                "reduced-error pruning routes a hold-out through the tree in memory; use none, pessimistic or cost-complexity pruning with the level-wise grower",
            ));
        }
        check_shape(schema, counter)?;
        let n_rows = counter.n_rows();
        if n_rows > u32::MAX as usize {
            return Err(Error::Fit("more than 2^32 − 1 rows".into()));
        }
        if n_rows == 0 {
            return Err(Error::Fit("cannot fit a tree on zero rows".into()));
        }
        let mut root = CountTable::default();
        counter.contingency(crate::count::Rows::All, &[Var::Class], &mut root);
        if root.total() <= 0.0 {
            return Err(Error::Fit(
                "the training rows have zero total weight".into(),
            ));
        }
        let k = schema.classes.len();
        let ctx = Ctx {
            p,
            split: splitter(p, schema, root.counts(), n_rows)?,
            k,
            local: false,
            sample: None,
            subtract: false,
        };
        let nf = schema.features.len();
        let mut nodes = vec![PNode {
            depth: 0,
            counts: root.counts().to_vec(),
            used: vec![false; nf],
            split: None,
        }];
        let mut open: Vec<usize> = Vec::new();
        if !ctx.stops(&nodes[0].counts, 0) {
            open.push(0);
        }
        let mut w = Work::new(nf, vec![false; nf]);
        let mut fr = Frame::default();
        let mut tables: Vec<ClassTables> = Vec::new();
        let mut depth = 0;
        while !open.is_empty() {
            on_level(LevelProgress {
                depth,
                open_nodes: open.len(),
                nodes: nodes.len(),
            });
            let mut slot = vec![usize::MAX; nodes.len()];
            for (i, &n) in open.iter().enumerate() {
                slot[n] = i;
            }
            let route = route_of(&nodes, &slot, 0);
            counter.level_class_tables(&route, open.len(), &mut tables);
            if tables.len() != open.len() {
                return Err(Error::Fit(format!(
                    "the counter returned {} level tables for {} open nodes",
                    tables.len(),
                    open.len()
                )));
            }
            let mut next = Vec::new();
            for (i, &n) in open.iter().enumerate() {
                w.used.clone_from(&nodes[n].used);
                let (cc, d) = (nodes[n].counts.clone(), nodes[n].depth);
                let chosen = ctx.decide(&mut w, schema, &cc, d, |t, _| t.load_all(&mut tables[i]));
                let Some(c) = chosen else { continue };
                let ng = ctx.children(&mut w, schema, &c, &mut fr);
                let mut used = nodes[n].used.clone();
                used[c.feature] = c.threshold == 0 || used[c.feature];
                let mut child_of = vec![None; ng];
                for (g, slot) in child_of.iter_mut().enumerate() {
                    let gc = fr.counts(g, k);
                    if !ctx.child_grown(gc) {
                        continue;
                    }
                    let id = nodes.len();
                    if ctx.child_splits(gc, d + 1) {
                        next.push(id);
                    }
                    nodes.push(PNode {
                        depth: d + 1,
                        counts: gc.to_vec(),
                        used: used.clone(),
                        split: None,
                    });
                    *slot = Some(id);
                }
                nodes[n].split = Some((c, fr.group.clone(), child_of));
            }
            open = next;
            depth += 1;
        }
        let mut arena = Arena::default();
        emit(&nodes, schema, 0, &mut arena);
        let mut tree = finish(p, schema, arena);
        match p.pruning {
            Pruning::Pessimistic { confidence } => prune::pessimistic(&mut tree, confidence),
            Pruning::CostComplexity { alpha } => prune::cost_complexity(&mut tree, alpha),
            _ => {}
        }
        Ok(tree)
    }
}

/// The counter must count codes of `schema`: the same classes and cardinalities.
fn check_shape<C: LevelCounter>(schema: &EncodedSchema, counter: &C) -> Result<()> {
    if counter.n_classes() != schema.classes.len() {
        return Err(Error::param(
            "counter",
            counter.n_classes().to_string(),
            format!(
                "counts {} classes but the schema has {}",
                counter.n_classes(),
                schema.classes.len()
            ),
        ));
    }
    for (j, f) in schema.features.iter().enumerate() {
        let got = counter.cardinality(Var::Feature(j));
        if got != f.cardinality() {
            return Err(Error::param(
                "counter",
                f.name.clone(),
                format!(
                    "feature {j} ({}) has {got} codes in the counter but {} in the schema",
                    f.name,
                    f.cardinality()
                ),
            ));
        }
    }
    Ok(())
}

/// The route of node `n` and its subtree: open nodes (`slot[n]` set) by their number
/// in the level, split nodes through their groups, everything else closed.
fn route_of(nodes: &[PNode], slot: &[usize], n: usize) -> Route {
    if slot[n] != usize::MAX {
        return Route::Open(slot[n]);
    }
    match &nodes[n].split {
        None => Route::Closed,
        Some((c, group, child_of)) => Route::Split {
            feature: c.feature,
            group: group.clone(),
            children: child_of
                .iter()
                .map(|ch| ch.map_or(Route::Closed, |m| route_of(nodes, slot, m)))
                .collect(),
        },
    }
}

/// Writes node `n` and its subtree into `arena` in the depth-first builder's order
/// (a node, then its grown children in group order); returns its index.
fn emit(nodes: &[PNode], schema: &EncodedSchema, n: usize, arena: &mut Arena) -> usize {
    let node = &nodes[n];
    let Some((c, group, child_of)) = &node.split else {
        return arena.push_leaf(&node.counts, node.depth);
    };
    let card = schema.features[c.feature].cardinality();
    let (idx, first) = arena.open_internal(c, card, &node.counts, node.depth);
    let kids: Vec<u32> = child_of
        .iter()
        .map(|ch| ch.map_or(NO_CHILD, |m| emit(nodes, schema, m, arena) as u32))
        .collect();
    for v in 0..card {
        arena.slots[first + v] = kids[group[v]];
    }
    idx
}

#[cfg(test)]
mod tests {
    use crate::count::InMemory;
    use crate::data::Encoded;
    use crate::tree::{Criterion, Id3, MissingPolicy, NumericSplits, Pruning};

    fn same(a: &crate::tree::DecisionTree, b: &crate::tree::DecisionTree) {
        assert_eq!(a.nodes(), b.nodes());
        assert_eq!(a.slots, b.slots);
        assert_eq!(a.counts, b.counts);
    }

    /// 600 rows of the count module's synthetic codes (every feature matters a
    /// little: a tree of several levels).
    fn data() -> Encoded {
        crate::count::testing::synthetic_codes(600, 6, 3, None)
    }

    #[test]
    fn level_wise_trees_equal_depth_first_trees() {
        let e = data();
        let c = InMemory::new(&e);
        let mut depths = Vec::new();
        for p in [
            Id3::params(),
            Id3::params().max_depth(Some(2)),
            Id3::params().min_rows_leaf(30.0),
            Id3::params().pruning(Pruning::Pessimistic { confidence: 0.25 }),
            Id3::params().criterion(Criterion::GainRatio),
            Id3::params().numeric_splits(NumericSplits::Binary),
        ] {
            let p = p.check().unwrap();
            let mut levels = Vec::new();
            let lw = p
                .fit_level_wise_with_progress(e.schema(), &c, |l| levels.push(l))
                .unwrap();
            same(&lw, &p.fit(&e).unwrap());
            depths.push(lw.depth());
            // Every level holding a split was counted (pruning may cut levels off).
            assert!(levels.len() >= lw.depth());
            assert_eq!(levels[0].open_nodes, 1);
            for (d, l) in levels.iter().enumerate() {
                assert_eq!(l.depth, d);
            }
        }
        assert!(
            depths[0] >= 3,
            "the unpruned tree has several levels: {depths:?}"
        );
        assert_eq!(depths[1], 2);
    }

    #[test]
    fn unsupported_policies_are_named_errors() {
        let e = data();
        let c = InMemory::new(&e);
        let frac = Id3::params()
            .missing(MissingPolicy::Fractional)
            .check()
            .unwrap();
        let err = frac.fit_level_wise(e.schema(), &c).unwrap_err().to_string();
        assert!(err.contains("missing"), "{err}");
        let re = Id3::params()
            .pruning(Pruning::ReducedError { fraction: 0.2 })
            .check()
            .unwrap();
        let err = re.fit_level_wise(e.schema(), &c).unwrap_err().to_string();
        assert!(err.contains("reduced-error"), "{err}");
        // A counter of other codes than the schema's.
        let other = crate::count::testing::synthetic_codes(50, 9, 3, None);
        let p = Id3::params().check().unwrap();
        let err = p
            .fit_level_wise(e.schema(), &InMemory::new(&other))
            .unwrap_err()
            .to_string();
        assert!(err.contains("feature 2 (c)"), "{err}");
    }
}
