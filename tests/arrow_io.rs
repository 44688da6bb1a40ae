//! Arrow and Parquet in and out (features `arrow`, `parquet`): a table from record
//! batches equals the table read from the same data as CSV; a model trained from
//! Parquet scores as the one trained from CSV; scores round-trip through Parquet; bad
//! inputs are errors naming the column. The Parquet inputs are written here from the
//! bundled Telco CSV (no binary fixtures).
#![cfg(all(feature = "parquet", feature = "cli"))]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use assert_cmd::Command;
use churnkit::Error;
use churnkit::data::arrow::arrow_array::builder::StringDictionaryBuilder;
use churnkit::data::arrow::arrow_array::cast::AsArray;
use churnkit::data::arrow::arrow_array::types::{Float64Type, Int32Type};
use churnkit::data::arrow::arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch, StringArray,
};
use churnkit::data::arrow::arrow_schema::{DataType, Field, Schema};
use churnkit::data::arrow::{read_parquet, read_record_batch, read_record_batches};
use churnkit::data::{Column, CsvOptions, DataFormat, Table, read_csv, read_table_report};
use churnkit::registry::{AlgoOptions, Algorithm};
use churnkit::score::{BatchOptions, Scorer, score_csv, score_record_batch};
use churnkit::train::{Pipeline, Validation};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

const TELCO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/datasets/telco-customer-churn.csv"
);

fn telco_opts() -> CsvOptions {
    CsvOptions::new("Churn").id_column("customerID")
}

/// The cells of a CSV file by column (trimmed).
fn csv_columns(path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let names: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let mut cols = vec![Vec::new(); names.len()];
    for rec in r.records() {
        let rec = rec.unwrap();
        for (c, v) in cols.iter_mut().zip(rec.iter()) {
            c.push(v.trim().to_string());
        }
    }
    (names, cols)
}

/// A CSV typed as a warehouse export types it (independently of churnkit's
/// inference): integers `Int64`, other numbers `Float64`, the rest text (a
/// dictionary with `dictionary`); an empty cell is a null.
fn batch_from_csv(path: &str, dictionary: bool) -> RecordBatch {
    let (names, cols) = csv_columns(path);
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (name, col) in names.iter().zip(&cols) {
        let present = || col.iter().filter(|v| !v.is_empty());
        let array: ArrayRef = if present().all(|v| v.parse::<i64>().is_ok()) {
            Arc::new(Int64Array::from_iter(
                col.iter().map(|v| v.parse::<i64>().ok()),
            ))
        } else if present().all(|v| v.parse::<f64>().is_ok()) {
            Arc::new(Float64Array::from_iter(
                col.iter().map(|v| v.parse::<f64>().ok()),
            ))
        } else if dictionary {
            let mut b = StringDictionaryBuilder::<Int32Type>::new();
            for v in col {
                if v.is_empty() {
                    b.append_null();
                } else {
                    b.append_value(v);
                }
            }
            Arc::new(b.finish())
        } else {
            Arc::new(StringArray::from_iter(
                col.iter().map(|v| (!v.is_empty()).then_some(v.as_str())),
            ))
        };
        fields.push(Field::new(name, array.data_type().clone(), true));
        arrays.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap()
}

fn write_parquet(path: &Path, batches: &[RecordBatch], compression: Compression) {
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(2000))
        .build();
    let mut w = ArrowWriter::try_new(
        File::create(path).unwrap(),
        batches[0].schema(),
        Some(props),
    )
    .unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
}

/// Same schema, same codes, same labels, ids and weights (NaN equal to NaN).
fn assert_same_table(a: &Table, b: &Table) {
    assert_eq!(a.schema(), b.schema());
    assert_eq!(a.n_rows(), b.n_rows());
    assert_eq!(a.labels(), b.labels());
    assert_eq!(a.ids(), b.ids());
    assert_eq!(a.weights(), b.weights());
    for (j, (x, y)) in a.columns().iter().zip(b.columns()).enumerate() {
        let name = &a.schema().features[j].name;
        match (x, y) {
            (Column::Numeric(x), Column::Numeric(y)) => {
                let bits = |v: &[f64]| -> Vec<u64> {
                    v.iter()
                        .map(|x| if x.is_nan() { u64::MAX } else { x.to_bits() })
                        .collect()
                };
                assert_eq!(bits(x), bits(y), "column {name}");
            }
            _ => assert_eq!(x, y, "column {name}"),
        }
    }
}

#[test]
fn a_table_from_a_record_batch_equals_the_csv_table() {
    let csv = read_csv(TELCO, &telco_opts()).unwrap();
    for dictionary in [false, true] {
        let batch = batch_from_csv(TELCO, dictionary);
        let table = read_record_batch(&batch, &telco_opts()).unwrap();
        assert_same_table(&csv, &table);
        // Cut into several batches: the same table.
        let parts: Vec<RecordBatch> = (0..batch.num_rows())
            .step_by(1000)
            .map(|o| batch.slice(o, 1000.min(batch.num_rows() - o)))
            .collect();
        let (table, report) = read_record_batches(&parts, "parts", &telco_opts()).unwrap();
        assert_same_table(&csv, &table);
        assert_eq!(report.rows, csv.n_rows());
        assert_eq!(report.missing, vec![("TotalCharges".to_string(), 11)]);
        assert_eq!(report.delimiter, 0);
    }
    // The telco's features: numbers numeric, text categorical.
    let f = &csv.schema().features;
    assert!(
        f.iter()
            .find(|f| f.name == "TotalCharges")
            .unwrap()
            .is_numeric()
    );
    assert!(
        !f.iter()
            .find(|f| f.name == "Contract")
            .unwrap()
            .is_numeric()
    );
}

#[test]
fn parquet_files_read_as_the_csv_with_snappy_zstd_or_no_compression() {
    let dir = tempfile::tempdir().unwrap();
    let csv = read_csv(TELCO, &telco_opts()).unwrap();
    let batch = batch_from_csv(TELCO, true);
    for (name, c) in [
        ("snappy.parquet", Compression::SNAPPY),
        ("zstd.parquet", Compression::ZSTD(ZstdLevel::default())),
        ("plain.pq", Compression::UNCOMPRESSED),
    ] {
        let path = dir.path().join(name);
        write_parquet(&path, std::slice::from_ref(&batch), c);
        let (table, _) = read_parquet(&path, &telco_opts()).unwrap();
        assert_same_table(&csv, &table);
        let (table, _) = read_table_report(&path, None, &telco_opts()).unwrap();
        assert_same_table(&csv, &table);
    }
    // An Arrow IPC file, by its extension.
    let path = dir.path().join("telco.arrow");
    write_ipc(&path, &batch);
    let (table, _) = read_table_report(&path, None, &telco_opts()).unwrap();
    assert_same_table(&csv, &table);
    // The format given overrides the extension.
    let odd = dir.path().join("telco.data");
    std::fs::copy(dir.path().join("snappy.parquet"), &odd).unwrap();
    let (table, _) = read_table_report(&odd, Some(DataFormat::Parquet), &telco_opts()).unwrap();
    assert_same_table(&csv, &table);
}

fn write_ipc(path: &Path, batch: &RecordBatch) {
    let mut w = arrow_ipc_writer(path, batch);
    w.write(batch).unwrap();
    w.finish().unwrap();
}

fn arrow_ipc_writer(path: &Path, batch: &RecordBatch) -> arrow_ipc::writer::FileWriter<File> {
    arrow_ipc::writer::FileWriter::try_new(File::create(path).unwrap(), &batch.schema()).unwrap()
}

fn churnkit() -> Command {
    Command::cargo_bin("churnkit").unwrap()
}

fn run(args: &[&str]) {
    let out = churnkit().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "churnkit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn train(data: &Path, model: &Path) {
    run(&[
        "train",
        "--data",
        s(data),
        "--target",
        "Churn",
        "--id",
        "customerID",
        "--algo",
        "id3",
        "--seed",
        "7",
        "-o",
        s(model),
    ]);
}

#[test]
fn a_model_trained_from_parquet_scores_as_the_one_trained_from_csv() {
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("telco.parquet");
    write_parquet(&pq, &[batch_from_csv(TELCO, false)], Compression::SNAPPY);
    let (m_csv, m_pq) = (dir.path().join("csv.model"), dir.path().join("pq.model"));
    train(Path::new(TELCO), &m_csv);
    train(&pq, &m_pq);
    // Same predictions, reasons, tiers: the score files are the same bytes.
    let score = |model: &Path, data: &Path, out: &Path| {
        run(&[
            "score",
            "--model",
            s(model),
            "--data",
            s(data),
            "-o",
            s(out),
        ]);
        std::fs::read(out).unwrap()
    };
    let a = score(&m_csv, Path::new(TELCO), &dir.path().join("a.csv"));
    let b = score(&m_pq, Path::new(TELCO), &dir.path().join("b.csv"));
    assert_eq!(a, b);
    // Scoring the Parquet file gives the same CSV too.
    let c = score(&m_csv, &pq, &dir.path().join("c.csv"));
    assert_eq!(a, c);
    // And evaluate reads it.
    run(&["evaluate", "--model", s(&m_pq), "--data", s(&pq)]);
}

/// The cells of a record batch column as the CSV writes them (4 decimals).
fn cell_text(a: &dyn Array, row: usize) -> String {
    if a.is_null(row) {
        return String::new();
    }
    match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().value(row).to_string(),
        DataType::Float64 => format!("{:.4}", a.as_primitive::<Float64Type>().value(row)),
        t => panic!("unexpected output type {t}"),
    }
}

#[test]
fn scores_round_trip_through_parquet_and_arrow() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.model");
    train(Path::new(TELCO), &model);
    let csv_out = dir.path().join("s.csv");
    run(&[
        "score",
        "--model",
        s(&model),
        "--data",
        TELCO,
        "-o",
        s(&csv_out),
    ]);
    let (header, cols) = csv_columns(s(&csv_out));
    for name in ["s.parquet", "s.arrow"] {
        let out = dir.path().join(name);
        run(&[
            "score",
            "--model",
            s(&model),
            "--data",
            TELCO,
            "-o",
            s(&out),
        ]);
        let (schema, batches) = match DataFormat::from_path(&out) {
            DataFormat::Parquet => {
                let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                    File::open(&out).unwrap(),
                )
                .unwrap()
                .build()
                .unwrap();
                use churnkit::data::arrow::arrow_array::RecordBatchReader;
                let schema = r.schema();
                (schema, r.collect::<Result<Vec<_>, _>>().unwrap())
            }
            _ => {
                let r = arrow_ipc::reader::FileReader::try_new(File::open(&out).unwrap(), None)
                    .unwrap();
                let schema = r.schema();
                (schema, r.collect::<Result<Vec<_>, _>>().unwrap())
            }
        };
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, header);
        assert_eq!(
            schema.field_with_name("p_churned").unwrap().data_type(),
            &DataType::Float64
        );
        assert_eq!(
            schema.field_with_name("tier").unwrap().data_type(),
            &DataType::Utf8
        );
        let mut row = 0;
        for b in &batches {
            for r in 0..b.num_rows() {
                for (j, col) in cols.iter().enumerate() {
                    let got = cell_text(b.column(j).as_ref(), r);
                    let want = &col[row];
                    if b.column(j).data_type() == &DataType::Float64 && !want.is_empty() {
                        let (g, w): (f64, f64) = (got.parse().unwrap(), want.parse().unwrap());
                        assert_eq!(g, w, "{name} row {row} {}", header[j]);
                    } else {
                        assert_eq!(&got, want, "{name} row {row} column {}", header[j]);
                    }
                }
                row += 1;
            }
        }
        assert_eq!(row, cols[0].len());
    }
}

#[test]
fn score_record_batch_matches_csv_batch_scoring() {
    let table = read_csv(TELCO, &telco_opts()).unwrap();
    let model = Pipeline::new(Algorithm::NaiveBayes, AlgoOptions::default())
        .validation(Validation::None)
        .fit(&table)
        .unwrap()
        .model;
    let scorer = Scorer::new(&model);
    let opts = BatchOptions {
        chunk_rows: 1500,
        ..BatchOptions::default()
    };
    let mut csv_out = Vec::new();
    let csv_report = score_csv(&scorer, File::open(TELCO).unwrap(), &mut csv_out, &opts).unwrap();
    let batch = batch_from_csv(TELCO, true);
    let (scores, report) = score_record_batch(&scorer, &batch, &opts).unwrap();
    assert_eq!(report, csv_report);
    assert_eq!(scores.num_rows(), 7043);
    let mut r = csv::Reader::from_reader(&csv_out[..]);
    for (row, rec) in r.records().enumerate() {
        let rec = rec.unwrap();
        for (j, want) in rec.iter().enumerate() {
            let col = scores.column(j);
            if col.data_type() == &DataType::Float64 && !want.is_empty() {
                // Full precision: the same f64 as the CSV's shortest form.
                let got = col.as_primitive::<Float64Type>().value(row);
                assert_eq!(got, want.parse::<f64>().unwrap(), "row {row} col {j}");
            } else {
                let got = if col.is_null(row) {
                    ""
                } else {
                    col.as_string::<i32>().value(row)
                };
                assert_eq!(got, want, "row {row} col {j}");
            }
        }
    }
}

fn small_batch(label: &[&str]) -> Vec<(&'static str, ArrayRef)> {
    vec![
        (
            "tenure",
            Arc::new(Float64Array::from(vec![1.0, 30.0, 5.0])) as ArrayRef,
        ),
        (
            "senior",
            Arc::new(BooleanArray::from(vec![true, false, false])),
        ),
        ("Churn", Arc::new(StringArray::from(label.to_vec()))),
    ]
}

#[test]
fn unsupported_types_missing_labels_and_unknown_labels_are_errors_naming_the_column() {
    // A list column: an error naming it and its type, unless dropped.
    let list = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
        Some(vec![Some(1)]),
        None,
        Some(vec![]),
    ]);
    let mut cols = small_batch(&["Yes", "No", "No"]);
    cols.push(("calls", Arc::new(list)));
    let batch = RecordBatch::try_from_iter(cols).unwrap();
    let e = read_record_batch(&batch, &CsvOptions::new("Churn")).unwrap_err();
    match &e {
        Error::Schema { location, message } => {
            assert_eq!(location.column.as_deref(), Some("calls"));
            assert!(
                message.contains("List(") && message.contains("not supported"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    let t = read_record_batch(&batch, &CsvOptions::new("Churn").drop_columns(["calls"])).unwrap();
    assert_eq!(t.n_features(), 2);
    // The boolean is categorical with levels false, true.
    assert_eq!(t.schema().features[1].levels(), ["false", "true"]);
    assert_eq!(t.labels(), [1, 0, 0]);

    // No label column.
    let batch = RecordBatch::try_from_iter(small_batch(&["Yes", "No", "No"])).unwrap();
    let e = read_record_batch(&batch, &CsvOptions::new("Exited")).unwrap_err();
    match &e {
        Error::Schema { location, message } => {
            assert_eq!(location.column.as_deref(), Some("Exited"));
            assert!(
                message.contains("no such column (given as the target)"),
                "{e}"
            );
            assert!(message.contains("tenure, senior, Churn"), "{e}");
        }
        other => panic!("{other:?}"),
    }

    // An unknown label: named with its column and row (line 4 of a CSV export).
    let batch = RecordBatch::try_from_iter(small_batch(&["Yes", "No", "Maybe"])).unwrap();
    let e = read_record_batch(&batch, &CsvOptions::new("Churn")).unwrap_err();
    match &e {
        Error::Label {
            location, value, ..
        } => {
            assert_eq!(location.column.as_deref(), Some("Churn"));
            assert_eq!(location.line, Some(4));
            assert_eq!(value, "Maybe");
        }
        other => panic!("{other:?}"),
    }
    // A null label is a missing label.
    let label: ArrayRef = Arc::new(StringArray::from(vec![Some("Yes"), None, Some("No")]));
    let batch = RecordBatch::try_from_iter(vec![
        (
            "tenure",
            Arc::new(Float64Array::from(vec![1.0, 30.0, 5.0])) as ArrayRef,
        ),
        ("Churn", label),
    ])
    .unwrap();
    let e = read_record_batch(&batch, &CsvOptions::new("Churn")).unwrap_err();
    assert!(
        matches!(&e, Error::Label { location, .. } if location.line == Some(3)),
        "{e:?}"
    );
}

#[test]
fn declared_kinds_bad_numbers_and_weights() {
    let text_numbers: ArrayRef = Arc::new(StringArray::from(vec!["1.5", " 2 ", "NA", "x"]));
    let code: ArrayRef = Arc::new(Int64Array::from(vec![408, 415, 408, 510]));
    let w: ArrayRef = Arc::new(Float64Array::from(vec![
        Some(1.0),
        Some(2.0),
        None,
        Some(1.0),
    ]));
    let label: ArrayRef = Arc::new(Int64Array::from(vec![1, 0, 0, 1]));
    let batch = RecordBatch::try_from_iter(vec![
        ("charges", text_numbers),
        ("area", code),
        ("w", w),
        ("Churn", label),
    ])
    .unwrap();
    // Text declared numeric: `x` is a bad cell naming the column and row.
    let opts = CsvOptions::new("Churn")
        .numeric(["charges"])
        .categorical(["area"]);
    let e = read_record_batch(&batch, &opts).unwrap_err();
    match &e {
        Error::Value {
            location, value, ..
        } => {
            assert_eq!(location.column.as_deref(), Some("charges"));
            assert_eq!(location.line, Some(5));
            assert_eq!(value, "x");
        }
        other => panic!("{other:?}"),
    }
    let opts = opts.on_bad_cell(churnkit::data::BadCellPolicy::Missing);
    let (t, report) = read_record_batches(std::slice::from_ref(&batch), "b", &opts).unwrap();
    assert_eq!(report.bad_cells[0].column, "charges");
    let Column::Numeric(v) = t.column(0) else {
        panic!()
    };
    assert_eq!(&v[..2], &[1.5, 2.0]);
    assert!(v[2].is_nan() && v[3].is_nan());
    // Integers declared categorical: levels as text.
    assert_eq!(t.schema().features[1].levels(), ["408", "415", "510"]);
    // A null weight is an error naming the weight column.
    let e = read_record_batch(&batch, &opts.clone().weight_column("w")).unwrap_err();
    assert!(
        matches!(&e, Error::Value { location, .. } if location.column.as_deref() == Some("w") && location.line == Some(4)),
        "{e:?}"
    );
}

#[test]
fn scoring_refuses_an_unsupported_column_the_model_needs() {
    let table = read_csv(TELCO, &telco_opts()).unwrap();
    let model = Pipeline::new(Algorithm::ZeroR, AlgoOptions::default())
        .validation(Validation::None)
        .fit(&table)
        .unwrap()
        .model;
    let scorer = Scorer::new(&model);
    // The Telco batch with `Contract` as lists.
    let telco = batch_from_csv(TELCO, false);
    let n = telco.num_rows();
    let list =
        ListArray::from_iter_primitive::<Int32Type, _, _>((0..n).map(|_| Some(vec![Some(1)])));
    let j = telco.schema().index_of("Contract").unwrap();
    let mut columns = telco.columns().to_vec();
    columns[j] = Arc::new(list);
    let mut fields: Vec<Field> = telco
        .schema()
        .fields()
        .iter()
        .map(|f| (**f).clone())
        .collect();
    fields[j] = Field::new("Contract", columns[j].data_type().clone(), true);
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
    let e = score_record_batch(&scorer, &batch, &BatchOptions::default()).unwrap_err();
    assert!(
        matches!(&e, Error::Schema { location, .. } if location.column.as_deref() == Some("Contract")),
        "{e:?}"
    );
}

#[test]
fn a_corrupt_parquet_file_is_a_format_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("bad.parquet");
    std::fs::write(&path, b"PAR1 not really").unwrap();
    let e = read_parquet(&path, &telco_opts()).unwrap_err();
    assert!(matches!(e, Error::Format { .. }), "{e:?}");
    assert!(e.to_string().contains("bad.parquet"), "{e}");
}

#[test]
fn an_infinite_float_is_a_bad_cell_and_nan_is_missing() {
    let x: ArrayRef = Arc::new(Float64Array::from(vec![
        Some(1.0),
        Some(f64::NAN),
        None,
        Some(f64::INFINITY),
    ]));
    let label: ArrayRef = Arc::new(BooleanArray::from(vec![true, false, false, true]));
    let batch = RecordBatch::try_from_iter(vec![("x", x), ("Churn", label)]).unwrap();
    let e = read_record_batch(&batch, &CsvOptions::new("Churn")).unwrap_err();
    assert!(
        matches!(&e, Error::Value { location, value, .. }
            if location.column.as_deref() == Some("x") && location.line == Some(5) && value == "inf"),
        "{e:?}"
    );
    let opts = CsvOptions::new("Churn").on_bad_cell(churnkit::data::BadCellPolicy::Missing);
    let (t, report) = read_record_batches(std::slice::from_ref(&batch), "b", &opts).unwrap();
    assert_eq!(report.bad_cells[0].count, 1);
    assert_eq!(report.missing, vec![("x".to_string(), 3)]);
    assert_eq!(t.labels(), [1, 0, 0, 1]);
}
