//! The `churnkit` command line as a newcomer meets it: the model is fitted on all
//! rows by default, the delimiter of a scoring file is detected, error messages name
//! the flag that fixes them, scoring warnings are summarised per column, progress and
//! completions. Each test runs the exact command of the finding it covers.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const SYNTH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");
const TELCO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/datasets/telco-customer-churn.csv"
);

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

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

/// A model trained on the Telco file (id3, all rows).
fn telco_model(dir: &Path) -> PathBuf {
    let model = dir.join("telco.model");
    run(
        &[
            "train",
            "--data",
            TELCO,
            "--target",
            "Churn",
            "--id",
            "customerID",
            "--algo",
            "id3",
            "-o",
            s(&model),
        ],
        0,
    );
    model
}

// Finding 3: a plain way to fit on all rows.

#[test]
fn train_fits_the_saved_model_on_all_rows_by_default() {
    let v = json(&[
        "train", "--data", SYNTH, "--target", "status", "--algo", "zero-r", "--json",
    ]);
    assert_eq!(v["validation"]["method"], "holdout");
    assert_eq!(v["validation"]["test_rows"], 1500);
    assert_eq!(v["train_rows"], 5000);
    let (out, _) = run(
        &[
            "train", "--data", SYNTH, "--target", "status", "--algo", "zero-r",
        ],
        0,
    );
    assert!(
        out.contains("saved model fitted on 5000 rows, all of them"),
        "{out}"
    );
}

#[test]
fn no_refit_ships_the_training_part_model() {
    let v = json(&[
        "train",
        "--data",
        SYNTH,
        "--target",
        "status",
        "--algo",
        "zero-r",
        "--no-refit",
        "--json",
    ]);
    assert_eq!(v["train_rows"], 3500);
    let (_, err) = run(
        &[
            "train",
            "--data",
            SYNTH,
            "--target",
            "status",
            "--algo",
            "zero-r",
            "--no-refit",
            "--folds",
            "3",
        ],
        2,
    );
    assert!(err.contains("--no-refit"), "{err}");
}

#[test]
fn test_fraction_zero_and_validate_none_fit_without_validation() {
    for flags in [["--test-fraction", "0"], ["--validate", "none"]] {
        let mut args = vec![
            "train", "--data", SYNTH, "--target", "status", "--algo", "zero-r", "--json",
        ];
        args.extend(flags);
        let v = json(&args);
        assert_eq!(v["validation"]["method"], "none", "{flags:?}");
        assert_eq!(v["train_rows"], 5000, "{flags:?}");
    }
    let (out, _) = run(
        &[
            "train",
            "--data",
            SYNTH,
            "--target",
            "status",
            "--algo",
            "zero-r",
            "--validate",
            "none",
        ],
        0,
    );
    assert!(out.contains("no validation"), "{out}");
}

// Finding 4: score detects the delimiter.

#[test]
fn score_detects_a_semicolon_delimiter() {
    let dir = tempfile::tempdir().unwrap();
    let model = telco_model(dir.path());
    let text = std::fs::read_to_string(TELCO).unwrap().replace(',', ";");
    let semi = write(dir.path(), "telco-semicolon.csv", text.as_bytes());
    let out = dir.path().join("scores.csv");
    let (stdout, _) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            s(&semi),
            "-o",
            s(&out),
        ],
        0,
    );
    assert!(stdout.contains("scored 7043 of 7043"), "{stdout}");
    // Forcing the wrong one explains itself.
    let (_, err) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            s(&semi),
            "-o",
            s(&out),
            "--delimiter",
            ",",
        ],
        2,
    );
    assert!(err.contains("split on ',' gives one column"), "{err}");
    assert!(err.contains("--delimiter ';'"), "{err}");
}

// Finding 6: messages in the CLI's words.

#[test]
fn label_hints_name_the_flags_and_the_real_cell_text() {
    let dir = tempfile::tempdir().unwrap();
    let q = write(dir.path(), "q.csv", b"a,b,Churn\n1,x,Yes\n2,y,?\n3,z,No\n");
    let (_, err) = run(
        &[
            "train",
            "--data",
            s(&q),
            "--target",
            "Churn",
            "--algo",
            "zero-r",
        ],
        2,
    );
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("label '?'"), "{err}");
    assert!(err.contains("--on-bad-label skip"), "{err}");
    assert!(!err.contains("BadLabelPolicy"), "{err}");
    let odd = write(dir.path(), "odd.csv", b"a,state\n1,open\n2,closed\n");
    let (_, err) = run(
        &[
            "train",
            "--data",
            s(&odd),
            "--target",
            "state",
            "--algo",
            "zero-r",
        ],
        2,
    );
    assert!(err.contains("--positive"), "{err}");
    assert!(err.contains("--map"), "{err}");
    assert!(!err.contains(".positive_label"), "{err}");
    assert!(!err.contains(".class_map"), "{err}");
}

#[test]
fn did_you_mean_for_target_id_and_drop() {
    let (_, err) = run(
        &[
            "train", "--data", TELCO, "--target", "churn", "--algo", "zero-r",
        ],
        2,
    );
    assert!(err.contains("did you mean 'Churn'"), "{err}");
    let (_, err) = run(
        &[
            "train",
            "--data",
            TELCO,
            "--target",
            "Churn",
            "--id",
            "customerid",
            "--algo",
            "zero-r",
        ],
        2,
    );
    assert!(err.contains("did you mean 'customerID'"), "{err}");
    let (_, err) = run(
        &[
            "train", "--data", TELCO, "--target", "Churn", "--drop", "gendr", "--algo", "zero-r",
        ],
        2,
    );
    assert!(err.contains("did you mean 'gender'"), "{err}");
}

#[test]
fn wrong_delimiter_shows_the_detected_one_and_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = write(dir.path(), "pipe.csv", b"id|plan|Churn\n1|a|Yes\n2|b|No\n");
    let (_, err) = run(
        &[
            "train",
            "--data",
            s(&pipe),
            "--target",
            "Churn",
            "--algo",
            "zero-r",
        ],
        2,
    );
    assert!(
        err.contains("split on ',' gives one column, 'id|plan|Churn'"),
        "{err}"
    );
    assert!(err.contains("--delimiter"), "{err}");
}

#[test]
fn gzip_parquet_and_arrow_files_get_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let gz = write(
        dir.path(),
        "c.csv.gz",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xfe",
    );
    let (_, err) = run(
        &[
            "train",
            "--data",
            s(&gz),
            "--target",
            "Churn",
            "--algo",
            "zero-r",
        ],
        2,
    );
    assert!(err.contains("gzip-compressed"), "{err}");
    assert!(err.contains("gunzip"), "{err}");
    assert!(!err.contains('\u{fffd}'), "no binary garbage: {err}");
    let pq = write(dir.path(), "c.parquet", b"PAR1\x15\x04\x15\x00\x00");
    let (_, err) = run(
        &[
            "train",
            "--data",
            s(&pq),
            "--target",
            "Churn",
            "--algo",
            "zero-r",
        ],
        2,
    );
    assert!(err.contains("Parquet"), "{err}");
    if cfg!(feature = "parquet") {
        assert!(err.contains("cannot read it as a Parquet file"), "{err}");
    } else {
        assert!(err.contains("--features parquet"), "{err}");
    }
    let arrow = write(dir.path(), "c.arrow", b"ARROW1\x00\x00\xff\xff");
    let model = telco_model(dir.path());
    let out = dir.path().join("scores.csv");
    let (_, err) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            s(&arrow),
            "-o",
            s(&out),
        ],
        2,
    );
    assert!(err.contains("Arrow"), "{err}");
    if cfg!(feature = "arrow") {
        assert!(err.contains("cannot read it as an Arrow IPC file"), "{err}");
    } else {
        assert!(err.contains("--features arrow"), "{err}");
    }
}

// Finding 5: warnings people read.

/// The Telco file with `gender` recoded Male/Female → M/F on all rows but the first
/// `keep` ones, and an extra `notes` column.
fn recoded_telco(dir: &Path, keep: usize) -> PathBuf {
    let text = std::fs::read_to_string(TELCO).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let line = if i == 0 {
            format!("{line},notes")
        } else if i > keep {
            let l = line
                .replacen(",Male,", ",M,", 1)
                .replacen(",Female,", ",F,", 1);
            format!("{l},call back")
        } else {
            format!("{line},")
        };
        out.push_str(&line);
        out.push('\n');
    }
    write(dir, "recoded.csv", out.as_bytes())
}

#[test]
fn a_recoded_column_fails_score_and_keeps_the_old_output() {
    let dir = tempfile::tempdir().unwrap();
    let model = telco_model(dir.path());
    let data = recoded_telco(dir.path(), 3);
    let out = write(dir.path(), "scores.csv", b"previous scores\n");
    let (_, err) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            s(&data),
            "-o",
            s(&out),
        ],
        2,
    );
    assert!(
        err.contains("gender: 7,040 of 7,043 values never seen in training, e.g. 'F', 'M'")
            || err.contains("gender: 7,040 of 7,043 values never seen in training, e.g. 'M', 'F'"),
        "{err}"
    );
    assert!(err.contains("--allow-drift"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), b"previous scores\n");
    // --allow-drift scores anyway and summarises by column.
    let (stdout, stderr) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            s(&data),
            "-o",
            s(&out),
            "--allow-drift",
        ],
        0,
    );
    assert!(
        stdout.contains("warning: gender: 7,040 of 7,043 values never seen"),
        "{stdout}"
    );
    assert!(
        stderr.contains("ignoring columns the model does not use: notes"),
        "{stderr}"
    );
    // The extra column warns in no row: the first rows (gender kept) carry no warning.
    let scores = std::fs::read_to_string(&out).unwrap();
    let row1 = scores.lines().nth(1).unwrap();
    assert!(row1.ends_with(','), "{row1}");
    assert!(
        !scores.contains("notes"),
        "no per-row warning for the extra column"
    );
}

#[test]
fn score_json_has_the_per_column_summary() {
    let dir = tempfile::tempdir().unwrap();
    let model = telco_model(dir.path());
    let data = recoded_telco(dir.path(), 7000);
    let out = dir.path().join("scores.csv");
    let v = json(&[
        "score",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "-o",
        s(&out),
        "--json",
    ]);
    assert_eq!(v["ignored_columns"], serde_json::json!(["notes"]), "{v}");
    let cols = v["columns"].as_array().unwrap();
    assert_eq!(cols.len(), 1, "{v}");
    assert_eq!(cols[0]["column"], "gender");
    assert_eq!(cols[0]["kind"], "unseen");
    assert_eq!(cols[0]["count"], 43);
    assert_eq!(cols[0]["of"], 7043);
    assert_eq!(v["rows_with_warnings"], 43);
}

// Finding 8: rounded text, progress only on a terminal, completions.

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let (out, _) = run(&["completions", shell], 0);
        assert!(out.contains("churnkit"), "{shell}");
        assert!(out.contains("allow-drift"), "{shell}: {out}");
        assert!(out.contains("no-refit"), "{shell}");
    }
    run(&["completions", "tcsh"], 2);
}

/// A number printed with more than six decimals (a probability in full precision).
fn long_number(text: &str) -> Option<&str> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .find(|w| w.split_once('.').is_some_and(|(_, d)| d.len() > 6))
}

#[test]
fn text_outputs_round_numbers_and_draw_no_progress_into_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.model");
    let (train, train_err) = run(
        &[
            "train",
            "--data",
            SYNTH,
            "--target",
            "status",
            "--id",
            "customer_id",
            "--algo",
            "tan",
            "-o",
            s(&model),
        ],
        0,
    );
    let (inspect, _) = run(&["inspect", "--model", s(&model)], 0);
    let (evaluate, _) = run(&["evaluate", "--model", s(&model), "--data", SYNTH], 0);
    let out = dir.path().join("scores.csv");
    let (score, score_err) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            SYNTH,
            "-o",
            s(&out),
            "--progress",
        ],
        0,
    );
    let (compare, compare_err) = run(
        &[
            "compare",
            "--data",
            SYNTH,
            "--target",
            "status",
            "--algos",
            "zero-r,id3",
            "--folds",
            "3",
        ],
        0,
    );
    for (name, text) in [
        ("train", &train),
        ("inspect", &inspect),
        ("evaluate", &evaluate),
        ("score", &score),
        ("compare", &compare),
    ] {
        assert_eq!(long_number(text), None, "{name}:\n{text}");
    }
    for err in [&train_err, &score_err, &compare_err] {
        assert!(!err.contains("rows/s"), "{err}");
        assert!(!err.contains('\r') && !err.contains('\u{1b}'), "{err:?}");
    }
}

/// `train` needs no `--algo`: the self-tuning weighted-entropy tree is the default.
#[test]
fn train_defaults_to_the_weighted_tree() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_churnkit"))
        .args([
            "train",
            "--data",
            concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/telco-train.csv"),
            "--target",
            "Churn",
            "--id",
            "customerID",
            "--json",
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["algo"], "id3-weighted");
}

/// A `|`-separated export with house labels, a dropped column and an id: train stores
/// how it read the file, so `evaluate`, `report`-style reading and `score` need none of
/// the flags repeated (finding 2), and the dropped column is ignored silently.
fn house_file(dir: &Path, name: &str, rows: std::ops::Range<usize>) -> PathBuf {
    let mut csv = String::from("cust|plan|calls|note|status\n");
    for i in rows {
        let plan = ["basic", "pro", "max"][i % 3];
        let calls = (i * 7) % 13;
        let gone = (calls > 8) ^ (i % 11 == 0);
        let label = if gone { "gone" } else { "here" };
        csv.push_str(&format!("c{i}|{plan}|{calls}|n{}|{label}\n", i % 5));
    }
    write(dir, name, csv.as_bytes())
}

#[test]
fn the_model_remembers_how_its_training_file_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let train = house_file(dir.path(), "train.psv", 0..300);
    let test = house_file(dir.path(), "test.psv", 300..420);
    let model = dir.path().join("m.model");
    run(
        &[
            "train",
            "--data",
            s(&train),
            "--target",
            "status",
            "--positive",
            "gone",
            "--drop",
            "note",
            "--id",
            "cust",
            "--delimiter",
            "|",
            "--on-bad-label",
            "skip",
            "-o",
            s(&model),
        ],
        0,
    );
    // inspect shows how the file was read.
    let (text, _) = run(&["inspect", "--model", s(&model)], 0);
    assert!(text.contains("read as   delimiter"), "{text}");
    assert!(text.contains("--positive gone"), "{text}");
    assert!(text.contains("'gone' → churned"), "{text}");
    assert!(text.contains("dropped note"), "{text}");
    assert!(text.contains("--on-bad-label skip"), "{text}");

    // evaluate: no --positive, --delimiter, --drop or --id repeated.
    let v = json(&[
        "evaluate",
        "--model",
        s(&model),
        "--data",
        s(&test),
        "--json",
    ]);
    assert_eq!(v["data"]["rows"], 120, "{v}");
    assert_eq!(v["data"]["ignored_columns"], serde_json::json!([]), "{v}");
    let (_, stderr) = run(&["evaluate", "--model", s(&model), "--data", s(&test)], 0);
    assert!(!stderr.contains("note:"), "{stderr}");

    // score: the dropped column is ignored without a word, the delimiter is the model's.
    let out = dir.path().join("scores.csv");
    let (stdout, stderr) = run(
        &[
            "score",
            "--model",
            s(&model),
            "--data",
            s(&test),
            "-o",
            s(&out),
        ],
        0,
    );
    assert!(!stderr.contains("note"), "{stderr}");
    assert!(!stderr.contains("ignoring"), "{stderr}");
    assert!(stdout.contains("scored 120 of 120"), "{stdout}");
    let scores = std::fs::read_to_string(&out).unwrap();
    assert!(
        scores.lines().nth(1).unwrap().starts_with("c300,"),
        "{scores}"
    );

    // Flags still override, and say so: a label rule naming the other class.
    let (_, stderr) = run(
        &[
            "evaluate",
            "--model",
            s(&model),
            "--data",
            s(&test),
            "--positive",
            "here",
        ],
        0,
    );
    assert!(
        stderr.contains("note: labels: --positive here overrides the model's --positive gone"),
        "{stderr}"
    );
    // A bad label is skipped as in training (the stored policy), not an error.
    let mut bad = std::fs::read_to_string(&test).unwrap();
    bad.push_str("c999|pro|3|n1|???\n");
    let bad = write(dir.path(), "bad.psv", bad.as_bytes());
    let v = json(&[
        "evaluate",
        "--model",
        s(&model),
        "--data",
        s(&bad),
        "--json",
    ]);
    assert_eq!(v["data"]["rows"], 120, "{v}");
    // ... unless the flag says otherwise.
    let (_, stderr) = run(
        &[
            "evaluate",
            "--model",
            s(&model),
            "--data",
            s(&bad),
            "--on-bad-label",
            "error",
        ],
        2,
    );
    assert!(stderr.contains("???"), "{stderr}");
}
