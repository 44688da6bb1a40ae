//! [`InMemory`]: the counting contract over an in-memory [`Encoded`] table.

use rayon::prelude::*;

use super::Counter;
use super::class_tables::{ClassTables, class_tables};
use super::contingency::{CountTable, Rows, Var, cardinality, contingency, contingency_pairs};
use crate::data::Encoded;

/// Row × attribute visits below which [`InMemory::class_tables`](Counter::class_tables)
/// counts all attributes in one sequential pass on the calling thread; at or above it
/// (and with at least two attributes) attributes are counted in parallel (rayon).
pub const PARALLEL_MIN_CELLS: usize = 1 << 16;

/// Counts over the column-major codes of an [`Encoded`] table, in memory: one pass per
/// table, no allocation per row, integer counters for unweighted rows.
#[derive(Debug, Clone, Copy)]
pub struct InMemory<'a> {
    enc: &'a Encoded,
}

impl<'a> InMemory<'a> {
    /// A counter over `enc` (its row weights, if any, weight every count).
    pub fn new(enc: &'a Encoded) -> Self {
        InMemory { enc }
    }

    /// The table counted.
    pub fn encoded(&self) -> &'a Encoded {
        self.enc
    }
}

impl Counter for InMemory<'_> {
    fn n_rows(&self) -> usize {
        self.enc.n_rows()
    }

    fn n_classes(&self) -> usize {
        self.enc.n_classes()
    }

    fn cardinality(&self, var: Var) -> usize {
        cardinality(self.enc, var)
    }

    /// Summed in row order.
    fn total_weight(&self, rows: Rows<'_>) -> f64 {
        let enc = self.enc;
        match rows {
            Rows::All => (0..enc.n_rows()).map(|r| enc.weight(r)).sum(),
            Rows::Subset(rs) => rs.iter().map(|&r| enc.weight(r as usize)).sum(),
            Rows::Weighted(rs, x) => rs
                .iter()
                .zip(x)
                .map(|(&r, &x)| enc.weight(r as usize) * x)
                .sum(),
        }
    }

    fn contingency(&self, rows: Rows<'_>, vars: &[Var], out: &mut CountTable) {
        contingency(self.enc, rows, vars, out);
    }

    /// Small nodes (fewer than [`PARALLEL_MIN_CELLS`] row × attribute visits, the vast
    /// majority of an unpruned tree's nodes) are counted in one sequential pass into
    /// one flat buffer (exact `u32` counts for unweighted row subsets); larger ones
    /// count each attribute with `contingency`, attributes in parallel, into reused
    /// per-attribute buffers (weighted `f64` counts).
    fn class_tables(&self, rows: Rows<'_>, features: &[usize], out: &mut ClassTables) {
        let n = rows.len(self.enc.n_rows());
        if n.saturating_mul(features.len()) < PARALLEL_MIN_CELLS || features.len() < 2 {
            class_tables(self.enc, rows, features, out);
            return;
        }
        let mut tables = out.take_scratch(features.len());
        let enc = self.enc;
        tables[..features.len()]
            .par_iter_mut()
            .zip(features.par_iter())
            .with_max_len(1)
            .for_each(|(t, &j)| contingency(enc, rows, &[Var::Feature(j), Var::Class], t));
        out.fill_from(&tables[..features.len()]);
        out.put_scratch(tables);
    }

    fn contingency_pairs(
        &self,
        rows: Rows<'_>,
        i: usize,
        js: &[usize],
        outs: &mut Vec<CountTable>,
    ) {
        contingency_pairs(self.enc, rows, i, js, outs);
    }
}
