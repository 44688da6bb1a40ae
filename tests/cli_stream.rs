//! `churnkit train --stream`: streaming training from the command line.

use assert_cmd::Command;
use serde_json::Value;

const SYNTH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/synthetic-churn.csv");

fn churnkit() -> Command {
    Command::cargo_bin("churnkit").expect("the churnkit binary is built")
}

/// Runs `args`; returns (success, stdout, stderr).
fn run(args: &[&str]) -> (bool, String, String) {
    let out = churnkit().args(args).output().expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn train(model: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "train",
        "--data",
        SYNTH,
        "--target",
        "status",
        "--id",
        "customer_id",
        "--json",
        "-o",
        model,
    ];
    args.extend_from_slice(extra);
    let (ok, stdout, stderr) = run(&args);
    assert!(ok, "{args:?}\n{stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

#[test]
fn a_sample_of_every_row_saves_the_in_memory_model() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("off.ck"), dir.path().join("on.ck"));
    let off = train(a.to_str().unwrap(), &["--stream", "off"]);
    let on = train(b.to_str().unwrap(), &["--stream", "on"]);
    assert!(off.get("stream").is_none());
    assert_eq!(on["stream"]["sample_rows"], 5000);
    assert_eq!(on["train_rows"], 5000);
    assert_eq!(on["data"]["class_counts"], off["data"]["class_counts"]);
    assert_eq!(on["validation"], off["validation"]);
    let (a, b) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert!(a == b, "the two model files differ");
}

#[test]
fn a_small_sample_trains_on_every_row_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.ck");
    let m = model.to_str().unwrap();
    let v = train(
        m,
        &["--stream", "on", "--stream-sample", "1000", "--algo", "tan"],
    );
    assert_eq!(v["stream"]["sample_rows"], 1000);
    assert_eq!(v["train_rows"], 5000);
    assert_eq!(v["data"]["rows"], 5000);
    assert_eq!(v["params"]["stream"]["rows"], 5000);
    // 30 % of the sample (stratified, rounded per class), not of the file.
    let test_rows = v["validation"]["test_rows"].as_u64().unwrap();
    assert!((298..=302).contains(&test_rows), "{test_rows}");
    let scores = dir.path().join("s.csv");
    let (ok, _, stderr) = run(&[
        "score",
        "--model",
        m,
        "--data",
        SYNTH,
        "-o",
        scores.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let text = std::fs::read_to_string(&scores).unwrap();
    assert_eq!(text.lines().count(), 5001);
}

#[test]
fn what_cannot_stream_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.ck");
    let m = m.to_str().unwrap();
    let base = [
        "train", "--data", SYNTH, "--target", "status", "-o", m, "--stream", "on",
    ];
    let cases: [(&[&str], &str); 4] = [
        (&["--algo", "zero-r"], "streaming training fits"),
        (&["--duration", "tenure_months"], "time-to-churn"),
        (&["--no-refit"], "every row"),
        (&["--format", "parquet"], "streams CSV files only"),
    ];
    for (extra, message) in cases {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let (ok, _, stderr) = run(&args);
        assert!(!ok, "{args:?} succeeded");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let (ok, _, stderr) = run(&[
        "train",
        "--data",
        SYNTH,
        "--target",
        "status",
        "--stream",
        "on",
        "--stream-sample",
        "1",
    ]);
    assert!(!ok);
    assert!(stderr.contains("sample_rows"), "{stderr}");
}
