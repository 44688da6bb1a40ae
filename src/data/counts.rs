//! Count tables: the one narrow function every learner counts through.
//!
//! A split decision in a tree needs, per candidate attribute, a (value × class) table
//! of weighted counts over the node's rows; Bayesian-network learning needs family
//! tables (parents × child) and pairwise (Xi × Xj × class) tables. All of them are
//! [`contingency`] tables: rows in, count table out, one pass over column-major codes.
//! This is the seam where data larger than one machine will later be counted by a
//! distributed engine instead of in memory, so callers must not count any other way.

use super::encoded::{Codes, Encoded};

/// A variable of a count table: a feature (by index) or the class label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Var {
    /// Feature `j`; its codes range over `0..=missing_code` (cardinality `n_levels + 1`).
    Feature(usize),
    /// The class label (cardinality `n_classes`).
    Class,
}

/// Which rows to count.
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    /// Every row of the table.
    All,
    /// These row indices.
    Subset(&'a [u32]),
}

impl Rows<'_> {
    /// Number of rows selected, given the table's row count.
    pub fn len(&self, n_rows: usize) -> usize {
        match self {
            Rows::All => n_rows,
            Rows::Subset(r) => r.len(),
        }
    }
}

/// A dense table of weighted counts over the cartesian product of some variables,
/// row-major with the last variable varying fastest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CountTable {
    /// Cardinality of each variable, in the order asked for.
    pub dims: Vec<usize>,
    /// The counts, `dims.iter().product()` of them.
    pub counts: Vec<f64>,
}

impl CountTable {
    /// The count at a multi-index (one index per variable).
    pub fn get(&self, index: &[usize]) -> f64 {
        let mut flat = 0;
        for (i, d) in index.iter().zip(&self.dims) {
            flat = flat * d + i;
        }
        self.counts[flat]
    }

    /// Total weight counted.
    pub fn total(&self) -> f64 {
        self.counts.iter().sum()
    }
}

/// Cardinality of a variable in `enc`.
pub fn cardinality(enc: &Encoded, var: Var) -> usize {
    match var {
        Var::Feature(j) => enc.schema().features[j].cardinality(),
        Var::Class => enc.n_classes(),
    }
}

#[inline]
fn code_of(enc: &Encoded, var: Var, row: usize) -> usize {
    match var {
        Var::Feature(j) => enc.code(row, j) as usize,
        Var::Class => enc.labels()[row] as usize,
    }
}

/// Fills `out` with the weighted counts of `vars` over `rows` of `enc`, reusing `out`'s
/// buffers. Weights come from `enc.weights()` (1 per row without them), so counts of an
/// unweighted table are exact integers.
pub fn contingency(enc: &Encoded, rows: Rows<'_>, vars: &[Var], out: &mut CountTable) {
    out.dims.clear();
    out.dims.extend(vars.iter().map(|&v| cardinality(enc, v)));
    let size: usize = out.dims.iter().product();
    out.counts.clear();
    out.counts.resize(size, 0.0);
    // Fast path: one feature × class, the tree's split table.
    if let [Var::Feature(j), Var::Class] = vars {
        let k = enc.n_classes();
        let labels = enc.labels();
        let counts = &mut out.counts[..];
        let weights = enc.weights();
        macro_rules! run {
            ($codes:expr) => {{
                let codes = $codes;
                match (rows, weights) {
                    (Rows::All, None) => {
                        for (c, &l) in codes.iter().zip(labels) {
                            counts[*c as usize * k + l as usize] += 1.0;
                        }
                    }
                    (Rows::All, Some(w)) => {
                        for ((c, &l), &w) in codes.iter().zip(labels).zip(w) {
                            counts[*c as usize * k + l as usize] += w;
                        }
                    }
                    (Rows::Subset(rs), None) => {
                        for &r in rs {
                            let r = r as usize;
                            counts[codes[r] as usize * k + labels[r] as usize] += 1.0;
                        }
                    }
                    (Rows::Subset(rs), Some(w)) => {
                        for &r in rs {
                            let r = r as usize;
                            counts[codes[r] as usize * k + labels[r] as usize] += w[r];
                        }
                    }
                }
            }};
        }
        match enc.column(*j) {
            Codes::U8(v) => run!(v),
            Codes::U16(v) => run!(v),
        }
        return;
    }
    let mut add = |r: usize| {
        let mut flat = 0;
        for (&v, &d) in vars.iter().zip(&out.dims) {
            flat = flat * d + code_of(enc, v, r);
        }
        out.counts[flat] += enc.weight(r);
    };
    match rows {
        Rows::All => (0..enc.n_rows()).for_each(&mut add),
        Rows::Subset(rs) => rs.iter().for_each(|&r| add(r as usize)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::encoded::{EncodedFeature, EncodedSchema};
    use std::sync::Arc;

    fn enc(weights: Option<Vec<f64>>) -> Encoded {
        let f = |name: &str, n: usize| EncodedFeature {
            name: name.into(),
            levels: (0..n).map(|i| i.to_string()).collect(),
            numeric: false,
        };
        Encoded::new(
            Arc::new(EncodedSchema {
                features: vec![f("a", 2), f("b", 3)],
                classes: vec!["retained".into(), "churned".into()],
            }),
            vec![
                Codes::U8(vec![0, 1, 1, 2, 0]),
                Codes::U16(vec![2, 2, 0, 1, 3]),
            ],
            vec![0, 1, 1, 0, 1],
            weights,
        )
        .unwrap()
    }

    #[test]
    fn feature_by_class_counts() {
        let e = enc(None);
        let mut t = CountTable::default();
        contingency(&e, Rows::All, &[Var::Feature(0), Var::Class], &mut t);
        assert_eq!(t.dims, vec![3, 2]);
        assert_eq!(t.counts, vec![1.0, 1.0, 0.0, 2.0, 1.0, 0.0]);
        contingency(
            &e,
            Rows::Subset(&[1, 2]),
            &[Var::Feature(0), Var::Class],
            &mut t,
        );
        assert_eq!(t.get(&[1, 1]), 2.0);
        assert_eq!(t.total(), 2.0);
    }

    #[test]
    fn general_tables_match_the_fast_path_and_use_weights() {
        let e = enc(Some(vec![1.0, 2.0, 0.5, 1.0, 3.0]));
        let mut fast = CountTable::default();
        contingency(&e, Rows::All, &[Var::Feature(1), Var::Class], &mut fast);
        let mut slow = CountTable::default();
        contingency(&e, Rows::All, &[Var::Class, Var::Feature(1)], &mut slow);
        for v in 0..4 {
            for c in 0..2 {
                assert_eq!(fast.get(&[v, c]), slow.get(&[c, v]));
            }
        }
        assert_eq!(fast.total(), 7.5);
        let mut three = CountTable::default();
        contingency(
            &e,
            Rows::All,
            &[Var::Feature(0), Var::Feature(1), Var::Class],
            &mut three,
        );
        assert_eq!(three.dims, vec![3, 4, 2]);
        assert_eq!(three.get(&[1, 2, 1]), 2.0);
    }
}
