//! Streaming training (`train::StreamSample` + `Pipeline::fit_stream`) against the
//! in-memory pipeline on the project's datasets.

use churnkit::data::{CsvOptions, ReadSpec, read_csv_report};
use churnkit::model::fingerprint;
use churnkit::registry::{AlgoOptions, Algorithm};
use churnkit::train::{Pipeline, StreamOptions, StreamSample, Validation};

const TELCO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/datasets/telco-customer-churn.csv"
);
const SYNTH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");

fn telco() -> CsvOptions {
    CsvOptions::new("Churn").id_column("customerID")
}

fn synth() -> CsvOptions {
    CsvOptions::new("status").id_column("customer_id")
}

fn pipeline(algo: Algorithm) -> Pipeline {
    Pipeline::new(algo, AlgoOptions::default()).validation(Validation::Holdout {
        fraction: 0.3,
        seed: 7,
    })
}

/// The in-memory model's bytes, the streamed model's bytes (sample = every row, read
/// in chunks of 1,000 rows).
fn both(path: &str, opts: &CsvOptions, algo: Algorithm) -> (Vec<u8>, Vec<u8>) {
    let (table, report) = read_csv_report(path, opts).unwrap();
    let memory = pipeline(algo)
        .read_spec(ReadSpec::new(opts, &report))
        .fit(&table)
        .unwrap();
    let stream = StreamOptions::default().chunk_rows(1000);
    let sample = StreamSample::read(path, opts, &stream).unwrap();
    assert!(sample.is_whole());
    assert_eq!(
        sample.report, report,
        "the chunks' reports add up to the file's"
    );
    assert_eq!(sample.table.schema(), table.schema());
    let streamed = pipeline(algo).fit_stream(sample).unwrap();
    assert_eq!(streamed.rows, table.n_rows());
    (
        memory.model.to_bytes().unwrap(),
        streamed.model.to_bytes().unwrap(),
    )
}

#[test]
fn a_whole_sample_gives_the_in_memory_model_id3_weighted() {
    let (memory, streamed) = both(TELCO, &telco(), Algorithm::Id3Weighted);
    assert!(memory == streamed, "id3-weighted: model bytes differ");
}

#[test]
fn a_whole_sample_gives_the_in_memory_model_naive_bayes() {
    for (path, opts) in [(TELCO, telco()), (SYNTH, synth())] {
        let (memory, streamed) = both(path, &opts, Algorithm::NaiveBayes);
        assert!(
            memory == streamed,
            "naive Bayes on {path}: model bytes differ"
        );
    }
}

#[test]
fn a_whole_sample_gives_the_in_memory_model_tan_and_c45() {
    for algo in [Algorithm::Tan, Algorithm::C45] {
        let (memory, streamed) = both(SYNTH, &synth(), algo);
        assert!(memory == streamed, "{algo}: model bytes differ");
    }
}

#[test]
fn a_small_sample_trains_on_every_row_deterministically() {
    let (table, _) = read_csv_report(TELCO, &telco()).unwrap();
    let stream = StreamOptions::default().sample_rows(500).chunk_rows(700);
    let fit = |seed: u64| {
        let sample = StreamSample::read(TELCO, &telco(), &stream.clone().seed(seed)).unwrap();
        assert_eq!(sample.table.n_rows(), 500);
        assert_eq!(sample.rows, table.n_rows());
        pipeline(Algorithm::Id3Weighted).fit_stream(sample).unwrap()
    };
    let a = fit(1);
    let b = fit(1);
    let c = fit(2);
    let bytes = |t: &churnkit::train::StreamTrained| t.model.to_bytes().unwrap();
    assert_eq!(bytes(&a), bytes(&b), "same seed, same model");
    assert_ne!(bytes(&a), bytes(&c), "another sample, another model");
    assert_eq!(a.sample_rows, 500);
    assert_eq!(a.validation.out_of_sample_rows(), 150); // 30 % of the sample
    let s = a.model.summary();
    assert_eq!(s.rows as usize, table.n_rows());
    assert_eq!(s.class_counts, table.class_counts(&table.all_rows()));
    assert_eq!(s.fingerprint, fingerprint(&table, &table.all_rows()));
    let rec = &s.params.0["stream"];
    assert_eq!(rec["rows"], table.n_rows());
    assert_eq!(rec["sample_rows"], 500);
    assert_eq!(rec["sample_seed"], 1);
    // The tuned leaf size is carried over as a fraction of all the rows.
    let tuning = &s.params.0["tuning"];
    let fraction = tuning["chosen"]["setting"]["min_leaf_fraction"]
        .as_f64()
        .unwrap();
    let expected = (fraction * table.n_rows() as f64).round().max(2.0);
    assert_eq!(tuning["final_min_leaf"].as_f64().unwrap(), expected);
    // Every level of the file is in the model's schema, sampled or not.
    assert_eq!(a.model.schema().features, table.schema().features);
}

#[test]
fn the_sample_is_a_uniform_subsequence_of_the_file() {
    let (table, _) = read_csv_report(SYNTH, &synth()).unwrap();
    let stream = StreamOptions::default().sample_rows(1000).chunk_rows(300);
    let sample = StreamSample::read(SYNTH, &synth(), &stream).unwrap();
    // Rows of the sample appear in the file in the same order: match tenure values
    // greedily as a subsequence of the file's.
    let col = |t: &churnkit::data::Table| match t.column(0) {
        churnkit::data::Column::Numeric(v) => v.clone(),
        _ => panic!("tenure is numeric"),
    };
    let (file, sub) = (col(&table), col(&sample.table));
    let mut i = 0;
    for x in &sub {
        while i < file.len() && file[i].to_bits() != x.to_bits() {
            i += 1;
        }
        assert!(i < file.len(), "the sample is not in file order");
        i += 1;
    }
    // Uniform: the class shares of the sample are near the file's (4 sd of a
    // 1,000-row binomial share is at most 0.064).
    let share = |t: &churnkit::data::Table, k: usize| {
        t.labels().iter().filter(|&&l| l as usize == k).count() as f64 / t.n_rows() as f64
    };
    for k in 0..table.schema().target.n_classes() {
        assert!((share(&table, k) - share(&sample.table, k)).abs() < 0.064);
    }
}

/// A copy of the telco file with line `line` (1-based) replaced by `text`.
fn broken_copy(name: &str, line: usize, text: &str) -> std::path::PathBuf {
    let src = std::fs::read_to_string(TELCO).unwrap();
    let mut lines: Vec<&str> = src.lines().collect();
    lines[line - 1] = text;
    let path =
        std::env::temp_dir().join(format!("churnkit-stream-{name}-{}.csv", std::process::id()));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
fn bad_input_mid_file_is_the_readers_error() {
    let cases = [
        ("ragged", 5000, "1-A,Male,0,Yes"),
        ("label", 6000, {
            "9-B,Male,0,No,No,1,No,No phone service,DSL,No,Yes,No,No,No,No,Month-to-month,Yes,Electronic check,29.85,29.85,Maybe"
        }),
        ("number", 4000, {
            "9-C,Male,0,No,No,abc,No,No phone service,DSL,No,Yes,No,No,No,No,Month-to-month,Yes,Electronic check,29.85,29.85,No"
        }),
    ];
    for (name, line, text) in cases {
        let path = broken_copy(name, line, text);
        let memory = read_csv_report(&path, &telco()).unwrap_err();
        // Past the head (100 rows) and a few chunks in.
        let stream = StreamOptions::default().head_rows(100).chunk_rows(512);
        let streamed = StreamSample::read(&path, &telco(), &stream).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        let shown = memory.to_string();
        assert!(
            shown.contains(&path.display().to_string()),
            "{name}: {shown}"
        );
        assert!(shown.contains(&line.to_string()), "{name}: {shown}");
        assert_eq!(memory.to_string(), streamed.to_string(), "{name}");
    }
}

#[test]
fn learners_that_need_rows_and_survival_are_refused_before_reading() {
    for algo in [
        Algorithm::ZeroR,
        Algorithm::Cart,
        Algorithm::Id3WeightedForest,
        Algorithm::Id3WeightedDistilled,
    ] {
        let e = Pipeline::new(algo, AlgoOptions::default())
            .check_stream()
            .unwrap_err();
        assert!(e.to_string().contains("streaming training fits"), "{e}");
    }
    let e = pipeline(Algorithm::NaiveBayes)
        .duration("Tenure")
        .check_stream()
        .unwrap_err();
    assert!(e.to_string().contains("time-to-churn"), "{e}");
    let e = StreamOptions::default().sample_rows(1).check().unwrap_err();
    assert!(e.to_string().contains("sample_rows"), "{e}");
}

#[test]
fn a_file_changed_between_the_passes_is_an_error() {
    let path = std::env::temp_dir().join(format!(
        "churnkit-stream-changed-{}.csv",
        std::process::id()
    ));
    std::fs::copy(SYNTH, &path).unwrap();
    let sample = StreamSample::read(&path, &synth(), &StreamOptions::default()).unwrap();
    let mut text = std::fs::read_to_string(&path).unwrap();
    let last = text.lines().last().unwrap().to_string();
    text.push_str(&last);
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    let e = pipeline(Algorithm::NaiveBayes)
        .fit_stream(sample)
        .unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(e.to_string().contains("the file changed"), "{e}");
}

/// Writes `text` to a temporary CSV named after `name`.
fn temp_csv(name: &str, text: &str) -> std::path::PathBuf {
    let path =
        std::env::temp_dir().join(format!("churnkit-stream-{name}-{}.csv", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn kinds_and_classes_come_from_the_head_as_the_reader_decides() {
    // `code` is numbers only in the head; `mixed` is 1 in 10 text (categorical by the
    // 5 % rule); `blank` is all missing; the head has an at_risk label.
    let mut text = String::from("code,mixed,blank,plan,status\n");
    for i in 0..40 {
        let mixed = if i % 10 == 0 {
            "x".to_string()
        } else {
            i.to_string()
        };
        let status = ["Yes", "No", "at_risk", "No"][i % 4];
        text.push_str(&format!("{},{mixed},,p{},{status}\n", i % 7, i % 3));
    }
    let path = temp_csv("kinds", &text);
    let opts = CsvOptions::new("status");
    let (table, _) = read_csv_report(&path, &opts).unwrap();
    let stream = StreamOptions::default().head_rows(10).chunk_rows(7);
    let sample = StreamSample::read(&path, &opts, &stream).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(sample.table.schema(), table.schema());
    assert_eq!(table.schema().target.classes.len(), 3);
    let kinds: Vec<bool> = table
        .schema()
        .features
        .iter()
        .map(|f| f.is_numeric())
        .collect();
    assert_eq!(kinds, [true, false, true, false]);
    assert_eq!(sample.table.labels(), table.labels());
}

#[test]
fn a_class_or_text_the_head_did_not_show_is_an_error_naming_the_line() {
    let mut text = String::from("tenure,status\n");
    for i in 0..30 {
        text.push_str(&format!("{i},{}\n", if i % 2 == 0 { "Yes" } else { "No" }));
    }
    let cases = [
        ("class", format!("{text}3,at_risk\n"), "at_risk"),
        ("text", format!("{text}abc,No\n"), "abc"),
    ];
    for (name, body, value) in cases {
        let path = temp_csv(name, &body);
        let stream = StreamOptions::default().head_rows(10).chunk_rows(8);
        let e = StreamSample::read(&path, &CsvOptions::new("status"), &stream).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        let shown = e.to_string();
        assert!(shown.contains("32"), "{name}: the line is named: {shown}");
        assert!(shown.contains(value), "{name}: the value is named: {shown}");
    }
}

#[test]
fn no_rows_or_one_class_are_errors() {
    use churnkit::data::BadLabelPolicy;
    let path = temp_csv("nolabels", "a,status\n1,\n2,NA\n");
    let opts = CsvOptions::new("status").on_bad_label(BadLabelPolicy::Skip);
    let e = StreamSample::read(&path, &opts, &StreamOptions::default()).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(e.to_string().contains("no rows left"), "{e}");
    let path = temp_csv("oneclass", "a,status\n1,Yes\n2,Yes\n");
    let e = StreamSample::read(&path, &CsvOptions::new("status"), &StreamOptions::default())
        .unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert!(e.to_string().contains("one class"), "{e}");
    let e = StreamSample::read(
        "/nonexistent/churnkit.csv",
        &CsvOptions::new("status"),
        &StreamOptions::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("/nonexistent/churnkit.csv"), "{e}");
    for bad in [
        StreamOptions::default().chunk_rows(0),
        StreamOptions::default().head_rows(0),
    ] {
        let e = StreamSample::read(SYNTH, &synth(), &bad).unwrap_err();
        assert!(e.to_string().contains("_rows"), "{e}");
    }
}

#[test]
fn fit_on_codes_refuses_a_sample_fit_of_another_learner() {
    use churnkit::registry;
    let (table, _) = read_csv_report(SYNTH, &synth()).unwrap();
    let rows = table.all_rows();
    let opts = AlgoOptions::default();
    let bayes = registry::fit(Algorithm::NaiveBayes, &opts, &table, &rows).unwrap();
    let d = bayes.body.discretizer().unwrap().clone();
    let (codes, _) = d.encode_rows(&table, &rows).unwrap();
    let empty = table.select(&[]);
    let e = registry::fit_on_codes(
        Algorithm::C45,
        &opts,
        &bayes.body,
        d.clone(),
        codes.clone(),
        &empty,
    )
    .unwrap_err();
    assert!(e.to_string().contains("not a tree"), "{e}");
    let e = registry::fit_on_codes(
        Algorithm::ZeroR,
        &opts,
        &bayes.body,
        d.clone(),
        codes.clone(),
        &empty,
    )
    .unwrap_err();
    assert!(e.to_string().contains("streaming training fits"), "{e}");
    // The right learner on every row's codes: the body registry::fit gives.
    let body = registry::fit_on_codes(Algorithm::NaiveBayes, &opts, &bayes.body, d, codes, &empty)
        .unwrap();
    assert_eq!(
        serde_json::to_string(&body).unwrap(),
        serde_json::to_string(&bayes.body).unwrap()
    );
}

#[test]
fn weights_and_k_fold_give_the_in_memory_model_too() {
    // MonthlyCharges as the sample weight: class counts, fingerprint and sample carry it.
    let opts = telco().weight_column("MonthlyCharges");
    let (table, report) = read_csv_report(TELCO, &opts).unwrap();
    assert!(table.weights().is_some());
    let p = Pipeline::new(Algorithm::NaiveBayes, AlgoOptions::default())
        .validation(Validation::KFold { k: 3, seed: 5 });
    let memory = p
        .clone()
        .read_spec(ReadSpec::new(&opts, &report))
        .fit(&table)
        .unwrap();
    let stream = StreamOptions::default().chunk_rows(999);
    let sample = StreamSample::read(TELCO, &opts, &stream).unwrap();
    assert_eq!(sample.class_counts, table.class_counts(&table.all_rows()));
    let streamed = p.fit_stream(sample).unwrap();
    assert!(
        memory.model.to_bytes().unwrap() == streamed.model.to_bytes().unwrap(),
        "weighted naive Bayes with 3-fold CV: model bytes differ"
    );
    assert_eq!(streamed.validation.out_of_sample_rows(), table.n_rows());
}

#[test]
fn only_large_csv_files_stream_by_default() {
    use churnkit::train::{STREAM_AUTO_BYTES, streams_by_default};
    assert_eq!(STREAM_AUTO_BYTES, 512 << 20);
    assert!(!streams_by_default(std::path::Path::new(TELCO)));
    assert!(!streams_by_default(std::path::Path::new(
        "/nonexistent/x.csv"
    )));
}

#[test]
fn too_many_levels_is_the_readers_error_at_the_same_line() {
    // 65,536 distinct values in a text column; in chunks of 10,000 rows no chunk has
    // too many, the file has.
    let mut text = String::from("code,status\n");
    for i in 0..70_000 {
        text.push_str(&format!("c{i},{}\n", if i % 2 == 0 { "Yes" } else { "No" }));
    }
    let path = temp_csv("levels", &text);
    let opts = CsvOptions::new("status");
    let memory = read_csv_report(&path, &opts).unwrap_err();
    let stream = StreamOptions::default().chunk_rows(10_000).head_rows(1000);
    let streamed = StreamSample::read(&path, &opts, &stream).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(memory.to_string(), streamed.to_string());
    assert!(streamed.to_string().contains("65537"), "{streamed}");
}

/// `sample_row_indices` picks the rows streaming keeps (the same reservoir and seed):
/// those rows of the file's table are the stream's sample, column by column; with at
/// most as many rows as the sample, every row.
#[test]
fn sample_row_indices_are_the_streaming_samples_rows() {
    use churnkit::train::sample_row_indices;
    let (table, _) = read_csv_report(SYNTH, &synth()).unwrap();
    for (size, seed) in [(1000, 42), (257, 3)] {
        let stream = StreamOptions::default()
            .sample_rows(size)
            .seed(seed)
            .chunk_rows(300);
        let sample = StreamSample::read(SYNTH, &synth(), &stream).unwrap();
        let rows: Vec<usize> = sample_row_indices(table.n_rows() as u64, size, seed)
            .into_iter()
            .map(|r| r as usize)
            .collect();
        assert_eq!(rows.len(), size);
        assert!(rows.windows(2).all(|w| w[0] < w[1]), "in row order");
        let picked = table.select(&rows);
        assert_eq!(picked.labels(), sample.table.labels());
        for j in 0..table.n_features() {
            let (a, b) = (picked.column(j), sample.table.column(j));
            match (a, b) {
                (churnkit::data::Column::Numeric(a), churnkit::data::Column::Numeric(b)) => {
                    let bits = |v: &Vec<f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(a), bits(b), "column {j}");
                }
                (
                    churnkit::data::Column::Categorical(a),
                    churnkit::data::Column::Categorical(b),
                ) => {
                    let f = &table.schema().features[j];
                    let g = &sample.table.schema().features[j];
                    let text = |c: u32, l: &[String]| l.get(c as usize).cloned();
                    let ta: Vec<_> = a.iter().map(|&c| text(c, f.levels())).collect();
                    let tb: Vec<_> = b.iter().map(|&c| text(c, g.levels())).collect();
                    assert_eq!(ta, tb, "column {j}");
                }
                _ => panic!("column {j}: other kinds"),
            }
        }
    }
    assert_eq!(sample_row_indices(5, 10, 1), vec![0, 1, 2, 3, 4]);
    assert!(sample_row_indices(0, 10, 1).is_empty());
}

/// `Pipeline::fit_sampled` fits no survival model and ships no training-part model
/// (named errors before any fit), and hands the final fit the sample's body.
#[test]
fn fit_sampled_refuses_a_duration_and_no_refit_and_records_the_sample() {
    use churnkit::train::{FinalFit, RowsFit, Sample, TrainingData};
    use std::borrow::Cow;
    let (table, _) = read_csv_report(SYNTH, &synth()).unwrap();
    let never = |_: &churnkit::registry::ModelBody,
                 _: &churnkit::data::Table|
     -> churnkit::Result<RowsFit> { panic!("not reached") };
    let of = Sample::new(table.n_rows(), 1, "sample");
    let e = pipeline(Algorithm::NaiveBayes)
        .duration("tenure")
        .fit_sampled(Cow::Borrowed(&table), of, &mut |_| {}, never)
        .unwrap_err();
    assert!(e.to_string().contains("duration"), "{e}");
    let e = pipeline(Algorithm::NaiveBayes)
        .final_fit(FinalFit::TrainingPart)
        .fit_sampled(Cow::Borrowed(&table), of, &mut |_| {}, never)
        .unwrap_err();
    assert!(e.to_string().contains("every row"), "{e}");
    // The final fit here is the sample's own body on the whole table: the summary
    // records the sample (300 of the rows) under the key given.
    let rows: Vec<usize> = churnkit::train::sample_row_indices(table.n_rows() as u64, 300, 1)
        .into_iter()
        .map(|r| r as usize)
        .collect();
    let all = table.all_rows();
    let trained = pipeline(Algorithm::NaiveBayes)
        .fit_sampled(
            Cow::Owned(table.select(&rows)),
            Sample::new(table.n_rows(), 1, "sample"),
            &mut |_| {},
            |body, schema_of| {
                assert_eq!(schema_of.n_rows(), 0, "the sample's rows are dropped");
                Ok(RowsFit::new(
                    body.clone(),
                    TrainingData::of_rows(&table, &all),
                    0.0,
                    0.0,
                ))
            },
        )
        .unwrap();
    assert_eq!(trained.sample_rows, 300);
    assert_eq!(trained.rows, table.n_rows());
    assert_eq!(
        trained.validation.out_of_sample_rows(),
        90,
        "30 % of the sample held out"
    );
    let s = trained.model.summary();
    assert_eq!(s.rows as usize, table.n_rows());
    assert_eq!(s.params.0["sample"]["sample_rows"], 300);
    assert_eq!(s.params.0["sample"]["rows"], table.n_rows());
}
