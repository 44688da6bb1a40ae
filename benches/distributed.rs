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
//! **Raw Parquet** (group `raw_parquet`): training from a Parquet file of the same
//! generator (`examples/synth_parquet.rs`'s layout, 1M rows, written by this bench)
//! — in memory (`read_parquet`, `Discretizer::fit`, `encode`, the tree, the
//! fingerprint) against the raw-Parquet engine path (label scan, levels and exact cut
//! points as queries, the tree counted over codes computed inside the queries, the
//! streamed fingerprint), each in the same run; the two trees are asserted equal.
//! `CHURNKIT_RAW_PARQUET=FILE` benches another file instead (e.g. 10M rows written
//! by `cargo run --release --features parquet --example synth_parquet -- 10000000
//! FILE`).
//!
//! Run: `cargo bench --features distributed --bench distributed -- --warm-up-time 1
//! --measurement-time 5`.

use std::time::{Duration, Instant};

use churnkit::bayes::NaiveBayes;
use churnkit::count::distributed::{DistributedCounter, Engine, Session};
use churnkit::count::parquet::{MAX_EXACT_DISTINCT, fit_raw_parquet};
use churnkit::data::arrow::raw::{parquet_files, raw_columns, scan_labels};
use churnkit::data::arrow::read_parquet;
use churnkit::data::{Binning, CsvOptions, Discretizer, Encoded};
use churnkit::model::{fingerprint, fingerprint_parquet};
use churnkit::synth::{SynthParams, generate};
use churnkit::tree::{DecisionTree, Id3};
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

/// The generated table of `n` rows written as Parquet (text `Utf8`, numbers
/// `Float64`, id `customer_id`, label `status`), as `examples/synth_parquet.rs` does.
fn synth_parquet(n: usize, path: &std::path::Path) {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use churnkit::data::Cell;
    let t = generate(&SynthParams {
        rows: n,
        seed: 7,
        ..SynthParams::default()
    })
    .expect("synthetic table");
    let s = t.schema();
    let mut cols: Vec<(Field, ArrayRef)> = Vec::new();
    let id: ArrayRef = Arc::new(StringArray::from_iter_values(t.ids().expect("ids")));
    cols.push((Field::new("customer_id", DataType::Utf8, false), id));
    for (j, f) in s.features.iter().enumerate() {
        let a: ArrayRef = if f.is_numeric() {
            Arc::new(Float64Array::from_iter((0..n).map(
                |r| match t.cell(r, j) {
                    Cell::Num(x) => Some(x),
                    _ => None,
                },
            )))
        } else {
            Arc::new(StringArray::from_iter((0..n).map(|r| match t.cell(r, j) {
                Cell::Cat(c) => Some(c),
                _ => None,
            })))
        };
        cols.push((Field::new(&f.name, a.data_type().clone(), true), a));
    }
    let classes = &s.target.classes;
    let labels: ArrayRef = Arc::new(StringArray::from_iter_values(
        t.labels().iter().map(|&l| classes[l as usize].as_str()),
    ));
    cols.push((Field::new(&s.target.name, DataType::Utf8, false), labels));
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = cols.into_iter().unzip();
    let b = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).expect("batch");
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .set_max_row_group_row_count(Some(128 * 1024))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(path).expect("create"),
        b.schema(),
        Some(props),
    )
    .expect("writer");
    w.write(&b).expect("write");
    w.close().expect("close");
}

/// The in-memory fit from the file: the table read, cut, encoded, the tree grown, the
/// fingerprint taken.
fn in_memory_from_file(path: &str, opts: &CsvOptions, binning: &Binning) -> DecisionTree {
    let (t, _) = read_parquet(path, opts).expect("reads");
    let rows = t.all_rows();
    let d = Discretizer::fit(&t, &rows, binning).expect("discretizer");
    let enc = d.encode(&t).expect("encodes");
    let tree = Id3::weighted()
        .check()
        .expect("params")
        .fit(&enc)
        .expect("fit");
    std::hint::black_box(fingerprint(&t, &rows));
    tree
}

/// The raw-Parquet engine path: labels streamed, levels and cuts by queries, the tree
/// counted over codes computed in the queries, the fingerprint streamed.
fn raw_from_file(path: &str, opts: &CsvOptions, binning: &Binning) -> DecisionTree {
    let raw = raw_columns(parquet_files(path).expect("files"), opts).expect("columns");
    let labels = scan_labels(&raw, opts).expect("labels");
    let fit = fit_raw_parquet(
        Session::start(Engine::DataFusion).expect("session"),
        &raw,
        &labels,
        binning,
        MAX_EXACT_DISTINCT,
    )
    .expect("plan");
    let schema = fit.discretizer.schema().clone();
    let tree = Id3::weighted()
        .check()
        .expect("params")
        .fit_level_wise(&schema, &fit.counter)
        .expect("fit");
    fit.counter.check().expect("queries");
    std::hint::black_box(fingerprint_parquet(&raw, opts, &labels.classes).expect("fingerprint"));
    tree
}

fn bench_raw(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = match std::env::var("CHURNKIT_RAW_PARQUET") {
        Ok(p) => p,
        Err(_) => {
            let p = dir.path().join("synth-1m.parquet");
            synth_parquet(1_000_000, &p);
            p.to_str().expect("utf-8").to_string()
        }
    };
    let opts = CsvOptions::new("status").id_column("customer_id");
    let binning = Binning::EqualFrequency { bins: 16 };
    let a = in_memory_from_file(&path, &opts, &binning);
    let b = raw_from_file(&path, &opts, &binning);
    assert_eq!(a.nodes(), b.nodes(), "the same tree");
    let mem = median_seconds(|| drop(in_memory_from_file(&path, &opts, &binning)), 3);
    let raw = median_seconds(|| drop(raw_from_file(&path, &opts, &binning)), 3);
    println!(
        "raw Parquet {path}: weighted ID3 ({} nodes) from the file in memory {mem:.2} s, \
         raw-Parquet DataFusion path {raw:.2} s, ratio {:.1}",
        a.n_nodes(),
        raw / mem
    );
    let mut g = c.benchmark_group("raw_parquet");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("tree_in_memory_from_file", |bch| {
        bch.iter(|| in_memory_from_file(&path, &opts, &binning))
    });
    g.bench_function("tree_raw_parquet_datafusion", |bch| {
        bch.iter(|| raw_from_file(&path, &opts, &binning))
    });
    g.finish();
}

criterion_group!(benches, bench, bench_raw);
criterion_main!(benches);
