//! Distributed counting (feature `distributed`): the models learned through aggregate
//! queries on DataFusion and on Ballista's standalone mode are the in-memory models —
//! the same trees (the serialized tree, node by node, counts included) and the same
//! networks (structure and CPTs) — on the bundled Telco data.
//!
//! The counters' tests use fixed parameters (`Id3::weighted()`, the weighted-entropy
//! ID3, and variants); the CLI's tests also train with the in-memory defaults
//! (self-tuning and validation on a sample in memory, the final fit on the engine).
#![cfg(feature = "distributed")]

use std::sync::Arc;

use churnkit::bayes::{NaiveBayes, Tan};
use churnkit::count::distributed::{DistributedCounter, Engine, Session, write_codes_parquet};
use churnkit::count::{CountTable, Counter, InMemory, Rows, Var};
use churnkit::data::{Binning, CsvOptions, Discretizer, Encoded, EncodedSchema, read_csv};
use churnkit::tree::{Criterion, DecisionTree, Id3, Id3Params, NumericSplits, Pruning};

fn telco() -> Encoded {
    let t = read_csv(
        concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-train.csv"),
        &CsvOptions::new("Churn").id_column("customerID"),
    )
    .unwrap();
    let d = Discretizer::fit(&t, &t.all_rows(), &Binning::EqualFrequency { bins: 16 }).unwrap();
    d.encode(&t).unwrap()
}

fn variants() -> Vec<(&'static str, Id3Params)> {
    vec![
        ("weighted-id3", Id3::weighted()),
        ("id3-unpruned-depth-6", Id3::params().max_depth(Some(6))),
        (
            "gain-ratio-binary-cost-complexity",
            Id3::params()
                .criterion(Criterion::GainRatio)
                .numeric_splits(NumericSplits::Binary)
                .pruning(Pruning::CostComplexity { alpha: 0.001 })
                .max_depth(Some(5)),
        ),
    ]
}

fn same_tree(name: &str, a: &DecisionTree, b: &DecisionTree) {
    assert_eq!(a.nodes(), b.nodes(), "{name}: nodes");
    assert_eq!(
        serde_json::to_string(a).unwrap(),
        serde_json::to_string(b).unwrap(),
        "{name}: serialized tree"
    );
}

/// Every tree variant, naive Bayes and TAN through `counter` equal the in-memory fits;
/// each tree costs one query per level plus the root's class counts.
fn same_models(enc: &Encoded, counter: &DistributedCounter) {
    let schema = enc.schema().clone();
    for (name, p) in variants() {
        let p = p.check().unwrap();
        let before = counter.queries();
        let mut levels = 0;
        let dist = p
            .fit_level_wise_with_progress(&schema, counter, |_| levels += 1)
            .unwrap();
        counter.check().unwrap();
        assert_eq!(counter.queries() - before, levels + 1, "{name}: queries");
        assert!(
            dist.n_nodes() > 10,
            "{name}: a real tree ({} nodes)",
            dist.n_nodes()
        );
        same_tree(name, &dist, &p.fit(enc).unwrap());
    }
    let nb = NaiveBayes::new();
    assert_eq!(
        nb.fit_encoded_with(enc, counter, "Churn").unwrap(),
        nb.fit_encoded(enc, "Churn").unwrap(),
        "naive Bayes"
    );
    let tan = Tan::new();
    assert_eq!(
        tan.fit_encoded_with(enc, counter, "Churn").unwrap(),
        tan.fit_encoded(enc, "Churn").unwrap(),
        "TAN"
    );
    counter.check().unwrap();
}

#[test]
fn datafusion_in_memory_codes_learn_the_in_memory_models() {
    let enc = telco();
    let counter =
        DistributedCounter::from_encoded(Session::start(Engine::DataFusion).unwrap(), &enc)
            .unwrap();
    // Count tables of any variable list over all rows equal the in-memory ones.
    let mem = InMemory::new(&enc);
    for vars in [
        vec![],
        vec![Var::Class],
        vec![Var::Feature(3), Var::Class],
        vec![Var::Class, Var::Feature(0), Var::Feature(5)],
    ] {
        let (mut a, mut b) = (CountTable::default(), CountTable::default());
        counter.contingency(Rows::All, &vars, &mut a);
        mem.contingency(Rows::All, &vars, &mut b);
        assert_eq!(a, b, "{vars:?}");
    }
    same_models(&enc, &counter);
}

#[test]
fn datafusion_parquet_codes_learn_the_in_memory_models() {
    let enc = telco();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("codes.parquet");
    write_codes_parquet(&enc, &path).unwrap();
    let counter = DistributedCounter::from_parquet(
        Session::start(Engine::DataFusion).unwrap(),
        path.to_str().unwrap(),
        enc.schema().clone(),
    )
    .unwrap();
    assert_eq!(counter.n_rows(), enc.n_rows());
    same_models(&enc, &counter);
}

#[test]
fn ballista_standalone_learns_the_in_memory_models() {
    let enc = telco();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("codes.parquet");
    write_codes_parquet(&enc, &path).unwrap();
    let session = Session::start(Engine::BallistaStandalone).unwrap();
    // Ballista ships plans to executors: an in-memory table is refused by name.
    let err = DistributedCounter::from_encoded(session, &enc)
        .unwrap_err()
        .to_string();
    assert!(err.contains("write_codes_parquet"), "{err}");
    let counter = DistributedCounter::from_parquet(
        Session::start(Engine::BallistaStandalone).unwrap(),
        path.to_str().unwrap(),
        enc.schema().clone(),
    )
    .unwrap();
    same_models(&enc, &counter);
}

#[test]
fn bad_codes_and_engines_are_named_errors() {
    let enc = telco();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("codes.parquet");
    write_codes_parquet(&enc, &path).unwrap();
    let start = || Session::start(Engine::DataFusion).unwrap();
    let p = path.to_str().unwrap();

    // A schema with a feature more than the file has.
    let mut wider: EncodedSchema = (**enc.schema()).clone();
    wider.features.push(wider.features[0].clone());
    let err = DistributedCounter::from_parquet(start(), p, Arc::new(wider))
        .unwrap_err()
        .to_string();
    let last = enc.n_features();
    assert!(
        err.contains(&format!("`f{last}`")) && err.contains(p),
        "{err}"
    );

    // A schema with fewer levels than the file's codes use.
    let mut narrower: EncodedSchema = (**enc.schema()).clone();
    let j = (0..enc.n_features())
        .find(|&j| narrower.features[j].levels.len() > 2)
        .unwrap();
    narrower.features[j].levels = ["only".to_string()].into_iter().collect();
    let err = DistributedCounter::from_parquet(start(), p, Arc::new(narrower))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("`f{j}`")) && err.contains("at or above"),
        "{err}"
    );

    // No such file.
    let missing = dir.path().join("nowhere.parquet");
    let err =
        DistributedCounter::from_parquet(start(), missing.to_str().unwrap(), enc.schema().clone())
            .unwrap_err()
            .to_string();
    assert!(err.contains("nowhere.parquet"), "{err}");

    // Engines.
    assert_eq!(Engine::parse("datafusion").unwrap(), Engine::DataFusion);
    assert_eq!(
        Engine::parse("ballista").unwrap(),
        Engine::BallistaStandalone
    );
    assert_eq!(
        Engine::parse("ballista=sched:50050").unwrap(),
        Engine::Ballista("sched:50050".into())
    );
    for bad in ["spark", "ballista=", ""] {
        let err = Engine::parse(bad).unwrap_err().to_string();
        assert!(err.contains("ballista=HOST:PORT"), "{bad}: {err}");
    }

    // Row subsets are not counted: recorded, returned by check().
    let counter = DistributedCounter::from_encoded(start(), &enc).unwrap();
    let mut t = CountTable::default();
    counter.contingency(Rows::Subset(&[1, 2, 3]), &[Var::Class], &mut t);
    assert_eq!(t.total(), 0.0);
    let err = counter.check().unwrap_err().to_string();
    assert!(err.contains("row subsets"), "{err}");
    counter.check().unwrap();
}

/// `churnkit train --engine datafusion|ballista` writes the model file `train --tune
/// off --validate none` writes, byte for byte, reporting each tree level on stderr;
/// bad engines and in-memory-only options are usage errors.
#[test]
fn the_cli_engines_write_the_in_memory_model_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-train.csv");
    let train = |extra: &[&str], out: &str| {
        let path = dir.path().join(out);
        let got = assert_cmd::Command::cargo_bin("churnkit")
            .unwrap()
            .args([
                "train",
                "--data",
                data,
                "--target",
                "Churn",
                "--id",
                "customerID",
            ])
            .args(extra)
            .arg("-o")
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&got.stderr).into_owned();
        (got.status.code(), std::fs::read(&path).ok(), stderr)
    };
    let (code, mem, _) = train(&["--tune", "off", "--validate", "none"], "mem.model");
    assert_eq!(code, Some(0));
    let fixed = ["--tune", "off", "--validate", "none"];
    let (code, df, stderr) = train(
        &[&fixed[..], &["--engine", "datafusion"]].concat(),
        "df.model",
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(df, mem, "DataFusion: the same model bytes");
    assert!(
        stderr.contains("level 0: counting 1 open nodes"),
        "{stderr}"
    );
    assert!(stderr.contains("level 3: counting"), "{stderr}");
    let (code, ba, stderr) = train(
        &[&fixed[..], &["--engine", "ballista"]].concat(),
        "ballista.model",
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(ba, mem, "Ballista: the same model bytes");
    let (code, mem_nb, _) = train(&["--algo", "tan", "--validate", "none"], "mem-tan.model");
    assert_eq!(code, Some(0));
    let (code, df_nb, stderr) = train(
        &[
            "--algo",
            "tan",
            "--validate",
            "none",
            "--engine",
            "datafusion",
        ],
        "df-tan.model",
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(df_nb, mem_nb, "TAN: the same model bytes");

    for (args, needle) in [
        (&["--engine", "spark"][..], "ballista=HOST:PORT"),
        (
            &["--engine", "datafusion", "--duration", "tenure"][..],
            "all rows",
        ),
        (
            &["--engine", "datafusion", "--no-refit"][..],
            "in-memory only",
        ),
        (
            &["--engine", "datafusion", "--stream-sample", "1"][..],
            "at least 2",
        ),
        (
            &["--engine", "datafusion", "--algo", "cart"][..],
            "id3, id3-weighted",
        ),
        (
            &["--engine", "datafusion", "--algo", "c45"][..],
            "own-branch",
        ),
    ] {
        let (code, _, stderr) = train(args, "bad.model");
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

// ---------------------------------------------------------------------------------
// Raw Parquet: the engine reads the table, churnkit never holds it.

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema as ArrowSchema};
use churnkit::data::{Cell, Table};

/// The Telco training table as a record batch of rows `rows`: the id and most text
/// columns `Utf8`, `Contract` and the label as dictionaries, `SeniorCitizen` and
/// `Tenure` as `Int64`, the other numbers `Float64`; missing cells null.
fn telco_batch(t: &Table, rows: std::ops::Range<usize>) -> RecordBatch {
    let s = t.schema();
    let mut cols: Vec<(Field, ArrayRef)> = Vec::new();
    let ids = t.ids().expect("telco has ids");
    let id: ArrayRef = Arc::new(StringArray::from_iter_values(
        ids[rows.clone()].iter().map(String::as_str),
    ));
    cols.push((Field::new("customerID", DataType::Utf8, false), id));
    let dict = |values: Vec<Option<&str>>| -> ArrayRef {
        let mut b = StringDictionaryBuilder::<Int32Type>::new();
        for v in values {
            b.append_option(v);
        }
        Arc::new(b.finish())
    };
    for (j, f) in s.features.iter().enumerate() {
        let a: ArrayRef = if f.is_numeric() {
            let v = rows.clone().map(|r| match t.cell(r, j) {
                Cell::Num(x) => Some(x),
                _ => None,
            });
            if f.name == "SeniorCitizen" || f.name == "Tenure" {
                Arc::new(Int64Array::from_iter(v.map(|x| x.map(|x| x as i64))))
            } else {
                Arc::new(Float64Array::from_iter(v))
            }
        } else {
            let v: Vec<Option<&str>> = rows
                .clone()
                .map(|r| match t.cell(r, j) {
                    Cell::Cat(c) => Some(c),
                    _ => None,
                })
                .collect();
            if f.name == "Contract" {
                dict(v)
            } else {
                Arc::new(StringArray::from(v))
            }
        };
        cols.push((Field::new(&f.name, a.data_type().clone(), true), a));
    }
    let classes = &s.target.classes;
    let labels: Vec<Option<&str>> = rows
        .clone()
        .map(|r| {
            Some(if classes[t.labels()[r] as usize] == "churned" {
                "Yes"
            } else {
                "No"
            })
        })
        .collect();
    let a = dict(labels);
    cols.push((Field::new("Churn", a.data_type().clone(), false), a));
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = cols.into_iter().unzip();
    RecordBatch::try_new(Arc::new(ArrowSchema::new(fields)), arrays).unwrap()
}

fn write_parquet(path: &std::path::Path, batch: &RecordBatch) {
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(1000))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
}

/// The Telco training data as one Parquet file (`telco.parquet`) and split into three
/// (`parts/part-0.parquet` …, the rows in order).
fn telco_parquet(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let t = read_csv(
        concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-train.csv"),
        &CsvOptions::new("Churn").id_column("customerID"),
    )
    .unwrap();
    let n = t.n_rows();
    let whole = dir.join("telco.parquet");
    write_parquet(&whole, &telco_batch(&t, 0..n));
    let parts = dir.join("parts");
    std::fs::create_dir(&parts).unwrap();
    let cuts = [0, n / 3, 2 * n / 3 + 17, n];
    for i in 0..3 {
        write_parquet(
            &parts.join(format!("part-{i}.parquet")),
            &telco_batch(&t, cuts[i]..cuts[i + 1]),
        );
    }
    (whole, parts)
}

fn train_cli(args: &[&str], out: &std::path::Path) -> (Option<i32>, Option<Vec<u8>>, String) {
    let got = assert_cmd::Command::cargo_bin("churnkit")
        .unwrap()
        .args(["train", "--target", "Churn", "--id", "customerID"])
        .args(args)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&got.stderr).into_owned();
    (got.status.code(), std::fs::read(out).ok(), stderr)
}

/// `churnkit train --engine datafusion|ballista` on raw Parquet — one file, a
/// directory, a glob of three files — writes the model file the in-memory `train
/// --tune off --validate none` writes from the whole file, byte for byte, for
/// weighted ID3, naive Bayes and TAN.
#[test]
fn raw_parquet_engine_path_writes_the_in_memory_model_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, parts) = telco_parquet(dir.path());
    let whole = whole.to_str().unwrap().to_string();
    let glob = format!("{}/part-*.parquet", parts.display());
    let parts_dir = parts.to_str().unwrap().to_string();
    for algo in ["id3-weighted", "naive-bayes", "tan"] {
        let mem_out = dir.path().join(format!("{algo}-mem.model"));
        let (code, mem, stderr) = train_cli(
            &[
                "--data",
                &whole,
                "--algo",
                algo,
                "--tune",
                "off",
                "--validate",
                "none",
            ][..]
                .iter()
                .copied()
                .filter(|a| algo == "id3-weighted" || (*a != "--tune" && *a != "off"))
                .collect::<Vec<_>>(),
            &mem_out,
        );
        assert_eq!(code, Some(0), "{algo} in memory: {stderr}");
        let mem = mem.unwrap();
        let mut engines = vec![
            ("datafusion", whole.as_str()),
            ("datafusion", glob.as_str()),
        ];
        if algo == "id3-weighted" {
            engines.push(("datafusion", parts_dir.as_str()));
            engines.push(("ballista", glob.as_str()));
        }
        for (engine, data) in engines {
            let out = dir.path().join(format!("{algo}-{engine}.model"));
            let _ = std::fs::remove_file(&out);
            let (code, got, stderr) = train_cli(
                &[
                    "--data",
                    data,
                    "--algo",
                    algo,
                    "--engine",
                    engine,
                    "--tune",
                    "off",
                    "--validate",
                    "none",
                ][..]
                    .iter()
                    .copied()
                    .filter(|a| algo == "id3-weighted" || (*a != "--tune" && *a != "off"))
                    .collect::<Vec<_>>(),
                &out,
            );
            assert_eq!(code, Some(0), "{algo} {engine} {data}: {stderr}");
            assert!(
                stderr.contains("raw Parquet") || stderr.contains("Parquet file(s)"),
                "{stderr}"
            );
            assert!(
                got.as_ref() == Some(&mem),
                "{algo} {engine} {data}: the same model bytes"
            );
        }
    }
}

/// A small table of awkward cells, written to `dir/awkward.parquet`: text with
/// spaces, missing tokens and nulls, a dictionary, an integer column declared
/// categorical, a decimal, a Float32, -0 beside 0, NaN, and a label column of
/// `yes` / `no` / ` Yes `.
fn awkward_parquet(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    use arrow_array::{BooleanArray, Decimal128Array, Float32Array};
    let text: ArrayRef = Arc::new(StringArray::from_iter((0..n).map(|i| match i % 7 {
        0 => None,
        1 => Some(" b "),
        2 => Some("NA"),
        3 => Some("a"),
        4 => Some("b"),
        5 => Some(""),
        _ => Some("Zed"),
    })));
    let mut db = StringDictionaryBuilder::<Int32Type>::new();
    for i in 0..n {
        db.append_option(match i % 5 {
            0 => Some("x"),
            1 => None,
            2 => Some("y "),
            _ => Some("w"),
        });
    }
    let dict: ArrayRef = Arc::new(db.finish());
    let code: ArrayRef = Arc::new(Int64Array::from_iter_values(
        (0..n).map(|i| (i % 4) as i64 * 10),
    ));
    let dec: ArrayRef = Arc::new(
        Decimal128Array::from_iter((0..n).map(|i| (i % 9 != 0).then_some((i * 37 % 1000) as i128)))
            .with_precision_and_scale(10, 2)
            .unwrap(),
    );
    let f32s: ArrayRef = Arc::new(Float32Array::from_iter_values(
        (0..n).map(|i| (i % 13) as f32 * 0.1),
    ));
    let zeros: ArrayRef = Arc::new(Float64Array::from_iter((0..n).map(|i| match i % 6 {
        0 => Some(-0.0),
        1 => Some(0.0),
        2 => Some(f64::NAN),
        3 => None,
        _ => Some((i % 50) as f64 - 20.0),
    })));
    let flag: ArrayRef = Arc::new(BooleanArray::from_iter(
        (0..n).map(|i| (i % 3 != 0).then_some(i % 2 == 0)),
    ));
    let label: ArrayRef = Arc::new(StringArray::from_iter_values((0..n).map(|i| {
        if (i * 7919) % 10 < 3 || i % 11 == 0 {
            if i % 4 == 0 { " Yes " } else { "yes" }
        } else {
            "no"
        }
    })));
    let b = RecordBatch::try_from_iter([
        ("text", text),
        ("dict", dict),
        ("code", code),
        ("dec", dec),
        ("f32", f32s),
        ("zeros", zeros),
        ("flag", flag),
        ("label", label),
    ])
    .unwrap();
    let path = dir.join("awkward.parquet");
    write_parquet(&path, &b);
    path
}

/// On awkward cells, the raw-Parquet plan gives the in-memory reader's schema and
/// levels, the in-memory discretizer (equal-frequency and MDL cut points), the same
/// counts and the same fingerprint; with fewer allowed distinct values than a column
/// has, that column's cut points are approximate and named.
#[test]
fn raw_parquet_plan_is_the_in_memory_read_and_fit() {
    use churnkit::count::parquet::{MAX_EXACT_DISTINCT, fit_raw_parquet};
    use churnkit::data::arrow::raw::{parquet_files, raw_columns, scan_labels};
    use churnkit::data::arrow::read_parquet;
    use churnkit::model::{fingerprint, fingerprint_parquet};
    let dir = tempfile::tempdir().unwrap();
    let path = awkward_parquet(dir.path(), 3000);
    let p = path.to_str().unwrap();
    let opts = CsvOptions::new("label").categorical(["code"]);
    let (table, report) = read_parquet(&path, &opts).unwrap();
    for binning in [
        Binning::EqualFrequency { bins: 5 },
        Binning::Mdl {
            min_bins: 1,
            max_bins: 16,
        },
        Binning::Mdl {
            min_bins: 4,
            max_bins: 8,
        },
    ] {
        let raw = raw_columns(parquet_files(p).unwrap(), &opts).unwrap();
        let labels = scan_labels(&raw, &opts).unwrap();
        assert_eq!(labels.label_map, report.label_map);
        assert_eq!(labels.rows_kept as usize, table.n_rows());
        let fit = fit_raw_parquet(
            Session::start(Engine::DataFusion).unwrap(),
            &raw,
            &labels,
            &binning,
            MAX_EXACT_DISTINCT,
        )
        .unwrap();
        assert!(fit.approximate.is_empty());
        assert_eq!(
            &*fit.schema,
            &**table.schema(),
            "{binning:?}: schema and levels"
        );
        let d = Discretizer::fit(&table, &table.all_rows(), &binning).unwrap();
        assert_eq!(fit.discretizer, d, "{binning:?}: discretizer");
        let enc = d.encode(&table).unwrap();
        let mem = InMemory::new(&enc);
        for j in 0..enc.n_features() {
            for vars in [
                vec![Var::Feature(j), Var::Class],
                vec![Var::Class, Var::Feature(j)],
            ] {
                let (mut a, mut b) = (CountTable::default(), CountTable::default());
                fit.counter.contingency(Rows::All, &vars, &mut a);
                mem.contingency(Rows::All, &vars, &mut b);
                assert_eq!(a, b, "{binning:?}: {vars:?}");
            }
        }
        fit.counter.check().unwrap();
        assert_eq!(
            fingerprint_parquet(&raw, &opts, &labels.classes).unwrap(),
            fingerprint(&table, &table.all_rows())
        );
    }
    // A bound below the column's distinct values: approximate, named, increasing.
    let raw = raw_columns(parquet_files(p).unwrap(), &opts).unwrap();
    let labels = scan_labels(&raw, &opts).unwrap();
    let fit = fit_raw_parquet(
        Session::start(Engine::DataFusion).unwrap(),
        &raw,
        &labels,
        &Binning::EqualFrequency { bins: 4 },
        5,
    )
    .unwrap();
    assert_eq!(fit.approximate, ["dec", "f32", "zeros"]);
    for e in fit.discretizer.encoders() {
        if let churnkit::data::FeatureEncoder::Numeric { cuts, .. } = e {
            assert!(
                !cuts.is_empty() && cuts.windows(2).all(|w| w[0] < w[1]),
                "{cuts:?}"
            );
        }
    }
}

/// Bad raw-Parquet inputs are named errors: no file matches the glob, an empty
/// directory, an unsupported column type, a missing target, files of different
/// schemas, a bad label (its file and line), an infinite number, a weight column of
/// text, bad weights.
#[test]
fn raw_parquet_bad_inputs_are_named_errors() {
    use arrow_array::{Date32Array, Float64Array as F64};
    use churnkit::count::parquet::{MAX_EXACT_DISTINCT, fit_raw_parquet};
    use churnkit::data::arrow::raw::{parquet_files, raw_columns, scan_labels};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let opts = CsvOptions::new("churn");
    let err = |r: churnkit::Result<Vec<std::path::PathBuf>>| r.unwrap_err().to_string();

    let e = err(parquet_files(&format!("{}/*.parquet", d.display())));
    assert!(e.contains("no file matches `*.parquet`"), "{e}");
    let e = err(parquet_files(d.to_str().unwrap()));
    assert!(e.contains("no file matches"), "{e}");
    let e = err(parquet_files(&format!("{}/nowhere.parquet", d.display())));
    assert!(e.contains("nowhere.parquet"), "{e}");
    let e = err(parquet_files(&format!("{}/*/x.parquet", d.display())));
    assert!(e.contains("file name only"), "{e}");

    let write = |name: &str, cols: Vec<(&str, ArrayRef)>| -> String {
        let path = d.join(name);
        write_parquet(&path, &RecordBatch::try_from_iter(cols).unwrap());
        path.to_str().unwrap().to_string()
    };
    let x = || -> ArrayRef { Arc::new(F64::from(vec![1.0, 2.0, 3.0, 4.0])) };
    let churn = |v: [&str; 4]| -> ArrayRef { Arc::new(StringArray::from(v.to_vec())) };
    let raw_err = |path: &str, opts: &CsvOptions| {
        raw_columns(parquet_files(path).unwrap(), opts)
            .unwrap_err()
            .to_string()
    };

    // An unsupported type: the column and the type named.
    let p = write(
        "date.parquet",
        vec![
            ("x", x()),
            ("signup", Arc::new(Date32Array::from(vec![1, 2, 3, 4]))),
            ("churn", churn(["yes", "no", "yes", "no"])),
        ],
    );
    let e = raw_err(&p, &opts);
    assert!(e.contains("signup") && e.contains("Date32"), "{e}");
    // Dropped, it is not read.
    raw_columns(
        parquet_files(&p).unwrap(),
        &CsvOptions::new("churn").drop_columns(["signup"]),
    )
    .unwrap();

    // No target column.
    let p = write(
        "notarget.parquet",
        vec![("x", x()), ("churned", churn(["yes", "no", "yes", "no"]))],
    );
    let e = raw_err(&p, &opts);
    assert!(e.contains("churn") && e.contains("no such column"), "{e}");

    // Two files of different schemas.
    let sub = d.join("mixed");
    std::fs::create_dir(&sub).unwrap();
    write(
        "mixed/a.parquet",
        vec![("x", x()), ("churn", churn(["yes", "no", "yes", "no"]))],
    );
    write(
        "mixed/b.parquet",
        vec![
            (
                "x",
                Arc::new(StringArray::from(vec!["1", "2", "3", "4"])) as ArrayRef,
            ),
            ("churn", churn(["yes", "no", "yes", "no"])),
        ],
    );
    let e = raw_err(sub.to_str().unwrap(), &opts);
    assert!(e.contains("b.parquet") && e.contains("a.parquet"), "{e}");

    // A weight column of text: refused, named; of numbers: read.
    let p = write(
        "textweight.parquet",
        vec![
            ("x", x()),
            (
                "w",
                Arc::new(StringArray::from(vec!["1", "2", "3", "4"])) as ArrayRef,
            ),
            ("churn", churn(["yes", "no", "yes", "no"])),
        ],
    );
    let e = raw_err(&p, &CsvOptions::new("churn").weight_column("w"));
    assert!(e.contains("'w'") || e.contains("w"), "{e}");
    assert!(
        e.contains("sample weights") && e.contains("number columns"),
        "{e}"
    );

    // Bad weights (negative, NaN, null) in a second file: the in-memory reader's
    // error, naming the file, the line within it and the column.
    let wopts = CsvOptions::new("churn").weight_column("w");
    for (name, w) in [
        ("negative", Some(-1.0)),
        ("nan", Some(f64::NAN)),
        ("null", None),
    ] {
        let sub = d.join(format!("w-{name}"));
        std::fs::create_dir(&sub).unwrap();
        let weights = |bad: bool| -> ArrayRef {
            Arc::new(F64::from(vec![
                Some(1.0),
                Some(2.0),
                if bad { w } else { Some(0.5) },
                Some(1.0),
            ]))
        };
        for (i, bad) in [false, true].into_iter().enumerate() {
            // Both files with a nullable weight column: one schema.
            let b = RecordBatch::try_from_iter_with_nullable(vec![
                ("x", x(), false),
                ("w", weights(bad), true),
                ("churn", churn(["yes", "no", "yes", "no"]), false),
            ])
            .unwrap();
            write_parquet(&sub.join(format!("part-{i}.parquet")), &b);
        }
        let raw = raw_columns(parquet_files(sub.to_str().unwrap()).unwrap(), &wopts).unwrap();
        let labels = scan_labels(&raw, &wopts).unwrap();
        let e = churnkit::data::arrow::raw::class_weights(&raw, &wopts, &labels.classes)
            .unwrap_err()
            .to_string();
        assert!(e.contains("part-1.parquet"), "{name}: {e}");
        assert!(e.contains("line 4"), "{name}: {e}");
        assert!(
            e.contains("a sample weight must be a finite number >= 0"),
            "{name}: {e}"
        );
        let mem = churnkit::data::arrow::read_parquet(sub.join("part-1.parquet"), &wopts)
            .unwrap_err()
            .to_string();
        assert_eq!(e, mem, "{name}: the in-memory reader's error");
    }

    // A bad label: the file and the line of its first row.
    let p = write(
        "label.parquet",
        vec![("x", x()), ("churn", churn(["yes", "no", "maybe", "no"]))],
    );
    let raw = raw_columns(parquet_files(&p).unwrap(), &opts).unwrap();
    let e = scan_labels(&raw, &opts).unwrap_err().to_string();
    assert!(
        e.contains("label.parquet") && e.contains("line 4") && e.contains("maybe"),
        "{e}"
    );
    // One class only.
    let p = write(
        "one.parquet",
        vec![("x", x()), ("churn", churn(["no", "no", "no", "no"]))],
    );
    let raw = raw_columns(parquet_files(&p).unwrap(), &opts).unwrap();
    let e = scan_labels(&raw, &opts).unwrap_err().to_string();
    assert!(e.contains("one class"), "{e}");

    // An infinite number: the column named (or read as missing when asked).
    let p = write(
        "inf.parquet",
        vec![
            (
                "x",
                Arc::new(F64::from(vec![1.0, f64::INFINITY, 3.0, 4.0])) as ArrayRef,
            ),
            ("churn", churn(["yes", "no", "yes", "no"])),
        ],
    );
    let fit = |opts: &CsvOptions| {
        let raw = raw_columns(parquet_files(&p).unwrap(), opts).unwrap();
        let labels = scan_labels(&raw, opts).unwrap();
        fit_raw_parquet(
            Session::start(Engine::DataFusion).unwrap(),
            &raw,
            &labels,
            &Binning::EqualFrequency { bins: 4 },
            MAX_EXACT_DISTINCT,
        )
    };
    let e = fit(&opts).unwrap_err().to_string();
    assert!(
        e.contains("'x'") || e.contains("column x") || e.contains("x"),
        "{e}"
    );
    assert!(e.contains("inf") && e.contains("finite"), "{e}");
    let ok = fit(&opts
        .clone()
        .on_bad_cell(churnkit::data::BadCellPolicy::Missing))
    .unwrap();
    let t = churnkit::data::arrow::read_parquet(
        &p,
        &opts
            .clone()
            .on_bad_cell(churnkit::data::BadCellPolicy::Missing),
    )
    .unwrap()
    .0;
    let want = Discretizer::fit(&t, &t.all_rows(), &Binning::EqualFrequency { bins: 4 }).unwrap();
    assert_eq!(ok.discretizer, want);
}

/// The CLI names a glob that matches nothing, and a size it cannot read.
#[test]
fn raw_parquet_cli_errors_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.model");
    let glob = format!("{}/*.parquet", dir.path().display());
    let (code, _, stderr) = train_cli(&["--data", &glob, "--engine", "datafusion"], &out);
    assert_ne!(code, Some(0));
    assert!(stderr.contains("no file matches"), "{stderr}");
    let (code, _, stderr) = train_cli(
        &[
            "--data",
            &glob,
            "--engine",
            "datafusion",
            "--engine-memory",
            "lots",
        ],
        &out,
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("512MiB"), "{stderr}");
    assert_eq!(
        churnkit::count::distributed::parse_bytes("512MiB").unwrap(),
        512 << 20
    );
    assert_eq!(
        churnkit::count::distributed::parse_bytes("2g").unwrap(),
        2 << 30
    );
    assert_eq!(
        churnkit::count::distributed::parse_bytes("1000").unwrap(),
        1000
    );
}

// ---------------------------------------------------------------------------------
// The engines with the in-memory path's options: validation, self-tuning and
// calibration on a sample, the final fit on the engine.

/// `train` on the Telco CSV with `args` and `-o out`; (exit code, model bytes, stdout,
/// stderr).
fn train_telco(
    args: &[&str],
    out: &std::path::Path,
) -> (Option<i32>, Option<Vec<u8>>, String, String) {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-train.csv");
    let _ = std::fs::remove_file(out);
    let got = assert_cmd::Command::cargo_bin("churnkit")
        .unwrap()
        .args([
            "train",
            "--data",
            data,
            "--target",
            "Churn",
            "--id",
            "customerID",
        ])
        .args(args)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap();
    (
        got.status.code(),
        std::fs::read(out).ok(),
        String::from_utf8_lossy(&got.stdout).into_owned(),
        String::from_utf8_lossy(&got.stderr).into_owned(),
    )
}

/// With the default self-tuning and a holdout (or k-fold), and a
/// sample of at least every row, `--engine datafusion` writes the model bytes the
/// in-memory `train` writes: the same validation, tuning and tier thresholds on the
/// same rows, and a final fit on the engine with the tuned setting equal to the
/// in-memory tuned fit. The JSON report has every key of the in-memory one.
#[test]
fn engine_with_tuning_and_validation_writes_the_in_memory_model_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let out = |n: &str| dir.path().join(n);
    for (algo, extra) in [
        ("id3-weighted", &[][..]),
        ("id3-weighted", &["--folds", "3"][..]),
        ("naive-bayes", &["--test-fraction", "0.25"][..]),
        ("tan", &[][..]),
    ] {
        let args = [&["--algo", algo][..], extra].concat();
        let (code, mem, _, stderr) = train_telco(&args, &out("mem.model"));
        assert_eq!(code, Some(0), "{algo} {extra:?} in memory: {stderr}");
        let engine = [&args[..], &["--engine", "datafusion"]].concat();
        let (code, df, stdout, stderr) = train_telco(&engine, &out("df.model"));
        assert_eq!(code, Some(0), "{algo} {extra:?} on DataFusion: {stderr}");
        assert!(
            mem.is_some() && df == mem,
            "{algo} {extra:?}: the same model bytes"
        );
        assert!(stdout.contains("engine    datafusion"), "{stdout}");
        if algo == "id3-weighted" {
            assert!(stdout.contains("tuning    "), "{stdout}");
            assert!(
                stderr.contains("level 0: counting 1 open nodes"),
                "{stderr}"
            );
        }
        if extra.is_empty() {
            assert!(
                stdout.contains("holdout   30 % of the rows held out"),
                "{stdout}"
            );
        }
    }
    // The JSON report: the in-memory keys, the same validation and parameters.
    let (_, _, mem, _) = train_telco(&["--json"], &out("mem.model"));
    let (code, _, df, stderr) =
        train_telco(&["--json", "--engine", "datafusion"], &out("df.model"));
    assert_eq!(code, Some(0), "{stderr}");
    let mem: serde_json::Value = serde_json::from_str(&mem).unwrap();
    let df: serde_json::Value = serde_json::from_str(&df).unwrap();
    for (k, v) in mem.as_object().unwrap() {
        assert!(df.get(k).is_some(), "the engine's JSON lacks `{k}`");
        if [
            "validation",
            "params",
            "warnings",
            "train_rows",
            "algo",
            "learner",
        ]
        .contains(&k.as_str())
        {
            assert_eq!(&df[k], v, "`{k}`");
        }
    }
    assert!(df["params"]["tuning"]["chosen"].is_object(), "{df}");
    assert_eq!(df["sample"]["sample_rows"], df["sample"]["rows"]);
    assert!(df["engine"]["queries"].as_u64().unwrap() > 0);
}

/// A sample smaller than the data (500 of 4,930 rows): validation and tuning run on
/// it, the model is fitted on every row and records the sample; the same seed gives
/// the same bytes, on the CSV path and on raw Parquet.
#[test]
fn engine_with_a_small_sample_is_deterministic_and_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, _) = telco_parquet(dir.path());
    let whole = whole.to_str().unwrap().to_string();
    let n = 4930u64;
    for data in [None, Some(whole.as_str())] {
        let run = |seed: &str, name: &str| {
            let path = dir.path().join(name);
            let mut args = vec![
                "--engine",
                "datafusion",
                "--stream-sample",
                "500",
                "--seed",
                seed,
            ];
            if let Some(d) = data {
                args.extend(["--data", d]);
                let (code, bytes, stderr) = train_cli(&args, &path);
                (code, bytes, stderr, path)
            } else {
                let (code, bytes, _, stderr) = train_telco(&args, &path);
                (code, bytes, stderr, path)
            }
        };
        let (code, a, stderr, path) = run("7", "a.model");
        assert_eq!(code, Some(0), "{data:?}: {stderr}");
        assert!(
            stderr.contains("a sample of 500 of the 4,930 rows (seed 7)"),
            "{stderr}"
        );
        let (_, b, _, _) = run("7", "b.model");
        assert!(
            a.is_some() && a == b,
            "{data:?}: the same seed, the same model bytes"
        );
        let model = churnkit::model::Model::load(&path).unwrap();
        let s = model.summary();
        assert_eq!(s.rows, n, "the model is fitted on every row");
        let sample = &s.params.0["sample"];
        assert_eq!(sample["rows"], n, "{sample}");
        assert_eq!(sample["sample_rows"], 500, "{sample}");
        assert_eq!(sample["sample_seed"], 7, "{sample}");
        // The tuned minimum leaf is carried over as a fraction of all the rows.
        let tuning = &s.params.0["tuning"];
        let f = tuning["chosen"]["setting"]["min_leaf_fraction"]
            .as_f64()
            .unwrap();
        let leaf = tuning["final_min_leaf"].as_f64().unwrap();
        assert_eq!(leaf, (f * n as f64).round().max(2.0), "{tuning}");
        let (code, c, stderr, _) = run("8", "c.model");
        assert_eq!(code, Some(0), "{stderr}");
        let other = churnkit::model::Model::load(dir.path().join("c.model")).unwrap();
        assert_eq!(other.summary().params.0["sample"]["sample_seed"], 8);
        assert_ne!(c, a, "another seed, another sample");
    }
}

/// On raw Parquet with the default tuning and holdout, a sample of every row gives the
/// in-memory model bytes too (the sample read with the row selection is the table the
/// whole-file reader reads).
#[test]
fn raw_parquet_with_tuning_and_validation_writes_the_in_memory_model_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, parts) = telco_parquet(dir.path());
    let whole = whole.to_str().unwrap().to_string();
    let glob = format!("{}/part-*.parquet", parts.display());
    let mem_out = dir.path().join("mem.model");
    let (code, mem, stderr) = train_cli(&["--data", &whole], &mem_out);
    assert_eq!(code, Some(0), "{stderr}");
    for data in [&whole, &glob] {
        let out = dir.path().join("df.model");
        let _ = std::fs::remove_file(&out);
        let (code, got, stderr) = train_cli(&["--data", data, "--engine", "datafusion"], &out);
        assert_eq!(code, Some(0), "{data}: {stderr}");
        assert!(mem.is_some() && got == mem, "{data}: the same model bytes");
    }
}

/// A memory pool too small for a query is a usage error naming `--engine-memory`
/// (exit 2), on the CSV path and on raw Parquet; the error under any wrapper is
/// recognised.
#[test]
fn an_exhausted_engine_pool_is_a_usage_error() {
    use datafusion::error::DataFusionError;
    let dir = tempfile::tempdir().unwrap();
    let (whole, _) = telco_parquet(dir.path());
    let whole = whole.to_str().unwrap().to_string();
    let out = dir.path().join("m.model");
    let small = ["--engine", "datafusion", "--engine-memory", "64KiB"];
    let (code, _, _, stderr) = train_telco(&small, &out);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid parameter engine-memory = 65536 bytes"),
        "{stderr}"
    );
    assert!(stderr.contains("raise --engine-memory"), "{stderr}");
    assert!(stderr.contains("Resources exhausted"), "{stderr}");
    let (code, _, stderr) = train_cli(&[&small[..], &["--data", &whole]].concat(), &out);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("raise --engine-memory"), "{stderr}");
    assert!(!out.exists(), "no model is written");

    let exhausted = || DataFusionError::ResourcesExhausted("pool".into());
    let wrapped = DataFusionError::Context(
        "level".into(),
        Box::new(DataFusionError::Shared(Arc::new(
            DataFusionError::External(Box::new(exhausted())),
        ))),
    );
    assert!(churnkit::count::distributed::is_resources_exhausted(
        &wrapped
    ));
    let arrow = DataFusionError::ArrowError(
        Box::new(arrow_schema::ArrowError::ExternalError(Box::new(
            exhausted(),
        ))),
        None,
    );
    assert!(churnkit::count::distributed::is_resources_exhausted(&arrow));
    let other = DataFusionError::Context(
        "level".into(),
        Box::new(DataFusionError::Execution("boom".into())),
    );
    assert!(!churnkit::count::distributed::is_resources_exhausted(
        &other
    ));
    let e = churnkit::count::distributed::engine_error("q", wrapped, Some(1 << 20));
    assert!(
        matches!(&e, churnkit::Error::Param { name, value, .. } if name == "engine-memory" && value == "1048576 bytes"),
        "{e}"
    );
    let e = churnkit::count::distributed::engine_error("q", other, None);
    assert!(matches!(e, churnkit::Error::Fit(_)), "{e}");
}

/// Sample weights on raw Parquet: counts are `SUM(weight)` (MDL summaries too), the
/// class counts and the fingerprint weighted; with weights whose sums are exact
/// (multiples of 1/4) the engine writes the in-memory model bytes, untuned and with
/// the default tuning and holdout, on one file and on a glob of three.
#[test]
fn raw_parquet_weights_give_the_in_memory_model_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let t = read_csv(
        concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-train.csv"),
        &CsvOptions::new("Churn").id_column("customerID"),
    )
    .unwrap();
    let n = t.n_rows();
    let weighted = |rows: std::ops::Range<usize>| {
        let b = telco_batch(&t, rows.clone());
        let w: ArrayRef = Arc::new(Float64Array::from(
            rows.map(|i| 0.25 * ((i * 7) % 9) as f64)
                .collect::<Vec<_>>(),
        ));
        let mut cols: Vec<(String, ArrayRef)> = b
            .schema()
            .fields()
            .iter()
            .zip(b.columns())
            .map(|(f, c)| (f.name().clone(), c.clone()))
            .collect();
        cols.push(("w".into(), w));
        RecordBatch::try_from_iter(cols).unwrap()
    };
    let whole = dir.path().join("weighted.parquet");
    write_parquet(&whole, &weighted(0..n));
    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    let cuts = [0, n / 3, 2 * n / 3 + 17, n];
    for i in 0..3 {
        write_parquet(
            &parts.join(format!("part-{i}.parquet")),
            &weighted(cuts[i]..cuts[i + 1]),
        );
    }
    let whole = whole.to_str().unwrap().to_string();
    let glob = format!("{}/part-*.parquet", parts.display());
    for (algo, extra) in [
        ("id3-weighted", &["--tune", "off", "--validate", "none"][..]),
        ("id3-weighted", &[][..]),
        ("naive-bayes", &["--binning", "mdl"][..]),
        ("tan", &["--validate", "none"][..]),
    ] {
        let args = [&["--algo", algo, "--weight", "w"][..], extra].concat();
        let mem_out = dir.path().join("mem.model");
        let (code, mem, stderr) = train_cli(&[&args[..], &["--data", &whole]].concat(), &mem_out);
        assert_eq!(code, Some(0), "{algo} {extra:?} in memory: {stderr}");
        let model = churnkit::model::Model::load(&mem_out).unwrap();
        assert!(
            model
                .summary()
                .class_counts
                .iter()
                .any(|c| c.fract() != 0.0),
            "the class counts are weighted"
        );
        for data in [&whole, &glob] {
            let out = dir.path().join("df.model");
            let _ = std::fs::remove_file(&out);
            let (code, got, stderr) = train_cli(
                &[&args[..], &["--data", data, "--engine", "datafusion"]].concat(),
                &out,
            );
            assert_eq!(code, Some(0), "{algo} {extra:?} {data}: {stderr}");
            assert!(
                mem.is_some() && got == mem,
                "{algo} {extra:?} {data}: the same model bytes"
            );
        }
    }
}

/// A text column declared numeric (`--numeric`) on raw Parquet: its cells parsed as
/// the reader parses them (spaces trimmed, missing tokens missing), so the engine
/// writes the in-memory model bytes; a cell that is not a number is the reader's
/// error naming the file, line and column; Ballista, which lacks the parsing
/// function, refuses it by name.
#[test]
fn raw_parquet_text_declared_numeric_is_read_as_in_memory() {
    use arrow_array::Array;
    let dir = tempfile::tempdir().unwrap();
    let t = read_csv(
        concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-train.csv"),
        &CsvOptions::new("Churn").id_column("customerID"),
    )
    .unwrap();
    let n = t.n_rows();
    let as_text = |rows: std::ops::Range<usize>, bad: Option<usize>| {
        let b = telco_batch(&t, rows.clone());
        let cols: Vec<(String, ArrayRef)> = b
            .schema()
            .fields()
            .iter()
            .zip(b.columns())
            .map(|(f, c)| {
                if f.name() != "TotalCharges" {
                    return (f.name().clone(), c.clone());
                }
                let x = c.as_any().downcast_ref::<Float64Array>().unwrap();
                let text: StringArray = (0..x.len())
                    .map(|r| {
                        Some(match (x.is_null(r), r % 3) {
                            _ if Some(r) == bad => "twelve".to_string(),
                            (true, 0) => "NA".to_string(),
                            (true, _) => " ".to_string(),
                            (false, 0) => format!(" {} ", x.value(r)),
                            (false, _) => x.value(r).to_string(),
                        })
                    })
                    .collect();
                (f.name().clone(), Arc::new(text) as ArrayRef)
            })
            .collect();
        RecordBatch::try_from_iter(cols).unwrap()
    };
    let whole = dir.path().join("text.parquet");
    write_parquet(&whole, &as_text(0..n, None));
    let whole = whole.to_str().unwrap().to_string();
    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    write_parquet(&parts.join("part-0.parquet"), &as_text(0..n / 2, None));
    write_parquet(&parts.join("part-1.parquet"), &as_text(n / 2..n, None));
    let glob = format!("{}/part-*.parquet", parts.display());
    for (algo, extra) in [
        ("id3-weighted", &["--tune", "off", "--validate", "none"][..]),
        ("naive-bayes", &["--binning", "mdl"][..]),
    ] {
        let args = [&["--algo", algo, "--numeric", "TotalCharges"][..], extra].concat();
        let mem_out = dir.path().join("mem.model");
        let (code, mem, stderr) = train_cli(&[&args[..], &["--data", &whole]].concat(), &mem_out);
        assert_eq!(code, Some(0), "{algo} in memory: {stderr}");
        let model = churnkit::model::Model::load(&mem_out).unwrap();
        let j = model.schema().feature_index("TotalCharges").unwrap();
        assert!(model.schema().features[j].is_numeric(), "declared numeric");
        for data in [&whole, &glob] {
            let out = dir.path().join("df.model");
            let _ = std::fs::remove_file(&out);
            let (code, got, stderr) = train_cli(
                &[&args[..], &["--data", data, "--engine", "datafusion"]].concat(),
                &out,
            );
            assert_eq!(code, Some(0), "{algo} {data}: {stderr}");
            assert!(
                mem.is_some() && got == mem,
                "{algo} {data}: the same model bytes"
            );
        }
    }
    // Ballista has no parsing function: a named error.
    let out = dir.path().join("ba.model");
    let (code, _, stderr) = train_cli(
        &[
            "--data",
            &whole,
            "--numeric",
            "TotalCharges",
            "--engine",
            "ballista",
            "--validate",
            "none",
        ],
        &out,
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("TotalCharges") && stderr.contains("--engine datafusion"),
        "{stderr}"
    );
    // A cell that is not a number, row 11 of the second file: the reader's error.
    write_parquet(&parts.join("part-1.parquet"), &as_text(n / 2..n, Some(10)));
    let (code, _, stderr) = train_cli(
        &[
            "--data",
            &glob,
            "--numeric",
            "TotalCharges",
            "--engine",
            "datafusion",
        ],
        &out,
    );
    assert_ne!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("part-1.parquet") && stderr.contains("line 12"),
        "{stderr}"
    );
    assert!(
        stderr.contains("TotalCharges") && stderr.contains("twelve"),
        "{stderr}"
    );
    let mem = churnkit::data::arrow::read_parquet(
        parts.join("part-1.parquet"),
        &CsvOptions::new("Churn")
            .id_column("customerID")
            .numeric(["TotalCharges"]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        stderr.contains(&mem),
        "the in-memory reader's error: {mem}\n{stderr}"
    );
}

/// `read_rows` reads exactly the rows asked for, across files (runs that cross a
/// file's end included): the table `read_parquet` reads of the whole file, those rows
/// selected — schema levels aside (the sample's levels are those it holds).
#[test]
fn read_rows_reads_the_rows_asked_for_across_files() {
    use churnkit::data::arrow::raw::{parquet_files, raw_columns, read_rows, scan_labels};
    use churnkit::data::{Column, arrow::read_parquet};
    let dir = tempfile::tempdir().unwrap();
    let (whole, parts) = telco_parquet(dir.path());
    let opts = CsvOptions::new("Churn").id_column("customerID");
    let (table, _) = read_parquet(&whole, &opts).unwrap();
    let n = table.n_rows() as u64;
    let glob = format!("{}/part-*.parquet", parts.display());
    let raw = raw_columns(parquet_files(&glob).unwrap(), &opts).unwrap();
    let labels = scan_labels(&raw, &opts).unwrap();
    let first_cut = n / 3;
    let mut picked: Vec<u64> = churnkit::train::sample_row_indices(n, 700, 5);
    // A run across the first file's end, and the very first and last rows.
    picked.extend([
        0,
        first_cut - 2,
        first_cut - 1,
        first_cut,
        first_cut + 1,
        n - 1,
    ]);
    picked.sort_unstable();
    picked.dedup();
    let (got, _) = read_rows(&raw, &opts, &labels.classes, &picked).unwrap();
    let rows: Vec<usize> = picked.iter().map(|&r| r as usize).collect();
    let want = table.select(&rows);
    assert_eq!(got.n_rows(), rows.len());
    assert_eq!(got.labels(), want.labels());
    assert_eq!(got.ids(), want.ids());
    for j in 0..table.n_features() {
        match (got.column(j), want.column(j)) {
            (Column::Numeric(a), Column::Numeric(b)) => {
                let bits = |v: &Vec<f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(a), bits(b), "column {j}");
            }
            (Column::Categorical(a), Column::Categorical(b)) => {
                let (la, lb) = (
                    got.schema().features[j].levels(),
                    table.schema().features[j].levels(),
                );
                let text = |c: u32, l: &[String]| l.get(c as usize).cloned();
                let ta: Vec<_> = a.iter().map(|&c| text(c, la)).collect();
                let tb: Vec<_> = b.iter().map(|&c| text(c, lb)).collect();
                assert_eq!(ta, tb, "column {j}");
            }
            _ => panic!("column {j}: other kinds"),
        }
    }
}
