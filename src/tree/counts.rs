//! The per-node count tables of the grower: for every candidate attribute, its
//! (value × class) table of weighted counts over the node's rows, all through the data
//! layer's counting seam ([`data::counts::contingency`](crate::data::counts::contingency)
//! and its batched form [`data::class_tables`](fn@crate::data::class_tables)).
//!
//! Large nodes (at least [`PARALLEL_MIN_CELLS`] row × attribute visits) count each
//! attribute with `contingency`, attributes in parallel (rayon). Smaller nodes — the
//! vast majority of an unpruned tree's nodes — count every attribute in one sequential
//! `class_tables` call into one flat buffer: no thread hand-off, no per-attribute call
//! overhead. Buffers are owned by the grower and reused at every node, so counting
//! allocates nothing per row or per node.

use rayon::prelude::*;

use crate::data::{
    ClassTable, ClassTables, CountTable, Encoded, Rows, Var, class_tables, contingency,
};

/// Row × attribute visits below which a node is counted on the calling thread.
pub(crate) const PARALLEL_MIN_CELLS: usize = 1 << 16;

/// Reusable count tables of one node's candidate features.
#[derive(Debug, Default)]
pub(crate) struct NodeTables {
    flat: ClassTables,
    /// Position of each feature in the last count (`usize::MAX`: not counted).
    slot: Vec<usize>,
    /// Per-feature buffers of the parallel path.
    big: Vec<CountTable>,
}

impl NodeTables {
    /// Buffers for `n_features` features.
    pub fn new(n_features: usize) -> Self {
        NodeTables {
            flat: ClassTables::default(),
            slot: vec![usize::MAX; n_features],
            big: Vec::new(),
        }
    }

    /// The table of feature `j` (valid after [`NodeTables::count`] included `j`): row
    /// counts when the node's rows are unweighted and were counted sequentially,
    /// weighted counts otherwise.
    pub fn table(&self, j: usize) -> ClassTable<'_> {
        self.flat.table(self.slot[j])
    }

    /// Counts the (value × class) tables of `features` (ascending) over `rows`.
    pub fn count(&mut self, enc: &Encoded, rows: Rows<'_>, features: &[usize]) {
        let n = rows.len(enc.n_rows());
        self.slot.fill(usize::MAX);
        for (i, &j) in features.iter().enumerate() {
            self.slot[j] = i;
        }
        if n.saturating_mul(features.len()) < PARALLEL_MIN_CELLS || features.len() < 2 {
            class_tables(enc, rows, features, &mut self.flat);
            return;
        }
        if self.big.len() < features.len() {
            self.big.resize_with(features.len(), CountTable::default);
        }
        let big = &mut self.big[..features.len()];
        big.par_iter_mut()
            .zip(features.par_iter())
            .with_max_len(1)
            .for_each(|(t, &j)| contingency(enc, rows, &[Var::Feature(j), Var::Class], t));
        let f = &mut self.flat;
        f.clear_exact();
        f.offsets.clear();
        f.offsets.push(0);
        f.counts.clear();
        for t in big.iter() {
            f.counts.extend_from_slice(&t.counts);
            f.offsets.push(f.counts.len());
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
            let (mut a, mut b) = (Vec::new(), Vec::new());
            big.table(j).to_f64(&mut a);
            small.table(j).to_f64(&mut b);
            assert_eq!(a, b);
            assert_eq!(a.iter().sum::<f64>(), rows.len() as f64);
        }
    }
}
