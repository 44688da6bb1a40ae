//! A wide table end to end (20,000 columns × 10 rows): read, train with
//! cross-validation, save and load the model, score (also with the columns in
//! another order), and the errors of a duplicate or a missing column.
//!
//! Every step must be linear in the number of columns (issue 15, finding 12); a step
//! that compares every column with every other makes this test take minutes instead of
//! seconds in a debug build. Its speed is measured by `benches/columns.rs`; this test
//! asserts only results.

use churnkit::Error;
use churnkit::data::{CsvOptions, FeatureKind, read_csv_from};
use churnkit::model::Model;
use churnkit::registry::{AlgoOptions, Algorithm};
use churnkit::score::{BatchOptions, Scorer, score_csv};
use churnkit::train::{Pipeline, Validation};
use churnkit::tree::Tune;

const COLS: usize = 20_000;
const ROWS: usize = 10;
/// Where the one informative column sits among the features.
const SIGNAL_AT: usize = 12_345;

/// Rows 0, 2, 4, … churned.
fn churned(r: usize) -> bool {
    r % 2 == 0
}

/// The header: `id`, `churn`, then `COLS - 2` features; one of them, `signal`, says
/// who churned. Every other feature holds the same value (or level) in rows `2i` and
/// `2i + 1`, one churner and one not, so it tells nothing whatever the cut.
fn names() -> Vec<String> {
    let mut names = vec!["id".to_string(), "churn".to_string()];
    for j in 0..COLS - 2 {
        names.push(if j == SIGNAL_AT {
            "signal".to_string()
        } else {
            format!("f{j}")
        });
    }
    names
}

fn cell(name: &str, r: usize) -> String {
    match name {
        "id" => format!("c{r}"),
        "churn" => (if churned(r) { "Yes" } else { "No" }).to_string(),
        "signal" => (if churned(r) { "9.5" } else { "1.5" }).to_string(),
        f => {
            let j: usize = f[1..].parse().expect("a feature name");
            let v = (r / 2 + j) % 5;
            if j % 3 == 2 {
                ["a", "b", "c", "d", "e"][v].to_string()
            } else {
                format!("{}", v * 10 + j % 7)
            }
        }
    }
}

/// The CSV of the columns `order` (names), with or without the label.
fn csv(order: &[String], label: bool) -> Vec<u8> {
    let cols: Vec<&String> = order.iter().filter(|n| label || *n != "churn").collect();
    let mut s = cols
        .iter()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(",");
    s.push('\n');
    for r in 0..ROWS {
        let row: Vec<String> = cols.iter().map(|n| cell(n, r)).collect();
        s.push_str(&row.join(","));
        s.push('\n');
    }
    s.into_bytes()
}

fn opts() -> CsvOptions {
    CsvOptions::new("churn").id_column("id")
}

#[test]
fn a_wide_table_reads_trains_loads_and_scores() {
    let names = names();
    let bytes = csv(&names, true);
    let (table, _) = read_csv_from(&bytes[..], "wide.csv", &opts()).unwrap();
    assert_eq!(table.n_rows(), ROWS);
    let schema = table.schema();
    assert_eq!(schema.n_features(), COLS - 2);
    // Kinds inferred per column: every third filler categorical, `signal` numeric.
    let categorical = schema
        .features
        .iter()
        .filter(|f| matches!(f.kind, FeatureKind::Categorical { .. }))
        .count();
    assert_eq!(
        categorical,
        (0..COLS - 2)
            .filter(|&j| j % 3 == 2 && j != SIGNAL_AT)
            .count()
    );
    assert_eq!(schema.features[SIGNAL_AT].name, "signal");
    assert!(schema.features[SIGNAL_AT].is_numeric());
    assert_eq!(schema.features[2].levels(), ["a", "b", "c", "d", "e"]);

    let algo_options = AlgoOptions {
        tune: Some(Tune::Off),
        ..AlgoOptions::default()
    };
    let trained = Pipeline::new(Algorithm::Id3Weighted, algo_options)
        .validation(Validation::KFold { k: 2, seed: 7 })
        .fit(&table)
        .unwrap();
    let saved = trained.model.to_bytes().unwrap();
    let model = Model::from_bytes(&saved).unwrap();
    assert_eq!(model.schema().n_features(), COLS - 2);
    // The tree found the one informative column among 19,998.
    let p = model.predict_proba(&table, &table.all_rows()).unwrap();
    let churn = model.classes().iter().position(|c| c == "churned").unwrap();
    let k = model.classes().len();
    for r in 0..ROWS {
        let p_churn = p[r * k + churn];
        assert_eq!(p_churn > 0.5, churned(r), "row {r}: P(churn) {p_churn}");
    }

    // Batch scoring, the columns in the training order and reversed (found by name).
    let scorer = Scorer::new(&model);
    let score = |order: &[String]| {
        let mut out = Vec::new();
        let report = score_csv(
            &scorer,
            &csv(order, false)[..],
            &mut out,
            &BatchOptions::default(),
        )
        .unwrap();
        assert_eq!(report.rows_out, ROWS as u64);
        assert!(
            report.ignored_columns.is_empty(),
            "{:?}",
            report.ignored_columns
        );
        String::from_utf8(out).unwrap()
    };
    let scored = score(&names);
    let lines: Vec<&str> = scored.lines().collect();
    assert_eq!(lines.len(), ROWS + 1);
    let header: Vec<&str> = lines[0].split(',').collect();
    let p_col = header
        .iter()
        .position(|h| *h == "p_churned")
        .expect("a p_churned column");
    for (r, line) in lines[1..].iter().enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[0], format!("c{r}"));
        let p_churn: f64 = fields[p_col].parse().unwrap();
        assert_eq!(p_churn, p[r * k + churn], "row {r}");
        if churned(r) {
            assert!(line.contains("signal"), "row {r}: {line}");
        }
    }
    let mut reversed = names.clone();
    reversed.reverse();
    assert_eq!(score(&reversed), scored);
}

#[test]
fn a_duplicate_or_missing_column_of_a_wide_table_is_named() {
    let mut names = names();
    let last = names.len() - 1;
    names[last] = names[SIGNAL_AT + 2].clone();
    let bytes = csv(&names, true);
    let e = read_csv_from(&bytes[..], "wide.csv", &opts()).unwrap_err();
    match &e {
        Error::Schema { location, message } => {
            assert_eq!(location.column.as_deref(), Some("signal"));
            assert!(message.contains("duplicate column name"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // An unknown column given as the id: the message lists a few names, not 20,000.
    let names = self::names();
    let bytes = csv(&names, true);
    let e = read_csv_from(
        &bytes[..],
        "wide.csv",
        &CsvOptions::new("churn").id_column("ident"),
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("given as the id column"), "{text}");
    assert!(text.contains("more"), "{text}");
    assert!(text.len() < 2000, "{} bytes", text.len());

    // Scoring data that lacks one of the model's columns: an error naming it.
    let (table, _) = read_csv_from(&bytes[..], "wide.csv", &opts()).unwrap();
    let trained = Pipeline::new(Algorithm::NaiveBayes, AlgoOptions::default())
        .validation(Validation::None)
        .fit(&table)
        .unwrap();
    let without: Vec<String> = names.iter().filter(|n| *n != "f777").cloned().collect();
    let scorer = Scorer::new(&trained.model);
    let e = score_csv(
        &scorer,
        &csv(&without, false)[..],
        &mut Vec::new(),
        &BatchOptions::default(),
    )
    .unwrap_err();
    match &e {
        Error::Schema { location, message } => {
            assert_eq!(location.column.as_deref(), Some("f777"), "{e}");
            assert!(message.contains("needs this column"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}
