//! The counting seam: the learners count only through [`Counter`], so any counter that
//! honours the contract fits the same trees and networks as [`InMemory`].
//!
//! `RowByRow` is a naive reference counter written from the contract alone (a
//! `HashMap` from code tuples to summed weights, one row at a time, answering only
//! the required calls; the batched calls use the trait's defaults). `Recording`
//! delegates to [`InMemory`] and records every call, proving the fits route their
//! counts through the counter they are given.

use std::collections::HashMap;
use std::sync::Mutex;

use churnkit::bayes::{EdgeWeight, NaiveBayes, Prior, Tan, fit_parameters_with};
use churnkit::count::{
    ClassTables, CountTable, Counter, InMemory, Rows, ValueClassCounts, ValueCounter, Var,
};
use churnkit::data::{Binning, Column, Discretizer, Encoded, Table};
use churnkit::synth::{SynthParams, generate};
use churnkit::tree::{
    ClassWeights, Criterion, Id3, Id3Params, MissingPolicy, NumericSplits, Pruning, WeightedEntropy,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Counts from the definition: for each selected row (in row order), the tuple of its
/// codes on `vars` gets its weight added.
struct RowByRow<'a>(&'a Encoded);

impl Counter for RowByRow<'_> {
    fn n_rows(&self) -> usize {
        self.0.n_rows()
    }

    fn n_classes(&self) -> usize {
        self.0.n_classes()
    }

    fn cardinality(&self, var: Var) -> usize {
        match var {
            Var::Feature(j) => self.0.schema().features[j].n_levels() + 1,
            Var::Class => self.0.n_classes(),
        }
    }

    fn contingency(&self, rows: Rows<'_>, vars: &[Var], out: &mut CountTable) {
        let enc = self.0;
        let selected: Vec<(usize, f64)> = match rows {
            Rows::All => (0..enc.n_rows()).map(|r| (r, enc.weight(r))).collect(),
            Rows::Subset(rs) => rs
                .iter()
                .map(|&r| (r as usize, enc.weight(r as usize)))
                .collect(),
            Rows::Weighted(rs, x) => rs
                .iter()
                .zip(x)
                .map(|(&r, &x)| (r as usize, enc.weight(r as usize) * x))
                .collect(),
        };
        let mut cells: HashMap<Vec<usize>, f64> = HashMap::new();
        for (r, w) in selected {
            let key: Vec<usize> = vars
                .iter()
                .map(|&v| match v {
                    Var::Feature(j) => enc.code(r, j) as usize,
                    Var::Class => enc.labels()[r] as usize,
                })
                .collect();
            *cells.entry(key).or_insert(0.0) += w;
        }
        let dims: Vec<usize> = vars.iter().map(|&v| self.cardinality(v)).collect();
        let mut counts = vec![0.0; dims.iter().product()];
        for (key, w) in cells {
            let flat = key.iter().zip(&dims).fold(0, |f, (i, d)| f * d + i);
            counts[flat] = w;
        }
        *out = CountTable::from_parts(dims, counts).expect("dims match the counts");
    }
}

/// [`InMemory`], recording the name of every call.
struct Recording<'a> {
    inner: InMemory<'a>,
    calls: Mutex<Vec<&'static str>>,
}

impl<'a> Recording<'a> {
    fn new(enc: &'a Encoded) -> Self {
        Recording {
            inner: InMemory::new(enc),
            calls: Mutex::new(Vec::new()),
        }
    }

    fn record(&self, call: &'static str) {
        self.calls.lock().unwrap().push(call);
    }

    fn count(&self, call: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|&&c| c == call)
            .count()
    }
}

impl Counter for Recording<'_> {
    fn n_rows(&self) -> usize {
        self.inner.n_rows()
    }
    fn n_classes(&self) -> usize {
        self.inner.n_classes()
    }
    fn cardinality(&self, var: Var) -> usize {
        self.inner.cardinality(var)
    }
    fn total_weight(&self, rows: Rows<'_>) -> f64 {
        self.record("total_weight");
        self.inner.total_weight(rows)
    }
    fn contingency(&self, rows: Rows<'_>, vars: &[Var], out: &mut CountTable) {
        self.record("contingency");
        self.inner.contingency(rows, vars, out)
    }
    fn class_tables(&self, rows: Rows<'_>, features: &[usize], out: &mut ClassTables) {
        self.record("class_tables");
        self.inner.class_tables(rows, features, out)
    }
    fn contingency_pairs(
        &self,
        rows: Rows<'_>,
        i: usize,
        js: &[usize],
        outs: &mut Vec<CountTable>,
    ) {
        self.record("contingency_pairs");
        self.inner.contingency_pairs(rows, i, js, outs)
    }
}

fn synthetic(n: usize, seed: u64, weighted: bool) -> Encoded {
    let table = generate(&SynthParams {
        rows: n,
        seed,
        ..SynthParams::default()
    })
    .expect("synthetic table");
    let d = Discretizer::fit(
        &table,
        &table.all_rows(),
        &Binning::EqualFrequency { bins: 8 },
    )
    .expect("discretizer");
    let enc = d.encode(&table).expect("encodes");
    if !weighted {
        return enc;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let w = (0..n).map(|_| rng.random_range(0.25..2.0)).collect();
    Encoded::new(
        enc.schema().clone(),
        enc.columns().to_vec(),
        enc.labels().to_vec(),
        Some(w),
    )
    .expect("weighted table")
}

fn variants() -> Vec<(&'static str, Id3Params)> {
    vec![
        ("id3", Id3::params().max_depth(Some(6))),
        ("id3-weighted-defaults", Id3::weighted().max_depth(Some(6))),
        ("c45-defaults", Id3::c45().max_depth(Some(6))),
        (
            "gain-ratio-binary",
            Id3::params()
                .criterion(Criterion::GainRatio)
                .numeric_splits(NumericSplits::Binary)
                .max_depth(Some(5)),
        ),
        (
            "balanced-reduced-error",
            Id3::params()
                .criterion(Criterion::WeightedEntropy(WeightedEntropy {
                    classes: ClassWeights::Balanced,
                    ..WeightedEntropy::default()
                }))
                .min_rows_leaf(3.0)
                .pruning(Pruning::ReducedError { fraction: 0.2 })
                .seed(7),
        ),
        (
            "fractional",
            Id3::params()
                .missing(MissingPolicy::Fractional)
                .min_rows_split(4.0)
                .max_depth(Some(5)),
        ),
    ]
}

#[test]
fn a_reference_counter_grows_the_same_trees() {
    for weighted in [false, true] {
        let enc = synthetic(3_000, 5, weighted);
        let reference = RowByRow(&enc);
        for (name, p) in variants() {
            let ours = p.clone().fit(&enc).expect("fits");
            let theirs = p
                .fit_with(&enc, &reference)
                .expect("fits with the reference");
            assert!(ours.n_nodes() > 1, "{name}: a tree worth comparing");
            assert_eq!(
                ours.canonical_dump(),
                theirs.canonical_dump(),
                "{name}, weighted: {weighted}"
            );
            assert!(ours == theirs, "{name}, weighted: {weighted}");
        }
    }
}

#[test]
fn the_tree_grower_counts_only_through_its_counter() {
    // Large enough that InMemory takes its parallel path at the root.
    let enc = synthetic(8_000, 3, false);
    let rec = Recording::new(&enc);
    let t = Id3::params()
        .max_depth(Some(4))
        .fit_with(&enc, &rec)
        .unwrap();
    assert_eq!(t, Id3::params().max_depth(Some(4)).fit(&enc).unwrap());
    // The root's class counts, then batched table counts: every node searched for a
    // split has its tables counted, or derived by histogram subtraction (its
    // parent's counted tables less its siblings', counted through the same calls),
    // so there are fewer calls than searched nodes but every count is the counter's.
    assert_eq!(rec.count("contingency"), 1);
    let internal = t.n_nodes() - t.n_leaves();
    assert!(internal > 1);
    let calls = rec.count("class_tables");
    assert!(calls > 1 && calls < t.n_nodes(), "{calls} calls");
    assert_eq!(
        rec.count("contingency") + calls,
        rec.calls.lock().unwrap().len()
    );
}

#[test]
fn a_reference_counter_learns_the_same_networks() {
    for weighted in [false, true] {
        let enc = synthetic(2_000, 9, weighted);
        let reference = RowByRow(&enc);
        let nb = NaiveBayes::new();
        assert_eq!(
            nb.fit_encoded(&enc, "status").unwrap(),
            nb.fit_encoded_with(&enc, &reference, "status").unwrap(),
            "naive Bayes, weighted: {weighted}"
        );
        for weight in [EdgeWeight::Bic, EdgeWeight::Cmi] {
            let tan = Tan::new().weight(weight);
            assert_eq!(
                tan.fit_encoded(&enc, "status").unwrap(),
                tan.fit_encoded_with(&enc, &reference, "status").unwrap(),
                "TAN {weight:?}, weighted: {weighted}"
            );
        }
    }
}

#[test]
fn the_bayes_learners_count_only_through_their_counter() {
    let enc = synthetic(1_000, 2, false);
    let rec = Recording::new(&enc);
    let net = Tan::new().fit_encoded_with(&enc, &rec, "status").unwrap();
    let nf = enc.n_features();
    // One family table per node; pair tables for every run of pairs; the total weight
    // of the BIC edge weights.
    assert_eq!(rec.count("contingency"), nf + 1);
    assert!(rec.count("contingency_pairs") >= nf - 1);
    assert_eq!(rec.count("total_weight"), 1);
    // Refitting the parameters through the counter gives the same network.
    let mut again = net.clone();
    let rec = Recording::new(&enc);
    fit_parameters_with(
        &mut again,
        &enc,
        &rec,
        Rows::All,
        &Prior::Laplace { alpha: 1.0 },
    )
    .unwrap();
    assert_eq!(rec.count("contingency"), nf + 1);
    assert_eq!(again, net);
}

/// The discretizer's counts from the contract: rows ordered by (value, row index),
/// NaN left out, running class sums.
struct SortedRows<'a>(&'a Table, Mutex<usize>);

impl ValueCounter for SortedRows<'_> {
    fn value_class_counts(
        &self,
        feature: usize,
        rows: &[usize],
        out: &mut ValueClassCounts,
    ) -> churnkit::Result<()> {
        *self.1.lock().unwrap() += 1;
        let Column::Numeric(values) = self.0.column(feature) else {
            panic!("asked to count a categorical column");
        };
        let mut order: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| !values[r].is_nan())
            .collect();
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
        let sorted: Vec<(f64, u8, f64)> = order
            .iter()
            .map(|&r| (values[r], self.0.labels()[r], self.0.weight(r)))
            .collect();
        out.fill_sorted(&sorted, self.0.schema().target.n_classes())
    }
}

#[test]
fn a_reference_value_counter_fits_the_same_mdl_cuts() {
    let table = generate(&SynthParams {
        rows: 3_000,
        seed: 4,
        ..SynthParams::default()
    })
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let w: Vec<f64> = (0..table.n_rows())
        .map(|_| rng.random_range(0.25..2.0))
        .collect();
    let weighted = Table::new(
        table.schema().clone(),
        table.columns().to_vec(),
        table.labels().to_vec(),
        Some(w),
        None,
    )
    .unwrap();
    let numeric = (0..table.schema().features.len())
        .filter(|&j| matches!(table.column(j), Column::Numeric(_)))
        .count();
    assert!(numeric > 0);
    for t in [&table, &weighted] {
        let rows: Vec<usize> = (0..t.n_rows()).filter(|r| r % 5 != 0).collect();
        let binning = Binning::Mdl {
            min_bins: 1,
            max_bins: 12,
        };
        let reference = SortedRows(t, Mutex::new(0));
        let ours = Discretizer::fit(t, &rows, &binning).unwrap();
        let theirs = Discretizer::fit_with(t, &rows, &binning, &reference).unwrap();
        assert_eq!(
            *reference.1.lock().unwrap(),
            numeric,
            "one count per numeric column"
        );
        for j in 0..t.schema().features.len() {
            assert_eq!(ours.cuts(j), theirs.cuts(j), "feature {j}");
        }
        assert!(
            (0..t.schema().features.len()).any(|j| ours.cuts(j).is_some_and(|c| !c.is_empty()))
        );
    }
}
