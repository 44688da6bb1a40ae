//! Leakage and identifier warnings at training time: each suspicious column gets the
//! right warning with its `--id` / `--drop` hint; Telco read with `--id customerID`
//! gets no identifier warning, and without it customerID is named.

use std::sync::Arc;

use churnkit::data::{Column, CsvOptions, Schema, Table, read_csv};
use churnkit::registry::{AlgoOptions, Algorithm};
use churnkit::train::{LeakageKind, Pipeline, Validation, leakage_warnings};

/// 200 rows: one column per kind of problem, and an honest one.
fn suspicious() -> Table {
    let n = 200usize;
    let labels: Vec<u8> = (0..n).map(|i| u8::from(i % 3 == 0)).collect();
    let ids: Vec<String> = (0..n).map(|i| format!("C{i:04}")).collect();
    let high: Vec<String> = (0..n / 5 * 3).map(|l| format!("L{l:03}")).collect();
    let schema = Schema::builder("churn")
        .categorical("account", ids.clone())
        .numeric("signup_order")
        .categorical("country", ["BE", "NL"])
        .categorical("street", high.clone())
        .numeric("cancel_flag")
        .numeric("calls")
        .build()
        .unwrap();
    let columns = vec![
        Column::Categorical((0..n as u32).collect()),
        // Rising, not integer-valued: monotone, not an id.
        Column::Numeric((0..n).map(|i| i as f64 * 0.5 + 0.25).collect()),
        Column::Categorical((0..n as u32).map(|i| u32::from(i == 7)).collect()),
        // 120 levels in 200 rows: some repeat.
        Column::Categorical((0..n as u32).map(|i| i * 3 / 5).collect()),
        Column::Numeric(labels.iter().map(|&l| f64::from(l)).collect()),
        Column::Numeric((0..n).map(|i| ((i * 7) % 10) as f64).collect()),
    ];
    Table::new(Arc::new(schema), columns, labels, None, None).unwrap()
}

#[test]
fn each_suspicious_column_gets_its_warning_and_hint() {
    let t = suspicious();
    let w = leakage_warnings(&t, &t.all_rows());
    let of = |col: &str| -> Vec<LeakageKind> {
        w.iter()
            .filter(|x| x.column == col)
            .map(|x| x.kind)
            .collect()
    };
    assert_eq!(of("account"), [LeakageKind::UniquePerRow], "{w:#?}");
    assert_eq!(
        of("signup_order"),
        [LeakageKind::MonotoneWithRowOrder],
        "{w:#?}"
    );
    assert_eq!(of("country"), [LeakageKind::NearConstant], "{w:#?}");
    assert_eq!(of("street"), [LeakageKind::HighCardinality], "{w:#?}");
    assert_eq!(of("cancel_flag"), [LeakageKind::LabelLike], "{w:#?}");
    assert!(of("calls").is_empty(), "{w:#?}");
    for x in &w {
        let want = match x.kind {
            LeakageKind::UniquePerRow | LeakageKind::HighCardinality => "--id",
            _ => "--drop",
        };
        assert!(x.hint.contains(&format!("{want} {}", x.column)), "{x:?}");
        assert!(!x.detail.is_empty());
    }
    let json = serde_json::to_value(&w).unwrap();
    assert_eq!(json[0]["kind"], "unique-per-row");
    assert_eq!(json[0]["column"], "account");
}

#[test]
fn the_pipeline_returns_the_warnings() {
    let t = suspicious();
    let trained = Pipeline::new(Algorithm::ZeroR, AlgoOptions::default())
        .validation(Validation::None)
        .fit(&t)
        .unwrap();
    assert_eq!(trained.warnings, leakage_warnings(&t, &t.all_rows()));
    assert_eq!(trained.warnings.len(), 5);
}

fn telco(id: bool) -> Table {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-train.csv");
    let mut o = CsvOptions::new("Churn");
    if id {
        o = o.id_column("customerID");
    }
    read_csv(path, &o).unwrap()
}

#[test]
fn telco_with_its_id_gets_no_identifier_warning_and_without_it_names_customer_id() {
    let t = telco(true);
    let w = leakage_warnings(&t, &t.all_rows());
    assert!(
        w.iter().all(|x| !matches!(
            x.kind,
            LeakageKind::UniquePerRow | LeakageKind::HighCardinality | LeakageKind::LabelLike
        )),
        "{w:#?}"
    );
    let t = telco(false);
    let w = leakage_warnings(&t, &t.all_rows());
    let id = w
        .iter()
        .find(|x| x.column == "customerID")
        .unwrap_or_else(|| panic!("{w:#?}"));
    assert_eq!(id.kind, LeakageKind::UniquePerRow);
    assert!(id.hint.contains("--id customerID"));
}

#[test]
fn large_tables_are_checked_on_an_even_sample() {
    use churnkit::train::LEAKAGE_MAX_ROWS;
    let n = 2 * LEAKAGE_MAX_ROWS + 10;
    let labels: Vec<u8> = (0..n).map(|i| u8::from(i % 4 == 0)).collect();
    let schema = Schema::builder("churn")
        .numeric("row_number")
        .numeric("calls")
        .build()
        .unwrap();
    let columns = vec![
        Column::Numeric((0..n).map(|i| i as f64).collect()),
        Column::Numeric((0..n).map(|i| ((i * 7) % 10) as f64).collect()),
    ];
    let t = Table::new(Arc::new(schema), columns, labels, None, None).unwrap();
    let w = leakage_warnings(&t, &t.all_rows());
    let kinds: Vec<LeakageKind> = w.iter().map(|x| x.kind).collect();
    assert_eq!(
        kinds,
        [LeakageKind::UniquePerRow, LeakageKind::MonotoneWithRowOrder],
        "{w:#?}"
    );
    assert!(
        w[0].detail.contains(&format!("in {} rows", n.div_ceil(3))),
        "{w:#?}"
    );
}
