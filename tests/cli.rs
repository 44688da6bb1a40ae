//! The `churnkit` command line end to end: each command on small data, exit codes,
//! error messages that name the file, line and column, `--json` that parses, and
//! round trips through files.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

#[path = "common/dash_csv.rs"]
mod dash_csv;

const SYNTH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");

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

fn json(args: &[&str]) -> Value {
    let (stdout, _) = run(args, 0);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}):\n{stdout}"))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// A small generated file (600 customers).
fn small(dir: &Path) -> PathBuf {
    let p = dir.join("small.csv");
    run(
        &["generate", "--rows", "600", "--seed", "3", "-o", s(&p)],
        0,
    );
    p
}

#[test]
fn help_teaches_with_examples() {
    let (out, _) = run(&["--help"], 0);
    assert!(out.contains("churnkit train --data"), "{out}");
    for cmd in ["generate", "train", "compare"] {
        let (out, _) = run(&[cmd, "--help"], 0);
        assert!(
            out.contains("Example"),
            "{cmd} --help has no example:\n{out}"
        );
        assert!(out.contains(&format!("churnkit {cmd}")), "{out}");
    }
    let (out, _) = run(&["train", "--help"], 0);
    for flag in [
        "--delimiter",
        "--missing",
        "--categorical",
        "--numeric",
        "--weight",
    ] {
        assert!(out.contains(flag), "train --help lacks {flag}");
    }
}

#[test]
fn generate_writes_the_bundled_file_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g.csv");
    let v = json(&[
        "generate",
        "--rows",
        "5000",
        "--seed",
        "42",
        "-o",
        s(&out),
        "--json",
    ]);
    assert_eq!(v["rows"], 5000);
    let bundled = std::fs::read(SYNTH).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), bundled);
    assert_eq!(v["bytes"], bundled.len());
}

#[test]
fn generate_rejects_bad_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g.csv");
    let (_, err) = run(
        &["generate", "--rows", "10", "--drift", "-1", "-o", s(&out)],
        2,
    );
    assert!(err.contains("drift"), "{err}");
    let (_, err) = run(&["generate", "--rows", "ten", "-o", s(&out)], 2);
    assert!(err.contains("--rows"), "{err}");
    let nowhere = dir.path().join("no/such/dir/g.csv");
    let (_, err) = run(&["generate", "--rows", "10", "-o", s(&nowhere)], 2);
    assert!(err.contains("no/such/dir"), "{err}");
}

#[test]
fn generate_refuses_more_rows_than_its_limit_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g.csv");
    let limit = churnkit::synth::MAX_ROWS;
    for rows in [(limit + 1).to_string(), usize::MAX.to_string()] {
        let (_, err) = run(&["generate", "--rows", &rows, "-o", s(&out)], 2);
        assert!(err.contains("rows") && err.contains(&rows), "{err}");
        assert!(err.contains("at most 10000000 customers"), "{err}");
        assert!(!out.exists(), "nothing written for --rows {rows}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
    // An existing output stays as it was.
    std::fs::write(&out, "keep").unwrap();
    let (_, err) = run(
        &[
            "generate",
            "--rows",
            &(limit + 1).to_string(),
            "-o",
            s(&out),
            "--json",
        ],
        2,
    );
    assert!(err.contains("at most"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep");
}

#[test]
fn train_reports_holdout_and_timings() {
    let v = json(&[
        "train",
        "--data",
        SYNTH,
        "--target",
        "status",
        "--id",
        "customer_id",
        "--algo",
        "zero-r",
        "--json",
    ]);
    assert_eq!(v["algo"], "zero-r");
    assert_eq!(v["data"]["rows"], 5000);
    assert_eq!(v["validation"]["method"], "holdout");
    assert_eq!(v["validation"]["test_rows"], 1500);
    // The saved model is refitted on all rows (the default since `--no-refit`).
    assert_eq!(v["train_rows"], 5000);
    // ZeroR predicts the majority class: accuracy = its share of the test rows.
    let acc = v["validation"]["report"]["accuracy"].as_f64().unwrap();
    assert!((acc - 917.0 / 1500.0).abs() < 1e-9, "{acc}");
    for k in ["load_seconds", "encode_seconds", "fit_seconds"] {
        let t = v[k].as_f64().unwrap_or(-1.0);
        assert!(t >= 0.0, "{k} = {}", v[k]);
    }
}

#[test]
fn train_cross_validates_and_prints_a_summary() {
    let (out, _) = run(
        &[
            "train",
            "--data",
            SYNTH,
            "--target",
            "status",
            "--id",
            "customer_id",
            "--algo",
            "zero-r",
            "--folds",
            "5",
        ],
        0,
    );
    assert!(out.contains("5-fold cross-validation"), "{out}");
    assert!(
        out.contains("reading") && out.contains("encoding") && out.contains("fitting"),
        "{out}"
    );
    let v = json(&[
        "train", "--data", SYNTH, "--target", "status", "--algo", "zero-r", "--folds", "4",
        "--json",
    ]);
    assert_eq!(v["validation"]["method"], "cross-validation");
    assert_eq!(v["validation"]["folds"], 4);
    assert_eq!(v["train_rows"], 5000);
}

#[test]
fn train_with_label_options_and_skipped_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("id;plan;tenure;state\n");
    for i in 0..40 {
        let state = match i % 4 {
            0 => "closed",
            1 => "warned",
            _ => "active",
        };
        text.push_str(&format!("c{i};{};{};{state}\n", ["a", "b"][i % 2], i % 7));
    }
    text.push_str("c40;a;3;???\n"); // line 42: unknown label
    let p = write(dir.path(), "crm.csv", &text);
    let base = [
        "train",
        "--data",
        s(&p),
        "--target",
        "state",
        "--id",
        "id",
        "--algo",
        "zero-r",
        "--map",
        "active=retained,warned=at_risk,closed=churned",
        "--delimiter",
        ";",
        "--test-fraction",
        "0.25",
    ];
    let (_, err) = run(&base, 2);
    assert!(err.contains("crm.csv") && err.contains("line 42"), "{err}");
    let mut args = base.to_vec();
    args.extend(["--on-bad-label", "skip", "--json"]);
    let v = json(&args);
    assert_eq!(v["data"]["rows"], 40);
    assert_eq!(v["data"]["skipped_rows"], 1);
    assert_eq!(v["data"]["skipped_lines"][0], 42);
    assert_eq!(v["data"]["classes"][1], "at_risk");
}

#[test]
fn bad_input_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "bad.csv",
        "tenure,plan,churn\n1,a,Yes\n2,b,No\nthree,a,No\n4,b,Yes\n",
    );
    let (_, err) = run(
        &[
            "train",
            "--data",
            s(&p),
            "--target",
            "churn",
            "--algo",
            "zero-r",
            "--numeric",
            "tenure",
        ],
        2,
    );
    assert!(err.contains("bad.csv"), "{err}");
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("'tenure'"), "{err}");
    assert!(err.contains("three"), "{err}");
    assert!(err.contains("--on-bad-cell missing"), "{err}");

    // The same file with the bad cell read as missing trains.
    run(
        &[
            "train",
            "--data",
            s(&p),
            "--target",
            "churn",
            "--algo",
            "zero-r",
            "--numeric",
            "tenure",
            "--on-bad-cell",
            "missing",
            "--test-fraction",
            "0.5",
        ],
        0,
    );

    let ragged = write(dir.path(), "ragged.csv", "a,b,churn\n1,2,Yes\n1,No\n");
    let (_, err) = run(
        &[
            "train",
            "--data",
            s(&ragged),
            "--target",
            "churn",
            "--algo",
            "zero-r",
        ],
        2,
    );
    assert!(
        err.contains("ragged.csv") && err.contains("line 3"),
        "{err}"
    );

    let (_, err) = run(
        &[
            "train", "--data", SYNTH, "--target", "Churn", "--algo", "zero-r",
        ],
        2,
    );
    assert!(err.contains("'Churn'") && err.contains("status"), "{err}");

    let (_, err) = run(
        &[
            "train",
            "--data",
            "/no/such.csv",
            "--target",
            "x",
            "--algo",
            "zero-r",
        ],
        2,
    );
    assert!(err.contains("/no/such.csv"), "{err}");
}

#[test]
fn bad_usage_exits_2() {
    // unknown command, unknown algorithm, missing required flag, conflicting flags
    run(&["fly"], 2);
    let (_, err) = run(
        &[
            "train", "--data", SYNTH, "--target", "status", "--algo", "id9",
        ],
        2,
    );
    assert!(err.contains("id9"), "{err}");
    run(&["train", "--data", SYNTH, "--algo", "zero-r"], 2);
    run(
        &[
            "train",
            "--data",
            SYNTH,
            "--target",
            "status",
            "--algo",
            "zero-r",
            "--folds",
            "5",
            "--test-fraction",
            "0.2",
        ],
        2,
    );
    // a flag the algorithm does not take
    let (_, err) = run(
        &[
            "train",
            "--data",
            SYNTH,
            "--target",
            "status",
            "--algo",
            "zero-r",
            "--max-depth",
            "3",
        ],
        2,
    );
    assert!(
        err.contains("--max-depth") && err.contains("zero-r"),
        "{err}"
    );
    // out-of-range values
    let (_, err) = run(
        &[
            "train",
            "--data",
            SYNTH,
            "--target",
            "status",
            "--algo",
            "zero-r",
            "--test-fraction",
            "1.5",
        ],
        2,
    );
    assert!(err.contains("test_fraction"), "{err}");
    run(
        &[
            "train", "--data", SYNTH, "--target", "status", "--algo", "zero-r", "--folds", "1",
        ],
        2,
    );
    let (_, err) = run(
        &[
            "train",
            "--data",
            SYNTH,
            "--target",
            "status",
            "--algo",
            "zero-r",
            "--delimiter",
            ";;",
        ],
        2,
    );
    assert!(err.contains("--delimiter"), "{err}");
    let (_, err) = run(
        &[
            "train", "--data", SYNTH, "--target", "status", "--algo", "zero-r", "--map", "oops",
        ],
        2,
    );
    assert!(err.contains("--map"), "{err}");
}

#[test]
fn compare_prints_text_markdown_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let data = small(dir.path());
    let base = [
        "compare",
        "--data",
        s(&data),
        "--target",
        "status",
        "--id",
        "customer_id",
        "--algos",
        "zero-r,id3-weighted",
        "--folds",
        "3",
    ];
    let (out, _) = run(&base, 0);
    assert!(
        out.contains("3-fold comparison") && out.contains("(reference)"),
        "{out}"
    );
    let mut md = base.to_vec();
    md.push("--markdown");
    let (out, _) = run(&md, 0);
    assert!(out.starts_with("| learner |"), "{out}");
    let mut js = base.to_vec();
    js.push("--json");
    let v = json(&js);
    assert_eq!(v["results"].as_array().unwrap().len(), 2);
    assert_eq!(v["results"][1]["learner"], "id3-weighted");
    assert!(v["results"][1]["test"]["p_value"].as_f64().is_some());
    assert_eq!(v["metric"], "accuracy");
}

#[test]
fn every_algorithm_trains_and_flags_reach_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = small(dir.path());
    for algo in [
        "id3",
        "id3-weighted",
        "c45",
        "cart",
        "naive-bayes",
        "tan",
        "bn-hill-climb",
    ] {
        let v = json(&[
            "train",
            "--data",
            s(&data),
            "--target",
            "status",
            "--id",
            "customer_id",
            "--algo",
            algo,
            "--json",
        ]);
        assert_eq!(v["learner"], algo);
        let auc = v["validation"]["report"]["roc_auc"].as_f64().unwrap();
        assert!(auc > 0.6, "{algo}: AUC {auc}");
    }
    let v = json(&[
        "train",
        "--data",
        s(&data),
        "--target",
        "status",
        "--algo",
        "id3-weighted",
        "--max-depth",
        "2",
        "--prune",
        "none",
        "--binning",
        "mdl",
        "--bins",
        "6",
        "--json",
    ]);
    assert_eq!(v["params"]["max_depth"], 2);
    assert_eq!(v["params"]["binning"], "mdl");
    let (_, err) = run(
        &[
            "train",
            "--data",
            s(&data),
            "--target",
            "status",
            "--algo",
            "tan",
            "--max-parents",
            "2",
        ],
        2,
    );
    assert!(
        err.contains("--max-parents") && err.contains("tan"),
        "{err}"
    );
}

#[test]
fn train_score_evaluate_inspect_round_trip_through_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = small(dir.path());
    let model = dir.path().join("churn.model");
    let v = json(&[
        "train",
        "--data",
        s(&data),
        "--target",
        "status",
        "--id",
        "customer_id",
        "--algo",
        "id3-weighted",
        "--margin-column",
        "monthly_charge",
        "--margin-scale",
        "0.3",
        "--offer-cost",
        "5",
        "-o",
        s(&model),
        "--json",
    ]);
    assert_eq!(v["model"], s(&model));
    assert!(model.exists());

    // score: one output row per input row, ids carried, tiers and retention filled
    let scores = dir.path().join("scores.csv");
    let r = json(&[
        "score",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "-o",
        s(&scores),
        "--json",
    ]);
    assert_eq!(r["rows_in"], 600);
    assert_eq!(r["rows_out"], 600);
    let text = std::fs::read_to_string(&scores).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("id,p_retained,p_at_risk,p_churned,tier,reason_1"),
        "{header}"
    );
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let names = reader.headers().unwrap().clone();
    let record = reader.records().next().unwrap().unwrap();
    let first = |name: &str| &record[names.iter().position(|h| h == name).unwrap()];
    assert_eq!(first("id"), "C0000001");
    assert!(
        ["retained", "at_risk", "churned"].contains(&first("tier")),
        "{record:?}"
    );
    // Probabilities are rounded to 4 decimals by default.
    let p: f64 = ["p_retained", "p_at_risk", "p_churned"]
        .iter()
        .map(|c| first(c).parse::<f64>().unwrap())
        .sum();
    assert!((p - 1.0).abs() < 2e-4, "{record:?}");
    assert!(first("clv").parse::<f64>().unwrap() > 0.0, "clv {record:?}");
    let _ = lines.next();
    assert_eq!(text.lines().count(), 601);

    // evaluate: the same model on the same file, JSON report
    let e = json(&[
        "evaluate",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--json",
    ]);
    assert_eq!(e["report"]["n_rows"], 600);
    assert!(e["report"]["roc_auc"].as_f64().unwrap() > 0.7);

    // inspect: summary, rules, DOT; BIF is for networks only
    let (out, _) = run(&["inspect", "--model", s(&model)], 0);
    assert!(
        out.contains("id3-weighted") && out.contains("tree:"),
        "{out}"
    );
    // The structure line names the leaf model.
    assert!(
        out.contains("constant leaves") || out.contains("naive-Bayes leaves (α = "),
        "{out}"
    );
    let (rules, _) = run(&["inspect", "--model", s(&model), "--rules"], 0);
    assert!(
        rules.lines().all(|l| l.starts_with("IF ") || l.is_empty()),
        "{rules}"
    );
    let dot = dir.path().join("tree.dot");
    run(&["inspect", "--model", s(&model), "--dot", s(&dot)], 0);
    assert!(
        std::fs::read_to_string(&dot)
            .unwrap()
            .starts_with("digraph")
    );
    let (_, err) = run(
        &[
            "inspect",
            "--model",
            s(&model),
            "--bif",
            s(&dir.path().join("x.bif")),
        ],
        2,
    );
    assert!(err.contains("BIF"), "{err}");
    let i = json(&["inspect", "--model", s(&model), "--json"]);
    assert_eq!(i["summary"]["learner"], "id3-weighted");
    assert_eq!(i["features"].as_array().unwrap().len(), 20);
}

#[test]
fn bayesian_network_exports_bif_and_dot() {
    let dir = tempfile::tempdir().unwrap();
    let data = small(dir.path());
    let model = dir.path().join("tan.json");
    run(
        &[
            "train",
            "--data",
            s(&data),
            "--target",
            "status",
            "--id",
            "customer_id",
            "--algo",
            "tan",
            "--folds",
            "3",
            "-o",
            s(&model),
        ],
        0,
    );
    // a .json name saves the JSON format
    let text = std::fs::read_to_string(&model).unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_ok());
    let (bif, dot) = (dir.path().join("tan.bif"), dir.path().join("tan.dot"));
    run(
        &[
            "inspect",
            "--model",
            s(&model),
            "--bif",
            s(&bif),
            "--dot",
            s(&dot),
        ],
        0,
    );
    let bif_text = std::fs::read_to_string(&bif).unwrap();
    assert!(
        bif_text.contains("network") && bif_text.contains("variable status"),
        "{bif_text}"
    );
    assert!(std::fs::read_to_string(&dot).unwrap().contains("digraph"));
    let (_, err) = run(&["inspect", "--model", s(&model), "--rules"], 2);
    assert!(err.contains("--rules"), "{err}");
}

#[test]
fn bad_model_files_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let junk = write(dir.path(), "junk.model", "this is not a model");
    let (_, err) = run(&["inspect", "--model", s(&junk)], 2);
    assert!(err.contains("junk.model"), "{err}");
    let data = small(dir.path());
    let out = dir.path().join("o.csv");
    let (_, err) = run(
        &[
            "score",
            "--model",
            s(&junk),
            "--data",
            s(&data),
            "-o",
            s(&out),
        ],
        2,
    );
    assert!(err.contains("junk.model"), "{err}");
    let (_, err) = run(
        &["evaluate", "--model", "/no/such.model", "--data", s(&data)],
        2,
    );
    assert!(err.contains("/no/such.model"), "{err}");
}

#[test]
fn scoring_bad_rows_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = small(dir.path());
    let model = dir.path().join("m.model");
    run(
        &[
            "train",
            "--data",
            s(&data),
            "--target",
            "status",
            "--id",
            "customer_id",
            "--algo",
            "naive-bayes",
            "-o",
            s(&model),
        ],
        0,
    );
    // a ragged row on line 4
    let text = std::fs::read_to_string(&data).unwrap();
    let mut lines: Vec<String> = text.lines().take(6).map(String::from).collect();
    lines[3] = "C9,1,2".into();
    let bad = write(dir.path(), "bad.csv", &(lines.join("\n") + "\n"));
    let out = dir.path().join("o.csv");
    let (_, err) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            s(&bad),
            "-o",
            s(&out),
        ],
        2,
    );
    assert!(err.contains("bad.csv") && err.contains("line 4"), "{err}");
    let r = json(&[
        "score",
        "--model",
        s(&model),
        "--data",
        s(&bad),
        "-o",
        s(&out),
        "--skip-bad-rows",
        "--json",
    ]);
    assert_eq!(r["rows_skipped"], 1);
    assert_eq!(r["rows_out"], 4);
}

#[test]
fn missing_tokens_of_training_are_stored_and_used_when_scoring() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "dash.csv", &dash_csv::dash_missing_csv(200));
    let model = dir.path().join("dash.model");
    run(
        &[
            "train",
            "--data",
            s(&data),
            "--target",
            "churn",
            "--id",
            "id",
            "--algo",
            "id3",
            "--missing",
            "-",
            "-o",
            s(&model),
        ],
        0,
    );
    // score without flags: "-" is read as missing, as in training.
    let scores = dir.path().join("scores.csv");
    let score = |extra: &[&str]| {
        let mut args = vec!["score", "--model", s(&model), "--data", s(&data)];
        args.extend(["-o", s(&scores), "--json"]);
        args.extend(extra);
        json(&args)
    };
    let r = score(&[]);
    assert_eq!(r["rows_out"], 200);
    assert_eq!(r["rows_with_warnings"], 0, "{r}");
    let text = std::fs::read_to_string(&scores).unwrap();
    assert!(!text.contains("not a number"), "{text}");
    // --missing overrides the model's tokens: "-" is then a bad number / unseen level.
    let r = score(&["--missing", "NA"]);
    assert_eq!(r["rows_out"], 200);
    assert!(r["rows_with_warnings"].as_u64().unwrap() >= 50, "{r}");
    let text = std::fs::read_to_string(&scores).unwrap();
    assert!(text.contains("'-' is not a number"), "{text}");
    // evaluate reads with the model's tokens too ("-" in the numeric column is no error).
    let e = json(&[
        "evaluate",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--json",
    ]);
    assert_eq!(e["report"]["n_rows"], 200);
    // inspect shows them.
    let (out, _) = run(&["inspect", "--model", s(&model)], 0);
    assert!(out.contains("missing   empty cells and '-'"), "{out}");
    let i = json(&["inspect", "--model", s(&model), "--json"]);
    assert_eq!(i["missing_tokens"], serde_json::json!(["-"]));
}

/// Trains `algo` on `data` (dropping `drop` when given) into `dir/NAME.model`.
fn train_model(dir: &Path, data: &Path, algo: &str, drop: Option<&str>) -> PathBuf {
    let model = dir.join(format!("{algo}.model"));
    let mut args = vec![
        "train",
        "--data",
        s(data),
        "--target",
        "status",
        "--id",
        "customer_id",
        "--algo",
        algo,
        "-o",
        s(&model),
    ];
    if let Some(d) = drop {
        args.extend(["--drop", d]);
    }
    run(&args, 0);
    model
}

#[test]
fn evaluate_prints_the_calibration_table_and_counts_the_models_features() {
    let dir = tempfile::tempdir().unwrap();
    let data = small(dir.path());
    let model = train_model(dir.path(), &data, "id3", Some("region"));
    let (out, _) = run(&["evaluate", "--model", s(&model), "--data", s(&data)], 0);
    // the file has 20 feature columns; the model uses 19 of them, and the one
    // dropped at training is ignored without a word (the model remembers the drop)
    assert!(out.contains("19 features"), "{out}");
    assert!(!out.contains("ignored"), "{out}");
    assert!(out.contains("calibration of P(churned)"), "{out}");
    assert!(
        out.contains("mean predicted") && out.contains("observed rate"),
        "{out}"
    );
    assert!(out.contains("(0.9, 1.0]"), "{out}");
    let v = json(&[
        "evaluate",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--json",
    ]);
    assert_eq!(v["data"]["features"], 19);
    assert_eq!(v["data"]["ignored_columns"], serde_json::json!([]));
    assert_eq!(v["data"]["dropped_columns"], serde_json::json!(["region"]));
}

#[test]
fn inspect_shows_importance_and_parents_and_file_exports_write_only_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = small(dir.path());
    let tree = train_model(dir.path(), &data, "id3-weighted", None);
    let (out, _) = run(&["inspect", "--model", s(&tree)], 0);
    assert!(out.contains("importance ("), "{out}");
    let v = json(&["inspect", "--model", s(&tree), "--json"]);
    let imp = v["importance"].as_array().expect("importance in JSON");
    assert_eq!(imp.len(), 20);
    let total: f64 = imp.iter().map(|x| x["importance"].as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");

    let tan = train_model(dir.path(), &data, "tan", None);
    let (out, _) = run(&["inspect", "--model", s(&tan)], 0);
    assert!(
        out.contains("network (each node with its parents)"),
        "{out}"
    );
    assert!(out.contains("status") && out.contains("<- (none)"), "{out}");
    let v = json(&["inspect", "--model", s(&tan), "--json"]);
    assert_eq!(v["parents"].as_array().map(Vec::len), Some(21));
    // a network's importance: mutual information with the class, one per feature
    assert!(out.contains("importance (mutual information"), "{out}");
    let mi = v["importance"].as_array().expect("importance in JSON");
    assert_eq!(mi.len(), 20);
    assert!(mi.iter().all(|x| x["importance"].as_f64().unwrap() >= 0.0));
    assert!(mi[0]["importance"].as_f64().unwrap() > 0.0);

    // --dot / --bif: the files, a 'wrote' line on stderr, nothing on stdout
    let (dot, bif) = (dir.path().join("n.dot"), dir.path().join("n.bif"));
    let (out, err) = run(
        &[
            "inspect",
            "--model",
            s(&tan),
            "--dot",
            s(&dot),
            "--bif",
            s(&bif),
        ],
        0,
    );
    assert!(out.is_empty(), "stdout: {out}");
    assert!(err.contains(&format!("wrote {}", dot.display())), "{err}");
    assert!(err.contains(&format!("wrote {}", bif.display())), "{err}");
    assert!(std::fs::read_to_string(&dot).unwrap().contains("digraph"));
    let tree_dot = dir.path().join("t.dot");
    let (out, _) = run(&["inspect", "--model", s(&tree), "--dot", s(&tree_dot)], 0);
    assert!(out.is_empty(), "stdout: {out}");
}

/// Two-class data: `train` tiers with three tiers by default (shown by `inspect`),
/// `--tiers` on `train` and `score`, a playbook file with an unknown column (a
/// warning naming it) or an unknown driver (an error naming the line), `--tenure`
/// stages, `--json-lines`.
#[test]
fn tiers_playbook_and_stages_on_two_class_data() {
    let dir = tempfile::tempdir().unwrap();
    let train = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-train.csv");
    let test = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-test.csv");
    let model = dir.path().join("telco.model");
    let book = write(
        dir.path(),
        "book.json",
        r#"{"columns": [{"column": "Contract", "driver": "competition"},
                       {"column": "NoSuchColumn", "driver": "price"}]}"#,
    );
    let base = [
        "train",
        "--data",
        train,
        "--target",
        "Churn",
        "--id",
        "customerID",
        "--algo",
        "id3-weighted",
    ];
    let mut args = base.to_vec();
    args.extend([
        "-o",
        s(&model),
        "--playbook",
        s(&book),
        "--tenure",
        "Tenure",
    ]);
    let (out, stderr) = run(&args, 0);
    assert!(stderr.contains("'NoSuchColumn'"), "{stderr}");
    assert!(out.contains("tiers out of sample"), "{out}");
    assert!(out.contains("  at_risk "), "{out}");
    let (out, _) = run(&["inspect", "--model", s(&model)], 0);
    assert!(out.contains("tiers     P(churn) >= "), "{out}");
    assert!(
        out.contains("at_risk") && out.contains("churn rate"),
        "{out}"
    );
    assert!(out.contains("stages    from 'Tenure'"), "{out}");
    assert!(out.contains("playbook  2 column rules"), "{out}");
    let scores = dir.path().join("scores.csv");
    run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            test,
            "-o",
            s(&scores),
        ],
        0,
    );
    let text = std::fs::read_to_string(&scores).unwrap();
    for tier in [",retained,", ",at_risk,", ",churned,"] {
        assert!(text.contains(tier), "{tier}");
    }
    assert!(text.contains(",trial,") && text.contains(",decline,"));
    // Score-time thresholds: everybody at or above 0 is churned.
    run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            test,
            "-o",
            s(&scores),
            "--tiers",
            "thresholds:0,0",
            "--json-lines",
            "--precision",
            "2",
        ],
        0,
    );
    let text = std::fs::read_to_string(&scores).unwrap();
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["tier"], "churned");
    assert_eq!(first["stage"], "trial");
    // top: is chosen at training only; a bad spec names itself.
    let (_, err) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            test,
            "-o",
            s(&scores),
            "--tiers",
            "top:5%,10%",
        ],
        2,
    );
    assert!(err.contains("train"), "{err}");
    let mut args = base.to_vec();
    args.extend(["--tiers", "thresholds:0.9,0.1"]);
    let (_, err) = run(&args, 2);
    assert!(err.contains("thresholds"), "{err}");
    // A playbook naming an unknown driver: an error naming the line.
    let bad = write(
        dir.path(),
        "bad.json",
        "{\"columns\": [\n {\"column\": \"Contract\", \"driver\": \"greed\"}]}",
    );
    let mut args = base.to_vec();
    args.extend(["--playbook", s(&bad)]);
    let (_, err) = run(&args, 2);
    assert!(err.contains("line 2") && err.contains("greed"), "{err}");
    // top: at training gives those shares on the held-out rows.
    let mut args = base.to_vec();
    args.extend(["--tiers", "top:10%,20%", "-o", s(&model)]);
    run(&args, 0);
    let (out, _) = run(&["inspect", "--model", s(&model)], 0);
    // Ties at a threshold go to the higher tier: at least the 10 % asked for.
    let churned: f64 = out
        .lines()
        .find(|l| l.starts_with("  churned"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|x| x.parse().ok())
        .unwrap();
    assert!((10.0..30.0).contains(&churned), "{out}");
}

#[test]
fn train_forest_reports_out_of_bag_and_names_a_forgotten_id() {
    let v = json(&[
        "train",
        "--data",
        SYNTH,
        "--target",
        "status",
        "--algo",
        "id3-weighted-forest",
        "--trees",
        "5",
        "--max-features",
        "3",
        "--json",
    ]);
    assert_eq!(v["algo"], "id3-weighted-forest");
    assert_eq!(v["params"]["trees"], 5);
    let oob = &v["out_of_bag"];
    assert!(oob["roc_auc"].as_f64().is_some_and(|a| a > 0.5), "{oob}");
    assert!(oob["rows"].as_u64().is_some_and(|r| r > 0), "{oob}");
    let w = v["warnings"].as_array().expect("warnings");
    let id = w
        .iter()
        .find(|x| x["column"] == "customer_id")
        .unwrap_or_else(|| panic!("{w:?}"));
    assert_eq!(id["kind"], "unique-per-row");
    assert!(id["hint"].as_str().unwrap().contains("--id customer_id"));
    // With --id the warning is gone, and the text report shows the OOB line.
    let (out, _) = run(
        &[
            "train",
            "--data",
            SYNTH,
            "--target",
            "status",
            "--id",
            "customer_id",
            "--algo",
            "id3-weighted-forest",
            "--trees",
            "5",
        ],
        0,
    );
    assert!(out.contains("out-of-bag"), "{out}");
    assert!(!out.contains("--id customer_id"), "{out}");
    // --trees alone keeps the out-of-bag tuning: its choice is printed.
    assert!(out.contains("tuning    out-of-bag (6 candidates)"), "{out}");
}

/// The born-again tree trains from the CLI like any tree: named in the report, the
/// tuned setting printed, a model that scores; streaming refuses it before reading.
#[test]
fn train_distilled_tree() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("d.model");
    let v = json(&[
        "train",
        "--data",
        SYNTH,
        "--target",
        "status",
        "--id",
        "customer_id",
        "--algo",
        "id3-weighted-distilled",
        "--output",
        model.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(v["algo"], "id3-weighted-distilled");
    let auc = v["validation"]["report"]["roc_auc"]
        .as_f64()
        .unwrap_or_else(|| panic!("{v}"));
    assert!(auc > 0.75, "{auc}");
    assert!(model.exists());
    let (_, err) = run(
        &[
            "train",
            "--data",
            SYNTH,
            "--target",
            "status",
            "--algo",
            "id3-weighted-distilled",
            "--stream",
            "on",
            "--output",
            dir.path().join("s.model").to_str().unwrap(),
        ],
        2,
    );
    assert!(err.contains("streaming training fits"), "{err}");
    assert!(!dir.path().join("s.model").exists());
}

/// Without the `distributed` feature, any engine but `memory` is a usage error that
/// says how to get one.
#[cfg(not(feature = "distributed"))]
#[test]
fn distributed_engines_need_the_feature() {
    let dir = tempfile::tempdir().unwrap();
    let data = small(dir.path());
    for engine in ["datafusion", "ballista", "ballista=sched:50050"] {
        let (_, err) = run(
            &[
                "train",
                "--data",
                s(&data),
                "--target",
                "churn",
                "--engine",
                engine,
            ],
            2,
        );
        assert!(err.contains("--features distributed"), "{engine}: {err}");
        assert!(err.contains(engine), "{engine}: {err}");
    }
}
