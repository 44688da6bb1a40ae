//! The CSV reader and the discretizer on the real churn files in `datasets/`.

use churnkit::data::{
    Binning, Column, CsvOptions, Discretizer, FeatureKind, Table, read_csv, read_csv_report,
    stratified_holdout,
};

const TELCO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/datasets/telco-customer-churn.csv"
);
const ORANGE_TRAIN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/datasets/orange-telecom-churn-train.csv"
);
const ORANGE_TEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/datasets/orange-telecom-churn-test.csv"
);

fn telco() -> Table {
    read_csv(TELCO, &CsvOptions::new("Churn").id_column("customerID")).expect("telco reads")
}

fn churned(t: &Table) -> usize {
    let c = t.schema().target.churn_class() as u8;
    t.labels().iter().filter(|&&l| l == c).count()
}

#[test]
fn telco_has_the_published_shape() {
    let bytes = std::fs::read(TELCO).unwrap();
    assert!(
        bytes.windows(2).any(|w| w == b"\r\n"),
        "the file has CRLF line ends"
    );
    let (t, report) = read_csv_report(TELCO, &CsvOptions::new("Churn").id_column("customerID"))
        .expect("telco reads");
    assert_eq!(t.n_rows(), 7043);
    assert_eq!(t.n_features(), 19);
    assert_eq!(churned(&t), 1869);
    assert_eq!(t.schema().target.classes, ["retained", "churned"]);
    assert_eq!(t.ids().unwrap()[0], "7590-VHVEG");
    let j = t.schema().feature_index("TotalCharges").unwrap();
    assert!(t.schema().features[j].is_numeric());
    assert_eq!(t.column(j).n_missing(), 11);
    assert_eq!(report.missing, vec![("TotalCharges".to_string(), 11)]);
    assert_eq!(report.skipped_rows, 0);
    assert_eq!(report.delimiter, b',');
    // Kinds: three numeric columns plus the 0/1 SeniorCitizen, the rest text.
    let numeric: Vec<&str> = t
        .schema()
        .features
        .iter()
        .filter(|f| f.is_numeric())
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        numeric,
        ["SeniorCitizen", "Tenure", "MonthlyCharges", "TotalCharges"]
    );
    let contract = &t.schema().features[t.schema().feature_index("Contract").unwrap()];
    assert_eq!(
        contract.kind,
        FeatureKind::Categorical {
            levels: vec![
                "Month-to-month".into(),
                "One year".into(),
                "Two year".into()
            ]
            .into()
        }
    );
    // Dropping the id instead of keeping it gives the same 19 features.
    let dropped = read_csv(
        TELCO,
        &CsvOptions::new("Churn").drop_columns(["customerID"]),
    )
    .unwrap();
    assert_eq!(dropped.n_features(), 19);
    assert!(dropped.ids().is_none());
}

#[test]
fn orange_train_and_test_have_the_published_shape() {
    let opts = CsvOptions::new("Churn");
    let train = read_csv(ORANGE_TRAIN, &opts).unwrap();
    assert_eq!(train.n_rows(), 2666);
    assert_eq!(churned(&train), 388);
    let test = read_csv(ORANGE_TEST, &opts).unwrap();
    assert_eq!(test.n_rows(), 667);
    assert_eq!(churned(&test), 95);
    for t in [&train, &test] {
        let state = &t.schema().features[t.schema().feature_index("State").unwrap()];
        assert_eq!(state.levels().len(), 51);
        assert!(
            state.levels().windows(2).all(|w| w[0] < w[1]),
            "levels sorted"
        );
        // Area code is numeric by inference...
        assert!(t.schema().features[t.schema().feature_index("Area code").unwrap()].is_numeric());
    }
    // ...and categorical on request.
    let forced = read_csv(
        ORANGE_TRAIN,
        &CsvOptions::new("Churn").categorical(["Area code"]),
    )
    .unwrap();
    let area = &forced.schema().features[forced.schema().feature_index("Area code").unwrap()];
    assert_eq!(area.levels(), ["408", "415", "510"]);
}

#[test]
fn telco_encodes_with_both_binnings() {
    let t = telco();
    let rows = t.all_rows();
    for binning in [
        Binning::EqualFrequency { bins: 5 },
        Binning::Mdl {
            min_bins: 1,
            max_bins: 16,
        },
    ] {
        let d = Discretizer::fit(&t, &rows, &binning).unwrap();
        let enc = d.encode(&t).unwrap();
        assert_eq!(enc.n_rows(), 7043);
        assert_eq!(enc.n_features(), 19);
        for (j, f) in enc.schema().features.iter().enumerate() {
            let codes = enc.column(j);
            let missing = f.missing_code();
            let n_missing = (0..enc.n_rows())
                .filter(|&r| codes.get(r) == missing)
                .count();
            assert!(
                (0..enc.n_rows()).all(|r| codes.get(r) <= missing),
                "{}",
                f.name
            );
            let expect_missing = t.column(j).n_missing();
            assert_eq!(n_missing, expect_missing, "{} under {binning:?}", f.name);
        }
        let tc = t.schema().feature_index("TotalCharges").unwrap();
        let tenure = t.schema().feature_index("Tenure").unwrap();
        let cuts = d.cuts(tenure).unwrap();
        match binning {
            Binning::EqualFrequency { bins } => assert!(cuts.len() < bins && !cuts.is_empty()),
            Binning::Mdl { max_bins, .. } => {
                // Tenure is the strongest numeric predictor of churn: MDL must cut it.
                assert!(!cuts.is_empty() && cuts.len() < max_bins, "{cuts:?}");
            }
            other => panic!("unexpected binning {other:?}"),
        }
        assert!(d.cuts(tc).is_some());
        assert!(matches!(t.column(tc), Column::Numeric(_)));
        // Categorical codes are the level positions: Contract's codes are 0..3, missing 3.
        let contract = t.schema().feature_index("Contract").unwrap();
        assert_eq!(enc.schema().features[contract].n_levels(), 3);
        let mut seen = [0usize; 4];
        for r in 0..enc.n_rows() {
            seen[enc.code(r, contract) as usize] += 1;
        }
        assert_eq!(seen[3], 0, "Contract has no missing cells");
        assert_eq!(seen.iter().sum::<usize>(), 7043);
    }
}

#[test]
fn same_seed_same_split_on_real_data() {
    let t = telco();
    let a = stratified_holdout(t.labels(), 0.3, 42).unwrap();
    let b = stratified_holdout(t.labels(), 0.3, 42).unwrap();
    assert_eq!(a, b);
    let c = stratified_holdout(t.labels(), 0.3, 43).unwrap();
    assert_ne!(a.test, c.test);
    assert_eq!(a.train.len() + a.test.len(), 7043);
    // Stratified: the test part keeps the churn rate to within one row.
    let test_churned = a.test.iter().filter(|&&r| t.labels()[r] == 1).count() as f64;
    let expect = 1869.0 * a.test.len() as f64 / 7043.0;
    assert!(
        (test_churned - expect).abs() <= 1.0,
        "{test_churned} vs {expect}"
    );
}

/// Known answer: MDL cut points on all 7043 Telco rows, cross-checked with an
/// independent Python implementation of Fayyad & Irani's recursive procedure
/// (plain recursion over every distinct value, unweighted counts).
#[test]
fn telco_mdl_cuts_match_an_independent_implementation() {
    let t = telco();
    let d = Discretizer::fit(
        &t,
        &t.all_rows(),
        &Binning::Mdl {
            min_bins: 1,
            max_bins: 255,
        },
    )
    .unwrap();
    let cuts = |name: &str| {
        d.cuts(t.schema().feature_index(name).unwrap())
            .unwrap()
            .to_vec()
    };
    assert_eq!(cuts("Tenure"), [6.0, 18.0, 44.0, 60.0, 71.0]);
    assert_eq!(cuts("MonthlyCharges"), [28.45, 56.0, 68.85, 106.8]);
    assert_eq!(cuts("TotalCharges"), [68.5, 96.8, 348.15, 3273.8]);
}
