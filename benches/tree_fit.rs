//! Tree fitting and scoring speed.
//!
//! Data: synthetic encoded churn-like rows, 20 features with 16 levels each (numerics
//! binned to 16 bins) plus a missing code, three classes whose label depends on a few
//! features plus noise. Fit: depth ≤ 12, every criterion, 100k and 1M rows; linfa-trees'
//! CART on the same 100k rows in the same run (the baseline the ratios are against).
//! Scoring: encoded rows per second with a depth-12 tree.
//!
//! Run: `cargo bench --bench tree_fit -- --warm-up-time 1 --measurement-time 3`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use churnkit::data::{Codes, Encoded, EncodedFeature, EncodedSchema};
use churnkit::tree::{Cart, Criterion as Crit, Id3, Id3Params, WeightedEntropy};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const FEATURES: usize = 20;
const LEVELS: usize = 16;

/// Synthetic encoded rows with structure: the label is a noisy function of six
/// features; two more are noisy copies of informative ones; 1% of cells are missing.
fn synthetic(n: usize, seed: u64) -> Encoded {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut cols: Vec<Vec<u8>> = (0..FEATURES).map(|_| Vec::with_capacity(n)).collect();
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        let mut v = [0u8; FEATURES];
        for x in v.iter_mut() {
            *x = rng.random_range(0..LEVELS as u8);
        }
        v[6] = v[0].wrapping_add(rng.random_range(0..3)) % LEVELS as u8;
        v[7] = v[1] ^ (rng.random_range(0..2));
        let z = (v[0] as f64 - 7.5) * 0.25 + if v[1] < 4 { 1.5 } else { 0.0 } - (v[2] as f64) * 0.1
            + if v[3] == 5 || v[3] == 9 { 1.0 } else { 0.0 }
            + (v[4] as f64 * v[5] as f64) / 120.0
            + rng.random::<f64>() * 2.0
            - 1.0;
        labels.push(if z > 1.2 {
            2
        } else if z > 0.2 {
            1
        } else {
            0
        });
        for (j, col) in cols.iter_mut().enumerate() {
            let missing = rng.random::<f64>() < 0.01;
            col.push(if missing { LEVELS as u8 } else { v[j] });
        }
    }
    let schema = Arc::new(EncodedSchema {
        features: (0..FEATURES)
            .map(|j| EncodedFeature {
                name: format!("f{j}"),
                levels: (0..LEVELS).map(|l| format!("[{l}, {})", l + 1)).collect(),
                numeric: j % 3 != 0,
            })
            .collect(),
        classes: vec!["retained".into(), "at_risk".into(), "churned".into()],
    });
    Encoded::new(
        schema,
        cols.into_iter().map(Codes::U8).collect(),
        labels,
        None,
    )
    .expect("valid synthetic codes")
}

fn variants() -> Vec<(&'static str, Id3Params)> {
    let d = Some(12);
    vec![
        ("id3", Id3::params().max_depth(d)),
        (
            "id3-weighted",
            Id3::params()
                .criterion(Crit::WeightedEntropy(WeightedEntropy::default()))
                .max_depth(d),
        ),
        (
            "gain-ratio",
            Id3::params().criterion(Crit::GainRatio).max_depth(d),
        ),
        ("id3-weighted-defaults", Id3::weighted().max_depth(d)),
    ]
}

fn once<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let x = f();
    (x, t.elapsed())
}

fn bench(c: &mut Criterion) {
    let big = synthetic(1_000_000, 1);
    let small = synthetic(100_000, 2);
    let bytes = big.heap_bytes();

    // Ratios in one run, printed once: every variant against linfa-trees' CART on the
    // same 100k rows (one fit each; criterion's samples follow).
    let cart = Cart::gini().max_depth(Some(12));
    let (_, t_cart) = once(|| cart.fit_encoded(&small).expect("cart fits"));
    println!("\n== one-shot fit times (depth ≤ 12, {FEATURES} features × {LEVELS} bins) ==");
    println!(
        "linfa-trees CART gini, 100k rows: {:.3} s (baseline)",
        t_cart.as_secs_f64()
    );
    for (name, p) in variants() {
        let (t100, d100) = once(|| p.clone().fit(&small).expect("fits"));
        let (t1m, d1m) = once(|| p.clone().fit(&big).expect("fits"));
        println!(
            "{name:>22}: 100k {:.4} s ({:.0}× faster than CART), 1M {:.4} s; nodes {} / {}",
            d100.as_secs_f64(),
            t_cart.as_secs_f64() / d100.as_secs_f64(),
            d1m.as_secs_f64(),
            t100.n_nodes(),
            t1m.n_nodes()
        );
    }
    println!("encoded data: {:.1} MB", bytes as f64 / 1e6);

    let mut g = c.benchmark_group("fit");
    g.sample_size(10);
    for (name, p) in variants() {
        g.bench_with_input(BenchmarkId::new(name, "100k"), &small, |b, e| {
            b.iter(|| p.clone().fit(e).expect("fits"))
        });
        g.bench_with_input(BenchmarkId::new(name, "1M"), &big, |b, e| {
            b.iter(|| p.clone().fit(e).expect("fits"))
        });
    }
    g.bench_with_input(
        BenchmarkId::new("linfa-cart-gini", "100k"),
        &small,
        |b, e| b.iter(|| cart.fit_encoded(e).expect("cart fits")),
    );
    g.finish();

    let tree = Id3::params()
        .criterion(Crit::WeightedEntropy(WeightedEntropy::default()))
        .max_depth(Some(12))
        .fit(&big)
        .expect("fits");
    let mut out = vec![0u8; big.n_rows()];
    let mut g = c.benchmark_group("score");
    g.throughput(Throughput::Elements(big.n_rows() as u64));
    g.bench_function("predict-encoded-1M-depth12", |b| {
        b.iter(|| tree.predict_into(&big, &mut out).expect("predicts"))
    });
    let mut proba = vec![0.0; big.n_rows() * 3];
    g.bench_function("predict-proba-encoded-1M-depth12", |b| {
        b.iter(|| tree.predict_proba_into(&big, &mut proba).expect("predicts"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
