//! Every learner of churnkit side by side under 10-fold cross-validation on IBM's Telco
//! customers (or any churn CSV), with the corrected resampled t-test of each against
//! the majority-class baseline.
//!
//! ```text
//! cargo run --release --example compare_trees
//! cargo run --release --example compare_trees -- path/to/data.csv TARGET [ID_COLUMN]
//! ```
//!
//! The learners come from the registry ([`churnkit::registry`]), each with its own
//! defaults, all on identical stratified folds (seed 42); each fold fits the learner's
//! discretizer on that fold's training rows only.

use std::process::ExitCode;
use std::time::Instant;

use churnkit::Result;
use churnkit::data::{CsvOptions, read_csv};
use churnkit::eval::{Metric, compare_on};
use churnkit::registry::{AlgoOptions, Algorithm, learner};

const TELCO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/datasets/telco-customer-churn.csv"
);
const FOLDS: usize = 10;
const SEED: u64 = 42;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compare_trees: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, opts) = match args.as_slice() {
        [] => (
            TELCO.to_string(),
            CsvOptions::new("Churn").id_column("customerID"),
        ),
        [path, target] => (path.clone(), CsvOptions::new(target.as_str())),
        [path, target, id] => (
            path.clone(),
            CsvOptions::new(target.as_str()).id_column(id.as_str()),
        ),
        _ => {
            return Err(churnkit::Error::param(
                "arguments",
                args.join(" "),
                "usage: compare_trees [DATA.csv TARGET [ID_COLUMN]]",
            ));
        }
    };
    let start = Instant::now();
    let table = read_csv(&path, &opts)?;
    println!(
        "{path}\n  {} customers, {} features, read in {:.2} s\n",
        table.n_rows(),
        table.n_features(),
        start.elapsed().as_secs_f64()
    );

    // The baseline first: every test is "this learner vs ZeroR".
    let mut algos = vec![Algorithm::ZeroR];
    algos.extend(
        Algorithm::ALL
            .iter()
            .copied()
            .filter(|&a| a != Algorithm::ZeroR),
    );
    let options = AlgoOptions {
        seed: Some(SEED),
        ..AlgoOptions::default()
    };
    let learners = algos
        .iter()
        .map(|&a| learner(a, &options))
        .collect::<Result<Vec<_>>>()?;
    let refs: Vec<&dyn churnkit::Learner> = learners.iter().map(|l| l.as_ref()).collect();

    let start = Instant::now();
    let cmp = compare_on(&refs, &table, FOLDS, SEED, Metric::Accuracy)?;
    println!("{cmp}");
    println!(
        "{} learners × {FOLDS} folds in {:.1} s (folds in parallel)\n",
        refs.len(),
        start.elapsed().as_secs_f64()
    );

    // The same comparison tested on ROC AUC, the ranking quality a retention campaign
    // cares about (who to call first), as Markdown for a report.
    let by_auc = compare_on(&refs, &table, FOLDS, SEED, Metric::RocAuc)?;
    println!("Tested on ROC AUC:\n\n{}", by_auc.to_markdown());
    Ok(())
}
