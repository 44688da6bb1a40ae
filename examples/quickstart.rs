//! The main job on the bundled data: `cargo run --release --example quickstart`.
//!
//! Stage 1 (the data layer): load the 5,000 synthetic customers of
//! `datasets/synthetic-churn.csv`, split them into training and test rows (stratified,
//! seeded), fit the discretizer on the training rows only, encode, and show what the
//! learners will see. Later stages add the models, their evaluation and scoring.

use std::process::ExitCode;

use churnkit::Result;
use churnkit::data::{Binning, Cell, Discretizer, FeatureKind, Table, stratified_holdout};
use churnkit::synth::{self, SynthParams};

/// Share of customers held out for testing, and the seed of the split.
const TEST_FRACTION: f64 = 0.3;
const SPLIT_SEED: u64 = 42;

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
    // 1. Load the customers. `datasets/synthetic-churn.csv` is exactly the output of
    //    the generator with these parameters (tests/synthetic_dataset.rs checks it byte
    //    for byte), so building the table in memory gives the same rows, values and
    //    codes as reading the file; the quickstart reads the file itself once the CSV
    //    reader (`data::read_csv`) is in the crate.
    let params = SynthParams {
        rows: 5000,
        seed: 42,
        ..SynthParams::default()
    };
    let table = synth::generate(&params)?;
    println!(
        "datasets/synthetic-churn.csv: {} customers, {} features, target '{}'\n",
        table.n_rows(),
        table.n_features(),
        table.schema().target.name
    );
    print_schema(&table);

    // 2. Hold out 30 % of each class for testing.
    let split = stratified_holdout(table.labels(), TEST_FRACTION, SPLIT_SEED)?;
    println!("\nStratified holdout (test fraction {TEST_FRACTION}, seed {SPLIT_SEED}):");
    print_balance(&table, "train", &split.train);
    print_balance(&table, "test", &split.test);

    // 3. Learn the encoding on the training rows only (numeric columns cut into five
    //    equal-frequency bins), then encode both parts with it.
    let discretizer = Discretizer::fit(&table, &split.train, &Binning::EqualFrequency { bins: 5 })?;
    let (train, _) = discretizer.encode_rows(&table, &split.train)?;
    let (test, report) = discretizer.encode_rows(&table, &split.test)?;
    let unseen: usize = report.unseen.iter().map(|(_, n)| n).sum();
    println!(
        "\nEncoded with {:?} (fitted on the training rows):",
        discretizer.binning()
    );
    for (j, f) in discretizer.schema().features.iter().enumerate() {
        if let Some(cuts) = discretizer.cuts(j) {
            let cuts: Vec<String> = cuts.iter().map(|c| c.to_string()).collect();
            println!("  {:<20} cuts at {}", f.name, cuts.join(", "));
        }
    }
    println!(
        "  train: {} rows, {} bytes of codes and labels ({:.1} bytes per row)",
        train.n_rows(),
        train.heap_bytes(),
        train.heap_bytes() as f64 / train.n_rows() as f64
    );
    println!(
        "  test:  {} rows, {} bytes; {unseen} test cells held a category unseen in training",
        test.n_rows(),
        test.heap_bytes()
    );
    Ok(())
}

/// One line per feature: name, kind, number of levels (or range), missing cells.
fn print_schema(table: &Table) {
    println!(
        "{:<20} {:<12} {:<24} missing",
        "feature", "kind", "levels / range"
    );
    for (j, f) in table.schema().features.iter().enumerate() {
        let column = table.column(j);
        let (kind, detail) = match &f.kind {
            FeatureKind::Categorical { levels } => {
                ("categorical", format!("{} levels", levels.len()))
            }
            FeatureKind::Numeric => {
                let (lo, hi) = (0..table.n_rows())
                    .filter_map(|r| match table.cell(r, j) {
                        Cell::Num(x) => Some(x),
                        _ => None,
                    })
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                        (lo.min(x), hi.max(x))
                    });
                ("numeric", format!("{lo} to {hi}"))
            }
        };
        println!(
            "{:<20} {:<12} {:<24} {}",
            f.name,
            kind,
            detail,
            column.n_missing()
        );
    }
}

/// The class counts and shares of `rows`.
fn print_balance(table: &Table, name: &str, rows: &[usize]) {
    let counts = table.class_counts(rows);
    let parts: Vec<String> = table
        .schema()
        .target
        .classes
        .iter()
        .zip(&counts)
        .map(|(class, &n)| format!("{class} {n} ({:.1} %)", 100.0 * n / rows.len() as f64))
        .collect();
    println!("  {name:<5} {:>5} rows: {}", rows.len(), parts.join(", "));
}
