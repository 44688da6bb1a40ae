//! Batch scoring speed, as ratios against baselines measured in the same run:
//! - `csv_parse_only`: reading the same CSV records with the csv crate and nothing else
//!   (the floor any CSV → CSV scorer pays);
//! - `score_csv/no_reasons` and `score_csv/reasons`: full scoring (convert under the
//!   input policy, predict, calibrate, tier, economics, write) without and with the
//!   top-three reasons.
//!
//! 20,000 synthetic customers (synth, seed 7); model trained on 20,000 others (seed 1).
//! Run: `cargo bench --bench score -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use churnkit::bayes::Tan;
use churnkit::model::{Model, ModelBody};
use churnkit::score::{BatchOptions, Scorer, score_csv};
use churnkit::synth::{SynthParams, generate, write_csv};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const ROWS: usize = 20_000;

fn body(train: &churnkit::data::Table, rows: &[usize]) -> ModelBody {
    Tan::new().fit_table(train, rows).expect("fit").into()
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
    let model = Model::builder(body(&train, &all), &train, &all)
        .build()
        .expect("model");
    let mut g = c.benchmark_group(format!("score_{}", model.summary().learner));
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
    for reasons in [false, true] {
        let scorer = Scorer::new(&model).reasons(reasons);
        let name = if reasons {
            "score_csv/reasons"
        } else {
            "score_csv/no_reasons"
        };
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(csv.len());
                let report = score_csv(&scorer, &csv[..], &mut out, &BatchOptions::default())
                    .expect("score");
                black_box((report.rows_out, out.len()))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
