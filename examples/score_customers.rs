//! Batch scoring of a CSV of customers with a saved model, streaming.
//!
//! ```text
//! cargo run --release --example score_customers                       # bundled data
//! cargo run --release --example score_customers -- MODEL DATA.csv [OUT.csv]
//! ```
//!
//! Without arguments it first trains weighted-entropy ID3 on the bundled
//! `datasets/synthetic-churn.csv` (with a margin of 30 % of the monthly charge, so the
//! output carries lifetime values and spend ceilings) and saves it, then scores the
//! same file. The output has one row per customer: id, class probabilities, tier, the
//! top three reasons, CLV, value at risk, spend ceiling and whether to make a rescue
//! offer. The summary counts tiers and the offers worth making.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use churnkit::Result;
use churnkit::data::{CsvOptions, read_csv};
use churnkit::model::Model;
use churnkit::policy::{Amount, ClvSpec, Economics, Margin};
use churnkit::registry::{self, AlgoOptions, Algorithm};
use churnkit::score::{BatchOptions, Scorer, score_csv_file};
use churnkit::train::ModelBuilder;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("score_customers: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Trains and saves a model on the bundled data; returns its path.
fn train_one() -> Result<PathBuf> {
    let table = read_csv(DATA, &CsvOptions::new("status").id_column("customer_id"))?;
    let rows = table.all_rows();
    let fitted = registry::fit(
        Algorithm::Id3Weighted,
        &AlgoOptions::default(),
        &table,
        &rows,
    )?;
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
    let model = ModelBuilder::new(fitted.body, &table, &rows)
        .economics(economics)
        .build()?;
    let path = std::env::temp_dir().join("churnkit-score-customers.model");
    model.save(&path)?;
    println!(
        "trained id3-weighted on {} customers → {}",
        rows.len(),
        path.display()
    );
    Ok(path)
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (model_path, data, out) = match args.as_slice() {
        [] => (
            train_one()?,
            PathBuf::from(DATA),
            std::env::temp_dir().join("churnkit-scores.csv"),
        ),
        [m, d] => (
            PathBuf::from(m),
            PathBuf::from(d),
            std::env::temp_dir().join("churnkit-scores.csv"),
        ),
        [m, d, o] => (PathBuf::from(m), PathBuf::from(d), PathBuf::from(o)),
        _ => {
            return Err(churnkit::Error::param(
                "arguments",
                args.join(" "),
                "usage: score_customers [MODEL DATA.csv [OUT.csv]]",
            ));
        }
    };
    let model = Model::load(&model_path)?;
    let scorer = Scorer::new(&model);
    let start = Instant::now();
    let report = score_csv_file(&scorer, &data, &out, &BatchOptions::default())?;
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "scored {} customers from {} into {} in {:.3} s ({:.0} customers/s)",
        report.rows_out,
        data.display(),
        out.display(),
        seconds,
        report.rows_out as f64 / seconds.max(1e-9)
    );

    // Read the scores back: tiers, offers, and the riskiest customers.
    let mut rdr = csv_reader(&out)?;
    let header: Vec<String> = rdr
        .headers()
        .map(|h| h.iter().map(String::from).collect())
        .unwrap_or_default();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (tier, p_churn, ceiling, rescue, reason) = (
        col("tier"),
        col("p_churned"),
        col("spend_ceiling"),
        col("rescue"),
        col("reason_1"),
    );
    let mut tiers: Vec<(String, usize)> = Vec::new();
    let (mut offers, mut budget) = (0usize, 0.0f64);
    let mut top: Vec<(f64, String, String)> = Vec::new();
    for rec in rdr.records().flatten() {
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("");
        let t = get(tier).to_string();
        match tiers.iter_mut().find(|(name, _)| *name == t) {
            Some((_, n)) => *n += 1,
            None => tiers.push((t, 1)),
        }
        if get(rescue) == "yes" {
            offers += 1;
            budget += get(ceiling).parse::<f64>().unwrap_or(0.0);
        }
        let p = get(p_churn).parse::<f64>().unwrap_or(0.0);
        top.push((
            p,
            rec.get(0).unwrap_or("").to_string(),
            get(reason).to_string(),
        ));
    }
    println!("\ntiers:");
    for (t, n) in &tiers {
        println!("  {t:<10} {n}");
    }
    if offers > 0 {
        println!(
            "\nrescue offers worth making: {offers} (sum of their spend ceilings {budget:.0})"
        );
    }
    top.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("\nhighest churn probability:");
    for (p, id, why) in top.iter().take(5) {
        println!("  {id}  {p:.2}  {why}");
    }
    Ok(())
}

fn csv_reader(path: &std::path::Path) -> Result<csv::Reader<std::fs::File>> {
    csv::Reader::from_path(path).map_err(|e| churnkit::Error::Csv {
        location: churnkit::Location::file(path),
        message: e.to_string(),
    })
}
