//! The evaluation drivers on small in-memory tables: cross-validation with ZeroR and a
//! simple one-feature learner, parallel == serial, no leakage of test rows into
//! `Learner::fit`, holdout, comparison with significance tests.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use churnkit::data::{
    Binning, Column, Discretizer, Feature, FeatureKind, Schema, Target, stratified_holdout,
    stratified_kfold,
};
use churnkit::eval::{
    Execution, Metric, ZeroR, champion_challenger, compare, compare_holdout, cross_validate,
    cross_validate_with, holdout,
};
use churnkit::learner::check_out_len;
use churnkit::{Classifier, Learner, Result, data::Table};

/// 200 customers: `tenure` = row index; customers with tenure in the top 30% churn,
/// except every 10th row (noise), and every 7th low-tenure row churns too.
fn table(weights: bool) -> Table {
    let n = 200;
    let schema = Arc::new(Schema {
        features: vec![
            Feature {
                name: "plan".into(),
                kind: FeatureKind::Categorical {
                    levels: vec!["a".into(), "b".into()].into(),
                },
            },
            Feature {
                name: "tenure".into(),
                kind: FeatureKind::Numeric,
            },
        ],
        target: Target::binary("churn"),
        id_column: None,
        weight_column: None,
    });
    let tenure: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let labels: Vec<u8> = (0..n)
        .map(|i| {
            let high = i >= 140;
            u8::from(if i % 10 == 0 {
                !high
            } else {
                high || i % 7 == 0
            })
        })
        .collect();
    let w = weights.then(|| (0..n).map(|i| 1.0 + (i % 3) as f64).collect());
    Table::new(
        schema,
        vec![
            Column::Categorical((0..n).map(|i| (i % 2) as u32).collect()),
            Column::Numeric(tenure),
        ],
        labels,
        w,
        None,
    )
    .unwrap()
}

/// A test-only learner: equal-frequency bins of `tenure` fitted on the training rows,
/// then the (Laplace-smoothed) class distribution of each bin. It records the rows it
/// was given and the cut points its discretizer learned.
#[derive(Default)]
struct BinLearner {
    seen_rows: Mutex<Vec<Vec<usize>>>,
    seen_cuts: Mutex<Vec<Vec<f64>>>,
}

struct BinModel {
    disc: Discretizer,
    classes: Vec<String>,
    proba: Vec<Vec<f64>>, // per code of tenure
}

impl Learner for BinLearner {
    fn name(&self) -> String {
        "tenure-bins".into()
    }

    fn fit(&self, table: &Table, rows: &[usize]) -> Result<Box<dyn Classifier>> {
        let disc = Discretizer::fit(table, rows, &Binning::EqualFrequency { bins: 4 })?;
        self.seen_rows.lock().unwrap().push(rows.to_vec());
        let cuts = disc.cuts(1).unwrap().to_vec();
        self.seen_cuts.lock().unwrap().push(cuts);
        let (enc, _) = disc.encode_rows(table, rows)?;
        let card = enc.schema().features[1].cardinality();
        let k = table.schema().target.n_classes();
        let mut counts = vec![vec![1.0; k]; card];
        for i in 0..enc.n_rows() {
            counts[enc.code(i, 1) as usize][enc.labels()[i] as usize] += enc.weight(i);
        }
        let proba = counts
            .into_iter()
            .map(|c| {
                let s: f64 = c.iter().sum();
                c.into_iter().map(|x| x / s).collect()
            })
            .collect();
        Ok(Box::new(BinModel {
            disc,
            classes: table.schema().target.classes.clone(),
            proba,
        }))
    }
}

impl Classifier for BinModel {
    fn name(&self) -> String {
        "tenure-bins".into()
    }

    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn predict_proba_into(&self, table: &Table, rows: &[usize], out: &mut [f64]) -> Result<()> {
        let k = self.classes.len();
        check_out_len(out, rows.len(), k)?;
        let (enc, _) = self.disc.encode_rows(table, rows)?;
        for (i, chunk) in out.chunks_exact_mut(k).enumerate() {
            chunk.copy_from_slice(&self.proba[enc.code(i, 1) as usize]);
        }
        Ok(())
    }
}

fn sorted_sets(v: &[Vec<usize>]) -> BTreeSet<Vec<usize>> {
    v.iter()
        .map(|r| {
            let mut r = r.clone();
            r.sort_unstable();
            r
        })
        .collect()
}

#[test]
fn cross_validation_only_fits_on_training_fold_rows() {
    let t = table(false);
    let learner = BinLearner::default();
    let cv = cross_validate(&learner, &t, 5, 11).unwrap();
    let folds = stratified_kfold(t.labels(), 5, 11).unwrap();
    let seen = learner.seen_rows.lock().unwrap().clone();
    assert_eq!(seen.len(), 5);
    // exactly the training rows of each fold reached fit, never a test row
    let want: Vec<Vec<usize>> = folds.iter().map(|f| f.train.clone()).collect();
    assert_eq!(sorted_sets(&seen), sorted_sets(&want));
    for f in &folds {
        let train: BTreeSet<usize> = f.train.iter().copied().collect();
        assert!(f.test.iter().all(|r| !train.contains(r)));
    }
    // the discretizer inside each fold learned the cuts of the training rows, which
    // differ from the cuts of the whole table (so leakage would be visible)
    let all_cuts = Discretizer::fit(&t, &t.all_rows(), &Binning::EqualFrequency { bins: 4 })
        .unwrap()
        .cuts(1)
        .unwrap()
        .to_vec();
    let want_cuts: BTreeSet<Vec<u64>> = folds
        .iter()
        .map(|f| {
            Discretizer::fit(&t, &f.train, &Binning::EqualFrequency { bins: 4 })
                .unwrap()
                .cuts(1)
                .unwrap()
                .iter()
                .map(|c| c.to_bits())
                .collect()
        })
        .collect();
    let got_cuts: BTreeSet<Vec<u64>> = learner
        .seen_cuts
        .lock()
        .unwrap()
        .iter()
        .map(|c| c.iter().map(|x| x.to_bits()).collect())
        .collect();
    assert_eq!(got_cuts, want_cuts);
    assert!(
        learner
            .seen_cuts
            .lock()
            .unwrap()
            .iter()
            .any(|c| *c != all_cuts)
    );
    // every row has an out-of-fold prediction from the fold that held it out
    assert_eq!(cv.oof_proba.len(), t.n_rows() * 2);
    for (i, f) in folds.iter().enumerate() {
        assert!(f.test.iter().all(|&r| cv.oof_fold[r] == i));
    }
}

#[test]
fn holdout_and_compare_only_fit_on_training_rows() {
    let t = table(false);
    let learner = BinLearner::default();
    let h = holdout(&learner, &t, 0.25, 3).unwrap();
    let split = stratified_holdout(t.labels(), 0.25, 3).unwrap();
    assert_eq!(h.split, split);
    assert_eq!(learner.seen_rows.lock().unwrap().clone(), vec![split.train]);
    assert_eq!(h.report.n_rows, split.test.len());

    let learner = BinLearner::default();
    let zero = ZeroR;
    compare(&[&zero, &learner], &t, 4, 9).unwrap();
    let folds = stratified_kfold(t.labels(), 4, 9).unwrap();
    let want: Vec<Vec<usize>> = folds.iter().map(|f| f.train.clone()).collect();
    assert_eq!(
        sorted_sets(&learner.seen_rows.lock().unwrap()),
        sorted_sets(&want)
    );

    let learner = BinLearner::default();
    compare_holdout(&[&zero, &learner], &t, 0.3, 5).unwrap();
    let split = stratified_holdout(t.labels(), 0.3, 5).unwrap();
    assert_eq!(learner.seen_rows.lock().unwrap().clone(), vec![split.train]);
}

#[test]
fn zero_r_cross_validation_is_the_floor() {
    let t = table(false);
    let cv = cross_validate(&ZeroR, &t, 5, 1).unwrap();
    assert_eq!(cv.folds.len(), 5);
    for (r, &(n_train, n_test)) in cv.folds.iter().zip(&cv.fold_sizes) {
        assert_eq!(n_train + n_test, 200);
        // ZeroR predicts the majority class (retained) everywhere: accuracy = the test
        // fold's share of retained customers; constant scores: AUC ½, lift 1
        let retained = r.confusion_matrix[0].iter().sum::<f64>();
        assert!((r.accuracy - retained / n_test as f64).abs() < 1e-12);
        assert_eq!(r.roc_auc, Some(0.5));
        assert!((r.top_decile_lift.unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(r.recall, 0.0);
    }
    let acc = cv.summary_of(Metric::Accuracy).unwrap();
    let mean = cv.folds.iter().map(|r| r.accuracy).sum::<f64>() / 5.0;
    assert!((acc.mean - mean).abs() < 1e-12);
    assert_eq!(acc.folds, 5);
    // pooled: every row predicted retained → pooled accuracy = overall retained share
    let retained = t.labels().iter().filter(|&&l| l == 0).count() as f64 / 200.0;
    assert!((cv.pooled.accuracy - retained).abs() < 1e-12);
    assert!(cv.to_string().contains("accuracy"));
}

#[test]
fn parallel_equals_serial() {
    for weighted in [false, true] {
        let t = table(weighted);
        let a =
            cross_validate_with(&BinLearner::default(), &t, 5, 42, Execution::Parallel).unwrap();
        let b = cross_validate_with(&BinLearner::default(), &t, 5, 42, Execution::Serial).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.pooled.weighted, weighted);
        let z1 = cross_validate_with(&ZeroR, &t, 3, 7, Execution::Parallel).unwrap();
        let z2 = cross_validate_with(&ZeroR, &t, 3, 7, Execution::Serial).unwrap();
        assert_eq!(z1, z2);
    }
}

#[test]
fn a_real_learner_beats_zero_r_significantly() {
    let t = table(false);
    let bins = BinLearner::default();
    let cmp = compare(&[&ZeroR, &bins], &t, 10, 3).unwrap();
    assert_eq!(cmp.results.len(), 2);
    assert!(cmp.tests[0].is_none());
    let test = cmp.tests[1].unwrap();
    let z = cmp.results[0].summary_of(Metric::Accuracy).unwrap().mean;
    let b = cmp.results[1].summary_of(Metric::Accuracy).unwrap().mean;
    assert!(b > z + 0.1, "bins {b} vs zero-r {z}");
    assert!((test.mean_difference - (b - z)).abs() < 1e-12);
    assert!(test.significant, "p = {}", test.p_value);
    assert_eq!(test.df, 9.0);
    let md = cmp.to_markdown();
    assert!(md.starts_with("| learner |"));
    assert!(md.contains("| zero-r |"));
    assert!(md.contains("| tenure-bins |"));
    assert!(md.contains("yes"));
    assert_eq!(md.lines().count(), 4);
    assert!(cmp.to_string().contains("corrected resampled t"));

    // the same learner against itself: no difference, p = 1
    let same = compare(&[&ZeroR, &ZeroR], &t, 5, 3).unwrap();
    let s = same.tests[1].unwrap();
    assert_eq!((s.t, s.p_value, s.significant), (0.0, 1.0, false));
}

#[test]
fn holdout_comparison_and_champion_challenger_use_mcnemar() {
    let t = table(false);
    let bins = BinLearner::default();
    let hc = compare_holdout(&[&ZeroR, &bins], &t, 0.5, 2).unwrap();
    let m = hc.tests[1].unwrap();
    // the binned learner fixes many of ZeroR's errors on 100 held-out rows
    assert!(m.only_second_correct > m.only_first_correct);
    assert!(m.significant, "{m:?}");
    assert!(hc.to_markdown().contains("McNemar"));

    let split = stratified_holdout(t.labels(), 0.5, 2).unwrap();
    let champ = ZeroR.fit(&t, &split.train).unwrap();
    let chall = bins.fit(&t, &split.train).unwrap();
    let cc = champion_challenger(champ.as_ref(), chall.as_ref(), &t, &split.test).unwrap();
    assert_eq!(cc, m);
}

#[test]
fn bad_inputs_are_errors() {
    let t = table(false);
    assert!(cross_validate(&ZeroR, &t, 1, 0).is_err());
    assert!(holdout(&ZeroR, &t, 1.0, 0).is_err());
    assert!(compare(&[], &t, 5, 0).is_err());
    let unlabeled =
        Table::new_unlabeled(t.schema().clone(), t.columns().to_vec(), None, None).unwrap();
    assert!(cross_validate(&ZeroR, &unlabeled, 5, 0).is_err());
}
