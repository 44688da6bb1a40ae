//! The library training pipeline (`churnkit::train::Pipeline`): the shipped model is
//! fitted on all labelled rows, the reported figures and the calibration / thresholds
//! come from out-of-sample predictions, seeds make it reproducible, and bad options
//! are errors, not panics.

use churnkit::data::{CsvOptions, Table, read_csv, stratified_holdout};
use churnkit::model::fingerprint;
use churnkit::policy::{
    Calibration, CalibrationMethod, ThresholdRule, TierPolicy, TierSpec, choose_thresholds,
};
use churnkit::registry::{self, AlgoOptions, Algorithm};
use churnkit::train::{FinalFit, ModelBuilder, Pipeline, Stage, Validation, ValidationReport};

const TELCO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-train.csv");
const SYNTHETIC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");

fn telco() -> Table {
    read_csv(TELCO, &CsvOptions::new("Churn").id_column("customerID")).unwrap()
}

fn nb() -> Pipeline {
    Pipeline::new(Algorithm::NaiveBayes, AlgoOptions::default())
}

#[test]
fn kfold_ships_a_model_fitted_on_all_rows_and_reports_out_of_fold() {
    let t = telco();
    let n = t.n_rows();
    let trained = nb()
        .validation(Validation::KFold { k: 5, seed: 42 })
        .fit(&t)
        .unwrap();
    let s = trained.model.summary();
    assert_eq!(s.rows as usize, n);
    assert_eq!(trained.train_rows, t.all_rows());
    assert_eq!(s.fingerprint, fingerprint(&t, &t.all_rows()));
    // The final body is the one fitted on all rows.
    let all = registry::fit(
        Algorithm::NaiveBayes,
        &AlgoOptions::default(),
        &t,
        &t.all_rows(),
    )
    .unwrap();
    let direct = ModelBuilder::new(all.body, &t, &t.all_rows())
        .build()
        .unwrap();
    let p_pipeline = trained.model.predict_proba(&t, &t.all_rows()).unwrap();
    assert_eq!(p_pipeline, direct.predict_proba(&t, &t.all_rows()).unwrap());

    // The figures are out-of-fold: every row once, by a model that did not see it.
    let ValidationReport::KFold(cv) = &trained.validation else {
        panic!("expected a k-fold report");
    };
    assert_eq!(cv.k, 5);
    assert_eq!(cv.pooled.n_rows, n);
    assert_eq!(trained.validation.out_of_sample_rows(), n);
    assert_eq!(cv.oof_proba.len(), n * 2);
    assert_ne!(cv.oof_proba, p_pipeline, "out-of-fold, not in-sample");
    assert_eq!(s.validation_rows as usize, n);
    // Without calibration the summary's metrics are the pooled out-of-fold report's.
    assert_eq!(s.metrics["accuracy"], cv.pooled.accuracy);
    assert_eq!(Some(s.metrics["roc_auc"]), cv.pooled.roc_auc);
}

#[test]
fn same_seed_same_bytes_other_seed_other_figures() {
    let t = telco();
    let fit = |seed| {
        nb().validation(Validation::KFold { k: 4, seed })
            .calibrate(CalibrationMethod::Isotonic)
            .fit(&t)
            .unwrap()
            .model
            .to_bytes()
            .unwrap()
    };
    let a = fit(7);
    assert_eq!(a, fit(7));
    assert_ne!(a, fit(8));
}

#[test]
fn calibration_and_thresholds_are_chosen_on_out_of_fold_predictions() {
    let t = telco();
    let rule = ThresholdRule::default();
    let trained = nb()
        .validation(Validation::KFold { k: 5, seed: 3 })
        .calibrate(CalibrationMethod::Platt)
        .tiers(TierSpec::Choose(rule))
        .fit(&t)
        .unwrap();
    let ValidationReport::KFold(cv) = &trained.validation else {
        panic!("expected a k-fold report");
    };
    let k = 2;
    let churn = t.schema().target.churn_class();
    let cal = Calibration::fit(
        CalibrationMethod::Platt,
        &cv.oof_proba,
        k,
        t.labels(),
        None,
        churn,
    )
    .unwrap();
    assert_eq!(trained.model.calibration(), Some(&cal));

    let mut p = cv.oof_proba.clone();
    p.chunks_exact_mut(k).for_each(|r| cal.apply(r));
    let pc: Vec<f64> = p.chunks_exact(k).map(|r| r[churn]).collect();
    let is_churn: Vec<bool> = t.labels().iter().map(|&l| l as usize == churn).collect();
    let chosen = choose_thresholds(&pc, &is_churn, None, rule).unwrap();
    assert_eq!(
        trained.model.tier_policy(),
        &TierPolicy::Thresholds {
            at_risk: chosen.at_risk,
            churned: chosen.churned
        }
    );
    let s = trained.model.summary();
    assert_eq!(s.thresholds.as_ref(), Some(&chosen));
    assert!(s.calibration.is_some());
    assert_eq!(s.rows as usize, t.n_rows());
}

#[test]
fn holdout_refits_on_all_rows_with_policies_from_the_held_out_rows() {
    let t = telco();
    let trained = nb()
        .validation(Validation::Holdout {
            fraction: 0.3,
            seed: 11,
        })
        .calibrate(CalibrationMethod::Platt)
        .fit(&t)
        .unwrap();
    let split = stratified_holdout(t.labels(), 0.3, 11).unwrap();
    let s = trained.model.summary();
    assert_eq!(s.rows as usize, t.n_rows());
    assert_eq!(s.validation_rows as usize, split.test.len());
    let ValidationReport::Holdout {
        split: got, report, ..
    } = &trained.validation
    else {
        panic!("expected a holdout report");
    };
    assert_eq!(got.test, split.test);
    assert_eq!(report.n_rows, split.test.len());
    // The calibration is the holdout model's, fitted on its held-out predictions.
    let part = registry::fit(
        Algorithm::NaiveBayes,
        &AlgoOptions::default(),
        &t,
        &split.train,
    )
    .unwrap();
    let expected = ModelBuilder::new(part.body, &t, &split.train)
        .validation(&t, &split.test)
        .calibrate(CalibrationMethod::Platt)
        .tiers(TierSpec::Auto) // the pipeline's default
        .build()
        .unwrap();
    assert_eq!(trained.model.calibration(), expected.calibration());
    assert_eq!(s.metrics, expected.summary().metrics);
}

#[test]
fn holdout_training_part_gives_the_model_builder_bytes() {
    // What `churnkit train --test-fraction F` saves today.
    let t = telco();
    let opts = AlgoOptions::default();
    let trained = Pipeline::new(Algorithm::Id3Weighted, opts.clone())
        .validation(Validation::Holdout {
            fraction: 0.25,
            seed: 5,
        })
        .final_fit(FinalFit::TrainingPart)
        .fit(&t)
        .unwrap();
    let split = stratified_holdout(t.labels(), 0.25, 5).unwrap();
    assert_eq!(trained.train_rows, split.train);
    let fitted = registry::fit(Algorithm::Id3Weighted, &opts, &t, &split.train).unwrap();
    // The default id3-weighted tunes itself: the pipeline stores the tuning record in
    // the summary's params (deterministic: no timings in it).
    let mut params = opts.to_json(Algorithm::Id3Weighted);
    if let (Some(tuning), serde_json::Value::Object(map)) = (fitted.body.tuning_json(), &mut params)
    {
        map.insert("tuning".into(), tuning);
    }
    let by_hand = ModelBuilder::new(fitted.body, &t, &split.train)
        .params(params)
        .validation(&t, &split.test)
        .tiers(TierSpec::Auto) // the pipeline's default
        .build()
        .unwrap();
    assert_eq!(
        trained.model.to_bytes().unwrap(),
        by_hand.to_bytes().unwrap()
    );
    assert_eq!(
        trained.validation.report().unwrap().accuracy,
        by_hand.summary().metrics["accuracy"]
    );
}

#[test]
fn three_class_default_pipeline() {
    let t = read_csv(
        SYNTHETIC,
        &CsvOptions::new("status").id_column("customer_id"),
    )
    .unwrap();
    let trained = Pipeline::new(Algorithm::ZeroR, AlgoOptions::default())
        .fit(&t)
        .unwrap();
    assert_eq!(trained.model.summary().rows as usize, t.n_rows());
    assert_eq!(trained.validation.out_of_sample_rows(), t.n_rows());
    assert_eq!(trained.model.classes().len(), 3);
    let none = Pipeline::new(Algorithm::ZeroR, AlgoOptions::default())
        .validation(Validation::None)
        .fit(&t)
        .unwrap();
    assert!(matches!(none.validation, ValidationReport::None));
    assert_eq!(none.model.summary().validation_rows, 0);
    assert!(none.model.summary().metrics.is_empty());
}

#[test]
fn bad_options_are_errors_not_panics() {
    let t = telco();
    let bad = [
        nb().validation(Validation::KFold { k: 1, seed: 0 }),
        nb().validation(Validation::KFold { k: 0, seed: 0 }),
        nb().validation(Validation::KFold {
            k: 100_000,
            seed: 0,
        }),
        nb().validation(Validation::Holdout {
            fraction: 0.0,
            seed: 0,
        }),
        nb().validation(Validation::Holdout {
            fraction: 1.5,
            seed: 0,
        }),
        nb().validation(Validation::Holdout {
            fraction: f64::NAN,
            seed: 0,
        }),
        nb().validation(Validation::None)
            .calibrate(CalibrationMethod::Platt),
        nb().validation(Validation::None)
            .tiers(TierSpec::Choose(ThresholdRule::default())),
        nb().tiers(TierSpec::Given(TierPolicy::Thresholds {
            at_risk: 0.9,
            churned: 0.1,
        })),
        Pipeline::new(
            Algorithm::NaiveBayes,
            AlgoOptions {
                max_depth: Some(3),
                ..AlgoOptions::default()
            },
        ),
    ];
    for (i, p) in bad.iter().enumerate() {
        assert!(p.fit(&t).is_err(), "case {i} should be an error");
    }
    assert!(
        nb().validation(Validation::KFold { k: 1, seed: 0 })
            .check()
            .is_err()
    );
}

#[test]
fn stages_are_announced_and_the_report_renders() {
    let t = telco();
    let mut stages = Vec::new();
    let trained = nb()
        .validation(Validation::KFold { k: 3, seed: 1 })
        .fit_with_progress(&t, &mut |s| stages.push(s))
        .unwrap();
    assert_eq!(
        stages,
        [
            Stage::Validating(Validation::KFold { k: 3, seed: 1 }),
            Stage::FittingFinal { rows: t.n_rows() },
            Stage::Assembling,
        ]
    );
    let json = trained.validation.to_json_value().unwrap();
    assert_eq!(json["method"], "cross-validation");
    assert_eq!(json["folds"], 3);
    assert!(json["pooled"]["accuracy"].is_number());
    assert!(
        trained
            .validation
            .to_string()
            .contains("3-fold cross-validation")
    );

    let holdout = nb()
        .validation(Validation::Holdout {
            fraction: 0.3,
            seed: 1,
        })
        .fit(&t)
        .unwrap();
    let json = holdout.validation.to_json_value().unwrap();
    assert_eq!(json["method"], "holdout");
    assert_eq!(json["test_rows"], holdout.validation.out_of_sample_rows());
    assert!(
        holdout
            .validation
            .to_string()
            .starts_with("holdout   30 % of the rows held out")
    );
}

/// `Pipeline::duration`: the survival tree fitted on the same rows beside the
/// classifier, the clock dropped from the classifier's features, validated on the
/// same holdout, stored in the model and used by the scorer.
#[test]
fn a_duration_fits_a_survival_model_beside_the_classifier() {
    use churnkit::model::Model;
    use churnkit::score::Scorer;
    let t = telco();
    let trained = nb()
        .validation(Validation::Holdout {
            fraction: 0.3,
            seed: 7,
        })
        .duration("Tenure")
        .fit(&t)
        .unwrap();
    let m = &trained.model;
    assert!(m.schema().feature_index("Tenure").is_none());
    assert_eq!(m.schema().features.len(), t.n_features() - 1);
    let surv = m.survival().expect("a survival model");
    assert_eq!(surv.duration, "Tenure");
    assert_eq!(surv.tree.schema().features.len(), m.schema().features.len());
    let v = trained.survival.as_ref().expect("validated");
    assert_eq!(v.method, "holdout");
    assert_eq!(v.rows, 1479);
    assert!(v.c_index > v.km_c_index && v.integrated_brier_score < v.km_integrated_brier_score);
    assert!(
        trained
            .warnings
            .iter()
            .any(|w| w.column == "TotalCharges" && w.kind.name() == "encodes-the-clock")
    );
    // The model file keeps it (all but the tuning report, which is not stored).
    let back = Model::from_bytes(&m.to_bytes().unwrap()).unwrap();
    let b = back.survival().unwrap();
    assert!(surv.tuning.is_some() && b.tuning.is_none());
    assert_eq!(
        (&b.tree, &b.discretizer, &b.duration),
        (&surv.tree, &surv.discretizer, &surv.duration)
    );
    // Scoring a table with the clock: figures conditional on the tenure, matching
    // the survival model's own predictions.
    let rows: Vec<usize> = (0..50).collect();
    let scores = Scorer::new(m)
        .within(&[1.0, 12.0])
        .unwrap()
        .score_rows(&t, &rows)
        .unwrap();
    let own = surv.predict(&t, &rows, &[1.0, 12.0], 12.0).unwrap();
    for (s, p) in scores.iter().zip(&own) {
        let x = s.survival.as_ref().unwrap();
        assert_eq!(x.t0, p.t0);
        assert_eq!(x.churn_within, p.churn_within);
        assert_eq!(x.median_remaining, p.median_remaining);
        assert_eq!(x.rmst, p.restricted_mean);
    }
    assert!(Scorer::new(m).within(&[6.0, 3.0]).is_err());
    assert!(Scorer::new(m).within(&[]).is_err());
    assert!(Scorer::new(m).within(&[0.0]).is_err());
    // Without the duration the classifier keeps Tenure and there is no survival model.
    let plain = nb().fit(&t).unwrap();
    assert!(plain.model.survival().is_none() && plain.survival.is_none());
    assert!(plain.model.schema().feature_index("Tenure").is_some());
}

/// With k-fold validation the survival figures are the means over the folds, each
/// fold's survival tree fitted (and tuned) on the other folds' rows.
#[test]
fn a_duration_with_kfold_validation_reports_fold_means() {
    let t = telco();
    let trained = nb()
        .validation(Validation::KFold { k: 3, seed: 5 })
        .duration("Tenure")
        .fit(&t)
        .unwrap();
    let v = trained.survival.as_ref().expect("validated");
    assert_eq!(v.method, "cross-validation");
    assert_eq!(v.rows, t.n_rows());
    assert_eq!(v.km_c_index, 0.5);
    assert!(v.c_index > 0.7 && v.integrated_brier_score < v.km_integrated_brier_score);
    assert!(v.to_string().contains("C-index"));
    // Without validation: a survival model, no figures.
    let none = nb()
        .validation(Validation::None)
        .tiers(churnkit::train::TierSpec::Given(
            churnkit::policy::TierPolicy::MostProbable,
        ))
        .duration("Tenure")
        .fit(&t)
        .unwrap();
    assert!(none.model.survival().is_some() && none.survival.is_none());
}

/// The training-data fingerprint, pinned on a three-row table against an independent
/// Python implementation of the documented scheme (word-wise FNV-1a per column, then
/// byte-wise FNV-1a over the counts, names and column hashes).
#[test]
fn fingerprint_matches_the_documented_scheme_and_is_incremental() {
    use std::sync::Arc;

    use churnkit::data::{Column, MISSING_LEVEL, Schema};
    use churnkit::model::Fingerprinter;

    let schema = Arc::new(
        Schema::builder("status")
            .numeric("x")
            .categorical("c", ["b", "a"])
            .three_state()
            .build()
            .unwrap(),
    );
    let table = Table::new(
        schema.clone(),
        vec![
            Column::Numeric(vec![1.5, f64::NAN, -2.0]),
            Column::Categorical(vec![1, 0, MISSING_LEVEL]),
        ],
        vec![0, 1, 2],
        None,
        None,
    )
    .unwrap();
    // Python: see the scheme in `churnkit::model::Fingerprinter`'s docs.
    assert_eq!(fingerprint(&table, &[0, 1, 2]), "fnv1a64w:809f27be3c5a31ef");

    // Fed in pieces, and from separate chunk tables, it is the same value.
    let mut f = Fingerprinter::new(&table);
    f.add(&table, &[0]);
    f.add(&table, &[1, 2]);
    assert_eq!(f.finish(), fingerprint(&table, &[0, 1, 2]));
    let t = telco();
    let all = t.all_rows();
    let (a, b) = all.split_at(all.len() / 3);
    let mut f = Fingerprinter::new(&t);
    f.add(&t.select(a), &(0..a.len()).collect::<Vec<_>>());
    f.add(&t.select(b), &(0..b.len()).collect::<Vec<_>>());
    assert_eq!(f.finish(), fingerprint(&t, &all));
    // Column by column (e.g. streamed from a columnar file), then the labels.
    let names = t.schema().features.iter().map(|f| f.name.clone()).collect();
    let mut f = Fingerprinter::with_features(names, false);
    for j in (0..t.schema().features.len()).rev() {
        f.add_column(j, &t, j, &all);
    }
    f.add_labels(&t, &all);
    assert_eq!(f.finish(), fingerprint(&t, &all));

    // The same values with the levels listed in another order: the same fingerprint.
    let swapped = Table::new(
        Arc::new(
            Schema::builder("status")
                .numeric("x")
                .categorical("c", ["a", "b"])
                .three_state()
                .build()
                .unwrap(),
        ),
        vec![
            Column::Numeric(vec![1.5, f64::NAN, -2.0]),
            Column::Categorical(vec![0, 1, MISSING_LEVEL]),
        ],
        vec![0, 1, 2],
        None,
        None,
    )
    .unwrap();
    assert_eq!(
        fingerprint(&swapped, &[0, 1, 2]),
        fingerprint(&table, &[0, 1, 2])
    );
    // Another row order, one changed label, or fewer rows: another fingerprint.
    let base = fingerprint(&table, &[0, 1, 2]);
    assert_ne!(fingerprint(&table, &[1, 0, 2]), base);
    assert_ne!(fingerprint(&table, &[0, 1]), base);
    let relabelled = Table::new(
        schema,
        vec![
            Column::Numeric(vec![1.5, f64::NAN, -2.0]),
            Column::Categorical(vec![1, 0, MISSING_LEVEL]),
        ],
        vec![0, 1, 1],
        None,
        None,
    )
    .unwrap();
    assert_ne!(fingerprint(&relabelled, &[0, 1, 2]), base);
}

#[test]
fn a_large_tables_final_fit_keeps_the_holdout_fits_tuned_setting() {
    use churnkit::synth::{SynthParams, generate};
    // 50,000 rows: the training part (35,000) and all rows both exceed the tuner's
    // 30,000-row sample, so the final fit reuses the hold-out fit's tuned setting.
    let t = generate(&SynthParams {
        rows: 50_000,
        ..SynthParams::default()
    })
    .unwrap();
    let all = t.all_rows();
    let opts = AlgoOptions::default();
    let algo = Algorithm::Id3Weighted;
    let trained = Pipeline::new(algo, opts.clone())
        .validation(Validation::Holdout {
            fraction: 0.3,
            seed: 42,
        })
        .fit(&t)
        .unwrap();
    let ValidationReport::Holdout { split, .. } = &trained.validation else {
        panic!("expected a hold-out report");
    };
    let part = registry::fit(algo, &opts, &t, &split.train).unwrap();
    let part_tuning = part.body.tuning_json().unwrap();
    let refit = registry::refit_tuned(algo, &opts, &part.body, &t, &all)
        .unwrap()
        .expect("both parts exceed the tuner's sample");
    // The shipped model is that refit: same predictions on every row.
    let by_hand = ModelBuilder::new(refit.body, &t, &all).build().unwrap();
    assert_eq!(
        trained.model.predict_proba(&t, &all).unwrap(),
        by_hand.predict_proba(&t, &all).unwrap()
    );
    // Its tuning record is the hold-out fit's, with the leaf carried over as the
    // same fraction of all rows.
    let params = &trained.model.summary().params.0;
    let tuning = &params["tuning"];
    assert_eq!(tuning["chosen"], part_tuning["chosen"]);
    assert_eq!(tuning["cv_rows"], 30_000);
    let fraction = tuning["chosen"]["setting"]["min_leaf_fraction"]
        .as_f64()
        .unwrap();
    let leaf = tuning["final_min_leaf"].as_f64().unwrap();
    assert_eq!(leaf, (fraction * 50_000.0).round().max(2.0));
    assert_ne!(tuning["final_min_leaf"], part_tuning["final_min_leaf"]);

    // No shortcut when a part is at most the tuner's sample (a new tuning would see
    // more rows), for an untuned or non-tree algorithm.
    assert!(
        registry::refit_tuned(algo, &opts, &part.body, &t, &all[..30_000])
            .unwrap()
            .is_none()
    );
    let small = registry::fit(algo, &opts, &t, &all[..20_000]).unwrap();
    assert!(
        registry::refit_tuned(algo, &opts, &small.body, &t, &all)
            .unwrap()
            .is_none()
    );
    let nb_fit = registry::fit(Algorithm::NaiveBayes, &opts, &t, &split.train).unwrap();
    assert!(
        registry::refit_tuned(Algorithm::NaiveBayes, &opts, &nb_fit.body, &t, &all)
            .unwrap()
            .is_none()
    );
}
