//! The main job on the bundled data: `cargo run --release --example quickstart`.
//!
//! Stage 1 (the data layer): read the 5,000 synthetic customers of
//! `datasets/synthetic-churn.csv`, split them into training and test rows (stratified,
//! seeded), fit the discretizer on the training rows only, encode, and show what the
//! learners will see: the schema, the class balance of each part, the cut points and
//! the memory of the encoded tables. Later stages add the models, their evaluation and
//! scoring.

use std::process::ExitCode;

use churnkit::Result;
use churnkit::data::{
    Binning, Cell, CsvOptions, Discretizer, FeatureKind, Table, read_csv_report, stratified_holdout,
};

/// The bundled data (found wherever the example is run from).
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");
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
    // 1. Load the customers: `status` is the label (retained / at_risk / churned) and
    //    `customer_id` is kept as the id, never used as a feature.
    let opts = CsvOptions::new("status").id_column("customer_id");
    let (table, report) = read_csv_report(DATA, &opts)?;
    println!(
        "{}: {} customers, {} features, target '{}' ({})\n",
        report
            .source
            .strip_prefix(concat!(env!("CARGO_MANIFEST_DIR"), "/"))
            .unwrap_or(&report.source),
        table.n_rows(),
        table.n_features(),
        table.schema().target.name,
        table.schema().target.classes.join(" / ")
    );
    print_schema(&table);

    // 2. Hold out 30 % of each class for testing.
    let split = stratified_holdout(table.labels(), TEST_FRACTION, SPLIT_SEED)?;
    println!("\nStratified holdout (test fraction {TEST_FRACTION}, seed {SPLIT_SEED}):");
    print_balance(&table, "train", &split.train);
    print_balance(&table, "test", &split.test);

    // 3. Learn the encoding on the training rows only, then encode both parts with it.
    //    The default binning is supervised (Fayyad–Irani MDL): a numeric column is cut
    //    only where the cut tells the classes apart, so a column with no bearing on
    //    churn keeps a single bin.
    let discretizer = Discretizer::fit(&table, &split.train, &Binning::default())?;
    let (train, _) = discretizer.encode_rows(&table, &split.train)?;
    let (test, encode_report) = discretizer.encode_rows(&table, &split.test)?;
    let unseen: usize = encode_report.unseen.iter().map(|(_, n)| n).sum();
    println!(
        "\nEncoded with {:?} (fitted on the training rows):",
        discretizer.binning()
    );
    for (j, f) in discretizer.schema().features.iter().enumerate() {
        if let Some(cuts) = discretizer.cuts(j) {
            let cuts = if cuts.is_empty() {
                "no cut: one bin".to_string()
            } else {
                let cuts: Vec<String> = cuts.iter().map(|c| c.to_string()).collect();
                format!("cuts at {}", cuts.join(", "))
            };
            println!("  {:<20} {cuts}", f.name);
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
