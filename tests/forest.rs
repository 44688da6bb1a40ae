//! The churn forest (`id3-weighted-forest`): deterministic for a seed whatever the
//! number of threads, probabilities that sum to 1, reasons whose contributions add up
//! to P(churn) − the trees' prior, a compact model that round-trips, and a floor on
//! Telco's test ROC AUC.

use churnkit::Classifier;
use churnkit::data::{CsvOptions, Table, read_csv};
use churnkit::eval::evaluate;
use churnkit::registry::{self, AlgoOptions, Algorithm, ModelBody};
use churnkit::tree::{Forest, ForestClassifier};

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
    let f = Forest::params().n_trees(12).seed(7);
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
    let f = Forest::params()
        .n_trees(5)
        .fit_forest(&t, &t.all_rows())
        .unwrap();
    let b = bytes(&f);
    let back: ModelBody = bincode::deserialize(&b).unwrap();
    let ModelBody::Forest(g) = back else {
        panic!("not a forest")
    };
    g.validate().unwrap();
    assert_eq!(g, f);
    // The schema is stored once, not once per tree.
    let one = bytes(
        &Forest::params()
            .n_trees(1)
            .fit_forest(&t, &t.all_rows())
            .unwrap(),
    );
    assert!(b.len() < 5 * one.len(), "{} vs 5 × {}", b.len(), one.len());
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
