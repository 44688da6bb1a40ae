//! Batch scoring speed, as ratios against a baseline measured in the same run:
//! - `csv_parse_only`: reading the same CSV records with the csv crate and nothing else
//!   (the floor any CSV → CSV scorer pays);
//! - `<model>/no_reasons` and `<model>/reasons`: full scoring (convert under the input
//!   policy, predict, calibrate, tier, economics, write) without and with the top-three
//!   reasons, for weighted-entropy ID3 (`tree`), TAN (`tan`) and the majority class
//!   (`zeror`).
//!
//! 20,000 synthetic customers (synth, seed 7); models trained on 20,000 others (seed 1).
//!
//! Group `score_telco_reasons`: batch CSV scoring with reasons on real data — the
//! 7,043 Telco customers (`datasets/telco-customer-churn.csv`) scored by models
//! trained on `datasets/telco-train.csv`: the tree, TAN and the churn forest (16 trees).
//!
//! Group `score_network`: a network found by hill climbing (`hc`, default settings)
//! against TAN, both trained on `datasets/isp-train.csv`, scoring the 21,682 customers
//! of `datasets/isp-test.csv` without and with reasons. In that network the class has
//! parents and a child, `reamining_contract`, that is blank for about a third of the
//! customers, so those rows need exact inference with an unobserved attribute.
//!
//! After the measurements the bench prints each case's rows/s (and the first group's
//! time as a multiple of `csv_parse_only`, the network group's hill-climb/TAN ratio),
//! read from criterion's estimates of this run.
//! Group `score_survival`: the Telco customers with a time-to-churn model beside the
//! tree (see [`bench_survival`]).
//!
//! Run: `cargo bench --bench score -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use churnkit::bayes::{HillClimb, Tan};
use churnkit::data::{CsvOptions, read_csv};
use churnkit::eval::ZeroR;
use churnkit::model::ModelBody;
use churnkit::score::{BatchOptions, Scorer, score_csv};
use churnkit::synth::{SynthParams, generate, write_csv};
use churnkit::train::ModelBuilder;
use churnkit::tree::{Forest, TreeLearner};
use criterion::{Criterion, Throughput};

const ROWS: usize = 20_000;
const GROUP: &str = "score_csv";
const MODELS: [&str; 3] = ["tree", "tan", "zeror"];
const TELCO_GROUP: &str = "score_telco_reasons";
const TELCO_MODELS: [&str; 3] = ["tree", "tan", "forest"];
const NET_GROUP: &str = "score_network";
const NET_MODELS: [&str; 2] = ["tan", "hc"];

fn body(kind: &str, train: &churnkit::data::Table, rows: &[usize]) -> ModelBody {
    match kind {
        "tree" => TreeLearner::id3_weighted()
            .fit_tree(train, rows)
            .expect("fit")
            .into(),
        "tan" => Tan::new().fit_table(train, rows).expect("fit").into(),
        "hc" => HillClimb::new().fit_table(train, rows).expect("fit").into(),
        "forest" => Forest::params()
            .n_trees(16)
            .seed(1)
            .fit_forest(train, rows)
            .expect("fit")
            .into(),
        _ => ZeroR.fit_table(train, rows).expect("fit").into(),
    }
}

fn bench(c: &mut Criterion) {
    let mut csv = Vec::new();
    write_csv(
        &SynthParams {
            rows: ROWS,
            seed: 7,
            ..SynthParams::default()
        },
        &mut csv,
    )
    .expect("synth csv");
    let train = generate(&SynthParams {
        rows: 20_000,
        seed: 1,
        ..SynthParams::default()
    })
    .expect("synth table");
    let all = train.all_rows();
    let mut g = c.benchmark_group(GROUP);
    g.throughput(Throughput::Elements(ROWS as u64));
    g.sample_size(10);
    g.bench_function("csv_parse_only", |b| {
        b.iter(|| {
            let mut r = csv::Reader::from_reader(&csv[..]);
            let mut rec = csv::StringRecord::new();
            let mut n = 0usize;
            while r.read_record(&mut rec).expect("record") {
                n += rec.len();
            }
            black_box(n)
        })
    });
    for kind in MODELS {
        let model = ModelBuilder::new(body(kind, &train, &all), &train, &all)
            .build()
            .expect("model");
        for reasons in [false, true] {
            let scorer = Scorer::new(&model).reasons(reasons);
            let name = format!("{kind}/{}", if reasons { "reasons" } else { "no_reasons" });
            g.bench_function(&name, |b| {
                b.iter(|| {
                    let mut out = Vec::with_capacity(csv.len());
                    let report = score_csv(&scorer, &csv[..], &mut out, &BatchOptions::default())
                        .expect("score");
                    black_box((report.rows_out, out.len()))
                })
            });
        }
    }
    g.finish();
    bench_telco(c);
    bench_network(c);
    bench_survival(c);
}

/// Scores `csv` with `model`, reasons on or off, as one criterion case.
fn score_case(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    model: &churnkit::model::Model,
    reasons: bool,
    csv: &[u8],
) {
    let scorer = Scorer::new(model).reasons(reasons);
    g.bench_function(name, |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(csv.len() * 2);
            let report =
                score_csv(&scorer, csv, &mut out, &BatchOptions::default()).expect("score");
            black_box((report.rows_out, out.len()))
        })
    });
}

fn dataset(name: &str) -> String {
    format!("{}/datasets/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Telco: batch CSV scoring with reasons on real data.
fn bench_telco(c: &mut Criterion) {
    let opts = CsvOptions::new("Churn").id_column("customerID");
    let train = read_csv(dataset("telco-train.csv"), &opts).expect("telco train");
    let csv = std::fs::read(dataset("telco-customer-churn.csv")).expect("telco csv");
    let all = train.all_rows();
    let mut g = c.benchmark_group(TELCO_GROUP);
    g.throughput(Throughput::Elements(TELCO_ROWS as u64));
    g.sample_size(10);
    for kind in TELCO_MODELS {
        let model = ModelBuilder::new(body(kind, &train, &all), &train, &all)
            .build()
            .expect("model");
        score_case(&mut g, &format!("{kind}/reasons"), &model, true, &csv);
    }
    g.finish();
}

/// Hill climbing against TAN on the ISP customers.
fn bench_network(c: &mut Criterion) {
    let opts = CsvOptions::new("churn").id_column("id");
    let train = &read_csv(dataset("isp-train.csv"), &opts).expect("isp train");
    let csv = &std::fs::read(dataset("isp-test.csv")).expect("isp test csv")[..];
    let all = train.all_rows();
    let mut g = c.benchmark_group(NET_GROUP);
    g.throughput(Throughput::Elements(ISP_ROWS as u64));
    g.sample_size(10);
    for kind in NET_MODELS {
        let model = ModelBuilder::new(body(kind, train, &all), train, &all)
            .build()
            .expect("model");
        for reasons in [false, true] {
            let name = format!("{kind}/{}", if reasons { "reasons" } else { "no_reasons" });
            score_case(&mut g, &name, &model, reasons, csv);
        }
    }
    g.finish();
}

/// Data rows of `datasets/telco-customer-churn.csv`.
const TELCO_ROWS: usize = 7043;
/// Data rows of `datasets/isp-test.csv`.
const ISP_ROWS: usize = 21_682;

/// The mean time of a case in this run, from criterion's `new/estimates.json`.
fn mean_ns(case: &str) -> Option<f64> {
    mean_ns_in(GROUP, case)
}

/// The mean time of a case of `group` in this run.
/// Cases not measured in this run (estimates older than its start) are None.
fn mean_ns_in(group: &str, case: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let path = format!("{dir}/criterion/{group}/{case}/new/estimates.json");
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    if modified < *START.get()? {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

/// When this run started.
static START: std::sync::OnceLock<std::time::SystemTime> = std::sync::OnceLock::new();

fn main() {
    START.get_or_init(std::time::SystemTime::now);
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    // Criterion stores `a/b` as `a_b`.
    let rate = |group: &str, case: &str, rows: usize| {
        mean_ns_in(group, &case.replace('/', "_"))
            .or_else(|| mean_ns_in(group, case))
            .map(|t| rows as f64 / (t * 1e-9))
    };
    println!("\n{TELCO_GROUP} (rows/s = {TELCO_ROWS} / time):");
    for kind in TELCO_MODELS {
        if let Some(r) = rate(TELCO_GROUP, &format!("{kind}/reasons"), TELCO_ROWS) {
            println!("  {kind:>6} reasons    {r:>10.0} rows/s");
        }
    }
    println!("\n{SURV_GROUP} (rows/s = {TELCO_ROWS} / time; ratio to `tree`):");
    let base_rate = rate(SURV_GROUP, SURV_CASES[0], TELCO_ROWS);
    for case in SURV_CASES {
        if let (Some(r), Some(b)) = (rate(SURV_GROUP, case, TELCO_ROWS), base_rate) {
            println!("  {case:<24} {r:>10.0} rows/s   time × {:.2}", b / r);
        }
    }
    println!("\n{NET_GROUP} (rows/s = {ISP_ROWS} / time):");
    for r in ["no_reasons", "reasons"] {
        let tan = rate(NET_GROUP, &format!("tan/{r}"), ISP_ROWS);
        let hc = rate(NET_GROUP, &format!("hc/{r}"), ISP_ROWS);
        if let (Some(tan), Some(hc)) = (tan, hc) {
            println!(
                "  {r:<10} tan {tan:>10.0} rows/s   hc {hc:>10.0} rows/s   tan / hc = {:.2}",
                tan / hc
            );
        }
    }
    let Some(base) = mean_ns("csv_parse_only") else {
        return;
    };
    println!("\nratio to csv_parse_only (same run; rows/s = {ROWS} / time):");
    for kind in MODELS {
        for r in ["no_reasons", "reasons"] {
            if let Some(t) =
                mean_ns(&format!("{kind}_{r}")).or_else(|| mean_ns(&format!("{kind}/{r}")))
            {
                println!(
                    "  {kind:>5} {r:<10} {:>6.2}× parse-only  ({:.0} rows/s)",
                    t / base,
                    ROWS as f64 / (t * 1e-9)
                );
            }
        }
    }
}

/// Group `score_survival`: the 7,043 Telco customers scored by a model trained on
/// `datasets/telco-train.csv` without `Tenure` (the classifier: the default tree),
/// alone (`tree`), with a survival tree on `Tenure` whose customers get their leaf's
/// curve (`survival/leaf_curves`), and with proportional-hazards leaves
/// (`survival/hazard_leaves`, α = 0.05): the churn-within columns (3, 6, 12), the
/// median and restricted mean remaining lifetime and the CLV over each curve.
const SURV_GROUP: &str = "score_survival";
const SURV_CASES: [&str; 3] = ["tree", "survival/leaf_curves", "survival/hazard_leaves"];

fn bench_survival(c: &mut Criterion) {
    use churnkit::survival::{SurvivalLearner, SurvivalTune};
    let opts = CsvOptions::new("Churn").id_column("customerID");
    let train = read_csv(dataset("telco-train.csv"), &opts).expect("telco train");
    let csv = std::fs::read(dataset("telco-customer-churn.csv")).expect("telco csv");
    let all = train.all_rows();
    let features = train.without_feature("Tenure").expect("Tenure");
    let plain = ModelBuilder::new(body("tree", &features, &all), &features, &all)
        .build()
        .expect("model");
    let mut g = c.benchmark_group(SURV_GROUP);
    g.throughput(Throughput::Elements(TELCO_ROWS as u64));
    g.sample_size(10);
    score_case(&mut g, SURV_CASES[0], &plain, false, &csv);
    for (case, alphas) in [(SURV_CASES[1], vec![]), (SURV_CASES[2], vec![0.05])] {
        let mut grid = SurvivalTune::Fast.grid().expect("grid");
        grid.hazard_alphas = alphas;
        let surv = SurvivalLearner::new("Tenure")
            .grid(grid)
            .fit(&train, &all)
            .expect("survival fit");
        let model = plain.clone().with_survival(surv).expect("with survival");
        score_case(&mut g, case, &model, false, &csv);
    }
    g.finish();
}
