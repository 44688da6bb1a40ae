//! Tree fitting and scoring speed.
//!
//! Data: `synth::generate` churn tables (20 features, 10 numeric binned to 16
//! equal-frequency bins, 10 categorical; three classes). Fit: depth ≤ 12, every criterion, 100k and 1M rows; linfa-trees'
//! CART on the same 100k rows in the same run (the baseline the ratios are against).
//! Scoring: encoded rows per second with a depth-12 tree.
//!
//! Forest (`forest` group): the untuned churn forest (100 trees, √p features per
//! node, min leaf 10) on the 100k rows, with its one-shot time as a ratio to one tree
//! of the same parameters and the model bytes per tree, and the out-of-bag tuned
//! default's one-shot time as a ratio to the untuned forest
//! (`examples/forest_real.rs bench` prints the same one-shot figures without the
//! criterion samples).
//!
//! Self-tuning (group `tune`): `id3-weighted`'s default fit (5-fold CV over the
//! [`Tune::Fast`] grid, the naive-Bayes leaves' temper by a second 5-fold CV, then the
//! final fit) against the same tuning with constant leaves and one plain fit with
//! tuning off, on a 100k-row raw table (binning included), with the ratios printed
//! once.
//!
//! Run: `cargo bench --bench tree_fit -- --warm-up-time 1 --measurement-time 3`.

use std::time::{Duration, Instant};

use churnkit::data::{Binning, Discretizer, Encoded};
use churnkit::registry::ModelBody;
use churnkit::synth::{SynthParams, generate};
use churnkit::tree::{
    Cart, Criterion as Crit, Forest, ForestClassifier, ForestTune, Id3, Id3Params, LeafModel,
    TreeLearner, Tune, WeightedEntropy,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// `synth::generate` rows (20 features: 10 numeric, 10 categorical, three classes),
/// numerics cut into 16 equal-frequency bins fitted on the same rows.
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
        ("c45-defaults", Id3::c45().max_depth(d)),
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
    println!("\n== one-shot fit times (depth ≤ 12, 20 features, numerics in 16 bins) ==");
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

    // Scoring: the weighted defaults (depth ≤ 12, a few thousand nodes, cache-resident)
    // and the unpruned multiway tree (hundreds of thousands of nodes: memory-bound).
    let small_tree = Id3::weighted().max_depth(Some(12)).fit(&big).expect("fits");
    let huge_tree = Id3::params()
        .criterion(Crit::WeightedEntropy(WeightedEntropy::default()))
        .max_depth(Some(12))
        .fit(&big)
        .expect("fits");
    println!(
        "scoring trees: defaults {} nodes (depth {}), unpruned {} nodes",
        small_tree.n_nodes(),
        small_tree.depth(),
        huge_tree.n_nodes()
    );
    let mut out = vec![0u8; big.n_rows()];
    let mut g = c.benchmark_group("score");
    g.sample_size(10);
    g.throughput(Throughput::Elements(big.n_rows() as u64));
    g.bench_function("predict-encoded-1M-weighted-defaults", |b| {
        b.iter(|| small_tree.predict_into(&big, &mut out).expect("predicts"))
    });
    let mut proba = vec![0.0; big.n_rows() * 3];
    g.bench_function("predict-proba-encoded-1M-weighted-defaults", |b| {
        b.iter(|| {
            small_tree
                .predict_proba_into(&big, &mut proba)
                .expect("predicts")
        })
    });
    g.bench_function("predict-encoded-1M-unpruned", |b| {
        b.iter(|| huge_tree.predict_into(&big, &mut out).expect("predicts"))
    });
    g.finish();
}

/// The forest's defaults on 100k synthetic rows: one-shot ratio to one tree, bytes per
/// tree, then criterion samples of the 100-tree fit.
fn bench_forest(c: &mut Criterion) {
    let table = generate(&SynthParams {
        rows: 100_000,
        seed: 2,
        ..SynthParams::default()
    })
    .expect("synthetic table");
    let forest = Forest::default().tune(ForestTune::Off);
    let d = Discretizer::fit(&table, &table.all_rows(), &forest.binning).expect("discretizer");
    let enc = d.encode(&table).expect("encodes");
    let (_, t1) = once(|| forest.clone().n_trees(1).fit_encoded(&enc).expect("fits"));
    let ((trees, oob), t100) = once(|| forest.fit_encoded(&enc).expect("fits"));
    let n = trees.len();
    let disc = bincode::serialize(&d).expect("serializes").len();
    let f = ForestClassifier {
        discretizer: d,
        trees,
        oob,
        features_per_node: forest.features_per_node(enc.n_features()),
        name: forest.name.clone(),
        tuning: None,
    };
    let nodes = f.n_nodes() / n;
    let bytes = bincode::serialize(&ModelBody::from(f))
        .expect("serializes")
        .len();
    println!(
        "\n== forest (defaults, 100k rows): {n} trees {:.3} s, one tree {:.3} s, ratio {:.1}×; \
         {} model bytes per tree ({nodes} nodes per tree) ==",
        t100.as_secs_f64(),
        t1.as_secs_f64(),
        t100.as_secs_f64() / t1.as_secs_f64(),
        (bytes - disc) / n
    );
    // The default out-of-bag tuning, one shot, as a ratio to the untuned forest.
    let ((trees, _, report), tt) =
        once(|| Forest::default().fit_encoded_tuned(&enc).expect("fits"));
    println!(
        "== forest, out-of-bag tuned (the default), 100k rows: {} trees {:.3} s = {:.1}× the untuned 100 trees; chose {:?} ==",
        trees.len(),
        tt.as_secs_f64(),
        tt.as_secs_f64() / t100.as_secs_f64(),
        report.map(|r| r.candidates[r.chosen].clone())
    );
    let mut g = c.benchmark_group("forest");
    g.sample_size(10);
    g.bench_with_input(BenchmarkId::new("fit-100-trees", "100k"), &enc, |b, e| {
        b.iter(|| forest.fit_encoded(e).expect("fits"))
    });
    g.bench_with_input(BenchmarkId::new("fit-1-tree", "100k"), &enc, |b, e| {
        b.iter(|| forest.clone().n_trees(1).fit_encoded(e).expect("fits"))
    });
    g.finish();
}

/// Self-tuning: the tuned default fit against one plain fit, ratio printed once.
fn bench_tune(c: &mut Criterion) {
    let table = generate(&SynthParams {
        rows: 100_000,
        seed: 3,
        ..SynthParams::default()
    })
    .expect("synthetic table");
    let rows = table.all_rows();
    let plain = TreeLearner::id3_weighted().tune(Tune::Off);
    let tuned = TreeLearner::id3_weighted();
    let constant = TreeLearner::id3_weighted().leaf(LeafModel::Constant);
    let (_, t_plain) = once(|| plain.fit_tree(&table, &rows).expect("fits"));
    let (_, t_const) = once(|| constant.fit_tree(&table, &rows).expect("fits"));
    let (m, t_tuned) = once(|| tuned.fit_tree(&table, &rows).expect("fits"));
    println!(
        "\n== tuning, 100k rows, {} threads: plain fit {:.3} s, tuned (fast, constant leaves) {:.3} s = {:.1}x, tuned with naive-Bayes leaves (the default) {:.3} s = {:.1}x ({:.2}x the constant-leaf tuning); chose {:?}, α {:?} ==",
        rayon::current_num_threads(),
        t_plain.as_secs_f64(),
        t_const.as_secs_f64(),
        t_const.as_secs_f64() / t_plain.as_secs_f64(),
        t_tuned.as_secs_f64(),
        t_tuned.as_secs_f64() / t_plain.as_secs_f64(),
        t_tuned.as_secs_f64() / t_const.as_secs_f64(),
        m.tuning.as_ref().map(|t| &t.chosen.setting),
        m.tuning.as_ref().and_then(|t| t.leaf_alpha)
    );
    let mut g = c.benchmark_group("tune");
    g.sample_size(10);
    g.bench_function("id3-weighted-plain-100k", |b| {
        b.iter(|| plain.fit_tree(&table, &rows).expect("fits"))
    });
    g.bench_function("id3-weighted-tuned-fast-constant-leaves-100k", |b| {
        b.iter(|| constant.fit_tree(&table, &rows).expect("fits"))
    });
    g.bench_function("id3-weighted-tuned-fast-100k", |b| {
        b.iter(|| tuned.fit_tree(&table, &rows).expect("fits"))
    });
    g.finish();
}

/// The born-again tree (`id3-weighted-distilled`) against the default tuned tree on
/// 10k rows: the forest fit it adds, ratio printed once with both trees' sizes.
fn bench_distill(c: &mut Criterion) {
    let table = generate(&SynthParams {
        rows: 10_000,
        seed: 3,
        ..SynthParams::default()
    })
    .expect("synthetic table");
    let rows = table.all_rows();
    let tuned = TreeLearner::id3_weighted();
    let distilled = TreeLearner::id3_weighted_distilled();
    let (m, t_tuned) = once(|| tuned.fit_tree(&table, &rows).expect("fits"));
    let (d, t_distilled) = once(|| distilled.fit_tree(&table, &rows).expect("fits"));
    println!(
        "\n== distillation, 10k rows, {} threads: tuned default {:.3} s ({} leaves), distilled {:.3} s ({} leaves) = {:.1}x ==",
        rayon::current_num_threads(),
        t_tuned.as_secs_f64(),
        m.tree.n_leaves(),
        t_distilled.as_secs_f64(),
        d.tree.n_leaves(),
        t_distilled.as_secs_f64() / t_tuned.as_secs_f64(),
    );
    let mut g = c.benchmark_group("distill");
    g.sample_size(10);
    g.bench_function("id3-weighted-tuned-fast-10k", |b| {
        b.iter(|| tuned.fit_tree(&table, &rows).expect("fits"))
    });
    g.bench_function("id3-weighted-distilled-10k", |b| {
        b.iter(|| distilled.fit_tree(&table, &rows).expect("fits"))
    });
    g.finish();
}

criterion_group!(benches, bench_tune, bench, bench_forest, bench_distill);
criterion_main!(benches);
