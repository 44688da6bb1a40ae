//! CSV reading speed, as a ratio to a baseline measured in the same run: the raw
//! `csv::ByteRecord` pass over the same bytes (parsing only, no types, no labels).
//!
//! - `csv_read_100k_x20`: 100,000 rows × 20 features (10 numeric, 10 categorical) + a
//!   Yes/No label, generated deterministically in memory, read with `read_csv_from`.
//! - `csv_read_1m_x22` (issue 16): `synth` (seed 42, 1,000,000 rows: an id, 20
//!   features with 2 % missing cells, a three-state label; 22 columns, ~125 MB)
//!   written to a file; `baseline_raw_csv_parse` is `csv::ByteRecord` over the file,
//!   `read_csv_parallel` is `read_csv` (whole file in memory, parsed in parallel
//!   chunks on the rayon pool), `read_csv_sequential` the same call in a one-thread
//!   rayon pool (the sequential streaming reader). Set `CSV_READ_BENCH_FILE=path` to
//!   keep the generated file there (to time another reader on the same bytes);
//!   otherwise it is a temporary file, deleted at the end.
//!
//! Run: `cargo bench --bench csv_read -- --warm-up-time 1 --measurement-time 5`.
//!
//! Measured on a quiet machine (2026-12-05 12:40 UTC, load 1.3–1.7), `csv_read_1m_x22`:
//! raw pass 0.157 s, `read_csv_parallel` 0.219 s median (ratio 1.4×). In the same
//! minutes, loops of 9 reads of the same bytes alternating with polars 2.1.0
//! `pl.read_csv`, five rounds: `read_csv` best 0.171–0.207 s, median 0.175–0.242 s;
//! polars best 0.169–0.229 s, median 0.193–0.325 s (churnkit's median lower in every
//! round). Before the direct pass: 0.352 s against a raw 0.175 s (2.0×).

use std::fs::File;
use std::hint::black_box;
use std::io::BufWriter;
use std::path::PathBuf;

use churnkit::data::{CsvOptions, read_csv, read_csv_from};
use churnkit::synth::{self, SynthParams};
use criterion::{Criterion, criterion_group, criterion_main};

fn data(rows: usize) -> Vec<u8> {
    let mut s = String::new();
    let names: Vec<String> = (0..10)
        .map(|i| format!("n{i}"))
        .chain((0..10).map(|i| format!("c{i}")))
        .collect();
    s.push_str(&names.join(","));
    s.push_str(",churn\n");
    let plans = ["basic", "gold", "plus", "family", "business"];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for r in 0..rows {
        for j in 0..10 {
            let v = next() % 10_000;
            if j == 2 && r % 500 == 0 {
                s.push_str(" ,");
            } else {
                s.push_str(&format!("{}.{:02},", v / 100, v % 100));
            }
        }
        for j in 0..10 {
            let v = next() as usize;
            if j == 1 {
                s.push_str(&format!("R{:02},", v % 40));
            } else {
                s.push_str(plans[v % plans.len()]);
                s.push(',');
            }
        }
        s.push_str(if next() % 4 == 0 { "Yes\n" } else { "No\n" });
    }
    s.into_bytes()
}

fn raw_parse(rdr: csv::Reader<impl std::io::Read>) -> usize {
    let mut rdr = rdr;
    let mut rec = csv::ByteRecord::new();
    let mut n = 0usize;
    while rdr.read_byte_record(&mut rec).expect("valid csv") {
        n += rec.len();
    }
    n
}

fn bench_100k(c: &mut Criterion) {
    let bytes = data(100_000);
    let opts = CsvOptions::new("churn");
    let mut g = c.benchmark_group("csv_read_100k_x20");
    g.sample_size(10);
    g.bench_function("baseline_raw_csv_parse", |b| {
        b.iter(|| black_box(raw_parse(csv::ReaderBuilder::new().from_reader(&bytes[..]))))
    });
    g.bench_function("read_csv_from", |b| {
        b.iter(|| {
            let (t, _) = read_csv_from(&bytes[..], "bench.csv", &opts).expect("reads");
            black_box(t.n_rows())
        })
    });
    g.finish();
}

fn bench_1m(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = std::env::var_os("CSV_READ_BENCH_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().join("synth-1m.csv"));
    let p = SynthParams {
        rows: 1_000_000,
        ..SynthParams::default()
    };
    synth::write_csv(&p, BufWriter::new(File::create(&path).expect("create"))).expect("csv");
    let opts = CsvOptions::new("status").id_column("customer_id");
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    // The same table both ways (and a check that the bench reads what it says).
    let par = read_csv(&path, &opts).expect("reads");
    let seq = one_thread.install(|| read_csv(&path, &opts).expect("reads"));
    assert_eq!(par.schema(), seq.schema());
    assert_eq!(par.labels(), seq.labels());
    assert_eq!(par.n_rows(), 1_000_000);
    drop((par, seq));
    eprintln!(
        "file: {} ({} MB), {} rayon threads",
        path.display(),
        std::fs::metadata(&path).map_or(0, |m| m.len()) / 1_000_000,
        rayon::current_num_threads()
    );
    let mut g = c.benchmark_group("csv_read_1m_x22");
    g.sample_size(10);
    g.bench_function("baseline_raw_csv_parse", |b| {
        b.iter(|| {
            black_box(raw_parse(
                csv::ReaderBuilder::new().from_path(&path).expect("open"),
            ))
        })
    });
    g.bench_function("read_csv_parallel", |b| {
        b.iter(|| black_box(read_csv(&path, &opts).expect("reads").n_rows()))
    });
    g.bench_function("read_csv_sequential", |b| {
        b.iter(|| one_thread.install(|| black_box(read_csv(&path, &opts).expect("reads").n_rows())))
    });
    g.finish();
}

criterion_group!(benches, bench_100k, bench_1m);
criterion_main!(benches);
