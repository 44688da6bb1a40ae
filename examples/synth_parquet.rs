//! Writes a generated churn table (`churnkit::synth`) of any size as Parquet, one
//! million rows at a time (so memory stays at one chunk's table): the input of the
//! raw-Parquet engine measurements in the README.
//!
//! Chunk `i` is `synth::generate` with seed `seed + i` (rows `i·10⁶ …`); text columns
//! are written as `Utf8` (nulls for missing cells), numbers as `Float64`, with an id
//! column `customer_id` and the label `status`; row groups of 128 Ki rows, snappy.
//!
//! Run: `cargo run --release --features parquet --example synth_parquet -- ROWS
//! OUT.parquet [SEED]`, e.g. `… -- 10000000 /tmp/synth-10m.parquet` (about 170 MB).

use std::fs::File;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use churnkit::data::{Cell, Table};
use churnkit::synth::{SynthParams, generate};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

const CHUNK: usize = 1_000_000;

/// The table as a record batch (ids prefixed with the chunk number, so they stay
/// distinct across chunks).
fn batch(t: &Table, chunk: usize) -> RecordBatch {
    let s = t.schema();
    let mut cols: Vec<(Field, ArrayRef)> = Vec::new();
    let ids = t.ids().expect("synth has ids");
    let id: ArrayRef = Arc::new(StringArray::from_iter_values(
        ids.iter().map(|i| format!("{chunk}-{i}")),
    ));
    cols.push((Field::new("customer_id", DataType::Utf8, false), id));
    for (j, f) in s.features.iter().enumerate() {
        let a: ArrayRef = if f.is_numeric() {
            Arc::new(Float64Array::from_iter((0..t.n_rows()).map(
                |r| match t.cell(r, j) {
                    Cell::Num(x) => Some(x),
                    _ => None,
                },
            )))
        } else {
            Arc::new(StringArray::from_iter((0..t.n_rows()).map(
                |r| match t.cell(r, j) {
                    Cell::Cat(c) => Some(c),
                    _ => None,
                },
            )))
        };
        cols.push((Field::new(&f.name, a.data_type().clone(), true), a));
    }
    let classes = &s.target.classes;
    let labels: ArrayRef = Arc::new(StringArray::from_iter_values(
        t.labels().iter().map(|&l| classes[l as usize].as_str()),
    ));
    cols.push((Field::new(&s.target.name, DataType::Utf8, false), labels));
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = cols.into_iter().unzip();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).expect("a valid batch")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(rows), Some(out)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: synth_parquet ROWS OUT.parquet [SEED]");
        std::process::exit(2);
    };
    let rows: usize = rows.parse()?;
    let seed: u64 = args.get(3).map_or(Ok(7), |s| s.parse())?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(128 * 1024))
        .build();
    let mut writer: Option<ArrowWriter<File>> = None;
    let mut done = 0;
    let mut chunk = 0;
    while done < rows {
        let n = CHUNK.min(rows - done);
        let t = generate(&SynthParams {
            rows: n,
            seed: seed + chunk as u64,
            ..SynthParams::default()
        })?;
        let b = batch(&t, chunk);
        let w = match &mut writer {
            Some(w) => w,
            None => writer.insert(ArrowWriter::try_new(
                File::create(out)?,
                b.schema(),
                Some(props.clone()),
            )?),
        };
        w.write(&b)?;
        done += n;
        chunk += 1;
        eprintln!("{done} rows written");
    }
    if let Some(w) = writer {
        w.close()?;
    }
    let bytes = std::fs::metadata(out)?.len();
    eprintln!("{out}: {rows} rows, {:.1} MB", bytes as f64 / 1e6);
    Ok(())
}
