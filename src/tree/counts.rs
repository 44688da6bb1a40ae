//! The per-node count tables of the grower: for every candidate attribute, its
//! (value × class) table of weighted counts over the node's rows, all through
//! [`data::counts::contingency`](crate::data::counts::contingency) (the one seam where
//! counting happens).
//!
//! Attributes are counted in parallel (rayon) when the node is large enough for the
//! threads to pay (at least [`PARALLEL_MIN_CELLS`] row × attribute visits); deep, small
//! nodes are counted sequentially. Tables are buffers owned by the grower and reused at
//! every node, so counting allocates nothing per row or per node.

use rayon::prelude::*;

use crate::data::{CountTable, Encoded, Rows, Var, contingency};

/// Row × attribute visits below which a node is counted on the calling thread.
pub const PARALLEL_MIN_CELLS: usize = 1 << 16;

/// Reusable count tables, one per feature.
#[derive(Debug, Default)]
pub struct NodeTables {
    tables: Vec<CountTable>,
}

impl NodeTables {
    /// Buffers for `n_features` features.
    pub fn new(n_features: usize) -> Self {
        NodeTables {
            tables: (0..n_features).map(|_| CountTable::default()).collect(),
        }
    }

    /// The table of feature `j` (valid after [`NodeTables::count`] included `j`).
    pub fn table(&self, j: usize) -> &[f64] {
        &self.tables[j].counts
    }

    /// Counts the (value × class) tables of `features` over `rows`.
    pub fn count(&mut self, enc: &Encoded, rows: Rows<'_>, features: &[usize]) {
        let n = rows.len(enc.n_rows());
        // Collect the tables to fill in feature order (disjoint &mut borrows).
        let mut wanted: Vec<(usize, &mut CountTable)> = Vec::with_capacity(features.len());
        let mut fi = features.iter().peekable();
        for (j, t) in self.tables.iter_mut().enumerate() {
            if fi.peek() == Some(&&j) {
                fi.next();
                wanted.push((j, t));
            }
        }
        let fill = |(j, t): &mut (usize, &mut CountTable)| {
            contingency(enc, rows, &[Var::Feature(*j), Var::Class], t);
        };
        if n.saturating_mul(features.len()) >= PARALLEL_MIN_CELLS && features.len() > 1 {
            wanted.par_iter_mut().with_max_len(1).for_each(fill);
        } else {
            wanted.iter_mut().for_each(fill);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Codes, EncodedFeature, EncodedSchema};
    use std::sync::Arc;

    #[test]
    fn parallel_and_sequential_counts_agree() {
        let n = 50_000usize;
        let nf = 4;
        let schema = Arc::new(EncodedSchema {
            features: (0..nf)
                .map(|j| EncodedFeature {
                    name: format!("f{j}"),
                    levels: (0..5).map(|l| l.to_string()).collect(),
                    numeric: false,
                })
                .collect(),
            classes: vec!["retained".into(), "churned".into()],
        });
        let cols = (0..nf)
            .map(|j| Codes::U8((0..n).map(|i| ((i * (j + 3)) % 6) as u8).collect()))
            .collect();
        let labels = (0..n).map(|i| (i % 7 == 0) as u8).collect();
        let enc = Encoded::new(schema, cols, labels, None).unwrap();
        let rows: Vec<u32> = (0..n as u32).filter(|r| r % 3 != 0).collect();
        let mut big = NodeTables::new(nf);
        big.count(&enc, Rows::Subset(&rows), &[0, 2, 3]);
        let mut small = NodeTables::new(nf);
        for j in [0, 2, 3] {
            small.count(&enc, Rows::Subset(&rows[..]), &[j]);
            assert_eq!(big.table(j), small.table(j));
            assert_eq!(big.table(j).iter().sum::<f64>(), rows.len() as f64);
        }
    }
}
