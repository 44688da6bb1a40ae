//! A seeded generator of realistic three-state churn tables.
//!
//! Every example, test and benchmark that needs churn data of a known shape, of any
//! size, uses this module; `datasets/synthetic-churn.csv` is its output for
//! `SynthParams { rows: 5000, seed: 42, ..Default::default() }`.
//!
//! ```
//! use churnkit::synth::{SynthParams, generate};
//!
//! let table = generate(&SynthParams { rows: 1000, seed: 7, ..Default::default() })?;
//! assert_eq!(table.n_rows(), 1000);
//! assert_eq!(table.n_features(), 20);
//! assert_eq!(table.schema().target.classes, ["retained", "at_risk", "churned"]);
//! # Ok::<(), churnkit::Error>(())
//! ```
//!
//! # The table
//!
//! One row is one customer: an id, 20 features in the three groups of variables the
//! churn method looks at — the **customer**, the **company's product and service**, and
//! the **market** — and the label. Columns, in file order:
//!
//! | column | kind | values | meaning |
//! |---|---|---|---|
//! | `customer_id` | id | `C0000001`, … | row number, 1-based; kept as the table's ids, never a feature |
//! | **customer** | | | |
//! | `tenure_months` | numeric | 1–72 (integer) | months as a customer; short for month-to-month contracts, long for two-year ones |
//! | `monthly_charge` | numeric | 15.00–150.00 | monthly bill; follows `plan_tier`, `data_usage_gb` and `price_increase`; *may be missing* |
//! | `age_band` | categorical | `18-24` `25-34` `35-44` `45-54` `55-64` `65+` | age group |
//! | `income_band` | categorical | `low` `medium` `high` | household income; depends on age; *may be missing* |
//! | `complaints_12m` | numeric | 0, 1, 2, … | complaints in the last 12 months; rise with `service_failures` and price increases |
//! | `satisfaction` | numeric | 1–5 (integer) | last survey score; falls with failures, complaints, unresolved complaints and price increases; *may be missing* (survey not answered) |
//! | `data_usage_gb` | numeric | 0.1–200.0 | monthly data use; follows `plan_tier` only (weak, indirect signal); *may be missing* |
//! | `support_calls` | numeric | 0, 1, 2, … | calls to support in the last 12 months; follow complaints and failures |
//! | `payment_method` | categorical | `bank_transfer` `credit_card` `electronic_check` `mailed_check` | electronic cheques are common on month-to-month contracts and add a little churn risk |
//! | `region` | categorical | `central` `east` `north` `south` `west` | home region; acts only through `network_quality` (a near-useless feature) |
//! | **product and service** | | | |
//! | `contract` | categorical | `month-to-month` `one-year` `two-year` | contract type; the strongest single driver |
//! | `service_failures` | numeric | 0, 1, 2, … | outages and faults in the last 12 months; more where `network_quality` is poor |
//! | `price_increase` | categorical | `none` `moderate` `steep` | last price change of the customer's plan |
//! | `complaint_resolved` | categorical | `yes` `no` `no_complaint` | whether the last complaint was resolved (`no_complaint` when `complaints_12m` = 0) |
//! | `plan_tier` | categorical | `basic` `standard` `premium` | plan; depends on income |
//! | `network_quality` | numeric | 1.0–5.0 | measured network quality where the customer lives |
//! | **market** | | | |
//! | `competitor_offer` | categorical | `no` `yes` | the customer received a competitor's offer; more often on month-to-month contracts |
//! | `switching_cost_band` | categorical | `low` `medium` `high` | cost of leaving (contract penalties, bundles); follows contract and tenure |
//! | `competitor_coverage` | numeric | 0.0–100.0 | competitors' network coverage (%) in the area; weakly tied to offers; *may be missing* |
//! | `promo_exposure` | numeric | 0, 1, 2, … | our own promotions the customer saw; pure noise |
//! | `status` | label | `retained` `at_risk` `churned` | the customer's churn state |
//!
//! Categorical levels in the [`Table`]'s schema are sorted (byte order), as the CSV
//! reader sorts them. Numbers are rounded to the decimals they are written with (0 for
//! counts and scores, 1 for `data_usage_gb`, `network_quality`, `competitor_coverage`,
//! 2 for `monthly_charge`), so the CSV and the table hold the same values.
//!
//! # How the label is made
//!
//! Each customer gets a latent churn propensity
//!
//! ```text
//! z = 1.1·[month-to-month] − 0.9·[two-year] − 0.025·tenure_months
//!   + 0.30·complaints_12m + 0.45·(3 − satisfaction) + 0.20·service_failures
//!   + 0.25·[price moderate] + 0.70·[price steep] + 0.90·[competitor_offer]
//!   + 0.35·[switching cost low] − 0.45·[switching cost high]
//!   + 0.45·[complaint not resolved] + 0.25·[electronic_check]
//!   + 0.20·[18-24] − 0.15·[65+] + 0.006·(monthly_charge − 60)
//!   + 0.8·drift·[month-to-month] + ε,     ε ~ N(0, 1)
//! ```
//!
//! (computed from the true values, before cells are blanked), and the status is
//! `retained` when `z < 1.14`, `at_risk` when `1.14 ≤ z < 2.65`, `churned` otherwise.
//! The thresholds are fixed, so a positive `drift` really moves customers towards
//! churn. With `drift = 0` the classes come out at about 60 / 25 / 15 %; the noise ε
//! keeps any model well short of 100 % accuracy, and `region`, `promo_exposure` and
//! `data_usage_gb` carry (almost) no information of their own, so feature selection
//! matters.
//!
//! # Drift
//!
//! `drift` (0 = none, 1 = a strong campaign) models a competitor's campaign: the share
//! of customers with a `competitor_offer` rises (from 22 % to 22 + 40·drift % on
//! month-to-month contracts, from 12 % to 12 + 10·drift % on the others),
//! `competitor_coverage` rises by 8·drift points, and month-to-month customers' churn
//! propensity rises by 0.8·drift. A model trained at drift 0 and scored on drift 0.5
//! data shows what retraining is for. Every row draws the same number of random
//! numbers whatever the parameters, so two tables with the same seed and different
//! drift describe the same customers, shifted.
//!
//! # Missing cells
//!
//! Each cell of `monthly_charge`, `income_band`, `satisfaction`, `data_usage_gb` and
//! `competitor_coverage` is blanked independently with probability `missing_rate`
//! (missing completely at random; blanking uses its own random stream, so the rate
//! changes nothing else). In the CSV a missing cell is empty.
//!
//! # Speed
//!
//! One pass, one row at a time, no allocation per row in [`write_csv`]. Measured with
//! `cargo run --release --example generate -- --rows 1000000 [--in-memory]` on a
//! 2-core machine: about 0.75 s to build a 1M-row [`Table`], about 1.0 s to write the
//! 1M rows as CSV (125 MB, constant memory).
//!
//! # Determinism
//!
//! Everything is drawn from [`ChaCha8Rng`] seeded with `seed` (the missing cells from
//! stream 1 of the same seed), with fixed-decimal output and no platform-dependent
//! arithmetic beyond IEEE `ln`, `sqrt`, `cos` and `exp`, so the same parameters give the
//! same bytes.

use std::io::Write;
use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::data::{Column, Feature, FeatureKind, MISSING_LEVEL, Schema, Table, Target};
use crate::error::{Error, Location, Result};

/// Parameters of [`generate`] and [`write_csv`].
///
/// Defaults: `rows = 5000`, `seed = 42`, `drift = 0.0`, `missing_rate = 0.02` — the
/// bundled `datasets/synthetic-churn.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthParams {
    /// Number of customers (rows).
    pub rows: usize,
    /// Seed of the random generator: same parameters, same bytes.
    pub seed: u64,
    /// Strength of a competitor's campaign, `>= 0` (0 = none, 1 = strong); see the
    /// [module docs](self#drift).
    pub drift: f64,
    /// Probability, in `[0, 1)`, that a cell of a column that can be missing is blank.
    pub missing_rate: f64,
}

impl Default for SynthParams {
    fn default() -> Self {
        SynthParams {
            rows: 5000,
            seed: 42,
            drift: 0.0,
            missing_rate: 0.02,
        }
    }
}

/// The most customers (rows) [`SynthParams::validate`] accepts: 10,000,000, about
/// 1.25 GB of CSV from [`write_csv`] (125 bytes a row) or 1.6 GB of memory from
/// [`generate`]. A row count beyond it (a typo, an extra zero) is an error before
/// anything is written, instead of a file that fills the disk. For more rows, write
/// several files with different seeds.
pub const MAX_ROWS: usize = 10_000_000;

impl SynthParams {
    /// Checks the parameters: `rows` at most [`MAX_ROWS`], `drift` finite and
    /// non-negative, `missing_rate` in `[0, 1)`.
    pub fn validate(&self) -> Result<()> {
        if self.rows > MAX_ROWS {
            return Err(Error::param(
                "rows",
                self.rows,
                format!(
                    "at most {MAX_ROWS} customers (about {} GB of CSV); write several \
                     files with different seeds for more",
                    MAX_ROWS as f64 * BYTES_PER_ROW / 1e9
                ),
            ));
        }
        if !(self.drift.is_finite() && self.drift >= 0.0) {
            return Err(Error::param(
                "drift",
                self.drift,
                "must be a finite number >= 0 (0 = no drift, 1 = a strong campaign)",
            ));
        }
        if !(self.missing_rate >= 0.0 && self.missing_rate < 1.0) {
            return Err(Error::param(
                "missing_rate",
                self.missing_rate,
                "must be in [0, 1)",
            ));
        }
        Ok(())
    }
}

/// Bytes of CSV per row written by [`write_csv`], about (624 KB for the bundled
/// 5,000 rows).
const BYTES_PER_ROW: f64 = 125.0;

/// The name of the id column.
pub const ID_COLUMN: &str = "customer_id";
/// The name of the label column.
pub const TARGET_COLUMN: &str = "status";
/// Number of feature columns.
pub const N_FEATURES: usize = 20;

/// How a feature is written: a number with fixed decimals, or one of some levels
/// (listed in generation order, not sorted).
enum Kind {
    Num(usize),
    Cat(&'static [&'static str]),
}

struct Spec {
    name: &'static str,
    kind: Kind,
}

// Feature indices (file order) and level indices (generation order).
const TENURE: usize = 0;
const CHARGE: usize = 1;
const AGE: usize = 2;
const INCOME: usize = 3;
const COMPLAINTS: usize = 4;
const SATISFACTION: usize = 5;
const USAGE: usize = 6;
const SUPPORT: usize = 7;
const PAYMENT: usize = 8;
const REGION: usize = 9;
const CONTRACT: usize = 10;
const FAILURES: usize = 11;
const PRICE: usize = 12;
const RESOLVED: usize = 13;
const TIER: usize = 14;
const NETWORK: usize = 15;
const OFFER: usize = 16;
const SWITCHING: usize = 17;
const COVERAGE: usize = 18;
const PROMO: usize = 19;

/// The columns a cell may be blank in.
const MAY_BE_MISSING: [usize; 5] = [CHARGE, INCOME, SATISFACTION, USAGE, COVERAGE];

const SPECS: [Spec; N_FEATURES] = [
    Spec {
        name: "tenure_months",
        kind: Kind::Num(0),
    },
    Spec {
        name: "monthly_charge",
        kind: Kind::Num(2),
    },
    Spec {
        name: "age_band",
        kind: Kind::Cat(&["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]),
    },
    Spec {
        name: "income_band",
        kind: Kind::Cat(&["low", "medium", "high"]),
    },
    Spec {
        name: "complaints_12m",
        kind: Kind::Num(0),
    },
    Spec {
        name: "satisfaction",
        kind: Kind::Num(0),
    },
    Spec {
        name: "data_usage_gb",
        kind: Kind::Num(1),
    },
    Spec {
        name: "support_calls",
        kind: Kind::Num(0),
    },
    Spec {
        name: "payment_method",
        kind: Kind::Cat(&[
            "bank_transfer",
            "credit_card",
            "electronic_check",
            "mailed_check",
        ]),
    },
    Spec {
        name: "region",
        kind: Kind::Cat(&["central", "east", "north", "south", "west"]),
    },
    Spec {
        name: "contract",
        kind: Kind::Cat(&["month-to-month", "one-year", "two-year"]),
    },
    Spec {
        name: "service_failures",
        kind: Kind::Num(0),
    },
    Spec {
        name: "price_increase",
        kind: Kind::Cat(&["none", "moderate", "steep"]),
    },
    Spec {
        name: "complaint_resolved",
        kind: Kind::Cat(&["yes", "no", "no_complaint"]),
    },
    Spec {
        name: "plan_tier",
        kind: Kind::Cat(&["basic", "standard", "premium"]),
    },
    Spec {
        name: "network_quality",
        kind: Kind::Num(1),
    },
    Spec {
        name: "competitor_offer",
        kind: Kind::Cat(&["no", "yes"]),
    },
    Spec {
        name: "switching_cost_band",
        kind: Kind::Cat(&["low", "medium", "high"]),
    },
    Spec {
        name: "competitor_coverage",
        kind: Kind::Num(1),
    },
    Spec {
        name: "promo_exposure",
        kind: Kind::Num(0),
    },
];

const STATUS: [&str; 3] = ["retained", "at_risk", "churned"];

/// Propensity thresholds: `retained` below the first, `churned` from the second on.
const T_AT_RISK: f64 = 1.14;
const T_CHURNED: f64 = 2.65;

/// The generator of one customer after another. Every row draws the same number of
/// uniforms from `rng` (and one per blankable column from `blank`), so parameters
/// other than the seed change values, never the stream's alignment.
struct Generator {
    rng: ChaCha8Rng,
    blank: ChaCha8Rng,
    drift: f64,
    missing_rate: f64,
}

/// One customer: 20 cells (numbers, or a categorical's generation-order level index as
/// a float; NaN = missing) and the status index.
type Row = ([f64; N_FEATURES], u8);

impl Generator {
    fn new(p: &SynthParams) -> Self {
        let rng = ChaCha8Rng::seed_from_u64(p.seed);
        let mut blank = ChaCha8Rng::seed_from_u64(p.seed);
        blank.set_stream(1);
        Generator {
            rng,
            blank,
            drift: p.drift,
            missing_rate: p.missing_rate,
        }
    }

    /// A uniform in `[0, 1)`.
    fn u(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// A standard normal (Box–Muller, two uniforms).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.u(); // (0, 1]
        let u2 = self.u();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// An index drawn with the given probabilities (one uniform).
    fn pick(&mut self, probs: &[f64]) -> usize {
        let u = self.u();
        let mut acc = 0.0;
        for (i, p) in probs.iter().enumerate() {
            acc += p;
            if u < acc {
                return i;
            }
        }
        probs.len() - 1
    }

    /// A Poisson count with mean `lambda` (inversion, one uniform, capped at 50).
    fn poisson(&mut self, lambda: f64) -> f64 {
        let u = self.u();
        let mut p = (-lambda).exp();
        let mut cdf = p;
        let mut k = 0u32;
        while u >= cdf && k < 50 {
            k += 1;
            p *= lambda / f64::from(k);
            cdf += p;
        }
        f64::from(k)
    }

    /// A Bernoulli draw (one uniform).
    fn coin(&mut self, p: f64) -> bool {
        self.u() < p
    }

    fn row(&mut self) -> Row {
        let d = self.drift;
        let mut c = [0.0; N_FEATURES];

        // Product: contract first, it shapes tenure, payment and switching cost.
        let contract = self.pick(&[0.52, 0.24, 0.24]);
        let m2m = contract == 0;
        let two_year = contract == 2;
        c[CONTRACT] = contract as f64;
        let (mean, start) = [(16.0, 1.0), (30.0, 1.0), (40.0, 6.0)][contract];
        let tenure = (start + (-(1.0 - self.u()).ln() * mean).floor()).min(72.0);
        c[TENURE] = tenure;

        // Customer.
        let age = self.pick(&[0.10, 0.22, 0.22, 0.20, 0.15, 0.11]);
        c[AGE] = age as f64;
        let income_probs: [[f64; 3]; 6] = [
            [0.55, 0.35, 0.10],
            [0.35, 0.45, 0.20],
            [0.25, 0.45, 0.30],
            [0.25, 0.45, 0.30],
            [0.30, 0.45, 0.25],
            [0.45, 0.40, 0.15],
        ];
        let income = self.pick(&income_probs[age]);
        c[INCOME] = income as f64;
        let tier_probs: [[f64; 3]; 3] =
            [[0.55, 0.35, 0.10], [0.30, 0.45, 0.25], [0.15, 0.40, 0.45]];
        let tier = self.pick(&tier_probs[income]);
        c[TIER] = tier as f64;
        let usage = ([4.0, 12.0, 30.0][tier] * (0.5 * self.normal()).exp()).clamp(0.1, 200.0);
        c[USAGE] = round_to(usage, 1);
        let price = self.pick(&[0.62, 0.26, 0.12]);
        c[PRICE] = price as f64;
        let charge = (([25.0, 55.0, 90.0][tier] + 0.3 * c[USAGE] + 6.0 * self.normal())
            * [1.0, 1.06, 1.15][price])
            .clamp(15.0, 150.0);
        c[CHARGE] = round_to(charge, 2);
        let region = self.pick(&[0.2, 0.2, 0.2, 0.2, 0.2]);
        c[REGION] = region as f64;
        let network =
            (3.5 + [0.1, 0.0, -0.3, 0.2, 0.0][region] + 0.7 * self.normal()).clamp(1.0, 5.0);
        c[NETWORK] = round_to(network, 1);
        let failures = self.poisson(0.2 + 0.45 * (5.0 - c[NETWORK]));
        c[FAILURES] = failures;
        let complaints = self.poisson(0.15 + 0.45 * failures + [0.0, 0.1, 0.3][price]);
        c[COMPLAINTS] = complaints;
        let resolved_p = if tier == 2 { 0.75 } else { 0.6 };
        let resolved_draw = self.coin(resolved_p);
        let resolved = if complaints == 0.0 {
            2
        } else if resolved_draw {
            0
        } else {
            1
        };
        c[RESOLVED] = resolved as f64;
        c[SUPPORT] = self.poisson(0.4 + 0.6 * complaints + 0.25 * failures);
        let sat = 3.7 - 0.3 * failures - 0.25 * complaints + [0.3, -0.6, 0.0][resolved]
            - [0.0, 0.15, 0.5][price]
            + 0.15 * (c[NETWORK] - 3.5)
            + 0.8 * self.normal();
        let satisfaction = sat.round().clamp(1.0, 5.0);
        c[SATISFACTION] = satisfaction;
        let payment = if m2m {
            self.pick(&[0.20, 0.20, 0.45, 0.15])
        } else {
            self.pick(&[0.33, 0.32, 0.18, 0.17])
        };
        c[PAYMENT] = payment as f64;

        // Market.
        let offer_p = if m2m {
            0.22 + 0.40 * d
        } else {
            0.12 + 0.10 * d
        };
        let offer = self.coin(offer_p.min(0.95));
        c[OFFER] = if offer { 1.0 } else { 0.0 };
        let coverage = (55.0 + 15.0 * c[OFFER] + 8.0 * d + 15.0 * self.normal()).clamp(0.0, 100.0);
        c[COVERAGE] = round_to(coverage, 1);
        let switch_score = contract as f64 + tenure / 36.0 + 0.6 * self.normal();
        let switching = if switch_score < 0.8 {
            0
        } else if switch_score < 2.0 {
            1
        } else {
            2
        };
        c[SWITCHING] = switching as f64;
        c[PROMO] = self.poisson(1.5);

        // The label: a latent propensity (the formula in the module docs) plus noise.
        let flag = |b: bool| f64::from(u8::from(b));
        let signal = 1.1 * flag(m2m) - 0.9 * flag(two_year) - 0.025 * tenure
            + 0.30 * complaints
            + 0.45 * (3.0 - satisfaction)
            + 0.20 * failures
            + [0.0, 0.25, 0.70][price]
            + 0.90 * c[OFFER]
            + [0.35, 0.0, -0.45][switching]
            + 0.45 * flag(resolved == 1)
            + 0.25 * flag(payment == 2)
            + [0.20, 0.0, 0.0, 0.0, 0.0, -0.15][age]
            + 0.006 * (c[CHARGE] - 60.0)
            + 0.8 * d * flag(m2m);
        let z = signal + self.normal();
        let status = status_of(z);

        // Blank some cells (own stream: one uniform per blankable column per row).
        for &j in &MAY_BE_MISSING {
            if self.blank.random::<f64>() < self.missing_rate {
                c[j] = f64::NAN;
            }
        }
        (c, status)
    }
}

/// The status (index into [`STATUS`]) of a customer with churn propensity `z`.
fn status_of(z: f64) -> u8 {
    if z < T_AT_RISK {
        0
    } else if z < T_CHURNED {
        1
    } else {
        2
    }
}

/// `x` rounded to `decimals` decimals (the value its fixed-decimal text parses back to).
fn round_to(x: f64, decimals: usize) -> f64 {
    let scale = [1.0, 10.0, 100.0][decimals];
    (x * scale).round() / scale
}

/// The id of row `i` (0-based).
fn customer_id(i: usize) -> String {
    format!("C{:07}", i + 1)
}

/// The schema of a generated table: 20 features (categorical levels sorted), the
/// three-state target `status`, id column `customer_id`, no weights.
pub fn schema() -> Schema {
    Schema {
        features: SPECS
            .iter()
            .map(|s| Feature {
                name: s.name.to_string(),
                kind: match s.kind {
                    Kind::Num(_) => FeatureKind::Numeric,
                    Kind::Cat(levels) => {
                        let mut sorted: Vec<String> =
                            levels.iter().map(|l| l.to_string()).collect();
                        sorted.sort();
                        FeatureKind::Categorical {
                            levels: sorted.into(),
                        }
                    }
                },
            })
            .collect(),
        target: Target::three_state(TARGET_COLUMN),
        id_column: Some(ID_COLUMN.to_string()),
        weight_column: None,
    }
}

/// Generates `p.rows` customers as a [`Table`] (built directly, not through CSV): the
/// [`schema`], ids from `customer_id`, labels indexing `["retained", "at_risk",
/// "churned"]`. Equal, value for value, to reading [`write_csv`]'s output.
///
/// # Errors
/// [`Error::Param`] when the parameters are invalid ([`SynthParams::validate`]).
pub fn generate(p: &SynthParams) -> Result<Table> {
    p.validate()?;
    let schema = schema();
    // Generation-order level index -> sorted code, per categorical feature.
    let code_of: Vec<Vec<u32>> = SPECS
        .iter()
        .zip(&schema.features)
        .map(|(s, f)| match s.kind {
            Kind::Num(_) => Vec::new(),
            Kind::Cat(levels) => levels
                .iter()
                .map(|l| f.levels().iter().position(|x| x == l).unwrap_or(0) as u32)
                .collect(),
        })
        .collect();
    let mut columns: Vec<Column> = SPECS
        .iter()
        .map(|s| match s.kind {
            Kind::Num(_) => Column::Numeric(Vec::with_capacity(p.rows)),
            Kind::Cat(_) => Column::Categorical(Vec::with_capacity(p.rows)),
        })
        .collect();
    let mut labels = Vec::with_capacity(p.rows);
    let mut ids = Vec::with_capacity(p.rows);
    let mut g = Generator::new(p);
    for i in 0..p.rows {
        let (cells, status) = g.row();
        for (j, col) in columns.iter_mut().enumerate() {
            let x = cells[j];
            match col {
                Column::Numeric(v) => v.push(x),
                Column::Categorical(v) => v.push(if x.is_nan() {
                    MISSING_LEVEL
                } else {
                    code_of[j][x as usize]
                }),
            }
        }
        labels.push(status);
        ids.push(customer_id(i));
    }
    Table::new(Arc::new(schema), columns, labels, None, Some(ids))
}

/// Writes `p.rows` customers as CSV (header, `,` delimiter, LF line ends, empty cells
/// for missing values, numbers with fixed decimals) to `out`, one row at a time:
/// memory stays constant whatever `p.rows`. Wrap a file in a
/// [`BufWriter`](std::io::BufWriter) (this function writes in small pieces).
///
/// # Errors
/// [`Error::Param`] for invalid parameters, [`Error::Io`] when writing fails.
pub fn write_csv(p: &SynthParams, mut out: impl Write) -> Result<()> {
    p.validate()?;
    let io = |source| Error::Io {
        location: Location::default(),
        source,
    };
    let mut line = String::with_capacity(256);
    line.push_str(ID_COLUMN);
    for s in &SPECS {
        line.push(',');
        line.push_str(s.name);
    }
    line.push(',');
    line.push_str(TARGET_COLUMN);
    line.push('\n');
    out.write_all(line.as_bytes()).map_err(io)?;
    let mut g = Generator::new(p);
    for i in 0..p.rows {
        let (cells, status) = g.row();
        line.clear();
        push_id(&mut line, i);
        for (s, &x) in SPECS.iter().zip(&cells) {
            line.push(',');
            if x.is_nan() {
                continue;
            }
            match s.kind {
                Kind::Num(0) => push_int(&mut line, x as i64),
                Kind::Num(dec) => push_fixed(&mut line, x, dec),
                Kind::Cat(levels) => line.push_str(levels[x as usize]),
            }
        }
        line.push(',');
        line.push_str(STATUS[status as usize]);
        line.push('\n');
        out.write_all(line.as_bytes()).map_err(io)?;
    }
    out.flush().map_err(io)
}

/// Appends `C` and the 1-based row number, zero-padded to 7 digits.
fn push_id(s: &mut String, i: usize) {
    s.push('C');
    let n = (i + 1) as i64;
    let digits = if n == 0 { 1 } else { n.ilog10() as usize + 1 };
    for _ in digits..7 {
        s.push('0');
    }
    push_int(s, n);
}

/// Appends an integer in decimal.
fn push_int(s: &mut String, n: i64) {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    let neg = n < 0;
    let mut m = n.unsigned_abs();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if neg {
        s.push('-');
    }
    for &b in &buf[pos..] {
        s.push(b as char);
    }
}

/// Appends a non-negative `x` (already rounded to `decimals`) with exactly `decimals`
/// decimals, as `format!("{x:.decimals$}")` would.
fn push_fixed(s: &mut String, x: f64, decimals: usize) {
    let scale = [1i64, 10, 100][decimals];
    let n = (x * scale as f64).round() as i64;
    push_int(s, n / scale);
    s.push('.');
    let frac = n % scale;
    if decimals == 2 && frac < 10 {
        s.push('0');
    }
    push_int(s, frac);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Cell;

    fn params(rows: usize, seed: u64) -> SynthParams {
        SynthParams {
            rows,
            seed,
            ..SynthParams::default()
        }
    }

    fn csv_bytes(p: &SynthParams) -> Vec<u8> {
        let mut out = Vec::new();
        write_csv(p, &mut out).unwrap();
        out
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = csv_bytes(&params(2000, 1));
        let b = csv_bytes(&params(2000, 1));
        let c = csv_bytes(&params(2000, 2));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let t1 = generate(&params(2000, 1)).unwrap();
        let t2 = generate(&params(2000, 1)).unwrap();
        // NaN != NaN, so compare cell renderings.
        for r in 0..t1.n_rows() {
            for j in 0..N_FEATURES {
                assert_eq!(t1.cell(r, j).to_string(), t2.cell(r, j).to_string());
            }
        }
        assert_eq!(t1.labels(), t2.labels());
    }

    #[test]
    fn table_and_csv_hold_the_same_values() {
        let p = params(500, 9);
        let t = generate(&p).unwrap();
        let text = String::from_utf8(csv_bytes(&p)).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        assert_eq!(header.len(), N_FEATURES + 2);
        assert_eq!(header[0], ID_COLUMN);
        assert_eq!(header[N_FEATURES + 1], TARGET_COLUMN);
        for (j, f) in t.schema().features.iter().enumerate() {
            assert_eq!(header[j + 1], f.name);
        }
        let mut n = 0;
        for (r, line) in lines.enumerate() {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), N_FEATURES + 2, "line {r}");
            assert_eq!(fields[0], t.ids().unwrap()[r]);
            for j in 0..N_FEATURES {
                let text = fields[j + 1];
                match t.cell(r, j) {
                    Cell::Missing => assert_eq!(text, ""),
                    Cell::Cat(level) => assert_eq!(text, level),
                    Cell::Num(x) => {
                        assert_eq!(text.parse::<f64>().unwrap(), x, "row {r} col {j}")
                    }
                }
            }
            assert_eq!(
                fields[N_FEATURES + 1],
                t.schema().target.classes[t.labels()[r] as usize]
            );
            n += 1;
        }
        assert_eq!(n, 500);
    }

    #[test]
    fn fixed_decimals_render_like_format() {
        for &(x, d) in &[
            (0.05, 2),
            (12.5, 2),
            (150.0, 2),
            (3.0, 1),
            (0.1, 1),
            (99.9, 1),
        ] {
            let mut s = String::new();
            push_fixed(&mut s, x, d);
            assert_eq!(s, format!("{x:.d$}"));
        }
        let mut s = String::new();
        push_id(&mut s, 0);
        push_id(&mut s, 1_234_566);
        push_id(&mut s, 12_345_677);
        assert_eq!(s, "C0000001C1234567C12345678");
    }

    #[test]
    fn schema_has_twenty_features_sorted_levels_and_three_classes() {
        let s = schema();
        assert_eq!(s.n_features(), 20);
        let n_num = s.features.iter().filter(|f| f.is_numeric()).count();
        assert_eq!(n_num, 10, "10 numeric and 10 categorical features");
        for f in &s.features {
            let mut sorted = f.levels().to_vec();
            sorted.sort();
            assert_eq!(f.levels(), sorted.as_slice(), "{}", f.name);
        }
        assert_eq!(s.target.classes, ["retained", "at_risk", "churned"]);
        assert_eq!(s.id_column.as_deref(), Some("customer_id"));
    }

    #[test]
    fn class_balance_is_about_60_25_15() {
        let t = generate(&params(20_000, 3)).unwrap();
        let counts = t.class_counts(&t.all_rows());
        let share: Vec<f64> = counts.iter().map(|c| c / 20_000.0).collect();
        assert!((0.55..0.65).contains(&share[0]), "{share:?}");
        assert!((0.20..0.30).contains(&share[1]), "{share:?}");
        assert!((0.11..0.19).contains(&share[2]), "{share:?}");
    }

    #[test]
    fn missing_cells_only_where_documented_at_the_asked_rate() {
        for &rate in &[0.0, 0.02, 0.2] {
            let p = SynthParams {
                rows: 20_000,
                seed: 5,
                missing_rate: rate,
                drift: 0.0,
            };
            let t = generate(&p).unwrap();
            for j in 0..N_FEATURES {
                let share = t.column(j).n_missing() as f64 / 20_000.0;
                if MAY_BE_MISSING.contains(&j) {
                    assert!((share - rate).abs() < 0.01, "{j}: {share} vs {rate}");
                } else {
                    assert_eq!(share, 0.0, "column {j}");
                }
            }
        }
    }

    #[test]
    fn missing_rate_changes_nothing_but_blanks() {
        let a = generate(&SynthParams {
            missing_rate: 0.0,
            ..params(3000, 8)
        })
        .unwrap();
        let b = generate(&SynthParams {
            missing_rate: 0.1,
            ..params(3000, 8)
        })
        .unwrap();
        assert_eq!(a.labels(), b.labels());
        for r in 0..3000 {
            for j in 0..N_FEATURES {
                let cb = b.cell(r, j);
                if cb != Cell::Missing {
                    assert_eq!(a.cell(r, j), cb);
                }
            }
        }
    }

    fn churn_share_m2m(t: &Table) -> (f64, f64) {
        let contract = t.schema().feature_index("contract").unwrap();
        let offer = t.schema().feature_index("competitor_offer").unwrap();
        let (mut m2m, mut churned, mut offers) = (0.0, 0.0, 0.0);
        for r in 0..t.n_rows() {
            if t.cell(r, contract) == Cell::Cat("month-to-month") {
                m2m += 1.0;
                if t.labels()[r] == 2 {
                    churned += 1.0;
                }
                if t.cell(r, offer) == Cell::Cat("yes") {
                    offers += 1.0;
                }
            }
        }
        (churned / m2m, offers / m2m)
    }

    #[test]
    fn drift_raises_churn_and_offers_among_month_to_month_customers() {
        let base = generate(&params(20_000, 11)).unwrap();
        let drifted = generate(&SynthParams {
            drift: 0.5,
            ..params(20_000, 11)
        })
        .unwrap();
        let (churn0, offers0) = churn_share_m2m(&base);
        let (churn1, offers1) = churn_share_m2m(&drifted);
        assert!(churn1 > churn0 + 0.08, "{churn0} -> {churn1}");
        assert!(offers1 > offers0 + 0.15, "{offers0} -> {offers1}");
        // Same seed: the same customers, shifted (draws stay aligned row by row).
        for name in ["contract", "tenure_months", "age_band", "satisfaction"] {
            let j = base.schema().feature_index(name).unwrap();
            assert_eq!(base.column(j).n_missing(), drifted.column(j).n_missing());
            for r in 0..base.n_rows() {
                assert_eq!(base.cell(r, j).to_string(), drifted.cell(r, j).to_string());
            }
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        for p in [
            SynthParams {
                drift: -0.1,
                ..SynthParams::default()
            },
            SynthParams {
                drift: f64::NAN,
                ..SynthParams::default()
            },
            SynthParams {
                missing_rate: 1.0,
                ..SynthParams::default()
            },
            SynthParams {
                missing_rate: -0.01,
                ..SynthParams::default()
            },
        ] {
            assert!(matches!(generate(&p), Err(Error::Param { .. })), "{p:?}");
            assert!(matches!(
                write_csv(&p, Vec::new()),
                Err(Error::Param { .. })
            ));
        }
    }

    #[test]
    fn more_rows_than_the_limit_are_refused_before_anything_is_written() {
        let p = params(MAX_ROWS + 1, 1);
        let e = p.validate().unwrap_err().to_string();
        assert!(e.contains("rows") && e.contains("at most 10000000"), "{e}");
        let mut out = Vec::new();
        assert!(write_csv(&p, &mut out).is_err());
        assert!(out.is_empty(), "not even the header");
        assert!(generate(&p).is_err());
        params(MAX_ROWS, 1).validate().unwrap();
    }

    #[test]
    fn zero_rows_give_an_empty_table_and_a_header() {
        let t = generate(&params(0, 1)).unwrap();
        assert_eq!(t.n_rows(), 0);
        let text = String::from_utf8(csv_bytes(&params(0, 1))).unwrap();
        assert_eq!(text.lines().count(), 1);
    }
}
