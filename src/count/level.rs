//! Level-wise counting: the split tables of every open node of one tree level in one
//! call ([`LevelCounter`]), the node of each row derived from the splits so far
//! ([`Route`]).
//!
//! A depth-first grower counts node by node through [`Counter::class_tables`] over the
//! node's row indices; an engine that cannot hold row indices (a query engine over
//! files) instead counts a whole level at once: each row is routed down the tree grown
//! so far to the open node it belongs to (or to none, when it sits in a finished leaf),
//! and the weighted counts are grouped by `(node, feature, value, class)`. Both give
//! the same tables for the same rows.

use super::Counter;
use super::class_tables::ClassTables;
use super::contingency::Rows;
use super::memory::InMemory;

/// The splits of a partly grown tree, as far as routing rows goes: every row starts at
/// the root and follows [`Route::Split`]s until it reaches an open node of the level
/// being counted ([`Route::Open`]) or a finished part of the tree ([`Route::Closed`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// An open node of the level: its rows are counted as node `i` (open nodes are
    /// numbered `0..n_open`).
    Open(usize),
    /// A leaf, or a branch without a child: its rows are not counted.
    Closed,
    /// A split on feature `feature`: a row whose code is `v` goes to
    /// `children[group[v]]` (`group` has one entry per code, the missing code
    /// included).
    Split {
        /// The feature split on.
        feature: usize,
        /// The child group of each code.
        group: Vec<usize>,
        /// One route per group.
        children: Vec<Route>,
    },
}

impl Route {
    /// The open node a row reaches, given its code of each feature (`code(j)`), or
    /// `None` when it reaches a closed part of the tree.
    pub fn node_of(&self, code: impl Fn(usize) -> usize) -> Option<usize> {
        let mut r = self;
        loop {
            match r {
                Route::Open(i) => return Some(*i),
                Route::Closed => return None,
                Route::Split {
                    feature,
                    group,
                    children,
                } => r = &children[*group.get(code(*feature))?],
            }
        }
    }

    /// Number of [`Route::Split`]s (the internal nodes routed through).
    pub fn n_splits(&self) -> usize {
        match self {
            Route::Split { children, .. } => {
                1 + children.iter().map(Route::n_splits).sum::<usize>()
            }
            _ => 0,
        }
    }
}

/// Counts every open node of a tree level at once: the level-wise half of the counting
/// contract, used by [`Id3ValidParams::fit_level_wise`](crate::tree::Id3ValidParams::fit_level_wise).
///
/// For each open node `i` of `route` (`0..n_open`), `out[i]` must hold the
/// `[Feature(j), Class]` table of **every** feature `j` (`0..n_features`, in order)
/// over the rows routed to `i` — each equal to what [`Counter::class_tables`] gives
/// over those rows (exact integers for unweighted rows; weighted counts summed in row
/// order, see the [module docs](super) on determinism). As an aggregate query:
///
/// ```text
/// SELECT node, feature, value, class, SUM(weight)
/// FROM (SELECT <route as a CASE expression> AS node, … FROM codes) WHERE node IS NOT NULL
/// GROUP BY node, feature, value, class          -- the features unpivoted
/// ```
pub trait LevelCounter: Counter {
    /// Fills `out` (resized to `n_open`) with the split tables of every open node of
    /// `route`, all features each, reusing its buffers.
    fn level_class_tables(&self, route: &Route, n_open: usize, out: &mut Vec<ClassTables>);
}

impl<C: LevelCounter + ?Sized> LevelCounter for &C {
    fn level_class_tables(&self, route: &Route, n_open: usize, out: &mut Vec<ClassTables>) {
        (**self).level_class_tables(route, n_open, out)
    }
}

/// Routes every row in memory (one pass over the codes the route reads), then counts
/// each open node's rows (ascending) with [`Counter::class_tables`].
impl LevelCounter for InMemory<'_> {
    fn level_class_tables(&self, route: &Route, n_open: usize, out: &mut Vec<ClassTables>) {
        let enc = self.encoded();
        let mut rows: Vec<Vec<u32>> = vec![Vec::new(); n_open];
        for r in 0..enc.n_rows() {
            if let Some(i) = route.node_of(|j| enc.column(j).get(r) as usize) {
                rows[i].push(r as u32);
            }
        }
        let features: Vec<usize> = (0..enc.n_features()).collect();
        out.resize_with(n_open, ClassTables::default);
        for (rs, t) in rows.iter().zip(out.iter_mut()) {
            self.class_tables(Rows::Subset(rs), &features, t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_the_splits_to_open_nodes() {
        // Root on feature 1 (3 codes): code 0 → open 0, code 1 → split on feature 0
        // (codes < 1 → open 1, others → closed), code 2 (missing) → closed.
        let route = Route::Split {
            feature: 1,
            group: vec![0, 1, 2],
            children: vec![
                Route::Open(0),
                Route::Split {
                    feature: 0,
                    group: vec![0, 1, 1],
                    children: vec![Route::Open(1), Route::Closed],
                },
                Route::Closed,
            ],
        };
        let codes = |a: usize, b: usize| move |j: usize| if j == 0 { a } else { b };
        assert_eq!(route.node_of(codes(2, 0)), Some(0));
        assert_eq!(route.node_of(codes(0, 1)), Some(1));
        assert_eq!(route.node_of(codes(1, 1)), None);
        assert_eq!(route.node_of(codes(0, 2)), None);
        // A code outside the split's table reaches no node.
        assert_eq!(route.node_of(codes(0, 9)), None);
        assert_eq!(route.n_splits(), 2);
    }

    #[test]
    fn in_memory_level_tables_equal_per_node_class_tables() {
        let e = crate::count::testing::synthetic_codes(200, 4, 2, None);
        let c = InMemory::new(&e);
        let card = e.schema().features[0].cardinality();
        let route = Route::Split {
            feature: 0,
            group: (0..card).collect(),
            children: (0..card)
                .map(|v| {
                    if v == 1 {
                        Route::Closed
                    } else {
                        Route::Open(v)
                    }
                })
                .collect(),
        };
        let mut out = Vec::new();
        c.level_class_tables(&route, card, &mut out);
        assert_eq!(out.len(), card);
        let all: Vec<usize> = (0..e.n_features()).collect();
        for (v, t) in out.iter().enumerate() {
            let rows: Vec<u32> = (0..200u32)
                .filter(|&r| v != 1 && e.column(0).get(r as usize) as usize == v)
                .collect();
            let mut want = ClassTables::default();
            c.class_tables(Rows::Subset(&rows), &all, &mut want);
            assert_eq!(t, &want, "node {v}");
        }
    }
}
