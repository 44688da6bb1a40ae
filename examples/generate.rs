//! Writes a synthetic three-state churn table as CSV.
//!
//! ```text
//! cargo run --release --example generate -- --rows 5000 --seed 42 -o datasets/synthetic-churn.csv
//! ```
//!
//! regenerates the bundled `datasets/synthetic-churn.csv` bit for bit. Options:
//!
//! - `--rows N` (default 5000), `--seed S` (default 42),
//! - `--drift D` (default 0: no competitor campaign; 1: a strong one),
//! - `--missing-rate R` (default 0.02),
//! - `-o PATH` / `--output PATH` (default: standard output),
//! - `--in-memory`: build the table in memory instead (`synth::generate`), and report
//!   its class balance and how long it took.
//!
//! The columns are described in the `churnkit::synth` docs and `datasets/README.md`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use churnkit::synth::{SynthParams, generate, write_csv};

const USAGE: &str =
    "usage: generate [--rows N] [--seed S] [--drift D] [--missing-rate R] [-o PATH | --in-memory]";

/// Parses the command line into parameters and an optional output path.
fn parse(args: &[String]) -> Result<(SynthParams, Option<String>), String> {
    let mut p = SynthParams::default();
    let mut output = None;
    let mut it = args.iter().filter(|a| *a != "--in-memory");
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}\n{USAGE}");
        match flag.as_str() {
            "--rows" => p.rows = value.parse().map_err(|e| bad(&e))?,
            "--seed" => p.seed = value.parse().map_err(|e| bad(&e))?,
            "--drift" => p.drift = value.parse().map_err(|e| bad(&e))?,
            "--missing-rate" => p.missing_rate = value.parse().map_err(|e| bad(&e))?,
            "-o" | "--output" => output = Some(value.clone()),
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    Ok((p, output))
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let (params, output) = parse(&args)?;
    let start = Instant::now();
    if args.iter().any(|a| a == "--in-memory") {
        let table = generate(&params).map_err(|e| e.to_string())?;
        let elapsed = start.elapsed();
        let counts = table.class_counts(&table.all_rows());
        let balance: Vec<String> = table
            .schema()
            .target
            .classes
            .iter()
            .zip(&counts)
            .map(|(c, n)| {
                format!(
                    "{c} {n} ({:.1} %)",
                    100.0 * n / table.n_rows().max(1) as f64
                )
            })
            .collect();
        println!(
            "generated {} rows x {} features in memory in {elapsed:.2?}: {}",
            table.n_rows(),
            table.n_features(),
            balance.join(", ")
        );
        return Ok(());
    }
    match &output {
        Some(path) => {
            let file = File::create(path).map_err(|e| format!("cannot create {path}: {e}"))?;
            write_csv(&params, BufWriter::new(file)).map_err(|e| format!("{path}: {e}"))?;
            eprintln!(
                "wrote {} rows (seed {}, drift {}, missing rate {}) to {path} in {:.2?}",
                params.rows,
                params.seed,
                params.drift,
                params.missing_rate,
                start.elapsed()
            );
        }
        None => {
            let stdout = std::io::stdout().lock();
            let mut out = BufWriter::new(stdout);
            write_csv(&params, &mut out).map_err(|e| e.to_string())?;
            out.flush().map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
