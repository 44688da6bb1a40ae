//! `churnkit train --duration`: a time-to-churn model beside the classifier, stored in
//! the model file, shown by `inspect` and used by `score` (churn within horizons,
//! median and restricted mean remaining lifetime, survival-based CLV) — on the Telco
//! split with `Tenure` as the clock.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const TRAIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-train.csv");
const TEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-test.csv");

fn churnkit() -> Command {
    Command::cargo_bin("churnkit").expect("the churnkit binary is built")
}

/// Runs `args`, expecting exit code `code`; returns (stdout, stderr).
fn run(args: &[&str], code: i32) -> (String, String) {
    let out = churnkit().args(args).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "churnkit {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (stdout, stderr)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

const BASE: &[&str] = &[
    "train",
    "--data",
    TRAIN,
    "--target",
    "Churn",
    "--id",
    "customerID",
];

/// Trains with `extra` flags into `dir/name`; returns the `--json` report.
fn train(dir: &Path, name: &str, extra: &[&str]) -> (PathBuf, Value) {
    let model = dir.join(name);
    let mut args = BASE.to_vec();
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--json", "-o", s(&model)]);
    let (stdout, _) = run(&args, 0);
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"));
    (model, v)
}

/// Scores the test file; returns the header and the rows.
fn score(model: &Path, out: &Path, extra: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut args = vec!["score", "--model", s(model), "--data", TEST, "-o", s(out)];
    args.extend_from_slice(extra);
    run(&args, 0);
    let mut rdr = csv::Reader::from_path(out).unwrap();
    let header = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows = rdr
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// The columns every model writes (no survival model).
const PLAIN: &[&str] = &[
    "id",
    "p_retained",
    "p_churned",
    "tier",
    "reason_1",
    "weight_1",
    "reason_2",
    "weight_2",
    "reason_3",
    "weight_3",
    "protective",
    "stage",
    "driver",
    "reason_class",
    "strategy",
    "rescue_success",
    "clv",
    "value_at_risk",
    "spend_ceiling",
    "rescue",
    "warning",
];

#[test]
fn train_inspect_and_score_with_a_duration() {
    let dir = tempfile::tempdir().unwrap();
    let (model, v) = train(dir.path(), "surv.model", &["--duration", "Tenure"]);
    // The clock is stored and is not a feature of the classifier.
    assert_eq!(v["params"]["duration"], "Tenure");
    assert_eq!(v["survival"]["duration"], "Tenure");
    assert!(v["survival"]["leaves"].as_u64().unwrap() > 1);
    // Held-out figures beat Kaplan–Meier (C-index 0.5 and its IBS).
    let val = &v["survival"]["validation"];
    assert_eq!(val["method"], "holdout");
    let c = val["c_index"].as_f64().unwrap();
    let km_c = val["km_c_index"].as_f64().unwrap();
    let ibs = val["integrated_brier_score"].as_f64().unwrap();
    let km_ibs = val["km_integrated_brier_score"].as_f64().unwrap();
    assert_eq!(km_c, 0.5);
    assert!(c > 0.7 && c <= 1.0, "C-index {c}");
    assert!(
        ibs > 0.0 && ibs < km_ibs,
        "IBS {ibs} vs Kaplan–Meier {km_ibs}"
    );
    // TotalCharges ≈ Tenure × MonthlyCharges: warned about as clock leakage.
    let warnings = v["warnings"].as_array().unwrap();
    let clock = warnings
        .iter()
        .find(|w| w["kind"] == "encodes-the-clock")
        .unwrap_or_else(|| panic!("no clock warning in {warnings:?}"));
    assert_eq!(clock["column"], "TotalCharges");
    assert!(
        clock["hint"]
            .as_str()
            .unwrap()
            .contains("--drop TotalCharges")
    );

    // inspect: the classifier's features lack the clock; the survival tree is shown.
    let (stdout, _) = run(&["inspect", "--model", s(&model), "--json"], 0);
    let ins: Value = serde_json::from_str(&stdout).unwrap();
    let features: Vec<&str> = ins["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(!features.contains(&"Tenure") && features.contains(&"Contract"));
    assert_eq!(ins["survival"]["duration"], "Tenure");
    assert_eq!(
        ins["survival"]["features"].as_u64().unwrap() as usize,
        features.len()
    );
    let tree = ins["survival"]["tree"].as_str().unwrap();
    assert!(tree.starts_with("root: 4930 customers"), "{tree}");
    let (text, _) = run(&["inspect", "--model", s(&model)], 0);
    assert!(text.contains("'Tenure' as the clock"), "{text}");
    assert!(text.contains(tree), "the text shows the tree");
    // --curves: the whole curve of every leaf, with its path.
    let leaves = ins["survival"]["leaf_curves"].as_array().unwrap();
    assert_eq!(
        leaves.len() as u64,
        ins["survival"]["leaves"].as_u64().unwrap()
    );
    for leaf in leaves {
        let times = leaf["times"].as_array().unwrap();
        let surv = leaf["survival"].as_array().unwrap();
        assert_eq!(times.len(), surv.len());
        let s: Vec<f64> = surv.iter().map(|x| x.as_f64().unwrap()).collect();
        assert!(
            s.windows(2).all(|w| w[1] <= w[0]),
            "a curve only falls: {leaf}"
        );
        assert!(!leaf["conditions"].as_array().unwrap().is_empty());
    }
    let (curves, _) = run(&["inspect", "--model", s(&model), "--curves"], 0);
    assert!(curves.contains("survival curve of each leaf"), "{curves}");
    for i in 1..=leaves.len() {
        assert!(
            curves.contains(&format!("\nleaf {i}: ")),
            "leaf {i}: {curves}"
        );
    }
    let first = leaves[0]["conditions"][0].as_str().unwrap();
    assert!(curves.contains(&format!("leaf 1: {first}")), "{curves}");

    // score: the new columns, sane.
    let (header, rows) = score(&model, &dir.path().join("s.csv"), &[]);
    let mut expected: Vec<&str> = PLAIN[..PLAIN.len() - 1].to_vec();
    expected.extend([
        "p_churn_within_3",
        "p_churn_within_6",
        "p_churn_within_12",
        "median_remaining",
        "rmst",
        "warning",
    ]);
    assert_eq!(header, expected);
    assert_eq!(rows.len(), 2113);
    let within: Vec<usize> = ["p_churn_within_3", "p_churn_within_6", "p_churn_within_12"]
        .iter()
        .map(|c| col(&header, c))
        .collect();
    let (median, rmst) = (col(&header, "median_remaining"), col(&header, "rmst"));
    let mut beyond = 0;
    for r in &rows {
        let p: Vec<f64> = within.iter().map(|&j| r[j].parse().unwrap()).collect();
        assert!(p.iter().all(|x| (0.0..=1.0).contains(x)), "{r:?}");
        assert!(p.windows(2).all(|w| w[0] <= w[1]), "{r:?}");
        if r[median].is_empty() {
            beyond += 1;
        } else {
            assert!(r[median].parse::<f64>().unwrap() >= 0.0, "{r:?}");
        }
        // Without a CLV the restricted mean runs over the largest horizon (12).
        let m: f64 = r[rmst].parse().unwrap();
        assert!((0.0..=12.0).contains(&m), "{r:?}");
    }
    assert!(
        beyond > 0 && beyond < rows.len(),
        "{beyond} medians beyond the data"
    );

    // --within chooses the horizons.
    let (header, _) = score(&model, &dir.path().join("w.csv"), &["--within", "1,24"]);
    assert!(header.contains(&"p_churn_within_1".to_string()));
    assert!(header.contains(&"p_churn_within_24".to_string()));
    assert!(!header.contains(&"p_churn_within_3".to_string()));
    let (_, stderr) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            TEST,
            "-o",
            s(&dir.path().join("x.csv")),
            "--within",
            "6,3",
        ],
        2,
    );
    assert!(stderr.contains("within"), "{stderr}");

    // With a CLV: the survival-based CLV weights each month by the chance the
    // customer is still there, so it never exceeds the fixed-horizon CLV of the
    // same margins (a model without a duration), and falls short for most.
    let econ = ["--margin-column", "MonthlyCharges", "--horizon", "24"];
    let (h, surv_rows) = score(&model, &dir.path().join("c.csv"), &econ);
    let (plain_model, _) = train(dir.path(), "plain.model", &["--validate", "none"]);
    let (hp, plain_rows) = score(&plain_model, &dir.path().join("p.csv"), &econ);
    let (clv, clv_plain) = (col(&h, "clv"), col(&hp, "clv"));
    let mut lower = 0;
    for (a, b) in surv_rows.iter().zip(&plain_rows) {
        assert_eq!(a[0], b[0]);
        let (x, y): (f64, f64) = (a[clv].parse().unwrap(), b[clv_plain].parse().unwrap());
        assert!(x >= 0.0 && x <= y + 1e-3, "{x} > {y}: {a:?}");
        if x < y - 1e-3 {
            lower += 1;
        }
        let m: f64 = a[col(&h, "rmst")].parse().unwrap();
        assert!((0.0..=24.0).contains(&m));
    }
    assert!(lower > rows.len() / 2, "{lower}");
}

#[test]
fn a_model_without_a_duration_scores_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let (model, v) = train(dir.path(), "plain.model", &["--validate", "none"]);
    assert!(v.get("survival").is_none());
    let (stdout, _) = run(&["inspect", "--model", s(&model), "--json"], 0);
    let ins: Value = serde_json::from_str(&stdout).unwrap();
    assert!(ins["survival"].is_null());
    let (_, e) = run(&["inspect", "--model", s(&model), "--curves"], 2);
    assert!(e.contains("--duration"), "{e}");
    assert!(
        ins["features"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "Tenure")
    );
    let (header, rows) = score(&model, &dir.path().join("s.csv"), &[]);
    assert_eq!(header, PLAIN);
    assert!(rows.iter().all(|r| r.len() == PLAIN.len()));
    // --within needs a time-to-churn model.
    let (_, stderr) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            TEST,
            "-o",
            s(&dir.path().join("x.csv")),
            "--within",
            "3",
        ],
        2,
    );
    assert!(stderr.contains("--duration"), "{stderr}");
}

/// A copy of the first `n` data rows of the training file with `cell` written into
/// the `Tenure` column of data row `row` (1-based).
fn with_tenure(dir: &Path, row: usize, cell: &str) -> PathBuf {
    let text = std::fs::read_to_string(TRAIN).unwrap();
    let mut lines: Vec<String> = text.lines().take(60).map(String::from).collect();
    let j = lines[0].split(',').position(|h| h == "Tenure").unwrap();
    let mut cells: Vec<String> = lines[row].split(',').map(String::from).collect();
    cells[j] = cell.into();
    lines[row] = cells.join(",");
    let p = dir.join(format!("tenure-{row}.csv"));
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

#[test]
fn bad_durations_exit_2_naming_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let train_on = |data: &str, duration: &str| {
        let mut args = BASE.to_vec();
        args[2] = data;
        args.extend_from_slice(&["--duration", duration, "--validate", "none"]);
        run(&args, 2).1
    };
    // No such column.
    let e = train_on(TRAIN, "Tenur");
    assert!(e.contains("'Tenur'") && e.contains("no such column"), "{e}");
    // A text column.
    let e = train_on(TRAIN, "Contract");
    assert!(e.contains("'Contract'") && e.contains("numeric"), "{e}");
    // A negative duration: the line is named (data row 6 is line 7).
    let neg = with_tenure(dir.path(), 6, "-3");
    let e = train_on(s(&neg), "Tenure");
    assert!(
        e.contains("'Tenure'") && e.contains("-3") && e.contains(">= 0") && e.contains("line 7"),
        "{e}"
    );
    // A non-numeric cell in the duration column: the line is named.
    let text = with_tenure(dir.path(), 7, "abc");
    let e = train_on(s(&text), "Tenure");
    assert!(e.contains("'Tenure'") && e.contains("line 8"), "{e}");
}

/// A scored customer with a missing or negative tenure gets empty time-to-churn
/// columns and a warning naming the duration column; the others are scored.
#[test]
fn a_customer_without_a_tenure_gets_empty_survival_columns() {
    let dir = tempfile::tempdir().unwrap();
    let (model, _) = train(
        dir.path(),
        "surv.model",
        &[
            "--duration",
            "Tenure",
            "--validate",
            "none",
            "--tiers",
            "most-probable",
        ],
    );
    let text = std::fs::read_to_string(TEST).unwrap();
    let mut lines: Vec<String> = text.lines().take(6).map(String::from).collect();
    let j = lines[0].split(',').position(|h| h == "Tenure").unwrap();
    for (row, cell) in [(1, "-2"), (2, "")] {
        let mut cells: Vec<String> = lines[row].split(',').map(String::from).collect();
        cells[j] = cell.into();
        lines[row] = cells.join(",");
    }
    let data = dir.path().join("bad-tenure.csv");
    std::fs::write(&data, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("s.csv");
    run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            s(&data),
            "-o",
            s(&out),
        ],
        0,
    );
    let mut rdr = csv::Reader::from_path(&out).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 5);
    let (p3, rmst, warning) = (
        col(&header, "p_churn_within_3"),
        col(&header, "rmst"),
        col(&header, "warning"),
    );
    for r in &rows[..2] {
        assert!(r[p3].is_empty() && r[rmst].is_empty(), "{r:?}");
        assert!(r[warning].contains("Tenure"), "{r:?}");
    }
    for r in &rows[2..] {
        assert!(!r[p3].is_empty() && !r[rmst].is_empty(), "{r:?}");
    }
}

/// Runs `args` expecting success and parses stdout as JSON.
fn run_json(args: &[&str]) -> Value {
    let (stdout, _) = run(args, 0);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

#[test]
fn evaluate_reports_the_time_to_churn_model_on_the_file() {
    use churnkit::data::read_csv;
    use churnkit::model::Model;
    use churnkit::survival::SurvivalData;
    use churnkit::survival::metrics::concordance_index;

    let dir = tempfile::tempdir().unwrap();
    let (model, _) = train(
        dir.path(),
        "surv.model",
        &["--duration", "Tenure", "--validate", "none"],
    );
    let eval = ["evaluate", "--model", s(&model), "--data", TEST];
    let mut json_args = eval.to_vec();
    json_args.push("--json");
    let v = run_json(&json_args);
    let sv = &v["survival"];
    assert_eq!(sv["duration"], "Tenure");
    let r = &sv["report"];
    assert_eq!(r["rows"], 2113);
    // The C-index is the library's on the same model's risk scores.
    let m = Model::load(&model).unwrap();
    let sm = m.survival().unwrap();
    let table = read_csv(TEST, &m.read_options()).unwrap();
    let rows = table.all_rows();
    let data = SurvivalData::from_table(&table, "Tenure", &rows).unwrap();
    let c = concordance_index(&data, &sm.risk_scores(&table, &rows).unwrap()).unwrap();
    assert_eq!(r["concordance"]["c_index"].as_f64().unwrap(), c.c_index);
    assert_eq!(r["concordance"]["concordant"], c.concordant);
    assert_eq!(r["events"], data.events().iter().filter(|&&e| e).count());
    let (lo, hi) = (
        r["c_index_ci95"]["low"].as_f64().unwrap(),
        r["c_index_ci95"]["high"].as_f64().unwrap(),
    );
    assert!(lo < c.c_index && c.c_index < hi, "[{lo}, {hi}] vs {c:?}");
    // Kaplan–Meier of the file on the grid from its 10th to 80th duration
    // percentile: scikit-survival 0.28,
    //   integrated_brier_score(y, y, km(times) per row, np.linspace(2, 60, 50))
    //   = 0.17409146056522543
    let km = r["km_integrated_brier_score"].as_f64().unwrap();
    assert!((km - 0.174_091_460_565_225_43).abs() < 1e-9, "{km}");
    assert_eq!(r["ibs_span"], serde_json::json!([2.0, 60.0]));
    let ibs = r["integrated_brier_score"].as_f64().unwrap();
    assert!(ibs > 0.0 && ibs < km, "{ibs} vs {km}");
    // AUC at the default horizons; calibration by risk decile at each.
    let auc = r["auc"].as_array().unwrap();
    let horizons: Vec<f64> = auc.iter().map(|a| a["horizon"].as_f64().unwrap()).collect();
    assert_eq!(horizons, [3.0, 6.0, 12.0]);
    assert!(
        auc.iter()
            .all(|a| (0.5..=1.0).contains(&a["auc"].as_f64().unwrap()))
    );
    let cal = r["calibration"].as_array().unwrap();
    assert_eq!(cal.len(), 3);
    for t in cal {
        let groups = t["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 10);
        let n: u64 = groups.iter().map(|g| g["rows"].as_u64().unwrap()).sum();
        assert_eq!(n, 2113);
        for g in groups {
            for k in ["predicted", "observed", "observed_low", "observed_high"] {
                assert!((0.0..=1.0).contains(&g[k].as_f64().unwrap()), "{g}");
            }
        }
    }
    // Fixed by the seed; another seed moves only the bootstrap interval.
    assert_eq!(run_json(&json_args)["survival"], v["survival"]);
    let mut seeded = json_args.clone();
    seeded.extend(["--seed", "7"]);
    let v7 = run_json(&seeded);
    assert_ne!(v7["survival"]["report"]["c_index_ci95"], r["c_index_ci95"]);
    assert_eq!(v7["survival"]["report"]["concordance"], r["concordance"]);
    // --within chooses the horizons.
    let mut within = json_args.clone();
    within.extend(["--within", "1,24"]);
    let vw = run_json(&within);
    let h: Vec<f64> = vw["survival"]["report"]["auc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["horizon"].as_f64().unwrap())
        .collect();
    assert_eq!(h, [1.0, 24.0]);
    let mut bad = eval.to_vec();
    bad.extend(["--within", "6,3"]);
    let (_, e) = run(&bad, 2);
    assert!(e.contains("--within"), "{e}");
    // The text says it all.
    let (text, _) = run(&eval, 0);
    for part in [
        "'Tenure' as the clock",
        "C-index",
        "95% CI",
        "integrated Brier score",
        "time-dependent AUC       3: ",
        "calibration at 12 by risk group",
    ] {
        assert!(text.contains(part), "{part}:\n{text}");
    }

    // A model without a time-to-churn part: no survival section; --within refused.
    let (plain, _) = train(dir.path(), "plain.model", &["--validate", "none"]);
    let v = run_json(&["evaluate", "--model", s(&plain), "--data", TEST, "--json"]);
    assert!(v["survival"].is_null());
    let (_, e) = run(
        &[
            "evaluate",
            "--model",
            s(&plain),
            "--data",
            TEST,
            "--within",
            "3",
        ],
        2,
    );
    assert!(e.contains("--duration"), "{e}");
}

/// Changes one data row: (1-based row, its cells, the `Tenure` and `Churn` indices).
type Edit = dyn Fn(usize, &mut [String], usize, usize);

/// A copy of the test file's first `n` data rows, each changed by `edit(row, cells)`
/// (row 1-based, cells of the row), with the column index of `Tenure` and `Churn`.
fn edited_test(dir: &Path, name: &str, n: usize, edit: &Edit) -> PathBuf {
    let text = std::fs::read_to_string(TEST).unwrap();
    let mut lines: Vec<String> = text.lines().take(n + 1).map(String::from).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let tenure = header.iter().position(|h| *h == "Tenure").unwrap();
    let churn = header.iter().position(|h| *h == "Churn").unwrap();
    for (row, line) in lines.iter_mut().enumerate().skip(1) {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        edit(row, &mut cells, tenure, churn);
        *line = cells.join(",");
    }
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

#[test]
fn bad_durations_in_evaluate_and_compare_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let (model, _) = train(
        dir.path(),
        "surv.model",
        &["--duration", "Tenure", "--validate", "none"],
    );
    let evaluate = |data: &Path| run(&["evaluate", "--model", s(&model), "--data", s(data)], 2).1;
    // A negative duration on data row 5: line 6 (the header is line 1).
    let neg = edited_test(dir.path(), "neg.csv", 80, &|row, c, t, _| {
        if row == 5 {
            c[t] = "-4".into();
        }
    });
    let e = evaluate(&neg);
    assert!(
        e.contains("line 6") && e.contains("'Tenure'") && e.contains("-4") && e.contains(">= 0"),
        "{e}"
    );
    // A churned customer without a duration on data row 9: line 10.
    let missing = edited_test(dir.path(), "missing.csv", 80, &|row, c, t, ch| {
        if row == 9 {
            c[t] = String::new();
            c[ch] = "Yes".into();
        }
    });
    let e = evaluate(&missing);
    assert!(
        e.contains("line 10") && e.contains("churned customer has no duration"),
        "{e}"
    );
    // A non-numeric duration: the reader names the line.
    let text = edited_test(dir.path(), "text.csv", 80, &|row, c, t, _| {
        if row == 3 {
            c[t] = "soon".into();
        }
    });
    let e = evaluate(&text);
    assert!(e.contains("line 4") && e.contains("soon"), "{e}");
    // Nobody churned: every row censored.
    let censored = edited_test(dir.path(), "censored.csv", 80, &|_, c, _, ch| {
        c[ch] = "No".into();
    });
    let e = evaluate(&censored);
    assert!(e.contains("censored") && e.contains("'Churn'"), "{e}");
    // compare --duration names the line too.
    let (_, e) = run(
        &[
            "compare",
            "--data",
            s(&neg),
            "--target",
            "Churn",
            "--id",
            "customerID",
            "--duration",
            "Tenure",
            "--folds",
            "3",
        ],
        2,
    );
    assert!(e.contains("line 6") && e.contains("'Tenure'"), "{e}");
}

#[test]
fn compare_with_a_duration_tests_the_survival_tree_against_kaplan_meier() {
    let args = [
        "compare",
        "--data",
        TRAIN,
        "--target",
        "Churn",
        "--id",
        "customerID",
        "--duration",
        "Tenure",
        "--algos",
        "zero-r",
        "--folds",
        "3",
        "--json",
    ];
    let v = run_json(&args);
    // The classifiers are compared without the clock.
    let classifiers = v["results"].as_array().unwrap();
    assert_eq!(classifiers.len(), 1);
    assert_eq!(classifiers[0]["learner"], "zero-r");
    let sv = &v["survival"];
    assert_eq!(sv["duration"], "Tenure");
    let results = sv["results"].as_array().unwrap();
    let names: Vec<&str> = results
        .iter()
        .map(|r| r["learner"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kaplan-meier", "survival-tree"]);
    let summary = |r: &Value, m: &str| -> Value {
        r["summary"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["metric"] == m)
            .unwrap_or_else(|| panic!("no {m} in {r}"))
            .clone()
    };
    for r in results {
        assert_eq!(r["folds"].as_array().unwrap().len(), 3);
        assert_eq!(r["fold_sizes"].as_array().unwrap().len(), 3);
        assert_eq!(summary(r, "c_index")["folds"], 3);
    }
    // Kaplan–Meier ranks nobody: C = 0.5 in every fold; it is the reference.
    let km = &results[0];
    assert!(
        km["folds"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["concordance"]["c_index"] == 0.5)
    );
    assert!(km["c_index_test"].is_null() && km["ibs_test"].is_null());
    let tree = &results[1];
    let t = &tree["c_index_test"];
    let p = t["p_value"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p), "{t}");
    assert!(t["mean_difference"].as_f64().unwrap() > 0.2, "{t}");
    assert_eq!(t["df"], 2.0);
    let c = summary(tree, "c_index");
    let (lo, hi) = (
        c["ci95"]["low"].as_f64().unwrap(),
        c["ci95"]["high"].as_f64().unwrap(),
    );
    let mean = c["mean"].as_f64().unwrap();
    assert!(lo <= mean && mean <= hi && mean > 0.7, "{c}");
    let ibs = tree["ibs_test"]["mean_difference"].as_f64().unwrap();
    assert!(ibs < 0.0, "the tree's IBS beats Kaplan–Meier's: {ibs}");
    // Fixed by the seed.
    let again = run_json(&args);
    assert_eq!(again["survival"]["results"], sv["results"]);
    // The text; --duration alone compares only the survival models.
    let (text, _) = run(
        &[
            "compare",
            "--data",
            TRAIN,
            "--target",
            "Churn",
            "--id",
            "customerID",
            "--duration",
            "Tenure",
            "--folds",
            "2",
        ],
        0,
    );
    assert!(
        text.contains("| kaplan-meier |")
            && text.contains("| survival-tree |")
            && text.contains("auc@12")
            && !text.contains("zero-r"),
        "{text}"
    );
}
