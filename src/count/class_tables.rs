//! Batched split tables: the (value × class) tables of several features over the same
//! rows, in one call, into one flat buffer.
//!
//! This is [`contingency`](super::Counter::contingency) with `[Var::Feature(j),
//! Var::Class]` for each feature `j` of a list — the same seam (rows in, count tables
//! out), batched so that a tree node with few rows pays one call, one buffer and no
//! allocation for all its candidate attributes instead of one call per attribute.
//! Unweighted rows are counted in `u32` cells and converted once, so the counts are
//! the same exact integers `contingency` gives; weighted rows add their weights in row
//! order, as `contingency` does, so the two agree bit for bit (tested).

use super::contingency::{CountTable, Rows};
use crate::data::{Codes, Encoded};

/// The (value × class) tables of a list of features, back to back: the result of
/// [`Counter::class_tables`](super::Counter::class_tables), read-only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassTables {
    /// Where each feature's table starts in `counts` (one entry more than features;
    /// table `i` is `counts[offsets[i]..offsets[i + 1]]`).
    offsets: Vec<usize>,
    /// Weighted counts (weighted rows only; unweighted rows are counted as integers,
    /// see [`ClassTables::table`]); each table is row-major (`cardinality × n_classes`,
    /// the class varying fastest), like a [`CountTable`] of `[Feature, Class]`.
    counts: Vec<f64>,
    ints: Vec<u32>,
    /// Whether `ints` holds the last call's counts (unweighted rows).
    exact: bool,
    /// Per-feature buffers of [`ClassTables::fill_from`]'s callers (reused).
    scratch: Vec<CountTable>,
}

/// One table of a [`ClassTables`]: exact row counts (unweighted rows) or weighted
/// counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ClassTable<'a> {
    /// Row counts.
    Ints(&'a [u32]),
    /// Weighted counts.
    Floats(&'a [f64]),
}

impl ClassTable<'_> {
    /// Number of cells.
    pub fn len(&self) -> usize {
        match self {
            ClassTable::Ints(t) => t.len(),
            ClassTable::Floats(t) => t.len(),
        }
    }

    /// True for a table without cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cells as `f64` into `out` (replacing its contents).
    pub fn to_f64(&self, out: &mut Vec<f64>) {
        out.clear();
        match self {
            ClassTable::Ints(t) => out.extend(t.iter().map(|&x| f64::from(x))),
            ClassTable::Floats(t) => out.extend_from_slice(t),
        }
    }

    /// Sum of cells `a..b` (as `f64`; exact for row counts).
    pub fn sum(&self, a: usize, b: usize) -> f64 {
        match self {
            ClassTable::Ints(t) => f64::from(t[a..b].iter().sum::<u32>()),
            ClassTable::Floats(t) => t[a..b].iter().sum(),
        }
    }
}

impl ClassTables {
    /// The table of the `i`-th feature of the last count: row counts for unweighted
    /// rows counted as integers, weighted counts otherwise.
    pub fn table(&self, i: usize) -> ClassTable<'_> {
        let r = self.offsets[i]..self.offsets[i + 1];
        if self.exact {
            ClassTable::Ints(&self.ints[r])
        } else {
            ClassTable::Floats(&self.counts[r])
        }
    }

    /// Number of tables (features) of the last count.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// True when the last count had no features.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Refills these tables from one `[Feature(j), Class]` [`CountTable`] per feature
    /// (weighted counts), reusing the buffers: how a [`Counter`](super::Counter) that
    /// counts feature by feature (in parallel, or on another engine) hands its tables
    /// back.
    pub fn fill_from(&mut self, tables: &[CountTable]) {
        self.exact = false;
        self.offsets.clear();
        self.offsets.push(0);
        self.counts.clear();
        for t in tables {
            self.counts.extend_from_slice(t.counts());
            self.offsets.push(self.counts.len());
        }
    }

    /// Refills these tables with exact row counts given directly, one slice per
    /// feature (each row-major `cardinality × n_classes`), reusing the buffers: how a
    /// tree node takes the tables its parent derived for it (histogram subtraction)
    /// instead of counting its rows.
    pub(crate) fn fill_ints<'t>(&mut self, tables: impl Iterator<Item = &'t [u32]>) {
        self.exact = true;
        self.offsets.clear();
        self.offsets.push(0);
        self.ints.clear();
        for t in tables {
            self.ints.extend_from_slice(t);
            self.offsets.push(self.ints.len());
        }
    }

    /// Takes the per-feature scratch tables out (give them back with
    /// [`ClassTables::put_scratch`]), grown to at least `n`.
    pub(crate) fn take_scratch(&mut self, n: usize) -> Vec<CountTable> {
        let mut s = std::mem::take(&mut self.scratch);
        if s.len() < n {
            s.resize_with(n, CountTable::default);
        }
        s
    }

    /// Returns the scratch tables taken by [`ClassTables::take_scratch`].
    pub(crate) fn put_scratch(&mut self, s: Vec<CountTable>) {
        self.scratch = s;
    }
}

/// Fills `out` with one (value × class) table of weighted counts over `rows` per
/// feature of `features` (in that order), reusing `out`'s buffers. Each table equals
/// `contingency(enc, rows, &[Var::Feature(j), Var::Class], ..)` exactly.
pub(crate) fn class_tables(
    enc: &Encoded,
    rows: Rows<'_>,
    features: &[usize],
    out: &mut ClassTables,
) {
    let k = enc.n_classes();
    let schema = enc.schema();
    out.offsets.clear();
    out.offsets.push(0);
    let mut total = 0;
    for &j in features {
        total += schema.features[j].cardinality() * k;
        out.offsets.push(total);
    }
    let labels = enc.labels();
    out.exact = matches!((rows, enc.weights()), (Rows::Subset(_), None));
    match (rows, enc.weights()) {
        (Rows::Subset(rs), None) => {
            out.ints.clear();
            out.ints.resize(total, 0);
            for (i, &j) in features.iter().enumerate() {
                let t = &mut out.ints[out.offsets[i]..out.offsets[i + 1]];
                match enc.column(j) {
                    Codes::U8(v) => count_ints(v, labels, rs, k, t),
                    Codes::U16(v) => count_ints(v, labels, rs, k, t),
                }
            }
        }
        _ => {
            out.counts.clear();
            out.counts.resize(total, 0.0);
            let all: Vec<u32>;
            let (rs, extra) = match rows {
                Rows::All => {
                    all = (0..enc.n_rows() as u32).collect();
                    (&all[..], None)
                }
                Rows::Subset(rs) => (rs, None),
                Rows::Weighted(rs, x) => (rs, Some(x)),
            };
            for (i, &j) in features.iter().enumerate() {
                let t = &mut out.counts[out.offsets[i]..out.offsets[i + 1]];
                let col = enc.column(j);
                for (n, &r) in rs.iter().enumerate() {
                    let r = r as usize;
                    let cell = col.get(r) as usize * k + labels[r] as usize;
                    // The same products, in the same order, as `contingency`.
                    t[cell] += match (enc.weights(), extra) {
                        (None, None) => 1.0,
                        (Some(w), None) => w[r],
                        (w, Some(x)) => w.map_or(1.0, |w| w[r]) * x[n],
                    };
                }
            }
        }
    }
}

/// Unweighted (value × class) counts of one column over `rows`.
#[inline]
fn count_ints<C: Copy + Into<u32>>(
    codes: &[C],
    labels: &[u8],
    rows: &[u32],
    k: usize,
    t: &mut [u32],
) {
    for &r in rows {
        let r = r as usize;
        t[codes[r].into() as usize * k + labels[r] as usize] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::count::contingency::{Var, contingency};

    /// 97 rows, `c` with 300 levels (`u16` codes), three classes.
    fn enc(weights: Option<Vec<f64>>) -> Encoded {
        crate::count::testing::synthetic_codes(97, 300, 3, weights)
    }

    fn agree(e: &Encoded, rows: Rows<'_>) {
        let features = [2, 0, 1];
        let mut out = ClassTables::default();
        class_tables(e, rows, &features, &mut out);
        for (i, &j) in features.iter().enumerate() {
            let mut t = CountTable::default();
            contingency(e, rows, &[Var::Feature(j), Var::Class], &mut t);
            let mut f = Vec::new();
            out.table(i).to_f64(&mut f);
            assert_eq!(f, t.counts(), "feature {j}");
            let k = 3;
            for v in 0..f.len() / k {
                let s: f64 = t.counts()[v * k..(v + 1) * k].iter().sum();
                assert_eq!(out.table(i).sum(v * k, (v + 1) * k), s);
            }
        }
    }

    #[test]
    fn batched_tables_equal_contingency_bit_for_bit() {
        let subset: Vec<u32> = (0..97).filter(|r| r % 4 != 1).collect();
        let x: Vec<f64> = subset.iter().map(|&r| 0.1 + f64::from(r) / 7.0).collect();
        let weights = (0..97).map(|i| 0.3 + f64::from(i % 5) * 0.77).collect();
        for e in [enc(None), enc(Some(weights))] {
            agree(&e, Rows::All);
            agree(&e, Rows::Subset(&subset));
            agree(&e, Rows::Subset(&[]));
            agree(&e, Rows::Weighted(&subset, &x));
        }
    }
}
