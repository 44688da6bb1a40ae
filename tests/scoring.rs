//! Scoring raw customers: every bad-input case under both policies, through every
//! input form (map, CSV row, table, batch CSV), and the batch output contract.

#[path = "common/schemas.rs"]
mod schemas;

use std::collections::HashMap;
use std::sync::Arc;

use churnkit::Error;
use churnkit::data::{Column, Feature, FeatureKind, MISSING_LEVEL, Schema, Table, Target};
use churnkit::eval::ZeroR;
use churnkit::model::Model;
use churnkit::policy::{
    Amount, ClvSpec, Economics, InputPolicy, Margin, OnBad, ReasonSource, Tier,
};
use churnkit::score::output_header;
use churnkit::score::{BatchOptions, Scorer, score_csv};
use churnkit::train::ModelBuilder;

fn schema() -> Arc<Schema> {
    schemas::contract_tenure()
}

/// Training rows never contain `two-year`, so it is an unseen category when scoring.
fn model() -> Model {
    let t = Table::new(
        schema(),
        vec![
            Column::Categorical(vec![0, 2, 0, 2, MISSING_LEVEL, 1]),
            Column::Numeric(vec![1.0, 30.0, 2.0, 50.0, 10.0, 5.0]),
        ],
        vec![1, 0, 1, 0, 0, 0],
        None,
        None,
    )
    .unwrap();
    let train = [0, 1, 2, 3, 4];
    ModelBuilder::new(ZeroR.fit_table(&t, &train).unwrap(), &t, &train)
        .build()
        .unwrap()
}

fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn policy(f: impl FnOnce(&mut InputPolicy)) -> InputPolicy {
    let mut p = InputPolicy::lenient();
    f(&mut p);
    p
}

#[test]
fn a_clean_customer_has_no_warnings() {
    let m = model();
    let s = Scorer::new(&m)
        .score_map(&map(&[("contract", "month"), ("tenure", "3")]))
        .unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.probabilities, vec![0.6, 0.4]);
    assert_eq!(s.p_churn, 0.4);
    assert_eq!(s.tier, Tier::Retained);
    assert!(s.retention.is_none());
    // Missing tokens are missing, not errors.
    for blank in ["", "NA", "?", " ", "null"] {
        let s = Scorer::new(&m)
            .input_policy(InputPolicy::strict())
            .score_map(&map(&[("contract", blank), ("tenure", blank)]))
            .unwrap();
        assert!(s.warnings.is_empty());
    }
}

#[test]
fn unseen_category_warns_or_errors() {
    let m = model();
    let c = map(&[("contract", "two-year"), ("tenure", "3")]);
    let s = Scorer::new(&m).score_map(&c).unwrap();
    assert_eq!(s.warnings.len(), 1);
    assert!(
        s.warnings[0].contains("never seen in training"),
        "{:?}",
        s.warnings
    );
    let strict = Scorer::new(&m).input_policy(policy(|p| p.unseen_category = OnBad::Error));
    match strict.score_map(&c).unwrap_err() {
        Error::Value {
            location, value, ..
        } => {
            assert_eq!(location.column.as_deref(), Some("contract"));
            assert_eq!(value, "two-year");
        }
        e => panic!("{e:?}"),
    }
    // Also a level the training schema never had at all.
    assert!(
        Scorer::new(&m)
            .score_csv_row(&["contract", "tenure"], &["decade", "1"])
            .unwrap()
            .warnings[0]
            .contains("decade")
    );
}

#[test]
fn missing_column_warns_or_errors() {
    let m = model();
    let c = map(&[("tenure", "3")]);
    // Default policy: error naming the column.
    match Scorer::new(&m).score_map(&c).unwrap_err() {
        Error::Schema { location, .. } => {
            assert_eq!(location.column.as_deref(), Some("contract"))
        }
        e => panic!("{e:?}"),
    }
    let s = Scorer::new(&m)
        .input_policy(policy(|p| p.missing_column = OnBad::Warn))
        .score_map(&c)
        .unwrap();
    assert!(
        s.warnings[0].contains("'contract' is absent"),
        "{:?}",
        s.warnings
    );
}

#[test]
fn extra_column_warns_or_errors() {
    let m = model();
    let c = map(&[("contract", "month"), ("tenure", "3"), ("shoe_size", "44")]);
    let s = Scorer::new(&m).score_map(&c).unwrap();
    assert_eq!(
        s.warnings,
        vec!["extra column 'shoe_size' ignored".to_string()]
    );
    let strict = Scorer::new(&m).input_policy(policy(|p| p.extra_column = OnBad::Error));
    assert!(matches!(strict.score_map(&c), Err(Error::Schema { .. })));
    // The target and id columns are never extra.
    let c = map(&[
        ("contract", "month"),
        ("tenure", "3"),
        ("churn", "Yes"),
        ("id", "7"),
    ]);
    let s = strict.score_map(&c).unwrap();
    assert!(s.warnings.is_empty());
    assert_eq!(s.id.as_deref(), Some("7"));
}

#[test]
fn text_in_a_numeric_column_warns_or_errors() {
    let m = model();
    let c = map(&[("contract", "month"), ("tenure", "three")]);
    let s = Scorer::new(&m).score_map(&c).unwrap();
    assert!(
        s.warnings[0].contains("'three' is not a number"),
        "{:?}",
        s.warnings
    );
    let strict = Scorer::new(&m).input_policy(policy(|p| p.bad_number = OnBad::Error));
    match strict.score_map(&c).unwrap_err() {
        Error::Value {
            location, value, ..
        } => {
            assert_eq!(location.column.as_deref(), Some("tenure"));
            assert_eq!(value, "three");
        }
        e => panic!("{e:?}"),
    }
    // inf is not a usable number either.
    assert!(
        strict
            .score_csv_row(&["contract", "tenure"], &["month", "inf"])
            .is_err()
    );
}

#[test]
fn tables_from_elsewhere_are_matched_by_name_under_the_policy() {
    let m = model();
    // Other column order, other level order, an unseen level, an extra feature, and
    // tenure read as text.
    let other = Arc::new(Schema {
        features: vec![
            Feature {
                name: "tenure".into(),
                kind: FeatureKind::Categorical {
                    levels: vec!["12".into(), "lots".into()].into(),
                },
            },
            Feature {
                name: "region".into(),
                kind: FeatureKind::Numeric,
            },
            Feature {
                name: "contract".into(),
                kind: FeatureKind::Categorical {
                    levels: vec!["year".into(), "month".into(), "two-year".into()].into(),
                },
            },
        ],
        target: Target::binary("churn"),
        id_column: None,
        weight_column: None,
    });
    let t = Table::new_unlabeled(
        other,
        vec![
            Column::Categorical(vec![0, 1, 0]),
            Column::Numeric(vec![1.0, 2.0, 3.0]),
            Column::Categorical(vec![1, 0, 2]),
        ],
        None,
        Some(vec!["a".into(), "b".into(), "c".into()]),
    )
    .unwrap();
    let scores = Scorer::new(&m).score_table(&t).unwrap();
    assert_eq!(scores.len(), 3);
    assert_eq!(scores[0].id.as_deref(), Some("a"));
    assert_eq!(
        scores[0].warnings,
        vec!["extra column 'region' ignored".to_string()]
    );
    assert!(
        scores[1]
            .warnings
            .iter()
            .any(|w| w.contains("'lots' is not a number"))
    );
    assert!(
        scores[2]
            .warnings
            .iter()
            .any(|w| w.contains("'two-year' never seen"))
    );
    assert!(
        Scorer::new(&m)
            .input_policy(InputPolicy::strict())
            .score_table(&t)
            .is_err()
    );
    let one = Scorer::new(&m).score_row(&t, 1).unwrap();
    assert_eq!(one, scores[1]);
    assert!(Scorer::new(&m).score_row(&t, 3).is_err());
}

const CSV: &str = "id,contract,tenure,churn\n\
A1,month,3,Yes\n\
A2,year,40,No\n\
A3,two-year,7,No\n\
A4,month,abc,No\n\
A5,,,No\n";

/// The records of a CSV output, by column name.
fn records(out: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let names = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            names
                .iter()
                .zip(rec.iter())
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn run(
    scorer: &Scorer,
    csv: &str,
    opts: &BatchOptions,
) -> churnkit::Result<(String, churnkit::score::BatchReport)> {
    let mut out = Vec::new();
    let report = score_csv(scorer, csv.as_bytes(), &mut out, opts)?;
    Ok((String::from_utf8(out).unwrap(), report))
}

#[test]
fn batch_output_columns_and_counts() {
    let m = model();
    let (out, report) = run(&Scorer::new(&m), CSV, &BatchOptions::default()).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "id,p_retained,p_churned,tier,reason_1,weight_1,reason_2,weight_2,reason_3,weight_3,\
         protective,stage,driver,reason_class,strategy,rescue_success,clv,value_at_risk,\
         spend_ceiling,rescue,warning"
    );
    assert_eq!(output_header(m.classes()).join(","), lines[0]);
    assert_eq!(lines.len(), 6);
    assert!(
        lines[1].starts_with("A1,0.6,0.4,retained,,,,,,,,,none,unknown,"),
        "{}",
        lines[1]
    );
    assert!(lines[3].contains("never seen"), "{}", lines[3]);
    assert!(lines[4].contains("not a number"), "{}", lines[4]);
    assert_eq!(report.rows_in, 5);
    assert_eq!(report.rows_out, 5);
    assert_eq!(report.rows_skipped, 0);
    assert_eq!(report.rows_with_warnings, 2);
    // The chunk size changes nothing.
    let small = BatchOptions {
        chunk_rows: 2,
        ..BatchOptions::default()
    };
    assert_eq!(run(&Scorer::new(&m), CSV, &small).unwrap().0, out);
}

#[test]
fn batch_reports_progress_through_the_callback() {
    use std::sync::{Arc, Mutex};
    let m = model();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let opts = BatchOptions {
        chunk_rows: 2,
        ..BatchOptions::default()
    }
    .on_progress(move |p| sink.lock().unwrap().push(p));
    assert_eq!(opts.clone(), opts); // a clone shares the callback
    let (out, _) = run(&Scorer::new(&m), CSV, &opts).unwrap();
    assert_eq!(
        run(&Scorer::new(&m), CSV, &BatchOptions::default())
            .unwrap()
            .0,
        out
    );
    let seen = seen.lock().unwrap();
    // Once after the header, then after each chunk of 2 rows (2, 4, 5).
    let rows: Vec<u64> = seen.iter().map(|p| p.rows_done).collect();
    assert_eq!(rows, [0, 2, 4, 5]);
    assert!(seen.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done));
    assert_eq!(seen.last().unwrap().bytes_done, CSV.len() as u64);
    assert!(seen.iter().all(|p| p.bytes_total.is_none())); // a reader has no size
}

#[test]
fn batch_errors_name_the_line_or_skip_and_count() {
    let m = model();
    let strict = Scorer::new(&m).input_policy(policy(|p| p.bad_number = OnBad::Error));
    let e = run(&strict, CSV, &BatchOptions::default()).unwrap_err();
    match &e {
        Error::Value {
            location, value, ..
        } => {
            assert_eq!(location.line, Some(5), "{e}");
            assert_eq!(value, "abc");
        }
        _ => panic!("{e:?}"),
    }
    let skip = BatchOptions {
        skip_bad_rows: true,
        chunk_rows: 3,
        ..BatchOptions::default()
    };
    let (out, report) = run(&strict, CSV, &skip).unwrap();
    assert_eq!(report.rows_in, 5);
    assert_eq!(report.rows_out, 4);
    assert_eq!(report.rows_skipped, 1);
    assert!(report.errors[0].contains("line 5"), "{:?}", report.errors);
    assert!(!out.contains("A4"));
    // A ragged record.
    let ragged = "id,contract,tenure\nB1,month,3\nB2,month\nB3,year,9\n";
    let e = run(&Scorer::new(&m), ragged, &BatchOptions::default()).unwrap_err();
    assert!(
        matches!(e, Error::Csv { ref location, .. } if location.line == Some(3)),
        "{e:?}"
    );
    let (out, report) = run(&Scorer::new(&m), ragged, &skip).unwrap();
    assert_eq!(
        (report.rows_in, report.rows_out, report.rows_skipped),
        (3, 2, 1)
    );
    assert_eq!(out.lines().count(), 3);
    // Missing feature column under the default policy: an error before any row.
    assert!(matches!(
        run(
            &Scorer::new(&m),
            "id,tenure\nX,1\n",
            &BatchOptions::default()
        ),
        Err(Error::Schema { .. })
    ));
}

#[test]
fn batch_without_id_column_numbers_rows_and_economics_fill_columns() {
    let m = model();
    let econ = Economics {
        clv: Some(ClvSpec {
            margin: Margin::Column {
                name: "monthly".into(),
                scale: 1.0,
            },
            horizon: 3,
            discount_rate: 0.1,
        }),
        offer_cost: Some(Amount::Fixed(20.0)),
        churn_reason: Some(ReasonSource::Column("why".into())),
        ..Economics::default()
    };
    let scorer = Scorer::new(&m).economics(econ).unwrap();
    let csv = "contract,tenure,monthly,why\nmonth,1,100,\nmonth,1,100,death\nmonth,1,100,competitor\nmonth,1,x,\n";
    let (out, report) = run(&scorer, csv, &BatchOptions::default()).unwrap();
    let rows = records(&out);
    // CLV 248.685...; p_churn 0.4 → value at risk 99.474, ceiling 0.4·0.3·248.685 = 29.842
    let f = &rows[0];
    assert_eq!(f["id"], "1");
    let clv: f64 = f["clv"].parse().unwrap();
    assert!((clv - 248.685).abs() < 1e-3);
    assert!((f["value_at_risk"].parse::<f64>().unwrap() - 99.474).abs() < 1e-3);
    assert!((f["spend_ceiling"].parse::<f64>().unwrap() - 29.842).abs() < 1e-3);
    assert_eq!(f["rescue"], "yes");
    assert_eq!(f["rescue_success"], "0.3");
    let f = &rows[1];
    assert_eq!(
        (f["spend_ceiling"].as_str(), f["rescue"].as_str()),
        ("0", "no")
    );
    assert_eq!(rows[2]["rescue"], "yes");
    assert!(rows[3]["warning"].contains("not a number"), "{:?}", rows[3]);
    assert_eq!(rows[3]["rescue"], "no");
    assert_eq!(report.rows_out, 4);
    // The economics' columns are required.
    assert!(matches!(
        run(
            &scorer,
            "contract,tenure\nmonth,1\n",
            &BatchOptions::default()
        ),
        Err(Error::Schema { .. })
    ));
}
