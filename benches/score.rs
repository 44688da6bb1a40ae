//! Batch scoring speed, as ratios against a baseline measured in the same run:
//! - `csv_parse_only`: reading the same CSV records with the csv crate and nothing else
//!   (the floor any CSV → CSV scorer pays);
//! - `<model>/no_reasons` and `<model>/reasons`: full scoring (convert under the input
//!   policy, predict, calibrate, tier, economics, write) without and with the top-three
//!   reasons, for weighted-entropy ID3 (`tree`), TAN (`tan`) and the majority class
//!   (`zeror`).
//!
//! 20,000 synthetic customers (synth, seed 7); models trained on 20,000 others (seed 1).
//! After the measurements the bench prints each case's time as a multiple of
//! `csv_parse_only` (read from criterion's estimates of this run).
//! Run: `cargo bench --bench score -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use churnkit::bayes::Tan;
use churnkit::eval::ZeroR;
use churnkit::model::ModelBody;
use churnkit::score::{BatchOptions, Scorer, score_csv};
use churnkit::synth::{SynthParams, generate, write_csv};
use churnkit::train::ModelBuilder;
use churnkit::tree::TreeLearner;
use criterion::{Criterion, Throughput};

const ROWS: usize = 20_000;
const GROUP: &str = "score_csv";
const MODELS: [&str; 3] = ["tree", "tan", "zeror"];

fn body(kind: &str, train: &churnkit::data::Table, rows: &[usize]) -> ModelBody {
    match kind {
        "tree" => TreeLearner::id3_weighted()
            .fit_tree(train, rows)
            .expect("fit")
            .into(),
        "tan" => Tan::new().fit_table(train, rows).expect("fit").into(),
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
}

/// The mean time of a case in this run, from criterion's `new/estimates.json`.
fn mean_ns(case: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let path = format!("{dir}/criterion/{GROUP}/{case}/new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
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
