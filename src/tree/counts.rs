//! The per-node count tables of the grower: for every candidate attribute, its
//! (value × class) table of weighted counts over the node's rows, counted through the
//! counting contract ([`Counter::class_tables`]), all attributes of a node in one call.
//! The buffers are owned by the grower and reused at every node, so counting
//! allocates nothing per row or per node.

use crate::count::{ClassTable, ClassTables, Counter, Rows};

/// Reusable count tables of one node's candidate features.
#[derive(Debug, Default)]
pub(crate) struct NodeTables {
    flat: ClassTables,
    /// Position of each feature in the last count (`usize::MAX`: not counted).
    slot: Vec<usize>,
}

impl NodeTables {
    /// Buffers for `n_features` features.
    pub fn new(n_features: usize) -> Self {
        NodeTables {
            flat: ClassTables::default(),
            slot: vec![usize::MAX; n_features],
        }
    }

    /// The table of feature `j` (valid after [`NodeTables::count`] included `j`): row
    /// counts or weighted counts, as the counter gave them.
    pub fn table(&self, j: usize) -> ClassTable<'_> {
        self.flat.table(self.slot[j])
    }

    /// Takes `tables` (the tables of **every** feature, in order, as a level query
    /// counts them) as this node's, swapping buffers with it.
    pub fn load_all(&mut self, tables: &mut ClassTables) {
        std::mem::swap(&mut self.flat, tables);
        for (j, s) in self.slot.iter_mut().enumerate() {
            *s = j;
        }
    }

    /// Takes the exact row-count tables of `features` (ascending) from `derived`
    /// (which must hold each of them) instead of counting rows.
    pub fn load_derived(&mut self, derived: &Derived, features: &[usize]) {
        self.slot.fill(usize::MAX);
        for (i, &j) in features.iter().enumerate() {
            self.slot[j] = i;
        }
        self.flat
            .fill_ints(features.iter().map(|&j| derived.table(j)));
    }

    /// Counts the (value × class) tables of `features` (ascending) over `rows`.
    pub fn count<C: Counter>(&mut self, counter: &C, rows: Rows<'_>, features: &[usize]) {
        self.slot.fill(usize::MAX);
        for (i, &j) in features.iter().enumerate() {
            self.slot[j] = i;
        }
        counter.class_tables(rows, features, &mut self.flat);
    }
}

/// Exact (value × class) row-count tables a node's parent derived for it by
/// histogram subtraction (the parent's tables minus its other children's, see the
/// grower), keyed by feature.
#[derive(Debug, Default, Clone)]
pub(crate) struct Derived {
    /// Feature → (start, end) in `cells` (`(0, 0)`: not held).
    at: Vec<(usize, usize)>,
    cells: Vec<u32>,
}

impl Derived {
    /// Empty tables for `n_features` features.
    pub fn new(n_features: usize) -> Self {
        Derived {
            at: vec![(0, 0); n_features],
            cells: Vec::new(),
        }
    }

    /// Appends feature `j`'s table.
    pub fn push(&mut self, j: usize, table: impl Iterator<Item = u32>) {
        let start = self.cells.len();
        self.cells.extend(table);
        self.at[j] = (start, self.cells.len());
    }

    /// Feature `j`'s table (empty when not held).
    pub fn table(&self, j: usize) -> &[u32] {
        let (a, b) = self.at[j];
        &self.cells[a..b]
    }

    /// Feature `j`'s table, writable.
    pub fn table_mut(&mut self, j: usize) -> &mut [u32] {
        let (a, b) = self.at[j];
        &mut self.cells[a..b]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::InMemory;
    use crate::data::{Codes, Encoded, EncodedFeature, EncodedSchema};
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
        big.count(&InMemory::new(&enc), Rows::Subset(&rows), &[0, 2, 3]);
        let mut small = NodeTables::new(nf);
        for j in [0, 2, 3] {
            small.count(&InMemory::new(&enc), Rows::Subset(&rows[..]), &[j]);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            big.table(j).to_f64(&mut a);
            small.table(j).to_f64(&mut b);
            assert_eq!(a, b);
            assert_eq!(a.iter().sum::<f64>(), rows.len() as f64);
        }
    }
}
