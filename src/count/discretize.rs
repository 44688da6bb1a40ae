//! The discretizer's counts: class weights of a numeric column by distinct value, the
//! input of the supervised MDL cut points (Fayyad & Irani), and
//! [`Discretizer::fit`], which takes them through [`ValueCounter`].
//!
//! `Discretizer::fit` is defined here rather than in the data layer because choosing
//! MDL cut points needs class counts, and every count goes through this module (which
//! sits above the data layer); the cut-point search itself
//! ([`mdl_cut_points`](crate::data::mdl_cut_points)) stays in the data layer and only
//! reads counts.

use std::sync::Arc;

use crate::data::{
    Binning, Column, Discretizer, Encoded, FeatureEncoder, FeatureKind, MAX_LEVELS, MISSING_LEVEL,
    Table, equal_frequency_cuts_grouped, group_sorted, level_map, mdl_cut_points,
};
use crate::error::{Error, Location, Result};
use crate::math::{ascending_key, from_ascending_key};

/// The class weights of a numeric column by distinct value over some rows (NaN values
/// left out), read-only: the distinct values ascending, and the cumulative class
/// weights before each of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValueClassCounts {
    values: Vec<f64>,
    cumulative: Vec<f64>,
    n_classes: usize,
}

impl ValueClassCounts {
    /// The distinct (non-NaN) values, ascending.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// `(values().len() + 1) × n_classes()` cumulative weights: entry `g * k + c` is
    /// the weight of class `c` among the rows whose value is below `values()[g]`
    /// (entry `values().len() * k + c`: among all counted rows). Summed as a running
    /// sum over the rows in (value, row) order.
    pub fn cumulative(&self) -> &[f64] {
        &self.cumulative
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Weight of class `c` among the rows with value `values()[g]`.
    pub fn get(&self, g: usize, c: usize) -> f64 {
        let k = self.n_classes;
        self.cumulative[(g + 1) * k + c] - self.cumulative[g * k + c]
    }

    /// Refills these counts from `(value, class, weight)` rows sorted by value (ties in
    /// row order), reusing the buffers; NaN values are skipped. Fails on a class
    /// `>= n_classes`.
    pub fn fill_sorted(&mut self, sorted: &[(f64, u8, f64)], n_classes: usize) -> Result<()> {
        if let Some(&(_, c, _)) = sorted.iter().find(|t| t.1 as usize >= n_classes) {
            return Err(Error::param(
                "class",
                c,
                format!("out of range for {n_classes} classes"),
            ));
        }
        let k = n_classes;
        self.n_classes = k;
        self.values.clear();
        self.cumulative.clear();
        self.cumulative.resize(k, 0.0);
        for &(x, c, w) in sorted.iter().filter(|t| !t.0.is_nan()) {
            if self.values.last() != Some(&x) {
                self.values.push(x);
                let start = self.cumulative.len() - k;
                self.cumulative.extend_from_within(start..);
            }
            let last = self.cumulative.len() - k;
            self.cumulative[last + c as usize] += w;
        }
        Ok(())
    }
}

/// The discretizer's side of the counting contract: class counts of a numeric column
/// by distinct value. A distributed engine answers it with `SELECT value, class,
/// SUM(weight) … GROUP BY value, class ORDER BY value` (and a running sum); for the
/// same cut points on weighted data it must sum in (value, row) order.
pub trait ValueCounter: Sync {
    /// Fills `out` with the class counts of numeric feature `feature` over `rows` (row
    /// indices), NaN values left out.
    fn value_class_counts(
        &self,
        feature: usize,
        rows: &[usize],
        out: &mut ValueClassCounts,
    ) -> Result<()>;
}

/// [`ValueCounter`] over the numeric columns of an in-memory [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct InMemoryTable<'a> {
    table: &'a Table,
}

impl<'a> InMemoryTable<'a> {
    /// A counter over `table` (its row weights, if any, weight every count).
    pub fn new(table: &'a Table) -> Self {
        InMemoryTable { table }
    }
}

impl ValueCounter for InMemoryTable<'_> {
    fn value_class_counts(
        &self,
        feature: usize,
        rows: &[usize],
        out: &mut ValueClassCounts,
    ) -> Result<()> {
        let t = self.table;
        let Column::Numeric(values) = t.column(feature) else {
            return Err(Error::param("feature", feature, "is not a numeric column"));
        };
        let mut v: Vec<(f64, u8, f64)> = rows
            .iter()
            .filter(|&&r| !values[r].is_nan())
            .map(|&r| (values[r], t.labels()[r], t.weight(r)))
            .collect();
        if t.weights().is_some() {
            // Stable: ties keep row order, so the running sums add in (value, row) order.
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
        } else {
            // Unit weights sum exactly in any order: the faster unstable sort gives the
            // same counts.
            v.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        }
        out.fill_sorted(&v, t.schema().target.n_classes())
    }
}

/// The cut points of one numeric column under `binning`, from its summaries — the one
/// function the in-memory fit ([`Discretizer::fit_with`]) and the raw-Parquet engine
/// path (`count::parquet`, from `GROUP BY value, class` queries) both call:
///
/// * `rows()`: the distinct non-NaN values, ascending, and the number of rows holding
///   each ([`group_sorted`](crate::data::group_sorted)); equal-frequency cuts are
///   [`equal_frequency_cuts_grouped`](crate::data::equal_frequency_cuts_grouped) of
///   them;
/// * `classes()`: the class weights by distinct value ([`ValueClassCounts`]); MDL cuts
///   are [`mdl_cut_points`](crate::data::mdl_cut_points) of them, or, when MDL keeps
///   fewer than `min_bins` bins, the equal-frequency cuts into `min_bins` bins.
///
/// Each summary is asked for only when the binning needs it.
pub fn numeric_cuts<'c>(
    binning: &Binning,
    rows: impl FnOnce() -> (Vec<f64>, Vec<u64>),
    classes: impl FnOnce() -> Result<&'c ValueClassCounts>,
) -> Result<Vec<f64>> {
    Ok(match *binning {
        Binning::EqualFrequency { bins } => {
            let (values, counts) = rows();
            equal_frequency_cuts_grouped(&values, &counts, bins)
        }
        Binning::Mdl { min_bins, max_bins } => {
            let c = classes()?;
            let cuts = mdl_cut_points(c.values(), c.cumulative(), c.n_classes(), max_bins)?;
            if cuts.len() + 1 < min_bins {
                let (values, counts) = rows();
                equal_frequency_cuts_grouped(&values, &counts, min_bins)
            } else {
                cuts
            }
        }
    })
}

/// The distinct values of a numeric column, ascending, and the number of rows holding
/// each.
pub type ValueRows = (Vec<f64>, Vec<u64>);

/// The two summaries of [`numeric_cuts`] from `(value, class, rows)` triples, one per
/// distinct (value, class) pair as `SELECT x, class, COUNT(*) … GROUP BY x, class`
/// returns them, in any order (NaN values left out): the class counts by distinct
/// value, and the distinct values with their row counts. Values equal under `==`
/// (`-0` and `0`) are one value, written as the first in `f64::total_cmp` order, as
/// [`group_sorted`](crate::data::group_sorted) writes it. Counts are exact integers
/// (below 2⁵³), so the summaries equal those of the rows themselves.
pub fn value_summaries(
    triples: Vec<(f64, u8, u64)>,
    n_classes: usize,
) -> Result<(ValueClassCounts, ValueRows)> {
    let quads = triples
        .into_iter()
        .map(|(x, c, n)| (x, c, n, n as f64))
        .collect();
    value_summaries_weighted(quads, n_classes)
}

/// [`value_summaries`] of weighted rows: `(value, class, rows, weight)` quadruples,
/// one per distinct (value, class) pair as `SELECT x, class, COUNT(*), SUM(weight) …
/// GROUP BY x, class` returns them. The class counts by value are the weights (MDL
/// reads them), the rows per value the row counts (equal-frequency reads them). The
/// weights of a value are summed in the engine's order, not row by row: the
/// summaries equal those of the rows themselves when the sums are exact (e.g. weights
/// that are multiples of a power of two), and may differ in the last bits otherwise.
pub fn value_summaries_weighted(
    mut quads: Vec<(f64, u8, u64, f64)>,
    n_classes: usize,
) -> Result<(ValueClassCounts, ValueRows)> {
    quads.retain(|t| !t.0.is_nan());
    quads.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let weighted: Vec<(f64, u8, f64)> = quads.iter().map(|&(x, c, _, w)| (x, c, w)).collect();
    let mut counts = ValueClassCounts::default();
    counts.fill_sorted(&weighted, n_classes)?;
    let mut values: Vec<f64> = Vec::new();
    let mut rows: Vec<u64> = Vec::new();
    for &(x, _, n, _) in &quads {
        match values.last() {
            Some(&v) if v == x => {
                if let Some(r) = rows.last_mut() {
                    *r += n;
                }
            }
            _ => {
                values.push(x);
                rows.push(n);
            }
        }
    }
    Ok((counts, (values, rows)))
}

/// Supervised MDL cut points (Fayyad & Irani 1993) over `(value, class, weight)` rows
/// sorted by value, with at most `max_bins` bins: the rows counted by
/// [`ValueClassCounts::fill_sorted`], the cuts chosen by
/// [`mdl_cut_points`](crate::data::mdl_cut_points) (see there). Rows with a NaN value
/// are ignored.
pub fn mdl_cuts(sorted: &[(f64, u8, f64)], n_classes: usize, max_bins: usize) -> Result<Vec<f64>> {
    if max_bins == 0 {
        return Err(Error::param("max_bins", 0, "must be at least 1"));
    }
    let mut counts = ValueClassCounts::default();
    counts.fill_sorted(sorted, n_classes)?;
    mdl_cut_points(counts.values(), counts.cumulative(), n_classes, max_bins)
}

impl Discretizer {
    /// Fits the encoders on `rows` of `table` (training rows only).
    ///
    /// (Defined in the counting module: the MDL cut points are chosen from class
    /// counts, taken through [`ValueCounter`] — here [`InMemoryTable`].)
    pub fn fit(table: &Table, rows: &[usize], binning: &Binning) -> Result<Self> {
        Self::fit_with(table, rows, binning, &InMemoryTable::new(table))
    }

    /// [`Discretizer::fit`] with the MDL class counts taken through `counter`, which
    /// must count `table`. The cuts are the same for any counter that honours the
    /// [`ValueCounter`] contract.
    pub fn fit_with<V: ValueCounter>(
        table: &Table,
        rows: &[usize],
        binning: &Binning,
        counter: &V,
    ) -> Result<Self> {
        binning.validate()?;
        let schema = table.schema();
        // Features are independent: their encoders are fitted in parallel (each with
        // its own counts), collected in schema order; the first failing feature in
        // schema order gives the error.
        use rayon::prelude::*;
        let fitted: Vec<Result<FeatureEncoder>> = schema
            .features
            .par_iter()
            .enumerate()
            .map(|(j, f)| -> Result<FeatureEncoder> {
                let mut counts = ValueClassCounts::default();
                let enc = match (&f.kind, table.column(j)) {
                    (FeatureKind::Categorical { levels }, Column::Categorical(codes)) => {
                        categorical_encoder(&f.name, levels, rows.iter().map(|&r| codes[r]))?
                    }
                    (FeatureKind::Numeric, Column::Numeric(values)) => {
                        let sorted = || {
                            // Sorted as integer keys in the total order (no comparison
                            // closure), then read back as floats.
                            let mut v: Vec<u64> = rows
                                .iter()
                                .map(|&r| values[r])
                                .filter(|x| !x.is_nan())
                                .map(ascending_key)
                                .collect();
                            v.sort_unstable();
                            let v: Vec<f64> = v.into_iter().map(from_ascending_key).collect();
                            group_sorted(&v)
                        };
                        let cuts = numeric_cuts(binning, sorted, || {
                            counter.value_class_counts(j, rows, &mut counts)?;
                            Ok(&counts)
                        })?;
                        FeatureEncoder::Numeric {
                            name: f.name.clone(),
                            cuts,
                        }
                    }
                    _ => {
                        return Err(Error::schema(format!(
                            "column '{}' does not match its schema kind",
                            f.name
                        )));
                    }
                };
                Ok(enc)
            })
            .collect();
        let encoders = fitted.into_iter().collect::<Result<Vec<_>>>()?;
        Ok(Self::from_encoders(
            encoders,
            binning.clone(),
            schema.target.classes.clone(),
        ))
    }
}

/// The encoder of a categorical feature: the levels its training rows' codes use, in
/// the table's order.
///
/// # Errors
/// [`Error::Schema`] naming the column when more than [`MAX_LEVELS`] levels are used.
fn categorical_encoder(
    name: &str,
    levels: &[String],
    codes: impl Iterator<Item = u32>,
) -> Result<FeatureEncoder> {
    let mut seen = vec![false; levels.len()];
    for c in codes {
        if c != MISSING_LEVEL {
            seen[c as usize] = true;
        }
    }
    let kept: Vec<String> = levels
        .iter()
        .zip(&seen)
        .filter(|(_, s)| **s)
        .map(|(l, _)| l.clone())
        .collect();
    if kept.len() > MAX_LEVELS {
        return Err(Error::Schema {
            location: Location::default().at_column(name),
            message: format!(
                "{} levels; at most {MAX_LEVELS} are supported (drop the column or group its levels)",
                kept.len()
            ),
        });
    }
    Ok(FeatureEncoder::Categorical {
        name: name.to_string(),
        levels: kept.into(),
    })
}

/// Rows of a table prepared for many discretizer fits on subsets of them (the folds
/// of a cross-validation): each numeric column of the rows is sorted ONCE into its
/// distinct values and every row's rank among them, so a fit on a subset counts ranks
/// instead of sorting, and encoding every row reads a code per rank.
///
/// For equal-frequency binning, [`RankedRows::fit`] gives the cuts of
/// [`Discretizer::fit`] on the subset and [`RankedRows::encode`] the codes of
/// [`Discretizer::encode_rows`] on all the rows. (One difference that no code sees:
/// when `-0` and `0` both occur, a cut at that value is written as the first of them
/// in the whole rows, not in the subset; `c ≤ x` is the same for both.) Other
/// binnings take the general path.
#[derive(Debug)]
pub(crate) struct RankedRows<'a> {
    table: &'a Table,
    rows: &'a [usize],
    /// Per feature: for a numeric one its distinct non-NaN values (ascending, equal
    /// under `==` grouped as [`group_sorted`] groups them) and each row's rank among
    /// them (`u32::MAX` for NaN); None for a categorical one.
    numeric: Vec<Option<(Vec<f64>, Vec<u32>)>>,
    labels: Vec<u8>,
    weights: Option<Vec<f64>>,
}

/// A rank no value has: the row's value is NaN (missing).
const NAN_RANK: u32 = u32::MAX;

impl<'a> RankedRows<'a> {
    /// Sorts each numeric column of `rows` of `table` once (features in parallel).
    pub fn new(table: &'a Table, rows: &'a [usize]) -> Self {
        use rayon::prelude::*;
        let numeric = (0..table.schema().features.len())
            .into_par_iter()
            .map(|j| match table.column(j) {
                Column::Numeric(values) => {
                    // (total-order key, position) pairs, sorted as integers.
                    let mut order: Vec<(u64, u32)> = rows
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| !values[**r].is_nan())
                        .map(|(p, &r)| (ascending_key(values[r]), p as u32))
                        .collect();
                    order.sort_unstable();
                    let mut rank = vec![NAN_RANK; rows.len()];
                    let mut distinct: Vec<f64> = Vec::new();
                    for &(key, p) in &order {
                        let x = from_ascending_key(key);
                        if distinct.last() != Some(&x) {
                            distinct.push(x);
                        }
                        rank[p as usize] = (distinct.len() - 1) as u32;
                    }
                    Some((distinct, rank))
                }
                Column::Categorical(_) => None,
            })
            .collect();
        RankedRows {
            table,
            rows,
            numeric,
            labels: rows.iter().map(|&r| table.labels()[r]).collect(),
            weights: table
                .weights()
                .map(|w| rows.iter().map(|&r| w[r]).collect()),
        }
    }

    /// The discretizer [`Discretizer::fit`] fits on the rows at positions `train` (of
    /// the rows given to [`RankedRows::new`]) with `binning`.
    pub fn fit(&self, train: &[usize], binning: &Binning) -> Result<Discretizer> {
        let Binning::EqualFrequency { bins } = *binning else {
            let rows: Vec<usize> = train.iter().map(|&p| self.rows[p]).collect();
            return Discretizer::fit(self.table, &rows, binning);
        };
        binning.validate()?;
        let schema = self.table.schema();
        let mut encoders = Vec::with_capacity(schema.features.len());
        for (j, f) in schema.features.iter().enumerate() {
            let enc = match (&f.kind, self.table.column(j), &self.numeric[j]) {
                (FeatureKind::Numeric, Column::Numeric(_), Some((distinct, rank))) => {
                    let mut counts = vec![0u64; distinct.len()];
                    for &p in train {
                        let g = rank[p];
                        if g != NAN_RANK {
                            counts[g as usize] += 1;
                        }
                    }
                    let (values, counts): (Vec<f64>, Vec<u64>) = distinct
                        .iter()
                        .zip(&counts)
                        .filter(|(_, n)| **n > 0)
                        .map(|(&x, &n)| (x, n))
                        .unzip();
                    FeatureEncoder::Numeric {
                        name: f.name.clone(),
                        cuts: equal_frequency_cuts_grouped(&values, &counts, bins),
                    }
                }
                (FeatureKind::Categorical { levels }, Column::Categorical(codes), _) => {
                    categorical_encoder(
                        &f.name,
                        levels,
                        train.iter().map(|&p| codes[self.rows[p]]),
                    )?
                }
                _ => {
                    return Err(Error::schema(format!(
                        "column '{}' does not match its schema kind",
                        f.name
                    )));
                }
            };
            encoders.push(enc);
        }
        Ok(Discretizer::from_encoders(
            encoders,
            binning.clone(),
            schema.target.classes.clone(),
        ))
    }

    /// Every row given to [`RankedRows::new`] encoded by `d`, a discretizer of this
    /// table's columns in their order (as [`RankedRows::fit`] returns): the
    /// [`Discretizer::encode_rows`] codes, read per rank for numeric columns.
    pub fn encode(&self, d: &Discretizer) -> Result<Encoded> {
        use crate::data::Codes;
        let schema = d.schema();
        let table_schema = self.table.schema();
        let same_columns = d.encoders().len() == table_schema.features.len()
            && d.encoders()
                .iter()
                .zip(&table_schema.features)
                .all(|(e, f)| e.name() == f.name);
        if !same_columns {
            return Ok(d.encode_rows(self.table, self.rows)?.0);
        }
        let mut columns = Vec::with_capacity(schema.features.len());
        for (j, (enc, ef)) in d.encoders().iter().zip(&schema.features).enumerate() {
            let missing = ef.missing_code();
            let per_code: Vec<u16> = match (enc, self.table.column(j), &self.numeric[j]) {
                (
                    FeatureEncoder::Numeric { cuts, .. },
                    Column::Numeric(_),
                    Some((distinct, rank)),
                ) => {
                    // The code of each distinct value: the number of cuts at or below it.
                    let mut lut = Vec::with_capacity(distinct.len());
                    let mut c = 0usize;
                    for &x in distinct {
                        while c < cuts.len() && cuts[c] <= x {
                            c += 1;
                        }
                        lut.push(c as u16);
                    }
                    rank.iter()
                        .map(|&g| {
                            if g == NAN_RANK {
                                missing
                            } else {
                                lut[g as usize]
                            }
                        })
                        .collect()
                }
                (FeatureEncoder::Categorical { levels, .. }, Column::Categorical(src), _) => {
                    // Kept levels are the table's levels seen in training, in order:
                    // matched by name, as encode_rows matches them.
                    let map = level_map(levels, table_schema.features[j].levels(), missing);
                    self.rows
                        .iter()
                        .map(|&r| {
                            let c = src[r];
                            if c == MISSING_LEVEL {
                                missing
                            } else {
                                map[c as usize]
                            }
                        })
                        .collect()
                }
                _ => return Ok(d.encode_rows(self.table, self.rows)?.0),
            };
            columns.push(Codes::from_u16(per_code, ef.cardinality()));
        }
        Encoded::new(
            Arc::clone(schema),
            columns,
            self.labels.clone(),
            self.weights.clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Summaries aggregated by (value, class) in any order give the counts and cut
    /// points of the rows themselves, for equal-frequency and MDL binnings.
    /// `RankedRows` fits and encodes as `Discretizer::fit` + `encode_rows` do: random
    /// columns with ties, NaN, negative zeros and categories some folds never see,
    /// equal-frequency and MDL binnings, every fold of a 5-fold split.
    #[test]
    fn ranked_rows_fit_and_encode_as_the_discretizer_does() {
        use crate::data::{Schema, stratified_kfold};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let n = 3_000;
        let schema = Arc::new(
            Schema::builder("churn")
                .numeric("ties")
                .numeric("smooth")
                .categorical("plan", ["a", "b", "c", "rare"])
                .numeric("zeros")
                .build()
                .unwrap(),
        );
        let ties: Vec<f64> = (0..n)
            .map(|_| {
                if rng.random_bool(0.05) {
                    f64::NAN
                } else {
                    rng.random_range(0..12) as f64
                }
            })
            .collect();
        let smooth: Vec<f64> = (0..n).map(|_| rng.random_range(-5.0..5.0)).collect();
        let plan: Vec<u32> = (0..n)
            .map(|i| match i {
                7 => 3, // one row of "rare": some folds never see it
                _ if rng.random_bool(0.1) => MISSING_LEVEL,
                _ => rng.random_range(0..3),
            })
            .collect();
        let zeros: Vec<f64> = (0..n)
            .map(|_| [-0.0, 0.0, 1.0, -1.0, 2.5][rng.random_range(0..5)])
            .collect();
        let labels: Vec<u8> = smooth
            .iter()
            .map(|&x| (x + rng.random_range(-3.0..3.0) > 1.0) as u8)
            .collect();
        let table = Table::new(
            schema,
            vec![
                Column::Numeric(ties),
                Column::Numeric(smooth),
                Column::Categorical(plan),
                Column::Numeric(zeros),
            ],
            labels,
            None,
            None,
        )
        .unwrap();
        // Every other row, in a shuffled order: positions differ from table rows.
        let mut rows: Vec<usize> = (0..n).step_by(2).collect();
        rows.reverse();
        rows.swap(3, 400);
        let ranked = RankedRows::new(&table, &rows);
        let labels: Vec<u8> = rows.iter().map(|&r| table.labels()[r]).collect();
        for binning in [
            Binning::EqualFrequency { bins: 4 },
            Binning::EqualFrequency { bins: 32 },
            Binning::Mdl {
                min_bins: 2,
                max_bins: 8,
            },
        ] {
            for fold in stratified_kfold(&labels, 5, 3).unwrap() {
                let train: Vec<usize> = fold.train.iter().map(|&p| rows[p]).collect();
                let want = Discretizer::fit(&table, &train, &binning).unwrap();
                let got = ranked.fit(&fold.train, &binning).unwrap();
                assert_eq!(got.schema().features.len(), 4);
                for j in 0..4 {
                    assert_eq!(got.cuts(j), want.cuts(j), "{binning:?} feature {j}");
                    assert_eq!(
                        got.schema().features[j].levels,
                        want.schema().features[j].levels
                    );
                }
                let (want_enc, _) = want.encode_rows(&table, &rows).unwrap();
                let got_enc = ranked.encode(&got).unwrap();
                for j in 0..4 {
                    assert_eq!(got_enc.column(j), want_enc.column(j), "feature {j}");
                }
                assert_eq!(got_enc.labels(), want_enc.labels());
            }
        }
    }

    #[test]
    fn value_summaries_are_the_rows_summaries() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for case in 0..50 {
            let n = rng.random_range(1..400);
            let mut rows: Vec<(f64, u8, f64)> = (0..n)
                .map(|_| {
                    let x = f64::from(rng.random_range(-5..25)) * 0.25;
                    let c = u8::from(rng.random_range(0..10) < (x as i32).clamp(0, 9));
                    (if x == 0.0 && case % 2 == 0 { -0.0 } else { x }, c, 1.0)
                })
                .collect();
            rows.push((0.0, 1, 1.0));
            rows.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut want = ValueClassCounts::default();
            want.fill_sorted(&rows, 2).unwrap();
            let sorted: Vec<f64> = rows.iter().map(|r| r.0).collect();
            // Aggregated by (value bits, class), in reverse order.
            let mut agg: std::collections::BTreeMap<(u64, u8), u64> = Default::default();
            for &(x, c, _) in &rows {
                *agg.entry((x.to_bits(), c)).or_default() += 1;
            }
            let triples: Vec<(f64, u8, u64)> = agg
                .into_iter()
                .rev()
                .map(|((b, c), n)| (f64::from_bits(b), c, n))
                .collect();
            let (got, value_rows) = value_summaries(triples, 2).unwrap();
            assert_eq!(got, want, "case {case}");
            assert_eq!(value_rows, crate::data::group_sorted(&sorted));
            for binning in [
                Binning::EqualFrequency { bins: 6 },
                Binning::Mdl {
                    min_bins: 1,
                    max_bins: 16,
                },
                Binning::Mdl {
                    min_bins: 5,
                    max_bins: 8,
                },
            ] {
                let a = numeric_cuts(&binning, || value_rows.clone(), || Ok(&got)).unwrap();
                let b = numeric_cuts(
                    &binning,
                    || crate::data::group_sorted(&sorted),
                    || Ok(&want),
                )
                .unwrap();
                assert_eq!(
                    a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                    b.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
                );
            }
        }
    }
}
