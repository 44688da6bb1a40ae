//! The churn warning end to end on real two-class data (Telco, Orange): a model
//! trained with the defaults tiers test customers into all three tiers with the
//! churn rate rising from tier to tier; every output row carries signed reasons, a
//! stage, a driver with its reason class and strategy, and λ per stage.

use std::collections::HashMap;

use churnkit::data::{CsvOptions, read_csv};
use churnkit::policy::{
    Amount, ClvSpec, Economics, Margin, Playbook, StageSpec, TierPolicy, WarningSpec,
};
use churnkit::registry::{AlgoOptions, Algorithm};
use churnkit::score::{BatchOptions, OutputFormat, Scorer, score_csv};
use churnkit::train::{FinalFit, Pipeline, Validation};

fn path(name: &str) -> String {
    format!("{}/datasets/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Trains as `churnkit train` does by default (holdout 0.3, the training part
/// shipped) with `warning` and `economics`, scores the test file, and returns the
/// output records by column name with each row's actual label.
fn train_and_score(
    train: &str,
    test: &str,
    opts: &CsvOptions,
    warning: Option<&str>,
    economics: Economics,
) -> (
    churnkit::model::Model,
    Vec<HashMap<String, String>>,
    Vec<bool>,
) {
    let table = read_csv(path(train), opts).unwrap();
    let warning = WarningSpec {
        playbook: None,
        stages: warning.map(StageSpec::new),
    };
    let trained = Pipeline::new(Algorithm::Id3Weighted, AlgoOptions::default())
        .validation(Validation::Holdout {
            fraction: 0.3,
            seed: 42,
        })
        .final_fit(FinalFit::TrainingPart)
        .economics(economics)
        .warning(warning)
        .fit(&table)
        .unwrap();
    let model = trained.model;
    assert!(matches!(model.tier_policy(), TierPolicy::Thresholds { .. }));
    let text = std::fs::read_to_string(path(test)).unwrap();
    let mut out = Vec::new();
    let batch = BatchOptions {
        precision: Some(4),
        ..BatchOptions::default()
    };
    score_csv(&Scorer::new(&model), text.as_bytes(), &mut out, &batch).unwrap();
    let mut r = csv::Reader::from_reader(out.as_slice());
    let names = r.headers().unwrap().clone();
    let rows: Vec<HashMap<String, String>> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            names
                .iter()
                .zip(rec.iter())
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        })
        .collect();
    let test_table = read_csv(path(test), opts).unwrap();
    let churn = test_table.schema().target.churn_class();
    let actual = test_table
        .labels()
        .iter()
        .map(|&l| l as usize == churn)
        .collect();
    (model, rows, actual)
}

/// Each tier holds at least 3 % of the customers and the churn rate rises from tier
/// to tier.
fn assert_three_rising_tiers(rows: &[HashMap<String, String>], actual: &[bool]) {
    let n = rows.len() as f64;
    let mut rates = Vec::new();
    for tier in ["retained", "at_risk", "churned"] {
        let idx: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i]["tier"] == tier)
            .collect();
        let share = idx.len() as f64 / n;
        assert!(share >= 0.03, "{tier}: {:.1} % of customers", share * 100.0);
        let rate = idx.iter().filter(|&&i| actual[i]).count() as f64 / idx.len() as f64;
        rates.push(rate);
    }
    assert!(
        rates[0] < rates[1] && rates[1] < rates[2],
        "churn rates {rates:?}"
    );
}

fn telco_economics() -> Economics {
    Economics {
        clv: Some(ClvSpec {
            margin: Margin::Column {
                name: "MonthlyCharges".into(),
                scale: 0.3,
            },
            horizon: 24,
            discount_rate: 0.01,
        }),
        offer_cost: Some(Amount::Fixed(15.0)),
        ..Economics::default()
    }
}

#[test]
fn telco_warning_rows_are_complete() {
    let opts = CsvOptions::new("Churn").id_column("customerID");
    let (model, rows, actual) = train_and_score(
        "telco-train.csv",
        "telco-test.csv",
        &opts,
        Some("Tenure"),
        telco_economics(),
    );
    assert_three_rising_tiers(&rows, &actual);
    // Every new column is present and non-empty on every row.
    for col in [
        "stage",
        "driver",
        "reason_class",
        "strategy",
        "rescue_success",
        "spend_ceiling",
    ] {
        assert!(
            rows.iter().all(|r| !r[col].is_empty()),
            "column {col} has empty cells"
        );
    }
    for r in &rows {
        for k in 1..=3 {
            let (reason, weight) = (&r[&format!("reason_{k}")], &r[&format!("weight_{k}")]);
            // Every churn-ward reason has a sign and a weight.
            assert_eq!(reason.is_empty(), weight.is_empty(), "{r:?}");
            if !reason.is_empty() {
                assert!(weight.starts_with('+'), "{r:?}");
                assert!(weight[1..].parse::<f64>().unwrap() > 0.0, "{r:?}");
            }
        }
        for p in r["protective"].split("; ").filter(|p| !p.is_empty()) {
            assert!(p.ends_with(')') && p.contains(" (-"), "{p}");
        }
        // No two risk factors test one feature.
        let features: Vec<&str> = (1..=3)
            .map(|k| r[&format!("reason_{k}")].as_str())
            .filter(|c| !c.is_empty())
            .map(|c| c.split([' ', '<', '>', '=']).next().unwrap())
            .collect();
        let mut uniq = features.clone();
        uniq.sort_unstable();
        uniq.dedup();
        assert_eq!(uniq.len(), features.len(), "{r:?}");
        // The ceiling is zero whenever the reason class is not worth a rescue.
        if ["natural", "changed_needs"].contains(&r["reason_class"].as_str()) {
            assert_eq!(r["spend_ceiling"].parse::<f64>().unwrap(), 0.0, "{r:?}");
            assert_eq!(r["rescue"], "no");
        }
    }
    // The default playbook maps at least 80 % of the at-risk and churned customers.
    let flagged: Vec<&HashMap<String, String>> =
        rows.iter().filter(|r| r["tier"] != "retained").collect();
    let mapped = flagged
        .iter()
        .filter(|r| {
            !["unmapped", "none"].contains(&r["driver"].as_str())
                && r["reason_class"] != "unknown"
                && !r["strategy"].is_empty()
        })
        .count();
    assert!(
        mapped as f64 >= 0.8 * flagged.len() as f64,
        "{mapped} of {} mapped",
        flagged.len()
    );
    // λ varies with tenure, by stage.
    let mut lambdas: Vec<&str> = rows.iter().map(|r| r["rescue_success"].as_str()).collect();
    lambdas.sort_unstable();
    lambdas.dedup();
    assert_eq!(lambdas.len(), 4, "{lambdas:?}");
    for r in &rows {
        let want = match r["stage"].as_str() {
            "trial" => "0.4500",
            "formation" => "0.3500",
            "stable" => "0.2500",
            "decline" => "0.2000",
            other => panic!("stage {other}"),
        };
        assert_eq!(r["rescue_success"], want);
    }
    // The library's score struct carries the same fields; the model keeps them.
    let test = read_csv(path("telco-test.csv"), &opts).unwrap();
    let s = Scorer::new(&model).score_row(&test, 0).unwrap();
    assert!(s.stage.is_some() && s.driver.is_some());
    assert_eq!(s.id.as_deref(), Some(rows[0]["id"].as_str()));
    let back = churnkit::model::Model::from_bytes(&model.to_bytes().unwrap()).unwrap();
    assert_eq!(back.warning(), model.warning());
    // JSON Lines carry the same content.
    let text = std::fs::read_to_string(path("telco-test.csv")).unwrap();
    let mut out = Vec::new();
    let batch = BatchOptions {
        format: OutputFormat::JsonLines,
        precision: Some(4),
        ..BatchOptions::default()
    };
    score_csv(&Scorer::new(&model), text.as_bytes(), &mut out, &batch).unwrap();
    let first: serde_json::Value =
        serde_json::from_str(std::str::from_utf8(&out).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first["id"], rows[0]["id"].as_str());
    assert_eq!(first["tier"], rows[0]["tier"].as_str());
    assert_eq!(first["driver"], rows[0]["driver"].as_str());
    assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), rows.len());
}

#[test]
fn orange_three_rising_tiers() {
    let (_, rows, actual) = train_and_score(
        "orange-telecom-churn-train.csv",
        "orange-telecom-churn-test.csv",
        &CsvOptions::new("Churn"),
        None,
        Economics::default(),
    );
    assert_three_rising_tiers(&rows, &actual);
    // No tenure column: no stage, the economics' λ for everybody.
    assert!(rows.iter().all(|r| r["stage"].is_empty()));
    assert!(rows.iter().all(|r| r["rescue_success"] == "0.3000"));
}

#[test]
fn a_playbook_overrides_and_a_scorer_tier_policy_overrides() {
    let opts = CsvOptions::new("Churn").id_column("customerID");
    let (model, _, _) = train_and_score(
        "telco-train.csv",
        "telco-test.csv",
        &opts,
        None,
        telco_economics(),
    );
    let test = read_csv(path("telco-test.csv"), &opts).unwrap();
    // Everything is an ethics problem now, and not worth a rescue.
    let p = Playbook::parse(
        r#"{"columns": [{"pattern": "", "driver": "ethics", "class": "natural"}]}"#,
    )
    .unwrap();
    let scores = Scorer::new(&model).playbook(p).score_table(&test).unwrap();
    for s in scores.iter().filter(|s| !s.reasons.is_empty()) {
        let call = s.driver.as_ref().unwrap();
        assert_eq!(call.driver_name(), "ethics");
        assert!(!call.worth_rescue);
        assert_eq!(s.retention.as_ref().unwrap().spend_ceiling, 0.0);
    }
    // A score-time tier policy replaces the model's.
    let everyone = Scorer::new(&model)
        .tier_policy(TierPolicy::Thresholds {
            at_risk: 0.0,
            churned: 0.0,
        })
        .unwrap()
        .score_table(&test)
        .unwrap();
    assert!(everyone.iter().all(|s| s.tier.as_str() == "churned"));
    assert!(
        Scorer::new(&model)
            .tier_policy(TierPolicy::MinExpectedCost {
                cost: vec![vec![0.0]]
            })
            .is_err()
    );
}

/// ISP customers, where churn is more common than not (55 %): the auto rule still
/// gives three tiers (the churned tier needs twice the base odds, not just 1/2), the
/// churn rate rises from tier to tier, and the tenure column (`subscription_age`)
/// gives every customer a stage and a driver column.
#[test]
fn isp_three_rising_tiers_where_churn_is_common() {
    let (_, rows, actual) = train_and_score(
        "isp-train.csv",
        "isp-test.csv",
        &CsvOptions::new("churn").id_column("id"),
        Some("subscription_age"),
        Economics::default(),
    );
    assert_three_rising_tiers(&rows, &actual);
    for col in [
        "stage",
        "driver",
        "reason_class",
        "strategy",
        "rescue_success",
    ] {
        assert!(rows.iter().all(|r| !r[col].is_empty()), "{col} empty");
    }
}
