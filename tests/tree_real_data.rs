//! Real data: train on the `-train` files, score the held-out `-test` files, print a
//! comparison of ID3, weighted-entropy ID3, C4.5 gain ratio and linfa-trees' CART, and
//! hold weighted-entropy ID3 (self-tuned, defaults) to accuracy / ROC AUC floors.

use churnkit::data::{CsvOptions, Table, read_csv};
use churnkit::eval::evaluate;
use churnkit::tree::{Cart, TreeClassifier, TreeLearner};
use churnkit::{Classifier, Learner};

fn load(file: &str, opts: &CsvOptions) -> Table {
    let path = format!("{}/datasets/{file}", env!("CARGO_MANIFEST_DIR"));
    read_csv(&path, opts).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Fits every learner on `train`, scores `test` (same columns), prints the table and
/// returns (name, accuracy, auc).
fn compare(title: &str, train: &Table, test: &Table) -> Vec<(String, f64, f64)> {
    let learners: Vec<Box<dyn Learner>> = vec![
        Box::new(TreeLearner::id3()),
        Box::new(TreeLearner::id3_weighted()),
        Box::new(TreeLearner::id3_weighted_distilled()),
        Box::new(TreeLearner::c45()),
        Box::new(Cart::gini()),
        Box::new(Cart::entropy()),
    ];
    println!(
        "\n{title}: train {} rows, test {} rows",
        train.n_rows(),
        test.n_rows()
    );
    println!("| learner | accuracy | ROC AUC |");
    println!("|---|---|---|");
    let mut out = Vec::new();
    for l in learners {
        let model = l.fit(train, &train.all_rows()).unwrap();
        let r = evaluate(model.as_ref(), test, &test.all_rows()).unwrap();
        let auc = r.roc_auc.unwrap();
        println!("| {} | {:.4} | {:.4} |", l.name(), r.accuracy, auc);
        out.push((l.name(), r.accuracy, auc));
    }
    out
}

fn get(rows: &[(String, f64, f64)], name: &str) -> (f64, f64) {
    let r = rows.iter().find(|r| r.0 == name).unwrap();
    (r.1, r.2)
}

#[test]
fn telco_comparison_and_floors() {
    let opts = CsvOptions::new("Churn").id_column("customerID");
    let train = load("telco-train.csv", &opts);
    let test = load("telco-test.csv", &opts);
    let rows = compare("Telco", &train, &test);
    let (acc, auc) = get(&rows, "id3-weighted");
    assert!(
        acc >= 0.78,
        "Telco weighted-entropy ID3 accuracy {acc:.4} < 0.78"
    );
    // The self-tuned default (fast): 0.8406 measured (fitted on every training row).
    assert!(
        auc >= 0.835,
        "Telco self-tuned weighted-entropy ID3 ROC AUC {auc:.4} < 0.835"
    );
}

#[test]
fn orange_comparison_and_floors() {
    let opts = CsvOptions::new("Churn");
    let train = load("orange-telecom-churn-train.csv", &opts);
    let test = load("orange-telecom-churn-test.csv", &opts);
    let rows = compare("Orange", &train, &test);
    let (acc, auc) = get(&rows, "id3-weighted");
    assert!(
        acc >= 0.93,
        "Orange weighted-entropy ID3 accuracy {acc:.4} < 0.93"
    );
    // The self-tuned default (fast): 0.9078 measured, 0.9079 with the weighted leaves.
    assert!(
        auc >= 0.895,
        "Orange self-tuned weighted-entropy ID3 ROC AUC {auc:.4} < 0.895"
    );
}

/// The born-again tree (`id3-weighted-distilled`) against the single-tree goals of
/// issue 11 (test ROC AUC, fitted on every training row with its defaults): Telco
/// ≥ 0.840, Orange ≥ 0.915, ISP ≥ 0.976 — measured 0.8475, 0.9246, 0.9784.
#[test]
fn distilled_tree_meets_the_single_tree_goals() {
    let sets = [
        (
            "telco-train.csv",
            "telco-test.csv",
            CsvOptions::new("Churn").id_column("customerID"),
            0.840,
        ),
        (
            "orange-telecom-churn-train.csv",
            "orange-telecom-churn-test.csv",
            CsvOptions::new("Churn"),
            0.915,
        ),
        (
            "isp-train.csv",
            "isp-test.csv",
            CsvOptions::new("churn").id_column("id"),
            0.976,
        ),
    ];
    for (tr, te, opts, goal) in sets {
        let train = load(tr, &opts);
        let test = load(te, &opts);
        let l = TreeLearner::id3_weighted_distilled();
        let m: TreeClassifier = l.fit_tree(&train, &train.all_rows()).unwrap();
        let auc = evaluate(&m, &test, &test.all_rows())
            .unwrap()
            .roc_auc
            .unwrap();
        println!(
            "{tr}: distilled tree test AUC {auc:.4}, {} leaves",
            m.tree.n_leaves()
        );
        assert!(
            auc >= goal,
            "{tr}: distilled tree test AUC {auc:.4} < {goal}"
        );
        assert!(m.leaves.is_none());
    }
}

#[test]
fn classifier_round_trips_and_explains_in_the_users_words() {
    let opts = CsvOptions::new("Churn").id_column("customerID");
    let train = load("telco-train.csv", &opts);
    let test = load("telco-test.csv", &opts);
    let model = TreeLearner::id3_weighted()
        .fit_tree(&train, &train.all_rows())
        .unwrap();
    let json = serde_json::to_string(&model).unwrap();
    let back: TreeClassifier = serde_json::from_str(&json).unwrap();
    let bytes = bincode::serialize(&model).unwrap();
    let back2: TreeClassifier = bincode::deserialize(&bytes).unwrap();
    let rows: Vec<usize> = (0..50).collect();
    let k = model.classes().len();
    let (mut a, mut b, mut c) = (vec![0.0; 50 * k], vec![0.0; 50 * k], vec![0.0; 50 * k]);
    model.predict_proba_into(&test, &rows, &mut a).unwrap();
    back.predict_proba_into(&test, &rows, &mut b).unwrap();
    back2.predict_proba_into(&test, &rows, &mut c).unwrap();
    for ((x, y), z) in a.iter().zip(&b).zip(&c) {
        assert!((x - y).abs() < 1e-12 && x == z);
    }
    let e = model.explain(&test, 0).unwrap();
    assert!(!e.reasons.is_empty());
    let names: Vec<&str> = train
        .schema()
        .features
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    for r in &e.reasons {
        assert!(names.contains(&r.feature.as_str()), "{}", r.feature);
        assert!(r.condition.starts_with(&r.feature), "{}", r.condition);
    }
    assert!(e.summary.contains("⇒"), "{}", e.summary);
    // The weights add up to the leaf's churn probability minus the root's.
    let p = model.predict_proba(&test, 0).unwrap();
    let root: f64 = {
        let mut p0 = vec![0.0; k];
        model.tree.node_proba_into(0, &mut p0);
        p0[1]
    };
    let sum: f64 = e.reasons.iter().map(|r| r.weight).sum();
    assert!(
        (root + sum - p[1]).abs() < 1e-9,
        "{root} + {sum} vs {}",
        p[1]
    );
    // Rules and DOT export with the users' names.
    assert!(model.tree.rules_text().contains("Contract"));
    assert!(model.tree.to_dot().contains("Contract"));
}
