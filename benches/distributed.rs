//! The distributed path's overhead: a tree fitted level-wise through DataFusion
//! aggregate queries (one per level, over the codes registered in memory as a
//! `MemTable`) against the in-memory depth-first fit of the same tree, on the same
//! 1M rows in the same run; the ratio is printed once. Naive Bayes likewise (one
//! query per family).
//!
//! Data: `synth::generate` (20 features, 10 numeric in 16 equal-frequency bins, three
//! classes, seed 7). Tree: `Id3::weighted()` (the weighted-entropy ID3 untuned:
//! depth ≤ 8, pessimistic pruning).
//!
//! Run: `cargo bench --features distributed --bench distributed -- --warm-up-time 1
//! --measurement-time 5`.

use std::time::{Duration, Instant};

use churnkit::bayes::NaiveBayes;
use churnkit::count::distributed::{DistributedCounter, Engine, Session};
use churnkit::data::{Binning, Discretizer, Encoded};
use churnkit::synth::{SynthParams, generate};
use churnkit::tree::Id3;
use criterion::{Criterion, criterion_group, criterion_main};

fn synthetic(n: usize, seed: u64) -> Encoded {
    let table = generate(&SynthParams {
        rows: n,
        seed,
        ..SynthParams::default()
    })
    .expect("synthetic table");
    let rows = table.all_rows();
    let d = Discretizer::fit(&table, &rows, &Binning::EqualFrequency { bins: 16 })
        .expect("discretizer");
    d.encode(&table).expect("encodes")
}

fn median_seconds(mut f: impl FnMut(), reps: usize) -> f64 {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[reps / 2]
}

fn bench(c: &mut Criterion) {
    let n = 1_000_000;
    let enc = synthetic(n, 7);
    let p = Id3::weighted().check().expect("params");
    let counter = DistributedCounter::from_encoded(
        Session::start(Engine::DataFusion).expect("session"),
        &enc,
    )
    .expect("counter");
    let schema = enc.schema().clone();
    // The trees are the same: the ratio compares like with like.
    let a = p.fit(&enc).expect("in-memory fit");
    let b = p
        .fit_level_wise(&schema, &counter)
        .expect("distributed fit");
    counter.check().expect("queries");
    assert_eq!(a.nodes(), b.nodes(), "the same tree");
    let q0 = counter.queries();
    let _ = p.fit_level_wise(&schema, &counter);
    let per_fit = counter.queries() - q0;

    let mem = median_seconds(|| drop(p.fit(&enc)), 5);
    let dist = median_seconds(|| drop(p.fit_level_wise(&schema, &counter)), 3);
    let nb = NaiveBayes::new();
    let nb_mem = median_seconds(|| drop(nb.fit_encoded(&enc, "churn")), 5);
    let nb_dist = median_seconds(|| drop(nb.fit_encoded_with(&enc, &counter, "churn")), 3);
    println!(
        "distributed overhead, {n} rows × 20 features: tree ({} nodes, {per_fit} queries) \
         in memory {mem:.3} s, DataFusion {dist:.3} s, ratio {:.1}; naive Bayes in memory \
         {nb_mem:.3} s, DataFusion {nb_dist:.3} s, ratio {:.1}",
        a.n_nodes(),
        dist / mem,
        nb_dist / nb_mem
    );

    let mut g = c.benchmark_group("distributed_1m");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("tree_in_memory", |bch| {
        bch.iter(|| p.fit(&enc).expect("fit"))
    });
    g.bench_function("tree_datafusion", |bch| {
        bch.iter(|| p.fit_level_wise(&schema, &counter).expect("fit"))
    });
    g.bench_function("naive_bayes_in_memory", |bch| {
        bch.iter(|| nb.fit_encoded(&enc, "churn").expect("fit"))
    });
    g.bench_function("naive_bayes_datafusion", |bch| {
        bch.iter(|| nb.fit_encoded_with(&enc, &counter, "churn").expect("fit"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
