//! Batch explanations (`Classifier::explain_top`, used by batch scoring) give exactly
//! the top reasons of row-by-row `explain`, and the Bayesian classifier's local
//! withdrawal weights equal variable elimination's.

use churnkit::Classifier;
use churnkit::bayes::{NaiveBayes, Tan};
use churnkit::data::Table;
use churnkit::learner::top_reasons;
use churnkit::synth::{SynthParams, generate};
use churnkit::tree::TreeLearner;

fn table(rows: usize, seed: u64) -> Table {
    generate(&SynthParams {
        rows,
        seed,
        missing_rate: 0.1,
        ..SynthParams::default()
    })
    .unwrap()
}

fn same_as_row_by_row(c: &dyn Classifier, t: &Table) {
    let rows: Vec<usize> = (0..t.n_rows()).collect();
    let batch = c.explain_top(t, &rows, 3).unwrap();
    assert_eq!(batch.len(), rows.len());
    let mut non_empty = 0;
    for (&r, got) in rows.iter().zip(&batch) {
        let want = top_reasons(c.explain(t, r).unwrap().reasons, 3);
        assert_eq!(got.len(), want.len(), "row {r}");
        for (a, b) in got.iter().zip(&want) {
            assert_eq!(a.feature, b.feature, "row {r}");
            assert_eq!(a.condition, b.condition, "row {r}");
            assert!(
                (a.weight - b.weight).abs() < 1e-12,
                "row {r}: {a:?} vs {b:?}"
            );
        }
        non_empty += usize::from(!got.is_empty());
    }
    assert!(non_empty > rows.len() / 2, "{non_empty}");
}

#[test]
fn tree_batch_reasons_equal_row_by_row() {
    let train = table(3000, 1);
    let c = TreeLearner::id3_weighted()
        .fit_tree(&train, &train.all_rows())
        .unwrap();
    same_as_row_by_row(&c, &table(400, 2));
}

#[test]
fn bayes_batch_reasons_equal_row_by_row() {
    let train = table(3000, 1);
    let test = table(300, 2);
    let tan = Tan::new().fit_table(&train, &train.all_rows()).unwrap();
    same_as_row_by_row(&tan, &test);
    let nb = NaiveBayes::new()
        .fit_table(&train, &train.all_rows())
        .unwrap();
    same_as_row_by_row(&nb, &test);
}

/// With missing values, every weight is `LO(e) − LO(e \ {X})`: checked against
/// variable elimination on rows with a missing attribute.
#[test]
fn tan_withdrawal_weights_equal_variable_elimination() {
    let train = table(3000, 1);
    let test = table(200, 3);
    let tan = Tan::new().fit_table(&train, &train.all_rows()).unwrap();
    let enc = tan.discretizer().encode(&test).unwrap();
    let schema = enc.schema();
    let churn = schema.churn_class();
    let lo = |p: &[f64]| p[churn].ln() - p[0].ln();
    let mut checked = 0;
    for row in 0..enc.n_rows() {
        let missing =
            (0..enc.n_features()).any(|j| enc.code(row, j) == schema.features[j].missing_code());
        if !missing {
            continue;
        }
        let full = lo(&tan.posterior_ve(&enc, row, None).unwrap());
        let e = tan.explain_encoded(&enc, row).unwrap();
        for r in &e.reasons {
            let j = schema
                .features
                .iter()
                .position(|f| f.name == r.feature)
                .unwrap();
            let without = lo(&tan.posterior_ve(&enc, row, Some(j)).unwrap());
            assert!(
                (r.weight - (full - without)).abs() < 1e-9,
                "row {row} {}: {} vs {}",
                r.feature,
                r.weight,
                full - without
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}
