//! Batch explanations (`Classifier::explain_top`, used by batch scoring) give exactly
//! the top reasons of row-by-row `explain`, and the Bayesian classifier's local
//! withdrawal weights equal variable elimination's.

use churnkit::bayes::{HillClimb, NaiveBayes, Tan};
use churnkit::data::{Cell, Table};
use churnkit::learner::top_reasons;
use churnkit::model::ModelBody;
use churnkit::score::{Scorer, readable_condition};
use churnkit::synth::{SynthParams, generate};
use churnkit::train::ModelBuilder;
use churnkit::tree::{Forest, TreeLearner};
use churnkit::{Classifier, Reason};

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

/// The scorer's risk factors, protective factors and driver, taken from unworded
/// reasons (`RawExplainer`), equal those of the worded reasons of `explain_top` merged
/// as the scorer merged them before (the reference below), for every row of a table
/// with missing values: the same features, conditions and bit-identical weights.
#[test]
fn scores_from_unworded_reasons_equal_the_worded_reference() {
    let train = table(3000, 1);
    let test = table(400, 2);
    let rows = train.all_rows();
    let bodies: Vec<(&str, ModelBody)> = vec![
        (
            "tree",
            TreeLearner::id3_weighted()
                .fit_tree(&train, &rows)
                .unwrap()
                .into(),
        ),
        ("tan", Tan::new().fit_table(&train, &rows).unwrap().into()),
        (
            "naive",
            NaiveBayes::new().fit_table(&train, &rows).unwrap().into(),
        ),
        (
            "hill-climb",
            HillClimb::new().fit_table(&train, &rows).unwrap().into(),
        ),
        (
            "forest",
            Forest::params()
                .n_trees(8)
                .seed(3)
                .fit_forest(&train, &rows)
                .unwrap()
                .into(),
        ),
    ];
    for (name, body) in bodies {
        let model = ModelBuilder::new(body, &train, &rows).build().unwrap();
        let c = model.classifier();
        assert!(c.raw_explainer().is_some(), "{name}");
        let scorer = Scorer::new(&model);
        let scores = scorer.score_table(&test).unwrap();
        let all: Vec<usize> = test.all_rows();
        let worded = c.explain_top(&test, &all, 64).unwrap();
        let mut with_reasons = 0;
        for (r, (s, reasons)) in scores.iter().zip(worded).enumerate() {
            let (mut risk, mut protective) = reference_merge(reasons);
            let driver = scorer.playbook_in_force().call(&risk);
            risk.truncate(3);
            protective.truncate(3);
            let value = |f: &str| match test.cell(r, test.schema().feature_index(f).unwrap()) {
                Cell::Num(x) => Some(x),
                _ => None,
            };
            for m in risk.iter_mut().chain(protective.iter_mut()) {
                m.condition = readable_condition(&m.condition, &m.feature, value(&m.feature));
            }
            assert_eq!(s.reasons, risk, "{name} row {r}");
            assert_eq!(s.protective, protective, "{name} row {r}");
            assert_eq!(s.driver.as_ref(), Some(&driver), "{name} row {r}");
            with_reasons += usize::from(!s.reasons.is_empty() && !s.protective.is_empty());
        }
        assert!(with_reasons > 50, "{name}: {with_reasons}");
    }
}

/// The scorer's merge of worded reasons as it was written before unworded reasons:
/// reasons on one feature merged (weights summed, the condition of the strongest kept),
/// zero weights dropped, risk sorted descending, protective ascending.
fn reference_merge(reasons: Vec<Reason>) -> (Vec<Reason>, Vec<Reason>) {
    let mut merged: Vec<(Reason, f64)> = Vec::with_capacity(reasons.len());
    for r in reasons {
        match merged.iter_mut().find(|(m, _)| m.feature == r.feature) {
            Some((m, strongest)) => {
                m.weight += r.weight;
                if r.weight.abs() > *strongest {
                    *strongest = r.weight.abs();
                    m.condition = r.condition;
                }
            }
            None => {
                let strongest = r.weight.abs();
                merged.push((r, strongest));
            }
        }
    }
    let (mut risk, mut protective): (Vec<Reason>, Vec<Reason>) = merged
        .into_iter()
        .map(|(m, _)| m)
        .filter(|m| m.weight != 0.0 && m.weight.is_finite())
        .partition(|m| m.weight > 0.0);
    risk.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    protective.sort_by(|a, b| a.weight.total_cmp(&b.weight));
    (risk, protective)
}
