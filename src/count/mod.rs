//! The counting contract: every count the learners take goes through [`Counter`].
//!
//! A split decision in a tree needs, per candidate attribute, a (value × class) table
//! of weighted counts over the node's rows; Bayesian-network learning needs family
//! tables (parents × child) and pairwise (Xi × Xj × class) tables. They are all
//! *count tables*, and [`Counter`] is the one place they are computed. [`InMemory`],
//! over an [`Encoded`](crate::data::Encoded) table's column-major codes, is the first
//! implementation; a distributed engine (Apache DataFusion / Ballista, for data larger
//! than one machine) is the next, behind a cargo feature. Learners are generic over
//! `C: Counter` (static dispatch, so the in-memory hot path pays nothing for the seam)
//! and their ordinary `fit` methods use `InMemory`.
//!
//! # What a count table is
//!
//! A [`CountTable`] over variables `vars` (each a feature by index, or the class; see
//! [`Var`]) holds, for every combination of their codes, the summed weight of the
//! selected [`Rows`] having those codes. Its [`dims`](CountTable::dims) are the
//! variables' cardinalities in the order asked for (a feature's codes range over its
//! levels plus its missing code, `n_levels + 1`; the class over `n_classes`), and its
//! [`counts`](CountTable::counts) are row-major with the **last variable varying
//! fastest**. A row's weight is the table's row weight (1 without weights) times, for
//! [`Rows::Weighted`], its extra weight. Unweighted data gives exact integer counts.
//! [`ClassTables`] is the batched form of `[Feature(j), Class]` for several features
//! over the same rows, back to back; its [`ClassTable`]s are exact `u32` row counts
//! when the rows are unweighted and were counted as integers, weighted `f64` counts
//! otherwise (a learner must treat the two alike).
//!
//! Results are read-only: callers get tables through accessors and never write them;
//! an implementation fills the buffers it is handed (reusing their memory) and
//! nothing else.
//!
//! # What an implementation must answer
//!
//! * [`Counter::n_rows`], [`Counter::n_classes`], [`Counter::cardinality`]: the shape.
//! * [`Counter::total_weight`]: the total weight of some rows (defaults to the
//!   count table of no variables).
//! * [`Counter::contingency`]: one count table of any variable list (features and/or
//!   the class, any order) over any [`Rows`]. This is the one required count; the
//!   batched calls have default implementations in terms of it.
//! * [`Counter::class_tables`]: the tree's per-node split tables, all candidate
//!   attributes of a node in one call.
//! * [`Counter::contingency_pairs`]: TAN's `[Feature(i), Feature(j), Class]` tables for
//!   a run of `j`s sharing `i`.
//!
//! The discretizer counts before there are codes: its MDL cut points need the class
//! weights of a raw numeric column by distinct value, which [`ValueCounter`] answers
//! ([`ValueClassCounts`]; [`InMemoryTable`] over a [`Table`](crate::data::Table) is the
//! in-memory implementation, and [`Discretizer::fit`](crate::data::Discretizer::fit)
//! is defined in this module so that the data layer never counts).
//!
//! # Determinism
//!
//! Every count must equal the row-by-row definition. For unweighted data the counts
//! are exact integers, and a distributed engine must return the same integers (they
//! are sums of ones, so any summation order gives them). Weighted counts are summed in
//! row order by [`InMemory`]; an engine that sums in another order may differ in the
//! last bits, which can change a tie between two splits — so to reproduce the
//! in-memory trees bit for bit on weighted data it must sum in row order too.
//!
//! # The plan for trees on a distributed engine
//!
//! A tree grows level-wise there: all open nodes of a level are counted in **one**
//! aggregate query, `SELECT node, feature, value, class, SUM(weight) … GROUP BY node,
//! feature, value, class` (the features unpivoted), whose result is split back into
//! one [`ClassTables`] per node. The in-memory grower counts node by node through
//! [`Counter::class_tables`]; both give the same tables. [`LevelCounter`] is that
//! level-wise call, and [`Route`] the splits so far that place each row in its node
//! (`InMemory` implements it too, so the level-wise grower is tested without an
//! engine).
//!
//! # Layout
//!
//! `contingency` ([`Var`], [`Rows`], [`CountTable`] and the strided / pairwise
//! kernels), `class_tables` ([`ClassTables`], [`ClassTable`] and the batched kernel),
//! `memory` ([`InMemory`]: the kernels behind the trait, with the parallel path across
//! attributes for large nodes), `discretize` ([`ValueCounter`], [`ValueClassCounts`],
//! [`InMemoryTable`], [`mdl_cuts`] and `Discretizer::fit`), `level` ([`Route`],
//! [`LevelCounter`]).

mod class_tables;
mod contingency;
mod discretize;
#[cfg(feature = "distributed")]
pub mod distributed;
mod level;
mod memory;
#[cfg(feature = "distributed")]
pub mod parquet;
#[cfg(test)]
pub(crate) mod testing;

pub use class_tables::{ClassTable, ClassTables};
pub use contingency::{CountTable, Rows, Var};
pub(crate) use discretize::RankedRows;
pub use discretize::{
    InMemoryTable, ValueClassCounts, ValueCounter, ValueRows, mdl_cuts, numeric_cuts,
    value_summaries, value_summaries_weighted,
};
pub use level::{LevelCounter, Route};
pub use memory::{InMemory, PARALLEL_MIN_CELLS};

/// The counting contract: every count table a learner uses comes from here (see the
/// [module docs](self) for what a count table is, determinism and the distributed
/// plan). `Sync` so that learners may count from several threads at once.
pub trait Counter: Sync {
    /// Number of rows of the data counted ([`Rows::All`] selects all of them).
    fn n_rows(&self) -> usize;

    /// Number of classes (the cardinality of [`Var::Class`]).
    fn n_classes(&self) -> usize;

    /// Cardinality of a variable: `n_levels + 1` for a feature (its missing code
    /// included), `n_classes` for the class.
    fn cardinality(&self, var: Var) -> usize;

    /// Total weight of `rows` (their number, for unweighted data): the count of the
    /// empty variable list.
    fn total_weight(&self, rows: Rows<'_>) -> f64 {
        let mut t = CountTable::default();
        self.contingency(rows, &[], &mut t);
        t.total()
    }

    /// Fills `out` with the weighted counts of `vars` over `rows`, reusing `out`'s
    /// buffers: `out.dims()` are the variables' cardinalities, `out.counts()` row-major
    /// with the last variable fastest.
    fn contingency(&self, rows: Rows<'_>, vars: &[Var], out: &mut CountTable);

    /// Fills `out` with the `[Feature(j), Class]` table of every feature `j` of
    /// `features` over `rows`, in that order. Each equals [`Counter::contingency`] of
    /// that variable list (as exact integers or weighted counts).
    fn class_tables(&self, rows: Rows<'_>, features: &[usize], out: &mut ClassTables) {
        let mut tables = out.take_scratch(features.len());
        for (t, &j) in tables.iter_mut().zip(features) {
            self.contingency(rows, &[Var::Feature(j), Var::Class], t);
        }
        out.fill_from(&tables[..features.len()]);
        out.put_scratch(tables);
    }

    /// Fills `outs` (resized to `js.len()`) with the `[Feature(i), Feature(j), Class]`
    /// table of every `j` of `js` over `rows`; each equals [`Counter::contingency`] of
    /// that variable list.
    fn contingency_pairs(
        &self,
        rows: Rows<'_>,
        i: usize,
        js: &[usize],
        outs: &mut Vec<CountTable>,
    ) {
        outs.resize_with(js.len(), CountTable::default);
        for (&j, out) in js.iter().zip(outs.iter_mut()) {
            self.contingency(rows, &[Var::Feature(i), Var::Feature(j), Var::Class], out);
        }
    }
}

impl<C: Counter + ?Sized> Counter for &C {
    fn n_rows(&self) -> usize {
        (**self).n_rows()
    }
    fn n_classes(&self) -> usize {
        (**self).n_classes()
    }
    fn cardinality(&self, var: Var) -> usize {
        (**self).cardinality(var)
    }
    fn total_weight(&self, rows: Rows<'_>) -> f64 {
        (**self).total_weight(rows)
    }
    fn contingency(&self, rows: Rows<'_>, vars: &[Var], out: &mut CountTable) {
        (**self).contingency(rows, vars, out)
    }
    fn class_tables(&self, rows: Rows<'_>, features: &[usize], out: &mut ClassTables) {
        (**self).class_tables(rows, features, out)
    }
    fn contingency_pairs(
        &self,
        rows: Rows<'_>,
        i: usize,
        js: &[usize],
        outs: &mut Vec<CountTable>,
    ) {
        (**self).contingency_pairs(rows, i, js, outs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Encoded;

    /// 200 rows, `c` with 4 levels, two classes.
    fn enc(weights: Option<Vec<f64>>) -> Encoded {
        crate::count::testing::synthetic_codes(200, 4, 2, weights)
    }

    /// Answers only the required calls: the batched ones take the trait's defaults.
    struct OnlyContingency<'a>(InMemory<'a>);

    impl Counter for OnlyContingency<'_> {
        fn n_rows(&self) -> usize {
            self.0.n_rows()
        }
        fn n_classes(&self) -> usize {
            self.0.n_classes()
        }
        fn cardinality(&self, var: Var) -> usize {
            self.0.cardinality(var)
        }
        fn contingency(&self, rows: Rows<'_>, vars: &[Var], out: &mut CountTable) {
            self.0.contingency(rows, vars, out)
        }
    }

    #[test]
    fn count_tables_are_read_through_accessors() {
        let e = enc(None);
        let c = InMemory::new(&e);
        let mut t = CountTable::default();
        c.contingency(Rows::All, &[Var::Feature(0), Var::Class], &mut t);
        assert_eq!(t.dims(), &[3, 2]);
        assert_eq!(t.counts().len(), 6);
        assert_eq!(t.total(), 200.0);
        for v in 0..3 {
            for k in 0..2 {
                assert_eq!(t.get(&[v, k]), t.counts()[v * 2 + k]);
            }
        }
        let same = CountTable::from_parts(t.dims().to_vec(), t.counts().to_vec()).unwrap();
        assert_eq!(same, t);
        assert!(CountTable::from_parts(vec![2, 2], vec![0.0; 3]).is_none());
        assert_eq!(c.cardinality(Var::Feature(2)), 5);
        assert_eq!(c.cardinality(Var::Class), 2);
        assert_eq!((c.n_rows(), c.n_classes()), (200, 2));
    }

    #[test]
    fn the_default_batched_calls_equal_the_in_memory_ones() {
        let subset: Vec<u32> = (0..200).filter(|r| r % 3 != 1).collect();
        let x: Vec<f64> = subset.iter().map(|&r| 0.5 + f64::from(r % 7)).collect();
        let w: Vec<f64> = (0..200).map(|i| 0.25 + f64::from(i % 4)).collect();
        for e in [enc(None), enc(Some(w))] {
            let fast = InMemory::new(&e);
            let slow = OnlyContingency(fast);
            for rows in [
                Rows::All,
                Rows::Subset(&subset),
                Rows::Weighted(&subset, &x),
            ] {
                let (mut a, mut b) = (ClassTables::default(), ClassTables::default());
                fast.class_tables(rows, &[2, 0], &mut a);
                slow.class_tables(rows, &[2, 0], &mut b);
                assert_eq!((a.len(), b.len()), (2, 2));
                assert!(!a.is_empty());
                for i in 0..2 {
                    let (mut fa, mut fb) = (Vec::new(), Vec::new());
                    a.table(i).to_f64(&mut fa);
                    b.table(i).to_f64(&mut fb);
                    assert_eq!(fa, fb);
                }
                let (mut pa, mut pb) = (Vec::new(), Vec::new());
                fast.contingency_pairs(rows, 0, &[1, 2], &mut pa);
                slow.contingency_pairs(rows, 0, &[1, 2], &mut pb);
                assert_eq!(pa, pb);
                assert_eq!(fast.total_weight(rows), slow.total_weight(rows));
            }
        }
    }
}
