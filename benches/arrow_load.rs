//! Loading 1M customers × 20 features from Parquet, as a ratio to loading the same
//! data from CSV in the same run (feature `parquet`).
//!
//! Data: `synth::generate` (seed 42, 1,000,000 rows: 20 features, 2 % missing cells,
//! an id and a three-state label), written once to a temporary directory as CSV
//! (`synth::write_csv`, ~125 MB) and as Parquet (snappy, row groups of 128k rows) in
//! two shapes: categorical columns as Arrow dictionaries (how polars, pandas
//! categoricals and Spark exports keep them) and as plain `Utf8` text. Each bench
//! reads the whole file into a `Table` with the same options; the files are deleted
//! at the end. `parquet_dictionary_decode_only` decodes the dictionary file with the
//! parquet crate alone (one thread, no table), the floor under the loads.
//!
//! Measured on the 2-core machine when quiet (load below 0.1; 2026-12-05): CSV
//! 2.05 s, Parquet with dictionaries 0.121 s, with `Utf8` 0.119 s (ratios 0.059 and
//! 0.058; the target is 0.2 s), decoding alone 0.050 s. Run:
//! `cargo bench --features parquet --bench arrow_load`.

use std::fs::File;
use std::hint::black_box;
use std::io::BufWriter;
use std::sync::Arc;

use churnkit::data::arrow::arrow_array::builder::StringDictionaryBuilder;
use churnkit::data::arrow::arrow_array::types::Int32Type;
use churnkit::data::arrow::arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use churnkit::data::arrow::arrow_schema::{Field, Schema};
use churnkit::data::arrow::read_parquet;
use churnkit::data::{Cell, CsvOptions, Table, read_csv};
use churnkit::synth::{self, SynthParams};
use criterion::{Criterion, criterion_group, criterion_main};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

const ROWS: usize = 1_000_000;

/// The generated table as one record batch (numbers `Float64`, text as dictionaries or
/// `Utf8`; missing cells null).
fn batch(t: &Table, dictionary: bool) -> RecordBatch {
    let s = t.schema();
    let text = |name: &str, values: Vec<Option<&str>>| -> (Field, ArrayRef) {
        let a: ArrayRef = if dictionary {
            let mut b = StringDictionaryBuilder::<Int32Type>::new();
            for v in values {
                b.append_option(v);
            }
            Arc::new(b.finish())
        } else {
            Arc::new(StringArray::from(values))
        };
        (Field::new(name, a.data_type().clone(), true), a)
    };
    let mut cols: Vec<(Field, ArrayRef)> = Vec::new();
    let ids = t.ids().expect("synth has ids");
    let id: ArrayRef = Arc::new(StringArray::from_iter_values(ids));
    cols.push((Field::new("customer_id", id.data_type().clone(), false), id));
    for (j, f) in s.features.iter().enumerate() {
        if f.is_numeric() {
            let a: ArrayRef =
                Arc::new(Float64Array::from_iter((0..t.n_rows()).map(
                    |r| match t.cell(r, j) {
                        Cell::Num(x) => Some(x),
                        _ => None,
                    },
                )));
            cols.push((Field::new(&f.name, a.data_type().clone(), true), a));
        } else {
            let values = (0..t.n_rows())
                .map(|r| match t.cell(r, j) {
                    Cell::Cat(c) => Some(c),
                    _ => None,
                })
                .collect();
            cols.push(text(&f.name, values));
        }
    }
    let classes = &s.target.classes;
    let labels = t
        .labels()
        .iter()
        .map(|&l| Some(classes[l as usize].as_str()))
        .collect();
    cols.push(text(&s.target.name, labels));
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = cols.into_iter().unzip();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).expect("a valid batch")
}

fn write_parquet(path: &std::path::Path, batch: &RecordBatch) {
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(128 * 1024))
        .build();
    let mut w = ArrowWriter::try_new(
        File::create(path).expect("create"),
        batch.schema(),
        Some(props),
    )
    .expect("writer");
    w.write(batch).expect("write");
    w.close().expect("close");
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = SynthParams {
        rows: ROWS,
        ..SynthParams::default()
    };
    let csv = dir.path().join("synth.csv");
    synth::write_csv(&p, BufWriter::new(File::create(&csv).expect("create"))).expect("csv");
    let table = synth::generate(&p).expect("generate");
    let dict = dir.path().join("synth-dict.parquet");
    let utf8 = dir.path().join("synth-utf8.parquet");
    write_parquet(&dict, &batch(&table, true));
    write_parquet(&utf8, &batch(&table, false));
    drop(table);
    let opts = CsvOptions::new("status").id_column("customer_id");
    // The same table from every file.
    let from_csv = read_csv(&csv, &opts).expect("csv reads");
    for f in [&dict, &utf8] {
        let (t, _) = read_parquet(f, &opts).expect("parquet reads");
        assert_eq!(t.schema(), from_csv.schema());
        assert_eq!(t.labels(), from_csv.labels());
    }
    drop(from_csv);
    let mb = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len()) / 1_000_000;
    eprintln!(
        "files: csv {} MB, parquet (dictionary) {} MB, parquet (utf8) {} MB",
        mb(&csv),
        mb(&dict),
        mb(&utf8)
    );
    let mut g = c.benchmark_group("load_1m_x20");
    g.sample_size(10);
    g.bench_function("csv", |b| {
        b.iter(|| black_box(read_csv(&csv, &opts).expect("reads").n_rows()))
    });
    g.bench_function("parquet_dictionary", |b| {
        b.iter(|| black_box(read_parquet(&dict, &opts).expect("reads").0.n_rows()))
    });
    g.bench_function("parquet_utf8", |b| {
        b.iter(|| black_box(read_parquet(&utf8, &opts).expect("reads").0.n_rows()))
    });
    // Decoding alone (the parquet crate, one thread, no table): the floor under the
    // two above.
    g.bench_function("parquet_dictionary_decode_only", |b| {
        b.iter(|| {
            let r = ParquetRecordBatchReaderBuilder::try_new(File::open(&dict).expect("open"))
                .expect("parquet")
                .with_batch_size(64 * 1024)
                .build()
                .expect("reader");
            let rows: usize = r.map(|b| b.expect("batch").num_rows()).sum();
            black_box(rows)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
