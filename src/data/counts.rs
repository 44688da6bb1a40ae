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
    /// These row indices, each with an extra weight that multiplies the table's row
    /// weight (C4.5's fractional instances: a row sent down several branches).
    Weighted(&'a [u32], &'a [f64]),
}

impl Rows<'_> {
    /// Number of rows selected, given the table's row count.
    pub fn len(&self, n_rows: usize) -> usize {
        match self {
            Rows::All => n_rows,
            Rows::Subset(r) | Rows::Weighted(r, _) => r.len(),
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
        match enc.column(*j) {
            Codes::U8(v) => feature_by_class(v, enc, rows, &mut out.counts),
            Codes::U16(v) => feature_by_class(v, enc, rows, &mut out.counts),
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
        Rows::Weighted(rs, ws) => {
            for (&r, &w) in rs.iter().zip(ws) {
                let r = r as usize;
                let mut flat = 0;
                for (&v, &d) in vars.iter().zip(&out.dims) {
                    flat = flat * d + code_of(enc, v, r);
                }
                out.counts[flat] += enc.weight(r) * w;
            }
        }
    }
}

fn merge_u32(counts: &mut [f64], a: &[u32], b: &[u32]) {
    for ((o, x), y) in counts.iter_mut().zip(a).zip(b) {
        *o = f64::from(x + y);
    }
}

/// Row lists shorter than this count straight into the `f64` cells (zeroing the
/// integer counters would cost more than it saves).
const SMALL_ROWS: usize = 64;

/// Cells of the largest table counted with integer counters on the stack.
const SMALL_TABLE: usize = 256;

/// (value × class) counts of one column. Unweighted tables that fit count into `u32`
/// cells on the stack (integer increments do not wait on floating-point latency when
/// neighbouring rows hit the same cell), with two interleaved copies for long row lists
/// so consecutive rows never chain on one counter.
#[inline]
fn feature_by_class<C: Copy + Into<u32>>(
    codes: &[C],
    enc: &Encoded,
    rows: Rows<'_>,
    counts: &mut [f64],
) {
    let k = enc.n_classes();
    let labels = enc.labels();
    let weights = enc.weights();
    let cell = |c: C, l: u8| c.into() as usize * k + l as usize;
    match (rows, weights) {
        (Rows::All, None) if counts.len() <= SMALL_TABLE => {
            let mut a = [0u32; SMALL_TABLE];
            let mut b = [0u32; SMALL_TABLE];
            let (a, b) = (&mut a[..counts.len()], &mut b[..counts.len()]);
            for (c, l) in codes.chunks_exact(2).zip(labels.chunks_exact(2)) {
                a[cell(c[0], l[0])] += 1;
                b[cell(c[1], l[1])] += 1;
            }
            if codes.len() % 2 == 1 {
                let i = codes.len() - 1;
                a[cell(codes[i], labels[i])] += 1;
            }
            merge_u32(counts, a, b);
        }
        (Rows::Subset(rs), None) if counts.len() <= SMALL_TABLE && rs.len() >= SMALL_ROWS => {
            let mut a = [0u32; SMALL_TABLE];
            let mut b = [0u32; SMALL_TABLE];
            let (a, b) = (&mut a[..counts.len()], &mut b[..counts.len()]);
            let mut it = rs.chunks_exact(2);
            for r in &mut it {
                let (r0, r1) = (r[0] as usize, r[1] as usize);
                a[cell(codes[r0], labels[r0])] += 1;
                b[cell(codes[r1], labels[r1])] += 1;
            }
            for &r in it.remainder() {
                let r = r as usize;
                a[cell(codes[r], labels[r])] += 1;
            }
            merge_u32(counts, a, b);
        }
        (Rows::All, None) => {
            for (&c, &l) in codes.iter().zip(labels) {
                counts[cell(c, l)] += 1.0;
            }
        }
        (Rows::All, Some(w)) => {
            for ((&c, &l), &w) in codes.iter().zip(labels).zip(w) {
                counts[cell(c, l)] += w;
            }
        }
        (Rows::Subset(rs), None) => {
            for &r in rs {
                let r = r as usize;
                counts[cell(codes[r], labels[r])] += 1.0;
            }
        }
        (Rows::Subset(rs), Some(w)) => {
            for &r in rs {
                let r = r as usize;
                counts[cell(codes[r], labels[r])] += w[r];
            }
        }
        (Rows::Weighted(rs, ws), w) => {
            for (&r, &x) in rs.iter().zip(ws) {
                let r = r as usize;
                let rw = w.map_or(1.0, |w| w[r]);
                counts[cell(codes[r], labels[r])] += rw * x;
            }
        }
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
        let mut fw = CountTable::default();
        contingency(
            &e,
            Rows::Weighted(&[1, 4, 4], &[0.5, 1.0, 0.25]),
            &[Var::Feature(1), Var::Class],
            &mut fw,
        );
        assert_eq!(fw.get(&[2, 1]), 1.0);
        assert_eq!(fw.get(&[3, 1]), 3.75);
        let mut gw = CountTable::default();
        contingency(
            &e,
            Rows::Weighted(&[1, 4, 4], &[0.5, 1.0, 0.25]),
            &[Var::Class, Var::Feature(1)],
            &mut gw,
        );
        assert_eq!(gw.get(&[1, 3]), 3.75);
    }

    #[test]
    fn integer_and_float_paths_agree_on_odd_and_even_row_counts() {
        let e = enc(None);
        for rows in [
            &[0u32, 1, 2, 3, 4][..],
            &[4, 3, 2, 1][..],
            &[2][..],
            &[][..],
        ] {
            let mut t = CountTable::default();
            contingency(
                &e,
                Rows::Subset(rows),
                &[Var::Feature(1), Var::Class],
                &mut t,
            );
            let mut g = CountTable::default();
            contingency(
                &e,
                Rows::Subset(rows),
                &[Var::Class, Var::Feature(1)],
                &mut g,
            );
            for v in 0..4 {
                for c in 0..2 {
                    assert_eq!(t.get(&[v, c]), g.get(&[c, v]));
                }
            }
        }
        let all: Vec<u32> = (0..5).collect();
        let mut a = CountTable::default();
        let mut s = CountTable::default();
        contingency(&e, Rows::All, &[Var::Feature(0), Var::Class], &mut a);
        contingency(
            &e,
            Rows::Subset(&all),
            &[Var::Feature(0), Var::Class],
            &mut s,
        );
        assert_eq!(a, s);
    }
}
