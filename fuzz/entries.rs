//! The fuzzing entry points, shared by the cargo-fuzz targets (`fuzz_targets/`) and the
//! deterministic mutation test at the crate root (`tests/fuzz_smoke.rs`), so both
//! drive the library through the same calls.
//!
//! Each entry takes arbitrary bytes and returns the errors the library gave. It panics
//! — a finding — only when an invariant is broken: an error that does not say where
//! (the source and line for the CSV reader, the line for BIF), or a network the BIF
//! reader accepted that does not survive writing and reading back.

use std::sync::OnceLock;

use churnkit::Error;
use churnkit::bayes::{read_bif, to_dot, write_bif};
use churnkit::data::{BadCellPolicy, BadLabelPolicy, CsvChunks, CsvOptions, read_csv_from};
use churnkit::model::Model;
use churnkit::policy::InputPolicy;
use churnkit::registry::{AlgoOptions, Algorithm};
use churnkit::score::{BatchOptions, Scorer, score_csv};
use churnkit::synth::{self, SynthParams};
use churnkit::train::{Pipeline, Validation};

/// The name the CSV inputs go by in errors.
pub const CSV_SOURCE: &str = "fuzz.csv";

/// The target column to try: the header's last name (the usual place of the label),
/// split on the first delimiter found, else `churn`.
fn guess_target(data: &[u8]) -> String {
    let first = data
        .split(|&b| b == b'\n' || b == b'\r')
        .next()
        .unwrap_or_default();
    let text = String::from_utf8_lossy(first);
    let delim = [',', ';', '\t']
        .into_iter()
        .find(|d| text.contains(*d))
        .unwrap_or(',');
    match text.rsplit(delim).next().map(str::trim) {
        Some(t) if !t.is_empty() => t.trim_matches('"').to_string(),
        _ => "churn".to_string(),
    }
}

/// A CSV error must name the source (and the reader's errors say where in it).
fn check_csv_error(e: &Error, how: &str) {
    let text = e.to_string();
    assert!(
        text.contains(CSV_SOURCE),
        "{how}: an error that does not name the source: {text}"
    );
}

/// A naive Bayes model of the synthetic table (its columns are those of
/// `datasets/synthetic-churn.csv`), trained once.
fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let table = synth::generate(&SynthParams {
            rows: 300,
            seed: 1,
            ..SynthParams::default()
        })
        .expect("synthetic table");
        Pipeline::new(Algorithm::NaiveBayes, AlgoOptions::default())
            .validation(Validation::None)
            .fit(&table)
            .expect("model")
            .model
    })
}

/// Reads `data` as a churn CSV every way the library offers: whole-file reading with
/// the default (strict) policies and with lenient ones (bad cells missing, bad labels
/// skipped, the target optional), streaming in chunks of 3 rows, and batch scoring
/// with a model (strict, and lenient with bad rows skipped). Returns every error with
/// the way of reading that gave it (`read, strict`, `read, lenient`, `chunks`,
/// `score, strict`, `score, lenient`).
pub fn csv(data: &[u8]) -> Vec<(&'static str, Error)> {
    let mut errors = Vec::new();
    let target = guess_target(data);
    let strict = CsvOptions::new(target.as_str());
    let lenient = CsvOptions::new(target.as_str())
        .on_bad_cell(BadCellPolicy::Missing)
        .on_bad_label(BadLabelPolicy::Skip)
        .target_optional(true);
    for (how, opts) in [("read, strict", &strict), ("read, lenient", &lenient)] {
        match read_csv_from(data, CSV_SOURCE, opts) {
            Ok((table, report)) => {
                assert_eq!(table.n_rows(), report.rows, "{how}: rows reported");
                assert!(report.rows + report.skipped_rows <= report.rows_read);
            }
            Err(e) => {
                check_csv_error(&e, how);
                errors.push((how, e));
            }
        }
    }
    let bytes = std::io::Cursor::new(data.to_vec());
    match CsvChunks::from_reader(bytes, CSV_SOURCE, &lenient, 3) {
        Ok(chunks) => {
            for chunk in chunks {
                if let Err(e) = chunk {
                    check_csv_error(&e, "chunks");
                    errors.push(("chunks", e));
                }
            }
        }
        Err(e) => {
            check_csv_error(&e, "chunks");
            errors.push(("chunks", e));
        }
    }
    errors.extend(score(data));
    errors
}

/// Batch-scores `data` with the synthetic model: strict, then lenient with bad rows
/// skipped. Scoring errors must say where: a line or a column.
fn score(data: &[u8]) -> Vec<(&'static str, Error)> {
    let model = model();
    let mut errors = Vec::new();
    let strict = Scorer::new(model);
    let lenient = Scorer::new(model).input_policy(InputPolicy::lenient());
    let runs = [
        ("score, strict", &strict, false),
        ("score, lenient", &lenient, true),
    ];
    for (how, scorer, skip) in runs {
        let opts = BatchOptions {
            chunk_rows: 4,
            skip_bad_rows: skip,
            ..BatchOptions::default()
        };
        let mut out = Vec::new();
        match score_csv(scorer, data, &mut out, &opts) {
            Ok(report) => {
                assert!(
                    report.rows_out + report.rows_skipped <= report.rows_in,
                    "{how}"
                );
            }
            Err(e) => {
                let text = e.to_string();
                assert!(
                    text.contains("line ") || text.contains("column '"),
                    "{how}: an error that does not say where: {text}"
                );
                errors.push((how, e));
            }
        }
    }
    errors
}

/// Parses `data` as BIF (when it is UTF-8 text). A network the reader accepts is
/// written back, read again (same structure, bit-identical CPTs) and drawn as DOT.
/// Returns the reader's error, which must name a line.
pub fn bif(data: &[u8]) -> Option<Error> {
    let text = std::str::from_utf8(data).ok()?;
    match read_bif(text) {
        Ok(net) => {
            let written = write_bif(&net);
            let back = read_bif(&written)
                .unwrap_or_else(|e| panic!("a network read from BIF does not read back: {e}"));
            assert_eq!(back.n_vars(), net.n_vars());
            for v in 0..net.n_vars() {
                assert_eq!(back.parents(v), net.parents(v), "parents of {v}");
                assert_eq!(back.cpt(v), net.cpt(v), "CPT of {v}");
            }
            let _ = to_dot(&net, None);
            None
        }
        Err(e) => {
            let text = e.to_string();
            assert!(
                matches!(e, Error::Model { .. }) && text.contains("line "),
                "a BIF error that does not name its line: {text}"
            );
            Some(e)
        }
    }
}
