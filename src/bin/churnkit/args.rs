//! The command line: clap definitions of every command and of the option groups
//! several commands share (data, labels, algorithm, retention economics).

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

use churnkit::Result;
use churnkit::eval::Metric;
use churnkit::policy::{Amount, ClvSpec, Economics, Margin, RescueSpec};
use churnkit::registry::{AlgoOptions, Algorithm, BinningKind, Prune, StructureScore};
use churnkit::tree::Tune;

pub const LONG_ABOUT: &str = "\
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
or bad input (the message names the file, line and column), 1 internal failure.
Shell completions: churnkit completions bash|zsh|fish.";

#[derive(Parser, Debug)]
#[command(
    name = "churnkit",
    version,
    about = "Customer-churn prediction: train, evaluate, compare and score churn models",
    long_about = LONG_ABOUT
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
rows, fits on the rest and reports on the held-out rows; --folds K runs stratified
K-fold cross-validation instead. Either way the saved model is then fitted on ALL
rows (the reported figures estimate it on rows it did not see). --no-refit ships
the model fitted on the holdout's training part instead (its figures are then that
very model's). --validate none (or --test-fraction 0) fits on all rows without
validation: no figures are reported.

The summary says where the time went: reading the CSV, validating, encoding
(fitting the discretizer and encoding the rows) and fitting the saved model
(--json: load_seconds, validate_seconds, encode_seconds, fit_seconds).

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

With --duration COL the time-to-churn models are compared too: the survival tree
against Kaplan–Meier (C-index, integrated Brier score, AUC at --within horizons),
with the same corrected resampled t-test.

Example:
  churnkit compare --data datasets/synthetic-churn.csv --target status \\
                   --id customer_id --algos zero-r,id3,id3-weighted,tan --folds 10 --markdown
  churnkit compare --data telco.csv --target Churn --id customerID --duration Tenure --folds 5")]
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

A model trained with --duration also reports its time-to-churn model on the file:
Harrell's C-index with a 95 % bootstrap interval (Kaplan–Meier: 0.5), the integrated
Brier score against the Kaplan–Meier curve of the file, the time-dependent AUC at
each --within horizon, and by risk decile the predicted against the Kaplan–Meier-
observed churn by each horizon.

Example:
  churnkit evaluate --model telco.model --data telco-test.csv --within 3,6,12")]
    Evaluate(Box<EvaluateArgs>),

    /// Score customers with a saved model: tiers, probabilities, reasons, retention.
    #[command(long_about = "\
Score a CSV of customers with a saved model, streaming (memory bounded by a chunk,
whatever the file size). One output row per input row:

  id, p_<class>..., tier, reason_1, weight_1 .. reason_3, weight_3, protective,
  stage, driver, reason_class, strategy, rescue_success, clv, value_at_risk,
  spend_ceiling, rescue, warning

reason_k are risk factors (toward churn) with their signed weights; protective lists
the factors toward staying. driver is the dominant churn driver of the playbook
(Keaveney 1995) among the risk factors, with its reason class and strategy; the
spend ceiling is 0 when the class (natural, changed_needs) is not worth a rescue.
Numbers are rounded to --precision decimals; --json-lines writes JSON objects.

The target column may be present or not. Retention figures need a margin: given at
training time (stored in the model) or here (--margin / --margin-column).

The delimiter is detected from the header (--delimiter forces one). Columns the model
does not use are ignored (named once on stderr). The summary counts, per column,
the values the model could not use (e.g. `gender: 7,040 of 7,043 values never seen
in training, e.g. 'M', 'F'`); when more than half of a column is unusable the
command stops with exit 2 before replacing the output, unless --allow-drift.

Example:
  churnkit score --model churn.model --data customers.csv -o scores.csv \\
                 --margin-column monthly_charge --margin-scale 0.3 --offer-cost 20")]
    Score(Box<ScoreArgs>),

    /// Show what a saved model is and how it decides (rules, DOT, BIF, JSON).
    #[command(long_about = "\
Show a saved model: learner and parameters, training rows and class balance,
validation metrics, features, tier policy, a tree's feature importance (its share of
the information gain) or a network's nodes with their parents. --rules prints a tree
as if-then rules; --dot FILE writes a Graphviz picture of a tree or a Bayesian
network; --bif FILE writes a Bayesian network in BIF (read by pgmpy, bnlearn, Weka);
with --dot or --bif only the files are written ('wrote FILE' on stderr); --json
prints the summary as JSON.

Examples:
  churnkit inspect --model churn.model --rules
  churnkit inspect --model tan.model --dot tan.dot --bif tan.bif
  dot -Tsvg tan.dot > tan.svg")]
    Inspect(InspectArgs),

    /// Write a self-contained HTML report of a saved model on labeled data.
    #[cfg(feature = "report")]
    #[command(long_about = "\
Write the report of a saved model on a labeled CSV as one self-contained HTML file
(styles and SVG charts inline, nothing fetched from the network): ROC and
precision-recall curves, cumulative gains and lift, the calibration plot, the
confusion matrix, tier shares with churn rates and value at risk, the top reasons
and drivers, feature importance, and the tree (collapsible) or the network.

The data is read as `churnkit evaluate` reads it (the model's column kinds, its
target unless --target says otherwise).

Example:
  churnkit report --model churn.model --data customers.csv -o report.html")]
    Report(Box<ReportArgs>),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(long_about = "\
Print the completion script of a shell on standard output.

Examples:
  churnkit completions bash > ~/.local/share/bash-completion/completions/churnkit
  churnkit completions zsh > ~/.zfunc/_churnkit     # with fpath+=~/.zfunc
  churnkit completions fish > ~/.config/fish/completions/churnkit.fish")]
    Completions(CompletionsArgs),
}

/// `--on-bad-label`.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
pub enum OnBadLabel {
    /// Stop with an error naming the line.
    #[default]
    Error,
    /// Skip rows whose label is missing or unknown, and report how many.
    Skip,
}

/// `--on-bad-cell`.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
pub enum OnBadCell {
    /// Stop with an error naming the file, line, column and value.
    #[default]
    Error,
    /// Read the cell as missing and count it in the report.
    Missing,
}

/// `train --stream`: whether to train in two passes over the file.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StreamMode {
    /// Stream CSV files larger than 512 MiB (when the algorithm streams).
    #[default]
    Auto,
    /// Always stream (a CSV file; an error for an algorithm that does not stream).
    On,
    /// Never stream: read the whole table into memory.
    Off,
}

/// `--format`: how to read a data file.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum FormatArg {
    /// Delimited text.
    Csv,
    /// Apache Parquet (a build with `--features parquet`).
    Parquet,
    /// Apache Arrow IPC file or stream, Feather v2 (a build with `--features arrow`).
    Arrow,
}

impl From<FormatArg> for churnkit::data::DataFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Csv => churnkit::data::DataFormat::Csv,
            FormatArg::Parquet => churnkit::data::DataFormat::Parquet,
            FormatArg::Arrow => churnkit::data::DataFormat::Arrow,
        }
    }
}

/// Options of every command that reads a CSV.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Data options")]
pub struct DataArgs {
    /// The data file's format [default: by its extension: .parquet Parquet,
    /// .arrow/.feather/.ipc Arrow, else CSV]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,
    /// Field delimiter: one character, or `tab` [default: detected from the header]
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// Cell texts that mean "missing", comma-separated (empty cells are always
    /// missing); `train` stores them in the model [default: NA,N/A,?,null; for
    /// `evaluate`, the model's]
    #[arg(long, value_name = "TOKENS", value_delimiter = ',')]
    pub missing: Option<Vec<String>>,
    /// Columns to read as categories even if they hold numbers (e.g. area codes)
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// Columns to read as numbers; a non-number there is an error
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub numeric: Vec<String>,
    /// Column of sample weights (numbers >= 0), never a feature
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,
    /// What to do with a text cell in a column read as numeric [default: error; for
    /// `evaluate`, `compare` on a model and `report`, what training did]
    #[arg(long, value_enum, value_name = "POLICY")]
    pub on_bad_cell: Option<OnBadCell>,
}

/// How labels map to churn classes, and which columns are not features.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Label and column options")]
pub struct LabelArgs {
    /// The label meaning "churned" in a two-label target (Yes/No, True/False and 1/0
    /// are recognised without it); `train` stores the label rule in the model, so
    /// `evaluate` and `report` need it only to override
    #[arg(long, value_name = "LABEL", conflicts_with = "map")]
    pub positive: Option<String>,
    /// Map label texts to classes retained, at_risk, churned: `a=retained,b=churned`
    #[arg(long, value_name = "LABEL=CLASS,...", value_delimiter = ',')]
    pub map: Vec<String>,
    /// Columns to ignore (identifiers, columns that leak the label)
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub drop: Vec<String>,
    /// Identifier column: never a feature, carried into score output
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// What to do with a row whose label is missing or unknown [default: error; for
    /// `evaluate` and `report`, what training did]
    #[arg(long, value_enum, value_name = "POLICY")]
    pub on_bad_label: Option<OnBadLabel>,
}

/// Optional parameters over the algorithm's defaults.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Algorithm options (override the algorithm's defaults)")]
pub struct AlgoArgs {
    /// Maximum tree depth (root = 0)
    #[arg(long, value_name = "N")]
    pub max_depth: Option<usize>,
    /// A node with fewer (weighted) rows is not split
    #[arg(long, value_name = "ROWS")]
    pub min_split: Option<f64>,
    /// Minimum (weighted) rows in a leaf
    #[arg(long, value_name = "ROWS")]
    pub min_leaf: Option<f64>,
    /// A node splits only on a gain above this
    #[arg(long, value_name = "GAIN")]
    pub min_gain: Option<f64>,
    /// Post-pruning of trees
    #[arg(long, value_name = "METHOD", value_parser = PossibleValuesParser::new(Prune::NAMES))]
    pub prune: Option<String>,
    /// Bins of numeric features (equal-frequency: exactly; mdl: at most)
    #[arg(long, value_name = "N")]
    pub bins: Option<usize>,
    /// How numeric features are binned
    #[arg(long, value_name = "METHOD", value_parser = PossibleValuesParser::new(BinningKind::NAMES))]
    pub binning: Option<String>,
    /// Dirichlet pseudo-count of Bayesian-network CPTs (Laplace α)
    #[arg(long, value_name = "α")]
    pub alpha: Option<f64>,
    /// Maximum parents per node in structure search
    #[arg(long, value_name = "N")]
    pub max_parents: Option<usize>,
    /// Structure score of Bayesian-network search
    #[arg(long, value_name = "SCORE", value_parser = PossibleValuesParser::new(StructureScore::NAMES))]
    pub score: Option<String>,
    /// Number of trees of a forest
    #[arg(long, value_name = "N")]
    pub trees: Option<usize>,
    /// Features considered per node of a forest's trees (default: sqrt of the features)
    #[arg(long, value_name = "N")]
    pub max_features: Option<usize>,
    /// Self-tuning on the training rows: id3-weighted by cross-validation (default fast
    /// unless growth/pruning/binning flags are given), id3-weighted-forest by
    /// out-of-bag AUC (on unless --max-features or growth flags are given; fast and
    /// thorough both turn it on); off for the others
    #[arg(long, value_name = "MODE", value_parser = PossibleValuesParser::new(Tune::NAMES))]
    pub tune: Option<String>,
}

impl AlgoArgs {
    pub fn options(&self, seed: u64) -> Result<AlgoOptions> {
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
            trees: self.trees,
            max_features: self.max_features,
            tune: self.tune.as_deref().map(str::parse).transpose()?,
        })
    }
}

pub fn algo_parser() -> PossibleValuesParser {
    PossibleValuesParser::new(Algorithm::names())
}

/// Retention economics: what a customer is worth and what a rescue may cost.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Retention economics (CLV and the spend ceiling of a rescue)")]
pub struct EconArgs {
    /// Margin per period, the same for every customer
    #[arg(long, value_name = "AMOUNT", conflicts_with = "margin_column")]
    pub margin: Option<f64>,
    /// Numeric column whose value × --margin-scale is each customer's margin per period
    #[arg(long, value_name = "COL")]
    pub margin_column: Option<String>,
    /// Multiplier of --margin-column (e.g. 0.3 for a 30 % margin on the monthly charge)
    #[arg(
        long,
        value_name = "F",
        default_value_t = 1.0,
        requires = "margin_column"
    )]
    pub margin_scale: f64,
    /// Number of future periods of the lifetime value
    #[arg(long, value_name = "T", default_value_t = 24)]
    pub horizon: u32,
    /// Discount rate per period
    #[arg(long, value_name = "I", default_value_t = 0.01)]
    pub discount_rate: f64,
    /// Probability that a rescue offer succeeds (λ)
    #[arg(long, value_name = "P", default_value_t = 0.3)]
    pub rescue_success: f64,
    /// Cost of a rescue offer: recommend a rescue only when it is below the ceiling
    #[arg(long, value_name = "AMOUNT")]
    pub offer_cost: Option<f64>,
}

impl EconArgs {
    /// The economics, or None when no margin was given.
    pub fn economics(&self) -> Option<Economics> {
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

/// The churn warning: playbook (drivers, reason classes, strategies) and lifecycle
/// stages (λ per stage).
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Churn warning (playbook and lifecycle stages)")]
pub struct WarningArgs {
    /// Playbook file (JSON) mapping columns to churn drivers, reason classes and
    /// strategies; `train` stores it in the model, `score` overrides the model's
    /// [default: the built-in playbook]
    #[arg(long, value_name = "FILE")]
    pub playbook: Option<PathBuf>,
    /// Numeric tenure column giving each customer's lifecycle stage (trial, formation,
    /// stable, decline) and its rescue-success λ [train default: a numeric feature
    /// named `tenure` or `tenure_months` (any case), if there is one]
    #[arg(long, value_name = "COL")]
    pub tenure: Option<String>,
    /// Tenure cut points between trial, formation, stable and decline [default: 3,12,48]
    #[arg(long, value_name = "C1,C2,C3")]
    pub stage_cuts: Option<String>,
    /// Rescue-success λ of trial, formation, stable and decline [default:
    /// 0.45,0.35,0.25,0.2 — assumptions around the literature's mean of 0.3]
    #[arg(long, value_name = "L1,L2,L3,L4")]
    pub stage_success: Option<String>,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Number of customers (rows), at most 10,000,000 (about 1.25 GB)
    #[arg(long, default_value_t = 5000, value_name = "N")]
    pub rows: usize,
    /// Seed of the generator: same parameters, same bytes
    #[arg(long, default_value_t = 42, value_name = "S")]
    pub seed: u64,
    /// Strength of a competitor's campaign shifting the population (0 = none, 1 = strong)
    #[arg(
        long,
        default_value_t = 0.0,
        value_name = "D",
        allow_negative_numbers = true
    )]
    pub drift: f64,
    /// Probability that a cell of a column that can be missing is blank
    #[arg(long, default_value_t = 0.02, value_name = "R")]
    pub missing_rate: f64,
    /// Output CSV file
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Replace a symbolic link at an output path (the link becomes a regular file; its
    /// target is left untouched). Directories, devices and FIFOs, and links to them,
    /// are always refused.
    #[arg(long)]
    pub force: bool,
    /// Print a JSON summary instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Training CSV (header row, one customer per line)
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Column holding the churn label
    #[arg(long, value_name = "COL")]
    pub target: String,
    /// Learning algorithm (the self-tuning weighted-entropy tree unless told otherwise)
    #[arg(long, value_name = "ALGO", value_parser = algo_parser(), default_value = "id3-weighted")]
    pub algo: String,
    /// Hold out this share of rows (stratified) for validation [default: 0.3]; 0
    /// means no validation (as --validate none)
    #[arg(long, value_name = "F", conflicts_with = "folds")]
    pub test_fraction: Option<f64>,
    #[command(flatten)]
    pub fit: FitArgs,
    /// Validate by stratified K-fold cross-validation instead of a holdout
    #[arg(long, value_name = "K")]
    pub folds: Option<usize>,
    /// Seed of the split and of the learner's random choices
    #[arg(long, default_value_t = 42, value_name = "S")]
    pub seed: u64,
    /// Where to save the model (binary; a name ending in .json saves JSON)
    #[arg(short, long, value_name = "MODEL")]
    pub output: Option<PathBuf>,
    /// Replace a symbolic link at an output path (the link becomes a regular file; its
    /// target is left untouched). Directories, devices and FIFOs, and links to them,
    /// are always refused.
    #[arg(long)]
    pub force: bool,
    /// How customers are tiered: auto (two-class data: thresholds chosen on the
    /// out-of-sample predictions — churned where at least 2/3 left, at_risk down to
    /// twice the average churn rate; three-class data: its own labels),
    /// most-probable, thresholds:LO,HI, top:P1,P2 (shares, e.g. top:5%,15%) or
    /// cost:ROW;ROW;… (a cost matrix, rows = actual class)
    #[arg(long, value_name = "SPEC", default_value = "auto")]
    pub tiers: String,
    /// Also fit a time-to-churn model (the self-tuned survival tree; the churn label
    /// is the event) with this numeric column as the clock: how long each customer
    /// has stayed. The column is the time axis, not a feature: it is dropped from the
    /// classifier's features too. Scoring then adds p_churn_within_H, median_remaining
    /// and rmst, and lifetime value follows each customer's survival curve
    #[arg(long, value_name = "COL")]
    pub duration: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
    /// Train in two passes over a CSV without holding it in memory: validation,
    /// self-tuning and binning on a seeded sample (--stream-sample rows), the model
    /// fitted on the codes of every row. auto: CSV files over 512 MiB
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub stream: StreamMode,
    /// With streaming or --engine: rows of the sample (seeded by --seed) validation,
    /// tuning and tier thresholds run on (streaming: binning too)
    #[arg(long, value_name = "N", default_value_t = 500_000)]
    pub stream_sample: usize,
    /// Where the counts are taken: memory, datafusion (Apache DataFusion in this
    /// process), ballista (Ballista standalone: a scheduler and an executor in this
    /// process) or ballista=HOST:PORT (a Ballista scheduler). Engines other than memory
    /// need a build with `--features distributed`; they take the in-memory options
    /// (validation, self-tuning, tiers): validation and tuning run in memory on a
    /// seeded sample of --stream-sample rows, then the engine fits the model on every
    /// row with the tuned settings, reporting each tree level on stderr. On Parquet
    /// data (a .parquet file, a directory of them, or a glob such as 'dir/*.parquet')
    /// the engine reads the raw columns itself: churnkit holds only the sample
    /// (levels, cut points and codes are queries)
    #[arg(long, value_name = "ENGINE", default_value = "memory")]
    pub engine: String,
    /// With --engine datafusion: the size of DataFusion's memory pool (e.g. 512MiB,
    /// 2GiB); sorts and aggregates spill to disk beyond it [default: unbounded]
    #[arg(long, value_name = "SIZE")]
    pub engine_memory: Option<String>,
    /// With --engine-memory: where DataFusion writes its spill files [default: the
    /// system temporary directory]
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
    /// With --engine ballista[=HOST:PORT]: the directory the codes are written to as
    /// Parquet for the executors (on a cluster: a path every executor reads)
    /// [default: the system temporary directory]
    #[arg(long, value_name = "DIR")]
    pub codes_dir: Option<PathBuf>,
    #[command(flatten)]
    pub labels: LabelArgs,
    #[command(flatten)]
    pub algo_args: AlgoArgs,
    #[command(flatten)]
    pub data_args: DataArgs,
    #[command(flatten)]
    pub econ: EconArgs,
    #[command(flatten)]
    pub warning: WarningArgs,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// CSV to cross-validate on
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Column holding the churn label
    #[arg(long, value_name = "COL")]
    pub target: String,
    /// Algorithms to compare, comma-separated; the first is the reference of the tests
    /// (optional with --duration: then only the time-to-churn models are compared)
    #[arg(long, value_name = "ALGOS", value_delimiter = ',', required_unless_present = "duration", value_parser = algo_parser())]
    pub algos: Vec<String>,
    /// Also compare time-to-churn models with this numeric column as the clock (the
    /// churn label is the event): the self-tuned survival tree against the
    /// Kaplan–Meier baseline on the same folds — C-index, integrated Brier score and
    /// time-dependent AUC per fold with corrected 95 % intervals, and the corrected
    /// resampled t-test of the C-index and the IBS. The column is not a feature of
    /// the compared classifiers
    #[arg(long, value_name = "COL")]
    pub duration: Option<String>,
    /// Horizons of the time-dependent AUC with --duration, comma-separated periods
    /// [default: 3,6,12]
    #[arg(
        long,
        value_name = "H,H,..",
        value_delimiter = ',',
        requires = "duration"
    )]
    pub within: Option<Vec<f64>>,
    /// Number of folds
    #[arg(long, default_value_t = 10, value_name = "K")]
    pub folds: usize,
    /// Seed of the folds
    #[arg(long, default_value_t = 42, value_name = "S")]
    pub seed: u64,
    /// Metric of the significance test
    #[arg(long, default_value = "accuracy", value_name = "METRIC",
          value_parser = PossibleValuesParser::new(Metric::ALL.map(Metric::name)))]
    pub metric: String,
    /// Print a Markdown table
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub labels: LabelArgs,
    #[command(flatten)]
    pub data_args: DataArgs,
}

#[derive(Args, Debug)]
pub struct EvaluateArgs {
    /// A model saved by `churnkit train`
    #[arg(long, value_name = "MODEL")]
    pub model: PathBuf,
    /// Labeled CSV to evaluate on
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Column holding the churn label [default: the model's target]
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// Horizons of the time-dependent AUC and the calibration tables of the
    /// time-to-churn model, comma-separated periods (models trained with --duration
    /// only) [default: 3,6,12]
    #[arg(long, value_name = "H,H,..", value_delimiter = ',')]
    pub within: Option<Vec<f64>>,
    /// Seed of the bootstrap interval of the C-index (models trained with --duration)
    #[arg(long, default_value_t = 42, value_name = "S")]
    pub seed: u64,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub labels: LabelArgs,
    #[command(flatten)]
    pub data_args: DataArgs,
}

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// A model saved by `churnkit train`
    #[arg(long, value_name = "MODEL")]
    pub model: PathBuf,
    /// Customers to score: CSV, Parquet or Arrow (by the extension, or --format)
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The input's format [default: by its extension: .parquet Parquet,
    /// .arrow/.feather/.ipc Arrow, else CSV]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,
    /// Output file of scores: CSV, or by its extension Parquet (.parquet) or Arrow
    /// (.arrow, .feather, .ipc)
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Replace a symbolic link at an output path (the link becomes a regular file; its
    /// target is left untouched). Directories, devices and FIFOs, and links to them,
    /// are always refused.
    #[arg(long)]
    pub force: bool,
    /// Identifier column copied to the output [default: the model's id column]
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// Field delimiter of the input: one character, or `tab` [default: detected from
    /// the header, as `train` does]
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// Cell texts that mean "missing", comma-separated (empty cells are always
    /// missing) [default: the tokens the model was trained with]
    #[arg(long, value_name = "TOKENS", value_delimiter = ',')]
    pub missing: Option<Vec<String>>,
    /// Skip rows that cannot be scored (counted in the summary) instead of stopping
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// Overrides the model's tier policy: most-probable, thresholds:LO,HI or
    /// cost:ROW;ROW;… (auto keeps the model's; top:P1,P2 is chosen at training only)
    #[arg(long, value_name = "SPEC")]
    pub tiers: Option<String>,
    /// Decimal places of probabilities, weights and amounts in the output
    #[arg(long, value_name = "DIGITS", default_value_t = 4)]
    pub precision: usize,
    /// Horizons of the p_churn_within_H columns, comma-separated periods (models
    /// trained with --duration only) [default: 3,6,12]
    #[arg(long, value_name = "H,H,..", value_delimiter = ',')]
    pub within: Option<Vec<f64>>,
    /// Write one JSON object per customer (JSON Lines) instead of CSV
    #[arg(long)]
    pub json_lines: bool,
    /// Score even when more than half of a column's values are unusable (never seen in
    /// training, not numbers, or missing): they are scored as missing
    #[arg(long)]
    pub allow_drift: bool,
    /// Show a progress bar (now the default whenever stderr is a terminal; never
    /// drawn into a pipe or a file)
    #[arg(long)]
    pub progress: bool,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub econ: EconArgs,
    #[command(flatten)]
    pub warning: WarningArgs,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// A model saved by `churnkit train`
    #[arg(long, value_name = "MODEL")]
    pub model: PathBuf,
    /// Print a tree as if-then rules
    #[arg(long)]
    pub rules: bool,
    /// Also print the whole survival curve of every leaf of the time-to-churn model
    /// (models trained with --duration): its path and Ŝ(t) at every step
    #[arg(long)]
    pub curves: bool,
    /// Write a Graphviz DOT picture of the tree or network
    #[arg(long, value_name = "FILE")]
    pub dot: Option<PathBuf>,
    /// Write a Bayesian network in BIF
    #[arg(long, value_name = "FILE")]
    pub bif: Option<PathBuf>,
    /// Replace a symbolic link at an output path (the link becomes a regular file; its
    /// target is left untouched). Directories, devices and FIFOs, and links to them,
    /// are always refused.
    #[arg(long)]
    pub force: bool,
    /// Print the summary as JSON
    #[arg(long, conflicts_with = "rules")]
    pub json: bool,
}

#[cfg(feature = "report")]
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A model saved by `churnkit train`
    #[arg(long, value_name = "MODEL")]
    pub model: PathBuf,
    /// Labeled CSV to report on
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Output HTML file
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Replace a symbolic link at an output path (the link becomes a regular file; its
    /// target is left untouched). Directories, devices and FIFOs, and links to them,
    /// are always refused.
    #[arg(long)]
    pub force: bool,
    /// Column holding the churn label [default: the model's target]
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// The page's title [default: "churnkit report: MODEL on FILE"]
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Print a JSON summary instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub labels: LabelArgs,
    #[command(flatten)]
    pub data_args: DataArgs,
}

/// `--validate`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValidateMode {
    /// A stratified holdout (--test-fraction, default 0.3).
    Holdout,
    /// Stratified K-fold cross-validation (--folds, default 5).
    Kfold,
    /// No validation: fit on all rows, report no figures.
    None,
}

/// How `train` validates and which rows the saved model is fitted on.
#[derive(Args, Debug, Clone, Default)]
pub struct FitArgs {
    /// How to validate [default: holdout, or kfold with --folds]
    #[arg(long, value_enum, value_name = "HOW")]
    pub validate: Option<ValidateMode>,
    /// Save the model fitted on the holdout's training part (70 % of the rows by
    /// default) instead of refitting it on all rows
    #[arg(long)]
    pub no_refit: bool,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
