//! Hostile input: crafted model files, absurd parameters, huge or malformed CSV. Each
//! must end quickly with a clear error (or a correct answer), never with a stack
//! overflow, an abort on allocation, or a silent misreading.

use std::time::{Duration, Instant};

use assert_cmd::Command;
use churnkit::bayes::{BayesClassifier, NaiveBayes, query};
use churnkit::data::Table;
use churnkit::data::{CsvOptions, read_csv_from};

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

/// A table of `n` binary attributes `x0…` and a churn label, two rows.
fn binary_table(n: usize) -> Table {
    let mut csv = String::new();
    for j in 0..n {
        csv.push_str(&format!("x{j},"));
    }
    csv.push_str("Churn\n");
    for r in 0..4 {
        for _ in 0..n {
            csv.push_str(if r % 2 == 0 { "a," } else { "b," });
        }
        csv.push_str(if r < 2 { "Yes\n" } else { "No\n" });
    }
    read_csv_from(csv.as_bytes(), "grid.csv", &CsvOptions::new("Churn"))
        .unwrap()
        .0
}

#[test]
fn a_grid_bayesian_network_is_refused_before_inference_allocates() {
    // 20 × 20 grid of binary nodes; node (r, c) has parents (r-1, c) and (r, c-1); the
    // class is the last corner.
    let t = binary_table(399);
    let nb = NaiveBayes::new().fit_table(&t, &t.all_rows()).unwrap();
    let mut net = nb.net().clone();
    for r in 0..20 {
        for c in 0..20 {
            let mut parents = Vec::new();
            if r > 0 {
                parents.push((r - 1) * 20 + c);
            }
            if c > 0 {
                parents.push(r * 20 + c - 1);
            }
            net.set_parents(r * 20 + c, &parents).unwrap();
        }
    }
    let t0 = Instant::now();
    let err = query(&net, &[399], &[]).unwrap_err().to_string();
    assert!(err.contains("too densely connected"), "{err}");
    let err = BayesClassifier::new("grid".into(), nb.discretizer().clone(), net)
        .unwrap_err()
        .to_string();
    assert!(err.contains("too densely connected"), "{err}");
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
}

/// The first `rows` rows of the synthetic data set, in `dir`.
fn small_data(dir: &std::path::Path, rows: usize) -> std::path::PathBuf {
    let text = std::fs::read_to_string(SYNTH).unwrap();
    let head: Vec<&str> = text.lines().take(rows + 1).collect();
    let path = dir.join("small.csv");
    std::fs::write(&path, head.join("\n") + "\n").unwrap();
    path
}

/// A tree model trained on `data` (target `status`, id `customer_id`).
fn train(dir: &std::path::Path, data: &std::path::Path) -> std::path::PathBuf {
    let model = dir.join("churn.model");
    run(
        &[
            "train",
            "--data",
            data.to_str().unwrap(),
            "--target",
            "status",
            "--id",
            "customer_id",
            "--algo",
            "id3-weighted",
            "-o",
            model.to_str().unwrap(),
        ],
        0,
    );
    model
}

#[test]
fn a_huge_clv_horizon_is_refused_quickly_by_train_and_score() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path(), 200);
    let model = train(dir.path(), &data);
    let out = dir.path().join("scores.csv");
    let t0 = Instant::now();
    let (_, err) = run(
        &[
            "score",
            "--model",
            model.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--margin",
            "10",
            "--horizon",
            "4294967295",
            "-o",
            out.to_str().unwrap(),
        ],
        2,
    );
    assert!(err.contains("horizon") && err.contains("1200"), "{err}");
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    let (_, err) = run(
        &[
            "train",
            "--data",
            data.to_str().unwrap(),
            "--target",
            "status",
            "--algo",
            "id3-weighted",
            "--margin",
            "10",
            "--horizon",
            "4294967295",
            "-o",
            dir.path().join("m2.model").to_str().unwrap(),
        ],
        2,
    );
    assert!(err.contains("horizon") && err.contains("1200"), "{err}");
    // The limit itself is accepted.
    run(
        &[
            "score",
            "--model",
            model.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--margin",
            "10",
            "--horizon",
            "1200",
            "-o",
            out.to_str().unwrap(),
        ],
        0,
    );
}

#[test]
fn a_model_with_a_huge_horizon_is_refused_on_load() {
    let econ = churnkit::policy::Economics {
        clv: Some(churnkit::policy::ClvSpec {
            margin: churnkit::policy::Margin::Fixed(10.0),
            horizon: u32::MAX,
            discount_rate: 0.01,
        }),
        ..Default::default()
    };
    let err = econ.validate().unwrap_err().to_string();
    assert!(err.contains("at most 1200"), "{err}");
}

#[test]
fn score_refuses_a_duplicate_header_and_an_unknown_id_column() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path(), 50);
    let model = train(dir.path(), &data);
    let out = dir.path().join("scores.csv");
    // The header repeats `tenure_months` (the second copy renamed from `age_band`).
    let text = std::fs::read_to_string(&data).unwrap();
    let dup = dir.path().join("dup.csv");
    std::fs::write(&dup, text.replacen("age_band", "tenure_months", 1)).unwrap();
    let (_, err) = run(
        &[
            "score",
            "--model",
            model.to_str().unwrap(),
            "--data",
            dup.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        2,
    );
    assert!(
        err.contains("duplicate column name") && err.contains("'tenure_months'"),
        "{err}"
    );
    assert!(err.contains("line 1"), "{err}");
    let (_, err) = run(
        &[
            "score",
            "--model",
            model.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--id",
            "nosuch",
            "-o",
            out.to_str().unwrap(),
        ],
        2,
    );
    assert!(
        err.contains("'nosuch'") && err.contains("id column"),
        "{err}"
    );
}

/// The JSON of a model trained on the synthetic data.
fn model_json() -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path(), 50);
    let model = churnkit::model::Model::load(train(dir.path(), &data)).unwrap();
    serde_json::from_str(&model.to_json_string().unwrap()).unwrap()
}

#[test]
fn crafted_models_with_bad_probabilities_or_repeated_classes_are_refused_on_load() {
    let good = model_json();
    let classes = good["model"]["schema"]["target"]["classes"].clone();
    assert_eq!(classes.as_array().unwrap().len(), 3);
    churnkit::model::Model::from_json_str(&good.to_string()).unwrap();
    // A ZeroR body holds no levels: the schema keeps its own (none of them here).
    let zeror = |proba: serde_json::Value| {
        let mut v = good.clone();
        v["model"]["levels_in_body"] = serde_json::json!([]);
        v["model"]["body"] = serde_json::json!({"ZeroR": {"classes": classes, "proba": proba}});
        churnkit::model::Model::from_json_str(&v.to_string())
    };
    zeror(serde_json::json!([0.2, 0.3, 0.5])).unwrap();
    for bad in [
        serde_json::json!([1.5, -0.5, 0.0]),
        serde_json::json!([0.5, 0.5, 0.5]),
        serde_json::json!([0.1, 0.1, 0.1]),
    ] {
        let err = zeror(bad.clone()).unwrap_err().to_string();
        assert!(err.contains("inconsistent"), "{bad}: {err}");
    }
    // Three classes named `churned`.
    let mut v = good.clone();
    let same = serde_json::json!(["churned", "churned", "churned"]);
    v["model"]["schema"]["target"]["classes"] = same.clone();
    v["model"]["levels_in_body"] = serde_json::json!([]);
    v["model"]["body"] = serde_json::json!({"ZeroR": {"classes": same, "proba": [0.2, 0.3, 0.5]}});
    let err = churnkit::model::Model::from_json_str(&v.to_string())
        .unwrap_err()
        .to_string();
    assert!(err.contains("'churned' is named twice"), "{err}");
}

/// 200 rows: a numeric `charge` (row `bad_row` holds `bad`), a text `plan`, a label.
fn csv_with_bad_number(bad: &str, bad_row: usize) -> Vec<u8> {
    let mut csv = b"charge,plan,Churn\n".to_vec();
    for r in 0..200 {
        if r == bad_row {
            csv.extend_from_slice(bad.as_bytes());
        } else {
            csv.extend_from_slice(format!("{}.5", r % 37).as_bytes());
        }
        let plan = ["basic", "plus", "pro"][r % 3];
        let label = if r % 4 == 0 { "Yes" } else { "No" };
        csv.extend_from_slice(format!(",{plan},{label}\n").as_bytes());
    }
    csv
}

#[test]
fn one_non_finite_cell_does_not_turn_a_numeric_column_categorical() {
    use churnkit::data::BadCellPolicy;
    for bad in ["inf", "NaN", "1e309", "-inf", "12\0", "oops"] {
        let csv = csv_with_bad_number(bad, 150);
        let err = read_csv_from(&csv[..], "bad.csv", &CsvOptions::new("Churn"))
            .unwrap_err()
            .to_string();
        // Line 152: the header is line 1, row 0 is line 2.
        assert!(
            err.contains("bad.csv") && err.contains("line 152") && err.contains("'charge'"),
            "{bad:?}: {err}"
        );
        assert!(err.contains("not a number"), "{bad:?}: {err}");
        let (t, report) = read_csv_from(
            &csv[..],
            "bad.csv",
            &CsvOptions::new("Churn").on_bad_cell(BadCellPolicy::Missing),
        )
        .unwrap();
        assert!(t.schema().features[0].is_numeric(), "{bad:?}");
        assert!(!t.schema().features[1].is_numeric());
        assert_eq!(report.bad_cells.len(), 1, "{bad:?}");
        assert_eq!(report.bad_cells[0].column, "charge");
        assert_eq!(report.bad_cells[0].count, 1);
        assert_eq!(report.bad_cells[0].lines, [152]);
    }
    // A column with more than 5 % text is categorical, as before.
    let mut csv = b"code,Churn\n".to_vec();
    for r in 0..100 {
        let cell = if r % 10 == 0 {
            "unknown".to_string()
        } else {
            r.to_string()
        };
        csv.extend_from_slice(
            format!("{cell},{}\n", if r % 2 == 0 { "Yes" } else { "No" }).as_bytes(),
        );
    }
    let (t, _) = read_csv_from(&csv[..], "mixed.csv", &CsvOptions::new("Churn")).unwrap();
    assert!(!t.schema().features[0].is_numeric());
}

/// A 64 MiB file with no line break, in `dir`.
fn newline_free_file(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("no-newline.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..64 {
        f.write_all(&chunk).unwrap();
    }
    f.flush().unwrap();
    path
}

#[test]
fn a_file_without_line_breaks_is_refused_after_the_record_limit() {
    let dir = tempfile::tempdir().unwrap();
    let big = newline_free_file(dir.path());
    let t0 = Instant::now();
    let err = churnkit::data::read_csv_report(&big, &CsvOptions::new("Churn"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no-newline.csv") && err.contains("line 1") && err.contains("16777216 bytes"),
        "{err}"
    );
    assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
    assert_eq!(churnkit::data::MAX_RECORD_BYTES, 16 << 20);
    // The command line: exit 2, and (where /usr/bin/time can tell) peak memory well
    // under the file's size.
    let model = dir.path().join("m.model");
    let args = [
        "train",
        "--data",
        big.to_str().unwrap(),
        "--target",
        "Churn",
        "--algo",
        "id3-weighted",
        "-o",
        model.to_str().unwrap(),
    ];
    let (_, err) = run(&args, 2);
    assert!(
        err.contains("line 1") && err.contains("16777216 bytes"),
        "{err}"
    );
    if std::path::Path::new("/usr/bin/time").exists() {
        let out = std::process::Command::new("/usr/bin/time")
            .args(["-f", "maxrss_kb=%M"])
            .arg(assert_cmd::cargo::cargo_bin("churnkit"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let kb: u64 = stderr
            .lines()
            .find_map(|l| l.strip_prefix("maxrss_kb="))
            .and_then(|x| x.trim().parse().ok())
            .unwrap_or_else(|| panic!("{stderr}"));
        assert!(kb < 60 * 1024, "peak RSS {kb} KiB for a 64 MiB file");
    }
}

/// `data`'s text with `f` applied to its data rows (0-based), written as `name`.
fn rewrite(
    dir: &std::path::Path,
    data: &std::path::Path,
    name: &str,
    eol: &str,
    f: impl Fn(usize, &str) -> String,
) -> std::path::PathBuf {
    let text = std::fs::read_to_string(data).unwrap();
    let mut lines = text.lines();
    let mut out = String::from(lines.next().unwrap());
    out.push_str(eol);
    for (i, l) in lines.enumerate() {
        out.push_str(&f(i, l));
        out.push_str(eol);
    }
    let path = dir.join(name);
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn score_errors_are_sentences_with_the_physical_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path(), 30);
    let model = train(dir.path(), &data);
    let out = dir.path().join("scores.csv");
    let score = |input: &std::path::Path| {
        run(
            &[
                "score",
                "--model",
                model.to_str().unwrap(),
                "--data",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ],
            2,
        )
        .1
    };
    // Row 1's id spans two lines (a quoted line break); row 4 has an extra field: it
    // starts on line 1 (header) + 4 + 1 + 1 = line 7 of the file.
    let ragged = |i: usize, l: &str| match i {
        1 => format!("\"{}\nsecond line\"{}", &l[..8], &l[8..]),
        4 => format!("{l},extra"),
        _ => l.to_string(),
    };
    for (eol, name) in [("\n", "lf.csv"), ("\r\n", "crlf.csv")] {
        let err = score(&rewrite(dir.path(), &data, name, eol, ragged));
        assert!(
            err.contains("line 7") && err.contains("the row has 23 fields but the header has 22"),
            "{name}: {err}"
        );
        assert!(!err.contains("UnequalLengths"), "{err}");
    }
    // CR-only line ends (no quoted line break): row 4 is on line 6.
    let cr = rewrite(dir.path(), &data, "cr.csv", "\r", |i, l| {
        if i == 4 {
            format!("{l},extra")
        } else {
            l.to_string()
        }
    });
    let err = score(&cr);
    assert!(err.contains("line 6") && err.contains("23 fields"), "{err}");
    // A cell that is not UTF-8: its column by name.
    let text = std::fs::read(&data).unwrap();
    let at = text.windows(5).position(|w| w == b"north").unwrap();
    let mut bad = text.clone();
    bad[at] = 0xff;
    let bad_path = dir.path().join("latin1.csv");
    std::fs::write(&bad_path, &bad).unwrap();
    let err = score(&bad_path);
    assert!(
        err.contains("'region'") && err.contains("not valid UTF-8"),
        "{err}"
    );
    assert!(!err.contains("Utf8"), "{err}");
}

#[test]
fn the_training_reader_counts_lines_after_quoted_breaks_and_lone_crs() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path(), 30);
    let ragged = |i: usize, l: &str| match i {
        1 => format!("\"{}\nsecond line\"{}", &l[..8], &l[8..]),
        4 => format!("{l},extra"),
        _ => l.to_string(),
    };
    for (eol, name, line) in [
        ("\n", "lf.csv", 7),
        ("\r\n", "crlf.csv", 7),
        ("\r", "cr.csv", 7),
    ] {
        let path = rewrite(dir.path(), &data, name, eol, ragged);
        let err = churnkit::data::read_csv(&path, &CsvOptions::new("status"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("line {line}")) && err.contains("23 fields"),
            "{name}: {err}"
        );
    }
}

#[test]
fn user_input_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_data(dir.path(), 6);
    let model = dir.path().join("m.model");
    for extra in [&["--folds", "50"][..], &["--test-fraction", "0.01"]] {
        let mut args = vec![
            "train",
            "--data",
            data.to_str().unwrap(),
            "--target",
            "status",
            "--algo",
            "id3-weighted",
            "-o",
            model.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        run(&args, 2);
    }
}

#[test]
fn a_crafted_100000_deep_tree_is_refused_on_load_without_overflowing_the_stack() {
    let mut v = model_json();
    // The tree's schema is its discretizer's (stored once, from format 4).
    let disc = v["model"]["body"]["Tree"]["discretizer"].clone();
    let levels =
        |e: &serde_json::Value| e["Categorical"]["levels"].as_array().map_or(0, |l| l.len());
    let encoders = disc["encoders"].as_array().unwrap();
    let j = encoders.iter().position(|e| levels(e) >= 2).unwrap();
    let card = levels(&encoders[j]) + 1;
    let k = disc["classes"].as_array().unwrap().len();
    let tree = &mut v["model"]["body"]["Tree"]["tree"];
    assert!(tree["nodes"].is_array(), "{}", tree);
    let depth = 100_000usize;
    let (mut nodes, mut slots) = (Vec::new(), Vec::new());
    let node = |feature: u64, first: usize, d: usize| {
        serde_json::json!({"feature": feature, "first_slot": first, "depth": d,
                           "gain": 0.1, "weight": 2.0})
    };
    for d in 0..depth {
        nodes.push(node(j as u64, slots.len(), d));
        let mut block = vec![u32::MAX; card];
        block[0] = 2 * d as u32 + 1;
        block[1] = 2 * d as u32 + 2;
        slots.extend(block);
        nodes.push(node(u32::MAX as u64, 0, d + 1));
    }
    nodes.push(node(u32::MAX as u64, 0, depth));
    tree["counts"] = serde_json::json!(vec![1.0; k * nodes.len()]);
    tree["nodes"] = serde_json::Value::Array(nodes);
    tree["slots"] = serde_json::json!(slots);
    let text = v.to_string();
    let err = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let t0 = Instant::now();
            let r = churnkit::model::Model::from_json_str(&text).map(|_| ());
            (r, t0.elapsed())
        })
        .unwrap()
        .join()
        .unwrap();
    let (r, took) = err;
    let msg = r.unwrap_err().to_string();
    assert!(msg.contains("deeper than 1000"), "{msg}");
    assert!(took < Duration::from_secs(30), "{took:?}");
}
