//! The churn forest (`id3-weighted-forest`): deterministic for a seed whatever the
//! number of threads, probabilities that sum to 1, reasons whose contributions add up
//! to P(churn) − the trees' prior, a compact model that round-trips, and a floor on
//! Telco's test ROC AUC.

use churnkit::Classifier;
use churnkit::data::{CsvOptions, Table, read_csv};
use churnkit::eval::evaluate;
use churnkit::registry::{self, AlgoOptions, Algorithm, ModelBody};
use churnkit::tree::{Forest, ForestClassifier, ForestGrid, ForestTune};

fn load(file: &str) -> Table {
    let path = format!("{}/datasets/{file}", env!("CARGO_MANIFEST_DIR"));
    read_csv(&path, &CsvOptions::new("Churn").id_column("customerID")).unwrap()
}

fn bytes(f: &ForestClassifier) -> Vec<u8> {
    bincode::serialize(&ModelBody::from(f.clone())).unwrap()
}

#[test]
fn same_seed_same_bytes_whatever_the_threads() {
    let t = load("telco-train.csv");
    let rows = t.all_rows();
    let f = Forest::params().tune(ForestTune::Off).n_trees(12).seed(7);
    let a = f.fit_forest(&t, &rows).unwrap();
    let b = f.fit_forest(&t, &rows).unwrap();
    assert_eq!(bytes(&a), bytes(&b));
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let c = one.install(|| f.fit_forest(&t, &rows).unwrap());
    assert_eq!(bytes(&a), bytes(&c), "1 thread vs the default pool");
    let d = Forest::params()
        .tune(ForestTune::Off)
        .n_trees(12)
        .seed(8)
        .fit_forest(&t, &rows)
        .unwrap();
    assert_ne!(bytes(&a), bytes(&d), "another seed, another forest");
}

#[test]
fn probabilities_sum_to_one_and_reasons_add_up() {
    let t = load("telco-train.csv");
    let test = load("telco-test.csv");
    let f = Forest::params()
        .tune(ForestTune::Off)
        .n_trees(20)
        .fit_forest(&t, &t.all_rows())
        .unwrap();
    let rows: Vec<usize> = (0..50).collect();
    let mut p = vec![0.0; rows.len() * 2];
    f.predict_proba_into(&test, &rows, &mut p).unwrap();
    for r in p.chunks_exact(2) {
        assert!((r[0] + r[1] - 1.0).abs() < 1e-9, "{r:?}");
        assert!(r[1] > 0.0 && r[1] < 1.0, "smoothed leaves: {r:?}");
    }
    let prior = f.mean_prior();
    let churn = test.schema().target.churn_class();
    for &r in &rows[..10] {
        let e = f.explain(&test, r).unwrap();
        let sum: f64 = e.reasons.iter().map(|x| x.weight).sum();
        let want = f.predict_proba(&test, r).unwrap()[churn] - prior;
        assert!((sum - want).abs() < 1e-9, "row {r}: {sum} vs {want}");
        assert!(
            e.reasons
                .windows(2)
                .all(|w| w[0].weight.abs() >= w[1].weight.abs())
        );
        assert!(
            e.reasons
                .iter()
                .all(|x| x.condition.starts_with(&x.feature))
        );
    }
    let top = f.explain_top(&test, &rows[..5], 3).unwrap();
    assert!(top.iter().all(|v| v.len() <= 3));
    let imp = f.importance();
    assert!((imp.iter().map(|x| x.1).sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(imp.windows(2).all(|w| w[0].1 >= w[1].1));
}

#[test]
fn the_model_round_trips_and_validates() {
    let t = load("telco-train.csv");
    let mut f = Forest::params()
        .n_trees(12)
        .tune_grid(small_grid())
        .fit_forest(&t, &t.all_rows())
        .unwrap();
    let r = f.tuning.clone().unwrap();
    let ch = &r.candidates[r.chosen];
    let b = bytes(&f);
    let back: ModelBody = bincode::deserialize(&b).unwrap();
    let ModelBody::Forest(g) = back else {
        panic!("not a forest")
    };
    g.validate().unwrap();
    // The tuning report stays with the fitted forest, not in the model file.
    assert!(g.tuning.is_none());
    f.tuning = None;
    assert_eq!(g, f);
    // The schema is stored once, not once per tree.
    let one = bytes(
        &Forest::params()
            .tune(ForestTune::Off)
            .max_features(Some(ch.max_features))
            .min_rows_leaf(ch.min_leaf)
            .n_trees(1)
            .fit_forest(&t, &t.all_rows())
            .unwrap(),
    );
    let n = f.trees.len();
    assert!(
        b.len() < n * one.len(),
        "{} vs {n} × {}",
        b.len(),
        one.len()
    );
}

#[test]
fn registry_fits_the_forest_with_its_flags() {
    let t = load("telco-train.csv");
    let opts = AlgoOptions {
        trees: Some(7),
        max_features: Some(3),
        min_leaf: Some(20.0),
        seed: Some(1),
        ..AlgoOptions::default()
    };
    let fitted = registry::fit(Algorithm::Id3WeightedForest, &opts, &t, &t.all_rows()).unwrap();
    let ModelBody::Forest(f) = &fitted.body else {
        panic!("not a forest")
    };
    assert_eq!((f.trees.len(), f.features_per_node), (7, 3));
    assert_eq!(f.name, "id3-weighted-forest");
    assert!(f.tuning.is_none(), "explicit settings turn the tuning off");
    // --trees alone keeps the out-of-bag tuning and grows exactly that many trees;
    // --tune off turns it off.
    let opts = AlgoOptions {
        trees: Some(15),
        ..AlgoOptions::default()
    };
    let fitted = registry::fit(Algorithm::Id3WeightedForest, &opts, &t, &t.all_rows()).unwrap();
    let ModelBody::Forest(f) = &fitted.body else {
        panic!("not a forest")
    };
    assert_eq!(f.trees.len(), 15);
    assert!(f.tuning.is_some());
    assert!(
        fitted
            .body
            .tuning_json()
            .is_some_and(|j| j["candidates"].is_array())
    );
    let opts = AlgoOptions {
        trees: Some(5),
        tune: Some("off".parse().unwrap()),
        ..AlgoOptions::default()
    };
    let fitted = registry::fit(Algorithm::Id3WeightedForest, &opts, &t, &t.all_rows()).unwrap();
    let ModelBody::Forest(f) = &fitted.body else {
        panic!("not a forest")
    };
    assert!(f.tuning.is_none() && f.trees.len() == 5);
    assert!(f.oob.as_ref().is_some_and(|o| o.auc.is_some()));
    // Flags of other learners are errors.
    let bad = AlgoOptions {
        alpha: Some(1.0),
        ..AlgoOptions::default()
    };
    assert!(registry::fit(Algorithm::Id3WeightedForest, &bad, &t, &t.all_rows()).is_err());
    let bad = AlgoOptions {
        trees: Some(3),
        ..AlgoOptions::default()
    };
    assert!(registry::fit(Algorithm::Id3Weighted, &bad, &t, &t.all_rows()).is_err());
}

/// The defaults on Telco train → test (measured 0.8532; the floor leaves a margin).
#[test]
fn telco_test_auc_floor() {
    let train = load("telco-train.csv");
    let test = load("telco-test.csv");
    let f = Forest::default()
        .fit_forest(&train, &train.all_rows())
        .unwrap();
    let r = evaluate(&f, &test, &test.all_rows()).unwrap();
    let auc = r.roc_auc.unwrap();
    println!("forest Telco test ROC AUC {auc:.4}, OOB {:?}", f.oob);
    assert!(auc >= 0.84, "Telco test AUC {auc}");
}

/// A grid small enough for debug builds: 2 × 2 candidates of 10 trees, batches of 10.
fn small_grid() -> ForestGrid {
    ForestGrid {
        max_features: vec![1.0, 2.0],
        min_leaf: vec![10.0, 3.0],
        tune_trees: 10,
        batch: 10,
        max_trees: 40,
        ..ForestGrid::default()
    }
}

#[test]
fn oob_tuning_is_deterministic_and_equals_the_untuned_fit_of_its_choice() {
    let t = load_orange("orange-telecom-churn-train.csv");
    let rows = t.all_rows();
    let f = Forest::params().n_trees(20).seed(5).tune_grid(small_grid());
    assert_eq!(f.tune, ForestTune::Oob, "tuned by default");
    let a = f.fit_forest(&t, &rows).unwrap();
    let b = f.fit_forest(&t, &rows).unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let c = one.install(|| f.fit_forest(&t, &rows).unwrap());
    assert_eq!(bytes(&a), bytes(&b));
    assert_eq!(bytes(&a), bytes(&c), "1 thread vs the default pool");
    let r = a.tuning.as_deref().unwrap();
    assert_eq!(Some(r), b.tuning.as_deref());
    assert_eq!(Some(r), c.tuning.as_deref());
    // Every candidate was scored; the chosen one has the best OOB AUC (first on ties).
    assert_eq!(r.candidates.len(), 4);
    let best = r
        .candidates
        .iter()
        .map(|c| c.oob_auc.unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(r.candidates[r.chosen].oob_auc, Some(best));
    assert!(
        r.candidates[..r.chosen]
            .iter()
            .all(|c| c.oob_auc.unwrap() < best)
    );
    // Batches were added only while the OOB AUC rose by more than the tolerance.
    let g = small_grid();
    let curve = &r.trees_curve;
    assert_eq!(curve[0].0, 20);
    for (i, w) in curve.windows(2).enumerate() {
        assert_eq!(w[1].0, w[0].0 + g.batch);
        let gain = w[1].1.unwrap() - w[0].1.unwrap();
        if i + 2 < curve.len() {
            assert!(gain > g.tolerance, "{curve:?}");
        }
    }
    let last = curve.last().unwrap();
    assert_eq!(last.0, a.trees.len());
    assert!(
        last.0 == g.max_trees
            || curve.len() == 1
            || last.1.unwrap() - curve[curve.len() - 2].1.unwrap() <= g.tolerance
    );
    // The tuned forest is the untuned forest of the chosen settings and size.
    let ch = &r.candidates[r.chosen];
    let plain = Forest::params()
        .tune(ForestTune::Off)
        .n_trees(a.trees.len())
        .seed(5)
        .max_features(Some(ch.max_features))
        .min_rows_leaf(ch.min_leaf)
        .sample_fraction(ch.sample_fraction)
        .fit_forest(&t, &rows)
        .unwrap();
    assert_eq!(bytes(&a), bytes(&plain));
    assert_eq!(a.features_per_node, ch.max_features);
    assert_eq!(a.oob, plain.oob);
    // Another seed deals other bootstraps.
    let d = f.clone().seed(6).fit_forest(&t, &rows).unwrap();
    assert_ne!(d.tuning.as_deref().unwrap().candidates, r.candidates);
}

#[test]
fn bad_forest_grids_are_refused() {
    let t = load_orange("orange-telecom-churn-train.csv");
    let rows = t.all_rows();
    let cases: Vec<(ForestGrid, &str)> = vec![
        (
            ForestGrid {
                max_features: vec![],
                ..small_grid()
            },
            "empty",
        ),
        (
            ForestGrid {
                max_features: vec![0.0],
                ..small_grid()
            },
            "max_features",
        ),
        (
            ForestGrid {
                min_leaf: vec![-1.0],
                ..small_grid()
            },
            "min_leaf",
        ),
        (
            ForestGrid {
                sample_fractions: vec![1.5],
                ..small_grid()
            },
            "sample_fraction",
        ),
        (
            ForestGrid {
                tune_trees: 2,
                ..small_grid()
            },
            "tune_trees",
        ),
        (
            ForestGrid {
                max_trees: 5,
                ..small_grid()
            },
            "max_trees",
        ),
        (
            ForestGrid {
                tolerance: f64::NAN,
                ..small_grid()
            },
            "tolerance",
        ),
    ];
    for (g, what) in cases {
        let e = Forest::params()
            .tune_grid(g)
            .fit_forest(&t, &rows)
            .unwrap_err()
            .to_string();
        assert!(e.contains(what), "{what}: {e}");
    }
}

fn load_orange(file: &str) -> Table {
    let path = format!("{}/datasets/{file}", env!("CARGO_MANIFEST_DIR"));
    read_csv(&path, &CsvOptions::new("Churn")).unwrap()
}
