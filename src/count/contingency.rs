//! Count tables and the in-memory kernels behind [`InMemory`](super::InMemory).
//!
//! A split decision in a tree needs, per candidate attribute, a (value × class) table
//! of weighted counts over the node's rows; Bayesian-network learning needs family
//! tables (parents × child) and pairwise (Xi × Xj × class) tables. All of them are
//! [`contingency`] tables: rows in, count table out, one pass over column-major codes.
//! Callers reach these kernels only through the [`Counter`](super::Counter) trait.

use crate::data::{Codes, Encoded};

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
    dims: Vec<usize>,
    /// The counts, `dims.iter().product()` of them.
    counts: Vec<f64>,
}

impl CountTable {
    /// A table from its dimensions and its counts (row-major, last variable fastest);
    /// `None` unless `counts.len()` is the product of `dims`. For a [`Counter`]
    /// implementation outside this crate; the in-memory kernels fill tables in place.
    ///
    /// [`Counter`]: super::Counter
    pub fn from_parts(dims: Vec<usize>, counts: Vec<f64>) -> Option<Self> {
        (dims.iter().product::<usize>() == counts.len()).then_some(CountTable { dims, counts })
    }

    /// Cardinality of each variable, in the order asked for.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// The counts, row-major with the last variable varying fastest
    /// (`dims().iter().product()` of them).
    pub fn counts(&self) -> &[f64] {
        &self.counts
    }

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
pub(crate) fn cardinality(enc: &Encoded, var: Var) -> usize {
    match var {
        Var::Feature(j) => enc.schema().features[j].cardinality(),
        Var::Class => enc.n_classes(),
    }
}

/// Fills `out` with the weighted counts of `vars` over `rows` of `enc`, reusing `out`'s
/// buffers. Weights come from `enc.weights()` (1 per row without them), so counts of an
/// unweighted table are exact integers.
pub(crate) fn contingency(enc: &Encoded, rows: Rows<'_>, vars: &[Var], out: &mut CountTable) {
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
    // Every other variable list: precomputed strides, row blocks.
    strided(enc, rows, vars, &out.dims, &mut out.counts);
}

/// Rows per block of [`strided`].
const STRIDED_BLOCK: usize = 512;

/// Cells of the largest table [`strided`] counts with integer counters (two copies).
const STRIDED_INT_TABLE: usize = 1 << 16;

/// One variable's codes as [`strided`] reads them.
#[derive(Clone, Copy)]
enum Col<'a> {
    U8(&'a [u8]),
    U16(&'a [u16]),
}

/// The codes of `var`.
fn col_of(enc: &Encoded, var: Var) -> Col<'_> {
    match var {
        Var::Feature(j) => match enc.column(j) {
            Codes::U8(c) => Col::U8(c),
            Codes::U16(c) => Col::U16(c),
        },
        Var::Class => Col::U8(enc.labels()),
    }
}

/// The row indices of the block of `len` rows from position `start` of `rows`
/// (`None`: every row, so the block is rows `start..start + len`).
fn block_subset<'a>(rows: Rows<'a>, start: usize, len: usize) -> Option<&'a [u32]> {
    match rows {
        Rows::All => None,
        Rows::Subset(rs) | Rows::Weighted(rs, _) => Some(&rs[start..start + len]),
    }
}

/// Adds one to cell `idx[t]`, alternating between the copies `a` and `b` so that
/// consecutive rows never chain on one counter.
#[inline]
fn scatter_u32(idx: &[usize], a: &mut [u32], b: &mut [u32]) {
    let mut it = idx.chunks_exact(2);
    for p in &mut it {
        a[p[0]] += 1;
        b[p[1]] += 1;
    }
    for &x in it.remainder() {
        a[x] += 1;
    }
}

/// Adds `code · stride` of `col` to each cell index of `idx`: rows `start..` when
/// `subset` is `None`, else the rows `subset` lists (as many as `idx` has).
#[inline]
fn add_codes(idx: &mut [usize], col: Col<'_>, stride: usize, start: usize, subset: Option<&[u32]>) {
    let len = idx.len();
    macro_rules! add {
        ($c:expr) => {
            match subset {
                None => {
                    for (x, &c) in idx.iter_mut().zip(&$c[start..start + len]) {
                        *x += c as usize * stride;
                    }
                }
                Some(rs) => {
                    for (x, &r) in idx.iter_mut().zip(rs) {
                        *x += $c[r as usize] as usize * stride;
                    }
                }
            }
        };
    }
    match col {
        Col::U8(c) => add!(c),
        Col::U16(c) => add!(c),
    }
}

/// Counts any variable list (features and/or the class, any order, repeats allowed)
/// with precomputed strides: rows are taken in blocks of [`STRIDED_BLOCK`]; for each
/// variable the block's cell indices gain `code · stride` (one tight loop per column,
/// no per-row dispatch), then the block is scattered into the table. Unweighted
/// tables of at most [`STRIDED_INT_TABLE`] cells count into two interleaved `u32`
/// copies (as [`feature_by_class`] does); everything else adds `f64` weights in row
/// order, so the result equals the row-by-row definition to the last bit.
fn strided(enc: &Encoded, rows: Rows<'_>, vars: &[Var], dims: &[usize], counts: &mut [f64]) {
    let mut cols: Vec<(Col<'_>, usize)> = Vec::with_capacity(vars.len());
    let mut s = 1;
    for (&v, &d) in vars.iter().zip(dims).rev() {
        cols.push((col_of(enc, v), s));
        s *= d;
    }
    let weights = enc.weights();
    let n = rows.len(enc.n_rows());
    let int = weights.is_none()
        && !matches!(rows, Rows::Weighted(..))
        && counts.len() <= STRIDED_INT_TABLE
        && n <= u32::MAX as usize;
    let (mut a, mut b) = if int {
        (vec![0u32; counts.len()], vec![0u32; counts.len()])
    } else {
        (Vec::new(), Vec::new())
    };
    let mut idx = [0usize; STRIDED_BLOCK];
    for start in (0..n).step_by(STRIDED_BLOCK) {
        let len = STRIDED_BLOCK.min(n - start);
        let idx = &mut idx[..len];
        idx.fill(0);
        let subset = block_subset(rows, start, len);
        for &(col, stride) in &cols {
            add_codes(idx, col, stride, start, subset);
        }
        if int {
            scatter_u32(idx, &mut a, &mut b);
            continue;
        }
        let row = |t: usize| subset.map_or(start + t, |rs| rs[t] as usize);
        match (rows, weights) {
            (Rows::Weighted(_, ws), w) => {
                for (t, (&x, &f)) in idx.iter().zip(&ws[start..start + len]).enumerate() {
                    counts[x] += w.map_or(1.0, |w| w[row(t)]) * f;
                }
            }
            (_, Some(w)) => {
                for (t, &x) in idx.iter().enumerate() {
                    counts[x] += w[row(t)];
                }
            }
            (_, None) => {
                for &x in idx.iter() {
                    counts[x] += 1.0;
                }
            }
        }
    }
    if int {
        merge_u32(counts, &a, &b);
    }
}

/// The pairwise tables `[Feature(i), Feature(j), Class]` for every `j` of `js` (the
/// unit of TAN's conditional mutual information), into `outs` (resized to
/// `js.len()`). Each equals [`contingency`] of that variable list; unweighted tables
/// are counted in one pass over row blocks for all of `js`, so attribute `i`'s codes
/// and the labels are read once per block rather than once per pair.
pub(crate) fn contingency_pairs(
    enc: &Encoded,
    rows: Rows<'_>,
    i: usize,
    js: &[usize],
    outs: &mut Vec<CountTable>,
) {
    outs.resize_with(js.len(), CountTable::default);
    let k = enc.n_classes();
    let n = rows.len(enc.n_rows());
    let ci = cardinality(enc, Var::Feature(i));
    let sizes: Vec<usize> = js
        .iter()
        .map(|&j| ci * cardinality(enc, Var::Feature(j)) * k)
        .collect();
    let int = enc.weights().is_none()
        && !matches!(rows, Rows::Weighted(..))
        && sizes.iter().all(|&s| s <= STRIDED_INT_TABLE)
        && n <= u32::MAX as usize;
    if !int {
        for (&j, out) in js.iter().zip(outs.iter_mut()) {
            contingency(
                enc,
                rows,
                &[Var::Feature(i), Var::Feature(j), Var::Class],
                out,
            );
        }
        return;
    }
    let col = |j: usize| col_of(enc, Var::Feature(j));
    // Two interleaved u32 copies per table, one after another.
    let offsets: Vec<usize> = sizes
        .iter()
        .scan(0, |at, &s| {
            let o = *at;
            *at += 2 * s;
            Some(o)
        })
        .collect();
    let mut ints = vec![0u32; 2 * sizes.iter().sum::<usize>()];
    let labels = col_of(enc, Var::Class);
    let mut base = [0usize; STRIDED_BLOCK];
    let mut idx = [0usize; STRIDED_BLOCK];
    for start in (0..n).step_by(STRIDED_BLOCK) {
        let len = STRIDED_BLOCK.min(n - start);
        let subset = block_subset(rows, start, len);
        // base = code_i · (c_j · k) is per pair; keep code_i and the label apart.
        let base = &mut base[..len];
        base.fill(0);
        add_codes(base, col(i), 1, start, subset);
        let mut labels_block = [0usize; STRIDED_BLOCK];
        let lab = &mut labels_block[..len];
        add_codes(lab, labels, 1, start, subset);
        for ((&j, &size), &at) in js.iter().zip(&sizes).zip(&offsets) {
            let sx = size / ci;
            let idx = &mut idx[..len];
            for ((x, &b), &c) in idx.iter_mut().zip(base.iter()).zip(lab.iter()) {
                *x = b * sx + c;
            }
            add_codes(idx, col(j), k, start, subset);
            let (a, b) = ints[at..at + 2 * size].split_at_mut(size);
            scatter_u32(idx, a, b);
        }
    }
    for (((&j, out), &size), &at) in js.iter().zip(outs.iter_mut()).zip(&sizes).zip(&offsets) {
        out.dims.clear();
        out.dims.extend([ci, cardinality(enc, Var::Feature(j)), k]);
        out.counts.clear();
        out.counts.resize(size, 0.0);
        let (a, b) = ints[at..at + 2 * size].split_at(size);
        merge_u32(&mut out.counts, a, b);
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
    use crate::data::{EncodedFeature, EncodedSchema};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use std::sync::Arc;

    /// The definition, one row at a time: what every fast path must equal.
    fn reference(enc: &Encoded, rows: Rows<'_>, vars: &[Var]) -> CountTable {
        let dims: Vec<usize> = vars.iter().map(|&v| cardinality(enc, v)).collect();
        let mut counts = vec![0.0; dims.iter().product()];
        let rw: Vec<(usize, f64)> = match rows {
            Rows::All => (0..enc.n_rows()).map(|r| (r, 1.0)).collect(),
            Rows::Subset(rs) => rs.iter().map(|&r| (r as usize, 1.0)).collect(),
            Rows::Weighted(rs, ws) => rs.iter().zip(ws).map(|(&r, &w)| (r as usize, w)).collect(),
        };
        for (r, w) in rw {
            let mut flat = 0;
            for (&v, &d) in vars.iter().zip(&dims) {
                let code = match v {
                    Var::Feature(j) => enc.code(r, j) as usize,
                    Var::Class => enc.labels()[r] as usize,
                };
                flat = flat * d + code;
            }
            counts[flat] += match rows {
                Rows::Weighted(..) => enc.weights().map_or(1.0, |ew| ew[r]) * w,
                _ => enc.weight(r),
            };
        }
        CountTable { dims, counts }
    }

    /// 2,501 random rows (several blocks, odd count): two `u8` features (4 and 17
    /// levels), one `u16` feature (300 levels), three classes; missing codes included.
    fn random_enc(seed: u64, weighted: bool) -> Encoded {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = 2_501;
        let levels = [4usize, 17, 300];
        let f = |j: usize| EncodedFeature {
            name: format!("f{j}"),
            levels: (0..levels[j]).map(|i| i.to_string()).collect(),
            numeric: false,
        };
        let columns = levels
            .iter()
            .map(|&l| {
                let v: Vec<u16> = (0..n).map(|_| rng.random_range(0..=l as u16)).collect();
                Codes::from_u16(v, l + 1)
            })
            .collect();
        let labels = (0..n).map(|_| rng.random_range(0..3u8)).collect();
        let weights = weighted.then(|| (0..n).map(|_| rng.random_range(0.0..3.0)).collect());
        Encoded::new(
            Arc::new(EncodedSchema {
                features: (0..3).map(f).collect(),
                classes: vec!["retained".into(), "at_risk".into(), "churned".into()],
            }),
            columns,
            labels,
            weights,
        )
        .unwrap()
    }

    #[test]
    fn pairs_in_one_pass_equal_one_table_at_a_time() {
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let subset: Vec<u32> = (0..1_500).map(|_| rng.random_range(0..2_501u32)).collect();
        let fractions: Vec<f64> = subset.iter().map(|_| rng.random_range(0.0..1.0)).collect();
        for weighted in [false, true] {
            let e = random_enc(6, weighted);
            for rows in [
                Rows::All,
                Rows::Subset(&subset),
                Rows::Subset(&subset[..5]),
                Rows::Weighted(&subset, &fractions),
            ] {
                for (i, js) in [
                    (0, vec![1, 2]),
                    (1, vec![0, 1, 2]),
                    (2, vec![0]),
                    (0, vec![]),
                ] {
                    let mut outs = vec![CountTable::default(); 4];
                    contingency_pairs(&e, rows, i, &js, &mut outs);
                    assert_eq!(outs.len(), js.len());
                    for (&j, got) in js.iter().zip(&outs) {
                        let want =
                            reference(&e, rows, &[Var::Feature(i), Var::Feature(j), Var::Class]);
                        assert_eq!(*got, want, "pair ({i}, {j}) weighted {weighted}");
                    }
                }
            }
        }
    }

    #[test]
    fn strided_path_equals_the_row_by_row_definition() {
        use Var::{Class, Feature};
        let lists: Vec<Vec<Var>> = vec![
            vec![Feature(0), Feature(1), Class],
            vec![Feature(1), Feature(0), Class],
            vec![Feature(1), Class, Feature(0)],
            vec![Feature(2), Feature(1), Class],
            vec![Class, Feature(2)],
            vec![Feature(0), Feature(1)],
            vec![Class],
            vec![],
            vec![Feature(1), Feature(1), Class, Feature(0)],
            vec![Feature(2), Feature(2), Class],
            vec![Feature(0), Class],
        ];
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let subset: Vec<u32> = (0..1_700).map(|_| rng.random_range(0..2_501u32)).collect();
        let fractions: Vec<f64> = subset.iter().map(|_| rng.random_range(0.0..1.0)).collect();
        for weighted in [false, true] {
            let e = random_enc(5, weighted);
            assert!(matches!(e.column(2), Codes::U16(_)));
            for vars in &lists {
                for rows in [
                    Rows::All,
                    Rows::Subset(&subset),
                    Rows::Subset(&subset[..3]),
                    Rows::Subset(&[]),
                    Rows::Weighted(&subset, &fractions),
                ] {
                    let want = reference(&e, rows, vars);
                    let mut got = CountTable::default();
                    contingency(&e, rows, vars, &mut got);
                    // Same rows in the same order: equal to the last bit.
                    assert_eq!(got, want, "{vars:?} weighted {weighted}");
                }
            }
        }
    }

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
