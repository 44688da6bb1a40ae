//! Survival-tree fitting speed against the classification tree on the same codes.
//!
//! Data: `synth::generate` churn tables (20 features: 10 numeric binned to 16
//! equal-frequency bins, 10 categorical), 1M rows (and 100k), encoded once. The
//! survival tree's clock is `tenure_months` (1–72, integer months) with `churned` as
//! the event; it reads the same 20 code columns as the classification tree.
//!
//! Compared, both depth ≤ 12:
//! - the classification baseline: `Id3::weighted()` (binary numeric splits, leaf 5,
//!   pessimistic pruning) — the fixed defaults of `id3-weighted`;
//! - the survival tree: `SurvivalTreeParams::new()` with leaf 5 (log-rank splits
//!   over 72 time bins, exact Kaplan–Meier curves at every node).
//!
//! The one-shot ratio survival / classification is printed first (target ≤ 3×; also
//! for the survival tree with the non-default hazard-entropy criterion), then
//! criterion's samples. `SURVIVAL_BENCH_ROWS` overrides the large size.
//!
//! Run: `cargo bench --bench survival_fit -- --warm-up-time 1 --measurement-time 5`.

use std::time::{Duration, Instant};

use churnkit::data::{Binning, Column, Discretizer, Encoded};
use churnkit::survival::{SurvivalCriterion, SurvivalData, SurvivalTreeParams};
use churnkit::synth::{SynthParams, generate};
use churnkit::tree::{Id3, Id3Params};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// `n` synthetic customers encoded (16 equal-frequency bins), and their durations
/// (`tenure_months`) with `churned` as the event.
fn synthetic(n: usize, seed: u64) -> (Encoded, SurvivalData) {
    let table = generate(&SynthParams {
        rows: n,
        seed,
        ..SynthParams::default()
    })
    .expect("synthetic table");
    let rows = table.all_rows();
    let d = Discretizer::fit(&table, &rows, &Binning::EqualFrequency { bins: 16 })
        .expect("discretizer");
    let enc = d.encode(&table).expect("encodes");
    let j = table
        .schema()
        .feature_index("tenure_months")
        .expect("tenure column");
    let Column::Numeric(tenure) = table.column(j) else {
        panic!("tenure_months is numeric")
    };
    let churn = table.schema().target.churn_class();
    let events = table
        .labels()
        .iter()
        .map(|&l| l as usize == churn)
        .collect();
    let data = SurvivalData::new(tenure.clone(), events).expect("durations");
    (enc, data)
}

fn classification() -> Id3Params {
    Id3::weighted().max_depth(Some(12))
}

fn survival() -> SurvivalTreeParams {
    SurvivalTreeParams::new()
        .max_depth(Some(12))
        .min_rows_leaf(5.0)
}

fn once<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let x = f();
    (x, t.elapsed())
}

fn bench(c: &mut Criterion) {
    let big_n = std::env::var("SURVIVAL_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let label = |n: usize| {
        if n % 1_000_000 == 0 {
            format!("{}M", n / 1_000_000)
        } else {
            format!("{}k", n / 1000)
        }
    };
    let sizes = [100_000, big_n];
    let data: Vec<(String, Encoded, SurvivalData)> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let (e, d) = synthetic(n, 1 + i as u64);
            (label(n), e, d)
        })
        .collect();

    println!("\n== one-shot fits on the same codes (20 features, depth ≤ 12, leaf 5) ==");
    for (name, enc, d) in &data {
        // Best of three of each, alternating, so both see the same machine load.
        let (mut tc, mut ts, mut th) = (Duration::MAX, Duration::MAX, Duration::MAX);
        let (mut nc, mut ns, mut nh) = (0, 0, 0);
        for _ in 0..3 {
            let (t, dt) = once(|| {
                classification()
                    .check()
                    .expect("params")
                    .fit(enc)
                    .expect("fits")
            });
            tc = tc.min(dt);
            nc = t.n_nodes();
            let (t, dt) = once(|| survival().fit(enc, d).expect("fits"));
            ts = ts.min(dt);
            ns = t.n_nodes();
            let (t, dt) = once(|| {
                survival()
                    .criterion(SurvivalCriterion::HazardEntropy)
                    .fit(enc, d)
                    .expect("fits")
            });
            th = th.min(dt);
            nh = t.n_nodes();
        }
        println!(
            "{name}: classification (id3-weighted defaults) {:.3} s, {nc} nodes; \
             survival tree {:.3} s, {ns} nodes; ratio {:.2}×",
            tc.as_secs_f64(),
            ts.as_secs_f64(),
            ts.as_secs_f64() / tc.as_secs_f64()
        );
        println!(
            "{name}: survival tree with the hazard-entropy criterion (not the default) \
             {:.3} s, {nh} nodes; ratio {:.2}×",
            th.as_secs_f64(),
            th.as_secs_f64() / tc.as_secs_f64()
        );
    }

    let mut g = c.benchmark_group("fit");
    g.sample_size(10);
    for (name, enc, d) in &data {
        g.bench_with_input(BenchmarkId::new("classification", name), enc, |b, e| {
            let p = classification().check().expect("params");
            b.iter(|| p.fit(e).expect("fits"))
        });
        g.bench_with_input(BenchmarkId::new("survival", name), enc, |b, e| {
            b.iter(|| survival().fit(e, d).expect("fits"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
