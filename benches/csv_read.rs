//! CSV reading speed, as a ratio to a baseline measured in the same run: the raw
//! `csv::ByteRecord` pass over the same bytes (parsing only, no types, no labels).
//!
//! Data: 100,000 rows × 20 features (10 numeric, 10 categorical) + a Yes/No label,
//! generated deterministically in memory.

use std::hint::black_box;

use churnkit::data::{CsvOptions, read_csv_from};
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

fn bench(c: &mut Criterion) {
    let bytes = data(100_000);
    let opts = CsvOptions::new("churn");
    let mut g = c.benchmark_group("csv_read_100k_x20");
    g.sample_size(10);
    g.bench_function("baseline_raw_csv_parse", |b| {
        b.iter(|| {
            let mut rdr = csv::ReaderBuilder::new().from_reader(&bytes[..]);
            let mut rec = csv::ByteRecord::new();
            let mut n = 0usize;
            while rdr.read_byte_record(&mut rec).expect("valid csv") {
                n += rec.len();
            }
            black_box(n)
        })
    });
    g.bench_function("read_csv_from", |b| {
        b.iter(|| {
            let (t, _) = read_csv_from(&bytes[..], "bench.csv", &opts).expect("reads");
            black_box(t.n_rows())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
