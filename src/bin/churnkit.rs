//! `churnkit`: the command-line face of the churnkit library.
//!
//! A thin layer: every command parses its flags, calls the library, and prints what
//! came back (text for people, `--json` for programs). Exit codes: 0 success, 2 bad
//! usage or bad input (the message names the file, line and column), 1 internal
//! failure.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use churnkit::data::{
    BadCellPolicy, BadLabelPolicy, CsvOptions, MissingTokens, ReadReport, Table, read_csv_report,
};
use churnkit::eval::{self, Metric, Report};
use churnkit::learners::Exports;
use churnkit::learners::{self, AlgoOptions, Algorithm, BinningKind, Prune, StructureScore};
use churnkit::model::Model;
use churnkit::score::{
    Amount, BatchOptions, ClvSpec, Economics, Margin, RescueSpec, Scorer, score_csv_file,
};
use churnkit::synth::{self, SynthParams};
use churnkit::{Error, Location, Result};

// ---------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------

const LONG_ABOUT: &str = "\
churnkit learns who is about to leave from a table of customers, explains why, and
scores customers as retained, at-risk or churned.

A typical session:

  churnkit generate --rows 5000 --seed 42 -o customers.csv
  churnkit train --data customers.csv --target status --id customer_id \\
                 --algo id3-weighted -o churn.model
  churnkit evaluate --model churn.model --data customers.csv
  churnkit score --model churn.model --data customers.csv -o scores.csv
  churnkit inspect --model churn.model --rules
  churnkit compare --data customers.csv --target status --algos zero-r,id3,tan

Every command that prints results takes --json. Exit codes: 0 success, 2 bad usage
or bad input (the message names the file, line and column), 1 internal failure.";

#[derive(Parser, Debug)]
#[command(
    name = "churnkit",
    version,
    about = "Customer-churn prediction: train, evaluate, compare and score churn models",
    long_about = LONG_ABOUT
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a synthetic three-state churn table as CSV.
    #[command(long_about = "\
Write a synthetic three-state churn table (retained / at_risk / churned) as CSV:
20 features (numeric and categorical, with missing cells), an id column
`customer_id` and the target `status`. Same parameters, same bytes.

--drift simulates a competitor's campaign that shifts the population (0 = none,
1 = strong): use it to make 'later months' for drift and retraining experiments.

Example:
  churnkit generate --rows 100000 --seed 7 --drift 0.5 -o month-06.csv")]
    Generate(GenerateArgs),

    /// Train a model, validate it (holdout or cross-validation), save it.
    #[command(long_about = "\
Train a churn model on a CSV, report how good it is on rows it did not see, and
save it.

Validation: --test-fraction F (default 0.3) holds out a stratified share of the
rows, fits on the rest and reports on the held-out rows; the saved model is the one
fitted on the training rows. --folds K runs stratified K-fold cross-validation
instead and then fits the saved model on all rows.

The summary says where the time went: reading the CSV, encoding (fitting the
discretizer on the training rows and encoding them) and fitting the final model on
the training rows alone (--json: load_seconds, encode_seconds, fit_seconds).

Algorithm flags (--max-depth, --bins, ...) override the algorithm's defaults; a flag
that does not apply to the chosen algorithm is an error.

Examples:
  churnkit train --data datasets/synthetic-churn.csv --target status \\
                 --id customer_id --algo zero-r
  churnkit train --data telco.csv --target Churn --id customerID \\
                 --algo id3-weighted --max-depth 6 --folds 10 -o telco.model
  churnkit train --data crm.csv --target state --map active=retained,closed=churned \\
                 --on-bad-label skip --algo tan --json")]
    Train(Box<TrainArgs>),

    /// Compare algorithms side by side under cross-validation, with significance.
    #[command(long_about = "\
Compare algorithms on identical stratified folds: mean ± sd of accuracy, ROC AUC,
F1, log loss, top-decile lift and EMP per algorithm, and the corrected resampled
t-test (Nadeau & Bengio 2003) of each algorithm against the first one.

Put the reference (e.g. zero-r, or your current model) first.

Example:
  churnkit compare --data datasets/synthetic-churn.csv --target status \\
                   --id customer_id --algos zero-r,id3,id3-weighted,tan --folds 10 --markdown")]
    Compare(Box<CompareArgs>),

    /// Evaluate a saved model on labeled data: the full report.
    #[command(long_about = "\
Evaluate a saved model on a labeled CSV (e.g. a later month, or a test file): the
confusion matrix, accuracy and error rate with 95 % intervals, kappa, MCC, per-class
precision / recall / F1, ROC AUC, log loss, Brier score, calibration, gains and lift
by decile, and the maximum / expected maximum profit of a retention campaign.

The file is read with the model's column kinds; the target column is the model's
unless --target says otherwise. Give the label options (--positive, --map) the
model was trained with if the labels are not recognised by default.

Example:
  churnkit evaluate --model telco.model --data telco-test.csv")]
    Evaluate(Box<EvaluateArgs>),

    /// Score customers with a saved model: tiers, probabilities, reasons, retention.
    #[command(long_about = "\
Score a CSV of customers with a saved model, streaming (memory bounded by a chunk,
whatever the file size). One output row per input row:

  id, p_<class>..., tier, reason_1..reason_3, clv, value_at_risk, spend_ceiling,
  rescue, warning

The target column may be present or not. Retention figures need a margin: given at
training time (stored in the model) or here (--margin / --margin-column).

Example:
  churnkit score --model churn.model --data customers.csv -o scores.csv \\
                 --margin-column monthly_charge --margin-scale 0.3 --offer-cost 20")]
    Score(Box<ScoreArgs>),

    /// Show what a saved model is and how it decides (rules, DOT, BIF, JSON).
    #[command(long_about = "\
Show a saved model: learner and parameters, training rows and class balance,
validation metrics, features, tier policy. --rules prints a tree as if-then rules;
--dot FILE writes a Graphviz picture of a tree or a Bayesian network; --bif FILE
writes a Bayesian network in BIF (read by pgmpy, bnlearn, Weka); --json prints the
summary as JSON.

Examples:
  churnkit inspect --model churn.model --rules
  churnkit inspect --model tan.model --dot tan.dot --bif tan.bif
  dot -Tsvg tan.dot > tan.svg")]
    Inspect(InspectArgs),
}

/// `--on-bad-label`.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
enum OnBadLabel {
    /// Stop with an error naming the line.
    #[default]
    Error,
    /// Skip rows whose label is missing or unknown, and report how many.
    Skip,
}

/// `--on-bad-cell`.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
enum OnBadCell {
    /// Stop with an error naming the file, line, column and value.
    #[default]
    Error,
    /// Read the cell as missing and count it in the report.
    Missing,
}

/// Options of every command that reads a CSV.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Data options")]
struct DataArgs {
    /// Field delimiter: one character, or `tab` [default: detected from the header]
    #[arg(long, value_name = "CHAR")]
    delimiter: Option<String>,
    /// Cell texts that mean "missing", comma-separated (empty cells are always
    /// missing); `train` stores them in the model [default: NA,N/A,?,null; for
    /// `evaluate`, the model's]
    #[arg(long, value_name = "TOKENS", value_delimiter = ',')]
    missing: Option<Vec<String>>,
    /// Columns to read as categories even if they hold numbers (e.g. area codes)
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    categorical: Vec<String>,
    /// Columns to read as numbers; a non-number there is an error
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    numeric: Vec<String>,
    /// Column of sample weights (numbers >= 0), never a feature
    #[arg(long, value_name = "COL")]
    weight: Option<String>,
    /// What to do with a text cell in a column read as numeric
    #[arg(long, value_enum, default_value_t = OnBadCell::Error, value_name = "POLICY")]
    on_bad_cell: OnBadCell,
}

/// How labels map to churn classes, and which columns are not features.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Label and column options")]
struct LabelArgs {
    /// The label meaning "churned" in a two-label target (Yes/No, True/False and 1/0
    /// are recognised without it)
    #[arg(long, value_name = "LABEL", conflicts_with = "map")]
    positive: Option<String>,
    /// Map label texts to classes retained, at_risk, churned: `a=retained,b=churned`
    #[arg(long, value_name = "LABEL=CLASS,...", value_delimiter = ',')]
    map: Vec<String>,
    /// Columns to ignore (identifiers, columns that leak the label)
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    drop: Vec<String>,
    /// Identifier column: never a feature, carried into score output
    #[arg(long, value_name = "COL")]
    id: Option<String>,
    /// What to do with a row whose label is missing or unknown
    #[arg(long, value_enum, default_value_t = OnBadLabel::Error, value_name = "POLICY")]
    on_bad_label: OnBadLabel,
}

/// Optional parameters over the algorithm's defaults.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Algorithm options (override the algorithm's defaults)")]
struct AlgoArgs {
    /// Maximum tree depth (root = 0)
    #[arg(long, value_name = "N")]
    max_depth: Option<usize>,
    /// A node with fewer (weighted) rows is not split
    #[arg(long, value_name = "ROWS")]
    min_split: Option<f64>,
    /// Minimum (weighted) rows in a leaf
    #[arg(long, value_name = "ROWS")]
    min_leaf: Option<f64>,
    /// A node splits only on a gain above this
    #[arg(long, value_name = "GAIN")]
    min_gain: Option<f64>,
    /// Post-pruning of trees
    #[arg(long, value_name = "METHOD", value_parser = PossibleValuesParser::new(Prune::NAMES))]
    prune: Option<String>,
    /// Bins of numeric features (equal-frequency: exactly; mdl: at most)
    #[arg(long, value_name = "N")]
    bins: Option<usize>,
    /// How numeric features are binned
    #[arg(long, value_name = "METHOD", value_parser = PossibleValuesParser::new(BinningKind::NAMES))]
    binning: Option<String>,
    /// Dirichlet pseudo-count of Bayesian-network CPTs (Laplace α)
    #[arg(long, value_name = "α")]
    alpha: Option<f64>,
    /// Maximum parents per node in structure search
    #[arg(long, value_name = "N")]
    max_parents: Option<usize>,
    /// Structure score of Bayesian-network search
    #[arg(long, value_name = "SCORE", value_parser = PossibleValuesParser::new(StructureScore::NAMES))]
    score: Option<String>,
}

impl AlgoArgs {
    fn options(&self, seed: u64) -> Result<AlgoOptions> {
        Ok(AlgoOptions {
            max_depth: self.max_depth,
            min_split: self.min_split,
            min_leaf: self.min_leaf,
            min_gain: self.min_gain,
            prune: self.prune.as_deref().map(str::parse).transpose()?,
            bins: self.bins,
            binning: self.binning.as_deref().map(str::parse).transpose()?,
            alpha: self.alpha,
            max_parents: self.max_parents,
            score: self.score.as_deref().map(str::parse).transpose()?,
            seed: Some(seed),
        })
    }
}

fn algo_parser() -> PossibleValuesParser {
    PossibleValuesParser::new(Algorithm::names())
}

/// Retention economics: what a customer is worth and what a rescue may cost.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Retention economics (CLV and the spend ceiling of a rescue)")]
struct EconArgs {
    /// Margin per period, the same for every customer
    #[arg(long, value_name = "AMOUNT", conflicts_with = "margin_column")]
    margin: Option<f64>,
    /// Numeric column whose value × --margin-scale is each customer's margin per period
    #[arg(long, value_name = "COL")]
    margin_column: Option<String>,
    /// Multiplier of --margin-column (e.g. 0.3 for a 30 % margin on the monthly charge)
    #[arg(
        long,
        value_name = "F",
        default_value_t = 1.0,
        requires = "margin_column"
    )]
    margin_scale: f64,
    /// Number of future periods of the lifetime value
    #[arg(long, value_name = "T", default_value_t = 24)]
    horizon: u32,
    /// Discount rate per period
    #[arg(long, value_name = "I", default_value_t = 0.01)]
    discount_rate: f64,
    /// Probability that a rescue offer succeeds (λ)
    #[arg(long, value_name = "P", default_value_t = 0.3)]
    rescue_success: f64,
    /// Cost of a rescue offer: recommend a rescue only when it is below the ceiling
    #[arg(long, value_name = "AMOUNT")]
    offer_cost: Option<f64>,
}

impl EconArgs {
    /// The economics, or None when no margin was given.
    fn economics(&self) -> Option<Economics> {
        let margin = match (&self.margin, &self.margin_column) {
            (Some(m), _) => Margin::Fixed(*m),
            (None, Some(c)) => Margin::Column {
                name: c.clone(),
                scale: self.margin_scale,
            },
            (None, None) => return None,
        };
        Some(Economics {
            clv: Some(ClvSpec {
                margin,
                horizon: self.horizon,
                discount_rate: self.discount_rate,
            }),
            rescue: RescueSpec {
                success_probability: self.rescue_success,
                ..RescueSpec::default()
            },
            offer_cost: self.offer_cost.map(Amount::Fixed),
            ..Economics::default()
        })
    }
}

#[derive(Args, Debug)]
struct GenerateArgs {
    /// Number of customers (rows)
    #[arg(long, default_value_t = 5000, value_name = "N")]
    rows: usize,
    /// Seed of the generator: same parameters, same bytes
    #[arg(long, default_value_t = 42, value_name = "S")]
    seed: u64,
    /// Strength of a competitor's campaign shifting the population (0 = none, 1 = strong)
    #[arg(
        long,
        default_value_t = 0.0,
        value_name = "D",
        allow_negative_numbers = true
    )]
    drift: f64,
    /// Probability that a cell of a column that can be missing is blank
    #[arg(long, default_value_t = 0.02, value_name = "R")]
    missing_rate: f64,
    /// Output CSV file
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Print a JSON summary instead of text
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct TrainArgs {
    /// Training CSV (header row, one customer per line)
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// Column holding the churn label
    #[arg(long, value_name = "COL")]
    target: String,
    /// Learning algorithm
    #[arg(long, value_name = "ALGO", value_parser = algo_parser())]
    algo: String,
    /// Hold out this share of rows (stratified) for validation [default: 0.3]
    #[arg(long, value_name = "F", conflicts_with = "folds")]
    test_fraction: Option<f64>,
    /// Validate by stratified K-fold cross-validation instead of a holdout
    #[arg(long, value_name = "K")]
    folds: Option<usize>,
    /// Seed of the split and of the learner's random choices
    #[arg(long, default_value_t = 42, value_name = "S")]
    seed: u64,
    /// Where to save the model (binary; a name ending in .json saves JSON)
    #[arg(short, long, value_name = "MODEL")]
    output: Option<PathBuf>,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    labels: LabelArgs,
    #[command(flatten)]
    algo_args: AlgoArgs,
    #[command(flatten)]
    data_args: DataArgs,
    #[command(flatten)]
    econ: EconArgs,
}

#[derive(Args, Debug)]
struct CompareArgs {
    /// CSV to cross-validate on
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// Column holding the churn label
    #[arg(long, value_name = "COL")]
    target: String,
    /// Algorithms to compare, comma-separated; the first is the reference of the tests
    #[arg(long, value_name = "ALGOS", value_delimiter = ',', required = true, value_parser = algo_parser())]
    algos: Vec<String>,
    /// Number of folds
    #[arg(long, default_value_t = 10, value_name = "K")]
    folds: usize,
    /// Seed of the folds
    #[arg(long, default_value_t = 42, value_name = "S")]
    seed: u64,
    /// Metric of the significance test
    #[arg(long, default_value = "accuracy", value_name = "METRIC",
          value_parser = PossibleValuesParser::new(Metric::ALL.map(Metric::name)))]
    metric: String,
    /// Print a Markdown table
    #[arg(long, conflicts_with = "json")]
    markdown: bool,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    labels: LabelArgs,
    #[command(flatten)]
    data_args: DataArgs,
}

#[derive(Args, Debug)]
struct EvaluateArgs {
    /// A model saved by `churnkit train`
    #[arg(long, value_name = "MODEL")]
    model: PathBuf,
    /// Labeled CSV to evaluate on
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// Column holding the churn label [default: the model's target]
    #[arg(long, value_name = "COL")]
    target: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    labels: LabelArgs,
    #[command(flatten)]
    data_args: DataArgs,
}

#[derive(Args, Debug)]
struct ScoreArgs {
    /// A model saved by `churnkit train`
    #[arg(long, value_name = "MODEL")]
    model: PathBuf,
    /// CSV of customers to score
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// Output CSV of scores
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Identifier column copied to the output [default: the model's id column]
    #[arg(long, value_name = "COL")]
    id: Option<String>,
    /// Field delimiter of the input: one character, or `tab`
    #[arg(long, value_name = "CHAR", default_value = ",")]
    delimiter: String,
    /// Cell texts that mean "missing", comma-separated (empty cells are always
    /// missing) [default: the tokens the model was trained with]
    #[arg(long, value_name = "TOKENS", value_delimiter = ',')]
    missing: Option<Vec<String>>,
    /// Skip rows that cannot be scored (counted in the summary) instead of stopping
    #[arg(long)]
    skip_bad_rows: bool,
    /// Show a progress bar (on a terminal)
    #[arg(long)]
    progress: bool,
    /// Print the summary as JSON
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    econ: EconArgs,
}

#[derive(Args, Debug)]
struct InspectArgs {
    /// A model saved by `churnkit train`
    #[arg(long, value_name = "MODEL")]
    model: PathBuf,
    /// Print a tree as if-then rules
    #[arg(long)]
    rules: bool,
    /// Write a Graphviz DOT picture of the tree or network
    #[arg(long, value_name = "FILE")]
    dot: Option<PathBuf>,
    /// Write a Bayesian network in BIF
    #[arg(long, value_name = "FILE")]
    bif: Option<PathBuf>,
    /// Print the summary as JSON
    #[arg(long, conflicts_with = "rules")]
    json: bool,
}

// ---------------------------------------------------------------------------------
// Main: exit codes
// ---------------------------------------------------------------------------------

fn main() -> ExitCode {
    let cli = Cli::parse(); // usage errors exit 2, --help and --version 0
    let outcome = std::panic::catch_unwind(|| run(cli));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("churnkit: error: {e}");
            ExitCode::from(exit_code(&e))
        }
        Err(_) => {
            eprintln!("churnkit: internal error (a bug): please report it with the command line");
            ExitCode::from(1)
        }
    }
}

/// 2 for what the user can fix (input, parameters, model files), 1 for the rest.
fn exit_code(e: &Error) -> u8 {
    match e {
        Error::Io { .. }
        | Error::Csv { .. }
        | Error::Schema { .. }
        | Error::Value { .. }
        | Error::Label { .. }
        | Error::Param { .. }
        | Error::Model { .. } => 2,
        Error::Fit(_) => 1,
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Generate(a) => generate(a),
        Command::Train(a) => train(*a),
        Command::Compare(a) => compare(*a),
        Command::Evaluate(a) => evaluate(*a),
        Command::Score(a) => score(*a),
        Command::Inspect(a) => inspect(a),
    }
}

// ---------------------------------------------------------------------------------
// Helpers: output, progress, options
// ---------------------------------------------------------------------------------

/// Writes to standard output; a closed pipe (`| head`) is not an error.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

fn emit_json(v: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(|e| Error::Fit(e.to_string()))?;
    emit(&text);
    Ok(())
}

/// A spinner on stderr while `f` runs (hidden when stderr is not a terminal);
/// returns `f`'s result and the seconds it took.
fn phase<T>(message: &str, f: impl FnOnce() -> Result<T>) -> Result<(T, f64)> {
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    } else {
        ProgressBar::hidden()
    };
    let start = Instant::now();
    let result = f();
    let seconds = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    result.map(|v| (v, seconds))
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        location: Location::file(path),
        source,
    }
}

fn parse_delimiter(s: &str) -> Result<u8> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(Error::param(
            "--delimiter",
            s,
            "must be one ASCII character (e.g. ';') or 'tab'",
        )),
    }
}

/// `--map a=retained,b=churned` as pairs.
fn parse_map(items: &[String]) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|item| match item.split_once('=') {
            Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
                Ok((from.trim().to_string(), to.trim().to_string()))
            }
            _ => Err(Error::param(
                "--map",
                item,
                "expected LABEL=CLASS with CLASS one of retained, at_risk, churned",
            )),
        })
        .collect()
}

fn data_options(mut o: CsvOptions, data: &DataArgs) -> Result<CsvOptions> {
    if let Some(d) = &data.delimiter {
        o = o.delimiter(parse_delimiter(d)?);
    }
    if let Some(tokens) = &data.missing {
        o = o.missing_tokens(tokens);
    }
    o = o.categorical(&data.categorical).numeric(&data.numeric);
    if let Some(w) = &data.weight {
        o = o.weight_column(w);
    }
    Ok(o.on_bad_cell(match data.on_bad_cell {
        OnBadCell::Error => BadCellPolicy::Error,
        OnBadCell::Missing => BadCellPolicy::Missing,
    }))
}

fn label_options(mut o: CsvOptions, labels: &LabelArgs) -> Result<CsvOptions> {
    if let Some(p) = &labels.positive {
        o = o.positive_label(p);
    }
    if !labels.map.is_empty() {
        let pairs = parse_map(&labels.map)?;
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        o = o.class_map(&refs);
    }
    o = o.drop_columns(&labels.drop);
    if let Some(id) = &labels.id {
        o = o.id_column(id);
    }
    Ok(o.on_bad_label(match labels.on_bad_label {
        OnBadLabel::Error => BadLabelPolicy::Error,
        OnBadLabel::Skip => BadLabelPolicy::Skip,
    }))
}

/// Reads a labeled CSV with a spinner; returns the table, the read report and the
/// seconds it took.
fn read_labeled(
    path: &Path,
    target: &str,
    labels: &LabelArgs,
    data: &DataArgs,
) -> Result<(Table, ReadReport, f64)> {
    let opts = label_options(data_options(CsvOptions::new(target), data)?, labels)?;
    let ((table, report), seconds) = phase(&format!("reading {}", path.display()), || {
        read_csv_report(path, &opts)
    })?;
    Ok((table, report, seconds))
}

/// "retained 3000 (60.0 %), churned 2000 (40.0 %)".
fn class_balance(table: &Table) -> String {
    let counts = table.class_counts(&table.all_rows());
    let total: f64 = counts.iter().sum();
    table
        .schema()
        .target
        .classes
        .iter()
        .zip(&counts)
        .map(|(c, n)| format!("{c} {n} ({:.1} %)", 100.0 * n / total.max(1e-300)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_summary_json(table: &Table, report: &ReadReport, seconds: f64) -> Value {
    json!({
        "file": report.source,
        "rows": table.n_rows(),
        "rows_read": report.rows_read,
        "skipped_rows": report.skipped_rows,
        "skipped_lines": report.skipped_lines,
        "features": table.n_features(),
        "classes": table.schema().target.classes,
        "class_counts": table.class_counts(&table.all_rows()),
        "label_map": report.label_map,
        "load_seconds": seconds,
    })
}

fn read_summary_text(table: &Table, report: &ReadReport, seconds: f64) -> String {
    let mut s = format!(
        "data      {}: {} rows, {} features, target '{}' — {}\n",
        report.source,
        table.n_rows(),
        table.n_features(),
        table.schema().target.name,
        class_balance(table)
    );
    if report.skipped_rows > 0 {
        let lines: Vec<String> = report.skipped_lines.iter().map(u64::to_string).collect();
        s.push_str(&format!(
            "          skipped {} rows with a missing or unknown label (lines {}{})\n",
            report.skipped_rows,
            lines.join(", "),
            if report.skipped_rows > lines.len() {
                ", ..."
            } else {
                ""
            }
        ));
    }
    let _ = seconds;
    s
}

fn report_json(r: &Report) -> Result<Value> {
    serde_json::to_value(r).map_err(|e| Error::Fit(e.to_string()))
}

// ---------------------------------------------------------------------------------
// generate
// ---------------------------------------------------------------------------------

fn generate(a: GenerateArgs) -> Result<()> {
    let params = SynthParams {
        rows: a.rows,
        seed: a.seed,
        drift: a.drift,
        missing_rate: a.missing_rate,
    };
    params.validate()?;
    let path = a.output.as_path();
    let ((), seconds) = phase(&format!("writing {} rows", a.rows), || {
        let file = File::create(path).map_err(|e| io_error(path, e))?;
        synth::write_csv(&params, BufWriter::new(file)).map_err(|e| match e {
            Error::Io { source, .. } => io_error(path, source),
            other => other,
        })
    })?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if a.json {
        emit_json(&json!({
            "output": path,
            "rows": a.rows,
            "seed": a.seed,
            "drift": a.drift,
            "missing_rate": a.missing_rate,
            "bytes": bytes,
            "seconds": seconds,
        }))
    } else {
        emit(&format!(
            "wrote {} customers to {} ({:.1} MB, seed {}, drift {}) in {:.2} s\n\
             target column 'status' (retained / at_risk / churned), id column 'customer_id'",
            a.rows,
            path.display(),
            bytes as f64 / 1e6,
            a.seed,
            a.drift,
            seconds
        ));
        Ok(())
    }
}

// ---------------------------------------------------------------------------------
// train
// ---------------------------------------------------------------------------------

fn train(a: TrainArgs) -> Result<()> {
    let algo: Algorithm = a.algo.parse()?;
    let algo_opts = a.algo_args.options(a.seed)?;
    algo_opts.check(algo)?; // bad flags fail before the data is read
    if let Some(k) = a.folds
        && k < 2
    {
        return Err(Error::param("--folds", k, "need at least 2 folds"));
    }
    let (table, read_report, load_seconds) =
        read_labeled(&a.data, &a.target, &a.labels, &a.data_args)?;

    // Validation, then the final model on the training rows.
    let (validation, train_rows, test_rows, validate_seconds, fitted) = match a.folds {
        Some(k) => {
            let learner = learners::learner(algo, &algo_opts)?;
            let (cv, secs) = phase(&format!("{k}-fold cross-validation"), || {
                eval::cross_validate(learner.as_ref(), &table, k, a.seed)
            })?;
            let rows = table.all_rows();
            let (fitted, _) = phase("fitting the final model on all rows", || {
                learners::fit_timed(algo, &algo_opts, &table, &rows)
            })?;
            (Validation::Cv(Box::new(cv)), rows, Vec::new(), secs, fitted)
        }
        None => {
            let fraction = a.test_fraction.unwrap_or(0.3);
            let split = churnkit::data::stratified_holdout(table.labels(), fraction, a.seed)?;
            let (fitted, _) = phase("fitting", || {
                learners::fit_timed(algo, &algo_opts, &table, &split.train)
            })?;
            let (report, secs) = phase("evaluating on the held-out rows", || {
                eval::evaluate(fitted.classifier(), &table, &split.test)
            })?;
            (
                Validation::Holdout {
                    fraction,
                    test_rows: split.test.len(),
                    report: Box::new(report),
                },
                split.train,
                split.test,
                secs,
                fitted,
            )
        }
    };
    let learner_name = fitted.classifier().name();
    let encode_seconds = fitted.encode_seconds;
    let fit_seconds = fitted.fit_seconds;

    let mut saved: Option<(PathBuf, u64)> = None;
    if let Some(path) = &a.output {
        let mut builder = Model::builder(fitted.body, &table, &train_rows)
            .params(algo_opts.to_json(algo))
            .missing_tokens(data_options(CsvOptions::new(&a.target), &a.data_args)?.missing());
        if !test_rows.is_empty() {
            builder = builder.validation(&table, &test_rows);
        }
        if let Some(econ) = a.econ.economics() {
            builder = builder.economics(econ);
        }
        let model = builder.build()?;
        let json_file = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if json_file {
            model.save_json(path)?;
        } else {
            model.save(path)?;
        }
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        saved = Some((path.clone(), bytes));
    }

    if a.json {
        let mut v = json!({
            "command": "train",
            "algo": algo.name(),
            "learner": learner_name,
            "params": algo_opts.to_json(algo),
            "seed": a.seed,
            "data": read_summary_json(&table, &read_report, load_seconds),
            "train_rows": train_rows.len(),
            "load_seconds": load_seconds,
            "encode_seconds": encode_seconds,
            "fit_seconds": fit_seconds,
            "validate_seconds": validate_seconds,
            "model": saved.as_ref().map(|(p, _)| p.display().to_string()),
        });
        v["validation"] = validation.to_json()?;
        return emit_json(&v);
    }
    let mut s = format!("churnkit train: {learner_name} on {}\n", a.data.display());
    s.push_str(&read_summary_text(&table, &read_report, load_seconds));
    s.push_str(&validation.to_text(a.seed));
    s.push_str(&format!(
        "time      reading {:.3} s, encoding {:.3} s, fitting {:.3} s (final model on {} training rows), validating {:.3} s\n",
        load_seconds,
        encode_seconds,
        fit_seconds,
        train_rows.len(),
        validate_seconds
    ));
    match &saved {
        Some((p, bytes)) => s.push_str(&format!(
            "model     saved to {} ({} bytes)\n",
            p.display(),
            bytes
        )),
        None => s.push_str("model     not saved (give -o MODEL to save it)\n"),
    }
    emit(&s);
    Ok(())
}

/// What validation produced.
enum Validation {
    Holdout {
        fraction: f64,
        test_rows: usize,
        report: Box<Report>,
    },
    Cv(Box<eval::CrossValidation>),
}

impl Validation {
    fn to_json(&self) -> Result<Value> {
        Ok(match self {
            Validation::Holdout {
                fraction,
                test_rows,
                report,
            } => json!({
                "method": "holdout",
                "test_fraction": fraction,
                "test_rows": test_rows,
                "report": report_json(report)?,
            }),
            Validation::Cv(cv) => json!({
                "method": "cross-validation",
                "folds": cv.k,
                "summary": serde_json::to_value(&cv.summary).map_err(|e| Error::Fit(e.to_string()))?,
                "pooled": report_json(&cv.pooled)?,
            }),
        })
    }

    fn to_text(&self, seed: u64) -> String {
        match self {
            Validation::Holdout {
                fraction,
                test_rows,
                report,
            } => format!(
                "holdout   {:.0} % of the rows held out ({test_rows} rows, stratified, seed {seed})\n\n{report}\n",
                fraction * 100.0
            ),
            Validation::Cv(cv) => format!("\n{cv}\n"),
        }
    }
}

// ---------------------------------------------------------------------------------
// compare
// ---------------------------------------------------------------------------------

fn compare(a: CompareArgs) -> Result<()> {
    let algos: Vec<Algorithm> = a.algos.iter().map(|s| s.parse()).collect::<Result<_>>()?;
    let metric = Metric::ALL
        .into_iter()
        .find(|m| m.name() == a.metric)
        .ok_or_else(|| Error::param("--metric", &a.metric, "unknown metric"))?;
    let opts = AlgoOptions {
        seed: Some(a.seed),
        ..AlgoOptions::default()
    };
    let learners: Vec<Box<dyn churnkit::Learner>> = algos
        .iter()
        .map(|&algo| learners::learner(algo, &opts))
        .collect::<Result<_>>()?;
    let refs: Vec<&dyn churnkit::Learner> = learners.iter().map(|l| l.as_ref()).collect();
    let (table, read_report, load_seconds) =
        read_labeled(&a.data, &a.target, &a.labels, &a.data_args)?;
    let (cmp, seconds) = phase(
        &format!(
            "{}-fold cross-validation of {} algorithms",
            a.folds,
            algos.len()
        ),
        || eval::compare_on(&refs, &table, a.folds, a.seed, metric),
    )?;
    if a.json {
        let rows: Vec<Value> = cmp
            .results
            .iter()
            .zip(&cmp.tests)
            .map(|(cv, t)| {
                json!({
                    "learner": cv.learner,
                    "summary": cv.summary,
                    "pooled_roc_auc": cv.pooled.roc_auc,
                    "test": t,
                })
            })
            .collect();
        return emit_json(&json!({
            "command": "compare",
            "data": read_summary_json(&table, &read_report, load_seconds),
            "folds": a.folds,
            "seed": a.seed,
            "metric": metric.name(),
            "results": rows,
            "seconds": seconds,
        }));
    }
    if a.markdown {
        emit(&cmp.to_markdown());
    } else {
        let mut s = read_summary_text(&table, &read_report, load_seconds);
        s.push_str(&format!("\n{cmp}"));
        s.push_str(&format!(
            "\n({} algorithms × {} folds in {:.2} s; the first algorithm is the reference of the tests)\n",
            algos.len(),
            a.folds,
            seconds
        ));
        emit(&s);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// evaluate, score, inspect
// ---------------------------------------------------------------------------------

fn load_model(path: &Path) -> Result<Model> {
    let (model, _) = phase(&format!("loading {}", path.display()), || Model::load(path))?;
    Ok(model)
}

fn evaluate(a: EvaluateArgs) -> Result<()> {
    let model = load_model(&a.model)?;
    let schema = model.schema();
    let target = a
        .target
        .clone()
        .unwrap_or_else(|| schema.target.name.clone());
    let mut labels = a.labels.clone();
    if labels.id.is_none() {
        labels.id = schema.id_column.clone();
    }
    let base = CsvOptions::new(&target)
        .with_schema_kinds(schema)
        .missing_tokens(model.missing_tokens().tokens()); // --missing overrides
    let opts = label_options(data_options(base, &a.data_args)?, &labels)?;
    let ((table, read_report), load_seconds) =
        phase(&format!("reading {}", a.data.display()), || {
            read_csv_report(&a.data, &opts)
        })?;
    let rows = table.all_rows();
    let (report, seconds) = phase("scoring", || {
        let proba = model.predict_proba(&table, &rows)?;
        let weights: Option<Vec<f64>> = table.weights().map(<[f64]>::to_vec);
        Report::from_proba(
            &table.schema().target.classes,
            table.labels(),
            weights.as_deref(),
            &proba,
        )
    })?;
    if a.json {
        return emit_json(&json!({
            "command": "evaluate",
            "model": a.model,
            "learner": model.summary().learner,
            "data": read_summary_json(&table, &read_report, load_seconds),
            "report": report_json(&report)?,
            "seconds": seconds,
        }));
    }
    let mut s = format!(
        "churnkit evaluate: {} ({}) on {}\n",
        a.model.display(),
        model.summary().learner,
        a.data.display()
    );
    s.push_str(&read_summary_text(&table, &read_report, load_seconds));
    s.push_str(&format!("\n{report}\n"));
    emit(&s);
    Ok(())
}

fn score(a: ScoreArgs) -> Result<()> {
    let model = load_model(&a.model)?;
    let mut scorer = Scorer::new(&model); // reads cells with the model's missing tokens
    if let Some(tokens) = &a.missing {
        scorer = scorer.missing_tokens(MissingTokens::new(tokens));
    }
    if let Some(econ) = a.econ.economics() {
        scorer = scorer.economics(econ)?;
    }
    let opts = BatchOptions {
        delimiter: parse_delimiter(&a.delimiter)?,
        id_column: a.id.clone(),
        progress: a.progress && std::io::stderr().is_terminal(),
        skip_bad_rows: a.skip_bad_rows,
        ..BatchOptions::default()
    };
    let start = Instant::now();
    let report = score_csv_file(&scorer, &a.data, &a.output, &opts)?;
    let seconds = start.elapsed().as_secs_f64();
    if a.json {
        let mut v = serde_json::to_value(&report).map_err(|e| Error::Fit(e.to_string()))?;
        v["command"] = "score".into();
        v["output"] = json!(a.output);
        v["seconds"] = json!(seconds);
        return emit_json(&v);
    }
    let mut s = format!(
        "scored {} of {} customers with {} ({}) into {} in {:.2} s ({:.0} rows/s)\n",
        report.rows_out,
        report.rows_in,
        a.model.display(),
        model.summary().learner,
        a.output.display(),
        seconds,
        report.rows_in as f64 / seconds.max(1e-9)
    );
    if report.rows_skipped > 0 {
        s.push_str(&format!("skipped {} rows:\n", report.rows_skipped));
        for e in report.errors.iter().take(5) {
            s.push_str(&format!("  {e}\n"));
        }
    }
    if report.rows_with_warnings > 0 {
        s.push_str(&format!(
            "{} rows carry warnings (see the `warning` column)\n",
            report.rows_with_warnings
        ));
    }
    for w in &report.column_warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    emit(&s);
    Ok(())
}

/// "'na', 'n/a', '?', 'null'" (or "no other tokens").
fn missing_list(m: &MissingTokens) -> String {
    let quoted: Vec<String> = m.tokens().map(|t| format!("'{t}'")).collect();
    if quoted.is_empty() {
        "no other tokens".to_string()
    } else {
        quoted.join(", ")
    }
}

fn write_text(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| io_error(path, e))
}

fn inspect(a: InspectArgs) -> Result<()> {
    let model = load_model(&a.model)?;
    let exports = Exports(model.body());
    let learner = model.summary().learner.clone();
    let unsupported = |what: &str, flag: &str| {
        Error::param(
            flag,
            a.model.display(),
            format!(
                "this {learner} model has no {what} form (trees: --rules, --dot; Bayesian networks: --dot, --bif)"
            ),
        )
    };
    let mut written = Vec::new();
    if let Some(path) = &a.dot {
        let dot = exports
            .dot()
            .ok_or_else(|| unsupported("Graphviz", "--dot"))?;
        write_text(path, &dot)?;
        written.push(path.clone());
    }
    if let Some(path) = &a.bif {
        let bif = exports.bif().ok_or_else(|| unsupported("BIF", "--bif"))?;
        write_text(path, &bif)?;
        written.push(path.clone());
    }
    let summary = model.summary();
    let schema = model.schema();
    if a.json {
        return emit_json(&json!({
            "command": "inspect",
            "model": a.model,
            "structure": exports.structure(),
            "summary": serde_json::to_value(summary).map_err(|e| Error::Fit(e.to_string()))?,
            "features": schema.features.iter().map(|f| json!({
                "name": f.name,
                "kind": if f.is_numeric() { "numeric" } else { "categorical" },
                "levels": f.levels(),
            })).collect::<Vec<_>>(),
            "target": schema.target.name,
            "id_column": schema.id_column,
            "missing_tokens": model.missing_tokens(),
            "written": written,
        }));
    }
    if a.rules {
        let rules = exports
            .rules()
            .ok_or_else(|| unsupported("rule", "--rules"))?;
        emit(&rules);
        return Ok(());
    }
    let mut s = format!("model     {}\n", a.model.display());
    s.push_str(&format!(
        "learner   {} — {}\n",
        summary.learner,
        exports.structure()
    ));
    s.push_str(&format!("params    {}\n", summary.params.0));
    let balance: Vec<String> = summary
        .classes
        .iter()
        .zip(&summary.class_counts)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    s.push_str(&format!(
        "trained   on {} rows ({}), churnkit {}, data {}\n",
        summary.rows,
        balance.join(", "),
        summary.crate_version,
        summary.fingerprint
    ));
    if !summary.metrics.is_empty() {
        let m: Vec<String> = summary
            .metrics
            .iter()
            .map(|(k, v)| format!("{k} {v:.4}"))
            .collect();
        s.push_str(&format!(
            "validated on {} rows: {}\n",
            summary.validation_rows,
            m.join(", ")
        ));
    }
    s.push_str(&format!(
        "target    '{}' ({}){}\n",
        schema.target.name,
        schema.target.classes.join(", "),
        schema
            .id_column
            .as_ref()
            .map_or(String::new(), |id| format!(", id column '{id}'"))
    ));
    s.push_str(&format!(
        "missing   empty cells and {}\n",
        missing_list(model.missing_tokens())
    ));
    s.push_str(&format!("features  {}:\n", schema.features.len()));
    for f in &schema.features {
        if f.is_numeric() {
            s.push_str(&format!("  {:<24} numeric\n", f.name));
        } else {
            s.push_str(&format!(
                "  {:<24} categorical, {} levels\n",
                f.name,
                f.levels().len()
            ));
        }
    }
    if let Some(text) = exports.text() {
        s.push_str(&format!("\n{text}"));
    }
    for p in &written {
        s.push_str(&format!("wrote {}\n", p.display()));
    }
    emit(&s);
    Ok(())
}
