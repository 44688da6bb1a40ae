//! A monthly retraining pipeline, simulated: a champion model in production, a new
//! month of labeled customers every month, and a challenger that replaces the champion
//! only when it is significantly better.
//!
//! ```text
//! cargo run --release --example retrain [-- HISTORY_DIR]
//! ```
//!
//! Each month the generator's `drift` (a competitor's campaign that pulls
//! month-to-month customers away) grows. Every month the pipeline
//!
//! 1. measures drift: the PSI of every feature and of the champion's churn score
//!    between the champion's training data and the latest month;
//! 2. trains a challenger on the latest month's training part with the library's
//!    training pipeline ([`churnkit::train::Pipeline`]: a stratified holdout, the
//!    model fitted on the training part is the one shipped, so the held-out customers
//!    stay unseen);
//! 3. scores champion and challenger on the same held-out customers of the latest
//!    month: McNemar's test on their errors, and the expected maximum profit (EMP) of
//!    a retention campaign driven by each;
//! 4. promotes the challenger only when McNemar says the two differ (p < 0.05), the
//!    challenger is the one that is right more often, and its EMP is not lower;
//! 5. keeps every model file with its metrics in a history directory (default
//!    `target/retrain-history`), printed at the end.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use churnkit::Classifier;
use churnkit::Result;
use churnkit::data::{Holdout, Table};
use churnkit::eval::{self, Report, champion_challenger, feature_drift, score_psi};
use churnkit::model::Model;
use churnkit::registry::{AlgoOptions, Algorithm};
use churnkit::synth::{SynthParams, generate};
use churnkit::train::{FinalFit, Pipeline, Validation, ValidationReport};

/// Customers per month, months after the first, and the drift added each month.
const ROWS: usize = 6000;
const MONTHS: usize = 6;
const DRIFT_PER_MONTH: f64 = 0.15;
const TEST_FRACTION: f64 = 0.3;
const ALGO: &str = "id3-weighted";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("retrain: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One month of customers: the same population's seed, more drift.
fn month(m: usize) -> Result<Table> {
    generate(&SynthParams {
        rows: ROWS,
        seed: 1000 + m as u64,
        drift: DRIFT_PER_MONTH * m as f64,
        ..SynthParams::default()
    })
}

/// The churn probabilities of a classifier on every row of `table`.
fn churn_scores(c: &dyn Classifier, table: &Table) -> Result<Vec<f64>> {
    let k = table.schema().target.n_classes();
    let churn = table.schema().target.churn_class();
    let p = eval::predict_rows(c, table, &table.all_rows())?;
    Ok(p.chunks_exact(k).map(|r| r[churn]).collect())
}

fn emp(r: &Report) -> f64 {
    r.profit.as_ref().map_or(f64::NAN, |p| p.emp)
}

/// Trains a model on month `m`'s customers with the library pipeline: a stratified
/// holdout (seeded by the month) whose training part fits the shipped model; returns
/// the model, the split and the report on the held-out customers.
fn train_month(algo: Algorithm, table: &Table, m: usize) -> Result<(Model, Holdout, Report)> {
    let trained = Pipeline::new(algo, AlgoOptions::default())
        .validation(Validation::Holdout {
            fraction: TEST_FRACTION,
            seed: m as u64,
        })
        .final_fit(FinalFit::TrainingPart)
        .metric("month", m as f64)
        .fit(table)?;
    match trained.validation {
        ValidationReport::Holdout { split, report, .. } => Ok((trained.model, split, *report)),
        _ => unreachable!("a holdout was asked for"),
    }
}

/// A model in production: what it is, what it was trained on, where its file is.
struct Champion {
    model: Model,
    train: Table,
    since: usize,
    file: PathBuf,
}

fn run() -> Result<()> {
    let history_dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/retrain-history"), PathBuf::from);
    std::fs::create_dir_all(&history_dir).map_err(|e| churnkit::Error::Io {
        location: churnkit::Location::file(&history_dir),
        source: e,
    })?;
    let algo: Algorithm = ALGO.parse()?;

    // Month 0: the first champion, trained on the training part of month 0.
    let first = month(0)?;
    let (fitted, split, report) = train_month(algo, &first, 0)?;
    let file = save(&history_dir, 0, &fitted)?;
    let mut history = vec![HistoryRow::new(0, 0.0, &report, &file, "first champion")];
    let mut champion = Champion {
        model: fitted,
        train: first.select(&split.train),
        since: 0,
        file,
    };
    println!(
        "month 0: champion {} trained on {} customers; holdout accuracy {:.4}, EMP {:.3}\n",
        ALGO,
        champion.train.n_rows(),
        report.accuracy,
        emp(&report)
    );

    for m in 1..=MONTHS {
        let drift = DRIFT_PER_MONTH * m as f64;
        let latest = month(m)?;
        println!(
            "month {m} (drift {drift:.2}): {} new labeled customers",
            latest.n_rows()
        );

        // 1. Drift: features and the champion's score.
        let features = feature_drift(&champion.train, &latest)?;
        let top: Vec<String> = features
            .most_drifted()
            .iter()
            .take(3)
            .map(|f| format!("{} {:.3}", f.feature, f.psi))
            .collect();
        let score = score_psi(
            &churn_scores(champion.model.classifier(), &champion.train)?,
            &churn_scores(champion.model.classifier(), &latest)?,
        )?;
        println!(
            "  drift     features: {} (largest PSI: {}); churn score PSI {:.3} ({})",
            features.stability(),
            top.join(", "),
            score.psi,
            score.stability
        );

        // 2. A challenger on the latest month's training part.
        let (challenger, split, r_chall) = train_month(algo, &latest, m)?;

        // 3. Both on the same held-out customers.
        let r_champ = eval::evaluate(champion.model.classifier(), &latest, &split.test)?;
        let test = champion_challenger(
            champion.model.classifier(),
            challenger.classifier(),
            &latest,
            &split.test,
        )?;
        println!(
            "  holdout   champion (month {}) accuracy {:.4} EMP {:.3} | challenger accuracy {:.4} EMP {:.3}",
            champion.since,
            r_champ.accuracy,
            emp(&r_champ),
            r_chall.accuracy,
            emp(&r_chall)
        );
        println!(
            "  McNemar   only champion right {}, only challenger right {}, p = {:.4}{}",
            test.only_first_correct,
            test.only_second_correct,
            test.p_value,
            if test.exact { " (exact)" } else { "" }
        );

        // 4. Promote only a significantly better challenger.
        let better = test.significant
            && test.only_second_correct > test.only_first_correct
            && emp(&r_chall) >= emp(&r_champ);
        if better {
            let file = save(&history_dir, m, &challenger)?;
            println!("  decision  PROMOTE the challenger → {}\n", file.display());
            history.push(HistoryRow::new(m, drift, &r_chall, &file, "promoted"));
            champion = Champion {
                model: challenger,
                train: latest.select(&split.train),
                since: m,
                file,
            };
        } else {
            let why = if !test.significant {
                "no significant difference"
            } else if test.only_second_correct <= test.only_first_correct {
                "the champion is better"
            } else {
                "the challenger's EMP is lower"
            };
            println!("  decision  keep the champion ({why})\n");
            history.push(HistoryRow::new(m, drift, &r_champ, &champion.file, "kept"));
        }
    }

    println!("History ({}):", history_dir.display());
    println!(
        "  {:>5} {:>6} {:>9} {:>8} {:>7}  {:<15} model file",
        "month", "drift", "accuracy", "roc_auc", "EMP", "decision"
    );
    for h in &history {
        println!(
            "  {:>5} {:>6.2} {:>9.4} {:>8.4} {:>7.3}  {:<15} {}",
            h.month,
            h.drift,
            h.accuracy,
            h.roc_auc,
            h.emp,
            h.decision,
            h.file.display()
        );
    }
    Ok(())
}

/// One line of the history.
struct HistoryRow {
    month: usize,
    drift: f64,
    accuracy: f64,
    roc_auc: f64,
    emp: f64,
    decision: &'static str,
    file: PathBuf,
}

impl HistoryRow {
    fn new(month: usize, drift: f64, r: &Report, file: &Path, decision: &'static str) -> Self {
        HistoryRow {
            month,
            drift,
            accuracy: r.accuracy,
            roc_auc: r.roc_auc.unwrap_or(f64::NAN),
            emp: emp(r),
            decision,
            file: file.to_path_buf(),
        }
    }
}

/// Saves a model of month `m` in the history directory; its training summary holds
/// its holdout metrics (EMP among them) and the month.
fn save(dir: &Path, m: usize, model: &Model) -> Result<PathBuf> {
    let path = dir.join(format!("model-month-{m:02}.ckm"));
    model.save(&path)?;
    Ok(path)
}
