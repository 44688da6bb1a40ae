//! A file with custom missing tokens is read the same way for scoring as for training
//! when the batch is given the training reader's tokens.

use churnkit::data::{CsvOptions, read_csv_from};
use churnkit::model::Model;
use churnkit::score::{BatchOptions, Score, Scorer, score_csv};
use churnkit::train::ModelBuilder;
use churnkit::tree::TreeLearner;

#[path = "common/dash_csv.rs"]
mod dash_csv;

fn csv_text() -> String {
    dash_csv::dash_missing_csv(300)
}

/// The probabilities of the batch output `out` equal those of `want`.
fn assert_same_probabilities(out: &str, want: &[Score]) {
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let mut n = 0;
    for (rec, s) in r.records().zip(want) {
        let rec = rec.unwrap();
        let p: Vec<f64> = (1..=2).map(|i| rec[i].parse().unwrap()).collect();
        assert_eq!(p, s.probabilities);
        n += 1;
    }
    assert_eq!(n, want.len());
}

#[test]
fn custom_missing_tokens_read_alike_in_training_and_scoring() {
    let text = csv_text();
    let opts = CsvOptions::new("churn")
        .id_column("id")
        .missing_tokens(["-"]);
    let (table, _) = read_csv_from(text.as_bytes(), "customers.csv", &opts).unwrap();
    // "-" is missing, not a level.
    let levels = table.schema().features[0].levels().to_vec();
    assert_eq!(levels, ["basic", "plus", "pro"]);
    let rows = table.all_rows();
    let body = TreeLearner::id3().fit_tree(&table, &rows).unwrap();
    let model = ModelBuilder::new(body, &table, &rows).build().unwrap();
    let want = Scorer::new(&model).score_table(&table).unwrap();

    let batch = |tokens: Option<churnkit::data::MissingTokens>| {
        let mut out = Vec::new();
        let o = BatchOptions {
            missing_tokens: tokens,
            ..BatchOptions::default()
        };
        let report = score_csv(&Scorer::new(&model), text.as_bytes(), &mut out, &o).unwrap();
        (report, String::from_utf8(out).unwrap())
    };
    // With the training reader's tokens: no warnings, the same probabilities.
    let (report, out) = batch(Some(opts.missing()));
    assert_eq!(report.rows_out, 300);
    assert_eq!(report.rows_with_warnings, 0, "{out}");
    assert_same_probabilities(&out, &want);
    // The same through the scorer's own setting.
    let mut out2 = Vec::new();
    score_csv(
        &Scorer::new(&model).missing_tokens(opts.missing()),
        text.as_bytes(),
        &mut out2,
        &BatchOptions::default(),
    )
    .unwrap();
    assert_eq!(out2, out.as_bytes());
    // With the default tokens "-" is an unseen category / not a number: warnings.
    let (report, _) = batch(None);
    assert!(report.rows_with_warnings >= 75, "{report:?}");
}

/// A model built with the training reader's tokens keeps them: its scorers (and batch
/// scoring) read "-" as missing with no option given, through a saved file too; an
/// explicit setting still overrides.
#[test]
fn the_model_carries_the_training_tokens() {
    let text = csv_text();
    let opts = CsvOptions::new("churn")
        .id_column("id")
        .missing_tokens(["-"]);
    let (table, _) = read_csv_from(text.as_bytes(), "customers.csv", &opts).unwrap();
    let rows = table.all_rows();
    let body = TreeLearner::id3().fit_tree(&table, &rows).unwrap();
    let model = ModelBuilder::new(body, &table, &rows)
        .missing_tokens(opts.missing())
        .build()
        .unwrap();
    let model = Model::from_bytes(&model.to_bytes().unwrap()).unwrap();
    assert_eq!(model.missing_tokens(), &opts.missing());
    let want = Scorer::new(&model).score_table(&table).unwrap();
    let score = |scorer: Scorer, o: &BatchOptions| {
        let mut out = Vec::new();
        let report = score_csv(&scorer, text.as_bytes(), &mut out, o).unwrap();
        (report, String::from_utf8(out).unwrap())
    };
    let (report, out) = score(Scorer::new(&model), &BatchOptions::default());
    assert_eq!(report.rows_out, 300);
    assert_eq!(report.rows_with_warnings, 0, "{out}");
    assert_same_probabilities(&out, &want);
    let defaults = churnkit::data::MissingTokens::default();
    let (report, _) = score(
        Scorer::new(&model).missing_tokens(defaults.clone()),
        &BatchOptions::default(),
    );
    assert!(report.rows_with_warnings >= 75, "{report:?}");
    let o = BatchOptions {
        missing_tokens: Some(defaults),
        ..BatchOptions::default()
    };
    let (report, _) = score(Scorer::new(&model), &o);
    assert!(report.rows_with_warnings >= 75, "{report:?}");
}
