//! The main job on the bundled data: `cargo run --release --example quickstart`.
//!
//! 1. read the 5,000 synthetic customers of `datasets/synthetic-churn.csv` (three
//!    states: retained, at_risk, churned);
//! 2. hold out 30 % of each class (stratified, seeded);
//! 3. fit weighted-entropy ID3 and TAN on the training rows (each fits its own
//!    discretizer on those rows only);
//! 4. report both on the held-out rows, side by side with McNemar's test;
//! 5. save the tree with its retention economics, load it back;
//! 6. score held-out customers and show one per tier: churn probability, the signed
//!    risk and protective factors, lifecycle stage, churn driver, reason class and
//!    strategy, and the most a rescue offer may cost.

use std::process::ExitCode;

use churnkit::Result;
use churnkit::data::{CsvOptions, read_csv, stratified_holdout};
use churnkit::eval::{Report, champion_challenger, evaluate};
use churnkit::model::Model;
use churnkit::policy::{Amount, ClvSpec, Economics, Margin, StageSpec, Tier, WarningSpec};
use churnkit::registry::{self, AlgoOptions, Algorithm};
use churnkit::score::{Scorer, format_weight};
use churnkit::train::ModelBuilder;

/// The bundled data (found wherever the example is run from).
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");
const TEST_FRACTION: f64 = 0.3;
const SEED: u64 = 42;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    // 1. Read. The id column is kept for output, never a feature.
    let table = read_csv(DATA, &CsvOptions::new("status").id_column("customer_id"))?;
    println!(
        "{} customers, {} features, classes {:?}",
        table.n_rows(),
        table.n_features(),
        table.schema().target.classes
    );

    // 2. Hold out 30 % of each class.
    let split = stratified_holdout(table.labels(), TEST_FRACTION, SEED)?;
    println!(
        "train {} rows, test {} rows (stratified, seed {SEED})\n",
        split.train.len(),
        split.test.len()
    );

    // 3. Fit both learners on the training rows, with their default parameters.
    let opts = AlgoOptions::default();
    let tree = registry::fit(Algorithm::Id3Weighted, &opts, &table, &split.train)?;
    let tan = registry::fit(Algorithm::Tan, &opts, &table, &split.train)?;
    for f in [&tree, &tan] {
        println!(
            "fitted {:<13} encoding {:.1} ms, learning {:.1} ms",
            f.classifier().name(),
            f.encode_seconds * 1e3,
            f.fit_seconds * 1e3
        );
    }

    // 4. Both on the same held-out rows.
    let r_tree = evaluate(tree.classifier(), &table, &split.test)?;
    let r_tan = evaluate(tan.classifier(), &table, &split.test)?;
    println!("\nweighted-entropy ID3 on the held-out rows:\n{r_tree}");
    println!("TAN on the same rows:");
    summary_line("id3-weighted", &r_tree);
    summary_line("tan", &r_tan);
    let test = champion_challenger(tree.classifier(), tan.classifier(), &table, &split.test)?;
    println!(
        "McNemar: only ID3 right on {}, only TAN right on {} customers, p = {:.4} ({})\n",
        test.only_first_correct,
        test.only_second_correct,
        test.p_value,
        if test.significant {
            "a real difference"
        } else {
            "no significant difference"
        }
    );

    // 5. Save the tree with its economics: a margin of 30 % of the monthly charge over
    //    24 months, discounted 1 % a month; a rescue offer costs 15.
    let economics = Economics {
        clv: Some(ClvSpec {
            margin: Margin::Column {
                name: "monthly_charge".into(),
                scale: 0.3,
            },
            horizon: 24,
            discount_rate: 0.01,
        }),
        offer_cost: Some(Amount::Fixed(15.0)),
        ..Economics::default()
    };
    let model = ModelBuilder::new(tree.body, &table, &split.train)
        .validation(&table, &split.test)
        .economics(economics)
        .warning(WarningSpec {
            playbook: None, // the built-in playbook of churn drivers
            stages: Some(StageSpec::new("tenure_months")),
        })
        .build()?;
    let path = std::env::temp_dir().join("churnkit-quickstart.model");
    model.save(&path)?;
    let loaded = Model::load(&path)?;
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "saved and reloaded {} ({bytes} bytes, {} trained on {} rows)\n",
        path.display(),
        loaded.summary().learner,
        loaded.summary().rows
    );

    // 6. Score the held-out customers; show one per tier (the one the model is most
    //    sure of within it), with its reasons, stage, churn driver and strategy.
    let scores = Scorer::new(&loaded).score_rows(&table, &split.test)?;
    println!("one test customer per tier:");
    for tier in [Tier::Churned, Tier::AtRisk, Tier::Retained] {
        let Some(i) = (0..scores.len())
            .filter(|&i| scores[i].tier == tier)
            .max_by(|&a, &b| {
                let sure = |i: usize| scores[i].probabilities[tier_class(&loaded, tier)];
                sure(a).total_cmp(&sure(b))
            })
        else {
            println!("  (nobody is {tier})");
            continue;
        };
        let s = &scores[i];
        println!(
            "  {}  tier {:<8} P(churn) {:.2}  actual {}",
            s.id.as_deref().unwrap_or("?"),
            s.tier,
            s.p_churn,
            table.schema().target.classes[table.labels()[split.test[i]] as usize]
        );
        for r in &s.reasons {
            println!(
                "      because {} ({})",
                r.condition,
                format_weight(r.weight, 2)
            );
        }
        for r in &s.protective {
            println!(
                "      despite {} ({})",
                r.condition,
                format_weight(r.weight, 2)
            );
        }
        if let Some(call) = &s.driver {
            println!(
                "      stage {}, driver {} ({}): {}",
                s.stage.map_or("-", |x| x.as_str()),
                call.driver_name(),
                call.reason_class_name(),
                call.strategy
            );
        }
        if let Some(ret) = &s.retention {
            println!(
                "      CLV {:.0}, value at risk {:.0}, λ {:.2}, spend ceiling {:.2} → {}",
                ret.clv,
                ret.value_at_risk,
                s.rescue_success,
                ret.spend_ceiling,
                if ret.rescue {
                    "make the offer"
                } else {
                    "no offer"
                }
            );
        }
    }
    Ok(())
}

/// The class index standing for a tier in a three-class model.
fn tier_class(model: &Model, tier: Tier) -> usize {
    let classes = model.classes();
    (0..classes.len())
        .find(|&c| Tier::of_class(classes, c) == tier)
        .unwrap_or(0)
}

fn summary_line(name: &str, r: &Report) {
    println!(
        "  {name:<13} accuracy {:.4} {}  ROC AUC {:.4}  F1(churned) {:.4}  top-decile lift {:.2}  EMP {:.3}",
        r.accuracy,
        r.accuracy_ci95,
        r.roc_auc.unwrap_or(f64::NAN),
        r.f1,
        r.top_decile_lift.unwrap_or(f64::NAN),
        r.profit.as_ref().map_or(f64::NAN, |p| p.emp)
    );
}
