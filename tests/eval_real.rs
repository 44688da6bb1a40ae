//! The evaluation drivers and drift on the real Telco split in `datasets/`.

use churnkit::data::{CsvOptions, Table, read_csv};
use churnkit::eval::{Metric, Stability, ZeroR, cross_validate, feature_drift};

const TELCO_TRAIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-train.csv");
const TELCO_TEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-test.csv");

fn read(path: &str) -> Table {
    read_csv(path, &CsvOptions::new("Churn").id_column("customerID")).expect("telco reads")
}

#[test]
fn zero_r_cross_validation_on_telco_train() {
    let t = read(TELCO_TRAIN);
    let cv = cross_validate(&ZeroR, &t, 10, 1).unwrap();
    let churn = t.schema().target.churn_class() as u8;
    let retained_share =
        t.labels().iter().filter(|&&l| l != churn).count() as f64 / t.n_rows() as f64;
    // ZeroR predicts "retained" for everyone: its accuracy is the retained share
    // (stratified folds keep it within a row per class of the whole)
    let acc = cv.summary_of(Metric::Accuracy).unwrap();
    assert!((acc.mean - retained_share).abs() < 1e-3, "{acc:?}");
    assert!(acc.sd < 2e-3, "{acc:?}");
    assert!((cv.pooled.accuracy - retained_share).abs() < 1e-12);
    for r in &cv.folds {
        assert_eq!(r.roc_auc, Some(0.5));
        assert_eq!(r.recall, 0.0);
        assert_eq!(r.cohen_kappa, 0.0);
    }
    // the Wilson interval of the pooled error covers the churn share
    let ci = cv.pooled.error_rate_ci95;
    assert!(ci.low < 1.0 - retained_share && 1.0 - retained_share < ci.high);
}

#[test]
fn telco_train_and_test_are_the_same_population() {
    // a fixed stratified 70/30 split of one file: no feature should drift
    let r = feature_drift(&read(TELCO_TRAIN), &read(TELCO_TEST)).unwrap();
    assert_eq!(r.features.len(), 19);
    for f in &r.features {
        assert!(f.psi < 0.1, "{}: PSI {}", f.feature, f.psi);
    }
    assert_eq!(r.stability(), Stability::Stable);
}
